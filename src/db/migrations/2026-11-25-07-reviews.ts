import { sql, type Kysely } from 'kysely'

// Reviews (cadence, re-scoring Distance Travelled, progress, decision) and closure (reason, final scores, summary for
// the family, manager approval, re-referral link). Owned by the reviews feature (src/features/reviews).

export async function up(db: Kysely<any>): Promise<void> {
  /** Review cadence in weeks (null = the authority's default), the next review date, and the re-referral link. */
  await db.schema.alterTable('episodes').addColumn('review_weeks', 'integer', c => c.check(sql`review_weeks between 3 and 12`)).execute()
  await db.schema.alterTable('episodes').addColumn('next_review_on', 'date').execute()
  /** The previous episode for the same child, closed within 12 months before this one started. */
  await db.schema.alterTable('episodes').addColumn('previous_episode_id', 'uuid').execute()
  await sql`create index episodes_next_review_idx on episodes (authority_id, next_review_on) where status <> 'closed'`.execute(db)

  await db.schema
    .createTable('reviews')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('meeting_id', 'uuid')
    .addColumn('held_on', 'date', c => c.notNull())
    .addColumn('status', 'text', c => c.notNull().check(sql`status in ('draft', 'completed')`))
    .addColumn('summary', 'text', c => c.notNull().defaultTo(''))
    .addColumn('family_views', 'text', c => c.notNull().defaultTo(''))
    .addColumn('decision', 'text', c =>
      c.check(sql`decision in ('continue', 'revise_plan', 'step_up_panel', 'step_up_social_care', 'close')`),
    )
    .addColumn('decision_reason', 'text')
    .addColumn('recorded_by_user_id', 'uuid', c => c.notNull())
    .addColumn('created_at', 'timestamptz', c => c.notNull())
    .addColumn('completed_at', 'timestamptz')
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('reviews_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('reviews_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()
  await sql`create index reviews_episode_idx on reviews (authority_id, episode_id, held_on)`.execute(db)

  /**
   * Distance Travelled scores (0 no issues … 4 critical and complex) agreed with the family, per element and child, at a
   * review or at closure. The scores at the start are the assessment's own (assessment_elements.practitioner_score).
   */
  await db.schema
    .createTable('distance_scores')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('occasion', 'text', c => c.notNull().check(sql`occasion in ('review', 'closure')`))
    .addColumn('review_id', 'uuid')
    .addColumn('element_key', 'text', c => c.notNull())
    /** A child's person id, or 'family'. */
    .addColumn('subject', 'text', c => c.notNull())
    .addColumn('score', 'integer', c => c.notNull().check(sql`score between 0 and 4`))
    .addColumn('recorded_by_user_id', 'uuid', c => c.notNull())
    .addColumn('recorded_at', 'timestamptz', c => c.notNull())
    .addPrimaryKeyConstraint('distance_scores_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('distance_scores_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()
  await sql`create index distance_scores_episode_idx on distance_scores (authority_id, episode_id, recorded_at)`.execute(db)

  /** Progress against each action and each need's outcome at a review. */
  await db.schema
    .createTable('review_progress')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('review_id', 'uuid', c => c.notNull())
    .addColumn('item_kind', 'text', c => c.notNull().check(sql`item_kind in ('action', 'need')`))
    .addColumn('item_id', 'uuid', c => c.notNull())
    /** For an action: its status then; for a need's outcome: worse, no_change, some_progress, good_progress, achieved. */
    .addColumn('progress', 'text', c => c.notNull())
    .addColumn('comment', 'text')
    .addPrimaryKeyConstraint('review_progress_pk', ['authority_id', 'review_id', 'item_kind', 'item_id'])
    .addForeignKeyConstraint('review_progress_review_fk', ['authority_id', 'review_id'], 'reviews', ['authority_id', 'id'])
    .execute()

  /** Closing an episode: reason, summary for the family, and (where the authority asks for it) a manager's approval. */
  await db.schema
    .createTable('episode_closures')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('reason', 'text', c =>
      c.notNull().check(sql`reason in ('needs_met', 'stepped_up_social_care', 'consent_withdrawn', 'moved_out_of_area', 'disengaged', 'other')`),
    )
    .addColumn('reason_detail', 'text')
    .addColumn('summary_for_family', 'text', c => c.notNull())
    .addColumn('status', 'text', c => c.notNull().check(sql`status in ('awaiting_approval', 'returned', 'closed')`))
    .addColumn('requested_by_user_id', 'uuid', c => c.notNull())
    .addColumn('requested_at', 'timestamptz', c => c.notNull())
    .addColumn('decided_by_user_id', 'uuid')
    .addColumn('decided_at', 'timestamptz')
    .addColumn('return_comment', 'text')
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('episode_closures_pk', ['authority_id', 'episode_id'])
    .addForeignKeyConstraint('episode_closures_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()
}
