import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ENGLAND_AND_WALES_BANK_HOLIDAYS } from './bank-holidays.ts'
import { lateMinutesMessage } from './meetings-due.ts'
import { ukDateOf } from '../../lib/dates.ts'
import { isWeekend, ukDateTimeToInstant, workingDaysAfter } from './working-days.ts'

const holidays = new Set(ENGLAND_AND_WALES_BANK_HOLIDAYS.map(holiday => holiday.date))

describe('working days after a date', () => {
  it('counts only weekdays, never the start day', () => {
    assert.equal(workingDaysAfter('2027-03-03', 5, holidays), '2027-03-10') // Wednesday → next Wednesday
    assert.equal(workingDaysAfter('2027-03-05', 1, holidays), '2027-03-08') // Friday → Monday
    assert.equal(workingDaysAfter('2027-03-06', 1, holidays), '2027-03-08') // Saturday → Monday
    assert.equal(workingDaysAfter('2027-03-05', 0, holidays), '2027-03-05')
  })

  it('skips Easter: Good Friday and Easter Monday', () => {
    // Thursday 25 March 2027; Good Friday 26, Easter Monday 29 March.
    assert.equal(workingDaysAfter('2027-03-25', 1, holidays), '2027-03-30')
    assert.equal(workingDaysAfter('2027-03-25', 5, holidays), '2027-04-05')
    assert.equal(workingDaysAfter('2026-04-02', 5, holidays), '2026-04-13') // Good Friday 3, Easter Monday 6 April 2026
  })

  it('skips Christmas with substitute days', () => {
    // 2026: Christmas Friday 25, Boxing Day substitute Monday 28; New Year's Day Friday 1 January 2027.
    assert.equal(workingDaysAfter('2026-12-24', 5, holidays), '2027-01-05')
    // 2027: Christmas and Boxing Day on the weekend, substitutes Monday 27 and Tuesday 28.
    assert.equal(workingDaysAfter('2027-12-24', 1, holidays), '2027-12-29')
    // 2028: New Year's Day on a Saturday, substitute Monday 3 January.
    assert.equal(workingDaysAfter('2027-12-31', 1, holidays), '2028-01-04')
  })

  it('skips the May and August bank holidays, and any added by an administrator', () => {
    assert.equal(workingDaysAfter('2026-05-22', 1, holidays), '2026-05-26')
    assert.equal(workingDaysAfter('2026-08-28', 1, holidays), '2026-09-01')
    const added = new Set([...holidays, '2029-01-01'])
    assert.equal(workingDaysAfter('2028-12-29', 1, holidays), '2029-01-01')
    assert.equal(workingDaysAfter('2028-12-29', 1, added), '2029-01-02')
  })

  it('ships only weekday bank holidays, 8 a year, 2024 to 2028', () => {
    for (const holiday of ENGLAND_AND_WALES_BANK_HOLIDAYS) assert.equal(isWeekend(holiday.date), false, holiday.date)
    for (const year of ['2024', '2025', '2026', '2027', '2028']) {
      assert.equal(ENGLAND_AND_WALES_BANK_HOLIDAYS.filter(holiday => holiday.date.startsWith(year)).length, 8, year)
    }
  })

  it('refuses nonsense', () => {
    assert.throws(() => workingDaysAfter('2027-02-30', 1), RangeError)
    assert.throws(() => workingDaysAfter('2027-03-03', -1), RangeError)
    assert.throws(() => workingDaysAfter('2027-03-03', 1.5), RangeError)
  })
})

describe('UK time', () => {
  it('turns UK wall-clock times into instants across British Summer Time', () => {
    assert.equal(ukDateTimeToInstant('2027-01-15', '10:00').toISOString(), '2027-01-15T10:00:00.000Z')
    assert.equal(ukDateTimeToInstant('2027-07-15', '10:00').toISOString(), '2027-07-15T09:00:00.000Z')
    assert.equal(ukDateOf(new Date('2027-07-15T23:30:00Z')), '2027-07-16')
  })
})

describe('late minutes message', () => {
  it('says which minutes are late and when they were due, as families read it', () => {
    assert.equal(lateMinutesMessage(new Date('2027-03-03T10:00:00Z'), '2027-03-10', '2027-03-12'), 'The minutes of 3 March are late. They were due on 10 March.')
    assert.equal(lateMinutesMessage(new Date('2026-12-21T10:00:00Z'), '2026-12-30', '2027-01-04'), 'The minutes of 21 December 2026 are late. They were due on 30 December 2026.')
  })
})
