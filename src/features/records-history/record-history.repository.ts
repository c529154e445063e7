import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { DisputableTable } from '../../db/schema.ts'
import { uuidv7 } from '../../lib/ids.ts'

// All Kysely code of record history, rectification and disputes. Every query names the authority.

export type HistoryEntry = {
  seq: number
  tableName: string
  recordId: string
  episodeId: string | null
  operation: 'insert' | 'update' | 'delete' | 'dispute'
  field: string | null
  oldValue: string | null
  newValue: string | null
  kind: 'change' | 'correction' | 'disputed'
  reason: string | null
  changedByKind: string
  byName: string | null
  at: Date
}

function historyQuery(db: Db, authorityId: string) {
  return db
    .selectFrom('recordHistory as h')
    .leftJoin('users as u', join => join.onRef('u.authorityId', '=', 'h.authorityId').onRef('u.id', '=', 'h.changedByUserId'))
    .leftJoin('familyAccounts as f', join => join.onRef('f.authorityId', '=', 'h.authorityId').onRef('f.id', '=', 'h.changedByFamilyAccountId'))
    .select(eb => [
      'h.seq', 'h.tableName', 'h.recordId', 'h.episodeId', 'h.operation', 'h.field', 'h.oldValue', 'h.newValue', 'h.kind', 'h.reason',
      'h.changedByKind', 'h.at', eb.fn.coalesce('u.name', 'f.name').as('byName'),
    ])
    .where('h.authorityId', '=', authorityId)
}

/** A person's history: changes to their own record and to rows about them (households, relationships, notes …). */
export async function personHistory(db: Db, authorityId: string, personId: string, limit: number): Promise<HistoryEntry[]> {
  return historyQuery(db, authorityId)
    .where(eb => eb.or([eb('h.personId', '=', personId), eb.and([eb('h.tableName', '=', 'persons'), eb('h.recordId', '=', personId)])]))
    .orderBy('h.seq', 'desc')
    .limit(limit)
    .execute() as Promise<HistoryEntry[]>
}

export async function episodeHistory(db: Db, authorityId: string, episodeId: string, limit: number): Promise<HistoryEntry[]> {
  return historyQuery(db, authorityId).where('h.episodeId', '=', episodeId).orderBy('h.seq', 'desc').limit(limit).execute() as Promise<HistoryEntry[]>
}

/** Case notes and documents of the episode that only their author's agency may read: their values are not shown to others. */
export async function agencyOnlyRecords(db: Db, authorityId: string, episodeId: string): Promise<Map<string, string | null>> {
  const notes = await db.selectFrom('caseNotes').select(['id', 'authorAgencyId as agencyId']).where('authorityId', '=', authorityId).where('episodeId', '=', episodeId).where('visibility', '=', 'agency').execute()
  const documents = await db.selectFrom('documents').select(['id', 'uploadedByAgencyId as agencyId']).where('authorityId', '=', authorityId).where('episodeId', '=', episodeId).where('visibility', '=', 'agency').execute()
  return new Map([...notes, ...documents].map(row => [row.id, row.agencyId]))
}

// ---- rectification ------------------------------------------------------------------------------------------------

export type CorrectableField =
  | 'givenNames' | 'familyName' | 'otherNames' | 'dateOfBirth' | 'sex' | 'gender' | 'ethnicity' | 'firstLanguage' | 'disability'
  | 'address' | 'postcode' | 'phone' | 'email' | 'schoolOrSetting' | 'uniquePupilNumber' | 'nhsNumber' | 'gpPractice'

export async function findPersonForCorrection(db: Db, authorityId: string, personId: string) {
  return db.selectFrom('persons').selectAll().where('authorityId', '=', authorityId).where('id', '=', personId).where('mergedIntoId', 'is', null).executeTakeFirst()
}

/** Changes one field (and the search columns with a name); the history trigger records it as a correction. */
export async function updatePersonField(
  db: Db,
  authorityId: string,
  personId: string,
  version: number,
  field: CorrectableField,
  value: string | null,
  search: { searchName: string; searchGiven: string; searchFamily: string } | null,
): Promise<boolean> {
  const result = await db
    .updateTable('persons')
    .set({ [field]: value, ...(search ?? {}), version: sql<number>`version + 1`, updatedAt: sql<Date>`now()` })
    .where('authorityId', '=', authorityId)
    .where('id', '=', personId)
    .where('version', '=', version)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

// ---- disputes -----------------------------------------------------------------------------------------------------

export type DisputeRow = { id: string; tableName: DisputableTable; recordId: string; recordLabel: string; statement: string; byKind: 'family' | 'practitioner'; byName: string; at: Date }

export async function listDisputes(db: Db, authorityId: string, episodeId: string): Promise<DisputeRow[]> {
  return db
    .selectFrom('recordDisputes')
    .select(['id', 'tableName', 'recordId', 'recordLabel', 'statement', 'byKind', 'byName', 'at'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .orderBy('at', 'desc')
    .execute()
}

/** `on`: the meeting's start or the note's date (null for an assessment element); `summary`: a case note's summary. */
export type Disputable = { tableName: DisputableTable; recordId: string; label: string; familyCanSee: boolean; on: Date | string | null; summary: string | null }

/** The professional opinions of an episode a statement can be attached to, and whether the family can see each. */
export async function disputableRecords(db: Db, authorityId: string, episodeId: string): Promise<Disputable[]> {
  const notes = await db
    .selectFrom('caseNotes')
    .select(['id', 'summary', 'occurredOn', 'visibility'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .orderBy('occurredOn', 'desc')
    .execute()
  const minutes = await db
    .selectFrom('meetingMinutes as mm')
    .innerJoin('meetings as m', join => join.onRef('m.authorityId', '=', 'mm.authorityId').onRef('m.id', '=', 'mm.meetingId'))
    .select(['mm.meetingId', 'm.startsAt', 'mm.status'])
    .where('mm.authorityId', '=', authorityId)
    .where('m.episodeId', '=', episodeId)
    .orderBy('m.startsAt', 'desc')
    .execute()
  const elements = await db
    .selectFrom('assessmentElements as e')
    .innerJoin('assessments as a', join => join.onRef('a.authorityId', '=', 'e.authorityId').onRef('a.id', '=', 'e.assessmentId'))
    .select(['e.assessmentId', 'e.elementKey', 'e.subject', 'a.status'])
    .where('e.authorityId', '=', authorityId)
    .where('a.episodeId', '=', episodeId)
    .where('e.notAssessed', '=', false)
    .execute()
  const day = (value: Date | string) => new Date(value).toISOString().slice(0, 10)
  return [
    ...minutes.map(row => ({ tableName: 'meeting_minutes' as const, recordId: row.meetingId, label: `Minutes of the meeting on ${day(row.startsAt)}`, familyCanSee: row.status === 'circulated', on: row.startsAt, summary: null })),
    ...elements.map(row => ({
      tableName: 'assessment_elements' as const,
      recordId: `${row.assessmentId}:${row.elementKey}:${row.subject}`,
      label: `Assessment: ${row.elementKey.replace(/-/g, ' ')}`,
      familyCanSee: row.status === 'completed',
      on: null,
      summary: null,
    })),
    ...notes.map(row => ({ tableName: 'case_notes' as const, recordId: row.id, label: `Case note of ${row.occurredOn}: ${row.summary}`, familyCanSee: row.visibility === 'family', on: row.occurredOn, summary: row.summary })),
  ]
}

export async function insertDispute(
  db: Db,
  row: { authorityId: string; episodeId: string; record: Disputable; statement: string; byKind: 'family' | 'practitioner'; byUserId: string | null; byFamilyAccountId: string | null; byName: string; at: Date; requestId: string },
): Promise<string> {
  const id = uuidv7(row.at.getTime())
  await db
    .insertInto('recordDisputes')
    .values({
      authorityId: row.authorityId, id, episodeId: row.episodeId, tableName: row.record.tableName, recordId: row.record.recordId, recordLabel: row.record.label,
      statement: row.statement, byKind: row.byKind, byUserId: row.byUserId, byFamilyAccountId: row.byFamilyAccountId, byName: row.byName, at: row.at,
    })
    .execute()
  // The record itself is never overwritten: its history carries a 'disputed' entry with the statement.
  await db
    .insertInto('recordHistory')
    .values({
      authorityId: row.authorityId, tableName: row.record.tableName, recordId: row.record.recordId, episodeId: row.episodeId, personId: null, operation: 'dispute',
      field: null, oldValue: null, newValue: row.statement, kind: 'disputed', reason: `${row.byName} disagrees`, changedByKind: row.byKind === 'family' ? 'family' : 'practitioner',
      changedByUserId: row.byUserId, changedByFamilyAccountId: row.byFamilyAccountId, requestId: row.requestId, at: row.at,
    })
    .execute()
  return id
}

/**
 * The statements attached to a set of records of one episode (one query for a whole page, never one per row):
 * the minutes of a meeting, the case notes shown on a page, an assessment element. Oldest first.
 */
export async function listDisputesFor(
  db: Db,
  authorityId: string,
  episodeId: string,
  tableName: DisputableTable,
  recordIds: readonly string[],
  options: { byFamilyAccountId?: string; notByYoungPeople?: boolean } = {},
): Promise<DisputeRow[]> {
  if (recordIds.length === 0) return []
  let query = db
    .selectFrom('recordDisputes as d')
    .select(['d.id', 'd.tableName', 'd.recordId', 'd.recordLabel', 'd.statement', 'd.byKind', 'd.byName', 'd.at'])
    .where('d.authorityId', '=', authorityId)
    .where('d.episodeId', '=', episodeId)
    .where('d.tableName', '=', tableName)
    .where('d.recordId', 'in', [...recordIds])
  // The family's own view shows a family member only what they said themselves.
  if (options.byFamilyAccountId) query = query.where('d.byKind', '=', 'family').where('d.byFamilyAccountId', '=', options.byFamilyAccountId)
  // A young person's own words stay out of what their parents receive (as their views do in the family's own view).
  if (options.notByYoungPeople) {
    query = query.where(eb =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('familyAccounts as a')
            .select('a.id')
            .whereRef('a.authorityId', '=', 'd.authorityId')
            .whereRef('a.id', '=', 'd.byFamilyAccountId')
            .where('a.kind', '=', 'young_person'),
        ),
      ),
    )
  }
  return query
    .orderBy('d.at', 'asc')
    .orderBy('d.id', 'asc')
    .execute()
}

/**
 * The statements about the records a chronology shows, across one or more episodes, with ONE query for the page: case
 * notes and minutes by record id, and every element of the assessments shown (element record ids are
 * `assessmentId:elementKey:subject`). Oldest first.
 */
export async function listDisputesForRecords(
  db: Db,
  authorityId: string,
  episodeIds: readonly string[],
  records: { caseNotes: readonly string[]; minutes: readonly string[]; assessments: readonly string[] },
): Promise<DisputeRow[]> {
  if (episodeIds.length === 0 || records.caseNotes.length + records.minutes.length + records.assessments.length === 0) return []
  return db
    .selectFrom('recordDisputes')
    .select(['id', 'tableName', 'recordId', 'recordLabel', 'statement', 'byKind', 'byName', 'at'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', 'in', [...episodeIds])
    .where(eb => {
      const branches = []
      if (records.caseNotes.length) branches.push(eb.and([eb('tableName', '=', 'case_notes'), eb('recordId', 'in', [...records.caseNotes])]))
      if (records.minutes.length) branches.push(eb.and([eb('tableName', '=', 'meeting_minutes'), eb('recordId', 'in', [...records.minutes])]))
      // Assessment ids are UUIDs (no LIKE wildcards in them).
      for (const assessmentId of records.assessments) branches.push(eb.and([eb('tableName', '=', 'assessment_elements'), eb('recordId', 'like', `${assessmentId}:%`)]))
      return eb.or(branches)
    })
    .orderBy('at', 'asc')
    .orderBy('id', 'asc')
    .execute()
}

/** What one family member has told the team before, on one episode: only their own statements. Oldest first. */
export async function listFamilyAccountDisputes(db: Db, authorityId: string, episodeId: string, accountId: string): Promise<DisputeRow[]> {
  return db
    .selectFrom('recordDisputes')
    .select(['id', 'tableName', 'recordId', 'recordLabel', 'statement', 'byKind', 'byName', 'at'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('byKind', '=', 'family')
    .where('byFamilyAccountId', '=', accountId)
    .orderBy('at', 'asc')
    .orderBy('id', 'asc')
    .execute()
}

/** The template version each assessment of the episode was recorded with (for the element titles a family reads). */
export async function assessmentTemplateVersions(db: Db, authorityId: string, episodeId: string): Promise<Map<string, string>> {
  const rows = await db.selectFrom('assessments').select(['id', 'templateVersionId']).where('authorityId', '=', authorityId).where('episodeId', '=', episodeId).execute()
  return new Map(rows.map(row => [row.id, row.templateVersionId]))
}
