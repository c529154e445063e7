import { sql, type Kysely } from 'kysely'

// Case notes and documents on an episode, each with a visibility level. The chronology is read from the records
// themselves (no table of its own). Owned by the records feature (src/features/records).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('case_notes')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    /** The child the note is about, if it is about one child. */
    .addColumn('person_id', 'uuid')
    .addColumn('occurred_on', 'date', c => c.notNull())
    .addColumn('summary', 'text', c => c.notNull())
    .addColumn('body', 'text', c => c.notNull())
    /** team: everyone on the team; agency: the author's agency only; family: the team and the family. */
    .addColumn('visibility', 'text', c => c.notNull().check(sql`visibility in ('team', 'agency', 'family')`))
    .addColumn('author_user_id', 'uuid', c => c.notNull())
    .addColumn('author_agency_id', 'uuid')
    .addColumn('created_at', 'timestamptz', c => c.notNull())
    .addPrimaryKeyConstraint('case_notes_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('case_notes_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()
  await sql`create index case_notes_episode_idx on case_notes (authority_id, episode_id, occurred_on)`.execute(db)

  await db.schema
    .createTable('documents')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('title', 'text', c => c.notNull())
    .addColumn('kind', 'text', c => c.notNull())
    /** The uploader's file name, cleaned; never used as a path. */
    .addColumn('file_name', 'text', c => c.notNull())
    /** Detected from the content, not the name. */
    .addColumn('media_type', 'text', c => c.notNull())
    .addColumn('size_bytes', 'integer', c => c.notNull())
    .addColumn('sha256', 'text', c => c.notNull())
    .addColumn('visibility', 'text', c => c.notNull().check(sql`visibility in ('team', 'agency', 'family')`))
    .addColumn('storage', 'text', c => c.notNull().check(sql`storage in ('database', 'folder')`))
    .addColumn('content', 'bytea')
    .addColumn('scan_status', 'text', c => c.notNull().check(sql`scan_status in ('not_scanned', 'clean')`))
    .addColumn('uploaded_by_user_id', 'uuid', c => c.notNull())
    .addColumn('uploaded_by_agency_id', 'uuid')
    .addColumn('uploaded_at', 'timestamptz', c => c.notNull())
    .addColumn('removed_at', 'timestamptz')
    .addColumn('removed_by_user_id', 'uuid')
    .addColumn('removed_reason', 'text')
    .addPrimaryKeyConstraint('documents_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('documents_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()
  await sql`create index documents_episode_idx on documents (authority_id, episode_id)`.execute(db)
}
