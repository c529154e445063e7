import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { databaseKinds } from '../helpers/database.ts'
import { Browser, buildTestApp, type TestApp } from '../helpers/build-test-app.ts'
import { signIn } from '../helpers/builders.ts'
import { buildAuthorityWorld, fillRoute, type AuthorityWorld } from '../helpers/world.ts'

// ASVS 3.4 and 14.3: the same protective headers on every response, signed in or not; cookies locked down.

function assertProtectiveHeaders(headers: Record<string, unknown>, where: string) {
  const csp = String(headers['content-security-policy'] ?? '')
  // An uploaded file sent back (a document download) may have a stricter policy still: nothing may load, run or submit.
  const strict = String(headers['content-disposition'] ?? '').startsWith('attachment') && csp.includes("default-src 'none'")
  const required = strict
    ? ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "default-src 'none'", "form-action 'none'", 'sandbox']
    : ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "default-src 'self'", "form-action 'self'"]
  for (const directive of required) {
    assert.ok(csp.includes(directive), `${where}: CSP lacks ${directive}`)
  }
  assert.ok(!csp.includes('unsafe-inline') && !csp.includes('unsafe-eval'), `${where}: CSP allows inline or eval`)
  assert.equal(headers['x-content-type-options'], 'nosniff', `${where}: nosniff`)
  assert.equal(headers['referrer-policy'], 'same-origin', `${where}: referrer policy`)
  assert.match(String(headers['strict-transport-security']), /max-age=31536000; includeSubDomains/, `${where}: HSTS`)
  assert.equal(headers['cache-control'], 'no-store', `${where}: cache-control`)
}

for (const kind of databaseKinds()) {
  describe(`security headers and cookies (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Headershire')
    })
    after(() => t.close())

    it('sends the protective headers on every GET route, signed in and anonymous, and on errors', async () => {
      const signedIn = await signIn(t, world.superUser)
      const anonymous = new Browser(t.app)
      let count = 0
      for (const route of t.app.routeInventory.filter(r => r.method === 'GET')) {
        const url = fillRoute(route.url, world)
        for (const browser of [signedIn, anonymous]) {
          const response = await browser.get(url)
          assertProtectiveHeaders(response.headers, `GET ${route.url}`)
          count++
        }
      }
      assertProtectiveHeaders((await anonymous.get('/no-such-page')).headers, '404')
      assertProtectiveHeaders((await anonymous.post('/sign-in', { _csrf: 'wrong' })).headers, '403')
      process.stdout.write(`# headers: ${count} responses checked\n`)
    })

    it('sets the session cookie as __Host-, HttpOnly, Secure, SameSite=Lax and replaces any planted one at sign-in', async () => {
      const browser = new Browser(t.app)
      browser.cookies.set('__Host-onestory-session', 'attacker-chosen-value')
      await browser.get('/sign-in')
      const response = await browser.post('/sign-in', { email: world.superUser.email, password: world.superUser.password })
      const cookie = response.cookies.find(c => c.name === '__Host-onestory-session')
      assert.ok(cookie, 'a session cookie is set')
      assert.notEqual(cookie.value, 'attacker-chosen-value')
      assert.equal(cookie.httpOnly, true)
      assert.equal(cookie.secure, true)
      assert.equal(cookie.sameSite, 'Lax')
      assert.equal(cookie.path, '/')
      assert.equal(cookie.domain, undefined)
    })

    it('serves GOV.UK Frontend’s stylesheet without the GDS Transport typeface, which is for GOV.UK services only', async () => {
      const response = await new Browser(t.app).get('/assets/govuk/govuk-frontend.min.css')
      assert.equal(response.statusCode, 200)
      assert.match(String(response.headers['content-type']), /^text\/css/)
      assert.equal(response.headers['x-content-type-options'], 'nosniff')
      assert.ok(response.body.includes('.govuk-button'), 'the stylesheet itself is served')
      assert.ok(!response.body.includes('@font-face') && !response.body.includes('/assets/fonts/'), 'no font files are asked for')
    })

    it('clears site data on sign-out', async () => {
      const browser = await signIn(t, world.practitioner)
      const response = await browser.post('/sign-out')
      assert.match(String(response.headers['clear-site-data']), /"cache", "storage"/)
    })

    it('only returns to paths on this site after sign-in (no open redirect)', async () => {
      for (const returnTo of ['https://evil.example', '//evil.example', '/\\evil.example', 'javascript:alert(1)']) {
        const browser = new Browser(t.app)
        await browser.get('/sign-in')
        const response = await browser.post('/sign-in', { email: world.practitioner.email, password: world.practitioner.password, returnTo })
        assert.equal(response.statusCode, 303)
        assert.ok(String(response.headers.location).startsWith('/'), `returnTo ${returnTo} gave ${response.headers.location}`)
        assert.ok(!String(response.headers.location).includes('evil'), `returnTo ${returnTo} gave ${response.headers.location}`)
      }
    })
  })
}
