import { z } from 'zod'
import type { Role } from '../../db/schema.ts'
import { csrfField, emailAddress, list, longText, optionalText, text, uuid } from '../../lib/validation.ts'
import { AGENCY_KIND_VALUES } from '../agencies/agency-kinds.ts'

// One schema per administration form. Messages are GOV.UK sentences; every text is bounded.

const ROLE_VALUES: [Role, ...Role[]] = ['administrator', 'coordinator', 'panel_member', 'manager', 'practitioner']

const RELOAD = 'This form is out of date. Reload the page and try again'

/** The version of the record the form was opened on (optimistic concurrency). */
const version = z
  .string({ error: RELOAD })
  .regex(/^[0-9]{1,9}$/, RELOAD)
  .transform(Number)

const yesNo = (message: string) => z.enum(['yes', 'no'], { error: message }).transform(value => value === 'yes')

const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

// ---- localities ------------------------------------------------------------------------------------------------

const localityName = text('the locality name', { max: 100 })

export const addLocalityForm = z.strictObject({ ...csrfField, name: localityName })

export const renameLocalityForm = z.strictObject({ ...csrfField, name: localityName, version })

// ---- agencies --------------------------------------------------------------------------------------------------

const agencyFields = {
  ...csrfField,
  name: text('the agency name', { max: 150 }),
  kind: z.enum(AGENCY_KIND_VALUES, { error: 'Choose the kind of agency' }),
  localityId: z
    .union([z.literal(''), uuid()], { error: 'Choose a locality from the list' })
    .optional()
    .transform(value => (value ? value : null)),
  description: longText('a description of what the agency does', { max: 2000 }),
  email: optionalText('the email address', 254)
    .refine(value => value === null || EMAIL_PATTERN.test(value), {
      message: 'Enter an email address in the correct format, like team@example.org',
    })
    .transform(value => (value === null ? null : value.toLowerCase())),
  phone: optionalText('the phone number', 40).refine(value => value === null || /^\+?[0-9 ()-]{6,40}$/.test(value), {
    message: 'Enter a phone number, like 01632 960 001 or +44 808 157 0192',
  }),
  address: longText('the address', { max: 500, required: false })
    .optional()
    .transform(value => (value ? value : null)),
  active: yesNo('Choose whether the agency is active'),
}

export const addAgencyForm = z.strictObject(agencyFields)

export const editAgencyForm = z.strictObject({ ...agencyFields, version })

export type AgencyInput = z.infer<typeof addAgencyForm>

// ---- practitioner accounts -------------------------------------------------------------------------------------

const roles = list(z.enum(ROLE_VALUES, { error: 'Choose roles from the list' }))
  .refine(value => value.length > 0, { message: 'Choose at least one role' })
  .transform(value => [...new Set(value)])

const agencyIds = list(uuid('The agency').or(z.literal('')))
  .transform(value => [...new Set(value.filter(item => item !== ''))])
  .refine(value => value.length > 0, { message: 'Choose at least one agency' })

export const inviteUserForm = z.strictObject({
  ...csrfField,
  name: text('the full name', { max: 150, enterMessage: 'Enter the practitioner’s full name' }),
  email: emailAddress(),
  roles,
  agencyIds,
})

export type InviteInput = z.infer<typeof inviteUserForm>

/** The localities a coordinator coordinates (none ticked: the whole authority). Ignored without the coordinator role. */
const coordinatorLocalityIds = list(uuid('The locality').or(z.literal(''))).transform(value => [...new Set(value.filter(item => item !== ''))])

export const userAccessForm = z.strictObject({ ...csrfField, roles, agencyIds, coordinatorLocalityIds, version })

export const confirmForm = (message: string) =>
  z.strictObject({ ...csrfField, confirm: z.literal('yes', { error: message }) })

export const deactivateUserForm = confirmForm('Confirm that you want to deactivate this account')

export const resetSecondFactorForm = confirmForm('Confirm that you want to reset this person’s authenticator app')

/** A button with nothing to fill in (end sessions, send the invitation again). */
export const buttonForm = z.strictObject({ ...csrfField })

// ---- authority settings ----------------------------------------------------------------------------------------

export const settingsForm = z.strictObject({
  ...csrfField,
  authorityName: text('the authority name', { max: 150 }),
  singleSignOnIssuer: optionalText('the single sign-on issuer URL', 500).refine(
    value => value === null || isHttpsUrl(value),
    {
      message: 'Enter the single sign-on issuer URL in the correct format, starting with https://',
    },
  ),
  secondFactorRequired: yesNo('Choose whether practitioners must use an authenticator app'),
  /** A checkbox: sent as 'yes' when ticked, absent when not. */
  assessmentApprovalRequired: z
    .literal('yes', { error: 'The answer about managers approving assessments is not valid' })
    .optional()
    .transform(value => value === 'yes'),
  version,
})

export type SettingsInput = z.infer<typeof settingsForm>

function isHttpsUrl(value: string): boolean {
  if (!URL.canParse(value)) return false
  const url = new URL(value)
  return url.protocol === 'https:' && url.username === '' && url.password === '' && url.hostname.length > 0
}

// ---- list pages (query strings never fail: a bad value is ignored) ----------------------------------------------

const firstValue = (value: unknown) => (Array.isArray(value) ? value[0] : value)

export const usersQuery = z.object({
  page: z.preprocess(firstValue, z.coerce.number().int().min(1).max(100_000)).catch(1),
  q: z
    .preprocess(firstValue, z.string().max(100))
    .transform(value => value.trim())
    .refine(value => !/[\u0000-\u001f\u007f\ufffd]/.test(value) && value.isWellFormed())
    .catch(''),
})

export const agenciesQuery = z.object({
  kind: z.preprocess(firstValue, z.enum(AGENCY_KIND_VALUES).optional()).catch(undefined),
  localityId: z.preprocess(firstValue, uuid().optional()).catch(undefined),
})
