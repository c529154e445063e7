import { createHmac } from 'node:crypto'
import type { Config } from '../../config.ts'
import type { Db } from '../../db/database.ts'
import { enqueueEmail } from '../outbox/emails.ts'

/**
 * Text messages through a GOV.UK Notify-compatible service: `POST {baseUrl}/v2/notifications/sms` with JSON
 * `{ phone_number, template_id, personalisation: { message } }` (the Notify template is just `((message))`) and
 * `Authorization: Bearer <JWT>`, a JWT signed HS256 with the API key's secret, `{ iss: serviceId, iat: now }`.
 * A Notify API key is `keyname-serviceId-secret`, the last two being 36-character UUIDs.
 *
 * Without a provider configured (development, tests), the text goes to the outbox instead, held (never emailed),
 * with the mobile number as its recipient and a subject that says it is a text message, so administrators and
 * tests can read it.
 */

export type SmsMessage = { authorityId: string; phoneNumber: string; text: string; reference?: string }

export type SmsSettings = NonNullable<Config['sms']>

/** The subject of a text message kept in the outbox: what tells an administrator it is a text, not an email. */
export const SMS_OUTBOX_SUBJECT = 'Text message (not sent: no text message service is set up)'

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url')
}

/** Splits a Notify API key into its service id and secret. */
export function parseNotifyKey(apiKey: string): { serviceId: string; secret: string } {
  const key = apiKey.trim()
  if (key.length < 74) throw new Error('The NOTIFY_API_KEY is not a Notify API key (name-serviceId-secret).')
  return { serviceId: key.slice(-73, -37), secret: key.slice(-36) }
}

/** The bearer token Notify expects: HS256 JWT, issuer the service id, issued now (Notify allows 30 seconds of skew). */
export function notifyToken(apiKey: string, now: Date): string {
  const { serviceId, secret } = parseNotifyKey(apiKey)
  const header = base64url(JSON.stringify({ typ: 'JWT', alg: 'HS256' }))
  const payload = base64url(JSON.stringify({ iss: serviceId, iat: Math.floor(now.getTime() / 1000) }))
  const signature = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url')
  return `${header}.${payload}.${signature}`
}

export class SmsSendError extends Error {}

/** Sends one text through the provider. Throws SmsSendError on a refusal or a network failure (never logs the text). */
export async function sendThroughNotify(settings: SmsSettings, message: SmsMessage, now: Date, fetchImpl: typeof fetch = fetch): Promise<void> {
  let response: Response
  try {
    response = await fetchImpl(`${settings.baseUrl}/v2/notifications/sms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${notifyToken(settings.apiKey, now)}` },
      body: JSON.stringify({
        phone_number: message.phoneNumber,
        template_id: settings.templateId,
        personalisation: { message: message.text },
        ...(message.reference ? { reference: message.reference } : {}),
      }),
      signal: AbortSignal.timeout(10_000),
    })
  } catch (error) {
    throw new SmsSendError(`The text message service could not be reached (${(error as Error).name}).`)
  }
  if (!response.ok) {
    await response.body?.cancel().catch(() => {})
    throw new SmsSendError(`The text message service refused the message (HTTP ${response.status}).`)
  }
  await response.body?.cancel().catch(() => {})
}

export type SmsSender = {
  /** Whether texts really leave (a provider is configured), or are kept in the outbox. */
  readonly live: boolean
  /**
   * Queues a text inside the caller's transaction. Returns what to do after the transaction commits (send it to the
   * provider); with no provider it is already in the outbox and the returned function does nothing.
   */
  prepare: (db: Db, message: SmsMessage) => Promise<() => Promise<void>>
}

export function createSmsSender(config: Config, clock: { now: () => Date }, fetchImpl: typeof fetch = fetch): SmsSender {
  const settings = config.sms
  if (!settings) {
    return {
      live: false,
      prepare: async (db, message) => {
        await enqueueEmail(
          db,
          { authorityId: message.authorityId, recipient: message.phoneNumber, subject: SMS_OUTBOX_SUBJECT, bodyText: message.text },
          // Held, never emailed: a mobile number is not an email address.
          { at: clock.now(), smtpConfigured: false, domain: new URL(config.baseUrl).hostname },
        )
        return async () => {}
      },
    }
  }
  return {
    live: true,
    prepare: async (_db, message) => async () => sendThroughNotify(settings, message, clock.now(), fetchImpl),
  }
}

/** A UK mobile number in international form (+447…), or null if it is not one. Accepts 07…, 447…, +44 7…, spaces. */
export function ukMobile(value: string): string | null {
  const compact = value.replace(/[\s\-().]/g, '')
  let digits: string
  if (/^07\d{9}$/.test(compact)) digits = `44${compact.slice(1)}`
  else if (/^\+447\d{9}$/.test(compact)) digits = compact.slice(1)
  else if (/^00447\d{9}$/.test(compact)) digits = compact.slice(2)
  else if (/^447\d{9}$/.test(compact)) digits = compact
  else if (/^\+440?7\d{9}$/.test(compact)) digits = `44${compact.slice(compact.length - 10)}`
  else return null
  return `+${digits}`
}
