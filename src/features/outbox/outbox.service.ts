import type { Kysely } from 'kysely'
import type { Config } from '../../config.ts'
import type { Database } from '../../db/schema.ts'
import type { Clock } from '../../lib/clock.ts'
import { NotFoundError, UnauthenticatedError } from '../../lib/errors.ts'
import { isUuid } from '../../lib/ids.ts'
import { createSmtpMailer, describeSendError, type Mailer } from '../../lib/mailer.ts'
import { pageCount, pageOf } from '../../lib/pagination.ts'
import type { Access } from '../../policy/access.ts'
import type { RequestContext } from '../../policy/actor.ts'
import * as repository from './outbox.repository.ts'

/** After this many attempts an email is marked failed and not tried again. */
export const MAX_ATTEMPTS = 12
/** How long a sender may take over one email before another sender may take it over (it is presumed crashed). */
export const CLAIM_MS = 2 * 60_000
/** At most this many emails per run, so that one run never holds the job for long. */
const EMAILS_PER_RUN = 50
export const OUTBOX_PAGE_SIZE = 25

const BACKOFF_MS = [30_000, 60_000, 2 * 60_000, 5 * 60_000, 15 * 60_000, 30 * 60_000, 60 * 60_000]

/** Wait before the next try after `attempts` failed ones: 30 s, 1 min, 2, 5, 15, 30 min, then every hour. */
export function backoffMs(attempts: number): number {
  const index = Math.min(Math.max(attempts, 1), BACKOFF_MS.length) - 1
  return BACKOFF_MS[index] ?? 60 * 60_000
}

export type SendReport = { sent: number; retrying: number; failed: number }

export type OutboxService = ReturnType<typeof createOutboxService>

/**
 * The transactional outbox: the sender job that delivers what features enqueued (enqueueEmail), and the pages on
 * which administrators read their authority's emails.
 */
export function createOutboxService(deps: {
  db: Kysely<Database>
  config: Config
  clock: Clock
  access: Access
  mailer?: Mailer
}) {
  const { db, config, clock, access } = deps
  const mailer = deps.mailer ?? (config.smtpUrl ? createSmtpMailer(config.smtpUrl) : null)

  function authorityOf(context: RequestContext): string {
    const actor = context.actor
    if (actor.kind === 'anonymous' || actor.authorityId === null)
      throw new UnauthenticatedError('Sign in to see the outbox.')
    return actor.authorityId
  }

  /**
   * Sends what is due, one email at a time: claim (a single short statement, no transaction held while talking to
   * the mail server) → send with the stored Message-ID → mark sent, or schedule the next try. An email marked sent is
   * never claimed again; one whose sender crashed is taken over when its claim runs out.
   */
  async function sendDue(): Promise<SendReport> {
    const report: SendReport = { sent: 0, retrying: 0, failed: 0 }
    if (!mailer) return report
    report.failed += await repository.failAbandonedEmails(
      db,
      clock.now(),
      MAX_ATTEMPTS,
      'Sending was interrupted too many times',
    )
    for (let count = 0; count < EMAILS_PER_RUN; count++) {
      const now = clock.now()
      const claimedUntil = new Date(now.getTime() + CLAIM_MS)
      const email = await repository.claimNextDueEmail(db, now, claimedUntil)
      if (!email) break
      try {
        const attachments = await repository.listAttachments(db, email.id)
        await mailer.send({
          from: config.mailFrom,
          to: email.recipient,
          subject: email.subject,
          text: email.bodyText,
          messageId: email.messageId,
          ...(attachments.length > 0 ? { attachments } : {}),
        })
      } catch (error) {
        const problem = describeSendError(error)
        const exhausted = email.attempts >= MAX_ATTEMPTS
        await repository.recordFailedAttempt(db, email.id, claimedUntil, {
          status: exhausted ? 'failed' : 'pending',
          nextAttemptAt: new Date(clock.now().getTime() + backoffMs(email.attempts)),
          lastError: problem.text,
        })
        if (exhausted) report.failed++
        else report.retrying++
        // The server is down: leave the rest due for the next run rather than waiting on each in turn.
        if (problem.unreachable) break
        continue
      }
      await repository.markEmailSent(db, email.id, clock.now())
      report.sent++
    }
    return report
  }

  /** The authority's emails, newest first, a page at a time. Reading it is audited (bodies hold names and links). */
  async function listMessages(context: RequestContext, options: { page?: number | undefined }) {
    const authorityId = authorityOf(context)
    return access.run(
      context,
      { action: 'outbox.read', resource: { authorityId }, recordType: 'outbox' },
      async (trx, note) => {
        const total = await repository.countEmails(trx, authorityId)
        const totalPages = pageCount(total, OUTBOX_PAGE_SIZE)
        const page = pageOf(Math.min(options.page ?? 1, totalPages), OUTBOX_PAGE_SIZE)
        const messages = await repository.listEmails(trx, authorityId, page)
        note.details = { page: page.page, shown: messages.length }
        return { messages, total, page: page.page, totalPages, smtpConfigured: config.smtpUrl !== undefined }
      },
    )
  }

  /** One email in full. An id that is not this authority's (or not an id at all) is simply not found. */
  async function readMessage(context: RequestContext, messageId: string) {
    const authorityId = authorityOf(context)
    if (!isUuid(messageId)) throw new NotFoundError('There is no email at this address.')
    return access.run(
      context,
      { action: 'outbox.read', resource: { authorityId }, recordType: 'outbox-message', recordId: messageId },
      async trx => {
        const message = await repository.findEmail(trx, authorityId, messageId)
        if (!message) throw new NotFoundError('There is no email at this address.')
        return { ...message, attachments: await repository.listAttachmentNames(trx, message.id) }
      },
    )
  }

  return { sendDue, listMessages, readMessage }
}
