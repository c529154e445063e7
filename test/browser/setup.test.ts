import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { totpCode } from '../../src/lib/totp.ts'
import { bothWays, Journey, launchBrowser, startServer, type RunningServer } from './harness.ts'

// The set-up page is used once per server, so each way (with and without JavaScript) gets its own fresh server.
describe('browser: setting up a fresh OneStory', { timeout: 180_000 }, () => {
  const servers = new Map<boolean, RunningServer>()
  let browser: Browser

  before(async () => {
    const [withScript, withoutScript, launched] = await Promise.all([startServer({ demo: false }), startServer({ demo: false }), launchBrowser()])
    servers.set(true, withScript)
    servers.set(false, withoutScript)
    browser = launched
  })
  after(async () => {
    await browser?.close()
    await Promise.all([...servers.values()].map(server => server.stop()))
  })

  for (const way of bothWays()) {
    it(`enters the set-up code, creates the authority and administrator, and signs in with an authenticator app ${way.label}`, async () => {
      const server = servers.get(way.javaScript)
      assert.ok(server?.setupCode, 'a fresh server prints a set-up code')
      const j = await Journey.open(browser, server, { name: 'set-up', javaScript: way.javaScript })
      try {
        await j.visit('home page sends a signed-out visitor to sign in', '/')
        await j.visit('the set-up page', '/setup')
        assert.equal(await j.heading(), 'Set up OneStory')

        await j.press('nothing entered: the errors are listed', 'Create the authority', 'button', 400)
        assert.match(await j.page.locator('.govuk-error-summary').innerText(), /There is a problem/)

        await j.fill('Set-up code', server.setupCode)
        await j.fill('Name of the authority or partnership', 'Westmarch Borough Council (browser test)')
        await j.page.getByLabel('England', { exact: true }).check()
        await j.fill('Your full name', 'Robin Administrator')
        await j.fill('Your work email address', 'robin.admin@westmarch.example')
        await j.fill('Create a password', 'lantern otter quietly ribbon 2026')
        await j.press('authority created: sign in', 'Create the authority')
        assert.equal(new URL(j.page.url()).pathname, '/sign-in')

        await j.fill('Email address', 'robin.admin@westmarch.example')
        await j.fill('Password', 'lantern otter quietly ribbon 2026')
        await j.press('a real authority needs an authenticator app', 'Sign in')
        assert.equal(await j.heading(), 'Set up an authenticator app')

        const secret = (await j.page.locator('.onestory-secret').innerText()).replace(/\s/g, '')
        await j.fill('Code from the app', totpCode(secret, new Date()))
        await j.press('the recovery codes', 'Continue')
        assert.match(await j.page.locator('main').innerText(), /recovery code/i)

        // A GOV.UK button made from a link. It leads home: the set-up page's return address (/admin)
        // does not survive the authenticator-app enrolment (reported in docs/browser-tests.md).
        await j.follow('signed in: home', 'I have saved my recovery codes')
        assert.match(await j.heading(), /Hello, Robin/)
        await j.follow('administration', 'Administration')
        assert.equal(new URL(j.page.url()).pathname, '/admin')
        await j.visit('localities, empty at first', '/admin/localities')
        await j.visit('invite a practitioner', '/admin/users/new')
        j.finish()
      } finally {
        await j.close()
      }
    })
  }
})
