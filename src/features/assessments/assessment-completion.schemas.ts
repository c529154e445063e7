import { z } from 'zod'
import { csrfField, longText, optionalText, uuid } from '../../lib/validation.ts'
import { dateFromParts } from '../episodes/episodes.schemas.ts'

// Forms and API bodies for completing an assessment: outcome and sign-off, the manager's approval, and recording the
// family's copy as given.

export const OUTCOMES = ['no_further_action', 'single_agency', 'multi_agency'] as const
export type Outcome = (typeof OUTCOMES)[number]

const versionField = z
  .string({ error: 'The form is missing its version. Reload the page and try again' })
  .regex(/^[0-9]{1,9}$/, 'The form’s version is not valid. Reload the page and try again')
  .transform(Number)

const dayPart = z.string().max(10).optional()

type Ctx = { addIssue: (issue: { code: 'custom'; message: string; path: string[] }) => void }

function takeDate(ctx: Ctx, fields: Record<string, unknown>, prefix: string, label: string): string {
  const part = (name: string) => {
    const value = fields[`${prefix}-${name}`]
    return typeof value === 'string' ? value : undefined
  }
  const result = dateFromParts(part('day'), part('month'), part('year'), label)
  if (typeof result === 'string') return result
  ctx.addIssue({ code: 'custom', message: result.error, path: [`${prefix}-day`] })
  return ''
}

export type SignOffInput = { outcome: Outcome; completionDate: string; version: number }

/** Outcome, completion date and the assessor's confirmation. */
export const signOffForm = z
  .strictObject({
    ...csrfField,
    outcome: z.enum(OUTCOMES, { error: 'Select the outcome of the assessment' }),
    'completionDate-day': dayPart,
    'completionDate-month': dayPart,
    'completionDate-year': dayPart,
    confirm: z.literal('yes', { error: 'Confirm that this assessment is a fair record of what you discussed with the family' }),
    version: versionField,
  })
  .transform((form, ctx): SignOffInput => {
    const completionDate = takeDate(ctx, form, 'completionDate', 'the completion date')
    return { outcome: form.outcome, completionDate, version: form.version }
  })

export type ApprovalInput = { decision: 'approve' } | { decision: 'return'; comments: string }
export type ApprovalForm = ApprovalInput & { version: number }

/** The manager approves, or returns the assessment with comments (required when returning). */
export const approvalForm = z
  .strictObject({
    ...csrfField,
    decision: z.enum(['approve', 'return'], { error: 'Select whether you approve the assessment or return it to the assessor' }),
    comments: longText('your comments', { max: 5000, required: false }).optional(),
    version: versionField,
  })
  .transform((form, ctx): ApprovalForm => {
    if (form.decision === 'approve') return { decision: 'approve', version: form.version }
    const comments = form.comments ?? ''
    if (comments === '') ctx.addIssue({ code: 'custom', message: 'Enter your comments for the assessor: what needs to change before you can approve it', path: ['comments'] })
    return { decision: 'return', comments, version: form.version }
  })

export const COPY_FORMATS = ['pdf', 'printed', 'in_person'] as const

export type FamilyCopyGivenInput = { givenTo: string; otherName: string | null; format: (typeof COPY_FORMATS)[number]; givenOn: string }

/** Who the family's copy was given to (a person on the episode, or someone else by name), how, and when. */
export const familyCopyGivenForm = z
  .strictObject({
    ...csrfField,
    givenTo: z.union([uuid('The person'), z.literal('other')], { error: 'Select who you gave the copy to' }),
    otherName: optionalText('the name of the person you gave it to', 150),
    format: z.enum(COPY_FORMATS, { error: 'Select how you gave the copy' }),
    'givenOn-day': dayPart,
    'givenOn-month': dayPart,
    'givenOn-year': dayPart,
  })
  .transform((form, ctx): FamilyCopyGivenInput => {
    if (form.givenTo === 'other' && form.otherName === null) {
      ctx.addIssue({ code: 'custom', message: 'Enter the name of the person you gave the copy to', path: ['otherName'] })
    }
    const givenOn = takeDate(ctx, form, 'givenOn', 'the date you gave the copy')
    return { givenTo: form.givenTo.toLowerCase(), otherName: form.givenTo === 'other' ? form.otherName : null, format: form.format, givenOn }
  })

// ---- API -----------------------------------------------------------------------------------------------------------

const isoDate = z.iso.date({ error: 'Use a date in the format YYYY-MM-DD' })

export const signOffBody = z
  .strictObject({
    outcome: z.enum(OUTCOMES).meta({ description: 'no_further_action, single_agency, or multi_agency (which leads to the team around the family).' }),
    completionDate: isoDate.meta({ description: 'The day the assessment was completed.', format: 'date' }),
    confirm: z.literal(true).meta({ description: 'The assessor confirms the assessment is a fair record of what was discussed with the family.' }),
    version: z.int().min(1).max(999_999_999).meta({ description: 'The assessment version you read; a stale version is refused with 409.' }),
  })
  .transform((body): SignOffInput => ({ outcome: body.outcome, completionDate: body.completionDate, version: body.version }))

export const approvalBody = z
  .discriminatedUnion('decision', [
    z.strictObject({ decision: z.literal('approve'), version: z.int().min(1).max(999_999_999) }),
    z.strictObject({
      decision: z.literal('return'),
      comments: z.string().trim().min(1, 'Enter your comments for the assessor').max(5000),
      version: z.int().min(1).max(999_999_999),
    }),
  ])
  .transform((body): ApprovalForm => (body.decision === 'approve' ? { decision: 'approve', version: body.version } : { decision: 'return', comments: body.comments, version: body.version }))

export const assessmentEpisodeParams = z.strictObject({ episodeId: uuid('The episode').transform(value => value.toLowerCase()) })

export const completionStatusSchema = z.strictObject({
  episodeId: z.string(),
  assessmentId: z.string(),
  status: z.enum(['in_progress', 'awaiting_approval', 'returned', 'completed']),
  outcome: z.enum(OUTCOMES).nullable(),
  completionDate: z.string().nullable().meta({ format: 'date' }),
  signedOffAt: z.string().nullable().meta({ format: 'date-time' }),
  approvedAt: z.string().nullable().meta({ format: 'date-time' }),
  returnedAt: z.string().nullable().meta({ format: 'date-time' }),
  returnComments: z.string().nullable(),
  episodeStatus: z.string().meta({ description: 'The episode’s status after the change: support, or closed for no further action.' }),
  version: z.int(),
})

export type CompletionStatusView = z.input<typeof completionStatusSchema>

/** The PDF response: documented as application/pdf in the OpenAPI document. */
export const pdfResponseSchema = z.instanceof(Buffer)
