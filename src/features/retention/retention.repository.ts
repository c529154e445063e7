import { sql, type Kysely, type Transaction } from 'kysely'
import type { Database, RetentionRecordType, RetentionSubjectKind } from '../../db/schema.ts'
import type { RetentionRule } from './retention-rules.ts'

type Db = Kysely<Database> | Transaction<Database>

export async function authorityIds(db: Db): Promise<string[]> {
  return (await db.selectFrom('authorities').select('id').orderBy('id').execute()).map(row => row.id)
}

export async function authorityExists(db: Db, authorityId: string): Promise<boolean> {
  return (await db.selectFrom('authorities').select('id').where('id', '=', authorityId).executeTakeFirst()) !== undefined
}

/** Serialises listing and disposal per authority on PostgreSQL (with N instances); harmless on PGlite. */
export async function lockAuthority(trx: Transaction<Database>, authorityId: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`retention:${authorityId}`}))`.execute(trx)
}

export async function savedRules(db: Db, authorityId: string) {
  return db.selectFrom('retentionRules').selectAll().where('authorityId', '=', authorityId).execute()
}

export async function upsertRule(trx: Transaction<Database>, authorityId: string, rule: RetentionRule, userId: string, at: Date): Promise<void> {
  await trx
    .insertInto('retentionRules')
    .values({ authorityId, recordType: rule.recordType, yearsAfter: rule.yearsAfter, untilAge: rule.untilAge, updatedByUserId: userId, updatedAt: at })
    .onConflict(conflict =>
      conflict.columns(['authorityId', 'recordType']).doUpdateSet({ yearsAfter: rule.yearsAfter, untilAge: rule.untilAge, updatedByUserId: userId, updatedAt: at, version: sql`retention_rules.version + 1` }),
    )
    .execute()
}

export type ClosedEpisode = { id: string; reference: string; closedAt: Date; safeguarding: boolean; children: Array<string | null> }

/** Closed episodes with what their due date depends on: closure, a safeguarding referral, the children's birth dates. */
export async function closedEpisodes(db: Db, authorityId: string): Promise<ClosedEpisode[]> {
  const episodes = await db
    .selectFrom('episodes')
    .select(['id', 'reference', 'closedAt', 'safeguardingFlag'])
    .select(eb =>
      eb
        .exists(eb.selectFrom('safeguardingReferrals as r').select('r.id').whereRef('r.authorityId', '=', 'episodes.authorityId').whereRef('r.episodeId', '=', 'episodes.id'))
        .as('referred'),
    )
    .where('authorityId', '=', authorityId)
    .where('status', '=', 'closed')
    .where('closedAt', 'is not', null)
    .execute()
  const children = await db
    .selectFrom('episodePeople as ep')
    .innerJoin('persons as p', join => join.onRef('p.authorityId', '=', 'ep.authorityId').onRef('p.id', '=', 'ep.personId'))
    .innerJoin('episodes as e', join => join.onRef('e.authorityId', '=', 'ep.authorityId').onRef('e.id', '=', 'ep.episodeId'))
    .select(['ep.episodeId', 'p.dateOfBirth', 'p.expectedDateOfBirth'])
    .where('ep.authorityId', '=', authorityId)
    .where('ep.role', '=', 'child')
    .where('e.status', '=', 'closed')
    .execute()
  const byEpisode = new Map<string, Array<string | null>>()
  for (const child of children) byEpisode.set(child.episodeId, [...(byEpisode.get(child.episodeId) ?? []), child.dateOfBirth ?? child.expectedDateOfBirth])
  return episodes.map(row => ({
    id: row.id,
    reference: row.reference,
    closedAt: row.closedAt as Date,
    safeguarding: row.safeguardingFlag || Boolean(row.referred),
    children: byEpisode.get(row.id) ?? [],
  }))
}

export type UnlinkedPerson = { id: string; name: string; lastChangedAt: Date }

/** People not anonymised, not merged into another record, and in no episode. */
export async function peopleInNoEpisode(db: Db, authorityId: string): Promise<UnlinkedPerson[]> {
  const rows = await db
    .selectFrom('persons as p')
    .select(['p.id', 'p.givenNames', 'p.familyName', 'p.updatedAt', 'p.createdAt'])
    .where('p.authorityId', '=', authorityId)
    .where('p.anonymisedAt', 'is', null)
    .where('p.mergedIntoId', 'is', null)
    .where(eb => eb.not(eb.exists(eb.selectFrom('episodePeople as ep').select('ep.personId').whereRef('ep.authorityId', '=', 'p.authorityId').whereRef('ep.personId', '=', 'p.id'))))
    .execute()
  return rows.map(row => ({ id: row.id, name: `${row.givenNames} ${row.familyName}`.trim(), lastChangedAt: row.updatedAt > row.createdAt ? row.updatedAt : row.createdAt }))
}

export async function peopleOfEpisodes(db: Db, authorityId: string): Promise<Map<string, string[]>> {
  const rows = await db.selectFrom('episodePeople').select(['episodeId', 'personId']).where('authorityId', '=', authorityId).execute()
  const map = new Map<string, string[]>()
  for (const row of rows) map.set(row.episodeId, [...(map.get(row.episodeId) ?? []), row.personId])
  return map
}

export async function activeHolds(db: Db, authorityId: string) {
  return db.selectFrom('retentionHolds').selectAll().where('authorityId', '=', authorityId).where('releasedAt', 'is', null).orderBy('placedAt', 'desc').execute()
}

export async function heldSubjects(db: Db, authorityId: string): Promise<Set<string>> {
  return new Set((await activeHolds(db, authorityId)).map(hold => hold.subjectId))
}

export async function findHold(db: Db, authorityId: string, holdId: string) {
  return db.selectFrom('retentionHolds').selectAll().where('authorityId', '=', authorityId).where('id', '=', holdId).executeTakeFirst()
}

export async function insertHold(trx: Transaction<Database>, hold: { authorityId: string; id: string; subjectKind: RetentionSubjectKind; subjectId: string; reason: string; placedByUserId: string; placedAt: Date }) {
  await trx.insertInto('retentionHolds').values({ ...hold, releasedAt: null, releasedByUserId: null, releaseReason: null }).execute()
}

export async function releaseHold(trx: Transaction<Database>, authorityId: string, holdId: string, userId: string, reason: string, at: Date): Promise<boolean> {
  const result = await trx
    .updateTable('retentionHolds')
    .set({ releasedAt: at, releasedByUserId: userId, releaseReason: reason })
    .where('authorityId', '=', authorityId)
    .where('id', '=', holdId)
    .where('releasedAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

export async function findEpisodeLabel(db: Db, authorityId: string, episodeId: string) {
  return db.selectFrom('episodes').select(['id', 'reference', 'status']).where('authorityId', '=', authorityId).where('id', '=', episodeId).executeTakeFirst()
}

export async function findEpisodeByReference(db: Db, authorityId: string, reference: string) {
  return db.selectFrom('episodes').select(['id', 'reference', 'status']).where('authorityId', '=', authorityId).where(sql<boolean>`upper(reference) = upper(${reference})`).executeTakeFirst()
}

export async function findPersonLabel(db: Db, authorityId: string, personId: string) {
  return db.selectFrom('persons').select(['id', 'givenNames', 'familyName', 'anonymisedAt']).where('authorityId', '=', authorityId).where('id', '=', personId).executeTakeFirst()
}

export async function proposedBatch(db: Db, authorityId: string) {
  return db.selectFrom('retentionBatches').selectAll().where('authorityId', '=', authorityId).where('status', '=', 'proposed').executeTakeFirst()
}

export async function findBatch(db: Db, authorityId: string, batchId: string) {
  return db.selectFrom('retentionBatches').selectAll().where('authorityId', '=', authorityId).where('id', '=', batchId).executeTakeFirst()
}

export async function recentBatches(db: Db, authorityId: string, limit = 10) {
  return db.selectFrom('retentionBatches').selectAll().where('authorityId', '=', authorityId).where('status', '!=', 'proposed').orderBy('listedAt', 'desc').limit(limit).execute()
}

export async function batchItems(db: Db, authorityId: string, batchId: string) {
  return db.selectFrom('retentionBatchItems').selectAll().where('authorityId', '=', authorityId).where('batchId', '=', batchId).orderBy('dueOn').orderBy('subjectKind').orderBy('subjectId').execute()
}

export async function batchesWithPendingItems(db: Db, authorityId: string): Promise<string[]> {
  return (
    await db
      .selectFrom('retentionBatches as b')
      .select('b.id')
      .where('b.authorityId', '=', authorityId)
      .where('b.status', '=', 'approved')
      .orderBy('b.approvedAt')
      .execute()
  ).map(row => row.id)
}

/** Subjects already disposed of (never listed again). */
export async function disposedSubjects(db: Db, authorityId: string): Promise<Set<string>> {
  const rows = await db.selectFrom('retentionBatchItems').select('subjectId').where('authorityId', '=', authorityId).where('outcome', 'in', ['disposed', 'gone']).execute()
  return new Set(rows.map(row => row.subjectId))
}

export type DueItem = { subjectKind: RetentionSubjectKind; subjectId: string; recordType: RetentionRecordType; label: string; dueOn: string; disposition: 'delete' | 'anonymise' }

export async function createBatch(trx: Transaction<Database>, authorityId: string, batchId: string, at: Date): Promise<void> {
  await trx.insertInto('retentionBatches').values({ authorityId, id: batchId, status: 'proposed', listedAt: at, approvedByUserId: null, approvedAt: null, completedAt: null }).execute()
}

export async function replaceItems(trx: Transaction<Database>, authorityId: string, batchId: string, remove: string[], insert: DueItem[]): Promise<void> {
  if (remove.length > 0) await trx.deleteFrom('retentionBatchItems').where('authorityId', '=', authorityId).where('batchId', '=', batchId).where('subjectId', 'in', remove).execute()
  if (insert.length > 0) {
    await trx
      .insertInto('retentionBatchItems')
      .values(insert.map(item => ({ authorityId, batchId, subjectKind: item.subjectKind, subjectId: item.subjectId, recordType: item.recordType, label: item.label, dueOn: item.dueOn, disposition: item.disposition, disposedAt: null, details: '{}' })))
      .execute()
  }
}

export async function touchBatch(trx: Transaction<Database>, authorityId: string, batchId: string, at: Date): Promise<void> {
  await trx.updateTable('retentionBatches').set({ listedAt: at, version: sql`version + 1` }).where('authorityId', '=', authorityId).where('id', '=', batchId).execute()
}

export async function deleteBatch(trx: Transaction<Database>, authorityId: string, batchId: string): Promise<void> {
  await trx.deleteFrom('retentionBatchItems').where('authorityId', '=', authorityId).where('batchId', '=', batchId).execute()
  await trx.deleteFrom('retentionBatches').where('authorityId', '=', authorityId).where('id', '=', batchId).execute()
}

/** Proposed → approved, only at the version the coordinator saw. */
export async function approveBatch(trx: Transaction<Database>, authorityId: string, batchId: string, version: number, userId: string, at: Date): Promise<boolean> {
  const result = await trx
    .updateTable('retentionBatches')
    .set({ status: 'approved', approvedByUserId: userId, approvedAt: at, version: sql`version + 1` })
    .where('authorityId', '=', authorityId)
    .where('id', '=', batchId)
    .where('status', '=', 'proposed')
    .where('version', '=', version)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

export async function lockPendingItem(trx: Transaction<Database>, authorityId: string, batchId: string) {
  return trx
    .selectFrom('retentionBatchItems')
    .selectAll()
    .where('authorityId', '=', authorityId)
    .where('batchId', '=', batchId)
    .where('outcome', '=', 'pending')
    .orderBy('subjectKind')
    .orderBy('subjectId')
    .limit(1)
    .forUpdate()
    .executeTakeFirst()
}

export async function settleItem(
  trx: Transaction<Database>,
  item: { authorityId: string; batchId: string; subjectKind: RetentionSubjectKind; subjectId: string },
  outcome: 'disposed' | 'held' | 'not_due' | 'gone',
  at: Date,
  details: Record<string, unknown>,
  clearLabel: boolean,
): Promise<void> {
  await trx
    .updateTable('retentionBatchItems')
    .set({ outcome, disposedAt: outcome === 'disposed' ? at : null, details: JSON.stringify(details), ...(clearLabel ? { label: null } : {}) })
    .where('authorityId', '=', item.authorityId)
    .where('batchId', '=', item.batchId)
    .where('subjectKind', '=', item.subjectKind)
    .where('subjectId', '=', item.subjectId)
    .execute()
}

export async function completeBatchIfDone(trx: Transaction<Database>, authorityId: string, batchId: string, at: Date): Promise<boolean> {
  const pending = await trx.selectFrom('retentionBatchItems').select('subjectId').where('authorityId', '=', authorityId).where('batchId', '=', batchId).where('outcome', '=', 'pending').limit(1).executeTakeFirst()
  if (pending) return false
  const result = await trx.updateTable('retentionBatches').set({ status: 'completed', completedAt: at }).where('authorityId', '=', authorityId).where('id', '=', batchId).where('status', '=', 'approved').executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

export async function lockEpisode(trx: Transaction<Database>, authorityId: string, episodeId: string) {
  return trx.selectFrom('episodes').select(['id', 'reference', 'status', 'closedAt']).where('authorityId', '=', authorityId).where('id', '=', episodeId).forUpdate().executeTakeFirst()
}

export async function lockPerson(trx: Transaction<Database>, authorityId: string, personId: string) {
  return trx.selectFrom('persons').select(['id', 'anonymisedAt', 'updatedAt', 'createdAt', 'mergedIntoId']).where('authorityId', '=', authorityId).where('id', '=', personId).forUpdate().executeTakeFirst()
}

export async function userNames(db: Db, authorityId: string, ids: string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map()
  const rows = await db.selectFrom('users').select(['id', 'name']).where('authorityId', '=', authorityId).where('id', 'in', ids).execute()
  return new Map(rows.map(row => [row.id, row.name]))
}

export async function countItems(db: Db, authorityId: string, batchId: string): Promise<number> {
  const row = await db.selectFrom('retentionBatchItems').select(eb => eb.fn.countAll<number>().as('n')).where('authorityId', '=', authorityId).where('batchId', '=', batchId).executeTakeFirst()
  return Number(row?.n ?? 0)
}

/** The audit trail's record of disposals (what, when, by whose approval), newest first. */
export async function disposalEvents(db: Db, authorityId: string, limit: number) {
  return db
    .selectFrom('auditEvents')
    .select(['id', 'at', 'recordType', 'recordId', 'details', 'actorKind', 'actorUserId'])
    .where('authorityId', '=', authorityId)
    .where('action', '=', 'retention.dispose')
    .where('outcome', '=', 'allowed')
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute()
}

/** Episodes' references as their batch items keep them (people are never named here: theirs are cleared). */
export async function itemLabels(db: Db, authorityId: string, subjectIds: string[]): Promise<Map<string, string>> {
  if (subjectIds.length === 0) return new Map()
  const rows = await db.selectFrom('retentionBatchItems').select(['subjectId', 'label']).where('authorityId', '=', authorityId).where('subjectKind', '=', 'episode').where('subjectId', 'in', [...new Set(subjectIds)]).where('label', 'is not', null).execute()
  return new Map(rows.flatMap(row => (row.label ? [[row.subjectId, row.label] as [string, string]] : [])))
}
