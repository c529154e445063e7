import type { FastifyInstance } from 'fastify'

export const BENCH_CEILING_PATH = '/bench/ceiling'

/**
 * Registered only when BENCHMARK_ROUTES=true (npm run bench). The ceiling: the normal layout rendered for an anonymous
 * visitor with no data and no database access, so that every other route can be measured against it.
 */
export function registerBenchRoutes(app: FastifyInstance) {
  app.get(BENCH_CEILING_PATH, async (_request, reply) => reply.render('layout.njk', { title: 'Benchmark ceiling' }))
}
