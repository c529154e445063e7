import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Services } from '../../composition.ts'
import { uuid } from '../../lib/validation.ts'
import { requireSignedIn } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'

const firstValue = (value: unknown) => (Array.isArray(value) ? value[0] : value)

const directoryQuery = z.object({
  localityId: z.preprocess(firstValue, uuid().optional()).catch(undefined),
})

/** The agency directory for every signed-in practitioner. */
export function registerAgencyDirectoryRoutes(app: FastifyInstance, services: Services) {
  app.get(paths.agencies.directory(), { preHandler: requireSignedIn(services.auth) }, async (request, reply) => {
    const query = directoryQuery.parse(request.query ?? {})
    const result = await services.agencies.directory(request.context(), { localityId: query.localityId })
    return reply.render('agencies/views/directory.njk', {
      title: result.locality ? `Agencies in ${result.locality.name}` : 'Agencies',
      total: result.total,
      locality: result.locality,
      localityItems: [
        { value: '', text: 'All localities', selected: result.locality === null },
        ...result.localities.map(locality => ({
          value: locality.id,
          text: locality.name,
          selected: locality.id === result.locality?.id,
        })),
      ],
      groups: result.groups.map(group => ({
        heading: group.heading,
        id: `kind-${group.kind}`,
        agencies: group.agencies.map(agency => ({
          name: agency.name,
          description: agency.description,
          localityName: agency.localityName ?? 'The whole area',
          email: agency.email,
          phone: agency.phone,
          addressLines: agency.address ? agency.address.split('\n') : [],
        })),
      })),
      directoryPath: paths.agencies.directory(),
    })
  })
}
