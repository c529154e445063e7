import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import type { LightMyRequestResponse } from 'fastify'
import type { Role } from '../../db/schema.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, type TestApp } from '../../../test/helpers/build-test-app.ts'
import {
  buildAgency,
  buildAuthority,
  buildLocality,
  buildUser,
  signIn,
  type TestUser,
} from '../../../test/helpers/builders.ts'
import { snapshotAuthority } from '../../../test/helpers/world.ts'

// Permission matrix for administration: every admin route (GET and POST) × every kind of actor. Administrators of the
// authority may; anyone else signed in is refused with 403 and the refusal is audited; an administrator of another
// authority gets 404 for this authority's records; anonymous visitors are sent to sign in. Refusals change nothing.

type Fields = Record<string, string | string[]>
type World = {
  authorityId: string
  localityId: string
  agencyId: string
  target: TestUser
  invitedId: string
  deactivateTarget: TestUser
}
type Route = {
  method: 'GET' | 'POST'
  /** The route as registered, to check that the table covers every administration route. */
  pattern: string
  url: (w: World) => string
  /** A valid form for the route, built at the moment it is sent (versions are read from the database). */
  fields?: (t: TestApp, w: World) => Promise<Fields>
  /** What an administrator gets when the form is valid. */
  expect: number
}

let sequence = 0
const next = () => ++sequence

async function versionOf(t: TestApp, table: 'localities' | 'agencies' | 'users', id: string): Promise<string> {
  const row = await t.database.db.selectFrom(table).select('version').where('id', '=', id).executeTakeFirstOrThrow()
  return String(row.version)
}

const agencyFields = (w: World) => ({
  name: `Agency form ${next()}`,
  kind: 'youth_service',
  localityId: w.localityId,
  description: 'Youth clubs and one-to-one support for 11 to 19 year olds.',
  email: 'youth@example.org',
  phone: '01632 960 555',
  address: '2 High Street',
  active: 'yes',
})

// Ordered so that an administrator's run leaves later routes something to work on: deactivation comes last.
const ROUTES: Route[] = [
  { method: 'GET', pattern: '/admin', url: () => '/admin', expect: 200 },
  { method: 'GET', pattern: '/admin/settings', url: () => '/admin/settings', expect: 200 },
  {
    method: 'POST',
    pattern: '/admin/settings',
    url: () => '/admin/settings',
    fields: async (t, w) => {
      const row = await t.database.db
        .selectFrom('authorities')
        .select(['name', 'version'])
        .where('id', '=', w.authorityId)
        .executeTakeFirstOrThrow()
      return {
        authorityName: row.name,
        singleSignOnIssuer: '',
        secondFactorRequired: 'yes',
        version: String(row.version),
      }
    },
    expect: 303,
  },
  // Early help settings (src/features/team) and bank holidays (src/features/meetings).
  { method: 'GET', pattern: '/admin/early-help-settings', url: () => '/admin/early-help-settings', expect: 200 },
  {
    method: 'POST',
    pattern: '/admin/early-help-settings',
    url: () => '/admin/early-help-settings',
    fields: async (t, w) => {
      const row = await t.database.db.selectFrom('earlyHelpSettings').select('version').where('authorityId', '=', w.authorityId).executeTakeFirst()
      return { version: String(row?.version ?? 0), maxTeamPractitioners: '5', noLeadAlertDays: '7', minutesDueWorkingDays: '5', reviewWeeks: '6', closureApprovalRequired: 'no', outcomesFramework: 'every_child_matters' }
    },
    expect: 303,
  },
  { method: 'GET', pattern: '/admin/bank-holidays', url: () => '/admin/bank-holidays', expect: 200 },
  {
    method: 'POST',
    pattern: '/admin/bank-holidays',
    url: () => '/admin/bank-holidays',
    fields: async () => ({ 'holidayOn-day': String(1 + (next() % 27)), 'holidayOn-month': '6', 'holidayOn-year': '2031', title: 'A royal wedding' }),
    expect: 303,
  },
  {
    method: 'POST',
    pattern: '/admin/bank-holidays/remove',
    url: () => '/admin/bank-holidays/remove',
    fields: async (t, w) => {
      const row = await t.database.db.selectFrom('bankHolidays').select('holidayOn').where('authorityId', '=', w.authorityId).executeTakeFirst()
      return { holidayOn: row?.holidayOn ?? '2031-06-30' }
    },
    expect: 303,
  },
  { method: 'GET', pattern: '/admin/localities', url: () => '/admin/localities', expect: 200 },
  { method: 'GET', pattern: '/admin/localities/new', url: () => '/admin/localities/new', expect: 200 },
  {
    method: 'POST',
    pattern: '/admin/localities/new',
    url: () => '/admin/localities/new',
    fields: async () => ({ name: `New locality ${next()}` }),
    expect: 303,
  },
  {
    method: 'GET',
    pattern: '/admin/localities/:localityId',
    url: w => `/admin/localities/${w.localityId}`,
    expect: 200,
  },
  {
    method: 'POST',
    pattern: '/admin/localities/:localityId',
    url: w => `/admin/localities/${w.localityId}`,
    fields: async (t, w) => ({
      name: `Renamed locality ${next()}`,
      version: await versionOf(t, 'localities', w.localityId),
    }),
    expect: 303,
  },
  { method: 'GET', pattern: '/admin/agencies', url: () => '/admin/agencies', expect: 200 },
  { method: 'GET', pattern: '/admin/agencies/new', url: () => '/admin/agencies/new', expect: 200 },
  {
    method: 'POST',
    pattern: '/admin/agencies/new',
    url: () => '/admin/agencies/new',
    fields: async (_t, w) => agencyFields(w),
    expect: 303,
  },
  { method: 'GET', pattern: '/admin/agencies/:agencyId', url: w => `/admin/agencies/${w.agencyId}`, expect: 200 },
  {
    method: 'POST',
    pattern: '/admin/agencies/:agencyId',
    url: w => `/admin/agencies/${w.agencyId}`,
    fields: async (t, w) => ({ ...agencyFields(w), version: await versionOf(t, 'agencies', w.agencyId) }),
    expect: 303,
  },
  { method: 'GET', pattern: '/admin/users', url: () => '/admin/users', expect: 200 },
  { method: 'GET', pattern: '/admin/users/new', url: () => '/admin/users/new', expect: 200 },
  {
    method: 'POST',
    pattern: '/admin/users/new',
    url: () => '/admin/users/new',
    fields: async (_t, w) => ({
      name: 'Invited Person',
      email: `invited.${next()}@example.org`,
      roles: ['practitioner'],
      agencyIds: [w.agencyId],
    }),
    expect: 303,
  },
  { method: 'GET', pattern: '/admin/users/:userId', url: w => `/admin/users/${w.target.id}`, expect: 200 },
  { method: 'GET', pattern: '/admin/users/:userId/edit', url: w => `/admin/users/${w.target.id}/edit`, expect: 200 },
  {
    method: 'POST',
    pattern: '/admin/users/:userId/edit',
    url: w => `/admin/users/${w.target.id}/edit`,
    fields: async (t, w) => ({
      roles: ['practitioner', 'manager'],
      agencyIds: [w.agencyId],
      version: await versionOf(t, 'users', w.target.id),
    }),
    expect: 303,
  },
  {
    method: 'POST',
    pattern: '/admin/users/:userId/resend-invitation',
    url: w => `/admin/users/${w.invitedId}/resend-invitation`,
    fields: async () => ({}),
    expect: 303,
  },
  {
    method: 'POST',
    pattern: '/admin/users/:userId/end-sessions',
    url: w => `/admin/users/${w.target.id}/end-sessions`,
    fields: async () => ({}),
    expect: 303,
  },
  {
    method: 'GET',
    pattern: '/admin/users/:userId/reset-second-factor',
    url: w => `/admin/users/${w.target.id}/reset-second-factor`,
    expect: 200,
  },
  {
    method: 'POST',
    pattern: '/admin/users/:userId/reset-second-factor',
    url: w => `/admin/users/${w.target.id}/reset-second-factor`,
    fields: async () => ({ confirm: 'yes' }),
    expect: 303,
  },
  {
    method: 'GET',
    pattern: '/admin/users/:userId/deactivate',
    url: w => `/admin/users/${w.deactivateTarget.id}/deactivate`,
    expect: 200,
  },
  {
    method: 'POST',
    pattern: '/admin/users/:userId/deactivate',
    url: w => `/admin/users/${w.deactivateTarget.id}/deactivate`,
    fields: async () => ({ confirm: 'yes' }),
    expect: 303,
  },
]

const WRONG_ROLES: Role[] = ['coordinator', 'manager', 'panel_member', 'practitioner']

for (const kind of databaseKinds()) {
  describe(`administration access matrix (${kind})`, () => {
    let t: TestApp
    let w: World
    let otherAuthorityId: string
    const browsers = new Map<string, Browser>()

    before(async () => {
      t = await buildTestApp(kind)
      const authority = await buildAuthority(t)
      const localityId = (await buildLocality(t, authority.id)).id
      const agencyId = (await buildAgency(t, authority.id, { localityId })).id
      w = {
        authorityId: authority.id,
        localityId,
        agencyId,
        target: await buildUser(t, authority.id, { agencyIds: [agencyId] }),
        invitedId: (await buildUser(t, authority.id, { status: 'invited', withTotp: false, agencyIds: [agencyId] })).id,
        deactivateTarget: await buildUser(t, authority.id, { agencyIds: [agencyId] }),
      }
      browsers.set(
        'administrator',
        await signIn(t, await buildUser(t, authority.id, { roles: ['administrator'], agencyIds: [agencyId] })),
      )
      for (const role of WRONG_ROLES) {
        browsers.set(role, await signIn(t, await buildUser(t, authority.id, { roles: [role], agencyIds: [agencyId] })))
      }
      // Someone holding every role, but only in another authority.
      const other = await buildAuthority(t)
      otherAuthorityId = other.id
      const otherAgency = await buildAgency(t, other.id)
      const otherAdmin = await buildUser(t, other.id, {
        roles: ['administrator', 'coordinator', 'manager', 'panel_member', 'practitioner'],
        agencyIds: [otherAgency.id],
      })
      browsers.set('other-authority', await signIn(t, otherAdmin))
    })
    after(() => t.close())

    function browser(name: string): Browser {
      const found = browsers.get(name)
      assert.ok(found, name)
      return found
    }

    async function send(as: Browser, route: Route): Promise<LightMyRequestResponse> {
      const url = route.url(w)
      if (route.method === 'GET') return as.get(url)
      return as.post(url, route.fields ? await route.fields(t, w) : {})
    }

    async function deniedAudits(): Promise<number> {
      const result = await sql<{
        count: number
      }>`select count(*)::int as count from audit_events where authority_id = ${w.authorityId} and outcome = 'denied'`.execute(
        t.database.db,
      )
      return result.rows[0]?.count ?? 0
    }

    it('covers every administration route', () => {
      const registered = t.app.routeInventory
        .filter(
          route =>
            route.url === '/admin' ||
            (route.url.startsWith('/admin/') &&
              // Other features' administration pages have their own access tests (outbox, assessment templates,
              // safeguarding contacts, retention periods, agencies' lawful bases, panels: src/features/panels/panels.test.ts);
              // test/access/matrix.test.ts covers every route of the app.
              !['/admin/outbox', '/admin/assessment-templates', '/admin/safeguarding-contacts', '/admin/retention', '/admin/panels'].some(prefix => route.url.startsWith(prefix)) &&
              !route.url.endsWith('/lawful-basis')),
        )
        .map(route => `${route.method} ${route.url}`)
        .sort()
      const covered = ROUTES.map(route => `${route.method} ${route.pattern}`).sort()
      assert.deepEqual(covered, registered)
    })

    it('refuses everyone but this authority’s administrators, audits refusals, and changes nothing', async () => {
      const before = await snapshotAuthority(t, w.authorityId)
      for (const route of ROUTES) {
        const name = `${route.method} ${route.pattern}`
        const anonymous = await send(new Browser(t.app), route)
        assert.equal(anonymous.statusCode, 303, `anonymous ${name}`)
        assert.match(String(anonymous.headers.location), /^\/sign-in/, `anonymous ${name}`)

        for (const role of WRONG_ROLES) {
          const audits = await deniedAudits()
          const response = await send(browser(role), route)
          assert.equal(response.statusCode, 403, `${role} ${name}`)
          assert.equal(await deniedAudits(), audits + 1, `refusing ${role} ${name} is audited once`)
        }

        const foreign = await send(browser('other-authority'), route)
        if (route.pattern.includes(':')) {
          assert.equal(foreign.statusCode, 404, `other authority's administrator ${name}`)
        } else {
          // Allowed, but only ever about their own authority.
          assert.ok(
            foreign.statusCode < 500 && foreign.statusCode !== 403,
            `other authority's administrator ${name}: ${foreign.statusCode}`,
          )
        }
      }
      assert.equal(await snapshotAuthority(t, w.authorityId), before, 'a refused request changed something')
    })

    it('gives 404 to an administrator for a malformed id or an id of another authority', async () => {
      const otherLocality = await buildLocality(t, otherAuthorityId)
      const otherAgency = await buildAgency(t, otherAuthorityId)
      const otherUser = await buildUser(t, otherAuthorityId, { status: 'invited', withTotp: false })
      const before = await snapshotAuthority(t, otherAuthorityId, { withAudit: true })
      const foreignWorld: World = {
        ...w,
        localityId: otherLocality.id,
        agencyId: otherAgency.id,
        target: { ...w.target, id: otherUser.id },
        invitedId: otherUser.id,
        deactivateTarget: { ...w.target, id: otherUser.id },
      }
      for (const route of ROUTES.filter(route => route.pattern.includes(':'))) {
        const name = `${route.method} ${route.pattern}`
        for (const id of [null, 'not-a-uuid', uuidv7(), '%00', "1'%20or%20'1'='1"]) {
          const url = id === null ? route.url(foreignWorld) : route.pattern.replace(/:\w+/, id)
          const fields = route.fields
            ? await route.fields(t, route.method === 'POST' && id === null ? foreignWorld : w)
            : {}
          const response =
            route.method === 'GET'
              ? await browser('administrator').get(url)
              : await browser('administrator').post(url, fields)
          assert.equal(response.statusCode, 404, `${name} with ${id ?? 'another authority’s id'}`)
        }
      }
      assert.equal(
        await snapshotAuthority(t, otherAuthorityId, { withAudit: true }),
        before,
        'the other authority changed',
      )
    })

    it('lets this authority’s administrators use every route', async () => {
      for (const route of ROUTES) {
        const response = await send(browser('administrator'), route)
        assert.equal(response.statusCode, route.expect, `administrator ${route.method} ${route.pattern}`)
      }
      const target = await t.database.db
        .selectFrom('users')
        .select(['status', 'totpSecret'])
        .where('id', '=', w.deactivateTarget.id)
        .executeTakeFirstOrThrow()
      assert.equal(target.status, 'deactivated')
      const reset = await t.database.db
        .selectFrom('users')
        .select(['totpSecret'])
        .where('id', '=', w.target.id)
        .executeTakeFirstOrThrow()
      assert.equal(reset.totpSecret, null)
    })
  })
}
