import assert from 'node:assert/strict'
import { createHmac, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, it } from 'node:test'
import { loadConfig } from '../../config.ts'
import { createSmsSender, notifyToken, parseNotifyKey, sendThroughNotify, SmsSendError, ukMobile } from './sms.ts'

// The text message adapter against a local HTTP server that behaves as GOV.UK Notify does: it checks the JWT (HS256,
// issuer = service id, issued within 30 seconds) with the key's secret before accepting a message.

const serviceId = randomUUID()
const secret = randomUUID()
const apiKey = `onestory_test-${serviceId}-${secret}`
const templateId = randomUUID()

type Seen = { authorization: string | undefined; body: Record<string, unknown>; path: string | undefined }

function verifyJwt(token: string, now: number): boolean {
  const [header, payload, signature] = token.split('.')
  if (!header || !payload || !signature) return false
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url')
  if (expected !== signature) return false
  const head = JSON.parse(Buffer.from(header, 'base64url').toString()) as { alg?: string; typ?: string }
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { iss?: string; iat?: number }
  return head.alg === 'HS256' && head.typ === 'JWT' && claims.iss === serviceId && typeof claims.iat === 'number' && Math.abs(now / 1000 - claims.iat) <= 30
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

describe('text messages through a GOV.UK Notify-compatible service', () => {
  const seen: Seen[] = []
  let baseUrl = ''
  const server = createServer(async (request, response) => {
    const body = JSON.parse(await readBody(request)) as Record<string, unknown>
    seen.push({ authorization: request.headers.authorization, body, path: request.url })
    const token = request.headers.authorization?.replace(/^Bearer /, '') ?? ''
    if (!verifyJwt(token, Date.now())) {
      response.writeHead(403, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ error: 'AuthError', message: 'Invalid token' }] }))
      return
    }
    response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: randomUUID() }))
  })

  before(async () => {
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', () => resolve()))
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  after(() => new Promise<void>(resolve => server.close(() => resolve())))

  it('splits a Notify key into its service id and secret', () => {
    assert.deepEqual(parseNotifyKey(apiKey), { serviceId, secret })
    assert.throws(() => parseNotifyKey('too-short'))
  })

  it('sends the number, template and message with a JWT the service accepts', async () => {
    const now = new Date()
    await sendThroughNotify({ baseUrl, apiKey, templateId }, { authorityId: randomUUID(), phoneNumber: '+447700900123', text: 'Your OneStory code is 123456.' }, now)
    const last = seen.at(-1)
    assert.ok(last)
    assert.equal(last.path, '/v2/notifications/sms')
    assert.deepEqual(last.body, { phone_number: '+447700900123', template_id: templateId, personalisation: { message: 'Your OneStory code is 123456.' } })
    assert.ok(verifyJwt(notifyToken(apiKey, now), now.getTime()))
  })

  it('reports a refused message (a wrong key) and an unreachable service as SmsSendError, without the text', async () => {
    const wrongKey = `onestory_test-${serviceId}-${randomUUID()}`
    await assert.rejects(
      sendThroughNotify({ baseUrl, apiKey: wrongKey, templateId }, { authorityId: randomUUID(), phoneNumber: '+447700900123', text: 'secret 654321' }, new Date()),
      (error: Error) => error instanceof SmsSendError && /HTTP 403/.test(error.message) && !error.message.includes('654321'),
    )
    await assert.rejects(
      sendThroughNotify({ baseUrl: 'http://127.0.0.1:1', apiKey, templateId }, { authorityId: randomUUID(), phoneNumber: '+447700900123', text: 'x' }, new Date()),
      SmsSendError,
    )
  })

  it('is live only with a provider configured; the live sender sends after the transaction, through the provider', async () => {
    const clock = { now: () => new Date() }
    assert.equal(createSmsSender(loadConfig({ LOG_LEVEL: 'silent' }), clock).live, false)
    const config = loadConfig({ LOG_LEVEL: 'silent', NOTIFY_API_KEY: apiKey, NOTIFY_SMS_TEMPLATE_ID: templateId, NOTIFY_BASE_URL: baseUrl })
    const sender = createSmsSender(config, clock)
    assert.equal(sender.live, true)
    const before = seen.length
    const send = await sender.prepare(undefined as never, { authorityId: randomUUID(), phoneNumber: '+447700900456', text: 'hello' })
    assert.equal(seen.length, before, 'nothing leaves before the caller commits')
    await send()
    assert.equal(seen.at(-1)?.body.phone_number, '+447700900456')
  })

  it('reads UK mobile numbers as +44', () => {
    assert.equal(ukMobile('07700 900123'), '+447700900123')
    assert.equal(ukMobile('+44 (0)7700 900123'), '+447700900123')
    assert.equal(ukMobile('0044 7700 900123'), '+447700900123')
    assert.equal(ukMobile('447700900123'), '+447700900123')
    assert.equal(ukMobile('01632 960123'), null, 'a landline cannot get a text')
    assert.equal(ukMobile('+33612345678'), null)
  })
})
