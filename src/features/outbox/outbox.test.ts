import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { SMTPServer } from 'smtp-server'
import { load } from 'cheerio'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, heading, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildUser, signIn, type TestUser } from '../../../test/helpers/builders.ts'
import { enqueueEmail } from './emails.ts'
import { backoffMs, MAX_ATTEMPTS } from './outbox.service.ts'

type Received = { from: string; to: string[]; raw: string }

/** A real SMTP server on 127.0.0.1 that keeps what it receives; it can be stopped and started again on its port. */
class TestSmtpServer {
  readonly received: Received[] = []
  port = 0
  private server: SMTPServer | null = null

  async start(): Promise<void> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = []
        stream.on('data', (chunk: Buffer) => chunks.push(chunk))
        stream.on('end', () => {
          const envelope = session.envelope
          this.received.push({
            from: envelope.mailFrom ? envelope.mailFrom.address : '',
            to: envelope.rcptTo.map(recipient => recipient.address),
            raw: Buffer.concat(chunks).toString('utf8'),
          })
          callback()
        })
      },
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.port, '127.0.0.1', () => resolve())
    })
    this.port = (server.server.address() as AddressInfo).port
    this.server = server
  }

  async stop(): Promise<void> {
    const server = this.server
    this.server = null
    if (server) await new Promise<void>(resolve => server.close(() => resolve()))
  }

  withMessageId(messageId: string): Received[] {
    return this.received.filter(message => message.raw.includes(`Message-ID: ${messageId}`))
  }
}

function bodyOf(raw: string): string {
  // Quoted-printable soft line breaks would split a long link.
  return raw.replace(/=\r?\n/g, '')
}

describe('outbox backoff', () => {
  it('waits 30 s, 1, 2, 5, 15, 30 minutes, then an hour at most', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 11].map(attempts => backoffMs(attempts) / 1000),
      [30, 60, 120, 300, 900, 1800, 3600, 3600, 3600],
    )
  })
})

for (const kind of databaseKinds()) {
  describe(`outbox sender over real SMTP (${kind})`, () => {
    let t: TestApp
    const smtp = new TestSmtpServer()
    let authorityId: string

    before(async () => {
      await smtp.start()
      t = await buildTestApp(kind, {
        env: { SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, MAIL_FROM: 'OneStory <no-reply@onestory.test>' },
      })
      authorityId = (await buildAuthority(t)).id
    })
    after(async () => {
      await t.close()
      await smtp.stop()
    })

    async function requestReset(user: TestUser) {
      const browser = new Browser(t.app)
      await browser.get('/forgot-password')
      const response = await browser.post('/forgot-password', { email: user.email })
      assert.equal(response.statusCode, 200)
      const row = await t.database.db
        .selectFrom('outbox')
        .selectAll()
        .where('recipient', '=', user.email)
        .orderBy('createdAt', 'desc')
        .executeTakeFirstOrThrow()
      return row
    }

    async function outboxRow(id: string) {
      return t.database.db.selectFrom('outbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    }

    it('sends a password reset email once, with its stored Message-ID and the link', async () => {
      const user = await buildUser(t, authorityId)
      const queued = await requestReset(user)
      assert.equal(queued.status, 'pending')
      const report = await t.app.services.outbox.sendDue()
      assert.deepEqual(report, { sent: 1, retrying: 0, failed: 0 })
      const delivered = smtp.withMessageId(queued.messageId)
      assert.equal(delivered.length, 1)
      const [message] = delivered
      assert.ok(message)
      assert.deepEqual(message.to, [user.email])
      assert.equal(message.from, 'no-reply@onestory.test')
      assert.match(bodyOf(message.raw), /http:\/\/localhost:3000\/reset-password\/[A-Za-z0-9_-]{43}/)
      assert.match(message.raw, /^Subject: Reset your OneStory password/m)
      const sent = await outboxRow(queued.id)
      assert.equal(sent.status, 'sent')
      assert.equal(sent.attempts, 1)
      assert.ok(sent.sentAt)
      assert.deepEqual(await t.app.services.outbox.sendDue(), { sent: 0, retrying: 0, failed: 0 })
      assert.equal(smtp.withMessageId(queued.messageId).length, 1, 'never sent twice')
    })

    it('keeps an email when the mail server is down, backs off, and delivers it once when it is back', async () => {
      await smtp.stop()
      const user = await buildUser(t, authorityId)
      const queued = await requestReset(user)
      const before = t.clock.now()
      assert.deepEqual(await t.app.services.outbox.sendDue(), { sent: 0, retrying: 1, failed: 0 })
      const waiting = await outboxRow(queued.id)
      assert.equal(waiting.status, 'pending')
      assert.equal(waiting.attempts, 1)
      assert.equal(waiting.claimedUntil, null)
      assert.equal(waiting.nextAttemptAt.getTime(), before.getTime() + 30_000)
      assert.match(waiting.lastError ?? '', /^The mail server could not be reached \(E[A-Z]+\)$/)
      assert.ok(!(waiting.lastError ?? '').includes(user.email), 'no personal data in the stored error')

      await smtp.start()
      assert.deepEqual(await t.app.services.outbox.sendDue(), { sent: 0, retrying: 0, failed: 0 }, 'not due again yet')
      t.clock.advanceMinutes(0.6)
      for (let run = 0; run < 4; run++) await t.app.services.outbox.sendDue()
      assert.equal(smtp.withMessageId(queued.messageId).length, 1, 'delivered exactly once')
      const sent = await outboxRow(queued.id)
      assert.equal(sent.status, 'sent')
      assert.equal(sent.attempts, 2)
      assert.equal(sent.lastError, null)
    })

    it('takes over an email whose sender crashed once its claim has run out, and not before', async () => {
      const id = await enqueueEmail(
        t.database.db,
        { authorityId, recipient: 'crash@example.org', subject: 'Crash test', bodyText: 'Hello' },
        { at: t.clock.now(), smtpConfigured: true, domain: 'onestory.test' },
      )
      const claimedUntil = new Date(t.clock.now().getTime() + 60_000)
      await t.database.db
        .updateTable('outbox')
        .set({ status: 'sending', claimedUntil, attempts: 1 })
        .where('id', '=', id)
        .execute()
      await t.app.services.outbox.sendDue()
      assert.equal((await outboxRow(id)).status, 'sending', 'another sender still holds it')
      t.clock.advanceMinutes(1.5)
      await t.app.services.outbox.sendDue()
      await t.app.services.outbox.sendDue()
      const row = await outboxRow(id)
      assert.equal(row.status, 'sent')
      assert.equal(row.attempts, 2)
      assert.equal(smtp.withMessageId(row.messageId).length, 1)
    })

    it('never sends one email twice when several senders run at once', async () => {
      const ids: string[] = []
      for (let index = 0; index < 6; index++) {
        ids.push(
          await enqueueEmail(
            t.database.db,
            { authorityId, recipient: `many${index}@example.org`, subject: `Many ${index}`, bodyText: 'Hello' },
            { at: t.clock.now(), smtpConfigured: true, domain: 'onestory.test' },
          ),
        )
      }
      const reports = await Promise.all([
        t.app.services.outbox.sendDue(),
        t.app.services.outbox.sendDue(),
        t.app.services.outbox.sendDue(),
      ])
      assert.equal(
        reports.reduce((sum, report) => sum + report.sent, 0),
        6,
      )
      for (const id of ids) {
        const row = await outboxRow(id)
        assert.equal(row.status, 'sent')
        assert.equal(smtp.withMessageId(row.messageId).length, 1)
      }
    })

    it(`gives up after ${MAX_ATTEMPTS} attempts and marks the email failed`, async () => {
      await smtp.stop()
      const id = await enqueueEmail(
        t.database.db,
        { authorityId, recipient: 'never@example.org', subject: 'Never', bodyText: 'Hello' },
        { at: t.clock.now(), smtpConfigured: true, domain: 'onestory.test' },
      )
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        await t.app.services.outbox.sendDue()
        const row = await outboxRow(id)
        assert.equal(row.attempts, attempt)
        assert.equal(row.status, attempt === MAX_ATTEMPTS ? 'failed' : 'pending')
        t.clock.advanceMinutes(61)
      }
      await smtp.start()
      await t.app.services.outbox.sendDue()
      const row = await outboxRow(id)
      assert.equal(row.status, 'failed')
      assert.equal(row.attempts, MAX_ATTEMPTS)
      assert.equal(smtp.withMessageId(row.messageId).length, 0)
    })
  })

  describe(`outbox pages (${kind})`, () => {
    let t: TestApp
    let admin: Browser
    let practitioner: Browser
    let adminUser: TestUser
    let practitionerUser: TestUser
    let otherMessageId: string
    let authorityId: string

    before(async () => {
      t = await buildTestApp(kind)
      authorityId = (await buildAuthority(t)).id
      const agencyId = (await buildAgency(t, authorityId)).id
      adminUser = await buildUser(t, authorityId, { roles: ['administrator'], agencyIds: [agencyId] })
      practitionerUser = await buildUser(t, authorityId, {
        roles: ['practitioner', 'coordinator'],
        agencyIds: [agencyId],
      })
      admin = await signIn(t, adminUser)
      practitioner = await signIn(t, practitionerUser)
      const other = await buildAuthority(t)
      otherMessageId = await enqueueEmail(
        t.database.db,
        {
          authorityId: other.id,
          recipient: 'someone@other.example.org',
          subject: 'Other authority',
          bodyText: 'Not yours',
        },
        { at: t.clock.now(), smtpConfigured: false, domain: 'onestory.test' },
      )
    })
    after(() => t.close())

    it('holds emails when no mail server is set up and shows them to administrators, newest first', async () => {
      const browser = new Browser(t.app)
      await browser.get('/forgot-password')
      await browser.post('/forgot-password', { email: practitionerUser.email })
      const held = await t.database.db
        .selectFrom('outbox')
        .selectAll()
        .where('recipient', '=', practitionerUser.email)
        .executeTakeFirstOrThrow()
      assert.equal(held.status, 'held')
      assert.deepEqual(await t.app.services.outbox.sendDue(), { sent: 0, retrying: 0, failed: 0 })
      t.clock.advanceMinutes(1)
      await enqueueEmail(
        t.database.db,
        { authorityId, recipient: 'newer@example.org', subject: 'The newer one', bodyText: 'Hello' },
        { at: t.clock.now(), smtpConfigured: false, domain: 'onestory.test' },
      )
      const page = await admin.get('/admin/outbox')
      assert.equal(page.statusCode, 200)
      assert.equal(heading(page.body), 'Email outbox')
      const $ = load(page.body)
      const rows = $('tbody tr')
        .map((_i, row) =>
          $(row)
            .find('td')
            .map((_j, cell) => $(cell).text().trim())
            .get()
            .join(' | '),
        )
        .get()
      assert.equal(rows.length, 2, 'only this authority’s emails')
      assert.match(rows[0] ?? '', /^newer@example.org \| The newer one \| Held, not sent \| 0 \|/)
      assert.match(rows[1] ?? '', /Reset your OneStory password/)
      assert.match(page.body, /No mail server is set up/)
      const audit = await t.database.db
        .selectFrom('auditEvents')
        .selectAll()
        .where('actorUserId', '=', adminUser.id)
        .where('action', '=', 'outbox.read')
        .execute()
      assert.equal(audit.length, 1)
    })

    it('shows a whole email, escaped, and audits reading it', async () => {
      const id = await enqueueEmail(
        t.database.db,
        {
          authorityId,
          recipient: 'escape@example.org',
          subject: 'Escaping <b>test</b>',
          bodyText: 'Line one\n<script>alert(1)</script>\nhttp://localhost:3000/x',
        },
        { at: t.clock.now(), smtpConfigured: false, domain: 'onestory.test' },
      )
      const page = await admin.get(`/admin/outbox/${id}`)
      assert.equal(page.statusCode, 200)
      assert.ok(!page.body.includes('<script>alert(1)</script>'))
      assert.ok(page.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'))
      assert.equal(
        load(page.body)('.govuk-inset-text pre').text(),
        'Line one\n<script>alert(1)</script>\nhttp://localhost:3000/x',
      )
      const audit = await t.database.db.selectFrom('auditEvents').selectAll().where('recordId', '=', id).execute()
      assert.equal(audit.length, 1)
      assert.equal(audit[0]?.action, 'outbox.read')
      assert.equal(audit[0]?.recordType, 'outbox-message')
    })

    it('refuses a practitioner (audited), and finds no email of another authority or at a malformed id', async () => {
      const list = await practitioner.get('/admin/outbox')
      assert.equal(list.statusCode, 403)
      const one = await practitioner.get(`/admin/outbox/${otherMessageId}`)
      assert.equal(one.statusCode, 403)
      const denied = await t.database.db
        .selectFrom('auditEvents')
        .select('action')
        .where('actorUserId', '=', practitionerUser.id)
        .where('outcome', '=', 'denied')
        .execute()
      assert.ok(denied.filter(event => event.action === 'outbox.read').length >= 2)
      assert.equal((await admin.get(`/admin/outbox/${otherMessageId}`)).statusCode, 404)
      assert.equal((await admin.get('/admin/outbox/not-a-uuid')).statusCode, 404)
      assert.equal((await admin.get('/admin/outbox/%00')).statusCode, 404)
      const anonymous = await new Browser(t.app).get('/admin/outbox')
      assert.equal(anonymous.statusCode, 303)
    })

    it('pages 25 at a time and ignores a nonsense page number', async () => {
      for (let index = 0; index < 30; index++) {
        await enqueueEmail(
          t.database.db,
          { authorityId, recipient: `page${index}@example.org`, subject: `Paging ${index}`, bodyText: 'Hello' },
          { at: t.clock.now(), smtpConfigured: false, domain: 'onestory.test' },
        )
      }
      const first = await admin.get('/admin/outbox')
      assert.equal(load(first.body)('tbody tr').length, 25)
      assert.ok(load(first.body)('.govuk-pagination__next a').attr('href')?.endsWith('/admin/outbox?page=2'))
      const second = await admin.get('/admin/outbox?page=2')
      assert.equal(load(second.body)('tbody tr').length, 8)
      for (const junk of ['?page=-1', '?page=abc', '?page=99999999999', '?page=2&page=x', '?page[]=1']) {
        const response = await admin.get(`/admin/outbox${junk}`)
        assert.equal(response.statusCode, 200, junk)
      }
      assert.equal(
        load((await admin.get('/admin/outbox?page=500')).body)('tbody tr').length,
        8,
        'past the end shows the last page',
      )
    })
  })
}
