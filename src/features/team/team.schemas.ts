import { z } from 'zod'
import type { FamilyTeamMemberKind, LeadScope } from '../../db/schema.ts'
import { csrfField, emailAddress, longText, optionalText, text, uuid } from '../../lib/validation.ts'

// Forms and API bodies of the team around the family. Every form is a strict object with the CSRF field.

export const LEAD_SCOPES = ['whole_family', 'children', 'adults'] as const satisfies readonly LeadScope[]
export const FAMILY_KINDS = ['family_member', 'advocate', 'parent_advice', 'friend', 'other_supporter'] as const satisfies readonly FamilyTeamMemberKind[]
export const APPOINTED_VIA = ['team_meeting', 'panel', 'other'] as const
export const OUTCOMES_FRAMEWORKS = ['every_child_matters', 'wales_core_aims'] as const

const versionField = z
  .string({ error: 'The form is missing its version. Reload the page and try again' })
  .regex(/^[0-9]{1,9}$/, 'The form’s version is not valid. Reload the page and try again')
  .transform(Number)

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value)

const yesNo = (message: string) => z.enum(['yes', 'no'], { error: message }).transform(value => value === 'yes')

function optionalEmail() {
  return z.preprocess(emptyAsUndefined, emailAddress('an email address').optional()).transform(value => value ?? null)
}

// ---- practitioners ----------------------------------------------------------------------------------------------

export type AddPractitionerInput = { userId: string; agencyId: string | null; teamRole: string | null }

/** The practitioner is chosen from the directory as "userId/agencyId" (or "userId/none" for someone with no agency). */
export const addPractitionerForm = z
  .strictObject({
    ...csrfField,
    practitioner: z
      .string({ error: 'Select the practitioner to add' })
      .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|none)$/, 'Select the practitioner to add'),
    teamRole: optionalText('what they do for the family', 100),
  })
  .transform((form): AddPractitionerInput => {
    const [userId = '', agency = 'none'] = form.practitioner.split('/')
    return { userId, agencyId: agency === 'none' ? null : agency, teamRole: form.teamRole }
  })

export const leaveForm = z.strictObject({
  ...csrfField,
  version: versionField.optional(),
  reason: longText('why they are leaving the team', { max: 2000 }),
})
export type LeaveInput = { reason: string; version?: number | undefined }

// ---- family members and supporters ------------------------------------------------------------------------------

export type AddFamilyMemberInput = {
  kind: FamilyTeamMemberKind
  personId: string | null
  name: string | null
  relationship: string | null
  organisation: string | null
  email: string | null
  phone: string | null
}

export const addFamilyMemberForm = z
  .strictObject({
    ...csrfField,
    kind: z.enum(FAMILY_KINDS, { error: 'Select who they are' }),
    personId: z.preprocess(emptyAsUndefined, uuid('The family member').optional()).transform(value => value ?? null),
    name: optionalText('their name', 200),
    relationship: optionalText('what they are to the family', 100),
    organisation: optionalText('the organisation', 200),
    email: optionalEmail(),
    phone: optionalText('the phone number', 40).refine(value => value === null || /^[0-9+() -]{6,40}$/.test(value), {
      message: 'Enter a phone number, like 01632 960 001 or +44 7700 900 982',
    }),
  })
  .superRefine((form, ctx) => {
    if (form.kind !== 'family_member' && form.personId) {
      ctx.addIssue({ code: 'custom', message: 'Only a family member can be chosen from the family’s records', path: ['personId'] })
    }
    if (!form.personId && !form.name) {
      ctx.addIssue({
        code: 'custom',
        message: form.kind === 'family_member' ? 'Select a family member, or enter their name' : 'Enter their name',
        path: ['name'],
      })
    }
  })
  .transform((form): AddFamilyMemberInput => ({
    kind: form.kind,
    personId: form.kind === 'family_member' ? form.personId : null,
    name: form.name,
    relationship: form.relationship,
    organisation: form.organisation,
    email: form.email,
    phone: form.phone,
  }))

// ---- lead professionals -----------------------------------------------------------------------------------------

export type AppointLeadInput = {
  scope: LeadScope
  userId: string
  appointedVia: (typeof APPOINTED_VIA)[number]
  familyChose: boolean
  familyPreference: string | null
}

function familyPreferenceRule(form: { familyChose: boolean; familyPreference: string }, ctx: z.RefinementCtx) {
  if (form.familyChose && !form.familyPreference) {
    ctx.addIssue({ code: 'custom', message: 'Enter what the family said about their choice, in their words', path: ['familyPreference'] })
  }
}

export const appointLeadForm = z
  .strictObject({
    ...csrfField,
    scope: z.enum(LEAD_SCOPES, { error: 'Select who the lead professional is for' }),
    userId: uuid('The practitioner').or(z.literal('').transform(() => '')).refine(value => value !== '', 'Select the lead professional'),
    appointedVia: z.enum(APPOINTED_VIA, { error: 'Select how the lead professional was appointed' }),
    familyChose: yesNo('Select whether the family chose this lead professional'),
    familyPreference: longText('what the family said', { max: 2000, required: false }).optional().transform(value => value ?? ''),
  })
  .superRefine(familyPreferenceRule)
  .transform(
    (form): AppointLeadInput => ({
      scope: form.scope,
      userId: form.userId,
      appointedVia: form.appointedVia,
      familyChose: form.familyChose,
      familyPreference: form.familyPreference || null,
    }),
  )

export type HandoverInput = { version: number; toUserId: string; note: string; familyChose: boolean; familyPreference: string | null }

export const handoverForm = z
  .strictObject({
    ...csrfField,
    version: versionField,
    toUserId: uuid('The new lead professional').or(z.literal('').transform(() => '')).refine(value => value !== '', 'Select the new lead professional'),
    note: longText('the handover note', { max: 5000 }),
    familyChose: yesNo('Select whether the family chose the new lead professional'),
    familyPreference: longText('what the family said', { max: 2000, required: false }).optional().transform(value => value ?? ''),
  })
  .superRefine(familyPreferenceRule)
  .transform(
    (form): HandoverInput => ({
      version: form.version,
      toUserId: form.toUserId,
      note: form.note,
      familyChose: form.familyChose,
      familyPreference: form.familyPreference || null,
    }),
  )

export type HandoverResponseInput = { version: number; decision: 'acknowledge' | 'decline' | 'cancel'; responseNote: string | null }

export const handoverResponseForm = z
  .strictObject({
    ...csrfField,
    version: versionField,
    decision: z.enum(['acknowledge', 'decline', 'cancel'], { error: 'Select your answer' }),
    responseNote: longText('a note', { max: 2000, required: false }).optional().transform(value => value || null),
  })
  .superRefine((form, ctx) => {
    if (form.decision === 'decline' && !form.responseNote) {
      ctx.addIssue({ code: 'custom', message: 'Enter why you cannot take over as lead professional', path: ['responseNote'] })
    }
  })
  .transform((form): HandoverResponseInput => form)

// ---- early-help settings ----------------------------------------------------------------------------------------

function wholeNumber(label: string, min: number, max: number) {
  return z
    .string({ error: `Enter ${label}` })
    .trim()
    .refine(value => value !== '', `Enter ${label}`)
    .refine(value => /^[0-9]{1,4}$/.test(value), `${label.charAt(0).toUpperCase()}${label.slice(1)} must be a whole number`)
    .transform(Number)
    .refine(value => value >= min && value <= max, `${label.charAt(0).toUpperCase()}${label.slice(1)} must be between ${min} and ${max}`)
}

export type SettingsInput = {
  version: number
  maxTeamPractitioners: number
  noLeadAlertDays: number
  minutesDueWorkingDays: number
  reviewWeeks: number
  closureApprovalRequired: boolean
  outcomesFramework: (typeof OUTCOMES_FRAMEWORKS)[number]
  /** Absent: keep the saved age (forms from before the family's own view). */
  youngPersonMinAge?: number
}

export const settingsForm = z
  .strictObject({
    ...csrfField,
    version: versionField,
    maxTeamPractitioners: wholeNumber('the largest team size', 1, 50),
    noLeadAlertDays: wholeNumber('the number of days without a lead professional', 0, 365),
    minutesDueWorkingDays: wholeNumber('the number of working days for minutes', 1, 30),
    reviewWeeks: wholeNumber('the number of weeks between reviews', 3, 12),
    closureApprovalRequired: yesNo('Select whether closing an episode needs a manager’s approval'),
    outcomesFramework: z.enum(OUTCOMES_FRAMEWORKS, { error: 'Select the outcomes framework' }),
    youngPersonMinAge: wholeNumber('the age from which young people may be invited', 8, 18).optional(),
  })
  .transform((form): SettingsInput => {
    const { _csrf, youngPersonMinAge, ...rest } = form
    void _csrf
    return youngPersonMinAge === undefined ? rest : { ...rest, youngPersonMinAge }
  })

// ---- API --------------------------------------------------------------------------------------------------------

const apiId = (description: string) =>
  z
    .string()
    .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/)
    .transform(value => value.toLowerCase())
    .meta({ description, format: 'uuid' })

export const teamParams = z.strictObject({ episodeId: apiId('The episode’s identifier.') })

const apiText = (label: string, max: number) => text(label, { max }).meta({ description: label })

export const newTeamMemberBody = z.discriminatedUnion('type', [
  z
    .strictObject({
      type: z.literal('practitioner'),
      userId: apiId('The practitioner’s account.'),
      agencyId: apiId('The agency they work for on this team (one of theirs); default: their first.').optional(),
      teamRole: apiText('What they do for the family, e.g. "Class teacher".', 100).optional(),
    })
    .meta({ description: 'A practitioner from the directory: they join the team and can open the episode.' }),
  z
    .strictObject({
      type: z.literal('family'),
      kind: z.enum(FAMILY_KINDS),
      personId: apiId('A family member’s person record (family_member only).').optional(),
      name: apiText('Their name (needed unless personId is given).', 200).optional(),
      relationship: apiText('What they are to the family, e.g. "Mum".', 100).optional(),
      organisation: apiText('For a supporter: their organisation.', 200).optional(),
      email: emailAddress().optional(),
      phone: z.string().regex(/^[0-9+() -]{6,40}$/).optional(),
    })
    .refine(body => body.personId !== undefined || body.name !== undefined, { message: 'Send personId or name' })
    .refine(body => body.personId === undefined || body.kind === 'family_member', { message: 'Only a family_member can have a personId' })
    .meta({ description: 'A family member or a family-side supporter (advocate, parent advice service, friend).' }),
])

export const appointLeadBody = z
  .strictObject({
    scope: z.enum(LEAD_SCOPES).meta({ description: 'whole_family, or separate leads for the children and the adults.' }),
    userId: apiId('The lead professional: a practitioner on the team.'),
    appointedVia: z.enum(APPOINTED_VIA),
    familyChose: z.boolean(),
    familyPreference: longText('familyPreference', { max: 2000 }).optional().meta({ description: 'What the family said, in their words (required when familyChose).' }),
  })
  .refine(body => !body.familyChose || body.familyPreference !== undefined, { message: 'Send familyPreference when familyChose is true', path: ['familyPreference'] })
  .transform((body): AppointLeadInput => ({ ...body, familyPreference: body.familyPreference ?? null }))

const practitionerSchema = z.object({
  userId: z.string().meta({ format: 'uuid' }),
  name: z.string(),
  teamRole: z.string().nullable(),
  agencyId: z.string().nullable(),
  agencyName: z.string().nullable(),
  joinedAt: z.string().meta({ format: 'date-time' }),
  leftAt: z.string().nullable().meta({ format: 'date-time' }),
  leftReason: z.string().nullable(),
})

const familyMemberSchema = z.object({
  id: z.string().meta({ format: 'uuid' }),
  personId: z.string().nullable(),
  name: z.string(),
  kind: z.enum(FAMILY_KINDS),
  relationship: z.string().nullable(),
  organisation: z.string().nullable(),
  joinedAt: z.string().meta({ format: 'date-time' }),
  leftAt: z.string().nullable().meta({ format: 'date-time' }),
})

export const leadSchema = z.object({
  id: z.string().meta({ format: 'uuid' }),
  scope: z.enum(LEAD_SCOPES),
  userId: z.string().meta({ format: 'uuid' }),
  name: z.string(),
  agencyName: z.string().nullable(),
  appointedVia: z.enum(['team_meeting', 'panel', 'handover', 'other']),
  familyChose: z.boolean(),
  familyPreference: z.string().nullable(),
  startedAt: z.string().meta({ format: 'date-time' }),
  endedAt: z.string().nullable().meta({ format: 'date-time' }),
})

export const teamSchema = z.object({
  episodeId: z.string().meta({ format: 'uuid' }),
  practitioners: z.array(practitionerSchema).meta({ description: 'Current and former practitioners (leftAt set for those who left).' }),
  familyMembers: z.array(familyMemberSchema),
  leads: z.array(leadSchema).meta({ description: 'Every lead professional, newest first; current ones have endedAt null.' }),
  maxTeamPractitioners: z.number().int(),
  overSize: z.boolean().meta({ description: 'More practitioners than the authority’s suggested maximum.' }),
  history: z.array(z.object({ change: z.enum(['joined', 'left', 'role_changed']), memberName: z.string(), detail: z.string().nullable(), at: z.string().meta({ format: 'date-time' }) })),
})
