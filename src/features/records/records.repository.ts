import type { Db } from '../../db/database.ts'
import type { RecordVisibility } from '../../db/schema.ts'

// All Kysely code for case notes and documents. Every query filters by authority_id first.

// ---- who is who ----------------------------------------------------------------------------------------------------

/** The agency a practitioner acts for on this episode: the one they joined the team with, if any. */
export async function findMemberAgency(db: Db, authorityId: string, episodeId: string, userId: string): Promise<string | null> {
  const row = await db
    .selectFrom('episodeMembers')
    .select('agencyId')
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('userId', '=', userId)
    .orderBy('joinedAt', 'desc')
    .executeTakeFirst()
  return row?.agencyId ?? null
}

export async function userNames(db: Db, authorityId: string, userIds: readonly string[]): Promise<Map<string, string>> {
  const ids = [...new Set(userIds)]
  if (ids.length === 0) return new Map()
  const rows = await db.selectFrom('users').select(['id', 'name']).where('authorityId', '=', authorityId).where('id', 'in', ids).execute()
  return new Map(rows.map(row => [row.id, row.name]))
}

export async function agencyNames(db: Db, authorityId: string, agencyIds: readonly string[]): Promise<Map<string, string>> {
  const ids = [...new Set(agencyIds)]
  if (ids.length === 0) return new Map()
  const rows = await db.selectFrom('agencies').select(['id', 'name']).where('authorityId', '=', authorityId).where('id', 'in', ids).execute()
  return new Map(rows.map(row => [row.id, row.name]))
}

/**
 * The agency each user recorded things for on this episode: the agency they joined its team with, else their first
 * agency in the directory. Used to file chronology events under an agency.
 */
export async function agenciesOfUsers(db: Db, authorityId: string, episodeId: string, userIds: readonly string[]): Promise<Map<string, string>> {
  const ids = [...new Set(userIds)]
  const result = new Map<string, string>()
  if (ids.length === 0) return result
  const fallback = await db
    .selectFrom('userAgencies')
    .select(['userId', 'agencyId'])
    .where('authorityId', '=', authorityId)
    .where('userId', 'in', ids)
    .orderBy('createdAt', 'asc')
    .orderBy('agencyId', 'asc')
    .execute()
  for (const row of fallback) if (!result.has(row.userId)) result.set(row.userId, row.agencyId)
  const members = await db
    .selectFrom('episodeMembers')
    .select(['userId', 'agencyId'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('userId', 'in', ids)
    .where('agencyId', 'is not', null)
    .orderBy('joinedAt', 'asc')
    .execute()
  for (const row of members) if (row.agencyId) result.set(row.userId, row.agencyId)
  return result
}

// ---- a person's chronology ------------------------------------------------------------------------------------------

export type ChronologyPerson = { id: string; name: string; mergedIntoId: string | null }

export async function findChronologyPerson(db: Db, authorityId: string, personId: string): Promise<ChronologyPerson | undefined> {
  const row = await db.selectFrom('persons').select(['id', 'givenNames', 'familyName', 'mergedIntoId']).where('authorityId', '=', authorityId).where('id', '=', personId).executeTakeFirst()
  return row ? { id: row.id, name: `${row.givenNames} ${row.familyName}`, mergedIntoId: row.mergedIntoId } : undefined
}

export type PersonEpisode = { episodeId: string; role: 'child' | 'adult'; startedAt: Date; closedAt: Date | null; previousEpisodeId: string | null }

/** Every episode the person is in (episode_people), re-referrals included, oldest first. */
export async function listEpisodesOfPerson(db: Db, authorityId: string, personId: string): Promise<PersonEpisode[]> {
  const rows = await db
    .selectFrom('episodePeople as ep')
    .innerJoin('episodes as e', join => join.onRef('e.authorityId', '=', 'ep.authorityId').onRef('e.id', '=', 'ep.episodeId'))
    .select(['e.id', 'ep.role', 'e.startedAt', 'e.closedAt', 'e.previousEpisodeId'])
    .where('ep.authorityId', '=', authorityId)
    .where('ep.personId', '=', personId)
    .orderBy('e.startedAt', 'asc')
    .orderBy('e.id', 'asc')
    .execute()
  return rows.map(row => ({ episodeId: row.id, role: row.role, startedAt: row.startedAt, closedAt: row.closedAt, previousEpisodeId: row.previousEpisodeId }))
}

// ---- case notes ----------------------------------------------------------------------------------------------------

export type CaseNote = {
  id: string
  episodeId: string
  personId: string | null
  occurredOn: string
  summary: string
  body: string
  visibility: RecordVisibility
  authorUserId: string
  authorName: string
  authorAgencyId: string | null
  authorAgencyName: string | null
  createdAt: Date
}

export async function listCaseNotes(db: Db, authorityId: string, episodeId: string): Promise<CaseNote[]> {
  return db
    .selectFrom('caseNotes as n')
    .innerJoin('users as u', join => join.onRef('u.authorityId', '=', 'n.authorityId').onRef('u.id', '=', 'n.authorUserId'))
    .leftJoin('agencies as a', join => join.onRef('a.authorityId', '=', 'n.authorityId').onRef('a.id', '=', 'n.authorAgencyId'))
    .select([
      'n.id',
      'n.episodeId',
      'n.personId',
      'n.occurredOn',
      'n.summary',
      'n.body',
      'n.visibility',
      'n.authorUserId',
      'u.name as authorName',
      'n.authorAgencyId',
      'a.name as authorAgencyName',
      'n.createdAt',
    ])
    .where('n.authorityId', '=', authorityId)
    .where('n.episodeId', '=', episodeId)
    .orderBy('n.occurredOn', 'desc')
    .orderBy('n.createdAt', 'desc')
    .execute()
}

export async function insertCaseNote(
  db: Db,
  note: { authorityId: string; id: string; episodeId: string; personId: string | null; occurredOn: string; summary: string; body: string; visibility: RecordVisibility; authorUserId: string; authorAgencyId: string | null; createdAt: Date },
): Promise<void> {
  await db.insertInto('caseNotes').values(note).execute()
}

// ---- documents -----------------------------------------------------------------------------------------------------

export type DocumentRecord = {
  id: string
  episodeId: string
  title: string
  kind: string
  fileName: string
  mediaType: string
  sizeBytes: number
  sha256: string
  visibility: RecordVisibility
  storage: 'database' | 'folder'
  scanStatus: 'not_scanned' | 'clean'
  uploadedByUserId: string
  uploadedByName: string
  uploadedByAgencyId: string | null
  uploadedByAgencyName: string | null
  uploadedAt: Date
  removedAt: Date | null
  removedByUserId: string | null
  removedReason: string | null
}

function documentQuery(db: Db, authorityId: string) {
  return db
    .selectFrom('documents as d')
    .innerJoin('users as u', join => join.onRef('u.authorityId', '=', 'd.authorityId').onRef('u.id', '=', 'd.uploadedByUserId'))
    .leftJoin('agencies as a', join => join.onRef('a.authorityId', '=', 'd.authorityId').onRef('a.id', '=', 'd.uploadedByAgencyId'))
    .select([
      'd.id',
      'd.episodeId',
      'd.title',
      'd.kind',
      'd.fileName',
      'd.mediaType',
      'd.sizeBytes',
      'd.sha256',
      'd.visibility',
      'd.storage',
      'd.scanStatus',
      'd.uploadedByUserId',
      'u.name as uploadedByName',
      'd.uploadedByAgencyId',
      'a.name as uploadedByAgencyName',
      'd.uploadedAt',
      'd.removedAt',
      'd.removedByUserId',
      'd.removedReason',
    ])
    .where('d.authorityId', '=', authorityId)
}

export async function listDocuments(db: Db, authorityId: string, episodeId: string): Promise<DocumentRecord[]> {
  return documentQuery(db, authorityId).where('d.episodeId', '=', episodeId).orderBy('d.uploadedAt', 'desc').orderBy('d.id', 'desc').execute()
}

export async function findDocument(db: Db, authorityId: string, episodeId: string, documentId: string): Promise<DocumentRecord | undefined> {
  return documentQuery(db, authorityId).where('d.episodeId', '=', episodeId).where('d.id', '=', documentId).executeTakeFirst()
}

/** Locks the row for a removal (two people removing at once: the second sees it removed). */
export async function lockDocument(db: Db, authorityId: string, documentId: string): Promise<void> {
  await db.selectFrom('documents').select('id').where('authorityId', '=', authorityId).where('id', '=', documentId).forUpdate().execute()
}

export async function readDocumentContent(db: Db, authorityId: string, documentId: string): Promise<Uint8Array | null> {
  const row = await db.selectFrom('documents').select('content').where('authorityId', '=', authorityId).where('id', '=', documentId).executeTakeFirst()
  return row?.content ?? null
}

export async function insertDocument(
  db: Db,
  document: {
    authorityId: string
    id: string
    episodeId: string
    title: string
    kind: string
    fileName: string
    mediaType: string
    sizeBytes: number
    sha256: string
    visibility: RecordVisibility
    storage: 'database' | 'folder'
    content: Uint8Array | null
    scanStatus: 'not_scanned' | 'clean'
    uploadedByUserId: string
    uploadedByAgencyId: string | null
    uploadedAt: Date
  },
): Promise<void> {
  await db.insertInto('documents').values(document).execute()
}

/** Marks the document removed and erases its bytes held in the database; the record and the reason stay. */
export async function markDocumentRemoved(db: Db, authorityId: string, documentId: string, removal: { at: Date; byUserId: string; reason: string }): Promise<boolean> {
  const result = await db
    .updateTable('documents')
    .set({ removedAt: removal.at, removedByUserId: removal.byUserId, removedReason: removal.reason, content: null })
    .where('authorityId', '=', authorityId)
    .where('id', '=', documentId)
    .where('removedAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}
