import type { OpenDatabase } from '../src/db/database.ts'
import type { Role } from '../src/db/schema.ts'
import { uuidv7 } from '../src/lib/ids.ts'
import { hashPassword } from '../src/lib/passwords.ts'
import { newTotpSecret } from '../src/lib/totp.ts'

// Fixtures for the benchmark, written straight into a fresh database before the server starts (as the test builders
// do): one authority with a second factor required, agencies for the API read, enough users to fill a list page.

export const BENCH_PASSWORD = 'benchmark horse battery staple'

export type BenchAccount = { email: string; password: string; totpSecret: string }
export type BenchSeed = { authorityName: string; practitioner: BenchAccount; administrator: BenchAccount; agencies: number; users: number }

const AGENCY_COUNT = 30
const EXTRA_USERS = 60

export async function seedBenchData(database: OpenDatabase): Promise<BenchSeed> {
  const { db } = database
  const authorityId = uuidv7()
  const authorityName = 'Benchmarkshire County Council'
  const passwordHash = await hashPassword(BENCH_PASSWORD)
  await db.insertInto('authorities').values({ id: authorityId, name: authorityName, nation: 'england', isDemo: false, secondFactorRequired: true }).execute()

  const localityIds = ['North', 'South', 'East', 'West'].map(() => uuidv7())
  await db
    .insertInto('localities')
    .values(['North', 'South', 'East', 'West'].map((name, index) => ({ authorityId, id: localityIds[index] ?? uuidv7(), name: `${name} locality` })))
    .execute()

  const kinds = ['school', 'health visiting', 'early years', 'youth service', 'police', 'housing']
  const agencyIds = Array.from({ length: AGENCY_COUNT }, () => uuidv7())
  await db
    .insertInto('agencies')
    .values(
      agencyIds.map((id, index) => ({
        authorityId,
        id,
        name: `Bench agency ${String(index + 1).padStart(2, '0')}`,
        kind: kinds[index % kinds.length] ?? 'school',
        localityId: localityIds[index % localityIds.length] ?? null,
        description: 'A fictional agency for the benchmark.',
      })),
    )
    .execute()

  async function addUser(email: string, name: string, roles: Role[], agencyId: string | undefined): Promise<BenchAccount> {
    const id = uuidv7()
    const totpSecret = newTotpSecret()
    await db
      .insertInto('users')
      .values({ authorityId, id, email, name, status: 'active', passwordHash, totpSecret, totpEnabledAt: new Date() })
      .execute()
    await db.insertInto('userRoles').values(roles.map(role => ({ authorityId, userId: id, role }))).execute()
    if (agencyId) await db.insertInto('userAgencies').values({ authorityId, userId: id, agencyId }).execute()
    return { email, password: BENCH_PASSWORD, totpSecret }
  }

  const practitioner = await addUser('practitioner@bench.example.org', 'Priya Practitioner', ['practitioner'], agencyIds[0])
  const administrator = await addUser('administrator@bench.example.org', 'Adam Administrator', ['administrator'], undefined)
  for (let index = 1; index <= EXTRA_USERS; index++) {
    await addUser(`user${index}@bench.example.org`, `Bench User ${index}`, ['practitioner'], agencyIds[index % agencyIds.length])
  }
  return { authorityName, practitioner, administrator, agencies: AGENCY_COUNT, users: EXTRA_USERS + 2 }
}
