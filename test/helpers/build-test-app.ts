import { load } from 'cheerio'
import type { LightMyRequestResponse } from 'fastify'
import { buildApp, type App } from '../../src/app.ts'
import { loadConfig, type Config } from '../../src/config.ts'
import type { DatabaseKind, OpenDatabase } from '../../src/db/database.ts'
import type { Clock } from '../../src/lib/clock.ts'
import { openTestDatabase } from './database.ts'

/** A clock the test moves by hand. */
export class TestClock implements Clock {
  private current: Date
  constructor(start = new Date()) {
    this.current = new Date(start)
  }
  now(): Date {
    return new Date(this.current)
  }
  advanceMinutes(minutes: number): void {
    this.current = new Date(this.current.getTime() + minutes * 60_000)
  }
}

export type TestApp = { app: App; database: OpenDatabase; clock: TestClock; config: Config; close: () => Promise<void> }

export async function buildTestApp(
  kind: DatabaseKind,
  options: { env?: Record<string, string>; setupCode?: string; config?: Partial<Config>; logStream?: NodeJS.WritableStream } = {},
): Promise<TestApp> {
  const database = await openTestDatabase(kind)
  const clock = new TestClock()
  const config = loadConfig({ LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '100000', COOKIE_SECURE: 'true', ...options.env }, options.config)
  const app = await buildApp({ config, database, clock, ...(options.setupCode ? { setupCode: options.setupCode } : {}), ...(options.logStream ? { logStream: options.logStream } : {}) })
  await app.ready()
  return {
    app,
    database,
    clock,
    config,
    close: async () => {
      await app.close()
      await database.close()
    },
  }
}

type Fields = Record<string, string | string[]>

/**
 * A browser stand-in over fastify.inject: keeps cookies, reads the CSRF token from the last page, posts forms
 * url-encoded as a browser does.
 */
export class Browser {
  readonly cookies = new Map<string, string>()
  csrfToken = ''
  /**
   * Each browser is its own client, from its own loopback address, as people are: the per-address limits on signing
   * in and codes count per browser, as they would per person.
   */
  readonly remoteAddress = `127.${1 + Math.floor(Math.random() * 254)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`
  constructor(private readonly app: App) {}

  private cookieHeader(): string {
    return [...this.cookies.entries()].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  private remember(response: LightMyRequestResponse): void {
    for (const cookie of response.cookies) {
      const expired = cookie.expires !== undefined && new Date(cookie.expires).getTime() < Date.now()
      if (cookie.value === '' || expired || cookie.maxAge === 0) this.cookies.delete(cookie.name)
      else this.cookies.set(cookie.name, cookie.value)
    }
    if (String(response.headers['content-type'] ?? '').startsWith('text/html')) {
      const token = load(response.body)('input[name="_csrf"]').first().attr('value')
      if (token) this.csrfToken = token
    }
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const response = await this.app.inject({ method: 'GET', url, remoteAddress: this.remoteAddress, headers: { cookie: this.cookieHeader(), ...headers } })
    this.remember(response)
    return response
  }

  /** Posts a form with the current CSRF token (unless the fields set _csrf themselves). */
  async post(url: string, fields: Fields = {}, options: { csrf?: boolean } = {}): Promise<LightMyRequestResponse> {
    if (!this.csrfToken && options.csrf !== false) await this.get('/sign-in')
    const body = new URLSearchParams()
    if (options.csrf !== false && !('_csrf' in fields)) body.append('_csrf', this.csrfToken)
    for (const [name, value] of Object.entries(fields)) {
      for (const item of Array.isArray(value) ? value : [value]) body.append(name, item)
    }
    const response = await this.app.inject({
      method: 'POST',
      url,
      remoteAddress: this.remoteAddress,
      payload: body.toString(),
      headers: { cookie: this.cookieHeader(), 'content-type': 'application/x-www-form-urlencoded' },
    })
    this.remember(response)
    return response
  }

  /**
   * Any route as this browser would use it: GET; a form POST with the CSRF token; or, for the API, a JSON POST with the
   * CSRF header (a session cookie's API call). The access tests send every route of the app this way.
   */
  async send(method: string, url: string, fields: Fields = {}, json: unknown = {}): Promise<LightMyRequestResponse> {
    if (method === 'GET') return this.get(url)
    if (!url.startsWith('/api/')) return this.post(url, fields)
    if (!this.csrfToken) await this.get('/sign-in')
    const response = await this.app.inject({
      method: method as 'POST',
      url,
      remoteAddress: this.remoteAddress,
      payload: JSON.stringify(json),
      headers: { cookie: this.cookieHeader(), 'x-csrf-token': this.csrfToken, 'content-type': 'application/json' },
    })
    this.remember(response)
    return response
  }

  /** Follows a 3xx to its page. */
  async follow(response: LightMyRequestResponse): Promise<LightMyRequestResponse> {
    const location = response.headers.location
    if (!location) throw new Error(`expected a redirect, got ${response.statusCode}`)
    return this.get(String(location))
  }
}

/** The GOV.UK error summary's messages on a page. */
export function errorSummary(html: string): string[] {
  const $ = load(html)
  return $('.govuk-error-summary__list li').map((_i, element) => $(element).text().trim()).get()
}

export function heading(html: string): string {
  return load(html)('h1').first().text().trim()
}
