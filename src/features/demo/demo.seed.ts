import type { Kysely } from 'kysely'
import type { Database } from '../../db/schema.ts'

export type DemoSignIn = { authorityName: string; accounts: { email: string; password: string; roles: string }[] }

/** Fills an empty database with a fictional authority. Returns how to sign in. */
export async function seedDemoAuthority(db: Kysely<Database>): Promise<DemoSignIn> {
  void db
  return { authorityName: '', accounts: [] }
}
