import { sql, type RawBuilder } from 'kysely'
import type { Db } from '../../db/database.ts'

// All Kysely code of the subject access export. Every query names the authority; table and column names come only
// from the constant lists below, never from input.

export type Row = Record<string, unknown>

async function rows(db: Db, query: RawBuilder<Row>): Promise<Row[]> {
  return (await query.execute(db)).rows
}

function inList(ids: readonly string[]) {
  return sql.join(ids.map(id => sql`${id}`))
}

/** Rows of `table` whose `column` is one of `ids` (uuid columns), oldest first where the table has a time. */
export async function rowsWhere(db: Db, authorityId: string, table: string, column: string, ids: readonly string[], columns?: readonly string[]): Promise<Row[]> {
  if (ids.length === 0) return []
  const selection = columns ? sql.join(columns.map(name => sql.ref(name))) : sql`*`
  return rows(db, sql<Row>`select ${selection} from ${sql.table(table)} where authority_id = ${authorityId} and ${sql.ref(column)}::text in (${inList(ids)})`)
}

export async function findSubject(db: Db, authorityId: string, personId: string): Promise<Row | undefined> {
  const found = await rows(db, sql<Row>`select * from persons where authority_id = ${authorityId} and id = ${personId}`)
  return found[0]
}

/** The subject and any records merged into them (the same person). */
export async function personRecords(db: Db, authorityId: string, personId: string): Promise<Row[]> {
  return rows(db, sql<Row>`select * from persons where authority_id = ${authorityId} and (id = ${personId} or merged_into_id = ${personId}) order by created_at`)
}

export async function relationshipsOf(db: Db, authorityId: string, personIds: readonly string[]): Promise<Row[]> {
  if (personIds.length === 0) return []
  return rows(
    db,
    sql<Row>`select * from relationships where authority_id = ${authorityId}
              and (person_id::text in (${inList(personIds)}) or related_person_id::text in (${inList(personIds)})) order by created_at`,
  )
}

/** People by id (any of them: household members, relatives, people in the same episodes) with their names. */
export async function peopleNamed(db: Db, authorityId: string, ids: readonly string[]): Promise<{ id: string; givenNames: string; familyName: string }[]> {
  if (ids.length === 0) return []
  return (await rows(db, sql<Row>`select id, given_names, family_name from persons where authority_id = ${authorityId} and id::text in (${inList(ids)})`)) as {
    id: string
    givenNames: string
    familyName: string
  }[]
}

export async function nameMaps(db: Db, authorityId: string) {
  const users = await rows(db, sql<Row>`select id, name from users where authority_id = ${authorityId}`)
  const agencies = await rows(db, sql<Row>`select id, name from agencies where authority_id = ${authorityId}`)
  const accounts = await rows(db, sql<Row>`select id, name from family_accounts where authority_id = ${authorityId}`)
  const map = (list: Row[]) => new Map(list.map(row => [String(row.id), String(row.name)]))
  return { users: map(users), agencies: map(agencies), familyAccounts: map(accounts) }
}

export async function authorityName(db: Db, authorityId: string): Promise<string> {
  const found = await rows(db, sql<Row>`select name from authorities where id = ${authorityId}`)
  return String(found[0]?.name ?? '')
}

/** A document's metadata without its content, and the content only when stored in the database and small. */
export async function documentsOf(db: Db, authorityId: string, episodeIds: readonly string[], maxBytes: number): Promise<Row[]> {
  if (episodeIds.length === 0) return []
  return rows(
    db,
    sql<Row>`select id, episode_id, title, kind, file_name, media_type, size_bytes, sha256, visibility, storage, scan_status,
                    uploaded_by_user_id, uploaded_by_agency_id, uploaded_at, removed_at, removed_by_user_id, removed_reason,
                    case when storage = 'database' and size_bytes <= ${maxBytes} then content end as content
               from documents where authority_id = ${authorityId} and episode_id::text in (${inList(episodeIds)}) order by uploaded_at`,
  )
}

/** The record's history (src/features/records-history) for these people and episodes. */
export async function historyOf(db: Db, authorityId: string, personIds: readonly string[], episodeIds: readonly string[]): Promise<Row[]> {
  const people = personIds.length ? sql`person_id::text in (${inList(personIds)})` : sql`false`
  const episodes = episodeIds.length ? sql`episode_id::text in (${inList(episodeIds)})` : sql`false`
  return rows(db, sql<Row>`select * from record_history where authority_id = ${authorityId} and (${people} or ${episodes}) order by seq`)
}

/**
 * Who has accessed the person's records (Art. 15(1)(c), the recipients): audit events about the person, or about an
 * episode they are in, with who did it, for which agency and when.
 */
export async function accessOf(db: Db, authorityId: string, personIds: readonly string[], episodeIds: readonly string[]): Promise<Row[]> {
  const people = personIds.length ? sql`(e.record_type = 'person' and e.record_id::text in (${inList(personIds)}))` : sql`false`
  const episodes = episodeIds.length ? sql`e.episode_id::text in (${inList(episodeIds)})` : sql`false`
  return rows(
    db,
    sql<Row>`select e.id, e.at, e.actor_kind, e.actor_user_id, u.name as actor_name, e.actor_agency_id, a.name as agency_name,
                    e.actor_family_account_id, f.name as family_account_name, e.action, e.outcome, e.record_type, e.record_id,
                    e.episode_id, e.purpose
               from audit_events e
               left join users u on u.authority_id = e.authority_id and u.id = e.actor_user_id
               left join agencies a on a.authority_id = e.authority_id and a.id = e.actor_agency_id
               left join family_accounts f on f.authority_id = e.authority_id and f.id = e.actor_family_account_id
              where e.authority_id = ${authorityId} and (${people} or ${episodes})
              order by e.at, e.id`,
  )
}
