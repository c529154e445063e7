import { z } from 'zod'

// Shared building blocks for every form and API schema: text is always bounded, and characters the database or a
// reader cannot handle (NUL and other controls, invalid UTF-8 decoded as U+FFFD, lone surrogates) are refused.

const CONTROL_SINGLE_LINE = /[\u0000-\u001f\u007f\ufffd]/
const CONTROL_MULTI_LINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/

function cleanText(value: string, multiLine: boolean): boolean {
  return value.isWellFormed() && !(multiLine ? CONTROL_MULTI_LINE : CONTROL_SINGLE_LINE).test(value)
}

/** One-line text, trimmed. `label` starts the messages: "Enter the agency name". */
export function text(label: string, options: { max?: number; required?: boolean; enterMessage?: string } = {}) {
  const max = options.max ?? 200
  const base = z
    .string({ error: `${capitalise(label)} must be text` })
    .refine(value => cleanText(value, false), { message: `${capitalise(label)} contains characters that are not allowed` })
    .transform(value => value.trim())
    .refine(value => value.length <= max, { message: `${capitalise(label)} must be ${max} characters or fewer` })
  if (options.required === false) return base
  return base.refine(value => value.length > 0, { message: options.enterMessage ?? `Enter ${label}` })
}

/** Multi-line text (line breaks allowed), trimmed and bounded. */
export function longText(label: string, options: { max?: number; required?: boolean } = {}) {
  const max = options.max ?? 10_000
  const base = z
    .string({ error: `${capitalise(label)} must be text` })
    .refine(value => cleanText(value, true), { message: `${capitalise(label)} contains characters that are not allowed` })
    .transform(value => value.replace(/\r\n/g, '\n').trim())
    .refine(value => value.length <= max, { message: `${capitalise(label)} must be ${max} characters or fewer` })
  if (options.required === false) return base
  return base.refine(value => value.length > 0, { message: `Enter ${label}` })
}

export function optionalText(label: string, max = 200) {
  return text(label, { max, required: false })
    .optional()
    .transform(value => (value === undefined || value === '' ? null : value))
}

export const emailAddress = (label = 'an email address') =>
  text(label, { max: 254 })
    .refine(value => value === '' || /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value), {
      message: 'Enter an email address in the correct format, like name@example.org',
    })
    .transform(value => value.toLowerCase())

export const uuid = (label = 'The identifier') =>
  z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, `${label} is not valid`)

/** A form field that is a list: a single value arrives as a string, several as an array. */
export function list<T extends z.ZodType>(item: T) {
  return z.preprocess(value => (value === undefined ? [] : Array.isArray(value) ? value : [value]), z.array(item).max(100))
}

/** Every form carries the CSRF token; it is checked by the CSRF plugin before the schema sees the body. */
export const csrfField = { _csrf: z.string().max(200).optional() }

export type FieldError = { text: string; href: string }

export type FormErrors = { errors: FieldError[]; fieldErrors: Record<string, { text: string }> }

/** A zod error as GOV.UK's error summary list and per-field inline messages (first message per field). */
export function toFormErrors(error: z.ZodError): FormErrors {
  const errors: FieldError[] = []
  const fieldErrors: Record<string, { text: string }> = {}
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const text = `The form contained a field it does not accept (${key.slice(0, 40)}). Reload the page and try again.`
        errors.push({ text, href: '#main-content' })
      }
      continue
    }
    const field = String(issue.path[0] ?? '')
    if (field in fieldErrors) continue
    const text = issue.code === 'invalid_type' && issue.input === undefined ? messageForMissing(issue.message) : issue.message
    fieldErrors[field] = { text }
    errors.push({ text, href: `#${field || 'main-content'}` })
  }
  return { errors, fieldErrors }
}

export function singleError(field: string, text: string): FormErrors {
  return { errors: [{ text, href: `#${field}` }], fieldErrors: { [field]: { text } } }
}

function messageForMissing(message: string): string {
  return message.replace(/ must be text$/, ' is missing').replace(/^Invalid input.*$/, 'Answer this question')
}

function capitalise(value: string): string {
  const withoutArticle = value.replace(/^(an|a|the|your) /, '')
  return withoutArticle.charAt(0).toUpperCase() + withoutArticle.slice(1)
}

/** What a form posted, kept to show it again after an error: bounded strings and lists of strings, never the CSRF token. */
export type SubmittedValues = Record<string, string | string[]>

export function submittedValues(body: unknown): SubmittedValues {
  const values: SubmittedValues = {}
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return values
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (key === '_csrf' || key === '__proto__') continue
    if (typeof value === 'string') values[key] = value.slice(0, 10_000)
    else if (Array.isArray(value)) values[key] = value.filter((item): item is string => typeof item === 'string').slice(0, 100).map(item => item.slice(0, 10_000))
  }
  return values
}

/** As submittedValues, keeping only the first value of each field: for forms whose fields are all single. */
export function submittedText(body: unknown): Record<string, string> {
  const values: Record<string, string> = {}
  for (const [key, value] of Object.entries(submittedValues(body))) {
    const first = Array.isArray(value) ? value[0] : value
    if (first !== undefined) values[key] = first
  }
  return values
}
