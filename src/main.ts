import { performance } from 'node:perf_hooks'
import { buildApp } from './app.ts'
import { ConfigError, loadConfig } from './config.ts'
import { DatabaseStartError, openDatabase } from './db/database.ts'
import { newSetupCode } from './features/setup/setup.service.ts'
import { demoSignIn as describeDemo, seedDemoAuthority, type DemoSignIn } from './features/demo/demo.seed.ts'
import { startJobs } from './jobs/jobs.ts'

/** loadConfig → openDatabase → buildApp → listen; closes cleanly on SIGINT/SIGTERM. */
async function main(argv: string[]): Promise<void> {
  const started = performance.now()
  const demo = argv.includes('--demo')
  const config = loadConfig(demo ? { ...process.env, DEMO: 'true' } : process.env)
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  let setupCode: string | undefined
  const services = await import('./features/setup/setup.repository.ts')
  const empty = (await services.countAuthorities(database.db)) === 0
  let demoSignIn: DemoSignIn | undefined
  let demoSeconds: number | undefined
  if (empty && config.demo) {
    const seeded = await seedDemoAuthority(database.db, { config })
    demoSignIn = seeded
    demoSeconds = seeded.seconds
  } else if (config.demo) {
    demoSignIn = describeDemo()
  } else if (empty) {
    setupCode = newSetupCode()
  }
  const app = await buildApp({ config, database, setupCode })
  const jobs = startJobs({ db: database.db, config, services: app.services, log: app.log })

  let closing = false
  async function shutdown(signal: string) {
    if (closing) return
    closing = true
    app.log.info({ signal }, 'shutting down: finishing requests, then closing the database')
    const force = setTimeout(() => process.exit(1), 15_000)
    force.unref()
    try {
      await jobs.stop()
      await app.close()
      await database.close()
    } finally {
      process.exit(0)
    }
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))

  await app.listen({ port: config.port, host: config.host })
  const address = app.server.address()
  const port = typeof address === 'object' && address ? address.port : config.port
  const url = `http://${config.host}:${port}`
  const lines = [
    '',
    `OneStory is running at ${url} (${database.kind === 'postgres' ? 'PostgreSQL' : `embedded database in ${config.dataDir}`}), ready in ${Math.round(performance.now() - started)} ms.`,
  ]
  if (setupCode) {
    lines.push('', 'This OneStory has not been set up yet.', `Open ${url}/setup and enter this one-time set-up code:`, '', `    ${setupCode}`, '')
  }
  if (demoSignIn) {
    lines.push('', `DEMO with fictional data: ${demoSignIn.authorityName}. Sign in at ${url}/sign-in as:`)
    for (const account of demoSignIn.accounts) lines.push(`    ${account.email}  password: ${account.password}  (${account.roles})`)
    const { caseload } = demoSignIn
    lines.push(
      '',
      `The demo families (${caseload.families.join(', ')}) are on the caseload of ${caseload.practitionerEmail}: sign in as them and open Episodes.`,
      `${caseload.contributorEmail} has been asked to add to the Kettering family's assessment.`,
    )
    if (demoSeconds !== undefined) lines.push(`(Demo data created in ${demoSeconds.toFixed(1)} s.)`)
    lines.push('')
  }
  process.stdout.write(`${lines.join('\n')}\n`)
}

main(process.argv.slice(2)).catch(error => {
  if (error instanceof ConfigError || error instanceof DatabaseStartError) {
    process.stderr.write(`${error.message}\n`)
  } else {
    process.stderr.write(`OneStory could not start: ${error instanceof Error ? error.stack : String(error)}\n`)
  }
  process.exit(1)
})
