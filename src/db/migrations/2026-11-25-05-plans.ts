import { sql, type Kysely } from 'kysely'

// The family support plan: the working plan (needs, outcomes wanted, actions and their progress) and its agreed,
// signed versions. Owned by the plans feature (src/features/plans).

export async function up(db: Kysely<any>): Promise<void> {
  /** One working plan per episode; agreeing it freezes a numbered version (plan_versions). */
  await db.schema
    .createTable('support_plans')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    /** What happens if the agreed changes do not happen. */
    .addColumn('if_not_achieved', 'text', c => c.notNull().defaultTo(''))
    /** The number of the latest agreed version (0 = never agreed). */
    .addColumn('agreed_version_number', 'integer', c => c.notNull().defaultTo(0))
    /** Whether the working plan differs from the latest agreed version. */
    .addColumn('changed_since_agreed', 'boolean', c => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', c => c.notNull())
    .addColumn('updated_by_user_id', 'uuid', c => c.notNull())
    .addColumn('updated_at', 'timestamptz', c => c.notNull())
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('support_plans_pk', ['authority_id', 'episode_id'])
    .addForeignKeyConstraint('support_plans_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()

  /** A need, where it came from in the assessment, the outcome the family wants and the framework outcomes it serves. */
  await db.schema
    .createTable('plan_needs')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('description', 'text', c => c.notNull())
    .addColumn('assessment_id', 'uuid')
    .addColumn('element_key', 'text')
    /** A child's person id, or 'family'. */
    .addColumn('subject', 'text')
    .addColumn('outcome_wanted', 'text', c => c.notNull())
    /** Keys of the authority's outcomes framework (e.g. 'staying_safe'). */
    .addColumn('framework_outcomes', 'jsonb', c => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('position', 'integer', c => c.notNull())
    .addColumn('created_by_user_id', 'uuid', c => c.notNull())
    .addColumn('created_at', 'timestamptz', c => c.notNull())
    .addColumn('removed_at', 'timestamptz')
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('plan_needs_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('plan_needs_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()
  await sql`create index plan_needs_episode_idx on plan_needs (authority_id, episode_id)`.execute(db)

  /**
   * An action: what, who (a practitioner, an agency or a family member), by when, and its status. Actions agreed in a
   * meeting or a review carry where they came from.
   */
  await db.schema
    .createTable('plan_actions')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('need_id', 'uuid')
    .addColumn('what', 'text', c => c.notNull())
    .addColumn('owner_kind', 'text', c => c.notNull().check(sql`owner_kind in ('practitioner', 'agency', 'family_member')`))
    .addColumn('owner_user_id', 'uuid')
    .addColumn('owner_agency_id', 'uuid')
    .addColumn('owner_family_team_member_id', 'uuid')
    /** The owner's name as shown (kept so the plan reads the same after people leave). */
    .addColumn('owner_name', 'text', c => c.notNull())
    .addColumn('due_on', 'date', c => c.notNull())
    .addColumn('status', 'text', c => c.notNull().check(sql`status in ('not_started', 'in_progress', 'done', 'not_done')`))
    .addColumn('not_done_reason', 'text')
    .addColumn('completed_on', 'date')
    .addColumn('source_meeting_id', 'uuid')
    .addColumn('source_review_id', 'uuid')
    .addColumn('created_by_user_id', 'uuid', c => c.notNull())
    .addColumn('created_at', 'timestamptz', c => c.notNull())
    .addColumn('updated_at', 'timestamptz', c => c.notNull())
    .addColumn('removed_at', 'timestamptz')
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('plan_actions_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('plan_actions_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()
  await sql`create index plan_actions_episode_idx on plan_actions (authority_id, episode_id)`.execute(db)
  await sql`create index plan_actions_owner_idx on plan_actions (authority_id, owner_user_id) where status in ('not_started', 'in_progress')`.execute(db)

  /** Every change of an action's status and every progress note: the action's history. */
  await db.schema
    .createTable('plan_action_updates')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('action_id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('status', 'text')
    .addColumn('note', 'text')
    .addColumn('by_user_id', 'uuid')
    .addColumn('by_family_team_member_id', 'uuid')
    .addColumn('by_name', 'text', c => c.notNull())
    .addColumn('at', 'timestamptz', c => c.notNull())
    .addPrimaryKeyConstraint('plan_action_updates_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('plan_action_updates_action_fk', ['authority_id', 'action_id'], 'plan_actions', ['authority_id', 'id'])
    .execute()
  await sql`create index plan_action_updates_action_idx on plan_action_updates (authority_id, action_id, at)`.execute(db)

  /** An agreed version of the plan, frozen as it was agreed. */
  await db.schema
    .createTable('plan_versions')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('number', 'integer', c => c.notNull())
    .addColumn('content', 'jsonb', c => c.notNull())
    .addColumn('change_summary', 'text', c => c.notNull().defaultTo(''))
    .addColumn('agreed_by_user_id', 'uuid', c => c.notNull())
    .addColumn('agreed_at', 'timestamptz', c => c.notNull())
    .addPrimaryKeyConstraint('plan_versions_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('plan_versions_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()
  await sql`create unique index plan_versions_number_uq on plan_versions (authority_id, episode_id, number)`.execute(db)

  /** Who signed an agreed version, when and how. */
  await db.schema
    .createTable('plan_signatures')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('plan_version_id', 'uuid', c => c.notNull())
    .addColumn('signer_kind', 'text', c => c.notNull().check(sql`signer_kind in ('practitioner', 'family_member', 'supporter')`))
    .addColumn('user_id', 'uuid')
    .addColumn('family_team_member_id', 'uuid')
    .addColumn('signer_name', 'text', c => c.notNull())
    .addColumn('method', 'text', c => c.notNull().check(sql`method in ('on_screen', 'in_person', 'on_paper', 'verbal', 'email')`))
    .addColumn('signed_on', 'date', c => c.notNull())
    .addColumn('recorded_by_user_id', 'uuid', c => c.notNull())
    .addColumn('recorded_at', 'timestamptz', c => c.notNull())
    .addPrimaryKeyConstraint('plan_signatures_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('plan_signatures_version_fk', ['authority_id', 'plan_version_id'], 'plan_versions', ['authority_id', 'id'])
    .execute()
  await sql`create index plan_signatures_version_idx on plan_signatures (authority_id, plan_version_id)`.execute(db)
}
