import { z } from 'zod'
import { ACTIONS } from '../policy/policy.ts'
import { apiEndpoints, type ApiEndpoint } from './api.endpoints.ts'
import {
  agencyListSchema,
  agencySchema,
  auditEventPageSchema,
  auditEventSchema,
  localityListSchema,
  localitySchema,
  meSchema,
  noQuery,
  API_BODY_LIMIT,
  openApiDocumentSchema,
  problemSchema,
  userPageSchema,
  userSchema,
} from './api.schemas.ts'

// The OpenAPI 3.1 document, generated from the zod schemas that validate requests and shape responses (zod 4's own
// z.toJSONSchema, JSON Schema draft 2020-12, which is OpenAPI 3.1's schema dialect).

type JsonSchema = Record<string, unknown>

const TARGET = 'draft-2020-12'

/** Named response shapes, shared through components.schemas; anything else is inlined where it is used. */
const COMPONENT_SCHEMAS: Record<string, z.ZodType> = {
  Me: meSchema,
  Locality: localitySchema,
  LocalityList: localityListSchema,
  Agency: agencySchema,
  AgencyList: agencyListSchema,
  User: userSchema,
  UserPage: userPageSchema,
  AuditEvent: auditEventSchema,
  AuditEventPage: auditEventPageSchema,
  Problem: problemSchema,
}

const ERROR_RESPONSES: Record<string, { status: number; description: string }> = {
  BadRequest: { status: 400, description: 'The request is not valid: malformed JSON, a wrong or unknown field or query parameter. `errors` lists each problem.' },
  Unauthorized: { status: 401, description: 'No valid credentials: sign in, or send a valid API token.' },
  Forbidden: { status: 403, description: 'Your roles do not allow this, or (with a session cookie) the X-CSRF-Token header is missing or wrong. Refusals are audited.' },
  NotFound: { status: 404, description: 'There is no such record in your authority (a malformed identifier is not found either).' },
  Conflict: { status: 409, description: 'The change conflicts with what is already there.' },
  ContentTooLarge: { status: 413, description: `The request body is larger than ${API_BODY_LIMIT / 1024} KB.` },
  UnsupportedMediaType: { status: 415, description: 'The request body is not application/json.' },
  TooManyRequests: { status: 429, description: 'Too many requests: wait and try again.' },
}

/** A JSON Schema from zod: the input side for what we accept, the output side for what we send. */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: TARGET, io, unrepresentable: 'throw' }) as JsonSchema
  return rest
}

function componentSchemas(): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>()
  for (const [id, schema] of Object.entries(COMPONENT_SCHEMAS)) registry.add(schema, { id })
  const { schemas } = z.toJSONSchema(registry, { target: TARGET, io: 'output', uri: id => `#/components/schemas/${id}` })
  const cleaned: Record<string, JsonSchema> = {}
  for (const [id, schema] of Object.entries(schemas)) {
    const { $schema: _dialect, $id: _id, ...rest } = schema as JsonSchema
    cleaned[id] = rest
  }
  return cleaned
}

function schemaReference(schema: z.ZodType): JsonSchema {
  const name = Object.entries(COMPONENT_SCHEMAS).find(([, candidate]) => candidate === schema)?.[0]
  return name ? { $ref: `#/components/schemas/${name}` } : jsonSchemaOf(schema, 'output')
}

function parametersOf(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return []
  const object = jsonSchemaOf(schema, 'input')
  const properties = (object.properties ?? {}) as Record<string, JsonSchema>
  const required = new Set((object.required ?? []) as string[])
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...propertySchema } = property
    return {
      name,
      in: where,
      required: where === 'path' || required.has(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: propertySchema,
    }
  })
}

const errorResponse = (name: string) => ({ $ref: `#/components/responses/${name}` })

/** Who may call an endpoint, from the policy table: public, any signed-in practitioner, or the roles named there. */
export function accessOf(endpoint: Pick<ApiEndpoint, 'action' | 'orAction'>): { public: boolean; roles: readonly string[] | 'any' } {
  if (endpoint.action === null) return { public: true, roles: 'any' }
  const roles: readonly string[] | 'any' = ACTIONS[endpoint.action].roles
  if (!endpoint.orAction) return { public: false, roles }
  const others: readonly string[] | 'any' = ACTIONS[endpoint.orAction].roles
  return { public: false, roles: roles === 'any' || others === 'any' ? 'any' : [...new Set([...roles, ...others])] }
}

function responsesOf(endpoint: ApiEndpoint): Record<string, unknown> {
  const access = accessOf(endpoint)
  const errors = ['BadRequest', 'TooManyRequests']
  if (!access.public) errors.push('Unauthorized')
  // A record-level check (authorize), or an endpoint serving two roles (orAction), refuses some callers whatever the roles.
  const refuses = access.roles !== 'any' || endpoint.method !== 'GET' || endpoint.authorize !== undefined || endpoint.orAction !== undefined
  if (!access.public && refuses) errors.push('Forbidden')
  if (endpoint.params) errors.push('NotFound')
  if (endpoint.conflict) errors.push('Conflict')
  if (endpoint.body) errors.push('ContentTooLarge', 'UnsupportedMediaType')
  const responses: Record<string, unknown> = {
    [String(endpoint.success.status)]: {
      description: endpoint.success.description,
      content: endpoint.success.mediaType
        ? { [endpoint.success.mediaType]: { schema: { type: 'string', contentMediaType: endpoint.success.mediaType } } }
        : { 'application/json': { schema: schemaReference(endpoint.success.schema) } },
    },
  }
  for (const name of errors) {
    const status = ERROR_RESPONSES[name]?.status
    if (status !== undefined) responses[String(status)] = name === 'Conflict' && endpoint.conflict ? { description: endpoint.conflict, content: problemContent() } : errorResponse(name)
  }
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)))
}

function problemContent() {
  return { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } }
}

function securityOf(endpoint: ApiEndpoint): Array<Record<string, string[]>> {
  if (accessOf(endpoint).public) return []
  const cookie: Record<string, string[]> = endpoint.method === 'GET' ? { sessionCookie: [] } : { sessionCookie: [], csrfHeader: [] }
  return [{ bearerToken: [] }, cookie]
}

function operationOf(endpoint: ApiEndpoint): JsonSchema {
  const access = accessOf(endpoint)
  const who = access.public ? 'anyone, without credentials.' : access.roles === 'any' ? 'any signed-in practitioner.' : `practitioners with the role ${access.roles.join(' or ')}.`
  return {
    operationId: endpoint.operationId,
    summary: endpoint.summary,
    description: `${endpoint.description}\n\nWho may call it: ${who}`,
    tags: [endpoint.tag],
    security: securityOf(endpoint),
    parameters: [...parametersOf(endpoint.params, 'path'), ...parametersOf(endpoint.query, 'query')],
    ...(endpoint.body
      ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchemaOf(endpoint.body, 'input') } } } }
      : {}),
    responses: responsesOf(endpoint),
    'x-onestory-action': endpoint.action,
  }
}

/** The document describes itself too: GET /openapi.json, public. */
const openApiEndpoint: Omit<ApiEndpoint, 'handle'> = {
  method: 'GET',
  path: '/openapi.json',
  operationId: 'getOpenApiDocument',
  summary: 'This OpenAPI document',
  description: 'The OpenAPI 3.1 description of this API. No credentials needed.',
  tag: 'API',
  action: null,
  query: noQuery,
  success: { status: 200, description: 'The OpenAPI document.', schema: openApiDocumentSchema },
}

/** Every documented endpoint, the document's own included: what the API registers. */
export function documentedEndpoints(): Array<Omit<ApiEndpoint, 'handle'>> {
  return [...apiEndpoints, openApiEndpoint]
}

export function buildOpenApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const endpoint of documentedEndpoints()) {
    const item = (paths[endpoint.path] ??= {})
    item[endpoint.method.toLowerCase()] = operationOf(endpoint as ApiEndpoint)
  }
  const responses: Record<string, unknown> = {}
  for (const [name, { description }] of Object.entries(ERROR_RESPONSES)) responses[name] = { description, content: problemContent() }
  return {
    openapi: '3.1.1',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'OneStory API',
      version: '1.0.0',
      summary: 'Early help case system: reference data, accounts and the audit log, with the same access rules as the web pages.',
      description: [
        'Authenticate with a personal API token (create one on the "API tokens" page of your account) sent as',
        '`Authorization: Bearer os_…`, or with the browser session cookie; with the cookie, requests that change',
        'something also need the `X-CSRF-Token` header. Every error is RFC 9457 problem details',
        '(`application/problem+json`); validation errors list each problem in `errors`. Unknown query parameters and',
        'unknown body fields are refused. Reads of personal data, and every refusal, are audited.',
      ].join(' '),
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/api/v1' }],
    tags: [...new Set(documentedEndpoints().map(endpoint => endpoint.tag))].map(name => ({ name })),
    paths,
    components: {
      schemas: componentSchemas(),
      responses,
      securitySchemes: {
        bearerToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'os_<prefix>_<secret>',
          description: 'A personal API token. It acts as its owner, with their roles; revoke it on your account page.',
        },
        sessionCookie: {
          type: 'apiKey',
          in: 'cookie',
          name: '__Host-onestory-session',
          description: 'The browser session of a fully signed-in practitioner (named onestory-session on plain-http local development).',
        },
        csrfHeader: {
          type: 'apiKey',
          in: 'header',
          name: 'X-CSRF-Token',
          description: 'With the session cookie, requests that change something must carry the page’s CSRF token in this header.',
        },
      },
    },
  }
}
