import { sql } from 'kysely'
import type { Db } from '../db/database.ts'
import type { Role } from '../db/schema.ts'

// The API's own queries: every one filters by the caller's authority first.

export type LocalityRecord = { id: string; name: string; createdAt: Date }

export type AgencyRecord = {
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
}

export type UserRecord = {
  id: string
  name: string
  email: string
  status: 'invited' | 'active' | 'deactivated'
  roles: Role[]
  agencyIds: string[]
  secondFactorEnabled: boolean
  createdAt: Date
  lastSignInAt: Date | null
  deactivatedAt: Date | null
}

export type AuditEventRecord = {
  id: string
  at: Date
  actorKind: string
  actorUserId: string | null
  actorAgencyId: string | null
  action: string
  outcome: 'allowed' | 'denied'
  recordType: string | null
  recordId: string | null
  purpose: string | null
  ip: string | null
  requestId: string | null
  details: Record<string, unknown>
}

export type AuditEventCriteria = {
  fromInclusive?: Date | undefined
  toExclusive?: Date | undefined
  actorUserId?: string | undefined
  recordType?: string | undefined
  recordId?: string | undefined
}

export async function findAuthorityName(db: Db, authorityId: string): Promise<string | undefined> {
  const row = await db.selectFrom('authorities').select('name').where('id', '=', authorityId).executeTakeFirst()
  return row?.name
}

export async function listLocalities(db: Db, authorityId: string): Promise<LocalityRecord[]> {
  return db
    .selectFrom('localities')
    .select(['id', 'name', 'createdAt'])
    .where('authorityId', '=', authorityId)
    .orderBy('name')
    .orderBy('id')
    .execute()
}

export async function findLocalityByName(db: Db, authorityId: string, name: string): Promise<LocalityRecord | undefined> {
  return db
    .selectFrom('localities')
    .select(['id', 'name', 'createdAt'])
    .where('authorityId', '=', authorityId)
    .where(sql`lower(name)`, '=', name.toLowerCase())
    .executeTakeFirst()
}

export async function insertLocality(db: Db, locality: { authorityId: string; id: string; name: string; at: Date }): Promise<LocalityRecord> {
  return db
    .insertInto('localities')
    .values({ authorityId: locality.authorityId, id: locality.id, name: locality.name, createdAt: locality.at })
    .returning(['id', 'name', 'createdAt'])
    .executeTakeFirstOrThrow()
}

function selectAgencies(db: Db, authorityId: string) {
  return db
    .selectFrom('agencies as a')
    .leftJoin('localities as l', join => join.onRef('l.authorityId', '=', 'a.authorityId').onRef('l.id', '=', 'a.localityId'))
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
    ])
    .where('a.authorityId', '=', authorityId)
}

export async function listAgencies(db: Db, authorityId: string, filter: { kind?: string | undefined; localityId?: string | undefined }): Promise<AgencyRecord[]> {
  let query = selectAgencies(db, authorityId)
  if (filter.kind) query = query.where('a.kind', '=', filter.kind)
  if (filter.localityId) query = query.where('a.localityId', '=', filter.localityId)
  return query.orderBy('a.name').orderBy('a.id').execute()
}

export async function findAgency(db: Db, authorityId: string, agencyId: string): Promise<AgencyRecord | undefined> {
  return selectAgencies(db, authorityId).where('a.id', '=', agencyId).executeTakeFirst()
}

function selectUsers(db: Db, authorityId: string) {
  return db
    .selectFrom('users as u')
    .select([
      'u.id',
      'u.name',
      'u.email',
      'u.status',
      'u.createdAt',
      'u.lastSignInAt',
      'u.deactivatedAt',
      sql<boolean>`u.totp_enabled_at is not null`.as('secondFactorEnabled'),
      sql<Role[]>`coalesce((select json_agg(r.role order by r.role) from user_roles r where r.authority_id = u.authority_id and r.user_id = u.id), '[]'::json)`.as(
        'roles',
      ),
      sql<string[]>`coalesce((select json_agg(ua.agency_id order by ua.created_at) from user_agencies ua where ua.authority_id = u.authority_id and ua.user_id = u.id), '[]'::json)`.as(
        'agencyIds',
      ),
    ])
    .where('u.authorityId', '=', authorityId)
}

export async function countUsers(db: Db, authorityId: string): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select(eb => eb.fn.countAll<number>().as('count'))
    .where('authorityId', '=', authorityId)
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

export async function listUsers(db: Db, authorityId: string, page: { limit: number; offset: number }): Promise<UserRecord[]> {
  return selectUsers(db, authorityId).orderBy('u.name').orderBy('u.id').limit(page.limit).offset(page.offset).execute()
}

export async function findUser(db: Db, authorityId: string, userId: string): Promise<UserRecord | undefined> {
  return selectUsers(db, authorityId).where('u.id', '=', userId).executeTakeFirst()
}

function filterAuditEvents(db: Db, authorityId: string, criteria: AuditEventCriteria) {
  let query = db.selectFrom('auditEvents').where('authorityId', '=', authorityId)
  if (criteria.fromInclusive) query = query.where('at', '>=', criteria.fromInclusive)
  if (criteria.toExclusive) query = query.where('at', '<', criteria.toExclusive)
  if (criteria.actorUserId) query = query.where('actorUserId', '=', criteria.actorUserId)
  if (criteria.recordType) query = query.where('recordType', '=', criteria.recordType)
  if (criteria.recordId) query = query.where('recordId', '=', criteria.recordId)
  return query
}

export async function countAuditEvents(db: Db, authorityId: string, criteria: AuditEventCriteria): Promise<number> {
  const row = await filterAuditEvents(db, authorityId, criteria)
    .select(eb => eb.fn.countAll<number>().as('count'))
    .executeTakeFirstOrThrow()
  return Number(row.count)
}

/** Newest first; the id (time-ordered) breaks ties so that pages never overlap. */
export async function findAuditEvents(
  db: Db,
  authorityId: string,
  criteria: AuditEventCriteria,
  page: { limit: number; offset: number },
): Promise<AuditEventRecord[]> {
  return filterAuditEvents(db, authorityId, criteria)
    .select(['id', 'at', 'actorKind', 'actorUserId', 'actorAgencyId', 'action', 'outcome', 'recordType', 'recordId', 'purpose', 'ip', 'requestId', 'details'])
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute()
}

/** PostgreSQL's unique violation on the named constraint or index (a race with another request). */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { code, constraint: name, message } = error as { code?: unknown; constraint?: unknown; message?: unknown }
  return code === '23505' && (name === constraint || (typeof message === 'string' && message.includes(constraint)))
}
