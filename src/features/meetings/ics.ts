// iCalendar (RFC 5545) invitations and cancellations for team meetings, as iTIP (RFC 5546) REQUEST and CANCEL
// messages: CRLF line endings, lines folded at 75 octets without splitting a UTF-8 character, TEXT values escaped,
// times in UTC ("Z"), a DTSTAMP, one UID per meeting for its whole life and a SEQUENCE that rises with every change.

export type CalendarMethod = 'REQUEST' | 'CANCEL'

export type CalendarEvent = {
  method: CalendarMethod
  uid: string
  sequence: number
  /** When this version of the invitation was made. */
  stamp: Date
  start: Date
  end: Date
  summary: string
  description: string
  location: string | null
  /** The meeting's page in OneStory. */
  url: string | null
  organizer: { name: string; email: string }
  attendees: { name: string; email: string }[]
}

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g

/** A TEXT value (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks escaped; other controls dropped. */
export function escapeText(value: string): string {
  return value
    .replace(/\r\n?/g, '\n')
    .replace(CONTROL, '')
    .replace(/\\/g, '\\\\')
    .replace(/;/g, '\\;')
    .replace(/,/g, '\\,')
    .replace(/\n/g, '\\n')
}

/** A parameter value (RFC 5545 3.1): always quoted; a double quote or control cannot appear in one, so it is dropped. */
function paramValue(value: string): string {
  return `"${value.replace(/[\u0000-\u001f\u007f"]/g, '').trim()}"`
}

/** A mailto: URI for an address already validated as an email address. */
function mailto(email: string): string {
  return `mailto:${email.replace(/[\u0000-\u0020\u007f"<>\\^`{|}]/g, '')}`
}

/** 20261125T142200Z */
export function utcStamp(instant: Date): string {
  return instant.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')
}

const encoder = new TextEncoder()

/**
 * Folds one content line (RFC 5545 3.1): no line longer than 75 octets; each continuation starts with one space.
 * Splits only between characters, never inside a UTF-8 sequence.
 */
export function foldLine(line: string): string {
  const parts: string[] = []
  let current = ''
  let currentOctets = 0
  for (const character of line) {
    const octets = encoder.encode(character).length
    const limit = parts.length === 0 ? 75 : 74 // a continuation line's leading space is one of its 75
    if (currentOctets + octets > limit) {
      parts.push(current)
      current = ''
      currentOctets = 0
    }
    current += character
    currentOctets += octets
  }
  parts.push(current)
  return parts.join('\r\n ')
}

/** The whole calendar object, CRLF-terminated lines. */
export function buildCalendar(event: CalendarEvent): string {
  const cancelled = event.method === 'CANCEL'
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//OneStory//Team around the family meetings//EN',
    'CALSCALE:GREGORIAN',
    `METHOD:${event.method}`,
    'BEGIN:VEVENT',
    `UID:${escapeText(event.uid)}`,
    `SEQUENCE:${event.sequence}`,
    `DTSTAMP:${utcStamp(event.stamp)}`,
    `DTSTART:${utcStamp(event.start)}`,
    `DTEND:${utcStamp(event.end)}`,
    `SUMMARY:${escapeText(event.summary)}`,
    `DESCRIPTION:${escapeText(event.description)}`,
    ...(event.location ? [`LOCATION:${escapeText(event.location)}`] : []),
    ...(event.url ? [`URL:${event.url.replace(/[\u0000-\u0020\u007f]/g, '')}`] : []),
    `ORGANIZER;CN=${paramValue(event.organizer.name)}:${mailto(event.organizer.email)}`,
    ...event.attendees.map(
      attendee => `ATTENDEE;CN=${paramValue(attendee.name)};CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:${mailto(attendee.email)}`,
    ),
    `STATUS:${cancelled ? 'CANCELLED' : 'CONFIRMED'}`,
    'TRANSP:OPAQUE',
    'END:VEVENT',
    'END:VCALENDAR',
  ]
  return lines.map(foldLine).join('\r\n') + '\r\n'
}

/** The MIME type of an attachment carrying the calendar object. */
export function calendarContentType(method: CalendarMethod): string {
  return `text/calendar; method=${method}; charset=UTF-8`
}
