import { sql, type Kysely } from 'kysely'

// Issue 6 (information governance): break-glass and sharing without agreement (src/features/break-glass).
// - break_glass_grants: a practitioner with a safeguarding need opened an episode they had no right to, with a reason;
//   the policy lets them read it until expires_at; a coordinator reviews every grant.
// - sharing_without_agreement: the lead professional (or a coordinator) recorded that an agency is given the episode's
//   information without the family's agreement (reason and lawful basis); it overrides the family's withdrawal for
//   that agency until ended.
// - agency_lawful_bases: the lawful basis each agency relies on for early help sharing, recorded by administrators.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('break_glass_grants')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('user_id', 'uuid', c => c.notNull())
    /** The agency the practitioner was acting for. */
    .addColumn('agency_id', 'uuid')
    .addColumn('reason', 'text', c => c.notNull().check(sql`length(reason) > 0`))
    .addColumn('opened_at', 'timestamptz', c => c.notNull())
    .addColumn('expires_at', 'timestamptz', c => c.notNull())
    /** Telling the family who looked would put a child or someone else at risk: "who has looked" leaves it out. */
    .addColumn('hidden_from_family', 'boolean', c => c.notNull().defaultTo(false))
    .addColumn('hidden_reason', 'text')
    .addColumn('reviewed_at', 'timestamptz')
    .addColumn('reviewed_by_user_id', 'uuid')
    .addColumn('review_note', 'text')
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('break_glass_grants_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('break_glass_grants_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'], fk => fk.onDelete('cascade'))
    .addCheckConstraint('break_glass_grants_period', sql`expires_at > opened_at`)
    .execute()
  await sql`create index break_glass_grants_user_idx on break_glass_grants (authority_id, episode_id, user_id, expires_at)`.execute(db)
  await sql`create index break_glass_grants_review_idx on break_glass_grants (authority_id, opened_at) where reviewed_at is null`.execute(db)

  await db.schema
    .createTable('sharing_without_agreement')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('agency_id', 'uuid', c => c.notNull())
    .addColumn('reason', 'text', c => c.notNull().check(sql`length(reason) > 0`))
    .addColumn('lawful_basis', 'text', c => c.notNull())
    .addColumn('special_category_condition', 'text', c => c.notNull())
    .addColumn('recorded_by_user_id', 'uuid', c => c.notNull())
    .addColumn('recorded_at', 'timestamptz', c => c.notNull())
    /** Telling the family would put a child or someone else at risk: the family's view leaves it out. */
    .addColumn('hidden_from_family', 'boolean', c => c.notNull().defaultTo(false))
    .addColumn('hidden_reason', 'text')
    .addColumn('ended_at', 'timestamptz')
    .addColumn('ended_by_user_id', 'uuid')
    .addColumn('reviewed_at', 'timestamptz')
    .addColumn('reviewed_by_user_id', 'uuid')
    .addPrimaryKeyConstraint('sharing_without_agreement_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('sharing_without_agreement_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'], fk => fk.onDelete('cascade'))
    .execute()
  await sql`create index sharing_without_agreement_episode_idx on sharing_without_agreement (authority_id, episode_id, agency_id) where ended_at is null`.execute(db)

  await db.schema
    .createTable('agency_lawful_bases')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('agency_id', 'uuid', c => c.notNull())
    .addColumn('lawful_basis', 'text', c => c.notNull())
    .addColumn('special_category_condition', 'text', c => c.notNull())
    .addColumn('notes', 'text', c => c.notNull().defaultTo(''))
    .addColumn('recorded_by_user_id', 'uuid', c => c.notNull())
    .addColumn('recorded_at', 'timestamptz', c => c.notNull())
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('agency_lawful_bases_pk', ['authority_id', 'agency_id'])
    .addForeignKeyConstraint('agency_lawful_bases_agency_fk', ['authority_id', 'agency_id'], 'agencies', ['authority_id', 'id'], fk => fk.onDelete('cascade'))
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['agency_lawful_bases', 'sharing_without_agreement', 'break_glass_grants']) await db.schema.dropTable(table).execute()
}
