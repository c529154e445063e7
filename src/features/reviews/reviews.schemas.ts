import { z } from 'zod'
import type { ClosureReason, PlanActionStatus, ReviewDecision } from '../../db/schema.ts'
import { csrfField, longText, optionalText, uuid } from '../../lib/validation.ts'
import { dateFromParts } from '../episodes/episodes.schemas.ts'

// Forms and API bodies for reviews (cadence, recording a review) and closure (the request and the manager's decision).

export const DECISIONS = ['continue', 'revise_plan', 'step_up_panel', 'step_up_social_care', 'close'] as const satisfies readonly ReviewDecision[]
export const CLOSURE_REASONS = ['needs_met', 'stepped_up_social_care', 'consent_withdrawn', 'moved_out_of_area', 'disengaged', 'other'] as const satisfies readonly ClosureReason[]
export const ACTION_STATUSES = ['not_started', 'in_progress', 'done', 'not_done'] as const satisfies readonly PlanActionStatus[]
export const NEED_PROGRESS = ['worse', 'no_change', 'some_progress', 'good_progress', 'achieved'] as const
export type NeedProgress = (typeof NEED_PROGRESS)[number]

export const MIN_REVIEW_WEEKS = 3
export const MAX_REVIEW_WEEKS = 12

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

// ---- cadence -------------------------------------------------------------------------------------------------------

export type CadenceInput = { reviewWeeks: number; version: number }

export const cadenceForm = z
  .strictObject({
    ...csrfField,
    reviewWeeks: z
      .string({ error: 'Enter how many weeks between reviews' })
      .trim()
      .regex(/^[0-9]{1,2}$/, `Enter a whole number of weeks between ${MIN_REVIEW_WEEKS} and ${MAX_REVIEW_WEEKS}`)
      .transform(Number)
      .refine(value => value >= MIN_REVIEW_WEEKS && value <= MAX_REVIEW_WEEKS, `Reviews must be between ${MIN_REVIEW_WEEKS} and ${MAX_REVIEW_WEEKS} weeks apart`),
    version: versionField,
  })
  .transform((form): CadenceInput => ({ reviewWeeks: form.reviewWeeks, version: form.version }))

// ---- recording a review --------------------------------------------------------------------------------------------

export type ScoreInput = { elementKey: string; subject: string; score: number }
export type ActionProgressInput = { actionId: string; status: PlanActionStatus; comment: string | null; version: number }
export type NeedProgressInput = { needId: string; progress: NeedProgress; comment: string | null }

export type ReviewInput = {
  heldOn: string
  meetingId: string | null
  scores: ScoreInput[]
  actions: ActionProgressInput[]
  needs: NeedProgressInput[]
  summary: string
  familyViews: string
  decision: ReviewDecision
  decisionReason: string | null
}

/** Field names of the per-element, per-action and per-need parts of the review and closure forms. */
export const SCORE_FIELD = /^score__([a-z0-9][a-z0-9-]{0,79})__(family|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/
const ACTION_FIELD = /^(action|actionNote|actionVersion)__([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/
const NEED_FIELD = /^(need|needNote)__([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/

export function scoreField(elementKey: string, subject: string) {
  return `score__${elementKey}__${subject}`
}

const scoreValue = z.enum(['', '0', '1', '2', '3', '4'], { error: 'Choose a score from 0 to 4, or leave it unscored' })

/** The schema of one dynamic field, or undefined when the name is not one the forms use. */
function dynamicFieldSchema(name: string, allowActions: boolean): z.ZodType | undefined {
  if (SCORE_FIELD.test(name)) return scoreValue.optional()
  const action = allowActions ? ACTION_FIELD.exec(name) : null
  if (action) {
    if (action[1] === 'action') return z.enum(ACTION_STATUSES, { error: 'Choose the action’s status' })
    if (action[1] === 'actionNote') return longText('the comment', { max: 2000, required: false }).optional()
    return versionField
  }
  const need = allowActions ? NEED_FIELD.exec(name) : null
  if (need) {
    if (need[1] === 'need') return z.enum(NEED_PROGRESS, { error: 'Choose how far the outcome has come' })
    return longText('the comment', { max: 2000, required: false }).optional()
  }
  return undefined
}

/** A strict schema for the fixed fields plus the dynamic ones the body carries (any other field is refused). */
function withDynamicFields<T extends z.ZodRawShape>(shape: T, body: unknown, allowActions: boolean) {
  const dynamic: Record<string, z.ZodType> = {}
  if (typeof body === 'object' && body !== null && !Array.isArray(body)) {
    for (const name of Object.keys(body)) {
      if (name in shape) continue
      const schema = dynamicFieldSchema(name, allowActions)
      if (schema) dynamic[name] = schema
    }
  }
  // Typed as the fixed shape: the dynamic fields are read by name (they are validated all the same).
  return z.strictObject({ ...shape, ...dynamic }) as unknown as z.ZodObject<T, z.core.$strict>
}

function collectScores(form: Record<string, unknown>): ScoreInput[] {
  const scores: ScoreInput[] = []
  for (const [name, value] of Object.entries(form)) {
    const match = SCORE_FIELD.exec(name)
    if (match && typeof value === 'string' && value !== '') scores.push({ elementKey: match[1] ?? '', subject: match[2] ?? '', score: Number(value) })
  }
  return scores
}

const reviewShape = {
  ...csrfField,
  'heldOn-day': dayPart,
  'heldOn-month': dayPart,
  'heldOn-year': dayPart,
  meetingId: z.union([z.literal(''), uuid('The meeting')], { error: 'Choose a meeting from the list' }).optional(),
  summary: longText('what the review found', { max: 10_000, required: false }).optional(),
  familyViews: z.preprocess(value => value ?? '', longText('the family’s views', { max: 10_000 })),
  decision: z.enum(DECISIONS, { error: 'Select what happens next' }),
  decisionReason: longText('the reason', { max: 5000, required: false }).optional(),
}

/** Parses the review form (fixed fields plus score__*, action__*, need__* fields). */
export function parseReviewForm(body: unknown) {
  return withDynamicFields(reviewShape, body, true).transform((form, ctx): ReviewInput => {
    const heldOn = takeDate(ctx, form, 'heldOn', 'the date of the review')
    const fields = form as Record<string, unknown>
    const actions: ActionProgressInput[] = []
    const needs: NeedProgressInput[] = []
    for (const [name, value] of Object.entries(fields)) {
      const action = ACTION_FIELD.exec(name)
      if (action?.[1] === 'action' && typeof value === 'string') {
        const id = action[2] ?? ''
        const version = fields[`actionVersion__${id}`]
        if (typeof version !== 'number') {
          ctx.addIssue({ code: 'custom', message: 'The form is missing an action’s version. Reload the page and try again', path: [name] })
          continue
        }
        const note = fields[`actionNote__${id}`]
        const comment = typeof note === 'string' && note !== '' ? note : null
        if (value === 'not_done' && comment === null) ctx.addIssue({ code: 'custom', message: 'Say why the action was not done', path: [`actionNote__${id}`] })
        actions.push({ actionId: id, status: value as PlanActionStatus, comment, version })
      }
      const need = NEED_FIELD.exec(name)
      if (need?.[1] === 'need' && typeof value === 'string') {
        const note = fields[`needNote__${need[2]}`]
        needs.push({ needId: need[2] ?? '', progress: value as NeedProgress, comment: typeof note === 'string' && note !== '' ? note : null })
      }
    }
    const decisionReason = form.decisionReason ? form.decisionReason : null
    if ((form.decision === 'step_up_panel' || form.decision === 'step_up_social_care') && decisionReason === null) {
      ctx.addIssue({ code: 'custom', message: 'Say why the family’s needs should be stepped up', path: ['decisionReason'] })
    }
    return {
      heldOn,
      meetingId: form.meetingId ? form.meetingId.toLowerCase() : null,
      scores: collectScores(fields),
      actions,
      needs,
      summary: form.summary ?? '',
      familyViews: form.familyViews,
      decision: form.decision,
      decisionReason,
    }
  })
}

// ---- closure -------------------------------------------------------------------------------------------------------

export type ClosureInput = { reason: ClosureReason; reasonDetail: string | null; scores: ScoreInput[]; summaryForFamily: string; version: number }

const closureShape = {
  ...csrfField,
  reason: z.enum(CLOSURE_REASONS, { error: 'Select why the episode is closing' }),
  reasonDetail: optionalText('more about the reason', 500),
  summaryForFamily: z.preprocess(value => value ?? '', longText('a closing summary for the family', { max: 10_000 })),
  confirm: z.literal('yes', { error: 'Confirm that you have talked to the family about closing' }),
  version: versionField,
}

export function parseClosureForm(body: unknown) {
  return withDynamicFields(closureShape, body, false).transform((form, ctx): ClosureInput => {
    if (form.reason === 'other' && form.reasonDetail === null) ctx.addIssue({ code: 'custom', message: 'Say why the episode is closing', path: ['reasonDetail'] })
    return { reason: form.reason, reasonDetail: form.reasonDetail, scores: collectScores(form as Record<string, unknown>), summaryForFamily: form.summaryForFamily, version: form.version }
  })
}

export type ClosureDecisionInput = { decision: 'approve' } | { decision: 'return'; comment: string }
export type ClosureDecisionForm = ClosureDecisionInput & { version: number }

export const closureDecisionForm = z
  .strictObject({
    ...csrfField,
    decision: z.enum(['approve', 'return'], { error: 'Select whether you approve the closure or return it' }),
    comment: longText('your comments', { max: 5000, required: false }).optional(),
    version: versionField,
  })
  .transform((form, ctx): ClosureDecisionForm => {
    if (form.decision === 'approve') return { decision: 'approve', version: form.version }
    const comment = form.comment ?? ''
    if (comment === '') ctx.addIssue({ code: 'custom', message: 'Enter your comments: what should happen before the episode closes', path: ['comment'] })
    return { decision: 'return', comment, version: form.version }
  })

// ---- API -----------------------------------------------------------------------------------------------------------

const isoDay = z.iso.date({ error: 'Use a date in the format YYYY-MM-DD' })
const apiScore = z.strictObject({
  elementKey: z.string().regex(/^[a-z0-9][a-z0-9-]{0,79}$/).meta({ description: 'The element’s key in the assessment template.' }),
  subject: z.union([z.literal('family'), uuid('The subject')]).transform(value => value.toLowerCase()).meta({ description: 'A child’s person id, or "family".' }),
  score: z.int().min(0).max(4).meta({ description: '0 no issues, 1 minor, 2 moderate, 3 significant, 4 critical and complex.' }),
})
const apiText = (max: number) => z.string().max(max).refine(value => value.isWellFormed() && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value), 'Contains characters that are not allowed').transform(value => value.trim())

export const reviewBody = z
  .strictObject({
    heldOn: isoDay.meta({ description: 'The day the review took place.', format: 'date' }),
    meetingId: uuid('The meeting').nullable().optional().meta({ description: 'The team meeting the review took place at, if any.' }),
    scores: z.array(apiScore).max(500).default([]),
    actions: z
      .array(z.strictObject({ actionId: uuid('The action'), status: z.enum(ACTION_STATUSES), comment: apiText(2000).nullable().optional(), version: z.int().min(1).max(999_999_999) }))
      .max(500)
      .default([]),
    needs: z.array(z.strictObject({ needId: uuid('The need'), progress: z.enum(NEED_PROGRESS), comment: apiText(2000).nullable().optional() })).max(500).default([]),
    summary: apiText(10_000).default(''),
    familyViews: apiText(10_000).refine(value => value.length > 0, 'Enter the family’s views'),
    decision: z.enum(DECISIONS),
    decisionReason: apiText(5000).nullable().optional(),
  })
  .superRefine((body, ctx) => {
    if ((body.decision === 'step_up_panel' || body.decision === 'step_up_social_care') && !body.decisionReason) {
      ctx.addIssue({ code: 'custom', message: 'Say why the family’s needs should be stepped up', path: ['decisionReason'] })
    }
    body.actions.forEach((action, index) => {
      if (action.status === 'not_done' && !action.comment) ctx.addIssue({ code: 'custom', message: 'Say why the action was not done', path: ['actions', index, 'comment'] })
    })
  })
  .transform(
    (body): ReviewInput => ({
      heldOn: body.heldOn,
      meetingId: body.meetingId ? body.meetingId.toLowerCase() : null,
      scores: body.scores,
      actions: body.actions.map(action => ({ actionId: action.actionId.toLowerCase(), status: action.status, comment: action.comment || null, version: action.version })),
      needs: body.needs.map(need => ({ needId: need.needId.toLowerCase(), progress: need.progress, comment: need.comment || null })),
      summary: body.summary,
      familyViews: body.familyViews,
      decision: body.decision,
      decisionReason: body.decisionReason || null,
    }),
  )

export const closureBody = z
  .strictObject({
    reason: z.enum(CLOSURE_REASONS),
    reasonDetail: apiText(500).nullable().optional(),
    scores: z.array(apiScore).max(500).default([]).meta({ description: 'The final Distance Travelled scores.' }),
    summaryForFamily: apiText(10_000).refine(value => value.length > 0, 'Enter a closing summary for the family').meta({ description: 'A closing summary for the family, in plain words.' }),
    version: z.int().min(1).max(999_999_999).meta({ description: 'The episode version you read; a stale version is refused with 409.' }),
  })
  .superRefine((body, ctx) => {
    if (body.reason === 'other' && !body.reasonDetail) ctx.addIssue({ code: 'custom', message: 'Say why the episode is closing', path: ['reasonDetail'] })
  })
  .transform((body): ClosureInput => ({ reason: body.reason, reasonDetail: body.reasonDetail || null, scores: body.scores, summaryForFamily: body.summaryForFamily, version: body.version }))

export const reviewEpisodeParams = z.strictObject({ episodeId: uuid('The episode').transform(value => value.toLowerCase()) })

const scoreView = z.strictObject({ elementKey: z.string(), subject: z.string(), score: z.int() })

export const reviewsViewSchema = z.strictObject({
  episodeId: z.string(),
  reference: z.string(),
  episodeStatus: z.string(),
  episodeVersion: z.int(),
  reviewWeeks: z.int().meta({ description: 'Weeks between reviews (the episode’s own cadence, or the authority’s default).' }),
  nextReviewOn: z.string().nullable().meta({ format: 'date' }),
  overdue: z.boolean(),
  reviews: z.array(
    z.strictObject({
      id: z.string(),
      heldOn: z.string().meta({ format: 'date' }),
      meetingId: z.string().nullable(),
      decision: z.enum(DECISIONS).nullable(),
      decisionReason: z.string().nullable(),
      summary: z.string(),
      familyViews: z.string(),
      scores: z.array(scoreView),
    }),
  ),
  startScores: z.array(scoreView),
  closure: z
    .strictObject({
      status: z.enum(['awaiting_approval', 'returned', 'closed']),
      reason: z.enum(CLOSURE_REASONS),
      reasonDetail: z.string().nullable(),
      summaryForFamily: z.string(),
      returnComment: z.string().nullable(),
      scores: z.array(scoreView),
      version: z.int(),
    })
    .nullable(),
})

export type ReviewsView = z.input<typeof reviewsViewSchema>
