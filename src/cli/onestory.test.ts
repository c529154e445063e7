import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { describe, it } from 'node:test'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { runCli } from './onestory.ts'

async function cli(argv: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  const out = new PassThrough()
  let output = ''
  out.on('data', chunk => (output += chunk))
  const code = await runCli(argv, { LOG_LEVEL: 'silent', ...env }, out)
  return { code, output }
}

describe('the onestory command line', () => {
  it('explains itself and refuses unknown commands', async () => {
    assert.match((await cli(['help'], {})).output, /migrate/)
    const unknown = await cli(['frobnicate'], {})
    assert.equal(unknown.code, 2)
    assert.match(unknown.output, /Unknown command "frobnicate"/)
    assert.equal((await cli(['migrate', 'extra'], {})).code, 2)
  })

  it('migrates the embedded database, then reports it up to date', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onestory-cli-'))
    try {
      const first = await cli(['migrate'], { DATA_DIR: dataDir })
      assert.equal(first.code, 0)
      assert.match(first.output, /Applied \d+ migration\(s\):\n {2}2026-11-24-01-core/)
      const second = await cli(['migrate'], { DATA_DIR: dataDir })
      assert.equal(second.output, 'The database is up to date.\n')
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true })
    }
  })

  it('migrates PostgreSQL when DATABASE_URL is set', { skip: process.env.TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set' }, async () => {
    const baseUrl = process.env.TEST_DATABASE_URL ?? ''
    const name = `onestory_cli_${randomBytes(5).toString('hex')}`
    const admin = new pg.Client({ connectionString: baseUrl })
    await admin.connect()
    await admin.query(`create database ${name}`)
    try {
      const url = new URL(baseUrl)
      url.pathname = `/${name}`
      const first = await cli(['migrate'], { DATABASE_URL: url.toString() })
      assert.equal(first.code, 0)
      assert.match(first.output, /2026-11-25-03-assessments/)
      assert.equal((await cli(['migrate'], { DATABASE_URL: url.toString() })).output, 'The database is up to date.\n')
    } finally {
      await admin.query(`drop database if exists ${name} with (force)`)
      await admin.end()
    }
  })
})
