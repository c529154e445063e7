import type { RecordVisibility } from '../../db/schema.ts'
import { formatDate, formatDateTime } from '../../plugins/views.ts'
import { paths } from '../../paths.ts'
import type { EpisodeSummary } from '../episodes/episode-summary.ts'
import { acceptedTypeOf } from './file-type.ts'
import {
  CHRONOLOGY_KIND_NAMES,
  CHRONOLOGY_KINDS,
  DOCUMENT_KIND_NAMES,
  DOCUMENT_KINDS,
  VISIBILITIES,
  VISIBILITY_NAMES,
  type ChronologyFilter,
  type DocumentKind,
} from './records.schemas.ts'
import type { CaseNote, ChronologyEvent, DocumentRecord, ShownChronologyEvent } from './records.service.ts'
import type { DisputeRow } from '../records-history/record-history.repository.ts'
import { disputeNotices } from '../records-history/record-history.view-models.ts'

// Pure functions from records to GOV.UK and MOJ macro arguments.

type Values = Record<string, string | string[] | undefined>
type Child = { personId: string; name: string }

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, character => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character] ?? character)
}

const VISIBILITY_HINTS: Record<RecordVisibility, string> = {
  team: 'Everyone on the team around the family can read it.',
  agency: 'Only people in your agency (and the early help coordinators) can read it. Use this for information your agency may not share.',
  family: 'Everyone on the team can read it, and it may be shared with the family.',
}

export function visibilityTag(visibility: RecordVisibility) {
  const classes = { team: 'govuk-tag--blue', agency: 'govuk-tag--orange', family: 'govuk-tag--green' }[visibility]
  return { text: VISIBILITY_NAMES[visibility], classes }
}

export function visibilityItems(values: Values, agencyName: string | null) {
  return VISIBILITIES.map(value => ({
    value,
    text: value === 'agency' && agencyName ? `${VISIBILITY_NAMES.agency} (${agencyName})` : VISIBILITY_NAMES[value],
    hint: { text: VISIBILITY_HINTS[value] },
    checked: values.visibility === value,
  }))
}

export function childItems(episode: EpisodeSummary, values: Values) {
  return [
    { value: 'family', text: 'The whole family', checked: values.personId === 'family' },
    ...episode.children.map(child => ({ value: child.personId, text: child.name, checked: values.personId === child.personId })),
  ]
}

export function dateItems(prefix: string, values: Values, hasError: boolean) {
  const error = hasError ? ' govuk-input--error' : ''
  return [
    { name: 'day', classes: `govuk-input--width-2${error}`, value: values[`${prefix}-day`] },
    { name: 'month', classes: `govuk-input--width-2${error}`, value: values[`${prefix}-month`] },
    { name: 'year', classes: `govuk-input--width-4${error}`, value: values[`${prefix}-year`] },
  ]
}

export function todayParts(prefix: string, today: Date): Values {
  const [year, month, day] = today.toISOString().slice(0, 10).split('-')
  return { [`${prefix}-day`]: String(Number(day)), [`${prefix}-month`]: String(Number(month)), [`${prefix}-year`]: year }
}

export function noteCards(notes: CaseNote[], episode: EpisodeSummary) {
  const childName = new Map(episode.children.map(child => [child.personId, child.name]))
  return notes.map(note => ({
    id: note.id,
    summary: note.summary,
    body: note.body,
    date: formatDate(note.occurredOn),
    about: note.personId ? (childName.get(note.personId) ?? 'A child no longer on this episode') : 'The whole family',
    author: note.authorAgencyName ? `${note.authorName}, ${note.authorAgencyName}` : note.authorName,
    written: formatDateTime(note.createdAt),
    visibility: visibilityTag(note.visibility),
  }))
}

export function documentKindItems(values: Values) {
  return [{ value: '', text: 'Select a kind' }, ...DOCUMENT_KINDS.map(kind => ({ value: kind, text: DOCUMENT_KIND_NAMES[kind], selected: values.kind === kind }))]
}

export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`
}

export function documentRows(documents: DocumentRecord[], episodeId: string, canRemove: (document: DocumentRecord) => boolean) {
  return documents.map(document => {
    const kindName = DOCUMENT_KIND_NAMES[document.kind as DocumentKind] ?? document.kind
    const type = acceptedTypeOf(document.mediaType)?.description ?? document.mediaType
    const removed = document.removedAt !== null
    const title = removed
      ? `<s>${escapeHtml(document.title)}</s><br><span class="govuk-body-s">Removed ${escapeHtml(formatDate(document.removedAt))}: ${escapeHtml(document.removedReason ?? '')}</span>`
      : `<a class="govuk-link" href="${escapeHtml(paths.records.downloadDocument(episodeId, document.id))}" download>${escapeHtml(document.title)}<span class="govuk-visually-hidden"> (download)</span></a><br><span class="govuk-body-s">${escapeHtml(document.fileName)} · ${escapeHtml(type)}, ${escapeHtml(formatSize(document.sizeBytes))}</span>`
    const scan = document.scanStatus === 'clean' ? '<strong class="govuk-tag govuk-tag--green">Checked for viruses</strong>' : '<strong class="govuk-tag govuk-tag--grey">Not checked for viruses</strong>'
    const tag = visibilityTag(document.visibility)
    const uploader = document.uploadedByAgencyName ? `${document.uploadedByName}, ${document.uploadedByAgencyName}` : document.uploadedByName
    const action = canRemove(document)
      ? `<a class="govuk-link" href="${escapeHtml(paths.records.removeDocument(episodeId, document.id))}">Remove<span class="govuk-visually-hidden"> ${escapeHtml(document.title)}</span></a>`
      : ''
    return [
      { html: title },
      { text: kindName },
      { html: `${escapeHtml(uploader)}<br><span class="govuk-body-s">${escapeHtml(formatDateTime(document.uploadedAt))}</span>` },
      { html: `<strong class="govuk-tag ${tag.classes}">${escapeHtml(tag.text)}</strong>${removed ? '' : `<br>${scan}`}` },
      { html: action },
    ]
  })
}

const KIND_TAG: Record<ChronologyEvent['kind'], string> = {
  consent: 'govuk-tag--purple',
  checklist: 'govuk-tag--grey',
  referral: 'govuk-tag--red',
  assessment: 'govuk-tag--blue',
  team: 'govuk-tag--turquoise',
  lead: 'govuk-tag--turquoise',
  meeting: 'govuk-tag--yellow',
  plan: 'govuk-tag--green',
  review: 'govuk-tag--pink',
  note: 'govuk-tag--grey',
  document: 'govuk-tag--grey',
}

/** Where the team reads a disputed record with the family's statements: its page, at the "Disputed" marker. */
export function disputedRecordHref(episodeId: string, dispute: Pick<DisputeRow, 'tableName' | 'recordId'>): string {
  if (dispute.tableName === 'case_notes') return `${paths.records.notes(episodeId)}#note-${dispute.recordId}-disputed`
  if (dispute.tableName === 'meeting_minutes') return `${paths.meetings.minutes(episodeId, dispute.recordId)}#disputed`
  const [, elementKey = '', subject = ''] = dispute.recordId.split(':')
  return `${paths.assessments.element(episodeId, elementKey, subject)}#disputed`
}

/**
 * The "Disputed" marker on a chronology entry: the red tag, and for each disputed record (an assessment entry may
 * stand for several elements) a link to its page and the family's statements, so that a printed chronology carries
 * them too. Empty when nobody disputes the record.
 */
export function disputedHtml(event: Pick<ShownChronologyEvent, 'episodeId' | 'disputes'>): string {
  if (event.disputes.length === 0) return ''
  const byRecord = new Map<string, DisputeRow[]>()
  for (const dispute of event.disputes) byRecord.set(dispute.recordId, [...(byRecord.get(dispute.recordId) ?? []), dispute])
  const records = [...byRecord.values()].map(disputes => {
    const [first] = disputes
    if (!first) return ''
    const what =
      first.tableName === 'case_notes' ? 'the case note' : first.tableName === 'meeting_minutes' ? 'the minutes' : `the assessment of ${(first.recordId.split(':')[1] ?? '').replace(/-/g, ' ')}`
    const link = `<p class="govuk-body-s govuk-!-margin-bottom-1"><a class="govuk-link" href="${escapeHtml(disputedRecordHref(event.episodeId, first))}">Read ${escapeHtml(what)} with the family’s ${disputes.length === 1 ? 'statement' : 'statements'}</a></p>`
    const statements = disputeNotices(disputes).map(
      notice =>
        `<div class="govuk-inset-text govuk-!-margin-top-1 govuk-!-margin-bottom-1"><p class="govuk-body-s govuk-!-font-weight-bold govuk-!-margin-bottom-1">${escapeHtml(notice.heading)}</p><p class="govuk-body-s onestory-preserve-lines govuk-!-margin-bottom-0">${escapeHtml(notice.statement)}</p></div>`,
    )
    return `${link}${statements.join('')}`
  })
  return `<div class="onestory-disputed"><p class="govuk-body-s govuk-!-margin-bottom-1"><strong class="govuk-tag govuk-tag--red">Disputed</strong> The family disagrees with this record. Their words are kept with it; the record has not been changed.</p>${records.join('')}</div>`
}

/**
 * MOJ timeline items: the title, who (and their agency), the day, and the detail with its tags. `children` names the
 * children events are about; with `showEpisode` (a person's chronology across episodes) each item names its episode.
 * A disputed record's entry carries the "Disputed" marker and the family's statements.
 */
export function timelineItems(events: ShownChronologyEvent[], children: readonly Child[], options: { showEpisode?: boolean } = {}) {
  const childName = new Map(children.map(child => [child.personId, child.name]))
  return events.map(event => {
    const tags = [`<strong class="govuk-tag ${KIND_TAG[event.kind]}">${escapeHtml(CHRONOLOGY_KIND_NAMES[event.kind])}</strong>`]
    if (event.visibility) {
      const tag = visibilityTag(event.visibility)
      tags.push(`<strong class="govuk-tag ${tag.classes}">${escapeHtml(tag.text)}</strong>`)
    }
    const about = event.personId ? `<p class="govuk-body-s govuk-!-margin-bottom-1">About ${escapeHtml(childName.get(event.personId) ?? 'a child')}</p>` : ''
    const detail = event.detail ? `<p class="govuk-body onestory-preserve-lines govuk-!-margin-bottom-1">${escapeHtml(event.detail)}</p>` : ''
    const time = event.at ? `<p class="govuk-body-s govuk-!-margin-bottom-1">Recorded ${escapeHtml(formatDateTime(event.at))}</p>` : ''
    const episode = options.showEpisode
      ? `<p class="govuk-body-s govuk-!-margin-bottom-1">Episode <a class="govuk-link" href="${escapeHtml(paths.records.chronology(event.episodeId))}">${escapeHtml(event.episodeReference)}</a></p>`
      : ''
    const by = event.by ? (event.agencyName ? `${event.by}, ${event.agencyName}` : event.by) : event.agencyName
    return {
      label: { text: event.title },
      ...(by ? { byline: { text: by } } : {}),
      datetime: { timestamp: event.on },
      html: `${detail}${about}${episode}${time}<p class="govuk-body-s">${tags.join(' ')}</p>${disputedHtml(event)}`,
      attributes: { 'data-kind': event.kind, ...(options.showEpisode ? { 'data-episode': event.episodeReference } : {}), ...(event.disputes.length ? { 'data-disputed': 'true' } : {}) },
    }
  })
}

export function kindItems(filter: ChronologyFilter) {
  return CHRONOLOGY_KINDS.map(kind => ({ value: kind, text: CHRONOLOGY_KIND_NAMES[kind], checked: filter.kinds.includes(kind) }))
}

export function agencyItems(options: { id: string; name: string }[], filter: ChronologyFilter) {
  return [{ value: '', text: 'All agencies' }, ...options.map(option => ({ value: option.id, text: option.name, selected: filter.agencyId === option.id }))]
}

export function personItems(episode: EpisodeSummary, filter: ChronologyFilter) {
  return [
    { value: '', text: episode.children.length > 1 ? 'The whole family' : 'Everyone' },
    ...episode.children.map(child => ({ value: child.personId, text: child.name, selected: filter.personId === child.personId })),
  ]
}

/** The query string of a filter, for the print link (the same events, printable). */
export function filterQuery(filter: ChronologyFilter): string {
  const search = new URLSearchParams()
  for (const kind of filter.kinds) search.append('kind', kind)
  if (filter.agencyId) search.set('agencyId', filter.agencyId)
  if (filter.personId) search.set('personId', filter.personId)
  const text = search.toString()
  return text ? `?${text}` : ''
}

/** In words, what the filter shows (for the heading of the printed page). */
export function filterDescription(filter: ChronologyFilter, children: readonly Child[], agencies: { id: string; name: string }[]): string {
  const parts: string[] = []
  if (filter.personId) parts.push(`about ${children.find(child => child.personId === filter.personId)?.name ?? 'one child'} and the whole family`)
  if (filter.kinds.length > 0) parts.push(`only ${filter.kinds.map(kind => CHRONOLOGY_KIND_NAMES[kind].toLowerCase()).join(', ')}`)
  if (filter.agencyId) parts.push(`recorded by ${agencies.find(agency => agency.id === filter.agencyId)?.name ?? 'one agency'}`)
  return parts.length > 0 ? `Showing events ${parts.join('; ')}.` : 'Showing every event you may see.'
}

/** The episodes a person's chronology merges: reference (linked to its own chronology), role, dates, re-referral. */
export function personEpisodeRows(
  episodes: { id: string; reference: string; status: string; role: 'child' | 'adult'; startedAt: Date; closedAt: Date | null; reReferral: boolean; previousReference: string | null }[],
) {
  return episodes.map(episode => {
    const reReferral = episode.reReferral ? `<br><span class="govuk-body-s">Re-referral${episode.previousReference ? ` after ${escapeHtml(episode.previousReference)}` : ''}</span>` : ''
    return [
      { html: `<a class="govuk-link" href="${escapeHtml(paths.records.chronology(episode.id))}">${escapeHtml(episode.reference)}</a>${reReferral}` },
      { text: episode.role === 'child' ? 'Child' : 'Adult' },
      { text: formatDate(episode.startedAt) },
      { text: episode.status === 'closed' ? `Closed${episode.closedAt ? ` ${formatDate(episode.closedAt)}` : ''}` : 'Open' },
    ]
  })
}
