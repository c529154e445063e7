import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, it } from 'node:test'
import { load } from 'cheerio'
import type { LightMyRequestResponse } from 'fastify'
import { uuidv7 } from '../../lib/ids.ts'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, errorSummary, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { signIn, signInFamily } from '../../../test/helpers/builders.ts'
import { buildAuthorityWorld, type AuthorityWorld } from '../../../test/helpers/world.ts'
import { readable, startSmtp } from '../../../test/helpers/smtp.ts'
import { SMS_OUTBOX_SUBJECT } from './sms.ts'

/**
 * A browser for the family sign-in pages from its own IP address (the sign-in routes are rate-limited per IP), with
 * cookies and the CSRF token as a browser keeps them.
 */
let ipCounter = 10
class FamilyBrowser {
  readonly cookies = new Map<string, string>()
  csrfToken = ''
  readonly ip = `10.0.0.${++ipCounter}`
  constructor(private readonly t: TestApp) {}
  private remember(response: LightMyRequestResponse) {
    for (const cookie of response.cookies) {
      if (cookie.value === '' || cookie.maxAge === 0 || (cookie.expires !== undefined && new Date(cookie.expires).getTime() < Date.now())) this.cookies.delete(cookie.name)
      else this.cookies.set(cookie.name, cookie.value)
    }
    if (String(response.headers['content-type'] ?? '').startsWith('text/html')) {
      const token = load(response.body)('input[name="_csrf"]').first().attr('value')
      if (token) this.csrfToken = token
    }
  }
  private header() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
  }
  async get(url: string) {
    const response = await this.t.app.inject({ method: 'GET', url, remoteAddress: this.ip, headers: { cookie: this.header(), 'user-agent': 'Mozilla/5.0 (Linux; Android 14) Firefox/130.0' } })
    this.remember(response)
    return response
  }
  async post(url: string, fields: Record<string, string>) {
    if (!this.csrfToken) await this.get('/family/sign-in')
    const body = new URLSearchParams({ _csrf: this.csrfToken, ...fields })
    const response = await this.t.app.inject({
      method: 'POST',
      url,
      remoteAddress: this.ip,
      payload: body.toString(),
      headers: { cookie: this.header(), 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Mozilla/5.0 (Linux; Android 14) Firefox/130.0' },
    })
    this.remember(response)
    return response
  }
}

for (const kind of databaseKinds()) {
  describe(`family access: invitations and one-time codes (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    let lead: Browser
    let smtp: Awaited<ReturnType<typeof startSmtp>>
    const parentEmail = () => `parent.${world.marker.toLowerCase()}@example.org`

    before(async () => {
      smtp = await startSmtp()
      t = await buildTestApp(kind, { env: { SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, MAIL_FROM: 'OneStory <no-reply@onestory.test>' } })
      world = await buildAuthorityWorld(t, 'Codeford')
    })
    // The test clock jumps hours ahead (code expiry, hourly limits): the practitioner signs in afresh for each test.
    beforeEach(async () => {
      lead = await signIn(t, world.superUser)
    })
    after(async () => {
      await t.close()
      await smtp.stop()
    })

    async function latestOutbox(recipient: string) {
      return t.database.db.selectFrom('outbox').selectAll().where('recipient', '=', recipient).orderBy('createdAt', 'desc').orderBy('id', 'desc').executeTakeFirst()
    }
    async function codeFor(recipient: string): Promise<string> {
      const row = await latestOutbox(recipient)
      assert.ok(row, `no message to ${recipient}`)
      const match = /(\d{6})/.exec(row.bodyText)
      assert.ok(match?.[1], 'the message carries a 6-digit code')
      return match[1]
    }
    async function requestCode(browser: FamilyBrowser, contact: string) {
      t.clock.advanceMinutes(1) // each message its own minute, so "the latest" is well defined
      const response = await browser.post('/family/sign-in', { contact })
      assert.equal(response.statusCode, 303)
      assert.equal(response.headers.location, '/family/sign-in/code')
      return browser.get('/family/sign-in/code')
    }
    async function addFamilyMember(name: string, dateOfBirth: string | null = null) {
      let personId: string | null = null
      if (dateOfBirth) {
        personId = uuidv7()
        await t.database.db
          .insertInto('persons')
          .values({ authorityId: world.authorityId, id: personId, givenNames: name, familyName: world.marker, dateOfBirth, searchName: name.toLowerCase(), createdByUserId: world.superUser.id } as never)
          .execute()
      }
      const id = uuidv7()
      await t.database.db
        .insertInto('familyTeamMembers')
        .values({ authorityId: world.authorityId, id, episodeId: world.episodeId, personId, name, kind: 'family_member', relationship: null, organisation: null, email: null, phone: null, addedByUserId: world.superUser.id, joinedAt: new Date(), leftAt: null, leftReason: null })
        .execute()
      return id
    }
    async function countCodes(accountId: string) {
      const rows = await t.database.db.selectFrom('familySignInCodes').select('id').where('accountId', '=', accountId).execute()
      return rows.length
    }

    it('the whole flow: a code by email through a real SMTP server signs the parent in, audited, and tells the lead about the device', async () => {
      const browser = new FamilyBrowser(t)
      const page = await requestCode(browser, `  ${parentEmail().toUpperCase()} `)
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /we have sent you an email with a code/)
      assert.doesNotMatch(page.body, /Demo only/)
      const queued = await latestOutbox(parentEmail())
      assert.ok(queued)
      assert.equal(queued.status, 'pending')
      await t.app.services.outbox.sendDue()
      const delivered = smtp.received.filter(message => message.to.includes(parentEmail()))
      assert.equal(delivered.length, 1)
      const text = readable(delivered[0]?.raw ?? '')
      const code = /Your OneStory code is (\d{6})/.exec(text)?.[1]
      assert.ok(code, 'the email carries the code')
      const stored = await t.database.db.selectFrom('familySignInCodes').selectAll().where('accountId', '=', world.familyAccountId).executeTakeFirstOrThrow()
      assert.notEqual(stored.codeHash, code)
      assert.ok(!stored.codeHash.includes(code), 'only a hash is stored')
      assert.equal(new Date(stored.expiresAt).getTime() - new Date(stored.createdAt).getTime(), 10 * 60_000)

      const signedIn = await browser.post('/family/sign-in/code', { code: `${code.slice(0, 3)} ${code.slice(3)}` })
      assert.equal(signedIn.statusCode, 303)
      assert.equal(signedIn.headers.location, '/family')
      const account = await browser.get('/family/account')
      assert.equal(account.statusCode, 200)
      assert.match(account.body, /Firefox on Android/)
      assert.match(account.body, /This device/)
      const audit = await t.database.db.selectFrom('auditEvents').selectAll().where('action', '=', 'family.sign-in').where('actorFamilyAccountId', '=', world.familyAccountId).execute()
      assert.deepEqual(audit.map(row => row.outcome), ['allowed'])
      const notice = await latestOutbox(world.superUser.email)
      assert.ok(notice)
      assert.match(notice.subject, /Codeford Parent signed in/)
      assert.doesNotMatch(notice.bodyText, /Codefordchild/, 'no child details in the notice')
      // The same device again: no second notice.
      const before = (await t.database.db.selectFrom('outbox').select('id').where('recipient', '=', world.superUser.email).execute()).length
      await requestCode(browser, parentEmail())
      const again = await browser.post('/family/sign-in/code', { code: await codeFor(parentEmail()) })
      assert.equal(again.statusCode, 303)
      const afterCount = (await t.database.db.selectFrom('outbox').select('id').where('recipient', '=', world.superUser.email).execute()).length
      assert.equal(afterCount, before)
    })

    it('says the same thing whether or not the contact is known, and sends nothing to an unknown one', async () => {
      const known = await requestCode(new FamilyBrowser(t), parentEmail())
      const unknown = await requestCode(new FamilyBrowser(t), 'nobody.here@example.org')
      const text = (html: string) => load(html)('main').text().replace(/\s+/g, ' ').replace(/\S+@example\.org/g, 'X')
      assert.equal(text(known.body), text(unknown.body))
      assert.equal(await latestOutbox('nobody.here@example.org'), undefined)
      const wrong = await new FamilyBrowser(t).post('/family/sign-in', { contact: 'not a contact' })
      assert.equal(wrong.statusCode, 400)
      assert.match(errorSummary(wrong.body).join(' '), /Enter an email address like/)
    })

    it('a code is single use, runs out after 10 minutes, and dies after 5 wrong tries', async () => {
      // reuse
      const first = new FamilyBrowser(t)
      await requestCode(first, parentEmail())
      const code = await codeFor(parentEmail())
      assert.equal((await first.post('/family/sign-in/code', { code })).statusCode, 303)
      const thief = new FamilyBrowser(t)
      await thief.post('/family/sign-in', { contact: parentEmail() })
      await t.database.db.deleteFrom('familySignInCodes').where('accountId', '=', world.familyAccountId).where('usedAt', 'is', null).execute()
      const reused = await thief.post('/family/sign-in/code', { code })
      assert.equal(reused.statusCode, 401)
      assert.match(errorSummary(reused.body).join(' '), /not right, or it has run out/)

      // expiry
      const late = new FamilyBrowser(t)
      await requestCode(late, parentEmail())
      const lateCode = await codeFor(parentEmail())
      t.clock.advanceMinutes(11)
      assert.equal((await late.post('/family/sign-in/code', { code: lateCode })).statusCode, 401)

      // 5 wrong tries
      const guesser = new FamilyBrowser(t)
      await requestCode(guesser, parentEmail())
      const right = await codeFor(parentEmail())
      const wrongCode = right === '000000' ? '000001' : '000000'
      for (let attempt = 0; attempt < 5; attempt++) assert.equal((await guesser.post('/family/sign-in/code', { code: wrongCode })).statusCode, 401)
      assert.equal((await guesser.post('/family/sign-in/code', { code: right })).statusCode, 401, 'the right code is dead after 5 wrong tries')
      const denied = await t.database.db.selectFrom('auditEvents').select('id').where('action', '=', 'family.sign-in').where('outcome', '=', 'denied').where('actorFamilyAccountId', '=', world.familyAccountId).execute()
      assert.ok(denied.length >= 5)
      const bad = await guesser.post('/family/sign-in/code', { code: '12' })
      assert.equal(bad.statusCode, 400)
      t.clock.advanceMinutes(61)
    })

    it('sends at most 5 codes an account an hour', async () => {
      const start = await countCodes(world.familyAccountId)
      const browser = new FamilyBrowser(t)
      for (let request = 0; request < 7; request++) await requestCode(browser, parentEmail())
      assert.equal((await countCodes(world.familyAccountId)) - start, 5)
      t.clock.advanceMinutes(61)
      await requestCode(browser, parentEmail())
      assert.equal((await countCodes(world.familyAccountId)) - start, 6)
    })

    it('the lead invites a young person by text in Welsh; the text and the code go to the outbox; they sign in in Welsh', async () => {
      const memberId = await addFamilyMember(`${world.marker}Teen`, '2010-01-01')
      const teamPage = await lead.get(`/episodes/${world.episodeId}/team`)
      assert.match(teamPage.body, new RegExp(`href="/episodes/${world.episodeId}/family-access"`), 'the team page links to family access')
      const access = await lead.get(`/episodes/${world.episodeId}/family-access`)
      assert.equal(access.statusCode, 200)
      assert.match(access.body, /Codeford Parent/)
      assert.match(access.body, /Can sign in/)
      const form = await lead.get(`/episodes/${world.episodeId}/family-access/invite?member=${memberId}`)
      assert.equal(form.statusCode, 200)
      const missing = await lead.post(`/episodes/${world.episodeId}/family-access/invite`, { memberId, kind: 'young_person', channel: 'sms', mobile: '', language: 'cy' })
      assert.equal(missing.statusCode, 400)
      assert.match(errorSummary(missing.body).join(' '), /Enter their mobile number/)
      const sent = await lead.post(`/episodes/${world.episodeId}/family-access/invite`, { memberId, kind: 'young_person', channel: 'sms', mobile: '07700 900123', language: 'cy' })
      assert.equal(sent.statusCode, 303)
      const invitation = await latestOutbox('+447700900123')
      assert.ok(invitation)
      assert.equal(invitation.subject, SMS_OUTBOX_SUBJECT)
      assert.equal(invitation.status, 'held')
      assert.match(invitation.bodyText, /wedi eich gwahodd/)
      const account = await t.database.db.selectFrom('familyAccounts').selectAll().where('mobile', '=', '+447700900123').executeTakeFirstOrThrow()
      assert.equal(account.status, 'invited')
      assert.equal(account.kind, 'young_person')
      assert.equal(account.language, 'cy')

      const browser = new FamilyBrowser(t)
      const page = await requestCode(browser, '+44 7700 900123')
      assert.match(page.body, /we have sent you a text with a code/)
      const code = await codeFor('+447700900123')
      assert.match((await latestOutbox('+447700900123'))?.bodyText ?? '', /Eich cod OneStory/)
      assert.equal((await browser.post('/family/sign-in/code', { code })).statusCode, 303)
      const home = await browser.get('/family/account')
      assert.match(home.body, /<html lang="cy"/)
      const active = await t.database.db.selectFrom('familyAccounts').select(['status', 'firstSignedInAt']).where('id', '=', account.id).executeTakeFirstOrThrow()
      assert.equal(active.status, 'active')
      assert.ok(active.firstSignedInAt)
    })

    it('a young person under the minimum age needs someone to have judged them competent; a parent needs parental responsibility', async () => {
      const memberId = await addFamilyMember(`${world.marker}Young`, '2019-06-01')
      const young = await lead.post(`/episodes/${world.episodeId}/family-access/invite`, { memberId, kind: 'young_person', channel: 'email', email: 'young@example.org', language: 'en' })
      assert.equal(young.statusCode, 400)
      assert.match(errorSummary(young.body).join(' '), /judged them competent/)
      const parent = await lead.post(`/episodes/${world.episodeId}/family-access/invite`, { memberId, kind: 'parent_carer', channel: 'email', email: 'young@example.org', language: 'en' })
      assert.equal(parent.statusCode, 400)
      assert.match(errorSummary(parent.body).join(' '), /parental responsibility/)
      const competent = await lead.post(`/episodes/${world.episodeId}/family-access/invite`, { memberId, kind: 'young_person', judgedCompetent: 'yes', judgedBy: 'Dr Rees, school nurse', channel: 'email', email: 'Young@example.org', language: 'en' })
      assert.equal(competent.statusCode, 303)
      const email = await latestOutbox('young@example.org')
      assert.ok(email)
      assert.match(email.bodyText, /has invited you to OneStory/)
      assert.doesNotMatch(email.bodyText, /Codefordchild/)
      const invited = await t.database.db.selectFrom('familyAccounts').select('id').where('email', '=', 'young@example.org').executeTakeFirstOrThrow()
      const audit = await t.database.db.selectFrom('auditEvents').select(['details', 'episodeId']).where('action', '=', 'family-access.manage').where('recordId', '=', invited.id).executeTakeFirstOrThrow()
      assert.equal(audit.episodeId, world.episodeId)
      assert.match(JSON.stringify(audit.details), /Dr Rees/)
    })

    it('a practitioner not on the team is refused and audited; another authority’s id is not found; no CSRF is refused', async () => {
      const outsider = await signIn(t, world.practitioner)
      const refused = await outsider.get(`/episodes/${world.episodeId}/family-access`)
      assert.equal(refused.statusCode, 403)
      const denied = await t.database.db.selectFrom('auditEvents').select('id').where('action', '=', 'family-access.manage').where('outcome', '=', 'denied').where('actorUserId', '=', world.practitioner.id).execute()
      assert.equal(denied.length, 1)
      assert.equal((await lead.get(`/episodes/${uuidv7()}/family-access`)).statusCode, 404)
      assert.equal((await lead.get(`/episodes/not-a-uuid/family-access`)).statusCode, 404)
      const noCsrf = await lead.post(`/episodes/${world.episodeId}/family-access/${world.familyAccountId}/end`, { _csrf: 'wrong', confirm: 'yes' })
      assert.equal(noCsrf.statusCode, 403)
    })

    it('sessions can be ended from another device, and the language is stored on the account', async () => {
      const phone = await signInFamily(t, { authorityId: world.authorityId, accountId: world.familyAccountId })
      const laptop = await signInFamily(t, { authorityId: world.authorityId, accountId: world.familyAccountId })
      assert.equal((await phone.get('/family/account')).statusCode, 200)
      const laptopPage = await laptop.get('/family/account')
      assert.match(laptopPage.body, /Sign out everywhere else/)
      assert.equal((await laptop.post('/family/account/sessions/end-others', {})).statusCode, 303)
      const ended = await phone.get('/family/account')
      assert.equal(ended.statusCode, 303)
      assert.match(String(ended.headers.location), /^\/family\/sign-in/)
      assert.equal((await laptop.get('/family/account')).statusCode, 200)

      const switched = await laptop.post('/family/language', { language: 'cy', returnTo: '/family/account' })
      assert.equal(switched.statusCode, 303)
      assert.equal(switched.headers.location, '/family/account')
      const row = await t.database.db.selectFrom('familyAccounts').select('language').where('id', '=', world.familyAccountId).executeTakeFirstOrThrow()
      assert.equal(row.language, 'cy')
      assert.match((await laptop.get('/family/account')).body, /Ble rydych wedi mewngofnodi/)
      const offsite = await laptop.post('/family/language', { language: 'en', returnTo: '//evil.example' })
      assert.equal(offsite.headers.location, '/family')
      assert.equal((await laptop.post('/family/sign-out', {})).statusCode, 303)
      assert.equal((await laptop.get('/family/account')).statusCode, 303)
    })

    it('ending access revokes the account, ends its sessions and stops its codes', async () => {
      const family = await signInFamily(t, { authorityId: world.authorityId, accountId: world.familyAccountId })
      assert.equal((await family.get('/family/account')).statusCode, 200)
      const confirm = await lead.get(`/episodes/${world.episodeId}/family-access/${world.familyAccountId}/end`)
      assert.equal(confirm.statusCode, 200)
      assert.equal((await lead.post(`/episodes/${world.episodeId}/family-access/${world.familyAccountId}/end`, {})).statusCode, 400)
      const ended = await lead.post(`/episodes/${world.episodeId}/family-access/${world.familyAccountId}/end`, { confirm: 'yes' })
      assert.equal(ended.statusCode, 303)
      const account = await t.database.db.selectFrom('familyAccounts').select(['status', 'revokedAt']).where('id', '=', world.familyAccountId).executeTakeFirstOrThrow()
      assert.equal(account.status, 'revoked')
      const sessions = await t.database.db.selectFrom('familySessions').select('publicId').where('accountId', '=', world.familyAccountId).execute()
      assert.equal(sessions.length, 0)
      assert.equal((await family.get('/family/account')).statusCode, 303)
      const codesBefore = await countCodes(world.familyAccountId)
      await requestCode(new FamilyBrowser(t), parentEmail())
      assert.equal(await countCodes(world.familyAccountId), codesBefore, 'no code for a revoked account')
      const page = await lead.get(`/episodes/${world.episodeId}/family-access`)
      assert.match(page.body, /Access ended/)
    })

    it('in a demo authority the code page shows the code, labelled demo only', async () => {
      await t.database.db.updateTable('authorities').set({ isDemo: true }).where('id', '=', world.authorityId).execute()
      try {
        const browser = new FamilyBrowser(t)
        const page = await requestCode(browser, '07700900123')
        const shown = /your code is (\d{6})/.exec(page.body)?.[1]
        assert.ok(shown)
        assert.equal(shown, await codeFor('+447700900123'))
        assert.match(page.body, /Demo only/)
      } finally {
        await t.database.db.updateTable('authorities').set({ isDemo: false }).where('id', '=', world.authorityId).execute()
      }
    })
  })
}
