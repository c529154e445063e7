import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import fc from 'fast-check'
import { databaseKinds } from '../helpers/database.ts'
import { buildTestApp, type Browser, type TestApp } from '../helpers/build-test-app.ts'
import { signIn } from '../helpers/builders.ts'
import { buildAuthorityWorld, fillRoute, snapshotAuthority, type AuthorityWorld } from '../helpers/world.ts'

// Property: whatever arrives at any route — junk fields, control characters, invalid UTF-8, huge or malformed bodies,
// wrong content types, bad ids, prototype-polluting keys — the answer is never a 5xx and nothing in the database changes.

const RUNS_PER_ROUTE = Number(process.env.FUZZ_RUNS ?? 12)

const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\u0007\u001b[31m',
    '\ud800',
    '\uffff\ufffe',
    '<script>alert(1)</script>',
    "' or 1=1 --",
    '${7*7}{{7*7}}',
    '../../etc/passwd',
    '=HYPERLINK("http://x")',
    'x'.repeat(5000),
    '',
    ' ',
    '2026-13-45',
    '-1',
    '1e309',
    'true',
    'null',
  ),
)

const fieldName = fc.oneof(
  fc.constantFrom('what', 'owner', 'ownerAgencyId', 'needId', 'status', 'notDoneReason', 'note', 'source', 'description', 'outcomeWanted', 'frameworkOutcomes', 'signer', 'method', 'confirm'), // plans
  fc.constantFrom('purpose', 'date-day', 'date-month', 'startTime', 'endTime', 'venueName', 'venueAddress', 'neutralVenue', 'accessibilityNotes', 'remoteLink', 'invitees', 'chairUserId', 'minuteTakerUserId', 'text', 'raisedBy', 'intent', 'discussion', 'decisions', 'dueOn-day', 'holidayOn-day', 'holidayOn', 'title'), // meetings
  fc.constantFrom('name', 'email', 'password', 'code', 'roles', 'agencyIds', 'version', 'kind', 'localityId', '__proto__', 'constructor', 'prototype', '_csrf', 'returnTo', 'page', 'from', 'to', 'changeSummary', 'expectedLatestVersion', 'element__child-development__general-health__title', 'question__risk-of-significant-harm__remove', 'newElement__adults__prompts', 'strengths', 'practitionerScore', 'familyScoreAdult', 'familyScoreChild', 'notAssessed', 'familyAgreement', 'discussionDate-day', 'elementKeys', 'userId', 'reviewWeeks', 'familyViews', 'decision', 'decisionReason', 'reason', 'summaryForFamily', 'heldOn-day', 'confirm', 'fields', 'withheldFrom', 'alsoWithhold', 'protectionId', 'endReason', 'panelId', 'active', 'coordinatorLocalityIds', 'statement', 'record', 'localities'),
  fc.constantFrom('supporterName', 'contact', 'why', 'comment', 'goingWell', 'worrying', 'wouldLike', 'share'), // the family's pages
  fc.constantFrom('episode-yearsAfter', 'episode-untilAge', 'episode_safeguarding-yearsAfter', 'episode_safeguarding-untilAge', 'person-yearsAfter', 'subjectId', 'reference', 'id'), // retention
  fc.constantFrom('hiddenFromFamily', 'hiddenReason', 'lawfulBasis', 'specialCategoryCondition', 'agencyId', 'notes', 'field', 'value', 'statement'), // break-glass, sharing, history
  fc.string({ maxLength: 12 }),
)

const formFields = fc.dictionary(fieldName, fc.oneof(nastyString, fc.array(nastyString, { maxLength: 3 })), { maxKeys: 6 })

const badId = fc.constantFrom('not-a-uuid', '00000000-0000-0000-0000-000000000000', '%00', '%E0%A4%A', '..%2F..%2Fsecret', "1'%20or%20'1'='1", 'x'.repeat(300), '-1')

type RawRequest = { method: string; url: string; headers: Record<string, string>; payload?: string | Buffer }

function encodeForm(fields: Record<string, string | string[]>, csrf: string | null): string {
  const parts: string[] = []
  if (csrf) parts.push(`_csrf=${encodeURIComponent(csrf)}`)
  for (const [key, value] of Object.entries(fields)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      try {
        parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(item)}`)
      } catch {
        parts.push(`${encodeURIComponent(key)}=%ED%A0%80`) // a lone surrogate: send it as invalid UTF-8 instead
      }
    }
  }
  return parts.join('&')
}

function requestArbitrary(route: { method: string; url: string }, world: AuthorityWorld, browser: Browser) {
  const cookie = [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; ')
  const url = fc.oneof(
    { weight: 3, arbitrary: fc.constant(fillRoute(route.url, world)) },
    { weight: 2, arbitrary: badId.map(id => route.url.replace(/:\w+/g, id)) },
  )
  const query = fc.oneof(fc.constant(''), fc.dictionary(fieldName, nastyString, { maxKeys: 3 }).map(q => `?${encodeForm(q, null)}`), fc.constant('?page=-1&page=99999999999&from=%ZZ'))
  if (route.method === 'GET') {
    return fc.tuple(url, query).map(([u, q]): RawRequest => ({ method: 'GET', url: u + (u.includes('?') ? '' : q), headers: { cookie } }))
  }
  const csrfHeader = { 'x-csrf-token': browser.csrfToken }
  const body = fc.oneof(
    { weight: 4, arbitrary: fc.tuple(formFields, fc.boolean()).map(([fields, withCsrf]) => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: encodeForm(fields, withCsrf ? browser.csrfToken : null) })) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map(value => ({ headers: { 'content-type': 'application/json', ...csrfHeader }, payload: JSON.stringify(value) ?? 'null' })) },
    { weight: 1, arbitrary: nastyString.map(text => ({ headers: { 'content-type': 'application/json', ...csrfHeader }, payload: `{"broken": ${text}` })) },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'multipart/form-data; boundary=x', 'application/xml', 'application/x-www-form-urlencoded; charset=latin1').map(type => ({ headers: { 'content-type': type, ...csrfHeader }, payload: 'a=b&c=%FF%FE' })) },
    { weight: 1, arbitrary: fc.constant({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(browser.csrfToken)}&name=${'x'.repeat(300 * 1024)}` }) },
    { weight: 1, arbitrary: fc.constant({ headers: { 'content-type': 'application/json', ...csrfHeader }, payload: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]) }) },
  )
  return fc.tuple(url, body).map(([u, b]): RawRequest => ({ method: route.method, url: u, headers: { cookie, ...b.headers }, payload: b.payload }))
}

for (const kind of databaseKinds()) {
  describe(`hostile input on every route (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    let other: AuthorityWorld
    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Fuzzshire')
      other = await buildAuthorityWorld(t, 'Otherford')
    })
    after(() => t.close())

    it('answers junk on every form and API route without a 5xx and without changing anything', { timeout: 600_000 }, async () => {
      const browser = await signIn(t, world.superUser)
      const before = [await snapshotAuthority(t, world.authorityId), await snapshotAuthority(t, other.authorityId)]
      const routes = t.app.routeInventory.filter(route => route.url !== '/sign-out')
      let requests = 0
      for (const route of routes) {
        await fc.assert(
          fc.asyncProperty(requestArbitrary(route, world, browser), async request => {
            requests++
            const response = await t.app.inject({ method: request.method as 'GET', url: request.url, headers: request.headers, ...(request.payload !== undefined ? { payload: request.payload } : {}) })
            if (response.statusCode >= 500) {
              throw new Error(`${request.method} ${request.url} (${request.headers['content-type'] ?? ''}) answered ${response.statusCode}: ${response.body.slice(0, 300)}`)
            }
            if (request.url.startsWith('/api/') && response.statusCode >= 400) {
              assert.match(String(response.headers['content-type']), /application\/problem\+json/, `${request.method} ${request.url} error is not problem+json`)
            }
          }),
          { numRuns: RUNS_PER_ROUTE, seed: 20261124, endOnFailure: true },
        )
      }
      const afterwards = [await snapshotAuthority(t, world.authorityId), await snapshotAuthority(t, other.authorityId)]
      assert.deepEqual(afterwards, before, 'junk input changed the database')
      process.stdout.write(`# fuzz: ${routes.length} routes, ${requests} generated requests, no 5xx, no change\n`)
    })
  })
}
