import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { addressTerms, buildMatcher, extraTerms, redactText, redactValue, WithheldFileError, type ProtectedTerm } from './redact.ts'

// The pure redaction: every usual way of writing a protected value is found, nothing else is touched.

const person = 'p1'
const W = '(withheld)'
const terms: ProtectedTerm[] = [
  ...addressTerms(person, 'address', '14 Larkspur Close\nHaddington', 'HD7 3QX'),
  { personId: person, field: 'phone', kind: 'phone', value: '07700 900461' },
  { personId: person, field: 'email', kind: 'email', value: 'sam.safe@example.org' },
  { personId: person, field: 'school', kind: 'text', value: 'Larkspur Academy' },
  ...extraTerms(person, 'whereabouts', 'Rowan House refuge\n\n'),
]
const matcher = buildMatcher(terms)

describe('identity protection: redaction of a view-model', () => {
  it('finds a phone number however it is written', () => {
    for (const written of ['07700 900461', '07700900461', '+44 7700 900461', '+44 (0)7700 900461', '(07700) 900-461', '+447700900461']) {
      assert.equal(redactText(`Call ${written} today`, matcher, W), `Call ${W} today`, written)
    }
    // A longer number that merely contains it is not the same number.
    assert.equal(redactText('Ref 9077009004612', matcher, W), 'Ref 9077009004612')
  })

  it('finds addresses, lines of them and postcodes in any case and spacing', () => {
    assert.equal(redactText('Moved to 14 Larkspur Close, Haddington HD7 3QX.', matcher, W), `Moved to ${W} ${W}.`.replace(`${W} ${W}`, `${W} ${W}`))
    assert.doesNotMatch(redactText('Moved to 14 larkspur close haddington hd73qx', matcher, W), /larkspur|haddington|hd7/i)
    assert.equal(redactText('She goes to Larkspur Academy.', matcher, W), `She goes to ${W}.`)
    assert.equal(redactText('Staying at Rowan House Refuge for now', matcher, W), `Staying at ${W} for now`)
    assert.equal(redactText('Email SAM.SAFE@example.org', matcher, W), `Email ${W}`)
    // Words inside other words are left alone.
    assert.equal(redactText('Haddingtonshire and Larkspurs', matcher, W), 'Haddingtonshire and Larkspurs')
  })

  it('walks objects, arrays and maps, keeps dates, and withholds a person’s fields by name', () => {
    const at = new Date('2026-01-01T00:00:00Z')
    const value = {
      at,
      list: ['at 14 Larkspur Close', 3, null],
      nested: { text: 'Larkspur Academy' },
      map: new Map([['k', 'call 07700900461']]),
      child: { personId: person, address: 'Somewhere not yet known', phone: '', givenNames: 'Sam' },
      other: { personId: 'p2', address: 'Elsewhere Road' },
    }
    const redacted = redactValue(value, matcher, W)
    assert.equal(redacted.at, at)
    assert.deepEqual(redacted.list, [`at ${W}`, 3, null])
    assert.equal(redacted.nested.text, W)
    assert.equal(redacted.map.get('k'), `call ${W}`)
    assert.equal(redacted.child.address, W, 'field-level: the person’s address, whatever it says')
    assert.equal(redacted.child.phone, '')
    assert.equal(redacted.other.address, 'Elsewhere Road')
    assert.equal(value.list[0], 'at 14 Larkspur Close', 'the original is not changed')
  })

  it('redacts text files and refuses files it cannot read', () => {
    const text = redactValue({ content: Buffer.from('Address: 14 Larkspur Close') }, matcher, W)
    assert.equal(Buffer.from(text.content).toString('utf8'), `Address: ${W}`)
    assert.throws(() => redactValue({ content: Buffer.from([0x25, 0x50, 0x00, 0xff, 0x10]) }, matcher, W), WithheldFileError)
  })

  it('changes nothing when nothing is protected', () => {
    const empty = buildMatcher([])
    const value = { text: '14 Larkspur Close', content: Buffer.from([0, 1, 2]) }
    assert.equal(redactValue(value, empty, W), value)
  })
})
