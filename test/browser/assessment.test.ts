import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { bothWays, DEMO_PASSWORD, demoAccounts, Journey, launchBrowser, startServer, type RunningServer } from './harness.ts'

describe('browser: an episode and its assessment (the demo Kettering family)', { timeout: 180_000 }, () => {
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
    it(`the lead professional opens the episode, the assessment's tasks, and records one element ${way.label}`, async () => {
      const j = await Journey.open(browser, server, { name: 'assessment', javaScript: way.javaScript })
      try {
        await j.signIn(demoAccounts.practitioner, DEMO_PASSWORD)
        await j.follow('my episodes', 'Episodes')
        const row = j.page.locator('main table tbody tr', { hasText: 'Ellie Kettering' })
        await j.click('the episode overview', row.getByRole('link').first())
        const episodePath = new URL(j.page.url()).pathname
        assert.equal(await j.heading(), 'Early help for Ellie Kettering, Noah Kettering')

        await j.follow('the assessment: its task list', /^Assessment \(/)
        assert.equal(await j.heading(), 'Common assessment')
        await j.follow('one domain for one child', 'Development of the child or young person: Ellie Kettering')
        assert.equal(await j.heading(), 'Development of the child or young person: Ellie Kettering')

        // The server is shared by both ways: the second finds the element recorded by the first.
        await j.follow('one element', /^(Record|Change) Aspirations$/)
        const written = `What Ellie hopes for (${way.label}): to be a vet, like the one who looked after the family’s dog.`
        await j.page.locator('main textarea').first().fill(written)
        await j.page.locator('main input[name="practitionerScore"]').first().check()
        await j.press('the element saved: back to the domain', 'Save')
        assert.match(new URL(j.page.url()).pathname, /\/assessment\/domains\/child-development\//)
        const aspirations = j.page.locator('main .govuk-summary-list__row, main tr', { hasText: 'Aspirations' }).first()
        assert.match(await aspirations.innerText(), /Recorded/)

        await j.follow('the element again, with what was saved', 'Change Aspirations')
        assert.equal(await j.page.locator('main textarea').first().inputValue(), written)

        await j.visit('the assessment again', `${episodePath}/assessment`)
        await j.follow('basic details', 'Basic details')
        await j.visit('the assessment again', `${episodePath}/assessment`)
        await j.follow('colleagues adding to the assessment', 'Ask a colleague to add to this assessment')
        j.finish()
      } finally {
        await j.close()
      }
    })
  }
})
