import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'

// scripts/supply-chain.mjs as CI runs it: on the real lockfile, and on doctored copies that must fail.
// No database: the same checks on either kind.

const root = path.resolve(import.meta.dirname, '..', '..')
const script = path.join(root, 'scripts', 'supply-chain.mjs')

type LockEntry = { version?: string; integrity?: string; hasInstallScript?: boolean; link?: boolean }
type Lock = { packages: Record<string, LockEntry> }

function run(args: string[]) {
  const result = spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8' })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr }
}

function realLock(): Lock {
  return JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as Lock
}

/** A folder with the real package.json and supply-chain.json and the given lockfile. */
function doctored(lock: Lock): string {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'onestory-supply-'))
  fs.copyFileSync(path.join(root, 'package.json'), path.join(folder, 'package.json'))
  fs.copyFileSync(path.join(root, 'supply-chain.json'), path.join(folder, 'supply-chain.json'))
  fs.writeFileSync(path.join(folder, 'package-lock.json'), JSON.stringify(lock))
  return folder
}

function firstDependency(lock: Lock): string {
  const location = Object.keys(lock.packages).find(key => key.startsWith('node_modules/') && !lock.packages[key]?.hasInstallScript)
  assert.ok(location)
  return location
}

describe('supply chain checks', () => {
  it('passes on the real lockfile and writes a CycloneDX SBOM listing the runtime dependencies', () => {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'onestory-sbom-'))
    const out = path.join(folder, 'sbom.cdx.json')
    const result = run(['--sbom-out', out])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /approved\s+esbuild@/)
    const sbom = JSON.parse(fs.readFileSync(out, 'utf8')) as { bomFormat: string; components: { name: string; group?: string; scope?: string }[] }
    assert.equal(sbom.bomFormat, 'CycloneDX')
    const names = new Set(sbom.components.map(c => (c.group ? `${c.group}/${c.name}` : c.name)))
    const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> }
    for (const name of Object.keys(pkg.dependencies)) assert.ok(names.has(name), `SBOM lists ${name}`)
    assert.equal(names.has('playwright-core'), false, 'development dependencies are left out')
    fs.rmSync(folder, { recursive: true, force: true })
  })

  it('fails when a lockfile entry has no integrity hash, naming it', () => {
    const lock = realLock()
    const location = firstDependency(lock)
    delete lock.packages[location]?.integrity
    const folder = doctored(lock)
    const result = run(['--root', folder, '--no-sbom'])
    assert.equal(result.code, 1)
    assert.ok(result.stderr.includes(`no integrity hash: ${location}`), result.stderr)
    fs.rmSync(folder, { recursive: true, force: true })
  })

  it('fails when a package not on the approved list has an install script, and lists it', () => {
    const lock = realLock()
    const location = firstDependency(lock)
    const entry = lock.packages[location]
    assert.ok(entry)
    entry.hasInstallScript = true
    const folder = doctored(lock)
    const result = run(['--root', folder, '--no-sbom'])
    assert.equal(result.code, 1)
    const name = location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length)
    assert.match(result.stdout, new RegExp(`NOT APPROVED ${name}@`))
    assert.ok(result.stderr.includes(`install script not approved in supply-chain.json: ${name}@`), result.stderr)
    fs.rmSync(folder, { recursive: true, force: true })
  })

  it('passes the doctored copy when nothing is changed (the failures above are the doctoring)', () => {
    const folder = doctored(realLock())
    assert.equal(run(['--root', folder, '--no-sbom']).code, 0)
    fs.rmSync(folder, { recursive: true, force: true })
  })
})
