import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../composition.ts'
import { DomainRuleError } from '../../lib/errors.ts'
import { singleError, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { requireAction } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { agencyKindName } from '../agencies/agency-kinds.ts'
import {
  addAgencyForm,
  addLocalityForm,
  agenciesQuery,
  buttonForm,
  deactivateUserForm,
  editAgencyForm,
  inviteUserForm,
  renameLocalityForm,
  resetSecondFactorForm,
  settingsForm,
  userAccessForm,
  usersQuery,
} from './admin.schemas.ts'
import {
  StaleEditError,
  USERS_PER_PAGE,
  type Agency,
  type AuthoritySettings,
  type Locality,
  type UserDetail,
} from './admin.service.ts'
import {
  agencyItems,
  agencyRows,
  agencySummaryRows,
  agencyValues,
  coordinatorLocalityItems,
  keptVersion,
  kindItems,
  listOf,
  localityItems,
  localityRows,
  nationName,
  pagination,
  roleItems,
  settingsSummaryRows,
  settingsValues,
  submittedValues,
  userAccessSummaryRows,
  userRows,
  userSummaryRows,
  type FormValues,
} from './admin.view-models.ts'
import { noticeFrom, withNotice } from '../../lib/notices.ts'

type Conflict = { rows: { key: { text: string }; value: { text: string } }[] }
type Page = {
  formErrors?: FormErrors | undefined
  conflict?: Conflict | undefined
  status?: number
  notice?: { success: boolean; text: string } | undefined
}
type WithId<K extends string> = { Params: Record<K, string> }

/** Runs a change; a broken rule or a stale version comes back to be shown on the form, anything else propagates. */
async function attempt(work: () => Promise<unknown>): Promise<DomainRuleError | StaleEditError<unknown> | null> {
  try {
    await work()
    return null
  } catch (error) {
    if (error instanceof StaleEditError || error instanceof DomainRuleError) return error
    throw error
  }
}

function ruleErrors(error: DomainRuleError | StaleEditError<unknown>): FormErrors {
  return singleError(error instanceof DomainRuleError ? (error.field ?? 'main-content') : 'main-content', error.message)
}

function staleErrors(error: StaleEditError<unknown>, field: string): FormErrors {
  return singleError(field, `${error.message}. What is saved now is shown below: check your answers and save again`)
}

const NOTICES: Record<string, string> = {
  'locality-added': 'The locality has been added.',
  'locality-renamed': 'The locality has been renamed.',
  'agency-added': 'The agency has been added.',
  'agency-saved': 'The agency has been saved.',
  invited: 'The invitation has been sent. The link in it works for 7 days.',
  'invitation-sent': 'The invitation has been sent again. Earlier links no longer work.',
  'access-saved': 'Roles and agencies have been saved. They apply from the person’s next page.',
  deactivated:
    'The account has been deactivated. The person has been signed out everywhere and their API tokens no longer work.',
  'sessions-ended': 'The person has been signed out on every device.',
  'second-factor-reset':
    'The authenticator app has been reset. The person has been signed out and will set up an app at their next sign-in.',
  'settings-saved': 'The settings have been saved.',
}

/** Administration: authority settings, localities, agencies and practitioner accounts. */
export function registerAdminRoutes(app: FastifyInstance, services: Services) {
  const { admin, auth } = services

  const allowed = requireAction(auth, admin.ensureAllowed)

  // ---- landing -------------------------------------------------------------------------------------------------

  app.get(paths.admin.home(), allowed('admin.overview'), async (request, reply) => {
    const counts = await admin.overview(request.context())
    return reply.render('admin/views/index.njk', {
      title: 'Administration',
      sections: [
        {
          href: paths.admin.users(),
          heading: 'Practitioner accounts',
          text: `${counts.activeUsers} active, ${counts.invitedUsers} invited, ${counts.deactivatedUsers} deactivated`,
        },
        {
          href: paths.admin.agencies(),
          heading: 'Agencies',
          text: `${counts.activeAgencies} active of ${counts.agencies}`,
        },
        {
          href: paths.admin.localities(),
          heading: 'Localities',
          text: counts.localities === 1 ? '1 locality' : `${counts.localities} localities`,
        },
        {
          href: paths.admin.settings(),
          heading: 'Settings',
          text: 'Authority name, single sign-on and the authenticator app',
        },
        {
          href: paths.assessmentTemplates.list(),
          heading: 'Assessment templates',
          text: 'The common assessment and checklist forms: make new versions or your own template',
        },
        { href: paths.admin.outbox(), heading: 'Emails', text: 'What OneStory has sent, or would have sent' },
        { href: paths.team.settings(), heading: 'Early help settings', text: 'Team size, lead professional alerts, minutes deadline, review cadence, closure approval and the outcomes framework' },
        { href: paths.meetings.bankHolidays(), heading: 'Bank holidays', text: 'Add bank holidays announced after the published dates, so working-day deadlines skip them' },
        { href: paths.panels.admin(), heading: 'Panels', text: 'Multi-agency panels episodes are listed at, and who sits on them' },
        { href: paths.retention.rules(), heading: 'Retention periods', text: 'How long closed episodes and people in no episode are kept before a coordinator approves their disposal' },
      ],
    })
  })

  // ---- settings ------------------------------------------------------------------------------------------------

  function renderSettings(reply: FastifyReply, settings: AuthoritySettings, values: FormValues, page: Page = {}) {
    return reply.render(
      'admin/views/settings.njk',
      {
        title: 'Settings',
        backLink: paths.admin.home(),
        action: paths.admin.settings(),
        nation: nationName(settings.nation),
        values,
        notice: page.notice,
        conflict: page.conflict,
        ...page.formErrors,
      },
      page.status ?? (page.formErrors ? 400 : 200),
    )
  }

  app.get(paths.admin.settings(), allowed('authority.configure'), async (request, reply) => {
    const settings = await admin.settings(request.context())
    return renderSettings(reply, settings, settingsValues(settings), { notice: noticeFrom(request, NOTICES) })
  })

  app.post(paths.admin.settings(), allowed('authority.configure'), async (request, reply) => {
    const values = submittedValues(request.body)
    const parsed = settingsForm.safeParse(request.body)
    if (!parsed.success) {
      const settings = await admin.settings(request.context())
      return renderSettings(
        reply,
        settings,
        { ...values, version: keptVersion(values, settings.version) },
        { formErrors: toFormErrors(parsed.error) },
      )
    }
    const failure = await attempt(() => admin.updateSettings(request.context(), parsed.data))
    if (failure instanceof StaleEditError) {
      const current = failure.current as AuthoritySettings
      return renderSettings(
        reply,
        current,
        { ...values, version: String(current.version) },
        {
          formErrors: staleErrors(failure, 'authorityName'),
          conflict: { rows: settingsSummaryRows(current) },
          status: 409,
        },
      )
    }
    if (failure) {
      const settings = await admin.settings(request.context())
      return renderSettings(reply, settings, values, { formErrors: ruleErrors(failure), status: 422 })
    }
    return reply.redirect(withNotice(paths.admin.settings(), 'settings-saved'), 303)
  })

  // ---- localities ----------------------------------------------------------------------------------------------

  app.get(paths.admin.localities(), allowed('locality.manage'), async (request, reply) => {
    const localities = await admin.listLocalities(request.context())
    return reply.render('admin/views/localities.njk', {
      title: 'Localities',
      backLink: paths.admin.home(),
      notice: noticeFrom(request, NOTICES),
      addHref: paths.admin.newLocality(),
      rows: localityRows(localities),
    })
  })

  function renderLocalityForm(reply: FastifyReply, locality: Locality | null, values: FormValues, page: Page = {}) {
    return reply.render(
      'admin/views/locality-form.njk',
      {
        title: locality ? `Rename ${locality.name}` : 'Add a locality',
        backLink: paths.admin.localities(),
        action: locality ? paths.admin.locality(locality.id) : paths.admin.newLocality(),
        editing: locality !== null,
        values,
        conflict: page.conflict,
        ...page.formErrors,
      },
      page.status ?? (page.formErrors ? 400 : 200),
    )
  }

  app.get(paths.admin.newLocality(), allowed('locality.manage'), async (_request, reply) =>
    renderLocalityForm(reply, null, {}),
  )

  app.post(paths.admin.newLocality(), allowed('locality.manage'), async (request, reply) => {
    const values = submittedValues(request.body)
    const parsed = addLocalityForm.safeParse(request.body)
    if (!parsed.success) return renderLocalityForm(reply, null, values, { formErrors: toFormErrors(parsed.error) })
    const failure = await attempt(() => admin.addLocality(request.context(), parsed.data))
    if (failure) return renderLocalityForm(reply, null, values, { formErrors: ruleErrors(failure), status: 422 })
    return reply.redirect(withNotice(paths.admin.localities(), 'locality-added'), 303)
  })

  app.get<WithId<'localityId'>>(
    paths.admin.locality(':localityId'),
    allowed('locality.manage'),
    async (request, reply) => {
      const locality = await admin.findLocality(request.context(), request.params.localityId)
      return renderLocalityForm(reply, locality, { name: locality.name, version: String(locality.version) })
    },
  )

  app.post<WithId<'localityId'>>(
    paths.admin.locality(':localityId'),
    allowed('locality.manage'),
    async (request, reply) => {
      const { localityId } = request.params
      const values = submittedValues(request.body)
      const parsed = renameLocalityForm.safeParse(request.body)
      if (!parsed.success) {
        const locality = await admin.findLocality(request.context(), localityId)
        return renderLocalityForm(
          reply,
          locality,
          { ...values, version: keptVersion(values, locality.version) },
          { formErrors: toFormErrors(parsed.error) },
        )
      }
      const failure = await attempt(() => admin.renameLocality(request.context(), localityId, parsed.data))
      if (failure instanceof StaleEditError) {
        const current = failure.current as Locality
        return renderLocalityForm(
          reply,
          current,
          { ...values, version: String(current.version) },
          {
            formErrors: staleErrors(failure, 'name'),
            conflict: { rows: [{ key: { text: 'Name' }, value: { text: current.name } }] },
            status: 409,
          },
        )
      }
      if (failure) {
        const locality = await admin.findLocality(request.context(), localityId)
        return renderLocalityForm(reply, locality, values, { formErrors: ruleErrors(failure), status: 422 })
      }
      return reply.redirect(withNotice(paths.admin.localities(), 'locality-renamed'), 303)
    },
  )

  // ---- agencies ------------------------------------------------------------------------------------------------

  app.get(paths.admin.agencies(), allowed('agency.manage'), async (request, reply) => {
    const filter = agenciesQuery.parse(request.query ?? {})
    const result = await admin.listAgencies(request.context(), filter)
    const filtered = filter.kind !== undefined || filter.localityId !== undefined
    return reply.render('admin/views/agencies.njk', {
      title: 'Agencies',
      backLink: paths.admin.home(),
      notice: noticeFrom(request, NOTICES),
      addHref: paths.admin.newAgency(),
      filterAction: paths.admin.agencies(),
      clearHref: filtered ? paths.admin.agencies() : null,
      kindItems: kindItems(filter.kind, { placeholder: 'All kinds' }),
      localityItems: localityItems(result.localities, filter.localityId, 'All localities'),
      filterSummary: filtered
        ? [
            filter.kind ? agencyKindName(filter.kind) : null,
            result.localities.find(l => l.id === filter.localityId)?.name ?? null,
          ]
            .filter(Boolean)
            .join(', ')
        : null,
      rows: agencyRows(result.agencies),
      count: result.agencies.length,
    })
  })

  function renderAgencyForm(
    reply: FastifyReply,
    agency: Agency | null,
    localities: readonly { id: string; name: string }[],
    values: FormValues,
    page: Page = {},
  ) {
    const chosenKind = typeof values.kind === 'string' ? values.kind : undefined
    const chosenLocality = typeof values.localityId === 'string' ? values.localityId : undefined
    return reply.render(
      'admin/views/agency-form.njk',
      {
        title: agency ? `Change ${agency.name}` : 'Add an agency',
        backLink: paths.admin.agencies(),
        action: agency ? paths.admin.agency(agency.id) : paths.admin.newAgency(),
        editing: agency !== null,
        // Break-glass feature: the agency's lawful basis for early help sharing is recorded on its own page.
        lawfulBasisHref: agency ? paths.breakGlass.lawfulBasis(agency.id) : null,
        values: { active: 'yes', ...values },
        kindItems: kindItems(chosenKind, { placeholder: 'Choose a kind of agency' }),
        localityItems: localityItems(localities, chosenLocality, 'The whole area (no single locality)'),
        conflict: page.conflict,
        ...page.formErrors,
      },
      page.status ?? (page.formErrors ? 400 : 200),
    )
  }

  app.get(paths.admin.newAgency(), allowed('agency.manage'), async (request, reply) => {
    const { localities } = await admin.agencyFormChoices(request.context())
    return renderAgencyForm(reply, null, localities, {})
  })

  app.post(paths.admin.newAgency(), allowed('agency.manage'), async (request, reply) => {
    const values = submittedValues(request.body)
    const parsed = addAgencyForm.safeParse(request.body)
    if (!parsed.success) {
      const { localities } = await admin.agencyFormChoices(request.context())
      return renderAgencyForm(reply, null, localities, values, { formErrors: toFormErrors(parsed.error) })
    }
    const failure = await attempt(() => admin.addAgency(request.context(), parsed.data))
    if (failure) {
      const { localities } = await admin.agencyFormChoices(request.context())
      return renderAgencyForm(reply, null, localities, values, { formErrors: ruleErrors(failure), status: 422 })
    }
    return reply.redirect(withNotice(paths.admin.agencies(), 'agency-added'), 303)
  })

  app.get<WithId<'agencyId'>>(paths.admin.agency(':agencyId'), allowed('agency.manage'), async (request, reply) => {
    const { agency, localities } = await admin.findAgency(request.context(), request.params.agencyId)
    return renderAgencyForm(reply, agency, localities, agencyValues(agency))
  })

  app.post<WithId<'agencyId'>>(paths.admin.agency(':agencyId'), allowed('agency.manage'), async (request, reply) => {
    const { agencyId } = request.params
    const values = submittedValues(request.body)
    const parsed = editAgencyForm.safeParse(request.body)
    if (!parsed.success) {
      const { agency, localities } = await admin.findAgency(request.context(), agencyId)
      return renderAgencyForm(
        reply,
        agency,
        localities,
        { ...values, version: keptVersion(values, agency.version) },
        { formErrors: toFormErrors(parsed.error) },
      )
    }
    const failure = await attempt(() => admin.updateAgency(request.context(), agencyId, parsed.data))
    if (failure) {
      const { agency, localities } = await admin.findAgency(request.context(), agencyId)
      if (failure instanceof StaleEditError) {
        return renderAgencyForm(
          reply,
          agency,
          localities,
          { ...values, version: String(agency.version) },
          {
            formErrors: staleErrors(failure, 'name'),
            conflict: { rows: agencySummaryRows(agency) },
            status: 409,
          },
        )
      }
      return renderAgencyForm(reply, agency, localities, values, { formErrors: ruleErrors(failure), status: 422 })
    }
    return reply.redirect(withNotice(paths.admin.agencies(), 'agency-saved'), 303)
  })

  // ---- practitioner accounts -----------------------------------------------------------------------------------

  app.get(paths.admin.users(), allowed('user.list'), async (request, reply) => {
    const query = usersQuery.parse(request.query ?? {})
    const result = await admin.listUsers(request.context(), { page: query.page, search: query.q })
    const q = query.q || undefined
    const first = (result.page - 1) * USERS_PER_PAGE + 1
    return reply.render('admin/views/users.njk', {
      title: 'Practitioner accounts',
      backLink: paths.admin.home(),
      notice: noticeFrom(request, NOTICES),
      inviteHref: paths.admin.inviteUser(),
      searchAction: paths.admin.users(),
      q: query.q,
      clearHref: q ? paths.admin.users() : null,
      rows: userRows(result.users),
      total: result.total,
      range: result.users.length > 0 ? { first, last: first + result.users.length - 1 } : null,
      pagination: pagination(result.page, result.pageCount, page => paths.admin.users({ page, q })),
    })
  })

  function renderInvite(
    reply: FastifyReply,
    agencies: readonly { id: string; name: string; active: boolean }[],
    values: FormValues,
    page: Page = {},
  ) {
    return reply.render(
      'admin/views/invite-user.njk',
      {
        title: 'Invite a practitioner',
        backLink: paths.admin.users(),
        action: paths.admin.inviteUser(),
        values,
        roleItems: roleItems(listOf(values.roles)),
        agencyItems: agencyItems(agencies, listOf(values.agencyIds)),
        newAgencyHref: paths.admin.newAgency(),
        ...page.formErrors,
      },
      page.status ?? (page.formErrors ? 400 : 200),
    )
  }

  app.get(paths.admin.inviteUser(), allowed('user.manage'), async (request, reply) => {
    const { agencies } = await admin.inviteFormChoices(request.context())
    return renderInvite(reply, agencies, { roles: ['practitioner'] })
  })

  app.post(paths.admin.inviteUser(), allowed('user.manage'), async (request, reply) => {
    const values = submittedValues(request.body)
    const parsed = inviteUserForm.safeParse(request.body)
    if (!parsed.success) {
      const { agencies } = await admin.inviteFormChoices(request.context())
      return renderInvite(reply, agencies, values, { formErrors: toFormErrors(parsed.error) })
    }
    let userId = ''
    const failure = await attempt(async () => {
      userId = await admin.inviteUser(request.context(), parsed.data)
    })
    if (failure) {
      const { agencies } = await admin.inviteFormChoices(request.context())
      return renderInvite(reply, agencies, values, { formErrors: ruleErrors(failure), status: 422 })
    }
    return reply.redirect(withNotice(paths.admin.user(userId), 'invited'), 303)
  })

  async function renderUser(request: FastifyRequest, reply: FastifyReply, userId: string, page: Page = {}) {
    const { user, agencies, localities } = await admin.findUser(request.context(), userId)
    const self = request.actor.kind === 'practitioner' && request.actor.userId === user.id
    return reply.render(
      'admin/views/user.njk',
      {
        title: user.name,
        backLink: paths.admin.users(),
        notice: page.formErrors ? undefined : noticeFrom(request, NOTICES),
        rows: userSummaryRows(user, agencies, localities),
        self,
        status: user.status,
        sessionCount: user.sessionCount,
        secondFactorSetUp: user.secondFactorSetUp,
        links: {
          edit: paths.admin.editUser(user.id),
          deactivate: paths.admin.deactivateUser(user.id),
          endSessions: paths.admin.endUserSessions(user.id),
          resendInvitation: paths.admin.resendInvitation(user.id),
          resetSecondFactor: paths.admin.resetSecondFactor(user.id),
        },
        ...page.formErrors,
      },
      page.status ?? (page.formErrors ? 400 : 200),
    )
  }

  app.get<WithId<'userId'>>(paths.admin.user(':userId'), allowed('user.view'), async (request, reply) =>
    renderUser(request, reply, request.params.userId),
  )

  function renderAccess(
    reply: FastifyReply,
    user: UserDetail,
    agencies: readonly { id: string; name: string; active: boolean }[],
    values: FormValues,
    page: Page = {},
    localities: readonly { id: string; name: string }[] = [],
  ) {
    return reply.render(
      'admin/views/user-access.njk',
      {
        title: `Roles and agencies of ${user.name}`,
        backLink: paths.admin.user(user.id),
        action: paths.admin.editUser(user.id),
        values,
        roleItems: roleItems(listOf(values.roles)),
        agencyItems: agencyItems(agencies, listOf(values.agencyIds)),
        // Access rule (b): the localities a coordinator coordinates (src/features/panels, docs/panels.md).
        coordinatorLocalityItems: coordinatorLocalityItems(localities, listOf(values.coordinatorLocalityIds)),
        newAgencyHref: paths.admin.newAgency(),
        conflict: page.conflict,
        ...page.formErrors,
      },
      page.status ?? (page.formErrors ? 400 : 200),
    )
  }

  app.get<WithId<'userId'>>(paths.admin.editUser(':userId'), allowed('user.manage'), async (request, reply) => {
    const { user, agencies, localities } = await admin.findUser(request.context(), request.params.userId)
    return renderAccess(
      reply,
      user,
      agencies,
      {
        roles: user.roles,
        agencyIds: user.agencyIds,
        coordinatorLocalityIds: user.coordinatorLocalityIds,
        version: String(user.version),
      },
      {},
      localities,
    )
  })

  app.post<WithId<'userId'>>(paths.admin.editUser(':userId'), allowed('user.manage'), async (request, reply) => {
    const { userId } = request.params
    const values = submittedValues(request.body)
    const parsed = userAccessForm.safeParse(request.body)
    if (!parsed.success) {
      const { user, agencies, localities } = await admin.findUser(request.context(), userId)
      return renderAccess(
        reply,
        user,
        agencies,
        { ...values, version: keptVersion(values, user.version) },
        { formErrors: toFormErrors(parsed.error) },
        localities,
      )
    }
    const failure = await attempt(() => admin.updateUserAccess(request.context(), userId, parsed.data))
    if (failure) {
      const { user, agencies, localities } = await admin.findUser(request.context(), userId)
      if (failure instanceof StaleEditError) {
        return renderAccess(
          reply,
          user,
          agencies,
          { ...values, version: String(user.version) },
          {
            formErrors: staleErrors(failure, 'roles'),
            conflict: { rows: userAccessSummaryRows(user, agencies) },
            status: 409,
          },
          localities,
        )
      }
      return renderAccess(reply, user, agencies, values, { formErrors: ruleErrors(failure), status: 422 }, localities)
    }
    return reply.redirect(withNotice(paths.admin.user(userId), 'access-saved'), 303)
  })

  /** A page asking "are you sure?" before something that cannot simply be undone. */
  async function renderConfirm(
    request: FastifyRequest,
    reply: FastifyReply,
    userId: string,
    kind: 'deactivate' | 'reset-second-factor',
    page: Page = {},
  ) {
    const { user } = await admin.findUser(request.context(), userId)
    const deactivate = kind === 'deactivate'
    return reply.render(
      'admin/views/confirm.njk',
      {
        title: deactivate ? `Deactivate the account of ${user.name}` : `Reset the authenticator app of ${user.name}`,
        backLink: paths.admin.user(user.id),
        action: deactivate ? paths.admin.deactivateUser(user.id) : paths.admin.resetSecondFactor(user.id),
        paragraphs: deactivate
          ? [
              `${user.name} will be signed out everywhere at once and will not be able to sign in again. Their API tokens will stop working.`,
              'Nothing they wrote is deleted: their name stays on the records they worked on.',
            ]
          : [
              `${user.name} will be signed out everywhere. At their next sign-in they will set up an authenticator app again, and their recovery codes will stop working.`,
              'Only do this when you are sure who is asking: for example, they lost their phone and you have spoken to them.',
            ],
        buttonText: deactivate ? 'Deactivate account' : 'Reset authenticator app',
        cancelHref: paths.admin.user(user.id),
        ...page.formErrors,
      },
      page.status ?? (page.formErrors ? 400 : 200),
    )
  }

  app.get<WithId<'userId'>>(paths.admin.deactivateUser(':userId'), allowed('user.manage'), async (request, reply) =>
    renderConfirm(request, reply, request.params.userId, 'deactivate'),
  )

  app.post<WithId<'userId'>>(paths.admin.deactivateUser(':userId'), allowed('user.manage'), async (request, reply) => {
    const { userId } = request.params
    const parsed = deactivateUserForm.safeParse(request.body)
    if (!parsed.success)
      return renderConfirm(request, reply, userId, 'deactivate', { formErrors: toFormErrors(parsed.error) })
    const failure = await attempt(() => admin.deactivateUser(request.context(), userId))
    if (failure)
      return renderConfirm(request, reply, userId, 'deactivate', { formErrors: ruleErrors(failure), status: 422 })
    return reply.redirect(withNotice(paths.admin.user(userId), 'deactivated'), 303)
  })

  app.get<WithId<'userId'>>(paths.admin.resetSecondFactor(':userId'), allowed('user.manage'), async (request, reply) =>
    renderConfirm(request, reply, request.params.userId, 'reset-second-factor'),
  )

  app.post<WithId<'userId'>>(
    paths.admin.resetSecondFactor(':userId'),
    allowed('user.manage'),
    async (request, reply) => {
      const { userId } = request.params
      const parsed = resetSecondFactorForm.safeParse(request.body)
      if (!parsed.success)
        return renderConfirm(request, reply, userId, 'reset-second-factor', { formErrors: toFormErrors(parsed.error) })
      const failure = await attempt(() => admin.resetSecondFactor(request.context(), userId))
      if (failure)
        return renderConfirm(request, reply, userId, 'reset-second-factor', {
          formErrors: ruleErrors(failure),
          status: 422,
        })
      return reply.redirect(withNotice(paths.admin.user(userId), 'second-factor-reset'), 303)
    },
  )

  app.post<WithId<'userId'>>(paths.admin.endUserSessions(':userId'), allowed('user.manage'), async (request, reply) => {
    const { userId } = request.params
    const parsed = buttonForm.safeParse(request.body)
    if (!parsed.success) return renderUser(request, reply, userId, { formErrors: toFormErrors(parsed.error) })
    await admin.endUserSessions(request.context(), userId)
    return reply.redirect(withNotice(paths.admin.user(userId), 'sessions-ended'), 303)
  })

  app.post<WithId<'userId'>>(
    paths.admin.resendInvitation(':userId'),
    allowed('user.manage'),
    async (request, reply) => {
      const { userId } = request.params
      const parsed = buttonForm.safeParse(request.body)
      if (!parsed.success) return renderUser(request, reply, userId, { formErrors: toFormErrors(parsed.error) })
      const failure = await attempt(() => admin.resendInvitation(request.context(), userId))
      if (failure) return renderUser(request, reply, userId, { formErrors: ruleErrors(failure), status: 422 })
      return reply.redirect(withNotice(paths.admin.user(userId), 'invitation-sent'), 303)
    },
  )
}
