// The duplicate search over 300,000 people in one authority: generates them with SQL (generate_series over realistic
// name lists), then times ~200 searches with typos, nicknames and swapped day/month, and prints p50/p95/p99.
// PGlite (in memory) by default; PostgreSQL when DATABASE_URL is set, in a fresh database dropped afterwards.
//   npm run bench:people            PEOPLE=300000 QUERIES=200 npm run bench:people
import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import { sql } from 'kysely'
import pg from 'pg'
import { APP_ROLE, openDatabase, type OpenDatabase } from '../src/db/database.ts'
import { uuidv7 } from '../src/lib/ids.ts'
import { findLikelyPeople } from '../src/features/people/people.repository.ts'
import { likelyPersonQuery } from '../src/features/people/people.service.ts'

const PEOPLE = Number(process.env.PEOPLE ?? 300_000)
const QUERIES = Number(process.env.QUERIES ?? 200)

const FORENAMES = [
  'Oliver', 'George', 'Noah', 'Arthur', 'Harry', 'Leo', 'Muhammad', 'Jack', 'Charlie', 'Oscar', 'Jacob', 'Henry', 'Thomas',
  'Freddie', 'Alfie', 'Theo', 'William', 'Theodore', 'Archie', 'Joshua', 'Alexander', 'James', 'Isaac', 'Edward', 'Lucas',
  'Tommy', 'Finley', 'Max', 'Logan', 'Ethan', 'Mohammed', 'Teddy', 'Benjamin', 'Arlo', 'Joseph', 'Sebastian', 'Elijah',
  'Adam', 'Samuel', 'Daniel', 'Olivia', 'Amelia', 'Isla', 'Ava', 'Ivy', 'Freya', 'Lily', 'Florence', 'Mia', 'Willow',
  'Rosie', 'Sophia', 'Isabella', 'Grace', 'Daisy', 'Sienna', 'Poppy', 'Elsie', 'Emily', 'Ella', 'Evelyn', 'Phoebe',
  'Sofia', 'Evie', 'Charlotte', 'Harper', 'Millie', 'Matilda', 'Maya', 'Sophie', 'Alice', 'Emilia', 'Isabelle', 'Ruby',
  'Luna', 'Maisie', 'Aria', 'Penelope', 'Mila', 'Bonnie', 'Eva', 'Hallie', 'Eliza', 'Ada', 'Violet', 'Esme', 'Arabella',
  'Imogen', 'Jessica', 'Delilah', 'Aisha', 'Zara', 'Priya', 'Amir', 'Fatima', 'Kacper', 'Zofia', 'Chidi', 'Ngozi',
  'Siobhan', 'Rhys', 'Cerys', 'Dylan', 'Megan', 'Connor', 'Niamh', 'Katherine', 'Elizabeth', 'Michael', 'Rebecca', 'John',
  'Robert', 'Margaret', 'Christopher', 'Matthew', 'Sarah', 'Laura', 'Emma', 'Hannah', 'Rachel', 'David', 'Paul', 'Mark',
]
const SURNAMES = [
  'Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Patel', 'Robinson', 'Wright', 'Thompson',
  'Evans', 'Walker', 'White', 'Roberts', 'Green', 'Hall', 'Thomas', 'Clarke', 'Jackson', 'Wood', 'Harris', 'Edwards',
  'Turner', 'Martin', 'Cooper', 'Hill', 'Ward', 'Hughes', 'Moore', 'Clark', 'King', 'Harrison', 'Lewis', 'Baker', 'Lee',
  'Allen', 'Morris', 'Khan', 'Scott', 'Watson', 'Davis', 'Parker', 'James', 'Bennett', 'Young', 'Phillips', 'Richardson',
  'Mitchell', 'Bailey', 'Carter', 'Cook', 'Singh', 'Shaw', 'Bell', 'Collins', 'Morgan', 'Kelly', 'Begum', 'Miller', 'Cox',
  'Hussain', 'Marshall', 'Simpson', 'Price', 'Anderson', 'Adams', 'Wilkinson', 'Ali', 'Ahmed', 'Foster', 'Ellis', 'Murphy',
  'Chapman', 'Mason', 'Gray', 'Richards', 'Webb', 'Griffiths', 'Hunt', 'Palmer', 'Campbell', 'Holmes', 'Mills', 'Rogers',
  'Barnes', 'Knight', 'Matthews', 'Barker', 'Powell', 'Stevens', 'Kaur', 'Fisher', 'Butler', 'Dixon', 'Russell', 'Harvey',
  'Pearson', 'Graham', 'Kowalski', 'Okafor', 'Nguyen', "O'Brien", 'McDonald', 'Nowak', 'Rahman', 'Osei', 'Fernandes',
  'Lindqvist', 'Achterberg', 'Pemberton', 'Strand', 'Abernathy', 'Featherstone', 'Ramsbottom', 'Oyelaran', 'Whitworth',
]
const OUTWARD = ['LS1', 'LS2', 'LS6', 'LS7', 'LS8', 'LS9', 'LS11', 'LS12', 'LS15', 'LS17', 'BD1', 'BD3', 'BD5', 'BD7', 'BD9', 'HX1', 'HX3', 'WF1', 'WF2', 'WF10']

function random(seed: number) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

async function openBenchDatabase(): Promise<{ database: OpenDatabase; kind: string; drop: () => Promise<void> }> {
  const url = process.env.DATABASE_URL
  if (!url) return { database: await openDatabase({ dataDir: 'memory://' }), kind: 'PGlite (in memory)', drop: async () => {} }
  const name = `onestory_bench_people_${randomBytes(5).toString('hex')}`
  const admin = new pg.Client({ connectionString: url })
  await admin.connect()
  await admin.query(`create database ${name}`)
  await admin.end()
  const target = new URL(url)
  target.pathname = `/${name}`
  const database = await openDatabase({ databaseUrl: target.toString(), dataDir: '', poolSize: 2 })
  return {
    database,
    kind: 'PostgreSQL',
    drop: async () => {
      const cleanup = new pg.Client({ connectionString: url })
      await cleanup.connect()
      await cleanup.query(`drop database if exists ${name} with (force)`)
      await cleanup.end()
    },
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}

async function main() {
  const { database, kind, drop } = await openBenchDatabase()
  try {
    const db = database.db
    const authorityId = uuidv7()
    await db.insertInto('authorities').values({ id: authorityId, name: 'Bench Council', nation: 'england' }).execute()
    const started = performance.now()
    const batch = 50_000
    for (let from = 1; from <= PEOPLE; from += batch) {
      const to = Math.min(PEOPLE, from + batch - 1)
      // Pseudo-random but repeatable picks from the lists: multiplicative hashing of the row number.
      await sql`
        insert into persons (authority_id, id, given_names, family_name, date_of_birth, postcode, search_name, search_given, search_family, school_or_setting)
        select ${authorityId}::uuid, gen_random_uuid(), g, f, d, pc, lower(g || ' ' || replace(f, '''', '')), lower(g), lower(replace(f, '''', '')), 'School ' || (i % 120)
          from (
            select i,
                   (${FORENAMES}::text[])[1 + (i::bigint * 2654435761 % ${FORENAMES.length})] as g,
                   (${SURNAMES}::text[])[1 + (((i::bigint * 40503 + 7) % 1000003) * 2246822519 % ${SURNAMES.length})] as f,
                   date '1950-01-01' + ((i::bigint * 97 + 13) * 1103515245 % 27000)::int as d,
                   (${OUTWARD}::text[])[1 + (i::bigint * 69069 % ${OUTWARD.length})] || ' ' || (i % 10) || chr(65 + (i / 10 % 26)::int) || chr(65 + (i / 260 % 26)::int) as pc
              from generate_series(${from}::int, ${to}::int) as i
          ) as generated
      `.execute(db)
    }
    // The application role does not own the table, so ANALYZE as the owner (PGlite has no autovacuum to do it).
    await sql`reset role`.execute(db)
    await sql`analyze persons`.execute(db)
    await sql.raw(`set role ${APP_ROLE}`).execute(db)
    const generatedIn = (performance.now() - started) / 1000

    // Searches: real people from the table, each with a slip: a typo, a nickname, swapped names, day/month swapped, no date.
    const sample = await sql<{ givenNames: string; familyName: string; dateOfBirth: string; postcode: string }>`
      select given_names, family_name, date_of_birth, postcode from persons where authority_id = ${authorityId} order by id limit ${QUERIES}
    `.execute(db)
    const next = random(42)
    const searches = sample.rows.map((row, index) => {
      const given = row.givenNames
      const typo = given.length > 3 ? given.slice(0, 2) + given.slice(3) : given
      const [year, month, day] = row.dateOfBirth.split('-')
      switch (index % 5) {
        case 0:
          return { givenNames: typo, familyName: row.familyName, dateOfBirth: row.dateOfBirth, postcode: row.postcode }
        case 1:
          return { givenNames: given, familyName: row.familyName, dateOfBirth: null, postcode: row.postcode }
        case 2:
          return { givenNames: row.familyName, familyName: given, dateOfBirth: row.dateOfBirth, postcode: null }
        case 3:
          return { givenNames: given, familyName: row.familyName, dateOfBirth: Number(day) <= 12 ? `${year}-${day}-${month}` : row.dateOfBirth, postcode: null }
        default:
          return { givenNames: given, familyName: `${row.familyName}${next() < 0.5 ? 'e' : 's'}`, dateOfBirth: row.dateOfBirth, postcode: row.postcode }
      }
    })
    // Warm up, then time.
    for (const search of searches.slice(0, 5)) await findLikelyPeople(db, likelyPersonQuery(authorityId, search))
    const timings: number[] = []
    let found = 0
    for (const search of searches) {
      const start = performance.now()
      const result = await findLikelyPeople(db, likelyPersonQuery(authorityId, search))
      timings.push(performance.now() - start)
      if (result.length > 0) found++
    }
    timings.sort((a, b) => a - b)
    const ms = (value: number) => `${value.toFixed(1)} ms`
    process.stdout.write(
      `person search on ${kind}: ${PEOPLE.toLocaleString('en-GB')} people generated in ${generatedIn.toFixed(1)} s; ${timings.length} searches, ` +
        `p50 ${ms(percentile(timings, 50))}, p95 ${ms(percentile(timings, 95))}, p99 ${ms(percentile(timings, 99))}, max ${ms(timings[timings.length - 1] ?? 0)}; ` +
        `${found} of ${timings.length} found candidates\n`,
    )
  } finally {
    await database.close()
    await drop()
  }
}

await main()
