import { sql, type Kysely } from 'kysely'

// The family's own view (issue 5): family accounts invited by the lead professional, one-time sign-in codes, family
// sessions and devices, the family's and young people's own views, their own scores, consent withdrawn for one agency,
// and the audit columns that let a family see who has looked at their record. Owned by src/features/family*.

export async function up(db: Kysely<any>): Promise<void> {
  /**
   * A parent, carer or young person who may sign in. One account per contact (email or mobile) within an authority;
   * it reaches the episodes it is linked to (family_account_episodes), and nothing else.
   */
  await db.schema
    .createTable('family_accounts')
    .addColumn('authority_id', 'uuid', c => c.notNull().references('authorities.id'))
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('name', 'text', c => c.notNull())
    /** Lower-cased email address, if the code goes by email. */
    .addColumn('email', 'text')
    /** Mobile number in international form (+447…), if the code goes by text message. */
    .addColumn('mobile', 'text')
    .addColumn('preferred_channel', 'text', c => c.notNull().check(sql`preferred_channel in ('email', 'sms')`))
    .addColumn('language', 'text', c => c.notNull().defaultTo('en').check(sql`language in ('en', 'cy')`))
    /** parent_carer (with parental responsibility) or young_person (12 or over, or judged competent). */
    .addColumn('kind', 'text', c => c.notNull().check(sql`kind in ('parent_carer', 'young_person')`))
    /** The person record, where the family member is registered. */
    .addColumn('person_id', 'uuid')
    .addColumn('status', 'text', c => c.notNull().check(sql`status in ('invited', 'active', 'revoked')`))
    .addColumn('invited_by_user_id', 'uuid', c => c.notNull())
    .addColumn('invited_at', 'timestamptz', c => c.notNull())
    .addColumn('first_signed_in_at', 'timestamptz')
    .addColumn('last_signed_in_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_by_user_id', 'uuid')
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('family_accounts_pk', ['authority_id', 'id'])
    .addCheckConstraint('family_accounts_contact', sql`email is not null or mobile is not null`)
    .execute()
  await sql`create unique index family_accounts_email_idx on family_accounts (authority_id, email) where email is not null`.execute(db)
  await sql`create unique index family_accounts_mobile_idx on family_accounts (authority_id, mobile) where mobile is not null`.execute(db)
  // Sign-in looks an account up by its contact across authorities (the family member does not know their authority).
  await sql`create index family_accounts_email_any_idx on family_accounts (email) where email is not null`.execute(db)
  await sql`create index family_accounts_mobile_any_idx on family_accounts (mobile) where mobile is not null`.execute(db)

  /** Which episodes a family account may see, and as which member of the team. Revoking ends access at once. */
  await db.schema
    .createTable('family_account_episodes')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('account_id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('family_team_member_id', 'uuid')
    .addColumn('granted_by_user_id', 'uuid', c => c.notNull())
    .addColumn('granted_at', 'timestamptz', c => c.notNull())
    .addColumn('revoked_at', 'timestamptz')
    .addColumn('revoked_by_user_id', 'uuid')
    .addPrimaryKeyConstraint('family_account_episodes_pk', ['authority_id', 'account_id', 'episode_id'])
    .addForeignKeyConstraint('family_account_episodes_account_fk', ['authority_id', 'account_id'], 'family_accounts', ['authority_id', 'id'])
    .addForeignKeyConstraint('family_account_episodes_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()
  await sql`create index family_account_episodes_episode_idx on family_account_episodes (authority_id, episode_id)`.execute(db)

  /** One-time sign-in codes: only a hash is kept; single use, short-lived, a few attempts. */
  await db.schema
    .createTable('family_sign_in_codes')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('account_id', 'uuid', c => c.notNull())
    .addColumn('code_hash', 'text', c => c.notNull())
    .addColumn('channel', 'text', c => c.notNull().check(sql`channel in ('email', 'sms')`))
    .addColumn('created_at', 'timestamptz', c => c.notNull())
    .addColumn('expires_at', 'timestamptz', c => c.notNull())
    .addColumn('attempts', 'integer', c => c.notNull().defaultTo(0))
    .addColumn('used_at', 'timestamptz')
    .addColumn('ip', 'text')
    .addPrimaryKeyConstraint('family_sign_in_codes_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('family_sign_in_codes_account_fk', ['authority_id', 'account_id'], 'family_accounts', ['authority_id', 'id'])
    .execute()
  await sql`create index family_sign_in_codes_account_idx on family_sign_in_codes (authority_id, account_id, created_at)`.execute(db)

  /** Family sessions: separate from practitioners' sessions, shorter timeouts; the database keeps only a hash. */
  await db.schema
    .createTable('family_sessions')
    .addColumn('id_hash', 'text', c => c.notNull().primaryKey())
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('account_id', 'uuid', c => c.notNull())
    /** An id for listing and ending sessions from another device (never the secret). */
    .addColumn('public_id', 'uuid', c => c.notNull())
    .addColumn('device_label', 'text', c => c.notNull().defaultTo(''))
    .addColumn('created_at', 'timestamptz', c => c.notNull())
    .addColumn('last_seen_at', 'timestamptz', c => c.notNull())
    .addColumn('ip', 'text')
    .addForeignKeyConstraint('family_sessions_account_fk', ['authority_id', 'account_id'], 'family_accounts', ['authority_id', 'id'])
    .execute()
  await sql`create index family_sessions_account_idx on family_sessions (authority_id, account_id)`.execute(db)

  /** Devices a family member has signed in from: a new one tells the lead professional. */
  await db.schema
    .createTable('family_devices')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('account_id', 'uuid', c => c.notNull())
    .addColumn('device_hash', 'text', c => c.notNull())
    .addColumn('label', 'text', c => c.notNull().defaultTo(''))
    .addColumn('first_seen_at', 'timestamptz', c => c.notNull())
    .addColumn('last_seen_at', 'timestamptz', c => c.notNull())
    .addPrimaryKeyConstraint('family_devices_pk', ['authority_id', 'account_id', 'device_hash'])
    .execute()

  /**
   * What a family member wants to say: a young person's own views ("what's going well, what's worrying me, what I'd
   * like to happen"), or "what I want to say" before a meeting. A young person's views are shown to their parents
   * only when shared_with_family is true (the young person chose to share).
   */
  await db.schema
    .createTable('family_views')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('account_id', 'uuid', c => c.notNull())
    .addColumn('meeting_id', 'uuid')
    .addColumn('kind', 'text', c => c.notNull().check(sql`kind in ('young_person', 'before_meeting')`))
    .addColumn('going_well', 'text', c => c.notNull().defaultTo(''))
    .addColumn('worrying', 'text', c => c.notNull().defaultTo(''))
    .addColumn('would_like', 'text', c => c.notNull().defaultTo(''))
    .addColumn('shared_with_family', 'boolean', c => c.notNull().defaultTo(false))
    /** Whether the team (practitioners) may read it: always true unless the writer keeps it as a private draft. */
    .addColumn('shared_with_team', 'boolean', c => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', c => c.notNull())
    .addColumn('updated_at', 'timestamptz', c => c.notNull())
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('family_views_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('family_views_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .addForeignKeyConstraint('family_views_account_fk', ['authority_id', 'account_id'], 'family_accounts', ['authority_id', 'id'])
    .execute()
  await sql`create index family_views_episode_idx on family_views (authority_id, episode_id, created_at)`.execute(db)

  /** The family's own scores over time, beside the practitioners' Distance Travelled (adults 0–10, children RAG). */
  await db.schema
    .createTable('family_scores')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('account_id', 'uuid', c => c.notNull())
    .addColumn('element_key', 'text', c => c.notNull())
    /** A child's person id, or 'family'. */
    .addColumn('subject', 'text', c => c.notNull())
    .addColumn('score_adult', 'integer', c => c.check(sql`score_adult between 0 and 10`))
    .addColumn('score_child', 'text', c => c.check(sql`score_child in ('red', 'amber', 'green')`))
    .addColumn('recorded_at', 'timestamptz', c => c.notNull())
    .addPrimaryKeyConstraint('family_scores_pk', ['authority_id', 'id'])
    .addCheckConstraint('family_scores_one', sql`(score_adult is null) <> (score_child is null)`)
    .addForeignKeyConstraint('family_scores_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()
  await sql`create index family_scores_episode_idx on family_scores (authority_id, episode_id, recorded_at)`.execute(db)

  /**
   * Consent to share withdrawn for one agency (by the family in their view, or recorded by a practitioner). From
   * withdrawn_at that agency's practitioners lose access to the episode; what they wrote stays, attributed. A new
   * agreement ends the withdrawal (ended_at).
   */
  await db.schema
    .createTable('consent_agency_withdrawals')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('agency_id', 'uuid', c => c.notNull())
    .addColumn('withdrawn_at', 'timestamptz', c => c.notNull())
    .addColumn('by_family_account_id', 'uuid')
    .addColumn('by_user_id', 'uuid')
    .addColumn('by_name', 'text', c => c.notNull())
    .addColumn('reason', 'text', c => c.notNull().defaultTo(''))
    .addColumn('ended_at', 'timestamptz')
    .addColumn('ended_by_user_id', 'uuid')
    .addPrimaryKeyConstraint('consent_agency_withdrawals_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('consent_agency_withdrawals_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()
  await sql`create index consent_agency_withdrawals_episode_idx on consent_agency_withdrawals (authority_id, episode_id, agency_id)`.execute(db)

  /** Young people this age or over may be invited to the family's own view (younger ones when judged competent). */
  await db.schema
    .alterTable('early_help_settings')
    .addColumn('young_person_min_age', 'integer', c => c.notNull().defaultTo(12).check(sql`young_person_min_age between 8 and 18`))
    .execute()

  /** Family members write agenda items, comments on actions and views: the plan's updates can come from an account. */
  await db.schema.alterTable('plan_action_updates').addColumn('by_family_account_id', 'uuid').execute()
  await db.schema.alterTable('agenda_items').addColumn('added_by_family_account_id', 'uuid').execute()

  /**
   * The audit trail a family can read ("who has looked at our record"): which episode an event was about, and the
   * family account that acted (family sign-ins and their own reads are audited too).
   */
  await db.schema.alterTable('audit_events').addColumn('episode_id', 'uuid').execute()
  await db.schema.alterTable('audit_events').addColumn('actor_family_account_id', 'uuid').execute()
  await sql`create index audit_events_episode_idx on audit_events (authority_id, episode_id, at) where episode_id is not null`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index audit_events_episode_idx`.execute(db)
  await db.schema.alterTable('audit_events').dropColumn('actor_family_account_id').execute()
  await db.schema.alterTable('audit_events').dropColumn('episode_id').execute()
  await db.schema.alterTable('agenda_items').dropColumn('added_by_family_account_id').execute()
  await db.schema.alterTable('plan_action_updates').dropColumn('by_family_account_id').execute()
  await db.schema.alterTable('early_help_settings').dropColumn('young_person_min_age').execute()
  for (const table of ['consent_agency_withdrawals', 'family_scores', 'family_views', 'family_devices', 'family_sessions', 'family_sign_in_codes', 'family_account_episodes', 'family_accounts']) {
    await db.schema.dropTable(table).execute()
  }
}
