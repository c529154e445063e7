/**
 * NHS numbers: ten digits, the last a modulus 11 check digit over the first nine (weights 10 down to 2). A remainder
 * giving 10 means the number was never issued. Spaces and hyphens people type (943 476 5919) are ignored.
 */

/** The digits of what was typed, or null when it is not ten digits once spaces and hyphens are removed. */
export function normaliseNhsNumber(value: string): string | null {
  const digits = value.replace(/[\s-]/g, '')
  return /^[0-9]{10}$/.test(digits) ? digits : null
}

/** The check digit for nine digits, or null when no valid check digit exists (the remainder gives 10). */
export function nhsCheckDigit(nineDigits: string): number | null {
  if (!/^[0-9]{9}$/.test(nineDigits)) return null
  let total = 0
  for (let index = 0; index < 9; index++) total += Number(nineDigits[index]) * (10 - index)
  const check = 11 - (total % 11)
  if (check === 11) return 0
  if (check === 10) return null
  return check
}

/** True for a ten-digit number whose last digit is the modulus 11 check digit of the first nine. */
export function isValidNhsNumber(value: string): boolean {
  const digits = normaliseNhsNumber(value)
  if (digits === null) return false
  const check = nhsCheckDigit(digits.slice(0, 9))
  return check !== null && check === Number(digits[9])
}

/** Shown as people read it: 943 476 5919. */
export function formatNhsNumber(digits: string): string {
  return /^[0-9]{10}$/.test(digits) ? `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}` : digits
}
