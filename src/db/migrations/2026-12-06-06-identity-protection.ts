import type { Kysely } from 'kysely'

// Issue 6 (information governance): identity-protection. Owned by the helper named in docs/helper-brief-issue6.md; not released yet.

export async function up(_db: Kysely<any>): Promise<void> {}

export async function down(_db: Kysely<any>): Promise<void> {}
