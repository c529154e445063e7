import type { Db } from '../../db/database.ts'

// Kysely code for family sessions (the family's own view). Sessions are looked up by the hash of their secret.

export type FamilySessionRow = {
  idHash: string
  authorityId: string
  accountId: string
  publicId: string
  createdAt: Date
  lastSeenAt: Date
  name: string
  kind: 'parent_carer' | 'young_person'
  language: 'en' | 'cy'
  status: 'invited' | 'active' | 'revoked'
}

export async function findFamilySession(db: Db, idHash: string): Promise<FamilySessionRow | undefined> {
  return db
    .selectFrom('familySessions as s')
    .innerJoin('familyAccounts as a', join => join.onRef('a.authorityId', '=', 's.authorityId').onRef('a.id', '=', 's.accountId'))
    .select(['s.idHash', 's.authorityId', 's.accountId', 's.publicId', 's.createdAt', 's.lastSeenAt', 'a.name', 'a.kind', 'a.language', 'a.status'])
    .where('s.idHash', '=', idHash)
    .executeTakeFirst()
}

/** The episodes an account may see now: linked, not revoked. */
export async function listLinkedEpisodeIds(db: Db, authorityId: string, accountId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('familyAccountEpisodes')
    .select('episodeId')
    .where('authorityId', '=', authorityId)
    .where('accountId', '=', accountId)
    .where('revokedAt', 'is', null)
    .orderBy('grantedAt')
    .execute()
  return rows.map(row => row.episodeId)
}

export async function touchFamilySession(db: Db, idHash: string, at: Date): Promise<void> {
  await db.updateTable('familySessions').set({ lastSeenAt: at }).where('idHash', '=', idHash).execute()
}

export async function deleteFamilySession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom('familySessions').where('idHash', '=', idHash).execute()
}

export async function insertFamilySession(
  db: Db,
  row: { idHash: string; authorityId: string; accountId: string; publicId: string; deviceLabel: string; at: Date; ip: string | null },
): Promise<void> {
  await db
    .insertInto('familySessions')
    .values({
      idHash: row.idHash,
      authorityId: row.authorityId,
      accountId: row.accountId,
      publicId: row.publicId,
      deviceLabel: row.deviceLabel,
      createdAt: row.at,
      lastSeenAt: row.at,
      ip: row.ip,
    })
    .execute()
}

/** The episode an account's link gives access to, checked in the same transaction as the work (fail closed). */
export async function isLinkedToEpisode(db: Db, authorityId: string, accountId: string, episodeId: string): Promise<boolean> {
  const row = await db
    .selectFrom('familyAccountEpisodes as l')
    .innerJoin('familyAccounts as a', join => join.onRef('a.authorityId', '=', 'l.authorityId').onRef('a.id', '=', 'l.accountId'))
    .select('l.episodeId')
    .where('l.authorityId', '=', authorityId)
    .where('l.accountId', '=', accountId)
    .where('l.episodeId', '=', episodeId)
    .where('l.revokedAt', 'is', null)
    .where('a.status', '=', 'active')
    .executeTakeFirst()
  return row !== undefined
}
