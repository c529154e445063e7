import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { uuidv7 } from '../../src/lib/ids.ts'
import { databaseKinds } from '../helpers/database.ts'
import { Browser, buildTestApp, type TestApp } from '../helpers/build-test-app.ts'
import { signInFamily } from '../helpers/builders.ts'
import { buildAuthorityWorld, fillRoute, snapshotAuthority, type AuthorityWorld } from '../helpers/world.ts'

// The family's own view (issue 5): a family member reaches only their own family's records, and never a practitioner
// route. Every route the app serves is enumerated from its inventory, so a route added later is covered at once:
//  1. a signed-in family member tries every practitioner and API route: sent to the practitioner sign-in, 401 or 403,
//     never served, nothing changed;
//  2. a family member of another family in the same authority, and one of another authority, try every family route
//     with this family's ids: refused (403, audited as denied for the same authority) or not found, nothing shown,
//     nothing changed;
//  3. the family member opens every family page of their own: served.

/** Pages anyone may open, signed in or not (no personal data). */
const PUBLIC = [
  /^\/(health|accessibility|privacy)$/,
  /^\/(setup|sign-in|sign-in\/second-factor|sign-in\/set-up-second-factor|sign-out|forgot-password)$/,
  /^\/(reset-password|accept-invitation)\/:token$/,
  /^\/api\/v1\/openapi\.json$/,
  /^\/family\/(sign-in|sign-in\/code|sign-out|language|help|help\/words|help\/:topic)$/,
]
const isPublic = (url: string) => PUBLIC.some(pattern => pattern.test(url))

/** Family pages a parent is refused by design (a young person's own). */
const YOUNG_PEOPLE_ONLY = [/\/my-views(\/|$)/]

const FIELDS: Record<string, string | string[]> = {
  text: 'Taken over',
  comment: 'Taken over',
  goingWell: 'Taken over',
  worrying: 'Taken over',
  wouldLike: 'Taken over',
  confirm: 'yes',
  version: '1',
  status: 'done',
  language: 'cy',
  reason: 'Taken over',
}

/** A second family in the same authority: its own child, episode and family account, and nothing else. */
async function buildNeighbourFamily(t: TestApp, world: AuthorityWorld) {
  const db = t.database.db
  const now = new Date()
  const childId = uuidv7()
  await db
    .insertInto('persons')
    .values({ authorityId: world.authorityId, id: childId, givenNames: 'Nextdoor', familyName: 'Child', dateOfBirth: '2016-03-03', expectedDateOfBirth: null, sex: null, gender: null, ethnicity: null, firstLanguage: null, disability: null, address: null, postcode: null, phone: null, email: null, schoolOrSetting: null, uniquePupilNumber: null, nhsNumber: null, gpPractice: null, searchName: 'nextdoor child', mergedIntoId: null, createdByUserId: world.practitioner.id })
    .execute()
  const episodeId = uuidv7()
  await db
    .insertInto('episodes')
    .values({ authorityId: world.authorityId, id: episodeId, reference: `EH-2026-${episodeId.slice(-6)}`, scope: 'child', householdId: null, localityId: null, agencyId: world.agencyId, status: 'support', outcome: null, startedByUserId: world.practitioner.id, startedAt: now, closedAt: null, templateVersionId: world.templateVersionId })
    .execute()
  await db.insertInto('episodePeople').values({ authorityId: world.authorityId, episodeId, personId: childId, role: 'child' }).execute()
  const accountId = uuidv7()
  await db
    .insertInto('familyAccounts')
    .values({ authorityId: world.authorityId, id: accountId, name: 'Nextdoor Parent', email: `nextdoor.${accountId.slice(-6)}@example.org`, mobile: null, preferredChannel: 'email', kind: 'parent_carer', personId: null, status: 'active', invitedByUserId: world.practitioner.id, invitedAt: now, firstSignedInAt: now, lastSignedInAt: now, revokedAt: null, revokedByUserId: null })
    .execute()
  await db
    .insertInto('familyAccountEpisodes')
    .values({ authorityId: world.authorityId, accountId, episodeId, familyTeamMemberId: null, grantedByUserId: world.practitioner.id, grantedAt: now, revokedAt: null, revokedByUserId: null })
    .execute()
  return { accountId, episodeId }
}

for (const kind of databaseKinds()) {
  describe(`the family's own view reaches only the family's own records (${kind})`, () => {
    let t: TestApp
    let a: AuthorityWorld
    let b: AuthorityWorld
    let neighbour: { accountId: string; episodeId: string }
    before(async () => {
      t = await buildTestApp(kind)
      a = await buildAuthorityWorld(t, 'Familia')
      b = await buildAuthorityWorld(t, 'Otherland')
      neighbour = await buildNeighbourFamily(t, a)
    })
    after(() => t.close())

    const send = (browser: Browser, method: string, url: string) => browser.send(method, url, { ...FIELDS, agencyIds: [a.agencyId] }, { name: 'Taken over' })

    async function familyDenials(accountId: string): Promise<number> {
      const result = await sql<{ count: number }>`select count(*)::int as count from audit_events where outcome = 'denied' and actor_family_account_id = ${accountId}`.execute(t.database.db)
      return result.rows[0]?.count ?? 0
    }

    it('refuses a family member every practitioner and API route, and changes nothing', async () => {
      const family = await signInFamily(t, { authorityId: a.authorityId, accountId: a.familyAccountId })
      await family.get('/family/help')
      const before = await snapshotAuthority(t, a.authorityId)
      let cases = 0
      for (const route of t.app.routeInventory) {
        if (route.url.startsWith('/family') || isPublic(route.url)) continue
        const url = fillRoute(route.url, a)
        const response = await send(family, route.method, url)
        cases++
        const where = `${route.method} ${route.url}`
        assert.ok(response.statusCode < 500, `${where} answered ${response.statusCode}`)
        if (route.url.startsWith('/api/')) assert.equal(response.statusCode, 401, where)
        else {
          assert.ok([303, 403].includes(response.statusCode), `${where} answered ${response.statusCode} to a family member`)
          if (response.statusCode === 303) assert.match(String(response.headers.location), /^\/sign-in/, where)
        }
        assert.ok(!response.body.includes(a.marker), `${where} showed the family member a practitioner's page`)
      }
      assert.ok(cases >= 200, `expected every practitioner route, tried ${cases}`)
      assert.equal(await snapshotAuthority(t, a.authorityId), before, 'a family member changed something through a practitioner route')
      process.stdout.write(`# family member × practitioner and API routes: ${cases} refused\n`)
    })

    it("refuses a family member another family's records, in the same authority and in another, and changes nothing", async () => {
      const familyRoutes = t.app.routeInventory.filter(route => route.url.startsWith('/family/episodes/:episodeId'))
      assert.ok(familyRoutes.length >= 1, 'no family routes about an episode')
      const neighbourBrowser = await signInFamily(t, { authorityId: a.authorityId, accountId: neighbour.accountId })
      const foreignBrowser = await signInFamily(t, { authorityId: b.authorityId, accountId: b.familyAccountId })
      await neighbourBrowser.get('/family/help')
      await foreignBrowser.get('/family/help')
      const before = await snapshotAuthority(t, a.authorityId)
      let cases = 0
      for (const route of familyRoutes) {
        const url = fillRoute(route.url, a)
        const where = `${route.method} ${route.url}`
        const denialsBefore = await familyDenials(neighbour.accountId)
        const sameAuthority = await send(neighbourBrowser, route.method, url)
        cases++
        assert.equal(sameAuthority.statusCode, 403, `${where}: another family of the same authority got ${sameAuthority.statusCode}`)
        assert.ok(!sameAuthority.body.includes(a.marker), `${where} showed another family's record`)
        assert.ok((await familyDenials(neighbour.accountId)) > denialsBefore, `${where}: the refusal was not audited`)
        const otherAuthority = await send(foreignBrowser, route.method, url)
        cases++
        assert.ok([403, 404].includes(otherAuthority.statusCode), `${where}: a family of another authority got ${otherAuthority.statusCode}`)
        assert.ok(!otherAuthority.body.includes(a.marker), `${where} showed another authority's record`)
      }
      assert.equal(await snapshotAuthority(t, a.authorityId), before, "another family changed this family's records")
      process.stdout.write(`# other families × family routes: ${familyRoutes.length} routes, ${cases} refused\n`)
    })

    it("opens every page of the family's own view to the family", async () => {
      const family = await signInFamily(t, { authorityId: a.authorityId, accountId: a.familyAccountId })
      let pages = 0
      for (const route of t.app.routeInventory) {
        if (route.method !== 'GET' || !route.url.startsWith('/family') || route.url.endsWith('/sign-out')) continue
        const url = fillRoute(route.url, a)
        const response = await family.get(url)
        pages++
        const where = `GET ${route.url}`
        if (YOUNG_PEOPLE_ONLY.some(pattern => pattern.test(route.url))) {
          assert.equal(response.statusCode, 403, `${where}: a parent must not open a young person's own page`)
          continue
        }
        assert.ok([200, 303].includes(response.statusCode), `${where} answered ${response.statusCode} to its own family`)
        if (response.statusCode === 303) assert.match(String(response.headers.location), /^\/family/, where)
      }
      process.stdout.write(`# family pages opened by their own family: ${pages}\n`)
    })
  })
}
