import { z } from 'zod'
import type { RetentionRecordType } from '../../db/schema.ts'
import { csrfField, longText, text, uuid } from '../../lib/validation.ts'
import { RECORD_TYPES, type RetentionRule } from './retention-rules.ts'

// One schema per retention form (docs/retention.md). Messages are GOV.UK sentences; every text is bounded.

const RELOAD = 'This form is out of date. Reload the page and try again'

const MIN_YEARS = 1
const MAX_YEARS = 100

/** The youngest age a record may be kept until: records about children are kept at least until they are adults. */
const MIN_AGE = 18

/** A whole number of years from 1 to 100, or an age from 18 to 100; blank is allowed where `optional`. */
function wholeYears(label: string, optional: boolean, min = MIN_YEARS) {
  return text(label, { max: 10, required: !optional, enterMessage: `Enter ${label}` })
    .refine(value => value === '' || /^[0-9]{1,3}$/.test(value), { message: `${capitalise(label)} must be a whole number, like 6` })
    .transform(value => (value === '' ? null : Number(value)))
    .refine(value => value === null || (value >= min && value <= MAX_YEARS), { message: `${capitalise(label)} must be from ${min} to ${MAX_YEARS}` })
}

function capitalise(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1)
}

const YEARS_LABELS: Record<RetentionRecordType, string> = {
  episode: 'the years closed episodes are kept',
  episode_safeguarding: 'the years closed episodes with a safeguarding referral are kept',
  person: 'the years people in no episode are kept',
}

const AGE_LABELS: Partial<Record<RetentionRecordType, string>> = {
  episode: 'the age of the youngest child for closed episodes',
  episode_safeguarding: 'the age of the youngest child for closed episodes with a safeguarding referral',
}

/** The field names of the rules form: `<record type>-yearsAfter` and, for episodes, `<record type>-untilAge`. */
export const yearsField = (type: RetentionRecordType) => `${type}-yearsAfter`
export const ageField = (type: RetentionRecordType) => `${type}-untilAge`

export const rulesForm = z
  .strictObject({
    ...csrfField,
    'episode-yearsAfter': wholeYears(YEARS_LABELS.episode, false),
    'episode-untilAge': wholeYears(AGE_LABELS.episode ?? '', true, MIN_AGE).optional(),
    'episode_safeguarding-yearsAfter': wholeYears(YEARS_LABELS.episode_safeguarding, false),
    'episode_safeguarding-untilAge': wholeYears(AGE_LABELS.episode_safeguarding ?? '', true, MIN_AGE).optional(),
    'person-yearsAfter': wholeYears(YEARS_LABELS.person, false),
  })
  .transform((form): RetentionRule[] =>
    RECORD_TYPES.map(recordType => ({
      recordType,
      yearsAfter: form[`${recordType}-yearsAfter`] ?? MIN_YEARS,
      untilAge: recordType === 'person' ? null : ((recordType === 'episode' ? form['episode-untilAge'] : form['episode_safeguarding-untilAge']) ?? null),
    })),
  )

/** Asking for the list now: a button. */
export const refreshForm = z.strictObject({ ...csrfField })

/** Approving the batch as the coordinator saw it: its version, and a tick that they checked it. */
export const approveForm = z.strictObject({
  ...csrfField,
  version: z.string({ error: RELOAD }).regex(/^[0-9]{1,9}$/, RELOAD).transform(Number),
  confirm: z.literal('yes', { error: 'Confirm that you have checked the list and these records can be disposed of' }),
})

const reason = (label: string) => longText(label, { max: 2000 })

/** A legal hold: on an episode (from its page, or by reference) or on a person (from their page), with a reason. */
export const holdForm = z
  .strictObject({
    ...csrfField,
    kind: z.enum(['episode', 'person'], { error: RELOAD }),
    subjectId: z.union([z.literal(''), uuid()], { error: RELOAD }).optional(),
    reference: text('the episode reference', { max: 40, required: false }).optional(),
    reason: reason('the reason for the hold'),
  })
  .superRefine((form, context) => {
    if (form.subjectId) return
    if (form.kind === 'person') context.addIssue({ code: 'custom', path: ['kind'], message: RELOAD })
    else if (!form.reference) context.addIssue({ code: 'custom', path: ['reference'], message: 'Enter the episode reference, like EH-2026-000123' })
  })
  .transform(form => ({
    kind: form.kind,
    subjectId: form.subjectId ? form.subjectId : undefined,
    reference: form.subjectId ? undefined : (form.reference ?? undefined),
    reason: form.reason,
  }))

export const releaseForm = z.strictObject({ ...csrfField, reason: reason('why the hold is being released') })
