import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../composition.ts'
import { DomainRuleError, NotFoundError } from '../../lib/errors.ts'
import {
  singleError,
  submittedValues,
  toFormErrors,
  type FormErrors,
  type SubmittedValues,
} from '../../lib/validation.ts'
import { requireSignedIn } from '../../plugins/session.ts'
import { formatDate, formatDateTime } from '../../plugins/views.ts'
import { paths } from '../../paths.ts'
import { dateInputItems, dateInputValues } from '../../lib/dates.ts'
import { episodeNav } from '../episodes/episode-summary.ts'
import {
  actionUpdateForm,
  agreeForm,
  editNeedForm,
  ifNotAchievedForm,
  newActionForm,
  newNeedForm,
  removeNeedForm,
  signatureForm,
  SIGNATURE_METHODS,
  versionNumberParam,
} from './plans.schemas.ts'
import {
  isOverdue,
  StalePlanEditError,
  type ActionRecord,
  type NeedView,
  type Owners,
  type PlanPage,
} from './plans.service.ts'
import {
  compareSnapshots,
  escapeHtml,
  FAMILY_KIND_NAMES,
  readSnapshot,
  SIGNATURE_METHOD_NAMES,
  signatureRows,
  STATUS_NAMES,
  statusTag,
  versionRows,
} from './plans.view-models.ts'
import { z } from 'zod'
import { noticeFrom } from '../../lib/notices.ts'

type EpisodeParams = { Params: { episodeId: string } }
type NeedParams = { Params: { episodeId: string; needId: string } }
type ActionParams = { Params: { episodeId: string; actionId: string } }
type VersionParams = { Params: { episodeId: string; versionNumber: string } }

const NOTICES: Record<string, string> = {
  need: 'The need has been added to the plan.',
  'need-changed': 'The need has been changed.',
  'need-removed': 'The need has been taken out of the plan. Its actions are kept under “Other actions”.',
  action: 'The action has been added to the plan.',
  'action-updated': 'The action has been updated.',
  'if-not': 'What happens if the agreed changes do not happen has been saved.',
  agreed: 'The plan has been agreed. Record who signed it below.',
  signed: 'The signature has been recorded.',
}

const fingerprintForm = z.strictObject({ fingerprint: z.string().regex(/^[0-9a-f]{16}$/, 'Reload the page and try again') }).partial()

function first(values: SubmittedValues, name: string): string | undefined {
  const value = values[name]
  return Array.isArray(value) ? value[0] : value
}

function outcomeItems(framework: PlanPage['framework'], chosen: readonly string[]) {
  return framework.outcomes.map(outcome => ({ value: outcome.key, text: outcome.title, hint: { text: outcome.familyWords }, checked: chosen.includes(outcome.key) }))
}

function ownerRadios(owners: Owners, values: SubmittedValues, fieldErrors: FormErrors['fieldErrors'] | undefined, current?: ActionRecord) {
  const chosen = first(values, 'owner')
  const items: Record<string, unknown>[] = []
  const practitioners = [...owners.practitioners]
  if (current?.ownerKind === 'practitioner' && current.ownerUserId && !practitioners.some(item => item.userId === current.ownerUserId)) {
    items.push({ value: `user:${current.ownerUserId}`, text: current.ownerName, hint: { text: 'No longer on the team' }, checked: chosen === `user:${current.ownerUserId}` })
  }
  for (const practitioner of practitioners) {
    const hint = [practitioner.teamRole, practitioner.agencyName].filter(Boolean).join(', ')
    items.push({ value: `user:${practitioner.userId}`, text: practitioner.name, ...(hint ? { hint: { text: hint } } : {}), checked: chosen === `user:${practitioner.userId}` })
  }
  const family = [...owners.family]
  if (current?.ownerKind === 'family_member' && current.ownerFamilyTeamMemberId && !family.some(item => item.id === current.ownerFamilyTeamMemberId)) {
    items.push({ value: `family:${current.ownerFamilyTeamMemberId}`, text: current.ownerName, hint: { text: 'No longer on the team' }, checked: chosen === `family:${current.ownerFamilyTeamMemberId}` })
  }
  if (family.length) items.push({ divider: 'or someone from the family’s side' })
  for (const member of family) {
    items.push({ value: `family:${member.id}`, text: member.name, hint: { text: [member.relationship, FAMILY_KIND_NAMES[member.kind]].filter(Boolean).join(', ') }, checked: chosen === `family:${member.id}` })
  }
  if (items.length) items.push({ divider: 'or' })
  const agencyId = first(values, 'ownerAgencyId')
  return {
    items,
    agencyChecked: chosen === 'agency',
    agencyItems: [{ value: '', text: 'Choose an agency' }, ...owners.agencies.map(agency => ({ value: agency.id, text: agency.name, selected: agencyId === agency.id }))],
    agencyError: fieldErrors?.ownerAgencyId,
  }
}

function ownerValue(action: ActionRecord): Record<string, string> {
  if (action.ownerKind === 'practitioner' && action.ownerUserId) return { owner: `user:${action.ownerUserId}` }
  if (action.ownerKind === 'family_member' && action.ownerFamilyTeamMemberId) return { owner: `family:${action.ownerFamilyTeamMemberId}` }
  return { owner: 'agency', ownerAgencyId: action.ownerAgencyId ?? '' }
}

/** The name of the owner a form names, for the conflict table. */
function ownerNameOf(owners: Owners, values: SubmittedValues, current: ActionRecord): string {
  const owner = first(values, 'owner') ?? ''
  const [kind, id] = owner.split(':')
  if (kind === 'user') return owners.practitioners.find(item => item.userId === id)?.name ?? (current.ownerUserId === id ? current.ownerName : '')
  if (kind === 'family') return owners.family.find(item => item.id === id)?.name ?? (current.ownerFamilyTeamMemberId === id ? current.ownerName : '')
  if (owner === 'agency') return owners.agencies.find(item => item.id === first(values, 'ownerAgencyId'))?.name ?? ''
  return ''
}

function needItems(needs: { id: string; description: string }[], chosen: string | undefined) {
  return [{ value: '', text: 'Not about one need' }, ...needs.map(need => ({ value: need.id, text: need.description.length > 90 ? `${need.description.slice(0, 88)}…` : need.description, selected: chosen === need.id }))]
}

function actionValues(action: ActionRecord): SubmittedValues {
  return { what: action.what, needId: action.needId ?? '', ...ownerValue(action), ...dateInputValues('dueOn', action.dueOn), status: action.status, notDoneReason: action.notDoneReason ?? '', version: String(action.version) }
}

/** The plan's pages: the plan, needs, actions and their history, the "if not" text, agreeing, versions and signatures, the family's copy. */
export function registerPlanRoutes(app: FastifyInstance, services: Services) {
  const { plans, auth } = services
  const signedIn = { preHandler: requireSignedIn(auth) }

  // ---- the plan ----------------------------------------------------------------------------------------------

  app.get<EpisodeParams>('/episodes/:episodeId/plan', signedIn, async (request, reply) => {
    const page = await plans.planPage(request.context(), request.params.episodeId)
    const id = page.summary.id
    const actionRow = (action: ActionRecord) => {
      const tag = statusTag(action.status, isOverdue(action, page.today))
      return [
        { html: `<a class="govuk-link" href="${escapeHtml(paths.plans.action(id, action.id))}">${escapeHtml(action.what)}</a>${action.notDoneReason ? `<br><span class="govuk-hint">Not done: ${escapeHtml(action.notDoneReason)}</span>` : ''}` },
        { text: action.ownerName },
        { text: formatDate(action.dueOn) },
        { html: `<strong class="govuk-tag ${tag.classes}">${escapeHtml(tag.text)}</strong>` },
      ]
    }
    const needs = page.needs.map((need: NeedView) => ({
      ...need,
      href: paths.plans.need(id, need.id),
      newActionHref: paths.plans.newAction(id, { needId: need.id }),
      actions: page.actions.filter(action => action.needId === need.id).map(actionRow),
    }))
    const otherActions = page.actions.filter(action => !action.needId || !page.needs.some(need => need.id === action.needId)).map(actionRow)
    const latest = page.versions[0]
    return reply.render('plans/views/plan.njk', {
      title: `Family support plan: ${page.summary.reference}`,
      episodeNav: episodeNav(page.summary, 'plan'),
      notice: noticeFrom(request, NOTICES),
      framework: page.framework,
      needs,
      otherActions,
      ifNotAchieved: page.plan?.ifNotAchieved ?? '',
      editable: page.editable,
      agreement: latest
        ? { number: latest.number, agreedAt: formatDateTime(latest.agreedAt), href: paths.plans.version(id, latest.number), changed: page.plan?.changedSinceAgreed ?? false }
        : null,
      versionRows: versionRows(page.versions, number => paths.plans.version(id, number)),
      links: {
        newNeed: paths.plans.newNeed(id),
        newAction: paths.plans.newAction(id),
        ifNotAchieved: paths.plans.ifNotAchieved(id),
        agree: paths.plans.agree(id),
        familyCopy: paths.plans.familyCopy(id),
        familyCopyPdf: paths.plans.familyCopyPdf(id),
      },
      mayAgree: page.editable && (page.needs.length > 0 || page.actions.length > 0) && (page.plan?.changedSinceAgreed ?? true),
    })
  })

  // ---- needs -------------------------------------------------------------------------------------------------

  async function renderNewNeed(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: SubmittedValues, formErrors?: FormErrors, status?: number) {
    const form = await plans.needForm(request.context(), request.params.episodeId)
    if (!form.editable) throw new DomainRuleError('This episode is closed, so its plan cannot be changed.')
    const id = form.summary.id
    const source = first(values, 'source')
    const chosen = ([] as string[]).concat(values.frameworkOutcomes ?? [])
    const sourceItems = [
      ...form.assessmentNeeds.map(need => ({
        value: need.value,
        text: need.title,
        hint: { text: `${need.needs.length > 200 ? `${need.needs.slice(0, 198)}…` : need.needs}${need.inPlan ? ' (already in the plan)' : ''}` },
        checked: source === need.value,
      })),
      ...(form.assessmentNeeds.length ? [{ divider: 'or' }] : []),
      { value: 'fresh', text: 'A need that is not in the assessment', checked: source === 'fresh' },
    ]
    return reply.render(
      'plans/views/need.njk',
      {
        title: 'Add a need to the plan',
        episodeNav: episodeNav(form.summary, 'plan'),
        backLink: paths.plans.show(id),
        action: paths.plans.newNeed(id),
        isNew: true,
        sourceItems,
        hasAssessmentNeeds: form.assessmentNeeds.length > 0,
        outcomeItems: outcomeItems(form.framework, chosen),
        frameworkName: form.framework.name,
        values,
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  // The forms are for those who may change the plan (a panel member or an emergency reader may only read it).
  app.get<EpisodeParams>('/episodes/:episodeId/plan/needs/new', signedIn, async (request, reply) => {
    await plans.ensureAllowed(request.context(), 'plan.edit', request.params.episodeId)
    return renderNewNeed(request, reply, {})
  })

  app.post<EpisodeParams>('/episodes/:episodeId/plan/needs/new', signedIn, async (request, reply) => {
    await plans.ensureAllowed(request.context(), 'plan.edit', request.params.episodeId)
    const values = submittedValues(request.body)
    const parsed = newNeedForm.safeParse(request.body)
    if (!parsed.success) return renderNewNeed(request, reply, values, toFormErrors(parsed.error))
    try {
      await plans.addNeed(request.context(), request.params.episodeId, parsed.data)
    } catch (error) {
      if (error instanceof DomainRuleError) return renderNewNeed(request, reply, values, singleError(error.field ?? 'source', error.message), 422)
      throw error
    }
    return reply.redirect(`${paths.plans.show(request.params.episodeId)}?done=need`, 303)
  })

  async function renderNeed(request: FastifyRequest<NeedParams>, reply: FastifyReply, values: SubmittedValues | null, formErrors?: FormErrors, status?: number, conflict?: { description: string; outcomeWanted: string }) {
    const detail = await plans.needDetail(request.context(), request.params.episodeId, request.params.needId)
    const { need, summary } = detail
    const shown: SubmittedValues = values ?? { description: need.description, outcomeWanted: need.outcomeWanted, frameworkOutcomes: need.frameworkOutcomes }
    const chosen = ([] as string[]).concat(shown.frameworkOutcomes ?? [])
    return reply.render(
      'plans/views/need.njk',
      {
        title: 'Change a need',
        episodeNav: episodeNav(summary, 'plan'),
        backLink: paths.plans.show(summary.id),
        action: paths.plans.need(summary.id, need.id),
        removeAction: paths.plans.removeNeed(summary.id, need.id),
        isNew: false,
        editable: detail.editable,
        sourceLabel: need.sourceLabel,
        outcomeItems: outcomeItems(detail.framework, chosen),
        frameworkName: detail.framework.name,
        values: { ...shown, version: String(need.version) },
        conflict: conflict ? { rows: [[{ text: 'The need' }, { text: first(shown, 'description') ?? '' }, { text: conflict.description }], [{ text: 'The outcome wanted' }, { text: first(shown, 'outcomeWanted') ?? '' }, { text: conflict.outcomeWanted }]] } : null,
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<NeedParams>('/episodes/:episodeId/plan/needs/:needId', signedIn, async (request, reply) => renderNeed(request, reply, null))

  app.post<NeedParams>('/episodes/:episodeId/plan/needs/:needId', signedIn, async (request, reply) => {
    const { episodeId, needId } = request.params
    await plans.ensureAllowed(request.context(), 'plan.edit', episodeId)
    const values = submittedValues(request.body)
    const parsed = editNeedForm.safeParse(request.body)
    if (!parsed.success) return renderNeed(request, reply, values, toFormErrors(parsed.error))
    try {
      await plans.updateNeed(request.context(), episodeId, needId, parsed.data)
    } catch (error) {
      if (error instanceof StalePlanEditError) {
        const current = error.current as { description: string; outcomeWanted: string }
        return renderNeed(request, reply, values, singleError('main-content', 'Someone else changed this need after you opened it. Nothing you entered has been saved: compare, then save again'), 409, current)
      }
      if (error instanceof DomainRuleError) return renderNeed(request, reply, values, singleError(error.field ?? 'description', error.message), 422)
      throw error
    }
    return reply.redirect(`${paths.plans.show(episodeId)}?done=need-changed`, 303)
  })

  app.post<NeedParams>('/episodes/:episodeId/plan/needs/:needId/remove', signedIn, async (request, reply) => {
    const { episodeId, needId } = request.params
    await plans.ensureAllowed(request.context(), 'plan.edit', episodeId)
    const parsed = removeNeedForm.safeParse(request.body)
    if (!parsed.success) return renderNeed(request, reply, null, toFormErrors(parsed.error))
    try {
      await plans.removeNeed(request.context(), episodeId, needId, parsed.data.version)
    } catch (error) {
      if (error instanceof StalePlanEditError) return renderNeed(request, reply, null, singleError('main-content', 'Someone else changed this need after you opened it. Check it and try again'), 409)
      if (error instanceof DomainRuleError) return renderNeed(request, reply, null, singleError('main-content', error.message), 422)
      throw error
    }
    return reply.redirect(`${paths.plans.show(episodeId)}?done=need-removed`, 303)
  })

  // ---- actions -----------------------------------------------------------------------------------------------

  async function renderNewAction(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: SubmittedValues, formErrors?: FormErrors, status?: number) {
    const form = await plans.actionForm(request.context(), request.params.episodeId)
    if (!form.editable) throw new DomainRuleError('This episode is closed, so its plan cannot be changed.')
    const id = form.summary.id
    const query = request.query as Record<string, unknown> | undefined
    const needId = first(values, 'needId') ?? (typeof query?.needId === 'string' ? query.needId : undefined)
    return reply.render(
      'plans/views/action-new.njk',
      {
        title: 'Add an action to the plan',
        episodeNav: episodeNav(form.summary, 'plan'),
        backLink: paths.plans.show(id),
        action: paths.plans.newAction(id),
        values,
        needItems: needItems(form.needs, needId),
        owner: ownerRadios(form.owners, values, formErrors?.fieldErrors),
        dateItems: dateInputItems('dueOn', values, Boolean(formErrors?.fieldErrors['dueOn-day'])),
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/plan/actions/new', signedIn, async (request, reply) => {
    await plans.ensureAllowed(request.context(), 'plan.edit', request.params.episodeId)
    return renderNewAction(request, reply, {})
  })

  app.post<EpisodeParams>('/episodes/:episodeId/plan/actions/new', signedIn, async (request, reply) => {
    await plans.ensureAllowed(request.context(), 'plan.edit', request.params.episodeId)
    const values = submittedValues(request.body)
    const parsed = newActionForm.safeParse(request.body)
    if (!parsed.success) return renderNewAction(request, reply, values, toFormErrors(parsed.error))
    try {
      await plans.addAction(request.context(), request.params.episodeId, parsed.data)
    } catch (error) {
      if (error instanceof DomainRuleError) return renderNewAction(request, reply, values, singleError(error.field ?? 'what', error.message), 422)
      throw error
    }
    return reply.redirect(`${paths.plans.show(request.params.episodeId)}?done=action`, 303)
  })

  async function renderAction(request: FastifyRequest<ActionParams>, reply: FastifyReply, values: SubmittedValues | null, formErrors?: FormErrors, status?: number, conflict?: ActionRecord) {
    const detail = await plans.actionDetail(request.context(), request.params.episodeId, request.params.actionId)
    const { action, summary } = detail
    // After a conflict the form keeps what the user typed but carries the version saved now, so saving again is deliberate.
    const shown: SubmittedValues = values ? { ...values, version: String(action.version) } : actionValues(action)
    const needName = (needId: string | null) => (needId ? (detail.needs.find(need => need.id === needId)?.description ?? '') : 'Not about one need')
    return reply.render(
      'plans/views/action.njk',
      {
        title: `Action: ${action.what.length > 60 ? `${action.what.slice(0, 58)}…` : action.what}`,
        episodeNav: episodeNav(summary, 'plan'),
        backLink: paths.plans.show(summary.id),
        formAction: paths.plans.action(summary.id, action.id),
        notice: noticeFrom(request, NOTICES),
        editable: detail.editable,
        actionRecord: {
          what: action.what,
          tag: statusTag(action.status, isOverdue(action, detail.today)),
          rows: [
            { key: { text: 'What' }, value: { text: action.what } },
            { key: { text: 'Who' }, value: { text: action.ownerName } },
            { key: { text: 'By when' }, value: { text: formatDate(action.dueOn) } },
            { key: { text: 'Status' }, value: { text: `${STATUS_NAMES[action.status]}${action.notDoneReason ? `: ${action.notDoneReason}` : ''}${action.completedOn ? ` (done on ${formatDate(action.completedOn)})` : ''}` } },
            { key: { text: 'Need' }, value: { text: needName(action.needId) } },
            ...(action.sourceMeetingId ? [{ key: { text: 'Agreed at' }, value: { text: 'A team meeting' } }] : []),
            ...(action.sourceReviewId ? [{ key: { text: 'Agreed at' }, value: { text: 'A review' } }] : []),
          ],
        },
        history: detail.history.map(update => ({ at: formatDateTime(update.at), by: update.byName, status: update.status ? STATUS_NAMES[update.status] : null, note: update.note })),
        conflict: conflict
          ? {
              rows: [
                [{ text: 'What' }, { text: first(shown, 'what') ?? '' }, { text: conflict.what }],
                [{ text: 'Status' }, { text: STATUS_NAMES[(first(shown, 'status') as keyof typeof STATUS_NAMES) ?? 'not_started'] ?? '' }, { text: STATUS_NAMES[conflict.status] }],
                [{ text: 'Why not done' }, { text: first(shown, 'notDoneReason') ?? '' }, { text: conflict.notDoneReason ?? '' }],
                [{ text: 'By when' }, { text: [first(shown, 'dueOn-day'), first(shown, 'dueOn-month'), first(shown, 'dueOn-year')].join('/') }, { text: formatDate(conflict.dueOn) }],
                [{ text: 'Who' }, { text: ownerNameOf(detail.owners, shown, action) }, { text: conflict.ownerName }],
                [{ text: 'Progress note' }, { text: first(shown, 'note') ?? '' }, { text: '' }],
              ],
            }
          : null,
        values: shown,
        needItems: needItems(detail.needs, first(shown, 'needId')),
        owner: ownerRadios(detail.owners, shown, formErrors?.fieldErrors, action),
        dateItems: dateInputItems('dueOn', shown, Boolean(formErrors?.fieldErrors['dueOn-day'])),
        statusItems: (['not_started', 'in_progress', 'done', 'not_done'] as const).map(value => ({ value, text: STATUS_NAMES[value], checked: first(shown, 'status') === value })),
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<ActionParams>('/episodes/:episodeId/plan/actions/:actionId', signedIn, async (request, reply) => renderAction(request, reply, null))

  app.post<ActionParams>('/episodes/:episodeId/plan/actions/:actionId', signedIn, async (request, reply) => {
    const { episodeId, actionId } = request.params
    await plans.ensureAllowed(request.context(), 'plan.edit', episodeId)
    const values = submittedValues(request.body)
    const parsed = actionUpdateForm.safeParse(request.body)
    if (!parsed.success) return renderAction(request, reply, values, toFormErrors(parsed.error))
    try {
      await plans.updateAction(request.context(), episodeId, actionId, parsed.data)
    } catch (error) {
      if (error instanceof StalePlanEditError) {
        return renderAction(
          request,
          reply,
          values,
          singleError('conflict', 'Someone else updated this action after you opened it. Nothing you entered has been saved: compare, then save again'),
          409,
          error.current as ActionRecord,
        )
      }
      if (error instanceof DomainRuleError) return renderAction(request, reply, values, singleError(error.field ?? 'status', error.message), 422)
      throw error
    }
    return reply.redirect(`${paths.plans.action(episodeId, actionId)}?done=action-updated`, 303)
  })

  // ---- what happens if the agreed changes do not happen -----------------------------------------------------------

  async function renderIfNot(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: SubmittedValues | null, formErrors?: FormErrors, status?: number, saved?: string) {
    const page = await plans.planPage(request.context(), request.params.episodeId)
    if (!page.editable) throw new DomainRuleError('This episode is closed, so its plan cannot be changed.')
    const shown = values ? { ...values, version: String(page.plan?.version ?? 1) } : { ifNotAchieved: page.plan?.ifNotAchieved ?? '', version: String(page.plan?.version ?? 1) }
    return reply.render(
      'plans/views/if-not-achieved.njk',
      {
        title: 'What happens if the agreed changes do not happen',
        episodeNav: episodeNav(page.summary, 'plan'),
        backLink: paths.plans.show(page.summary.id),
        action: paths.plans.ifNotAchieved(page.summary.id),
        values: shown,
        saved: saved ?? null,
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/plan/if-not-achieved', signedIn, async (request, reply) => renderIfNot(request, reply, null))

  app.post<EpisodeParams>('/episodes/:episodeId/plan/if-not-achieved', signedIn, async (request, reply) => {
    await plans.ensureAllowed(request.context(), 'plan.edit', request.params.episodeId)
    const values = submittedValues(request.body)
    const parsed = ifNotAchievedForm.safeParse(request.body)
    if (!parsed.success) return renderIfNot(request, reply, values, toFormErrors(parsed.error))
    try {
      await plans.setIfNotAchieved(request.context(), request.params.episodeId, parsed.data.ifNotAchieved, parsed.data.version)
    } catch (error) {
      if (error instanceof StalePlanEditError) {
        return renderIfNot(request, reply, values, singleError('ifNotAchieved', 'Someone else changed this after you opened it. Nothing you entered has been saved: compare, then save again'), 409, String(error.current))
      }
      if (error instanceof DomainRuleError) return renderIfNot(request, reply, values, singleError('ifNotAchieved', error.message), 422)
      throw error
    }
    return reply.redirect(`${paths.plans.show(request.params.episodeId)}?done=if-not`, 303)
  })

  // ---- agreeing a version ------------------------------------------------------------------------------------

  async function renderAgree(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: SubmittedValues, formErrors?: FormErrors, status?: number) {
    const page = await plans.planPage(request.context(), request.params.episodeId)
    if (!page.editable) throw new DomainRuleError('This episode is closed, so its plan cannot be changed.')
    const latest = page.versions[0]
    const changes = latest ? compareSnapshots(readSnapshot(latest.content), page.snapshot) : []
    return reply.render(
      'plans/views/agree.njk',
      {
        title: 'Agree the plan',
        episodeNav: episodeNav(page.summary, 'plan'),
        backLink: paths.plans.show(page.summary.id),
        action: paths.plans.agree(page.summary.id),
        nextNumber: (page.plan?.agreedVersionNumber ?? 0) + 1,
        previousNumber: latest?.number ?? null,
        changeRows: changes.map(change => [{ text: change.kind }, { text: change.item }, { text: change.before }, { text: change.after }]),
        counts: { needs: page.needs.length, actions: page.actions.length },
        nothingToAgree: page.needs.length === 0 && page.actions.length === 0,
        unchanged: page.plan !== null && !page.plan.changedSinceAgreed,
        familyCopyHref: paths.plans.familyCopy(page.summary.id),
        fingerprint: page.fingerprint,
        values,
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/plan/agree', signedIn, async (request, reply) => renderAgree(request, reply, {}))

  app.post<EpisodeParams>('/episodes/:episodeId/plan/agree', signedIn, async (request, reply) => {
    const { episodeId } = request.params
    await plans.ensureAllowed(request.context(), 'plan.agree', episodeId)
    const values = submittedValues(request.body)
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>
    const { fingerprint, ...rest } = body
    const print = fingerprintForm.safeParse({ fingerprint })
    const parsed = agreeForm.safeParse(rest)
    if (!parsed.success || !print.success || !print.data.fingerprint) {
      const errors = parsed.success ? singleError('confirm', 'The form is out of date. Check the plan below and agree again') : toFormErrors(parsed.error)
      return renderAgree(request, reply, values, errors)
    }
    let number: number
    try {
      number = await plans.agree(request.context(), episodeId, { ...parsed.data, fingerprint: print.data.fingerprint })
    } catch (error) {
      if (error instanceof StalePlanEditError) return renderAgree(request, reply, values, singleError('confirm', 'The plan changed while you were reading it. Nothing was agreed: check the plan below and agree again'), 409)
      if (error instanceof DomainRuleError) return renderAgree(request, reply, values, singleError(error.field ?? 'confirm', error.message), 422)
      throw error
    }
    return reply.redirect(`${paths.plans.version(episodeId, number)}?done=agreed`, 303)
  })

  // ---- versions and signatures -------------------------------------------------------------------------------

  async function renderVersion(request: FastifyRequest<VersionParams>, reply: FastifyReply, values: SubmittedValues, formErrors?: FormErrors, status?: number) {
    const number = versionNumberParam.safeParse(request.params.versionNumber)
    // Check access to the episode first, so a refusal does not depend on whether the version exists.
    if (!number.success) {
      await plans.planPage(request.context(), request.params.episodeId)
      throw new NotFoundError('There is no such version of this plan.')
    }
    const page = await plans.versionPage(request.context(), request.params.episodeId, number.data)
    const id = page.summary.id
    const snapshot = readSnapshot(page.version.content)
    const frozenRow = (action: (typeof snapshot.actions)[number]) => [
      { text: action.what },
      { text: action.ownerName },
      { text: formatDate(action.dueOn) },
      { text: `${STATUS_NAMES[action.status]}${action.notDoneReason ? `: ${action.notDoneReason}` : ''}` },
    ]
    const changes = page.previous ? compareSnapshots(readSnapshot(page.previous.content), snapshot) : []
    const signer = first(values, 'signer')
    const method = first(values, 'method')
    const signerItems = [
      ...page.practitioners.map(item => ({ value: `user:${item.userId}`, text: item.userId === page.actorId ? `${item.name} (you)` : item.name, hint: item.agencyName ? { text: item.agencyName } : undefined, checked: signer === `user:${item.userId}` })),
      ...(page.family.length ? [{ divider: 'or from the family’s side' }] : []),
      ...page.family.map(item => ({ value: `family:${item.id}`, text: item.name, hint: { text: [item.relationship, FAMILY_KIND_NAMES[item.kind]].filter(Boolean).join(', ') }, checked: signer === `family:${item.id}` })),
    ]
    return reply.render(
      'plans/views/version.njk',
      {
        title: `Family support plan, version ${page.version.number}: ${page.summary.reference}`,
        episodeNav: episodeNav(page.summary, 'plan'),
        backLink: paths.plans.show(id),
        notice: noticeFrom(request, NOTICES),
        version: { number: page.version.number, agreedAt: formatDateTime(page.version.agreedAt), agreedBy: page.version.agreedByName, changeSummary: page.version.changeSummary },
        frameworkName: snapshot.framework.name,
        needs: snapshot.needs.map(need => ({ ...need, rows: snapshot.actions.filter(action => action.needId === need.id).map(frozenRow) })),
        otherActions: snapshot.actions.filter(action => !action.needId || !snapshot.needs.some(need => need.id === action.needId)).map(frozenRow),
        ifNotAchieved: snapshot.ifNotAchieved,
        previous: page.previous ? { number: page.previous.number, href: paths.plans.version(id, page.previous.number) } : null,
        changeRows: changes.map(change => [{ text: change.kind }, { text: change.item }, { text: change.before }, { text: change.after }]),
        signatureRows: signatureRows(page.signatures),
        maySign: page.latest && page.editable,
        latest: page.latest,
        signAction: paths.plans.signatures(id, page.version.number),
        signerItems,
        methodItems: SIGNATURE_METHODS.map(value => ({ value, text: SIGNATURE_METHOD_NAMES[value], checked: method === value })),
        dateItems: dateInputItems('signedOn', Object.keys(values).length ? values : dateInputValues('signedOn', page.today), Boolean(formErrors?.fieldErrors['signedOn-day'])),
        values,
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<VersionParams>('/episodes/:episodeId/plan/versions/:versionNumber', signedIn, async (request, reply) => renderVersion(request, reply, {}))

  app.post<VersionParams>('/episodes/:episodeId/plan/versions/:versionNumber/signatures', signedIn, async (request, reply) => {
    const { episodeId } = request.params
    await plans.ensureAllowed(request.context(), 'plan.agree', episodeId)
    const number = versionNumberParam.safeParse(request.params.versionNumber)
    if (!number.success) throw new NotFoundError('There is no such version of this plan.')
    const values = submittedValues(request.body)
    const parsed = signatureForm.safeParse(request.body)
    if (!parsed.success) return renderVersion(request, reply, values, toFormErrors(parsed.error))
    try {
      await plans.sign(request.context(), episodeId, number.data, parsed.data)
    } catch (error) {
      if (error instanceof DomainRuleError) return renderVersion(request, reply, values, singleError(error.field ?? 'signer', error.message), 422)
      throw error
    }
    return reply.redirect(`${paths.plans.version(episodeId, number.data)}?done=signed`, 303)
  })

  // ---- the family's copy -------------------------------------------------------------------------------------

  app.get<EpisodeParams>('/episodes/:episodeId/plan/family-copy', signedIn, async (request, reply) => {
    const { page, document } = await plans.familyCopy(request.context(), request.params.episodeId)
    reply.header('cache-control', 'no-store')
    return reply.render('plans/views/family-copy.njk', {
      title: document.title,
      document,
      backLink: paths.plans.show(page.summary.id),
      pdfHref: paths.plans.familyCopyPdf(page.summary.id),
    })
  })

  app.get<EpisodeParams>('/episodes/:episodeId/plan/family-copy.pdf', signedIn, async (request, reply) => {
    const { bytes, fileName } = await plans.familyCopyPdf(request.context(), request.params.episodeId)
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `attachment; filename="${fileName}"`)
      .header('cache-control', 'no-store')
      .send(bytes)
  })
}
