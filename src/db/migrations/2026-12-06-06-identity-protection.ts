import { sql, type Kysely } from 'kysely'

// Issue 6 (information governance): identity protection. A detail of a person (address, phone, email, school, where
// they are now) marked "do not disclose to <person>", with a reason. Owned by src/features/identity-protection.

export async function up(db: Kysely<any>): Promise<void> {
  /**
   * One row per protected detail. The detail's value is read from the person's record when a view is redacted (so a
   * new address is protected the moment it is recorded); `also_withhold` adds other ways it may be written, and is the
   * whole value for 'whereabouts' (which has no field of its own). Who it is withheld from: a person record (every
   * family account linked to that person, now or later, and emails to their addresses) and/or one family account.
   */
  await db.schema
    .createTable('identity_protections')
    .addColumn('authority_id', 'uuid', c => c.notNull().references('authorities.id'))
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('person_id', 'uuid', c => c.notNull())
    .addColumn('field', 'text', c => c.notNull().check(sql`field in ('address', 'phone', 'email', 'school', 'whereabouts')`))
    .addColumn('withheld_from_person_id', 'uuid')
    .addColumn('withheld_from_account_id', 'uuid')
    /** The name shown to practitioners ("Karen Marsh"), kept as it was when the protection was made. */
    .addColumn('withheld_from_name', 'text', c => c.notNull())
    .addColumn('reason', 'text', c => c.notNull())
    .addColumn('also_withhold', 'text', c => c.notNull().defaultTo(''))
    .addColumn('created_by_user_id', 'uuid', c => c.notNull())
    .addColumn('created_at', 'timestamptz', c => c.notNull())
    .addColumn('ended_at', 'timestamptz')
    .addColumn('ended_by_user_id', 'uuid')
    .addColumn('end_reason', 'text')
    .addPrimaryKeyConstraint('identity_protections_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('identity_protections_person_fk', ['authority_id', 'person_id'], 'persons', ['authority_id', 'id'])
    .addForeignKeyConstraint('identity_protections_from_person_fk', ['authority_id', 'withheld_from_person_id'], 'persons', ['authority_id', 'id'])
    .addForeignKeyConstraint('identity_protections_from_account_fk', ['authority_id', 'withheld_from_account_id'], 'family_accounts', ['authority_id', 'id'])
    .addCheckConstraint('identity_protections_someone', sql`withheld_from_person_id is not null or withheld_from_account_id is not null`)
    .addCheckConstraint('identity_protections_not_self', sql`withheld_from_person_id is null or withheld_from_person_id <> person_id`)
    .execute()
  await sql`create index identity_protections_person_idx on identity_protections (authority_id, person_id) where ended_at is null`.execute(db)
  await sql`create index identity_protections_from_person_idx on identity_protections (authority_id, withheld_from_person_id) where ended_at is null`.execute(db)
  await sql`create index identity_protections_from_account_idx on identity_protections (authority_id, withheld_from_account_id) where ended_at is null`.execute(db)
  // The application never deletes a protection (lifting one records who, when and why); retention may, with the person.
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('identity_protections').execute()
}
