import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'

/**
 * A stricter limit for one route (signing in, one-time codes, password changes), counted per IP address in its own
 * store. `app.rateLimit()` from @fastify/rate-limit cannot be used as a route preHandler here: its handler returns at
 * once when the global limit has already run on the request (they share one "already limited" flag), so a route's own
 * limit never applied. Answers 429 through the app's error handler, as the global limit does.
 */
export function routeRateLimit(app: FastifyInstance, options: { max: number; timeWindow: string }) {
  const limit = app.createRateLimit(options)
  return async function routeRateLimitGuard(request: FastifyRequest, reply: FastifyReply) {
    const result = await limit(request)
    if (result.isAllowed || !result.isExceeded) return
    reply.header('retry-after', String(result.ttlInSeconds))
    throw Object.assign(new Error(`Too many requests. Try again in ${result.ttlInSeconds} seconds.`), { statusCode: 429 })
  }
}
