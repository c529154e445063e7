import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely'
import * as core from './migrations/2026-11-24-01-core.ts'
import * as people from './migrations/2026-11-25-01-people.ts'
import * as episodes from './migrations/2026-11-25-02-episodes.ts'
import * as assessments from './migrations/2026-11-25-03-assessments.ts'
import * as team from './migrations/2026-11-25-04-team.ts'
import * as plans from './migrations/2026-11-25-05-plans.ts'
import * as meetings from './migrations/2026-11-25-06-meetings.ts'
import * as reviews from './migrations/2026-11-25-07-reviews.ts'
import * as records from './migrations/2026-11-25-08-records.ts'
import * as family from './migrations/2026-12-06-01-family.ts'
import * as auditChain from './migrations/2026-12-06-02-audit-chain.ts'
import * as recordHistory from './migrations/2026-12-06-03-record-history.ts'
import * as retention from './migrations/2026-12-06-04-retention.ts'
import * as breakGlass from './migrations/2026-12-06-05-break-glass.ts'
import * as identityProtection from './migrations/2026-12-06-06-identity-protection.ts'
import * as localitiesAndPanels from './migrations/2026-12-06-07-localities-and-panels.ts'

/** Explicit, ordered list: migrations are frozen once released and never import application code. */
const migrations: Record<string, Migration> = {
  '2026-11-24-01-core': core,
  '2026-11-25-01-people': people,
  '2026-11-25-02-episodes': episodes,
  '2026-11-25-03-assessments': assessments,
  '2026-11-25-04-team': team,
  '2026-11-25-05-plans': plans,
  '2026-11-25-06-meetings': meetings,
  '2026-11-25-07-reviews': reviews,
  '2026-11-25-08-records': records,
  '2026-12-06-01-family': family,
  '2026-12-06-02-audit-chain': auditChain,
  '2026-12-06-03-record-history': recordHistory,
  '2026-12-06-04-retention': retention,
  '2026-12-06-05-break-glass': breakGlass,
  '2026-12-06-06-identity-protection': identityProtection,
  '2026-12-06-07-localities-and-panels': localitiesAndPanels,
}

class StaticMigrationProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations
  }
}

export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new StaticMigrationProvider() })
  const { error, results } = await migrator.migrateToLatest()
  if (error) {
    const failed = results?.find(result => result.status === 'Error')
    throw new Error(`Database migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message}`)
  }
  return (results ?? []).filter(result => result.status === 'Success').map(result => result.migrationName)
}
