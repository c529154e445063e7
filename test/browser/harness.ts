import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { chromium, type Browser, type BrowserContext, type Locator, type Page, type Response } from 'playwright-core'

/**
 * The browser suite's harness (npm run test:browser, docs/browser-tests.md): the REAL server (node src/main.ts) as a
 * child process on a free port of 127.0.0.1 with PGlite in a temporary folder, Debian's Chromium driven by
 * playwright-core, axe-core on every page a journey visits, and a screenshot of every step.
 */

const ROOT = path.resolve(import.meta.dirname, '..', '..')
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots')
const AXE_REPORTS = path.join(ROOT, 'test-results', 'axe')
const AXE_SOURCE = fs.readFileSync(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8')
export const WCAG_22_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']
const BLOCKING_IMPACTS = new Set(['serious', 'critical'])

export const DEMO_PASSWORD = 'northshire-demo-only'
export const demoAccounts = {
  administrator: 'admin@northshire.example',
  practitioner: 'familysupport@northshire.example',
  coordinator: 'coordinator@northshire.example',
  manager: 'manager@northshire.example',
  panelMember: 'panel@northshire.example',
} as const

// ---------------------------------------------------------------------------------------------------------------
// The server

export type RunningServer = {
  baseUrl: string
  /** The one-time set-up code printed by a fresh, non-demo server. */
  setupCode: string | undefined
  output: () => string
  stop: () => Promise<void>
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

/** Starts `node --import tsx src/main.ts` (with `--demo` for the fictional Northshire authority) on a fresh PGlite folder. */
export async function startServer(options: { demo: boolean }): Promise<RunningServer> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onestory-browser-'))
  const port = await freePort()
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '100000',
    NODE_ENV: 'production',
  }
  for (const key of ['DATABASE_URL', 'BASE_URL', 'COOKIE_SECURE', 'DEMO', 'SMTP_URL', 'DOCUMENTS_FOLDER']) delete env[key]
  const args = ['--import', 'tsx', path.join('src', 'main.ts'), ...(options.demo ? ['--demo'] : [])]
  const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', chunk => (output += String(chunk)))
  child.stderr?.on('data', chunk => (output += String(chunk)))
  const baseUrl = `http://127.0.0.1:${port}`
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start within 90 s:\n${output}`)), 90_000)
    const onExit = (code: number | null) => {
      clearTimeout(timer)
      reject(new Error(`the server exited (code ${code}) before it was ready:\n${output}`))
    }
    child.once('exit', onExit)
    const check = () => {
      // The set-up code and the demo accounts are printed in the same write as the "running" line.
      if (!output.includes('OneStory is running at')) return
      clearTimeout(timer)
      child.off('exit', onExit)
      child.stdout?.off('data', check)
      resolve()
    }
    child.stdout?.on('data', check)
  })
  const setupCode = output.match(/one-time set-up code:\s+(\S+)/)?.[1]
  return {
    baseUrl,
    setupCode,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
        child.kill('SIGTERM')
        const force = setTimeout(() => child.kill('SIGKILL'), 20_000)
        await exited
        clearTimeout(force)
      }
      fs.rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The browser

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM}: apt-get install -y chromium`)
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  })
}

type AxeNode = { target: unknown[]; html: string; failureSummary?: string }
export type AxeViolation = { id: string; impact: string | null; tags?: string[]; help: string; helpUrl: string; nodes: AxeNode[] }

/**
 * The one accepted exception, narrowly matched: govuk-frontend's own script puts aria-expanded on a radio or checkbox
 * that reveals a conditional question, and axe-core reports aria-allowed-attr (critical). GOV.UK keeps it on purpose,
 * because screen readers announce it (alphagov/govuk-frontend#979, a documented known issue), and the alternative is
 * not to use conditional reveals. Any other attribute, element or rule still fails.
 */
function isGovukConditionalReveal(ruleId: string, node: AxeNode): boolean {
  if (ruleId !== 'aria-allowed-attr') return false
  if (!/^<input class="govuk-(radios|checkboxes)__input"[^>]* aria-controls="conditional-/.test(node.html)) return false
  const failures = (node.failureSummary ?? '').split('\n').slice(1).map(line => line.trim()).filter(Boolean)
  return failures.length > 0 && failures.every(line => /^ARIA attribute is not allowed: aria-expanded="(true|false)"$/.test(line))
}

function isViolationList(value: unknown): value is AxeViolation[] {
  return Array.isArray(value) && value.every(item => typeof item === 'object' && item !== null && 'id' in item && 'nodes' in item)
}

function runAxe(tags: readonly string[]): string {
  return `axe.run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(tags)} }, resultTypes: ['violations'] })
  .then(results => results.violations.map(v => ({ id: v.id, impact: v.impact, tags: v.tags, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({ target: n.target, html: n.html, failureSummary: n.failureSummary })) })))`
}

/**
 * Runs axe-core in a page (the WCAG 2.2 AA rules, or the tags given). It is evaluated through the DevTools protocol,
 * which the strict CSP does not govern.
 */
export async function axeViolations(page: Page, tags: readonly string[] = WCAG_22_AA): Promise<AxeViolation[]> {
  const loaded = await page.evaluate('typeof axe')
  if (loaded !== 'object') await page.evaluate(AXE_SOURCE)
  const result: unknown = await page.evaluate(runAxe(tags))
  assert.ok(isViolationList(result), 'axe-core returned something unexpected')
  return result
}

/** Only the serious and critical violations, less the accepted exception (govuk-frontend's conditional reveals). */
export function blockingViolations(violations: AxeViolation[]): AxeViolation[] {
  return violations
    .filter(v => v.impact !== null && BLOCKING_IMPACTS.has(v.impact))
    .map(v => ({ ...v, nodes: v.nodes.filter(node => !isGovukConditionalReveal(v.id, node)) }))
    .filter(v => v.nodes.length > 0)
}

/** A violation as a failure lists it: impact, rule, help, and the first five elements concerned. */
export function describeViolation(violation: AxeViolation): string {
  const where = violation.nodes
    .slice(0, 5)
    .map(node => `      ${node.target.map(String).join(' ')}: ${node.html.replace(/\s+/g, ' ').slice(0, 200)}`)
    .join('\n')
  const more = violation.nodes.length > 5 ? `\n      … and ${violation.nodes.length - 5} more` : ''
  return `${violation.impact} ${violation.id}: ${violation.help} (${violation.helpUrl})\n${where}${more}`
}

/** Writes every violation of any impact to test-results/axe/<name>.json, for review. */
export function writeAxeReport(name: string, report: unknown): void {
  fs.mkdirSync(AXE_REPORTS, { recursive: true })
  fs.writeFileSync(path.join(AXE_REPORTS, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`)
}

/** The browser context every test uses: the server's address, a desktop viewport, British English and time. */
export function browserContextOptions(server: RunningServer) {
  return { baseURL: server.baseUrl, viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London' } as const
}

/**
 * axe-core for a visitor without JavaScript. Chromium runs no timers in a page without JavaScript, so axe-core never
 * finishes there; instead the page's HTML as served is re-opened in a twin context (which has JavaScript) with the
 * page's own scripts stripped and blocked, and the server's styles, fonts and images: the markup and styles the
 * no-JavaScript visitor gets.
 */
export class NoScriptMirror {
  private served = { url: '', html: '' }

  private constructor(private readonly page: Page) {}

  static async open(twin: BrowserContext): Promise<NoScriptMirror> {
    const page = await twin.newPage()
    const mirror = new NoScriptMirror(page)
    await page.route('**/*', async route => {
      const request = route.request()
      if (request.isNavigationRequest()) {
        return route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: mirror.served.html })
      }
      if (request.resourceType() === 'script') return route.abort()
      return route.continue()
    })
    return mirror
  }

  /** axe-core's violations for this HTML shown at this address, without its scripts. */
  async violations(url: string, html: string, tags: readonly string[] = WCAG_22_AA): Promise<AxeViolation[]> {
    this.served = { url, html: html.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, '') }
    await this.page.goto(url)
    return axeViolations(this.page, tags)
  }
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60)
}

export type Problem = { step: string; url: string; kind: 'accessibility' | 'page'; detail: string }

/**
 * One journey in one browser context (with or without JavaScript). Every step is checked: axe-core finds no serious
 * or critical WCAG 2.2 AA violation, no request the page made failed, no script error or CSP report (with JavaScript),
 * and a full-page screenshot is saved. Problems are collected, so one run lists every defect; finish() fails on them.
 *
 * axe-core needs JavaScript. Without it (Chromium then runs no timers in the page, and axe never finishes), the page's
 * HTML as served is re-opened in a twin context that has JavaScript but loads none of the page's own scripts, and axe
 * runs there: the same markup and styles the no-JavaScript visitor gets.
 */
export class Journey {
  readonly page: Page
  readonly problems: Problem[] = []
  private stepNumber = 0
  private readonly pageErrors: string[] = []
  private mirror: NoScriptMirror | undefined
  /** Every axe-core violation at every step, the moderate and minor ones too: written to test-results/axe/ on close. */
  private readonly axeReport: { step: string; url: string; violations: AxeViolation[] }[] = []

  private constructor(
    private readonly context: BrowserContext,
    private readonly twin: BrowserContext | undefined,
    readonly baseUrl: string,
    readonly javaScript: boolean,
    private readonly folder: string,
  ) {
    this.page = context.pages()[0] ?? assert.fail('no page')
    this.page.on('pageerror', error => this.pageErrors.push(`script error: ${error.message}`))
    this.page.on('console', message => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) this.pageErrors.push(`CSP: ${message.text()}`)
    })
    this.page.on('response', response => this.noteFailedResource(response))
  }

  static async open(browser: Browser, server: RunningServer, options: { name: string; javaScript: boolean }): Promise<Journey> {
    const contextOptions = browserContextOptions(server)
    const context = await browser.newContext({ ...contextOptions, javaScriptEnabled: options.javaScript })
    context.setDefaultTimeout(15_000)
    await context.newPage()
    const twin = options.javaScript ? undefined : await browser.newContext({ ...contextOptions, javaScriptEnabled: true })
    const folder = path.join(SCREENSHOTS, slug(options.name), options.javaScript ? 'with-javascript' : 'without-javascript')
    fs.rmSync(folder, { recursive: true, force: true })
    fs.mkdirSync(folder, { recursive: true })
    return new Journey(context, twin, server.baseUrl, options.javaScript, folder)
  }

  private noteFailedResource(response: Response) {
    const request = response.request()
    // The page itself is checked by the step; here, the styles, scripts, fonts and images it needs.
    if (request.resourceType() === 'document') return
    if (response.status() >= 400) this.pageErrors.push(`${response.status()} for ${request.resourceType()} ${response.url()}`)
  }

  /** Goes to a path on the server and checks the page. */
  async visit(step: string, pathname: string, expectedStatus = 200): Promise<void> {
    const response = await this.page.goto(pathname)
    await this.check(step, expectedStatus, response)
  }

  /** Checks the page now shown: status, accessibility, failed resources, script errors; saves a screenshot. */
  async check(step: string, expectedStatus = 200, response: Response | null = null): Promise<void> {
    this.stepNumber += 1
    const label = `${String(this.stepNumber).padStart(2, '0')} ${step}`
    const url = this.page.url()
    if (response && response.status() !== expectedStatus) {
      this.problems.push({ step: label, url, kind: 'page', detail: `answered ${response.status()}, expected ${expectedStatus}` })
    }
    for (const error of this.pageErrors.splice(0)) this.problems.push({ step: label, url, kind: 'page', detail: error })
    await this.page.screenshot({ path: path.join(this.folder, `${slug(label)}.png`), fullPage: true })
    const violations = await this.violationsHere()
    if (violations.length > 0) this.axeReport.push({ step: label, url, violations })
    for (const violation of blockingViolations(violations)) {
      this.problems.push({ step: label, url, kind: 'accessibility', detail: describeViolation(violation) })
    }
  }

  private async violationsHere(): Promise<AxeViolation[]> {
    if (!this.twin) return axeViolations(this.page)
    this.mirror ??= await NoScriptMirror.open(this.twin)
    return this.mirror.violations(this.page.url(), await this.page.content())
  }

  /** Fails with every problem the journey met, grouped by step. */
  finish(): void {
    if (this.problems.length === 0) return
    const text = this.problems.map(problem => `  [${problem.step}] ${problem.url}\n    ${problem.kind}: ${problem.detail}`).join('\n')
    assert.fail(`${this.problems.length} problem(s) ${this.javaScript ? 'with' : 'without'} JavaScript:\n${text}`)
  }

  async close(): Promise<void> {
    writeAxeReport(`${path.basename(path.dirname(this.folder))}-${path.basename(this.folder)}`, this.axeReport)
    await this.context.close()
    await this.twin?.close()
  }

  // -------------------------------------------------------------------------------------------------------------
  // What a person does on a page

  heading(): Promise<string> {
    return this.page.locator('h1').first().innerText()
  }

  async fill(label: string | RegExp, value: string): Promise<void> {
    await this.page.getByLabel(label, { exact: typeof label === 'string' }).fill(value)
  }

  /** Presses a button (or follows a link) and checks the page it leads to. */
  press(step: string, name: string | RegExp, role: 'button' | 'link' = 'button', expectedStatus = 200): Promise<void> {
    return this.click(step, this.page.getByRole(role, { name, exact: typeof name === 'string' }).first(), expectedStatus)
  }

  /** Clicks something that leads to another page, waits for it, and checks it. */
  async click(step: string, target: Locator, expectedStatus = 200): Promise<void> {
    const [response] = await Promise.all([this.page.waitForNavigation({ waitUntil: 'load' }), target.click()])
    await this.check(step, expectedStatus, response)
  }

  /** Follows a link by its text (a plain link, or a GOV.UK button made from a link) and checks the page. */
  follow(step: string, name: string | RegExp, expectedStatus = 200): Promise<void> {
    const exact = typeof name === 'string'
    const link = this.page.getByRole('link', { name, exact }).or(this.page.locator('a[role="button"]').getByText(name, { exact }))
    return this.click(step, link.first(), expectedStatus)
  }

  /** The href of the first link with this text (to go straight to a page found on another). */
  async hrefOf(name: string | RegExp): Promise<string> {
    const href = await this.page.getByRole('link', { name, exact: typeof name === 'string' }).first().getAttribute('href')
    assert.ok(href, `no link named ${String(name)} on ${this.page.url()}`)
    return href
  }

  async signIn(email: string, password: string): Promise<void> {
    await this.visit('sign-in page', '/sign-in')
    await this.fill('Email address', email)
    await this.fill('Password', password)
    await this.press('signed in', 'Sign in')
  }
}

/** Runs a journey once with JavaScript and once without, each in a fresh browser context. */
export function bothWays(): { javaScript: boolean; label: string }[] {
  return [
    { javaScript: true, label: 'with JavaScript' },
    { javaScript: false, label: 'without JavaScript' },
  ]
}
