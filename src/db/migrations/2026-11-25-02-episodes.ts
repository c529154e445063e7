import { sql, type Kysely } from 'kysely'

// Episodes of early help: who they are for, who works on them (the record-level access list), the pre-assessment
// checklist, safeguarding referrals and consent. Owned by the episodes feature (src/features/episodes).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('episodes')
    .addColumn('authority_id', 'uuid', c => c.notNull().references('authorities.id'))
    .addColumn('id', 'uuid', c => c.notNull())
    /** A short human reference, unique within the authority, e.g. EH-2026-000123. */
    .addColumn('reference', 'text', c => c.notNull())
    .addColumn('scope', 'text', c => c.notNull().check(sql`scope in ('child', 'family')`))
    .addColumn('household_id', 'uuid')
    .addColumn('locality_id', 'uuid')
    .addColumn('agency_id', 'uuid')
    /** identification → checklist → consent → assessment → support → closed (or ended early). */
    .addColumn('status', 'text', c => c.notNull())
    .addColumn('safeguarding_flag', 'boolean', c => c.notNull().defaultTo(false))
    .addColumn('outcome', 'text')
    .addColumn('started_by_user_id', 'uuid', c => c.notNull())
    .addColumn('started_at', 'timestamptz', c => c.notNull())
    .addColumn('closed_at', 'timestamptz')
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('episodes_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('episodes_household_fk', ['authority_id', 'household_id'], 'households', ['authority_id', 'id'])
    .execute()
  await sql`create unique index episodes_reference_uq on episodes (authority_id, reference)`.execute(db)

  /** The people an episode is about: the subject children (and, for a family episode, the adults). */
  await db.schema
    .createTable('episode_people')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('person_id', 'uuid', c => c.notNull())
    .addColumn('role', 'text', c => c.notNull().check(sql`role in ('child', 'adult')`))
    .addPrimaryKeyConstraint('episode_people_pk', ['authority_id', 'episode_id', 'person_id'])
    .addForeignKeyConstraint('episode_people_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .addForeignKeyConstraint('episode_people_person_fk', ['authority_id', 'person_id'], 'persons', ['authority_id', 'id'])
    .execute()
  await sql`create index episode_people_person_idx on episode_people (authority_id, person_id)`.execute(db)

  /**
   * Practitioners who may see the episode: the record-level access list. The team around the family (issue 4) grows
   * from it; an assessment contributor is a member limited to named elements.
   */
  await db.schema
    .createTable('episode_members')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('user_id', 'uuid', c => c.notNull())
    .addColumn('agency_id', 'uuid')
    .addColumn('role', 'text', c => c.notNull().check(sql`role in ('owner', 'member', 'contributor')`))
    .addColumn('added_by_user_id', 'uuid')
    .addColumn('joined_at', 'timestamptz', c => c.notNull())
    .addColumn('left_at', 'timestamptz')
    .addPrimaryKeyConstraint('episode_members_pk', ['authority_id', 'episode_id', 'user_id'])
    .addForeignKeyConstraint('episode_members_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()
  await sql`create index episode_members_user_idx on episode_members (authority_id, user_id)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['episode_members', 'episode_people', 'episodes']) {
    await db.schema.dropTable(table).execute()
  }
}
