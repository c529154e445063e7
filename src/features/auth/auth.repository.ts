import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { Role } from '../../db/schema.ts'

export type SessionPrincipal = {
  idHash: string
  authorityId: string
  userId: string
  createdAt: Date
  lastSeenAt: Date
  secondFactorAt: Date | null
  actingAgencyId: string | null
  user: {
    name: string
    email: string
    status: 'invited' | 'active' | 'deactivated'
    totpEnabled: boolean
    maySkipSecondFactor: boolean
    roles: Role[]
    agencyIds: string[]
  }
  authority: { name: string; isDemo: boolean; secondFactorRequired: boolean }
  actingAgencyName: string | null
}

/** One round trip on every signed-in request: session, user, roles, agencies and authority together. */
export async function findSessionPrincipal(db: Db, idHash: string): Promise<SessionPrincipal | undefined> {
  const row = await db
    .selectFrom('sessions as s')
    .innerJoin('users as u', join => join.onRef('u.authorityId', '=', 's.authorityId').onRef('u.id', '=', 's.userId'))
    .innerJoin('authorities as a', 'a.id', 's.authorityId')
    .leftJoin('agencies as ag', join =>
      join.onRef('ag.authorityId', '=', 's.authorityId').onRef('ag.id', '=', 's.actingAgencyId'),
    )
    .select([
      's.idHash',
      's.authorityId',
      's.userId',
      's.createdAt',
      's.lastSeenAt',
      's.secondFactorAt',
      's.actingAgencyId',
      'u.name',
      'u.email',
      'u.status',
      'u.totpEnabledAt',
      'u.maySkipSecondFactor',
      'a.name as authorityName',
      'a.isDemo',
      'a.secondFactorRequired',
      'ag.name as actingAgencyName',
      sql<Role[]>`coalesce((select json_agg(r.role order by r.role) from user_roles r where r.authority_id = s.authority_id and r.user_id = s.user_id), '[]'::json)`.as(
        'roles',
      ),
      sql<string[]>`coalesce((select json_agg(ua.agency_id order by ua.created_at) from user_agencies ua where ua.authority_id = s.authority_id and ua.user_id = s.user_id), '[]'::json)`.as(
        'agencyIds',
      ),
    ])
    .where('s.idHash', '=', idHash)
    .executeTakeFirst()
  if (!row) return undefined
  return {
    idHash: row.idHash,
    authorityId: row.authorityId,
    userId: row.userId,
    createdAt: row.createdAt,
    lastSeenAt: row.lastSeenAt,
    secondFactorAt: row.secondFactorAt,
    actingAgencyId: row.actingAgencyId,
    user: {
      name: row.name,
      email: row.email,
      status: row.status,
      totpEnabled: row.totpEnabledAt !== null,
      maySkipSecondFactor: row.maySkipSecondFactor,
      roles: row.roles,
      agencyIds: row.agencyIds,
    },
    authority: { name: row.authorityName, isDemo: row.isDemo, secondFactorRequired: row.secondFactorRequired },
    actingAgencyName: row.actingAgencyName,
  }
}

export async function insertSession(
  db: Db,
  session: { idHash: string; authorityId: string; userId: string; actingAgencyId: string | null; at: Date; ip: string | null; secondFactorAt: Date | null },
): Promise<void> {
  await db
    .insertInto('sessions')
    .values({
      idHash: session.idHash,
      authorityId: session.authorityId,
      userId: session.userId,
      actingAgencyId: session.actingAgencyId,
      secondFactorAt: session.secondFactorAt,
      createdAt: session.at,
      lastSeenAt: session.at,
      ip: session.ip,
    })
    .execute()
}

export async function deleteSession(db: Db, idHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('idHash', '=', idHash).execute()
}

export async function deleteSessionsOfUser(db: Db, authorityId: string, userId: string, exceptIdHash?: string): Promise<number> {
  let query = db.deleteFrom('sessions').where('authorityId', '=', authorityId).where('userId', '=', userId)
  if (exceptIdHash) query = query.where('idHash', '!=', exceptIdHash)
  const result = await query.executeTakeFirst()
  return Number(result.numDeletedRows)
}

export async function listSessionsOfUser(db: Db, authorityId: string, userId: string) {
  return db
    .selectFrom('sessions')
    .select(['idHash', 'createdAt', 'lastSeenAt', 'ip', 'secondFactorAt'])
    .where('authorityId', '=', authorityId)
    .where('userId', '=', userId)
    .orderBy('lastSeenAt', 'desc')
    .execute()
}

export async function touchSession(db: Db, idHash: string, at: Date): Promise<void> {
  await db.updateTable('sessions').set({ lastSeenAt: at }).where('idHash', '=', idHash).execute()
}

export async function markSecondFactorDone(db: Db, oldIdHash: string, newIdHash: string, at: Date): Promise<void> {
  await db.updateTable('sessions').set({ idHash: newIdHash, secondFactorAt: at, lastSeenAt: at }).where('idHash', '=', oldIdHash).execute()
}

export async function setActingAgency(db: Db, idHash: string, agencyId: string): Promise<void> {
  await db.updateTable('sessions').set({ actingAgencyId: agencyId }).where('idHash', '=', idHash).execute()
}

export async function deleteExpiredSessions(db: Db, idleBefore: Date, createdBefore: Date): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where(eb => eb.or([eb('lastSeenAt', '<', idleBefore), eb('createdAt', '<', createdBefore)]))
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

export type SignInAccount = {
  authorityId: string
  id: string
  name: string
  email: string
  status: 'invited' | 'active' | 'deactivated'
  passwordHash: string | null
  totpSecret: string | null
  totpEnabledAt: Date | null
  totpLastStep: number | null
  recoveryCodeHashes: string[]
  failedSignIns: number
  lockedUntil: Date | null
  firstAgencyId: string | null
}

export async function findAccountByEmail(db: Db, email: string): Promise<SignInAccount | undefined> {
  return findAccount(db).where(sql`lower(u.email)`, '=', email.toLowerCase()).executeTakeFirst()
}

export async function findAccountById(db: Db, authorityId: string, userId: string): Promise<SignInAccount | undefined> {
  return findAccount(db).where('u.authorityId', '=', authorityId).where('u.id', '=', userId).executeTakeFirst()
}

function findAccount(db: Db) {
  return db
    .selectFrom('users as u')
    .select([
      'u.authorityId',
      'u.id',
      'u.name',
      'u.email',
      'u.status',
      'u.passwordHash',
      'u.totpSecret',
      'u.totpEnabledAt',
      'u.totpLastStep',
      'u.recoveryCodeHashes',
      'u.failedSignIns',
      'u.lockedUntil',
      sql<string | null>`(select ua.agency_id from user_agencies ua where ua.authority_id = u.authority_id and ua.user_id = u.id order by ua.created_at limit 1)`.as(
        'firstAgencyId',
      ),
    ])
}

export async function recordFailedSignIn(db: Db, authorityId: string, userId: string, lockAt: number, lockUntil: Date): Promise<void> {
  await db
    .updateTable('users')
    .set(eb => ({
      failedSignIns: eb('failedSignIns', '+', 1),
      lockedUntil: sql<Date | null>`case when failed_sign_ins + 1 >= ${lockAt} then ${lockUntil}::timestamptz else locked_until end`,
    }))
    .where('authorityId', '=', authorityId)
    .where('id', '=', userId)
    .execute()
}

export async function recordSuccessfulSignIn(db: Db, authorityId: string, userId: string, at: Date): Promise<void> {
  await db
    .updateTable('users')
    .set({ failedSignIns: 0, lockedUntil: null, lastSignInAt: at })
    .where('authorityId', '=', authorityId)
    .where('id', '=', userId)
    .execute()
}

export async function updateAccount(
  db: Db,
  authorityId: string,
  userId: string,
  changes: Partial<{
    passwordHash: string
    passwordChangedAt: Date
    status: 'active'
    totpSecret: string | null
    totpEnabledAt: Date | null
    totpLastStep: number | null
    recoveryCodeHashes: string[]
    failedSignIns: number
    lockedUntil: Date | null
  }>,
): Promise<void> {
  const { recoveryCodeHashes, ...rest } = changes
  await db
    .updateTable('users')
    .set({
      ...rest,
      ...(recoveryCodeHashes ? { recoveryCodeHashes: JSON.stringify(recoveryCodeHashes) } : {}),
      version: sql<number>`version + 1`,
    })
    .where('authorityId', '=', authorityId)
    .where('id', '=', userId)
    .execute()
}

/** Uses the TOTP step only if it is newer than the last one used: a code can never be replayed. */
export async function claimTotpStep(db: Db, authorityId: string, userId: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ totpLastStep: step })
    .where('authorityId', '=', authorityId)
    .where('id', '=', userId)
    .where(eb => eb.or([eb('totpLastStep', 'is', null), eb('totpLastStep', '<', step)]))
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function insertAccountToken(
  db: Db,
  token: { tokenHash: string; authorityId: string; userId: string; purpose: 'invitation' | 'password_reset'; at: Date; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('accountTokens')
    .values({
      tokenHash: token.tokenHash,
      authorityId: token.authorityId,
      userId: token.userId,
      purpose: token.purpose,
      createdAt: token.at,
      expiresAt: token.expiresAt,
    })
    .execute()
}

/** Marks a link used and returns whose it was; a used, expired or unknown link returns nothing. */
export async function consumeAccountToken(db: Db, tokenHash: string, purpose: 'invitation' | 'password_reset', at: Date) {
  return db
    .updateTable('accountTokens')
    .set({ usedAt: at })
    .where('tokenHash', '=', tokenHash)
    .where('purpose', '=', purpose)
    .where('usedAt', 'is', null)
    .where('expiresAt', '>', at)
    .returning(['authorityId', 'userId'])
    .executeTakeFirst()
}

export async function findLiveAccountToken(db: Db, tokenHash: string, purpose: 'invitation' | 'password_reset', at: Date) {
  return db
    .selectFrom('accountTokens as t')
    .innerJoin('users as u', join => join.onRef('u.authorityId', '=', 't.authorityId').onRef('u.id', '=', 't.userId'))
    .select(['t.authorityId', 't.userId', 'u.name', 'u.email', 'u.status'])
    .where('t.tokenHash', '=', tokenHash)
    .where('t.purpose', '=', purpose)
    .where('t.usedAt', 'is', null)
    .where('t.expiresAt', '>', at)
    .executeTakeFirst()
}

export async function invalidateAccountTokens(db: Db, authorityId: string, userId: string, purpose: 'invitation' | 'password_reset', at: Date) {
  await db
    .updateTable('accountTokens')
    .set({ usedAt: at })
    .where('authorityId', '=', authorityId)
    .where('userId', '=', userId)
    .where('purpose', '=', purpose)
    .where('usedAt', 'is', null)
    .execute()
}

export async function insertHeldForm(
  db: Db,
  form: { idHash: string; authorityId: string; userId: string; url: string; fields: Record<string, string | string[]>; at: Date; expiresAt: Date },
): Promise<void> {
  await db
    .insertInto('heldForms')
    .values({
      idHash: form.idHash,
      authorityId: form.authorityId,
      userId: form.userId,
      url: form.url,
      fields: JSON.stringify(form.fields),
      createdAt: form.at,
      expiresAt: form.expiresAt,
    })
    .execute()
}

export async function listHeldForms(db: Db, authorityId: string, userId: string, at: Date) {
  return db
    .selectFrom('heldForms')
    .select(['idHash', 'url', 'fields', 'createdAt'])
    .where('authorityId', '=', authorityId)
    .where('userId', '=', userId)
    .where('expiresAt', '>', at)
    .orderBy('createdAt', 'desc')
    .execute()
}

export async function deleteHeldForm(db: Db, authorityId: string, userId: string, idHash: string): Promise<number> {
  const result = await db
    .deleteFrom('heldForms')
    .where('authorityId', '=', authorityId)
    .where('userId', '=', userId)
    .where('idHash', '=', idHash)
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

export async function deleteExpiredHeldForms(db: Db, at: Date): Promise<number> {
  const result = await db.deleteFrom('heldForms').where('expiresAt', '<=', at).executeTakeFirst()
  return Number(result.numDeletedRows)
}

export async function findUserExists(db: Db, authorityId: string, userId: string): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').where('authorityId', '=', authorityId).where('id', '=', userId).executeTakeFirst()
  return row !== undefined
}
