import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'

/** What a search may narrow by; every query is also limited to one authority. */
export type AuditCriteria = {
  /** About this person: their person record, households they belong to, and events of episodes they are in. */
  aboutPersonId?: string | undefined
  actorUserId?: string | undefined
  action?: string | undefined
  recordType?: string | undefined
  recordId?: string | undefined
  outcome?: 'allowed' | 'denied' | undefined
  fromInclusive?: Date | undefined
  toExclusive?: Date | undefined
}

export type AuditEntry = {
  id: string
  at: Date
  actorKind: string
  actorUserId: string | null
  actorName: string | null
  actingAgencyName: string | null
  action: string
  outcome: 'allowed' | 'denied'
  recordType: string | null
  recordId: string | null
  ip: string | null
  requestId: string | null
  actorRoles: string[] | null
  purpose: string | null
  episodeId: string | null
  seq: number | null
}

function matching(db: Db, authorityId: string, criteria: AuditCriteria) {
  let query = db.selectFrom('auditEvents as e').where('e.authorityId', '=', authorityId)
  const personId = criteria.aboutPersonId
  if (personId) {
    query = query.where(eb =>
      eb.or([
        eb.and([eb('e.recordType', '=', 'person'), eb('e.recordId', '=', personId)]),
        eb.and([
          eb('e.recordType', '=', 'household'),
          eb(
            'e.recordId',
            'in',
            eb
              .selectFrom('householdMembers as hm')
              .select(sql<string>`hm.household_id::text`.as('householdId'))
              .where('hm.authorityId', '=', authorityId)
              .where('hm.personId', '=', personId),
          ),
        ]),
        eb(
          'e.episodeId',
          'in',
          eb
            .selectFrom('episodePeople as ep')
            .select('ep.episodeId')
            .where('ep.authorityId', '=', authorityId)
            .where('ep.personId', '=', personId),
        ),
      ]),
    )
  }
  if (criteria.actorUserId) query = query.where('e.actorUserId', '=', criteria.actorUserId)
  if (criteria.action) query = query.where('e.action', '=', criteria.action)
  if (criteria.recordType) query = query.where('e.recordType', '=', criteria.recordType)
  if (criteria.recordId) query = query.where('e.recordId', '=', criteria.recordId)
  if (criteria.outcome) query = query.where('e.outcome', '=', criteria.outcome)
  if (criteria.fromInclusive) query = query.where('e.at', '>=', criteria.fromInclusive)
  if (criteria.toExclusive) query = query.where('e.at', '<', criteria.toExclusive)
  return query
}

export async function countAuditEvents(db: Db, authorityId: string, criteria: AuditCriteria): Promise<number> {
  const row = await matching(db, authorityId, criteria)
    .select(eb => eb.fn.countAll<number>().as('count'))
    .executeTakeFirst()
  return Number(row?.count ?? 0)
}

/** Matching events newest first, with the names of the person and the agency they acted for. */
export async function findAuditEvents(
  db: Db,
  authorityId: string,
  criteria: AuditCriteria,
  page: { limit: number; offset: number },
): Promise<AuditEntry[]> {
  return matching(db, authorityId, criteria)
    .leftJoin('users as u', join =>
      join.onRef('u.authorityId', '=', 'e.authorityId').onRef('u.id', '=', 'e.actorUserId'),
    )
    .leftJoin('agencies as a', join =>
      join.onRef('a.authorityId', '=', 'e.authorityId').onRef('a.id', '=', 'e.actorAgencyId'),
    )
    .select([
      'e.id',
      'e.at',
      'e.actorKind',
      'e.actorUserId',
      'u.name as actorName',
      'a.name as actingAgencyName',
      'e.action',
      'e.outcome',
      'e.recordType',
      'e.recordId',
      'e.ip',
      'e.requestId',
      'e.actorRoles',
      'e.purpose',
      'e.episodeId',
      'e.seq',
    ])
    .orderBy('e.at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(page.limit)
    .offset(page.offset)
    .execute()
}

/** Everyone who has or had an account in the authority, for the "who" filter. */
export async function listPeople(db: Db, authorityId: string): Promise<{ id: string; name: string; status: string }[]> {
  return db
    .selectFrom('users')
    .select(['id', 'name', 'status'])
    .where('authorityId', '=', authorityId)
    .orderBy('name')
    .orderBy('id')
    .execute()
}

/**
 * The record types that occur in the authority's audit log. A loose index scan over (authority_id, record_type):
 * one index probe per distinct type instead of reading every event.
 */
export async function listRecordTypes(db: Db, authorityId: string): Promise<string[]> {
  const result = await sql<{ value: string | null }>`
    with recursive types(value) as (
      (select record_type from audit_events
        where authority_id = ${authorityId} and record_type is not null order by record_type limit 1)
      union all
      select (select e.record_type from audit_events e
                where e.authority_id = ${authorityId} and e.record_type > types.value order by e.record_type limit 1)
        from types where types.value is not null
    )
    select value from types where value is not null limit 200`.execute(db)
  return result.rows.flatMap(row => (row.value === null ? [] : [row.value]))
}

/** A person of the authority, for the "about a person" filter: their name, or null when there is no such person. */
export async function findPersonName(db: Db, authorityId: string, personId: string): Promise<string | null> {
  const row = await db
    .selectFrom('persons')
    .select(['givenNames', 'familyName'])
    .where('authorityId', '=', authorityId)
    .where('id', '=', personId)
    .executeTakeFirst()
  return row ? `${row.givenNames} ${row.familyName}`.trim() : null
}
