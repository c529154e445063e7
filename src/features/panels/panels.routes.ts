import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../composition.ts'
import { ConflictError, DomainRuleError } from '../../lib/errors.ts'
import { singleError, submittedText, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { requireAction, requireSignedIn } from '../../plugins/session.ts'
import { formatDateTime } from '../../plugins/views.ts'
import { paths } from '../../paths.ts'
import { addMemberForm, buttonForm, editPanelForm, episodeLocalityForm, listEpisodeForm, newPanelForm } from './panels.schemas.ts'
import { StalePanelError, type ListingRow, type PanelRow } from './panels.service.ts'
import { noticeFrom, withNotice } from '../../lib/notices.ts'

type Values = Record<string, string>
type Page = { formErrors?: FormErrors | undefined; status?: number; conflict?: { rows: Row[] } | undefined }
type Row = { key: { text: string }; value: { text: string } }

const NOTICES: Record<string, string> = {
  'panel-added': 'The panel has been added. Add the people who sit on it.',
  'panel-saved': 'The panel has been saved.',
  'member-added': 'They have been added to the panel.',
  'member-added-no-role': 'They have been added to the panel. They need the panel member role to see what is listed: change their roles on their account page.',
  'member-removed': 'They have been taken off the panel. They can no longer see what is listed at it.',
  listed: 'The episode has been listed at the panel. Its members have been emailed, and can read the episode while it is listed.',
  ended: 'The episode has been taken off the panel. Its members can no longer read it.',
}

/** A broken rule or a stale version comes back to be shown on the form; anything else propagates. */
async function attempt<T>(work: () => Promise<T>): Promise<{ ok: T } | { failure: DomainRuleError | ConflictError }> {
  try {
    return { ok: await work() }
  } catch (error) {
    if (error instanceof DomainRuleError || error instanceof ConflictError) return { failure: error }
    throw error
  }
}

function failureErrors(failure: DomainRuleError | ConflictError, field: string): FormErrors {
  if (failure instanceof StalePanelError) return singleError(field, `${failure.message}. What is saved now is shown below: check your answers and save again`)
  return singleError(failure instanceof DomainRuleError ? (failure.field ?? field) : field, failure.message)
}

function localityItems(localities: readonly { id: string; name: string }[], chosen: string | undefined) {
  return [
    { value: '', text: 'The whole authority (no single locality)', selected: !chosen },
    ...localities.map(locality => ({ value: locality.id, text: locality.name, selected: locality.id === chosen })),
  ]
}

function panelRows(panels: readonly PanelRow[]) {
  return panels.map(panel => [
    { html: `<a class="govuk-link" href="${escapeHtml(paths.panels.panel(panel.id))}">${escapeHtml(panel.name)}</a>` },
    { text: panel.localityName ?? 'The whole authority' },
    { text: String(panel.memberCount), format: 'numeric' },
    { text: String(panel.listedCount), format: 'numeric' },
    { html: panel.active ? '<strong class="govuk-tag govuk-tag--green">Active</strong>' : '<strong class="govuk-tag govuk-tag--grey">Inactive</strong>' },
  ])
}

function panelSummaryRows(panel: PanelRow): Row[] {
  return [
    { key: { text: 'Name' }, value: { text: panel.name } },
    { key: { text: 'Locality' }, value: { text: panel.localityName ?? 'The whole authority' } },
    { key: { text: 'Active' }, value: { text: panel.active ? 'Yes' : 'No' } },
  ]
}

function listingCard(listing: ListingRow, endAction: string | null) {
  const rows: Row[] = [
    { key: { text: 'Reason' }, value: { text: listing.reason } },
    { key: { text: 'Listed by' }, value: { text: `${listing.listedByName ?? 'Unknown'}, ${formatDateTime(listing.listedAt)}` } },
  ]
  if (listing.endedAt) rows.push({ key: { text: 'Taken off' }, value: { text: `${formatDateTime(listing.endedAt)}${listing.endedByName ? ` by ${listing.endedByName}` : ''}` } })
  return { id: listing.id, heading: listing.panelName, current: listing.endedAt === null, rows, endAction: listing.endedAt === null ? endAction : null }
}

/** Panels: administrators set them up; the lead professional lists an episode; members see what is listed. */
export function registerPanelRoutes(app: FastifyInstance, services: Services) {
  const service = services.panels
  const signedIn = requireSignedIn(services.auth)

  const allowed = requireAction(services.auth, service.ensureAllowed)
  const episodePages = { preHandler: signedIn }

  // ---- administrators: the list ------------------------------------------------------------------------------------

  app.get(paths.panels.admin(), allowed('panel.manage'), async (request, reply) => {
    const panels = await service.listPanels(request.context())
    return reply.render('panels/views/admin-list.njk', {
      title: 'Panels',
      backLink: paths.admin.home(),
      notice: noticeFrom(request, NOTICES),
      addHref: paths.panels.newPanel(),
      rows: panelRows(panels),
    })
  })

  // ---- administrators: a new panel ---------------------------------------------------------------------------------

  async function renderNew(request: FastifyRequest, reply: FastifyReply, values: Values, page: Page = {}) {
    const { localities } = await service.newPanelChoices(request.context())
    return reply.render(
      'panels/views/admin-new.njk',
      {
        title: 'Add a panel',
        backLink: paths.panels.admin(),
        action: paths.panels.newPanel(),
        values,
        localityItems: localityItems(localities, values.localityId),
        ...page.formErrors,
      },
      page.status ?? (page.formErrors ? 400 : 200),
    )
  }

  app.get(paths.panels.newPanel(), allowed('panel.manage'), async (request, reply) => renderNew(request, reply, {}))

  app.post(paths.panels.newPanel(), allowed('panel.manage'), async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = newPanelForm.safeParse(request.body)
    if (!parsed.success) return renderNew(request, reply, values, { formErrors: toFormErrors(parsed.error) })
    const result = await attempt(() => service.createPanel(request.context(), parsed.data))
    if ('failure' in result) return renderNew(request, reply, values, { formErrors: failureErrors(result.failure, 'name'), status: 400 })
    return reply.redirect(withNotice(paths.panels.panel(result.ok), 'panel-added'), 303)
  })

  // ---- administrators: one panel (change it, its members) ----------------------------------------------------------

  async function renderPanel(request: FastifyRequest<{ Params: { panelId: string } }>, reply: FastifyReply, values: Values | null, page: Page = {}) {
    const data = await service.panelPage(request.context(), request.params.panelId)
    const { panel } = data
    const shown: Values = values ?? { name: panel.name, localityId: panel.localityId ?? '', active: panel.active ? 'yes' : 'no', version: String(panel.version) }
    if (values && !/^[0-9]{1,9}$/.test(values.version ?? '')) shown.version = String(panel.version)
    return reply.render(
      'panels/views/admin-panel.njk',
      {
        title: panel.name,
        backLink: paths.panels.admin(),
        notice: page.formErrors ? undefined : noticeFrom(request, NOTICES),
        action: paths.panels.panel(panel.id),
        addMemberAction: paths.panels.addMember(panel.id),
        values: shown,
        localityItems: localityItems(data.localities, shown.localityId),
        activeItems: [
          { value: 'yes', text: 'Active: episodes can be listed at it, and its members see them', checked: shown.active === 'yes' },
          { value: 'no', text: 'Inactive: nothing can be listed at it, and its members no longer see what was', checked: shown.active === 'no' },
        ],
        members: data.members.map(member => ({
          name: member.name,
          email: member.email,
          warning: member.hasPanelRole ? null : 'They need the panel member role to see what is listed',
          inactive: member.status !== 'active',
          addedText: `Added ${formatDateTime(member.addedAt)}${member.addedByName ? ` by ${member.addedByName}` : ''}`,
          removeAction: paths.panels.removeMember(panel.id, member.userId),
          accountHref: paths.admin.user(member.userId),
        })),
        candidateItems: [
          { value: '', text: 'Choose a person' },
          ...data.candidates.map(user => ({ value: user.id, text: `${user.name} (${user.email})${user.hasPanelRole ? '' : ' – no panel member role'}`, selected: user.id === values?.userId })),
        ],
        conflict: page.conflict,
        ...page.formErrors,
      },
      page.status ?? (page.formErrors ? 400 : 200),
    )
  }

  app.get<{ Params: { panelId: string } }>(paths.panels.panel(':panelId'), allowed('panel.manage'), async (request, reply) => renderPanel(request, reply, null))

  app.post<{ Params: { panelId: string } }>(paths.panels.panel(':panelId'), allowed('panel.manage'), async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = editPanelForm.safeParse(request.body)
    if (!parsed.success) return renderPanel(request, reply, values, { formErrors: toFormErrors(parsed.error) })
    const result = await attempt(() => service.updatePanel(request.context(), request.params.panelId, parsed.data))
    if ('failure' in result) {
      const failure = result.failure
      if (failure instanceof StalePanelError) {
        return renderPanel(request, reply, { ...values, version: String(failure.current.version) }, { formErrors: failureErrors(failure, 'name'), conflict: { rows: panelSummaryRows(failure.current) }, status: 409 })
      }
      return renderPanel(request, reply, values, { formErrors: failureErrors(failure, 'name'), status: 400 })
    }
    return reply.redirect(withNotice(paths.panels.panel(request.params.panelId), 'panel-saved'), 303)
  })

  app.post<{ Params: { panelId: string } }>(paths.panels.addMember(':panelId'), allowed('panel.manage'), async (request, reply) => {
    const parsed = addMemberForm.safeParse(request.body)
    if (!parsed.success) return renderPanel(request, reply, null, { formErrors: toFormErrors(parsed.error) })
    const result = await attempt(() => service.addMember(request.context(), request.params.panelId, parsed.data.userId))
    if ('failure' in result) return renderPanel(request, reply, null, { formErrors: failureErrors(result.failure, 'userId'), status: 400 })
    return reply.redirect(withNotice(paths.panels.panel(request.params.panelId), result.ok.hasPanelRole ? 'member-added' : 'member-added-no-role'), 303)
  })

  app.post<{ Params: { panelId: string; userId: string } }>(paths.panels.removeMember(':panelId', ':userId'), allowed('panel.manage'), async (request, reply) => {
    const parsed = buttonForm.safeParse(request.body)
    if (!parsed.success) return renderPanel(request, reply, null, { formErrors: toFormErrors(parsed.error) })
    await service.removeMember(request.context(), request.params.panelId, request.params.userId)
    return reply.redirect(withNotice(paths.panels.panel(request.params.panelId), 'member-removed'), 303)
  })

  // ---- an episode's listings ---------------------------------------------------------------------------------------

  async function renderEpisode(request: FastifyRequest<{ Params: { episodeId: string } }>, reply: FastifyReply, values: Values, page: Page = {}) {
    const { episodeId } = request.params
    const data = await service.episodePage(request.context(), episodeId)
    const cards = data.listings.map(listing => listingCard(listing, paths.panels.endListing(episodeId, listing.id)))
    return reply.render(
      'panels/views/episode-panels.njk',
      {
        title: 'Panels',
        backLink: paths.episodes.show(episodeId),
        notice: page.formErrors ? undefined : noticeFrom(request, NOTICES),
        episode: data.episode,
        closed: data.episode.status === 'closed',
        current: cards.filter(card => card.current),
        past: cards.filter(card => !card.current),
        action: paths.panels.episode(episodeId),
        panelItems: [{ value: '', text: 'Choose a panel' }, ...data.panels.map(panel => ({ value: panel.id, text: panel.localityName ? `${panel.name} (${panel.localityName})` : panel.name, selected: panel.id === values.panelId }))],
        values,
        ...page.formErrors,
      },
      page.status ?? (page.formErrors ? 400 : 200),
    )
  }

  app.get<{ Params: { episodeId: string } }>(paths.panels.episode(':episodeId'), episodePages, async (request, reply) => renderEpisode(request, reply, {}))

  app.post<{ Params: { episodeId: string } }>(paths.panels.episode(':episodeId'), episodePages, async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = listEpisodeForm.safeParse(request.body)
    if (!parsed.success) return renderEpisode(request, reply, values, { formErrors: toFormErrors(parsed.error) })
    const result = await attempt(() => service.listEpisode(request.context(), request.params.episodeId, parsed.data))
    if ('failure' in result) return renderEpisode(request, reply, values, { formErrors: failureErrors(result.failure, 'panelId'), status: 400 })
    return reply.redirect(withNotice(paths.panels.episode(request.params.episodeId), 'listed'), 303)
  })

  app.post<{ Params: { episodeId: string; listingId: string } }>(paths.panels.endListing(':episodeId', ':listingId'), episodePages, async (request, reply) => {
    const parsed = buttonForm.safeParse(request.body)
    if (!parsed.success) return renderEpisode(request, reply, {}, { formErrors: toFormErrors(parsed.error) })
    const result = await attempt(() => service.endListing(request.context(), request.params.episodeId, request.params.listingId))
    if ('failure' in result) return renderEpisode(request, reply, {}, { formErrors: failureErrors(result.failure, 'panelId'), status: 400 })
    return reply.redirect(withNotice(paths.panels.episode(request.params.episodeId), 'ended'), 303)
  })

  // ---- the episode's locality ------------------------------------------------------------------------------------------

  async function renderLocality(request: FastifyRequest<{ Params: { episodeId: string } }>, reply: FastifyReply, values: Values | null, page: Page = {}) {
    const { episodeId } = request.params
    const data = await service.localityPage(request.context(), episodeId)
    const chosen = values ? values.localityId : data.locality.localityId
    return reply.render(
      'panels/views/episode-locality.njk',
      {
        title: 'Which locality does the family live in?',
        backLink: paths.episodes.show(episodeId),
        episode: data.episode,
        closed: data.episode.status === 'closed',
        current: data.locality.localityName,
        action: paths.panels.locality(episodeId),
        version: values?.version ?? String(data.locality.version),
        localityItems: data.localities.map(locality => ({ value: locality.id, text: locality.name, checked: locality.id === chosen })),
        ...page.formErrors,
      },
      page.status ?? (page.formErrors ? 400 : 200),
    )
  }

  app.get<{ Params: { episodeId: string } }>(paths.panels.locality(':episodeId'), episodePages, async (request, reply) => renderLocality(request, reply, null))

  app.post<{ Params: { episodeId: string } }>(paths.panels.locality(':episodeId'), episodePages, async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = episodeLocalityForm.safeParse(request.body)
    if (!parsed.success) return renderLocality(request, reply, values, { formErrors: toFormErrors(parsed.error) })
    const result = await attempt(() => service.moveEpisode(request.context(), request.params.episodeId, parsed.data))
    if ('failure' in result) return renderLocality(request, reply, values, { formErrors: failureErrors(result.failure, 'localityId'), status: 400 })
    // A coordinator of the old locality no longer sees the episode: they go back to their dashboard.
    return reply.redirect(result.ok.stillVisible ? withNotice(paths.episodes.show(request.params.episodeId), 'moved') : paths.myWork.dashboard(), 303)
  })

  // ---- panel members -------------------------------------------------------------------------------------------------

  app.get(paths.panels.mine(), allowed('panel.view'), async (request, reply) => {
    const panels = await service.myPanels(request.context())
    return reply.render('panels/views/my-panels.njk', {
      title: 'Your panels',
      panels: panels.map(panel => ({
        id: panel.id,
        name: panel.name,
        localityName: panel.localityName,
        rows: panel.listings.map(listing => [
          { html: `<a class="govuk-link" href="${escapeHtml(paths.episodes.show(listing.episodeId))}">${escapeHtml(listing.reference)}</a>` },
          { text: listing.childrenNames ?? listing.householdName ?? '' },
          { text: `${listing.listedByName ?? 'Unknown'}, ${formatDateTime(listing.listedAt)}` },
          { text: listing.reason },
        ]),
      })),
    })
  })
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, char => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char)
}
