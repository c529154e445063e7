import { z } from 'zod'
import { csrfField, list, longText, text, uuid } from '../../lib/validation.ts'
import { dateFromParts } from '../episodes/episodes.schemas.ts'

// Forms and API bodies of the family support plan. Every form is a strict object with the CSRF field; dates come as
// GOV.UK day/month/year fields.

export const ACTION_STATUSES = ['not_started', 'in_progress', 'done', 'not_done'] as const
export const SIGNATURE_METHODS = ['on_screen', 'in_person', 'on_paper', 'verbal', 'email'] as const
export type SignatureMethod = (typeof SIGNATURE_METHODS)[number]

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

/** Who does an action: a practitioner on the team, an agency, or a family member or supporter on the team. */
export type OwnerChoice = { kind: 'practitioner'; userId: string } | { kind: 'agency'; agencyId: string } | { kind: 'family_member'; familyTeamMemberId: string }

const OWNER_PATTERN = /^(user|family):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^agency$/i

function takeOwner(ctx: Ctx, owner: string, agencyId: string | undefined): OwnerChoice {
  if (owner === 'agency') {
    if (!agencyId || !/^[0-9a-f-]{36}$/i.test(agencyId)) {
      ctx.addIssue({ code: 'custom', message: 'Select the agency that will do this', path: ['ownerAgencyId'] })
      return { kind: 'agency', agencyId: '' }
    }
    return { kind: 'agency', agencyId: agencyId.toLowerCase() }
  }
  const [kind, id = ''] = owner.split(':')
  return kind === 'user' ? { kind: 'practitioner', userId: id.toLowerCase() } : { kind: 'family_member', familyTeamMemberId: id.toLowerCase() }
}

const ownerField = z.string({ error: 'Select who will do this' }).regex(OWNER_PATTERN, 'Select who will do this')
const needIdField = z
  .string()
  .max(36)
  .optional()
  .refine(value => value === undefined || value === '' || /^[0-9a-f-]{36}$/i.test(value), 'Select a need from the list')
  .transform(value => (value ? value.toLowerCase() : null))

// ---- needs -----------------------------------------------------------------------------------------------------

export type NewNeedInput = { source: { elementKey: string; subject: string } | null; description: string; outcomeWanted: string; frameworkOutcomes: string[] }

export const newNeedForm = z
  .strictObject({
    ...csrfField,
    source: z.string({ error: 'Select where the need comes from' }).min(1, 'Select where the need comes from').max(200, 'Select where the need comes from'),
    description: longText('the need', { max: 2000, required: false }).optional(),
    outcomeWanted: longText('the outcome the family wants', { max: 2000 }),
    frameworkOutcomes: list(z.string().max(60)),
  })
  .transform((form, ctx): NewNeedInput => {
    let source: NewNeedInput['source'] = null
    if (form.source !== 'fresh') {
      const [elementKey = '', subject = ''] = form.source.split('|')
      if (!elementKey || !subject) ctx.addIssue({ code: 'custom', message: 'Select where the need comes from', path: ['source'] })
      source = { elementKey, subject }
    }
    const description = form.description ?? ''
    if (!source && description === '') ctx.addIssue({ code: 'custom', message: 'Describe the need', path: ['description'] })
    return { source, description, outcomeWanted: form.outcomeWanted, frameworkOutcomes: form.frameworkOutcomes }
  })

export type EditNeedInput = { description: string; outcomeWanted: string; frameworkOutcomes: string[]; version: number }

export const editNeedForm = z.strictObject({
  ...csrfField,
  description: longText('the need', { max: 2000 }),
  outcomeWanted: longText('the outcome the family wants', { max: 2000 }),
  frameworkOutcomes: list(z.string().max(60)),
  version: versionField,
})

export const removeNeedForm = z.strictObject({ ...csrfField, version: versionField })

// ---- actions ---------------------------------------------------------------------------------------------------

export type NewActionInput = { what: string; needId: string | null; owner: OwnerChoice; dueOn: string }

export const newActionForm = z
  .strictObject({
    ...csrfField,
    what: longText('what will be done', { max: 2000 }),
    needId: needIdField,
    owner: ownerField,
    ownerAgencyId: z.string().max(36).optional(),
    'dueOn-day': dayPart,
    'dueOn-month': dayPart,
    'dueOn-year': dayPart,
  })
  .transform((form, ctx): NewActionInput => ({
    what: form.what,
    needId: form.needId,
    owner: takeOwner(ctx, form.owner, form.ownerAgencyId),
    dueOn: takeDate(ctx, form, 'dueOn', 'the due date'),
  }))

export type ActionStatus = (typeof ACTION_STATUSES)[number]

export type ActionUpdateInput = NewActionInput & { status: ActionStatus; notDoneReason: string | null; note: string | null; version: number }

export const actionUpdateForm = z
  .strictObject({
    ...csrfField,
    what: longText('what will be done', { max: 2000 }),
    needId: needIdField,
    owner: ownerField,
    ownerAgencyId: z.string().max(36).optional(),
    'dueOn-day': dayPart,
    'dueOn-month': dayPart,
    'dueOn-year': dayPart,
    status: z.enum(ACTION_STATUSES, { error: 'Select how the action is going' }),
    notDoneReason: longText('why it was not done', { max: 2000, required: false }).optional(),
    note: longText('the progress note', { max: 5000, required: false }).optional(),
    version: versionField,
  })
  .transform((form, ctx): ActionUpdateInput => {
    const notDoneReason = form.notDoneReason ? form.notDoneReason : null
    if (form.status === 'not_done' && !notDoneReason) ctx.addIssue({ code: 'custom', message: 'Say why it was not done', path: ['notDoneReason'] })
    return {
      what: form.what,
      needId: form.needId,
      owner: takeOwner(ctx, form.owner, form.ownerAgencyId),
      dueOn: takeDate(ctx, form, 'dueOn', 'the due date'),
      status: form.status,
      notDoneReason: form.status === 'not_done' ? notDoneReason : null,
      note: form.note ? form.note : null,
      version: form.version,
    }
  })

// ---- the plan's text, agreeing and signing ---------------------------------------------------------------------

export const ifNotAchievedForm = z.strictObject({
  ...csrfField,
  ifNotAchieved: longText('what happens if the agreed changes do not happen', { max: 5000 }),
  version: versionField,
})

export type AgreeInput = { changeSummary: string }

export const agreeForm = z
  .strictObject({
    ...csrfField,
    changeSummary: longText('what changed', { max: 2000, required: false }).optional(),
    confirm: z.literal('yes', { error: 'Confirm that the team and the family agreed this plan' }),
  })
  .transform((form): AgreeInput => ({ changeSummary: form.changeSummary ?? '' }))

export type SignatureInput = { signer: { kind: 'practitioner'; userId: string } | { kind: 'family'; familyTeamMemberId: string }; method: SignatureMethod; signedOn: string }

export const signatureForm = z
  .strictObject({
    ...csrfField,
    signer: z.string({ error: 'Select who signed' }).regex(/^(user|family):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'Select who signed'),
    method: z.enum(SIGNATURE_METHODS, { error: 'Select how they signed' }),
    'signedOn-day': dayPart,
    'signedOn-month': dayPart,
    'signedOn-year': dayPart,
  })
  .transform((form, ctx): SignatureInput => {
    const [kind, id = ''] = form.signer.split(':')
    return {
      signer: kind === 'user' ? { kind: 'practitioner', userId: id.toLowerCase() } : { kind: 'family', familyTeamMemberId: id.toLowerCase() },
      method: form.method,
      signedOn: takeDate(ctx, form, 'signedOn', 'the date they signed'),
    }
  })

// ---- route parameters ------------------------------------------------------------------------------------------

export const versionNumberParam = z.string().regex(/^[1-9][0-9]{0,5}$/).transform(Number)

// ---- API -------------------------------------------------------------------------------------------------------

const isoDate = z.iso.date({ error: 'Use a date in the format YYYY-MM-DD' })

export const planEpisodeParams = z.strictObject({ episodeId: uuid('The episode id').transform(value => value.toLowerCase()) })
export const planActionParams = z.strictObject({
  episodeId: uuid('The episode id').transform(value => value.toLowerCase()),
  actionId: uuid('The action id').transform(value => value.toLowerCase()),
})

const apiOwner = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('practitioner'), userId: uuid('The practitioner id').transform(value => value.toLowerCase()) }),
  z.strictObject({ kind: z.literal('agency'), agencyId: uuid('The agency id').transform(value => value.toLowerCase()) }),
  z.strictObject({ kind: z.literal('family_member'), familyTeamMemberId: uuid('The family team member id').transform(value => value.toLowerCase()) }),
])

export const newActionBody = z
  .strictObject({
    what: text('what will be done', { max: 2000 }).meta({ description: 'What will be done, in plain words.' }),
    needId: uuid('The need id')
      .transform(value => value.toLowerCase())
      .nullable()
      .optional()
      .meta({ description: 'The need the action serves (one of the plan’s needs), or null.' }),
    owner: apiOwner.meta({ description: 'Who will do it: a practitioner on the team, an agency, or a family member or supporter on the team.' }),
    dueOn: isoDate.meta({ description: 'The date it will be done by.', format: 'date' }),
  })
  .transform((body): NewActionInput => ({ what: body.what, needId: body.needId ?? null, owner: body.owner, dueOn: body.dueOn }))

export type ActionStatusInput = { status: ActionStatus; notDoneReason: string | null; note: string | null; version: number }

export const actionStatusBody = z
  .strictObject({
    status: z.enum(ACTION_STATUSES).meta({ description: 'not_started, in_progress, done, or not_done (with a reason).' }),
    notDoneReason: text('why it was not done', { max: 2000, required: false }).nullable().optional(),
    note: text('the progress note', { max: 5000, required: false }).nullable().optional(),
    version: z.number().int().min(1).max(999_999_999).meta({ description: 'The action’s version you last read: a stale version is refused with 409 and nothing changes.' }),
  })
  .superRefine((body, ctx) => {
    if (body.status === 'not_done' && !body.notDoneReason) ctx.addIssue({ code: 'custom', message: 'Say why it was not done', path: ['notDoneReason'] })
  })
  .transform((body): ActionStatusInput => ({
    status: body.status,
    notDoneReason: body.status === 'not_done' ? (body.notDoneReason ?? null) : null,
    note: body.note ? body.note : null,
    version: body.version,
  }))

const apiAction = z.object({
  id: z.string(),
  needId: z.string().nullable(),
  what: z.string(),
  owner: z.object({ kind: z.enum(['practitioner', 'agency', 'family_member']), name: z.string(), userId: z.string().nullable(), agencyId: z.string().nullable(), familyTeamMemberId: z.string().nullable() }),
  dueOn: z.string().meta({ format: 'date' }),
  status: z.enum(ACTION_STATUSES),
  notDoneReason: z.string().nullable(),
  completedOn: z.string().nullable().meta({ format: 'date' }),
  overdue: z.boolean(),
  version: z.number().int(),
})

export const apiActionSchema = apiAction

export const apiPlanSchema = z.object({
  episodeId: z.string(),
  outcomesFramework: z.object({ key: z.string(), name: z.string() }),
  ifNotAchieved: z.string(),
  agreedVersionNumber: z.number().int(),
  changedSinceAgreed: z.boolean(),
  version: z.number().int(),
  needs: z.array(
    z.object({
      id: z.string(),
      description: z.string(),
      source: z.object({ assessmentId: z.string(), elementKey: z.string(), subject: z.string() }).nullable(),
      outcomeWanted: z.string(),
      frameworkOutcomes: z.array(z.object({ key: z.string(), title: z.string() })),
      version: z.number().int(),
    }),
  ),
  actions: z.array(apiAction),
  versions: z.array(z.object({ number: z.number().int(), agreedAt: z.string().meta({ format: 'date-time' }), agreedBy: z.string(), changeSummary: z.string(), signatures: z.number().int() })),
})
