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
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('assessment_template_versions').execute()
}
