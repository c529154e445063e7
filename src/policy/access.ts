import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../db/schema.ts'
import { recordAuditEvent as writeAuditEvent, skipAuditEvent } from '../audit/audit.ts'
import { setTransactionActor } from '../features/records-history/transaction-actor.repository.ts'
import type { Clock } from '../lib/clock.ts'
import { ForbiddenError } from '../lib/errors.ts'
import type { RequestContext } from './actor.ts'
import { ACTIONS, decide, underBreakGlass, type Action, type Resource } from './policy.ts'

export type AccessRequest = {
  action: Action
  /** The authority (and owner) the operation touches. For a record, load it first so its authority is the record's. */
  resource: Resource
  recordType?: string
  recordId?: string | null
  purpose?: string
  /** The episode the record belongs to, when the relationship does not already say (it usually does). */
  episodeId?: string
}

function episodeOf(request: AccessRequest): string | null {
  return request.episodeId ?? request.resource.relationship?.episodeId ?? null
}

/** The purpose the event records: an access that only an emergency (break-glass) grant allows is marked 'break-glass'. */
function purposeOf(request: AccessRequest, now: Date): string | null {
  if (underBreakGlass(request.action, request.resource.relationship, now)) return 'break-glass'
  return request.purpose ?? null
}

/**
 * Raised by assertWithin when the policy refuses: the caller's transaction must roll back before the refusal can be
 * audited (PGlite has one connection, held by that transaction). access.transaction() catches it and audits it.
 */
export class DeniedWithin extends ForbiddenError {
  constructor(
    readonly request: AccessRequest,
    readonly reason: string,
  ) {
    super('You do not have access to this.')
  }
}

/** Lets the work fill in what only it knows (the id it created, counts) before the audit event is written. */
export type AuditNote = { recordId?: string | null; details?: Record<string, unknown> }

export type Access = ReturnType<typeof createAccess>

/**
 * The one door to personal data. Decide → work → audit, all in one transaction; a denial is audited in its own
 * transaction and surfaces as ForbiddenError. Services call nothing else to read or write personal data.
 */
export function createAccess(db: Kysely<Database>, clock: Clock, options: { benchmarkAuditOff?: boolean } = {}) {
  // npm run bench only (config.benchmarkAuditOff): the same pages without their audit events, to measure what auditing costs.
  const recordAuditEvent = options.benchmarkAuditOff ? skipAuditEvent : writeAuditEvent
  async function denied(context: RequestContext, request: AccessRequest, reason: string): Promise<never> {
    if (context.actor.kind !== 'anonymous') {
      await recordAuditEvent(
        db,
        context,
        {
          authorityId: context.actor.authorityId ?? request.resource.authorityId,
          action: request.action,
          outcome: 'denied',
          recordType: request.recordType ?? null,
          recordId: request.recordId ?? null,
          purpose: purposeOf(request, clock.now()),
          episodeId: episodeOf(request),
          details: { reason },
        },
        clock.now(),
      ).catch(() => {})
    }
    throw new ForbiddenError('You do not have access to this.')
  }

  async function run<T>(
    context: RequestContext,
    request: AccessRequest,
    work: (trx: Transaction<Database>, note: AuditNote) => Promise<T>,
  ): Promise<T> {
    const decision = decide(context.actor, request.action, request.resource, clock.now())
    if (!decision.allowed) return denied(context, request, decision.reason)
    return db.transaction().execute(async trx => {
      // Record history: who is changing rows in this transaction (read by the record_history trigger).
      await setTransactionActor(trx, context, clock.now())
      const note: AuditNote = {}
      const result = await work(trx, note)
      if (ACTIONS[request.action].personalData || request.recordType) {
        await recordAuditEvent(
          trx,
          context,
          {
            authorityId: request.resource.authorityId,
            action: request.action,
            outcome: 'allowed',
            recordType: request.recordType ?? null,
            recordId: note.recordId ?? request.recordId ?? null,
            purpose: purposeOf(request, clock.now()),
            episodeId: episodeOf(request),
            ...(note.details ? { details: note.details } : {}),
          },
          clock.now(),
        )
      }
      return result
    })
  }

  /**
   * A transaction for work that must load a record before it can decide (the record's relationship to the actor).
   * Inside it, assertWithin decides and audits; a refusal rolls the transaction back, is then audited in its own
   * transaction, and surfaces as ForbiddenError.
   */
  async function transaction<T>(context: RequestContext, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    try {
      return await db.transaction().execute(async trx => {
        await setTransactionActor(trx, context, clock.now())
        return work(trx)
      })
    } catch (error) {
      if (error instanceof DeniedWithin) return denied(context, error.request, error.reason)
      throw error
    }
  }

  /**
   * Inside access.transaction (it had to load the record to know its authority and the actor's relationship to it).
   * Allowed: the audit event is written in the same transaction. Refused: throws DeniedWithin.
   */
  async function assertWithin(
    trx: Transaction<Database>,
    context: RequestContext,
    request: AccessRequest,
    note: AuditNote = {},
  ): Promise<void> {
    const decision = decide(context.actor, request.action, request.resource, clock.now())
    if (!decision.allowed) throw new DeniedWithin(request, decision.reason)
    await recordAuditEvent(
      trx,
      context,
      {
        authorityId: request.resource.authorityId,
        action: request.action,
        outcome: 'allowed',
        recordType: request.recordType ?? null,
        recordId: note.recordId ?? request.recordId ?? null,
        purpose: purposeOf(request, clock.now()),
        episodeId: episodeOf(request),
        ...(note.details ? { details: note.details } : {}),
      },
      clock.now(),
    )
  }

  /** The policy at the injected clock's time (an emergency grant runs out by it). */
  function decideNow(actor: Parameters<typeof decide>[0], action: Action, resource: Resource) {
    return decide(actor, action, resource, clock.now())
  }

  return { run, transaction, assertWithin, decide: decideNow }
}
