import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { FamilyTeamMemberKind, PlanActionOwnerKind, PlanActionStatus, PlanSignaturesTable } from '../../db/schema.ts'
import { dateColumn } from '../../lib/dates.ts'

// All the Kysely code of the family support plan. Every query filters by authority; rows become plain domain types here.

export type SupportPlanRecord = {
  ifNotAchieved: string
  agreedVersionNumber: number
  changedSinceAgreed: boolean
  updatedAt: Date
  version: number
}

export type NeedRecord = {
  id: string
  episodeId: string
  description: string
  assessmentId: string | null
  elementKey: string | null
  subject: string | null
  outcomeWanted: string
  frameworkOutcomes: string[]
  position: number
  createdByUserId: string
  createdAt: Date
  version: number
}

export type ActionRecord = {
  id: string
  episodeId: string
  needId: string | null
  what: string
  ownerKind: PlanActionOwnerKind
  ownerUserId: string | null
  ownerAgencyId: string | null
  ownerFamilyTeamMemberId: string | null
  ownerName: string
  dueOn: string
  status: PlanActionStatus
  notDoneReason: string | null
  completedOn: string | null
  sourceMeetingId: string | null
  sourceReviewId: string | null
  createdAt: Date
  updatedAt: Date
  version: number
}

export type ActionUpdateRecord = { id: string; status: PlanActionStatus | null; note: string | null; byName: string; at: Date }

export type VersionRecord = { id: string; number: number; content: unknown; changeSummary: string; agreedByName: string; agreedAt: Date; signatureCount: number }

export type SignatureRecord = {
  id: string
  signerKind: PlanSignaturesTable['signerKind']
  userId: string | null
  familyTeamMemberId: string | null
  signerName: string
  method: PlanSignaturesTable['method']
  signedOn: string
  recordedByName: string
  recordedAt: Date
}

export type { TeamPractitioner } from '../team/team.repository.ts'
export type FamilyTeamMember = { id: string; name: string; kind: FamilyTeamMemberKind; relationship: string | null }
export type AgencyOption = { id: string; name: string }
export type AssessmentNeed = { assessmentId: string; templateVersionId: string; elementKey: string; subject: string; needs: string }

const actionColumns = [
  'id',
  'episodeId',
  'needId',
  'what',
  'ownerKind',
  'ownerUserId',
  'ownerAgencyId',
  'ownerFamilyTeamMemberId',
  'ownerName',
  'dueOn',
  'status',
  'notDoneReason',
  'completedOn',
  'sourceMeetingId',
  'sourceReviewId',
  'createdAt',
  'updatedAt',
  'version',
] as const

const needColumns = ['id', 'episodeId', 'description', 'assessmentId', 'elementKey', 'subject', 'outcomeWanted', 'frameworkOutcomes', 'position', 'createdByUserId', 'createdAt', 'version'] as const

function toAction<T extends { dueOn: string | Date; completedOn: string | Date | null }>(row: T) {
  return { ...row, dueOn: dateColumn(row.dueOn), completedOn: row.completedOn === null ? null : dateColumn(row.completedOn) }
}

function toNeed<T extends { frameworkOutcomes: unknown }>(row: T) {
  const outcomes = typeof row.frameworkOutcomes === 'string' ? (JSON.parse(row.frameworkOutcomes) as unknown) : row.frameworkOutcomes
  return { ...row, frameworkOutcomes: Array.isArray(outcomes) ? outcomes.filter((item): item is string => typeof item === 'string') : [] }
}

// ---- the plan --------------------------------------------------------------------------------------------------

export async function findSupportPlan(db: Db, authorityId: string, episodeId: string): Promise<SupportPlanRecord | undefined> {
  return db
    .selectFrom('supportPlans')
    .select(['ifNotAchieved', 'agreedVersionNumber', 'changedSinceAgreed', 'updatedAt', 'version'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .executeTakeFirst()
}

/** Creates the episode's working plan when it has none (the first need, action or text creates it). */
export async function ensureSupportPlan(db: Db, authorityId: string, episodeId: string, userId: string, at: Date): Promise<void> {
  await db
    .insertInto('supportPlans')
    .values({ authorityId, episodeId, createdAt: at, updatedByUserId: userId, updatedAt: at })
    .onConflict(conflict => conflict.columns(['authorityId', 'episodeId']).doNothing())
    .execute()
}

/** Locks the plan row for the rest of the transaction (agreeing a version, changing the plan's text). */
export async function lockSupportPlan(db: Db, authorityId: string, episodeId: string): Promise<SupportPlanRecord | undefined> {
  return db
    .selectFrom('supportPlans')
    .select(['ifNotAchieved', 'agreedVersionNumber', 'changedSinceAgreed', 'updatedAt', 'version'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .forUpdate()
    .executeTakeFirst()
}

/** Records that the working plan now differs from the agreed version. */
export async function markPlanChanged(db: Db, authorityId: string, episodeId: string, userId: string, at: Date): Promise<void> {
  await db
    .updateTable('supportPlans')
    .set({ changedSinceAgreed: true, updatedByUserId: userId, updatedAt: at })
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .execute()
}

/** Changes "what happens if the agreed changes do not happen" when the plan is still at `expectedVersion`; returns whether it was. */
export async function updateIfNotAchieved(db: Db, authorityId: string, episodeId: string, text: string, expectedVersion: number, userId: string, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('supportPlans')
    .set(eb => ({ ifNotAchieved: text, changedSinceAgreed: true, updatedByUserId: userId, updatedAt: at, version: eb('version', '+', 1) }))
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('version', '=', expectedVersion)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function setAgreedVersion(db: Db, authorityId: string, episodeId: string, number: number, userId: string, at: Date): Promise<void> {
  await db
    .updateTable('supportPlans')
    .set(eb => ({ agreedVersionNumber: number, changedSinceAgreed: false, updatedByUserId: userId, updatedAt: at, version: eb('version', '+', 1) }))
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .execute()
}

// ---- needs -----------------------------------------------------------------------------------------------------

export async function listNeeds(db: Db, authorityId: string, episodeId: string): Promise<NeedRecord[]> {
  const rows = await db
    .selectFrom('planNeeds')
    .select(needColumns)
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('removedAt', 'is', null)
    .orderBy('position')
    .orderBy('createdAt')
    .execute()
  return rows.map(toNeed)
}

export async function findNeed(db: Db, authorityId: string, episodeId: string, needId: string): Promise<NeedRecord | undefined> {
  const row = await db
    .selectFrom('planNeeds')
    .select(needColumns)
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('id', '=', needId)
    .where('removedAt', 'is', null)
    .executeTakeFirst()
  return row ? toNeed(row) : undefined
}

export async function nextNeedPosition(db: Db, authorityId: string, episodeId: string): Promise<number> {
  const row = await db
    .selectFrom('planNeeds')
    .select(eb => eb.fn.max('position').as('last'))
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .executeTakeFirst()
  return Number(row?.last ?? 0) + 1
}

export async function insertNeed(
  db: Db,
  need: { authorityId: string; id: string; episodeId: string; description: string; assessmentId: string | null; elementKey: string | null; subject: string | null; outcomeWanted: string; frameworkOutcomes: string[]; position: number; createdByUserId: string; createdAt: Date },
): Promise<void> {
  await db
    .insertInto('planNeeds')
    .values({ ...need, frameworkOutcomes: JSON.stringify(need.frameworkOutcomes) })
    .execute()
}

/** Changes a need still at `expectedVersion`; returns whether it was. */
export async function updateNeed(
  db: Db,
  authorityId: string,
  needId: string,
  changes: { description: string; outcomeWanted: string; frameworkOutcomes: string[] },
  expectedVersion: number,
): Promise<boolean> {
  const result = await db
    .updateTable('planNeeds')
    .set(eb => ({ description: changes.description, outcomeWanted: changes.outcomeWanted, frameworkOutcomes: JSON.stringify(changes.frameworkOutcomes), version: eb('version', '+', 1) }))
    .where('authorityId', '=', authorityId)
    .where('id', '=', needId)
    .where('version', '=', expectedVersion)
    .where('removedAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function removeNeed(db: Db, authorityId: string, needId: string, expectedVersion: number, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('planNeeds')
    .set(eb => ({ removedAt: at, version: eb('version', '+', 1) }))
    .where('authorityId', '=', authorityId)
    .where('id', '=', needId)
    .where('version', '=', expectedVersion)
    .where('removedAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

// ---- actions ---------------------------------------------------------------------------------------------------

export async function listActions(db: Db, authorityId: string, episodeId: string): Promise<ActionRecord[]> {
  const rows = await db
    .selectFrom('planActions')
    .select(actionColumns)
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('removedAt', 'is', null)
    .orderBy('dueOn')
    .orderBy('createdAt')
    .execute()
  return rows.map(toAction)
}

export async function findAction(db: Db, authorityId: string, episodeId: string, actionId: string): Promise<ActionRecord | undefined> {
  const row = await db
    .selectFrom('planActions')
    .select(actionColumns)
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('id', '=', actionId)
    .where('removedAt', 'is', null)
    .executeTakeFirst()
  return row ? toAction(row) : undefined
}

export type ActionChanges = {
  what: string
  needId: string | null
  ownerKind: PlanActionOwnerKind
  ownerUserId: string | null
  ownerAgencyId: string | null
  ownerFamilyTeamMemberId: string | null
  ownerName: string
  dueOn: string
  status: PlanActionStatus
  notDoneReason: string | null
  completedOn: string | null
}

/** Changes an action still at `expectedVersion` (optimistic concurrency); returns whether it was. */
export async function updateAction(db: Db, authorityId: string, actionId: string, changes: ActionChanges, expectedVersion: number, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('planActions')
    .set(eb => ({ ...changes, updatedAt: at, version: eb('version', '+', 1) }))
    .where('authorityId', '=', authorityId)
    .where('id', '=', actionId)
    .where('version', '=', expectedVersion)
    .where('removedAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function insertActionUpdate(
  db: Db,
  update: { authorityId: string; id: string; actionId: string; episodeId: string; status: PlanActionStatus | null; note: string | null; byUserId: string; byName: string; at: Date },
): Promise<void> {
  await db
    .insertInto('planActionUpdates')
    .values({ ...update, byFamilyTeamMemberId: null })
    .execute()
}

export async function listActionUpdates(db: Db, authorityId: string, actionId: string): Promise<ActionUpdateRecord[]> {
  return db
    .selectFrom('planActionUpdates')
    .select(['id', 'status', 'note', 'byName', 'at'])
    .where('authorityId', '=', authorityId)
    .where('actionId', '=', actionId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .execute()
}

export type DueActionRow = { id: string; episodeId: string; reference: string; what: string; dueOn: string; status: PlanActionStatus }

/** Open actions owned by a practitioner, due on or before `until`, on episodes that are not closed and that they are still on. */
export async function listOpenActionsOwnedBy(db: Db, authorityId: string, userId: string, until: string): Promise<DueActionRow[]> {
  const rows = await db
    .selectFrom('planActions')
    .innerJoin('episodes', join => join.onRef('episodes.authorityId', '=', 'planActions.authorityId').onRef('episodes.id', '=', 'planActions.episodeId'))
    .innerJoin('episodeMembers', join =>
      join
        .onRef('episodeMembers.authorityId', '=', 'planActions.authorityId')
        .onRef('episodeMembers.episodeId', '=', 'planActions.episodeId')
        .onRef('episodeMembers.userId', '=', 'planActions.ownerUserId'),
    )
    .select(['planActions.id', 'planActions.episodeId', 'episodes.reference', 'planActions.what', 'planActions.dueOn', 'planActions.status'])
    .where('planActions.authorityId', '=', authorityId)
    .where('planActions.ownerUserId', '=', userId)
    .where('planActions.status', 'in', ['not_started', 'in_progress'])
    .where('planActions.removedAt', 'is', null)
    .where('planActions.dueOn', '<=', until)
    .where('episodes.status', '!=', 'closed')
    .where('episodeMembers.leftAt', 'is', null)
    .orderBy('planActions.dueOn')
    .orderBy('episodes.reference')
    .execute()
  return rows.map(row => ({ ...row, dueOn: dateColumn(row.dueOn) }))
}

// ---- agreed versions and signatures ----------------------------------------------------------------------------

export async function listVersions(db: Db, authorityId: string, episodeId: string): Promise<VersionRecord[]> {
  const rows = await db
    .selectFrom('planVersions')
    .innerJoin('users', join => join.onRef('users.authorityId', '=', 'planVersions.authorityId').onRef('users.id', '=', 'planVersions.agreedByUserId'))
    .select(['planVersions.id', 'planVersions.number', 'planVersions.content', 'planVersions.changeSummary', 'users.name as agreedByName', 'planVersions.agreedAt'])
    .select(eb =>
      eb
        .selectFrom('planSignatures')
        .select(eb.fn.countAll<number>().as('count'))
        .whereRef('planSignatures.authorityId', '=', 'planVersions.authorityId')
        .whereRef('planSignatures.planVersionId', '=', 'planVersions.id')
        .as('signatureCount'),
    )
    .where('planVersions.authorityId', '=', authorityId)
    .where('planVersions.episodeId', '=', episodeId)
    .orderBy('planVersions.number', 'desc')
    .execute()
  return rows.map(row => ({ ...row, signatureCount: Number(row.signatureCount ?? 0) }))
}

export async function findVersion(db: Db, authorityId: string, episodeId: string, number: number): Promise<VersionRecord | undefined> {
  return (await listVersions(db, authorityId, episodeId)).find(version => version.number === number)
}

export async function insertVersion(
  db: Db,
  version: { authorityId: string; id: string; episodeId: string; number: number; content: unknown; changeSummary: string; agreedByUserId: string; agreedAt: Date },
): Promise<void> {
  await db
    .insertInto('planVersions')
    .values({ ...version, content: JSON.stringify(version.content) })
    .execute()
}

export async function listSignatures(db: Db, authorityId: string, planVersionId: string): Promise<SignatureRecord[]> {
  return db
    .selectFrom('planSignatures')
    .innerJoin('users', join => join.onRef('users.authorityId', '=', 'planSignatures.authorityId').onRef('users.id', '=', 'planSignatures.recordedByUserId'))
    .select([
      'planSignatures.id',
      'planSignatures.signerKind',
      'planSignatures.userId',
      'planSignatures.familyTeamMemberId',
      'planSignatures.signerName',
      'planSignatures.method',
      'planSignatures.signedOn',
      'users.name as recordedByName',
      'planSignatures.recordedAt',
    ])
    .where('planSignatures.authorityId', '=', authorityId)
    .where('planSignatures.planVersionId', '=', planVersionId)
    .orderBy('planSignatures.recordedAt')
    .execute()
    .then(rows => rows.map(row => ({ ...row, signedOn: dateColumn(row.signedOn) })))
}

export async function insertSignature(
  db: Db,
  signature: {
    authorityId: string
    id: string
    planVersionId: string
    signerKind: PlanSignaturesTable['signerKind']
    userId: string | null
    familyTeamMemberId: string | null
    signerName: string
    method: PlanSignaturesTable['method']
    signedOn: string
    recordedByUserId: string
    recordedAt: Date
  },
): Promise<void> {
  await db.insertInto('planSignatures').values(signature).execute()
}

// ---- who can own an action or sign -----------------------------------------------------------------------------

/** Family members and family-side supporters on the team now. */
export async function listFamilyTeam(db: Db, authorityId: string, episodeId: string): Promise<FamilyTeamMember[]> {
  return db
    .selectFrom('familyTeamMembers')
    .select(['id', 'name', 'kind', 'relationship'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('leftAt', 'is', null)
    .orderBy('name')
    .execute()
}

export async function listAgencies(db: Db, authorityId: string): Promise<AgencyOption[]> {
  return db.selectFrom('agencies').select(['id', 'name']).where('authorityId', '=', authorityId).where('active', '=', true).orderBy('name').execute()
}

export async function userName(db: Db, authorityId: string, userId: string): Promise<string> {
  const row = await db.selectFrom('users').select('name').where('authorityId', '=', authorityId).where('id', '=', userId).executeTakeFirst()
  return row?.name ?? 'Unknown'
}

/** Needs recorded in the episode's assessment (elements not marked "not assessed" with needs written). */
export async function listAssessmentNeeds(db: Db, authorityId: string, episodeId: string): Promise<AssessmentNeed[]> {
  const rows = await db
    .selectFrom('assessments')
    .innerJoin('assessmentElements', join =>
      join.onRef('assessmentElements.authorityId', '=', 'assessments.authorityId').onRef('assessmentElements.assessmentId', '=', 'assessments.id'),
    )
    .select(['assessments.id as assessmentId', 'assessments.templateVersionId', 'assessmentElements.elementKey', 'assessmentElements.subject', 'assessmentElements.needs'])
    .where('assessments.authorityId', '=', authorityId)
    .where('assessments.episodeId', '=', episodeId)
    .where('assessmentElements.notAssessed', '=', false)
    .where('assessmentElements.needs', 'is not', null)
    .where(sql<boolean>`trim(assessment_elements.needs) <> ''`)
    .execute()
  return rows.map(row => ({ ...row, needs: row.needs ?? '' }))
}
