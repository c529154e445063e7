/**
 * The row-level security experiment (issue 6; decision record docs/decisions/0006-row-level-security.md).
 *
 *   npm run bench:rls                      PGlite, plus PostgreSQL when TEST_DATABASE_URL is set
 *
 * On a fresh migrated database with 10 authorities × 200 episodes (10 plan actions and 5 case notes each), it loads
 * "a case page" — the episode, its team, its notes and its plan actions, the queries an episode page makes, each
 * filtered by authority as the repositories do — 2,000 times in transactions as the application role, first with no
 * row-level security, then with a policy `authority_id = current_setting('onestory.authority_id')` on those four
 * tables and the setting made at the start of each transaction (set_config(..., true)). It prints the time per page
 * for both and checks the wall: with RLS on, a query for another authority's episode (no authority filter at all)
 * returns nothing.
 */
import { randomUUID } from 'node:crypto'
import pg from 'pg'
import { sql, type Kysely } from 'kysely'
import type { Database } from '../src/db/schema.ts'
import { openTestDatabase } from '../test/helpers/database.ts'

const AUTHORITIES = 10
const EPISODES_PER_AUTHORITY = 200
const PAGES = 2_000
const ROUNDS = 3
const TABLES = ['episodes', 'episode_members', 'case_notes', 'plan_actions']

type Kind = 'pglite' | 'postgres'

async function seed(db: Kysely<Database>): Promise<{ authorityId: string; episodeId: string }[]> {
  const pages: { authorityId: string; episodeId: string }[] = []
  for (let a = 0; a < AUTHORITIES; a++) {
    const authorityId = randomUUID()
    const userId = randomUUID()
    await sql`insert into authorities (id, name, nation, is_demo, second_factor_required) values (${authorityId}, ${`RLS ${a}`}, 'england', false, true)`.execute(db)
    await sql`
      insert into episodes (authority_id, id, reference, scope, status, started_by_user_id, started_at)
      select ${authorityId}::uuid, gen_random_uuid(), 'EH-' || g, 'child', 'support', ${userId}::uuid, now() from generate_series(1, ${EPISODES_PER_AUTHORITY}) g`.execute(db)
    await sql`
      insert into episode_members (authority_id, episode_id, user_id, role, joined_at)
      select authority_id, id, ${userId}::uuid, 'owner', now() from episodes where authority_id = ${authorityId}`.execute(db)
    await sql`
      insert into plan_actions (authority_id, id, episode_id, what, owner_kind, owner_name, due_on, status, created_by_user_id, created_at, updated_at)
      select e.authority_id, gen_random_uuid(), e.id, 'Action ' || g, 'agency', 'An agency', current_date, 'in_progress', ${userId}::uuid, now(), now()
        from episodes e cross join generate_series(1, 10) g where e.authority_id = ${authorityId}`.execute(db)
    await sql`
      insert into case_notes (authority_id, id, episode_id, occurred_on, summary, body, visibility, author_user_id, created_at)
      select e.authority_id, gen_random_uuid(), e.id, current_date, 'Note ' || g, 'Body', 'team', ${userId}::uuid, now()
        from episodes e cross join generate_series(1, 5) g where e.authority_id = ${authorityId}`.execute(db)
    const episodes = await sql<{ id: string }>`select id from episodes where authority_id = ${authorityId}`.execute(db)
    for (const row of episodes.rows) pages.push({ authorityId, episodeId: row.id })
  }
  await sql`analyze`.execute(db)
  return pages
}

async function casePage(db: Kysely<Database>, page: { authorityId: string; episodeId: string }, rls: boolean): Promise<void> {
  await db.transaction().execute(async trx => {
    if (rls) await sql`select set_config('onestory.authority_id', ${page.authorityId}, true)`.execute(trx)
    await trx.selectFrom('episodes').selectAll().where('authorityId', '=', page.authorityId).where('id', '=', page.episodeId).executeTakeFirst()
    await trx.selectFrom('episodeMembers').selectAll().where('authorityId', '=', page.authorityId).where('episodeId', '=', page.episodeId).execute()
    await trx.selectFrom('caseNotes').selectAll().where('authorityId', '=', page.authorityId).where('episodeId', '=', page.episodeId).execute()
    await trx.selectFrom('planActions').selectAll().where('authorityId', '=', page.authorityId).where('episodeId', '=', page.episodeId).execute()
  })
}

async function measure(db: Kysely<Database>, pages: { authorityId: string; episodeId: string }[], rls: boolean) {
  for (let i = 0; i < 200; i++) await casePage(db, pages[i % pages.length] as { authorityId: string; episodeId: string }, rls) // warm-up
  const times: number[] = []
  for (let i = 0; i < PAGES; i++) {
    const page = pages[(i * 7919) % pages.length] as { authorityId: string; episodeId: string }
    const start = process.hrtime.bigint()
    await casePage(db, page, rls)
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  times.sort((x, y) => x - y)
  const mean = times.reduce((sum, t) => sum + t, 0) / times.length
  return { mean, p50: times[Math.floor(times.length * 0.5)] ?? 0, p95: times[Math.floor(times.length * 0.95)] ?? 0 }
}

/** Runs DDL as the database owner: PGlite's one connection resets its role; PostgreSQL gets an owner connection. */
async function asOwner(kind: Kind, db: Kysely<Database>, url: string | undefined, statements: string[]) {
  if (kind === 'pglite') {
    await sql`reset role`.execute(db)
    for (const statement of statements) await sql.raw(statement).execute(db)
    await sql`set role onestory_app`.execute(db)
    return
  }
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  for (const statement of statements) await client.query(statement)
  await client.end()
}

async function run(kind: Kind) {
  const database = await openTestDatabase(kind)
  const db = database.db
  try {
    await asOwner(kind, db, database.url, []) // the owner can connect
    // Seeding needs the owner too (the application role may not insert authorities in a real deployment either).
    if (kind === 'pglite') await sql`reset role`.execute(db)
    const pages = await seed(db)
    if (kind === 'pglite') await sql`set role onestory_app`.execute(db)
    await asOwner(kind, db, database.url, TABLES.map(table => `create policy ${table}_authority on ${table} using (authority_id = nullif(current_setting('onestory.authority_id', true), '')::uuid)`))
    const toggle = (on: boolean) => asOwner(kind, db, database.url, TABLES.map(table => `alter table ${table} ${on ? 'enable' : 'disable'} row level security`))
    // Alternate the two modes, so neither gains from running second on a warmer cache or a quieter machine.
    const offRuns: Awaited<ReturnType<typeof measure>>[] = []
    const onRuns: Awaited<ReturnType<typeof measure>>[] = []
    for (let round = 0; round < ROUNDS; round++) {
      await toggle(false)
      offRuns.push(await measure(db, pages, false))
      await toggle(true)
      onRuns.push(await measure(db, pages, true))
    }
    const average = (runs: typeof offRuns) => ({
      mean: runs.reduce((sum, run) => sum + run.mean, 0) / runs.length,
      p50: runs.reduce((sum, run) => sum + run.p50, 0) / runs.length,
      p95: runs.reduce((sum, run) => sum + run.p95, 0) / runs.length,
    })
    const off = average(offRuns)
    const on = average(onRuns)
    // The wall: with the setting for one authority, another authority's episode is invisible even unfiltered.
    const [mine, theirs] = [pages[0], pages[pages.length - 1]] as [{ authorityId: string; episodeId: string }, { authorityId: string; episodeId: string }]
    const seen = await db.transaction().execute(async trx => {
      await sql`select set_config('onestory.authority_id', ${mine.authorityId}, true)`.execute(trx)
      return (await sql<{ n: number }>`select count(*)::int as n from episodes where id = ${theirs.episodeId}`.execute(trx)).rows[0]?.n
    })
    const withoutSetting = (await sql<{ n: number }>`select count(*)::int as n from episodes`.execute(db)).rows[0]?.n
    console.log(
      `${kind}: ${ROUNDS} rounds of ${PAGES} case pages in each mode, ${AUTHORITIES * EPISODES_PER_AUTHORITY} episodes. ` +
        `Without RLS: mean ${off.mean.toFixed(3)} ms, p50 ${off.p50.toFixed(3)}, p95 ${off.p95.toFixed(3)}. ` +
        `With RLS: mean ${on.mean.toFixed(3)} ms, p50 ${on.p50.toFixed(3)}, p95 ${on.p95.toFixed(3)} ` +
        `(${(((on.mean - off.mean) / off.mean) * 100).toFixed(1)}% per page). ` +
        `Another authority's episode seen with RLS on: ${seen}; episodes seen with no setting: ${withoutSetting}.`,
    )
  } finally {
    await database.close()
  }
}

await run('pglite')
if (process.env.TEST_DATABASE_URL) await run('postgres')
