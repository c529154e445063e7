import type { RecordVisibility } from '../../db/schema.ts'
import type { DisputeRow } from '../records-history/record-history.repository.ts'
import type { DisputableEventRecord, RawEvent } from './chronology.repository.ts'
import type { ChronologyFilter } from './records.schemas.ts'

// Pure rules: who may read a note or document, and how the chronology is filtered and ordered.

/** The reader, as far as visibility is concerned. */
export type Viewer = { userId: string; agencyIds: readonly string[]; seesEveryRecord: boolean }

/**
 * Team and family records: everyone with access to the episode. Agency-only records: members of the author's agency,
 * the author, and coordinators (who see every record of their authority).
 */
export function canSeeRecord(viewer: Viewer, record: { visibility: RecordVisibility; agencyId: string | null; authorUserId: string }): boolean {
  if (record.visibility !== 'agency') return true
  if (viewer.seesEveryRecord || record.authorUserId === viewer.userId) return true
  return record.agencyId !== null && viewer.agencyIds.includes(record.agencyId)
}

/** An event with its names resolved and the episode it belongs to (a person's chronology merges several). */
export type ChronologyEvent = RawEvent & { by: string | null; agencyName: string | null; episodeId: string; episodeReference: string }

function sortKey(event: RawEvent): string {
  // A day without a time sorts at the end of that day's recorded moments (it was usually written up afterwards).
  return event.at ? event.at.toISOString() : `${event.on}T23:59:59.999Z`
}

/** Visible events matching the filter, newest first. */
export function filterChronology(events: readonly ChronologyEvent[], filter: ChronologyFilter, viewer: Viewer): ChronologyEvent[] {
  return events
    .filter(event => event.visibility === null || canSeeRecord(viewer, { visibility: event.visibility, agencyId: event.agencyId, authorUserId: event.byUserId ?? '' }))
    .filter(event => filter.kinds.length === 0 || filter.kinds.includes(event.kind))
    .filter(event => filter.agencyId === null || event.agencyId === filter.agencyId)
    .filter(event => filter.personId === null || event.personId === null || event.personId === filter.personId)
    .sort((a, b) => {
      const byDay = b.on.localeCompare(a.on)
      if (byDay !== 0) return byDay
      const byMoment = sortKey(b).localeCompare(sortKey(a))
      return byMoment !== 0 ? byMoment : a.title.localeCompare(b.title)
    })
}

/** An event as shown, with the family's statements disagreeing with the record it stands for ("Disputed"). */
export type ShownChronologyEvent = ChronologyEvent & { disputes: DisputeRow[] }

function isAbout(dispute: DisputeRow, record: DisputableEventRecord): boolean {
  if (record.kind === 'assessment') return dispute.tableName === 'assessment_elements' && dispute.recordId.startsWith(`${record.id}:`)
  return dispute.tableName === record.kind && dispute.recordId === record.id
}

/** The records the shown events stand for, by kind: what the page's one query of statements asks for. */
export function disputableRecordsOf(events: readonly ChronologyEvent[]): { caseNotes: string[]; minutes: string[]; assessments: string[] } {
  const of = (kind: DisputableEventRecord['kind']) => [...new Set(events.flatMap(event => (event.disputable?.kind === kind ? [event.disputable.id] : [])))]
  return { caseNotes: of('case_notes'), minutes: of('meeting_minutes'), assessments: of('assessment') }
}

/** Each event with the statements about its record (none for an event that stands for no disputable record). */
export function attachDisputes(events: readonly ChronologyEvent[], disputes: readonly DisputeRow[]): ShownChronologyEvent[] {
  return events.map(event => {
    const record = event.disputable
    return { ...event, disputes: record ? disputes.filter(dispute => isAbout(dispute, record)) : [] }
  })
}
