#!/usr/bin/env node
// The onestory command line, for `npx onestory <command>` after installing the package.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const entry = fileURLToPath(new URL('../src/cli/onestory.ts', import.meta.url))
const result = spawnSync(process.execPath, ['--import', 'tsx', entry, ...process.argv.slice(2)], { stdio: 'inherit' })
process.exit(result.status ?? 1)
