import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import type { Clock } from '../lib/clock.ts'
import { ConflictError, NotFoundError, UnauthenticatedError } from '../lib/errors.ts'
import { uuidv7 } from '../lib/ids.ts'
import { pageCount, pageOf } from '../lib/pagination.ts'
import type { Access } from '../policy/access.ts'
import type { PractitionerActor, RequestContext } from '../policy/actor.ts'
import { ACTIONS, type Action } from '../policy/policy.ts'
import * as repository from './api.repository.ts'

export type ApiService = ReturnType<typeof createApiService>

export type Paged<T> = { items: T[]; page: number; pageSize: number; total: number; totalPages: number }

/**
 * What /api/v1 reads and writes. Each operation goes through the access layer: the policy decides, the work runs in
 * one transaction filtered by the caller's authority, and reads of personal data (people, the audit log) are audited;
 * refusals are audited too.
 */
export function createApiService(deps: { db: Kysely<Database>; clock: Clock; access: Access }) {
  const { clock, access } = deps

  function practitionerOf(context: RequestContext): PractitionerActor {
    const actor = context.actor
    if (actor.kind !== 'practitioner') throw new UnauthenticatedError('Sign in, or send a valid API token.')
    return actor
  }

  /**
   * The function-level check before a request is validated. A refusal goes through the access layer, which audits it
   * and throws ForbiddenError; an allowed call does nothing here (the operation itself is checked and audited again).
   */
  async function authorize(context: RequestContext, action: Action, recordType?: string, orAction?: Action): Promise<void> {
    const actor = practitionerOf(context)
    const resourceFor = (candidate: Action) => ({
      authorityId: actor.authorityId,
      ownerUserId: candidate === 'account.self' ? actor.userId : undefined,
      // Record-level actions are checked here for the role alone; the endpoint's own check and the service decide the record.
      relationship: 'record' in ACTIONS[candidate] ? { onTeam: true, managesAssessor: true, leadProfessional: true } : undefined,
    })
    const resource = resourceFor(action)
    if (access.decide(actor, action, resource).allowed) return
    if (orAction && access.decide(actor, orAction, resourceFor(orAction)).allowed) return
    await access.run(context, { action, resource, ...(recordType ? { recordType } : {}) }, async () => undefined)
  }

  async function me(context: RequestContext) {
    const actor = practitionerOf(context)
    return access.run(
      context,
      { action: 'account.self', resource: { authorityId: actor.authorityId, ownerUserId: actor.userId }, recordType: 'user', recordId: actor.userId, purpose: 'api' },
      async trx => {
        const authorityName = await repository.findAuthorityName(trx, actor.authorityId)
        if (authorityName === undefined) throw new UnauthenticatedError('Sign in, or send a valid API token.')
        return { actor, authority: { id: actor.authorityId, name: authorityName } }
      },
    )
  }

  async function listLocalities(context: RequestContext) {
    const { authorityId } = practitionerOf(context)
    return access.run(context, { action: 'locality.list', resource: { authorityId } }, trx => repository.listLocalities(trx, authorityId))
  }

  async function addLocality(context: RequestContext, input: { name: string }) {
    const { authorityId } = practitionerOf(context)
    const id = uuidv7(clock.now().getTime())
    try {
      return await access.run(context, { action: 'locality.manage', resource: { authorityId }, recordType: 'locality', recordId: id, purpose: 'api' }, async trx => {
        if (await repository.findLocalityByName(trx, authorityId, input.name)) throw localityTaken(input.name)
        return repository.insertLocality(trx, { authorityId, id, name: input.name, at: clock.now() })
      })
    } catch (error) {
      if (repository.isUniqueViolation(error, 'localities_name_uq')) throw localityTaken(input.name)
      throw error
    }
  }

  function localityTaken(name: string) {
    return new ConflictError(`There is already a locality called ${name}.`)
  }

  async function listAgencies(context: RequestContext, filter: { kind?: string | undefined; localityId?: string | undefined }) {
    const { authorityId } = practitionerOf(context)
    return access.run(context, { action: 'agency.list', resource: { authorityId } }, trx => repository.listAgencies(trx, authorityId, filter))
  }

  async function readAgency(context: RequestContext, agencyId: string) {
    const { authorityId } = practitionerOf(context)
    return access.run(context, { action: 'agency.list', resource: { authorityId } }, async trx => {
      const agency = await repository.findAgency(trx, authorityId, agencyId)
      if (!agency) throw new NotFoundError('There is no such agency.')
      return agency
    })
  }

  async function listUsers(context: RequestContext, query: { page?: number | undefined; pageSize: number }): Promise<Paged<repository.UserRecord>> {
    const { authorityId } = practitionerOf(context)
    return access.run(context, { action: 'user.list', resource: { authorityId }, recordType: 'user', purpose: 'api' }, async (trx, note) => {
      const total = await repository.countUsers(trx, authorityId)
      const page = pageOf(query.page, query.pageSize)
      const items = await repository.listUsers(trx, authorityId, page)
      note.details = { page: page.page, pageSize: page.pageSize, returned: items.length }
      return { items, page: page.page, pageSize: page.pageSize, total, totalPages: pageCount(total, page.pageSize) }
    })
  }

  async function readUser(context: RequestContext, userId: string) {
    const { authorityId } = practitionerOf(context)
    return access.run(context, { action: 'user.view', resource: { authorityId }, recordType: 'user', recordId: userId, purpose: 'api' }, async trx => {
      const user = await repository.findUser(trx, authorityId, userId)
      if (!user) throw new NotFoundError('There is no such practitioner account.')
      return user
    })
  }

  async function searchAuditEvents(
    context: RequestContext,
    query: repository.AuditEventCriteria & { page?: number | undefined; pageSize: number },
  ): Promise<Paged<repository.AuditEventRecord>> {
    const { authorityId } = practitionerOf(context)
    return access.run(context, { action: 'audit.search', resource: { authorityId }, recordType: 'audit-log', purpose: 'api' }, async (trx, note) => {
      const { page: requestedPage, pageSize, ...criteria } = query
      const total = await repository.countAuditEvents(trx, authorityId, criteria)
      const page = pageOf(requestedPage, pageSize)
      const items = await repository.findAuditEvents(trx, authorityId, criteria, page)
      note.details = { filters: describeCriteria(criteria), page: page.page, total }
      return { items, page: page.page, pageSize: page.pageSize, total, totalPages: pageCount(total, page.pageSize) }
    })
  }

  return { authorize, me, listLocalities, addLocality, listAgencies, readAgency, listUsers, readUser, searchAuditEvents }
}

/** The filters of an audit search, for the audit event that records the search: ids, codes and instants only. */
function describeCriteria(criteria: repository.AuditEventCriteria): Record<string, string> {
  const described: Record<string, string> = {}
  if (criteria.fromInclusive) described.from = criteria.fromInclusive.toISOString()
  if (criteria.toExclusive) described.to = criteria.toExclusive.toISOString()
  if (criteria.actorUserId) described.actorUserId = criteria.actorUserId
  if (criteria.recordType) described.recordType = criteria.recordType
  if (criteria.recordId) described.recordId = criteria.recordId
  return described
}
