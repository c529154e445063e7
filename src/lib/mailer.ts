import nodemailer from 'nodemailer'

/** One email as the outbox hands it over: plain text, one recipient, a stable Message-ID for retries, any attachments. */
export type OutgoingEmail = {
  from: string
  to: string
  subject: string
  text: string
  messageId: string
  attachments?: readonly { fileName: string; contentType: string; content: Uint8Array }[]
}

export type Mailer = { send: (email: OutgoingEmail) => Promise<void> }

/**
 * Sends over SMTP with nodemailer (SMTP_URL, e.g. smtp://user:pass@host:587). No connection is opened until the
 * first send; each send opens and closes its own. Timeouts are well inside the outbox's two-minute claim.
 */
export function createSmtpMailer(smtpUrl: string): Mailer {
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    disableFileAccess: true,
    disableUrlAccess: true,
  })
  return {
    async send(email) {
      await transport.sendMail({
        from: email.from,
        // An address object and an explicit envelope: nodemailer never parses the stored text as an address list,
        // so nothing in it can add a recipient.
        to: { name: '', address: email.to },
        envelope: { from: envelopeSender(email.from), to: [email.to] },
        subject: email.subject,
        text: email.text,
        messageId: email.messageId,
        ...(email.attachments
          ? {
              attachments: email.attachments.map(attachment => ({
                filename: attachment.fileName,
                contentType: attachment.contentType,
                content: Buffer.from(attachment.content),
              })),
            }
          : {}),
        headers: { 'Auto-Submitted': 'auto-generated' },
      })
    },
  }
}

function envelopeSender(from: string): string {
  const match = from.match(/<([^<>\s]+@[^<>\s]+)>\s*$/)
  return match?.[1] ?? from
}

/** Errors that say the mail server could not be reached at all: no point trying the next message now. */
const CONNECTION_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROXY',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
])

/**
 * What may be stored and shown about a failed send: the error code and SMTP reply code only. Server messages are
 * never kept: they often quote the recipient's address.
 */
export function describeSendError(error: unknown): { text: string; unreachable: boolean } {
  const details =
    typeof error === 'object' && error !== null ? (error as { code?: unknown; responseCode?: unknown }) : {}
  const code = typeof details.code === 'string' && /^[A-Z_]{2,20}$/.test(details.code) ? details.code : 'ERROR'
  const responseCode = typeof details.responseCode === 'number' ? details.responseCode : null
  const unreachable = CONNECTION_CODES.has(code)
  const what = unreachable
    ? 'The mail server could not be reached'
    : code === 'EAUTH' || code === 'ENOAUTH'
      ? 'The mail server refused the sign-in details in SMTP_URL'
      : code === 'EENVELOPE'
        ? 'The mail server refused the sender or recipient'
        : 'The mail server did not accept the message'
  return { text: `${what} (${code}${responseCode ? ` ${responseCode}` : ''})`, unreachable }
}
