import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { Writable } from 'node:stream'
import pg from 'pg'
import { databaseKinds } from '../../test/helpers/database.ts'
import { buildTestApp, type TestApp } from '../../test/helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildUser, signIn } from '../../test/helpers/builders.ts'
import { paths } from '../paths.ts'
import { runCli } from '../cli/onestory.ts'
import { canonicalEncoding, chainHash, GENESIS_HASH, verifyAuditChain } from './audit-chain.ts'
import type { ChainRow } from './audit-chain.repository.ts'

describe('audit chain: the encoding', () => {
  const row: ChainRow = {
    authorityId: 'a',
    id: 'b',
    seq: '1',
    at: '2026-01-01T00:00:00.000000Z',
    actorKind: 'system',
    actorUserId: null,
    actorAgencyId: null,
    actorFamilyAccountId: null,
    actorRoles: null,
    action: 'x|y',
    outcome: 'allowed',
    recordType: null,
    recordId: '-',
    episodeId: null,
    purpose: null,
    ip: null,
    requestId: 'é',
    details: '{}',
    hash: null,
  }
  it('is unambiguous: lengths in characters, null distinct from "-", separators inside values harmless', () => {
    const encoded = canonicalEncoding(row)
    assert.equal(encoded, '1:a|1:b|1:1|27:2026-01-01T00:00:00.000000Z|6:system|-|-|-|-|3:x|y|7:allowed|-|1:-|-|-|-|1:é|2:{}')
    assert.notEqual(chainHash(GENESIS_HASH, row), chainHash(GENESIS_HASH, { ...row, recordId: null }))
    assert.notEqual(chainHash(GENESIS_HASH, row), chainHash('f'.repeat(64), row))
    assert.match(chainHash(GENESIS_HASH, row), /^[0-9a-f]{64}$/)
  })
})

for (const kind of databaseKinds()) {
  describe(`audit chain (${kind})`, () => {
    let t: TestApp
    let authorityId: string
    let otherAuthorityId: string
    let coordinator: Awaited<ReturnType<typeof signIn>>
    /** Runs statements as the database's owner, with the table's triggers off (as an intruder with owner rights could). */
    let asOwner: (statement: string, params?: unknown[]) => Promise<void>
    let closeOwner = async () => {}

    before(async () => {
      t = await buildTestApp(kind)
      authorityId = (await buildAuthority(t)).id
      const agency = await buildAgency(t, authorityId)
      const user = await buildUser(t, authorityId, { roles: ['coordinator', 'practitioner'], agencyIds: [agency.id] })
      coordinator = await signIn(t, user)
      otherAuthorityId = (await buildAuthority(t)).id
      await signIn(t, await buildUser(t, otherAuthorityId, { roles: ['coordinator'] }))
      const url = (t.database as { url?: string }).url
      if (url) {
        const client = new pg.Client({ connectionString: url })
        await client.connect()
        asOwner = async (statement, params = []) => {
          await client.query(statement, params)
        }
        closeOwner = () => client.end()
      } else {
        // PGlite: one connection, which runs as onestory_app after start-up; become the owner for a moment.
        asOwner = async (statement, params = []) => {
          await sql`reset role`.execute(t.database.db)
          try {
            await sql.raw(statement.replace(/\$(\d+)/g, (_m, index: string) => `'${String(params[Number(index) - 1])}'`)).execute(t.database.db)
          } finally {
            await sql`set role onestory_app`.execute(t.database.db)
          }
        }
      }
    })

    after(async () => {
      await closeOwner()
      await t.close()
    })

    async function tamper(statement: string, params: unknown[]) {
      await asOwner('alter table audit_events disable trigger user')
      try {
        await asOwner(statement, params)
      } finally {
        await asOwner('alter table audit_events enable trigger user')
      }
    }

    async function eventAt(seq: number) {
      const row = await t.database.db
        .selectFrom('auditEvents')
        .select(['id', 'seq', 'action', 'actorRoles', 'hash'])
        .where('authorityId', '=', authorityId)
        .where('seq', '=', seq)
        .executeTakeFirstOrThrow()
      return row
    }

    it('seals every event at commit: seq 1, 2, 3 … per authority, a hash each, the practitioner\'s roles recorded', async () => {
      const response = await coordinator.get(paths.audit())
      assert.equal(response.statusCode, 200)
      const rows = await t.database.db
        .selectFrom('auditEvents')
        .select(['seq', 'hash', 'action', 'actorRoles', 'actorKind'])
        .where('authorityId', '=', authorityId)
        .orderBy('seq')
        .execute()
      assert.ok(rows.length >= 2)
      assert.deepEqual(rows.map(row => row.seq), rows.map((_row, index) => index + 1))
      assert.ok(rows.every(row => row.hash !== null && /^[0-9a-f]{64}$/.test(row.hash)))
      const search = rows.find(row => row.action === 'audit.search')
      assert.deepEqual(search?.actorRoles, ['coordinator', 'practitioner'])
      const report = await verifyAuditChain(t.database.db)
      assert.equal(report.ok, true, JSON.stringify(report.problems))
      assert.equal(report.authorities.length, 2)
      const total = await t.database.db.selectFrom('auditEvents').select(eb => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()
      assert.equal(report.eventsVerified, Number(total.n))
    })

    it('the run-time role cannot set, change or forge seq and hash', async () => {
      await assert.rejects(
        t.database.db.updateTable('auditEvents').set({ action: 'x' }).where('authorityId', '=', authorityId).execute(),
      )
      await assert.rejects(sql`update audit_events set seq = 99 where authority_id = ${authorityId}`.execute(t.database.db))
      await assert.rejects(sql`select audit_chain_seal(${authorityId}::uuid, ${authorityId}::uuid)`.execute(t.database.db))
      // Inserting with seq and hash set: they are cleared, then sealed properly at commit.
      await sql`insert into audit_events (authority_id, id, at, actor_kind, action, outcome, seq, hash)
                values (${authorityId}, gen_random_uuid(), now(), 'system', 'forged', 'allowed', 1, 'abc')`.execute(t.database.db)
      const forged = await t.database.db.selectFrom('auditEvents').select(['seq', 'hash']).where('action', '=', 'forged').executeTakeFirstOrThrow()
      assert.notEqual(forged.seq, 1)
      assert.notEqual(forged.hash, 'abc')
      assert.equal((await verifyAuditChain(t.database.db)).ok, true)
    })

    it('50 concurrent audited requests still make one unbroken chain', async () => {
      const before = await verifyAuditChain(t.database.db, { authorityId })
      const responses = await Promise.all(Array.from({ length: 50 }, () => coordinator.get(paths.audit())))
      assert.deepEqual(
        responses.filter(response => response.statusCode !== 200).map(response => `${response.statusCode} ${response.body.slice(0, 300)}`),
        [],
      )
      const report = await verifyAuditChain(t.database.db, { authorityId })
      assert.equal(report.ok, true, JSON.stringify(report.problems))
      assert.ok(report.eventsVerified >= (before.eventsVerified + 50))
    })

    it('the command line verifies, and exits 0', async () => {
      const url = (t.database as { url?: string }).url
      if (!url) return // PGlite in memory: the command line opens its own database (see the folder test below)
      const out = collect()
      const code = await runCli(['audit', 'verify', '--authority', authorityId], { DATABASE_URL: url }, out.stream)
      assert.equal(code, 0, out.text())
      assert.match(out.text(), /Audit chain verified: \d+ event\(s\) in 1 authority chain/)
    })

    it('finds a row changed directly in the database', async () => {
      const target = await eventAt(3)
      await tamper('update audit_events set action = $1 where authority_id = $2 and id = $3', ['sign-out', authorityId, target.id])
      const report = await verifyAuditChain(t.database.db)
      assert.equal(report.ok, false)
      assert.deepEqual(report.problems.map(problem => [problem.authorityId, problem.kind, problem.seq, problem.eventId]), [
        [authorityId, 'changed', 3, target.id],
      ])
      assert.equal(report.authorities.find(chain => chain.authorityId === authorityId)?.eventsVerified, 2)
      // The other authority's chain is untouched.
      assert.equal((await verifyAuditChain(t.database.db, { authorityId: otherAuthorityId })).ok, true)
      // Put back exactly as it was, the chain verifies again.
      await tamper('update audit_events set action = $1 where authority_id = $2 and id = $3', [target.action, authorityId, target.id])
      assert.equal((await verifyAuditChain(t.database.db, { authorityId })).ok, true)
    })

    it('finds a deleted row', async () => {
      const target = await eventAt(5)
      const next = await eventAt(6)
      await tamper('delete from audit_events where authority_id = $1 and id = $2', [authorityId, target.id])
      const report = await verifyAuditChain(t.database.db, { authorityId })
      assert.equal(report.ok, false)
      const [problem] = report.problems
      assert.equal(problem?.kind, 'missing')
      assert.equal(problem?.seq, 5)
      assert.equal(problem?.eventId, next.id)
      assert.match(problem?.message ?? '', /Event 5 is missing/)
    })

    it('finds two events in one place, and an event never sealed', async () => {
      const fresh = await buildAuthority(t)
      await signIn(t, await buildUser(t, fresh.id, { roles: ['coordinator'] }))
      await signIn(t, await buildUser(t, fresh.id, { roles: ['coordinator'] }))
      assert.equal((await verifyAuditChain(t.database.db, { authorityId: fresh.id })).ok, true)
      await tamper(
        `insert into audit_events (authority_id, id, at, actor_kind, action, outcome) values ($1, gen_random_uuid(), now(), 'system', 'slipped-in', 'allowed')`,
        [fresh.id],
      )
      const unsealed = await verifyAuditChain(t.database.db, { authorityId: fresh.id })
      assert.equal(unsealed.problems[0]?.kind, 'unsealed')
      await tamper('drop index audit_events_chain_idx', [])
      await tamper(`update audit_events set seq = 1 where authority_id = $1 and seq = 2`, [fresh.id])
      const duplicated = await verifyAuditChain(t.database.db, { authorityId: fresh.id })
      assert.equal(duplicated.problems[0]?.kind, 'out-of-order')
      assert.equal(duplicated.problems[0]?.seq, 1)
    })

    it('the command line reports the first broken link and exits non-zero', async () => {
      const url = (t.database as { url?: string }).url
      if (!url) return
      const out = collect()
      const code = await runCli(['audit', 'verify'], { DATABASE_URL: url }, out.stream)
      assert.equal(code, 1)
      assert.match(out.text(), /Audit chain BROKEN/)
      assert.match(out.text(), new RegExp(`missing: authority ${authorityId}, seq 5, event`))
    })
  })
}

function collect() {
  let text = ''
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString()
      done()
    },
  })
  return { stream, text: () => text }
}
