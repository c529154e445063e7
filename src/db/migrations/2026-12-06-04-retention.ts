import { sql, type Kysely } from 'kysely'

// Issue 6 (information governance): retention. Per-authority retention rules, legal holds, and the disposal batches a
// coordinator approves. Owned by src/features/retention (docs/retention.md). None of these tables has an episode_id
// column on purpose: disposing of an episode deletes every row of every table that has one (except audit_events),
// and the record of the disposal (a batch item naming the episode by subject_id) must outlive the episode.

export async function up(db: Kysely<any>): Promise<void> {
  /**
   * How long each kind of record is kept (administrators). episode: a closed episode and everything in it;
   * episode_safeguarding: the same where a safeguarding referral was made; person: a person who is in no episode.
   * Kept `years_after` years after the episode closed (for a person: after the record last changed), or — when
   * until_age is set — until the youngest child of the episode is that age, whichever is later.
   */
  await db.schema
    .createTable('retention_rules')
    .addColumn('authority_id', 'uuid', c => c.notNull().references('authorities.id'))
    .addColumn('record_type', 'text', c => c.notNull().check(sql`record_type in ('episode', 'episode_safeguarding', 'person')`))
    .addColumn('years_after', 'integer', c => c.notNull().check(sql`years_after between 0 and 100`))
    .addColumn('until_age', 'integer', c => c.check(sql`until_age is null or until_age between 18 and 100`))
    .addColumn('updated_by_user_id', 'uuid')
    .addColumn('updated_at', 'timestamptz', c => c.notNull())
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('retention_rules_pk', ['authority_id', 'record_type'])
    .execute()

  /** A legal hold (an inquiry, a claim, a complaint): while it is in force the episode or person is not disposed of. */
  await db.schema
    .createTable('retention_holds')
    .addColumn('authority_id', 'uuid', c => c.notNull().references('authorities.id'))
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('subject_kind', 'text', c => c.notNull().check(sql`subject_kind in ('episode', 'person')`))
    /** The episode or person held. No foreign key: a hold names what it protects even in a restored backup. */
    .addColumn('subject_id', 'uuid', c => c.notNull())
    .addColumn('reason', 'text', c => c.notNull())
    .addColumn('placed_by_user_id', 'uuid', c => c.notNull())
    .addColumn('placed_at', 'timestamptz', c => c.notNull())
    .addColumn('released_at', 'timestamptz')
    .addColumn('released_by_user_id', 'uuid')
    .addColumn('release_reason', 'text')
    .addPrimaryKeyConstraint('retention_holds_pk', ['authority_id', 'id'])
    .execute()
  await sql`create index retention_holds_subject_idx on retention_holds (authority_id, subject_id) where released_at is null`.execute(db)

  /**
   * What the scheduled job found due: at most one `proposed` batch per authority, refreshed by each run; a coordinator
   * approves it (as it was when they saw it: version), then each item is disposed of.
   */
  await db.schema
    .createTable('retention_batches')
    .addColumn('authority_id', 'uuid', c => c.notNull().references('authorities.id'))
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('status', 'text', c => c.notNull().check(sql`status in ('proposed', 'approved', 'completed')`))
    .addColumn('listed_at', 'timestamptz', c => c.notNull())
    .addColumn('approved_by_user_id', 'uuid')
    .addColumn('approved_at', 'timestamptz')
    .addColumn('completed_at', 'timestamptz')
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('retention_batches_pk', ['authority_id', 'id'])
    .execute()
  await sql`create unique index retention_batches_one_proposed_idx on retention_batches (authority_id) where status = 'proposed'`.execute(db)

  /**
   * One episode or person in a batch. `label` (the episode reference, or the person's name) helps the coordinator
   * decide and is cleared for a person once disposed of; `details` keeps only counts of rows deleted per table.
   */
  await db.schema
    .createTable('retention_batch_items')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('batch_id', 'uuid', c => c.notNull())
    .addColumn('subject_kind', 'text', c => c.notNull().check(sql`subject_kind in ('episode', 'person')`))
    .addColumn('subject_id', 'uuid', c => c.notNull())
    .addColumn('record_type', 'text', c => c.notNull())
    .addColumn('label', 'text')
    .addColumn('due_on', 'date', c => c.notNull())
    .addColumn('disposition', 'text', c => c.notNull().check(sql`disposition in ('delete', 'anonymise')`))
    .addColumn('outcome', 'text', c => c.notNull().defaultTo('pending').check(sql`outcome in ('pending', 'disposed', 'held', 'not_due', 'gone')`))
    .addColumn('disposed_at', 'timestamptz')
    .addColumn('details', 'jsonb', c => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addPrimaryKeyConstraint('retention_batch_items_pk', ['authority_id', 'batch_id', 'subject_kind', 'subject_id'])
    .addForeignKeyConstraint('retention_batch_items_batch_fk', ['authority_id', 'batch_id'], 'retention_batches', ['authority_id', 'id'])
    .execute()
  await sql`create index retention_batch_items_subject_idx on retention_batch_items (authority_id, subject_id)`.execute(db)

  /** When a person's record was anonymised by retention: they are then out of searches and never listed again. */
  await db.schema.alterTable('persons').addColumn('anonymised_at', 'timestamptz').execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('persons').dropColumn('anonymised_at').execute()
  await db.schema.dropTable('retention_batch_items').execute()
  await db.schema.dropTable('retention_batches').execute()
  await db.schema.dropTable('retention_holds').execute()
  await db.schema.dropTable('retention_rules').execute()
}
