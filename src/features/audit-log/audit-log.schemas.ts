import { z } from 'zod'
import type { FormErrors } from '../../lib/validation.ts'

// The audit log's filters live in the query string (so a search can be bookmarked and paged), and therefore hold
// only ids, codes and dates: never a name or anything else typed about a person (ASVS 14.2.1).

export type DayDate = { year: number; month: number; day: number }

export type AuditFilter = {
  /** Events about a person: their person record, their households, and every episode they are in. */
  personId?: string
  userId?: string
  action?: string
  recordType?: string
  recordId?: string
  outcome?: 'allowed' | 'denied'
  from?: DayDate
  to?: DayDate
}

const FIELDS = [
  'personId',
  'userId',
  'action',
  'recordType',
  'recordId',
  'outcome',
  'from-day',
  'from-month',
  'from-year',
  'to-day',
  'to-month',
  'to-year',
] as const

export type AuditQueryValues = Record<(typeof FIELDS)[number], string>

type DatePart = 'day' | 'month' | 'year'

export type AuditFormErrors = FormErrors & { dateParts: { from: DatePart[]; to: DatePart[] } }

export type ParsedAuditQuery =
  | { ok: true; filter: AuditFilter; page: number | undefined; values: AuditQueryValues }
  | { ok: false; formErrors: AuditFormErrors; values: AuditQueryValues }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A query-string value: the first if repeated, trimmed, bounded; absent or not text is ''. */
const queryText = z.preprocess(value => {
  const first = Array.isArray(value) ? value[0] : value
  return typeof first === 'string' ? first.trim().slice(0, 100) : ''
}, z.string())

const optionalMatching = (pattern: RegExp, message: string) =>
  queryText
    .refine(value => value === '' || pattern.test(value), message)
    .transform(value => (value === '' ? undefined : value))

const datePartsOf = (values: Record<`${'from' | 'to'}-${DatePart}`, string>, name: 'from' | 'to') => ({
  day: values[`${name}-day`] ?? '',
  month: values[`${name}-month`] ?? '',
  year: values[`${name}-year`] ?? '',
})

/** The filter form (GET): the choices. */
export const auditQuerySchema = z.object({
  personId: optionalMatching(
    UUID,
    'Enter a person ID in the correct format, like 0190a0c4-8a52-7d3e-9c1a-2f4e5d6b7a81',
  ).transform(value => value?.toLowerCase()),
  userId: optionalMatching(UUID, 'Select a practitioner from the list').transform(value => value?.toLowerCase()),
  action: optionalMatching(/^[a-z][a-z0-9._-]{0,59}$/, 'Select an action from the list'),
  recordType: optionalMatching(/^[a-z][a-z0-9._-]{0,39}$/, 'Select a record type from the list'),
  recordId: optionalMatching(
    UUID,
    'Enter a record ID in the correct format, like 0190a0c4-8a52-7d3e-9c1a-2f4e5d6b7a81',
  ).transform(value => value?.toLowerCase()),
  outcome: optionalMatching(/^(allowed|denied)$/, 'Select an outcome from the list').transform(
    value => value as AuditFilter['outcome'],
  ),
  page: queryText.transform(value => (/^\d{1,5}$/.test(value) ? Number(value) : undefined)),
})

/** The filter form (GET): the date range, two GOV.UK date inputs. Problems name the parts at fault. */
export const auditDatesSchema = z
  .object({
    'from-day': queryText,
    'from-month': queryText,
    'from-year': queryText,
    'to-day': queryText,
    'to-month': queryText,
    'to-year': queryText,
  })
  .transform((value, context) => {
    const dates: { from?: DayDate; to?: DayDate } = {}
    for (const [name, label] of [
      ['from', 'Date from'],
      ['to', 'Date to'],
    ] as const) {
      const result = parseDayDate(datePartsOf(value, name), label)
      if (result.kind === 'date') dates[name] = result.date
      if (result.kind === 'error')
        context.addIssue({ code: 'custom', path: [name], message: result.message, params: { parts: result.parts } })
    }
    if (dates.from && dates.to && compareDays(dates.from, dates.to) > 0) {
      context.addIssue({
        code: 'custom',
        path: ['to'],
        message: 'Date to must be the same as or after date from',
        params: { parts: ['day', 'month', 'year'] },
      })
    }
    return dates
  })

/** The filter form's query string, validated with safeParse. Every problem is a message for the error summary, never a 500. */
export function parseAuditQuery(query: unknown): ParsedAuditQuery {
  const raw = typeof query === 'object' && query !== null ? (query as Record<string, unknown>) : {}
  const values = Object.fromEntries(FIELDS.map(field => [field, queryText.parse(raw[field])])) as AuditQueryValues
  const choices = auditQuerySchema.safeParse(raw)
  const dates = auditDatesSchema.safeParse(raw)
  if (choices.success && dates.success) {
    const { page, ...chosen } = choices.data
    const filter: AuditFilter = {}
    for (const [key, value] of Object.entries({ ...chosen, ...dates.data })) {
      if (value !== undefined) Object.assign(filter, { [key]: value })
    }
    return { ok: true, filter, page, values }
  }
  const formErrors: AuditFormErrors = { errors: [], fieldErrors: {}, dateParts: { from: [], to: [] } }
  const issues = [...(choices.success ? [] : choices.error.issues), ...(dates.success ? [] : dates.error.issues)]
  for (const issue of issues) {
    const field = String(issue.path[0] ?? '')
    if (field in formErrors.fieldErrors) continue
    let href = field
    if (field === 'from' || field === 'to') {
      const parts = (issue as { params?: { parts?: DatePart[] } }).params?.parts ?? ['day']
      formErrors.dateParts[field] = parts
      href = `${field}-${parts[0] ?? 'day'}`
    }
    formErrors.fieldErrors[field] = { text: issue.message }
    formErrors.errors.push({ text: issue.message, href: `#${href}` })
  }
  return { ok: false, formErrors, values }
}

type DayDateResult =
  { kind: 'empty' } | { kind: 'date'; date: DayDate } | { kind: 'error'; message: string; parts: DatePart[] }

/** GOV.UK date input rules: all three parts or none; a real date; a four-digit year. */
export function parseDayDate(parts: Record<DatePart, string>, label: string): DayDateResult {
  const order: DatePart[] = ['day', 'month', 'year']
  const missing = order.filter(part => parts[part] === '')
  if (missing.length === 3) return { kind: 'empty' }
  if (missing.length > 0)
    return { kind: 'error', message: `${label} must include a ${missing.join(' and ')}`, parts: missing }
  const notNumbers = order.filter(part => !/^\d{1,4}$/.test(parts[part]))
  if (notNumbers.length > 0) return { kind: 'error', message: `${label} must be a real date`, parts: notNumbers }
  const day = Number(parts.day)
  const month = Number(parts.month)
  const year = Number(parts.year)
  if (parts.year.length !== 4)
    return { kind: 'error', message: `${label} must include a year with 4 numbers, like 2026`, parts: ['year'] }
  const check = new Date(Date.UTC(year, month - 1, day))
  const real =
    year >= 1900 &&
    year <= 2200 &&
    check.getUTCFullYear() === year &&
    check.getUTCMonth() === month - 1 &&
    check.getUTCDate() === day
  if (!real) return { kind: 'error', message: `${label} must be a real date`, parts: ['day', 'month', 'year'] }
  return { kind: 'date', date: { year, month, day } }
}

function compareDays(a: DayDate, b: DayDate): number {
  return Date.UTC(a.year, a.month - 1, a.day) - Date.UTC(b.year, b.month - 1, b.day)
}

const londonParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
})

function londonOffsetMs(instant: Date): number {
  const parts = Object.fromEntries(londonParts.formatToParts(instant).map(part => [part.type, part.value]))
  const asUtc = Date.UTC(
    Number(parts.year),
    Number(parts.month) - 1,
    Number(parts.day),
    Number(parts.hour),
    Number(parts.minute),
    Number(parts.second),
  )
  return asUtc - Math.floor(instant.getTime() / 1000) * 1000
}

/** The instant a day starts in the UK (midnight Europe/London; clocks never change at midnight there). */
export function startOfUkDay(date: DayDate, addDays = 0): Date {
  const guess = Date.UTC(date.year, date.month - 1, date.day + addDays)
  return new Date(guess - londonOffsetMs(new Date(guess)))
}

/** The filter as it goes back into a query string (for paging and the CSV link). */
export function filterQuery(filter: AuditFilter): Record<string, string | undefined> {
  const date = (prefix: string, value: DayDate | undefined) =>
    value
      ? {
          [`${prefix}-day`]: String(value.day),
          [`${prefix}-month`]: String(value.month),
          [`${prefix}-year`]: String(value.year),
        }
      : {}
  return {
    personId: filter.personId,
    userId: filter.userId,
    action: filter.action,
    recordType: filter.recordType,
    recordId: filter.recordId,
    outcome: filter.outcome,
    ...date('from', filter.from),
    ...date('to', filter.to),
  }
}

export function isoDay(date: DayDate): string {
  return `${String(date.year).padStart(4, '0')}-${String(date.month).padStart(2, '0')}-${String(date.day).padStart(2, '0')}`
}
