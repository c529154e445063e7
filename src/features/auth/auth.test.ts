import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { totpCode } from '../../lib/totp.ts'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, errorSummary, heading, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildUser, signIn } from '../../../test/helpers/builders.ts'

for (const kind of databaseKinds()) {
  describe(`sign-in and sessions (${kind})`, () => {
    let t: TestApp
    let authorityId: string
    let agencyId: string
    before(async () => {
      t = await buildTestApp(kind)
      authorityId = (await buildAuthority(t)).id
      agencyId = (await buildAgency(t, authorityId)).id
    })
    after(() => t.close())

    it('signs in with password and authenticator code, rotating the session id, and audits it', async () => {
      const user = await buildUser(t, authorityId, { agencyIds: [agencyId] })
      const browser = new Browser(t.app)
      await browser.get('/sign-in')
      const first = await browser.post('/sign-in', { email: user.email, password: user.password })
      assert.equal(first.statusCode, 303)
      assert.equal(first.headers.location, '/sign-in/second-factor')
      const pendingSession = [...browser.cookies.entries()].find(([name]) => name.includes('session'))?.[1]
      // Before the second factor nothing else is reachable.
      const blocked = await browser.get('/account')
      assert.equal(blocked.statusCode, 303)
      assert.equal(blocked.headers.location, '/sign-in/second-factor')
      await browser.get('/sign-in/second-factor')
      const second = await browser.post('/sign-in/second-factor', { code: totpCode(user.totpSecret, t.clock.now()) })
      assert.equal(second.statusCode, 303)
      const fullSession = [...browser.cookies.entries()].find(([name]) => name.includes('session'))?.[1]
      assert.notEqual(fullSession, pendingSession, 'session id must change after the second factor')
      const home = await browser.get('/')
      assert.equal(home.statusCode, 200)
      assert.match(heading(home.body), /^Hello, Test/)
      const events = await t.database.db.selectFrom('auditEvents').select(['action', 'outcome']).where('actorUserId', '=', user.id).execute()
      assert.ok(events.some(event => event.action === 'sign-in' && event.outcome === 'allowed'))
    })

    it('gives the same message for an unknown email and a wrong password, and locks after repeated failures', async () => {
      const user = await buildUser(t, authorityId)
      const browser = new Browser(t.app)
      await browser.get('/sign-in')
      const unknown = await browser.post('/sign-in', { email: 'nobody@example.org', password: 'whatever it is' })
      const wrong = await browser.post('/sign-in', { email: user.email, password: 'not the password' })
      assert.equal(unknown.statusCode, 401)
      assert.deepEqual(errorSummary(unknown.body), errorSummary(wrong.body))
      for (let attempt = 0; attempt < 4; attempt++) await browser.post('/sign-in', { email: user.email, password: 'still wrong' })
      const locked = await browser.post('/sign-in', { email: user.email, password: user.password })
      assert.equal(locked.statusCode, 401, 'the right password is refused while locked')
      t.clock.advanceMinutes(16)
      const unlocked = await browser.post('/sign-in', { email: user.email, password: user.password })
      assert.equal(unlocked.statusCode, 303)
    })

    it('limits sign-in attempts per address (20 a minute), whatever the accounts tried, and other addresses go on', async () => {
      const attacker = new Browser(t.app)
      await attacker.get('/sign-in')
      const answers: number[] = []
      for (let attempt = 0; attempt < 22; attempt++) {
        answers.push((await attacker.post('/sign-in', { email: `guess${attempt}@example.org`, password: 'a guessed password' })).statusCode)
      }
      assert.deepEqual(answers.slice(0, 20), Array(20).fill(401))
      assert.deepEqual(answers.slice(20), [429, 429], 'the 21st attempt from one address is refused')
      const user = await buildUser(t, authorityId)
      const someoneElse = new Browser(t.app)
      await someoneElse.get('/sign-in')
      assert.equal((await someoneElse.post('/sign-in', { email: user.email, password: user.password })).statusCode, 303)
    })

    it('refuses a reused authenticator code', async () => {
      const user = await buildUser(t, authorityId)
      const code = totpCode(user.totpSecret, t.clock.now())
      const a = new Browser(t.app)
      await a.get('/sign-in')
      await a.post('/sign-in', { email: user.email, password: user.password })
      assert.equal((await a.post('/sign-in/second-factor', { code })).statusCode, 303)
      const b = new Browser(t.app)
      await b.get('/sign-in')
      await b.post('/sign-in', { email: user.email, password: user.password })
      const replay = await b.post('/sign-in/second-factor', { code })
      assert.equal(replay.statusCode, 400)
      assert.match(errorSummary(replay.body).join(' '), /code is not correct/)
    })

    it('ends the session after the idle timeout, server-side', async () => {
      const user = await buildUser(t, authorityId)
      const browser = await signIn(t, user)
      assert.equal((await browser.get('/account')).statusCode, 200)
      t.clock.advanceMinutes(31)
      const expired = await browser.get('/account')
      assert.equal(expired.statusCode, 303)
      assert.match(String(expired.headers.location), /^\/sign-in\?returnTo=%2Faccount&timedOut=1/)
      assert.equal(await t.database.db.selectFrom('sessions').select('idHash').where('userId', '=', user.id).executeTakeFirst(), undefined)
    })

    it('keeps what was typed into a form posted after the session expired, for the same user only', async () => {
      const user = await buildUser(t, authorityId)
      const browser = await signIn(t, user)
      await browser.get('/account/password')
      t.clock.advanceMinutes(45)
      const posted = await browser.post('/account/password', { currentPassword: 'typed text', newPassword: 'my long new passphrase here', confirmPassword: 'my long new passphrase here' })
      assert.equal(posted.statusCode, 303)
      assert.equal(posted.headers.location, '/sign-in?timedOut=1&held=1')
      const again = await signIn(t, user, browser)
      void again
      const page = await browser.get('/continue')
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /my long new passphrase here/)
      const other = await signIn(t, await buildUser(t, authorityId))
      const otherPage = await other.get('/continue')
      assert.equal(otherPage.statusCode, 303, 'another user sees nothing held')
    })

    it('refuses a form without a valid CSRF token and changes nothing', async () => {
      const user = await buildUser(t, authorityId)
      const browser = await signIn(t, user)
      const before = await t.database.db.selectFrom('users').select('passwordHash').where('id', '=', user.id).executeTakeFirstOrThrow()
      const response = await browser.post('/account/password', { _csrf: 'forged', currentPassword: user.password, newPassword: 'another long passphrase', confirmPassword: 'another long passphrase' })
      assert.equal(response.statusCode, 403)
      const missing = await browser.post('/account/password', { currentPassword: user.password, newPassword: 'another long passphrase', confirmPassword: 'another long passphrase' }, { csrf: false })
      assert.equal(missing.statusCode, 403)
      const afterwards = await t.database.db.selectFrom('users').select('passwordHash').where('id', '=', user.id).executeTakeFirstOrThrow()
      assert.equal(afterwards.passwordHash, before.passwordHash)
    })

    it('changes the password with strength rules and signs out other sessions', async () => {
      const user = await buildUser(t, authorityId)
      const first = await signIn(t, user)
      const second = await signIn(t, user)
      await first.get('/account/password')
      const weak = await first.post('/account/password', { currentPassword: user.password, newPassword: 'password1234', confirmPassword: 'password1234' })
      assert.equal(weak.statusCode, 400)
      assert.match(errorSummary(weak.body)[0] ?? '', /too easy to guess/)
      const ok = await first.post('/account/password', { currentPassword: user.password, newPassword: 'violet kettle marching north', confirmPassword: 'violet kettle marching north' })
      assert.equal(ok.statusCode, 303)
      assert.equal((await first.get('/account')).statusCode, 200)
      assert.equal((await second.get('/account')).statusCode, 303, 'the other session has ended')
    })

    it('signs out with POST only, ending the server session', async () => {
      const user = await buildUser(t, authorityId)
      const browser = await signIn(t, user)
      const cookie = [...browser.cookies.entries()].find(([name]) => name.includes('session'))
      const response = await browser.post('/sign-out')
      assert.equal(response.statusCode, 200)
      assert.ok(cookie)
      const replay = await t.app.inject({ method: 'GET', url: '/account', headers: { cookie: `${cookie[0]}=${cookie[1]}` } })
      assert.equal(replay.statusCode, 303, 'the old cookie is refused')
    })
  })
}
