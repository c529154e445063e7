import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import nunjucks from 'nunjucks'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { formatDateIn, formatDateTimeIn, type Language, type Translate } from '../lib/i18n.ts'
import { linkJargon } from '../features/family-help/jargon.ts'

const require = createRequire(import.meta.url)
const govukRoot = path.dirname(require.resolve('govuk-frontend/package.json'))
const mojRoot = path.dirname(require.resolve('@ministryofjustice/frontend/package.json'))
const srcRoot = path.resolve(import.meta.dirname, '..')

export const GOVUK_DIST = path.join(govukRoot, 'dist')
export const MOJ_ROOT = mojRoot

/** The one inline script GOV.UK's page template carries; allowed by its hash, so the CSP needs no 'unsafe-inline'. */
export function govukInlineScriptHash(): string {
  const template = fs.readFileSync(path.join(GOVUK_DIST, 'govuk', 'template.njk'), 'utf8')
  const match = template.match(/<script[^>]*>(document\.body\.className[^<]*)<\/script>/)
  if (!match?.[1]) throw new Error('GOV.UK template inline script not found')
  return `'sha256-${createHash('sha256').update(match[1]).digest('base64')}'`
}

export type Navigation = ReadonlyArray<{ text: string; href: string; active?: boolean }>

/** What every page knows about: set by the session and CSRF plugins, read by the layout. */
export type PageContext = {
  csrfToken: string
  user: { name: string; agencyName: string | null } | null
  authorityName: string | null
  demo: boolean
  navigation: Navigation
  currentPath: string
  /** The family's own view: the page's language, its translator, and the signed-in family member. */
  language: Language
  t: Translate
  familyUser: { name: string; young: boolean } | null
}

export function createViewEnvironment(): nunjucks.Environment {
  const env = nunjucks.configure(
    [path.join(srcRoot, 'views'), path.join(srcRoot, 'features'), GOVUK_DIST, mojRoot],
    { autoescape: true, noCache: false, throwOnUndefined: false, trimBlocks: true, lstripBlocks: true },
  )
  env.addFilter('dateTime', (value: Date | string | null | undefined) => formatDateTime(value))
  env.addFilter('date', (value: Date | string | null | undefined) => formatDate(value))
  // Family pages: dates in the page's language ({{ meeting.startsAt | dateIn(language) }}).
  env.addFilter('dateIn', (value: Date | string | null | undefined, language: Language) => formatDateIn(language, value))
  env.addFilter('dateTimeIn', (value: Date | string | null | undefined, language: Language) => formatDateTimeIn(language, value))
  // Family pages: free text escaped, with the glossary's words linked ({{ action.what | jargon(language) }}).
  env.addFilter('jargon', (value: unknown, language: Language) => new nunjucks.runtime.SafeString(linkJargon(value, language)))
  return env
}

const dateTimeFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  hourCycle: 'h12',
  timeZone: 'Europe/London',
})
const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' })

export function formatDateTime(value: Date | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return ''
  return dateTimeFormat.format(new Date(value)).replace(' at ', ', ')
}

export function formatDate(value: Date | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return ''
  return dateFormat.format(new Date(value))
}

declare module 'fastify' {
  interface FastifyRequest {
    page: PageContext
  }
  interface FastifyReply {
    render: (template: string, viewModel?: Record<string, unknown>, status?: number) => FastifyReply
  }
}

export function renderWith(env: nunjucks.Environment) {
  return function render(this: FastifyReply, template: string, viewModel: Record<string, unknown> = {}, status = 200) {
    const request: FastifyRequest = this.request
    const html = env.render(template, { ...request.page, ...viewModel })
    return this.code(status).type('text/html; charset=utf-8').send(html)
  }
}
