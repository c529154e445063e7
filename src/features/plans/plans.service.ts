import { createHash } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { Database, PlanActionOwnerKind } from '../../db/schema.ts'
import type { Clock } from '../../lib/clock.ts'
import { ConflictError, DomainRuleError, NotFoundError, UnauthenticatedError } from '../../lib/errors.ts'
import { isUuid, uuidv7 } from '../../lib/ids.ts'
import { DeniedWithin, type Access, type AccessRequest, type AuditNote } from '../../policy/access.ts'
import type { PractitionerActor, RequestContext } from '../../policy/actor.ts'
import type { Action } from '../../policy/policy.ts'
import { paths } from '../../paths.ts'
import { addDays } from '../../lib/dates.ts'
import { findEpisodeRelationship } from '../episodes/episodes.service.ts'
import { findEpisodeSummary, type EpisodeSummary } from '../episodes/episode-summary.ts'
import { readEarlyHelpSettings } from '../team/early-help-settings.ts'
import { listCurrentPractitioners } from '../team/team.repository.ts'
import { listOverdueMinutes } from '../meetings/meetings-due.ts'
import { findTemplateVersion } from '../assessments/templates.repository.ts'
import { elementsOf } from '../assessments/template-content.ts'
import { renderFamilyCopyPdf } from '../assessments/family-copy.pdf.ts'
import { insertPlanAction } from './plan-actions.ts'
import { outcomesFor, outcomesFramework, type OutcomesFramework } from './outcome-frameworks.ts'
import * as repository from './plans.repository.ts'
import type { ActionStatusInput, ActionUpdateInput, AgreeInput, EditNeedInput, NewActionInput, NewNeedInput, OwnerChoice, SignatureInput } from './plans.schemas.ts'
import { planFamilyDocument, type PlanSnapshot } from './plans.view-models.ts'
import { redactFamilyCopy } from '../identity-protection/identity-protection.redaction.ts'

export type {
  ActionRecord,
  ActionUpdateRecord,
  AgencyOption,
  FamilyTeamMember,
  NeedRecord,
  SignatureRecord,
  SupportPlanRecord,
  TeamPractitioner,
  VersionRecord,
} from './plans.repository.ts'

export type PlanService = ReturnType<typeof createPlanService>

export const CLOSED_MESSAGE = 'This episode is closed, so its plan cannot be changed. You can still read it and print it.'

/** Someone else saved the record after this form was opened: nothing changed; `current` is what is saved now. */
export class StalePlanEditError<T> extends ConflictError {
  constructor(
    message: string,
    readonly current: T,
  ) {
    super(message)
  }
}

// ---- pure rules ------------------------------------------------------------------------------------------------

/** An action still to be done whose date has passed. */
export function isOverdue(action: Pick<repository.ActionRecord, 'status' | 'dueOn'>, today: string): boolean {
  return (action.status === 'not_started' || action.status === 'in_progress') && action.dueOn < today
}

/** A short fingerprint of a plan's content: agreeing is refused when the plan changed after the page was read. */
export function fingerprintOf(snapshot: PlanSnapshot): string {
  return createHash('sha256').update(JSON.stringify(snapshot)).digest('hex').slice(0, 16)
}

// ---- for other features ----------------------------------------------------------------------------------------

export type DueAction = {
  actionId: string
  episodeId: string
  reference: string
  what: string
  dueOn: string
  status: 'not_started' | 'in_progress'
  overdue: boolean
  href: string
}

/**
 * "My work": the open actions a practitioner owns on episodes they are still on (not closed), due within `withinDays`
 * of `today` or overdue, soonest first. No access check: the caller reads the actor's own work inside its own audited
 * transaction (action 'work.list-own').
 */
export async function listActionsDue(db: Db, authorityId: string, userId: string, today: string, withinDays = 14): Promise<DueAction[]> {
  const rows = await repository.listOpenActionsOwnedBy(db, authorityId, userId, addDays(today, withinDays))
  return rows.map(row => ({
    actionId: row.id,
    episodeId: row.episodeId,
    reference: row.reference,
    what: row.what,
    dueOn: row.dueOn,
    status: row.status === 'in_progress' ? 'in_progress' : 'not_started',
    overdue: row.dueOn < today,
    href: paths.plans.action(row.episodeId, row.id),
  }))
}

// ---- the service -----------------------------------------------------------------------------------------------

type Loaded = { trx: Transaction<Database>; actor: PractitionerActor; summary: EpisodeSummary; note: AuditNote }

export type NeedView = repository.NeedRecord & { sourceLabel: string | null; outcomes: { key: string; title: string; familyWords: string }[] }

export type Owners = { practitioners: repository.TeamPractitioner[]; family: repository.FamilyTeamMember[]; agencies: repository.AgencyOption[] }

export type PlanPage = {
  summary: EpisodeSummary
  plan: repository.SupportPlanRecord | null
  framework: OutcomesFramework
  needs: NeedView[]
  actions: repository.ActionRecord[]
  versions: repository.VersionRecord[]
  today: string
  editable: boolean
  snapshot: PlanSnapshot
  fingerprint: string
}

/**
 * The family support plan: needs (from the assessment or written fresh) with the outcomes the family wants, actions
 * and their history, what happens if the agreed changes do not happen, agreed versions (frozen, numbered) and who
 * signed them. Every read and write runs in one audited transaction with the actor's relationship to the episode.
 */
export function createPlanService(deps: { db: Kysely<Database>; clock: Clock; access: Access }) {
  const { clock, access } = deps

  function practitionerOf(context: RequestContext): PractitionerActor {
    const actor = context.actor
    if (actor.kind !== 'practitioner') throw new UnauthenticatedError('Sign in to continue.')
    return actor
  }

  /**
   * Loads the episode (404 for a malformed id or another authority's), decides the action with the actor's
   * relationship read in the same transaction (a refusal rolls back and is audited), runs the work and audits it.
   */
  async function withPlan<T>(context: RequestContext, action: Action, episodeId: string, work: (loaded: Loaded) => Promise<T>, options: { purpose?: string; recordId?: string; audit?: boolean } = {}): Promise<T> {
    const actor = practitionerOf(context)
    if (!isUuid(episodeId)) throw new NotFoundError('There is no such episode.')
    const id = episodeId.toLowerCase()
    return access.transaction(context, async trx => {
      const summary = await findEpisodeSummary(trx, actor.authorityId, id)
      if (!summary) throw new NotFoundError('There is no such episode.')
      const relationship = await findEpisodeRelationship(trx, actor.authorityId, id, actor.userId)
      const request: AccessRequest = {
        action,
        resource: { authorityId: actor.authorityId, relationship },
        recordType: 'support_plan',
        recordId: options.recordId ?? id,
        ...(options.purpose ? { purpose: options.purpose } : {}),
      }
      const decision = access.decide(actor, action, request.resource)
      if (!decision.allowed) throw new DeniedWithin(request, decision.reason)
      const note: AuditNote = { details: { episodeId: id } }
      const result = await work({ trx, actor, summary, note })
      // A bare permission check before a form is parsed is not itself audited when allowed: the work that follows is.
      if (options.audit !== false) await access.assertWithin(trx, context, request, note)
      return result
    })
  }

  function assertOpen(summary: EpisodeSummary) {
    if (summary.status === 'closed') throw new DomainRuleError(CLOSED_MESSAGE)
  }

  async function frameworkOf(trx: Db, authorityId: string): Promise<OutcomesFramework> {
    return outcomesFramework((await readEarlyHelpSettings(trx, authorityId)).outcomesFramework)
  }

  function subjectName(summary: EpisodeSummary, subject: string | null): string {
    if (!subject || subject === 'family') return 'the family'
    return summary.children.find(child => child.personId === subject)?.name ?? summary.adults.find(adult => adult.personId === subject)?.name ?? 'a child'
  }

  /** Element titles of the templates the episode's assessments used. */
  async function elementTitles(trx: Db, authorityId: string, templateVersionIds: string[]): Promise<Map<string, string>> {
    const titles = new Map<string, string>()
    for (const templateVersionId of new Set(templateVersionIds)) {
      const template = await findTemplateVersion(trx, authorityId, templateVersionId)
      if (!template) continue
      for (const { element } of elementsOf(template.content)) titles.set(element.key, element.title)
    }
    return titles
  }

  async function needViews(trx: Db, authorityId: string, summary: EpisodeSummary, framework: OutcomesFramework, needs: repository.NeedRecord[]): Promise<NeedView[]> {
    const assessmentNeeds = needs.some(need => need.elementKey) ? await repository.listAssessmentNeeds(trx, authorityId, summary.id) : []
    const titles = await elementTitles(trx, authorityId, assessmentNeeds.map(need => need.templateVersionId))
    return needs.map(need => ({
      ...need,
      sourceLabel: need.elementKey ? `${titles.get(need.elementKey) ?? need.elementKey}: ${subjectName(summary, need.subject)}` : null,
      outcomes: outcomesFor(framework, need.frameworkOutcomes),
    }))
  }

  function snapshotOf(framework: OutcomesFramework, plan: repository.SupportPlanRecord | null, needs: NeedView[], actions: repository.ActionRecord[]): PlanSnapshot {
    return {
      framework: { key: framework.key, name: framework.name },
      ifNotAchieved: plan?.ifNotAchieved ?? '',
      needs: needs.map(need => ({
        id: need.id,
        description: need.description,
        source: need.sourceLabel,
        outcomeWanted: need.outcomeWanted,
        outcomes: need.outcomes.map(outcome => ({ key: outcome.key, title: outcome.title, familyWords: outcome.familyWords })),
      })),
      actions: actions.map(action => ({
        id: action.id,
        needId: action.needId,
        what: action.what,
        ownerKind: action.ownerKind,
        ownerName: action.ownerName,
        dueOn: action.dueOn,
        status: action.status,
        notDoneReason: action.notDoneReason,
      })),
    }
  }

  async function loadPage({ trx, actor, summary }: Loaded): Promise<PlanPage> {
    const authorityId = actor.authorityId
    const framework = await frameworkOf(trx, authorityId)
    const plan = (await repository.findSupportPlan(trx, authorityId, summary.id)) ?? null
    const needs = await needViews(trx, authorityId, summary, framework, await repository.listNeeds(trx, authorityId, summary.id))
    const actions = await repository.listActions(trx, authorityId, summary.id)
    const snapshot = snapshotOf(framework, plan, needs, actions)
    return {
      summary,
      plan,
      framework,
      needs,
      actions,
      versions: await repository.listVersions(trx, authorityId, summary.id),
      today: clock.now().toISOString().slice(0, 10),
      editable: summary.status !== 'closed',
      snapshot,
      fingerprint: fingerprintOf(snapshot),
    }
  }

  async function ownersOf(trx: Db, authorityId: string, episodeId: string): Promise<Owners> {
    return {
      practitioners: await listCurrentPractitioners(trx, authorityId, episodeId),
      family: await repository.listFamilyTeam(trx, authorityId, episodeId),
      agencies: await repository.listAgencies(trx, authorityId),
    }
  }

  type ResolvedOwner = { ownerKind: PlanActionOwnerKind; ownerUserId: string | null; ownerAgencyId: string | null; ownerFamilyTeamMemberId: string | null; ownerName: string }

  /** The owner chosen, checked against the team now (a practitioner or family member who left cannot be given new work). */
  async function resolveOwner(trx: Db, authorityId: string, episodeId: string, owner: OwnerChoice, keep?: repository.ActionRecord): Promise<ResolvedOwner> {
    if (keep) {
      const same =
        (owner.kind === 'practitioner' && keep.ownerUserId === owner.userId) ||
        (owner.kind === 'agency' && keep.ownerAgencyId === owner.agencyId) ||
        (owner.kind === 'family_member' && keep.ownerFamilyTeamMemberId === owner.familyTeamMemberId)
      if (same) return { ownerKind: keep.ownerKind, ownerUserId: keep.ownerUserId, ownerAgencyId: keep.ownerAgencyId, ownerFamilyTeamMemberId: keep.ownerFamilyTeamMemberId, ownerName: keep.ownerName }
    }
    const owners = await ownersOf(trx, authorityId, episodeId)
    if (owner.kind === 'practitioner') {
      const found = owners.practitioners.find(item => item.userId === owner.userId)
      if (!found) throw new DomainRuleError('Select a practitioner who is on the team now', 'owner')
      return { ownerKind: 'practitioner', ownerUserId: found.userId, ownerAgencyId: found.agencyId, ownerFamilyTeamMemberId: null, ownerName: found.agencyName ? `${found.name} (${found.agencyName})` : found.name }
    }
    if (owner.kind === 'agency') {
      const found = owners.agencies.find(item => item.id === owner.agencyId)
      if (!found) throw new DomainRuleError('Select an agency from the list', 'ownerAgencyId')
      return { ownerKind: 'agency', ownerUserId: null, ownerAgencyId: found.id, ownerFamilyTeamMemberId: null, ownerName: found.name }
    }
    const found = owners.family.find(item => item.id === owner.familyTeamMemberId)
    if (!found) throw new DomainRuleError('Select a family member or supporter who is on the team now', 'owner')
    return { ownerKind: 'family_member', ownerUserId: null, ownerAgencyId: null, ownerFamilyTeamMemberId: found.id, ownerName: found.relationship ? `${found.name} (${found.relationship})` : found.name }
  }

  async function checkNeed(trx: Db, authorityId: string, episodeId: string, needId: string | null) {
    if (needId && !(await repository.findNeed(trx, authorityId, episodeId, needId))) throw new DomainRuleError('Select a need from the plan, or none', 'needId')
  }

  function checkFrameworkKeys(framework: OutcomesFramework, keys: string[]) {
    const unknown = keys.filter(key => !framework.outcomes.some(outcome => outcome.key === key))
    if (unknown.length) throw new DomainRuleError(`Select outcomes from the ${framework.name} list`, 'frameworkOutcomes')
    return [...new Set(keys)]
  }

  // ---- pages -------------------------------------------------------------------------------------------------

  async function planPage(context: RequestContext, episodeId: string): Promise<PlanPage> {
    return withPlan(context, 'plan.view', episodeId, async loaded => {
      loaded.note.details = { ...loaded.note.details, page: 'plan' }
      return loadPage(loaded)
    })
  }

  /** Refuses (audited as denied) when the actor may not do this to the episode's plan; does nothing otherwise. */
  async function ensureAllowed(context: RequestContext, action: Action, episodeId: string): Promise<void> {
    await withPlan(context, action, episodeId, async () => undefined, { audit: false })
  }

  // ---- needs -------------------------------------------------------------------------------------------------

  async function needForm(context: RequestContext, episodeId: string) {
    return withPlan(context, 'plan.view', episodeId, async ({ trx, actor, summary, note }) => {
      note.details = { ...note.details, page: 'new need' }
      const authorityId = actor.authorityId
      const framework = await frameworkOf(trx, authorityId)
      const fromAssessment = await repository.listAssessmentNeeds(trx, authorityId, summary.id)
      const titles = await elementTitles(trx, authorityId, fromAssessment.map(need => need.templateVersionId))
      const existing = await repository.listNeeds(trx, authorityId, summary.id)
      return {
        summary,
        framework,
        editable: summary.status !== 'closed',
        assessmentNeeds: fromAssessment.map(need => ({
          value: `${need.elementKey}|${need.subject}`,
          title: `${titles.get(need.elementKey) ?? need.elementKey}: ${subjectName(summary, need.subject)}`,
          needs: need.needs,
          inPlan: existing.some(item => item.elementKey === need.elementKey && item.subject === need.subject),
        })),
      }
    })
  }

  async function addNeed(context: RequestContext, episodeId: string, input: NewNeedInput): Promise<string> {
    return withPlan(context, 'plan.edit', episodeId, async ({ trx, actor, summary, note }) => {
      assertOpen(summary)
      const authorityId = actor.authorityId
      const framework = await frameworkOf(trx, authorityId)
      const outcomes = checkFrameworkKeys(framework, input.frameworkOutcomes)
      let assessmentId: string | null = null
      let description = input.description
      if (input.source) {
        const source = input.source
        const found = (await repository.listAssessmentNeeds(trx, authorityId, summary.id)).find(need => need.elementKey === source.elementKey && need.subject === source.subject)
        if (!found) throw new DomainRuleError('Select a need recorded in the assessment, or write a new one', 'source')
        assessmentId = found.assessmentId
        if (!description) description = found.needs
      }
      const now = clock.now()
      await repository.ensureSupportPlan(trx, authorityId, summary.id, actor.userId, now)
      const id = uuidv7(now.getTime())
      await repository.insertNeed(trx, {
        authorityId,
        id,
        episodeId: summary.id,
        description,
        assessmentId,
        elementKey: input.source?.elementKey ?? null,
        subject: input.source?.subject ?? null,
        outcomeWanted: input.outcomeWanted,
        frameworkOutcomes: outcomes,
        position: await repository.nextNeedPosition(trx, authorityId, summary.id),
        createdByUserId: actor.userId,
        createdAt: now,
      })
      await repository.markPlanChanged(trx, authorityId, summary.id, actor.userId, now)
      note.details = { ...note.details, change: 'need added', needId: id, fromAssessment: input.source !== null }
      return id
    })
  }

  async function needDetail(context: RequestContext, episodeId: string, needId: string) {
    return withPlan(context, 'plan.view', episodeId, async ({ trx, actor, summary, note }) => {
      const need = isUuid(needId) ? await repository.findNeed(trx, actor.authorityId, summary.id, needId.toLowerCase()) : undefined
      if (!need) throw new NotFoundError('There is no such need in this plan.')
      note.details = { ...note.details, page: 'need', needId: need.id }
      const framework = await frameworkOf(trx, actor.authorityId)
      const [view] = await needViews(trx, actor.authorityId, summary, framework, [need])
      return { summary, framework, need: view ?? { ...need, sourceLabel: null, outcomes: [] }, editable: summary.status !== 'closed' }
    })
  }

  async function updateNeed(context: RequestContext, episodeId: string, needId: string, input: EditNeedInput): Promise<void> {
    await withPlan(context, 'plan.edit', episodeId, async ({ trx, actor, summary, note }) => {
      assertOpen(summary)
      const need = isUuid(needId) ? await repository.findNeed(trx, actor.authorityId, summary.id, needId.toLowerCase()) : undefined
      if (!need) throw new NotFoundError('There is no such need in this plan.')
      const outcomes = checkFrameworkKeys(await frameworkOf(trx, actor.authorityId), input.frameworkOutcomes)
      const changed = await repository.updateNeed(trx, actor.authorityId, need.id, { description: input.description, outcomeWanted: input.outcomeWanted, frameworkOutcomes: outcomes }, input.version)
      if (!changed) throw new StalePlanEditError('Someone else changed this need after you opened it', need)
      await repository.markPlanChanged(trx, actor.authorityId, summary.id, actor.userId, clock.now())
      note.details = { ...note.details, change: 'need changed', needId: need.id }
    })
  }

  async function removeNeed(context: RequestContext, episodeId: string, needId: string, version: number): Promise<void> {
    await withPlan(context, 'plan.edit', episodeId, async ({ trx, actor, summary, note }) => {
      assertOpen(summary)
      const need = isUuid(needId) ? await repository.findNeed(trx, actor.authorityId, summary.id, needId.toLowerCase()) : undefined
      if (!need) throw new NotFoundError('There is no such need in this plan.')
      const now = clock.now()
      if (!(await repository.removeNeed(trx, actor.authorityId, need.id, version, now))) throw new StalePlanEditError('Someone else changed this need after you opened it', need)
      await repository.markPlanChanged(trx, actor.authorityId, summary.id, actor.userId, now)
      note.details = { ...note.details, change: 'need removed', needId: need.id }
    })
  }

  // ---- actions -----------------------------------------------------------------------------------------------

  async function actionForm(context: RequestContext, episodeId: string) {
    return withPlan(context, 'plan.view', episodeId, async ({ trx, actor, summary, note }) => {
      note.details = { ...note.details, page: 'new action' }
      return {
        summary,
        editable: summary.status !== 'closed',
        owners: await ownersOf(trx, actor.authorityId, summary.id),
        needs: await repository.listNeeds(trx, actor.authorityId, summary.id),
      }
    })
  }

  async function addAction(context: RequestContext, episodeId: string, input: NewActionInput): Promise<string> {
    return withPlan(context, 'plan.edit', episodeId, async ({ trx, actor, summary, note }) => {
      assertOpen(summary)
      const authorityId = actor.authorityId
      await checkNeed(trx, authorityId, summary.id, input.needId)
      const owner = await resolveOwner(trx, authorityId, summary.id, input.owner)
      const id = await insertPlanAction(trx, {
        authorityId,
        episodeId: summary.id,
        needId: input.needId,
        what: input.what,
        ...owner,
        dueOn: input.dueOn,
        createdByUserId: actor.userId,
        createdByName: actor.name,
        at: clock.now(),
      })
      note.details = { ...note.details, change: 'action added', actionId: id }
      return id
    })
  }

  async function actionDetail(context: RequestContext, episodeId: string, actionId: string) {
    return withPlan(context, 'plan.view', episodeId, async ({ trx, actor, summary, note }) => {
      const action = isUuid(actionId) ? await repository.findAction(trx, actor.authorityId, summary.id, actionId.toLowerCase()) : undefined
      if (!action) throw new NotFoundError('There is no such action in this plan.')
      note.details = { ...note.details, page: 'action', actionId: action.id }
      return {
        summary,
        action,
        history: await repository.listActionUpdates(trx, actor.authorityId, action.id),
        owners: await ownersOf(trx, actor.authorityId, summary.id),
        needs: await repository.listNeeds(trx, actor.authorityId, summary.id),
        today: clock.now().toISOString().slice(0, 10),
        editable: summary.status !== 'closed',
      }
    })
  }

  /** Describes the changes to an action for its history ("Due date: 3 March 2027 → 10 March 2027"). */
  function describeChanges(before: repository.ActionRecord, after: repository.ActionChanges, needs: repository.NeedRecord[]): string[] {
    const lines: string[] = []
    if (before.what !== after.what) lines.push(`What: “${before.what}” → “${after.what}”`)
    if (before.ownerName !== after.ownerName) lines.push(`Who: ${before.ownerName} → ${after.ownerName}`)
    if (before.dueOn !== after.dueOn) lines.push(`By when: ${before.dueOn} → ${after.dueOn}`)
    if (before.needId !== after.needId) {
      const name = (id: string | null) => (id ? (needs.find(need => need.id === id)?.description ?? 'a need') : 'no need')
      lines.push(`Need: ${name(before.needId)} → ${name(after.needId)}`)
    }
    return lines
  }

  async function saveAction(loaded: Loaded, actionId: string, build: (action: repository.ActionRecord) => Promise<repository.ActionChanges>, input: { status: string; note: string | null; version: number }) {
    const { trx, actor, summary, note } = loaded
    assertOpen(summary)
    const authorityId = actor.authorityId
    const action = isUuid(actionId) ? await repository.findAction(trx, authorityId, summary.id, actionId.toLowerCase()) : undefined
    if (!action) throw new NotFoundError('There is no such action in this plan.')
    if (action.version !== input.version) throw new StalePlanEditError('Someone else updated this action after you opened it', action)
    const changes = await build(action)
    const needs = await repository.listNeeds(trx, authorityId, summary.id)
    const detailChanges = describeChanges(action, changes, needs)
    const statusChanged = changes.status !== action.status || changes.notDoneReason !== action.notDoneReason
    if (!statusChanged && detailChanges.length === 0 && !input.note) {
      throw new DomainRuleError('Nothing has changed. Change the action or its status, or write a progress note', 'status')
    }
    const now = clock.now()
    if (!(await repository.updateAction(trx, authorityId, action.id, changes, input.version, now))) {
      const current = (await repository.findAction(trx, authorityId, summary.id, action.id)) ?? action
      throw new StalePlanEditError('Someone else updated this action after you opened it', current)
    }
    const text = [...detailChanges, ...(changes.status === 'not_done' && statusChanged && changes.notDoneReason ? [`Not done because: ${changes.notDoneReason}`] : []), ...(input.note ? [input.note] : [])].join('\n')
    await repository.insertActionUpdate(trx, {
      authorityId,
      id: uuidv7(now.getTime()),
      actionId: action.id,
      episodeId: summary.id,
      status: statusChanged ? changes.status : null,
      note: text || null,
      byUserId: actor.userId,
      byName: actor.name,
      at: now,
    })
    if (detailChanges.length) await repository.markPlanChanged(trx, authorityId, summary.id, actor.userId, now)
    note.details = { ...note.details, change: 'action updated', actionId: action.id, status: changes.status, statusChanged, detailsChanged: detailChanges.length > 0 }
  }

  function completedOn(status: string, before: repository.ActionRecord, today: string): string | null {
    if (status !== 'done') return null
    return before.status === 'done' ? before.completedOn : today
  }

  /** Changes an action (what, who, by when, its need) and records progress: status, reason, note. Stale versions are refused. */
  async function updateAction(context: RequestContext, episodeId: string, actionId: string, input: ActionUpdateInput): Promise<void> {
    await withPlan(context, 'plan.edit', episodeId, async loaded => {
      const { trx, actor, summary } = loaded
      await saveAction(
        loaded,
        actionId,
        async action => {
          await checkNeed(trx, actor.authorityId, summary.id, input.needId)
          const owner = await resolveOwner(trx, actor.authorityId, summary.id, input.owner, action)
          return { what: input.what, needId: input.needId, ...owner, dueOn: input.dueOn, status: input.status, notDoneReason: input.notDoneReason, completedOn: completedOn(input.status, action, clock.now().toISOString().slice(0, 10)) }
        },
        input,
      )
    })
  }

  /** The API's PATCH: status, reason and a progress note only. */
  async function updateActionStatus(context: RequestContext, episodeId: string, actionId: string, input: ActionStatusInput): Promise<repository.ActionRecord> {
    return withPlan(context, 'plan.edit', episodeId, async loaded => {
      await saveAction(
        loaded,
        actionId,
        async action => ({
          what: action.what,
          needId: action.needId,
          ownerKind: action.ownerKind,
          ownerUserId: action.ownerUserId,
          ownerAgencyId: action.ownerAgencyId,
          ownerFamilyTeamMemberId: action.ownerFamilyTeamMemberId,
          ownerName: action.ownerName,
          dueOn: action.dueOn,
          status: input.status,
          notDoneReason: input.notDoneReason,
          completedOn: completedOn(input.status, action, clock.now().toISOString().slice(0, 10)),
        }),
        input,
      )
      const saved = await repository.findAction(loaded.trx, loaded.actor.authorityId, loaded.summary.id, actionId.toLowerCase())
      if (!saved) throw new NotFoundError('There is no such action in this plan.')
      return saved
    })
  }

  async function findActionFor(context: RequestContext, episodeId: string, actionId: string): Promise<repository.ActionRecord> {
    return withPlan(context, 'plan.view', episodeId, async ({ trx, actor, summary, note }) => {
      const action = await repository.findAction(trx, actor.authorityId, summary.id, actionId)
      if (!action) throw new NotFoundError('There is no such action in this plan.')
      note.details = { ...note.details, actionId: action.id }
      return action
    })
  }

  // ---- what happens if the changes do not happen ---------------------------------------------------------------

  async function setIfNotAchieved(context: RequestContext, episodeId: string, text: string, version: number): Promise<void> {
    await withPlan(context, 'plan.edit', episodeId, async ({ trx, actor, summary, note }) => {
      assertOpen(summary)
      const now = clock.now()
      await repository.ensureSupportPlan(trx, actor.authorityId, summary.id, actor.userId, now)
      const current = await repository.lockSupportPlan(trx, actor.authorityId, summary.id)
      // A plan created just now (by this save) is at version 1, which is what a form opened on a plan-less episode sends.
      if (!current || !(await repository.updateIfNotAchieved(trx, actor.authorityId, summary.id, text, version, actor.userId, now))) {
        throw new StalePlanEditError('Someone else changed this after you opened it', current?.ifNotAchieved ?? '')
      }
      note.details = { ...note.details, change: 'if not achieved' }
    })
  }

  // ---- agreeing versions and signing them ----------------------------------------------------------------------

  async function agree(context: RequestContext, episodeId: string, input: AgreeInput & { fingerprint: string }): Promise<number> {
    return withPlan(context, 'plan.agree', episodeId, async loaded => {
      const { trx, actor, summary, note } = loaded
      assertOpen(summary)
      const authorityId = actor.authorityId
      const plan = await repository.lockSupportPlan(trx, authorityId, summary.id)
      if (!plan) throw new DomainRuleError('Add the needs and actions to the plan before it is agreed', 'confirm')
      const page = await loadPage(loaded)
      if (page.needs.length === 0 && page.actions.length === 0) throw new DomainRuleError('Add the needs and actions to the plan before it is agreed', 'confirm')
      if (!plan.changedSinceAgreed) throw new DomainRuleError(`Nothing has changed since version ${plan.agreedVersionNumber} was agreed`, 'confirm')
      if (page.fingerprint !== input.fingerprint) throw new StalePlanEditError('The plan changed while you were reading it', page)
      const number = plan.agreedVersionNumber + 1
      const now = clock.now()
      const id = uuidv7(now.getTime())
      await repository.insertVersion(trx, { authorityId, id, episodeId: summary.id, number, content: page.snapshot, changeSummary: input.changeSummary, agreedByUserId: actor.userId, agreedAt: now })
      await repository.setAgreedVersion(trx, authorityId, summary.id, number, actor.userId, now)
      note.details = { ...note.details, change: 'version agreed', number, planVersionId: id }
      return number
    })
  }

  async function versionPage(context: RequestContext, episodeId: string, number: number) {
    return withPlan(context, 'plan.view', episodeId, async ({ trx, actor, summary, note }) => {
      const versions = await repository.listVersions(trx, actor.authorityId, summary.id)
      const version = versions.find(item => item.number === number)
      if (!version) throw new NotFoundError('There is no such version of this plan.')
      const previous = versions.find(item => item.number === number - 1) ?? null
      note.details = { ...note.details, page: 'plan version', number }
      return {
        summary,
        version,
        previous,
        latest: versions[0]?.number === number,
        signatures: await repository.listSignatures(trx, actor.authorityId, version.id),
        practitioners: await listCurrentPractitioners(trx, actor.authorityId, summary.id),
        family: await repository.listFamilyTeam(trx, actor.authorityId, summary.id),
        actorId: actor.userId,
        editable: summary.status !== 'closed',
        today: clock.now().toISOString().slice(0, 10),
      }
    })
  }

  async function sign(context: RequestContext, episodeId: string, number: number, input: SignatureInput): Promise<string> {
    return withPlan(context, 'plan.agree', episodeId, async ({ trx, actor, summary, note }) => {
      assertOpen(summary)
      const authorityId = actor.authorityId
      const versions = await repository.listVersions(trx, authorityId, summary.id)
      const version = versions.find(item => item.number === number)
      if (!version) throw new NotFoundError('There is no such version of this plan.')
      if (versions[0]?.number !== number) throw new DomainRuleError(`Only the latest agreed version (version ${versions[0]?.number ?? number}) can be signed`, 'signer')
      const today = clock.now().toISOString().slice(0, 10)
      if (input.signedOn > today) throw new DomainRuleError('The date they signed must be today or in the past', 'signedOn-day')
      if (input.signedOn < version.agreedAt.toISOString().slice(0, 10)) throw new DomainRuleError('The date they signed cannot be before the version was agreed', 'signedOn-day')
      const signatures = await repository.listSignatures(trx, authorityId, version.id)
      let signer: { signerKind: 'practitioner' | 'family_member' | 'supporter'; userId: string | null; familyTeamMemberId: string | null; signerName: string }
      if (input.signer.kind === 'practitioner') {
        const userId = input.signer.userId
        const found = (await listCurrentPractitioners(trx, authorityId, summary.id)).find(item => item.userId === userId)
        if (!found) throw new DomainRuleError('Select someone who is on the team now', 'signer')
        if (input.method === 'on_screen' && userId !== actor.userId) {
          throw new DomainRuleError('A colleague signs on screen by signing in and recording it themselves. Choose how they signed', 'method')
        }
        if (signatures.some(item => item.userId === userId)) throw new DomainRuleError(`${found.name} has already signed version ${number}`, 'signer')
        signer = { signerKind: 'practitioner', userId, familyTeamMemberId: null, signerName: found.name }
      } else {
        const memberId = input.signer.familyTeamMemberId
        const found = (await repository.listFamilyTeam(trx, authorityId, summary.id)).find(item => item.id === memberId)
        if (!found) throw new DomainRuleError('Select someone who is on the team now', 'signer')
        if (signatures.some(item => item.familyTeamMemberId === memberId)) throw new DomainRuleError(`${found.name} has already signed version ${number}`, 'signer')
        signer = { signerKind: found.kind === 'family_member' ? 'family_member' : 'supporter', userId: null, familyTeamMemberId: found.id, signerName: found.name }
      }
      const now = clock.now()
      const id = uuidv7(now.getTime())
      await repository.insertSignature(trx, { authorityId, id, planVersionId: version.id, ...signer, method: input.method, signedOn: input.signedOn, recordedByUserId: actor.userId, recordedAt: now })
      note.details = { ...note.details, change: 'signature recorded', number, signatureId: id, signerKind: signer.signerKind, method: input.method }
      return id
    })
  }

  // ---- the family's copy -------------------------------------------------------------------------------------

  async function familyDocument(context: RequestContext, episodeId: string, copy: 'print' | 'pdf') {
    return withPlan(
      context,
      'plan.view',
      episodeId,
      async loaded => {
        const page = await loadPage(loaded)
        const latest = page.versions[0]
        const signatures = latest ? await repository.listSignatures(loaded.trx, loaded.actor.authorityId, latest.id) : []
        loaded.note.details = { ...loaded.note.details, copy }
        const lateMinutes = await listOverdueMinutes(loaded.trx, loaded.actor.authorityId, page.today, { episodeId })
        return {
          page,
          // Identity protection: details withheld from anyone in the family are withheld from the family's copy.
          document: await redactFamilyCopy(loaded.trx, loaded.actor.authorityId, episodeId, planFamilyDocument({
            summary: page.summary,
            snapshot: page.snapshot,
            plan: page.plan,
            latest: latest ?? null,
            signatures,
            today: page.today,
            lateMinutes: lateMinutes.flatMap(minutes => (minutes.message ? [minutes.message] : [])),
          })),
        }
      },
      { purpose: 'family copy of the plan' },
    )
  }

  async function familyCopy(context: RequestContext, episodeId: string) {
    return familyDocument(context, episodeId, 'print')
  }

  async function familyCopyPdf(context: RequestContext, episodeId: string): Promise<{ bytes: Buffer; fileName: string }> {
    const { page, document } = await familyDocument(context, episodeId, 'pdf')
    const bytes = await renderFamilyCopyPdf(document, { author: 'OneStory', createdAt: clock.now() })
    return { bytes, fileName: `family-plan-${page.summary.reference.replace(/[^A-Za-z0-9-]/g, '')}.pdf` }
  }

  return {
    planPage,
    ensureAllowed,
    needForm,
    addNeed,
    needDetail,
    updateNeed,
    removeNeed,
    actionForm,
    addAction,
    actionDetail,
    updateAction,
    updateActionStatus,
    findAction: findActionFor,
    setIfNotAchieved,
    agree,
    versionPage,
    sign,
    familyCopy,
    familyCopyPdf,
  }
}
