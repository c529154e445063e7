import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser } from 'playwright-core'
import { bothWays, DEMO_PASSWORD, demoAccounts, Journey, launchBrowser, startServer, type RunningServer } from './harness.ts'

// The family's own view in a real browser (issue 5), on the demo: the lead professional invites Tegan Marsh's mum
// Karen and Tegan herself; Karen signs in with a code read from the outbox, sees the team and the plan, adds an agenda
// item, reads circulated minutes, sees who has looked at the record, and stops sharing with the school — whose
// practitioner is refused at once; Tegan records views that Karen cannot see. Laura Kettering sees that her meeting's
// minutes are late. Every page is checked by axe-core, with JavaScript and without.

const PASTORAL = 'pastoral@northshire.example'

describe("browser: the family's own view (the demo Marsh and Kettering families)", { timeout: 300_000 }, () => {
  // A fresh demo per run: the first run changes the family's consent.
  let server: RunningServer | undefined
  let browser: Browser

  before(async () => {
    browser = await launchBrowser()
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  /** The newest sign-in code sent to `recipient`, read by the administrator from the outbox (no SMTP in the demo). */
  async function codeFromOutbox(admin: Journey, recipient: string): Promise<string> {
    await admin.visit('the outbox', '/admin/outbox')
    const row = admin.page.locator('main table tbody tr', { hasText: recipient }).filter({ hasText: /code is/ }).first()
    const subject = await row.innerText()
    const code = subject.match(/code is (\d{6})/)?.[1]
    assert.ok(code, `no sign-in code for ${recipient} in the outbox`)
    return code
  }

  async function invite(lead: Journey, episodeUrl: string, member: string, kind: 'A parent or carer' | 'A young person', email: string) {
    await lead.visit(`family access for ${member}`, `${episodeUrl}/family-access`)
    await lead.follow(`the invitation form for ${member}`, 'Invite a family member')
    await lead.page.getByLabel(member, { exact: true }).check()
    await lead.page.getByLabel(kind, { exact: true }).check()
    if (kind === 'A parent or carer') await lead.page.getByLabel(/They have parental responsibility/).check()
    await lead.page.getByLabel('By email', { exact: true }).check()
    await lead.fill('Their email address', email)
    await lead.page.getByLabel('English', { exact: true }).check()
    await lead.press(`${member} invited`, 'Send the invitation')
  }

  async function familySignIn(family: Journey, admin: Journey, email: string) {
    await family.visit('the family sign-in page', '/family/sign-in')
    await family.fill('Email address or mobile number', email)
    await family.press('asked for a code', 'Send me a code')
    assert.equal(await family.heading(), 'Check your messages')
    const code = await codeFromOutbox(admin, email)
    await family.fill('Code', code)
    await family.press('signed in with the code', 'Sign in')
  }

  for (const way of bothWays()) {
    it(`a parent and a young person use their family's own view ${way.label}`, async () => {
      await server?.stop()
      server = await startServer({ demo: true })
      const suffix = way.javaScript ? 'js' : 'nojs'
      const karenEmail = `karen.marsh.${suffix}@example.com`
      const teganEmail = `tegan.marsh.${suffix}@example.com`
      const lauraEmail = `laura.kettering.${suffix}@example.com`
      const lead = await Journey.open(browser, server, { name: 'family view - lead professional', javaScript: way.javaScript })
      const admin = await Journey.open(browser, server, { name: 'family view - administrator', javaScript: way.javaScript })
      const pastoral = await Journey.open(browser, server, { name: 'family view - school', javaScript: way.javaScript })
      const karen = await Journey.open(browser, server, { name: 'family view - parent', javaScript: way.javaScript })
      const tegan = await Journey.open(browser, server, { name: 'family view - young person', javaScript: way.javaScript })
      const laura = await Journey.open(browser, server, { name: 'family view - late minutes', javaScript: way.javaScript })
      try {
        // The lead professional finds the Marsh and Kettering episodes and invites the family members.
        await lead.signIn(demoAccounts.practitioner, DEMO_PASSWORD)
        await lead.follow('my episodes', 'Episodes')
        const marshUrl = await lead.page.locator('main table tbody tr', { hasText: 'Tegan Marsh' }).getByRole('link').first().getAttribute('href')
        const ketteringUrl = await lead.page.locator('main table tbody tr', { hasText: 'Kettering' }).getByRole('link').first().getAttribute('href')
        assert.ok(marshUrl && ketteringUrl)
        await lead.visit('the Marsh team', `${marshUrl}/team`)
        await lead.follow('family access from the team page', /Family access/)
        await invite(lead, marshUrl, 'Karen Marsh', 'A parent or carer', karenEmail)
        await invite(lead, marshUrl, 'Tegan Marsh', 'A young person', teganEmail)
        await invite(lead, ketteringUrl, 'Laura Kettering', 'A parent or carer', lauraEmail)
        assert.match(await lead.page.locator('main').innerText(), /Laura Kettering/)

        // The school's pastoral lead reads the plan (allowed: the family shares with the school for now).
        await pastoral.signIn(PASTORAL, DEMO_PASSWORD)
        await pastoral.visit("the school reads Tegan's plan", `${marshUrl}/plan`)

        // Karen signs in with the code from the outbox.
        await admin.signIn(demoAccounts.administrator, DEMO_PASSWORD)
        await familySignIn(karen, admin, karenEmail)
        await karen.check('the family home page')
        assert.match(karen.page.url(), /\/family\/episodes\//)
        const familyHome = new URL(karen.page.url()).pathname

        await karen.follow('our team', 'Our team')
        const team = await karen.page.locator('main').innerText()
        assert.match(team, /Moorland Academy/)
        assert.match(team, /lead professional/i)

        await karen.follow('our plan', 'Our plan')
        assert.match(await karen.page.locator('main').innerText(), /benefits check/i)

        await karen.follow('the meetings', 'Meetings')
        await karen.click('the next meeting', karen.page.locator('main a.govuk-link[href*="/meetings/"]').first())
        await karen.fill('Is there something you want to talk about?', 'Can the meeting be after school so Tegan can come?')
        await karen.press('agenda item added', 'Add to the list')
        assert.match(await karen.page.locator('main').innerText(), /after school so Tegan can come/)
        await karen.follow('the meetings again', 'Meetings')
        const held = karen.page.locator('main li', { hasText: 'Minutes ready' }).getByRole('link').first()
        await karen.click('a meeting with circulated minutes', held)
        const minutes = await karen.page.locator('main').innerText()
        assert.match(minutes, /What we decided/)
        assert.match(minutes, /lead professional/i)

        await karen.visit('who has looked at our record', `${familyHome}/who-has-looked`)
        assert.match(await karen.page.locator('main').innerText(), /Moorland Academy/)

        // Karen stops sharing with the school: it takes effect at once.
        await karen.follow('my consent', 'My consent')
        await karen.click('what stopping sharing with the school means', karen.page.getByRole('link', { name: /Stop sharing – Moorland Academy/ }).first())
        await karen.press('stopped sharing with the school', /^Stop sharing with Moorland Academy/)
        assert.match(await karen.page.locator('main').innerText(), /stopped sharing/i)
        await pastoral.visit("the school is refused Tegan's plan", `${marshUrl}/plan`, 403)

        // Tegan writes her own views; her mum cannot see them.
        await familySignIn(tegan, admin, teganEmail)
        await tegan.follow('my views', 'My views')
        await tegan.fill('What’s worrying me', 'I worry about Mum when I am at art club.')
        await tegan.press('views saved', 'Save my views')
        assert.match(await tegan.page.getByLabel('What’s worrying me').inputValue(), /art club/)
        await karen.visit('what young people chose to share', `${familyHome}/young-peoples-views`)
        assert.doesNotMatch(await karen.page.locator('main').innerText(), /art club/)
        await karen.visit("a young person's own page is not for parents", `${familyHome}/my-views`, 403)

        // Laura Kettering sees that her meeting's minutes are late.
        await familySignIn(laura, admin, lauraEmail)
        await laura.follow('the meetings', 'Meetings')
        await laura.click('the meeting with late minutes', laura.page.locator('main li', { hasText: 'Minutes late' }).getByRole('link').first())
        assert.match(await laura.page.locator('main').innerText(), /minutes are late/i)

        for (const journey of [lead, admin, pastoral, karen, tegan, laura]) journey.finish()
      } finally {
        for (const journey of [lead, admin, pastoral, karen, tegan, laura]) await journey.close()
      }
    })
  }
})
