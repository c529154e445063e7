import fs from 'node:fs'
import path from 'node:path'
import { PGlite, types as pgliteTypes } from '@electric-sql/pglite'
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm'
import { fuzzystrmatch } from '@electric-sql/pglite/contrib/fuzzystrmatch'
import { CamelCasePlugin, Kysely, PostgresDialect, sql, type Transaction } from 'kysely'
import { PGliteDialect } from 'kysely-pglite-dialect'
import pg from 'pg'
import type { Database } from './schema.ts'
import { migrateToLatest } from './migrate.ts'

export type Db = Kysely<Database> | Transaction<Database>
export type DatabaseKind = 'pglite' | 'postgres'

export type OpenDatabase = {
  db: Kysely<Database>
  kind: DatabaseKind
  /** Closes the pool or the embedded database cleanly and releases the data-folder lock. */
  close: () => Promise<void>
  /** True while the database answers a trivial query. */
  ping: () => Promise<boolean>
  /** Null while the database answers a trivial query; otherwise why it does not, in plain words (for /health). */
  unavailableReason: () => Promise<string | null>
  /** The migrations applied when it was opened (none when it was already up to date). */
  appliedMigrations: readonly string[]
}

export class DatabaseStartError extends Error {}

/** The run-time role: it may read and write case data but can never change or remove audit events. */
export const APP_ROLE = 'onestory_app'

const INT8_OID = 20
const NUMERIC_OID = 1700
const DATE_OID = 1082

// pg returns int8 and numeric as strings, PGlite may return numbers or bigints: normalise both to number,
// and keep DATE as the 'YYYY-MM-DD' text it is so that no time zone ever shifts a birthday.
pg.types.setTypeParser(INT8_OID, value => Number(value))
pg.types.setTypeParser(NUMERIC_OID, value => Number(value))
pg.types.setTypeParser(DATE_OID, value => value)

export type OpenDatabaseOptions = {
  databaseUrl?: string | undefined
  /** Folder for the embedded database, or 'memory://' for a throwaway one (tests). */
  dataDir: string
  migrate?: boolean
  poolSize?: number
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<OpenDatabase> {
  const database = options.databaseUrl ? await openPostgres(options.databaseUrl, options) : await openPglite(options)
  return database
}

async function openPostgres(databaseUrl: string, options: OpenDatabaseOptions): Promise<OpenDatabase> {
  const safeUrl = redactUrl(databaseUrl)
  let appliedMigrations: string[] = []
  if (options.migrate !== false) {
    const ownerPool = new pg.Pool({ connectionString: databaseUrl, max: 1, connectionTimeoutMillis: 5000 })
    const owner = new Kysely<Database>({ dialect: new PostgresDialect({ pool: ownerPool }), plugins: [new CamelCasePlugin()] })
    try {
      await sql`select 1`.execute(owner)
    } catch (error) {
      await owner.destroy()
      throw new DatabaseStartError(`OneStory cannot reach the database at ${safeUrl}: ${describe(error)}`)
    }
    try {
      appliedMigrations = await migrateToLatest(owner)
    } finally {
      await owner.destroy()
    }
  }
  const pool = new pg.Pool({ connectionString: databaseUrl, max: options.poolSize ?? 10, connectionTimeoutMillis: 5000 })
  pool.on('connect', client => {
    // Drop to the least-privileged role on every connection; quietly stay as we are where the role is absent.
    client.query(`do $$ begin if pg_has_role(current_user, '${APP_ROLE}', 'member') then set role ${APP_ROLE}; end if; end $$`).catch(() => {})
  })
  pool.on('error', () => {
    // An idle client lost its connection (the server restarted); the pool replaces it on the next checkout.
  })
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new CamelCasePlugin()] })
  return {
    db,
    kind: 'postgres',
    close: () => db.destroy(),
    ping: () => ping(db),
    unavailableReason: () => unavailableReason(db),
    appliedMigrations,
  }
}

async function openPglite(options: OpenDatabaseOptions): Promise<OpenDatabase> {
  const inMemory = options.dataDir === 'memory://'
  let releaseLock = () => {}
  if (!inMemory) {
    fs.mkdirSync(options.dataDir, { recursive: true })
    releaseLock = takeDataFolderLock(options.dataDir)
  }
  let client: PGlite
  try {
    client = await PGlite.create({
      dataDir: inMemory ? undefined : path.join(options.dataDir, 'pgdata'),
      extensions: { pg_trgm, fuzzystrmatch },
      parsers: {
        [pgliteTypes.INT8]: (value: string) => Number(value),
        [pgliteTypes.NUMERIC]: (value: string) => Number(value),
        [pgliteTypes.DATE]: (value: string) => value,
      },
    })
  } catch (error) {
    releaseLock()
    throw new DatabaseStartError(
      `OneStory cannot open the embedded database in ${options.dataDir}: ${describe(error)}. ` +
        'Restore the folder from a backup, or move it aside to start empty.',
    )
  }
  const db = new Kysely<Database>({ dialect: new PGliteDialect(client), plugins: [new CamelCasePlugin()] })
  const appliedMigrations = options.migrate !== false ? await migrateToLatest(db) : []
  await sql.raw(`set role ${APP_ROLE}`).execute(db)
  let closed = false
  return {
    db,
    kind: 'pglite',
    close: async () => {
      if (closed) return
      closed = true
      try {
        await db.destroy() // the dialect closes the PGlite instance too
        if (!client.closed) await client.close()
      } finally {
        releaseLock()
      }
    },
    ping: () => ping(db),
    unavailableReason: () => unavailableReason(db),
    appliedMigrations,
  }
}

async function unavailableReason(db: Kysely<Database>): Promise<string | null> {
  try {
    await sql`select 1`.execute(db)
    return null
  } catch (error) {
    return reasonOf(error)
  }
}

/** Why a query failed, without addresses or credentials: the error's code mapped to plain words. */
function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return reasonOf(error.errors[0])
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : ''
  const message = error instanceof Error ? error.message : String(error)
  if (code === 'ECONNREFUSED') return 'connection refused: the database server is not running or not listening'
  if (code === 'ECONNRESET' || code === 'EPIPE' || /Connection terminated/i.test(message)) return 'the connection to the database server was lost'
  if (code === 'ETIMEDOUT' || /timeout exceeded/i.test(message)) return 'timed out connecting to the database server'
  if (code === '57P01' || code === '57P02') return 'the database server is shutting down'
  if (code === '57P03') return 'the database server is starting up'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'the database host name does not resolve'
  if (/PGlite is closed/i.test(message)) return 'the embedded database is closed'
  return code ? `the database refused the query (${code})` : 'the database did not answer'
}

async function ping(db: Kysely<Database>): Promise<boolean> {
  try {
    await sql`select 1`.execute(db)
    return true
  } catch {
    return false
  }
}

/**
 * Two processes must never open one PGlite folder: it corrupts it. The lock file holds the owner's pid;
 * a lock left by a process that no longer runs is taken over.
 */
export function takeDataFolderLock(dataDir: string): () => void {
  const lockPath = path.join(dataDir, 'onestory.lock')
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' })
      let released = false
      return () => {
        if (released) return
        released = true
        try {
          if (fs.readFileSync(lockPath, 'utf8') === String(process.pid)) fs.unlinkSync(lockPath)
        } catch {
          // already gone
        }
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const owner = Number(fs.readFileSync(lockPath, 'utf8'))
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && processIsRunning(owner)) {
        throw new DatabaseStartError(
          `The data folder ${dataDir} is in use by another OneStory process (pid ${owner}). ` +
            'Stop that process first, or set DATA_DIR to another folder.',
        )
      }
      fs.unlinkSync(lockPath)
    }
  }
  throw new DatabaseStartError(`Could not lock the data folder ${dataDir}.`)
}

function processIsRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = '***'
    return parsed.toString()
  } catch {
    return '(unparseable URL)'
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describe(error.errors[0])
  if (error instanceof Error) return error.message || error.name
  return String(error)
}
