import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { DEMO_PASSWORD, demoAccounts, Journey, launchBrowser, startServer, type RunningServer } from './harness.ts'

// Issue 7, hostile input in the browser: script written into free-text fields comes back as text on every page that
// shows it. The check does not rely on the Content-Security-Policy (which would stop inline script anyway): it looks
// for the elements the payloads would create if they were not escaped, and for the payloads' text on the page.

const PAYLOADS = {
  summary: `<script>window.__xss = 'summary'</script>Worried about Tegan`,
  body: `"><img src=x onerror="window.__xss='body'"><svg onload="window.__xss='svg'">`,
}

/** What an unescaped payload would have put in the page: an element, or a global set by its handler. */
const INJECTED = `(() => {
  const found = []
  for (const script of document.querySelectorAll('script')) if ((script.textContent || '').includes('__xss')) found.push('script element')
  if (document.querySelector('img[src="x"]')) found.push('img element')
  if (document.querySelector('svg[onload]')) found.push('svg element')
  if (window.__xss) found.push('handler ran')
  return found
})()`

async function injected(page: Page): Promise<unknown> {
  return page.evaluate(INJECTED)
}

describe('browser: text typed into OneStory is shown as text, never run', { timeout: 180_000 }, () => {
  let server: RunningServer
  let browser: Browser

  before(async () => {
    ;[server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()])
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('escapes script in a case note on the notes page, the chronology and its printable version', async () => {
    const j = await Journey.open(browser, server, { name: 'hostile text', javaScript: true })
    try {
      await j.signIn(demoAccounts.practitioner, DEMO_PASSWORD)
      await j.follow('my episodes', 'Episodes')
      await j.click('the episode overview', j.page.locator('main table tbody tr', { hasText: 'Tegan Marsh' }).getByRole('link').first())
      await j.follow('the notes', 'Notes')
      await j.follow('the form to write a note', 'Write a case note')
      const today = new Date()
      await j.page.locator('#occurredOn-day').fill(String(today.getUTCDate()))
      await j.page.locator('#occurredOn-month').fill(String(today.getUTCMonth() + 1))
      await j.page.locator('#occurredOn-year').fill(String(today.getUTCFullYear()))
      await j.fill('Summary', PAYLOADS.summary)
      await j.fill('The note', PAYLOADS.body)
      await j.page.locator('input[name="personId"][value="family"]').check()
      await j.page.locator('input[name="visibility"][value="team"]').check()
      await j.press('save the note', 'Save the note')

      const pages: [string, () => Promise<void>][] = [
        ['the notes page', async () => {}],
        ['the chronology', () => j.follow('the chronology', 'Chronology')],
        ['the printable chronology', () => j.follow('the printable chronology', 'Printable version')],
      ]
      for (const [where, open] of pages) {
        await open()
        const text = await j.page.locator('main').innerText()
        assert.ok(text.includes(PAYLOADS.summary), `${where} shows the summary as typed`)
        assert.deepEqual(await injected(j.page), [], `${where}: nothing the payloads would inject is in the page`)
      }
      j.finish()
    } finally {
      await j.close()
    }
  })
})
