import { paths } from '../../paths.ts'
import { formatDate } from '../../plugins/views.ts'
import type { MinutesStatus } from '../../db/schema.ts'
import { ukDateOf } from '../../lib/dates.ts'
import type { MeetingDetail, MeetingRecord, MeetingTeam } from './meetings.service.ts'
import { PURPOSE_NAMES } from './meetings.service.ts'
import { ukTimeOf } from './working-days.ts'

const weekday = new Intl.DateTimeFormat('en-GB', { weekday: 'long', timeZone: 'Europe/London' })
const dayMonthYear = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' })
/** 'Wednesday 23 December 2026' (GOV.UK style: no comma). */
const longDate = { format: (instant: Date) => `${weekday.format(instant)} ${dayMonthYear.format(instant)}` }

export function whenText(meeting: Pick<MeetingRecord, 'startsAt' | 'endsAt'>): string {
  return `${longDate.format(meeting.startsAt)}, ${ukTimeOf(meeting.startsAt)} to ${ukTimeOf(meeting.endsAt)}`
}

export function purposeName(purpose: MeetingRecord['purpose']): string {
  return PURPOSE_NAMES[purpose]
}

const MEETING_STATUS = {
  scheduled: { text: 'Scheduled', classes: 'govuk-tag--blue' },
  held: { text: 'Held', classes: 'govuk-tag--green' },
  cancelled: { text: 'Cancelled', classes: 'govuk-tag--grey' },
} as const

const MINUTES_STATUS: Record<MinutesStatus, { text: string; classes: string }> = {
  draft: { text: 'Not written yet', classes: 'govuk-tag--yellow' },
  awaiting_approval: { text: 'With the chair', classes: 'govuk-tag--light-blue' },
  approved: { text: 'Approved', classes: 'govuk-tag--turquoise' },
  circulated: { text: 'Circulated', classes: 'govuk-tag--green' },
}

export function meetingStatusTag(status: MeetingRecord['status']) {
  return MEETING_STATUS[status]
}

export function minutesStatusTag(status: MinutesStatus, late: boolean) {
  return late ? { text: 'Late', classes: 'govuk-tag--red' } : MINUTES_STATUS[status]
}

export const ATTENDANCE_NAMES = { attended: 'Attended', apologies: 'Sent apologies', did_not_attend: 'Did not attend' } as const

export function venueText(meeting: Pick<MeetingRecord, 'venueName' | 'venueAddress' | 'remoteLink'>): string {
  const place = [meeting.venueName, meeting.venueAddress].filter(Boolean).join(', ')
  if (place && meeting.remoteLink) return `${place} (or online)`
  return place || 'Online'
}

export function meetingListRows(meetings: (MeetingRecord & { minutesStatus: MinutesStatus | null; minutesDueOn: string | null; lateMessage: string | null })[], now: Date) {
  return meetings.map(meeting => ({
    href: paths.meetings.show(meeting.episodeId, meeting.id),
    when: whenText(meeting),
    purpose: purposeName(meeting.purpose),
    venue: venueText(meeting),
    neutralVenue: meeting.neutralVenue,
    status: meetingStatusTag(meeting.status),
    minutes:
      meeting.status === 'cancelled' || meeting.minutesStatus === null || meeting.startsAt.getTime() > now.getTime()
        ? null
        : { tag: minutesStatusTag(meeting.minutesStatus, meeting.lateMessage !== null), dueOn: meeting.minutesDueOn ? formatDate(meeting.minutesDueOn) : '' },
    lateMessage: meeting.lateMessage,
    upcoming: meeting.status === 'scheduled' && meeting.startsAt.getTime() > now.getTime(),
  }))
}

export function meetingSummaryRows(detail: MeetingDetail) {
  const { meeting } = detail
  const rows = [
    { key: { text: 'What' }, value: { text: purposeName(meeting.purpose) } },
    { key: { text: 'When' }, value: { text: `${whenText(meeting)} (UK time)` } },
    { key: { text: 'Where' }, value: { text: [meeting.venueName, meeting.venueAddress].filter(Boolean).join('\n') || 'Online only' }, classes: 'onestory-preserve-lines' },
    { key: { text: 'Neutral venue' }, value: { text: meeting.neutralVenue ? 'Yes: a neutral place for the family' : 'No' } },
  ]
  if (meeting.remoteLink) rows.push({ key: { text: 'Join online' }, value: { text: meeting.remoteLink } })
  if (meeting.accessibilityNotes) rows.push({ key: { text: 'Getting there and access' }, value: { text: meeting.accessibilityNotes } })
  rows.push({ key: { text: 'Chair' }, value: { text: detail.chairName ?? 'Not chosen yet' } })
  rows.push({ key: { text: 'Minute-taker' }, value: { text: detail.minuteTakerName ?? 'Not chosen yet' } })
  rows.push({ key: { text: 'Status' }, value: { text: meeting.status === 'cancelled' ? `Cancelled${meeting.cancelReason ? `: ${meeting.cancelReason}` : ''}` : MEETING_STATUS[meeting.status].text } })
  return rows
}

export function inviteeRows(detail: MeetingDetail) {
  return detail.invitees.map(invitee => [
    { text: invitee.name },
    { text: invitee.userId ? 'Practitioner' : 'Family or supporter' },
    { text: invitee.email ? 'Emailed an invitation' : 'No email address: tell them another way' },
    { text: invitee.attendance ? ATTENDANCE_NAMES[invitee.attendance] : detail.meeting.status === 'held' ? 'Not recorded' : '' },
  ])
}

export function agendaView(detail: MeetingDetail) {
  return detail.agenda.map(item => ({
    text: item.text,
    by: item.addedByName,
    fromFamily: item.addedByFamilyTeamMemberId !== null || item.addedByFamilyAccountId !== null,
    at: item.addedAt,
  }))
}

/** Checkboxes of everyone on the team who can be invited; everyone ticked for a new meeting. */
export function inviteeItems(team: MeetingTeam, chosen: string[] | null) {
  const items: ({ value: string; text: string; hint: { text: string }; checked: boolean } | { divider: string })[] = []
  for (const person of team.practitioners) {
    const value = `user:${person.userId}`
    items.push({ value, text: person.name, hint: { text: person.agencyName ?? 'Practitioner' }, checked: chosen ? chosen.includes(value) : true })
  }
  if (team.family.length > 0 && team.practitioners.length > 0) items.push({ divider: 'and' })
  for (const person of team.family) {
    const value = `family:${person.id}`
    items.push({
      value,
      text: person.name,
      hint: { text: person.email ? 'Family side of the team' : 'Family side of the team. No email address: they will not get an email invitation' },
      checked: chosen ? chosen.includes(value) : true,
    })
  }
  return items
}

export function practitionerOptions(team: { practitioners: readonly { userId: string; name: string }[] }, selected: string | null | undefined, emptyText: string) {
  return [
    { value: '', text: emptyText, selected: !selected },
    ...team.practitioners.map(person => ({ value: person.userId, text: person.name, selected: person.userId === selected })),
  ]
}

export function ownerOptions(detail: MeetingDetail, selected: string | undefined) {
  return [
    { value: '', text: 'Choose who will do it', selected: !selected },
    ...detail.team.practitioners.map(person => ({ value: `user:${person.userId}`, text: `${person.name}${person.agencyName ? ` (${person.agencyName})` : ''}`, selected: selected === `user:${person.userId}` })),
    ...detail.team.family.map(person => ({ value: `family:${person.id}`, text: `${person.name} (family)`, selected: selected === `family:${person.id}` })),
    ...detail.agencies.map(agency => ({ value: `agency:${agency.id}`, text: `${agency.name} (the agency)`, selected: selected === `agency:${agency.id}` })),
  ]
}

/** The schedule form's values from a saved meeting. */
export function meetingFormValues(detail: MeetingDetail): Record<string, string | string[]> {
  const { meeting } = detail
  const date = ukDateOf(meeting.startsAt)
  return {
    purpose: meeting.purpose,
    'date-day': String(Number(date.slice(8, 10))),
    'date-month': String(Number(date.slice(5, 7))),
    'date-year': date.slice(0, 4),
    startTime: ukTimeOf(meeting.startsAt),
    endTime: ukTimeOf(meeting.endsAt),
    venueName: meeting.venueName ?? '',
    venueAddress: meeting.venueAddress ?? '',
    neutralVenue: meeting.neutralVenue ? 'yes' : 'no',
    accessibilityNotes: meeting.accessibilityNotes ?? '',
    remoteLink: meeting.remoteLink ?? '',
    invitees: detail.invitees.map(invitee => (invitee.userId ? `user:${invitee.userId}` : `family:${invitee.familyTeamMemberId}`)),
    chairUserId: meeting.chairUserId ?? '',
    minuteTakerUserId: meeting.minuteTakerUserId ?? '',
    version: String(meeting.version),
  }
}

export function purposeItems(selected: string | undefined) {
  return [
    { value: 'first_team_meeting', text: 'First team meeting', hint: { text: 'The team meets for the first time, agrees the plan and who the lead professional is' } },
    { value: 'team_meeting', text: 'Team meeting' },
    { value: 'review', text: 'Review meeting', hint: { text: 'The team and the family look at what has changed' } },
  ].map(item => ({ ...item, checked: item.value === selected }))
}
