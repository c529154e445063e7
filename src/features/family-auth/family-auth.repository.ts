import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { FamilyAccountKind, FamilyLanguage } from '../../db/schema.ts'

// Kysely code for family access: accounts and their links to episodes, one-time sign-in codes, devices, and the
// sessions an account has open. Every query names its authority, except the sign-in look-up by contact (a family
// member does not know which authority they belong to).

export type FamilyAccount = {
  authorityId: string
  id: string
  name: string
  email: string | null
  mobile: string | null
  preferredChannel: 'email' | 'sms'
  language: FamilyLanguage
  kind: FamilyAccountKind
  personId: string | null
  status: 'invited' | 'active' | 'revoked'
  invitedAt: Date
  firstSignedInAt: Date | null
  lastSignedInAt: Date | null
  version: number
}

const accountColumns = [
  'authorityId',
  'id',
  'name',
  'email',
  'mobile',
  'preferredChannel',
  'language',
  'kind',
  'personId',
  'status',
  'invitedAt',
  'firstSignedInAt',
  'lastSignedInAt',
  'version',
] as const

// ---- signing in ---------------------------------------------------------------------------------------------------

/** Accounts (any authority) with this contact that may sign in: invited or active, with a link not ended. */
export async function findSignInAccounts(db: Db, contact: { email: string } | { mobile: string }): Promise<(FamilyAccount & { isDemo: boolean })[]> {
  let query = db
    .selectFrom('familyAccounts as a')
    .innerJoin('authorities as au', 'au.id', 'a.authorityId')
    .select(accountColumns.map(column => `a.${column}` as const))
    .select('au.isDemo')
    .where('a.status', 'in', ['invited', 'active'])
    .where(eb =>
      eb.exists(
        eb
          .selectFrom('familyAccountEpisodes as l')
          .select('l.episodeId')
          .whereRef('l.authorityId', '=', 'a.authorityId')
          .whereRef('l.accountId', '=', 'a.id')
          .where('l.revokedAt', 'is', null),
      ),
    )
  query = 'email' in contact ? query.where('a.email', '=', contact.email) : query.where('a.mobile', '=', contact.mobile)
  return query.orderBy('a.authorityId').limit(10).execute()
}

export async function countCodesSince(db: Db, authorityId: string, accountId: string, since: Date): Promise<number> {
  const row = await db
    .selectFrom('familySignInCodes')
    .select(eb => eb.fn.countAll<number>().as('count'))
    .where('authorityId', '=', authorityId)
    .where('accountId', '=', accountId)
    .where('createdAt', '>', since)
    .executeTakeFirst()
  return Number(row?.count ?? 0)
}

/** A new code replaces any earlier one still live: an account has at most one code that works. */
export async function expireLiveCodes(db: Db, authorityId: string, accountId: string, at: Date): Promise<void> {
  await db
    .updateTable('familySignInCodes')
    .set({ expiresAt: at })
    .where('authorityId', '=', authorityId)
    .where('accountId', '=', accountId)
    .where('usedAt', 'is', null)
    .where('expiresAt', '>', at)
    .execute()
}

export async function insertCode(
  db: Db,
  row: { authorityId: string; id: string; accountId: string; codeHash: string; channel: 'email' | 'sms'; at: Date; expiresAt: Date; ip: string | null },
): Promise<void> {
  const { at, ...values } = row
  await db.insertInto('familySignInCodes').values({ ...values, createdAt: at, attempts: 0, usedAt: null }).execute()
}

export type LiveCode = { authorityId: string; id: string; accountId: string; codeHash: string; attempts: number }

/** The live code of an account (unused, not expired, fewer than `maxAttempts` wrong tries), locked for the check. */
export async function lockLiveCode(db: Db, authorityId: string, accountId: string, at: Date, maxAttempts: number): Promise<LiveCode | undefined> {
  return db
    .selectFrom('familySignInCodes')
    .select(['authorityId', 'id', 'accountId', 'codeHash', 'attempts'])
    .where('authorityId', '=', authorityId)
    .where('accountId', '=', accountId)
    .where('usedAt', 'is', null)
    .where('expiresAt', '>', at)
    .where('attempts', '<', maxAttempts)
    .orderBy('createdAt', 'desc')
    .limit(1)
    .forUpdate()
    .executeTakeFirst()
}

export async function countWrongAttempt(db: Db, authorityId: string, id: string): Promise<number> {
  const row = await db
    .updateTable('familySignInCodes')
    .set({ attempts: sql<number>`attempts + 1` })
    .where('authorityId', '=', authorityId)
    .where('id', '=', id)
    .returning('attempts')
    .executeTakeFirst()
  return row?.attempts ?? 0
}

/** Single use: marks the code used unless another request already did (then the caller refuses). */
export async function useCode(db: Db, authorityId: string, id: string, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('familySignInCodes')
    .set({ usedAt: at })
    .where('authorityId', '=', authorityId)
    .where('id', '=', id)
    .where('usedAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function markSignedIn(db: Db, authorityId: string, accountId: string, at: Date): Promise<void> {
  await db
    .updateTable('familyAccounts')
    .set(eb => ({
      status: sql<'active'>`case when status = 'invited' then 'active' else status end`,
      firstSignedInAt: eb.fn.coalesce('firstSignedInAt', sql<Date>`${at}`),
      lastSignedInAt: at,
    }))
    .where('authorityId', '=', authorityId)
    .where('id', '=', accountId)
    .execute()
}

// ---- devices ------------------------------------------------------------------------------------------------------

/** Records the device; true when the account had not signed in from it before. */
export async function rememberDevice(db: Db, row: { authorityId: string; accountId: string; deviceHash: string; label: string; at: Date }): Promise<boolean> {
  const updated = await db
    .updateTable('familyDevices')
    .set({ lastSeenAt: row.at, label: row.label })
    .where('authorityId', '=', row.authorityId)
    .where('accountId', '=', row.accountId)
    .where('deviceHash', '=', row.deviceHash)
    .executeTakeFirst()
  if (Number(updated.numUpdatedRows) > 0) return false
  await db
    .insertInto('familyDevices')
    .values({ authorityId: row.authorityId, accountId: row.accountId, deviceHash: row.deviceHash, label: row.label, firstSeenAt: row.at, lastSeenAt: row.at })
    .onConflict(oc => oc.columns(['authorityId', 'accountId', 'deviceHash']).doNothing())
    .execute()
  return true
}

export async function countDevices(db: Db, authorityId: string, accountId: string): Promise<number> {
  const row = await db
    .selectFrom('familyDevices')
    .select(eb => eb.fn.countAll<number>().as('count'))
    .where('authorityId', '=', authorityId)
    .where('accountId', '=', accountId)
    .executeTakeFirst()
  return Number(row?.count ?? 0)
}

/** The current lead professionals of the episodes an account is linked to: who hears about a new device. */
export async function listLeadsForAccount(db: Db, authorityId: string, accountId: string) {
  return db
    .selectFrom('familyAccountEpisodes as l')
    .innerJoin('leadProfessionals as lp', join => join.onRef('lp.authorityId', '=', 'l.authorityId').onRef('lp.episodeId', '=', 'l.episodeId'))
    .innerJoin('users as u', join => join.onRef('u.authorityId', '=', 'lp.authorityId').onRef('u.id', '=', 'lp.userId'))
    .innerJoin('episodes as e', join => join.onRef('e.authorityId', '=', 'l.authorityId').onRef('e.id', '=', 'l.episodeId'))
    .select(['u.id as userId', 'u.name', 'u.email', 'l.episodeId', 'e.reference'])
    .where('l.authorityId', '=', authorityId)
    .where('l.accountId', '=', accountId)
    .where('l.revokedAt', 'is', null)
    .where('lp.endedAt', 'is', null)
    .where('u.status', '=', 'active')
    .execute()
}

// ---- the account page ---------------------------------------------------------------------------------------------

export async function findAccount(db: Db, authorityId: string, accountId: string): Promise<FamilyAccount | undefined> {
  return db.selectFrom('familyAccounts').select(accountColumns).where('authorityId', '=', authorityId).where('id', '=', accountId).executeTakeFirst()
}

export async function listSessions(db: Db, authorityId: string, accountId: string) {
  return db
    .selectFrom('familySessions')
    .select(['publicId', 'deviceLabel', 'createdAt', 'lastSeenAt'])
    .where('authorityId', '=', authorityId)
    .where('accountId', '=', accountId)
    .orderBy('lastSeenAt', 'desc')
    .execute()
}

export async function deleteSessionsExcept(db: Db, authorityId: string, accountId: string, keepPublicId: string | null): Promise<number> {
  let query = db.deleteFrom('familySessions').where('authorityId', '=', authorityId).where('accountId', '=', accountId)
  if (keepPublicId) query = query.where('publicId', '!=', keepPublicId)
  const result = await query.executeTakeFirst()
  return Number(result.numDeletedRows)
}

export async function setLanguage(db: Db, authorityId: string, accountId: string, language: FamilyLanguage): Promise<void> {
  await db
    .updateTable('familyAccounts')
    .set({ language, version: sql<number>`version + 1` })
    .where('authorityId', '=', authorityId)
    .where('id', '=', accountId)
    .execute()
}

// ---- the practitioner's family access page ------------------------------------------------------------------------

export type FamilySideMember = {
  id: string
  name: string
  relationship: string | null
  personId: string | null
  email: string | null
  phone: string | null
  dateOfBirth: string | null
}

/** The family members on the episode's team now (not supporters: they are not given access to the record). */
export async function listFamilySideMembers(db: Db, authorityId: string, episodeId: string): Promise<FamilySideMember[]> {
  return db
    .selectFrom('familyTeamMembers as m')
    .leftJoin('persons as p', join => join.onRef('p.authorityId', '=', 'm.authorityId').onRef('p.id', '=', 'm.personId'))
    .select(['m.id', 'm.name', 'm.relationship', 'm.personId', 'm.email', 'm.phone', 'p.dateOfBirth'])
    .where('m.authorityId', '=', authorityId)
    .where('m.episodeId', '=', episodeId)
    .where('m.kind', '=', 'family_member')
    .where('m.leftAt', 'is', null)
    .orderBy('m.joinedAt')
    .orderBy('m.name')
    .execute()
}

export type EpisodeAccess = {
  accountId: string
  familyTeamMemberId: string | null
  name: string
  email: string | null
  mobile: string | null
  preferredChannel: 'email' | 'sms'
  language: FamilyLanguage
  kind: FamilyAccountKind
  status: 'invited' | 'active' | 'revoked'
  grantedAt: Date
  grantedByName: string | null
  revokedAt: Date | null
  lastSignedInAt: Date | null
}

/** Every account ever linked to the episode, newest link first. */
export async function listEpisodeAccess(db: Db, authorityId: string, episodeId: string): Promise<EpisodeAccess[]> {
  return db
    .selectFrom('familyAccountEpisodes as l')
    .innerJoin('familyAccounts as a', join => join.onRef('a.authorityId', '=', 'l.authorityId').onRef('a.id', '=', 'l.accountId'))
    .leftJoin('users as g', join => join.onRef('g.authorityId', '=', 'l.authorityId').onRef('g.id', '=', 'l.grantedByUserId'))
    .select([
      'l.accountId',
      'l.familyTeamMemberId',
      'a.name',
      'a.email',
      'a.mobile',
      'a.preferredChannel',
      'a.language',
      'a.kind',
      'a.status',
      'l.grantedAt',
      'g.name as grantedByName',
      'l.revokedAt',
      'a.lastSignedInAt',
    ])
    .where('l.authorityId', '=', authorityId)
    .where('l.episodeId', '=', episodeId)
    .orderBy('l.grantedAt', 'desc')
    .execute()
}

export async function findAccountByContact(db: Db, authorityId: string, contact: { email: string } | { mobile: string }): Promise<FamilyAccount | undefined> {
  let query = db.selectFrom('familyAccounts').select(accountColumns).where('authorityId', '=', authorityId)
  query = 'email' in contact ? query.where('email', '=', contact.email) : query.where('mobile', '=', contact.mobile)
  return query.forUpdate().executeTakeFirst()
}

export async function insertAccount(
  db: Db,
  row: {
    authorityId: string
    id: string
    name: string
    email: string | null
    mobile: string | null
    preferredChannel: 'email' | 'sms'
    language: FamilyLanguage
    kind: FamilyAccountKind
    personId: string | null
    invitedByUserId: string
    at: Date
  },
): Promise<void> {
  const { at, ...values } = row
  await db
    .insertInto('familyAccounts')
    .values({ ...values, status: 'invited', invitedAt: at, firstSignedInAt: null, lastSignedInAt: null, revokedAt: null, revokedByUserId: null })
    .execute()
}

/** Invited again: a revoked account is open again (invited until they sign in); language and kind as now chosen. */
export async function reinviteAccount(
  db: Db,
  row: { authorityId: string; id: string; language: FamilyLanguage; kind: FamilyAccountKind; personId: string | null; invitedByUserId: string; at: Date },
): Promise<void> {
  await db
    .updateTable('familyAccounts')
    .set(eb => ({
      status: sql<'invited' | 'active'>`case when status = 'revoked' then 'invited' else status end`,
      language: row.language,
      kind: row.kind,
      personId: eb.fn.coalesce('personId', sql<string | null>`${row.personId}`),
      invitedByUserId: row.invitedByUserId,
      invitedAt: row.at,
      revokedAt: null,
      revokedByUserId: null,
      version: sql<number>`version + 1`,
    }))
    .where('authorityId', '=', row.authorityId)
    .where('id', '=', row.id)
    .execute()
}

export async function findLink(db: Db, authorityId: string, accountId: string, episodeId: string) {
  return db
    .selectFrom('familyAccountEpisodes')
    .select(['accountId', 'episodeId', 'familyTeamMemberId', 'revokedAt'])
    .where('authorityId', '=', authorityId)
    .where('accountId', '=', accountId)
    .where('episodeId', '=', episodeId)
    .forUpdate()
    .executeTakeFirst()
}

export async function grantLink(
  db: Db,
  row: { authorityId: string; accountId: string; episodeId: string; familyTeamMemberId: string | null; byUserId: string; at: Date; existing: boolean },
): Promise<void> {
  if (row.existing) {
    await db
      .updateTable('familyAccountEpisodes')
      .set({ familyTeamMemberId: row.familyTeamMemberId, grantedByUserId: row.byUserId, grantedAt: row.at, revokedAt: null, revokedByUserId: null })
      .where('authorityId', '=', row.authorityId)
      .where('accountId', '=', row.accountId)
      .where('episodeId', '=', row.episodeId)
      .execute()
    return
  }
  await db
    .insertInto('familyAccountEpisodes')
    .values({
      authorityId: row.authorityId,
      accountId: row.accountId,
      episodeId: row.episodeId,
      familyTeamMemberId: row.familyTeamMemberId,
      grantedByUserId: row.byUserId,
      grantedAt: row.at,
      revokedAt: null,
      revokedByUserId: null,
    })
    .execute()
}

export async function revokeLink(db: Db, row: { authorityId: string; accountId: string; episodeId: string; byUserId: string; at: Date }): Promise<boolean> {
  const result = await db
    .updateTable('familyAccountEpisodes')
    .set({ revokedAt: row.at, revokedByUserId: row.byUserId })
    .where('authorityId', '=', row.authorityId)
    .where('accountId', '=', row.accountId)
    .where('episodeId', '=', row.episodeId)
    .where('revokedAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function countLiveLinks(db: Db, authorityId: string, accountId: string): Promise<number> {
  const row = await db
    .selectFrom('familyAccountEpisodes')
    .select(eb => eb.fn.countAll<number>().as('count'))
    .where('authorityId', '=', authorityId)
    .where('accountId', '=', accountId)
    .where('revokedAt', 'is', null)
    .executeTakeFirst()
  return Number(row?.count ?? 0)
}

export async function revokeAccount(db: Db, row: { authorityId: string; accountId: string; byUserId: string; at: Date }): Promise<void> {
  await db
    .updateTable('familyAccounts')
    .set({ status: 'revoked', revokedAt: row.at, revokedByUserId: row.byUserId, version: sql<number>`version + 1` })
    .where('authorityId', '=', row.authorityId)
    .where('id', '=', row.accountId)
    .execute()
  await db.updateTable('familySignInCodes').set({ expiresAt: row.at }).where('authorityId', '=', row.authorityId).where('accountId', '=', row.accountId).where('usedAt', 'is', null).execute()
}

export async function findInviter(db: Db, authorityId: string, userId: string, agencyId: string | null) {
  const user = await db.selectFrom('users').select(['name']).where('authorityId', '=', authorityId).where('id', '=', userId).executeTakeFirst()
  const agency = agencyId
    ? await db.selectFrom('agencies').select(['name']).where('authorityId', '=', authorityId).where('id', '=', agencyId).executeTakeFirst()
    : undefined
  const authority = await db.selectFrom('authorities').select(['name']).where('id', '=', authorityId).executeTakeFirst()
  return { name: user?.name ?? '', agencyName: agency?.name ?? null, authorityName: authority?.name ?? '' }
}
