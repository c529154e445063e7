// Supply-chain checks for CI (issue 7, "Supply chain"). Plain Node, no dependencies.
//  1. every package in package-lock.json (other than the root and workspace links) carries an integrity hash;
//  2. every package the lockfile marks with hasInstallScript is in supply-chain.json's approved list, with a reason;
//  3. `npm sbom --sbom-format cyclonedx --omit dev` writes sbom.cdx.json (git-ignored), which must parse and list
//     every runtime dependency named in package.json.
// Usage: node scripts/supply-chain.mjs [--root <folder>] [--sbom-out <file>] [--no-sbom]
//   --root      folder holding package.json, package-lock.json and supply-chain.json (default: the repository)
//   --sbom-out  where to write the SBOM (default: <root>/sbom.cdx.json)
//   --no-sbom   only the lockfile checks (for a doctored lockfile without node_modules)
// Exit code 0 when every check passes, 1 otherwise; each problem is printed on its own line.
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

/** The lockfile checks: problems (empty when all is well) and the packages with install scripts. */
export function checkLockfile(lock, config) {
  const problems = []
  const installScripts = []
  if (!lock || typeof lock.packages !== 'object') {
    return { problems: ['package-lock.json has no "packages" section (lockfileVersion 2 or 3 is needed)'], installScripts }
  }
  const approved = config?.approvedInstallScripts ?? {}
  for (const [location, entry] of Object.entries(lock.packages)) {
    if (location === '' || entry.link === true) continue
    const name = entry.name ?? location.slice(location.lastIndexOf('node_modules/') + 'node_modules/'.length)
    if (typeof entry.integrity !== 'string' || !/^sha(256|384|512)-/.test(entry.integrity)) {
      problems.push(`no integrity hash: ${location}${entry.version ? `@${entry.version}` : ''}`)
    }
    if (entry.hasInstallScript === true) {
      const reason = approved[name]
      const ok = typeof reason === 'string' && reason.trim().length > 0
      installScripts.push({ name, location, version: entry.version, approved: ok })
      if (!ok) problems.push(`install script not approved in supply-chain.json: ${name}@${entry.version} (${location})`)
    }
  }
  return { problems, installScripts }
}

/** Checks an SBOM's text: CycloneDX JSON listing each runtime dependency of package.json. */
export function checkSbom(text, packageJson) {
  let sbom
  try {
    sbom = JSON.parse(text)
  } catch (error) {
    return [`the SBOM is not JSON: ${error.message}`]
  }
  if (sbom.bomFormat !== 'CycloneDX') return [`the SBOM is not CycloneDX (bomFormat ${sbom.bomFormat})`]
  const names = new Set((sbom.components ?? []).map(component => (component.group ? `${component.group}/${component.name}` : component.name)))
  return Object.keys(packageJson.dependencies ?? {})
    .filter(name => !names.has(name))
    .map(name => `the SBOM does not list the runtime dependency ${name}`)
}

function main() {
  const { values } = parseArgs({
    options: { root: { type: 'string' }, 'sbom-out': { type: 'string' }, 'no-sbom': { type: 'boolean', default: false } },
  })
  const root = resolve(values.root ?? join(import.meta.dirname, '..'))
  const readJson = file => JSON.parse(readFileSync(join(root, file), 'utf8'))
  const { problems, installScripts } = checkLockfile(readJson('package-lock.json'), readJson('supply-chain.json'))

  console.log(`Packages with install scripts (${installScripts.length}):`)
  for (const item of installScripts) {
    console.log(`  ${item.approved ? 'approved    ' : 'NOT APPROVED'} ${item.name}@${item.version}`)
  }

  if (!values['no-sbom']) {
    const out = resolve(values['sbom-out'] ?? join(root, 'sbom.cdx.json'))
    // npm sbom reads node_modules and the lockfile only; it does not contact the registry.
    const npm = spawnSync('npm', ['sbom', '--sbom-format', 'cyclonedx', '--omit', 'dev', '--offline'], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    })
    if (npm.status !== 0) {
      problems.push(`npm sbom failed (exit ${npm.status}): ${(npm.stderr || npm.error?.message || '').trim()}`)
    } else {
      writeFileSync(out, npm.stdout)
      const sbomProblems = checkSbom(npm.stdout, readJson('package.json'))
      problems.push(...sbomProblems)
      if (sbomProblems.length === 0) {
        console.log(`SBOM (CycloneDX, runtime dependencies): ${out}, ${JSON.parse(npm.stdout).components.length} components`)
      }
    }
  }

  for (const problem of problems) console.error(`supply chain: ${problem}`)
  if (problems.length > 0) process.exit(1)
  console.log('Supply chain: every lockfile entry has an integrity hash; every install script is approved.')
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) main()
