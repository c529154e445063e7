import type { Db } from '../db/database.ts'
import type { RequestContext } from '../policy/actor.ts'
import { uuidv7 } from '../lib/ids.ts'

export type AuditEvent = {
  authorityId: string
  action: string
  outcome: 'allowed' | 'denied'
  recordType?: string | null
  recordId?: string | null
  purpose?: string | null
  details?: Record<string, unknown>
  /** The episode the event is about, where there is one: the family's "who has looked at our record" reads it. */
  episodeId?: string | null
}

/**
 * The single audit seam: called with the same transaction as the change it records, so an event exists if and only
 * if the change committed. Audit rows never hold the content of a record, only what was touched and by whom (and, for
 * a practitioner, the roles they held). The database seals each event into its authority's hash chain when the
 * transaction commits (seq and hash; src/audit/audit-chain.ts verifies it).
 */
export async function recordAuditEvent(db: Db, context: RequestContext, event: AuditEvent, at: Date): Promise<void> {
  const actor = context.actor
  await db
    .insertInto('auditEvents')
    .values({
      authorityId: event.authorityId,
      id: uuidv7(at.getTime()),
      at,
      actorKind: actor.kind,
      actorUserId: actor.kind === 'practitioner' ? actor.userId : null,
      actorFamilyAccountId: actor.kind === 'family' ? actor.accountId : null,
      episodeId: event.episodeId ?? null,
      actorAgencyId: actor.kind === 'practitioner' ? actor.actingAgencyId : null,
      actorRoles: actor.kind === 'practitioner' && actor.roles.size > 0 ? [...actor.roles].sort() : null,
      action: event.action,
      outcome: event.outcome,
      recordType: event.recordType ?? null,
      recordId: event.recordId ?? null,
      purpose: event.purpose ?? null,
      ip: context.ip,
      requestId: context.requestId,
      details: JSON.stringify(event.details ?? {}),
    })
    .execute()
}

/**
 * The benchmark's stand-in for recordAuditEvent (config.benchmarkAuditOff, set only by `npm run bench` to measure
 * what auditing costs). Never used otherwise: without audit events the service would break its own rules.
 */
export async function skipAuditEvent(_db: Db, _context: RequestContext, _event: AuditEvent, _at: Date): Promise<void> {}
