import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { bothWays, DEMO_PASSWORD, demoAccounts, Journey, launchBrowser, startServer, type RunningServer } from './harness.ts'

describe('browser: administering the demo authority', { timeout: 180_000 }, () => {
  let server: RunningServer
  let browser: Browser

  before(async () => {
    ;[server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()])
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  for (const way of bothWays()) {
    it(`an administrator lists the accounts and keeps the early help settings ${way.label}`, async () => {
      const j = await Journey.open(browser, server, { name: 'administration', javaScript: way.javaScript })
      try {
        await j.signIn(demoAccounts.administrator, DEMO_PASSWORD)
        await j.follow('administration', 'Administration')
        assert.equal(new URL(j.page.url()).pathname, '/admin')

        await j.visit('practitioner accounts', '/admin/users')
        assert.equal(await j.heading(), 'Practitioner accounts')
        assert.equal(await j.page.locator('main table tbody tr').count(), 9)

        await j.fill('Search by name or email address', 'health')
        await j.press('searching the accounts', 'Search')
        assert.equal(await j.page.locator('main table tbody tr').count(), 1)

        await j.follow('one account', 'Hana Health Visitor')
        assert.match(await j.heading(), /Hana Health Visitor/)

        await j.visit('the early help settings', '/admin/early-help-settings')
        assert.equal(await j.heading(), 'Early help settings')
        await j.fill('Largest team, in practitioners', '')
        await j.press('a blank setting is refused', 'Save settings', 'button', 400)
        assert.match(await j.page.locator('.govuk-error-summary').innerText(), /There is a problem/)
        await j.fill('Largest team, in practitioners', '7')
        await j.press('settings saved', 'Save settings')

        await j.visit('localities', '/admin/localities')
        await j.visit('agencies', '/admin/agencies')
        await j.visit('the outbox', '/admin/outbox')
        j.finish()
      } finally {
        await j.close()
      }
    })
  }
})
