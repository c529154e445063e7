import assert from 'node:assert/strict'
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import pg from 'pg'
import { DEMO_PASSWORD, DEMO_PRACTITIONER_EMAIL } from '../../src/features/demo/demo.seed.ts'
import { paths } from '../../src/paths.ts'

/**
 * A database outage, with the real server (node src/main.ts) on a private throwaway PostgreSQL cluster (never the
 * machine's shared one): while the database is stopped, pages answer 503 with a plain message and /health says why;
 * when it is back, the service recovers by itself, with the same session.
 */

const ROOT = path.resolve(import.meta.dirname, '..', '..')

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

function postgresBin(): string | undefined {
  const base = '/usr/lib/postgresql'
  if (!fs.existsSync(base)) return undefined
  const versions = fs
    .readdirSync(base)
    .filter(version => fs.existsSync(path.join(base, version, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))
  return versions[0] ? path.join(base, versions[0], 'bin') : undefined
}

/** A private cluster in a temporary folder; as root, run as the postgres user (initdb refuses root). */
class PrivateCluster {
  readonly dir: string
  readonly dataDir: string
  private readonly runAs: { uid: number; gid: number } | undefined
  constructor(
    private readonly bin: string,
    readonly port: number,
  ) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'onestory-outage-'))
    this.dataDir = path.join(this.dir, 'data')
    this.runAs = undefined
    if (process.getuid?.() === 0) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
      fs.chmodSync(this.dir, 0o700)
      fs.chownSync(this.dir, uid, gid)
      this.runAs = { uid, gid }
    }
  }

  private run(tool: string, args: string[]): string {
    return execFileSync(path.join(this.bin, tool), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], cwd: this.dir, timeout: 60_000, ...(this.runAs ?? {}) })
  }

  init() {
    this.run('initdb', ['-D', this.dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C'])
  }

  start() {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`
    this.run('pg_ctl', ['-D', this.dataDir, '-o', options, '-l', path.join(this.dir, 'log'), '-w', '-t', '60', 'start'])
  }

  stop() {
    this.run('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop'])
  }

  running(): boolean {
    return fs.existsSync(path.join(this.dataDir, 'postmaster.pid'))
  }

  remove() {
    fs.rmSync(this.dir, { recursive: true, force: true })
  }
}

/** Real HTTP with a cookie jar and the CSRF token of the last page. */
class HttpClient {
  readonly cookies = new Map<string, string>()
  csrfToken = ''
  constructor(private readonly baseUrl: string) {}

  private async send(method: 'GET' | 'POST', url: string, form?: Record<string, string>) {
    const headers: Record<string, string> = { cookie: [...this.cookies.entries()].map(([name, value]) => `${name}=${value}`).join('; ') }
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded'
    const body = form ? new URLSearchParams({ _csrf: this.csrfToken, ...form }).toString() : undefined
    const response = await fetch(new URL(url, this.baseUrl), { method, headers, redirect: 'manual', ...(body ? { body } : {}) })
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';')
      const separator = pair.indexOf('=')
      const name = pair.slice(0, separator).trim()
      const value = pair.slice(separator + 1).trim()
      if (value === '') this.cookies.delete(name)
      else this.cookies.set(name, value)
    }
    const text = await response.text()
    const csrf = text.match(/name="_csrf" value="([^"]+)"/)
    if (csrf?.[1]) this.csrfToken = csrf[1]
    return { status: response.status, location: response.headers.get('location') ?? '', text, contentType: response.headers.get('content-type') ?? '' }
  }

  get(url: string) {
    return this.send('GET', url)
  }

  post(url: string, form: Record<string, string>) {
    return this.send('POST', url, form)
  }
}

function sleep(ms: number) {
  return new Promise(resolve => setTimeout(resolve, ms))
}

const bin = postgresBin()
const skip = bin ? false : 'no PostgreSQL server binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql): cannot start a private cluster'

describe('a database outage, on a private PostgreSQL cluster', { skip, timeout: 240_000 }, () => {
  let cluster: PrivateCluster | undefined
  let server: ChildProcess | undefined
  let baseUrl = ''
  let output = ''

  before(async () => {
    if (!bin) return
    cluster = new PrivateCluster(bin, await freePort())
    cluster.init()
    cluster.start()
    const admin = new pg.Client({ host: '127.0.0.1', port: cluster.port, user: 'postgres', database: 'postgres' })
    await admin.connect()
    await admin.query('create database onestory')
    await admin.end()

    const port = await freePort()
    baseUrl = `http://127.0.0.1:${port}`
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: `postgres://postgres@127.0.0.1:${cluster.port}/onestory`,
      DATA_DIR: cluster.dir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'fatal',
      RATE_LIMIT_PER_MINUTE: '100000000',
    }
    const child = spawn(process.execPath, ['--import', 'tsx', path.join('src', 'main.ts'), '--demo'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
    server = child
    child.stdout?.on('data', chunk => (output += String(chunk)))
    child.stderr?.on('data', chunk => (output += String(chunk)))
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not start within 120 s:\n${output}`)), 120_000)
      child.once('exit', code => {
        clearTimeout(timer)
        reject(new Error(`the server exited (code ${code}) before it was ready:\n${output}`))
      })
      const check = () => {
        if (output.includes('OneStory is running at')) {
          clearTimeout(timer)
          resolve()
        }
      }
      child.stdout?.on('data', check)
    })
  })

  after(async () => {
    if (server && server.exitCode === null && server.signalCode === null) {
      const exited = new Promise(resolve => server?.once('exit', resolve))
      server.kill('SIGKILL')
      await exited
    }
    if (cluster?.running()) {
      try {
        cluster.stop()
      } catch {
        // already stopped
      }
    }
    cluster?.remove()
  })

  it('answers 503 with a plain message while PostgreSQL is stopped, says why on /health, and recovers by itself', async () => {
    assert.ok(cluster)
    const client = new HttpClient(baseUrl)
    assert.equal((await client.get(paths.signIn.page())).status, 200)
    const signedIn = await client.post(paths.signIn.page(), { email: DEMO_PRACTITIONER_EMAIL, password: DEMO_PASSWORD })
    assert.equal(signedIn.status, 303, signedIn.text.slice(0, 500))
    const home = await client.get(paths.home())
    assert.equal(home.status, 200, `the home page after signing in: ${home.location}`)
    const healthy = await fetch(`${baseUrl}${paths.health()}`)
    assert.equal(healthy.status, 200)

    cluster.stop()

    const page = await client.get(paths.home())
    assert.equal(page.status, 503)
    assert.match(page.contentType, /text\/html/)
    assert.match(page.text, /Sorry, the service is unavailable/)
    assert.doesNotMatch(page.text, /ECONNREFUSED|stack|at .*\.ts:\d+/)
    const episodes = await client.get(paths.episodes.list())
    assert.equal(episodes.status, 503)
    const health = await fetch(`${baseUrl}${paths.health()}`)
    assert.equal(health.status, 503)
    const body = (await health.json()) as { status: string; database: string }
    assert.equal(body.status, 'unavailable')
    assert.match(body.database, /unreachable/)
    assert.match(body.database, /refused|not reachable|terminated|connect/i, `says why: ${body.database}`)

    cluster.start()

    let recovered = false
    const deadline = Date.now() + 30_000
    while (Date.now() < deadline) {
      const again = await fetch(`${baseUrl}${paths.health()}`)
      await again.arrayBuffer()
      if (again.status === 200) {
        recovered = true
        break
      }
      await sleep(200)
    }
    assert.ok(recovered, '/health is 200 again within 30 s of the database returning')
    const back = await client.get(paths.home())
    assert.equal(back.status, 200, 'the same session works again without a restart of the service')
    assert.ok(server && server.exitCode === null, 'the service kept running throughout')
  })
})
