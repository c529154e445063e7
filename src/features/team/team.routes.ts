import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../composition.ts'
import { DomainRuleError } from '../../lib/errors.ts'
import { singleError, submittedText, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { requireSignedIn } from '../../plugins/session.ts'
import { formatDate, formatDateTime } from '../../plugins/views.ts'
import { paths } from '../../paths.ts'
import { episodeNav } from '../episodes/episode-summary.ts'
import { addFamilyMemberForm, addPractitionerForm, appointLeadForm, handoverForm, handoverResponseForm, leaveForm, settingsForm } from './team.schemas.ts'
import { SCOPE_NAMES, StaleTeamEditError, type TeamPage } from './team.service.ts'
import {
  FAMILY_KIND_ITEMS,
  SCOPE_HEADINGS,
  familyRows,
  formerRows,
  handoverListRows,
  handoverRows,
  historyRows,
  leadCards,
  practitionerRows,
  sizeWarning,
  whoIsWhoCards,
} from './team.view-models.ts'
import { noticeFrom, withNotice } from '../../lib/notices.ts'

type EpisodeParams = { Params: { episodeId: string } }
type Values = Record<string, string>

const NOTICES: Record<string, string> = {
  added: 'They have been added to the team.',
  left: 'Their leaving has been recorded. They can no longer open this episode; what they wrote stays on the record with their name.',
  'family-added': 'They have been added to the team.',
  'family-left': 'Their leaving has been recorded.',
  appointed: 'The lead professional has been recorded.',
  'handover-requested': 'The handover has been sent. The current lead professional stays in place until it is acknowledged.',
  acknowledged: 'You are now the lead professional.',
  declined: 'You have declined the handover. The lead professional has not changed.',
  cancelled: 'The handover has been cancelled. The lead professional has not changed.',
}

/** A rule broken or a stale version: shown on the form; anything else propagates. */
async function attempt<T>(work: () => Promise<T>): Promise<{ ok: T } | { failure: DomainRuleError | StaleTeamEditError }> {
  try {
    return { ok: await work() }
  } catch (error) {
    if (error instanceof DomainRuleError || error instanceof StaleTeamEditError) return { failure: error }
    throw error
  }
}

function failurePage(failure: DomainRuleError | StaleTeamEditError, fallbackField: string): { formErrors: FormErrors; status: number } {
  if (failure instanceof StaleTeamEditError) {
    return { formErrors: singleError('main-content', `${failure.message}. What is saved now is shown below: check it and try again`), status: 409 }
  }
  return { formErrors: singleError(failure.field ?? fallbackField, failure.message), status: 400 }
}

function teamBack(page: TeamPage) {
  return paths.team.show(page.summary.id)
}

/** The team around the family: team page, joining and leaving, lead professionals and handovers, who is who, settings. */
export function registerTeamRoutes(app: FastifyInstance, services: Services) {
  const { team, auth } = services
  const signedIn = { preHandler: requireSignedIn(auth) }

  // ---- the team page -------------------------------------------------------------------------------------------

  app.get<EpisodeParams>('/episodes/:episodeId/team', signedIn, async (request, reply) => {
    const page = await team.teamPage(request.context(), request.params.episodeId)
    const episodeId = page.summary.id
    const closed = page.summary.status === 'closed'
    const youLead = page.currentLeads.some(lead => lead.userId === page.actorUserId)
    const pendingForYou = page.handovers.filter(handover => handover.status === 'pending' && handover.toUserId === page.actorUserId)
    return reply.render('team/views/team.njk', {
      title: 'The team around the family',
      notice: noticeFrom(request, NOTICES),
      episodeNav: episodeNav(page.summary, 'team'),
      closed,
      sizeWarning: sizeWarning(page),
      youLead,
      pendingForYou: pendingForYou.map(handover => ({ text: `${handover.fromName} has asked you to take over as lead professional for ${SCOPE_NAMES[handover.scope]}.`, href: paths.team.handover(episodeId, handover.id) })),
      leads: leadCards(page.currentLeads, page.handovers, { closed, episodeId }),
      noLead: page.currentLeads.length === 0,
      mayAppoint: !closed && !page.currentLeads.some(lead => lead.scope === 'whole_family') && page.currentLeads.length < 2,
      appointHref: paths.team.appointLead(episodeId),
      practitionerRows: practitionerRows(page.practitioners, page.currentLeads, { closed, episodeId }),
      contributorNames: page.contributors.map(member => `${member.name}${member.agencyName ? ` (${member.agencyName})` : ''}`),
      familyRows: familyRows(page.family, { closed, episodeId }),
      formerRows: formerRows(page),
      historyRows: historyRows(page.changes, [...page.currentLeads, ...page.pastLeads]),
      handoverRows: handoverListRows(page.handovers, episodeId),
      maxTeam: page.settings.maxTeamPractitioners,
      addPractitionerHref: paths.team.addPractitioner(episodeId),
      addFamilyHref: paths.team.addFamilyMember(episodeId),
      familyAccessHref: paths.family.access(episodeId),
      sharingHref: paths.breakGlass.sharing(episodeId),
      whoIsWhoHref: paths.team.whoIsWho(episodeId),
      youngPeoplesViewsHref: paths.family.teamViews(episodeId),
    })
  })

  // ---- practitioners -------------------------------------------------------------------------------------------

  async function renderAddPractitioner(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: Values, formErrors?: FormErrors, status?: number) {
    const { team: page, directory } = await team.practitionerChoices(request.context(), request.params.episodeId)
    return reply.render(
      'team/views/add-practitioner.njk',
      {
        title: 'Add a practitioner to the team',
        backLink: teamBack(page),
        episodeNav: episodeNav(page.summary, 'team'),
        action: paths.team.addPractitioner(page.summary.id),
        values,
        count: page.practitioners.length,
        max: page.settings.maxTeamPractitioners,
        atOrOverSize: page.practitioners.length >= page.settings.maxTeamPractitioners,
        practitionerItems: [
          { value: '', text: 'Select a practitioner' },
          ...directory.map(entry => {
            const value = `${entry.userId}/${entry.agencyId ?? 'none'}`
            return { value, text: `${entry.name} – ${entry.agencyName ?? 'no agency'}`, selected: values.practitioner === value }
          }),
        ],
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/team/practitioners/new', signedIn, async (request, reply) => renderAddPractitioner(request, reply, {}))

  app.post<EpisodeParams>('/episodes/:episodeId/team/practitioners/new', signedIn, async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = addPractitionerForm.safeParse(request.body)
    if (!parsed.success) return renderAddPractitioner(request, reply, values, toFormErrors(parsed.error))
    const result = await attempt(() => team.addPractitioner(request.context(), request.params.episodeId, parsed.data))
    if ('failure' in result) {
      const failure = failurePage(result.failure, 'practitioner')
      return renderAddPractitioner(request, reply, values, failure.formErrors, failure.status)
    }
    return reply.redirect(withNotice(paths.team.show(request.params.episodeId), 'added'), 303)
  })

  type MemberParams = { Params: { episodeId: string; userId: string } }

  async function renderPractitionerLeaves(request: FastifyRequest<MemberParams>, reply: FastifyReply, values: Values, formErrors?: FormErrors, status?: number) {
    const { team: page, member, closed, isLead } = await team.practitionerToLeave(request.context(), request.params.episodeId, request.params.userId)
    return reply.render(
      'team/views/leave.njk',
      {
        title: `${member.name} is leaving the team`,
        backLink: teamBack(page),
        episodeNav: episodeNav(page.summary, 'team'),
        action: paths.team.practitionerLeaves(page.summary.id, member.userId),
        closed,
        rows: [
          { key: { text: 'Name' }, value: { text: member.name } },
          { key: { text: 'Agency' }, value: { text: member.agencyName ?? '—' } },
          { key: { text: 'On the team since' }, value: { text: formatDate(member.joinedAt) } },
        ],
        blocker: isLead ? `${member.name} is a lead professional. Hand over to a new lead professional before they leave, so the family is never without one.` : null,
        explanation: 'From now on they will not be able to open this episode. What they wrote stays on the record under their name.',
        values,
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<MemberParams>('/episodes/:episodeId/team/practitioners/:userId/leave', signedIn, async (request, reply) => renderPractitionerLeaves(request, reply, {}))

  app.post<MemberParams>('/episodes/:episodeId/team/practitioners/:userId/leave', signedIn, async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = leaveForm.safeParse(request.body)
    if (!parsed.success) return renderPractitionerLeaves(request, reply, values, toFormErrors(parsed.error))
    const result = await attempt(() => team.practitionerLeaves(request.context(), request.params.episodeId, request.params.userId, parsed.data))
    if ('failure' in result) {
      const failure = failurePage(result.failure, 'reason')
      return renderPractitionerLeaves(request, reply, values, failure.formErrors, failure.status)
    }
    // Someone who recorded their own leaving can no longer open the team page.
    const self = request.actor?.kind === 'practitioner' && request.actor.userId === request.params.userId
    return reply.redirect(self ? paths.episodes.list() : withNotice(paths.team.show(request.params.episodeId), 'left'), 303)
  })

  // ---- family members and supporters ---------------------------------------------------------------------------

  async function renderAddFamily(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: Values, formErrors?: FormErrors, status?: number) {
    const { team: page, people } = await team.familyChoices(request.context(), request.params.episodeId)
    return reply.render(
      'team/views/add-family.njk',
      {
        title: 'Add a family member or supporter to the team',
        backLink: teamBack(page),
        episodeNav: episodeNav(page.summary, 'team'),
        action: paths.team.addFamilyMember(page.summary.id),
        values,
        kindItems: FAMILY_KIND_ITEMS.map(item => ({ ...item, checked: values.kind === item.value })),
        personItems: [
          { value: '', text: 'Not in the list, or a supporter' },
          ...people.map(person => ({ value: person.id, text: `${person.givenNames} ${person.familyName}${person.dateOfBirth ? ` (born ${formatDate(person.dateOfBirth)})` : ''}`, selected: values.personId === person.id })),
        ],
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/team/family/new', signedIn, async (request, reply) => renderAddFamily(request, reply, {}))

  app.post<EpisodeParams>('/episodes/:episodeId/team/family/new', signedIn, async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = addFamilyMemberForm.safeParse(request.body)
    if (!parsed.success) return renderAddFamily(request, reply, values, toFormErrors(parsed.error))
    const result = await attempt(() => team.addFamilyMember(request.context(), request.params.episodeId, parsed.data))
    if ('failure' in result) {
      const failure = failurePage(result.failure, 'name')
      return renderAddFamily(request, reply, values, failure.formErrors, failure.status)
    }
    return reply.redirect(withNotice(paths.team.show(request.params.episodeId), 'family-added'), 303)
  })

  type FamilyParams = { Params: { episodeId: string; familyMemberId: string } }

  async function renderFamilyLeaves(request: FastifyRequest<FamilyParams>, reply: FastifyReply, values: Values, formErrors?: FormErrors, status?: number) {
    const { summary, member, closed } = await team.familyMemberToLeave(request.context(), request.params.episodeId, request.params.familyMemberId)
    return reply.render(
      'team/views/leave.njk',
      {
        title: `${member.name} is leaving the team`,
        backLink: paths.team.show(summary.id),
        episodeNav: episodeNav(summary, 'team'),
        action: paths.team.familyMemberLeaves(summary.id, member.id),
        closed,
        alreadyLeft: member.leftAt ? `${member.name} left the team on ${formatDate(member.leftAt)}.` : null,
        rows: [
          { key: { text: 'Name' }, value: { text: member.name } },
          { key: { text: 'On the team since' }, value: { text: formatDate(member.joinedAt) } },
        ],
        version: String(member.version),
        values,
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<FamilyParams>('/episodes/:episodeId/team/family/:familyMemberId/leave', signedIn, async (request, reply) => renderFamilyLeaves(request, reply, {}))

  app.post<FamilyParams>('/episodes/:episodeId/team/family/:familyMemberId/leave', signedIn, async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = leaveForm.safeParse(request.body)
    if (!parsed.success) return renderFamilyLeaves(request, reply, values, toFormErrors(parsed.error))
    const result = await attempt(() => team.familyMemberLeaves(request.context(), request.params.episodeId, request.params.familyMemberId, parsed.data))
    if ('failure' in result) {
      const failure = failurePage(result.failure, 'reason')
      return renderFamilyLeaves(request, reply, values, failure.formErrors, failure.status)
    }
    return reply.redirect(withNotice(paths.team.show(request.params.episodeId), 'family-left'), 303)
  })

  // ---- lead professionals --------------------------------------------------------------------------------------

  function familyChoseItems(values: Values) {
    return [
      { value: 'yes', text: 'Yes, the family chose them', checked: values.familyChose === 'yes' },
      { value: 'no', text: 'No', checked: values.familyChose === 'no' },
    ]
  }

  async function renderAppoint(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: Values, formErrors?: FormErrors, status?: number) {
    const { team: page, openScopes } = await team.appointLeadForm(request.context(), request.params.episodeId)
    return reply.render(
      'team/views/appoint-lead.njk',
      {
        title: 'Appoint a lead professional',
        backLink: teamBack(page),
        episodeNav: episodeNav(page.summary, 'team'),
        action: paths.team.appointLead(page.summary.id),
        values,
        noScopes: openScopes.length === 0,
        noPractitioners: page.practitioners.length === 0,
        addPractitionerHref: paths.team.addPractitioner(page.summary.id),
        scopeItems: openScopes.map(scope => ({
          value: scope,
          text: SCOPE_HEADINGS[scope].replace('Lead professional for', 'For'),
          hint: { text: scope === 'whole_family' ? 'One lead professional for the children and the adults' : 'Some families have separate lead professionals for the children and for the adults' },
          checked: values.scope === scope || openScopes.length === 1,
        })),
        userItems: [
          { value: '', text: 'Select a practitioner on the team' },
          ...page.practitioners.map(member => ({ value: member.userId, text: `${member.name}${member.agencyName ? ` – ${member.agencyName}` : ''}`, selected: values.userId === member.userId })),
        ],
        viaItems: [
          { value: 'team_meeting', text: 'At the first team meeting (or another team meeting)', checked: values.appointedVia === 'team_meeting' },
          { value: 'panel', text: 'By a multi-agency panel', checked: values.appointedVia === 'panel' },
          { value: 'other', text: 'Another way', checked: values.appointedVia === 'other' },
        ],
        familyChoseItems: familyChoseItems(values),
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/team/lead/new', signedIn, async (request, reply) => renderAppoint(request, reply, {}))

  app.post<EpisodeParams>('/episodes/:episodeId/team/lead/new', signedIn, async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = appointLeadForm.safeParse(request.body)
    if (!parsed.success) return renderAppoint(request, reply, values, toFormErrors(parsed.error))
    const result = await attempt(() => team.appointLead(request.context(), request.params.episodeId, parsed.data))
    if ('failure' in result) {
      const failure = failurePage(result.failure, 'userId')
      return renderAppoint(request, reply, values, failure.formErrors, failure.status)
    }
    return reply.redirect(withNotice(paths.team.show(request.params.episodeId), 'appointed'), 303)
  })

  type LeadParams = { Params: { episodeId: string; leadId: string } }

  async function renderHandOver(request: FastifyRequest<LeadParams>, reply: FastifyReply, values: Values | null, formErrors?: FormErrors, status?: number) {
    const { team: page, lead, pending, candidates } = await team.handoverForm(request.context(), request.params.episodeId, request.params.leadId)
    const shown = values ?? {}
    return reply.render(
      'team/views/hand-over.njk',
      {
        title: `Hand over from ${lead.name}`,
        backLink: teamBack(page),
        episodeNav: episodeNav(page.summary, 'team'),
        action: paths.team.handOver(page.summary.id, lead.id),
        leadRows: [
          { key: { text: 'Lead professional' }, value: { text: `${lead.name}${lead.agencyName ? `, ${lead.agencyName}` : ''}` } },
          { key: { text: 'For' }, value: { text: SCOPE_NAMES[lead.scope] } },
          { key: { text: 'Since' }, value: { text: formatDate(lead.startedAt) } },
        ],
        pending: pending ? { text: `A handover to ${pending.toName} is already waiting to be acknowledged.`, href: paths.team.handover(page.summary.id, pending.id) } : null,
        noCandidates: candidates.length === 0,
        addPractitionerHref: paths.team.addPractitioner(page.summary.id),
        version: String(lead.version),
        values: shown,
        userItems: [
          { value: '', text: 'Select a practitioner on the team' },
          ...candidates.map(member => ({ value: member.userId, text: `${member.name}${member.agencyName ? ` – ${member.agencyName}` : ''}`, selected: shown.toUserId === member.userId })),
        ],
        familyChoseItems: familyChoseItems(shown),
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<LeadParams>('/episodes/:episodeId/team/lead/:leadId/handover', signedIn, async (request, reply) => renderHandOver(request, reply, null))

  app.post<LeadParams>('/episodes/:episodeId/team/lead/:leadId/handover', signedIn, async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = handoverForm.safeParse(request.body)
    if (!parsed.success) return renderHandOver(request, reply, values, toFormErrors(parsed.error))
    const result = await attempt(() => team.requestHandover(request.context(), request.params.episodeId, request.params.leadId, parsed.data))
    if ('failure' in result) {
      const failure = failurePage(result.failure, 'toUserId')
      return renderHandOver(request, reply, values, failure.formErrors, failure.status)
    }
    return reply.redirect(withNotice(paths.team.show(request.params.episodeId), 'handover-requested'), 303)
  })

  type HandoverParams = { Params: { episodeId: string; handoverId: string } }

  async function renderHandover(request: FastifyRequest<HandoverParams>, reply: FastifyReply, values: Values, formErrors?: FormErrors, status?: number) {
    const { summary, handover, mayAnswer, mayCancel } = await team.handoverPage(request.context(), request.params.episodeId, request.params.handoverId)
    return reply.render(
      'team/views/handover.njk',
      {
        title: `Handover of the lead professional role to ${handover.toName}`,
        notice: noticeFrom(request, NOTICES),
        backLink: paths.team.show(summary.id),
        episodeNav: episodeNav(summary, 'team'),
        action: paths.team.handover(summary.id, handover.id),
        rows: handoverRows(handover),
        mayAnswer,
        mayCancel,
        version: String(handover.version),
        values,
        decisionItems: [
          { value: 'acknowledge', text: 'I acknowledge the handover and take over as lead professional', checked: values.decision === 'acknowledge' },
          { value: 'decline', text: 'I cannot take over', checked: values.decision === 'decline' },
        ],
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<HandoverParams>('/episodes/:episodeId/team/handovers/:handoverId', signedIn, async (request, reply) => renderHandover(request, reply, {}))

  app.post<HandoverParams>('/episodes/:episodeId/team/handovers/:handoverId', signedIn, async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = handoverResponseForm.safeParse(request.body)
    if (!parsed.success) return renderHandover(request, reply, values, toFormErrors(parsed.error))
    const result = await attempt(() => team.respondToHandover(request.context(), request.params.episodeId, request.params.handoverId, parsed.data))
    if ('failure' in result) {
      const failure = failurePage(result.failure, 'decision')
      return renderHandover(request, reply, values, failure.formErrors, failure.status)
    }
    return reply.redirect(withNotice(paths.team.show(request.params.episodeId), result.ok.status), 303)
  })

  // ---- who is who ----------------------------------------------------------------------------------------------

  app.get<EpisodeParams>('/episodes/:episodeId/who-is-who', signedIn, async (request, reply) => {
    const page = await team.whoIsWho(request.context(), request.params.episodeId)
    const cards = whoIsWhoCards(page)
    return reply.render('team/views/who-is-who.njk', {
      title: 'Who is who',
      backLink: paths.team.show(page.summary.id),
      episodeNav: episodeNav(page.summary, 'team'),
      noLead: page.currentLeads.length === 0,
      practitioners: cards.practitioners,
      family: cards.family,
    })
  })

  // ---- the administrator's early-help settings -----------------------------------------------------------------

  const administrator = {
    preHandler: [
      requireSignedIn(auth),
      async (request: FastifyRequest) => {
        await team.ensureSettingsAllowed(request.context())
      },
    ],
  }

  async function renderSettings(request: FastifyRequest, reply: FastifyReply, values: Values | null, formErrors?: FormErrors, status?: number) {
    const { settings, lastChange } = await team.settings(request.context())
    const saved: Values = {
      version: String(settings.version),
      maxTeamPractitioners: String(settings.maxTeamPractitioners),
      noLeadAlertDays: String(settings.noLeadAlertDays),
      minutesDueWorkingDays: String(settings.minutesDueWorkingDays),
      reviewWeeks: String(settings.reviewWeeks),
      closureApprovalRequired: settings.closureApprovalRequired ? 'yes' : 'no',
      outcomesFramework: settings.outcomesFramework,
      youngPersonMinAge: String(settings.youngPersonMinAge),
    }
    const shown = values ? { ...values, version: status === 409 ? saved.version ?? '0' : (values.version ?? saved.version ?? '0') } : saved
    const done = (request.query as Record<string, unknown> | undefined)?.done === 'saved'
    return reply.render(
      'team/views/settings.njk',
      {
        title: 'Early help settings',
        backLink: paths.admin.home(),
        notice: done ? { success: true, text: 'The early help settings have been saved.' } : undefined,
        action: paths.team.settings(),
        values: shown,
        lastChange: lastChange?.updatedAt ? `Last changed ${formatDateTime(lastChange.updatedAt)}${lastChange.updatedByName ? ` by ${lastChange.updatedByName}` : ''}.` : 'These are the standard settings: nobody has changed them yet.',
        conflict:
          status === 409
            ? {
                rows: [
                  { key: { text: 'Largest team' }, value: { text: `${saved.maxTeamPractitioners} practitioners` } },
                  { key: { text: 'Alert with no lead professional after' }, value: { text: `${saved.noLeadAlertDays} days` } },
                  { key: { text: 'Minutes due after' }, value: { text: `${saved.minutesDueWorkingDays} working days` } },
                  { key: { text: 'Young people may be invited to the family’s own view from' }, value: { text: `age ${saved.youngPersonMinAge}` } },
                  { key: { text: 'Reviews every' }, value: { text: `${saved.reviewWeeks} weeks` } },
                  { key: { text: 'Closure needs a manager’s approval' }, value: { text: saved.closureApprovalRequired === 'yes' ? 'Yes' : 'No' } },
                  { key: { text: 'Outcomes framework' }, value: { text: saved.outcomesFramework === 'wales_core_aims' ? 'Wales: the seven core aims' : 'Every Child Matters: five outcomes' } },
                ],
              }
            : undefined,
        approvalItems: [
          { value: 'yes', text: 'Yes, a manager approves each closure', checked: shown.closureApprovalRequired === 'yes' },
          { value: 'no', text: 'No, the lead professional closes the episode', checked: shown.closureApprovalRequired === 'no' },
        ],
        frameworkItems: [
          { value: 'every_child_matters', text: 'Every Child Matters: five outcomes', hint: { text: 'Being healthy, staying safe, enjoying and achieving, making a positive contribution, achieving economic well-being' }, checked: shown.outcomesFramework === 'every_child_matters' },
          { value: 'wales_core_aims', text: 'Wales: the seven core aims', hint: { text: 'The core aims for children and young people in Wales' }, checked: shown.outcomesFramework === 'wales_core_aims' },
        ],
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get(paths.team.settings(), administrator, async (request, reply) => renderSettings(request, reply, null))

  app.post(paths.team.settings(), administrator, async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = settingsForm.safeParse(request.body)
    if (!parsed.success) return renderSettings(request, reply, values, toFormErrors(parsed.error))
    const result = await attempt(() => team.saveSettings(request.context(), parsed.data))
    if ('failure' in result) {
      const failure = failurePage(result.failure, 'main-content')
      return renderSettings(request, reply, values, failure.formErrors, failure.status)
    }
    return reply.redirect(`${paths.team.settings()}?done=saved`, 303)
  })
}
