import type { RetentionRecordType } from '../../db/schema.ts'
import { paths } from '../../paths.ts'
import { formatDate, formatDateTime } from '../../plugins/views.ts'
import { DEFAULT_RULES, RECORD_TYPES, RECORD_TYPE_NAMES } from './retention-rules.ts'
import { ageField, yearsField } from './retention.schemas.ts'
import type { RuleView } from './retention.service.ts'

// Pure functions from service results to the arguments of GOV.UK macros. A record is named no more than it takes to
// recognise it: an episode by its reference, a person in no episode by their name (and by nothing once anonymised).

type Cell = { text: string } | { html: string }
type Values = Record<string, string>

type Item = {
  subjectKind: 'episode' | 'person'
  subjectId: string
  recordType: RetentionRecordType
  label: string | null
  dueOn: string
  disposition: 'delete' | 'anonymise'
  outcome: 'pending' | 'disposed' | 'held' | 'not_due' | 'gone'
  disposedAt: Date | null
}

const OUTCOMES: Record<Item['outcome'], string> = {
  pending: 'Waiting',
  disposed: 'Disposed of',
  held: 'Kept: a legal hold',
  not_due: 'Kept: no longer due',
  gone: 'Already gone',
}

const STATUS: Record<'proposed' | 'approved' | 'completed', { text: string; classes: string }> = {
  proposed: { text: 'Waiting for approval', classes: 'govuk-tag--yellow' },
  approved: { text: 'Approved, being disposed of', classes: 'govuk-tag--blue' },
  completed: { text: 'Completed', classes: 'govuk-tag--green' },
}

export function statusTag(status: keyof typeof STATUS) {
  return STATUS[status]
}

function escape(value: string): string {
  return value.replace(/[&<>"']/g, character => `&#${character.charCodeAt(0)};`)
}

export function itemName(item: { subjectKind: 'episode' | 'person'; label: string | null }): string {
  if (item.subjectKind === 'episode') return `Episode ${item.label ?? ''}`.trim()
  return item.label ?? 'A person (anonymised)'
}

function dispositionText(disposition: 'delete' | 'anonymise'): string {
  return disposition === 'delete' ? 'Deleted with everything in it' : 'Anonymised'
}

/** The rows of a batch: what, by which rule, due when, what happens (and, once approved, what happened). */
export function itemRows(items: Item[], options: { outcomes: boolean; holdLinks: boolean }): Cell[][] {
  return items.map(item => {
    const name = itemName(item)
    const nameCell: Cell =
      item.subjectKind === 'episode' && item.label && item.outcome !== 'disposed' && item.outcome !== 'gone'
        ? { html: `<a class="govuk-link" href="${escape(paths.episodes.show(item.subjectId))}">${escape(name)}</a>` }
        : { text: name }
    const row: Cell[] = [nameCell, { text: RECORD_TYPE_NAMES[item.recordType].name }, { text: formatDate(item.dueOn) }, { text: dispositionText(item.disposition) }]
    if (options.outcomes) row.push({ text: `${OUTCOMES[item.outcome]}${item.disposedAt ? ` on ${formatDate(item.disposedAt)}` : ''}` })
    if (options.holdLinks) {
      row.push({
        html: `<a class="govuk-link" href="${escape(paths.retention.newHold({ kind: item.subjectKind, id: item.subjectId }))}">Keep it<span class="govuk-visually-hidden">: place a legal hold on ${escape(name)}</span></a>`,
      })
    }
    return row
  })
}

export function itemHead(options: { outcomes: boolean; holdLinks: boolean }): Cell[] {
  return [
    { text: 'Record' },
    { text: 'Rule' },
    { text: 'Due on' },
    { text: 'What happens' },
    ...(options.outcomes ? [{ text: 'Outcome' }] : []),
    ...(options.holdLinks ? [{ html: '<span class="govuk-visually-hidden">Legal hold</span>' }] : []),
  ]
}

export function batchCounts(items: Array<{ disposition: 'delete' | 'anonymise' }>): { episodes: number; people: number; text: string } {
  const episodes = items.filter(item => item.disposition === 'delete').length
  const people = items.length - episodes
  const parts = [
    ...(episodes ? [`${episodes} ${episodes === 1 ? 'episode' : 'episodes'} to delete`] : []),
    ...(people ? [`${people} ${people === 1 ? 'person' : 'people'} to anonymise`] : []),
  ]
  return { episodes, people, text: parts.join(' and ') }
}

/** A rule in words: "6 years after the episode closed, or until the youngest child is 25, whichever is later". */
export function ruleText(rule: { recordType: RetentionRecordType; yearsAfter: number; untilAge: number | null }): string {
  const years = `${rule.yearsAfter} ${rule.yearsAfter === 1 ? 'year' : 'years'} ${RECORD_TYPE_NAMES[rule.recordType].after}`
  return rule.untilAge === null ? years : `${years}, or until the youngest child is ${rule.untilAge}, whichever is later`
}

export function ruleSummaryRows(rules: Record<RetentionRecordType, RuleView>) {
  return RECORD_TYPES.map(type => ({
    key: { text: RECORD_TYPE_NAMES[type].name },
    value: { text: `${ruleText(rules[type])}; then ${RECORD_TYPE_NAMES[type].disposition === 'delete' ? 'deleted' : 'anonymised'}${rules[type].saved ? '' : ' (the default)'}` },
  }))
}

/** The rules form: one fieldset per record type, with what is saved (or the default) as the starting values. */
export function ruleFieldsets(rules: Record<RetentionRecordType, RuleView>, values: Values, fieldErrors: Record<string, { text: string }> = {}) {
  return RECORD_TYPES.map(type => {
    const names = RECORD_TYPE_NAMES[type]
    const fallback = DEFAULT_RULES[type]
    return {
      type,
      legend: names.name,
      hint: `${names.disposition === 'delete' ? 'Deleted' : 'Anonymised'} when due. ${rules[type].saved ? 'Set by your authority.' : 'Not set yet: the default applies.'} Default: ${ruleText(fallback)}.`,
      years: { id: yearsField(type), name: yearsField(type), value: values[yearsField(type)] ?? '', label: `Years kept ${names.after}`, errorMessage: fieldErrors[yearsField(type)] },
      age:
        type === 'person'
          ? null
          : { id: ageField(type), name: ageField(type), value: values[ageField(type)] ?? '', label: 'Or until the youngest child is this age, whichever is later (optional)', errorMessage: fieldErrors[ageField(type)] },
    }
  })
}

export function ruleValues(rules: Record<RetentionRecordType, RuleView>): Values {
  const values: Values = {}
  for (const type of RECORD_TYPES) {
    values[yearsField(type)] = String(rules[type].yearsAfter)
    if (type !== 'person') values[ageField(type)] = rules[type].untilAge === null ? '' : String(rules[type].untilAge)
  }
  return values
}

type Hold = { id: string; subjectKind: 'episode' | 'person'; subjectId: string; reason: string; placedByUserId: string; placedAt: Date }

export function holdRows(holds: Hold[], labels: Map<string, string>, names: Map<string, string>): Cell[][] {
  return holds.map(hold => {
    const label = labels.get(hold.id) ?? ''
    const what = hold.subjectKind === 'episode' ? `Episode ${label}` : label
    return [
      { text: what },
      { text: hold.reason },
      { text: `${names.get(hold.placedByUserId) ?? 'Someone no longer here'}, ${formatDate(hold.placedAt)}` },
      { html: `<a class="govuk-link" href="${escape(paths.retention.releaseHold(hold.id))}">Release<span class="govuk-visually-hidden"> the hold on ${escape(what)}</span></a>` },
    ]
  })
}

type Batch = { id: string; status: 'proposed' | 'approved' | 'completed'; listedAt: Date; approvedByUserId: string | null; approvedAt: Date | null; completedAt: Date | null }

export function pastBatchRows(batches: Batch[], counts: Map<string, Record<string, number>>, names: Map<string, string>): Cell[][] {
  return batches.map(batch => {
    const count = counts.get(batch.id) ?? {}
    const kept = (count.held ?? 0) + (count.not_due ?? 0)
    return [
      { html: `<a class="govuk-link" href="${escape(paths.retention.batch(batch.id))}">${escape(formatDate(batch.approvedAt ?? batch.listedAt))}</a>` },
      { text: batch.approvedByUserId ? (names.get(batch.approvedByUserId) ?? 'Someone no longer here') : '—' },
      { text: STATUS[batch.status].text },
      { text: `${count.disposed ?? 0} disposed of${kept ? `, ${kept} kept` : ''}${count.pending ? `, ${count.pending} waiting` : ''}` },
    ]
  })
}

type DisposalEvent = { id: string; at: Date; recordType: string | null; recordId: string | null; details: Record<string, unknown> }

function rowCount(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0
  return Object.values(value as Record<string, unknown>).reduce<number>((sum, count) => sum + (typeof count === 'number' ? count : 0), 0)
}

/** The audit trail's disposals: when, what, rule, outcome, approved by whom, how much went — never the content. */
export function disposalRows(events: DisposalEvent[], labels: Map<string, string>, names: Map<string, string>): Cell[][] {
  return events.map(event => {
    const details = event.details
    const rule = typeof details.rule === 'string' && details.rule in RECORD_TYPE_NAMES ? RECORD_TYPE_NAMES[details.rule as RetentionRecordType].name : '—'
    const outcome = typeof details.outcome === 'string' && details.outcome in OUTCOMES ? OUTCOMES[details.outcome as Item['outcome']] : String(details.outcome ?? '—')
    const approver = typeof details.approvedByUserId === 'string' ? (names.get(details.approvedByUserId) ?? 'Someone no longer here') : 'Nobody (not approved)'
    const what = event.recordType === 'episode' ? `Episode ${(event.recordId && labels.get(event.recordId)) || '(reference not kept)'}` : 'A person (anonymised)'
    const removed = rowCount(details.rowsDeleted) + rowCount(details.rowsDeletedWithPeople)
    const people = typeof details.peopleAnonymised === 'number' ? details.peopleAnonymised : 0
    const accounts = typeof details.familyAccountsClosed === 'number' ? details.familyAccountsClosed : 0
    const amount = details.outcome === 'disposed' ? [`${removed} ${removed === 1 ? 'row' : 'rows'} deleted`, ...(people ? [`${people} ${people === 1 ? 'person' : 'people'} anonymised`] : []), ...(accounts ? [`${accounts} family ${accounts === 1 ? 'account' : 'accounts'} closed`] : [])].join(', ') : '—'
    return [{ text: formatDateTime(event.at) }, { text: what }, { text: rule }, { text: outcome }, { text: approver }, { text: amount }]
  })
}
