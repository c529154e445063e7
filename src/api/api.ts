import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../composition.ts'
import { paths } from '../paths.ts'
import { apiEndpoints, routeOf, type ApiEndpoint } from './api.endpoints.ts'
import { API_BODY_LIMIT, noQuery } from './api.schemas.ts'
import { buildOpenApiDocument } from './openapi.ts'
import { fieldProblems, handleApiError, sendProblem } from './problem.ts'

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const BEARER = /^Bearer[ ]+(\S+)[ ]*$/i

/**
 * /api/v1: JSON in and out, RFC 9457 problem details for every error. Registered inside its own plugin (prefix
 * /api/v1), so the hooks and error handler below apply to the API alone.
 *
 * Authentication: a personal API token (`Authorization: Bearer os_…`), or the browser session cookie. The session
 * plugin resolves the cookie before this runs and leaves requests with an Authorization header to us. With a cookie,
 * unsafe methods also need the X-CSRF-Token header (checked by the session plugin); with a token they do not, because
 * a browser never attaches a bearer token by itself.
 */
export function registerApi(api: FastifyInstance, services: Services) {
  const openApiUrl = paths.api.openApi()
  let openApiDocument: Record<string, unknown> | undefined

  // Authentication runs as the first hook of the API's own (preParsing), after the app's onRequest hooks: the session
  // plugin has resolved any cookie, and the rate limit (a route-level onRequest hook) has counted the request, so that
  // guessing tokens is rate-limited like everything else. It runs before the body is read.
  api.addHook('preParsing', async (request, reply) => {
    if (request.routeOptions.url === openApiUrl) return
    const header = request.headers.authorization
    if (header !== undefined) {
      const match = BEARER.exec(header)
      const token = match?.[1]
      if (!token) return unauthorized(reply, 'Send the API token as "Authorization: Bearer <token>".', 'invalid_request')
      const result = await services.apiTokens.authenticate({ ip: request.ip ?? null, requestId: String(request.id) }, token)
      if (result.outcome !== 'authenticated') {
        request.log.info({ event: 'api-token-refused', reason: result.reason }, 'API token refused')
        return unauthorized(reply, 'The API token is not valid. It may have been revoked.', 'invalid_token')
      }
      request.actor = result.actor
    }
    if (request.actor.kind !== 'practitioner') return unauthorized(reply, 'Sign in, or send a valid API token.')
    if (UNSAFE_METHODS.has(request.method) && !isJson(request.headers['content-type'])) {
      return sendProblem(reply, 415, 'Send the request body as JSON, with "Content-Type: application/json".')
    }
  })

  api.setErrorHandler(handleApiError)

  for (const endpoint of apiEndpoints) {
    api.route({
      method: endpoint.method,
      url: routeOf(endpoint.path),
      ...(endpoint.body ? { bodyLimit: API_BODY_LIMIT } : {}),
      handler: async (request, reply) => handle(endpoint, request, reply),
    })
  }

  api.get(openApiUrl.slice(paths.api.root().length), async (request, reply) => {
    const query = noQuery.safeParse(request.query ?? {})
    if (!query.success) return sendProblem(reply, 400, 'The query is not valid.', { errors: fieldProblems(query.error, 'query') })
    openApiDocument ??= buildOpenApiDocument()
    return reply.type('application/json; charset=utf-8').send(openApiDocument)
  })

  async function handle(endpoint: ApiEndpoint, request: FastifyRequest, reply: FastifyReply) {
    if (endpoint.action) await services.api.authorize(request.context(), endpoint.action, endpoint.recordType, endpoint.orAction)
    let params: unknown
    if (endpoint.params) {
      // A malformed identifier names nothing: not found, and never a database error.
      const parsed = endpoint.params.safeParse(request.params)
      if (!parsed.success) return sendProblem(reply, 404, 'There is nothing at this address.')
      params = parsed.data
    }
    if (endpoint.authorize) await endpoint.authorize({ context: request.context(), services, params })
    const query = endpoint.query.safeParse(request.query ?? {})
    if (!query.success) return sendProblem(reply, 400, 'The query is not valid.', { errors: fieldProblems(query.error, 'query') })
    let body: unknown
    if (endpoint.body) {
      const parsed = endpoint.body.safeParse(request.body)
      if (!parsed.success) return sendProblem(reply, 400, 'The request body is not valid.', { errors: fieldProblems(parsed.error, 'body') })
      body = parsed.data
    }
    const result = await endpoint.handle({ context: request.context(), services, params, query: query.data, body, reply })
    if (endpoint.success.mediaType) {
      const bytes = endpoint.success.schema.parse(result)
      return reply.code(endpoint.success.status).type(endpoint.success.mediaType).send(bytes)
    }
    // The response goes through its schema too: only documented fields leave, in the documented shape.
    const response = endpoint.success.schema.parse(result)
    return reply.code(endpoint.success.status).type('application/json; charset=utf-8').send(response)
  }
}

function unauthorized(reply: FastifyReply, detail: string, error?: 'invalid_request' | 'invalid_token') {
  reply.header('www-authenticate', error ? `Bearer realm="OneStory", error="${error}"` : 'Bearer realm="OneStory"')
  return sendProblem(reply, 401, detail)
}

function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase()
  return mediaType === 'application/json'
}
