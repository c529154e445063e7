import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import type { Role } from '../../src/db/schema.ts'
import { databaseKinds } from '../helpers/database.ts'
import { Browser, buildTestApp, type TestApp } from '../helpers/build-test-app.ts'
import { buildUser, signIn } from '../helpers/builders.ts'
import { buildAuthorityWorld, fillRoute, type AuthorityWorld } from '../helpers/world.ts'

// Function-level access (ASVS 8.2.1) for every route × every role: who may use it, who is refused, and that every
// refusal of a signed-in user is audited. A route missing from RULES fails the test, so new routes must be placed.

// 'family': the family's own view — a signed-in family member only; anyone else (every practitioner role included) is
// sent to the family sign-in page. Which family may see which record is proven in test/access/family-routes.test.ts.
// 'not-administrator': any signed-in role except administrator alone (break-glass: administrators configure the system
// and do not read case records; a coordinator, who already sees every record, is sent straight to it).
// 'manager-or-coordinator': aggregate reports (src/features/reports), for managers and coordinators alike.
type Who = 'public' | 'signed-in' | 'family' | 'not-administrator' | 'manager-or-coordinator' | Role
const RULES: Array<[RegExp, Who]> = [
  // The family's own view: help pages and signing in are public; the practitioner's invitation pages are team records.
  [/^\/family\/(sign-in|sign-in\/code|language|help|help\/words|help\/:topic)$/, 'public'],
  [/^\/episodes\/:episodeId\/family-access(\/|$)/, 'coordinator'],
  [/^\/family(\/|$)/, 'family'],
  [/^\/(health|accessibility|privacy)$/, 'public'],
  [/^\/(setup|sign-in|sign-in\/second-factor|sign-in\/set-up-second-factor|sign-out|forgot-password)$/, 'public'],
  [/^\/(reset-password|accept-invitation)\/:token$/, 'public'],
  [/^\/api\/v1\/openapi\.json$/, 'public'],
  [/^\/admin\/assessment-templates(\/:templateVersionId)?$/, 'signed-in'], // reading templates; new versions and copies are administrator-only
  [/^\/admin(\/|$)/, 'administrator'],
  [/^\/audit(\/|$)/, 'coordinator'],
  // Retention: the list due for disposal, its approval, what was disposed of and legal holds are the coordinators'
  // (the retention periods, /admin/retention, are the administrators', above).
  [/^\/retention(\/|$)/, 'coordinator'],
  [/^\/early-help\/dashboard$/, 'coordinator'],
  // Panels: the episodes listed at the panels a panel member sits on (a member of no panel is told so). Listing an
  // episode (/episodes/:episodeId/panels) is the lead professional's or a coordinator's: under the episode rule below.
  [/^\/panels$/, 'panel_member'],
  [/^\/(api\/v1\/)?reports(\/export\.csv)?$/, 'manager-or-coordinator'],
  [/^\/api\/v1\/users/, 'administrator'],
  // Episodes: anyone signed in may list their own and start one; an episode itself is record-level. The test users are
  // not on the world's episode, so of them only a coordinator (who sees every record of the authority) may open it.
  [/^\/(api\/v1\/)?episodes(\/new)?$/, 'signed-in'],
  // The manager's approval: the manager role and sharing an agency with the assessor (the test users share the world's
  // agency with its assessor); nobody else, coordinators included.
  [/^\/(api\/v1\/)?episodes\/:episodeId\/assessment\/approval$/, 'manager'],
  [/^\/assessments\/awaiting-approval$/, 'manager'],
  // Approving a closure: the manager role and managing an agency the lead professional works for (the test managers
  // share the world's agency with its lead); nobody else, coordinators included.
  [/^\/episodes\/:episodeId\/close\/approval$/, 'manager'],
  [/^\/closures\/awaiting-approval$/, 'manager'],
  // Meetings are team records (the test users are not on the world's episode): of them only a coordinator may open them.
  // Approving minutes is the chair's (a rule the page explains), not a role: coordinators reach the page.
  [/^\/(api\/v1\/)?episodes\/:episodeId\/meetings(\/|$)/, 'coordinator'],
  // Break-glass: anyone but an administrator may ask to open an episode in an emergency (the form; a reason is needed);
  // the review list is the coordinators'. Sharing without agreement is the lead professional's or a coordinator's.
  [/^\/episodes\/:episodeId\/break-glass$/, 'not-administrator'],
  [/^\/break-glass(\/|$)/, 'coordinator'],
  [/^\/(api\/v1\/)?episodes\/:episodeId(\/|$)/, 'coordinator'],
  // People and families: anyone signed in may search and register; a person or household record needs a relationship
  // to it (the world's records were registered by another user), so of the test users only a coordinator may open one.
  [/^\/(api\/v1\/)?people(\/new)?$/, 'signed-in'],
  [/^\/households\/new$/, 'signed-in'],
  // A person's chronology across episodes: only the episodes the reader is on the team of; the world's person is in none,
  // so of the test users only a coordinator may open it (an empty chronology); the others are refused and audited.
  [/^\/people\/:personId\/chronology(\/print)?$/, 'coordinator'],
  [/^\/(api\/v1\/)?people\/:personId(\/|$)/, 'coordinator'],
  [/^\/households\/:householdId(\/|$)/, 'coordinator'],
  [/^\/person-merges\/:mergeId\/undo$/, 'coordinator'],
  [/^\/api\/v1\/audit-events/, 'coordinator'],
  [/^\/api\/v1\/localities$/, 'signed-in'], // GET for all; POST is checked below as administrator-only
  [/^\/(|agencies|continue|account(\/.*)?)$/, 'signed-in'],
  [/^\/api\/v1\/(me|agencies|agencies\/:agencyId|localities)$/, 'signed-in'],
  [/^\/api\/v1\/assessment-templates(\/:templateVersionId)?$/, 'signed-in'],
]
const POST_OVERRIDES: Array<[RegExp, Who]> = [[/^\/api\/v1\/localities$/, 'administrator']]

function ruleFor(method: string, url: string): Who {
  const override = method !== 'GET' ? POST_OVERRIDES.find(([pattern]) => pattern.test(url)) : undefined
  if (override) return override[1]
  const rule = RULES.find(([pattern]) => pattern.test(url))
  if (!rule) throw new Error(`${method} ${url} has no access rule in test/access/route-roles.test.ts`)
  return rule[1]
}

const ROLES: Role[] = ['administrator', 'coordinator', 'manager', 'panel_member', 'practitioner']

for (const kind of databaseKinds()) {
  describe(`every route × every role (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    const browsers = new Map<Role, Browser>()
    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Matrixton')
      for (const role of ROLES) {
        const user = await buildUser(t, world.authorityId, { roles: [role], agencyIds: [world.agencyId] })
        browsers.set(role, await signIn(t, user))
      }
    })
    after(() => t.close())

    async function deniedCount(): Promise<number> {
      const result = await sql<{ count: number }>`select count(*)::int as count from audit_events where outcome = 'denied'`.execute(t.database.db)
      return result.rows[0]?.count ?? 0
    }

    async function send(browser: Browser, method: string, url: string) {
      if (method === 'GET') return browser.get(url)
      if (url.startsWith('/api/')) {
        return t.app.inject({
          method: method as 'POST',
          url,
          headers: { cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-csrf-token': browser.csrfToken, 'content-type': 'application/json' },
          payload: '{}',
        })
      }
      return browser.post(url, {})
    }

    it('allows each route to the roles it is for, refuses and audits everyone else', async () => {
      let cases = 0
      for (const route of t.app.routeInventory) {
        if (route.url === '/sign-out') continue // ends the session; covered in auth.test.ts
        const who = ruleFor(route.method, route.url)
        const url = fillRoute(route.url, world)
        const anonymous = await send(new Browser(t.app), route.method, url)
        cases++
        if (who !== 'public') {
          if (route.url.startsWith('/api/')) assert.equal(anonymous.statusCode, 401, `anonymous ${route.method} ${route.url}`)
          else {
            assert.equal(anonymous.statusCode, 303, `anonymous ${route.method} ${route.url}`)
            assert.match(String(anonymous.headers.location), who === 'family' ? /^\/family\/sign-in/ : /^\/sign-in/, `anonymous ${route.method} ${route.url}`)
          }
        }
        if (who === 'family') {
          // A practitioner's session never opens a family page, whatever the role.
          for (const role of ROLES) {
            const browser = browsers.get(role)
            assert.ok(browser)
            const response = await send(browser, route.method, url)
            cases++
            assert.equal(response.statusCode, 303, `${role} ${route.method} ${route.url}`)
            assert.match(String(response.headers.location), /^\/family\/sign-in/, `${role} ${route.method} ${route.url}`)
          }
          continue
        }
        for (const role of ROLES) {
          const browser = browsers.get(role)
          assert.ok(browser)
          const before = await deniedCount()
          const response = await send(browser, route.method, url)
          cases++
          const allowed = who === 'public' || who === 'signed-in' || who === role || (who === 'not-administrator' && role !== 'administrator') ||
            (who === 'manager-or-coordinator' && (role === 'manager' || role === 'coordinator'))
          assert.ok(response.statusCode < 500, `${role} ${route.method} ${route.url} answered ${response.statusCode}`)
          if (allowed) {
            assert.ok(![401, 403].includes(response.statusCode), `${role} should be allowed ${route.method} ${route.url}, got ${response.statusCode}`)
            if (who !== 'public') {
              assert.ok(!String(response.headers.location ?? '').startsWith('/sign-in'), `${role} was sent to sign in by ${route.method} ${route.url}`)
            }
          } else {
            assert.equal(response.statusCode, 403, `${role} should be refused ${route.method} ${route.url}`)
            assert.ok((await deniedCount()) > before, `refusing ${role} ${route.method} ${route.url} was not audited`)
          }
        }
      }
      process.stdout.write(`# route × role matrix: ${t.app.routeInventory.length} routes, ${cases} cases\n`)
    })
  })
}
