import type { FastifyInstance } from 'fastify'
import type { OpenDatabase } from '../../db/database.ts'
import { paths } from '../../paths.ts'

/** For load balancers and monitoring: 200 when the database answers, 503 with the reason when it does not. */
export function registerHealthRoutes(app: FastifyInstance, database: OpenDatabase) {
  app.get(paths.health(), async (_request, reply) => {
    const reason = await database.unavailableReason()
    return reply
      .code(reason === null ? 200 : 503)
      .type('application/json; charset=utf-8')
      .send({ status: reason === null ? 'ok' : 'unavailable', database: reason === null ? 'reachable' : `unreachable (${database.kind}): ${reason}` })
  })
}
