import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import ICAL from 'ical.js'
import { SMTPServer } from 'smtp-server'

// A real SMTP server for tests, and readers for what it receives (MIME parts, iCalendar files checked with ical.js,
// an independent parser).

export type Received = { to: string[]; raw: string }

/** A real SMTP server on 127.0.0.1 that keeps every message it receives. */
export async function startSmtp(): Promise<{ received: Received[]; port: number; stop: () => Promise<void> }> {
  const received: Received[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        received.push({ to: session.envelope.rcptTo.map(recipient => recipient.address), raw: Buffer.concat(chunks).toString('utf8') })
        callback()
      })
    },
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const port = (server.server.address() as AddressInfo).port
  return { received, port, stop: () => new Promise<void>(resolve => server.close(() => resolve())) }
}

/** The text/calendar part of a MIME message, decoded (nodemailer sends it base64 or quoted-printable). */
export function calendarPart(raw: string): { contentType: string; fileName: string; text: string } | null {
  const match = /Content-Type: (text\/calendar[^\r\n]*(?:\r\n[ \t][^\r\n]*)*)\r\n((?:[^\r\n]+\r\n)*)\r\n([\s\S]*?)\r\n--/i.exec(raw)
  if (!match) return null
  const [, contentType = '', headers = '', body = ''] = match
  const encoding = /Content-Transfer-Encoding: *(\S+)/i.exec(headers)?.[1]?.toLowerCase() ?? '7bit'
  const fileName = /filename="?([^";\r\n]+)"?/i.exec(`${contentType}\r\n${headers}`)?.[1] ?? ''
  const text =
    encoding === 'base64'
      ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
      : encoding === 'quoted-printable'
        ? Buffer.from(body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8')
        : body
  return { contentType: contentType.replace(/\r\n[ \t]/g, ' '), fileName, text }
}

/** The message with headers unfolded and the text part's quoted-printable decoded: what a reader sees. */
export function readable(raw: string): string {
  const unfolded = raw
    .replace(/\r\n[ \t]/g, ' ')
    .replace(/\?= =\?UTF-8\?Q\?/gi, '')
    .replace(/=\?UTF-8\?Q\?(.*?)\?=/gi, (_match, word: string) => word.replace(/_/g, ' '))
  return unfolded.replace(/=\r\n/g, '').replace(/(?:=[0-9A-F]{2})+/g, match => Buffer.from(match.replace(/=/g, ''), 'hex').toString('utf8'))
}

export function assertWellFormedIcs(text: string) {
  assert.ok(text.endsWith('\r\n'), 'ends with CRLF')
  assert.ok(!/[^\r]\n/.test(text), 'CRLF line endings only')
  for (const line of text.split('\r\n')) assert.ok(Buffer.byteLength(line, 'utf8') <= 75, `line over 75 octets: ${line}`)
}

export function parseIcs(text: string) {
  assertWellFormedIcs(text)
  const calendar = new ICAL.Component(ICAL.parse(text))
  const vevent = calendar.getFirstSubcomponent('vevent')
  assert.ok(vevent)
  return { method: String(calendar.getFirstPropertyValue('method')), event: new ICAL.Event(vevent), status: String(vevent.getFirstPropertyValue('status')), dtstamp: vevent.getFirstPropertyValue('dtstamp') }
}

