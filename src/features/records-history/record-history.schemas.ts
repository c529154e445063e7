import { z } from 'zod'
import { csrfField, longText, text } from '../../lib/validation.ts'
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

export const familyDisputeForm = z.strictObject({
  ...csrfField,
  record: text('what you disagree with', { max: 300, enterMessage: 'Choose what you disagree with' }),
  statement: longText('what you want to say', { max: 5000 }),
})
