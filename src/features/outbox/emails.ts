import type { Db } from '../../db/database.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { insertEmail, type NewEmail } from './outbox.repository.ts'

/** Header injection guard (ASVS 1.3.11): no line breaks or controls in anything that becomes a header. */
export function safeHeaderValue(value: string): string {
  return value
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim()
    .slice(0, 250)
}

/**
 * Puts an email in the transactional outbox, in the caller's transaction: it is sent if and only if the change that
 * caused it commits. With no SMTP server configured it is kept as 'held' for administrators to read.
 * Bodies carry no personal details about children: only what the link is about and the link.
 */
export async function enqueueEmail(
  db: Db,
  email: NewEmail,
  options: { at: Date; smtpConfigured: boolean; domain: string },
) {
  const id = uuidv7(options.at.getTime())
  await insertEmail(db, {
    ...email,
    recipient: safeHeaderValue(email.recipient),
    subject: safeHeaderValue(email.subject),
    id,
    messageId: `<${id}@${options.domain}>`,
    at: options.at,
    status: options.smtpConfigured ? 'pending' : 'held',
  })
  return id
}
