import type { Db } from '../../db/database.ts'

/** A file sent with an email (an iCalendar invitation, a PDF), stored in outbox_attachments until it is sent. */
export type EmailAttachment = { fileName: string; contentType: string; content: Uint8Array }

export type NewEmail = {
  authorityId: string | null
  recipient: string
  subject: string
  bodyText: string
  attachments?: readonly EmailAttachment[]
}

export async function insertEmail(
  db: Db,
  email: NewEmail & { id: string; messageId: string; at: Date; status: 'pending' | 'held' },
) {
  await db
    .insertInto('outbox')
    .values({
      id: email.id,
      authorityId: email.authorityId,
      recipient: email.recipient,
      subject: email.subject,
      bodyText: email.bodyText,
      status: email.status,
      nextAttemptAt: email.at,
      messageId: email.messageId,
      createdAt: email.at,
    })
    .execute()
  const attachments = email.attachments ?? []
  if (attachments.length > 0) {
    await db
      .insertInto('outboxAttachments')
      .values(
        attachments.map((attachment, position) => ({
          outboxId: email.id,
          position,
          fileName: attachment.fileName,
          contentType: attachment.contentType,
          content: attachment.content,
        })),
      )
      .execute()
  }
}

/** An email's attachments, in the order they were given. */
export async function listAttachments(db: Db, outboxId: string): Promise<EmailAttachment[]> {
  const rows = await db
    .selectFrom('outboxAttachments')
    .select(['fileName', 'contentType', 'content'])
    .where('outboxId', '=', outboxId)
    .orderBy('position')
    .execute()
  return rows.map(row => ({ fileName: row.fileName, contentType: row.contentType, content: new Uint8Array(row.content) }))
}

/** What the outbox page shows about an email's attachments: names, types and sizes, not their content. */
export async function listAttachmentNames(
  db: Db,
  outboxId: string,
): Promise<{ fileName: string; contentType: string; size: number }[]> {
  const rows = await db
    .selectFrom('outboxAttachments')
    .select(['fileName', 'contentType', 'content'])
    .where('outboxId', '=', outboxId)
    .orderBy('position')
    .execute()
  return rows.map(row => ({ fileName: row.fileName, contentType: row.contentType, size: row.content.byteLength }))
}

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'held' | 'failed'

export type OutboxListItem = {
  id: string
  recipient: string
  subject: string
  status: OutboxStatus
  attempts: number
  createdAt: Date
}

export type OutboxMessage = OutboxListItem & {
  bodyText: string
  messageId: string
  nextAttemptAt: Date
  lastError: string | null
  sentAt: Date | null
}

/** One authority's emails, newest first. */
export async function listEmails(
  db: Db,
  authorityId: string,
  page: { limit: number; offset: number },
): Promise<OutboxListItem[]> {
  return db
    .selectFrom('outbox')
    .select(['id', 'recipient', 'subject', 'status', 'attempts', 'createdAt'])
    .where('authorityId', '=', authorityId)
    .orderBy('createdAt', 'desc')
    .orderBy('id', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute()
}

export async function countEmails(db: Db, authorityId: string): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select(eb => eb.fn.countAll<number>().as('count'))
    .where('authorityId', '=', authorityId)
    .executeTakeFirst()
  return Number(row?.count ?? 0)
}

export async function findEmail(db: Db, authorityId: string, id: string): Promise<OutboxMessage | undefined> {
  return db
    .selectFrom('outbox')
    .select([
      'id',
      'recipient',
      'subject',
      'status',
      'attempts',
      'createdAt',
      'bodyText',
      'messageId',
      'nextAttemptAt',
      'lastError',
      'sentAt',
    ])
    .where('authorityId', '=', authorityId)
    .where('id', '=', id)
    .executeTakeFirst()
}

export type ClaimedEmail = {
  id: string
  recipient: string
  subject: string
  bodyText: string
  messageId: string
  attempts: number
}

/**
 * Claims the next due email for one sender: pending and due, or left 'sending' by a sender whose claim ran out (it
 * crashed mid-send). One statement, so the row lock lasts only as long as the statement; SKIP LOCKED lets several
 * instances claim side by side without waiting or ever taking the same email. The claim counts as an attempt.
 */
export async function claimNextDueEmail(db: Db, now: Date, claimedUntil: Date): Promise<ClaimedEmail | undefined> {
  return db
    .updateTable('outbox')
    .set(eb => ({ status: 'sending', claimedUntil, attempts: eb('attempts', '+', 1) }))
    .where('id', 'in', eb =>
      eb
        .selectFrom('outbox as due')
        .select('due.id')
        .where(due =>
          due.or([
            due.and([due('due.status', '=', 'pending'), due('due.nextAttemptAt', '<=', now)]),
            due.and([due('due.status', '=', 'sending'), due('due.claimedUntil', '<=', now)]),
          ]),
        )
        .orderBy('due.nextAttemptAt')
        .limit(1)
        .forUpdate()
        .skipLocked(),
    )
    .returning(['id', 'recipient', 'subject', 'bodyText', 'messageId', 'attempts'])
    .executeTakeFirst()
}

/** Emails whose last claim ran out after the final attempt: they will not be tried again. */
export async function failAbandonedEmails(db: Db, now: Date, maxAttempts: number, lastError: string): Promise<number> {
  const result = await db
    .updateTable('outbox')
    .set({ status: 'failed', claimedUntil: null, lastError })
    .where('status', '=', 'sending')
    .where('claimedUntil', '<=', now)
    .where('attempts', '>=', maxAttempts)
    .executeTakeFirst()
  return Number(result.numUpdatedRows)
}

/** Delivered: whoever holds the claim now, the email is never sent again. */
export async function markEmailSent(db: Db, id: string, at: Date): Promise<void> {
  await db
    .updateTable('outbox')
    .set({ status: 'sent', sentAt: at, claimedUntil: null, lastError: null })
    .where('id', '=', id)
    .where('status', 'in', ['sending', 'pending', 'failed'])
    .execute()
}

/** A failed attempt, recorded only while this sender still holds its claim. */
export async function recordFailedAttempt(
  db: Db,
  id: string,
  claimedUntil: Date,
  outcome: { status: 'pending' | 'failed'; nextAttemptAt: Date; lastError: string },
): Promise<void> {
  await db
    .updateTable('outbox')
    .set({
      status: outcome.status,
      nextAttemptAt: outcome.nextAttemptAt,
      lastError: outcome.lastError,
      claimedUntil: null,
    })
    .where('id', '=', id)
    .where('status', '=', 'sending')
    .where('claimedUntil', '=', claimedUntil)
    .execute()
}
