import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Services } from '../../composition.ts'
import { paginationFor } from '../../lib/pagination.ts'
import { requireSignedIn } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { messageView, outboxRow, statusTag } from './outbox.view-models.ts'

const firstValue = (value: unknown) => (Array.isArray(value) ? value[0] : value)

const listQuery = z.object({
  page: z.preprocess(firstValue, z.coerce.number().int().min(1).max(10_000)).optional().catch(undefined),
})

/** The email outbox for administrators: what was sent, is waiting, failed, or (with no mail server) is held. */
export function registerOutboxRoutes(app: FastifyInstance, services: Services) {
  const signedIn = { preHandler: requireSignedIn(services.auth) }

  app.get(paths.admin.outbox(), signedIn, async (request, reply) => {
    const query = listQuery.parse(request.query ?? {})
    const result = await services.outbox.listMessages(request.context(), { page: query.page })
    return reply.render('outbox/views/list.njk', {
      title: 'Email outbox',
      backLink: paths.admin.home(),
      smtpConfigured: result.smtpConfigured,
      total: result.total,
      page: result.page,
      totalPages: result.totalPages,
      rows: result.messages.map(outboxRow),
      pagination: paginationFor(result.page, result.totalPages, page => paths.admin.outbox({ page }), 'Outbox pages'),
    })
  })

  app.get<{ Params: { messageId: string } }>(
    paths.admin.outboxMessage(':messageId'),
    signedIn,
    async (request, reply) => {
      const message = await services.outbox.readMessage(request.context(), request.params.messageId)
      return reply.render('outbox/views/message.njk', {
        title: 'Email',
        backLink: paths.admin.outbox(),
        message: messageView(message),
        status: statusTag(message.status),
      })
    },
  )
}
