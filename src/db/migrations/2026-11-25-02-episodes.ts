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
    /** The assessment template version chosen when the episode started (null if none was installed yet). */
    .addColumn('template_version_id', 'uuid')
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

  /** The last reference number given out per authority and year: one row, incremented atomically by an upsert. */
  await db.schema
    .createTable('episode_reference_counters')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('year', 'integer', c => c.notNull())
    .addColumn('last_number', 'integer', c => c.notNull())
    .addPrimaryKeyConstraint('episode_reference_counters_pk', ['authority_id', 'year'])
    .execute()

  /** The pre-assessment checklist: the answers with the question text as it was asked, and the outcome. */
  await db.schema
    .createTable('episode_checklists')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('template_version_id', 'uuid')
    /** [{ key, question, answer: yes | no | not_sure, riskOfSignificantHarm }] */
    .addColumn('answers', 'jsonb', c => c.notNull())
    .addColumn('outcome', 'text', c =>
      c.notNull().check(sql`outcome in ('no_further_action', 'universal_services', 'common_assessment', 'safeguarding_referral')`),
    )
    .addColumn('notes', 'text', c => c.notNull().defaultTo(''))
    .addColumn('recorded_by_user_id', 'uuid', c => c.notNull())
    .addColumn('recorded_at', 'timestamptz', c => c.notNull())
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('episode_checklists_pk', ['authority_id', 'episode_id'])
    .addForeignKeyConstraint('episode_checklists_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()

  /** An immediate referral to children's social care or the police: early help never stands in for it. */
  await db.schema
    .createTable('safeguarding_referrals')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('referred_to', 'text', c => c.notNull().check(sql`referred_to in ('childrens_social_care', 'police')`))
    .addColumn('concern', 'text', c => c.notNull())
    .addColumn('referred_at', 'timestamptz', c => c.notNull())
    .addColumn('method', 'text', c => c.notNull().check(sql`method in ('phone', 'online', 'in_person')`))
    .addColumn('reference', 'text')
    .addColumn('spoke_to', 'text')
    .addColumn('outcome', 'text')
    .addColumn('outcome_recorded_at', 'timestamptz')
    .addColumn('outcome_recorded_by_user_id', 'uuid')
    .addColumn('recorded_by_user_id', 'uuid', c => c.notNull())
    .addColumn('recorded_at', 'timestamptz', c => c.notNull())
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('safeguarding_referrals_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('safeguarding_referrals_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()
  await sql`create index safeguarding_referrals_episode_idx on safeguarding_referrals (authority_id, episode_id)`.execute(db)

  /**
   * Consent (or its refusal) from a parent or carer with parental responsibility, another adult, or a young person
   * judged competent. Withdrawal is recorded on the same row and takes effect at once.
   */
  await db.schema
    .createTable('consents')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('decision', 'text', c => c.notNull().check(sql`decision in ('given', 'refused')`))
    .addColumn('giver_kind', 'text', c => c.notNull().check(sql`giver_kind in ('parent_carer', 'other_adult', 'young_person')`))
    .addColumn('giver_person_id', 'uuid')
    .addColumn('giver_name', 'text', c => c.notNull())
    .addColumn('giver_relationship', 'text')
    .addColumn('competence_basis', 'text', c => c.check(sql`competence_basis in ('fraser', 'gillick')`))
    .addColumn('competence_judged_by', 'text')
    .addColumn('competence_reasoning', 'text')
    .addColumn('to_assess', 'boolean', c => c.notNull())
    /** Agency ids and agency kinds information may be shared with (JSON arrays). */
    .addColumn('share_agency_ids', 'jsonb', c => c.notNull())
    .addColumn('share_agency_kinds', 'jsonb', c => c.notNull())
    .addColumn('method', 'text', c => c.notNull().check(sql`method in ('in_person', 'written', 'verbal', 'phone')`))
    .addColumn('given_on', 'date', c => c.notNull())
    .addColumn('refusal_reason', 'text')
    .addColumn('recorded_by_user_id', 'uuid', c => c.notNull())
    .addColumn('recorded_at', 'timestamptz', c => c.notNull())
    .addColumn('withdrawn_on', 'date')
    .addColumn('withdrawal_reason', 'text')
    .addColumn('withdrawal_recorded_by_user_id', 'uuid')
    .addColumn('withdrawal_recorded_at', 'timestamptz')
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('consents_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('consents_episode_fk', ['authority_id', 'episode_id'], 'episodes', ['authority_id', 'id'])
    .execute()
  await sql`create index consents_episode_idx on consents (authority_id, episode_id)`.execute(db)

  /** Who to call when a child is at risk of significant harm, per authority (administrators keep it up to date). */
  await db.schema
    .createTable('safeguarding_contacts')
    .addColumn('authority_id', 'uuid', c => c.notNull().primaryKey().references('authorities.id'))
    .addColumn('social_care_name', 'text', c => c.notNull())
    .addColumn('social_care_phone', 'text')
    .addColumn('social_care_hours', 'text')
    .addColumn('out_of_hours_phone', 'text')
    .addColumn('online_referral_url', 'text')
    .addColumn('police_non_emergency', 'text', c => c.notNull().defaultTo('101'))
    .addColumn('extra_advice', 'text', c => c.notNull().defaultTo(''))
    .addColumn('updated_by_user_id', 'uuid')
    .addColumn('updated_at', 'timestamptz', c => c.notNull())
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['safeguarding_contacts', 'consents', 'safeguarding_referrals', 'episode_checklists', 'episode_reference_counters', 'episode_members', 'episode_people', 'episodes']) {
    await db.schema.dropTable(table).execute()
  }
}
