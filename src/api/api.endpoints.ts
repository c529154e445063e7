import type { FastifyReply } from 'fastify'
import type { z } from 'zod'
import type { Services } from '../composition.ts'
import type { Action } from '../policy/policy.ts'
import type { RequestContext } from '../policy/actor.ts'
import type { AgencyRecord, AuditEventRecord, LocalityRecord, UserRecord } from './api.repository.ts'
import { episodeEndpoints } from '../features/episodes/episodes.api.ts'
import { peopleEndpoints } from '../features/people/people.api.ts'
import { assessmentEndpoints } from '../features/assessments/assessments.api.ts'
import { assessmentCompletionEndpoints } from '../features/assessments/assessment-completion.api.ts'
import { meetingEndpoints } from '../features/meetings/meetings.api.ts'
import { planEndpoints } from '../features/plans/plans.api.ts'
import { reviewEndpoints } from '../features/reviews/reviews.api.ts'
import { recordsEndpoints } from '../features/records/records.api.ts'
import { teamEndpoints } from '../features/team/team.api.ts'
import { reportEndpoints } from '../features/reports/reports.api.ts'
import { panelEndpoints } from '../features/panels/panels.api.ts'
import {
  agencyListQuery,
  agencyListSchema,
  agencyParams,
  agencySchema,
  API_DEFAULT_PAGE_SIZE,
  auditEventPageSchema,
  auditEventQuery,
  localityListSchema,
  localitySchema,
  meSchema,
  newLocalityBody,
  noQuery,
  userListQuery,
  userPageSchema,
  userParams,
  userSchema,
  type ApiAgency,
  type ApiAuditEvent,
  type ApiLocality,
  type ApiUser,
} from './api.schemas.ts'
import { apiTemplateFamilies, apiTemplateVersion } from '../features/assessments/templates.api.ts'
import { apiTemplateFamilyListSchema, apiTemplateVersionSchema, templateVersionParams } from '../features/assessments/templates.schemas.ts'
import { defineEndpoint } from './define-endpoint.ts'

/**
 * The policy action an endpoint performs (null: public). The API checks it before validating the request, so that a
 * caller without the role learns nothing from validation messages; the service checks it again around the work.
 */
export type ApiAction = Action | null

type HandlerInput<P, Q, B> = { context: RequestContext; services: Services; params: P; query: Q; body: B; reply: FastifyReply }

export type Definition<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType> = {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT'
  /** OpenAPI path template below /api/v1, e.g. `/agencies/{agencyId}`. */
  path: string
  operationId: string
  summary: string
  description: string
  tag: string
  action: ApiAction
  /**
   * A second action that also lets the caller in, for an endpoint that serves two roles (GET /panels: an
   * administrator's panel.manage or a panel member's panel.view). A caller with neither is refused as for `action`.
   */
  orAction?: Exclude<ApiAction, null>
  /** The kind of record the action touches, named in the audit event of a refusal. */
  recordType?: string
  params?: P
  query: Q
  body?: B
  /** `mediaType`: a response that is not JSON (a PDF): the handler returns its bytes, sent as they are. */
  success: { status: 200 | 201; description: string; schema: R; mediaType?: 'application/pdf' }
  /** Other outcomes the endpoint itself can produce besides the ones every endpoint has. */
  conflict?: string
  /**
   * A record-level check run after the identifiers are parsed and before the query and body are validated, so that an
   * actor with no access to the record is refused (and audited) whatever they sent.
   */
  authorize?: (input: { context: RequestContext; services: Services; params: z.output<P> }) => Promise<void>
  handle: (input: HandlerInput<z.output<P>, z.output<Q>, z.output<B>>) => Promise<z.input<R>>
}

/** An endpoint with its types erased, for registration and for the OpenAPI document. */
export type ApiEndpoint = Omit<Definition<z.ZodType, z.ZodType, z.ZodType, z.ZodType>, 'handle' | 'authorize'> & {
  authorize?: (input: { context: RequestContext; services: Services; params: unknown }) => Promise<void>
  handle: (input: HandlerInput<unknown, unknown, unknown>) => Promise<unknown>
}

/** The Fastify route for an OpenAPI path template: `/agencies/{agencyId}` → `/agencies/:agencyId`. */
export function routeOf(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1')
}

const iso = (value: Date) => value.toISOString()
const isoOrNull = (value: Date | null) => (value ? value.toISOString() : null)

function localityView(locality: LocalityRecord): ApiLocality {
  return { id: locality.id, name: locality.name, createdAt: iso(locality.createdAt) }
}

function agencyView(agency: AgencyRecord): ApiAgency {
  return { ...agency }
}

function userView(user: UserRecord): ApiUser {
  return {
    id: user.id,
    name: user.name,
    email: user.email,
    status: user.status,
    roles: user.roles,
    agencyIds: user.agencyIds,
    secondFactorEnabled: user.secondFactorEnabled,
    createdAt: iso(user.createdAt),
    lastSignInAt: isoOrNull(user.lastSignInAt),
    deactivatedAt: isoOrNull(user.deactivatedAt),
  }
}

function auditEventView(event: AuditEventRecord): ApiAuditEvent {
  return { ...event, at: iso(event.at) }
}

export const apiEndpoints: readonly ApiEndpoint[] = [
  defineEndpoint({
    method: 'GET',
    path: '/me',
    operationId: 'getMe',
    summary: 'Who you are',
    description: 'The signed-in practitioner (or the owner of the API token): roles, agencies and authority.',
    tag: 'Account',
    action: 'account.self',
    query: noQuery,
    success: { status: 200, description: 'The caller.', schema: meSchema },
    handle: async ({ services, context }) => {
      const { actor, authority } = await services.api.me(context)
      return {
        id: actor.userId,
        name: actor.name,
        email: actor.email,
        roles: [...actor.roles],
        agencyIds: [...actor.agencyIds],
        actingAgencyId: actor.actingAgencyId,
        authority,
        authenticatedBy: actor.via,
      }
    },
  }),
  defineEndpoint({
    method: 'GET',
    path: '/localities',
    operationId: 'listLocalities',
    summary: 'List localities',
    description: 'The localities of your authority, by name.',
    tag: 'Localities',
    action: 'locality.list',
    query: noQuery,
    success: { status: 200, description: 'The localities.', schema: localityListSchema },
    handle: async ({ services, context }) => ({ items: (await services.api.listLocalities(context)).map(localityView) }),
  }),
  defineEndpoint({
    method: 'POST',
    path: '/localities',
    operationId: 'createLocality',
    summary: 'Add a locality',
    description: 'Adds a locality to your authority. Administrators only.',
    tag: 'Localities',
    action: 'locality.manage',
    recordType: 'locality',
    query: noQuery,
    body: newLocalityBody,
    success: { status: 201, description: 'The locality was added.', schema: localitySchema },
    conflict: 'There is already a locality with that name.',
    handle: async ({ services, context, body }) => {
      const locality = await services.api.addLocality(context, body)
      return localityView(locality)
    },
  }),
  defineEndpoint({
    method: 'GET',
    path: '/agencies',
    operationId: 'listAgencies',
    summary: 'List agencies',
    description: 'The agencies and organisations of your authority, active or not, by name.',
    tag: 'Agencies',
    action: 'agency.list',
    query: agencyListQuery,
    success: { status: 200, description: 'The agencies.', schema: agencyListSchema },
    handle: async ({ services, context, query }) => ({ items: (await services.api.listAgencies(context, query)).map(agencyView) }),
  }),
  defineEndpoint({
    method: 'GET',
    path: '/agencies/{agencyId}',
    operationId: 'getAgency',
    summary: 'One agency',
    description: 'An agency of your authority. An identifier of another authority’s agency is not found.',
    tag: 'Agencies',
    action: 'agency.list',
    params: agencyParams,
    query: noQuery,
    success: { status: 200, description: 'The agency.', schema: agencySchema },
    handle: async ({ services, context, params }) => agencyView(await services.api.readAgency(context, params.agencyId)),
  }),
  defineEndpoint({
    method: 'GET',
    path: '/users',
    operationId: 'listUsers',
    summary: 'List practitioner accounts',
    description: 'The practitioner accounts of your authority, by name, a page at a time. Administrators only; each read is audited.',
    tag: 'Users',
    action: 'user.list',
    recordType: 'user',
    query: userListQuery,
    success: { status: 200, description: 'A page of accounts.', schema: userPageSchema },
    handle: async ({ services, context, query }) => {
      const result = await services.api.listUsers(context, { page: query.page, pageSize: query.pageSize ?? API_DEFAULT_PAGE_SIZE })
      return { ...result, items: result.items.map(userView) }
    },
  }),
  defineEndpoint({
    method: 'GET',
    path: '/users/{userId}',
    operationId: 'getUser',
    summary: 'One practitioner account',
    description: 'A practitioner account of your authority. Administrators only; each read is audited.',
    tag: 'Users',
    action: 'user.view',
    recordType: 'user',
    params: userParams,
    query: noQuery,
    success: { status: 200, description: 'The account.', schema: userSchema },
    handle: async ({ services, context, params }) => userView(await services.api.readUser(context, params.userId)),
  }),
  defineEndpoint({
    method: 'GET',
    path: '/audit-events',
    operationId: 'searchAuditEvents',
    summary: 'Search the audit log',
    description: 'Audit events of your authority, newest first, a page at a time. Coordinators only; the search is itself audited.',
    tag: 'Audit',
    action: 'audit.search',
    recordType: 'audit-log',
    query: auditEventQuery,
    success: { status: 200, description: 'A page of audit events.', schema: auditEventPageSchema },
    handle: async ({ services, context, query }) => {
      const result = await services.api.searchAuditEvents(context, {
        fromInclusive: query.from ? new Date(query.from) : undefined,
        toExclusive: query.to ? new Date(query.to) : undefined,
        actorUserId: query.actorUserId,
        recordType: query.recordType,
        recordId: query.recordId,
        page: query.page,
        pageSize: query.pageSize ?? API_DEFAULT_PAGE_SIZE,
      })
      return { ...result, items: result.items.map(auditEventView) }
    },
  }),
  defineEndpoint({
    method: 'GET',
    path: '/assessment-templates',
    operationId: 'listAssessmentTemplates',
    summary: 'List assessment templates',
    description:
      'The assessment templates of your authority: for each template family its newest version (with full content) and the list of its versions, newest first.',
    tag: 'Assessment templates',
    action: 'assessment-template.list',
    query: noQuery,
    success: { status: 200, description: 'The template families.', schema: apiTemplateFamilyListSchema },
    handle: async ({ services, context }) => apiTemplateFamilies(await services.assessmentTemplates.listFamilies(context)),
  }),
  defineEndpoint({
    method: 'GET',
    path: '/assessment-templates/{templateVersionId}',
    operationId: 'getAssessmentTemplateVersion',
    summary: 'One assessment template version',
    description:
      'One version of an assessment template with its full content: domains, elements, guidance prompts and the pre-assessment checklist. Versions never change once made.',
    tag: 'Assessment templates',
    action: 'assessment-template.list',
    params: templateVersionParams,
    query: noQuery,
    success: { status: 200, description: 'The template version.', schema: apiTemplateVersionSchema },
    handle: async ({ services, context, params }) =>
      apiTemplateVersion((await services.assessmentTemplates.findVersion(context, params.templateVersionId)).version),
  }),
  ...episodeEndpoints,
  ...peopleEndpoints,
  ...assessmentEndpoints,
  ...assessmentCompletionEndpoints,
  ...meetingEndpoints,
  ...planEndpoints,
  ...reviewEndpoints,
  ...recordsEndpoints,
  ...teamEndpoints,
  ...reportEndpoints,
  ...panelEndpoints,
]
