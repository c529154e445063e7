import { z } from 'zod'
import { ukDateOf } from '../../lib/dates.ts'

// The reports' filters live in the query string (a report can be bookmarked and downloaded as CSV with the same
// filters): a locality id and a period of whole months, 'YYYY-MM'. Nothing typed about a person ever goes in it.

export type Month = { year: number; month: number }

export type ReportFilter = { localityId: string | undefined; from: Month; to: Month }

export type ReportQueryValues = { localityId: string; from: string; to: string }

export type FilterProblem = { field: keyof ReportQueryValues; message: string }

/** How far back a period may start: the current month and the 59 before it (five years). */
export const MONTHS_BACK = 60
/** The period shown when none is chosen: the current month and the 11 before it. */
export const DEFAULT_MONTHS = 12

const MONTH_TEXT = /^(\d{4})-(0[1-9]|1[0-2])$/
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

export const MESSAGES = {
  locality: 'Select a locality from the list',
  from: 'Select the first month of the period from the list',
  to: 'Select the last month of the period from the list',
  order: 'The last month must be the same as or after the first month',
} as const

/** The API's query (GET /api/v1/reports): unknown parameters are refused; the months' range is checked by the service. */
export const reportApiQuery = z.strictObject({
  localityId: z
    .string()
    .regex(UUID, 'localityId must be a UUID')
    .optional()
    .meta({ description: 'Only episodes of this locality (GET /localities lists them).', format: 'uuid' }),
  from: z
    .string()
    .regex(MONTH_TEXT, 'from must be a month like 2026-01')
    .optional()
    .meta({ description: `The first month of the period, YYYY-MM (UK time), at most ${MONTHS_BACK - 1} months back. Default: ${DEFAULT_MONTHS - 1} months before the last.` }),
  to: z
    .string()
    .regex(MONTH_TEXT, 'to must be a month like 2026-12')
    .optional()
    .meta({ description: 'The last month of the period, YYYY-MM (UK time), not after the current month. Default: the current month.' }),
})

export function monthKey(month: Month): string {
  return `${String(month.year).padStart(4, '0')}-${String(month.month).padStart(2, '0')}`
}

export function addMonths(month: Month, count: number): Month {
  const index = month.year * 12 + (month.month - 1) + count
  return { year: Math.floor(index / 12), month: (index % 12) + 1 }
}

function monthIndex(month: Month): number {
  return month.year * 12 + month.month - 1
}

/** The first day of the month, 'YYYY-MM-DD'. */
export function firstDayOf(month: Month): string {
  return `${monthKey(month)}-01`
}

/** The month it is now in the UK. */
export function currentUkMonth(now: Date): Month {
  const [year, month] = ukDateOf(now).split('-').map(Number)
  return { year: year ?? 1970, month: month ?? 1 }
}

/** The months a period may start or end in, newest first (the options of the form's lists). */
export function selectableMonths(current: Month): Month[] {
  return Array.from({ length: MONTHS_BACK }, (_, back) => addMonths(current, -back))
}

/** A query-string value: the first if repeated, trimmed, bounded; absent or not text is ''. */
function queryText(value: unknown): string {
  const first = Array.isArray(value) ? value[0] : value
  return typeof first === 'string' ? first.trim().slice(0, 100) : ''
}

function parseMonth(text: string, current: Month): Month | 'invalid' {
  const match = MONTH_TEXT.exec(text)
  if (!match) return 'invalid'
  const month = { year: Number(match[1]), month: Number(match[2]) }
  const index = monthIndex(month)
  if (index > monthIndex(current) || index <= monthIndex(current) - MONTHS_BACK) return 'invalid'
  return month
}

/**
 * The filters from a query string, against the current UK month. Every problem is a message for the error summary
 * (or the API's problem details), never a 500. Whether the locality is the authority's is checked by the service.
 */
export function parseReportQuery(query: unknown, current: Month): { values: ReportQueryValues; filter: ReportFilter | null; problems: FilterProblem[] } {
  const raw = typeof query === 'object' && query !== null ? (query as Record<string, unknown>) : {}
  const values: ReportQueryValues = { localityId: queryText(raw.localityId), from: queryText(raw.from), to: queryText(raw.to) }
  const problems: FilterProblem[] = []
  if (values.localityId !== '' && !UUID.test(values.localityId)) problems.push({ field: 'localityId', message: MESSAGES.locality })
  const to = values.to === '' ? current : parseMonth(values.to, current)
  const from = values.from === '' ? (to === 'invalid' ? 'invalid' : laterOf(addMonths(to, 1 - DEFAULT_MONTHS), addMonths(current, 1 - MONTHS_BACK))) : parseMonth(values.from, current)
  if (values.from !== '' && from === 'invalid') problems.push({ field: 'from', message: MESSAGES.from })
  if (to === 'invalid') problems.push({ field: 'to', message: MESSAGES.to })
  if (from !== 'invalid' && to !== 'invalid' && monthIndex(from) > monthIndex(to)) problems.push({ field: 'to', message: MESSAGES.order })
  if (problems.length > 0 || from === 'invalid' || to === 'invalid') return { values, filter: null, problems }
  return { values, filter: { localityId: values.localityId === '' ? undefined : values.localityId.toLowerCase(), from, to }, problems }
}

function laterOf(a: Month, b: Month): Month {
  return monthIndex(a) >= monthIndex(b) ? a : b
}

/** Every month of the period, oldest first. */
export function monthsOf(filter: ReportFilter): Month[] {
  const count = monthIndex(filter.to) - monthIndex(filter.from) + 1
  return Array.from({ length: count }, (_, index) => addMonths(filter.from, index))
}

/** The filter as it goes back into a query string (for the CSV link and the API). */
export function filterQuery(filter: ReportFilter): Record<string, string | undefined> {
  return { localityId: filter.localityId, from: monthKey(filter.from), to: monthKey(filter.to) }
}
