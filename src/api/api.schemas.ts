import { z } from 'zod'
import { ROLES } from '../policy/actor.ts'
import { AGENCY_KIND_VALUES } from '../features/agencies/agency-kinds.ts'
import { text } from '../lib/validation.ts'

// The one set of schemas for /api/v1: they validate every request and shape every response, and the OpenAPI document
// (openapi.ts) is generated from them, so the description cannot drift from what the code accepts.

export const API_MAX_PAGE_SIZE = 100
export const API_DEFAULT_PAGE_SIZE = 25
/** JSON bodies of the API are small: a name, a few fields. */
export const API_BODY_LIMIT = 64 * 1024

// Spelt out in both cases (no /i flag) so that the pattern in the OpenAPI document is exactly what is accepted.
const UUID_TEXT = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/

const uuidQuery = (name: string) => z.string().regex(UUID_TEXT, `${name} must be a UUID`).transform(value => value.toLowerCase())

/** A whole number sent as query text ("2"), checked as a number. Repeated parameters (arrays) are refused. */
function wholeNumber(label: string, min: number, max: number) {
  return z.preprocess(
    value => (typeof value === 'string' && /^[0-9]{1,9}$/.test(value) ? Number(value) : value),
    z
      .number({ error: `${label} must be a whole number` })
      .int({ error: `${label} must be a whole number` })
      .min(min, { error: `${label} must be ${min} or more` })
      .max(max, { error: `${label} must be ${max} or less` }),
  )
}

const idParameter = (description: string) =>
  z
    .string()
    .regex(UUID_TEXT)
    .transform(value => value.toLowerCase())
    .meta({ description, format: 'uuid' })

const pageParameters = {
  page: wholeNumber('page', 1, 10_000).optional().meta({ description: 'Page number, from 1.', default: 1 }),
  pageSize: wholeNumber('pageSize', 1, API_MAX_PAGE_SIZE)
    .optional()
    .meta({ description: `Items per page, at most ${API_MAX_PAGE_SIZE}.`, default: API_DEFAULT_PAGE_SIZE }),
}

// ---- requests ----------------------------------------------------------------------------------------------------

/** For endpoints that take no query parameters: any parameter is refused, so a misspelt filter is never ignored. */
export const noQuery = z.strictObject({})

export const agencyParams = z.strictObject({ agencyId: idParameter('The agency’s identifier.') })
export const userParams = z.strictObject({ userId: idParameter('The practitioner account’s identifier.') })

export const agencyListQuery = z.strictObject({
  kind: z.enum(AGENCY_KIND_VALUES, { error: 'kind must be one of the agency kinds' }).optional().meta({ description: 'Only agencies of this kind.' }),
  localityId: uuidQuery('localityId')
    .optional()
    .meta({ description: 'Only agencies of this locality.', format: 'uuid' }),
})

export const userListQuery = z.strictObject(pageParameters)

const instant = (description: string) =>
  z.iso
    .datetime({ offset: true, error: 'Enter a date and time in ISO 8601 format, like 2026-11-24T09:00:00Z' })
    .optional()
    .meta({ description })

export const auditEventQuery = z
  .strictObject({
    from: instant('Events at or after this instant (ISO 8601, with a time zone).'),
    to: instant('Events before this instant (ISO 8601, with a time zone).'),
    actorUserId: uuidQuery('actorUserId')
      .optional()
      .meta({ description: 'Only events by this practitioner.', format: 'uuid' }),
    recordType: z
      .string()
      .regex(/^[a-z][a-z0-9._-]{0,39}$/, 'recordType must be a record type such as user or locality')
      .optional()
      .meta({ description: 'Only events about this type of record, for example user, locality, api-token.' }),
    recordId: uuidQuery('recordId')
      .optional()
      .meta({ description: 'Only events about this record.', format: 'uuid' }),
    ...pageParameters,
  })
  .refine(query => !query.from || !query.to || Date.parse(query.from) <= Date.parse(query.to), {
    message: 'to must be the same as or after from',
    path: ['to'],
  })

export const newLocalityBody = z.strictObject({
  name: text('the locality name', { max: 100 }).meta({ description: 'The name people in the area use for it.', minLength: 1, maxLength: 100 }),
})

// ---- responses ---------------------------------------------------------------------------------------------------

const id = z.uuid()
const dateTime = z.iso.datetime()
const roleSchema = z.enum(ROLES as [(typeof ROLES)[number], ...(typeof ROLES)[number][]])

export const meSchema = z.object({
  id,
  name: z.string(),
  email: z.string(),
  roles: z.array(roleSchema),
  agencyIds: z.array(id),
  actingAgencyId: id.nullable(),
  authority: z.object({ id, name: z.string() }),
  authenticatedBy: z.enum(['session', 'api-token']),
})

export const localitySchema = z.object({ id, name: z.string(), createdAt: dateTime })

export const localityListSchema = z.object({ items: z.array(localitySchema) })

export const agencySchema = z.object({
  id,
  name: z.string(),
  kind: z.string(),
  localityId: id.nullable(),
  localityName: z.string().nullable(),
  description: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  address: z.string().nullable(),
  active: z.boolean(),
})

export const agencyListSchema = z.object({ items: z.array(agencySchema) })

export const userSchema = z.object({
  id,
  name: z.string(),
  email: z.string(),
  status: z.enum(['invited', 'active', 'deactivated']),
  roles: z.array(roleSchema),
  agencyIds: z.array(id),
  secondFactorEnabled: z.boolean(),
  createdAt: dateTime,
  lastSignInAt: dateTime.nullable(),
  deactivatedAt: dateTime.nullable(),
})

const pageFields = {
  page: z.number().int().min(1),
  pageSize: z.number().int().min(1).max(API_MAX_PAGE_SIZE),
  total: z.number().int().min(0),
  totalPages: z.number().int().min(1),
}

export const userPageSchema = z.object({ items: z.array(userSchema), ...pageFields })

export const auditEventSchema = z.object({
  id,
  at: dateTime,
  actorKind: z.string(),
  actorUserId: id.nullable(),
  actorAgencyId: id.nullable(),
  action: z.string(),
  outcome: z.enum(['allowed', 'denied']),
  recordType: z.string().nullable(),
  recordId: z.string().nullable(),
  purpose: z.string().nullable(),
  ip: z.string().nullable(),
  requestId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
})

export const auditEventPageSchema = z.object({ items: z.array(auditEventSchema), ...pageFields })

/** RFC 9457 problem details; `errors` lists what was wrong with each field of a request that failed validation. */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int().min(400).max(599),
  detail: z.string(),
  instance: z.string().optional(),
  errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
})

/** The OpenAPI document itself (any JSON object). */
export const openApiDocumentSchema = z.looseObject({ openapi: z.string() })

export type Me = z.input<typeof meSchema>
export type ApiLocality = z.input<typeof localitySchema>
export type ApiAgency = z.input<typeof agencySchema>
export type ApiUser = z.input<typeof userSchema>
export type ApiAuditEvent = z.input<typeof auditEventSchema>
