import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { Role } from '../../db/schema.ts'

// All Kysely code of administration. Every query names the authority it works in; the one exception is the email
// check, because an email address identifies an account across the whole deployment.

/** A unique index refused the row: the caller turns this into a message about the name or email. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { code, constraint: violated } = error as { code?: unknown; constraint?: unknown }
  return code === '23505' && violated === constraint
}

// ---- authority -------------------------------------------------------------------------------------------------

export type AuthoritySettings = {
  id: string
  name: string
  nation: 'england' | 'wales'
  secondFactorRequired: boolean
  singleSignOnIssuer: string | null
  /** Assessments need a manager's approval after the assessor signs off (src/features/assessments). */
  assessmentApprovalRequired: boolean
  version: number
}

export async function findAuthority(db: Db, authorityId: string): Promise<AuthoritySettings | undefined> {
  return db
    .selectFrom('authorities')
    .select(['id', 'name', 'nation', 'secondFactorRequired', 'singleSignOnIssuer', 'assessmentApprovalRequired', 'version'])
    .where('id', '=', authorityId)
    .executeTakeFirst()
}

/** Changes the settings only if nobody else has since the given version; true when it did. */
export async function updateAuthority(
  db: Db,
  authorityId: string,
  version: number,
  changes: { name: string; singleSignOnIssuer: string | null; secondFactorRequired: boolean; assessmentApprovalRequired: boolean },
): Promise<boolean> {
  const result = await db
    .updateTable('authorities')
    .set({ ...changes, version: sql<number>`version + 1` })
    .where('id', '=', authorityId)
    .where('version', '=', version)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export type OverviewCounts = {
  localities: number
  agencies: number
  activeAgencies: number
  activeUsers: number
  invitedUsers: number
  deactivatedUsers: number
}

export async function countOverview(db: Db, authorityId: string): Promise<OverviewCounts> {
  const row = await db
    .selectNoFrom(eb => [
      eb
        .selectFrom('localities')
        .select(eb.fn.countAll<number>().as('n'))
        .where('authorityId', '=', authorityId)
        .as('localities'),
      eb
        .selectFrom('agencies')
        .select(eb.fn.countAll<number>().as('n'))
        .where('authorityId', '=', authorityId)
        .as('agencies'),
      eb
        .selectFrom('agencies')
        .select(eb.fn.countAll<number>().as('n'))
        .where('authorityId', '=', authorityId)
        .where('active', '=', true)
        .as('activeAgencies'),
      ...(['active', 'invited', 'deactivated'] as const).map(status =>
        eb
          .selectFrom('users')
          .select(eb.fn.countAll<number>().as('n'))
          .where('authorityId', '=', authorityId)
          .where('status', '=', status)
          .as(`${status}Users`),
      ),
    ])
    .executeTakeFirstOrThrow()
  const counts = row as Record<string, unknown>
  const number = (key: string) => Number(counts[key] ?? 0)
  return {
    localities: number('localities'),
    agencies: number('agencies'),
    activeAgencies: number('activeAgencies'),
    activeUsers: number('activeUsers'),
    invitedUsers: number('invitedUsers'),
    deactivatedUsers: number('deactivatedUsers'),
  }
}

// ---- localities ------------------------------------------------------------------------------------------------

export type Locality = { id: string; name: string; version: number }

export async function listLocalities(db: Db, authorityId: string): Promise<(Locality & { agencyCount: number })[]> {
  const rows = await db
    .selectFrom('localities as l')
    .select(eb => [
      'l.id',
      'l.name',
      'l.version',
      eb
        .selectFrom('agencies as a')
        .select(eb.fn.countAll<number>().as('n'))
        .whereRef('a.authorityId', '=', 'l.authorityId')
        .whereRef('a.localityId', '=', 'l.id')
        .as('agencyCount'),
    ])
    .where('l.authorityId', '=', authorityId)
    .orderBy('l.name')
    .orderBy('l.id')
    .execute()
  return rows.map(row => ({
    id: row.id,
    name: row.name,
    version: row.version,
    agencyCount: Number(row.agencyCount ?? 0),
  }))
}

export async function findLocality(db: Db, authorityId: string, localityId: string): Promise<Locality | undefined> {
  return db
    .selectFrom('localities')
    .select(['id', 'name', 'version'])
    .where('authorityId', '=', authorityId)
    .where('id', '=', localityId)
    .executeTakeFirst()
}

export async function insertLocality(
  db: Db,
  locality: { authorityId: string; id: string; name: string; at: Date },
): Promise<void> {
  await db
    .insertInto('localities')
    .values({ authorityId: locality.authorityId, id: locality.id, name: locality.name, createdAt: locality.at })
    .execute()
}

export async function renameLocality(
  db: Db,
  authorityId: string,
  localityId: string,
  version: number,
  name: string,
): Promise<boolean> {
  const result = await db
    .updateTable('localities')
    .set({ name, version: sql<number>`version + 1` })
    .where('authorityId', '=', authorityId)
    .where('id', '=', localityId)
    .where('version', '=', version)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

// ---- agencies --------------------------------------------------------------------------------------------------

export type Agency = {
  id: string
  name: string
  kind: string
  localityId: string | null
  localityName: string | null
  description: string
  email: string | null
  phone: string | null
  address: string | null
  active: boolean
  version: number
}

export type AgencyChanges = {
  name: string
  kind: string
  localityId: string | null
  description: string
  email: string | null
  phone: string | null
  address: string | null
  active: boolean
}

function selectAgencies(db: Db, authorityId: string) {
  return db
    .selectFrom('agencies as a')
    .leftJoin('localities as l', join =>
      join.onRef('l.authorityId', '=', 'a.authorityId').onRef('l.id', '=', 'a.localityId'),
    )
    .select([
      'a.id',
      'a.name',
      'a.kind',
      'a.localityId',
      'l.name as localityName',
      'a.description',
      'a.email',
      'a.phone',
      'a.address',
      'a.active',
      'a.version',
    ])
    .where('a.authorityId', '=', authorityId)
}

export async function listAgencies(
  db: Db,
  authorityId: string,
  filter: { kind?: string | undefined; localityId?: string | undefined },
): Promise<Agency[]> {
  let query = selectAgencies(db, authorityId)
  if (filter.kind) query = query.where('a.kind', '=', filter.kind)
  if (filter.localityId) query = query.where('a.localityId', '=', filter.localityId)
  return query.orderBy('a.name').orderBy('a.id').execute()
}

export async function findAgency(db: Db, authorityId: string, agencyId: string): Promise<Agency | undefined> {
  return selectAgencies(db, authorityId).where('a.id', '=', agencyId).executeTakeFirst()
}

export async function insertAgency(
  db: Db,
  agency: AgencyChanges & { authorityId: string; id: string; at: Date },
): Promise<void> {
  await db
    .insertInto('agencies')
    .values({
      authorityId: agency.authorityId,
      id: agency.id,
      name: agency.name,
      kind: agency.kind,
      localityId: agency.localityId,
      description: agency.description,
      email: agency.email,
      phone: agency.phone,
      address: agency.address,
      active: agency.active,
      createdAt: agency.at,
    })
    .execute()
}

export async function updateAgency(
  db: Db,
  authorityId: string,
  agencyId: string,
  version: number,
  changes: AgencyChanges,
): Promise<boolean> {
  const result = await db
    .updateTable('agencies')
    .set({ ...changes, version: sql<number>`version + 1` })
    .where('authorityId', '=', authorityId)
    .where('id', '=', agencyId)
    .where('version', '=', version)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function agencyNames(
  db: Db,
  authorityId: string,
): Promise<{ id: string; name: string; active: boolean }[]> {
  return db
    .selectFrom('agencies')
    .select(['id', 'name', 'active'])
    .where('authorityId', '=', authorityId)
    .orderBy('name')
    .orderBy('id')
    .execute()
}

// ---- practitioner accounts -------------------------------------------------------------------------------------

export type UserStatus = 'invited' | 'active' | 'deactivated'

export type UserListItem = {
  id: string
  name: string
  email: string
  status: UserStatus
  lastSignInAt: Date | null
  roles: Role[]
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, match => `\\${match}`)
}

function searchCondition(search: string | undefined) {
  if (!search) return undefined
  const pattern = `%${escapeLike(search.toLowerCase())}%`
  return sql<boolean>`(lower(u.name) like ${pattern} escape '\\' or lower(u.email) like ${pattern} escape '\\')`
}

export async function listUsers(
  db: Db,
  authorityId: string,
  options: { search?: string | undefined; limit: number; offset: number },
): Promise<{ users: UserListItem[]; total: number }> {
  const condition = searchCondition(options.search)
  let countQuery = db
    .selectFrom('users as u')
    .select(eb => eb.fn.countAll<number>().as('n'))
    .where('u.authorityId', '=', authorityId)
  if (condition) countQuery = countQuery.where(condition)
  const total = Number((await countQuery.executeTakeFirst())?.n ?? 0)
  let query = db
    .selectFrom('users as u')
    .select([
      'u.id',
      'u.name',
      'u.email',
      'u.status',
      'u.lastSignInAt',
      sql<
        Role[]
      >`coalesce((select json_agg(r.role order by r.role) from user_roles r where r.authority_id = u.authority_id and r.user_id = u.id), '[]'::json)`.as(
        'roles',
      ),
    ])
    .where('u.authorityId', '=', authorityId)
  if (condition) query = query.where(condition)
  const users = await query
    .orderBy(sql`lower(u.name)`)
    .orderBy('u.id')
    .limit(options.limit)
    .offset(options.offset)
    .execute()
  return { users, total }
}

export type UserDetail = {
  id: string
  name: string
  email: string
  status: UserStatus
  version: number
  createdAt: Date
  lastSignInAt: Date | null
  deactivatedAt: Date | null
  secondFactorSetUp: boolean
  roles: Role[]
  agencyIds: string[]
  /** The localities they coordinate, when they are a coordinator (none: the whole authority). */
  coordinatorLocalityIds: string[]
  sessionCount: number
  liveApiTokens: number
}

export async function findUser(db: Db, authorityId: string, userId: string): Promise<UserDetail | undefined> {
  const row = await db
    .selectFrom('users as u')
    .select([
      'u.id',
      'u.name',
      'u.email',
      'u.status',
      'u.version',
      'u.createdAt',
      'u.lastSignInAt',
      'u.deactivatedAt',
      'u.totpEnabledAt',
      sql<
        Role[]
      >`coalesce((select json_agg(r.role order by r.role) from user_roles r where r.authority_id = u.authority_id and r.user_id = u.id), '[]'::json)`.as(
        'roles',
      ),
      sql<
        string[]
      >`coalesce((select json_agg(ua.agency_id order by ua.created_at, ua.agency_id) from user_agencies ua where ua.authority_id = u.authority_id and ua.user_id = u.id), '[]'::json)`.as(
        'agencyIds',
      ),
      sql<
        string[]
      >`coalesce((select json_agg(cl.locality_id order by cl.locality_id) from coordinator_localities cl where cl.authority_id = u.authority_id and cl.user_id = u.id), '[]'::json)`.as(
        'coordinatorLocalityIds',
      ),
      sql<number>`(select count(*) from sessions s where s.authority_id = u.authority_id and s.user_id = u.id)`.as(
        'sessionCount',
      ),
      sql<number>`(select count(*) from api_tokens t where t.authority_id = u.authority_id and t.user_id = u.id and t.revoked_at is null)`.as(
        'liveApiTokens',
      ),
    ])
    .where('u.authorityId', '=', authorityId)
    .where('u.id', '=', userId)
    .executeTakeFirst()
  if (!row) return undefined
  const { totpEnabledAt, ...rest } = row
  return {
    ...rest,
    secondFactorSetUp: totpEnabledAt !== null,
    sessionCount: Number(row.sessionCount),
    liveApiTokens: Number(row.liveApiTokens),
  }
}

/** Whether any account of the deployment already uses this email address (it is how people sign in). */
export async function emailInUse(db: Db, email: string): Promise<boolean> {
  const row = await db
    .selectFrom('users')
    .select('id')
    .where(sql`lower(email)`, '=', email.toLowerCase())
    .executeTakeFirst()
  return row !== undefined
}

export async function insertInvitedUser(
  db: Db,
  user: { authorityId: string; id: string; name: string; email: string; at: Date },
): Promise<void> {
  await db
    .insertInto('users')
    .values({
      authorityId: user.authorityId,
      id: user.id,
      name: user.name,
      email: user.email,
      status: 'invited',
      createdAt: user.at,
    })
    .execute()
}

/** Claims the version the administrator read; false when someone else changed the account since. */
export async function claimUserVersion(db: Db, authorityId: string, userId: string, version: number): Promise<boolean> {
  const result = await db
    .updateTable('users')
    .set({ version: sql<number>`version + 1` })
    .where('authorityId', '=', authorityId)
    .where('id', '=', userId)
    .where('version', '=', version)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function replaceRoles(db: Db, authorityId: string, userId: string, roles: readonly Role[]): Promise<void> {
  await db.deleteFrom('userRoles').where('authorityId', '=', authorityId).where('userId', '=', userId).execute()
  if (roles.length > 0)
    await db
      .insertInto('userRoles')
      .values(roles.map(role => ({ authorityId, userId, role })))
      .execute()
}

/** Replaces the localities a coordinator coordinates (an empty list: the whole authority). */
export async function replaceCoordinatorLocalities(db: Db, authorityId: string, userId: string, localityIds: readonly string[]): Promise<void> {
  await db.deleteFrom('coordinatorLocalities').where('authorityId', '=', authorityId).where('userId', '=', userId).execute()
  if (localityIds.length > 0)
    await db
      .insertInto('coordinatorLocalities')
      .values(localityIds.map(localityId => ({ authorityId, userId, localityId })))
      .execute()
}

/** Keeps the agencies that stay (and so their order: the first is the default acting agency), adds the new ones. */
export async function replaceAgencies(
  db: Db,
  authorityId: string,
  userId: string,
  agencyIds: readonly string[],
  at: Date,
): Promise<void> {
  let removal = db.deleteFrom('userAgencies').where('authorityId', '=', authorityId).where('userId', '=', userId)
  if (agencyIds.length > 0) removal = removal.where('agencyId', 'not in', [...agencyIds])
  await removal.execute()
  if (agencyIds.length === 0) return
  // Distinct creation times keep the chosen order for new memberships.
  await db
    .insertInto('userAgencies')
    .values(
      agencyIds.map((agencyId, index) => ({
        authorityId,
        userId,
        agencyId,
        createdAt: new Date(at.getTime() + index),
      })),
    )
    .onConflict(conflict => conflict.columns(['authorityId', 'userId', 'agencyId']).doNothing())
    .execute()
}

/** Sessions acting for an agency the user no longer belongs to move to their first remaining agency. */
export async function moveActingAgencies(
  db: Db,
  authorityId: string,
  userId: string,
  agencyIds: readonly string[],
): Promise<void> {
  const first = agencyIds[0] ?? null
  let query = db
    .updateTable('sessions')
    .set({ actingAgencyId: first })
    .where('authorityId', '=', authorityId)
    .where('userId', '=', userId)
  if (agencyIds.length > 0) {
    query = query.where(eb => eb.or([eb('actingAgencyId', 'is', null), eb('actingAgencyId', 'not in', [...agencyIds])]))
  }
  await query.execute()
}

export async function findAgencyStates(
  db: Db,
  authorityId: string,
  agencyIds: readonly string[],
): Promise<{ id: string; active: boolean }[]> {
  if (agencyIds.length === 0) return []
  return db
    .selectFrom('agencies')
    .select(['id', 'active'])
    .where('authorityId', '=', authorityId)
    .where('id', 'in', [...agencyIds])
    .execute()
}

export async function markDeactivated(db: Db, authorityId: string, userId: string, at: Date): Promise<void> {
  await db
    .updateTable('users')
    .set({ status: 'deactivated', deactivatedAt: at, version: sql<number>`version + 1` })
    .where('authorityId', '=', authorityId)
    .where('id', '=', userId)
    .execute()
}

export async function deleteSessionsOfUser(db: Db, authorityId: string, userId: string): Promise<number> {
  const result = await db
    .deleteFrom('sessions')
    .where('authorityId', '=', authorityId)
    .where('userId', '=', userId)
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

export async function revokeApiTokensOfUser(db: Db, authorityId: string, userId: string, at: Date): Promise<number> {
  const result = await db
    .updateTable('apiTokens')
    .set({ revokedAt: at })
    .where('authorityId', '=', authorityId)
    .where('userId', '=', userId)
    .where('revokedAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/** Invitation and password-reset links still waiting to be used stop working. */
export async function expireAccountLinksOfUser(db: Db, authorityId: string, userId: string, at: Date): Promise<void> {
  await db
    .updateTable('accountTokens')
    .set({ usedAt: at })
    .where('authorityId', '=', authorityId)
    .where('userId', '=', userId)
    .where('usedAt', 'is', null)
    .execute()
}

/** The user sets up an authenticator app again at their next sign-in; their recovery codes stop working. */
export async function clearSecondFactor(db: Db, authorityId: string, userId: string): Promise<void> {
  await db
    .updateTable('users')
    .set({
      totpSecret: null,
      totpEnabledAt: null,
      totpLastStep: null,
      recoveryCodeHashes: '[]',
      version: sql<number>`version + 1`,
    })
    .where('authorityId', '=', authorityId)
    .where('id', '=', userId)
    .execute()
}
