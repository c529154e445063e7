import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { bothWays, DEMO_PASSWORD, demoAccounts, Journey, launchBrowser, startServer, type RunningServer } from './harness.ts'

describe('browser: the team around the family (the demo Marsh family)', { timeout: 180_000 }, () => {
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
    it(`the lead professional goes through the team, plan, meetings, reviews and chronology ${way.label}`, async () => {
      const j = await Journey.open(browser, server, { name: 'team around the family', javaScript: way.javaScript })
      try {
        await j.signIn(demoAccounts.practitioner, DEMO_PASSWORD)
        await j.follow('my episodes', 'Episodes')
        const row = j.page.locator('main table tbody tr', { hasText: 'Tegan Marsh' })
        await j.click('the episode overview', row.getByRole('link').first())
        assert.equal(await j.heading(), 'Early help for Tegan Marsh')

        await j.follow('the team', 'Team')
        assert.equal(await j.heading(), 'The team around the family')
        await j.follow('who is who', 'Who is who')
        assert.equal(await j.heading(), 'Who is who')

        await j.follow('the plan', 'Plan')
        assert.equal(await j.heading(), 'Family support plan')
        await j.follow('one action', /benefits check with Karen/)
        await j.follow('the plan again', 'Plan')
        await j.follow('the agreed version and who signed it', 'See version 1 and who signed it')
        await j.follow('the plan again', 'Plan')
        await j.follow('the form to add an action', 'Add an action')

        await j.follow('the meetings', 'Meetings')
        assert.equal(await j.heading(), 'Meetings')
        // The demo's dates move with the day it is created: meetings are found by where they are listed, not by date.
        const held = j.page.locator('main table tbody tr', { hasText: 'Circulated' }).getByRole('link').first()
        const heldWhen = await held.innerText()
        await j.click('a meeting that was held, its minutes circulated', held)
        assert.equal(await j.heading(), heldWhen)
        await j.follow('its minutes', 'Read the minutes')
        await j.follow('the meetings again', 'Meetings')
        await j.click('a meeting to come', j.page.locator('main ul.govuk-list a').first())
        await j.follow('the meetings again', 'Meetings')
        await j.follow('the form to schedule a meeting', 'Schedule a meeting')

        await j.follow('the reviews', 'Reviews')
        assert.equal(await j.heading(), 'Reviews')
        await j.click('one review', j.page.locator('main table tbody tr a').first())
        await j.follow('the reviews again', 'Reviews')
        await j.follow('the Distance Travelled summary', 'See the Distance Travelled summary')
        await j.follow('the reviews again', 'Reviews')
        await j.follow('the form to record a review', 'Record a review')

        await j.follow('the chronology', 'Chronology')
        assert.equal(await j.heading(), 'Chronology')
        await j.follow('the printable chronology', 'Printable version')
        await j.visit('a page that does not exist', '/episodes/not-an-episode', 404)
        j.finish()
      } finally {
        await j.close()
      }
    })
  }
})
