import type { AuditEntry } from './audit-log.repository.ts'
import { ukDateTime, whoDid } from './audit-log.view-models.ts'

const FORMULA_START = /^[=+\-@\t\r]/

/**
 * One CSV cell: always quoted, quotes doubled, and text a spreadsheet would run as a formula (starting with
 * = + - @ tab or carriage return) made inert with a leading apostrophe (OWASP CSV injection).
 */
export function csvCell(value: string | number | null | undefined): string {
  let text = value === null || value === undefined ? '' : String(value)
  if (FORMULA_START.test(text)) text = `'${text}`
  return `"${text.replace(/"/g, '""')}"`
}

export function csvLine(cells: Array<string | number | null | undefined>): string {
  return `${cells.map(csvCell).join(',')}\r\n`
}

const HEADER = [
  'Time (UTC)',
  'Time (UK)',
  'Who',
  'User ID',
  'Acting agency',
  'Action',
  'Outcome',
  'Record type',
  'Record ID',
  'IP address',
  'Request ID',
]

/** The export: UTF-8 with a byte-order mark so that spreadsheet programs read names correctly. */
export function auditCsv(events: AuditEntry[]): string {
  const lines = [csvLine(HEADER)]
  for (const event of events) {
    lines.push(
      csvLine([
        event.at.toISOString(),
        ukDateTime(event.at),
        whoDid(event),
        event.actorUserId,
        event.actingAgencyName,
        event.action,
        event.outcome,
        event.recordType,
        event.recordId,
        event.ip,
        event.requestId,
      ]),
    )
  }
  return `\ufeff${lines.join('')}`
}
