import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../../db/schema.ts'
import type { Clock } from '../../lib/clock.ts'
import { ConflictError, DomainRuleError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../../lib/errors.ts'
import { isUuid, uuidv7 } from '../../lib/ids.ts'
import type { Access, AuditNote } from '../../policy/access.ts'
import type { RequestContext } from '../../policy/actor.ts'
import type { Action } from '../../policy/policy.ts'
import * as repository from './templates.repository.ts'
import { uniqueSlug, type TemplateEdit } from './templates.editor.ts'

export type { TemplateVersion, TemplateVersionSummary } from './templates.repository.ts'

type Db = Kysely<Database> | Transaction<Database>

/**
 * Gives an authority version 1 of each shipped template it lacks (standard CAF, whole family, Wales Families First).
 * Idempotent. Call it inside the transaction that creates an authority.
 */
export async function installShippedTemplates(trx: Db, authorityId: string, now: Date): Promise<number> {
  return repository.installShippedTemplates(trx, authorityId, now)
}

/**
 * At start-up, after migrations: installs the shipped templates for authorities created before they existed. One query
 * when every authority has them.
 */
export async function installShippedTemplatesWhereMissing(db: Kysely<Database>, now: Date): Promise<number> {
  const missing = await repository.authoritiesMissingShippedTemplates(db)
  let installed = 0
  for (const authorityId of missing) {
    installed += await db.transaction().execute(trx => repository.installShippedTemplates(trx, authorityId, now))
  }
  return installed
}

/** Someone made a newer version of the template after the editor was opened: nothing was saved. */
export class TemplateVersionConflictError extends ConflictError {
  constructor(
    message: string,
    readonly latest: repository.TemplateVersionSummary | undefined,
  ) {
    super(message)
  }
}

export type TemplateFamily = Readonly<{ latest: repository.TemplateVersion; versions: repository.TemplateVersionSummary[] }>

export type AssessmentTemplateService = ReturnType<typeof createAssessmentTemplateService>

const NOT_FOUND = 'There is nothing at this address.'

/**
 * Assessment templates of one authority: every signed-in practitioner may read them (assessment-template.list);
 * administrators make new versions and copies (assessment-template.manage). A version is never changed: each save
 * makes version N+1 of the family, based on the version edited.
 */
export function createAssessmentTemplateService(deps: { db: Kysely<Database>; clock: Clock; access: Access }) {
  const { access, clock } = deps

  function authorityOf(context: RequestContext): string {
    const actor = context.actor
    if (actor.kind === 'anonymous') throw new UnauthenticatedError('Sign in to continue.')
    if (actor.authorityId === null) throw new ForbiddenError('You do not have access to this.')
    return actor.authorityId
  }

  /**
   * Through the access layer. `audited`: a change, recorded with the version it touches (templates hold no personal
   * data, so reads are not audited; refusals always are).
   */
  function run<T>(
    context: RequestContext,
    action: Action,
    audited: { recordId: string } | null,
    work: (trx: Transaction<Database>, note: AuditNote, authorityId: string) => Promise<T>,
  ): Promise<T> {
    const authorityId = authorityOf(context)
    const recordId = audited && isUuid(audited.recordId) ? audited.recordId.toLowerCase() : null
    return access.run(
      context,
      { action, resource: { authorityId }, ...(audited ? { recordType: 'assessment-template', recordId } : {}) },
      (trx, note) => work(trx, note, authorityId),
    )
  }

  /** Refuses (and audits) someone who may not do this at all, before anything they sent is read. */
  async function ensureAllowed(context: RequestContext, action: Action): Promise<void> {
    const authorityId = authorityOf(context)
    if (!access.decide(context.actor, action, { authorityId }).allowed) {
      await access.run(context, { action, resource: { authorityId }, recordType: 'assessment-template' }, async () => undefined)
    }
  }

  function canManage(context: RequestContext): boolean {
    const actor = context.actor
    if (actor.kind === 'anonymous' || actor.authorityId === null) return false
    return access.decide(actor, 'assessment-template.manage', { authorityId: actor.authorityId }).allowed
  }

  async function families(trx: Db, authorityId: string): Promise<TemplateFamily[]> {
    const latest = await repository.listLatestTemplateVersions(trx, authorityId)
    const summaries = await repository.listTemplateVersionSummaries(trx, authorityId)
    return latest.map(version => ({ latest: version, versions: summaries.filter(summary => summary.templateKey === version.templateKey) }))
  }

  /** Every template family of the authority: its newest version and the list of its versions, newest first. */
  async function listFamilies(context: RequestContext): Promise<TemplateFamily[]> {
    return run(context, 'assessment-template.list', null, (trx, _note, authorityId) => families(trx, authorityId))
  }

  async function loadVersion(trx: Db, authorityId: string, templateVersionId: string) {
    const version = await repository.findTemplateVersion(trx, authorityId, templateVersionId)
    if (!version) throw new NotFoundError(NOT_FOUND)
    const versions = await repository.listTemplateVersionSummaries(trx, authorityId, version.templateKey)
    return { version, versions, latestVersionNumber: versions[0]?.versionNumber ?? version.versionNumber }
  }

  /** One version with its full content, and the other versions of its family. */
  async function findVersion(context: RequestContext, templateVersionId: string) {
    return run(context, 'assessment-template.list', null, (trx, _note, authorityId) => loadVersion(trx, authorityId, templateVersionId))
  }

  /** The version an administrator is about to edit or copy, and the keys its family has used. */
  async function findVersionToEdit(context: RequestContext, templateVersionId: string) {
    return run(context, 'assessment-template.manage', null, async (trx, _note, authorityId) => {
      const found = await loadVersion(trx, authorityId, templateVersionId)
      return { ...found, usedKeys: await repository.listUsedKeys(trx, authorityId, found.version.templateKey) }
    })
  }

  function actingUserId(context: RequestContext): string | null {
    return context.actor.kind === 'practitioner' ? context.actor.userId : null
  }

  /**
   * Saves an edit of version `baseVersionId` as version N+1 of its family. Refused with TemplateVersionConflictError
   * when the family has a newer version than the editor was opened on, or when another save takes the number first
   * (the unique index on authority, template and version number decides).
   */
  async function makeNewVersion(context: RequestContext, baseVersionId: string, edit: TemplateEdit): Promise<string> {
    try {
      return await run(context, 'assessment-template.manage', { recordId: baseVersionId }, async (trx, note, authorityId) => {
        const base = await repository.findTemplateVersion(trx, authorityId, baseVersionId)
        if (!base) throw new NotFoundError(NOT_FOUND)
        const latest = await repository.findLatestTemplateVersion(trx, authorityId, base.templateKey)
        if (latest && latest.versionNumber !== edit.expectedLatestVersion) {
          throw new TemplateVersionConflictError(
            `Someone else made version ${latest.versionNumber} of this template after you opened this page. Your changes have not been saved`,
            latest,
          )
        }
        if (edit.content.checklist.filter(question => question.riskOfSignificantHarm).length !== 1) {
          throw new DomainRuleError('The checklist must have exactly one question about risk of significant harm')
        }
        const id = uuidv7(clock.now().getTime())
        await repository.insertTemplateVersion(trx, {
          authorityId,
          id,
          templateKey: base.templateKey,
          versionNumber: edit.expectedLatestVersion + 1,
          name: edit.name,
          nation: base.nation,
          content: edit.content,
          changeSummary: edit.changeSummary,
          basedOnVersionId: base.id,
          createdByUserId: actingUserId(context),
          createdAt: clock.now(),
        })
        note.recordId = id
        note.details = { change: 'new version', templateKey: base.templateKey, versionNumber: edit.expectedLatestVersion + 1, basedOn: base.id }
        return id
      })
    } catch (error) {
      if (repository.isUniqueViolation(error, repository.TEMPLATE_VERSION_UNIQUE)) {
        throw new TemplateVersionConflictError(
          `Someone else saved version ${edit.expectedLatestVersion + 1} of this template at the same moment. Your changes have not been saved`,
          undefined,
        )
      }
      throw error
    }
  }

  /** Starts the authority's own template family as a copy of a version, under a new name (its version 1). */
  async function copyAsNewTemplate(context: RequestContext, sourceVersionId: string, input: { name: string }): Promise<string> {
    return run(context, 'assessment-template.manage', { recordId: sourceVersionId }, async (trx, note, authorityId) => {
      const source = await repository.findTemplateVersion(trx, authorityId, sourceVersionId)
      if (!source) throw new NotFoundError(NOT_FOUND)
      const existing = await repository.listLatestTemplateVersions(trx, authorityId)
      const wanted = input.name.toLowerCase().replace(/\s+/g, ' ')
      if (existing.some(version => version.name.toLowerCase().replace(/\s+/g, ' ') === wanted)) {
        throw new DomainRuleError(`There is already a template called ${input.name}. Enter a different name`, 'name')
      }
      const taken = new Set(existing.map(version => version.templateKey))
      let templateKey = uniqueSlug(input.name, taken, 'template')
      while (await repository.templateKeyExists(trx, authorityId, templateKey)) templateKey = uniqueSlug(input.name, taken, 'template')
      const id = uuidv7(clock.now().getTime())
      await repository.insertTemplateVersion(trx, {
        authorityId,
        id,
        templateKey,
        versionNumber: 1,
        name: input.name,
        nation: source.nation,
        content: source.content,
        changeSummary: `Copied from ${source.name}, version ${source.versionNumber}`,
        basedOnVersionId: source.id,
        createdByUserId: actingUserId(context),
        createdAt: clock.now(),
      })
      note.recordId = id
      note.details = { change: 'copied', templateKey, basedOn: source.id }
      return id
    })
  }

  return { ensureAllowed, canManage, listFamilies, findVersion, findVersionToEdit, makeNewVersion, copyAsNewTemplate }
}
