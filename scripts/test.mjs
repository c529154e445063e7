// Runs every *.test.ts under src/ and test/ with Node's test runner. Node 20 cannot expand globs itself.
// Arguments narrow the run: `npm test -- src/features/auth` runs the tests under that folder only.
// The browser suite (test/browser, real Chromium) runs only when asked for: `npm run test:browser`.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join, relative, sep } from 'node:path'

const root = join(import.meta.dirname, '..')
const wanted = process.argv.slice(2)
const roots = wanted.length > 0 ? wanted : ['src', 'test']
const BROWSER_SUITE = join('test', 'browser')

const files = roots.flatMap(start => {
  const path = join(root, start)
  if (statSync(path).isFile()) return [relative(root, path)]
  return readdirSync(path, { recursive: true })
    .map(name => join(start, String(name)))
    .filter(name => name.endsWith('.test.ts') && !name.includes('node_modules'))
    .filter(name => wanted.length > 0 || !name.startsWith(BROWSER_SUITE + sep))
}).sort()

if (files.length === 0) {
  console.error(`No test files found under ${roots.join(', ')}`)
  process.exit(1)
}

const concurrency = process.env.TEST_CONCURRENCY ?? '2'
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files],
  { cwd: root, stdio: 'inherit' },
)
process.exit(result.status ?? 1)
