import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { uuidv7 } from '../../src/lib/ids.ts'
import { insertPlanAction } from '../../src/features/plans/plan-actions.ts'
import { databaseKinds } from '../helpers/database.ts'
import { buildTestApp, type Browser, type TestApp } from '../helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildUser, signIn } from '../helpers/builders.ts'

// Issue 7, concurrency: many people updating one action of a plan at once. Every update names the version it read;
// the database decides which one wins, the others are told (409) and nothing is lost or half-applied.

const WRITERS = 100
/** Writers that retry until they get through: each round lets one through, so the attempts grow with the square. */
const RETRYING_WRITERS = 20

for (const kind of databaseKinds()) {
  describe(`concurrent updates of one plan action (${kind})`, () => {
    let t: TestApp
    let episodeId: string
    let actionId: string
    let browsers: Browser[]

    const headers = (browser: Browser) => ({
      cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; '),
      'x-csrf-token': browser.csrfToken,
      'content-type': 'application/json',
    })
    const url = () => `/api/v1/episodes/${episodeId}/plan/actions/${actionId}`
    const patch = (browser: Browser, body: Record<string, unknown>) => t.app.inject({ method: 'PATCH', url: url(), headers: headers(browser), payload: JSON.stringify(body) })
    const history = async () =>
      (await sql<{ status: string | null; note: string | null }>`select status, note from plan_action_updates where action_id = ${actionId} order by at, id`.execute(t.database.db)).rows
    const current = async () => t.database.db.selectFrom('planActions').select(['status', 'version']).where('id', '=', actionId).executeTakeFirstOrThrow()

    before(async () => {
      t = await buildTestApp(kind)
      const authority = await buildAuthority(t)
      const agencyId = (await buildAgency(t, authority.id)).id
      const db = t.database.db
      // Four practitioners on the team, each with a session of their own (several requests share each session).
      const team = await Promise.all([1, 2, 3, 4].map(n => buildUser(t, authority.id, { roles: ['practitioner'], agencyIds: [agencyId], name: `Writer ${n}` })))
      episodeId = uuidv7()
      const now = t.clock.now()
      await db.insertInto('episodes').values({ authorityId: authority.id, id: episodeId, reference: 'EH-2026-CONCUR', scope: 'child', householdId: null, localityId: null, agencyId, status: 'support', outcome: null, startedByUserId: team[0]?.id ?? '', startedAt: now, closedAt: null, templateVersionId: null }).execute()
      for (const [index, user] of team.entries()) {
        await db.insertInto('episodeMembers').values({ authorityId: authority.id, episodeId, userId: user.id, agencyId, role: index === 0 ? 'owner' : 'member', addedByUserId: user.id, joinedAt: now, leftAt: null }).execute()
      }
      actionId = await insertPlanAction(db, { authorityId: authority.id, episodeId, what: 'Ring the housing officer about the damp', ownerKind: 'agency', ownerAgencyId: agencyId, ownerName: 'Housing', dueOn: '2027-01-15', createdByUserId: team[0]?.id ?? '', createdByName: 'Writer 1', at: now })
      browsers = []
      for (const user of team) browsers.push(await signIn(t, user))
    })
    after(() => t.close())

    it(`lets exactly one of ${WRITERS} simultaneous updates of the same version win, and refuses the rest with 409`, async () => {
      const { version } = await current()
      const responses = await Promise.all(
        Array.from({ length: WRITERS }, (_unused, index) =>
          patch(browsers[index % browsers.length] as Browser, { status: index % 2 ? 'in_progress' : 'done', note: `Simultaneous ${index}`, version }),
        ),
      )
      const codes = responses.map(response => response.statusCode)
      assert.equal(codes.filter(code => code === 200).length, 1, `one winner: ${JSON.stringify(codes)}`)
      assert.equal(codes.filter(code => code === 409).length, WRITERS - 1, 'every other writer is told someone else changed it')
      for (const response of responses.filter(r => r.statusCode === 409)) assert.match(String(response.headers['content-type']), /application\/problem\+json/)
      const winner = responses.find(r => r.statusCode === 200)?.json() as { status: string }
      const after = await current()
      assert.equal(after.version, version + 1, 'one update, one new version')
      assert.equal(after.status, winner.status, 'the row holds the winner’s change')
      const notes = (await history()).filter(row => row.note?.startsWith('Simultaneous'))
      assert.equal(notes.length, 1, 'only the winner’s note is in the history')
    })

    it(`applies all ${RETRYING_WRITERS} updates when each writer re-reads and tries again, with one history row each and nothing lost`, async () => {
      const start = await current()
      const before = (await history()).length
      const writer = async (index: number) => {
        const browser = browsers[index % browsers.length] as Browser
        for (let attempt = 0; attempt < 500; attempt++) {
          const { version } = await current()
          const response = await patch(browser, { status: index % 2 ? 'in_progress' : 'done', note: `Retry writer ${index}`, version })
          if (response.statusCode === 200) return attempt
          assert.equal(response.statusCode, 409, `writer ${index}: ${response.body}`)
        }
        throw new Error(`writer ${index} never got through`)
      }
      const attempts = await Promise.all(Array.from({ length: RETRYING_WRITERS }, (_unused, index) => writer(index)))
      const end = await current()
      assert.equal(end.version, start.version + RETRYING_WRITERS, 'every update made exactly one version')
      const rows = await history()
      assert.equal(rows.length, before + RETRYING_WRITERS, 'every update is one history row')
      const written = rows.map(row => row.note).filter(note => note?.startsWith('Retry writer')).sort()
      assert.deepEqual(written, Array.from({ length: RETRYING_WRITERS }, (_unused, index) => `Retry writer ${index}`).sort(), 'each writer’s note exactly once')
      process.stdout.write(`# concurrency (${kind}): ${WRITERS} simultaneous writers, one winner; ${RETRYING_WRITERS} retrying writers, ${attempts.reduce((sum, n) => sum + n, 0)} refused attempts retried, final version ${end.version}\n`)
    })
  })
}
