import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { bothWays, DEMO_PASSWORD, demoAccounts, Journey, launchBrowser, startServer, type RunningServer } from './harness.ts'

describe('browser: signing in to the demo authority', { timeout: 180_000 }, () => {
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
    it(`the checks themselves catch a planted accessibility defect ${way.label}`, async () => {
      const j = await Journey.open(browser, server, { name: 'self-check', javaScript: way.javaScript })
      try {
        await j.visit('the sign-in page', '/sign-in')
        assert.equal(j.problems.length, 0, 'the sign-in page is clean')
        // An image without alternative text and a field without a label, put into the page as it is shown.
        await j.page.evaluate(`document.querySelector('main').insertAdjacentHTML('beforeend', '<img src="data:,"><input type="text">')`)
        await j.check('the same page with a planted defect')
        const found = j.problems.map(problem => problem.detail).join('\n')
        assert.match(found, /critical image-alt/)
        assert.match(found, /critical label/)
      } finally {
        await j.close()
      }
    })

    it(`a practitioner signs in, sees their work, and signs out ${way.label}`, async () => {
      const j = await Journey.open(browser, server, { name: 'sign-in', javaScript: way.javaScript })
      try {
        await j.visit('the sign-in page', '/sign-in')
        assert.equal(await j.heading(), 'Sign in')

        await j.press('nothing entered', 'Sign in', 'button', 400)
        assert.match(await j.page.locator('.govuk-error-summary').innerText(), /There is a problem/)

        await j.fill('Email address', demoAccounts.practitioner)
        await j.fill('Password', 'not the password')
        await j.press('a wrong password', 'Sign in', 'button', 401)
        assert.match(await j.page.locator('.govuk-error-summary').innerText(), /There is a problem/)

        await j.fill('Password', DEMO_PASSWORD)
        await j.press('signed in: the home page (demo accounts skip the second factor)', 'Sign in')
        assert.equal(new URL(j.page.url()).pathname, '/')
        assert.match(await j.heading(), /Hello, Dee/)
        assert.ok(await j.page.getByRole('heading', { name: 'Your work' }).isVisible())

        await j.follow('an overdue action from "Your work"', /benefits check with Karen/)
        await j.visit('back home', '/')
        await j.follow('my episodes', 'Episodes')
        assert.equal(await j.heading(), 'My episodes')
        await j.follow('the agency directory', 'Agencies')
        await j.visit('my account', '/account')

        await j.press('signed out', 'Sign out')
        assert.equal(await j.heading(), 'You have signed out')
        await j.visit('a page needs signing in again', '/episodes')
        assert.equal(new URL(j.page.url()).pathname, '/sign-in')
        j.finish()
      } finally {
        await j.close()
      }
    })
  }
})
