import { sql, type Kysely } from 'kysely'

// Issue 6 (information governance), access rule (b): a coordinator sees the episodes of the localities they coordinate,
// and a panel member sees an episode while it is listed at a panel they sit on. Owned by src/features/panels.

export async function up(db: Kysely<any>): Promise<void> {
  /**
   * The localities a coordinator coordinates. A coordinator with no row here coordinates the whole authority (a central
   * early help hub); administrators choose on the user's page.
   */
  await db.schema
    .createTable('coordinator_localities')
    .addColumn('authority_id', 'uuid', c => c.notNull().references('authorities.id'))
    .addColumn('user_id', 'uuid', c => c.notNull())
    .addColumn('locality_id', 'uuid', c => c.notNull())
    .addPrimaryKeyConstraint('coordinator_localities_pk', ['authority_id', 'user_id', 'locality_id'])
    .addForeignKeyConstraint('coordinator_localities_user_fk', ['authority_id', 'user_id'], 'users', ['authority_id', 'id'])
    .addForeignKeyConstraint('coordinator_localities_locality_fk', ['authority_id', 'locality_id'], 'localities', ['authority_id', 'id'])
    .execute()

  /** A multi-agency panel (e.g. "North locality panel"), optionally for one locality. */
  await db.schema
    .createTable('panels')
    .addColumn('authority_id', 'uuid', c => c.notNull().references('authorities.id'))
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('name', 'text', c => c.notNull())
    .addColumn('locality_id', 'uuid')
    .addColumn('active', 'boolean', c => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', c => c.notNull())
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('panels_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('panels_locality_fk', ['authority_id', 'locality_id'], 'localities', ['authority_id', 'id'])
    .execute()
  await sql`create unique index panels_name_unique on panels (authority_id, lower(name))`.execute(db)

  /** Who sits on a panel: they need the panel member role as well to see what is listed at it. */
  await db.schema
    .createTable('panel_members')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('panel_id', 'uuid', c => c.notNull())
    .addColumn('user_id', 'uuid', c => c.notNull())
    .addColumn('added_by_user_id', 'uuid', c => c.notNull())
    .addColumn('added_at', 'timestamptz', c => c.notNull())
    .addPrimaryKeyConstraint('panel_members_pk', ['authority_id', 'panel_id', 'user_id'])
    .addForeignKeyConstraint('panel_members_panel_fk', ['authority_id', 'panel_id'], 'panels', ['authority_id', 'id'])
    .addForeignKeyConstraint('panel_members_user_fk', ['authority_id', 'user_id'], 'users', ['authority_id', 'id'])
    .execute()
  await sql`create index panel_members_user_idx on panel_members (authority_id, user_id)`.execute(db)

  /** An episode listed at a panel, from when until it is taken off (the listing is kept, ended, for the record). */
  await db.schema
    .createTable('panel_listings')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('panel_id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('reason', 'text', c => c.notNull())
    .addColumn('listed_by_user_id', 'uuid', c => c.notNull())
    .addColumn('listed_at', 'timestamptz', c => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .addColumn('ended_by_user_id', 'uuid')
    .addPrimaryKeyConstraint('panel_listings_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('panel_listings_panel_fk', ['authority_id', 'panel_id'], 'panels', ['authority_id', 'id'])
    .addForeignKeyConstraint('panel_listings_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()
  await sql`create unique index panel_listings_current on panel_listings (authority_id, panel_id, episode_id) where ended_at is null`.execute(db)
  await sql`create index panel_listings_episode_idx on panel_listings (authority_id, episode_id) where ended_at is null`.execute(db)

  // Episodes started so far take the locality of the agency that started them (new ones do so when they start).
  await sql`
    update episodes e set locality_id = a.locality_id
      from agencies a
     where a.authority_id = e.authority_id and a.id = e.agency_id and e.locality_id is null and a.locality_id is not null
  `.execute(db)
  await sql`create index episodes_locality_idx on episodes (authority_id, locality_id)`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists episodes_locality_idx`.execute(db)
  await db.schema.dropTable('panel_listings').execute()
  await db.schema.dropTable('panel_members').execute()
  await db.schema.dropTable('panels').execute()
  await db.schema.dropTable('coordinator_localities').execute()
}
