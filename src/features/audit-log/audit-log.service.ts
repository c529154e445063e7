import type { Kysely } from 'kysely'
import type { Config } from '../../config.ts'
import type { Database } from '../../db/schema.ts'
import type { Db } from '../../db/database.ts'
import type { Clock } from '../../lib/clock.ts'
import { UnauthenticatedError } from '../../lib/errors.ts'
import { pageCount, pageOf } from '../../lib/pagination.ts'
import type { Access } from '../../policy/access.ts'
import type { RequestContext } from '../../policy/actor.ts'
import * as repository from './audit-log.repository.ts'
import { isoDay, startOfUkDay, type AuditFilter } from './audit-log.schemas.ts'

export const AUDIT_PAGE_SIZE = 50
/** An export holds at most this many events (newest first); narrow the filters for older ones. */
export const AUDIT_EXPORT_LIMIT = 50_000

export type AuditLogService = ReturnType<typeof createAuditLogService>

/** The person a filter is about: their name, null when the filter names no one, 'unknown' when no such person here. */
async function personOf(db: Db, authorityId: string, filter: AuditFilter): Promise<{ id: string; name: string } | null | 'unknown'> {
  if (!filter.personId) return null
  const name = await repository.findPersonName(db, authorityId, filter.personId)
  return name === null ? 'unknown' : { id: filter.personId, name }
}

function criteriaOf(filter: AuditFilter): repository.AuditCriteria {
  return {
    aboutPersonId: filter.personId,
    actorUserId: filter.userId,
    action: filter.action,
    recordType: filter.recordType,
    recordId: filter.recordId,
    outcome: filter.outcome,
    fromInclusive: filter.from ? startOfUkDay(filter.from) : undefined,
    toExclusive: filter.to ? startOfUkDay(filter.to, 1) : undefined,
  }
}

/** What the search was, for the audit event that records it: ids, codes and dates only. */
function describeFilter(filter: AuditFilter): Record<string, string> {
  const described: Record<string, string> = {}
  if (filter.personId) described.personId = filter.personId
  if (filter.userId) described.userId = filter.userId
  if (filter.action) described.action = filter.action
  if (filter.recordType) described.recordType = filter.recordType
  if (filter.recordId) described.recordId = filter.recordId
  if (filter.outcome) described.outcome = filter.outcome
  if (filter.from) described.from = isoDay(filter.from)
  if (filter.to) described.to = isoDay(filter.to)
  return described
}

/**
 * Searching the audit log (coordinators). The search is itself personal data processing, so it goes through the
 * access layer and is audited with the filters it used.
 */
export function createAuditLogService(deps: { db: Kysely<Database>; config: Config; clock: Clock; access: Access }) {
  const { access } = deps

  function authorityOf(context: RequestContext): string {
    const actor = context.actor
    if (actor.kind === 'anonymous' || actor.authorityId === null)
      throw new UnauthenticatedError('Sign in to search the audit log.')
    return actor.authorityId
  }

  /**
   * One page of matching events with what the filter form needs. With `query` null (the filters were not valid)
   * only the form's options come back: the caller is still checked and the attempt audited.
   */
  async function search(context: RequestContext, query: { filter: AuditFilter; page?: number | undefined } | null) {
    const authorityId = authorityOf(context)
    return access.run(
      context,
      { action: 'audit.search', resource: { authorityId }, recordType: 'audit-log' },
      async (trx, note) => {
        const people = await repository.listPeople(trx, authorityId)
        const recordTypes = await repository.listRecordTypes(trx, authorityId)
        if (!query) {
          note.details = { invalidFilter: true }
          return { people, recordTypes, result: null, person: null, unknownPerson: false }
        }
        const person = await personOf(trx, authorityId, query.filter)
        if (person === 'unknown') {
          note.details = { filters: describeFilter(query.filter), unknownPerson: true }
          return { people, recordTypes, result: null, person: null, unknownPerson: true }
        }
        const criteria = criteriaOf(query.filter)
        const total = await repository.countAuditEvents(trx, authorityId, criteria)
        const totalPages = pageCount(total, AUDIT_PAGE_SIZE)
        const page = pageOf(Math.min(query.page ?? 1, totalPages), AUDIT_PAGE_SIZE)
        const events = await repository.findAuditEvents(trx, authorityId, criteria, page)
        note.details = { filters: describeFilter(query.filter), page: page.page, total }
        return { people, recordTypes, result: { events, total, page: page.page, totalPages }, person, unknownPerson: false }
      },
    )
  }

  /** Every matching event (up to the export limit) for a CSV download; audited as a search with its row count. */
  async function exportEvents(context: RequestContext, filter: AuditFilter) {
    const authorityId = authorityOf(context)
    return access.run(
      context,
      { action: 'audit.search', resource: { authorityId }, recordType: 'audit-log', purpose: 'export' },
      async (trx, note) => {
        if ((await personOf(trx, authorityId, filter)) === 'unknown') {
          note.details = { filters: describeFilter(filter), unknownPerson: true }
          return null
        }
        const events = await repository.findAuditEvents(trx, authorityId, criteriaOf(filter), {
          limit: AUDIT_EXPORT_LIMIT,
          offset: 0,
        })
        note.details = { filters: describeFilter(filter), format: 'csv', rows: events.length }
        return events
      },
    )
  }

  return { search, exportEvents }
}
