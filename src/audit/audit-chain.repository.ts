import { sql } from 'kysely'
import type { Db } from '../db/database.ts'

/**
 * One audit event as the chain sees it: every column as PostgreSQL's own text for it (null stays null), exactly what
 * the sealing function in migration 2026-12-06-02 encodes. Reading them as text keeps JavaScript's types (Date's
 * milliseconds, parsed JSON) from hiding a change.
 */
export type ChainRow = {
  authorityId: string
  id: string
  seq: string | null
  at: string
  actorKind: string
  actorUserId: string | null
  actorAgencyId: string | null
  actorFamilyAccountId: string | null
  actorRoles: string | null
  action: string
  outcome: string
  recordType: string | null
  recordId: string | null
  episodeId: string | null
  purpose: string | null
  ip: string | null
  requestId: string | null
  details: string
  hash: string | null
}

const SELECT_CHAIN_ROW = sql`
  authority_id::text as authority_id, id::text as id, seq::text as seq,
  to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at,
  actor_kind, actor_user_id::text as actor_user_id, actor_agency_id::text as actor_agency_id,
  actor_family_account_id::text as actor_family_account_id, actor_roles::text as actor_roles,
  action, outcome, record_type, record_id, episode_id::text as episode_id, purpose, ip, request_id,
  details::text as details, hash`

/** The authorities with audit events, or the one asked for. */
export async function listChainedAuthorities(db: Db, authorityId?: string): Promise<string[]> {
  const result = authorityId
    ? await sql<{ authorityId: string }>`select distinct authority_id::text as authority_id from audit_events where authority_id = ${authorityId}::uuid`.execute(db)
    : await sql<{ authorityId: string }>`select distinct authority_id::text as authority_id from audit_events order by 1`.execute(db)
  return result.rows.map(row => row.authorityId)
}

/** The next events of one authority's chain after `afterSeq`, in chain order (seq, then id for a duplicated seq). */
export async function chainBatch(db: Db, authorityId: string, afterSeq: number, limit: number): Promise<ChainRow[]> {
  const result = await sql<ChainRow>`
    select ${SELECT_CHAIN_ROW} from audit_events
    where authority_id = ${authorityId}::uuid and seq > ${afterSeq}
    order by audit_events.seq, audit_events.id limit ${limit}`.execute(db)
  return result.rows
}

/** Events that committed without being sealed into the chain (inserted while its trigger was disabled). */
export async function unsealedEvents(db: Db, authorityId: string, limit: number): Promise<ChainRow[]> {
  const result = await sql<ChainRow>`
    select ${SELECT_CHAIN_ROW} from audit_events
    where authority_id = ${authorityId}::uuid and seq is null order by audit_events.at, audit_events.id limit ${limit}`.execute(db)
  return result.rows
}

/** The columns audit_events has now (a column the chain does not cover would be unprotected). */
export async function auditEventColumns(db: Db): Promise<string[]> {
  const result = await sql<{ columnName: string }>`
    select column_name from information_schema.columns
    where table_schema = current_schema() and table_name = 'audit_events' order by ordinal_position`.execute(db)
  return result.rows.map(row => row.columnName)
}
