import type { Kysely } from 'kysely'
import type { Database } from '../../db/schema.ts'
import type { Access } from '../../policy/access.ts'
import type { RequestContext } from '../../policy/actor.ts'
import { UnauthenticatedError } from '../../lib/errors.ts'
import { agencyKindOrder, agencyKindPlural } from './agency-kinds.ts'
import * as repository from './agencies.repository.ts'

export type DirectoryGroup = { kind: string; heading: string; agencies: repository.DirectoryAgency[] }

export type AgencyDirectoryService = ReturnType<typeof createAgencyDirectoryService>

/** The directory of agencies for every signed-in practitioner: who does what in the area, and how to reach them. */
export function createAgencyDirectoryService(deps: { db: Kysely<Database>; access: Access }) {
  const { access } = deps

  async function directory(context: RequestContext, filter: { localityId?: string | undefined }) {
    const actor = context.actor
    if (actor.kind === 'anonymous' || actor.authorityId === null)
      throw new UnauthenticatedError('Sign in to see the agency directory.')
    const authorityId = actor.authorityId
    return access.run(context, { action: 'agency.list', resource: { authorityId } }, async trx => {
      const localities = await repository.listLocalityNames(trx, authorityId)
      // A locality of another authority, or one that no longer exists, is simply not a filter.
      const locality = localities.find(item => item.id === filter.localityId) ?? null
      const agencies = await repository.listActiveAgencies(trx, authorityId, locality?.id ?? null)
      const groups = new Map<string, DirectoryGroup>()
      for (const agency of agencies) {
        const group = groups.get(agency.kind) ?? {
          kind: agency.kind,
          heading: agencyKindPlural(agency.kind),
          agencies: [],
        }
        group.agencies.push(agency)
        groups.set(agency.kind, group)
      }
      return {
        localities,
        locality,
        total: agencies.length,
        groups: [...groups.values()].sort((a, b) => agencyKindOrder(a.kind) - agencyKindOrder(b.kind)),
      }
    })
  }

  return { directory }
}
