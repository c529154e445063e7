import { ConfigError, loadConfig } from '../config.ts'
import { DatabaseStartError, openDatabase } from '../db/database.ts'
import { describeChainReport, verifyAuditChain } from '../audit/audit-chain.ts'
import { installShippedTemplatesWhereMissing } from '../features/assessments/templates.service.ts'
import { composeServices } from '../composition.ts'
import { systemClock } from '../lib/clock.ts'
import {
  BackupError,
  backupPgliteFolder,
  exportAuthority,
  importAuthority,
  openOwnerConnection,
  readBackupFile,
  restorePgliteFolder,
  writeAuthorityExport,
} from '../db/backup.ts'

// The onestory command line: `npm run cli -- <command>`. It reads the same configuration as the service
// (DATABASE_URL, or the embedded database in DATA_DIR) and calls the same code the service does.

const HELP = `Usage: npm run cli -- <command>

Commands:
  migrate   Bring the database up to date (the service also does this at every start), and install the
            shipped assessment templates for authorities that lack them.
  backup <file>
            Embedded database: write the whole data folder to <file> (tar.gz). Stop the service first.
            PostgreSQL: use pg_dump -Fc (docs/operations.md).
  backup --authority <id> <file>
            Either database: write every row of one authority to <file> (JSON).
  restore <file>
            A data-folder backup: restore it into DATA_DIR, which must be empty and not in use.
            An authority export: import it into a database (at the same version) that does not have it.
  audit verify [--authority <id>]
            Recompute the tamper-evident audit chain of every authority (or one) and report the first broken
            link of each (changed, missing, out of order, unsealed); exits 1 when any is found.
  retention run
            List the records due for disposal now (rather than waiting for the 6-hourly job), and finish any
            approved disposal left half done. Nothing is disposed of without a coordinator's approval.
  help      Show this help.

The database is PostgreSQL when DATABASE_URL is set, otherwise the embedded database in DATA_DIR (default ./data).
`

export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv, out: NodeJS.WritableStream): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    out.write(HELP)
    return command === undefined ? 2 : 0
  }
  if (command === 'backup' || command === 'restore') {
    try {
      return await (command === 'backup' ? backup(rest, env, out) : restore(rest, env, out))
    } catch (error) {
      if (error instanceof BackupError || error instanceof DatabaseStartError) {
        out.write(`${error.message}\n`)
        return 1
      }
      throw error
    }
  }
  if (command === 'audit') return auditCommand(rest, env, out)
  if (command === 'retention') return retentionCommand(rest, env, out)
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

async function backup(args: readonly string[], env: NodeJS.ProcessEnv, out: NodeJS.WritableStream): Promise<number> {
  const config = loadConfig(env)
  if (args[0] === '--authority') {
    const [, authorityId, file, ...extra] = args
    if (!authorityId || !file || extra.length > 0) return usage(out, 'backup --authority <id> <file>')
    const connection = await openOwnerConnection(config, { migrate: false })
    try {
      const data = await exportAuthority(connection.query, authorityId, new Date())
      writeAuthorityExport(file, data)
      const rows = data.tables.reduce((sum, table) => sum + table.rows.length, 0)
      out.write(`Exported authority ${authorityId}: ${rows} row(s) from ${data.tables.length} table(s) to ${file}.\n`)
      return 0
    } finally {
      await connection.close()
    }
  }
  const [file, ...extra] = args
  if (!file || extra.length > 0 || file.startsWith('--')) return usage(out, 'backup <file>')
  if (config.databaseUrl) {
    out.write('OneStory uses PostgreSQL here: back it up with pg_dump -Fc (see docs/operations.md), or one authority with backup --authority <id> <file>.\n')
    return 2
  }
  const { bytes } = await backupPgliteFolder(config.dataDir, file)
  out.write(`Backed up ${config.dataDir} to ${file} (${bytes} bytes).\n`)
  return 0
}

async function restore(args: readonly string[], env: NodeJS.ProcessEnv, out: NodeJS.WritableStream): Promise<number> {
  const [file, ...extra] = args
  if (!file || extra.length > 0 || file.startsWith('--')) return usage(out, 'restore <file>')
  const config = loadConfig(env)
  const backupFile = readBackupFile(file)
  if (backupFile.kind === 'folder') {
    if (config.databaseUrl) {
      out.write('This is a backup of an embedded data folder; unset DATABASE_URL and set DATA_DIR to an empty folder to restore it.\n')
      return 2
    }
    const { migrations } = await restorePgliteFolder(config.dataDir, file)
    out.write(`Restored ${file} into ${config.dataDir} (${migrations} migration(s) applied in it).\n`)
    return 0
  }
  const connection = await openOwnerConnection(config, { migrate: true })
  try {
    const { rows } = await importAuthority(connection.query, backupFile.data)
    out.write(`Imported ${rows} row(s) from ${file}.\n`)
    return 0
  } finally {
    await connection.close()
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** `audit verify [--authority <id>]`: the audit chain, recomputed (src/audit/audit-chain.ts). */
async function auditCommand(args: readonly string[], env: NodeJS.ProcessEnv, out: NodeJS.WritableStream): Promise<number> {
  const [subcommand, ...options] = args
  const authorityId = options[0] === '--authority' ? options[1] : undefined
  const wellFormed = subcommand === 'verify' && (options.length === 0 || (options.length === 2 && authorityId !== undefined && UUID.test(authorityId)))
  if (!wellFormed) return usage(out, 'audit verify [--authority <authority id>]')
  const config = loadConfig(env)
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  try {
    const report = await verifyAuditChain(database.db, authorityId ? { authorityId } : {})
    out.write(describeChainReport(report))
    return report.ok ? 0 : 1
  } finally {
    await database.close()
  }
}

/** `retention run`: the retention job now (src/features/retention, docs/retention.md), for every authority. */
async function retentionCommand(args: readonly string[], env: NodeJS.ProcessEnv, out: NodeJS.WritableStream): Promise<number> {
  if (args.length !== 1 || args[0] !== 'run') return usage(out, 'retention run')
  const config = loadConfig(env)
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir })
  try {
    const services = composeServices({ db: database.db, config, clock: systemClock })
    const { listings, disposals } = await services.retention.runScheduled()
    for (const listing of listings) {
      out.write(
        listing.batchId
          ? `Authority ${listing.authorityId}: ${listing.due} record(s) due for disposal (${listing.added} added, ${listing.removed} removed), waiting for a coordinator's approval.\n`
          : `Authority ${listing.authorityId}: nothing due for disposal${listing.removed ? ` (${listing.removed} no longer due)` : ''}.\n`,
      )
    }
    const settled = disposals.disposed + disposals.held + disposals.notDue + disposals.gone
    if (settled > 0) out.write(`Finished approved disposals: ${disposals.disposed} disposed of, ${disposals.held} held, ${disposals.notDue} no longer due, ${disposals.gone} already gone.\n`)
    return 0
  } finally {
    await database.close()
  }
}

function usage(out: NodeJS.WritableStream, form: string): number {
  out.write(`Usage: npm run cli -- ${form}\n`)
  return 2
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
