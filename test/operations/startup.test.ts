import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'

// The real entry point, as an operator runs it: clear messages for bad configuration, the folder lock, graceful stop.

const root = path.resolve(import.meta.dirname, '..', '..')

type Started = { code: number | null; stdout: string; stderr: string }

function run(env: Record<string, string>, options: { untilOutput?: RegExp; thenSignal?: NodeJS.Signals } = {}): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`timed out; stdout: ${stdout} stderr: ${stderr}`))
    }, 60_000)
    child.stdout.on('data', chunk => {
      stdout += chunk
      if (options.untilOutput?.test(stdout) && options.thenSignal) child.kill(options.thenSignal)
    })
    child.stderr.on('data', chunk => (stderr += chunk))
    child.on('exit', code => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

describe('starting and stopping the service', () => {
  it('explains an unreachable DATABASE_URL and exits non-zero', async () => {
    const result = await run({ DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', PORT: '0' })
    assert.equal(result.code, 1)
    assert.match(result.stderr, /OneStory cannot reach the database at postgres:\/\/nobody@127\.0\.0\.1:1\/none/)
  })

  it('names the variable when the configuration is wrong', async () => {
    const result = await run({ PORT: 'eighty', DATABASE_URL: 'not a url' })
    assert.equal(result.code, 1)
    assert.match(result.stderr, /PORT/)
    assert.match(result.stderr, /DATABASE_URL must be a postgres:\/\/ URL/)
  })

  it('prints a set-up code on an empty system, stops cleanly on SIGTERM, and refuses a folder in use', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onestory-start-'))
    const first = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no start: ${output}`)), 60_000)
      first.stdout.on('data', chunk => {
        output += chunk
        if (/set-up code/.test(output) && /[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}/.test(output)) {
          clearTimeout(timer)
          resolve()
        }
      })
    })
    const second = await run({ DATA_DIR: dataDir, PORT: '0' })
    assert.equal(second.code, 1)
    assert.match(second.stderr, /is in use by another OneStory process/)
    const exited = new Promise<number | null>(resolve => first.on('exit', code => resolve(code)))
    first.kill('SIGTERM')
    assert.equal(await exited, 0)
    assert.equal(fs.existsSync(path.join(dataDir, 'onestory.lock')), false, 'the lock is released on a clean stop')
  })
})
