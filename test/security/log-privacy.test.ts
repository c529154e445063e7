import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { buildTestApp, Browser, type TestApp } from '../helpers/build-test-app.ts'
import { signIn } from '../helpers/builders.ts'
import { buildAuthorityWorld, type AuthorityWorld } from '../helpers/world.ts'

// ASVS 16.2.5: logs carry request ids, routes and outcomes — never names, emails, passwords, codes or tokens.

describe('logs hold no personal data (pglite)', () => {
  const lines: string[] = []
  let t: TestApp
  let world: AuthorityWorld
  before(async () => {
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk))
        done()
      },
    })
    t = await buildTestApp('pglite', { env: { LOG_LEVEL: 'info' }, logStream: stream })
    world = await buildAuthorityWorld(t, 'Canaryvale')
  })
  after(() => t.close())

  it('logs requests with ids but without the personal data that passed through them', async () => {
    const browser = await signIn(t, world.superUser)
    await browser.get('/account')
    await browser.post('/account/password', { currentPassword: 'canary-password-CANARY', newPassword: 'canary new password CANARY', confirmPassword: 'canary new password CANARY' })
    const stranger = new Browser(t.app)
    await stranger.get('/sign-in')
    await stranger.post('/sign-in', { email: 'canary.person@example.org', password: 'canary-secret-CANARY' })
    await stranger.get('/reset-password/canary-token-CANARY?email=canary.person@example.org')
    await stranger.post('/forgot-password', { email: 'canary.person@example.org' })
    const log = lines.join('')
    assert.ok(lines.length > 10, 'requests were logged')
    assert.match(log, /"reqId":"[0-9a-f-]{36}"/, 'each line carries a request id')
    for (const secret of ['Canaryvale', 'canary', 'CANARY', world.superUser.email, world.superUser.password]) {
      assert.ok(!log.includes(secret), `the log contains ${secret}`)
    }
  })
})
