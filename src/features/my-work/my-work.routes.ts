import type { FastifyInstance } from 'fastify'
import type { Services } from '../../composition.ts'
import { requireSignedIn } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { dashboardSections } from './my-work.view-models.ts'

/** The coordinator's dashboard (the practitioner's own work is on the home page: src/features/home). */
export function registerMyWorkRoutes(app: FastifyInstance, services: Services) {
  const signedIn = { preHandler: requireSignedIn(services.auth) }

  app.get(paths.myWork.dashboard(), signedIn, async (request, reply) => {
    const dashboard = await services.myWork.dashboard(request.context())
    const sections = dashboardSections(dashboard)
    // Break-glass (src/features/break-glass): emergency openings and sharing without agreement waiting for review.
    const breakGlassWaiting = await services.breakGlass.waitingCount(request.context())
    return reply.render('my-work/views/dashboard.njk', {
      title: 'Early help dashboard',
      sections,
      breakGlass: { waiting: breakGlassWaiting, href: paths.breakGlass.reviews() },
      // Retention (src/features/retention): records listed for disposal, waiting for a coordinator's approval.
      retention: { due: await services.retention.dueCount(request.context()), href: paths.retention.home() },
      total: sections.reduce((sum, section) => sum + section.items.length, 0),
    })
  })
}
