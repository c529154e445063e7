import { z } from 'zod'
import { csrfField, longText, text } from '../../lib/validation.ts'
import { words } from '../family-pages/family-pages.schemas.ts'
import type { CorrectableField } from './record-history.repository.ts'
import { CORRECTABLE_FIELDS } from './record-history.service.ts'

const fields = Object.keys(CORRECTABLE_FIELDS) as [CorrectableField, ...CorrectableField[]]

function isRealDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false
  const date = new Date(`${value}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value && value >= '1900-01-01'
}

export const correctionForm = z
  .strictObject({
    ...csrfField,
    field: z.enum(fields, { error: 'Choose the detail that is wrong' }),
    value: text('the correct value', { required: false, max: 500 }),
    reason: longText('why it is being corrected', { max: 2000 }),
    version: z.coerce.number({ error: 'The form is out of date' }).int().min(0),
  })
  .refine(form => form.field !== 'dateOfBirth' || form.value === '' || isRealDate(form.value), {
    message: 'Enter the date of birth as year-month-day, for example 2015-05-05',
    path: ['value'],
  })

export const disputeForm = z.strictObject({
  ...csrfField,
  record: text('what the family disagrees with', { max: 300, enterMessage: 'Choose what the family disagrees with' }),
  statement: longText('the family\'s statement', { max: 5000 }),
  byName: text('who disagrees', { max: 200 }),
})

/** The most a family member may write in one statement (the same as the team's record of a statement). */
export const FAMILY_STATEMENT_MAX = 5000

/** The family's "I disagree with this" form: whole sentences, each with Welsh in src/locales/cy/record-disputes.po. */
export const familyDisputeForm = z.strictObject({
  ...csrfField,
  record: words({ max: 300, multiLine: false, empty: 'Choose what you disagree with.', tooLong: 'Choose what you disagree with.' }),
  statement: words({
    max: FAMILY_STATEMENT_MAX,
    multiLine: true,
    empty: 'Write what you disagree with, and what you think is right.',
    tooLong: 'What you write must be 5,000 characters or fewer.',
  }),
})
