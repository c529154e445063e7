import type { OutboxListItem, OutboxMessage, OutboxStatus } from './outbox.repository.ts'
import { paths } from '../../paths.ts'

const STATUS: Record<OutboxStatus, { text: string; classes: string }> = {
  held: { text: 'Held, not sent', classes: 'govuk-tag--grey' },
  pending: { text: 'Waiting to send', classes: 'govuk-tag--blue' },
  sending: { text: 'Sending', classes: 'govuk-tag--light-blue' },
  sent: { text: 'Sent', classes: 'govuk-tag--green' },
  failed: { text: 'Failed', classes: 'govuk-tag--red' },
}

/** govukTag arguments for an email's status. */
export function statusTag(status: OutboxStatus): { text: string; classes: string } {
  return STATUS[status]
}

export function outboxRow(message: OutboxListItem) {
  return {
    href: paths.admin.outboxMessage(message.id),
    recipient: message.recipient,
    subject: message.subject,
    status: statusTag(message.status),
    attempts: message.attempts,
    createdAt: message.createdAt,
  }
}

export function messageView(message: OutboxMessage & { attachments?: { fileName: string; contentType: string; size: number }[] }) {
  return {
    attachments: (message.attachments ?? []).map(attachment => ({
      fileName: attachment.fileName,
      contentType: attachment.contentType.split(';')[0] ?? attachment.contentType,
      size: attachment.size < 1024 ? `${attachment.size} bytes` : `${Math.ceil(attachment.size / 1024)} KB`,
    })),
    recipient: message.recipient,
    subject: message.subject,
    attempts: message.attempts,
    createdAt: message.createdAt,
    sentAt: message.sentAt,
    nextAttemptAt: message.status === 'pending' ? message.nextAttemptAt : null,
    lastError: message.lastError,
    messageId: message.messageId,
    bodyText: message.bodyText,
  }
}
