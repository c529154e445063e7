import { formatDate, formatDateTime } from '../../plugins/views.ts'
import type { Disputable, DisputeRow, HistoryEntry } from './record-history.repository.ts'

// Plain words for the history tables. Pure functions.

const TABLE_NAMES: Record<string, string> = {
  persons: 'Person',
  households: 'Household',
  household_members: 'Household member',
  relationships: 'Relationship',
  episodes: 'Episode',
  episode_people: 'Person in the episode',
  episode_members: 'Team member',
  episode_checklists: 'Checklist',
  safeguarding_referrals: 'Safeguarding referral',
  consents: 'Consent',
  assessments: 'Assessment',
  assessment_elements: 'Assessment element',
  support_plans: 'Plan',
  plan_needs: 'Plan need',
  plan_actions: 'Plan action',
  meetings: 'Meeting',
  meeting_minutes: 'Minutes',
  agenda_items: 'Agenda item',
  reviews: 'Review',
  episode_closures: 'Closure',
  case_notes: 'Case note',
  documents: 'Document',
  family_team_members: 'Family member on the team',
  lead_professionals: 'Lead professional',
}

function fieldName(field: string): string {
  const words = field.replace(/_/g, ' ')
  return words.charAt(0).toUpperCase() + words.slice(1)
}

function shown(value: string | null): string {
  if (value === null || value === '') return '(empty)'
  return value.length > 300 ? `${value.slice(0, 300)}…` : value
}

export function historyRows(entries: HistoryEntry[]) {
  return entries.map(entry => {
    const what =
      entry.operation === 'update'
        ? `${fieldName(entry.field ?? '')}: ${shown(entry.oldValue)} → ${shown(entry.newValue)}`
        : entry.operation === 'insert'
          ? 'Added'
          : entry.operation === 'delete'
            ? 'Removed'
            : `Statement: ${shown(entry.newValue)}`
    const tag =
      entry.kind === 'correction'
        ? { html: `<strong class="govuk-tag govuk-tag--orange">Corrected</strong>` }
        : entry.kind === 'disputed'
          ? { html: `<strong class="govuk-tag govuk-tag--red">Disputed</strong>` }
          : { text: 'Change' }
    const who = entry.byName ?? (entry.changedByKind === 'unknown' ? 'Not recorded' : entry.changedByKind === 'system' ? 'OneStory' : entry.changedByKind)
    return [
      { text: formatDateTime(entry.at) },
      { text: who },
      { text: TABLE_NAMES[entry.tableName] ?? entry.tableName },
      { text: what },
      tag,
      { text: entry.reason ?? '' },
    ]
  })
}

export function disputeCards(disputes: DisputeRow[]) {
  return disputes.map(dispute => ({
    label: dispute.recordLabel,
    statement: dispute.statement,
    by: `${dispute.byName}${dispute.byKind === 'family' ? ' (from the family\'s own view)' : ''}`,
    at: formatDateTime(dispute.at),
  }))
}

export function disputableItems(records: Disputable[], selected: string | undefined, placeholder: string) {
  return [{ value: '', text: placeholder }, ...records.map(record => ({ value: `${record.tableName}|${record.recordId}`, text: record.label, selected: `${record.tableName}|${record.recordId}` === selected }))]
}

export type DisputeNotice = { heading: string; statement: string }

/**
 * The "Disputed" marker's statements, for the pages that show a disputed record to the team (minutes, case notes, an
 * assessment element): who said it (a family member in their own view, or as recorded by the team) and when.
 */
export function disputeNotices(disputes: readonly DisputeRow[]): DisputeNotice[] {
  return disputes.map(dispute => ({
    heading: dispute.byKind === 'family'
      ? `Statement from ${dispute.byName}, family, on ${formatDate(dispute.at)}`
      : `Statement from ${dispute.byName}, recorded by the team, on ${formatDate(dispute.at)}`,
    statement: dispute.statement,
  }))
}

/** The notices of each record, keyed by record id (a page of case notes). */
export function disputeNoticesByRecord(disputes: readonly DisputeRow[]): Map<string, DisputeNotice[]> {
  const byRecord = new Map<string, DisputeNotice[]>()
  for (const dispute of disputes) byRecord.set(dispute.recordId, [...(byRecord.get(dispute.recordId) ?? []), ...disputeNotices([dispute])])
  return byRecord
}
