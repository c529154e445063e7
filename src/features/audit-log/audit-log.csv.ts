import { csvDocument } from '../../lib/csv.ts'
import type { AuditEntry } from './audit-log.repository.ts'
import { rolesText, ukDateTime, whoDid } from './audit-log.view-models.ts'

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
  'Roles',
  'Purpose',
  'Episode ID',
  'Chain position',
]

/** The export, built with the shared CSV cells (src/lib/csv.ts), which neutralise spreadsheet formulae. */
export function auditCsv(events: AuditEntry[]): string {
  return csvDocument(
    HEADER,
    events.map(event => [
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
      rolesText(event.actorRoles),
      event.purpose,
      event.episodeId,
      event.seq === null ? null : String(event.seq),
    ]),
  )
}
