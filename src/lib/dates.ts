// Calendar dates ('YYYY-MM-DD') as OneStory uses them: a day in England and Wales, not an instant.

const ukCalendarDate = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' })

/** The calendar date in the UK at an instant ("today" for a clock reading), taking British Summer Time into account. */
export function ukDateOf(instant: Date): string {
  return ukCalendarDate.format(instant)
}

/** A calendar date moved by whole days (negative: earlier). */
export function addDays(isoDay: string, days: number): string {
  const date = new Date(`${isoDay}T00:00:00Z`)
  date.setUTCDate(date.getUTCDate() + days)
  return date.toISOString().slice(0, 10)
}

/** A date column's value as 'YYYY-MM-DD' (both drivers return strings; a Date is taken at its UTC date). */
export function dateColumn(value: string | Date): string
export function dateColumn(value: string | Date | null | undefined): string | null
export function dateColumn(value: string | Date | null | undefined): string | null {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return value.toISOString().slice(0, 10)
  return String(value).slice(0, 10)
}

type FormValues = Record<string, string | string[] | undefined>

/** The items of a GOV.UK date input (day, month, year) named `<prefix>-day` …, from the values as typed. */
export function dateInputItems(prefix: string, values: FormValues, hasError: boolean) {
  const error = hasError ? ' govuk-input--error' : ''
  const value = (part: string) => {
    const raw = values[`${prefix}-${part}`]
    return Array.isArray(raw) ? raw[0] : raw
  }
  return [
    { name: 'day', classes: `govuk-input--width-2${error}`, value: value('day') },
    { name: 'month', classes: `govuk-input--width-2${error}`, value: value('month') },
    { name: 'year', classes: `govuk-input--width-4${error}`, value: value('year') },
  ]
}

/** A stored date as the values of a date input named `<prefix>-day` … (empty when there is none). */
export function dateInputValues(prefix: string, iso: string | null | undefined): Record<string, string> {
  if (!iso) return { [`${prefix}-day`]: '', [`${prefix}-month`]: '', [`${prefix}-year`]: '' }
  const [year = '', month = '', day = ''] = iso.split('-')
  return { [`${prefix}-day`]: String(Number(day)), [`${prefix}-month`]: String(Number(month)), [`${prefix}-year`]: year }
}
