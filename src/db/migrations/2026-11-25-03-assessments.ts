import { sql, type Kysely } from 'kysely'

// Assessment templates (versioned data) and common assessments. Owned by the assessments feature.

export async function up(db: Kysely<any>): Promise<void> {
  /**
   * Each authority holds its own versions of each template: the shipped ones (standard CAF, whole family, Wales
   * Families First) are installed for every authority, and administrators make new versions in the browser.
   * A version is never changed once used; an assessment keeps the version it started with.
   */
  await db.schema
    .createTable('assessment_template_versions')
    .addColumn('authority_id', 'uuid', c => c.notNull().references('authorities.id'))
    .addColumn('id', 'uuid', c => c.notNull())
    /** Stable key of the template family: caf-standard, caf-whole-family, wales-families-first, or an authority's own. */
    .addColumn('template_key', 'text', c => c.notNull())
    .addColumn('version_number', 'integer', c => c.notNull())
    .addColumn('name', 'text', c => c.notNull())
    .addColumn('nation', 'text', c => c.check(sql`nation in ('england', 'wales')`))
    /** TemplateContent (src/features/assessments/template-content.ts) as JSON. */
    .addColumn('content', 'jsonb', c => c.notNull())
    .addColumn('change_summary', 'text', c => c.notNull().defaultTo(''))
    .addColumn('based_on_version_id', 'uuid')
    .addColumn('created_by_user_id', 'uuid')
    .addColumn('created_at', 'timestamptz', c => c.notNull())
    .addColumn('retired_at', 'timestamptz')
    .addPrimaryKeyConstraint('assessment_template_versions_pk', ['authority_id', 'id'])
    .execute()
  await sql`create unique index assessment_template_versions_uq on assessment_template_versions (authority_id, template_key, version_number)`.execute(db)

  /** Whether an assessor's manager must approve a signed-off assessment before it is complete. */
  await db.schema.alterTable('authorities').addColumn('assessment_approval_required', 'boolean', c => c.notNull().defaultTo(false)).execute()

  /** One common assessment per episode (a family episode shares it; the child-development domain is per child). */
  await db.schema
    .createTable('assessments')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('template_version_id', 'uuid', c => c.notNull())
    /** in_progress → (signed off) awaiting_approval → completed; a manager may return it (returned → in_progress). */
    .addColumn('status', 'text', c => c.notNull().check(sql`status in ('in_progress', 'awaiting_approval', 'returned', 'completed')`))
    .addColumn('assessor_user_id', 'uuid', c => c.notNull())
    .addColumn('assessor_agency_id', 'uuid')
    // Step 1: explain purpose, consent and confidentiality.
    .addColumn('explained_at', 'date')
    .addColumn('explanation_notes', 'text')
    // Step 2: basic details.
    .addColumn('discussion_date', 'date')
    .addColumn('reason', 'text')
    .addColumn('present', 'text')
    // Step 4: conclusions and evidence, agreed with the family; differences of opinion recorded.
    .addColumn('conclusions', 'text')
    .addColumn('family_agreement', 'text', c => c.check(sql`family_agreement in ('agrees', 'partly_agrees', 'disagrees')`))
    .addColumn('differences_of_opinion', 'text')
    // Step 5: solutions, including what the family can do themselves.
    .addColumn('solutions', 'text')
    .addColumn('family_can_do', 'text')
    // Step 6: who does what, and when progress is reviewed.
    .addColumn('agreed_actions', 'text')
    .addColumn('review_date', 'date')
    // Outcome and sign-off.
    .addColumn('outcome', 'text', c => c.check(sql`outcome in ('no_further_action', 'single_agency', 'multi_agency')`))
    .addColumn('completion_date', 'date')
    .addColumn('signed_off_by_user_id', 'uuid')
    .addColumn('signed_off_at', 'timestamptz')
    .addColumn('approved_by_user_id', 'uuid')
    .addColumn('approved_at', 'timestamptz')
    .addColumn('returned_by_user_id', 'uuid')
    .addColumn('returned_at', 'timestamptz')
    .addColumn('return_comments', 'text')
    .addColumn('created_at', 'timestamptz', c => c.notNull())
    .addColumn('updated_at', 'timestamptz', c => c.notNull())
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('assessments_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('assessments_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .addForeignKeyConstraint('assessments_template_fk', ['authority_id', 'template_version_id'], 'assessment_template_versions', ['authority_id', 'id'])
    .execute()
  await sql`create unique index assessments_episode_uq on assessments (authority_id, episode_id)`.execute(db)

  /**
   * One element of the assessment for one subject: subject is a child's person id for an each-child domain, or
   * 'family' for a family domain. Not every element is filled: a missing row or not_assessed means "not assessed".
   */
  await db.schema
    .createTable('assessment_elements')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('assessment_id', 'uuid', c => c.notNull())
    .addColumn('element_key', 'text', c => c.notNull())
    .addColumn('subject', 'text', c => c.notNull())
    .addColumn('not_assessed', 'boolean', c => c.notNull().defaultTo(false))
    .addColumn('strengths', 'text')
    .addColumn('needs', 'text')
    .addColumn('child_words', 'text')
    .addColumn('parent_words', 'text')
    /** Distance Travelled: 0 no issues, 1 minor, 2 moderate, 3 significant, 4 critical and complex. */
    .addColumn('practitioner_score', 'integer', c => c.check(sql`practitioner_score between 0 and 4`))
    /** The family's own score: an adult's 0 (negative) to 10 (positive), or a child's red/amber/green. */
    .addColumn('family_score_adult', 'integer', c => c.check(sql`family_score_adult between 0 and 10`))
    .addColumn('family_score_child', 'text', c => c.check(sql`family_score_child in ('red', 'amber', 'green')`))
    .addColumn('updated_by_user_id', 'uuid', c => c.notNull())
    .addColumn('updated_at', 'timestamptz', c => c.notNull())
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('assessment_elements_pk', ['authority_id', 'assessment_id', 'element_key', 'subject'])
    .addForeignKeyConstraint('assessment_elements_assessment_fk', ['authority_id', 'assessment_id'], 'assessments', ['authority_id', 'id'])
    .execute()

  /** A colleague (often from another agency) asked to complete named elements: "record what you can, others add". */
  await db.schema
    .createTable('assessment_contributors')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('assessment_id', 'uuid', c => c.notNull())
    .addColumn('user_id', 'uuid', c => c.notNull())
    /** The element keys they are asked to complete (JSON array of strings). */
    .addColumn('element_keys', 'jsonb', c => c.notNull())
    .addColumn('message', 'text')
    .addColumn('invited_by_user_id', 'uuid', c => c.notNull())
    .addColumn('invited_at', 'timestamptz', c => c.notNull())
    .addColumn('completed_at', 'timestamptz')
    .addPrimaryKeyConstraint('assessment_contributors_pk', ['authority_id', 'assessment_id', 'user_id'])
    .addForeignKeyConstraint('assessment_contributors_assessment_fk', ['authority_id', 'assessment_id'], 'assessments', ['authority_id', 'id'])
    .execute()

  /** The family's copy: recorded as given (to whom, how, when). */
  await db.schema
    .createTable('assessment_family_copies')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('assessment_id', 'uuid', c => c.notNull())
    .addColumn('given_to_person_id', 'uuid')
    .addColumn('given_to_name', 'text', c => c.notNull())
    .addColumn('format', 'text', c => c.notNull().check(sql`format in ('pdf', 'printed', 'in_person')`))
    .addColumn('given_by_user_id', 'uuid', c => c.notNull())
    .addColumn('given_at', 'timestamptz', c => c.notNull())
    .addPrimaryKeyConstraint('assessment_family_copies_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('assessment_family_copies_assessment_fk', ['authority_id', 'assessment_id'], 'assessments', ['authority_id', 'id'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['assessment_family_copies', 'assessment_contributors', 'assessment_elements', 'assessments']) {
    await db.schema.dropTable(table).execute()
  }
  await db.schema.alterTable('authorities').dropColumn('assessment_approval_required').execute()
  await db.schema.dropTable('assessment_template_versions').execute()
}
