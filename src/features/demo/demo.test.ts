import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { sql } from 'kysely'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAuthority, buildUser } from '../../../test/helpers/builders.ts'
import { DEMO_PASSWORD, seedDemoAuthority } from './demo.seed.ts'

for (const kind of databaseKinds()) {
  describe(`demo authority (${kind})`, () => {
    let t: TestApp
    let accounts: Awaited<ReturnType<typeof seedDemoAuthority>>['accounts']
    before(async () => {
      t = await buildTestApp(kind)
      accounts = (await seedDemoAuthority(t.database.db)).accounts
    })
    after(() => t.close())

    it('creates a fictional authority with localities, agencies of every kind a team needs, and an account per role', async () => {
      const agencies = await sql<{ kind: string }>`select a.kind from agencies a join authorities au on au.id = a.authority_id where au.is_demo`.execute(t.database.db)
      assert.ok(agencies.rows.length >= 15, `expected 15+ agencies, found ${agencies.rows.length}`)
      const kinds = new Set(agencies.rows.map(row => row.kind))
      for (const needed of ['school', 'health_visiting', 'gp_practice', 'camhs', 'social_care_front_door', 'police', 'housing', 'voluntary', 'parent_advice', 'youth_service']) {
        assert.ok(kinds.has(needed), `no demo agency of kind ${needed}`)
      }
      const roles = new Set(accounts.flatMap(account => account.roles.split(', ')))
      assert.deepEqual([...roles].sort(), ['administrator', 'coordinator', 'manager', 'panel_member', 'practitioner'])
    })

    it('lets a demo account sign in without an authenticator app, and shows the demo banner on every page', async () => {
      const practitioner = accounts.find(account => account.roles === 'practitioner')
      assert.ok(practitioner)
      const browser = new Browser(t.app)
      await browser.get('/sign-in')
      const response = await browser.post('/sign-in', { email: practitioner.email, password: DEMO_PASSWORD })
      assert.equal(response.statusCode, 303)
      assert.equal(response.headers.location, '/')
      const home = await browser.get('/')
      assert.equal(home.statusCode, 200)
      assert.match(load(home.body)('.onestory-demo-banner').text(), /[Dd]emo/)
      const directory = await browser.get('/agencies')
      assert.match(load(directory.body)('.onestory-demo-banner').text(), /[Dd]emo/)
    })

    it('never lets an account of a real authority skip the authenticator app, even if flagged', async () => {
      const real = await buildAuthority(t, { name: 'Real Council' })
      const user = await buildUser(t, real.id, { roles: ['practitioner'] })
      await t.database.db.updateTable('users').set({ maySkipSecondFactor: true }).where('id', '=', user.id).execute()
      const browser = new Browser(t.app)
      await browser.get('/sign-in')
      const response = await browser.post('/sign-in', { email: user.email, password: user.password })
      assert.equal(response.statusCode, 303)
      assert.match(String(response.headers.location), /^\/sign-in\/second-factor/)
    })
  })
}
