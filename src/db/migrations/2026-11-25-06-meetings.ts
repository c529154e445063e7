import { sql, type Kysely } from 'kysely'

// Team meetings: invitations (with iCalendar files), agenda, attendance and minutes; bank holidays added by
// administrators for the working-day arithmetic; email attachments. Owned by the meetings feature (src/features/meetings).

export async function up(db: Kysely<any>): Promise<void> {
  /** Bank holidays an administrator adds beyond the published dates shipped with OneStory. */
  await db.schema
    .createTable('bank_holidays')
    .addColumn('authority_id', 'uuid', c => c.notNull().references('authorities.id'))
    .addColumn('holiday_on', 'date', c => c.notNull())
    .addColumn('title', 'text', c => c.notNull())
    .addColumn('added_by_user_id', 'uuid', c => c.notNull())
    .addColumn('added_at', 'timestamptz', c => c.notNull())
    .addPrimaryKeyConstraint('bank_holidays_pk', ['authority_id', 'holiday_on'])
    .execute()

  await db.schema
    .createTable('meetings')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('purpose', 'text', c => c.notNull().check(sql`purpose in ('first_team_meeting', 'team_meeting', 'review')`))
    .addColumn('starts_at', 'timestamptz', c => c.notNull())
    .addColumn('ends_at', 'timestamptz', c => c.notNull())
    .addColumn('venue_name', 'text')
    .addColumn('venue_address', 'text')
    .addColumn('neutral_venue', 'boolean', c => c.notNull().defaultTo(false))
    .addColumn('accessibility_notes', 'text')
    .addColumn('remote_link', 'text')
    .addColumn('status', 'text', c => c.notNull().check(sql`status in ('scheduled', 'cancelled', 'held')`))
    /** iCalendar UID and SEQUENCE: updates and cancellations reuse the UID with a higher sequence. */
    .addColumn('ics_uid', 'text', c => c.notNull())
    .addColumn('ics_sequence', 'integer', c => c.notNull().defaultTo(0))
    .addColumn('chair_user_id', 'uuid')
    .addColumn('minute_taker_user_id', 'uuid')
    .addColumn('scheduled_by_user_id', 'uuid', c => c.notNull())
    .addColumn('created_at', 'timestamptz', c => c.notNull())
    .addColumn('cancelled_at', 'timestamptz')
    .addColumn('cancel_reason', 'text')
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('meetings_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('meetings_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()
  await sql`create index meetings_episode_idx on meetings (authority_id, episode_id, starts_at)`.execute(db)
  await sql`create unique index meetings_ics_uid_uq on meetings (ics_uid)`.execute(db)

  /** Who is invited (a practitioner or a family-side team member) and, after the meeting, whether they came. */
  await db.schema
    .createTable('meeting_invitees')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('meeting_id', 'uuid', c => c.notNull())
    .addColumn('user_id', 'uuid')
    .addColumn('family_team_member_id', 'uuid')
    .addColumn('name', 'text', c => c.notNull())
    .addColumn('email', 'text')
    .addColumn('attendance', 'text', c => c.check(sql`attendance in ('attended', 'apologies', 'did_not_attend')`))
    .addColumn('invited_at', 'timestamptz', c => c.notNull())
    .addColumn('removed_at', 'timestamptz')
    .addPrimaryKeyConstraint('meeting_invitees_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('meeting_invitees_meeting_fk', ['authority_id', 'meeting_id'], 'meetings', ['authority_id', 'id'])
    .execute()
  await sql`create index meeting_invitees_meeting_idx on meeting_invitees (authority_id, meeting_id)`.execute(db)

  /** Agenda items, from anyone on the team including the family. */
  await db.schema
    .createTable('agenda_items')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('meeting_id', 'uuid', c => c.notNull())
    .addColumn('text', 'text', c => c.notNull())
    .addColumn('added_by_user_id', 'uuid')
    .addColumn('added_by_family_team_member_id', 'uuid')
    .addColumn('added_by_name', 'text', c => c.notNull())
    .addColumn('added_at', 'timestamptz', c => c.notNull())
    .addColumn('removed_at', 'timestamptz')
    .addPrimaryKeyConstraint('agenda_items_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('agenda_items_meeting_fk', ['authority_id', 'meeting_id'], 'meetings', ['authority_id', 'id'])
    .execute()
  await sql`create index agenda_items_meeting_idx on agenda_items (authority_id, meeting_id)`.execute(db)

  /** Minutes: drafted, approved by the chair, then circulated to the team and the family. Due on a working day. */
  await db.schema
    .createTable('meeting_minutes')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('meeting_id', 'uuid', c => c.notNull())
    .addColumn('discussion', 'text', c => c.notNull().defaultTo(''))
    .addColumn('decisions', 'text', c => c.notNull().defaultTo(''))
    .addColumn('family_views', 'text', c => c.notNull().defaultTo(''))
    .addColumn('status', 'text', c => c.notNull().check(sql`status in ('draft', 'awaiting_approval', 'approved', 'circulated')`))
    .addColumn('due_on', 'date', c => c.notNull())
    .addColumn('drafted_by_user_id', 'uuid')
    .addColumn('submitted_at', 'timestamptz')
    .addColumn('approved_by_user_id', 'uuid')
    .addColumn('approved_at', 'timestamptz')
    .addColumn('circulated_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', c => c.notNull())
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('meeting_minutes_pk', ['authority_id', 'meeting_id'])
    .addForeignKeyConstraint('meeting_minutes_meeting_fk', ['authority_id', 'meeting_id'], 'meetings', ['authority_id', 'id'])
    .execute()
  await sql`create index meeting_minutes_due_idx on meeting_minutes (authority_id, due_on) where status <> 'circulated'`.execute(db)

  /** Files attached to an outbox email (an iCalendar invitation, a PDF). */
  await db.schema
    .createTable('outbox_attachments')
    .addColumn('outbox_id', 'uuid', c => c.notNull().references('outbox.id').onDelete('cascade'))
    .addColumn('position', 'integer', c => c.notNull())
    .addColumn('file_name', 'text', c => c.notNull())
    /** e.g. 'text/calendar; method=REQUEST; charset=UTF-8' */
    .addColumn('content_type', 'text', c => c.notNull())
    .addColumn('content', 'bytea', c => c.notNull())
    .addPrimaryKeyConstraint('outbox_attachments_pk', ['outbox_id', 'position'])
    .execute()
}
