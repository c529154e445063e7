import assert from 'node:assert/strict'
import type { BrowserContext, Page, Response } from 'playwright-core'
import { DEMO_PASSWORD } from './harness.ts'

/**
 * The browser suite's one crawler (docs/browser-tests.md), shared by the script-injection crawl
 * (xss-everywhere.test.ts) and the accessibility crawl (accessibility-crawl.test.ts): every page a signed-in person
 * reaches by following links (GET, same origin), one page of each kind (ids replaced), and the demo's ways of
 * signing in, staff and family.
 */

export const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi

/** A path with its ids replaced, so one of each kind of page is enough. */
export function pattern(url: URL): string {
  const keys = [...url.searchParams.keys()].sort().join('&')
  return `${url.pathname.replace(UUID, ':id').replace(/\/\d+(?=\/|$)/g, '/:n')}${keys ? `?${keys}` : ''}`
}

/** Links the crawl never follows: leaving, downloads (not pages), assets, the API. */
export const NOT_A_PAGE = /sign-out|\/api\/|\/download|\.pdf($|\?)|\.csv($|\?)|\.json($|\?)|\/export|\/assets\/|\/public\/|\.(png|jpg|svg|ico|js|css)$/i

/** Someone using the service in a browser context of their own; `focus` holds ids under which every page is visited. */
export type Actor = { name: string; context: BrowserContext; page: Page; focus: string[] }

/** Goes to a page; a link that starts a download is not a page (null). */
export async function goto(actor: Actor, url: string, waitUntil: 'load' | 'domcontentloaded' = 'load'): Promise<Response | null> {
  try {
    return await actor.page.goto(url, { waitUntil })
  } catch (error) {
    if (error instanceof Error && /Download is starting|net::ERR_ABORTED/.test(error.message)) return null
    throw error
  }
}

/** Signs a demo account in (demo accounts skip the second factor). */
export async function signIn(actor: Actor, email: string): Promise<void> {
  await goto(actor, '/sign-in')
  await actor.page.getByLabel('Email address', { exact: true }).fill(email)
  await actor.page.getByLabel('Password', { exact: true }).fill(DEMO_PASSWORD)
  await Promise.all([actor.page.waitForNavigation(), actor.page.getByRole('button', { name: 'Sign in', exact: true }).click()])
}

/** The sign-in code last sent to a family member, read from the outbox by an administrator. */
export async function codeFromOutbox(admin: Actor, recipient: string): Promise<string> {
  await goto(admin, '/admin/outbox')
  const row = admin.page.locator('main table tbody tr', { hasText: recipient }).filter({ hasText: /code is/ }).first()
  const code = (await row.innerText()).match(/code is (\d{6})/)?.[1]
  assert.ok(code, `no sign-in code for ${recipient} in the outbox`)
  return code
}

/** The lead professional invites a family member to the family's pages, by email. */
export async function invite(lead: Actor, episodeUrl: string, member: string, kind: string, email: string): Promise<void> {
  const page = lead.page
  await goto(lead, `${episodeUrl}/family-access/invite`)
  await page.getByLabel(member, { exact: true }).check()
  await page.getByLabel(kind, { exact: true }).check()
  if (kind === 'A parent or carer') await page.getByLabel(/They have parental responsibility/).check()
  await page.getByLabel('By email', { exact: true }).check()
  await page.getByLabel('Their email address', { exact: true }).fill(email)
  await page.getByLabel('English', { exact: true }).check()
  await Promise.all([page.waitForNavigation(), page.getByRole('button', { name: 'Send the invitation' }).click()])
}

/** An invited family member signs in with the code sent to them. */
export async function familySignIn(family: Actor, admin: Actor, email: string): Promise<void> {
  await goto(family, '/family/sign-in')
  await family.page.getByLabel('Email address or mobile number').fill(email)
  await Promise.all([family.page.waitForNavigation(), family.page.getByRole('button', { name: 'Send me a code' }).click()])
  const code = await codeFromOutbox(admin, email)
  await family.page.getByLabel('Code', { exact: true }).fill(code)
  await Promise.all([family.page.waitForNavigation(), family.page.getByRole('button', { name: 'Sign in', exact: true }).click()])
}

/** The address of a demo episode, found by a name in its row of the demo practitioner's list ('Tegan Marsh'). */
export async function demoEpisodeUrl(practitioner: Actor, name: string): Promise<string> {
  await goto(practitioner, '/episodes')
  const href = await practitioner.page.locator('main table tbody tr', { hasText: name }).getByRole('link').first().getAttribute('href')
  assert.ok(href, `the episode of ${name} is listed`)
  return href
}

export type CrawlOptions = {
  baseUrl: string
  starts: string[]
  /** Pages checked even when a page of their kind already was (visited after the starts). */
  alsoVisit?: string[]
  /** 'load' when the page itself is checked (every image's error has fired); 'domcontentloaded' to find links only. */
  waitUntil?: 'load' | 'domcontentloaded'
  limit?: number
  /** Called on every HTML page reached, before its links are read. */
  onPage: (key: string, response: Response) => Promise<void>
}

/**
 * Every page an actor reaches by following links from `starts` (same origin, GET). One page of each pattern (ids
 * replaced) is enough, except under the actor's focus (ids), where every page is visited. Returns how many pages.
 */
export async function crawl(actor: Actor, options: CrawlOptions): Promise<number> {
  const { baseUrl, limit = 400, waitUntil = 'load' } = options
  const alsoVisit = new Set(options.alsoVisit ?? [])
  const queue = [...options.starts, ...alsoVisit]
  const seen = new Set<string>()
  const perPattern = new Map<string, number>()
  let visited = 0
  while (queue.length > 0 && visited < limit) {
    const next = queue.shift()
    if (next === undefined) break
    const url = new URL(next, baseUrl)
    url.hash = ''
    const key = url.pathname + url.search
    if (seen.has(key)) continue
    seen.add(key)
    const inFocus = actor.focus.some(id => key.includes(id))
    const kind = pattern(url)
    const count = perPattern.get(kind) ?? 0
    if (!inFocus && !alsoVisit.has(key) && count >= 1) continue
    perPattern.set(kind, count + 1)
    const response = await goto(actor, key, waitUntil)
    if (!response || !(response.headers()['content-type'] ?? '').includes('text/html')) continue
    visited += 1
    await options.onPage(key, response)
    const links: string[] = await actor.page.locator('a[href]').evaluateAll(all => all.map(a => (a as unknown as { href: string }).href))
    for (const link of links) {
      const target = new URL(link)
      if (target.origin !== baseUrl || NOT_A_PAGE.test(target.pathname)) continue
      target.hash = ''
      if (!seen.has(target.pathname + target.search)) queue.push(target.pathname + target.search)
    }
  }
  return visited
}
