import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import autocannon, { type Result } from 'autocannon'
import pg from 'pg'
import { openDatabase } from '../src/db/database.ts'
import { BENCH_CEILING_PATH } from '../src/features/bench/bench.routes.ts'
import { totpCode } from '../src/lib/totp.ts'
import { paths } from '../src/paths.ts'
import { seedBenchData, type BenchAccount } from './seed.ts'
import { seedBenchCase } from './case-page.ts'

/**
 * npm run bench: starts the real server (node src/main.ts) on a fresh database, signs in over HTTP, and drives four
 * routes with autocannon. The ceiling (the bare layout, no data) runs in the same process as the others, so each
 * route's ratio to it says what the route itself costs on this machine, whatever the machine.
 */

const ROOT = path.resolve(import.meta.dirname, '..')
const CONNECTIONS = positiveNumber(process.env.BENCH_CONNECTIONS, 50)
const DURATION_SECONDS = positiveNumber(process.env.BENCH_DURATION, 10)
const WARM_UP_SECONDS = positiveNumber(process.env.BENCH_WARM_UP, 2)
const RESULTS_FILE = path.join(ROOT, 'docs', 'benchmarks.md')
const CASE_PAGE = 'Case page: an episode\'s plan, as its team member (audited)'
const CASE_PAGE_NO_AUDIT = 'Case page without audit (BENCHMARK_AUDIT_OFF, benchmark only)'

type Kind = 'pglite' | 'postgres'
type RouteSpec = { name: string; path: string; headers: Record<string, string> }
type RouteResult = {
  spec: RouteSpec
  requestsPerSecond: number
  p50: number
  p95: number
  p99: number
  non2xx: number
  socketErrors: number
  timeouts: number
  total: number
  statusCodes: Record<string, { count: number }>
}

function positiveNumber(value: string | undefined, fallback: number): number {
  const parsed = Number(value)
  return value !== undefined && Number.isFinite(parsed) && parsed > 0 ? parsed : fallback
}

function log(message: string) {
  process.stdout.write(`${message}\n`)
}

// ---------------------------------------------------------------------------------------------------------------
// The database: a fresh PostgreSQL database for the run, or PGlite in a temporary folder. Both removed afterwards.

type BenchDatabase = { kind: Kind; env: Record<string, string>; label: string; remove: () => Promise<void> }

async function prepareDatabase(): Promise<BenchDatabase> {
  const serverUrl = process.env.DATABASE_URL
  if (!serverUrl) {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onestory-bench-'))
    return {
      kind: 'pglite',
      env: { DATA_DIR: dataDir },
      label: `PGlite in ${dataDir}`,
      remove: async () => fs.rmSync(dataDir, { recursive: true, force: true }),
    }
  }
  const name = `onestory_bench_${Date.now()}`
  const admin = new pg.Client({ connectionString: serverUrl })
  await admin.connect()
  try {
    await admin.query(`create database ${name}`)
  } finally {
    await admin.end()
  }
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return {
    kind: 'postgres',
    env: { DATABASE_URL: url.toString() },
    label: `PostgreSQL database ${name} on ${url.host}`,
    remove: async () => {
      const client = new pg.Client({ connectionString: serverUrl })
      await client.connect()
      try {
        await client.query(`drop database if exists ${name} with (force)`)
      } finally {
        await client.end()
      }
    },
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The server: a child process running src/main.ts directly under node (no tsx wrapper process), so its pid is the
// process that serves and whose memory is measured.

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

type Server = { child: ChildProcess; pid: number; baseUrl: string; output: () => string }

async function startServer(database: BenchDatabase, extraEnv: Record<string, string> = {}): Promise<Server> {
  const port = await freePort()
  const env: Record<string, string | undefined> = {
    ...process.env,
    ...database.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    BASE_URL: undefined,
    COOKIE_SECURE: undefined,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '100000000',
    BENCHMARK_ROUTES: 'true',
    NODE_ENV: 'production',
    DEMO: 'false',
    ...extraEnv,
  }
  if (database.kind === 'pglite') delete env.DATABASE_URL
  const child = spawn(process.execPath, ['--import', 'tsx', path.join('src', 'main.ts')], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  if (child.pid === undefined) throw new Error('could not start the server')
  const pid = child.pid
  let output = ''
  child.stdout?.on('data', chunk => (output += String(chunk)))
  child.stderr?.on('data', chunk => (output += String(chunk)))
  const baseUrl = `http://127.0.0.1:${port}`
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start within 120 s:\n${output}`)), 120_000)
    const onExit = (code: number | null) => {
      clearTimeout(timer)
      reject(new Error(`the server exited (code ${code}) before it was ready:\n${output}`))
    }
    child.once('exit', onExit)
    const check = () => {
      if (output.includes('OneStory is running at')) {
        clearTimeout(timer)
        child.off('exit', onExit)
        child.stdout?.off('data', check)
        resolve()
      }
    }
    child.stdout?.on('data', check)
  })
  return { child, pid, baseUrl, output: () => output }
}

async function stopServer(server: Server): Promise<void> {
  const { child } = server
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => {
    log('The server did not stop within 20 s of SIGTERM: killing it.')
    child.kill('SIGKILL')
  }, 20_000)
  await exited
  clearTimeout(timer)
  if (child.exitCode !== 0) log(`The server exited with code ${child.exitCode ?? child.signalCode} after SIGTERM.`)
}

// ---------------------------------------------------------------------------------------------------------------
// Memory: VmHWM (the kernel's own peak resident set) of the server and of any process it started, sampled while the
// bench runs; a process that ends before the last sample still counts with its last reading.

function processTree(pid: number): number[] {
  const pids = [pid]
  for (let index = 0; index < pids.length; index++) {
    const current = pids[index]
    let tasks: string[] = []
    try {
      tasks = fs.readdirSync(`/proc/${current}/task`)
    } catch {
      continue
    }
    for (const task of tasks) {
      try {
        const children = fs.readFileSync(`/proc/${current}/task/${task}/children`, 'utf8').trim()
        if (children) pids.push(...children.split(/\s+/).map(Number))
      } catch {
        // the task ended
      }
    }
  }
  return pids
}

function statusKb(pid: number, field: 'VmHWM' | 'VmRSS'): number | null {
  try {
    const match = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'))
    return match?.[1] ? Number(match[1]) : null
  } catch {
    return null
  }
}

function memorySampler(rootPid: number) {
  const peakKb = new Map<number, number>()
  const commands = new Map<number, string>()
  let available = fs.existsSync(`/proc/${rootPid}/status`)
  const sample = () => {
    for (const pid of processTree(rootPid)) {
      const kb = statusKb(pid, 'VmHWM') ?? statusKb(pid, 'VmRSS')
      if (kb !== null) peakKb.set(pid, Math.max(peakKb.get(pid) ?? 0, kb))
      if (!commands.has(pid)) {
        try {
          commands.set(pid, fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim().slice(0, 120))
        } catch {
          // gone already
        }
      }
    }
  }
  if (available) sample()
  const timer = setInterval(() => available && sample(), 250)
  return {
    available: () => available,
    currentMb: () => (statusKb(rootPid, 'VmRSS') ?? 0) / 1024,
    /** Sum over the server and its descendants of each one's peak. */
    peakMb: () => {
      if (available) sample()
      return [...peakKb.values()].reduce((sum, kb) => sum + kb, 0) / 1024
    },
    /** The peak of the node process that serves, alone. */
    serverPeakMb: () => (peakKb.get(rootPid) ?? 0) / 1024,
    processes: () => peakKb.size,
    /** Each process seen, with its command and peak, for the console. */
    describe: () => [...peakKb.entries()].map(([pid, kb]) => `pid ${pid} (${commands.get(pid) ?? '?'}): ${(kb / 1024).toFixed(0)} MB`),
    stop: () => {
      if (available) sample()
      available = false
      clearInterval(timer)
    },
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Signing in over real HTTP: a cookie jar, the CSRF token from each page, the second factor from the seeded secret.

class HttpClient {
  readonly cookies = new Map<string, string>()
  csrfToken = ''
  constructor(private readonly baseUrl: string) {}

  cookieHeader(): string {
    return [...this.cookies.entries()].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  private async send(method: 'GET' | 'POST', url: string, form?: Record<string, string>) {
    const headers: Record<string, string> = { cookie: this.cookieHeader() }
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded'
    const body = form ? new URLSearchParams({ _csrf: this.csrfToken, ...form }).toString() : undefined
    const response = await fetch(new URL(url, this.baseUrl), { method, headers, redirect: 'manual', ...(body ? { body } : {}) })
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';')
      const separator = pair.indexOf('=')
      const name = pair.slice(0, separator).trim()
      const value = pair.slice(separator + 1).trim()
      const cleared = attributes.some(attribute => /^\s*max-age=0\s*$/i.test(attribute) || /^\s*expires=Thu, 01 Jan 1970/i.test(attribute))
      if (cleared || value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    const text = await response.text()
    const csrf = text.match(/name="_csrf" value="([^"]+)"/)
    if (csrf?.[1]) this.csrfToken = csrf[1]
    return { status: response.status, location: response.headers.get('location') ?? '', text }
  }

  get(url: string) {
    return this.send('GET', url)
  }

  post(url: string, form: Record<string, string>) {
    return this.send('POST', url, form)
  }
}

async function signIn(baseUrl: string, account: BenchAccount): Promise<HttpClient> {
  const client = new HttpClient(baseUrl)
  const page = await client.get(paths.signIn.page())
  if (page.status !== 200) throw new Error(`GET ${paths.signIn.page()} answered ${page.status}`)
  const first = await client.post(paths.signIn.page(), { email: account.email, password: account.password })
  if (first.status !== 303) throw new Error(`signing in as ${account.email} answered ${first.status}`)
  if (first.location.startsWith(paths.signIn.secondFactor())) {
    await client.get(first.location)
    const second = await client.post(first.location, { code: totpCode(account.totpSecret, new Date()) })
    if (second.status !== 303) throw new Error(`the second factor for ${account.email} answered ${second.status}`)
  }
  const home = await client.get(paths.home())
  if (home.status !== 200) throw new Error(`the home page after signing in as ${account.email} answered ${home.status}`)
  return client
}

async function createApiToken(client: HttpClient): Promise<string> {
  await client.get(paths.account.apiTokens())
  const created = await client.post(paths.account.apiTokens(), { name: 'Benchmark' })
  const token = created.text.match(/\bos_[A-Za-z0-9_-]{20,}/)?.[0]
  if (created.status !== 201 || !token) throw new Error(`creating an API token answered ${created.status} without a token`)
  return token
}

// ---------------------------------------------------------------------------------------------------------------
// Driving a route: a warm-up run that is thrown away, then the measured run. Latencies are kept per response, so
// that p95 (which autocannon's summary does not give) is exact.

function runAutocannon(url: string, headers: Record<string, string>, seconds: number, latencies?: number[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ url, connections: CONNECTIONS, duration: seconds, headers, timeout: 10 }, (error, result) =>
      error ? reject(error) : resolve(result),
    )
    if (latencies) instance.on('response', (_client, _statusCode, _bytes, responseTime) => latencies.push(responseTime))
  })
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))
  return sorted[rank] ?? Number.NaN
}

async function benchRoute(baseUrl: string, spec: RouteSpec): Promise<RouteResult> {
  const url = `${baseUrl}${spec.path}`
  const warm = await runAutocannon(url, spec.headers, WARM_UP_SECONDS)
  const latencies: number[] = []
  const result = await runAutocannon(url, spec.headers, DURATION_SECONDS, latencies)
  const sorted = Float64Array.from(latencies).sort()
  return {
    spec,
    requestsPerSecond: result.requests.average,
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    p99: percentile(sorted, 0.99),
    // Errors in the warm-up count too: every request must succeed.
    non2xx: result.non2xx + warm.non2xx,
    socketErrors: result.errors + warm.errors,
    timeouts: result.timeouts + warm.timeouts,
    total: result.requests.total,
    statusCodes: result.statusCodeStats,
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Report: the console table and docs/benchmarks.md (one section per database kind, the latest run of each).

type Report = {
  kind: Kind
  results: RouteResult[]
  peakRssMb: number | null
  serverPeakRssMb: number | null
  startRssMb: number | null
  processes: number
  seedSummary: string
  /** 1-minute load average of the machine before and after the measured runs: other work on it skews the figures. */
  loadBefore: number
  loadAfter: number
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–'
}

function tableLines(results: RouteResult[]): string[] {
  const ceiling = results[0]?.requestsPerSecond ?? Number.NaN
  const lines = ['| Route | Path | Requests/s | p50 (ms) | p95 (ms) | p99 (ms) | Errors | Ratio to ceiling |', '|---|---|---:|---:|---:|---:|---:|---:|']
  for (const r of results) {
    const errors = r.non2xx + r.socketErrors
    lines.push(
      `| ${r.spec.name} | \`${r.spec.path}\` | ${fixed(r.requestsPerSecond, 0)} | ${fixed(r.p50, 1)} | ${fixed(r.p95, 1)} | ${fixed(r.p99, 1)} | ${errors} | ${fixed(r.requestsPerSecond / ceiling, 2)} |`,
    )
  }
  return lines
}

function machineLines(report: Report): string[] {
  const cpus = os.cpus()
  let commit = 'unknown'
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim()
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim()
    if (dirty) commit += ' (with uncommitted changes)'
  } catch {
    // not a git checkout
  }
  return [
    `- Date: ${new Date().toISOString()}`,
    `- Machine: ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${os.availableParallelism()} cores, ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB memory, ${os.type()} ${os.release()}`,
    `- Node ${process.version}; database: ${report.kind === 'postgres' ? 'PostgreSQL (local server, its memory not included below)' : 'PGlite (embedded, in the server process)'}`,
    `- Commit: ${commit}`,
    `- Load: autocannon, ${CONNECTIONS} connections, ${WARM_UP_SECONDS} s warm-up then ${DURATION_SECONDS} s per route, client on the same machine`,
    `- Machine load average (1 min) before/after the runs: ${report.loadBefore.toFixed(2)} / ${report.loadAfter.toFixed(2)} on ${os.availableParallelism()} cores (above the core count, other work was competing)`,
    `- Data: ${report.seedSummary}`,
    `- Server peak RSS (VmHWM): ${peakText(report)}`,
    `- Result: ${resultText(report.results)}`,
  ]
}

function resultText(results: RouteResult[]): string {
  const failed = results.filter(r => r.non2xx + r.socketErrors + r.timeouts > 0)
  if (failed.length === 0) return 'every request succeeded (200)'
  return `FAILED: ${failed.map(r => `${r.spec.name} had ${r.non2xx} non-2xx, ${r.socketErrors} socket errors (of which ${r.timeouts} timeouts after 10 s)`).join('; ')}`
}

function peakText(report: Report): string {
  if (report.peakRssMb === null || report.serverPeakRssMb === null) return 'not measured (no /proc)'
  const helpers = report.processes - 1
  const breakdown =
    helpers > 0
      ? `: the node process ${report.serverPeakRssMb.toFixed(0)} MB, plus ${(report.peakRssMb - report.serverPeakRssMb).toFixed(0)} MB for ${helpers} child process${helpers > 1 ? 'es' : ''} (tsx's esbuild service)`
      : ''
  const atStart = report.startRssMb === null ? '' : `; ${report.startRssMb.toFixed(0)} MB after start-up and sign-in`
  return `${report.peakRssMb.toFixed(0)} MB${breakdown}${atStart}`
}

function writeResults(report: Report) {
  const title = report.kind === 'postgres' ? 'PostgreSQL' : 'PGlite'
  const start = `<!-- bench:${report.kind}:start -->`
  const end = `<!-- bench:${report.kind}:end -->`
  const section = [start, `## ${title}`, '', ...machineLines(report), '', ...tableLines(report.results), end].join('\n')
  const header = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (`bench/bench.ts`); do not edit by hand. Each run replaces the section for its database.',
    'The ceiling is a bare page rendering the same layout with no data and no database access (`BENCHMARK_ROUTES=true`);',
    'a route\'s ratio to it is what the route itself costs. Errors are non-2xx responses plus socket errors and',
    'timeouts; a run with any error fails. Latency percentiles are over every response of the measured run.',
    '',
  ].join('\n')
  let content = fs.existsSync(RESULTS_FILE) ? fs.readFileSync(RESULTS_FILE, 'utf8') : header
  const existing = new RegExp(`${start}[\\s\\S]*?${end}`)
  if (existing.test(content)) content = content.replace(existing, () => section)
  else {
    // Keep the PGlite section first.
    const other = report.kind === 'pglite' ? content.indexOf('<!-- bench:postgres:start -->') : -1
    content = other >= 0 ? `${content.slice(0, other)}${section}\n\n${content.slice(other)}` : `${content.trimEnd()}\n\n${section}\n`
  }
  fs.writeFileSync(RESULTS_FILE, content)
}

function printReport(report: Report) {
  log('')
  for (const line of machineLines(report)) log(line)
  log('')
  const headings = ['Route', 'Requests/s', 'p50 ms', 'p95 ms', 'p99 ms', 'non-2xx', 'socket errors', 'Ratio']
  const rows = report.results.map(r => [
    r.spec.name,
    fixed(r.requestsPerSecond, 0),
    fixed(r.p50, 1),
    fixed(r.p95, 1),
    fixed(r.p99, 1),
    String(r.non2xx),
    String(r.socketErrors),
    fixed(r.requestsPerSecond / (report.results[0]?.requestsPerSecond ?? Number.NaN), 2),
  ])
  const widths = headings.map((heading, column) => Math.max(heading.length, ...rows.map(row => (row[column] ?? '').length)))
  const format = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join('  ')
  log(format(headings))
  for (const row of rows) log(format(row))
  log('')
}

/** The server logs at warn: count what it logged, by message, so that nothing it complained about goes unseen. */
function summariseServerLog(output: string) {
  const counts = new Map<string, number>()
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue
    let key = line.slice(0, 200)
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string; req?: { url?: string }; res?: { statusCode?: number } }
      key = `level ${entry.level ?? '?'}: ${entry.msg ?? ''}${entry.req?.url ? ` (${entry.req.url}${entry.res?.statusCode ? ` → ${entry.res.statusCode}` : ''})` : ''}`
    } catch {
      // not JSON after all: keep the raw start of the line
    }
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  if (counts.size === 0) return
  log('The server logged (warn and above):')
  for (const [key, count] of counts) log(`  ${count} × ${key}`)
}

// ---------------------------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------------------------
// Soak (npm run test:soak): a mixed load at a moderate rate for several minutes, watching the server's resident
// memory and open file descriptors (sockets, files, database handles) for growth.

const SOAK_MINUTES = positiveNumber(process.env.SOAK_MINUTES, 10)
const SOAK_RATE = positiveNumber(process.env.SOAK_RATE, 40)

function openDescriptors(pid: number): number | null {
  try {
    return fs.readdirSync(`/proc/${pid}/fd`).length
  } catch {
    return null
  }
}

async function soak(baseUrl: string, pid: number, routes: RouteSpec[]): Promise<number> {
  const rssMb = () => (statusKb(pid, 'VmRSS') ?? 0) / 1024
  const samples: { minute: number; rssMb: number; fds: number | null }[] = []
  const sample = (minute: number) => samples.push({ minute, rssMb: rssMb(), fds: openDescriptors(pid) })
  // A minute of the same load first, so that start-up allocations and caches are not counted as growth.
  log(`Soak: ${SOAK_MINUTES} min of mixed load at ${SOAK_RATE} requests/s over ${routes.length} routes, after a 1 min warm-up…`)
  const requests = routes.map(route => ({ method: 'GET' as const, path: route.path, headers: route.headers }))
  const run = (seconds: number) =>
    new Promise<Result>((resolve, reject) => {
      autocannon({ url: baseUrl, connections: 8, overallRate: SOAK_RATE, duration: seconds, requests, timeout: 10 }, (error, result) => (error ? reject(error) : resolve(result)))
    })
  const warm = await run(60)
  sample(0)
  const timer = setInterval(() => sample(samples.length), 60_000)
  const result = await run(SOAK_MINUTES * 60)
  clearInterval(timer)
  if ((samples[samples.length - 1]?.minute ?? 0) < SOAK_MINUTES) sample(SOAK_MINUTES)
  const first = samples[0]
  const last = samples[samples.length - 1]
  const errors = result.non2xx + result.errors + result.timeouts + warm.non2xx + warm.errors + warm.timeouts
  log(`Soak: ${result.requests.total} requests (${result.requests.average.toFixed(1)}/s), ${errors} errors, p99 ${result.latency.p99} ms; status codes ${JSON.stringify(result.statusCodeStats)}`)
  for (const point of samples) log(`  minute ${point.minute}: RSS ${point.rssMb.toFixed(0)} MB, open descriptors ${point.fds ?? '?'}`)
  if (!first || !last) return 1
  const rssGrowth = last.rssMb - first.rssMb
  const fdGrowth = first.fds !== null && last.fds !== null ? last.fds - first.fds : 0
  log(`Soak: RSS ${first.rssMb.toFixed(0)} → ${last.rssMb.toFixed(0)} MB (${rssGrowth >= 0 ? '+' : ''}${rssGrowth.toFixed(0)} MB); open descriptors ${first.fds ?? '?'} → ${last.fds ?? '?'}`)
  // Stable: no errors, no more than 5 descriptors more than at the start (connections in flight), memory within 25%.
  const stable = errors === 0 && fdGrowth <= 5 && rssGrowth <= first.rssMb * 0.25
  log(stable ? 'Soak: stable.' : 'Soak: NOT stable (errors, descriptor growth or memory growth above the limits).')
  return stable ? 0 : 1
}

async function main(): Promise<number> {
  if (!fs.existsSync('/proc/self/status')) log('No /proc on this system: the server\'s memory will not be measured.')
  const database = await prepareDatabase()
  log(`Benchmark on ${database.label}`)
  let server: Server | undefined
  let sampler: ReturnType<typeof memorySampler> | undefined
  const stopOnSignal = () => {
    log('Interrupted: stopping the server.')
    void (server ? stopServer(server) : Promise.resolve()).finally(() => void database.remove().finally(() => process.exit(130)))
  }
  process.once('SIGINT', stopOnSignal)
  process.once('SIGTERM', stopOnSignal)
  try {
    // Seed before the server starts (it migrates the fresh database first), then let the server open it.
    const seeding = await openDatabase({ databaseUrl: database.env.DATABASE_URL, dataDir: database.env.DATA_DIR ?? 'memory://' })
    let seed
    let benchCase
    try {
      seed = await seedBenchData(seeding)
      benchCase = await seedBenchCase(seeding, seed.practitioner.email)
    } finally {
      await seeding.close()
    }
    server = await startServer(database)
    sampler = memorySampler(server.pid)
    log(`Server pid ${server.pid} at ${server.baseUrl}`)

    const practitioner = await signIn(server.baseUrl, seed.practitioner)
    const administrator = await signIn(server.baseUrl, seed.administrator)
    const token = await createApiToken(practitioner)

    const routes: RouteSpec[] = [
      { name: 'Ceiling (bare layout, no data)', path: BENCH_CEILING_PATH, headers: {} },
      { name: 'Home page, signed in', path: paths.home(), headers: { cookie: practitioner.cookieHeader() } },
      { name: 'Administration: users list', path: paths.admin.users(), headers: { cookie: administrator.cookieHeader() } },
      { name: 'API: list agencies', path: `${paths.api.root()}/agencies`, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } },
      { name: CASE_PAGE, path: paths.plans.show(benchCase.episodeId), headers: { cookie: practitioner.cookieHeader() } },
    ]
    // Each route must answer 200 before it is measured, so that a broken route fails fast and says why.
    for (const route of routes) {
      const response = await fetch(`${server.baseUrl}${route.path}`, { headers: route.headers, redirect: 'manual' })
      await response.arrayBuffer()
      if (response.status !== 200) throw new Error(`${route.name} (${route.path}) answered ${response.status}, not 200`)
    }
    if (process.argv.includes('--soak')) {
      // The mixed load: the pages and the API a practitioner and an administrator use, not the bare ceiling.
      return await soak(server.baseUrl, server.pid, routes.filter(route => route.path !== BENCH_CEILING_PATH))
    }
    const startRssMb = sampler.available() ? sampler.currentMb() : null

    const loadBefore = os.loadavg()[0] ?? 0
    const results: RouteResult[] = []
    for (const route of routes) {
      log(`${route.name}: ${WARM_UP_SECONDS} s warm-up, ${DURATION_SECONDS} s measured…`)
      results.push(await benchRoute(server.baseUrl, route))
    }
    const report: Report = {
      kind: database.kind,
      results,
      peakRssMb: sampler.available() ? sampler.peakMb() : null,
      serverPeakRssMb: sampler.available() ? sampler.serverPeakMb() : null,
      startRssMb,
      processes: sampler.processes(),
      loadBefore,
      loadAfter: os.loadavg()[0] ?? 0,
      seedSummary: `one authority, ${seed.users} users, ${seed.agencies} agencies; second factor required (signed in with TOTP)`,
    }
    sampler.stop()
    // What auditing costs (issue 6): the same case page on a second server started with BENCHMARK_AUDIT_OFF=true, which
    // writes no audit events (benchmark only). The first server stops first: PGlite's folder has one user at a time.
    await stopServer(server)
    server = await startServer(database, { BENCHMARK_AUDIT_OFF: 'true' })
    const withoutAudit = await signIn(server.baseUrl, seed.practitioner)
    const casePage = paths.plans.show(benchCase.episodeId)
    log(`${CASE_PAGE_NO_AUDIT}: ${WARM_UP_SECONDS} s warm-up, ${DURATION_SECONDS} s measured…`)
    results.push(await benchRoute(server.baseUrl, { name: CASE_PAGE_NO_AUDIT, path: casePage, headers: { cookie: withoutAudit.cookieHeader() } }))
    printReport(report)
    if (report.processes > 1) for (const line of sampler.describe()) log(`  ${line}`)
    const failed = results.filter(r => r.non2xx + r.socketErrors + r.timeouts > 0)
    for (const r of failed) {
      log(`ERRORS on ${r.spec.name}: ${r.non2xx} non-2xx, ${r.socketErrors} socket errors, ${r.timeouts} timeouts; status codes ${JSON.stringify(r.statusCodes)}`)
    }
    writeResults(report)
    log(`Written to ${path.relative(ROOT, RESULTS_FILE)}${failed.length > 0 ? ' (with errors)' : ''}.`)
    return failed.length > 0 ? 1 : 0
  } finally {
    sampler?.stop()
    if (server) {
      await stopServer(server)
      summariseServerLog(server.output())
    }
    await database.remove()
    process.off('SIGINT', stopOnSignal)
    process.off('SIGTERM', stopOnSignal)
  }
}

main().then(
  code => process.exit(code),
  error => {
    process.stderr.write(`The benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exit(1)
  },
)
