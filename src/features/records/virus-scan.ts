import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

// ClamAV, when the authority has it: `clamdscan` (fast, uses the clamd daemon) or `clamscan` (standalone, slower),
// fed the upload on standard input. Exit code 0 = clean, 1 = infected, anything else = the scan failed.

export type VirusScanner = { command: string; name: 'clamdscan' | 'clamscan' | 'other' }

export type ScanResult = { outcome: 'clean' } | { outcome: 'infected'; signature: string } | { outcome: 'failed'; reason: string }

const CANDIDATES = ['clamdscan', 'clamscan'] as const
const SCAN_TIMEOUT_MS = 120_000

/** 'off' → none; 'auto' → the first of clamdscan, clamscan on the search path; otherwise the path given. */
export function resolveVirusScanner(setting: string, searchPath: string): VirusScanner | null {
  if (setting === 'off') return null
  if (setting !== 'auto') {
    const base = path.basename(setting)
    return { command: setting, name: base === 'clamdscan' || base === 'clamscan' ? base : 'other' }
  }
  for (const name of CANDIDATES) {
    for (const folder of searchPath.split(path.delimiter)) {
      if (!folder) continue
      const candidate = path.join(folder, name)
      try {
        fs.accessSync(candidate, fs.constants.X_OK)
        return { command: candidate, name }
      } catch {
        // not here
      }
    }
  }
  return null
}

/** Scans the bytes; never throws (a scanner that cannot run is a failed scan, which refuses the upload). */
export function scanForViruses(scanner: VirusScanner, content: Uint8Array): Promise<ScanResult> {
  return new Promise(resolve => {
    let settled = false
    const finish = (result: ScanResult) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(result)
    }
    const args = scanner.name === 'clamdscan' ? ['--no-summary', '--stream', '-'] : ['--no-summary', '-']
    const child = spawn(scanner.command, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      finish({ outcome: 'failed', reason: 'the scan took too long' })
    }, SCAN_TIMEOUT_MS)
    let output = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      if (output.length < 10_000) output += chunk
    })
    child.stderr.resume()
    child.on('error', error => finish({ outcome: 'failed', reason: error.message }))
    child.on('close', code => {
      if (code === 0) return finish({ outcome: 'clean' })
      if (code === 1) {
        const signature = /:\s*(.+?)\s+FOUND/.exec(output)?.[1] ?? 'unknown'
        return finish({ outcome: 'infected', signature: signature.slice(0, 200) })
      }
      finish({ outcome: 'failed', reason: `the scanner stopped with code ${String(code)}` })
    })
    child.stdin.on('error', () => {}) // the scanner may stop reading early (it found something)
    child.stdin.end(Buffer.from(content.buffer, content.byteOffset, content.byteLength))
  })
}
