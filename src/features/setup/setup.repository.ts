import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'

export async function lockAuthorities(db: Db): Promise<void> {
  await sql`lock table authorities in exclusive mode`.execute(db)
}

export async function findSetting(db: Db, key: string): Promise<string | undefined> {
  const row = await db.selectFrom('systemSettings').select('value').where('key', '=', key).executeTakeFirst()
  return row?.value
}

export async function insertSettingIfAbsent(db: Db, key: string, value: string): Promise<void> {
  await db.insertInto('systemSettings').values({ key, value }).onConflict(oc => oc.column('key').doNothing()).execute()
}

export async function countAuthorities(db: Db): Promise<number> {
  const row = await db.selectFrom('authorities').select(eb => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow()
  return Number(row.count)
}

export async function insertAuthority(db: Db, authority: { id: string; name: string; nation: 'england' | 'wales'; isDemo: boolean }) {
  await db.insertInto('authorities').values(authority).execute()
}

export async function insertUser(
  db: Db,
  user: { authorityId: string; id: string; email: string; name: string; status: 'invited' | 'active'; passwordHash: string | null; maySkipSecondFactor?: boolean },
) {
  await db.insertInto('users').values({ ...user, maySkipSecondFactor: user.maySkipSecondFactor ?? false }).execute()
}

export async function insertUserRoles(db: Db, authorityId: string, userId: string, roles: readonly string[]) {
  if (roles.length === 0) return
  await db
    .insertInto('userRoles')
    .values(roles.map(role => ({ authorityId, userId, role: role as never })))
    .execute()
}
