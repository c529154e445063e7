import { z } from 'zod'
import { AGENCY_KIND_VALUES, type AgencyKind } from '../agencies/agency-kinds.ts'
import { csrfField, list, longText, optionalText, text, uuid } from '../../lib/validation.ts'

// One schema per form and per API body. Forms and the API both become the service's input types below.

export const CHECKLIST_OUTCOMES = ['no_further_action', 'universal_services', 'common_assessment', 'safeguarding_referral'] as const
export const CHECKLIST_ANSWERS = ['yes', 'no', 'not_sure'] as const
export const REFERRED_TO = ['childrens_social_care', 'police'] as const
export const REFERRAL_METHODS = ['phone', 'online', 'in_person'] as const
export const CONSENT_DECISIONS = ['given', 'refused'] as const
export const GIVER_KINDS = ['parent_carer', 'other_adult', 'young_person'] as const
export const CONSENT_METHODS = ['in_person', 'written', 'verbal', 'phone'] as const
export const COMPETENCE_BASES = ['fraser', 'gillick'] as const

// ---- service inputs ----------------------------------------------------------------------------------------------

export type StartInput = { personId?: string | undefined; householdId?: string | undefined; childIds: string[]; adultIds: string[] }

export type ChecklistInput = {
  version: number
  answers: Array<(typeof CHECKLIST_ANSWERS)[number]>
  outcome: (typeof CHECKLIST_OUTCOMES)[number]
  notes: string
}

export type ReferralInput = {
  referredTo: (typeof REFERRED_TO)[number]
  concern: string
  referredAt: Date
  /** False when only the day was given: the referral is then taken as made at midday, or now if that is later today. */
  timeGiven?: boolean
  method: (typeof REFERRAL_METHODS)[number]
  reference: string | null
  spokeTo: string | null
  outcome: string | null
}

export type ConsentInput = {
  decision: (typeof CONSENT_DECISIONS)[number]
  giverKind: (typeof GIVER_KINDS)[number]
  /** A parent or carer with parental responsibility, or the young person (a subject child). */
  giverPersonId: string | null
  /** Another adult: their name and what they are to the child. */
  giverName: string | null
  giverRelationship: string | null
  competence: { basis: (typeof COMPETENCE_BASES)[number]; judgedBy: string; reasoning: string } | null
  toAssess: boolean
  shareAgencyIds: string[]
  shareAgencyKinds: AgencyKind[]
  method: (typeof CONSENT_METHODS)[number]
  givenOn: string
  refusalReason: string | null
}

export type WithdrawalInput = { version: number; withdrawnOn: string; reason: string }
export type ReferralOutcomeInput = { version: number; outcome: string; reference: string | null }

// ---- helpers -----------------------------------------------------------------------------------------------------

const versionField = z
  .string({ error: 'The form is missing its version. Reload the page and try again' })
  .regex(/^[0-9]{1,9}$/, 'The form’s version is not valid. Reload the page and try again')
  .transform(Number)

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value)

function dateFields(prefix: string) {
  return {
    [`${prefix}-day`]: z.string().max(10).optional(),
    [`${prefix}-month`]: z.string().max(10).optional(),
    [`${prefix}-year`]: z.string().max(10).optional(),
  } as Record<string, z.ZodOptional<z.ZodString>>
}

/** A real calendar date from the day, month and year fields, as 'YYYY-MM-DD'; or an error message. */
export function dateFromParts(day: string | undefined, month: string | undefined, year: string | undefined, label: string): string | { error: string } {
  const [d, m, y] = [day?.trim() ?? '', month?.trim() ?? '', year?.trim() ?? '']
  if (!d && !m && !y) return { error: `Enter ${label}` }
  if (!d) return { error: `${capital(label)} must include a day` }
  if (!m) return { error: `${capital(label)} must include a month` }
  if (!y) return { error: `${capital(label)} must include a year` }
  if (!/^[0-9]{1,2}$/.test(d) || !/^[0-9]{1,2}$/.test(m) || !/^[0-9]{4}$/.test(y)) return { error: `${capital(label)} must be a real date` }
  const iso = `${y}-${m.padStart(2, '0')}-${d.padStart(2, '0')}`
  const parsed = new Date(`${iso}T00:00:00Z`)
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== iso) return { error: `${capital(label)} must be a real date` }
  if (Number(y) < 1900) return { error: `${capital(label)} must be after 1900` }
  return iso
}

function capital(value: string) {
  const bare = value.replace(/^(the|a|an) /, '')
  return bare.charAt(0).toUpperCase() + bare.slice(1)
}

type Ctx = { addIssue: (issue: { code: 'custom'; message: string; path: string[] }) => void }

function takeDate(ctx: Ctx, fields: Record<string, unknown>, prefix: string, label: string): string {
  const result = dateFromParts(
    fields[`${prefix}-day`] as string | undefined,
    fields[`${prefix}-month`] as string | undefined,
    fields[`${prefix}-year`] as string | undefined,
    label,
  )
  if (typeof result === 'string') return result
  ctx.addIssue({ code: 'custom', message: result.error, path: [`${prefix}-day`] })
  return ''
}

// ---- forms -------------------------------------------------------------------------------------------------------

export const startQuery = z.strictObject({
  personId: z.preprocess(emptyAsUndefined, uuid('The person').optional()),
  householdId: z.preprocess(emptyAsUndefined, uuid('The household').optional()),
})

export const startForm = z
  .strictObject({
    ...csrfField,
    personId: z.preprocess(emptyAsUndefined, uuid('The person').optional()),
    householdId: z.preprocess(emptyAsUndefined, uuid('The household').optional()),
    childIds: list(uuid('A child')),
    adultIds: list(uuid('An adult')),
  })
  .superRefine((form, ctx) => {
    if (!form.personId && !form.householdId) {
      ctx.addIssue({ code: 'custom', message: 'Start the episode from a person or a household', path: ['main-content'] })
    }
    if (form.householdId && form.childIds.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'Select at least one child the episode is for', path: ['childIds'] })
    }
  })
  .transform(({ _csrf, ...rest }): StartInput => rest)

/** The checklist form for a template's questions: q1, q2, … in the order of the template. */
export function checklistForm(questionCount: number) {
  const questions: Record<string, z.ZodType<(typeof CHECKLIST_ANSWERS)[number]>> = {}
  for (let index = 1; index <= questionCount; index++) {
    questions[`q${index}`] = z.enum(CHECKLIST_ANSWERS, { error: 'Select yes, no or not sure' })
  }
  return z
    .strictObject({
      ...csrfField,
      version: versionField,
      questionCount: z.string().max(3).optional(),
      ...questions,
      outcome: z.enum(CHECKLIST_OUTCOMES, { error: 'Select what should happen next' }),
      notes: longText('notes', { max: 5000, required: false }).optional(),
    })
    .transform((form): ChecklistInput => {
      const values = form as Record<string, unknown>
      const answers: ChecklistInput['answers'] = []
      for (let index = 1; index <= questionCount; index++) answers.push(values[`q${index}`] as ChecklistInput['answers'][number])
      return { version: form.version, answers, outcome: form.outcome, notes: form.notes ?? '' }
    })
}

function timeOfDay(value: string | undefined): { hours: number; minutes: number } | null | 'invalid' {
  const trimmed = value?.trim() ?? ''
  if (!trimmed) return null
  const match = /^([0-9]{1,2})[:.]([0-9]{2})$/.exec(trimmed)
  if (!match) return 'invalid'
  const hours = Number(match[1])
  const minutes = Number(match[2])
  if (hours > 23 || minutes > 59) return 'invalid'
  return { hours, minutes }
}

/** A UK wall-clock date and time as an instant (Europe/London, summer time included). */
export function londonInstant(isoDate: string, hours: number, minutes: number): Date {
  const guess = new Date(`${isoDate}T${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}:00Z`)
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: 'numeric', hour12: false }).formatToParts(guess)
  const londonHour = Number(parts.find(part => part.type === 'hour')?.value ?? hours) % 24
  const offsetHours = (londonHour - hours + 24) % 24
  return new Date(guess.getTime() - offsetHours * 3_600_000)
}

export const referralForm = z
  .strictObject({
    ...csrfField,
    referredTo: z.enum(REFERRED_TO, { error: 'Select who you referred the child to' }),
    concern: longText('what you are worried about', { max: 5000 }),
    ...dateFields('referredOn'),
    referredTime: z.string().max(20).optional(),
    method: z.enum(REFERRAL_METHODS, { error: 'Select how you made the referral' }),
    reference: optionalText('the reference', 100),
    spokeTo: optionalText('who you spoke to', 200),
    outcome: longText('the outcome', { max: 5000, required: false }).optional(),
  })
  .transform((form, ctx): ReferralInput => {
    const fields = form as Record<string, unknown>
    const date = takeDate(ctx, fields, 'referredOn', 'the date of the referral')
    const time = timeOfDay(form.referredTime)
    if (time === 'invalid') ctx.addIssue({ code: 'custom', message: 'Enter the time like 14:30', path: ['referredTime'] })
    const at = date && time !== 'invalid' ? londonInstant(date, time?.hours ?? 12, time?.minutes ?? 0) : new Date(0)
    return {
      referredTo: form.referredTo,
      concern: form.concern,
      referredAt: at,
      timeGiven: time !== null,
      method: form.method,
      reference: form.reference,
      spokeTo: form.spokeTo,
      outcome: form.outcome ? form.outcome : null,
    }
  })

export const referralOutcomeForm = z
  .strictObject({
    ...csrfField,
    version: versionField,
    outcome: longText('what happened after the referral', { max: 5000 }),
    reference: optionalText('the reference', 100),
  })
  .transform(({ _csrf, ...rest }): ReferralOutcomeInput => rest)

const optionalId = (label: string) => z.preprocess(emptyAsUndefined, uuid(label).optional())

export const consentForm = z
  .strictObject({
    ...csrfField,
    decision: z.enum(CONSENT_DECISIONS, { error: 'Select whether consent was given or refused' }),
    giverKind: z.enum(GIVER_KINDS, { error: 'Select who gave or refused consent' }),
    parentPersonId: optionalId('The parent or carer'),
    youngPersonId: optionalId('The young person'),
    otherAdultName: optionalText('the adult’s name', 200),
    otherAdultRelationship: optionalText('what they are to the child', 200),
    competenceBasis: z.preprocess(emptyAsUndefined, z.enum(COMPETENCE_BASES, { error: 'Select Fraser or Gillick' }).optional()),
    competenceJudgedBy: optionalText('who judged the young person competent', 200),
    competenceReasoning: longText('the reasons for the judgement', { max: 5000, required: false }).optional(),
    toAssess: z.preprocess(emptyAsUndefined, z.literal('yes').optional()),
    shareAgencyIds: list(uuid('An agency')),
    shareAgencyKinds: list(z.enum(AGENCY_KIND_VALUES, { error: 'Select kinds of agency from the list' })),
    method: z.enum(CONSENT_METHODS, { error: 'Select how consent was given' }),
    ...dateFields('givenOn'),
    refusalReason: longText('the reason consent was refused', { max: 5000, required: false }).optional(),
  })
  .transform((form, ctx): ConsentInput => {
    const fields = form as Record<string, unknown>
    const givenOn = takeDate(ctx, fields, 'givenOn', 'the date')
    const input: ConsentInput = {
      decision: form.decision,
      giverKind: form.giverKind,
      giverPersonId: form.giverKind === 'parent_carer' ? (form.parentPersonId ?? null) : form.giverKind === 'young_person' ? (form.youngPersonId ?? null) : null,
      giverName: form.giverKind === 'other_adult' ? form.otherAdultName : null,
      giverRelationship: form.giverKind === 'other_adult' ? form.otherAdultRelationship : null,
      competence:
        form.giverKind === 'young_person' && form.competenceBasis
          ? { basis: form.competenceBasis, judgedBy: form.competenceJudgedBy ?? '', reasoning: form.competenceReasoning ?? '' }
          : null,
      toAssess: form.toAssess === 'yes',
      shareAgencyIds: [...new Set(form.shareAgencyIds.map(id => id.toLowerCase()))],
      shareAgencyKinds: [...new Set(form.shareAgencyKinds)],
      method: form.method,
      givenOn,
      refusalReason: form.refusalReason ? form.refusalReason : null,
    }
    for (const issue of consentProblems(input, { young: form.giverKind === 'young_person', competenceBasisGiven: form.competenceBasis !== undefined, judgedBy: form.competenceJudgedBy, reasoning: form.competenceReasoning })) {
      ctx.addIssue({ code: 'custom', ...issue })
    }
    return input
  })

/** The rules that span fields of a consent, shared by the form and the API. Paths are the form's field names. */
export function consentProblems(
  input: ConsentInput,
  young: { young: boolean; competenceBasisGiven: boolean; judgedBy: string | null | undefined; reasoning: string | null | undefined },
): { message: string; path: string[] }[] {
  const problems: { message: string; path: string[] }[] = []
  if (input.giverKind === 'parent_carer' && !input.giverPersonId) {
    problems.push({ message: 'Select the parent or carer with parental responsibility', path: ['parentPersonId'] })
  }
  if (input.giverKind === 'young_person') {
    if (!input.giverPersonId) problems.push({ message: 'Select the young person', path: ['youngPersonId'] })
    if (!young.competenceBasisGiven) problems.push({ message: 'Select whether the young person was judged competent under Fraser or Gillick', path: ['competenceBasis'] })
    if (!young.judgedBy) problems.push({ message: 'Enter who judged the young person competent', path: ['competenceJudgedBy'] })
    if (!young.reasoning) problems.push({ message: 'Enter the reasons for the competence judgement', path: ['competenceReasoning'] })
  }
  if (input.giverKind === 'other_adult') {
    if (!input.giverName) problems.push({ message: 'Enter the adult’s name', path: ['otherAdultName'] })
    if (!input.giverRelationship) problems.push({ message: 'Enter what the adult is to the child', path: ['otherAdultRelationship'] })
  }
  if (input.decision === 'refused' && !input.refusalReason) {
    problems.push({ message: 'Enter the reason consent was refused', path: ['refusalReason'] })
  }
  if (input.decision === 'given' && !input.toAssess && input.shareAgencyIds.length === 0 && input.shareAgencyKinds.length === 0) {
    problems.push({ message: 'Select what consent was given for', path: ['toAssess'] })
  }
  return problems
}

export const withdrawForm = z
  .strictObject({
    ...csrfField,
    version: versionField,
    reason: longText('the reason consent was withdrawn', { max: 5000 }),
    ...dateFields('withdrawnOn'),
  })
  .transform((form, ctx): WithdrawalInput => {
    const withdrawnOn = takeDate(ctx, form as Record<string, unknown>, 'withdrawnOn', 'the date consent was withdrawn')
    return { version: form.version, reason: form.reason, withdrawnOn }
  })

export const contactsForm = z
  .strictObject({
    ...csrfField,
    version: versionField,
    socialCareName: text('the name of the children’s social care front door', { max: 200 }),
    socialCarePhone: optionalText('the front door phone number', 50),
    socialCareHours: optionalText('the front door opening hours', 200),
    outOfHoursPhone: optionalText('the out-of-hours phone number', 50),
    onlineReferralUrl: optionalText('the online referral address', 500).refine(
      value => value === null || /^https:\/\/[^\s]+$/.test(value),
      { message: 'Enter the online referral address starting with https://' },
    ),
    policeNonEmergency: text('the police non-emergency number', { max: 50 }),
    extraAdvice: longText('other advice', { max: 2000, required: false }).optional(),
  })
  .transform(({ _csrf, ...rest }) => ({ ...rest, extraAdvice: rest.extraAdvice ?? '' }))

export type ContactsInput = z.output<typeof contactsForm>

// ---- API ---------------------------------------------------------------------------------------------------------

const apiId = (description: string) =>
  z
    .string()
    .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/)
    .transform(value => value.toLowerCase())
    .meta({ description, format: 'uuid' })

export const episodeParams = z.strictObject({ episodeId: apiId('The episode’s identifier.') })

export const newEpisodeBody = z
  .strictObject({
    personId: apiId('Start for one child: the child’s identifier.').optional(),
    householdId: apiId('Start for a family: the household’s identifier.').optional(),
    childIds: z.array(apiId('A subject child.')).max(20).optional().meta({ description: 'For a family: the subject children (members of the household).' }),
    adultIds: z.array(apiId('An adult.')).max(20).optional().meta({ description: 'For a family: the adults included.' }),
  })
  .refine(body => (body.personId === undefined) !== (body.householdId === undefined), {
    message: 'Send either personId or householdId',
  })
  .transform((body): StartInput => ({
    personId: body.personId,
    householdId: body.householdId,
    childIds: body.childIds ?? [],
    adultIds: body.adultIds ?? [],
  }))

const isoDate = z
  .string()
  .regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, 'Use the date format YYYY-MM-DD')
  .refine(value => !Number.isNaN(new Date(`${value}T00:00:00Z`).getTime()) && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value, 'Not a real date')

export const newConsentBody = z
  .strictObject({
    decision: z.enum(CONSENT_DECISIONS),
    giverKind: z.enum(GIVER_KINDS),
    giverPersonId: apiId('The parent or carer with parental responsibility, or the young person.').optional(),
    giverName: text('giverName', { max: 200 }).optional().meta({ description: 'Another adult: their name.' }),
    giverRelationship: text('giverRelationship', { max: 200 }).optional().meta({ description: 'Another adult: what they are to the child.' }),
    competence: z
      .strictObject({ basis: z.enum(COMPETENCE_BASES), judgedBy: text('judgedBy', { max: 200 }), reasoning: longText('reasoning', { max: 5000 }) })
      .optional()
      .meta({ description: 'A young person: the competence judgement (Fraser or Gillick), by whom, and why.' }),
    toAssess: z.boolean(),
    shareAgencyIds: z.array(apiId('An agency.')).max(100).default([]),
    shareAgencyKinds: z.array(z.enum(AGENCY_KIND_VALUES)).max(AGENCY_KIND_VALUES.length).default([]),
    method: z.enum(CONSENT_METHODS),
    givenOn: isoDate.meta({ description: 'The day consent was given or refused.', format: 'date' }),
    refusalReason: longText('refusalReason', { max: 5000 }).optional(),
  })
  .transform((body, ctx): ConsentInput => {
    const input: ConsentInput = {
      decision: body.decision,
      giverKind: body.giverKind,
      giverPersonId: body.giverKind === 'other_adult' ? null : (body.giverPersonId ?? null),
      giverName: body.giverKind === 'other_adult' ? (body.giverName ?? null) : null,
      giverRelationship: body.giverKind === 'other_adult' ? (body.giverRelationship ?? null) : null,
      competence: body.giverKind === 'young_person' ? (body.competence ?? null) : null,
      toAssess: body.toAssess,
      shareAgencyIds: [...new Set(body.shareAgencyIds)],
      shareAgencyKinds: [...new Set(body.shareAgencyKinds)],
      method: body.method,
      givenOn: body.givenOn,
      refusalReason: body.refusalReason ?? null,
    }
    const apiPath: Record<string, string> = {
      parentPersonId: 'giverPersonId',
      youngPersonId: 'giverPersonId',
      otherAdultName: 'giverName',
      otherAdultRelationship: 'giverRelationship',
      competenceBasis: 'competence',
      competenceJudgedBy: 'competence',
      competenceReasoning: 'competence',
    }
    for (const problem of consentProblems(input, {
      young: body.giverKind === 'young_person',
      competenceBasisGiven: body.competence !== undefined,
      judgedBy: body.competence?.judgedBy,
      reasoning: body.competence?.reasoning,
    })) {
      const field = problem.path[0] ?? ''
      ctx.addIssue({ code: 'custom', message: problem.message, path: [apiPath[field] ?? field] })
    }
    return input
  })

export const newReferralBody = z
  .strictObject({
    referredTo: z.enum(REFERRED_TO),
    concern: longText('concern', { max: 5000 }),
    referredAt: z.iso.datetime({ offset: true }).meta({ description: 'When the referral was made.' }),
    method: z.enum(REFERRAL_METHODS),
    reference: text('reference', { max: 100 }).optional(),
    spokeTo: text('spokeTo', { max: 200 }).optional(),
    outcome: longText('outcome', { max: 5000 }).optional(),
  })
  .transform(
    (body): ReferralInput => ({
      referredTo: body.referredTo,
      concern: body.concern,
      referredAt: new Date(body.referredAt),
      method: body.method,
      reference: body.reference ?? null,
      spokeTo: body.spokeTo ?? null,
      outcome: body.outcome ?? null,
    }),
  )

const personSchema = z.object({
  id: z.string().meta({ format: 'uuid' }),
  name: z.string(),
  role: z.enum(['child', 'adult']),
  dateOfBirth: z.string().nullable().meta({ format: 'date' }),
})

export const consentSchema = z.object({
  id: z.string().meta({ format: 'uuid' }),
  decision: z.enum(CONSENT_DECISIONS),
  giverKind: z.enum(GIVER_KINDS),
  giverPersonId: z.string().nullable(),
  giverName: z.string(),
  giverRelationship: z.string().nullable(),
  competence: z.object({ basis: z.enum(COMPETENCE_BASES), judgedBy: z.string(), reasoning: z.string() }).nullable(),
  toAssess: z.boolean(),
  shareAgencyIds: z.array(z.string()),
  shareAgencyKinds: z.array(z.string()),
  method: z.enum(CONSENT_METHODS),
  givenOn: z.string().meta({ format: 'date' }),
  refusalReason: z.string().nullable(),
  withdrawnOn: z.string().nullable().meta({ format: 'date' }),
  withdrawalReason: z.string().nullable(),
})

export const referralSchema = z.object({
  id: z.string().meta({ format: 'uuid' }),
  referredTo: z.enum(REFERRED_TO),
  concern: z.string(),
  referredAt: z.string().meta({ format: 'date-time' }),
  method: z.enum(REFERRAL_METHODS),
  reference: z.string().nullable(),
  spokeTo: z.string().nullable(),
  outcome: z.string().nullable(),
})

export const episodeSummarySchema = z.object({
  id: z.string().meta({ format: 'uuid' }),
  reference: z.string(),
  scope: z.enum(['child', 'family']),
  status: z.string(),
  safeguardingFlag: z.boolean(),
  outcome: z.string().nullable(),
  startedAt: z.string().meta({ format: 'date-time' }),
  yourRole: z.enum(['owner', 'member', 'contributor']),
  children: z.string(),
})

export const episodeListSchema = z.object({ items: z.array(episodeSummarySchema) })

export const episodeSchema = z.object({
  id: z.string().meta({ format: 'uuid' }),
  reference: z.string(),
  scope: z.enum(['child', 'family']),
  householdId: z.string().nullable(),
  status: z.string(),
  safeguardingFlag: z.boolean(),
  outcome: z.string().nullable(),
  startedAt: z.string().meta({ format: 'date-time' }),
  closedAt: z.string().nullable(),
  templateVersionId: z.string().nullable(),
  consentToAssess: z.boolean(),
  people: z.array(personSchema),
  members: z.array(z.object({ userId: z.string(), name: z.string(), agencyName: z.string().nullable(), role: z.enum(['owner', 'member', 'contributor']) })),
  checklist: z
    .object({ outcome: z.enum(CHECKLIST_OUTCOMES), answers: z.array(z.object({ key: z.string(), question: z.string(), answer: z.enum(CHECKLIST_ANSWERS) })) })
    .nullable(),
  consents: z.array(consentSchema),
  safeguardingReferrals: z.array(referralSchema),
  version: z.number().int(),
})
