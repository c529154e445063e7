import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, BrowserContext } from 'playwright-core'
import { crawl, familySignIn, goto, invite, demoEpisodeUrl, pattern, signIn, UUID, type Actor } from './crawl.ts'
import {
  axeViolations,
  blockingViolations,
  browserContextOptions,
  demoAccounts,
  describeViolation,
  launchBrowser,
  NoScriptMirror,
  startServer,
  writeAxeReport,
  WCAG_22_AA,
  type AxeViolation,
  type RunningServer,
} from './harness.ts'

/** The WCAG 2.2 AA rules (which can fail the test) and axe-core's best practices (reported, for review). */
const TAGS = [...WCAG_22_AA, 'best-practice']
const isWcag = (violation: AxeViolation) => (violation.tags ?? []).some(tag => WCAG_22_AA.includes(tag))

// Issue 7, accessibility beyond the journeys (docs/browser-tests.md): on the real demo server, every page each demo
// role reaches by following links (the suite's one crawler, crawl.ts: GET, same origin, one page of each kind with
// ids replaced) is checked by axe-core with the WCAG 2.2 AA tags, with JavaScript (the page as shown, govuk-frontend's
// scripts run) and without (the page's HTML as served, in the harness's twin context without scripts). Any serious or
// critical violation fails, less the harness's one accepted exception; every violation of any impact is written to
// test-results/axe/accessibility-crawl-<role>-<way>.json.

/**
 * ids used more than once in the HTML as served. axe-core 4.14 checks only ids that ARIA refers to (duplicate-id-aria),
 * as WCAG 2.2 dropped 4.1.1 Parsing; but a repeated id still sends a label, an error summary link or a skip link to
 * the wrong element, so the crawl reports it too.
 */
function duplicateIds(html: string): string[] {
  const counts = new Map<string, number>()
  for (const match of html.replace(/<!--[\s\S]*?-->/g, '').matchAll(/<[a-zA-Z][^>]*?\sid="([^"]+)"/g)) {
    const id = match[1] ?? ''
    counts.set(id, (counts.get(id) ?? 0) + 1)
  }
  return [...counts].filter(([, count]) => count > 1).map(([id, count]) => `${id} (${count} times)`)
}

type Problem = { role: string; way: string; url: string; detail: string }
type Report = { url: string; violations: AxeViolation[] }
type Role = {
  actor: Actor
  twin: BrowserContext
  starts: string[]
  alsoVisit: string[]
  visited: string[]
  pages: { withJs: number; withoutJs: number }
  reports: { withJs: Report[]; withoutJs: Report[] }
}

describe('browser: every page the demo roles reach by links passes axe-core, with and without JavaScript', { timeout: 600_000 }, () => {
  let server: RunningServer
  let browser: Browser

  before(async () => {
    ;[server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()])
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('finds no serious or critical WCAG 2.2 AA violation on any kind of page', async () => {
    const started = Date.now()
    const problems: Problem[] = []
    const roles = new Map<string, Role>()
    const open = async (name: string): Promise<Role> => {
      const context = await browser.newContext({ ...browserContextOptions(server), javaScriptEnabled: true, acceptDownloads: false })
      context.setDefaultTimeout(15_000)
      const twin = await browser.newContext({ ...browserContextOptions(server), javaScriptEnabled: true })
      const actor = { name, context, page: await context.newPage(), focus: [] }
      return { actor, twin, starts: [], alsoVisit: [], visited: [], pages: { withJs: 0, withoutJs: 0 }, reports: { withJs: [], withoutJs: [] } }
    }
    const names = ['practitioner', 'coordinator', 'administrator', 'manager', 'panel member', 'parent (family)', 'young person (family)', 'anonymous']
    for (const role of await Promise.all(names.map(open))) roles.set(role.actor.name, role)
    const roleNamed = (name: string): Role => roles.get(name) ?? assert.fail(`no role ${name}`)
    const [practitioner, coordinator, administrator, manager, panelMember, parent, youngPerson, anonymous] = names.map(roleNamed) as [Role, Role, Role, Role, Role, Role, Role, Role]
    await Promise.all([
      signIn(practitioner.actor, demoAccounts.practitioner),
      signIn(coordinator.actor, demoAccounts.coordinator),
      signIn(administrator.actor, demoAccounts.administrator),
      signIn(manager.actor, demoAccounts.manager),
      signIn(panelMember.actor, demoAccounts.panelMember),
    ])
    // Two family members of the Marsh family, invited by the demo practitioner (their lead professional).
    const marshUrl = await demoEpisodeUrl(practitioner.actor, 'Tegan Marsh')
    await invite(practitioner.actor, marshUrl, 'Karen Marsh', 'A parent or carer', 'karen.axe@example.com')
    await invite(practitioner.actor, marshUrl, 'Tegan Marsh', 'A young person', 'tegan.axe@example.com')
    await familySignIn(parent.actor, administrator.actor, 'karen.axe@example.com')
    await familySignIn(youngPerson.actor, administrator.actor, 'tegan.axe@example.com')
    const familyHome = new URL(parent.actor.page.url()).pathname
    assert.match(familyHome, /^\/family\/episodes\//)

    // Where each begins: their home page and what it links to, the Marsh episode, and pages reached otherwise: a search
    // for Tegan Marsh (a GET form), Tegan Marsh's own page (no page links to a person's page: its address is
    // taken from the search's "start early help" link), and, for the manager, a link to the Marsh episode someone sent
    // them (refused: the page offers to open it in an emergency).
    const marshSearch = '/people?givenNames=Tegan&familyName=Marsh'
    await goto(practitioner.actor, marshSearch)
    const start = await practitioner.actor.page.locator('main table tbody tr', { hasText: 'Tegan Marsh' }).getByRole('link').first().getAttribute('href')
    const teganId = start?.match(UUID)?.[0]
    assert.ok(teganId, 'Tegan Marsh is found by the search')
    practitioner.starts = [marshUrl, '/', '/episodes', marshSearch, `/people/${teganId}`]
    coordinator.starts = [marshUrl, '/', marshSearch, `/people/${teganId}`]
    // And the Kettering episode's history too, where a parent's disagreement is recorded.
    const ketteringUrl = await demoEpisodeUrl(practitioner.actor, 'Kettering')
    coordinator.alsoVisit = [`${ketteringUrl}/history`]
    administrator.starts = ['/admin', '/']
    manager.starts = ['/', marshUrl]
    panelMember.starts = ['/', '/panels']
    parent.starts = [familyHome, '/family/account']
    youngPerson.starts = [familyHome, '/family/account']
    anonymous.starts = ['/', '/sign-in', '/forgot-password', '/family/sign-in']

    // Each role crawls in its own browser context, side by side.
    await Promise.all(
      [...roles.values()].map(async role => {
        const { actor } = role
        const mirror = await NoScriptMirror.open(role.twin)
        const errorPages = new Set<number>()
        const note = (way: 'withJs' | 'withoutJs', url: string, violations: AxeViolation[]) => {
          role.pages[way] += 1
          if (violations.length > 0) role.reports[way].push({ url, violations })
          for (const violation of blockingViolations(violations.filter(isWcag))) {
            problems.push({ role: actor.name, way: way === 'withJs' ? 'with JavaScript' : 'without JavaScript', url, detail: describeViolation(violation) })
          }
        }
        await crawl(actor, {
          baseUrl: server.baseUrl,
          starts: role.starts,
          alsoVisit: role.alsoVisit,
          onPage: async (key, response) => {
            const status = response.status()
            if (status >= 500) problems.push({ role: actor.name, way: 'both', url: key, detail: `answered ${status}` })
            // An error page (a refusal, a page not found) is one template: checked once per role and status.
            const again = status >= 400 && errorPages.has(status)
            role.visited.push(`${status} ${pattern(new URL(key, server.baseUrl))}${again ? ' (error page, not checked again)' : ''}`)
            if (again) return
            if (status >= 400) errorPages.add(status)
            // Without JavaScript: the HTML exactly as the server sent it, its scripts stripped (checked side by side).
            const served = await response.text()
            const title = await actor.page.title()
            if (!served.includes(`<title>${title.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&#39;').replace(/"/g, '&quot;')}</title>`)) {
              problems.push({ role: actor.name, way: 'without JavaScript', url: key, detail: `the HTML served is not the page shown (${title})` })
            }
            const repeated = duplicateIds(served)
            if (repeated.length > 0) problems.push({ role: actor.name, way: 'both', url: key, detail: `ids used more than once: ${repeated.join(', ')}` })
            const [withJs, withoutJs] = await Promise.all([axeViolations(actor.page, TAGS), mirror.violations(actor.page.url(), served, TAGS)])
            note('withJs', key, withJs)
            note('withoutJs', key, withoutJs)
          },
        })
      }),
    )

    for (const [name, role] of roles) {
      const file = `accessibility-crawl-${name.replace(/[^a-z]+/g, '-').replace(/-$/, '')}`
      writeAxeReport(`${file}-with-javascript`, role.reports.withJs)
      writeAxeReport(`${file}-without-javascript`, role.reports.withoutJs)
    }
    writeAxeReport('accessibility-crawl-pages', Object.fromEntries([...roles].map(([name, role]) => [name, role.visited])))
    const lines = [...roles].map(([name, role]) => `  ${name}: ${role.pages.withJs} with JavaScript, ${role.pages.withoutJs} without`)
    const total = [...roles.values()].reduce((sum, role) => sum + role.pages.withJs + role.pages.withoutJs, 0)
    // What does not fail the test, by rule: moderate and minor WCAG violations, the excused one, best practices.
    const lesser = new Map<string, number>()
    for (const role of roles.values()) {
      for (const report of [...role.reports.withJs, ...role.reports.withoutJs]) {
        for (const v of report.violations) {
          if (isWcag(v) && blockingViolations([v]).length > 0) continue
          const rule = `${v.id} (${v.impact}${isWcag(v) ? '' : ', best practice'})`
          lesser.set(rule, (lesser.get(rule) ?? 0) + 1)
        }
      }
    }
    console.log(
      [
        `axe-core runs (WCAG 2.2 AA and best practices): ${total}, ${total / 2} pages each with and without JavaScript, in ${Math.round((Date.now() - started) / 1000)} s; pages per role:`,
        ...lines,
        `not failing (pages, in test-results/axe/): ${[...lesser].map(([rule, n]) => `${rule} ${n}`).join('; ') || 'none'}`,
      ].join('\n'),
    )
    assert.ok((roles.get('practitioner')?.pages.withJs ?? 0) >= 50, 'the practitioner reached too few pages: the crawl found too little')
    const text = problems.map(p => `  [${p.role}, ${p.way}] ${p.url}\n    ${p.detail}`).join('\n')
    assert.equal(problems.length, 0, `${problems.length} accessibility problem(s):\n${text}`)
  })
})
