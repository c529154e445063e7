import type { Db } from '../../db/database.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { insertEmail, type NewEmail } from './outbox.repository.ts'
import { redactOutgoingMessage } from '../identity-protection/identity-protection.redaction.ts'

/** Header injection guard (ASVS 1.3.11): no line breaks or controls in anything that becomes a header. */
export function safeHeaderValue(value: string): string {
  return value
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .trim()
    .slice(0, 250)
}

/** An attachment's file name: no path, no header-breaking characters, never empty. */
export function safeFileName(value: string): string {
  const name = safeHeaderValue(value)
    .replace(/[\\/:*?"<>|]+/g, '-')
    .slice(0, 100)
  return name === '' || name.startsWith('.') ? `attachment${name}` : name
}

/**
 * Puts an email in the transactional outbox, in the caller's transaction: it is sent if and only if the change that
 * caused it commits. With no SMTP server configured it is kept as 'held' for administrators to read.
 * Bodies carry no personal details about children: only what the link is about and the link. Attachments (an
 * iCalendar invitation) are stored with it in outbox_attachments and sent with it.
 */
export async function enqueueEmail(
  db: Db,
  email: NewEmail,
  options: { at: Date; smtpConfigured: boolean; domain: string },
) {
  // Identity protection: details marked "do not disclose to" the recipient are withheld from the message.
  email = await redactOutgoingMessage(db, email)
  const id = uuidv7(options.at.getTime())
  await insertEmail(db, {
    ...email,
    recipient: safeHeaderValue(email.recipient),
    subject: safeHeaderValue(email.subject),
    attachments: (email.attachments ?? []).map(attachment => ({
      ...attachment,
      fileName: safeFileName(attachment.fileName),
      contentType: safeHeaderValue(attachment.contentType),
    })),
    id,
    messageId: `<${id}@${options.domain}>`,
    at: options.at,
    status: options.smtpConfigured ? 'pending' : 'held',
  })
  return id
}
