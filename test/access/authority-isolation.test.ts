import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { databaseKinds } from '../helpers/database.ts'
import { buildTestApp, type TestApp } from '../helpers/build-test-app.ts'
import { signIn } from '../helpers/builders.ts'
import { buildAuthorityWorld, fillRoute, snapshotAuthority, type AuthorityWorld } from '../helpers/world.ts'

// Tenancy (ASVS 8.4.1): an actor of authority A, holding every role, tries every route of the app with the record ids
// of authority B. Nothing of B may appear in any response, and nothing of B may change (its audit trail included).

const PLAUSIBLE_FIELDS: Record<string, string | string[]> = {
  name: 'Taken over',
  email: 'taken.over@example.org',
  roles: ['administrator'],
  agencyIds: [],
  kind: 'school',
  description: 'Changed',
  version: '1',
  confirm: 'yes',
  authorityName: 'Taken over',
  secondFactorRequired: 'no',
  referredTo: 'police',
  concern: 'Taken over',
  method: 'phone',
  reason: 'Taken over',
  outcome: 'no_further_action',
}

for (const kind of databaseKinds()) {
  describe(`authority isolation over every route (${kind})`, () => {
    let t: TestApp
    let a: AuthorityWorld
    let b: AuthorityWorld
    before(async () => {
      t = await buildTestApp(kind)
      a = await buildAuthorityWorld(t, 'Alphashire')
      b = await buildAuthorityWorld(t, 'Zedshire')
    })
    after(() => t.close())

    it('never shows or changes anything of another authority, on any route', async () => {
      const routes = t.app.routeInventory
      assert.ok(routes.length >= 20, `expected the whole app, found ${routes.length} routes`)
      const before = await snapshotAuthority(t, b.authorityId, { withAudit: true })
      const browser = await signIn(t, a.superUser)
      const checked: string[] = []
      for (const route of routes) {
        if (route.url === '/sign-out') continue // ends the actor's own session; tested in auth.test.ts
        const url = fillRoute(route.url, b)
        const fields = { ...PLAUSIBLE_FIELDS, agencyIds: [b.agencyId], localityId: b.localityId }
        const response = await browser.send(route.method, url, fields, { name: 'Taken over' })
        assert.ok(response.statusCode < 500, `${route.method} ${route.url} answered ${response.statusCode}`)
        assert.ok(!response.body.includes(b.marker), `${route.method} ${route.url} showed a record of another authority`)
        if (route.url.startsWith('/family/') && response.statusCode === 303) {
          // The family's own view: a practitioner is sent to the family sign-in (another family's records: family-routes.test.ts).
          assert.match(String(response.headers.location), /^\/family\/sign-in/, `${route.method} ${route.url}`)
        } else if (route.url.includes(':') && route.method === 'GET' && !route.url.includes(':token') && !route.url.startsWith('/family/help/')) {
          assert.ok([403, 404].includes(response.statusCode), `${route.method} ${route.url} with another authority's id answered ${response.statusCode}`)
        }
        checked.push(`${route.method} ${route.url}`)
      }
      const afterwards = await snapshotAuthority(t, b.authorityId, { withAudit: true })
      assert.equal(afterwards, before, 'authority B changed')
      process.stdout.write(`# isolation: ${checked.length} routes checked against another authority's records\n`)
    })
  })
}
