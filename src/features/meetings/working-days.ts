import { ukDateOf } from '../../lib/dates.ts'

// Working-day arithmetic for deadlines (minutes are due N working days after the meeting). Pure: dates are
// 'YYYY-MM-DD' strings in the UK calendar, holidays a set of the same.

const DAY_MS = 86_400_000

function toUtcDate(isoDate: string): Date {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(isoDate)) throw new RangeError(`Not a date: ${isoDate}`)
  const date = new Date(`${isoDate}T00:00:00Z`)
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== isoDate) throw new RangeError(`Not a date: ${isoDate}`)
  return date
}

/** Saturday or Sunday. */
export function isWeekend(isoDate: string): boolean {
  const day = toUtcDate(isoDate).getUTCDay()
  return day === 0 || day === 6
}

export function isWorkingDay(isoDate: string, holidays: ReadonlySet<string>): boolean {
  return !isWeekend(isoDate) && !holidays.has(isoDate)
}

/**
 * The date `days` working days after `isoDate`, skipping weekends and the given bank holidays. The start day itself
 * never counts (a meeting on Friday 1 March with 5 working days: due Friday 8 March). 0 days: the same day.
 */
export function workingDaysAfter(isoDate: string, days: number, holidays: ReadonlySet<string> = new Set()): string {
  if (!Number.isInteger(days) || days < 0 || days > 366) throw new RangeError(`Working days must be a whole number from 0 to 366: ${days}`)
  let current = toUtcDate(isoDate)
  let left = days
  while (left > 0) {
    current = new Date(current.getTime() + DAY_MS)
    if (isWorkingDay(current.toISOString().slice(0, 10), holidays)) left--
  }
  return current.toISOString().slice(0, 10)
}

/** The instant a UK wall-clock date and time ('YYYY-MM-DD', 'HH:MM') happens, taking British Summer Time into account. */
export function ukDateTimeToInstant(isoDate: string, time: string): Date {
  const [hours, minutes] = time.split(':').map(Number)
  const base = toUtcDate(isoDate).getTime() + ((hours ?? 0) * 60 + (minutes ?? 0)) * 60_000
  // London is UTC or UTC+1. Try both offsets and keep the one whose London wall clock matches.
  for (const offsetHours of [1, 0]) {
    const candidate = new Date(base - offsetHours * 3_600_000)
    if (ukWallClock(candidate) === `${isoDate} ${time}`) return candidate
  }
  // A time that does not exist (the hour skipped when clocks go forward): take it as UTC+0.
  return new Date(base)
}

const londonClock = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })

/** 'YYYY-MM-DD HH:MM' in the UK at an instant. */
export function ukWallClock(instant: Date): string {
  return `${ukDateOf(instant)} ${londonClock.format(instant)}`
}

/** 'HH:MM' in the UK at an instant. */
export function ukTimeOf(instant: Date): string {
  return londonClock.format(instant)
}
