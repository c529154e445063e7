import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { sql } from 'kysely'
import ts from 'typescript'
import { databaseKinds, openTestDatabase } from '../../test/helpers/database.ts'
import { DatabaseStartError, openDatabase, takeDataFolderLock, type OpenDatabase } from './database.ts'

// The hand-written table types in schema.ts must match what the migrations create: read them with the compiler.
const schemaFile = ts.createSourceFile('schema.ts', fs.readFileSync(path.join(import.meta.dirname, 'schema.ts'), 'utf8'), ts.ScriptTarget.Latest)

function typeMembers(typeName: string): { name: string; type: string }[] {
  for (const statement of schemaFile.statements) {
    if (ts.isTypeAliasDeclaration(statement) && statement.name.text === typeName && ts.isTypeLiteralNode(statement.type)) {
      return statement.type.members.filter(ts.isPropertySignature).map(member => ({
        name: (member.name as ts.Identifier).text,
        type: member.type?.getText(schemaFile) ?? '',
      }))
    }
  }
  throw new Error(`type ${typeName} not found in schema.ts`)
}

function snake(name: string): string {
  return name.replace(/[A-Z]/g, letter => `_${letter.toLowerCase()}`)
}

for (const kind of databaseKinds()) {
  describe(`database schema (${kind})`, () => {
    let database: OpenDatabase
    before(async () => {
      database = await openTestDatabase(kind)
    })
    after(() => database.close())

    it('matches the table types in schema.ts, column for column', async () => {
      const tables = typeMembers('Database').map(member => ({ table: snake(member.name), type: member.type }))
      assert.ok(tables.length >= 13)
      for (const { table, type } of tables) {
        const rows = await sql<{ columnName: string }>`select column_name from information_schema.columns where table_schema = 'public' and table_name = ${table}`.execute(database.db)
        const actual = rows.rows.map(row => row.columnName).sort()
        const expected = typeMembers(type).map(member => snake(member.name)).sort()
        assert.deepEqual(actual, expected, `table ${table}`)
      }
    })

    it('runs as a role that cannot change or delete audit events', async () => {
      const role = await sql<{ role: string }>`select current_user as role`.execute(database.db)
      assert.equal(role.rows[0]?.role, 'onestory_app')
      await sql`insert into audit_events (authority_id, id, at, actor_kind, action, outcome) values (gen_random_uuid(), gen_random_uuid(), now(), 'system', 'test', 'allowed')`.execute(database.db)
      await assert.rejects(sql`update audit_events set action = 'changed'`.execute(database.db), /permission denied|append-only/)
      await assert.rejects(sql`delete from audit_events`.execute(database.db), /permission denied|append-only/)
    })

    it('refuses audit changes even from the owner, through the trigger', async () => {
      await sql`reset role`.execute(database.db).catch(() => {})
      const owner = await sql<{ role: string }>`select current_user as role`.execute(database.db)
      if (owner.rows[0]?.role === 'onestory_app') return // the pool gave a connection that cannot reset: nothing to prove here
      await assert.rejects(sql`delete from audit_events`.execute(database.db), /append-only/)
      await sql`set role onestory_app`.execute(database.db)
    })
  })
}

describe('embedded database folder lock', () => {
  it('refuses a second process on the same folder, and takes over a stale lock', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'onestory-lock-'))
    fs.writeFileSync(path.join(folder, 'onestory.lock'), String(process.ppid))
    assert.throws(() => takeDataFolderLock(folder), DatabaseStartError)
    fs.writeFileSync(path.join(folder, 'onestory.lock'), '999999999')
    const release = takeDataFolderLock(folder)
    assert.equal(fs.readFileSync(path.join(folder, 'onestory.lock'), 'utf8'), String(process.pid))
    release()
    assert.equal(fs.existsSync(path.join(folder, 'onestory.lock')), false)
  })

  it('opens, closes cleanly and reopens a data folder with its data', async () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'onestory-data-'))
    const first = await openDatabase({ dataDir: folder })
    await first.db.insertInto('systemSettings').values({ key: 'marker', value: 'kept' }).execute()
    await first.close()
    assert.equal(fs.existsSync(path.join(folder, 'onestory.lock')), false)
    const second = await openDatabase({ dataDir: folder })
    const row = await second.db.selectFrom('systemSettings').select('value').where('key', '=', 'marker').executeTakeFirst()
    await second.close()
    assert.equal(row?.value, 'kept')
  })
})
