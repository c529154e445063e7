import { hashPassword } from '../../src/lib/passwords.ts'
import { newTotpSecret, totpCode } from '../../src/lib/totp.ts'
import { uuidv7 } from '../../src/lib/ids.ts'
import type { Role } from '../../src/db/schema.ts'
import type { TestApp } from './build-test-app.ts'
import { Browser } from './build-test-app.ts'
import { installShippedTemplates } from '../../src/features/assessments/templates.service.ts'
import { startFamilySession } from '../../src/features/family-auth/family-session.ts'
import { cookieNames } from '../../src/plugins/session.ts'

// Builders write fixtures straight into the database (as the owner role: they are set-up, not behaviour under test).

export const TEST_PASSWORD = 'correct horse battery staple'
let passwordHashCache: Promise<string> | undefined

export type TestAuthority = { id: string; name: string }
export type TestUser = { authorityId: string; id: string; email: string; password: string; totpSecret: string; roles: Role[]; agencyIds: string[] }

let sequence = 0

export async function buildAuthority(t: TestApp, overrides: Partial<{ name: string; nation: 'england' | 'wales'; isDemo: boolean; secondFactorRequired: boolean }> = {}): Promise<TestAuthority> {
  const id = uuidv7()
  const name = overrides.name ?? `Testshire ${++sequence}`
  await t.database.db
    .insertInto('authorities')
    .values({ id, name, nation: overrides.nation ?? 'england', isDemo: overrides.isDemo ?? false, secondFactorRequired: overrides.secondFactorRequired ?? true })
    .execute()
  await installShippedTemplates(t.database.db, id, new Date())
  return { id, name }
}

export async function buildLocality(t: TestApp, authorityId: string, name = `Locality ${++sequence}`) {
  const id = uuidv7()
  await t.database.db.insertInto('localities').values({ authorityId, id, name }).execute()
  return { id, name }
}

export async function buildAgency(t: TestApp, authorityId: string, overrides: Partial<{ name: string; kind: string; localityId: string | null }> = {}) {
  const id = uuidv7()
  const name = overrides.name ?? `Agency ${++sequence}`
  await t.database.db
    .insertInto('agencies')
    .values({ authorityId, id, name, kind: overrides.kind ?? 'school', localityId: overrides.localityId ?? null, description: 'A test agency.' })
    .execute()
  return { id, name }
}

export async function buildUser(
  t: TestApp,
  authorityId: string,
  overrides: Partial<{ roles: Role[]; agencyIds: string[]; email: string; name: string; status: 'invited' | 'active' | 'deactivated'; withTotp: boolean; maySkipSecondFactor: boolean }> = {},
): Promise<TestUser> {
  passwordHashCache ??= hashPassword(TEST_PASSWORD)
  const id = uuidv7()
  const email = overrides.email ?? `user${++sequence}.${id.slice(-6)}@example.org`
  const totpSecret = newTotpSecret()
  const withTotp = overrides.withTotp ?? true
  await t.database.db
    .insertInto('users')
    .values({
      authorityId,
      id,
      email,
      name: overrides.name ?? `Test User ${sequence}`,
      status: overrides.status ?? 'active',
      passwordHash: await passwordHashCache,
      totpSecret: withTotp ? totpSecret : null,
      totpEnabledAt: withTotp ? new Date() : null,
      maySkipSecondFactor: overrides.maySkipSecondFactor ?? false,
    })
    .execute()
  const roles = overrides.roles ?? ['practitioner']
  if (roles.length > 0) await t.database.db.insertInto('userRoles').values(roles.map(role => ({ authorityId, userId: id, role }))).execute()
  const agencyIds = overrides.agencyIds ?? []
  if (agencyIds.length > 0) await t.database.db.insertInto('userAgencies').values(agencyIds.map(agencyId => ({ authorityId, userId: id, agencyId }))).execute()
  return { authorityId, id, email, password: TEST_PASSWORD, totpSecret, roles, agencyIds }
}

/** Signs a user in through the real forms, second factor included; returns the browser holding the session. */
export async function signIn(t: TestApp, user: TestUser, browser = new Browser(t.app)): Promise<Browser> {
  await browser.get('/sign-in')
  const response = await browser.post('/sign-in', { email: user.email, password: user.password })
  if (response.statusCode !== 303) throw new Error(`sign-in failed with ${response.statusCode}`)
  const location = String(response.headers.location)
  if (location.startsWith('/sign-in/second-factor')) {
    await browser.get(location)
    // Codes are single use per time step: move the clock on so that a second sign-in in the same test gets a fresh one.
    t.clock.advanceMinutes(0.5)
    const second = await browser.post(location, { code: totpCode(user.totpSecret, t.clock.now()) })
    if (second.statusCode !== 303) throw new Error(`second factor failed with ${second.statusCode}`)
  }
  return browser
}

/**
 * Signs a family account in without the one-time code (set-up for tests of the family's pages; the code itself is
 * tested in src/features/family-auth): starts a real family session and gives the browser its cookie.
 */
export async function signInFamily(t: TestApp, account: { authorityId: string; accountId: string }, browser = new Browser(t.app)): Promise<Browser> {
  const { secret } = await startFamilySession(t.database.db, t.clock, account, { deviceLabel: 'Test browser', ip: '127.0.0.1' })
  browser.cookies.set(cookieNames(t.config).family, secret)
  return browser
}
