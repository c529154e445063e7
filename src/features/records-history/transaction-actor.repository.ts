import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { RequestContext } from '../../policy/actor.ts'

/** The value record_history_capture() reads from `onestory.actor` to say who changed a row. */
export function actorSetting(context: RequestContext): string {
  const actor = context.actor
  if (actor.kind === 'practitioner') return `practitioner:${actor.userId}`
  if (actor.kind === 'family') return `family:${actor.accountId}`
  return actor.kind
}

/**
 * Called by the access layer at the start of every transaction it opens: transaction-local settings (set_config with
 * is_local = true, gone at commit or rollback) that the history trigger reads, so each changed field is attributed
 * to the person who changed it, at the application clock's time, with the request id the audit event carries.
 * One round trip per transaction.
 */
export async function setTransactionActor(trx: Db, context: RequestContext, at: Date): Promise<void> {
  await sql`select set_config('onestory.actor', ${actorSetting(context)}, true), set_config('onestory.at', ${at.toISOString()}, true),
                   set_config('onestory.request_id', ${context.requestId}, true), set_config('onestory.history_kind', '', true)`.execute(trx)
}

/**
 * Marks the writes that follow in this transaction as a rectification (kind 'correction') with its reason, or, with
 * null, back to ordinary changes.
 */
export async function setCorrection(trx: Db, reason: string | null): Promise<void> {
  await sql`select set_config('onestory.history_kind', ${reason === null ? '' : 'correction'}, true),
                   set_config('onestory.history_reason', ${reason ?? ''}, true)`.execute(trx)
}
