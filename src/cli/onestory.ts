import { ConfigError, loadConfig } from '../config.ts'
import { DatabaseStartError, openDatabase } from '../db/database.ts'
import { installShippedTemplatesWhereMissing } from '../features/assessments/templates.service.ts'

// The onestory command line: `npm run cli -- <command>`. It reads the same configuration as the service
// (DATABASE_URL, or the embedded database in DATA_DIR) and calls the same code the service does.

const HELP = `Usage: npm run cli -- <command>

Commands:
  migrate   Bring the database up to date (the service also does this at every start), and install the
            shipped assessment templates for authorities that lack them.
  help      Show this help.

The database is PostgreSQL when DATABASE_URL is set, otherwise the embedded database in DATA_DIR (default ./data).
`

export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv, out: NodeJS.WritableStream): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    out.write(HELP)
    return command === undefined ? 2 : 0
  }
  if (command !== 'migrate') {
    out.write(`Unknown command "${command}".\n\n${HELP}`)
    return 2
  }
  if (rest.length > 0) {
    out.write(`"migrate" takes no arguments; you gave: ${rest.join(' ')}\n`)
    return 2
  }
  const config = loadConfig(env)
  // Opening the database migrates it, as the database's owner, before dropping to the run-time role.
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  try {
    const applied = database.appliedMigrations
    out.write(applied.length === 0 ? 'The database is up to date.\n' : `Applied ${applied.length} migration(s):\n${applied.map(name => `  ${name}\n`).join('')}`)
    const installed = await installShippedTemplatesWhereMissing(database.db, new Date())
    if (installed > 0) out.write(`Installed ${installed} shipped assessment template(s).\n`)
    return 0
  } finally {
    await database.close()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runCli(process.argv.slice(2), process.env, process.stdout)
    .then(code => process.exit(code))
    .catch(error => {
      if (error instanceof ConfigError || error instanceof DatabaseStartError) process.stderr.write(`${error.message}\n`)
      else process.stderr.write(`onestory: ${error instanceof Error ? error.message : String(error)}\n`)
      process.exit(1)
    })
}
