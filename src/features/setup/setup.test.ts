import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, errorSummary, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { totpCode } from '../../lib/totp.ts'

for (const kind of databaseKinds()) {
  describe(`first-run set-up (${kind})`, () => {
    let t: TestApp
    const setupCode = 'ABCD-EFGH-JKLM'
    before(async () => {
      t = await buildTestApp(kind, { setupCode })
    })
    after(() => t.close())

    const form = {
      setupCode,
      authorityName: 'Northshire County Council',
      nation: 'england',
      adminName: 'Ada Admin',
      adminEmail: 'ada@northshire.example.org',
      password: 'seven purple lanterns glowing',
    }

    it('sends a fresh system to the set-up page and has no default account', async () => {
      const browser = new Browser(t.app)
      const home = await browser.get('/')
      assert.equal(home.headers.location, '/setup')
      assert.equal((await browser.get('/sign-in')).headers.location, '/setup')
      const users = await t.database.db.selectFrom('users').select('id').execute()
      assert.equal(users.length, 0)
    })

    it('refuses a wrong set-up code and invalid answers, creating nothing', async () => {
      const browser = new Browser(t.app)
      await browser.get('/setup')
      const wrong = await browser.post('/setup', { ...form, setupCode: 'WRONG-CODE' })
      assert.equal(wrong.statusCode, 400)
      assert.match(errorSummary(wrong.body).join(), /set-up code is not correct/)
      const invalid = await browser.post('/setup', { ...form, authorityName: '', nation: 'scotland', adminEmail: 'not-an-email', password: 'short' })
      assert.equal(invalid.statusCode, 400)
      const messages = errorSummary(invalid.body)
      assert.ok(messages.includes('Enter the name of the authority'), messages.join('|'))
      assert.ok(messages.includes('Select whether the authority is in England or Wales'), messages.join('|'))
      assert.ok(messages.some(message => message.startsWith('Enter an email address in the correct format')))
      assert.match(invalid.body, /value="Ada Admin"/, 'answers are kept')
      assert.equal((await t.database.db.selectFrom('authorities').select('id').execute()).length, 0)
    })

    it('creates the authority and administrator once, who must then set up an authenticator app', async () => {
      const browser = new Browser(t.app)
      await browser.get('/setup')
      const created = await browser.post('/setup', form)
      assert.equal(created.statusCode, 303)
      const again = await new Browser(t.app).get('/setup')
      assert.equal(again.headers.location, '/sign-in', 'set-up cannot be repeated')
      const signIn = await browser.post('/sign-in', { email: form.adminEmail, password: form.password, returnTo: '/admin' })
      assert.equal(signIn.headers.location, '/sign-in/set-up-second-factor?returnTo=%2Fadmin')
      const page = await browser.get('/sign-in/set-up-second-factor')
      assert.equal(page.statusCode, 200)
      const secret = /onestory-secret">([A-Z2-7 ]+)</.exec(page.body)?.[1]?.replace(/ /g, '')
      assert.ok(secret, 'the secret key is shown for manual entry')
      const wrong = await browser.post('/sign-in/set-up-second-factor', { code: '000000' })
      assert.equal(wrong.statusCode, 400)
      const enrolled = await browser.post('/sign-in/set-up-second-factor', { code: totpCode(secret, t.clock.now()) })
      assert.equal(enrolled.statusCode, 200)
      assert.match(enrolled.body, /Save your recovery codes/)
      assert.equal((enrolled.body.match(/<li>[0-9a-f]{5}-[0-9a-f]{5}<\/li>/g) ?? []).length, 10)
      assert.equal((await browser.get('/account')).statusCode, 200)
      const audit = await t.database.db.selectFrom('auditEvents').select(['action', 'actorKind']).execute()
      assert.ok(audit.some(event => event.action === 'authority.configure' && event.actorKind === 'system'))
      assert.ok(audit.some(event => event.action === 'second-factor.enrol'))
    })
  })
}
