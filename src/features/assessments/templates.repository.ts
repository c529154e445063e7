import { sql, type Kysely, type Transaction } from 'kysely'
import type { Database } from '../../db/schema.ts'
import { isUuid, uuidv7 } from '../../lib/ids.ts'
import { SHIPPED_TEMPLATES, SHIPPED_TEMPLATE_KEYS } from './shipped-templates/index.ts'
import type { TemplateContent } from './template-content.ts'
import { templateContentSchema } from './templates.schemas.ts'

// All Kysely code for assessment templates. Other features read template versions through findTemplateVersion and
// findLatestTemplateVersion; a version row is never updated.

type Db = Kysely<Database> | Transaction<Database>

/** One version of an assessment template, with its content parsed. */
export type TemplateVersion = Readonly<{
  authorityId: string
  id: string
  templateKey: string
  versionNumber: number
  name: string
  nation: 'england' | 'wales' | null
  content: TemplateContent
  changeSummary: string
  basedOnVersionId: string | null
  createdByUserId: string | null
  createdAt: Date
  retiredAt: Date | null
}>

/** A version without its content: enough for lists. */
export type TemplateVersionSummary = Omit<TemplateVersion, 'content'>

export const TEMPLATE_VERSION_UNIQUE = 'assessment_template_versions_uq'

const SUMMARY_COLUMNS = [
  'authorityId',
  'id',
  'templateKey',
  'versionNumber',
  'name',
  'nation',
  'changeSummary',
  'basedOnVersionId',
  'createdByUserId',
  'createdAt',
  'retiredAt',
] as const

type VersionRow = Omit<TemplateVersion, 'content' | 'createdAt'> & { content: unknown; createdAt: Date | string }

/** Stored content is checked on the way out: a version that does not match the type is a bug, not user input. */
function parseContent(stored: unknown): TemplateContent {
  return templateContentSchema.parse(typeof stored === 'string' ? JSON.parse(stored) : stored)
}

function toVersion(row: VersionRow): TemplateVersion {
  return { ...row, content: parseContent(row.content), createdAt: new Date(row.createdAt) }
}

function toSummary<T extends { createdAt: Date | string }>(row: T): T & { createdAt: Date } {
  return { ...row, createdAt: new Date(row.createdAt) }
}

export function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { code, constraint: violated } = error as { code?: unknown; constraint?: unknown }
  return code === '23505' && violated === constraint
}

/** One version of the authority's templates, or undefined (also for an id that is not a UUID). */
export async function findTemplateVersion(db: Db, authorityId: string, templateVersionId: string): Promise<TemplateVersion | undefined> {
  if (!isUuid(templateVersionId)) return undefined
  const row = await db
    .selectFrom('assessmentTemplateVersions')
    .selectAll()
    .where('authorityId', '=', authorityId)
    .where('id', '=', templateVersionId.toLowerCase())
    .executeTakeFirst()
  return row ? toVersion(row) : undefined
}

/** The newest version of one template family of the authority (retired or not), or undefined. */
export async function findLatestTemplateVersion(db: Db, authorityId: string, templateKey: string): Promise<TemplateVersion | undefined> {
  const row = await db
    .selectFrom('assessmentTemplateVersions')
    .selectAll()
    .where('authorityId', '=', authorityId)
    .where('templateKey', '=', templateKey)
    .orderBy('versionNumber', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row ? toVersion(row) : undefined
}

/** The newest version of every template family of the authority, by name. */
export async function listLatestTemplateVersions(db: Db, authorityId: string): Promise<TemplateVersion[]> {
  const rows = await db
    .selectFrom('assessmentTemplateVersions as v')
    .selectAll('v')
    .where('v.authorityId', '=', authorityId)
    .where(eb =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('assessmentTemplateVersions as newer')
            .select('newer.id')
            .whereRef('newer.authorityId', '=', 'v.authorityId')
            .whereRef('newer.templateKey', '=', 'v.templateKey')
            .whereRef('newer.versionNumber', '>', 'v.versionNumber'),
        ),
      ),
    )
    .orderBy('v.name')
    .orderBy('v.templateKey')
    .execute()
  return rows.map(toVersion)
}

/** Every version of the authority's templates without content, newest first within each family. */
export async function listTemplateVersionSummaries(db: Db, authorityId: string, templateKey?: string): Promise<TemplateVersionSummary[]> {
  let query = db.selectFrom('assessmentTemplateVersions').select(SUMMARY_COLUMNS).where('authorityId', '=', authorityId)
  if (templateKey !== undefined) query = query.where('templateKey', '=', templateKey)
  const rows = await query.orderBy('templateKey').orderBy('versionNumber', 'desc').execute()
  return rows.map(toSummary)
}

/** Every element key and checklist key ever used in a template family: a key keeps one meaning for good. */
export async function listUsedKeys(db: Db, authorityId: string, templateKey: string): Promise<Set<string>> {
  const rows = await db
    .selectFrom('assessmentTemplateVersions')
    .select('content')
    .where('authorityId', '=', authorityId)
    .where('templateKey', '=', templateKey)
    .execute()
  const keys = new Set<string>()
  for (const row of rows) {
    const content = parseContent(row.content)
    for (const domain of content.domains) for (const element of domain.elements) keys.add(element.key)
    for (const question of content.checklist) keys.add(question.key)
  }
  return keys
}

export async function templateKeyExists(db: Db, authorityId: string, templateKey: string): Promise<boolean> {
  const row = await db
    .selectFrom('assessmentTemplateVersions')
    .select('id')
    .where('authorityId', '=', authorityId)
    .where('templateKey', '=', templateKey)
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}

export type NewTemplateVersion = {
  authorityId: string
  id: string
  templateKey: string
  versionNumber: number
  name: string
  nation: 'england' | 'wales' | null
  content: TemplateContent
  changeSummary: string
  basedOnVersionId: string | null
  createdByUserId: string | null
  createdAt: Date
}

/** Inserts a version; a version number already taken raises the unique violation TEMPLATE_VERSION_UNIQUE. */
export async function insertTemplateVersion(db: Db, version: NewTemplateVersion): Promise<void> {
  await db
    .insertInto('assessmentTemplateVersions')
    .values({ ...version, content: JSON.stringify(version.content) })
    .execute()
}

/**
 * Gives the authority version 1 of each shipped template it does not have yet. Idempotent, and safe when two
 * processes do it at once (the unique index decides; the loser inserts nothing). Returns how many were installed.
 */
export async function installShippedTemplates(trx: Db, authorityId: string, now: Date): Promise<number> {
  const present = await trx
    .selectFrom('assessmentTemplateVersions')
    .select('templateKey')
    .distinct()
    .where('authorityId', '=', authorityId)
    .where('templateKey', 'in', [...SHIPPED_TEMPLATE_KEYS])
    .execute()
  const have = new Set(present.map(row => row.templateKey))
  const missing = SHIPPED_TEMPLATES.filter(template => !have.has(template.templateKey))
  if (missing.length === 0) return 0
  const result = await trx
    .insertInto('assessmentTemplateVersions')
    .values(
      missing.map(template => ({
        authorityId,
        id: uuidv7(now.getTime()),
        templateKey: template.templateKey,
        versionNumber: 1,
        name: template.name,
        nation: template.nation,
        content: JSON.stringify(template.content),
        changeSummary: 'Shipped with OneStory',
        basedOnVersionId: null,
        createdByUserId: null,
        createdAt: now,
      })),
    )
    .onConflict(oc => oc.columns(['authorityId', 'templateKey', 'versionNumber']).doNothing())
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0)
}

/** Authorities that lack a shipped template (one query: cheap when every authority has them all). */
export async function authoritiesMissingShippedTemplates(db: Db): Promise<string[]> {
  const keys = [...SHIPPED_TEMPLATE_KEYS]
  const rows = await db
    .selectFrom('authorities as a')
    .select('a.id')
    .where(
      eb =>
        eb
          .selectFrom('assessmentTemplateVersions as v')
          .select(sql<number>`count(distinct v.template_key)::int`.as('count'))
          .whereRef('v.authorityId', '=', 'a.id')
          .where('v.templateKey', 'in', keys),
      '<',
      keys.length,
    )
    .execute()
  return rows.map(row => row.id)
}
