import { sql, type Kysely } from 'kysely'

// People and families, told once: persons, households, relationships and the reversible merge of duplicates.
// Owned by the people feature (src/features/people). Frozen once released.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('persons')
    .addColumn('authority_id', 'uuid', c => c.notNull().references('authorities.id'))
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('given_names', 'text', c => c.notNull())
    .addColumn('family_name', 'text', c => c.notNull())
    /** Other and previous names, one per line (maiden name, known-as, former surname). */
    .addColumn('other_names', 'text', c => c.notNull().defaultTo(''))
    .addColumn('date_of_birth', 'date')
    /** For an unborn child: the expected date of birth (date_of_birth is then null). */
    .addColumn('expected_date_of_birth', 'date')
    .addColumn('sex', 'text')
    .addColumn('gender', 'text')
    .addColumn('ethnicity', 'text')
    .addColumn('first_language', 'text')
    .addColumn('interpreter_needed', 'boolean', c => c.notNull().defaultTo(false))
    .addColumn('disability', 'text')
    .addColumn('address', 'text')
    .addColumn('postcode', 'text')
    .addColumn('phone', 'text')
    .addColumn('email', 'text')
    .addColumn('school_or_setting', 'text')
    .addColumn('unique_pupil_number', 'text')
    .addColumn('nhs_number', 'text')
    .addColumn('gp_practice', 'text')
    /** Lower-cased, accent-free "given family" for trigram and phonetic matching. */
    .addColumn('search_name', 'text', c => c.notNull())
    /** The first forename and the family name, normalised like search_name, for per-part and phonetic matching. */
    .addColumn('search_given', 'text', c => c.notNull().defaultTo(''))
    .addColumn('search_family', 'text', c => c.notNull().defaultTo(''))
    /** Set when this record was merged into another; the record stays so the merge can be undone. */
    .addColumn('merged_into_id', 'uuid')
    .addColumn('created_by_user_id', 'uuid')
    .addColumn('created_at', 'timestamptz', c => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', c => c.notNull().defaultTo(sql`now()`))
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('persons_pk', ['authority_id', 'id'])
    .addCheckConstraint('persons_nhs_number_format', sql`nhs_number is null or nhs_number ~ '^[0-9]{10}$'`)
    .execute()
  await sql`create index persons_search_name_trgm on persons using gin (search_name gin_trgm_ops)`.execute(db)
  // Sound-alike names (Smyth/Smith, Jon/John): fuzzystrmatch's double metaphone is immutable, so it can be indexed.
  await sql`create index persons_phonetic_idx on persons (authority_id, dmetaphone(search_family), dmetaphone(search_given)) where merged_into_id is null`.execute(db)
  await sql`create index persons_dob_idx on persons (authority_id, date_of_birth)`.execute(db)
  await sql`create index persons_postcode_idx on persons (authority_id, postcode)`.execute(db)
  await sql`create index persons_nhs_idx on persons (authority_id, nhs_number) where nhs_number is not null`.execute(db)

  await db.schema
    .createTable('households')
    .addColumn('authority_id', 'uuid', c => c.notNull().references('authorities.id'))
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('name', 'text', c => c.notNull())
    .addColumn('address', 'text')
    .addColumn('postcode', 'text')
    .addColumn('created_by_user_id', 'uuid')
    .addColumn('created_at', 'timestamptz', c => c.notNull().defaultTo(sql`now()`))
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('households_pk', ['authority_id', 'id'])
    .execute()

  await db.schema
    .createTable('household_members')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('household_id', 'uuid', c => c.notNull())
    .addColumn('person_id', 'uuid', c => c.notNull())
    .addColumn('joined_at', 'timestamptz', c => c.notNull().defaultTo(sql`now()`))
    .addColumn('left_at', 'timestamptz')
    .addPrimaryKeyConstraint('household_members_pk', ['authority_id', 'household_id', 'person_id'])
    .addForeignKeyConstraint('household_members_household_fk', ['authority_id', 'household_id'], 'households', ['authority_id', 'id'])
    .addForeignKeyConstraint('household_members_person_fk', ['authority_id', 'person_id'], 'persons', ['authority_id', 'id'])
    .execute()
  await sql`create index household_members_person_idx on household_members (authority_id, person_id)`.execute(db)

  await db.schema
    .createTable('relationships')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('person_id', 'uuid', c => c.notNull())
    .addColumn('related_person_id', 'uuid', c => c.notNull())
    /** What related_person is to person: mother, father, step_parent, carer, grandparent, sibling, half_sibling, partner, other. */
    .addColumn('kind', 'text', c => c.notNull())
    .addColumn('description', 'text')
    /** Whether related_person holds parental responsibility for person. */
    .addColumn('parental_responsibility', 'boolean', c => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', c => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('relationships_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('relationships_person_fk', ['authority_id', 'person_id'], 'persons', ['authority_id', 'id'])
    .addForeignKeyConstraint('relationships_related_fk', ['authority_id', 'related_person_id'], 'persons', ['authority_id', 'id'])
    .addCheckConstraint('relationships_not_self', sql`person_id <> related_person_id`)
    .execute()
  await sql`create index relationships_person_idx on relationships (authority_id, person_id)`.execute(db)
  await sql`create index relationships_related_idx on relationships (authority_id, related_person_id)`.execute(db)

  await db.schema
    .createTable('person_merges')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('kept_person_id', 'uuid', c => c.notNull())
    .addColumn('merged_person_id', 'uuid', c => c.notNull())
    .addColumn('reason', 'text', c => c.notNull())
    /** What the merge moved (row keys per table), so that undoing it puts each back. */
    .addColumn('moved', 'jsonb', c => c.notNull())
    .addColumn('merged_by_user_id', 'uuid')
    .addColumn('merged_at', 'timestamptz', c => c.notNull())
    .addColumn('undone_by_user_id', 'uuid')
    .addColumn('undone_at', 'timestamptz')
    .addPrimaryKeyConstraint('person_merges_pk', ['authority_id', 'id'])
    .execute()
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['person_merges', 'relationships', 'household_members', 'households', 'persons']) {
    await db.schema.dropTable(table).execute()
  }
}
