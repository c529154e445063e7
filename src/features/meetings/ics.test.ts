import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import ICAL from 'ical.js'
import { buildCalendar, escapeText, foldLine, type CalendarEvent } from './ics.ts'

const base: CalendarEvent = {
  method: 'REQUEST',
  uid: '0190aaaa-bbbb-7ccc-8ddd-eeeeffff0000@onestory.test',
  sequence: 0,
  stamp: new Date('2027-02-20T09:15:00Z'),
  start: new Date('2027-03-03T10:00:00Z'),
  end: new Date('2027-03-03T11:30:00Z'),
  summary: 'Team around the family meeting (EH-2027-000001)',
  description: 'First team meeting; bring your diary, please.\nJoin online: https://meet.example.org/abc?x=1,2',
  location: 'Riverside Family Hub, 12 Mill Lane, Łódź Street',
  url: 'https://onestory.test/episodes/1/meetings/2',
  organizer: { name: 'OneStory', email: 'no-reply@onestory.test' },
  attendees: [{ name: 'Zofia "Zosia" Wiśniewska-Kowalczyk, advocate', email: 'zofia@example.org' }],
}

function parse(text: string) {
  const component = new ICAL.Component(ICAL.parse(text))
  const vevent = component.getFirstSubcomponent('vevent')
  assert.ok(vevent)
  return { component, vevent, event: new ICAL.Event(vevent) }
}

/** Structural checks ical.js is too lenient to make: CRLF only, every line within 75 octets. */
function assertWellFormedIcs(text: string) {
  assert.ok(text.endsWith('\r\n'), 'ends with CRLF')
  assert.ok(!/[^\r]\n/.test(text), 'every line break is CRLF')
  for (const line of text.split('\r\n')) assert.ok(Buffer.byteLength(line, 'utf8') <= 75, `line over 75 octets: ${line}`)
}

describe('iCalendar invitations (RFC 5545), read back by ical.js', () => {
  it('writes a REQUEST that an independent parser reads back exactly', () => {
    const text = buildCalendar(base)
    assertWellFormedIcs(text)
    const { component, vevent, event } = parse(text)
    assert.equal(component.getFirstPropertyValue('method'), 'REQUEST')
    assert.equal(component.getFirstPropertyValue('version'), '2.0')
    assert.ok(component.getFirstPropertyValue('prodid'))
    assert.equal(event.uid, base.uid)
    assert.equal(event.sequence, 0)
    assert.equal(event.startDate.toJSDate().toISOString(), '2027-03-03T10:00:00.000Z')
    assert.equal(event.endDate.toJSDate().toISOString(), '2027-03-03T11:30:00.000Z')
    assert.equal(event.startDate.zone?.tzid, 'UTC')
    assert.equal(event.summary, base.summary)
    assert.equal(event.description, base.description)
    assert.equal(event.location, base.location)
    assert.equal(String(vevent.getFirstPropertyValue('dtstamp')), '2027-02-20T09:15:00Z')
    assert.equal(vevent.getFirstPropertyValue('status'), 'CONFIRMED')
    assert.equal(String(vevent.getFirstPropertyValue('organizer')), 'mailto:no-reply@onestory.test')
    const attendee = vevent.getFirstProperty('attendee')
    assert.ok(attendee)
    assert.equal(String(attendee.getFirstValue()), 'mailto:zofia@example.org')
    assert.equal(attendee.getParameter('cn'), 'Zofia Zosia Wiśniewska-Kowalczyk, advocate')
    assert.match(text, /\r\nDTSTART:20270303T100000Z\r\n/)
  })

  it('writes a CANCEL with the same UID, a higher SEQUENCE and STATUS:CANCELLED', () => {
    const text = buildCalendar({ ...base, method: 'CANCEL', sequence: 2 })
    assertWellFormedIcs(text)
    const { component, vevent, event } = parse(text)
    assert.equal(component.getFirstPropertyValue('method'), 'CANCEL')
    assert.equal(event.uid, base.uid)
    assert.equal(event.sequence, 2)
    assert.equal(vevent.getFirstPropertyValue('status'), 'CANCELLED')
  })

  it('escapes backslashes, semicolons, commas and line breaks in text', () => {
    assert.equal(escapeText('a\\b;c,d\r\ne\nf'), 'a\\\\b\\;c\\,d\\ne\\nf')
    const awkward = 'Back\\slash; semi, comma\nnew line\u0007 bell'
    const { event } = parse(buildCalendar({ ...base, summary: awkward, description: awkward }))
    assert.equal(event.summary, 'Back\\slash; semi, comma\nnew line bell')
  })

  it('folds long lines at 75 octets without splitting a UTF-8 character', () => {
    const long = 'Ł'.repeat(100) + ' żółć '.repeat(30) + '👪'.repeat(20)
    const folded = foldLine(`DESCRIPTION:${escapeText(long)}`)
    for (const line of folded.split('\r\n')) {
      assert.ok(Buffer.byteLength(line, 'utf8') <= 75)
      assert.ok(!line.includes('\ufffd'))
    }
    assert.ok(folded.split('\r\n').slice(1).every(line => line.startsWith(' ')))
    const { event } = parse(buildCalendar({ ...base, description: long }))
    assert.equal(event.description, long)
  })
})
