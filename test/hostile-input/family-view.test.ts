import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import fc from 'fast-check'
import type { LightMyRequestResponse } from 'fastify'
import { sql } from 'kysely'
import { databaseKinds } from '../helpers/database.ts'
import { Browser, buildTestApp, type TestApp } from '../helpers/build-test-app.ts'
import { signIn, signInFamily } from '../helpers/builders.ts'
import { buildAuthorityWorld, fillRoute, snapshotAuthority, type AuthorityWorld } from '../helpers/world.ts'

// Hostile input for the family's own view (issue 7): every /family route fuzzed under a signed-in family session and
// anonymously, CSRF on every family POST, session fixation, open redirects through returnTo, brute force of the
// one-time codes, and the protective headers and cookies on every family route.

const RUNS_SIGNED_IN = Number(process.env.FAMILY_FUZZ_RUNS ?? 10)
const RUNS_ANONYMOUS = Math.max(3, Math.round(RUNS_SIGNED_IN / 2))
const SEED = 20261207
const ORIGIN = 'https://onestory.example'

// ---- a browser for the family pages from its own IP address (the sign-in routes are rate-limited per IP) ----------

let ipCounter = 0
function nextIp(): string {
  ipCounter++
  return `10.77.${Math.floor(ipCounter / 250)}.${(ipCounter % 250) + 1}`
}

class FamilyBrowser {
  readonly cookies = new Map<string, string>()
  csrfToken = ''
  constructor(
    private readonly t: TestApp,
    readonly ip = nextIp(),
  ) {}
  private remember(response: LightMyRequestResponse) {
    for (const cookie of response.cookies) {
      if (cookie.value === '' || cookie.maxAge === 0 || (cookie.expires !== undefined && new Date(cookie.expires).getTime() < Date.now())) this.cookies.delete(cookie.name)
      else this.cookies.set(cookie.name, cookie.value)
    }
    if (String(response.headers['content-type'] ?? '').startsWith('text/html')) {
      const token = load(response.body)('input[name="_csrf"]').first().attr('value')
      if (token) this.csrfToken = token
    }
  }
  header() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }
  async get(url: string) {
    const response = await this.t.app.inject({ method: 'GET', url, remoteAddress: this.ip, headers: { cookie: this.header(), 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0' } })
    this.remember(response)
    return response
  }
  async post(url: string, fields: Record<string, string | string[]>, options: { csrf?: boolean } = {}) {
    if (!this.csrfToken) await this.get('/family/sign-in')
    const body = new URLSearchParams()
    if (options.csrf !== false && !('_csrf' in fields)) body.append('_csrf', this.csrfToken)
    for (const [name, value] of Object.entries(fields)) for (const item of Array.isArray(value) ? value : [value]) body.append(name, item)
    const response = await this.t.app.inject({
      method: 'POST',
      url,
      remoteAddress: this.ip,
      payload: body.toString(),
      headers: { cookie: this.header(), 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0' },
    })
    this.remember(response)
    return response
  }
}

/** A signed-in family browser (a session made directly, as test/helpers/builders.ts signInFamily does) with its CSRF token. */
async function familyBrowser(t: TestApp, world: AuthorityWorld): Promise<FamilyBrowser> {
  const helper = await signInFamily(t, { authorityId: world.authorityId, accountId: world.familyAccountId })
  const browser = new FamilyBrowser(t)
  for (const [name, value] of helper.cookies) browser.cookies.set(name, value)
  const home = await browser.get('/family/account')
  assert.equal(home.statusCode, 200, 'the family session works')
  return browser
}

// ---- the state a family (or junk) could change ---------------------------------------------------------------------

const FAMILY_TABLES: Record<string, string> = {
  family_accounts: 'select id, name, email, mobile, language, status, kind, revoked_at, version from family_accounts where authority_id = $1',
  family_account_episodes: 'select account_id, episode_id, revoked_at from family_account_episodes where authority_id = $1',
  family_sessions: 'select public_id, account_id from family_sessions where authority_id = $1',
  family_sign_in_codes: 'select id, account_id, attempts, used_at from family_sign_in_codes where authority_id = $1',
  family_devices: 'select account_id, device_hash from family_devices where authority_id = $1',
  family_views: 'select id, kind, going_well, worrying, would_like, shared_with_family, shared_with_team, version from family_views where authority_id = $1',
  family_scores: 'select * from family_scores where authority_id = $1',
  consent_agency_withdrawals: 'select * from consent_agency_withdrawals where authority_id = $1',
  agenda_items: 'select id, text, removed_at from agenda_items where authority_id = $1',
  plan_action_updates: 'select id, status, note from plan_action_updates where authority_id = $1',
  team_changes: 'select id, change, member_name from team_changes where authority_id = $1',
  outbox: 'select id, recipient, subject from outbox where authority_id = $1',
}

async function familyState(t: TestApp, authorityId: string): Promise<string> {
  const parts: string[] = []
  for (const [name, query] of Object.entries(FAMILY_TABLES)) {
    const result = await sql.raw<Record<string, unknown>>(`select * from (${query.replace('$1', `'${authorityId}'`)}) as x order by 1, 2`).execute(t.database.db)
    parts.push(`${name}:${JSON.stringify(result.rows)}`)
  }
  return parts.join('\n')
}

// ---- the forms on the family's pages ---------------------------------------------------------------------------------

type FormField = { name: string; value: string }
type FoundForm = { action: string; fields: FormField[]; names: Set<string> }

/** Every POST form on the given pages, by action path: its fields filled with valid choices (hidden values kept). */
async function collectForms(browser: FamilyBrowser, pages: string[]): Promise<Map<string, FoundForm>> {
  const forms = new Map<string, FoundForm>()
  for (const page of pages) {
    const response = await browser.get(page)
    if (!String(response.headers['content-type'] ?? '').startsWith('text/html')) continue
    const $ = load(response.body)
    $('form').each((_index, element) => {
      const form = $(element)
      if ((form.attr('method') ?? 'get').toLowerCase() !== 'post') return
      const action = (form.attr('action') ?? page).split('?')[0] ?? page
      const fields: FormField[] = []
      const names = new Set<string>()
      const radios = new Set<string>()
      form.find('input, textarea, select').each((_i, control) => {
        const input = $(control)
        const name = input.attr('name')
        if (!name) return
        names.add(name)
        if (name === '_csrf') return
        const type = (input.attr('type') ?? (control.tagName === 'textarea' ? 'textarea' : control.tagName === 'select' ? 'select' : 'text')).toLowerCase()
        if (type === 'hidden') fields.push({ name, value: input.attr('value') ?? '' })
        else if (type === 'radio') {
          if (radios.has(name)) return
          radios.add(name)
          fields.push({ name, value: input.attr('value') ?? '' })
        } else if (type === 'checkbox' || type === 'submit' || type === 'button') return
        else if (type === 'select') fields.push({ name, value: input.find('option').filter((_o, option) => ($(option).attr('value') ?? '') !== '').first().attr('value') ?? '' })
        else fields.push({ name, value: 'A hostile-input check' })
      })
      if (!forms.has(action)) forms.set(action, { action, fields, names })
    })
  }
  return forms
}

// ---- junk ---------------------------------------------------------------------------------------------------------------

const PAYLOAD = '<script>alert(1)</script>'

const nastyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\u0007\u001b[31m',
    '\ud800',
    '\uffff\ufffe',
    '\u202eevil\u202c',
    '\r\nSet-Cookie: x=1',
    PAYLOAD,
    '"><img src=x onerror=alert(1)>',
    "' or 1=1 --",
    '${7*7}{{7*7}}{% raw %}',
    '../../etc/passwd',
    '=HYPERLINK("http://x")',
    '//evil.example',
    'https://evil.example',
    'x'.repeat(5000),
    '9'.repeat(400),
    '',
    ' ',
    '-1',
    '1e309',
    'NaN',
    'true',
    'null',
    '123456',
    '000000',
    'en',
    'cy',
    'done',
    'comment',
    'friend',
    'yes',
  ),
)

const FAMILY_FIELD_NAMES = ['contact', 'code', 'returnTo', 'language', 'kind', 'supporterName', 'why', 'intent', 'comment', 'version', 'text', 'goingWell', 'worrying', 'wouldLike', 'share', 'confirm', 'page', 'done', 'agency']
const fieldName = fc.oneof(fc.constantFrom(...FAMILY_FIELD_NAMES, '__proto__', 'constructor', 'prototype', '_csrf', '_held', 'toString'), fc.string({ maxLength: 12 }))

const badId = fc.constantFrom('not-a-uuid', '00000000-0000-0000-0000-000000000000', '01936f5e-0000-7000-8000-000000000000', '%00', '%E0%A4%A', '..%2F..%2Fsecret', "1'%20or%20'1'='1", 'x'.repeat(300), '-1', '%3Cscript%3E')

function encodeForm(fields: ReadonlyArray<readonly [string, string]>): string {
  return fields
    .map(([key, value]) => {
      try {
        return `${encodeURIComponent(key)}=${encodeURIComponent(value)}`
      } catch {
        return `${encodeURIComponent(key.isWellFormed() ? key : 'x')}=%ED%A0%80` // a lone surrogate: send it as invalid UTF-8 instead
      }
    })
    .join('&')
}

type RawRequest = { method: 'GET' | 'POST'; url: string; headers: Record<string, string>; payload?: string | Buffer; ip: string; poison: string }

/**
 * A request to one family route. GETs carry junk queries and bad ids. Every POST is invalid by construction, so it
 * must change nothing: junk in every field of the route's real form and then one poison — no CSRF token, a wrong
 * one, a field the form does not have, a non-form body, a body that is not what it says, or a huge one.
 */
function requestArbitrary(route: { method: string; url: string }, world: AuthorityWorld, cookies: Map<string, string>, csrfToken: string, form: FoundForm | undefined) {
  const url = fc.oneof({ weight: 4, arbitrary: fc.constant(fillRoute(route.url, world)) }, { weight: 2, arbitrary: badId.map(id => route.url.replace(/:\w+/g, id)) })
  const cookieJar = fc.oneof(
    { weight: 6, arbitrary: fc.constant(new Map(cookies)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('__Host-onestory-family', '__Host-onestory-family-pending', '__Host-onestory-csrf', '__Host-onestory-language'), fc.oneof(fc.string({ unit: fc.constantFrom(...'abcXYZ019-_=+/.%'.split('')), maxLength: 300 }), fc.constantFrom('eyJjIjoiIn0', Buffer.from('{"c":"parent@example.org","r":"//evil.example"}').toString('base64url'), 'null', '')))
        .map(([name, value]) => new Map([...cookies, [name, value]])),
    },
  )
  const ip = fc.integer({ min: 1, max: 250 }).map(n => `10.${(SEED % 200) + 1}.${n}.${n}`)
  const cookieHeader = (jar: Map<string, string>) => [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
  if (route.method === 'GET') {
    const query = fc.oneof(
      fc.constant(''),
      fc.array(fc.tuple(fieldName, nastyString), { maxLength: 3 }).map(pairs => `?${encodeForm(pairs)}`),
      fc.constantFrom('?page=-1&page=99999999999&from=%ZZ', '?done=stopped&agency=%3Cscript%3E', '?returnTo=%2F%2Fevil.example', '?timedOut=1&signedOut=1&again=1'),
    )
    return fc.tuple(url, query, cookieJar, ip).map(([u, q, jar, address]): RawRequest => ({ method: 'GET', url: u + q, headers: { cookie: cookieHeader(jar) }, ip: address, poison: 'none' }))
  }
  const known = form ? [...form.names].filter(name => name !== '_csrf') : FAMILY_FIELD_NAMES
  const junkValue = fc.oneof({ weight: 4, arbitrary: nastyString }, { weight: 1, arbitrary: fc.array(nastyString, { minLength: 2, maxLength: 3 }) })
  // Junk in every field of the form (or a plausible guess of its fields), a real hidden value now and then.
  const junkFields = fc.tuple(...known.map(name => fc.oneof({ weight: 5, arbitrary: junkValue }, { weight: 1, arbitrary: fc.constant(form?.fields.find(field => field.name === name)?.value ?? '') }, { weight: 1, arbitrary: fc.constant(null) }).map(value => [name, value] as const)))
  const pairs = junkFields.map(entries => entries.flatMap(([name, value]) => (value === null ? [] : (Array.isArray(value) ? value : [value]).map(item => [name, item] as const))))
  const unknownName = fc.oneof(fc.constantFrom(...FAMILY_FIELD_NAMES, 'zzUnknown', 'constructor', 'toString'), fc.string({ minLength: 1, maxLength: 12 })).filter(name => !known.includes(name) && name !== '_csrf' && name !== '__proto__' && name !== '_held')
  const formType = { 'content-type': 'application/x-www-form-urlencoded' }
  const body = fc.oneof(
    { weight: 3, arbitrary: pairs.map(p => ({ poison: 'no CSRF token', headers: formType, payload: encodeForm(p) })) },
    { weight: 2, arbitrary: fc.tuple(pairs, fc.oneof(fc.string({ maxLength: 60 }), fc.constant(csrfToken.slice(0, -1)), fc.constant(`${csrfToken}x`), fc.constant(csrfToken.toUpperCase()))).map(([p, token]) => ({ poison: 'wrong CSRF token', headers: formType, payload: encodeForm([['_csrf', token], ...p]) })) },
    { weight: 6, arbitrary: fc.tuple(pairs, unknownName, nastyString).map(([p, extra, value]) => ({ poison: `unknown field ${JSON.stringify(extra)}`, headers: formType, payload: encodeForm([['_csrf', csrfToken], ...p, [extra, value]]) })) },
    { weight: 2, arbitrary: fc.tuple(fc.dictionary(fc.constantFrom(...known, '_held'), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), unknownName).map(([object, extra]) => ({ poison: 'JSON with an unknown field', headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken }, payload: JSON.stringify({ ...object, [extra]: 1 }) })) },
    { weight: 1, arbitrary: fc.oneof(fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 3 }), fc.string(), fc.integer(), fc.constant(null)).map(value => ({ poison: 'JSON that is not an object', headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken }, payload: JSON.stringify(value) })) },
    { weight: 1, arbitrary: nastyString.map(text => ({ poison: 'broken JSON', headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken }, payload: `{"broken": ${text}` })) },
    { weight: 1, arbitrary: fc.constantFrom('text/plain', 'multipart/form-data; boundary=x', 'application/xml', 'application/x-www-form-urlencoded; charset=latin1', '').map(type => ({ poison: `content type ${type}`, headers: { 'content-type': type, 'x-csrf-token': csrfToken }, payload: 'zzUnknown=b&c=%FF%FE' })) },
    { weight: 1, arbitrary: fc.constant({ poison: 'a 300 KB body', headers: formType, payload: `_csrf=${encodeURIComponent(csrfToken)}&zzUnknown=${'x'.repeat(300 * 1024)}` }) },
    { weight: 1, arbitrary: fc.constant({ poison: 'invalid UTF-8 JSON', headers: { 'content-type': 'application/json', 'x-csrf-token': csrfToken }, payload: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]) }) },
  )
  return fc.tuple(url, body, cookieJar, ip).map(([u, b, jar, address]): RawRequest => ({ method: 'POST', url: u, headers: { cookie: cookieHeader(jar), ...b.headers }, payload: b.payload, ip: address, poison: b.poison }))
}

// ---- headers ------------------------------------------------------------------------------------------------------------

/** The same checks as test/security/headers.test.ts, for the family's responses. */
function assertProtectiveHeaders(headers: Record<string, unknown>, where: string) {
  const csp = String(headers['content-security-policy'] ?? '')
  const strict = String(headers['content-disposition'] ?? '').startsWith('attachment') && csp.includes("default-src 'none'")
  const required = strict
    ? ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "default-src 'none'", "form-action 'none'", 'sandbox']
    : ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "default-src 'self'", "form-action 'self'"]
  for (const directive of required) assert.ok(csp.includes(directive), `${where}: CSP lacks ${directive}`)
  assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), `${where}: CSP allows inline or eval`)
  assert.equal(headers['x-content-type-options'], 'nosniff', `${where}: nosniff`)
  assert.equal(headers['referrer-policy'], 'same-origin', `${where}: referrer policy`)
  assert.match(String(headers['strict-transport-security']), /max-age=31536000; includeSubDomains/, `${where}: HSTS`)
  assert.equal(headers['cache-control'], 'no-store', `${where}: cache-control`)
}

/** A Location that stays on this site: a path, not `//host` or `/\host`, no control characters, resolving to our origin. */
function assertOnSite(location: unknown, where: string) {
  const value = String(location ?? '')
  assert.ok(value.startsWith('/'), `${where}: Location ${JSON.stringify(value)} is not a path`)
  assert.ok(!/^\/[/\\]/.test(value), `${where}: Location ${JSON.stringify(value)} is protocol-relative`)
  assert.ok(!/[\u0000-\u001f\u007f]/.test(value), `${where}: Location ${JSON.stringify(value)} has control characters`)
  // Browsers drop tabs and newlines and read \ as / before resolving: do the same.
  const asBrowser = new URL(value.replace(/[\t\n\r]/g, '').replace(/\\/g, '/'), ORIGIN)
  assert.equal(asBrowser.origin, ORIGIN, `${where}: Location ${JSON.stringify(value)} leaves the site`)
}

// ---- the tests ------------------------------------------------------------------------------------------------------------

for (const kind of databaseKinds()) {
  describe(`hostile input on the family's own view (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    let other: AuthorityWorld
    let familyGets: { method: string; url: string }[]
    let familyPosts: { method: string; url: string }[]
    const parentEmail = () => `parent.${world.marker.toLowerCase()}@example.org`

    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Famfuzz')
      other = await buildAuthorityWorld(t, 'Famother')
      const routes = t.app.routeInventory.filter(route => route.url === '/family' || route.url.startsWith('/family/'))
      familyGets = routes.filter(route => route.method === 'GET')
      familyPosts = routes.filter(route => route.method === 'POST')
    })
    after(() => t.close())

    async function codeFor(recipient: string): Promise<string> {
      const row = await t.database.db.selectFrom('outbox').select('bodyText').where('recipient', '=', recipient).orderBy('createdAt', 'desc').orderBy('id', 'desc').executeTakeFirst()
      const match = /(\d{6})/.exec(row?.bodyText ?? '')
      assert.ok(match?.[1], `a code was sent to ${recipient}`)
      return match[1]
    }

    /** Asks for a code (an hour after the last, so the 5-an-hour limit never bites) and returns it. */
    async function requestCode(browser: FamilyBrowser, fields: Record<string, string> = {}): Promise<string> {
      t.clock.advanceMinutes(61)
      const response = await browser.post('/family/sign-in', { contact: parentEmail(), ...fields })
      assert.equal(response.statusCode, 303)
      assert.equal(response.headers.location, '/family/sign-in/code')
      return codeFor(parentEmail())
    }

    it('answers junk on every /family route, signed in as the family and anonymously, without a 5xx, refusing every POST and changing nothing', { timeout: 600_000 }, async () => {
      const family = await familyBrowser(t, world)
      const pages = familyGets.filter(route => !route.url.endsWith('.ics') && !route.url.includes(':familyDocumentId')).map(route => fillRoute(route.url, world))
      const forms = await collectForms(family, pages)
      const formOf = (route: { url: string }) => forms.get(fillRoute(route.url, world))
      // An anonymous browser part-way through signing in (a code asked for a contact nobody has), so the code form is parsed.
      const anonymous = new FamilyBrowser(t)
      assert.equal((await anonymous.post('/family/sign-in', { contact: 'nobody.at.all@example.org' })).statusCode, 303)
      const anonymousForms = await collectForms(anonymous, ['/family/sign-in', '/family/sign-in/code'])

      const before = { full: [await snapshotAuthority(t, world.authorityId), await snapshotAuthority(t, other.authorityId)], family: [await familyState(t, world.authorityId), await familyState(t, other.authorityId)] }
      const statuses = new Map<number, number>()
      let requests = 0
      let formsFound = 0
      const passes = [
        { who: 'family', browser: family, routes: [...familyGets, ...familyPosts], runs: RUNS_SIGNED_IN, formFor: formOf },
        { who: 'anonymous', browser: anonymous, routes: [...familyGets, ...familyPosts], runs: RUNS_ANONYMOUS, formFor: (route: { url: string }) => anonymousForms.get(route.url) ?? formOf(route) },
      ]
      for (const pass of passes) {
        for (const route of pass.routes) {
          const form = route.method === 'POST' ? pass.formFor(route) : undefined
          if (form) formsFound++
          await fc.assert(
            fc.asyncProperty(requestArbitrary(route, world, pass.browser.cookies, pass.browser.csrfToken, form), async request => {
              requests++
              const response = await t.app.inject({ method: request.method, url: request.url, remoteAddress: request.ip, headers: request.headers, ...(request.payload !== undefined ? { payload: request.payload } : {}) })
              statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1)
              const where = `${pass.who}: ${request.method} ${request.url.slice(0, 120)} (${request.poison}, ${request.headers['content-type'] ?? ''})`
              if (response.statusCode >= 500) throw new Error(`${where} answered ${response.statusCode}: ${response.body.slice(0, 300)}`)
              if (request.method === 'POST') {
                // Refused, or sent to sign in (no session; no code asked for): never accepted.
                const toSignIn = response.statusCode === 303 && String(response.headers.location).startsWith('/family/sign-in')
                assert.ok(response.statusCode >= 400 || toSignIn, `${where} was accepted: ${response.statusCode} → ${response.headers.location}`)
              }
              if (response.statusCode >= 300 && response.statusCode < 400) assertOnSite(response.headers.location, where)
              assert.ok(!response.body.includes(PAYLOAD), `${where} echoed a script tag unescaped`)
            }),
            { numRuns: pass.runs, seed: SEED, endOnFailure: true },
          )
          if (route.method === 'POST') assert.deepEqual([await familyState(t, world.authorityId)], [before.family[0]], `${pass.who}: junk on POST ${route.url} changed the family's records`)
        }
      }
      // The family session survived the fuzz (nothing ended it) and the world is as it was.
      assert.equal((await family.get('/family/account')).statusCode, 200)
      const afterwards = { full: [await snapshotAuthority(t, world.authorityId), await snapshotAuthority(t, other.authorityId)], family: [await familyState(t, world.authorityId), await familyState(t, other.authorityId)] }
      assert.deepEqual(afterwards, before, 'junk input changed the database')
      assert.ok(formsFound >= familyPosts.length - 1, `the real form was found for most family POST routes (${formsFound})`)
      const summary = [...statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status}×${count}`).join(' ')
      process.stdout.write(`# family fuzz (${kind}): ${familyGets.length} GET + ${familyPosts.length} POST routes, ${requests} generated requests (${formsFound} of ${familyPosts.length * 2} POST route passes used the real form's field names), no 5xx, no POST accepted, no change; statuses ${summary}\n`)
    })

    it('refuses every family POST without the right CSRF token (none, wrong, another browser’s) and changes nothing; the right token gets through', async () => {
      const template = await familyBrowser(t, world)
      const pages = familyGets.filter(route => !route.url.endsWith('.ics') && !route.url.includes(':familyDocumentId')).map(route => fillRoute(route.url, world))
      const forms = await collectForms(template, pages)
      const stranger = await familyBrowser(t, other) // a real, valid token — for another browser
      let refusals = 0
      let controls = 0
      for (const route of familyPosts) {
        const url = fillRoute(route.url, world)
        const signedIn = !url.startsWith('/family/sign-in') && url !== '/family/language'
        const form = forms.get(url)
        const valid: Record<string, string> = Object.fromEntries((form?.fields ?? []).map(field => [field.name, field.value]))
        if (url === '/family/sign-in') valid.contact = parentEmail()
        if (url === '/family/sign-in/code') valid.code = '123456'
        if (url === '/family/language') valid.language = 'cy'
        if (url.endsWith('/meetings/' + world.meetingId + '/agenda')) valid.text = 'A hostile-input check'
        const browser = signedIn ? await familyBrowser(t, world) : new FamilyBrowser(t)
        if (url === '/family/sign-in/code') await browser.post('/family/sign-in', { contact: 'nobody.else@example.org' })
        if (!browser.csrfToken) await browser.get('/family/help')
        const state = await familyState(t, world.authorityId)
        const attempts: [string, Record<string, string>, Record<string, string>][] = [
          ['no token', valid, {}],
          ['an empty token', { ...valid, _csrf: '' }, {}],
          ['a wrong token', { ...valid, _csrf: 'x'.repeat(43) }, {}],
          ['another browser’s token', { ...valid, _csrf: stranger.csrfToken }, {}],
          ['another browser’s token in the header', valid, { 'x-csrf-token': stranger.csrfToken }],
        ]
        for (const [what, fields, headers] of attempts) {
          const response = await t.app.inject({
            method: 'POST',
            url,
            remoteAddress: browser.ip,
            payload: new URLSearchParams(fields).toString(),
            headers: { cookie: browser.header(), 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example', ...headers },
          })
          assert.equal(response.statusCode, 403, `POST ${route.url} with ${what} answered ${response.statusCode}`)
          assert.match(response.body, /Nothing has been changed/)
          refusals++
        }
        assert.deepEqual(await familyState(t, world.authorityId), state, `POST ${route.url} without the right token changed something`)
        // The control: the same form with this browser's own token is not refused for its CSRF token.
        const control = await browser.post(url, valid)
        assert.ok(control.statusCode < 500 && !/Nothing has been changed/.test(control.body), `POST ${route.url} with its own token answered ${control.statusCode}: ${control.body.slice(0, 200)}`)
        if (form || !signedIn) controls++
      }
      process.stdout.write(`# family CSRF (${kind}): ${familyPosts.length} POST routes, ${refusals} forged posts refused with 403 and nothing changed, ${controls} controls with the right token got through\n`)
    })

    it('gives a new family session id at every sign-in: a planted cookie, or a real session planted by someone else, is worthless', async () => {
      const cookieName = '__Host-onestory-family'
      // An attacker-chosen value.
      const victim = new FamilyBrowser(t)
      victim.cookies.set(cookieName, 'attacker-chosen-value')
      const code = await requestCode(victim)
      const signedIn = await victim.post('/family/sign-in/code', { code })
      assert.equal(signedIn.statusCode, 303)
      const issued = signedIn.cookies.find(cookie => cookie.name === cookieName)
      assert.ok(issued, 'a session cookie is set at sign-in')
      assert.notEqual(issued.value, 'attacker-chosen-value')
      assert.ok(issued.value.length >= 32, 'the session id is long and random')
      assert.equal(issued.httpOnly, true)
      assert.equal(issued.secure, true)
      assert.equal(issued.sameSite, 'Lax')
      assert.equal(issued.path, '/')
      assert.equal(issued.domain, undefined)
      assert.equal((await victim.get('/family/account')).statusCode, 200)

      // The attacker's own real session, planted in the victim's browser: signing in replaces it and ends it.
      const attacker = await familyBrowser(t, world)
      const planted = attacker.cookies.get(cookieName)
      assert.ok(planted)
      const second = new FamilyBrowser(t)
      second.cookies.set(cookieName, planted)
      // A signed-in browser is sent home from the sign-in page, but may still post the form (e.g. from an old tab).
      await second.get('/family/help')
      const secondCode = await requestCode(second)
      const again = await second.post('/family/sign-in/code', { code: secondCode })
      assert.equal(again.statusCode, 303)
      const replaced = again.cookies.find(cookie => cookie.name === cookieName)
      assert.ok(replaced)
      assert.notEqual(replaced.value, planted, 'the planted session id is not kept')
      const replay = await attacker.get('/family/account')
      assert.equal(replay.statusCode, 303, 'the planted session has ended')
      assert.match(String(replay.headers.location), /^\/family\/sign-in/)

      // Signing in twice in one browser: two different ids, the first ended.
      const first = second.cookies.get(cookieName)
      const thirdCode = await requestCode(second)
      const third = await second.post('/family/sign-in/code', { code: thirdCode })
      assert.notEqual(third.cookies.find(cookie => cookie.name === cookieName)?.value, first)
      const stale = new FamilyBrowser(t)
      stale.cookies.set(cookieName, first ?? '')
      assert.equal((await stale.get('/family/account')).statusCode, 303)

      // After signing out, the old cookie is worth nothing.
      const kept = second.cookies.get(cookieName) ?? ''
      assert.equal((await second.post('/family/sign-out', {})).statusCode, 303)
      const replayed = new FamilyBrowser(t)
      replayed.cookies.set(cookieName, kept)
      assert.equal((await replayed.get('/family/account')).statusCode, 303)

      // A practitioner's session id offered as a family session id, and the other way round, is refused.
      const practitioner = await signIn(t, world.superUser)
      const practitionerSecret = practitioner.cookies.get('__Host-onestory-session') ?? ''
      const swapped = new FamilyBrowser(t)
      swapped.cookies.set(cookieName, practitionerSecret)
      assert.equal((await swapped.get('/family/account')).statusCode, 303)
      assert.match(String((await swapped.get('/family/account')).headers.location), /^\/family\/sign-in/)
      const familySecret = (await familyBrowser(t, world)).cookies.get(cookieName) ?? ''
      const swappedBack = new Browser(t.app)
      swappedBack.cookies.set('__Host-onestory-session', familySecret)
      const practitionerPage = await swappedBack.get('/episodes')
      assert.equal(practitionerPage.statusCode, 303)
      assert.match(String(practitionerPage.headers.location), /^\/sign-in/)
    })

    it('never redirects off the site through returnTo on /family/language, /family/sign-in and the code page', async () => {
      const hostile = [
        'https://evil.example',
        '//evil.example',
        '///evil.example',
        '/\\evil.example',
        '\\\\evil.example',
        '/\t/evil.example',
        '/\n/evil.example',
        ' //evil.example',
        'javascript:alert(1)',
        'data:text/html,<script>alert(1)</script>',
        'http:evil.example',
        '%2F%2Fevil.example',
        '/%2F/evil.example',
        '/family/\r\nSet-Cookie: x=1',
        '/family/日本語',
        '/family/\u2028',
        `/family/${'x'.repeat(600)}`,
        '/family/../..//evil.example',
      ]
      let checked = 0
      // Changing language, signed in and not.
      const family = await familyBrowser(t, world)
      const anonymous = new FamilyBrowser(t)
      await anonymous.get('/family/sign-in')
      for (const returnTo of hostile) {
        for (const [who, browser] of [['family', family], ['anonymous', anonymous]] as const) {
          const response = await browser.post('/family/language', { language: 'en', returnTo })
          assert.ok(response.statusCode < 500, `language ${who} ${JSON.stringify(returnTo)} answered ${response.statusCode}`)
          if (response.statusCode === 303) assertOnSite(response.headers.location, `language ${who} ${JSON.stringify(returnTo)}`)
          checked++
        }
        // The sign-in page keeps only a safe returnTo in its form.
        const page = await anonymous.get(`/family/sign-in?returnTo=${encodeURIComponent(returnTo)}`)
        assert.ok(page.statusCode < 500)
        const $ = load(page.body)
        const kept = $('form:has(input[name="contact"]) input[name="returnTo"]').attr('value') ?? ''
        if (kept !== '') assertOnSite(kept, `sign-in page ${JSON.stringify(returnTo)}`)
        $('input[name="returnTo"]').each((_i, input) => assertOnSite($(input).attr('value') || '/', `a returnTo on the sign-in page for ${JSON.stringify(returnTo)}`))
      }
      // A safe one is honoured (the control).
      const honoured = await family.post('/family/language', { language: 'en', returnTo: '/family/account' })
      assert.equal(honoured.headers.location, '/family/account')

      // Signing in all the way with each returnTo: the code page sends the family somewhere on this site, in /family.
      for (const returnTo of hostile) {
        const browser = new FamilyBrowser(t)
        t.clock.advanceMinutes(61)
        const asked = await browser.post('/family/sign-in', { contact: parentEmail(), returnTo })
        assert.ok(asked.statusCode === 303 || asked.statusCode === 400, `asking for a code with returnTo ${JSON.stringify(returnTo)} answered ${asked.statusCode}`)
        if (asked.statusCode === 400) continue // refused outright (too long)
        assertOnSite(asked.headers.location, `asking for a code with returnTo ${JSON.stringify(returnTo)}`)
        const code = await codeFor(parentEmail())
        const signedIn = await browser.post('/family/sign-in/code', { code })
        assert.equal(signedIn.statusCode, 303, `sign-in with returnTo ${JSON.stringify(returnTo)} answered ${signedIn.statusCode}`)
        assertOnSite(signedIn.headers.location, `sign-in returnTo ${JSON.stringify(returnTo)}`)
        assert.match(String(signedIn.headers.location), /^\/family(\/|$)/)
        checked++
      }
      // A forged pending cookie (it is not signed) cannot carry an off-site returnTo either.
      for (const returnTo of ['//evil.example', 'https://evil.example', '/\\evil.example']) {
        const browser = new FamilyBrowser(t)
        const code = await requestCode(browser)
        browser.cookies.set('__Host-onestory-family-pending', Buffer.from(JSON.stringify({ c: parentEmail(), r: returnTo })).toString('base64url'))
        const signedIn = await browser.post('/family/sign-in/code', { code })
        assert.equal(signedIn.statusCode, 303)
        assert.equal(signedIn.headers.location, '/family')
        checked++
      }
      // Anonymous visits to a family page go to sign-in with the page to come back to, never elsewhere.
      const bounced = await new FamilyBrowser(t).get(`/family/episodes/${world.episodeId}/plan?returnTo=%2F%2Fevil.example`)
      assert.equal(bounced.statusCode, 303)
      assertOnSite(bounced.headers.location, 'requireFamily')
      process.stdout.write(`# family open redirect (${kind}): ${hostile.length} hostile returnTo values, ${checked} redirects checked, all on this site\n`)
    })

    it('stops brute force of codes: 5 wrong tries kill a code (across browsers, addresses and at once), 5 codes an hour, 20 tries a minute an address', { timeout: 120_000 }, async () => {
      const pendingFor = (contact: string) => Buffer.from(JSON.stringify({ c: contact })).toString('base64url')
      const attemptsOf = async () => (await t.database.db.selectFrom('familySignInCodes').select(['attempts', 'usedAt']).where('accountId', '=', world.familyAccountId).orderBy('createdAt', 'desc').orderBy('id', 'desc').executeTakeFirstOrThrow())
      const wrongFor = (code: string, n: number) => String((Number(code) + 1 + n) % 1_000_000).padStart(6, '0')

      // 1. Five wrong tries, each from a different browser and address (the pending cookie forged: it is not signed).
      const owner = new FamilyBrowser(t)
      const code = await requestCode(owner)
      for (let attempt = 0; attempt < 5; attempt++) {
        const attacker = new FamilyBrowser(t)
        attacker.cookies.set('__Host-onestory-family-pending', pendingFor(parentEmail()))
        await attacker.get('/family/sign-in/code')
        const response = await attacker.post('/family/sign-in/code', { code: wrongFor(code, attempt) })
        assert.equal(response.statusCode, 401)
      }
      assert.equal((await attemptsOf()).attempts, 5)
      const dead = await owner.post('/family/sign-in/code', { code })
      assert.equal(dead.statusCode, 401, 'the right code is dead after 5 wrong tries from anywhere')
      assert.equal(dead.cookies.find(cookie => cookie.name === '__Host-onestory-family'), undefined, 'no session')
      // Formatting the right code differently does not bring it back.
      for (const variant of [`${code.slice(0, 3)} ${code.slice(3)}`, `${code.slice(0, 3)}-${code.slice(3)}`, ` ${code} `]) {
        assert.equal((await owner.post('/family/sign-in/code', { code: variant })).statusCode, 401)
      }
      // Other ways of writing digits are not digits.
      for (const variant of ['１２３４５６', '١٢٣٤٥٦', '12345６', '+123456', '0x1E240', '123456.0']) {
        assert.equal((await owner.post('/family/sign-in/code', { code: variant })).statusCode, 400, `${variant} is not a code`)
      }

      // 2. Many wrong tries at once: only 5 count, and the right one is refused afterwards.
      const live = new FamilyBrowser(t)
      const liveCode = await requestCode(live)
      const guessers = Array.from({ length: 24 }, () => {
        const browser = new FamilyBrowser(t)
        browser.cookies.set('__Host-onestory-family-pending', pendingFor(parentEmail()))
        return browser
      })
      await Promise.all(guessers.map(browser => browser.get('/family/sign-in/code')))
      const answers = await Promise.all(guessers.map((browser, n) => browser.post('/family/sign-in/code', { code: wrongFor(liveCode, n) })))
      assert.deepEqual([...new Set(answers.map(answer => answer.statusCode))], [401])
      assert.equal((await attemptsOf()).attempts, 5, 'parallel guesses are counted under a lock: no more than 5')
      assert.equal((await live.post('/family/sign-in/code', { code: liveCode })).statusCode, 401)
      const denied = await t.database.db.selectFrom('auditEvents').select('id').where('action', '=', 'family.sign-in').where('outcome', '=', 'denied').where('actorFamilyAccountId', '=', world.familyAccountId).execute()
      assert.ok(denied.length >= 10, `wrong tries are audited (${denied.length})`)

      // 3. No more than 5 codes an hour for an account, whoever asks: at most 25 guesses an hour.
      t.clock.advanceMinutes(61)
      const before = (await t.database.db.selectFrom('familySignInCodes').select('id').where('accountId', '=', world.familyAccountId).execute()).length
      for (let request = 0; request < 8; request++) {
        const response = await new FamilyBrowser(t).post('/family/sign-in', { contact: parentEmail() })
        assert.equal(response.statusCode, 303, 'the answer is the same whether or not a code was sent')
      }
      const afterwards = (await t.database.db.selectFrom('familySignInCodes').select('id').where('accountId', '=', world.familyAccountId).execute()).length
      assert.equal(afterwards - before, 5)

      // 4. One address may try 20 times a minute, whatever cookies it sends; then 429 until the minute is up.
      const address = nextIp()
      const statuses: number[] = []
      for (let attempt = 0; attempt < 23; attempt++) {
        const browser = new FamilyBrowser(t, address)
        browser.cookies.set('__Host-onestory-family-pending', pendingFor(`nobody.${attempt}@example.org`))
        await browser.get('/family/sign-in/code')
        statuses.push((await browser.post('/family/sign-in/code', { code: '000000' })).statusCode)
      }
      assert.deepEqual(statuses.slice(0, 20), Array(20).fill(401))
      assert.deepEqual(statuses.slice(20), [429, 429, 429])
      const contactLimit: number[] = []
      const spammer = nextIp()
      for (let attempt = 0; attempt < 22; attempt++) contactLimit.push((await new FamilyBrowser(t, spammer).post('/family/sign-in', { contact: `nobody.${attempt}@example.org` })).statusCode)
      assert.ok(contactLimit.slice(20).every(status => status === 429), `asking for codes is limited too (${contactLimit.slice(18).join(',')})`)
      process.stdout.write(`# family brute force (${kind}): 5 tries a code (sequential and 24 in parallel), 5 codes an hour, 20 tries a minute an address\n`)
    })

    it('sends the protective headers and locked-down cookies on every family route, signed in, anonymous and on errors', async () => {
      const family = await familyBrowser(t, world)
      const anonymous = new FamilyBrowser(t)
      let count = 0
      for (const route of familyGets) {
        const url = fillRoute(route.url, world)
        for (const [who, browser] of [['family', family], ['anonymous', anonymous]] as const) {
          const response = await browser.get(url)
          assert.ok(response.statusCode < 500)
          assertProtectiveHeaders(response.headers, `${who} GET ${route.url} (${response.statusCode})`)
          count++
        }
      }
      // Errors and refusals under /family.
      const errors: [string, () => Promise<LightMyRequestResponse>][] = [
        ['404 page', () => family.get('/family/no-such-page')],
        ['404 record', () => family.get(`/family/episodes/${other.episodeId}/plan`)],
        ['bad id', () => family.get('/family/episodes/not-a-uuid/plan')],
        ['403 CSRF', () => family.post('/family/language', { _csrf: 'wrong', language: 'cy' })],
        ['400 form', () => family.post(fillRoute('/family/episodes/:episodeId/meetings/:meetingId/agenda', world), { text: '' })],
        ['401 code', async () => {
          const browser = new FamilyBrowser(t)
          browser.cookies.set('__Host-onestory-family-pending', Buffer.from(JSON.stringify({ c: 'nobody@example.org' })).toString('base64url'))
          await browser.get('/family/sign-in/code')
          return browser.post('/family/sign-in/code', { code: '000000' })
        }],
      ]
      for (const route of familyPosts) errors.push([`POST ${route.url} anonymous`, () => new FamilyBrowser(t).post(fillRoute(route.url, world), { zzUnknown: '1' })])
      for (const [what, send] of errors) {
        const response = await send()
        assert.ok(response.statusCode >= 300 && response.statusCode < 500, `${what}: ${response.statusCode}`)
        assertProtectiveHeaders(response.headers, what)
        count++
      }
      // The calendar file and the family's document: safe content types, attachment with the strict policy for the file.
      const calendar = await family.get(fillRoute('/family/episodes/:episodeId/meetings/:meetingId/calendar.ics', world))
      assert.equal(calendar.statusCode, 200)
      assert.match(String(calendar.headers['content-type']), /^text\/calendar/)
      const document = await family.get(fillRoute('/family/episodes/:episodeId/story/documents/:familyDocumentId', world))
      assert.equal(document.statusCode, 200)
      assert.match(String(document.headers['content-disposition']), /^attachment/)
      assert.match(String(document.headers['content-security-policy']), /default-src 'none'/)

      // Every cookie the family's pages set is __Host-, HttpOnly, Secure, SameSite=Lax, path / and no domain.
      const seen = new Map<string, LightMyRequestResponse['cookies'][number]>()
      const browser = new FamilyBrowser(t)
      const collect = (response: LightMyRequestResponse) => response.cookies.filter(cookie => cookie.value !== '').forEach(cookie => seen.set(cookie.name, cookie))
      collect(await browser.get('/family/sign-in'))
      t.clock.advanceMinutes(61)
      collect(await browser.post('/family/sign-in', { contact: parentEmail() }))
      const signedIn = await browser.post('/family/sign-in/code', { code: await codeFor(parentEmail()) })
      assert.equal(signedIn.statusCode, 303)
      collect(signedIn)
      collect(await browser.post('/family/language', { language: 'en', returnTo: '/family' }))
      for (const name of ['__Host-onestory-csrf', '__Host-onestory-family', '__Host-onestory-family-pending', '__Host-onestory-family-device', '__Host-onestory-language']) {
        const cookie = seen.get(name)
        assert.ok(cookie, `${name} was set`)
        assert.equal(cookie.httpOnly, true, `${name} HttpOnly`)
        assert.equal(cookie.secure, true, `${name} Secure`)
        assert.equal(cookie.sameSite, 'Lax', `${name} SameSite`)
        assert.equal(cookie.path, '/', `${name} path`)
        assert.equal(cookie.domain, undefined, `${name} domain`)
      }
      // Signing out clears the family's session cookie.
      const out = await browser.post('/family/sign-out', {})
      assert.equal(out.statusCode, 303)
      assert.ok(out.cookies.some(cookie => cookie.name === '__Host-onestory-family' && (cookie.value === '' || cookie.maxAge === 0 || (cookie.expires !== undefined && new Date(cookie.expires).getTime() < Date.now()))), 'the session cookie is cleared')
      process.stdout.write(`# family headers (${kind}): ${count} responses checked (${familyGets.length} GET routes × 2 points of view, ${errors.length} errors and refusals), 5 cookies locked down\n`)
    })
  })
}
