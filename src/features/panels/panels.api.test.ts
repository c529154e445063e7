import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import type { LightMyRequestResponse } from 'fastify'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { buildTestApp, type Browser, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildLocality, buildUser, signIn, type TestUser } from '../../../test/helpers/builders.ts'
import { buildAuthorityWorld, buildLocalityEpisode, type AuthorityWorld } from '../../../test/helpers/world.ts'
import type { Role } from '../../db/schema.ts'
import { uuidv7 } from '../../lib/ids.ts'

// /api/v1 for panels and an episode's locality (docs/panels.md, "API"): the same service as the pages, so the same
// access, audit and emails; every bad input a specific problem+json and no change.

type Json = Record<string, unknown>
type Method = 'GET' | 'POST' | 'PUT'


function assertProblem(response: LightMyRequestResponse, status: number): Json {
  assert.equal(response.statusCode, status, response.body.slice(0, 400))
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/)
  const problem = response.json() as Json
  assert.equal(problem.status, status)
  assert.equal(typeof problem.detail, 'string')
  return problem
}

function ok(response: LightMyRequestResponse, status = 200): Json {
  assert.equal(response.statusCode, status, response.body.slice(0, 400))
  assert.match(String(response.headers['content-type']), /^application\/json/)
  return response.json() as Json
}

function fields(problem: Json): string[] {
  return ((problem.errors ?? []) as Array<{ field: string }>).map(error => error.field).sort()
}

for (const kind of databaseKinds()) {
  describe(`panels and locality API (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    let elsewhere: AuthorityWorld
    let localityB = ''
    const users: Record<'admin' | 'lead' | 'teamMate' | 'member' | 'otherMember' | 'coordinatorA' | 'coordinatorB' | 'outsider', TestUser | undefined> = {
      admin: undefined,
      lead: undefined,
      teamMate: undefined,
      member: undefined,
      otherMember: undefined,
      coordinatorA: undefined,
      coordinatorB: undefined,
      outsider: undefined,
    }
    type Who = keyof typeof users
    const tokens = new Map<Who, string>()
    const panels = { north: '', south: '', inactive: '' }
    const episodes = { inA: { id: '', reference: '' }, inB: { id: '', reference: '' }, closed: { id: '', reference: '' }, moving: { id: '', reference: '' } }
    let leadBrowser: Browser

    function user(who: Who): TestUser {
      const found = users[who]
      assert.ok(found)
      return found
    }

    /** Creates a personal API token through the real account page, as its owner would. */
    async function createToken(account: TestUser): Promise<{ token: string; browser: Browser }> {
      const browser = await signIn(t, account)
      const created = await browser.post('/account/api-tokens', { name: 'Panel script' })
      assert.equal(created.statusCode, 201, created.body.slice(0, 300))
      const token = load(created.body)('#api-token').text().trim()
      assert.match(token, /^os_/)
      return { token, browser }
    }

    function call(who: Who, method: Method, url: string, body?: unknown): Promise<LightMyRequestResponse> {
      const token = tokens.get(who)
      assert.ok(token)
      return t.app.inject({
        method,
        url: `/api/v1${url}`,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
      })
    }

    async function audits(who: Who, action: string, outcome: 'allowed' | 'denied'): Promise<Array<{ recordId: string | null; details: unknown }>> {
      return t.database.db
        .selectFrom('auditEvents')
        .select(['recordId', 'details'])
        .where('actorUserId', '=', user(who).id)
        .where('action', '=', action)
        .where('outcome', '=', outcome)
        .orderBy('id')
        .execute()
    }

    /** Expects 403 problem+json and one more denial audited for `who` under `action`. */
    async function refused(who: Who, action: string, request: () => Promise<LightMyRequestResponse>): Promise<void> {
      const before = (await audits(who, action, 'denied')).length
      assertProblem(await request(), 403)
      assert.equal((await audits(who, action, 'denied')).length, before + 1, `${who}: the refusal of ${action} is audited`)
    }

    async function listingRows(episodeId: string) {
      return t.database.db.selectFrom('panelListings').selectAll().where('authorityId', '=', world.authorityId).where('episodeId', '=', episodeId).orderBy('id').execute()
    }

    async function episodeRow(episodeId: string) {
      const row = await t.database.db.selectFrom('episodes').select(['localityId', 'version']).where('authorityId', '=', world.authorityId).where('id', '=', episodeId).executeTakeFirst()
      assert.ok(row)
      return { localityId: row.localityId, version: Number(row.version) }
    }

    /** An episode in support about a new child, in a locality, optionally led by `leadUser` (test/helpers/world.ts). */
    function episode(name: string, localityId: string, leadUser: TestUser | null, status: 'support' | 'closed' = 'support') {
      return buildLocalityEpisode(t, world, { name, familyName: 'Apiby', localityId, leadUser, status, teamMates: [user('teamMate')] })
    }

    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Apiby')
      elsewhere = await buildAuthorityWorld(t, 'Elsewhere')
      const db = t.database.db
      const authorityId = world.authorityId
      localityB = (await buildLocality(t, authorityId, 'Apiby Hillside')).id
      const account = (roles: Role[], name: string) => buildUser(t, authorityId, { roles, agencyIds: [world.agencyId], name })
      users.admin = await account(['administrator'], 'Ada Admin')
      users.lead = await account(['practitioner'], 'Lee Lead')
      users.teamMate = await account(['practitioner'], 'Tia Teammate')
      users.member = await account(['panel_member'], 'Pat Panel')
      users.otherMember = await account(['panel_member'], 'Oli Other')
      users.coordinatorA = await account(['coordinator'], 'Cora North')
      users.coordinatorB = await account(['coordinator'], 'Cody South')
      users.outsider = await account(['practitioner'], 'Otto Outsider')
      await db.insertInto('coordinatorLocalities').values({ authorityId, userId: user('coordinatorA').id, localityId: world.localityId }).execute()
      await db.insertInto('coordinatorLocalities').values({ authorityId, userId: user('coordinatorB').id, localityId: localityB }).execute()
      const now = t.clock.now()
      panels.north = uuidv7()
      panels.south = uuidv7()
      panels.inactive = uuidv7()
      await db.insertInto('panels').values({ authorityId, id: panels.north, name: 'Apiby North panel', localityId: world.localityId, createdAt: now }).execute()
      await db.insertInto('panels').values({ authorityId, id: panels.south, name: 'Apiby South panel', localityId: null, createdAt: now }).execute()
      await db.insertInto('panels').values({ authorityId, id: panels.inactive, name: 'Apiby Old panel', localityId: null, createdAt: now, active: false }).execute()
      const admin = user('admin').id
      await db.insertInto('panelMembers').values({ authorityId, panelId: panels.north, userId: user('member').id, addedByUserId: admin, addedAt: now }).execute()
      await db.insertInto('panelMembers').values({ authorityId, panelId: panels.north, userId: user('lead').id, addedByUserId: admin, addedAt: now }).execute()
      await db.insertInto('panelMembers').values({ authorityId, panelId: panels.south, userId: user('otherMember').id, addedByUserId: admin, addedAt: now }).execute()
      await db.insertInto('panelMembers').values({ authorityId, panelId: panels.inactive, userId: user('member').id, addedByUserId: admin, addedAt: now }).execute()
      episodes.inA = await episode('Northchild', world.localityId, user('lead'))
      episodes.inB = await episode('Southchild', localityB, null)
      episodes.closed = await episode('Closedchild', world.localityId, user('lead'), 'closed')
      episodes.moving = await episode('Movingchild', world.localityId, user('lead'))
      for (const who of Object.keys(users) as Who[]) {
        const created = await createToken(user(who))
        tokens.set(who, created.token)
        if (who === 'lead') leadBrowser = created.browser
      }
    })
    after(() => t.close())

    it('lists the panels: every panel with its members for an administrator, the active panels they sit on for a member; refuses anyone else', async () => {
      const forAdmin = ok(await call('admin', 'GET', '/panels'))
      assert.equal(forAdmin.view, 'administrator')
      const items = forAdmin.items as Json[]
      const north = items.find(item => item.id === panels.north)
      assert.ok(north)
      assert.equal(north.localityId, world.localityId)
      assert.deepEqual(
        (north.members as Json[]).map(member => [member.name, member.hasPanelMemberRole]),
        [
          ['Lee Lead', false],
          ['Pat Panel', true],
        ],
      )
      assert.equal(items.find(item => item.id === panels.inactive)?.active, false)
      assert.equal((await audits('admin', 'panel.manage', 'allowed')).length, 1, 'the read is audited as the panels page is')

      const forMember = ok(await call('member', 'GET', '/panels'))
      assert.equal(forMember.view, 'panel member')
      assert.deepEqual(
        (forMember.items as Json[]).map(item => [item.id, item.name, item.active, 'members' in item]),
        [[panels.north, 'Apiby North panel', true, false]],
        'only the active panels they sit on, without the members',
      )
      assert.equal((await audits('member', 'panel.view', 'allowed')).length, 1)
      assert.deepEqual(
        (ok(await call('otherMember', 'GET', '/panels')).items as Json[]).map(item => item.id),
        [panels.south],
      )

      await refused('lead', 'panel.manage', () => call('lead', 'GET', '/panels'))
      await refused('coordinatorA', 'panel.manage', () => call('coordinatorA', 'GET', '/panels'))
      assert.deepEqual(fields(assertProblem(await call('admin', 'GET', '/panels?view=all'), 400)), ['view'])
    })

    it('lists an episode at a panel as the lead professional, emailing the members; refuses bad input with a specific problem and stores nothing', async () => {
      const url = `/episodes/${episodes.inA.id}/panel-listings`
      const empty = assertProblem(await call('lead', 'POST', url, {}), 400)
      assert.deepEqual(fields(empty), ['panelId', 'reason'])
      assert.deepEqual(fields(assertProblem(await call('lead', 'POST', url, { panelId: panels.north, reason: '  ' }), 400)), ['reason'])
      assert.deepEqual(fields(assertProblem(await call('lead', 'POST', url, { panelId: panels.north, reason: 'x'.repeat(2001) }), 400)), ['reason'])
      assert.deepEqual(fields(assertProblem(await call('lead', 'POST', url, { panelId: panels.north, reason: 'Why', extra: 1 }), 400)), ['extra'])
      assert.deepEqual(fields(assertProblem(await call('lead', 'POST', url, { panelId: 'north', reason: 'Why' }), 400)), ['panelId'])
      assertProblem(await call('lead', 'POST', url, '{"panelId": '), 400)
      const unknown = assertProblem(await call('lead', 'POST', url, { panelId: uuidv7(), reason: 'Why' }), 422)
      assert.deepEqual(unknown.errors, [{ field: 'panelId', message: 'Choose a panel from the list' }])
      assertProblem(await call('lead', 'POST', url, { panelId: panels.inactive, reason: 'Why' }), 422)
      assertProblem(await call('lead', 'POST', url, { panelId: elsewhere.panelId, reason: 'Why' }), 422)
      const closed = assertProblem(await call('lead', 'POST', `/episodes/${episodes.closed.id}/panel-listings`, { panelId: panels.north, reason: 'Why' }), 422)
      assert.match(String(closed.detail), /has ended/)
      assert.deepEqual(await listingRows(episodes.inA.id), [])
      assert.deepEqual(await listingRows(episodes.closed.id), [])

      // Refused whatever they send: a team member who is not the lead, a panel member, someone not on the team.
      await refused('teamMate', 'panel.list-episode', () => call('teamMate', 'POST', url, { panelId: panels.north, reason: 'Why' }))
      await refused('teamMate', 'panel.list-episode', () => call('teamMate', 'POST', url, {}))
      await refused('member', 'panel.list-episode', () => call('member', 'POST', url, { panelId: panels.north, reason: 'Why' }))
      await refused('outsider', 'panel.list-episode', () => call('outsider', 'GET', url))
      assertProblem(await call('lead', 'POST', `/episodes/${elsewhere.episodeId}/panel-listings`, { panelId: elsewhere.panelId, reason: 'Why' }), 404)
      assertProblem(await call('lead', 'POST', '/episodes/not-an-id/panel-listings', { panelId: panels.north, reason: 'Why' }), 404)
      assert.deepEqual(await listingRows(episodes.inA.id), [])

      const listed = ok(await call('lead', 'POST', url, { panelId: panels.north.toUpperCase(), reason: 'Needs a multi-agency view' }), 201)
      assert.equal(listed.panelId, panels.north)
      assert.equal(listed.panelName, 'Apiby North panel')
      assert.equal(listed.listedBy, 'Lee Lead')
      assert.equal(listed.endedAt, null)
      const rows = await listingRows(episodes.inA.id)
      assert.deepEqual(rows.map(row => [row.id, row.reason]), [[listed.id, 'Needs a multi-agency view']])
      const events = await audits('lead', 'panel.list-episode', 'allowed')
      assert.ok(events.some(event => event.recordId === episodes.inA.id && JSON.stringify(event.details).includes(String(listed.id))), JSON.stringify(events))
      const mail = await t.database.db.selectFrom('outbox').select(['recipient', 'bodyText']).where('authorityId', '=', world.authorityId).where('subject', '=', 'An episode has been listed at Apiby North panel').execute()
      assert.deepEqual(mail.map(message => message.recipient).sort(), [user('lead').email, user('member').email].sort())
      assert.ok(mail.every(message => !message.bodyText.includes('Northchild')), 'no child’s name in the email')

      const again = assertProblem(await call('lead', 'POST', url, { panelId: panels.north, reason: 'Again' }), 422)
      assert.match(String(again.detail), /already listed at Apiby North panel/)
      assert.equal((await listingRows(episodes.inA.id)).length, 1)

      // A coordinator of locality B lists B's episode (and may not list A's).
      ok(await call('coordinatorB', 'POST', `/episodes/${episodes.inB.id}/panel-listings`, { panelId: panels.north, reason: 'Housing and school' }), 201)
      await refused('coordinatorB', 'panel.list-episode', () => call('coordinatorB', 'POST', url, { panelId: panels.south, reason: 'Why' }))

      const page = ok(await call('lead', 'GET', url))
      assert.equal(page.reference, episodes.inA.reference)
      assert.deepEqual((page.listings as Json[]).map(listing => listing.id), [listed.id])
      assert.deepEqual((page.panels as Json[]).map(panel => panel.id).sort(), [panels.north, panels.south, world.panelId].sort(), 'active panels only')
    })

    it('shows what is listed at a panel to its members and to coordinators of the area only', async () => {
      const url = `/panels/${panels.north}/listings`
      const forMember = ok(await call('member', 'GET', url))
      assert.equal((forMember.panel as Json).name, 'Apiby North panel')
      // Both were listed at the same (test clock) instant: their order is the listing id's, so compare them sorted.
      assert.deepEqual(
        (forMember.items as Json[]).map(item => [item.reference, item.reason, item.listedBy]).sort(),
        [
          [episodes.inA.reference, 'Needs a multi-agency view', 'Lee Lead'],
          [episodes.inB.reference, 'Housing and school', 'Cody South'],
        ].sort(),
      )
      assert.ok((await audits('member', 'panel.view', 'allowed')).some(event => event.recordId === panels.north))

      // Coordinators: each sees the listings of the episodes of their own area, each read audited as the episode's.
      const forA = ok(await call('coordinatorA', 'GET', url))
      assert.deepEqual((forA.items as Json[]).map(item => item.episodeId), [episodes.inA.id])
      assert.ok((await audits('coordinatorA', 'panel.list-episode', 'allowed')).some(event => event.recordId === episodes.inA.id))
      const forB = ok(await call('coordinatorB', 'GET', url))
      assert.deepEqual((forB.items as Json[]).map(item => item.episodeId), [episodes.inB.id])

      await refused('otherMember', 'panel.view', () => call('otherMember', 'GET', url))
      await refused('member', 'panel.view', () => call('member', 'GET', `/panels/${panels.inactive}/listings`))
      await refused('lead', 'panel.view', () => call('lead', 'GET', url))
      await refused('admin', 'panel.view', () => call('admin', 'GET', url))
      assertProblem(await call('member', 'GET', `/panels/${elsewhere.panelId}/listings`), 404)
      assertProblem(await call('coordinatorA', 'GET', `/panels/${uuidv7()}/listings`), 404)
      assertProblem(await call('member', 'GET', '/panels/42/listings'), 404)
      assertProblem(await call('member', 'GET', `${url}?page=2`), 400)
    })

    it('takes an episode off a panel as the web page does: refused to others, a second time 422', async () => {
      const [listing] = await listingRows(episodes.inA.id)
      assert.ok(listing)
      const url = `/episodes/${episodes.inA.id}/panel-listings/${listing.id}/remove`
      await refused('teamMate', 'panel.list-episode', () => call('teamMate', 'POST', url, { confirm: true }))
      await refused('member', 'panel.list-episode', () => call('member', 'POST', url, { confirm: true }))
      assert.deepEqual(fields(assertProblem(await call('lead', 'POST', url, {}), 400)), ['confirm'])
      assert.deepEqual(fields(assertProblem(await call('lead', 'POST', url, { confirm: 'yes' }), 400)), ['confirm'])
      const [otherListing] = await listingRows(episodes.inB.id)
      assert.ok(otherListing)
      assertProblem(await call('lead', 'POST', `/episodes/${episodes.inA.id}/panel-listings/${otherListing.id}/remove`, { confirm: true }), 404)
      assertProblem(await call('lead', 'POST', `/episodes/${episodes.inA.id}/panel-listings/${uuidv7()}/remove`, { confirm: true }), 404)
      assertProblem(await call('lead', 'POST', `/episodes/${elsewhere.episodeId}/panel-listings/${elsewhere.listingId}/remove`, { confirm: true }), 404)
      assert.equal((await listingRows(episodes.inA.id))[0]?.endedAt, null)

      const ended = ok(await call('lead', 'POST', url, { confirm: true }))
      assert.equal(ended.id, listing.id)
      assert.equal(ended.endedBy, 'Lee Lead')
      assert.equal(typeof ended.endedAt, 'string')
      assert.match(String(assertProblem(await call('lead', 'POST', url, { confirm: true }), 422).detail), /already been taken off Apiby North panel/)
      const listed = ok(await call('member', 'GET', `/panels/${panels.north}/listings`))
      assert.deepEqual((listed.items as Json[]).map(item => item.episodeId), [episodes.inB.id], 'taken off: no longer listed')
    })

    it('reads and moves an episode’s locality: stale 409, same, unknown or closed 422, bad body 400, others 403 or 404, nothing changed', async () => {
      const url = `/episodes/${episodes.moving.id}/locality`
      const read = ok(await call('lead', 'GET', url))
      assert.equal(read.localityId, world.localityId)
      assert.equal(read.reference, episodes.moving.reference)
      assert.ok((read.localities as Json[]).some(locality => locality.id === localityB))
      const version = Number(read.version)
      const before = await episodeRow(episodes.moving.id)
      assert.equal(before.version, version)

      const stale = assertProblem(await call('lead', 'PUT', url, { localityId: localityB, version: version + 3 }), 409)
      assert.match(String(stale.detail), /Someone else changed this episode/)
      assert.match(String(assertProblem(await call('lead', 'PUT', url, { localityId: world.localityId, version }), 422).detail), /already in this locality/)
      assertProblem(await call('lead', 'PUT', url, { localityId: elsewhere.localityId, version }), 422)
      assertProblem(await call('lead', 'PUT', url, { localityId: uuidv7(), version }), 422)
      assertProblem(await call('lead', 'PUT', `/episodes/${episodes.closed.id}/locality`, { localityId: localityB, version: 1 }), 422)
      assert.deepEqual(fields(assertProblem(await call('lead', 'PUT', url, {}), 400)), ['localityId', 'version'])
      assert.deepEqual(fields(assertProblem(await call('lead', 'PUT', url, { localityId: localityB, version: '1' }), 400)), ['version'])
      assert.deepEqual(fields(assertProblem(await call('lead', 'PUT', url, { localityId: localityB, version: 1.5 }), 400)), ['version'])
      assert.deepEqual(fields(assertProblem(await call('lead', 'PUT', url, { localityId: 'Hillside', version }), 400)), ['localityId'])
      assert.deepEqual(fields(assertProblem(await call('lead', 'PUT', url, { localityId: localityB, version, reason: 'moved' }), 400)), ['reason'])
      assertProblem(await call('lead', 'PUT', url, 'null'), 400)
      await refused('teamMate', 'episode.locality', () => call('teamMate', 'PUT', url, { localityId: localityB, version }))
      await refused('teamMate', 'episode.locality', () => call('teamMate', 'GET', url))
      await refused('coordinatorB', 'episode.locality', () => call('coordinatorB', 'PUT', url, { localityId: localityB, version }))
      await refused('outsider', 'episode.locality', () => call('outsider', 'PUT', url, {}))
      assertProblem(await call('lead', 'GET', `/episodes/${elsewhere.episodeId}/locality`), 404)
      assertProblem(await call('lead', 'PUT', `/episodes/${elsewhere.episodeId}/locality`, { localityId: localityB, version: 1 }), 404)
      // With the session cookie, a change needs the CSRF header.
      const cookie = [...leadBrowser.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
      const noCsrf = await t.app.inject({ method: 'PUT', url: `/api/v1${url}`, headers: { cookie, 'content-type': 'application/json' }, payload: JSON.stringify({ localityId: localityB, version }) })
      assert.equal(noCsrf.statusCode, 403)
      assert.deepEqual(await episodeRow(episodes.moving.id), before, 'nothing changed')

      const moved = ok(await call('lead', 'PUT', url, { localityId: localityB, version }))
      assert.deepEqual(moved, { episodeId: episodes.moving.id, localityId: localityB, localityName: 'Apiby Hillside', version: version + 1, stillVisibleToYou: true })
      assert.deepEqual(await episodeRow(episodes.moving.id), { localityId: localityB, version: version + 1 })
      const events = await audits('lead', 'episode.locality', 'allowed')
      assert.ok(events.some(event => JSON.stringify(event.details).includes(`"from":"${world.localityId}"`) && JSON.stringify(event.details).includes(`"to":"${localityB}"`)), JSON.stringify(events))

      // The coordinator of B now moves it back to A: they no longer see it.
      const back = ok(await call('coordinatorB', 'PUT', url, { localityId: world.localityId, version: version + 1 }))
      assert.equal(back.stillVisibleToYou, false)
      await refused('coordinatorB', 'episode.locality', () => call('coordinatorB', 'GET', url))
      assert.equal(ok(await call('coordinatorA', 'GET', url)).localityId, world.localityId)
    })

    it('describes the new paths in the OpenAPI document', async () => {
      const document = ok(await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' }))
      const paths = document.paths as Record<string, Record<string, Json>>
      const operations = (path: string) => Object.keys(paths[path] ?? {}).sort()
      assert.deepEqual(operations('/panels'), ['get'])
      assert.deepEqual(operations('/panels/{panelId}/listings'), ['get'])
      assert.deepEqual(operations('/episodes/{episodeId}/panel-listings'), ['get', 'post'])
      assert.deepEqual(operations('/episodes/{episodeId}/panel-listings/{listingId}/remove'), ['post'])
      assert.deepEqual(operations('/episodes/{episodeId}/locality'), ['get', 'put'])
      const put = paths['/episodes/{episodeId}/locality']?.put
      assert.ok(put)
      assert.equal(put['x-onestory-action'], 'episode.locality')
      assert.deepEqual(Object.keys(put.responses as Json).sort(), ['200', '400', '401', '403', '404', '409', '413', '415', '429'])
      const list = paths['/panels']?.get
      assert.match(String(list?.description), /Who may call it: practitioners with the role administrator or panel_member\./)
      assert.ok('403' in (list?.responses as Json))
    })
  })
}
