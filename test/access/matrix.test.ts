import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { uuidv7 } from '../../src/lib/ids.ts'
import type { Role } from '../../src/db/schema.ts'
import { databaseKinds } from '../helpers/database.ts'
import { Browser, buildTestApp, type TestApp } from '../helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildLocality, buildUser, signIn, signInFamily } from '../helpers/builders.ts'
import { buildAuthorityWorld, buildRecordSet, fillRoute, snapshotAuthority, type AuthorityWorld, type RecordSet } from '../helpers/world.ts'

// The authorisation matrix of issue 6: every web and API route × ten points of view × a record the point of view is
// related to ("own") and one it is not ("other"), each case asserting the expected allow or deny. Routes come from the
// app's own inventory, so a route added later fails here until it is placed in RULES.
//
// Two families of one authority: "own" (R1, locality L1, listed at a panel, its lead professional is the practitioner
// on the team, its family account is "family member of this family") and "other" (R2, locality L2, another agency and
// lead, its family account is "family member of another family"). The coordinator coordinates L1 only; the manager
// manages the agency of R1's assessor; the panel member sits on the panel R1 is listed at.

const POINTS_OF_VIEW = [
  'administrator',
  'coordinator',
  'manager',
  'panel member',
  'practitioner on the team',
  'practitioner not on the team',
  'practitioner of another authority',
  'family member of this family',
  'family member of another family',
  'anonymous',
] as const
type PointOfView = (typeof POINTS_OF_VIEW)[number]
type Which = 'own' | 'other'

/**
 * What a route is, for access:
 * - public: anyone; family-only: any signed-in family member; family-record: the family whose episode it is;
 * - signed-in: any practitioner (of any authority: they see their own authority's);
 * - a role: practitioners holding it (role-level, whichever record);
 * - record: the episode's team (own), a coordinator of its locality (own), and the panel member for reading (own);
 * - record-lead: the episode's lead professional (own) or a coordinator of its locality (own);
 * - record-manager: the manager of the assessor's (or lead professional's) agency (own);
 * - break-glass: the emergency opening form of an episode: every practitioner of the authority except an administrator.
 */
type Kind = 'public' | 'family-only' | 'family-record' | 'signed-in' | Role | 'manager-or-coordinator' | 'record' | 'record-lead' | 'record-manager' | 'break-glass'
  | 'administrator-or-panel-member' // GET /api/v1/panels: every panel (administrator) or the panels they sit on (panel member)
  | 'panel-member-or-coordinator' // what is listed at a panel: its members, and coordinators (the episodes of their area)

const RULES: Array<[RegExp, Kind]> = [
  [/^\/family\/(sign-in|sign-in\/code|sign-out|language|help|help\/words|help\/:topic)$/, 'public'],
  [/^\/family\/episodes\/:episodeId(\/|$)/, 'family-record'],
  [/^\/family(\/|$)/, 'family-only'],
  [/^\/(health|accessibility|privacy)$/, 'public'],
  [/^\/(setup|sign-in|sign-in\/second-factor|sign-in\/set-up-second-factor|sign-out|forgot-password)$/, 'public'],
  [/^\/(reset-password|accept-invitation)\/:token$/, 'public'],
  [/^\/api\/v1\/openapi\.json$/, 'public'],
  [/^\/admin\/assessment-templates(\/:templateVersionId)?$/, 'signed-in'], // reading templates; new versions are administrator-only
  [/^\/admin(\/|$)/, 'administrator'],
  [/^\/api\/v1\/users/, 'administrator'],
  [/^\/(audit|retention|break-glass)(\/|$)/, 'coordinator'],
  [/^\/api\/v1\/audit-events/, 'coordinator'],
  [/^\/early-help\/dashboard$/, 'coordinator'],
  [/^\/person-merges\/:mergeId\/undo$/, 'coordinator'],
  [/^\/(api\/v1\/)?reports(\/|$)/, 'manager-or-coordinator'],
  [/^\/panels$/, 'panel_member'],
  [/^\/api\/v1\/panels$/, 'administrator-or-panel-member'],
  [/^\/api\/v1\/panels\/:panelId\/listings$/, 'panel-member-or-coordinator'],
  [/^\/(assessments|closures)\/awaiting-approval$/, 'manager'],
  [/^\/(api\/v1\/)?episodes(\/new)?$/, 'signed-in'],
  [/^\/(api\/v1\/)?episodes\/:episodeId\/assessment\/approval$/, 'record-manager'],
  [/^\/episodes\/:episodeId\/close\/approval$/, 'record-manager'],
  [/^\/episodes\/:episodeId\/break-glass$/, 'break-glass'],
  [/^\/episodes\/:episodeId\/(family-access|sharing-without-agreement|panels|locality)(\/|$)/, 'record-lead'],
  [/^\/api\/v1\/episodes\/:episodeId\/(panel-listings|locality)(\/|$)/, 'record-lead'],
  [/^\/(api\/v1\/)?episodes\/:episodeId(\/|$)/, 'record'],
  [/^\/(api\/v1\/)?people(\/new)?$/, 'signed-in'],
  [/^\/households\/new$/, 'signed-in'],
  [/^\/people\/:personId\/(merge|subject-access)(\.json|\.pdf)?(\/|$)/, 'coordinator'],
  [/^\/(api\/v1\/)?people\/:personId(\/|$)/, 'record'],
  [/^\/households\/:householdId(\/|$)/, 'record'],
  [/^\/(|agencies|continue|account(\/.*)?)$/, 'signed-in'],
  [/^\/api\/v1\/(me|agencies|agencies\/:agencyId|localities)$/, 'signed-in'],
  [/^\/api\/v1\/assessment-templates(\/:templateVersionId)?$/, 'signed-in'],
]
/** Changes that only an administrator may make on an otherwise readable route. */
const POST_RULES: Array<[RegExp, Kind]> = [[/^\/api\/v1\/localities$/, 'administrator']]

/**
 * A panel member reads (GET) an episode listed at their panel and its people (PANEL_READS in src/policy/policy.ts), and
 * changes nothing. These pages are not reads of the record, and are refused to them too.
 */
const NOT_FOR_PANEL: RegExp[] = [
  // Forms for changes: a panel member may not make them, so is not shown them.
  /\/(new|edit|remove|cancel|leave|withdraw|handover|outcome|approval|attendance|cadence)$/,
  /^\/episodes\/:episodeId\/close$/,
  /^\/episodes\/:episodeId\/meetings\/:meetingId\/minutes$/, // the minutes form (circulated minutes are on the meeting page)
  // The consent record, the checklist, the safeguarding referrals, the assessment's contributors and the history of
  // changes are the team's working records, not part of what a panel considers.
  /^\/episodes\/:episodeId\/(consent|consent-form|checklist|safeguarding|history|assessment\/contributors)$/,
  /^\/people\/:personId\/(history|identity-protection)$/,
]
/** The id world.ts gives to records that do not exist in it (retention batches, legal holds, break-glass grants). */
const PLACEHOLDER_ID = '0190a000-0000-7000-8000-000000000001'

/** Family pages a parent is refused by design: a young person's own views. */
const YOUNG_PEOPLE_ONLY = [/\/my-views(\/|$)/]

const PRACTITIONER_ROLES: Partial<Record<PointOfView, Role>> = {
  administrator: 'administrator',
  coordinator: 'coordinator',
  manager: 'manager',
  'panel member': 'panel_member',
}

function kindOf(method: string, url: string): Kind {
  const rule = (method !== 'GET' ? POST_RULES.find(([pattern]) => pattern.test(url)) : undefined) ?? RULES.find(([pattern]) => pattern.test(url))
  if (!rule) throw new Error(`${method} ${url} has no access rule in test/access/matrix.test.ts`)
  return rule[1]
}

type Expected = 'public' | 'allow' | 'deny' | 'sign-in' | 'family-sign-in'

/** The expected answer for one case. */
export function expected(method: string, url: string, pov: PointOfView, which: Which): Expected {
  const kind = kindOf(method, url)
  if (kind === 'public') return 'public'
  const family = pov === 'family member of this family' || pov === 'family member of another family'
  if (kind === 'family-only' || kind === 'family-record') {
    if (!family) return 'family-sign-in'
    if (kind === 'family-only') return 'allow'
    const linked = (pov === 'family member of this family') === (which === 'own')
    if (!linked) return 'deny'
    return YOUNG_PEOPLE_ONLY.some(pattern => pattern.test(url)) ? 'deny' : 'allow'
  }
  if (family || pov === 'anonymous') return 'sign-in'
  // Another authority's practitioner reaches their own authority's lists, never a record of this one (named by its id).
  if (pov === 'practitioner of another authority') return kind === 'signed-in' && !url.includes(':') ? 'allow' : 'deny'
  if (kind === 'signed-in') return 'allow'
  const role: Role = PRACTITIONER_ROLES[pov] ?? 'practitioner'
  const own = which === 'own'
  switch (kind) {
    case 'manager-or-coordinator':
      return role === 'manager' || role === 'coordinator' ? 'allow' : 'deny'
    case 'break-glass':
      return role === 'administrator' ? 'deny' : 'allow'
    case 'administrator-or-panel-member':
      return role === 'administrator' || role === 'panel_member' ? 'allow' : 'deny'
    case 'panel-member-or-coordinator':
      return role === 'panel_member' || role === 'coordinator' ? 'allow' : 'deny'
    case 'record':
      if (!own) return 'deny'
      if (pov === 'practitioner on the team' || pov === 'coordinator') return 'allow'
      if (pov === 'panel member' && method === 'GET' && !NOT_FOR_PANEL.some(pattern => pattern.test(url))) return 'allow'
      return 'deny'
    case 'record-lead':
      return own && (pov === 'practitioner on the team' || pov === 'coordinator') ? 'allow' : 'deny'
    case 'record-manager':
      return own && pov === 'manager' ? 'allow' : 'deny'
    default:
      return kind === role ? 'allow' : 'deny'
  }
}

for (const kind of databaseKinds()) {
  describe(`the authorisation matrix: every route × ten points of view × own and other record (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    let records: Record<Which, RecordSet>
    let agencies: Record<Which, string>
    let listingId: string
    let panelId: string
    const browsers = new Map<PointOfView, Browser>()

    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Matrixa')
      const db = t.database.db
      const authorityId = world.authorityId
      const otherLocality = await buildLocality(t, authorityId, 'Matrixa Hillside')
      const otherAgency = await buildAgency(t, authorityId, { name: 'Matrixa Hillside Health', localityId: otherLocality.id })
      const user = (roles: Role[], agencyIds = [world.agencyId]) => buildUser(t, authorityId, { roles, agencyIds })
      const users = {
        administrator: await user(['administrator']),
        coordinator: await user(['coordinator']),
        manager: await user(['manager']),
        'panel member': await user(['panel_member']),
        'practitioner on the team': await user(['practitioner']),
        'practitioner not on the team': await user(['practitioner']),
      }
      const otherLead = await user(['practitioner'], [otherAgency.id])
      const notOnTeam = users['practitioner not on the team'].id
      agencies = { own: world.agencyId, other: otherAgency.id }
      records = {
        own: await buildRecordSet(t, world, { ownerId: users['practitioner on the team'].id, otherUserId: notOnTeam, agencyId: world.agencyId, marker: 'Ownrec' }),
        other: await buildRecordSet(t, world, { ownerId: otherLead.id, otherUserId: notOnTeam, agencyId: otherAgency.id, marker: 'Othrec' }),
      }
      const now = new Date()
      for (const [which, localityId] of [['own', world.localityId], ['other', otherLocality.id]] as const) {
        const set = records[which]
        await db.updateTable('episodes').set({ localityId }).where('authorityId', '=', authorityId).where('id', '=', set.episodeId).execute()
        // The episode's child lives in the household, so the household's records are reached through the episode.
        await db.insertInto('householdMembers').values({ authorityId, householdId: set.householdId, personId: set.episodeChildId }).execute()
        // A member of both teams who is none of the points of view: the pages about a team member name them.
        await db.insertInto('episodeMembers').values({ authorityId, episodeId: set.episodeId, userId: world.practitioner.id, agencyId: world.agencyId, role: 'member', addedByUserId: world.superUser.id, joinedAt: now, leftAt: null }).execute()
      }
      await db.insertInto('coordinatorLocalities').values({ authorityId, userId: users.coordinator.id, localityId: world.localityId }).execute()
      panelId = uuidv7()
      listingId = uuidv7()
      await db.insertInto('panels').values({ authorityId, id: panelId, name: 'Matrixa own panel', localityId: world.localityId, createdAt: now }).execute()
      await db.insertInto('panelMembers').values({ authorityId, panelId, userId: users['panel member'].id, addedByUserId: users.administrator.id, addedAt: now }).execute()
      await db
        .insertInto('panelListings')
        .values({ authorityId, id: listingId, panelId, episodeId: records.own.episodeId, reason: 'Needs rising', listedByUserId: users['practitioner on the team'].id, listedAt: now, endedAt: null, endedByUserId: null })
        .execute()
      const elsewhere = await buildAuthority(t, { name: 'Matrixz Council' })
      const elsewhereAgency = await buildAgency(t, elsewhere.id, { name: 'Matrixz School' })
      const stranger = await buildUser(t, elsewhere.id, { roles: ['practitioner'], agencyIds: [elsewhereAgency.id] })
      for (const [pov, account] of Object.entries(users)) browsers.set(pov as PointOfView, await signIn(t, account))
      browsers.set('practitioner of another authority', await signIn(t, stranger))
      browsers.set('family member of this family', await signInFamily(t, { authorityId, accountId: records.own.familyAccountId }))
      browsers.set('family member of another family', await signInFamily(t, { authorityId, accountId: records.other.familyAccountId }))
      browsers.set('anonymous', new Browser(t.app))
    })
    after(() => t.close())

    function fill(url: string, which: Which): string {
      const set = records[which]
      const withPanels = url
        .replace(':panelId', which === 'own' ? panelId : PLACEHOLDER_ID)
        .replace(':listingId', which === 'own' ? listingId : PLACEHOLDER_ID)
        // A person is the episode's child (reached through the episode), except the one a household form lets leave:
        // the child must stay in the household for its records to stay reachable through the episode.
        .replace(':personId', url.startsWith('/households/') ? set.personId : set.episodeChildId)
      // An agency named by a family's or an episode's page is the agency of that family's team.
      const withAgency = /^\/(family\/)?episodes\//.test(url) ? withPanels.replace(':agencyId', agencies[which]) : withPanels
      return fillRoute(withAgency, { ...world, ...set })
    }

    /** Why the last refusal was made (for a failure message). */
    async function lastDenial(): Promise<string> {
      const result = await sql<{ action: string; details: unknown }>`select action, details from audit_events where outcome = 'denied' order by id desc limit 1`.execute(t.database.db)
      return JSON.stringify(result.rows[0] ?? null)
    }

    /** Whether the point of view may read the record (and so may be shown a form's errors). */
    function reads(pov: PointOfView, which: Which): boolean {
      return pov === 'panel member' && which === 'own'
    }

    async function deniedCount(): Promise<number> {
      const result = await sql<{ count: number }>`select count(*)::int as count from audit_events where outcome = 'denied'`.execute(t.database.db)
      return result.rows[0]?.count ?? 0
    }

    it('allows and refuses every case as the access rules say, and audits every refusal', async () => {
      type Case = { method: string; route: string; pov: PointOfView; which: Which; expect: Expected }
      const cases: Case[] = []
      // MATRIX_ONLY=<regex> narrows the routes while investigating a failure (the full matrix always runs in npm test).
      const only = process.env.MATRIX_ONLY ? new RegExp(process.env.MATRIX_ONLY) : null
      for (const route of t.app.routeInventory) {
        if (only && !only.test(route.url)) continue
        if (route.url === '/sign-out' || route.url === '/family/sign-out') continue // ends the session; auth tests cover them
        for (const pov of POINTS_OF_VIEW) {
          for (const which of ['own', 'other'] as const) cases.push({ method: route.method, route: route.url, pov, which, expect: expected(route.method, route.url, pov, which) })
        }
      }
      // Reads first; then the refused changes; then the allowed changes (empty forms, which mostly change nothing); the
      // family's last, since an empty "stop sharing with this agency" form withdraws consent and so, rightly, removes
      // the access of that agency's practitioners at once.
      const family = (c: Case) => c.pov === 'family member of this family' || c.pov === 'family member of another family'
      const order = (c: Case) => (c.method === 'GET' ? 0 : c.expect !== 'allow' ? 1 : family(c) ? 3 : 2)
      cases.sort((a, b) => order(a) - order(b))
      const snapshots = new Map<Which, string>()
      const failures: string[] = []
      const counts: Record<Expected, number> = { public: 0, allow: 0, deny: 0, 'sign-in': 0, 'family-sign-in': 0 }
      for (const c of cases) {
        const browser = browsers.get(c.pov)
        assert.ok(browser)
        const url = fill(c.route, c.which)
        if (c.method !== 'GET' && snapshots.size === 0) snapshots.set('own', await snapshotAuthority(t, world.authorityId))
        const deniedBefore = c.expect === 'deny' ? await deniedCount() : 0
        const response = await browser.send(c.method, url)
        counts[c.expect]++
        const where = `${c.pov} ${c.method} ${c.route} (${c.which}) expected ${c.expect}, got ${response.statusCode} ${response.headers.location ?? ''}`
        const location = String(response.headers.location ?? '')
        const api = c.route.startsWith('/api/')
        let ok: boolean
        if (response.statusCode >= 500) ok = false
        else if (c.expect === 'public') ok = true // served to anyone (a page may send a stranger on, e.g. to sign in)
        else if (c.expect === 'allow') {
          // A route naming a record that does not exist in this world (a retention batch, a break-glass grant) answers 404.
          const notFound = response.statusCode === 404 && (c.method !== 'GET' || url.includes(PLACEHOLDER_ID))
          ok = ![401, 403].includes(response.statusCode) && (c.method !== 'GET' || response.statusCode !== 404 || notFound) && !location.startsWith('/sign-in') && !location.startsWith('/family/sign-in')
        } else if (c.expect === 'sign-in') {
          ok = api ? response.statusCode === 401 : (response.statusCode === 303 && location.startsWith('/sign-in')) || (c.pov !== 'anonymous' && response.statusCode === 403)
        } else if (c.expect === 'family-sign-in') {
          ok = response.statusCode === 303 && location.startsWith('/family/sign-in')
        } else if (c.pov === 'practitioner of another authority') {
          // Another authority's id is not found (or its form finds nothing to change): test/access/authority-isolation.test.ts
          // proves nothing of the other authority is shown or changed.
          ok = [403, 404].includes(response.statusCode) || (c.method === 'POST' && response.statusCode === 400)
        } else if (response.statusCode === 400 && c.method === 'POST' && reads(c.pov, c.which)) {
          // A reader (a panel member) who sends a change with missing fields gets the form's errors, as anyone would;
          // a complete one is refused. Either way nothing changes.
          const before = snapshots.get(c.which)
          const now = await snapshotAuthority(t, world.authorityId)
          ok = before !== undefined && now === before
        } else {
          ok = response.statusCode === 403 && (await deniedCount()) > deniedBefore
          if (response.statusCode === 403 && !ok) failures.push(`${where}: refused but not audited`)
        }
        const related = (c.pov === 'family member of this family' && c.which === 'own') || (c.pov === 'family member of another family' && c.which === 'other')
        if (ok && c.expect !== 'allow' && c.expect !== 'public' && !related && !reads(c.pov, c.which)) {
          const marker = c.which === 'own' ? 'Ownrec' : 'Othrec'
          if (response.body.includes(marker)) failures.push(`${where}: refused but showed the record`)
        }
        if (!ok) failures.push(`${where}${response.statusCode === 403 ? `: ${await lastDenial()} ${response.body.replace(/\s+/g, ' ').slice(0, 300)}` : ''}`)
      }
      process.stdout.write(`# authorisation matrix: ${t.app.routeInventory.length} routes × ${POINTS_OF_VIEW.length} points of view × 2 records = ${cases.length} cases (${counts.allow} allowed, ${counts.deny} refused, ${counts['sign-in'] + counts['family-sign-in']} sent to sign in)\n`)
      assert.deepEqual(failures, [], `${failures.length} cases failed:\n${failures.join('\n')}`)
    })
  })
}
