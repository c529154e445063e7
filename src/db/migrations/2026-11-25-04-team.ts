import { sql, type Kysely } from 'kysely'

// The team around the family: per-authority settings for early help, the team's history, family-side members and
// supporters, lead professionals and handovers. Owned by the team feature (src/features/team).

export async function up(db: Kysely<any>): Promise<void> {
  /** Settings for early help, one row per authority (absent = the defaults below). */
  await db.schema
    .createTable('early_help_settings')
    .addColumn('authority_id', 'uuid', c => c.notNull().primaryKey().references('authorities.id'))
    /** Warn the lead professional when the team has more practitioners than this. */
    .addColumn('max_team_practitioners', 'integer', c => c.notNull().defaultTo(6).check(sql`max_team_practitioners between 1 and 50`))
    /** Alert the coordinator when an episode in support has had no lead professional for this many days. */
    .addColumn('no_lead_alert_days', 'integer', c => c.notNull().defaultTo(10).check(sql`no_lead_alert_days between 0 and 365`))
    /** Minutes are due this many working days after the meeting. */
    .addColumn('minutes_due_working_days', 'integer', c => c.notNull().defaultTo(5).check(sql`minutes_due_working_days between 1 and 30`))
    /** The default review cadence in weeks (3 to 12). */
    .addColumn('review_weeks', 'integer', c => c.notNull().defaultTo(6).check(sql`review_weeks between 3 and 12`))
    .addColumn('closure_approval_required', 'boolean', c => c.notNull().defaultTo(false))
    .addColumn('outcomes_framework', 'text', c =>
      c.notNull().defaultTo('every_child_matters').check(sql`outcomes_framework in ('every_child_matters', 'wales_core_aims')`),
    )
    .addColumn('updated_by_user_id', 'uuid')
    .addColumn('updated_at', 'timestamptz')
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .execute()

  /** What a practitioner does for this family ("Class teacher", "Health visitor") and why they left. */
  await db.schema.alterTable('episode_members').addColumn('team_role', 'text').execute()
  await db.schema.alterTable('episode_members').addColumn('left_reason', 'text').execute()
  await db.schema.alterTable('episode_members').addColumn('left_by_user_id', 'uuid').execute()

  /** Family members and family-side supporters (advocate, parent advice service, friend) on the team. */
  await db.schema
    .createTable('family_team_members')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    /** The person record, for a family member who is registered (null for most supporters). */
    .addColumn('person_id', 'uuid')
    .addColumn('name', 'text', c => c.notNull())
    .addColumn('kind', 'text', c =>
      c.notNull().check(sql`kind in ('family_member', 'advocate', 'parent_advice', 'friend', 'other_supporter')`),
    )
    /** "Mum", "Grandad", "Advocate from Northshire Parent Partnership". */
    .addColumn('relationship', 'text')
    .addColumn('organisation', 'text')
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('added_by_user_id', 'uuid', c => c.notNull())
    .addColumn('joined_at', 'timestamptz', c => c.notNull())
    .addColumn('left_at', 'timestamptz')
    .addColumn('left_reason', 'text')
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('family_team_members_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('family_team_members_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()
  await sql`create index family_team_members_episode_idx on family_team_members (authority_id, episode_id)`.execute(db)

  /** The team's history: who joined, left or rejoined, and when (kept however often membership changes). */
  await db.schema
    .createTable('team_changes')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('change', 'text', c => c.notNull().check(sql`change in ('joined', 'left', 'role_changed')`))
    .addColumn('user_id', 'uuid')
    .addColumn('family_team_member_id', 'uuid')
    .addColumn('member_name', 'text', c => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('by_user_id', 'uuid')
    .addColumn('at', 'timestamptz', c => c.notNull())
    .addPrimaryKeyConstraint('team_changes_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('team_changes_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()
  await sql`create index team_changes_episode_idx on team_changes (authority_id, episode_id, at)`.execute(db)

  /**
   * Lead professionals: at most one current lead per scope (the whole family, or one for the adults and one for the
   * children). A lead's period ends only when the next one starts (handover), so there is never a gap.
   */
  await db.schema
    .createTable('lead_professionals')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('scope', 'text', c => c.notNull().check(sql`scope in ('whole_family', 'adults', 'children')`))
    .addColumn('user_id', 'uuid', c => c.notNull())
    .addColumn('agency_id', 'uuid')
    .addColumn('appointed_via', 'text', c => c.notNull().check(sql`appointed_via in ('team_meeting', 'panel', 'handover', 'other')`))
    .addColumn('meeting_id', 'uuid')
    /** Whether the family chose this lead, and in their words why ("the family chose Sam because …"). */
    .addColumn('family_chose', 'boolean', c => c.notNull().defaultTo(false))
    .addColumn('family_preference', 'text')
    .addColumn('appointed_by_user_id', 'uuid', c => c.notNull())
    .addColumn('started_at', 'timestamptz', c => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .addColumn('ended_reason', 'text')
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('lead_professionals_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('lead_professionals_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()
  await sql`create unique index lead_professionals_current_uq on lead_professionals (authority_id, episode_id, scope) where ended_at is null`.execute(db)
  await sql`create index lead_professionals_user_idx on lead_professionals (authority_id, user_id) where ended_at is null`.execute(db)

  /** A handover from one lead to the next: the new lead acknowledges it, and only then does the lead change. */
  await db.schema
    .createTable('lead_handovers')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('lead_professional_id', 'uuid', c => c.notNull())
    .addColumn('scope', 'text', c => c.notNull())
    .addColumn('from_user_id', 'uuid', c => c.notNull())
    .addColumn('to_user_id', 'uuid', c => c.notNull())
    .addColumn('note', 'text', c => c.notNull())
    .addColumn('family_chose', 'boolean', c => c.notNull().defaultTo(false))
    .addColumn('family_preference', 'text')
    .addColumn('requested_by_user_id', 'uuid', c => c.notNull())
    .addColumn('requested_at', 'timestamptz', c => c.notNull())
    .addColumn('status', 'text', c => c.notNull().check(sql`status in ('pending', 'acknowledged', 'declined', 'cancelled')`))
    .addColumn('responded_at', 'timestamptz')
    .addColumn('response_note', 'text')
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('lead_handovers_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('lead_handovers_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()
  await sql`create unique index lead_handovers_pending_uq on lead_handovers (authority_id, lead_professional_id) where status = 'pending'`.execute(db)
  await sql`create index lead_handovers_to_idx on lead_handovers (authority_id, to_user_id) where status = 'pending'`.execute(db)
}
