import { z } from 'zod'
import type { RelationshipKind } from '../../db/schema.ts'
import { isValidNhsNumber, normaliseNhsNumber } from '../../lib/nhs-number.ts'
import { csrfField, longText, optionalText, text, uuid } from '../../lib/validation.ts'
import { isValidUniquePupilNumber, isoDate, normalisePostcode } from './person-details.ts'

// One schema per people form, and the API bodies. Messages are GOV.UK sentences; every text is bounded.

const RELOAD = 'This form is out of date. Reload the page and try again'

const version = z.string({ error: RELOAD }).regex(/^[0-9]{1,9}$/, RELOAD).transform(Number)

export const SEX_VALUES = ['female', 'male', 'not_known'] as const

/** The ethnic groups of the 2021 census (England and Wales). */
export const ETHNICITIES = [
  'Asian or Asian British: Bangladeshi',
  'Asian or Asian British: Chinese',
  'Asian or Asian British: Indian',
  'Asian or Asian British: Pakistani',
  'Asian or Asian British: any other Asian background',
  'Black, Black British, Caribbean or African: African',
  'Black, Black British, Caribbean or African: Caribbean',
  'Black, Black British, Caribbean or African: any other Black background',
  'Mixed or multiple: White and Asian',
  'Mixed or multiple: White and Black African',
  'Mixed or multiple: White and Black Caribbean',
  'Mixed or multiple: any other mixed background',
  'White: English, Welsh, Scottish, Northern Irish or British',
  'White: Irish',
  'White: Gypsy or Irish Traveller',
  'White: Roma',
  'White: any other White background',
  'Other ethnic group: Arab',
  'Other ethnic group: any other ethnic group',
  'Prefers not to say',
] as const

export const RELATIONSHIP_KINDS: readonly [RelationshipKind, ...RelationshipKind[]] = [
  'mother',
  'father',
  'step_parent',
  'carer',
  'grandparent',
  'sibling',
  'half_sibling',
  'partner',
  'other',
]

const POSTCODE_MESSAGE = 'Enter a real postcode, like LS1 4AP'

export const postcodeText = optionalText('the postcode', 10).superRefine((value, context) => {
  if (value !== null && normalisePostcode(value) === null) context.addIssue({ code: 'custom', message: POSTCODE_MESSAGE })
}).transform(value => (value === null ? null : normalisePostcode(value)))

const nhsNumber = optionalText('the NHS number', 20).superRefine((value, context) => {
  if (value === null) return
  if (normaliseNhsNumber(value) === null) context.addIssue({ code: 'custom', message: 'NHS number must be 10 digits, like 943 476 5919' })
  else if (!isValidNhsNumber(value)) context.addIssue({ code: 'custom', message: 'Enter a real NHS number: the last digit does not match. Check it against a letter or the NHS App' })
}).transform(value => (value === null ? null : normaliseNhsNumber(value)))

const uniquePupilNumber = optionalText('the unique pupil number', 20).superRefine((value, context) => {
  if (value === null) return
  const compact = value.replace(/\s+/g, '').toUpperCase()
  if (compact.length !== 13) context.addIssue({ code: 'custom', message: 'Unique pupil number must be 13 characters, like A123456789012' })
  else if (!isValidUniquePupilNumber(compact)) context.addIssue({ code: 'custom', message: 'Enter a real unique pupil number: the first letter does not match the rest. Check it with the school' })
}).transform(value => (value === null ? null : value.replace(/\s+/g, '').toUpperCase()))

const phone = optionalText('the phone number', 40).refine(value => value === null || /^\+?[0-9 ()-]{6,40}$/.test(value), {
  message: 'Enter a phone number, like 01632 960 001 or 07700 900 982',
})

const email = optionalText('the email address', 254)
  .refine(value => value === null || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value), { message: 'Enter an email address in the correct format, like name@example.org' })
  .transform(value => (value === null ? null : value.toLowerCase()))

const optionalLong = (label: string, max: number) =>
  longText(label, { max, required: false })
    .optional()
    .transform(value => (value ? value : null))

const datePart = z.string().max(10).optional()

/** Day, month and year fields of a GOV.UK date input, named `<prefix>-day` and so on. */
function dateFields<P extends string>(prefix: P) {
  return {
    [`${prefix}-day`]: datePart,
    [`${prefix}-month`]: datePart,
    [`${prefix}-year`]: datePart,
  } as Record<`${P}-day` | `${P}-month` | `${P}-year`, typeof datePart>
}

/** Reads a date input: null when all three are empty; an issue on `<prefix>-day` when incomplete or not a real date. */
export function readDateInput(values: Record<string, unknown>, prefix: string, label: string, context: z.RefinementCtx): string | null {
  const part = (name: string) => String(values[`${prefix}-${name}`] ?? '').trim()
  const [day, month, year] = [part('day'), part('month'), part('year')]
  if (!day && !month && !year) return null
  const missing = [!day && 'day', !month && 'month', !year && 'year'].filter(Boolean)
  if (missing.length > 0) {
    context.addIssue({ code: 'custom', path: [`${prefix}-${missing[0]}`], message: `${label} must include a ${missing.join(' and ')}` })
    return null
  }
  if (!/^[0-9]{1,2}$/.test(day) || !/^[0-9]{1,2}$/.test(month) || !/^[0-9]{4}$/.test(year)) {
    context.addIssue({ code: 'custom', path: [`${prefix}-day`], message: `${label} must be a real date, like 27 3 2019` })
    return null
  }
  const date = isoDate(Number(year), Number(month), Number(day))
  if (!date) context.addIssue({ code: 'custom', path: [`${prefix}-day`], message: `${label} must be a real date, like 27 3 2019` })
  return date
}

const personFieldShape = {
  ...csrfField,
  givenNames: text('their first name (and any middle names)', { max: 100 }),
  familyName: text('their last name', { max: 100 }),
  otherNames: optionalLong('the other names', 500),
  ...dateFields('dateOfBirth'),
  ...dateFields('expectedDateOfBirth'),
  sex: z.union([z.enum(SEX_VALUES), z.literal('')], { error: 'Choose their sex' }).optional(),
  gender: optionalText('their gender', 100),
  ethnicity: z.union([z.enum(ETHNICITIES), z.literal('')], { error: 'Choose an ethnic group from the list' }).optional(),
  firstLanguage: optionalText('their first language', 100),
  interpreterNeeded: z.enum(['yes', 'no'], { error: 'Choose whether they need an interpreter' }).optional(),
  disability: optionalLong('the disability', 2000),
  address: optionalLong('the address', 500),
  postcode: postcodeText,
  phone,
  email,
  schoolOrSetting: optionalText('the school or setting', 200),
  uniquePupilNumber,
  nhsNumber,
  gpPractice: optionalText('the GP practice', 200),
}

export type PersonDetailsInput = {
  givenNames: string
  familyName: string
  otherNames: string
  dateOfBirth: string | null
  expectedDateOfBirth: string | null
  sex: string | null
  gender: string | null
  ethnicity: string | null
  firstLanguage: string | null
  interpreterNeeded: boolean
  disability: string | null
  address: string | null
  postcode: string | null
  phone: string | null
  email: string | null
  schoolOrSetting: string | null
  uniquePupilNumber: string | null
  nhsNumber: string | null
  gpPractice: string | null
}

type ParsedFields = z.output<z.ZodObject<typeof personFieldShape>>

/** The person's details from the parsed fields, with the two date inputs checked against each other and today. */
function toDetails(values: ParsedFields, raw: Record<string, unknown>, context: z.RefinementCtx, today: string): PersonDetailsInput {
  const dateOfBirth = readDateInput(raw, 'dateOfBirth', 'Date of birth', context)
  const expectedDateOfBirth = readDateInput(raw, 'expectedDateOfBirth', 'Expected date of birth', context)
  if (dateOfBirth && dateOfBirth > today) context.addIssue({ code: 'custom', path: ['dateOfBirth-day'], message: 'Date of birth must be today or in the past. For an unborn baby, enter the expected date of birth instead' })
  if (dateOfBirth && expectedDateOfBirth) context.addIssue({ code: 'custom', path: ['expectedDateOfBirth-day'], message: 'Enter either a date of birth or an expected date of birth, not both' })
  return {
    givenNames: values.givenNames,
    familyName: values.familyName,
    otherNames: values.otherNames ?? '',
    dateOfBirth,
    expectedDateOfBirth,
    sex: values.sex ? values.sex : null,
    gender: values.gender,
    ethnicity: values.ethnicity ? values.ethnicity : null,
    firstLanguage: values.firstLanguage,
    interpreterNeeded: values.interpreterNeeded === 'yes',
    disability: values.disability,
    address: values.address,
    postcode: values.postcode,
    phone: values.phone,
    email: values.email,
    schoolOrSetting: values.schoolOrSetting,
    uniquePupilNumber: values.uniquePupilNumber,
    nhsNumber: values.nhsNumber,
    gpPractice: values.gpPractice,
  }
}

export function registerPersonForm(today: string) {
  return z
    .strictObject({
      ...personFieldShape,
      confirmNew: z.enum(['yes'], { error: 'Confirm that none of these people is the person you are registering' }).optional(),
      householdId: z.union([z.literal(''), uuid('The household')]).optional(),
    })
    .transform((values, context) => ({
      ...toDetails(values, values as Record<string, unknown>, context, today),
      confirmedNew: values.confirmNew === 'yes',
      householdId: values.householdId ? values.householdId : null,
    }))
}

export function editPersonForm(today: string) {
  return z
    .strictObject({ ...personFieldShape, version })
    .transform((values, context) => ({ ...toDetails(values, values as Record<string, unknown>, context, today), version: values.version }))
}

/** The search that starts registration (a GET form: nothing changes). */
export const personSearchQuery = z
  .strictObject({
    givenNames: optionalText('their first name', 100),
    familyName: optionalText('their last name', 100),
    ...dateFields('dateOfBirth'),
    postcode: postcodeText,
    householdId: z.union([z.literal(''), uuid('The household')]).optional(),
  })
  .transform((values, context) => {
    const dateOfBirth = readDateInput(values as Record<string, unknown>, 'dateOfBirth', 'Date of birth', context)
    if (values.givenNames === null && values.familyName === null) {
      context.addIssue({ code: 'custom', path: ['familyName'], message: 'Enter their first name and last name' })
    }
    return {
      givenNames: values.givenNames ?? '',
      familyName: values.familyName ?? '',
      dateOfBirth,
      postcode: values.postcode,
      householdId: values.householdId ? values.householdId : null,
    }
  })

/** Prefill of the registration form from the search (a GET: unknown keys are ignored rather than refused). */
export const registerPrefillQuery = z.object({
  givenNames: z.string().max(100).optional(),
  familyName: z.string().max(100).optional(),
  dateOfBirth: z.string().regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/).optional(),
  postcode: z.string().max(10).optional(),
  householdId: uuid().optional(),
  confirmed: z.literal('1').optional(),
})

export const householdForm = z.strictObject({
  ...csrfField,
  name: text('a name for the household', { max: 150, enterMessage: 'Enter a name for the household, like The Smith family' }),
  address: optionalLong('the address', 500),
  postcode: postcodeText,
  personId: z.union([z.literal(''), uuid('The person')]).optional().transform(value => (value ? value : null)),
})

export const addMemberForm = z.strictObject({ ...csrfField, personId: uuid('The person') })

export const buttonForm = z.strictObject({ ...csrfField })

export const relationshipForm = z.strictObject({
  ...csrfField,
  personId: uuid('The person').or(z.literal('')).refine(value => value !== '', { message: 'Choose the person' }),
  relatedPersonId: uuid('The person').or(z.literal('')).refine(value => value !== '', { message: 'Choose who they are related to' }),
  kind: z.enum(RELATIONSHIP_KINDS, { error: 'Choose the relationship' }),
  parentalResponsibility: z.enum(['yes', 'no'], { error: 'Choose whether they have parental responsibility' }).transform(value => value === 'yes'),
  description: optionalText('the description', 200),
})

export const mergeForm = z.strictObject({
  ...csrfField,
  keep: z.enum(['first', 'second'], { error: 'Choose which record to keep' }),
  reason: longText('why these are the same person', { max: 1000 }),
})

// ---- API -------------------------------------------------------------------------------------------------------

const isoDateText = (label: string) =>
  z
    .string()
    .regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, `${label} must be a date like 2019-03-27`)
    .refine(value => {
      const [year, month, day] = value.split('-').map(Number)
      return isoDate(year ?? 0, month ?? 0, day ?? 0) !== null
    }, `${label} must be a real date`)

export const personSearchApiQuery = z.strictObject({
  name: z.string().min(1, 'name is required').max(200).meta({ description: 'The name as typed: forenames then family name, e.g. "Jon Smyth".' }),
  dateOfBirth: isoDateText('dateOfBirth').optional().meta({ description: 'Date of birth, YYYY-MM-DD.' }),
  postcode: z
    .string()
    .max(10)
    .refine(value => normalisePostcode(value) !== null, POSTCODE_MESSAGE)
    .transform(value => normalisePostcode(value) ?? value)
    .optional()
    .meta({ description: 'UK postcode.' }),
})

export const personParams = z.strictObject({
  personId: z
    .string()
    .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/)
    .transform(value => value.toLowerCase())
    .meta({ description: 'The person’s identifier.', format: 'uuid' }),
})

const nullableText = (max: number) => z.string().max(max).nullable().optional()

export const newPersonBody = z.strictObject({
  givenNames: z.string().trim().min(1, 'givenNames is required').max(100),
  familyName: z.string().trim().min(1, 'familyName is required').max(100),
  otherNames: z.string().max(500).optional(),
  dateOfBirth: isoDateText('dateOfBirth').nullable().optional(),
  expectedDateOfBirth: isoDateText('expectedDateOfBirth').nullable().optional(),
  sex: z.enum(SEX_VALUES).nullable().optional(),
  gender: nullableText(100),
  ethnicity: z.enum(ETHNICITIES).nullable().optional(),
  firstLanguage: nullableText(100),
  interpreterNeeded: z.boolean().optional(),
  disability: nullableText(2000),
  address: nullableText(500),
  postcode: z.string().max(10).refine(value => normalisePostcode(value) !== null, POSTCODE_MESSAGE).nullable().optional(),
  phone: z.string().regex(/^\+?[0-9 ()-]{6,40}$/, 'phone is not a phone number').nullable().optional(),
  email: z.string().max(254).regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, 'email is not an email address').nullable().optional(),
  schoolOrSetting: nullableText(200),
  uniquePupilNumber: z.string().max(13).refine(isValidUniquePupilNumber, 'uniquePupilNumber is not a valid unique pupil number').nullable().optional(),
  nhsNumber: z.string().max(12).refine(isValidNhsNumber, 'nhsNumber is not a valid NHS number (modulus 11 check)').nullable().optional(),
  gpPractice: nullableText(200),
  confirmNoDuplicate: z.boolean().optional().meta({ description: 'Set true after checking the likely duplicates GET /people returned for this person.' }),
})

const personCandidateSchema = z.object({
  id: z.string(),
  name: z.string(),
  dateOfBirth: z.string().nullable(),
  expectedDateOfBirth: z.string().nullable(),
  postcodeDistrict: z.string().nullable(),
  schoolOrSetting: z.string().nullable(),
  score: z.number(),
})

export const personCandidateListSchema = z.object({ items: z.array(personCandidateSchema) })

export const personSchema = z.object({
  id: z.string(),
  givenNames: z.string(),
  familyName: z.string(),
  otherNames: z.string(),
  dateOfBirth: z.string().nullable(),
  expectedDateOfBirth: z.string().nullable(),
  sex: z.string().nullable(),
  gender: z.string().nullable(),
  ethnicity: z.string().nullable(),
  firstLanguage: z.string().nullable(),
  interpreterNeeded: z.boolean(),
  disability: z.string().nullable(),
  address: z.string().nullable(),
  postcode: z.string().nullable(),
  phone: z.string().nullable(),
  email: z.string().nullable(),
  schoolOrSetting: z.string().nullable(),
  uniquePupilNumber: z.string().nullable(),
  nhsNumber: z.string().nullable(),
  gpPractice: z.string().nullable(),
  version: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
})

export const possibleDuplicatesSchema = personCandidateListSchema
