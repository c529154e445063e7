import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { Role } from '../../db/schema.ts'
import type { SessionPrincipal } from '../auth/auth.repository.ts'

export type ApiTokenSummary = {
  id: string
  name: string
  prefix: string
  createdAt: Date
  lastUsedAt: Date | null
  revokedAt: Date | null
}

/** A token's owner in the shape a session principal has, so that the same actor is built from either. */
export type TokenPrincipal = SessionPrincipal & { tokenId: string; lastUsedAt: Date | null; revokedAt: Date | null }

export async function insertApiToken(
  db: Db,
  token: { authorityId: string; id: string; userId: string; name: string; tokenHash: string; prefix: string; at: Date },
): Promise<void> {
  await db
    .insertInto('apiTokens')
    .values({
      authorityId: token.authorityId,
      id: token.id,
      userId: token.userId,
      name: token.name,
      tokenHash: token.tokenHash,
      prefix: token.prefix,
      createdAt: token.at,
    })
    .execute()
}

/** The user's own tokens, live ones first, newest first. Never the hash. */
export async function listApiTokensOfUser(db: Db, authorityId: string, userId: string): Promise<ApiTokenSummary[]> {
  return db
    .selectFrom('apiTokens')
    .select(['id', 'name', 'prefix', 'createdAt', 'lastUsedAt', 'revokedAt'])
    .where('authorityId', '=', authorityId)
    .where('userId', '=', userId)
    .orderBy(sql`revoked_at is not null`)
    .orderBy('createdAt', 'desc')
    .orderBy('id', 'desc')
    .execute()
}

export async function findApiTokenOfUser(db: Db, authorityId: string, userId: string, tokenId: string): Promise<ApiTokenSummary | undefined> {
  return db
    .selectFrom('apiTokens')
    .select(['id', 'name', 'prefix', 'createdAt', 'lastUsedAt', 'revokedAt'])
    .where('authorityId', '=', authorityId)
    .where('userId', '=', userId)
    .where('id', '=', tokenId)
    .executeTakeFirst()
}

/** Revokes a live token; a token already revoked keeps its first revocation time. */
export async function revokeApiToken(db: Db, authorityId: string, userId: string, tokenId: string, at: Date): Promise<number> {
  const result = await db
    .updateTable('apiTokens')
    .set({ revokedAt: at })
    .where('authorityId', '=', authorityId)
    .where('userId', '=', userId)
    .where('id', '=', tokenId)
    .where('revokedAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/** One round trip per API request: the token, its user with roles and agencies, and the authority together. */
export async function findTokenPrincipal(db: Db, tokenHash: string): Promise<TokenPrincipal | undefined> {
  const row = await db
    .selectFrom('apiTokens as t')
    .innerJoin('users as u', join => join.onRef('u.authorityId', '=', 't.authorityId').onRef('u.id', '=', 't.userId'))
    .innerJoin('authorities as a', 'a.id', 't.authorityId')
    .select([
      't.id as tokenId',
      't.tokenHash',
      't.authorityId',
      't.userId',
      't.createdAt',
      't.lastUsedAt',
      't.revokedAt',
      'u.name',
      'u.email',
      'u.status',
      'u.totpEnabledAt',
      'u.maySkipSecondFactor',
      'a.name as authorityName',
      'a.isDemo',
      'a.secondFactorRequired',
      sql<Role[]>`coalesce((select json_agg(r.role order by r.role) from user_roles r where r.authority_id = t.authority_id and r.user_id = t.user_id), '[]'::json)`.as(
        'roles',
      ),
      sql<string[]>`coalesce((select json_agg(ua.agency_id order by ua.created_at) from user_agencies ua where ua.authority_id = t.authority_id and ua.user_id = t.user_id), '[]'::json)`.as(
        'agencyIds',
      ),
      sql<string | null>`(select ag.name from user_agencies ua join agencies ag on ag.authority_id = ua.authority_id and ag.id = ua.agency_id where ua.authority_id = t.authority_id and ua.user_id = t.user_id order by ua.created_at limit 1)`.as(
        'firstAgencyName',
      ),
    ])
    .where('t.tokenHash', '=', tokenHash)
    .executeTakeFirst()
  if (!row) return undefined
  return {
    tokenId: row.tokenId,
    idHash: row.tokenHash,
    authorityId: row.authorityId,
    userId: row.userId,
    createdAt: row.createdAt,
    lastSeenAt: row.lastUsedAt ?? row.createdAt,
    lastUsedAt: row.lastUsedAt,
    revokedAt: row.revokedAt,
    secondFactorAt: null,
    // A token acts for the user's first agency, as a fresh session does.
    actingAgencyId: row.agencyIds[0] ?? null,
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
    actingAgencyName: row.firstAgencyName,
  }
}

/** Records use, at most once a minute per token (the caller decides when). */
export async function touchApiToken(db: Db, authorityId: string, tokenId: string, at: Date): Promise<void> {
  await db.updateTable('apiTokens').set({ lastUsedAt: at }).where('authorityId', '=', authorityId).where('id', '=', tokenId).execute()
}
