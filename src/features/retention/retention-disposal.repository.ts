import { sql, type Transaction } from 'kysely'
import type { Database } from '../../db/schema.ts'

// Disposal (docs/retention.md): deleting an episode with every row that belongs to it, and anonymising a person who is
// in no episode any more. The tables are read from the database catalogue at disposal time, not listed here, so a table
// added by a later feature is covered the day it is created: every table with an `episode_id` column, and every table
// that reaches such a table through its foreign keys, is episode-scoped and its rows go with the episode. Only
// audit_events is kept (append-only; its own retention is in docs/retention.md). Tables that hold a person's id
// outside an episode must be named in PERSON_TABLES: an unknown one stops the disposal rather than leave data behind.

export class RetentionDisposalError extends Error {}

/** Never deleted by retention: the append-only audit trail (it names records by id, never their content). */
export const KEPT_TABLES: ReadonlySet<string> = new Set(['audit_events'])

/** What retention does with rows outside any episode that name a person it anonymises (column → action). */
export const PERSON_TABLES: Readonly<Record<string, Readonly<Record<string, 'delete' | 'unlink' | 'keep'>>>> = {
  persons: { merged_into_id: 'keep' }, // the person rows themselves: anonymised in place (merged records too)
  household_members: { person_id: 'delete' },
  relationships: { person_id: 'delete', related_person_id: 'delete' },
  person_merges: { kept_person_id: 'delete', merged_person_id: 'delete' },
  family_accounts: { person_id: 'unlink' },
  record_history: { person_id: 'delete' }, // the history of the person's own record (old names and addresses)
  // Identity protection: markers on the person's own details go with them; a marker that keeps another person's
  // details from them stays in force (it protects someone else).
  identity_protections: { person_id: 'delete', withheld_from_person_id: 'keep' },
  audit_events: {},
}

/** What retention does with rows outside any episode that name a family account it closes. */
export const ACCOUNT_TABLES: Readonly<Record<string, Readonly<Record<string, 'delete' | 'keep'>>>> = {
  family_sessions: { account_id: 'delete' },
  family_sign_in_codes: { account_id: 'delete' },
  family_devices: { account_id: 'delete' },
  record_history: { changed_by_family_account_id: 'keep' }, // who made a change (an id): history of kept records
  audit_events: { actor_family_account_id: 'keep' },
  identity_protections: { withheld_from_account_id: 'keep' }, // still protects someone if the account comes back
}

type ForeignKey = { child: string; parent: string; childColumns: string[]; parentColumns: string[] }
type Catalog = { columns: Map<string, string[]>; nullable: Map<string, Set<string>>; foreign: ForeignKey[] }

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
function literal(id: string): string {
  if (!UUID.test(id)) throw new RetentionDisposalError(`"${id}" is not an id`)
  return `'${id.toLowerCase()}'`
}

async function rawRows(trx: Transaction<Database>, text: string): Promise<Record<string, unknown>[]> {
  return (await sql.raw<Record<string, unknown>>(text).execute(trx)).rows
}

async function rawCount(trx: Transaction<Database>, text: string): Promise<number> {
  const result = await sql.raw(text).execute(trx)
  return Number(result.numAffectedRows ?? 0n)
}

async function readCatalog(trx: Transaction<Database>): Promise<Catalog> {
  const columns = new Map<string, string[]>()
  const nullable = new Map<string, Set<string>>()
  const rows = await rawRows(
    trx,
    `select c.table_name as t, c.column_name as c, c.is_nullable as n from information_schema.columns c
       join information_schema.tables x on x.table_schema = c.table_schema and x.table_name = c.table_name
      where c.table_schema = 'public' and x.table_type = 'BASE TABLE' order by c.table_name, c.ordinal_position`,
  )
  for (const row of rows) {
    const table = String(row.t)
    columns.set(table, [...(columns.get(table) ?? []), String(row.c)])
    if (row.n === 'YES') nullable.set(table, new Set([...(nullable.get(table) ?? []), String(row.c)]))
  }
  const keys = await rawRows(
    trx,
    `select c.conrelid::regclass::text as child, c.confrelid::regclass::text as parent,
            (select string_agg(a.attname::text, ',' order by k.n) from unnest(c.conkey) with ordinality k(attnum, n)
               join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum) as cc,
            (select string_agg(a.attname::text, ',' order by k.n) from unnest(c.confkey) with ordinality k(attnum, n)
               join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.attnum) as pc
       from pg_constraint c where c.connamespace = 'public'::regnamespace and c.contype = 'f'`,
  )
  const unquote = (name: unknown) => String(name).replace(/^"|"$/g, '')
  const foreign = keys.map(key => ({ child: unquote(key.child), parent: unquote(key.parent), childColumns: String(key.cc).split(','), parentColumns: String(key.pc).split(',') }))
  return { columns, nullable, foreign }
}

/**
 * The episode-scoped tables, children before parents: every table with an episode_id column (except the kept ones)
 * and, transitively, every table with a foreign key to one of them. Exported for the test that proves coverage.
 */
export function episodeScope(catalog: Catalog): { tables: string[]; direct: Set<string> } {
  const direct = new Set([...catalog.columns].filter(([table, names]) => names.includes('episode_id') && !KEPT_TABLES.has(table)).map(([table]) => table))
  const scope = new Set(direct)
  for (let grew = true; grew; ) {
    grew = false
    for (const key of catalog.foreign) {
      if ((scope.has(key.parent) || key.parent === 'episodes') && key.child !== 'episodes' && !scope.has(key.child) && !KEPT_TABLES.has(key.child)) {
        scope.add(key.child)
        grew = true
      }
    }
  }
  // Children first: a table is deleted from once no remaining table in scope refers to it.
  const remaining = new Set(scope)
  const ordered: string[] = []
  while (remaining.size > 0) {
    const ready = [...remaining].filter(table => !catalog.foreign.some(key => key.parent === table && key.child !== table && remaining.has(key.child))).sort()
    if (ready.length === 0) throw new RetentionDisposalError(`Foreign keys form a cycle among: ${[...remaining].join(', ')}`)
    for (const table of ready) {
      remaining.delete(table)
      ordered.push(table)
    }
  }
  return { tables: ordered, direct }
}

/** SQL condition: the row (alias) belongs to the episode, directly or through its foreign keys. */
function belongsToEpisode(catalog: Catalog, scope: Set<string>, table: string, alias: string, episodeId: string, depth = 0): string {
  if (depth > 8) return 'false'
  const parts: string[] = []
  if (table === 'episodes') return `${alias}.id = ${literal(episodeId)}`
  if ((catalog.columns.get(table) ?? []).includes('episode_id')) parts.push(`${alias}.episode_id = ${literal(episodeId)}`)
  for (const key of catalog.foreign) {
    if (key.child !== table || key.parent === table || !(scope.has(key.parent) || key.parent === 'episodes')) continue
    if (key.parent === 'episodes' && key.childColumns.includes('episode_id')) continue // said above
    const parent = `p${depth}_${parts.length}`
    const join = key.childColumns.map((column, index) => `${parent}.${ident(key.parentColumns[index] ?? '')} = ${alias}.${ident(column)}`).join(' and ')
    parts.push(`exists (select 1 from ${ident(key.parent)} ${parent} where ${join} and ${belongsToEpisode(catalog, scope, key.parent, parent, episodeId, depth + 1)})`)
  }
  return parts.length > 0 ? `(${parts.join(' or ')})` : 'false'
}

export type EpisodeDisposal = { rowsDeleted: Record<string, number>; people: string[]; familyAccounts: string[] }

/**
 * Deletes the episode and every row that belongs to it, in one transaction (the caller's). Returns counts per table
 * (never content), the people who were in it and the family accounts that were linked to it.
 */
export async function deleteEpisode(trx: Transaction<Database>, authorityId: string, episodeId: string): Promise<EpisodeDisposal> {
  const catalog = await readCatalog(trx)
  const { tables, direct } = episodeScope(catalog)
  const scope = new Set(tables)
  const auth = literal(authorityId)
  const people = new Set<string>()
  // Everyone the episode names by a person column (its people, consent givers, family team members …).
  for (const table of tables) {
    for (const column of catalog.columns.get(table) ?? []) {
      if (!/(^|_)person_id$/.test(column)) continue
      const rows = await rawRows(trx, `select distinct t.${ident(column)}::text as p from ${ident(table)} t where t.authority_id = ${auth} and ${belongsToEpisode(catalog, scope, table, 't', episodeId)} and t.${ident(column)} is not null`)
      for (const row of rows) people.add(String(row.p))
    }
  }
  const accounts = (await rawRows(trx, `select account_id::text as a from family_account_episodes where authority_id = ${auth} and episode_id = ${literal(episodeId)}`)).map(row => String(row.a))

  const rowsDeleted: Record<string, number> = {}
  const add = (table: string, count: number) => {
    if (count > 0) rowsDeleted[table] = (rowsDeleted[table] ?? 0) + count
  }
  for (const table of tables) {
    const authorityFilter = (catalog.columns.get(table) ?? []).includes('authority_id') ? `t.authority_id = ${auth} and ` : ''
    add(table, await rawCount(trx, `delete from ${ident(table)} t where ${authorityFilter}${belongsToEpisode(catalog, scope, table, 't', episodeId)}`))
  }
  // Other references to the episode by id (episodes.previous_episode_id): cleared, never left pointing at nothing.
  for (const [table, names] of catalog.columns) {
    if (KEPT_TABLES.has(table)) continue
    for (const column of names) {
      if (column === 'episode_id' || !column.endsWith('_episode_id')) continue
      if (!catalog.nullable.get(table)?.has(column)) throw new RetentionDisposalError(`${table}.${column} refers to an episode and cannot be cleared; decide its retention`)
      await rawCount(trx, `update ${ident(table)} set ${ident(column)} = null where ${ident(column)} = ${literal(episodeId)}`)
    }
  }
  add('episodes', await rawCount(trx, `delete from episodes where authority_id = ${auth} and id = ${literal(episodeId)}`))
  // Triggers (the record history) may have written rows about the deletions themselves: sweep until none are left.
  for (let pass = 0; pass < 3; pass++) {
    let swept = 0
    for (const table of direct) {
      const count = await rawCount(trx, `delete from ${ident(table)} where episode_id = ${literal(episodeId)}`)
      add(table, count)
      swept += count
    }
    if (swept === 0) break
  }
  for (const table of direct) {
    const [row] = await rawRows(trx, `select count(*)::int as n from ${ident(table)} where episode_id = ${literal(episodeId)}`)
    if (Number(row?.n ?? 0) > 0) throw new RetentionDisposalError(`Rows of episode ${episodeId} remain in ${table} after disposal`)
  }
  return { rowsDeleted, people: [...people], familyAccounts: accounts }
}

/** A row of a table with a (nullable) episode_id belongs to an episode only when it names one (record_history). */
function inAnEpisode(catalog: Catalog, table: string): string {
  return (catalog.columns.get(table) ?? []).includes('episode_id') ? ' and episode_id is not null' : ''
}

/** Whether any episode-scoped row still names the person (they are still part of an episode's record). */
export async function personInAnyEpisode(trx: Transaction<Database>, authorityId: string, personId: string): Promise<boolean> {
  const catalog = await readCatalog(trx)
  const { tables } = episodeScope(catalog)
  for (const table of tables) {
    for (const column of catalog.columns.get(table) ?? []) {
      if (!/(^|_)person_id$/.test(column)) continue
      const rows = await rawRows(trx, `select 1 from ${ident(table)} where authority_id = ${literal(authorityId)} and ${ident(column)} = ${literal(personId)}${inAnEpisode(catalog, table)} limit 1`)
      if (rows.length > 0) return true
    }
  }
  return false
}

/** Every person an episode-scoped row names (its people, consent givers, family team members …). */
export async function peopleInEpisodes(trx: Transaction<Database>, authorityId: string): Promise<Set<string>> {
  const catalog = await readCatalog(trx)
  const { tables } = episodeScope(catalog)
  const people = new Set<string>()
  for (const table of tables) {
    for (const column of catalog.columns.get(table) ?? []) {
      if (!/(^|_)person_id$/.test(column)) continue
      const rows = await rawRows(trx, `select distinct ${ident(column)}::text as p from ${ident(table)} where authority_id = ${literal(authorityId)} and ${ident(column)} is not null${inAnEpisode(catalog, table)}`)
      for (const row of rows) people.add(String(row.p))
    }
  }
  return people
}

function unknownColumns(catalog: Catalog, scope: Set<string>, pattern: RegExp, known: Readonly<Record<string, Readonly<Record<string, string>>>>): string[] {
  const unknown: string[] = []
  for (const [table, names] of catalog.columns) {
    if (scope.has(table) || table === 'episodes') continue
    for (const column of names) if (pattern.test(column) && known[table]?.[column] === undefined) unknown.push(`${table}.${column}`)
  }
  return unknown
}

export type PersonDisposal = { people: number; rowsDeleted: Record<string, number> }

/**
 * Anonymises a person who is in no episode (and the records merged into theirs): every identifying field cleared,
 * their household links, relationships and merges deleted, a household left empty deleted, and the history of their
 * own record deleted (it holds the old values). The row stays so that ids elsewhere (the audit) still resolve.
 */
export async function anonymisePerson(trx: Transaction<Database>, authorityId: string, personId: string, at: Date): Promise<PersonDisposal> {
  const catalog = await readCatalog(trx)
  const { tables } = episodeScope(catalog)
  const scope = new Set(tables)
  const unknown = unknownColumns(catalog, scope, /(^|_)person_id$|^merged_into_id$/, PERSON_TABLES)
  if (unknown.length > 0) throw new RetentionDisposalError(`Retention does not know what to do with ${unknown.join(', ')}; add them to PERSON_TABLES`)
  const auth = literal(authorityId)
  const ids = [personId, ...(await rawRows(trx, `select id::text as i from persons where authority_id = ${auth} and merged_into_id = ${literal(personId)}`)).map(row => String(row.i))]
  const list = ids.map(literal).join(', ')
  const rowsDeleted: Record<string, number> = {}
  const add = (table: string, count: number) => {
    if (count > 0) rowsDeleted[table] = (rowsDeleted[table] ?? 0) + count
  }
  const households = (await rawRows(trx, `select distinct household_id::text as h from household_members where authority_id = ${auth} and person_id in (${list})`)).map(row => String(row.h))
  for (const [table, columns] of Object.entries(PERSON_TABLES)) {
    if (!catalog.columns.has(table) || table === 'record_history') continue
    for (const [column, action] of Object.entries(columns)) {
      if (!(catalog.columns.get(table) ?? []).includes(column)) continue
      if (action === 'delete') add(table, await rawCount(trx, `delete from ${ident(table)} where authority_id = ${auth} and ${ident(column)} in (${list})`))
      if (action === 'unlink') await rawCount(trx, `update ${ident(table)} set ${ident(column)} = null where authority_id = ${auth} and ${ident(column)} in (${list})`)
    }
  }
  await trx
    .updateTable('persons')
    .set({
      givenNames: 'Anonymised',
      familyName: 'person',
      otherNames: '',
      dateOfBirth: null,
      expectedDateOfBirth: null,
      sex: null,
      gender: null,
      ethnicity: null,
      firstLanguage: null,
      interpreterNeeded: false,
      disability: null,
      address: null,
      postcode: null,
      phone: null,
      email: null,
      schoolOrSetting: null,
      uniquePupilNumber: null,
      nhsNumber: null,
      gpPractice: null,
      searchName: '',
      // The search keys too (the sound-alike search reads them), so the old name cannot find the record.
      searchGiven: '',
      searchFamily: '',
      updatedAt: at,
      anonymisedAt: at,
    })
    .where('authorityId', '=', authorityId)
    .where('id', 'in', ids)
    .execute()
  const emptied: string[] = []
  for (const householdId of households) {
    const [left] = await rawRows(
      trx,
      `select (select count(*) from household_members where authority_id = ${auth} and household_id = ${literal(householdId)})::int
            + (select count(*) from episodes where authority_id = ${auth} and household_id = ${literal(householdId)})::int as n`,
    )
    if (Number(left?.n ?? 0) > 0) continue
    add('households', await rawCount(trx, `delete from households where authority_id = ${auth} and id = ${literal(householdId)}`))
    emptied.push(householdId)
  }
  // Last, after the triggers above wrote their rows: the history of these records (old names, addresses).
  if (catalog.columns.has('record_history')) {
    add('record_history', await rawCount(trx, `delete from record_history where authority_id = ${auth} and person_id in (${list})`))
    const records = [...ids, ...emptied].map(id => `'${id}'`).join(', ')
    const historyColumns = catalog.columns.get('record_history') ?? []
    if (historyColumns.includes('table_name') && historyColumns.includes('record_id')) {
      add('record_history', await rawCount(trx, `delete from record_history where authority_id = ${auth} and table_name in ('persons', 'households') and record_id in (${records})`))
    }
  }
  return { people: ids.length, rowsDeleted }
}

/**
 * Closes a family account no longer linked to any episode: its sessions, codes and devices deleted, then the account
 * itself (its name and contact details). Audit events keep its id only.
 */
export async function closeFamilyAccount(trx: Transaction<Database>, authorityId: string, accountId: string): Promise<boolean> {
  const catalog = await readCatalog(trx)
  const { tables } = episodeScope(catalog)
  const scope = new Set(tables)
  const unknown = unknownColumns(catalog, scope, /(^|_)account_id$/, ACCOUNT_TABLES)
  if (unknown.length > 0) throw new RetentionDisposalError(`Retention does not know what to do with ${unknown.join(', ')}; add them to ACCOUNT_TABLES`)
  const auth = literal(authorityId)
  const linked = await rawRows(trx, `select 1 from family_account_episodes where authority_id = ${auth} and account_id = ${literal(accountId)} limit 1`)
  if (linked.length > 0) return false
  for (const [table, columns] of Object.entries(ACCOUNT_TABLES)) {
    if (!catalog.columns.has(table)) continue
    for (const [column, action] of Object.entries(columns)) {
      if (action === 'delete' && (catalog.columns.get(table) ?? []).includes(column)) {
        const authorityFilter = (catalog.columns.get(table) ?? []).includes('authority_id') ? `authority_id = ${auth} and ` : ''
        await rawCount(trx, `delete from ${ident(table)} where ${authorityFilter}${ident(column)} = ${literal(accountId)}`)
      }
    }
  }
  return (await rawCount(trx, `delete from family_accounts where authority_id = ${auth} and id = ${literal(accountId)}`)) > 0
}

/** For the coverage test: the tables an episode's disposal deletes from, children first. */
export async function episodeScopedTables(trx: Transaction<Database>): Promise<string[]> {
  return episodeScope(await readCatalog(trx)).tables
}
