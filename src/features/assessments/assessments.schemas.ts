import { z } from 'zod'
import { csrfField, list, longText, uuid } from '../../lib/validation.ts'
import { dateFromParts } from '../episodes/episodes.schemas.ts'
import { templateContentSchema } from './templates.schemas.ts'
import { apiDisputesSchema } from '../records-history/dispute-api.ts'

// One schema per form and per API body of the common assessment; forms and the API become the service's inputs below.

export const FAMILY_AGREEMENTS = ['agrees', 'partly_agrees', 'disagrees'] as const
export const CHILD_SCORES = ['red', 'amber', 'green'] as const
/** Narrative fields of an element and of the steps: long enough for a real account, bounded. */
export const NARRATIVE_MAX = 5000
export const STEP_TEXT_MAX = 10_000

// ---- service inputs ----------------------------------------------------------------------------------------------

export type ExplainInput = { version: number; explained: boolean; explanationNotes: string | null }
export type DetailsInput = { version: number; discussionDate: string | null; reason: string | null; present: string | null }
export type ConclusionsInput = {
  version: number
  conclusions: string | null
  familyAgreement: (typeof FAMILY_AGREEMENTS)[number] | null
  differencesOfOpinion: string | null
}
export type SolutionsInput = { version: number; solutions: string | null; familyCanDo: string | null }
export type AgreementInput = { version: number; agreedActions: string | null; reviewDate: string | null }

export type StepInput =
  | { step: 'explain'; input: ExplainInput }
  | { step: 'details'; input: DetailsInput }
  | { step: 'conclusions'; input: ConclusionsInput }
  | { step: 'solutions'; input: SolutionsInput }
  | { step: 'agreement'; input: AgreementInput }

export type ElementInput = {
  version: number
  notAssessed: boolean
  strengths: string | null
  needs: string | null
  childWords: string | null
  parentWords: string | null
  practitionerScore: number | null
  familyScoreAdult: number | null
  familyScoreChild: (typeof CHILD_SCORES)[number] | null
}

export type InviteInput = { userId: string; elementKeys: string[]; message: string | null }

// ---- helpers -----------------------------------------------------------------------------------------------------

const versionField = z
  .string({ error: 'The form is missing its version. Reload the page and try again' })
  .regex(/^[0-9]{1,9}$/, 'The form’s version is not valid. Reload the page and try again')
  .transform(Number)

const narrative = (label: string, max = NARRATIVE_MAX) =>
  longText(label, { max, required: false })
    .optional()
    .transform(value => (value ? value : null))

/** A choice from a fixed list, where "" (nothing chosen) means none. */
function optionalChoice<T extends readonly [string, ...string[]]>(values: T, message: string) {
  return z
    .string({ error: message })
    .max(20, message)
    .optional()
    .transform((value, ctx): T[number] | null => {
      if (value === undefined || value === '') return null
      if ((values as readonly string[]).includes(value)) return value as T[number]
      ctx.addIssue({ code: 'custom', message })
      return z.NEVER
    })
}

/** A whole-number score sent as form text, where "" means none. */
function optionalScore(min: number, max: number, message: string) {
  return z
    .string({ error: message })
    .max(20, message)
    .optional()
    .transform((value, ctx): number | null => {
      if (value === undefined || value === '') return null
      if (!/^[0-9]{1,2}$/.test(value) || Number(value) < min || Number(value) > max) {
        ctx.addIssue({ code: 'custom', message })
        return z.NEVER
      }
      return Number(value)
    })
}

function dateFields(prefix: string) {
  return {
    [`${prefix}-day`]: z.string().max(10).optional(),
    [`${prefix}-month`]: z.string().max(10).optional(),
    [`${prefix}-year`]: z.string().max(10).optional(),
  } as Record<string, z.ZodOptional<z.ZodString>>
}

type Ctx = { addIssue: (issue: { code: 'custom'; message: string; path: string[] }) => void }

/** An optional GOV.UK date: all three fields empty is no date; anything else must be a real date. */
function optionalDate(ctx: Ctx, fields: Record<string, unknown>, prefix: string, label: string): string | null {
  const [day, month, year] = ['day', 'month', 'year'].map(part => fields[`${prefix}-${part}`] as string | undefined)
  if (!day?.trim() && !month?.trim() && !year?.trim()) return null
  const result = dateFromParts(day, month, year, label)
  if (typeof result === 'string') {
    if (result > '2100-12-31') {
      ctx.addIssue({ code: 'custom', message: `${label.charAt(0).toUpperCase()}${label.slice(1).replace(/^the /i, '')} must be before 2101`, path: [`${prefix}-day`] })
      return null
    }
    return result
  }
  ctx.addIssue({ code: 'custom', message: result.error, path: [`${prefix}-day`] })
  return null
}

export const PRACTITIONER_SCORE_MESSAGE = 'The practitioner’s score must be 0, 1, 2, 3 or 4'
export const ADULT_SCORE_MESSAGE = 'The parent’s or carer’s score must be a whole number from 0 to 10'
export const CHILD_SCORE_MESSAGE = 'The child’s score must be red, amber or green'
export const NOT_ASSESSED_MESSAGE = 'You marked this element as not assessed: remove what you wrote and the scores, or untick “Not assessed”'

function elementProblems(input: Omit<ElementInput, 'version'>): { message: string; path: string[] }[] {
  const recorded = [input.strengths, input.needs, input.childWords, input.parentWords].some(value => value !== null) ||
    [input.practitionerScore, input.familyScoreAdult, input.familyScoreChild].some(value => value !== null)
  return input.notAssessed && recorded ? [{ message: NOT_ASSESSED_MESSAGE, path: ['notAssessed'] }] : []
}

// ---- forms -------------------------------------------------------------------------------------------------------

export const emptyForm = z.strictObject({ ...csrfField })

export const explainForm = z
  .strictObject({
    ...csrfField,
    version: versionField,
    explained: z.preprocess(value => (value === '' ? undefined : value), z.literal('yes', { error: 'Tick the box if you have explained this' }).optional()),
    explanationNotes: narrative('notes about the explanation'),
  })
  .transform((form): ExplainInput => ({ version: form.version, explained: form.explained === 'yes', explanationNotes: form.explanationNotes }))

export const detailsForm = z
  .strictObject({
    ...csrfField,
    version: versionField,
    ...dateFields('discussionDate'),
    reason: narrative('the reason for the assessment', STEP_TEXT_MAX),
    present: narrative('who was present', 2000),
  })
  .transform((form, ctx): DetailsInput => {
    const discussionDate = optionalDate(ctx, form as Record<string, unknown>, 'discussionDate', 'the date of the discussion')
    return { version: form.version, discussionDate, reason: form.reason, present: form.present }
  })

export const conclusionsForm = z
  .strictObject({
    ...csrfField,
    version: versionField,
    conclusions: narrative('the conclusions and evidence', STEP_TEXT_MAX),
    familyAgreement: optionalChoice(FAMILY_AGREEMENTS, 'Select whether the family agrees, partly agrees or disagrees'),
    differencesOfOpinion: narrative('the differences of opinion', STEP_TEXT_MAX),
  })
  .transform((form, ctx): ConclusionsInput => {
    if ((form.familyAgreement === 'partly_agrees' || form.familyAgreement === 'disagrees') && !form.differencesOfOpinion) {
      ctx.addIssue({ code: 'custom', message: 'Record where the family’s view differs, in their words if you can', path: ['differencesOfOpinion'] })
    }
    return { version: form.version, conclusions: form.conclusions, familyAgreement: form.familyAgreement, differencesOfOpinion: form.differencesOfOpinion }
  })

export const solutionsForm = z
  .strictObject({
    ...csrfField,
    version: versionField,
    solutions: narrative('the solutions', STEP_TEXT_MAX),
    familyCanDo: narrative('what the family can do themselves', STEP_TEXT_MAX),
  })
  .transform(({ _csrf, ...rest }): SolutionsInput => rest)

export const agreementForm = z
  .strictObject({
    ...csrfField,
    version: versionField,
    agreedActions: narrative('who does what', STEP_TEXT_MAX),
    ...dateFields('reviewDate'),
  })
  .transform((form, ctx): AgreementInput => {
    const reviewDate = optionalDate(ctx, form as Record<string, unknown>, 'reviewDate', 'the review date')
    return { version: form.version, agreedActions: form.agreedActions, reviewDate }
  })

export const elementForm = z
  .strictObject({
    ...csrfField,
    version: versionField,
    notAssessed: z.preprocess(value => (value === '' ? undefined : value), z.literal('yes', { error: 'Tick “Not assessed” or leave it' }).optional()),
    strengths: narrative('the strengths'),
    needs: narrative('the needs'),
    childWords: narrative('the child’s words'),
    parentWords: narrative('the parent’s or carer’s words'),
    practitionerScore: optionalScore(0, 4, PRACTITIONER_SCORE_MESSAGE),
    familyScoreAdult: optionalScore(0, 10, ADULT_SCORE_MESSAGE),
    familyScoreChild: optionalChoice(CHILD_SCORES, CHILD_SCORE_MESSAGE),
  })
  .transform((form, ctx): ElementInput => {
    const input: ElementInput = {
      version: form.version,
      notAssessed: form.notAssessed === 'yes',
      strengths: form.strengths,
      needs: form.needs,
      childWords: form.childWords,
      parentWords: form.parentWords,
      practitionerScore: form.practitionerScore,
      familyScoreAdult: form.familyScoreAdult,
      familyScoreChild: form.familyScoreChild,
    }
    for (const problem of elementProblems(input)) ctx.addIssue({ code: 'custom', ...problem })
    return input
  })

export const inviteForm = z
  .strictObject({
    ...csrfField,
    userId: z.string({ error: 'Select the colleague to ask' }).max(100).refine(value => value !== '', 'Select the colleague to ask').pipe(uuid('The colleague')),
    elementKeys: list(z.string().max(100).regex(/^[a-z0-9-]{1,100}$/, 'Select elements from the list')).refine(keys => keys.length > 0, 'Select at least one element for them to complete'),
    message: narrative('your message', 2000),
  })
  .transform((form): InviteInput => ({ userId: form.userId.toLowerCase(), elementKeys: [...new Set(form.elementKeys)], message: form.message }))

// ---- API ---------------------------------------------------------------------------------------------------------

const apiId = (description: string) =>
  z
    .string()
    .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/)
    .transform(value => value.toLowerCase())
    .meta({ description, format: 'uuid' })

export const assessmentParams = z.strictObject({ episodeId: apiId('The episode’s identifier.') })

export const elementParams = z.strictObject({
  episodeId: apiId('The episode’s identifier.'),
  elementKey: z.string().max(100).meta({ description: 'The element’s key in the assessment’s template version, e.g. general-health.' }),
  subject: z
    .string()
    .max(100)
    .meta({ description: 'Whose element it is: a child’s person identifier for an each-child domain, or "family" for a family domain.' }),
})

const apiNarrative = (label: string) =>
  longText(label, { max: NARRATIVE_MAX, required: false })
    .nullable()
    .optional()
    .transform(value => (value ? value : null))

export const elementBody = z
  .strictObject({
    version: z
      .number({ error: 'Send the version you read (0 when the element has not been recorded yet)' })
      .int('The version must be a whole number')
      .min(0, 'The version must be 0 or more')
      .max(1_000_000_000, 'The version is too large')
      .meta({ description: 'The version of the element you read (0 when it has not been recorded yet). A stale version gets 409.' }),
    notAssessed: z.boolean({ error: 'notAssessed must be true or false' }).optional().default(false),
    strengths: apiNarrative('the strengths'),
    needs: apiNarrative('the needs'),
    childWords: apiNarrative('the child’s words'),
    parentWords: apiNarrative('the parent’s or carer’s words'),
    practitionerScore: z
      .number({ error: PRACTITIONER_SCORE_MESSAGE })
      .int(PRACTITIONER_SCORE_MESSAGE)
      .min(0, PRACTITIONER_SCORE_MESSAGE)
      .max(4, PRACTITIONER_SCORE_MESSAGE)
      .nullable()
      .optional()
      .transform(value => value ?? null)
      .meta({ description: 'Distance Travelled: 0 no issues, 1 minor, 2 moderate, 3 significant, 4 critical and complex.' }),
    familyScoreAdult: z
      .number({ error: ADULT_SCORE_MESSAGE })
      .int(ADULT_SCORE_MESSAGE)
      .min(0, ADULT_SCORE_MESSAGE)
      .max(10, ADULT_SCORE_MESSAGE)
      .nullable()
      .optional()
      .transform(value => value ?? null)
      .meta({ description: 'The parent’s or carer’s own score: 0 (negative) to 10 (positive).' }),
    familyScoreChild: z
      .enum(CHILD_SCORES, { error: CHILD_SCORE_MESSAGE })
      .nullable()
      .optional()
      .transform(value => value ?? null)
      .meta({ description: 'The child’s own score.' }),
  })
  .transform((body, ctx): ElementInput => {
    for (const problem of elementProblems(body)) ctx.addIssue({ code: 'custom', ...problem })
    return body
  })

export const startBody = z.strictObject({})

const isoTime = z.string().meta({ format: 'date-time' })
const isoDate = z.string().meta({ format: 'date' })

export const apiElementSchema = z.object({
  elementKey: z.string(),
  subject: z.string(),
  notAssessed: z.boolean(),
  strengths: z.string().nullable(),
  needs: z.string().nullable(),
  childWords: z.string().nullable(),
  parentWords: z.string().nullable(),
  practitionerScore: z.number().int().nullable(),
  familyScoreAdult: z.number().int().nullable(),
  familyScoreChild: z.enum(CHILD_SCORES).nullable(),
  updatedBy: z.string().nullable(),
  updatedAt: isoTime,
  version: z.number().int(),
  disputes: apiDisputesSchema,
})

export const apiAssessmentSchema = z.object({
  id: z.string().meta({ format: 'uuid' }),
  episodeId: z.string().meta({ format: 'uuid' }),
  status: z.enum(['in_progress', 'awaiting_approval', 'returned', 'completed']),
  assessor: z.object({ userId: z.string(), name: z.string().nullable(), agencyName: z.string().nullable() }),
  template: z.object({
    id: z.string().meta({ format: 'uuid' }),
    templateKey: z.string(),
    versionNumber: z.number().int(),
    name: z.string(),
    content: templateContentSchema,
  }),
  subjects: z
    .array(z.object({ id: z.string(), name: z.string(), role: z.enum(['child', 'adult']) }))
    .meta({ description: 'The people of the episode; children are the subjects of each-child domains.' }),
  steps: z.object({
    explainedAt: isoDate.nullable(),
    explanationNotes: z.string().nullable(),
    discussionDate: isoDate.nullable(),
    reason: z.string().nullable(),
    present: z.string().nullable(),
    conclusions: z.string().nullable(),
    familyAgreement: z.enum(FAMILY_AGREEMENTS).nullable(),
    differencesOfOpinion: z.string().nullable(),
    solutions: z.string().nullable(),
    familyCanDo: z.string().nullable(),
    agreedActions: z.string().nullable(),
    reviewDate: isoDate.nullable(),
  }),
  elements: z.array(apiElementSchema).meta({ description: 'The elements recorded so far; an element not listed has not been assessed yet.' }),
  contributors: z.array(z.object({ userId: z.string(), name: z.string(), agencyName: z.string().nullable(), elementKeys: z.array(z.string()), completedAt: isoTime.nullable() })),
  missingForSignOff: z.array(z.object({ step: z.string(), text: z.string() })).meta({ description: 'What must still be recorded before sign-off.' }),
  yourElementKeys: z.array(z.string()).nullable().meta({ description: 'For a contributor, the elements you may edit; null when you may edit every element.' }),
  version: z.number().int(),
  createdAt: isoTime,
  updatedAt: isoTime,
})
