import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, errorSummary, heading, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAuthority, buildUser, signIn, type TestUser } from '../../../test/helpers/builders.ts'

for (const kind of databaseKinds()) {
  describe(`personal API tokens (${kind})`, () => {
    let t: TestApp
    let authorityId: string
    let owner: TestUser
    let colleague: TestUser
    before(async () => {
      t = await buildTestApp(kind)
      authorityId = (await buildAuthority(t)).id
      owner = await buildUser(t, authorityId)
      colleague = await buildUser(t, authorityId)
    })
    after(() => t.close())

    async function tokensOf(user: TestUser) {
      return t.database.db.selectFrom('apiTokens').selectAll().where('authorityId', '=', authorityId).where('userId', '=', user.id).execute()
    }

    it('asks anonymous visitors to sign in, and API tokens cannot open the page', async () => {
      const anonymous = await new Browser(t.app).get('/account/api-tokens')
      assert.equal(anonymous.statusCode, 303)
      assert.match(String(anonymous.headers.location), /^\/sign-in/)
      const withBearer = await t.app.inject({ method: 'GET', url: '/account/api-tokens', headers: { authorization: `Bearer os_deadbeef_${'A'.repeat(43)}` } })
      assert.equal(withBearer.statusCode, 303)
    })

    it('lists no tokens at first, then shows a new token once and only its prefix afterwards', async () => {
      const browser = await signIn(t, owner)
      const empty = await browser.get('/account/api-tokens')
      assert.equal(empty.statusCode, 200)
      assert.equal(heading(empty.body), 'API tokens')
      assert.match(empty.body, /You have no API tokens/)
      const created = await browser.post('/account/api-tokens', { name: 'Report script' })
      assert.equal(created.statusCode, 201)
      assert.equal(heading(created.body), 'Your new API token')
      const token = load(created.body)('#api-token').text().trim()
      const [row] = await tokensOf(owner)
      assert.ok(row)
      assert.equal(row.name, 'Report script')
      const secret = /^os_[0-9a-f]{8}_([A-Za-z0-9_-]{43})$/.exec(token)?.[1]
      assert.ok(secret, `the page shows a whole token, not ${JSON.stringify(token)}`)
      assert.ok(!JSON.stringify(row).includes(secret), 'the secret is not stored')
      const list = await browser.get('/account/api-tokens')
      const $ = load(list.body)
      const cells = $('tbody tr').first().find('td').map((_i, cell) => $(cell).text().trim()).get()
      assert.equal(cells[0], 'Report script')
      assert.equal(cells[1], `os_${row.prefix}_…`)
      assert.equal(cells[3], 'Never')
      assert.match(cells[4] ?? '', /Active/)
      assert.ok(!list.body.includes(token))
    })

    it('re-shows the form with an error summary for a missing, over-long or unexpected name, and creates nothing', async () => {
      const browser = await signIn(t, colleague)
      await browser.get('/account/api-tokens')
      const missing = await browser.post('/account/api-tokens', { name: '   ' })
      assert.equal(missing.statusCode, 400)
      assert.deepEqual(errorSummary(missing.body), ['Enter a name for the token, like “Monthly report script”'])
      const long = await browser.post('/account/api-tokens', { name: 'x'.repeat(101) })
      assert.equal(long.statusCode, 400)
      assert.deepEqual(errorSummary(long.body), ['Token name must be 100 characters or fewer'])
      assert.equal(load(long.body)('#name').val(), 'x'.repeat(101), 'the input is kept')
      const control = await browser.post('/account/api-tokens', { name: 'bad\u0000name' })
      assert.equal(control.statusCode, 400)
      const extra = await browser.post('/account/api-tokens', { name: 'Fine', admin: 'yes' })
      assert.equal(extra.statusCode, 400)
      assert.equal((await tokensOf(colleague)).length, 0)
    })

    it('refuses a form without the CSRF token', async () => {
      const browser = await signIn(t, colleague)
      const response = await browser.post('/account/api-tokens', { name: 'No token' }, { csrf: false })
      assert.equal(response.statusCode, 403)
      assert.equal((await tokensOf(colleague)).length, 0)
    })

    it('revokes only your own tokens: someone else’s, or a malformed id, is not found', async () => {
      const ownerBrowser = await signIn(t, owner)
      await ownerBrowser.get('/account/api-tokens')
      await ownerBrowser.post('/account/api-tokens', { name: 'To keep' })
      const kept = (await tokensOf(owner)).find(token => token.name === 'To keep')
      assert.ok(kept)
      const other = await signIn(t, colleague)
      await other.get('/account/api-tokens')
      const refused = await other.post(`/account/api-tokens/${kept.id}/revoke`, { confirm: 'yes' })
      assert.equal(refused.statusCode, 404)
      assert.equal((await tokensOf(owner)).find(token => token.id === kept.id)?.revokedAt, null)
      assert.equal((await other.post('/account/api-tokens/not-a-uuid/revoke', { confirm: 'yes' })).statusCode, 404)
      const malformedForms: Array<Record<string, string>> = [{}, { confirm: 'no' }, { confirm: 'yes', extra: 'x' }]
      for (const fields of malformedForms) {
        assert.equal((await ownerBrowser.post(`/account/api-tokens/${kept.id}/revoke`, fields)).statusCode, 400, JSON.stringify(fields))
      }
      assert.equal((await tokensOf(owner)).find(token => token.id === kept.id)?.revokedAt, null, 'a malformed form revokes nothing')
      const csrfless = await ownerBrowser.post(`/account/api-tokens/${kept.id}/revoke`, { confirm: 'yes' }, { csrf: false })
      assert.equal(csrfless.statusCode, 403)

      const revoked = await ownerBrowser.post(`/account/api-tokens/${kept.id}/revoke`, { confirm: 'yes' })
      assert.equal(revoked.statusCode, 303)
      const page = await ownerBrowser.follow(revoked)
      assert.match(page.body, /The API token has been revoked/)
      const firstRevocation = (await tokensOf(owner)).find(token => token.id === kept.id)?.revokedAt
      assert.ok(firstRevocation)
      t.clock.advanceMinutes(5)
      assert.equal((await ownerBrowser.post(`/account/api-tokens/${kept.id}/revoke`, { confirm: 'yes' })).statusCode, 303, 'revoking twice is harmless')
      assert.equal((await tokensOf(owner)).find(token => token.id === kept.id)?.revokedAt?.getTime(), firstRevocation.getTime())
    })
  })
}
