import { createHash } from 'node:crypto'
import type { Db } from '../db/database.ts'
import * as repository from './audit-chain.repository.ts'
import type { ChainRow } from './audit-chain.repository.ts'

// The tamper-evident audit chain: verifying it. Sealing happens in the database when a transaction commits
// (migration 2026-12-06-02, docs/decisions/0005-audit-hash-chain.md); this file recomputes every hash on its own,
// from the stored columns, so a row changed, removed or re-ordered behind the application's back is found.

/** The previous hash of an authority's first event. */
export const GENESIS_HASH = '0'.repeat(64)

/** Every column of audit_events, in the order the chain encodes them. A column not listed here is unprotected. */
export const CHAINED_COLUMNS = [
  'authority_id',
  'id',
  'seq',
  'at',
  'actor_kind',
  'actor_user_id',
  'actor_agency_id',
  'actor_family_account_id',
  'actor_roles',
  'action',
  'outcome',
  'record_type',
  'record_id',
  'episode_id',
  'purpose',
  'ip',
  'request_id',
  'details',
] as const

/** `<length in characters>:<text>`, or `-` for null: unambiguous whatever the text holds (even `|` or `-`). */
function field(value: string | null): string {
  return value === null ? '-' : `${[...value].length}:${value}`
}

/** The canonical encoding of one event (the same as audit_chain_encoding() in the migration). */
export function canonicalEncoding(row: ChainRow): string {
  return [
    row.authorityId,
    row.id,
    row.seq,
    row.at,
    row.actorKind,
    row.actorUserId,
    row.actorAgencyId,
    row.actorFamilyAccountId,
    row.actorRoles,
    row.action,
    row.outcome,
    row.recordType,
    row.recordId,
    row.episodeId,
    row.purpose,
    row.ip,
    row.requestId,
    row.details,
  ]
    .map(field)
    .join('|')
}

export function chainHash(previousHash: string, row: ChainRow): string {
  return createHash('sha256').update(`${previousHash}|${canonicalEncoding(row)}`, 'utf8').digest('hex')
}

export type ChainProblemKind = 'changed' | 'missing' | 'out-of-order' | 'unsealed' | 'unprotected-column'

/** The first broken link of one authority's chain. */
export type ChainProblem = {
  authorityId: string | null
  kind: ChainProblemKind
  /** The place in the chain where it breaks (the seq expected there). */
  seq: number | null
  /** The event found at (or right after) the break. */
  eventId: string | null
  message: string
}

export type AuthorityChain = { authorityId: string; eventsVerified: number; headSeq: number; headHash: string }

export type ChainReport = {
  ok: boolean
  /** Events whose hash was recomputed and matched, over every authority checked. */
  eventsVerified: number
  authorities: AuthorityChain[]
  /** At most one per authority: its first broken link. */
  problems: ChainProblem[]
}

const BATCH = 2000

/**
 * Recomputes every chain (or one authority's) and reports, per authority, the first broken link: an event whose
 * columns or hash were changed, events missing (deleted) before an event, two events claiming one place, or an event
 * never sealed. Deleting the newest events leaves no gap: compare the head (seq and hash) with one kept elsewhere.
 */
export async function verifyAuditChain(db: Db, options: { authorityId?: string } = {}): Promise<ChainReport> {
  const problems: ChainProblem[] = []
  const columns = await repository.auditEventColumns(db)
  const unprotected = columns.filter(column => !(CHAINED_COLUMNS as readonly string[]).includes(column) && column !== 'hash')
  if (unprotected.length > 0) {
    problems.push({
      authorityId: null,
      kind: 'unprotected-column',
      seq: null,
      eventId: null,
      message: `audit_events has column(s) the chain does not cover: ${unprotected.join(', ')}. Add them to the encoding (a new migration and CHAINED_COLUMNS).`,
    })
  }
  const authorities: AuthorityChain[] = []
  let eventsVerified = 0
  for (const authorityId of await repository.listChainedAuthorities(db, options.authorityId)) {
    const chain = await verifyAuthority(db, authorityId)
    authorities.push(chain.summary)
    eventsVerified += chain.summary.eventsVerified
    if (chain.problem) problems.push(chain.problem)
  }
  return { ok: problems.length === 0, eventsVerified, authorities, problems }
}

async function verifyAuthority(db: Db, authorityId: string): Promise<{ summary: AuthorityChain; problem: ChainProblem | null }> {
  let expected = 1
  let previousHash = GENESIS_HASH
  let verified = 0
  const summary = () => ({ authorityId, eventsVerified: verified, headSeq: expected - 1, headHash: previousHash })
  const broken = (kind: ChainProblemKind, seq: number, eventId: string, message: string) => ({
    summary: summary(),
    problem: { authorityId, kind, seq, eventId, message },
  })
  for (;;) {
    const rows = await repository.chainBatch(db, authorityId, expected - 1, BATCH)
    for (const row of rows) {
      const seq = Number(row.seq)
      if (seq < expected) {
        return broken('out-of-order', seq, row.id, `Event ${row.id} claims place ${seq} in the chain, which another event already holds.`)
      }
      if (seq > expected) {
        const gap = seq - expected === 1 ? `Event ${expected} is` : `Events ${expected} to ${seq - 1} are`
        return broken('missing', expected, row.id, `${gap} missing: deleted from before event ${seq} (${row.id}).`)
      }
      const recomputed = chainHash(previousHash, row)
      if (recomputed !== row.hash) {
        return broken(
          'changed',
          seq,
          row.id,
          `Event ${seq} (${row.id}) was changed after it was recorded: its hash does not match its columns and the event before it.`,
        )
      }
      previousHash = recomputed
      expected += 1
      verified += 1
    }
    if (rows.length < BATCH) break
  }
  const [unsealed] = await repository.unsealedEvents(db, authorityId, 1)
  if (unsealed) {
    return broken('unsealed', expected, unsealed.id, `Event ${unsealed.id} was added without being sealed into the chain.`)
  }
  return { summary: summary(), problem: null }
}

/** The command line's words for a report (src/cli/onestory.ts). */
export function describeChainReport(report: ChainReport): string {
  const lines: string[] = []
  if (report.ok) {
    lines.push(`Audit chain verified: ${report.eventsVerified} event(s) in ${report.authorities.length} authority chain(s), no broken links.`)
  } else {
    lines.push(`Audit chain BROKEN (${report.problems.length} problem(s)); ${report.eventsVerified} event(s) verified before the breaks.`)
    for (const problem of report.problems) {
      const where = problem.authorityId ? `authority ${problem.authorityId}, seq ${problem.seq ?? '?'}, event ${problem.eventId ?? '?'}` : 'schema'
      lines.push(`  ${problem.kind}: ${where}: ${problem.message}`)
    }
  }
  for (const chain of report.authorities) {
    lines.push(`  authority ${chain.authorityId}: ${chain.eventsVerified} verified; head seq ${chain.headSeq}, hash ${chain.headHash}`)
  }
  return `${lines.join('\n')}\n`
}
