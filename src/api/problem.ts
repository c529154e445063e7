import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { z } from 'zod'
import { DomainError, DomainRuleError } from '../lib/errors.ts'

// RFC 9457 problem details for /api/v1. With `type: about:blank` the title is the HTTP status phrase.

export type FieldProblem = { field: string; message: string }

export const PROBLEM_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
}

export function sendProblem(reply: FastifyReply, status: number, detail: string, extra: { errors?: FieldProblem[] } = {}) {
  return reply
    .code(status)
    .type('application/problem+json; charset=utf-8')
    .send({ type: 'about:blank', title: PROBLEM_TITLES[status] ?? 'Error', status, detail, ...extra })
}

/** A zod error as `errors: [{ field, message }]`; `where` names the part of the request when the whole of it is wrong. */
export function fieldProblems(error: z.ZodError, where: 'query' | 'body'): FieldProblem[] {
  const problems: FieldProblem[] = []
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        problems.push({ field: key.slice(0, 100), message: where === 'query' ? 'This query parameter is not accepted' : 'This field is not accepted' })
      }
      continue
    }
    const field = issue.path.map(String).join('.') || where
    const message = issue.code === 'invalid_type' && issue.input === undefined ? 'This is required' : issue.message
    problems.push({ field, message })
  }
  return problems
}

/**
 * The API's error handler. It answers every error itself: the API plugin is registered before the app's own handler
 * exists, so nothing would turn a rethrown error into problem details. 5xx never carry a message or a stack.
 */
export function handleApiError(error: FastifyError | DomainError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof DomainError && error.status < 500) {
    if (error.status === 401) {
      reply.header('www-authenticate', 'Bearer realm="OneStory"')
      return sendProblem(reply, 401, error.message)
    }
    const errors = error instanceof DomainRuleError && error.field ? [{ field: error.field, message: error.message }] : undefined
    return sendProblem(reply, error.status, error.message, errors ? { errors } : {})
  }
  const statusCode = 'statusCode' in error && typeof error.statusCode === 'number' ? error.statusCode : 500
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined
  if (statusCode >= 400 && statusCode < 500 && !(error instanceof DomainError)) {
    request.log.info({ event: 'bad-request', code, status: statusCode }, 'request refused')
    return sendProblem(reply, statusCode, clientErrorDetail(code, statusCode, error.message))
  }
  if (isDatabaseUnavailable(code, error.message)) {
    request.log.error({ err: { type: error.name, code } }, 'database unavailable')
    reply.header('retry-after', '30')
    return sendProblem(reply, 503, 'The database is not reachable. Try again shortly.')
  }
  // Never a database error's detail, which can quote the values of a row.
  request.log.error({ err: { type: error.name, code, message: error.message.slice(0, 300), stack: error.stack?.split('\n').slice(1, 8).join('\n') } }, 'unexpected error')
  return sendProblem(reply, 500, 'Something went wrong. It has been logged.')
}

function clientErrorDetail(code: string | undefined, status: number, message: string): string {
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is too large.'
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'Send the request body as JSON, with "Content-Type: application/json".'
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The request body is empty but should be JSON.'
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'The request body is not valid JSON.'
    default:
      if (status === 429) return message.slice(0, 200)
      if (status === 400) return 'The request is not valid JSON, or could not be understood. Prototype keys such as __proto__ are refused.'
      return 'The request could not be completed.'
  }
}

function isDatabaseUnavailable(code: string | undefined, message: string): boolean {
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '08006', '08001', '08003'].includes(code ?? '') ||
    /Connection terminated|timeout exceeded when trying to connect|PGlite is closed/i.test(message)
  )
}
