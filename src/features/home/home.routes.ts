import type { FastifyInstance } from 'fastify'
import type { Services } from '../../composition.ts'
import type { PractitionerActor } from '../../policy/actor.ts'
import { requireSignedIn } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { myWorkSections } from '../my-work/my-work.view-models.ts'

export function registerHomeRoutes(app: FastifyInstance, services: Services) {
  app.get(paths.home(), async (request, reply) => {
    if (request.actor.kind !== 'practitioner') {
      if (!(await services.setup.isSetUp())) return reply.redirect(paths.setup(), 303)
      return requireSignedIn(services.auth)(request, reply)
    }
    const actor: PractitionerActor = request.actor
    const work = await services.myWork.myWork(request.context())
    return reply.render('home/views/home.njk', {
      work: work ? myWorkSections(work) : null,
      dashboardHref: paths.myWork.dashboard(),
      title: 'Home',
      firstName: actor.name.split(' ')[0],
      isAdministrator: actor.roles.has('administrator'),
      isCoordinator: actor.roles.has('coordinator'),
      isManager: actor.roles.has('manager'),
      awaitingApproval: await services.assessmentCompletion.countAwaitingApproval(request.context()),
      awaitingApprovalHref: paths.assessmentCompletion.awaitingApproval(),
      reportsHref: paths.reports.page(),
    })
  })

  app.get('/accessibility', async (_request, reply) => reply.render('home/views/accessibility.njk', { title: 'Accessibility statement' }))
  app.get('/privacy', async (_request, reply) => reply.render('home/views/privacy.njk', { title: 'Privacy notice' }))
}
