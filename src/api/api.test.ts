import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import type { LightMyRequestResponse } from 'fastify'
import { hashSecret } from '../lib/ids.ts'
import { databaseKinds } from '../../test/helpers/database.ts'
import { type Browser, buildTestApp, type TestApp } from '../../test/helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildLocality, buildUser, signIn, type TestUser } from '../../test/helpers/builders.ts'

type Json = Record<string, unknown>

function cookieHeader(browser: Browser): string {
  return [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
}

function assertProblem(response: LightMyRequestResponse, status: number): Json {
  assert.equal(response.statusCode, status, response.body.slice(0, 300))
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/)
  const problem = response.json() as Json
  assert.equal(problem.status, status)
  assert.equal(problem.type, 'about:blank')
  assert.equal(typeof problem.title, 'string')
  assert.equal(typeof problem.detail, 'string')
  return problem
}

for (const kind of databaseKinds()) {
  describe(`JSON API /api/v1 (${kind})`, () => {
    let t: TestApp
    let authorityId: string
    let otherAuthorityId: string
    let localityId: string
    let agencyId: string
    let administrator: TestUser
    let coordinator: TestUser
    let practitioner: TestUser
    let stranger: TestUser
    const tokens = new Map<string, string>()

    /** Creates a token through the real page, as its owner would, and returns what the page showed once. */
    async function createToken(user: TestUser, name = 'Test script'): Promise<{ token: string; browser: Browser }> {
      const browser = await signIn(t, user)
      const page = await browser.get('/account/api-tokens')
      assert.equal(page.statusCode, 200)
      const created = await browser.post('/account/api-tokens', { name })
      assert.equal(created.statusCode, 201, created.body.slice(0, 500))
      const token = load(created.body)('#api-token').text().trim()
      assert.match(token, /^os_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/)
      return { token, browser }
    }

    async function tokenFor(user: TestUser): Promise<string> {
      const existing = tokens.get(user.id)
      if (existing) return existing
      const { token } = await createToken(user)
      tokens.set(user.id, token)
      return token
    }

    function call(method: 'GET' | 'POST', url: string, options: { token?: string; headers?: Record<string, string>; payload?: string | Buffer } = {}) {
      return t.app.inject({
        method,
        url,
        headers: { ...(options.token ? { authorization: `Bearer ${options.token}` } : {}), ...options.headers },
        ...(options.payload !== undefined ? { payload: options.payload } : {}),
      })
    }

    async function auditCount(action: string, outcome: 'allowed' | 'denied', actorUserId: string): Promise<number> {
      const rows = await t.database.db
        .selectFrom('auditEvents')
        .select('id')
        .where('action', '=', action)
        .where('outcome', '=', outcome)
        .where('actorUserId', '=', actorUserId)
        .execute()
      return rows.length
    }

    before(async () => {
      t = await buildTestApp(kind)
      authorityId = (await buildAuthority(t)).id
      otherAuthorityId = (await buildAuthority(t)).id
      localityId = (await buildLocality(t, authorityId, 'North Riverside')).id
      agencyId = (await buildAgency(t, authorityId, { name: 'Riverside Primary', kind: 'school', localityId })).id
      await buildAgency(t, authorityId, { name: 'Town Health Visiting', kind: 'health_visiting' })
      administrator = await buildUser(t, authorityId, { roles: ['administrator'], agencyIds: [agencyId] })
      coordinator = await buildUser(t, authorityId, { roles: ['coordinator'], agencyIds: [agencyId] })
      practitioner = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [agencyId] })
      stranger = await buildUser(t, otherAuthorityId, { roles: ['administrator'] })
    })
    after(() => t.close())

    it('creates a token on the account page, uses it, and refuses it once revoked', async () => {
      const { token, browser } = await createToken(practitioner, 'Nightly export')
      const stored = await t.database.db.selectFrom('apiTokens').selectAll().where('userId', '=', practitioner.id).where('name', '=', 'Nightly export').executeTakeFirstOrThrow()
      assert.equal(stored.tokenHash, hashSecret(token), 'only the hash is stored')
      assert.ok(token.startsWith(`os_${stored.prefix}_`))
      assert.equal(stored.lastUsedAt, null)

      const me = await call('GET', '/api/v1/me', { token })
      assert.equal(me.statusCode, 200)
      assert.match(String(me.headers['content-type']), /^application\/json/)
      const body = me.json() as Json
      assert.equal(body.id, practitioner.id)
      assert.equal(body.authenticatedBy, 'api-token')
      assert.deepEqual(body.roles, ['practitioner'])
      assert.deepEqual(body.authority, { id: authorityId, name: (body.authority as Json).name })
      const used = await t.database.db.selectFrom('apiTokens').select('lastUsedAt').where('id', '=', stored.id).executeTakeFirstOrThrow()
      assert.ok(used.lastUsedAt, 'last use is recorded')

      const list = await browser.get('/account/api-tokens')
      assert.ok(list.body.includes('Nightly export'))
      assert.ok(list.body.includes(`os_${stored.prefix}_`))
      assert.ok(!list.body.includes(token), 'the token is never shown again')

      const revoked = await browser.post(`/account/api-tokens/${stored.id}/revoke`, { confirm: 'yes' })
      assert.equal(revoked.statusCode, 303)
      assert.equal(revoked.headers.location, '/account/api-tokens?done=revoked')
      const refused = await call('GET', '/api/v1/me', { token })
      assertProblem(refused, 401)
      assert.match(String(refused.headers['www-authenticate']), /^Bearer/)
      const audit = await t.database.db
        .selectFrom('auditEvents')
        .select(['action', 'outcome', 'purpose'])
        .where('recordType', '=', 'api-token')
        .where('recordId', '=', stored.id)
        .execute()
      assert.ok(audit.some(event => event.purpose === 'create' && event.outcome === 'allowed'))
      assert.ok(audit.some(event => event.purpose === 'revoke' && event.outcome === 'allowed'))
      assert.ok(audit.some(event => event.action === 'api-token.use' && event.outcome === 'denied'), 'use of a revoked token is audited')
    })

    it('records last use at most once a minute', async () => {
      const { token } = await createToken(practitioner, 'Touch test')
      const hash = hashSecret(token)
      const lastUsed = async () => (await t.database.db.selectFrom('apiTokens').select('lastUsedAt').where('tokenHash', '=', hash).executeTakeFirstOrThrow()).lastUsedAt?.getTime()
      assert.equal((await call('GET', '/api/v1/me', { token })).statusCode, 200)
      const first = await lastUsed()
      t.clock.advanceMinutes(0.5)
      assert.equal((await call('GET', '/api/v1/localities', { token })).statusCode, 200)
      assert.equal(await lastUsed(), first)
      t.clock.advanceMinutes(1)
      assert.equal((await call('GET', '/api/v1/localities', { token })).statusCode, 200)
      assert.ok(((await lastUsed()) ?? 0) > (first ?? 0))
    })

    it('answers 401 problem+json without credentials, with a malformed header, an unknown token, or a deactivated user', async () => {
      assertProblem(await call('GET', '/api/v1/me'), 401)
      assertProblem(await call('GET', '/api/v1/users'), 401)
      assertProblem(await call('POST', '/api/v1/localities', { headers: { 'content-type': 'application/json' }, payload: '{"name":"X"}' }), 401)
      assertProblem(await call('GET', '/api/v1/me', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }), 401)
      assertProblem(await call('GET', '/api/v1/me', { headers: { authorization: 'Bearer' } }), 401)
      assertProblem(await call('GET', '/api/v1/me', { token: `os_deadbeef_${'A'.repeat(43)}` }), 401)
      assertProblem(await call('GET', '/api/v1/me', { token: 'not-a-token' }), 401)
      const leaver = await buildUser(t, authorityId, { roles: ['administrator'] })
      const { token } = await createToken(leaver)
      assert.equal((await call('GET', '/api/v1/me', { token })).statusCode, 200)
      await t.database.db.updateTable('users').set({ status: 'deactivated' }).where('id', '=', leaver.id).execute()
      assertProblem(await call('GET', '/api/v1/me', { token }), 401)
    })

    it('checks roles: a practitioner is refused the users (audited), a coordinator reads the audit log', async () => {
      const practitionerToken = await tokenFor(practitioner)
      const deniedBefore = await auditCount('user.list', 'denied', practitioner.id)
      assertProblem(await call('GET', '/api/v1/users', { token: practitionerToken }), 403)
      assert.equal(await auditCount('user.list', 'denied', practitioner.id), deniedBefore + 1)
      assertProblem(await call('GET', `/api/v1/users/${administrator.id}`, { token: practitionerToken }), 403)
      assertProblem(await call('GET', '/api/v1/audit-events', { token: practitionerToken }), 403)

      const coordinatorToken = await tokenFor(coordinator)
      const events = await call('GET', `/api/v1/audit-events?actorUserId=${practitioner.id}&recordType=user&pageSize=5`, { token: coordinatorToken })
      assert.equal(events.statusCode, 200, events.body)
      const page = events.json() as { items: Json[]; total: number; pageSize: number; page: number }
      assert.equal(page.pageSize, 5)
      assert.equal(page.page, 1)
      assert.ok(page.total >= 1)
      assert.ok(page.items.every(event => event.actorUserId === practitioner.id && event.recordType === 'user'))
      assert.ok(page.items.some(event => event.action === 'user.list' && event.outcome === 'denied'))
      assert.ok((await auditCount('audit.search', 'allowed', coordinator.id)) >= 1, 'the search is audited')
      assertProblem(await call('GET', '/api/v1/users', { token: coordinatorToken }), 403)

      const future = new Date(t.clock.now().getTime() + 3_600_000).toISOString()
      const none = await call('GET', `/api/v1/audit-events?from=${encodeURIComponent(future)}`, { token: coordinatorToken })
      assert.equal(none.statusCode, 200)
      assert.equal((none.json() as { total: number }).total, 0)
      const reversed = assertProblem(await call('GET', `/api/v1/audit-events?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`, { token: coordinatorToken }), 400)
      assert.deepEqual((reversed.errors as Json[]).map(error => error.field), ['to'])
      assertProblem(await call('GET', '/api/v1/audit-events?from=yesterday', { token: coordinatorToken }), 400)
    })

    it('writes an audit row for each read of users', async () => {
      const token = await tokenFor(administrator)
      const listBefore = await auditCount('user.list', 'allowed', administrator.id)
      const viewBefore = await auditCount('user.view', 'allowed', administrator.id)
      const list = await call('GET', '/api/v1/users?page=1&pageSize=2', { token })
      assert.equal(list.statusCode, 200, list.body)
      const page = list.json() as { items: Json[]; total: number; totalPages: number; pageSize: number }
      assert.equal(page.items.length, 2)
      assert.equal(page.pageSize, 2)
      assert.ok(page.total >= 4)
      assert.equal(page.totalPages, Math.ceil(page.total / 2))
      for (const item of page.items) {
        assert.deepEqual(Object.keys(item).sort(), ['agencyIds', 'createdAt', 'deactivatedAt', 'email', 'id', 'lastSignInAt', 'name', 'roles', 'secondFactorEnabled', 'status'])
      }
      assert.ok(!list.body.includes('argon2'), 'no password hashes')
      await call('GET', '/api/v1/users?page=2&pageSize=2', { token })
      const one = await call('GET', `/api/v1/users/${practitioner.id}`, { token })
      assert.equal(one.statusCode, 200)
      assert.equal((one.json() as Json).email, practitioner.email)
      assert.equal(await auditCount('user.list', 'allowed', administrator.id), listBefore + 2)
      assert.equal(await auditCount('user.view', 'allowed', administrator.id), viewBefore + 1)
      const viewed = await t.database.db.selectFrom('auditEvents').select('recordId').where('action', '=', 'user.view').where('actorUserId', '=', administrator.id).execute()
      assert.ok(viewed.some(event => event.recordId === practitioner.id))
      assertProblem(await call('GET', '/api/v1/users?pageSize=101', { token }), 400)
      assertProblem(await call('GET', '/api/v1/users?page=0', { token }), 400)
      assertProblem(await call('GET', '/api/v1/users?page=1&page=2', { token }), 400)
    })

    it('answers 404 for another authority’s records and for malformed ids, never a database error', async () => {
      const token = await tokenFor(administrator)
      assertProblem(await call('GET', `/api/v1/users/${stranger.id}`, { token }), 404)
      const otherAgency = await buildAgency(t, otherAuthorityId, { name: 'Elsewhere School' })
      assertProblem(await call('GET', `/api/v1/agencies/${otherAgency.id}`, { token }), 404)
      for (const bad of ['not-a-uuid', '1', "1'%20or%20'1'='1", '00000000-0000-0000-0000-00000000000g', 'x'.repeat(150)]) {
        assertProblem(await call('GET', `/api/v1/users/${bad}`, { token }), 404)
        assertProblem(await call('GET', `/api/v1/agencies/${bad}`, { token }), 404)
      }
      const mine = await call('GET', `/api/v1/agencies/${agencyId.toUpperCase()}`, { token })
      assert.equal(mine.statusCode, 200)
      assert.equal((mine.json() as Json).localityName, 'North Riverside')
      const strangerToken = await tokenFor(stranger)
      const theirs = await call('GET', '/api/v1/agencies', { token: strangerToken })
      assert.deepEqual((theirs.json() as { items: Json[] }).items.map(agency => agency.name), ['Elsewhere School'])
    })

    it('filters agencies by kind and locality and refuses unknown query parameters', async () => {
      const token = await tokenFor(practitioner)
      const all = await call('GET', '/api/v1/agencies', { token })
      assert.deepEqual((all.json() as { items: Json[] }).items.map(agency => agency.name), ['Riverside Primary', 'Town Health Visiting'])
      const schools = await call('GET', '/api/v1/agencies?kind=school', { token })
      assert.deepEqual((schools.json() as { items: Json[] }).items.map(agency => agency.name), ['Riverside Primary'])
      const local = await call('GET', `/api/v1/agencies?localityId=${localityId}`, { token })
      assert.deepEqual((local.json() as { items: Json[] }).items.map(agency => agency.id), [agencyId])
      const unknown = assertProblem(await call('GET', '/api/v1/agencies?colour=blue', { token }), 400)
      assert.deepEqual(unknown.errors, [{ field: 'colour', message: 'This query parameter is not accepted' }])
      const badKind = assertProblem(await call('GET', '/api/v1/agencies?kind=bakery', { token }), 400)
      assert.deepEqual((badKind.errors as Json[]).map(error => error.field), ['kind'])
      assertProblem(await call('GET', '/api/v1/me?verbose=1', { token }), 400)
      const localities = await call('GET', '/api/v1/localities', { token })
      assert.deepEqual((localities.json() as { items: Json[] }).items.map(locality => locality.id), [localityId])
    })

    it('adds a locality for an administrator, and refuses bad bodies with problem+json', async () => {
      const token = await tokenFor(administrator)
      const json = { 'content-type': 'application/json' }
      const created = await call('POST', '/api/v1/localities', { token, headers: json, payload: JSON.stringify({ name: '  South Hill  ' }) })
      assert.equal(created.statusCode, 201, created.body)
      const locality = created.json() as Json
      assert.equal(locality.name, 'South Hill')
      const row = await t.database.db.selectFrom('localities').selectAll().where('id', '=', String(locality.id)).executeTakeFirstOrThrow()
      assert.equal(row.authorityId, authorityId)
      assert.equal(await auditCount('locality.manage', 'allowed', administrator.id), 1)

      assertProblem(await call('POST', '/api/v1/localities', { token, headers: json, payload: JSON.stringify({ name: 'south hill' }) }), 409)
      const malformed = assertProblem(await call('POST', '/api/v1/localities', { token, headers: json, payload: '{"name": "Broken' }), 400)
      assert.match(String(malformed.detail), /JSON/)
      assertProblem(await call('POST', '/api/v1/localities', { token, headers: json, payload: '' }), 400)
      assertProblem(await call('POST', '/api/v1/localities', { token, headers: json, payload: '{"__proto__": {"admin": true}, "name": "P"}' }), 400)
      const unknownField = assertProblem(await call('POST', '/api/v1/localities', { token, headers: json, payload: JSON.stringify({ name: 'East', colour: 'blue' }) }), 400)
      assert.deepEqual(unknownField.errors, [{ field: 'colour', message: 'This field is not accepted' }])
      const missing = assertProblem(await call('POST', '/api/v1/localities', { token, headers: json, payload: '{}' }), 400)
      assert.deepEqual(missing.errors, [{ field: 'name', message: 'This is required' }])
      const nul = assertProblem(await call('POST', '/api/v1/localities', { token, headers: json, payload: JSON.stringify({ name: 'a\u0000b' }) }), 400)
      assert.deepEqual((nul.errors as Json[]).map(error => error.field), ['name'])
      assertProblem(await call('POST', '/api/v1/localities', { token, headers: json, payload: JSON.stringify({ name: 'x'.repeat(101) }) }), 400)
      assertProblem(await call('POST', '/api/v1/localities', { token, headers: json, payload: '[1,2]' }), 400)
      assertProblem(await call('POST', '/api/v1/localities', { token, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=Form' }), 415)
      assertProblem(await call('POST', '/api/v1/localities', { token, headers: { 'content-type': 'text/plain' }, payload: 'name' }), 415)
      assertProblem(await call('POST', '/api/v1/localities', { token, payload: '{"name":"No type"}' }), 415)
      assertProblem(await call('POST', '/api/v1/localities', { token, headers: json, payload: JSON.stringify({ name: 'x'.repeat(70 * 1024) }) }), 413)

      const practitionerToken = await tokenFor(practitioner)
      assertProblem(await call('POST', '/api/v1/localities', { token: practitionerToken, headers: json, payload: JSON.stringify({ name: 'Sneaky' }) }), 403)
      const names = (await t.database.db.selectFrom('localities').select('name').where('authorityId', '=', authorityId).execute()).map(item => item.name).sort()
      assert.deepEqual(names, ['North Riverside', 'South Hill'])
    })

    it('accepts the session cookie, with the CSRF header for changes', async () => {
      const browser = await signIn(t, administrator)
      await browser.get('/account')
      const me = await call('GET', '/api/v1/me', { headers: { cookie: cookieHeader(browser) } })
      assert.equal(me.statusCode, 200)
      assert.equal((me.json() as Json).authenticatedBy, 'session')
      const json = { cookie: cookieHeader(browser), 'content-type': 'application/json' }
      assertProblem(await call('POST', '/api/v1/localities', { headers: json, payload: JSON.stringify({ name: 'Cookie Vale' }) }), 403)
      assertProblem(await call('POST', '/api/v1/localities', { headers: { ...json, 'x-csrf-token': 'wrong' }, payload: JSON.stringify({ name: 'Cookie Vale' }) }), 403)
      const created = await call('POST', '/api/v1/localities', { headers: { ...json, 'x-csrf-token': browser.csrfToken }, payload: JSON.stringify({ name: 'Cookie Vale' }) })
      assert.equal(created.statusCode, 201, created.body)
    })

    it('serves the OpenAPI document without credentials', async () => {
      const response = await call('GET', '/api/v1/openapi.json')
      assert.equal(response.statusCode, 200)
      assert.equal((response.json() as Json).openapi, '3.1.1')
      assertProblem(await call('GET', '/api/v1/nothing-here', { token: await tokenFor(practitioner) }), 404)
    })
  })
}

for (const kind of databaseKinds()) {
  describe(`JSON API rate limit (${kind})`, () => {
    let t: TestApp
    before(async () => {
      t = await buildTestApp(kind, { env: { RATE_LIMIT_PER_MINUTE: '3' } })
    })
    after(() => t.close())

    it('answers 429 problem+json once the limit is reached, before checking credentials', async () => {
      const statuses: number[] = []
      for (let attempt = 0; attempt < 5; attempt++) {
        const response = await t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer os_deadbeef_${'B'.repeat(43)}` } })
        statuses.push(response.statusCode)
        if (response.statusCode === 429) {
          assertProblem(response, 429)
          assert.ok(Number(response.headers['retry-after']) > 0)
        }
      }
      assert.deepEqual(statuses, [401, 401, 401, 429, 429])
    })
  })
}
