import fs from 'node:fs'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { fuzzystrmatch } from '@electric-sql/pglite/contrib/fuzzystrmatch'
import pg from 'pg'
import { DatabaseStartError, openDatabase, takeDataFolderLock } from './database.ts'

// Backups (issue 7). The embedded database: a dump of the whole PGlite data folder (tar.gz) and a restore into an
// empty folder. Either database: a logical export of one authority (every row of every table that belongs to it,
// as JSON, in foreign-key order) and its import into a database that does not have that authority.
// PostgreSQL as a whole is backed up with pg_dump/pg_restore (docs/operations.md).

export class BackupError extends Error {}

const LOCK_FILE = 'onestory.lock'
const PGDATA = 'pgdata'
export const AUTHORITY_EXPORT_FORMAT = 'onestory-authority-export'

/** Connection to either database as its owner (not the run-time role), for whole-table reads and writes. */
type Query = (text: string, params?: unknown[]) => Promise<Record<string, unknown>[]>
type Connection = { query: Query; close: () => Promise<void> }

async function openPgliteFolder(dataDir: string, loadDataDir?: Blob): Promise<PGlite> {
  return PGlite.create({
    dataDir: path.join(dataDir, PGDATA),
    extensions: { pg_trgm, fuzzystrmatch },
    ...(loadDataDir ? { loadDataDir } : {}),
  })
}

function writePrivateFile(file: string, data: Buffer | string): void {
  const temporary = `${file}.partial-${process.pid}`
  fs.writeFileSync(temporary, data, { mode: 0o600 })
  fs.renameSync(temporary, file)
}

/** Dumps the embedded database in dataDir to file (tar.gz). Refuses while the service holds the folder. */
export async function backupPgliteFolder(dataDir: string, file: string): Promise<{ bytes: number }> {
  if (!fs.existsSync(path.join(dataDir, PGDATA))) throw new BackupError(`There is no OneStory database in ${dataDir}.`)
  const release = takeDataFolderLock(dataDir)
  try {
    const client = await openPgliteFolder(dataDir)
    try {
      const dump = await client.dumpDataDir('gzip')
      const bytes = Buffer.from(await dump.arrayBuffer())
      writePrivateFile(file, bytes)
      return { bytes: bytes.length }
    } finally {
      await client.close()
    }
  } finally {
    release()
  }
}

/** Restores a dump made by backupPgliteFolder into dataDir, which must be empty (or not exist) and not in use. */
export async function restorePgliteFolder(dataDir: string, file: string): Promise<{ migrations: number }> {
  const dump = readFileOrFail(file)
  if (!(dump[0] === 0x1f && dump[1] === 0x8b)) throw new BackupError(`${file} is not a OneStory data-folder backup (tar.gz).`)
  fs.mkdirSync(dataDir, { recursive: true })
  if (fs.readdirSync(dataDir).includes(LOCK_FILE)) takeDataFolderLock(dataDir)() // throws while the service runs
  const present = fs.readdirSync(dataDir)
  if (present.length > 0) {
    throw new BackupError(`The data folder ${dataDir} is not empty (${present.slice(0, 3).join(', ')}…). Restore into an empty folder.`)
  }
  const release = takeDataFolderLock(dataDir)
  try {
    let client: PGlite | undefined
    try {
      client = await openPgliteFolder(dataDir, new Blob([dump]))
      const [row] = (await client.query<{ count: number }>('select count(*)::int as count from kysely_migration')).rows
      return { migrations: row?.count ?? 0 }
    } catch (error) {
      if (client && !client.closed) await client.close().catch(() => {})
      client = undefined
      fs.rmSync(path.join(dataDir, PGDATA), { recursive: true, force: true })
      throw new BackupError(`${file} could not be restored: ${error instanceof Error ? error.message : String(error)}`)
    } finally {
      if (client && !client.closed) await client.close()
    }
  } finally {
    release()
  }
}

function readFileOrFail(file: string): Buffer {
  try {
    return fs.readFileSync(file)
  } catch (error) {
    throw new BackupError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`)
  }
}

/** Opens the configured database as its owner; with migrate, brought up to date first (an import meets the current schema). */
export async function openOwnerConnection(target: { databaseUrl?: string | undefined; dataDir: string }, options: { migrate: boolean }): Promise<Connection> {
  if (options.migrate) {
    const migrated = await openDatabase({ ...target, poolSize: 1 })
    await migrated.close()
  } else if (!target.databaseUrl && !fs.existsSync(path.join(target.dataDir, PGDATA))) {
    throw new BackupError(`There is no OneStory database in ${target.dataDir}.`)
  }
  if (target.databaseUrl) {
    const client = new pg.Client({ connectionString: target.databaseUrl })
    try {
      await client.connect()
    } catch (error) {
      throw new DatabaseStartError(`OneStory cannot reach the database: ${error instanceof Error ? error.message : String(error)}`)
    }
    return { query: async (text, params) => (await client.query(text, params)).rows as Record<string, unknown>[], close: () => client.end() }
  }
  const release = takeDataFolderLock(target.dataDir)
  try {
    const client = await openPgliteFolder(target.dataDir)
    return {
      query: async (text, params) => (await client.query<Record<string, unknown>>(text, params)).rows,
      close: async () => {
        try {
          await client.close()
        } finally {
          release()
        }
      },
    }
  } catch (error) {
    release()
    throw error
  }
}

type TablePlan = { name: string; columns: string[]; primaryKey: string[]; where: string }

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`

/**
 * The tables of one authority in foreign-key order, each with how to select its rows: authorities by id, tables with
 * authority_id by it, and tables without it (outbox_attachments) through their foreign key to such a table.
 * Global tables (system_settings, the migration bookkeeping) are not part of an authority.
 */
export async function authorityTables(query: Query): Promise<{ tables: TablePlan[]; global: string[] }> {
  const columns = await query(
    `select c.table_name, c.column_name from information_schema.columns c
       join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = 'public' and t.table_type = 'BASE TABLE' and c.is_generated = 'NEVER'
      order by c.table_name, c.ordinal_position`,
  )
  const byTable = new Map<string, string[]>()
  for (const row of columns) byTable.set(String(row.table_name), [...(byTable.get(String(row.table_name)) ?? []), String(row.column_name)])
  const keys = await query(
    `select c.conrelid::regclass::text as child, c.confrelid::regclass::text as parent, c.contype as type,
            (select array_agg(a.attname::text order by k.n) from unnest(c.conkey) with ordinality k(attnum, n)
               join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.attnum) as child_columns,
            (select array_agg(a.attname::text order by k.n) from unnest(c.confkey) with ordinality k(attnum, n)
               join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.attnum) as parent_columns
       from pg_constraint c where c.connamespace = 'public'::regnamespace and c.contype in ('f', 'p')`,
  )
  const unquote = (name: unknown) => String(name).replace(/^"|"$/g, '')
  const asList = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : String(value ?? '').replace(/^\{|\}$/g, '').split(',').filter(Boolean))
  const primaryKeys = new Map<string, string[]>()
  const foreign: Array<{ child: string; parent: string; childColumns: string[]; parentColumns: string[] }> = []
  for (const key of keys) {
    if (key.type === 'p') primaryKeys.set(unquote(key.child), asList(key.child_columns))
    else foreign.push({ child: unquote(key.child), parent: unquote(key.parent), childColumns: asList(key.child_columns), parentColumns: asList(key.parent_columns) })
  }
  const where = new Map<string, string>()
  where.set('authorities', 'id = $1')
  for (const [table, names] of byTable) if (names.includes('authority_id')) where.set(table, 'authority_id = $1')
  for (const [table] of byTable) {
    if (where.has(table)) continue
    const link = foreign.find(key => key.child === table && where.get(key.parent) === 'authority_id = $1')
    if (!link) continue
    const join = link.childColumns.map((column, index) => `p.${ident(link.parentColumns[index] ?? '')} = t.${ident(column)}`).join(' and ')
    where.set(table, `exists (select 1 from ${ident(link.parent)} p where ${join} and p.authority_id = $1)`)
  }
  // Parents before children (Kahn's algorithm over the foreign keys among the authority's tables).
  const included = [...where.keys()].sort()
  const remaining = new Set(included)
  const ordered: string[] = []
  while (remaining.size > 0) {
    const ready = [...remaining].filter(table => !foreign.some(key => key.child === table && key.parent !== table && remaining.has(key.parent)))
    if (ready.length === 0) throw new BackupError(`Foreign keys form a cycle among: ${[...remaining].join(', ')}`)
    for (const table of ready) {
      remaining.delete(table)
      ordered.push(table)
    }
  }
  return {
    tables: ordered.map(name => ({ name, columns: byTable.get(name) ?? [], primaryKey: primaryKeys.get(name) ?? [], where: where.get(name) ?? 'false' })),
    global: [...byTable.keys()].filter(table => !where.has(table)).sort(),
  }
}

export type AuthorityExport = {
  format: typeof AUTHORITY_EXPORT_FORMAT
  version: 1
  authorityId: string
  exportedAt: string
  migrations: string[]
  tables: Array<{ name: string; rows: unknown[] }>
}

async function migrationNames(query: Query): Promise<string[]> {
  return (await query('select name from kysely_migration order by name')).map(row => String(row.name))
}

/** Every row that belongs to one authority, in foreign-key order, with the schema version it came from. */
export async function exportAuthority(query: Query, authorityId: string, now: Date): Promise<AuthorityExport> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(authorityId)) throw new BackupError(`"${authorityId}" is not an authority id.`)
  const { tables } = await authorityTables(query)
  await query('begin isolation level repeatable read')
  try {
    const found = await query('select 1 from authorities where id = $1', [authorityId])
    if (found.length === 0) throw new BackupError(`There is no authority ${authorityId} in this database.`)
    const result: AuthorityExport = { format: AUTHORITY_EXPORT_FORMAT, version: 1, authorityId, exportedAt: now.toISOString(), migrations: await migrationNames(query), tables: [] }
    for (const table of tables) {
      const order = (table.primaryKey.length > 0 ? table.primaryKey : table.columns).map(column => `t.${ident(column)}`).join(', ')
      const rows = await query(`select row_to_json(t)::text as row from ${ident(table.name)} t where ${table.where} order by ${order}`, [authorityId])
      result.tables.push({ name: table.name, rows: rows.map(row => JSON.parse(String(row.row)) as unknown) })
    }
    return result
  } finally {
    await query('commit')
  }
}

/** Imports an export into a database at the same schema version that does not have that authority: all or nothing. */
export async function importAuthority(query: Query, data: unknown): Promise<{ rows: number }> {
  const file = data as Partial<AuthorityExport>
  if (file?.format !== AUTHORITY_EXPORT_FORMAT || file.version !== 1 || typeof file.authorityId !== 'string' || !Array.isArray(file.tables)) {
    throw new BackupError('This is not a OneStory authority export.')
  }
  const here = await migrationNames(query)
  if (JSON.stringify(here) !== JSON.stringify(file.migrations)) {
    throw new BackupError('The export comes from a different version of OneStory than this database; run the same version on both (npm run cli -- migrate).')
  }
  const { tables } = await authorityTables(query)
  const known = new Map(tables.map(table => [table.name, table]))
  await query('begin')
  try {
    // The export carries its record history: the history trigger must not add "Added" rows for the imported ones.
    await query(`select set_config('onestory.history', 'off', true)`)
    // ...and the audit events keep their place and hash in their authority's chain (the owner only; see migration 02).
    await query(`select set_config('onestory.audit_restore', 'on', true)`)
    if ((await query('select 1 from authorities where id = $1', [file.authorityId])).length > 0) {
      throw new BackupError(`Authority ${file.authorityId} is already in this database; restore into one that does not have it.`)
    }
    let count = 0
    for (const { name, rows } of file.tables) {
      const table = known.get(name)
      if (!table) throw new BackupError(`The export has a table this database does not: ${name}`)
      if (!Array.isArray(rows) || rows.length === 0) continue
      const list = table.columns.map(ident).join(', ')
      await query(`insert into ${ident(name)} (${list}) select ${list} from json_populate_recordset(null::${ident(name)}, $1::json)`, [JSON.stringify(rows)])
      count += rows.length
    }
    await query('commit')
    return { rows: count }
  } catch (error) {
    await query('rollback')
    if (error instanceof BackupError) throw error
    throw new BackupError(`The import failed and nothing was changed: ${error instanceof Error ? error.message : String(error)}`)
  }
}

export function writeAuthorityExport(file: string, data: AuthorityExport): void {
  writePrivateFile(file, `${JSON.stringify(data)}\n`)
}

export function readBackupFile(file: string): { kind: 'folder' } | { kind: 'authority'; data: unknown } {
  const content = readFileOrFail(file)
  if (content[0] === 0x1f && content[1] === 0x8b) return { kind: 'folder' }
  try {
    return { kind: 'authority', data: JSON.parse(content.toString('utf8')) as unknown }
  } catch {
    throw new BackupError(`${file} is neither a data-folder backup nor an authority export.`)
  }
}
