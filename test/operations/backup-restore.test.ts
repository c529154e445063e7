import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { buildApp } from '../../src/app.ts'
import { runCli } from '../../src/cli/onestory.ts'
import { loadConfig } from '../../src/config.ts'
import { authorityTables, openOwnerConnection } from '../../src/db/backup.ts'
import { openDatabase, type OpenDatabase } from '../../src/db/database.ts'
import { TestClock, type TestApp } from '../helpers/build-test-app.ts'
import { openTestDatabase } from '../helpers/database.ts'
import { signIn } from '../helpers/builders.ts'
import { paths } from '../../src/paths.ts'
import { buildAuthorityWorld, type AuthorityWorld } from '../helpers/world.ts'

// The restore drill (issue 7, "Backups"): seed two authorities' worth of records, back up with the command line,
// restore into a fresh place, and compare every table's row count and a hash of its ordered contents.

type Target = { databaseUrl?: string; dataDir: string }
type Snapshot = Record<string, { rows: number; hash: string }>

async function cli(argv: string[], target: Target): Promise<{ code: number; output: string }> {
  const out = new PassThrough()
  let output = ''
  out.on('data', chunk => (output += chunk))
  const env: Record<string, string> = { LOG_LEVEL: 'silent', DATA_DIR: target.dataDir }
  if (target.databaseUrl) env.DATABASE_URL = target.databaseUrl
  const code = await runCli(argv, env, out)
  return { code, output }
}

/** Row count and md5 of the ordered row texts of every table: all rows (undefined), or one authority's; one per id. */
async function snapshots(target: Target, authorityIds: Array<string | undefined>): Promise<Snapshot[]> {
  const connection = await openOwnerConnection(target, { migrate: false })
  try {
    const { tables, global } = await authorityTables(connection.query)
    const results: Snapshot[] = []
    for (const authorityId of authorityIds) {
      const plans = authorityId
        ? tables.map(table => ({ name: table.name, where: table.where }))
        : [...tables.map(table => table.name), ...global].map(name => ({ name, where: 'true' }))
      const result: Snapshot = {}
      for (const plan of plans.sort((a, b) => a.name.localeCompare(b.name))) {
        const [row] = await connection.query(
          `select count(*)::int as rows, md5(coalesce(string_agg(t::text, chr(10) order by t::text), '')) as hash from "${plan.name}" t where ${plan.where}`,
          plan.where.includes('$1') ? [authorityId] : [],
        )
        result[plan.name] = { rows: Number(row?.rows), hash: String(row?.hash) }
      }
      results.push(result)
    }
    return results
  } finally {
    await connection.close()
  }
}

async function snapshot(target: Target, authorityId?: string): Promise<Snapshot> {
  const [result] = await snapshots(target, [authorityId])
  assert.ok(result)
  return result
}

/** An app over a real database (a PGlite folder or a PostgreSQL database) to seed through the usual builders. */
async function seed(database: OpenDatabase): Promise<AuthorityWorld[]> {
  const clock = new TestClock()
  const config = loadConfig({ LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '100000', COOKIE_SECURE: 'true' })
  const app = await buildApp({ config, database, clock })
  await app.ready()
  const t: TestApp = { app, database, clock, config, close: async () => {} }
  try {
    const worlds = [await buildAuthorityWorld(t, 'Alderley'), await buildAuthorityWorld(t, 'Bramhall')]
    // Signing in and reading pages goes through the services: sessions and audited reads.
    for (const world of worlds) {
      const browser = await signIn(t, world.superUser)
      assert.equal((await browser.get(paths.people.show(world.personId))).statusCode, 200)
    }
    return worlds
  } finally {
    await app.close()
    await database.close()
  }
}

function assertSeeded(snap: Snapshot): void {
  const filled = Object.entries(snap).filter(([, table]) => table.rows > 0).map(([name]) => name)
  for (const name of ['authorities', 'users', 'persons', 'episodes', 'consents', 'outbox', 'audit_events']) assert.ok(filled.includes(name), `${name} has rows`)
  assert.ok(filled.length >= 20, `rows in ${filled.length} tables`)
}

const temporary = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix))

describe('backup and restore drill (pglite)', () => {
  const work = temporary('onestory-backup-')
  const source: Target = { dataDir: path.join(work, 'source') }
  let worlds: AuthorityWorld[]
  let before_: Snapshot
  let alderleyBefore: Snapshot

  before(async () => {
    worlds = await seed(await openDatabase({ dataDir: source.dataDir }))
    const [all, alderley] = await snapshots(source, [undefined, worlds[0]?.authorityId])
    assert.ok(all && alderley)
    before_ = all
    alderleyBefore = alderley
    assertSeeded(before_)
  })
  after(() => fs.rmSync(work, { recursive: true, force: true }))

  it('backs up the data folder and restores it into an empty one with every table identical', async () => {
    const file = path.join(work, 'onestory.tar.gz')
    const backup = await cli(['backup', file], source)
    assert.equal(backup.code, 0, backup.output)
    assert.equal(fs.statSync(file).mode & 0o077, 0, 'the backup is readable by its owner only')
    const restored: Target = { dataDir: path.join(work, 'restored') }
    const restore = await cli(['restore', file], restored)
    assert.equal(restore.code, 0, restore.output)
    assert.deepEqual(await snapshot(restored), before_)

    const again = await cli(['restore', file], restored)
    assert.equal(again.code, 1)
    assert.match(again.output, /is not empty/)
  })

  it('refuses to back up or restore a folder another process holds', async () => {
    const held: Target = { dataDir: path.join(work, 'held') }
    fs.mkdirSync(held.dataDir)
    fs.writeFileSync(path.join(held.dataDir, 'onestory.lock'), String(process.ppid))
    const file = path.join(work, 'onestory.tar.gz')
    const restore = await cli(['restore', file], held)
    assert.equal(restore.code, 1)
    assert.match(restore.output, /in use by another OneStory process/)
    fs.writeFileSync(path.join(source.dataDir, 'onestory.lock'), String(process.ppid))
    try {
      const backup = await cli(['backup', path.join(work, 'while-held.tar.gz')], source)
      assert.equal(backup.code, 1)
      assert.match(backup.output, /in use by another OneStory process/)
      assert.equal(fs.existsSync(path.join(work, 'while-held.tar.gz')), false)
    } finally {
      fs.rmSync(path.join(source.dataDir, 'onestory.lock'))
    }
    const junk = path.join(work, 'junk.tar.gz')
    fs.writeFileSync(junk, Buffer.from([0x1f, 0x8b, 1, 2, 3]))
    const bad = await cli(['restore', junk], { dataDir: path.join(work, 'bad') })
    assert.equal(bad.code, 1)
    assert.deepEqual(fs.readdirSync(path.join(work, 'bad')), [], 'a failed restore leaves the folder empty')
  })

  it('exports one authority and imports it into a database without it, once', async () => {
    const [alderley] = worlds
    assert.ok(alderley)
    const file = path.join(work, 'alderley.json')
    const backup = await cli(['backup', '--authority', alderley.authorityId, file], source)
    assert.equal(backup.code, 0, backup.output)
    const other: Target = { dataDir: path.join(work, 'other') }
    const restore = await cli(['restore', file], other)
    assert.equal(restore.code, 0, restore.output)
    const [imported, bramhall] = await snapshots(other, [alderley.authorityId, worlds[1]?.authorityId])
    assert.deepEqual(imported, alderleyBefore)
    assert.equal(bramhall?.authorities?.rows, 0, 'only that authority')
    const twice = await cli(['restore', file], other)
    assert.equal(twice.code, 1)
    assert.match(twice.output, /already in this database/)
    assert.equal((await cli(['backup', '--authority', 'not-an-id', file], source)).code, 1)
  })
})

const postgresUrl = process.env.TEST_DATABASE_URL
describe('backup and restore drill (postgres)', { skip: postgresUrl ? false : 'TEST_DATABASE_URL is not set' }, () => {
  const work = temporary('onestory-backup-pg-')
  const dropAfter: Array<() => Promise<void>> = []
  let source: Target
  let worlds: AuthorityWorld[]

  async function freshDatabase(): Promise<Target> {
    const database = await openTestDatabase('postgres')
    dropAfter.push(database.close)
    return { databaseUrl: database.url ?? '', dataDir: work }
  }

  before(async () => {
    const database = await openTestDatabase('postgres')
    source = { databaseUrl: database.url ?? '', dataDir: work }
    await seed({ ...database, close: async () => {} }).then(result => (worlds = result))
    dropAfter.push(database.close)
    assertSeeded(await snapshot(source))
  })
  after(async () => {
    for (const drop of dropAfter) await drop()
    fs.rmSync(work, { recursive: true, force: true })
  })

  it('points to pg_dump for the whole database, and pg_dump -Fc / pg_restore give back every table identical', async () => {
    const refused = await cli(['backup', path.join(work, 'x.tar.gz')], source)
    assert.equal(refused.code, 2)
    assert.match(refused.output, /pg_dump -Fc/)
    const file = path.join(work, 'onestory.dump')
    const dump = spawnSync('pg_dump', ['-Fc', '-f', file, source.databaseUrl ?? ''], { encoding: 'utf8' })
    assert.equal(dump.status, 0, dump.stderr)
    const name = `onestory_restore_${randomBytes(5).toString('hex')}`
    const admin = new pg.Client({ connectionString: postgresUrl })
    await admin.connect()
    await admin.query(`create database ${name}`)
    await admin.end()
    const url = new URL(postgresUrl ?? '')
    url.pathname = `/${name}`
    dropAfter.push(async () => {
      const cleanup = new pg.Client({ connectionString: postgresUrl })
      await cleanup.connect()
      await cleanup.query(`drop database if exists ${name} with (force)`)
      await cleanup.end()
    })
    const restore = spawnSync('pg_restore', ['--exit-on-error', '-d', url.toString(), file], { encoding: 'utf8' })
    assert.equal(restore.status, 0, restore.stderr)
    assert.deepEqual(await snapshot({ databaseUrl: url.toString(), dataDir: work }), await snapshot(source))
  })

  it('exports one authority and imports it into a database without it, once', async () => {
    const [alderley] = worlds
    assert.ok(alderley)
    const file = path.join(work, 'alderley.json')
    const backup = await cli(['backup', '--authority', alderley.authorityId, file], source)
    assert.equal(backup.code, 0, backup.output)
    const other = await freshDatabase()
    const restore = await cli(['restore', file], other)
    assert.equal(restore.code, 0, restore.output)
    assert.deepEqual(await snapshot(other, alderley.authorityId), await snapshot(source, alderley.authorityId))
    const twice = await cli(['restore', file], other)
    assert.equal(twice.code, 1)
    assert.match(twice.output, /already in this database/)
  })
})
