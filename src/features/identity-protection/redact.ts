import type { ProtectedField } from '../../db/schema.ts'
import { NotFoundError } from '../../lib/errors.ts'

// THE redaction of protected details (identity protection), as pure functions: from the protected values to a
// matcher, and from a view-model to the same view-model with every protected value replaced by "withheld". The
// database side (which protections apply to which reader) is in identity-protection.redaction.ts.

/** A value that must not reach the reader: the person it belongs to, which detail, and the text to find. */
export type ProtectedTerm = { personId: string; field: ProtectedField; kind: 'text' | 'phone' | 'email'; value: string }

export type Matcher = {
  /** Every protected value, one alternation; null when there is nothing to find. */
  pattern: RegExp | null
  /** Field-level: which details of which person are withheld, for view-models that carry a person's fields. */
  fieldsByPerson: ReadonlyMap<string, ReadonlySet<ProtectedField>>
  /** Whether anything at all is protected from this reader. */
  any: boolean
}

export const EMPTY_MATCHER: Matcher = { pattern: null, fieldsByPerson: new Map(), any: false }

/** Raised for a file whose text cannot be read to check it (a PDF, an image, an office file) when details are withheld. */
export class WithheldFileError extends NotFoundError {}

const LETTER_OR_DIGIT = '[\\p{L}\\p{N}]'
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** A phone number written any usual way: spaces, brackets, dashes, +44 or 0, (0) after +44. */
function phonePattern(value: string): string | null {
  let digits = value.replace(/\D/g, '')
  if (digits.length < 6) return null
  if (digits.startsWith('44') && value.trim().startsWith('+')) digits = `0${digits.slice(2)}`
  const separator = '[\\s().-]{0,2}'
  if (digits.startsWith('0')) {
    const rest = digits.slice(1).split('').join(separator)
    return `(?<!\\p{N})\\(?(?:\\+\\s*44\\s*(?:\\(0\\)\\s*)?|0)${separator}${rest}(?!\\p{N})`
  }
  return `(?<!\\p{N})${digits.split('').join(separator)}(?!\\p{N})`
}

/** Words in order with up to three separators between them (spaces, commas, line breaks), any case. */
function textPattern(value: string): string | null {
  const tokens = value.match(/[\p{L}\p{N}]+/gu) ?? []
  if (tokens.join('').length < 3) return null
  return `(?<!${LETTER_OR_DIGIT})${tokens.map(escape).join('[^\\p{L}\\p{N}]{0,3}')}(?!${LETTER_OR_DIGIT})`
}

function patternOf(term: ProtectedTerm): string | null {
  if (term.kind === 'phone') return phonePattern(term.value)
  if (term.kind === 'email') {
    const value = term.value.trim()
    return value.length < 3 ? null : `(?<![\\p{L}\\p{N}._%+-])${escape(value)}(?![\\p{L}\\p{N}_-])`
  }
  return textPattern(term.value)
}

/**
 * The terms a stored address yields: the whole address, each of its lines (or comma-separated parts) that carries
 * letters and at least four characters, and the postcode, with or without its space.
 */
export function addressTerms(personId: string, field: ProtectedField, address: string | null, postcode: string | null): ProtectedTerm[] {
  const terms: ProtectedTerm[] = []
  if (address?.trim()) {
    terms.push({ personId, field, kind: 'text', value: address })
    for (const part of address.split(/[\n,]+/)) {
      const trimmed = part.trim()
      if (trimmed.length >= 4 && /\p{L}/u.test(trimmed)) terms.push({ personId, field, kind: 'text', value: trimmed })
    }
  }
  if (postcode?.trim()) terms.push({ personId, field, kind: 'text', value: postcode })
  return terms
}

/** Other ways a value may be written, one a line (what the practitioner added to a protection). */
export function extraTerms(personId: string, field: ProtectedField, text: string): ProtectedTerm[] {
  return text
    .split(/\r?\n/)
    .map(line => line.trim())
    .filter(line => line !== '')
    .map(value => ({ personId, field, kind: /^[+()\d\s-]{6,}$/.test(value) ? ('phone' as const) : value.includes('@') ? ('email' as const) : ('text' as const), value }))
}

export function buildMatcher(terms: readonly ProtectedTerm[], fields: readonly { personId: string; field: ProtectedField }[] = terms): Matcher {
  const patterns = [...new Set(terms.map(patternOf).filter((pattern): pattern is string => pattern !== null))].sort((a, b) => b.length - a.length)
  const fieldsByPerson = new Map<string, Set<ProtectedField>>()
  for (const { personId, field } of fields) fieldsByPerson.set(personId, new Set([...(fieldsByPerson.get(personId) ?? []), field]))
  return {
    pattern: patterns.length ? new RegExp(patterns.join('|'), 'giu') : null,
    fieldsByPerson,
    any: patterns.length > 0 || fieldsByPerson.size > 0,
  }
}

export function redactText(text: string, matcher: Matcher, withheld: string): string {
  if (!matcher.pattern || text === '') return text
  return text.replace(matcher.pattern, withheld)
}

/** Keys of a person's details in view-models, and the protected field each belongs to. */
const PERSON_FIELD_KEYS: Readonly<Record<string, ProtectedField>> = {
  address: 'address',
  postcode: 'address',
  phone: 'phone',
  mobile: 'phone',
  email: 'email',
  schoolOrSetting: 'school',
  school: 'school',
}

const textDecoder = new TextDecoder('utf-8', { fatal: true })

function redactBytes(bytes: Uint8Array, matcher: Matcher, withheld: string): Uint8Array {
  let text: string
  try {
    text = textDecoder.decode(bytes)
  } catch {
    text = '\u0000'
  }
  // A file we cannot read as text cannot be checked, so it is not given to a reader from whom something is withheld.
  if (text.includes('\u0000')) throw new WithheldFileError('We cannot show you this file here. Ask your lead professional for a copy.')
  const redacted = redactText(text, matcher, withheld)
  return redacted === text ? bytes : Buffer.from(redacted, 'utf8')
}

function isPlainObject(value: object): value is Record<string, unknown> {
  const prototype = Object.getPrototypeOf(value)
  return prototype === Object.prototype || prototype === null
}

/**
 * The view-model with every protected value replaced by `withheld`: in every string (anywhere in plain objects,
 * arrays and maps), in text files, and field by field in objects that carry a person's details (`personId`, or `id`
 * with `givenNames`). Dates and other class instances are kept as they are. Nothing protected: the value itself.
 */
export function redactValue<T>(value: T, matcher: Matcher, withheld: string): T {
  if (!matcher.any) return value
  const visit = (item: unknown): unknown => {
    if (typeof item === 'string') return redactText(item, matcher, withheld)
    if (item === null || typeof item !== 'object') return item
    if (item instanceof Uint8Array) return redactBytes(item, matcher, withheld)
    if (Array.isArray(item)) return item.map(visit)
    if (item instanceof Map) return new Map([...item].map(([key, entry]) => [key, visit(entry)]))
    if (!isPlainObject(item)) return item
    const personId = typeof item.personId === 'string' ? item.personId : typeof item.id === 'string' && 'givenNames' in item ? item.id : null
    const withheldFields = personId ? matcher.fieldsByPerson.get(personId) : undefined
    const copy: Record<string, unknown> = {}
    for (const [key, entry] of Object.entries(item)) {
      const field = PERSON_FIELD_KEYS[key]
      copy[key] = field && withheldFields?.has(field) && typeof entry === 'string' && entry !== '' ? withheld : visit(entry)
    }
    return copy
  }
  return visit(value) as T
}
