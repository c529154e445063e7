import type { RetentionRecordType } from '../../db/schema.ts'

// How long records are kept (docs/retention.md). Pure functions: the due date of a closed episode or a person in no
// episode, from the authority's rules. The defaults follow common local-authority retention schedules for early help
// (6 years after closure, or until the youngest child is 25, whichever is later); an authority sets its own.

export type RetentionRule = { recordType: RetentionRecordType; yearsAfter: number; untilAge: number | null }

export const RECORD_TYPES: readonly RetentionRecordType[] = ['episode', 'episode_safeguarding', 'person']

export const RECORD_TYPE_NAMES: Record<RetentionRecordType, { name: string; after: string; disposition: 'delete' | 'anonymise' }> = {
  episode: { name: 'Closed episodes of early help', after: 'after the episode closed', disposition: 'delete' },
  episode_safeguarding: { name: 'Closed episodes with a safeguarding referral', after: 'after the episode closed', disposition: 'delete' },
  person: { name: 'People who are in no episode', after: 'after their record last changed', disposition: 'anonymise' },
}

export const DEFAULT_RULES: Record<RetentionRecordType, RetentionRule> = {
  episode: { recordType: 'episode', yearsAfter: 6, untilAge: 25 },
  episode_safeguarding: { recordType: 'episode_safeguarding', yearsAfter: 10, untilAge: 25 },
  person: { recordType: 'person', yearsAfter: 2, untilAge: null },
}

/** The date `years` after `date` (29 February → 28 February in a common year), as YYYY-MM-DD. */
export function addYears(date: string, years: number): string {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number]
  const target = new Date(Date.UTC(year + years, month - 1, day))
  if (target.getUTCMonth() !== month - 1) target.setUTCDate(0)
  return target.toISOString().slice(0, 10)
}

export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10)
}

/**
 * When a closed episode may be disposed of: `yearsAfter` years after closure, or (until_age set) the day the youngest
 * child reaches that age — whichever is later. A child without a date of birth counts as born on the day the
 * episode closed (or their expected date of birth), so an unknown age never shortens the period.
 */
export function episodeDueOn(rule: RetentionRule, closedOn: string, childBirthDates: Array<string | null>): string {
  let due = addYears(closedOn, rule.yearsAfter)
  if (rule.untilAge !== null) {
    for (const born of childBirthDates.length > 0 ? childBirthDates : []) {
      const birthday = addYears(born ?? closedOn, rule.untilAge)
      if (birthday > due) due = birthday
    }
  }
  return due
}

/** When a person in no episode may be anonymised: `yearsAfter` years after their record last changed. */
export function personDueOn(rule: RetentionRule, lastChangedOn: string): string {
  return addYears(lastChangedOn, rule.yearsAfter)
}
