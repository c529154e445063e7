import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { formatNhsNumber, isValidNhsNumber, nhsCheckDigit, normaliseNhsNumber } from './nhs-number.ts'

describe('NHS numbers', () => {
  it('accepts known-valid numbers', () => {
    // 9434765919 is NHS Digital's published example; the others are valid test-range numbers.
    for (const number of ['9434765919', '4010232137', '9990000018', '9000000009', '4505577104']) {
      assert.equal(isValidNhsNumber(number), true, number)
    }
  })

  it('accepts the spaced and hyphenated forms people type', () => {
    assert.equal(isValidNhsNumber('943 476 5919'), true)
    assert.equal(isValidNhsNumber('943-476-5919'), true)
    assert.equal(normaliseNhsNumber(' 943 476 5919 '), '9434765919')
  })

  it('refuses a wrong check digit, a transposition and the wrong length', () => {
    assert.equal(isValidNhsNumber('9434765918'), false)
    assert.equal(isValidNhsNumber('9434765991'), false)
    assert.equal(isValidNhsNumber('4934765919'), false)
    assert.equal(isValidNhsNumber('943476591'), false)
    assert.equal(isValidNhsNumber('94347659190'), false)
    assert.equal(isValidNhsNumber('94347659A9'), false)
    assert.equal(isValidNhsNumber(''), false)
  })

  it('refuses numbers whose check digit would be 10 (never issued)', () => {
    // 123456789: 1*10+2*9+3*8+4*7+5*6+6*5+7*4+8*3+9*2 = 210, 210 % 11 = 1, 11 - 1 = 10
    assert.equal(nhsCheckDigit('123456789'), null)
    for (let last = 0; last <= 9; last++) assert.equal(isValidNhsNumber(`123456789${last}`), false)
  })

  it('maps a check of 11 to 0', () => {
    assert.equal(nhsCheckDigit('900000000'), 9)
    assert.equal(nhsCheckDigit('999000001'), 8)
    assert.equal(isValidNhsNumber('9000000009'), true)
  })

  it('formats as 3 3 4', () => {
    assert.equal(formatNhsNumber('9434765919'), '943 476 5919')
  })
})
