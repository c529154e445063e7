import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { openDatabase, type DatabaseKind, type OpenDatabase } from '../../src/db/database.ts'

/** Every database test runs on PGlite, and on PostgreSQL too when TEST_DATABASE_URL is set (CI sets it). */
export function databaseKinds(): DatabaseKind[] {
  return process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite']
}

/** A fresh, migrated database: in-memory PGlite, or a new PostgreSQL database dropped again on close. */
export async function openTestDatabase(kind: DatabaseKind): Promise<OpenDatabase & { url?: string }> {
  if (kind === 'pglite') return openDatabase({ dataDir: 'memory://' })
  const baseUrl = process.env.TEST_DATABASE_URL
  if (!baseUrl) throw new Error('TEST_DATABASE_URL is not set')
  const name = `onestory_test_${randomBytes(6).toString('hex')}`
  const admin = new pg.Client({ connectionString: baseUrl })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const url = new URL(baseUrl)
  url.pathname = `/${name}`
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: '', poolSize: 5 })
  return {
    ...database,
    url: url.toString(),
    close: async () => {
      await database.close()
      const cleanup = new pg.Client({ connectionString: baseUrl })
      await cleanup.connect()
      await cleanup.query(`drop database if exists ${name} with (force)`)
      await cleanup.end()
    },
  }
}
