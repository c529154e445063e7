import type { FastifyInstance } from 'fastify'
import type { Services } from '../../composition.ts'
import { requireSignedIn } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { renderSubjectAccessPdf } from './subject-access.pdf.ts'
import type { SarExport } from './subject-access.service.ts'

type PersonParams = { Params: { personId: string } }

function fileBase(sar: SarExport): string {
  const name = sar.subject.name.normalize('NFKD').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase() || 'person'
  return `subject-access-${name}-${sar.exportedAt.slice(0, 10)}`
}

/** Subject access requests: a coordinator's page for a person, and the JSON and PDF exports (each audited). */
export function registerSubjectAccessRoutes(app: FastifyInstance, services: Services) {
  const { subjectAccess, auth } = services
  const signedIn = { preHandler: requireSignedIn(auth) }

  app.get<PersonParams>('/people/:personId/subject-access', signedIn, async (request, reply) => {
    const sar = await subjectAccess.exportFor(request.context(), request.params.personId, 'summary')
    return reply.render('subject-access/views/subject-access.njk', {
      title: `Subject access request: ${sar.subject.name}`,
      backLink: paths.people.show(sar.subject.id),
      sar,
      sections: sar.sections.map(section => ({
        title: section.title,
        count: section.items.length,
        flagged: section.items.filter(item => item.thirdParty.review).length,
      })),
      jsonHref: paths.subjectAccess.json(sar.subject.id),
      pdfHref: paths.subjectAccess.pdf(sar.subject.id),
    })
  })

  app.get<PersonParams>('/people/:personId/subject-access.json', signedIn, async (request, reply) => {
    const sar = await subjectAccess.exportFor(request.context(), request.params.personId, 'json')
    return reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="${fileBase(sar)}.json"`)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-store')
      .send(JSON.stringify(sar, null, 2))
  })

  app.get<PersonParams>('/people/:personId/subject-access.pdf', signedIn, async (request, reply) => {
    const sar = await subjectAccess.exportFor(request.context(), request.params.personId, 'pdf')
    const pdf = await renderSubjectAccessPdf(sar)
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `attachment; filename="${fileBase(sar)}.pdf"`)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'no-store')
      .send(pdf)
  })
}
