import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Services } from '../../composition.ts'
import { DomainRuleError } from '../../lib/errors.ts'
import { singleError, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { requireAction } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { editTemplateContent, initialEditValues } from './templates.editor.ts'
import { copyTemplateForm } from './templates.schemas.ts'
import { TemplateVersionConflictError, type TemplateVersion, type TemplateVersionSummary } from './templates.service.ts'
import {
  contentView,
  editorView,
  familyRows,
  formatDate,
  submittedValues,
  versionRows,
  versionSummaryRows,
} from './templates.view-models.ts'
import { noticeFrom } from '../../lib/notices.ts'

type WithVersion = { Params: { templateVersionId: string } }

const NOTICES: Record<string, string> = {
  'version-made': 'The new version has been saved. New assessments use it; assessments already started keep their own version.',
  copied: 'The new template has been made as a copy. Make a new version of it to change it.',
}

/** Administration of assessment templates: read by anyone signed in, new versions and copies by administrators. */
export function registerAssessmentTemplateRoutes(app: FastifyInstance, services: Services) {
  const { assessmentTemplates: templates, auth } = services

  const allowed = requireAction(auth, templates.ensureAllowed)

  app.get(paths.assessmentTemplates.list(), allowed('assessment-template.list'), async (request, reply) => {
    const families = await templates.listFamilies(request.context())
    const manage = templates.canManage(request.context())
    return reply.render('assessments/views/templates-list.njk', {
      title: 'Assessment templates',
      backLink: manage ? paths.admin.home() : null,
      rows: familyRows(families),
      manage,
    })
  })

  app.get<WithVersion>(paths.assessmentTemplates.version(':templateVersionId'), allowed('assessment-template.list'), async (request, reply) => {
    const { version, versions, latestVersionNumber } = await templates.findVersion(request.context(), request.params.templateVersionId)
    const manage = templates.canManage(request.context())
    return reply.render('assessments/views/templates-version.njk', {
      title: `${version.name}, version ${version.versionNumber}`,
      backLink: paths.assessmentTemplates.list(),
      notice: noticeFrom(request, NOTICES),
      version: { name: version.name, number: version.versionNumber },
      summaryRows: versionSummaryRows(version, latestVersionNumber),
      content: contentView(version.content),
      versionRows: versionRows(versions, version.id),
      manage,
      newVersionHref: paths.assessmentTemplates.newVersion(version.id),
      copyHref: paths.assessmentTemplates.copy(version.id),
      isLatest: version.versionNumber === latestVersionNumber,
      latestHref: versions[0] ? paths.assessmentTemplates.version(versions[0].id) : null,
    })
  })

  // ---- make a new version --------------------------------------------------------------------------------------

  function renderEditor(
    reply: FastifyReply,
    base: TemplateVersion,
    latestVersionNumber: number,
    values: Record<string, unknown>,
    page: { formErrors?: FormErrors; status?: number; newer?: TemplateVersionSummary | undefined } = {},
  ) {
    const fieldErrors = page.formErrors?.fieldErrors ?? {}
    return reply.render(
      'assessments/views/templates-editor.njk',
      {
        title: `Make a new version of ${base.name}`,
        backLink: paths.assessmentTemplates.version(base.id),
        action: paths.assessmentTemplates.newVersion(base.id),
        baseNumber: base.versionNumber,
        newNumber: latestVersionNumber + 1,
        editor: editorView(base.content, values, fieldErrors),
        newer: page.newer
          ? {
              href: paths.assessmentTemplates.version(page.newer.id),
              number: page.newer.versionNumber,
              name: page.newer.name,
              changeSummary: page.newer.changeSummary,
              createdAt: formatDate(page.newer.createdAt),
            }
          : null,
        errors: page.formErrors?.errors,
        fieldErrors,
      },
      page.status ?? (page.formErrors ? 400 : 200),
    )
  }

  app.get<WithVersion>(paths.assessmentTemplates.newVersion(':templateVersionId'), allowed('assessment-template.manage'), async (request, reply) => {
    const { version, latestVersionNumber } = await templates.findVersionToEdit(request.context(), request.params.templateVersionId)
    return renderEditor(reply, version, latestVersionNumber, initialEditValues(version, latestVersionNumber))
  })

  app.post<WithVersion>(paths.assessmentTemplates.newVersion(':templateVersionId'), allowed('assessment-template.manage'), async (request, reply) => {
    const context = request.context()
    const { version, latestVersionNumber, usedKeys } = await templates.findVersionToEdit(context, request.params.templateVersionId)
    const values = submittedValues(request.body)
    const result = editTemplateContent(version, request.body, { usedKeys })
    if (!result.ok) return renderEditor(reply, version, latestVersionNumber, values, { formErrors: result.errors })
    try {
      const id = await templates.makeNewVersion(context, version.id, result.edit)
      return reply.redirect(`${paths.assessmentTemplates.version(id)}?done=version-made`, 303)
    } catch (error) {
      if (error instanceof TemplateVersionConflictError) {
        const fresh = await templates.findVersion(context, version.id)
        const newer = error.latest ?? fresh.versions[0]
        return renderEditor(
          reply,
          version,
          fresh.latestVersionNumber,
          { ...values, expectedLatestVersion: String(fresh.latestVersionNumber) },
          {
            formErrors: singleError('changeSummary', `${error.message}. Your answers are kept below: check them against version ${newer?.versionNumber ?? fresh.latestVersionNumber}, then save again to make version ${fresh.latestVersionNumber + 1}`),
            status: 409,
            newer,
          },
        )
      }
      if (error instanceof DomainRuleError) {
        return renderEditor(reply, version, latestVersionNumber, values, { formErrors: singleError(error.field ?? 'main-content', error.message), status: 422 })
      }
      throw error
    }
  })

  // ---- copy as the authority's own template ----------------------------------------------------------------------

  function renderCopy(reply: FastifyReply, source: TemplateVersion, values: Record<string, unknown>, formErrors?: FormErrors, status?: number) {
    return reply.render(
      'assessments/views/templates-copy.njk',
      {
        title: 'Make your own template from this one',
        backLink: paths.assessmentTemplates.version(source.id),
        action: paths.assessmentTemplates.copy(source.id),
        source: { name: source.name, number: source.versionNumber },
        values,
        errors: formErrors?.errors,
        fieldErrors: formErrors?.fieldErrors ?? {},
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<WithVersion>(paths.assessmentTemplates.copy(':templateVersionId'), allowed('assessment-template.manage'), async (request, reply) => {
    const { version } = await templates.findVersionToEdit(request.context(), request.params.templateVersionId)
    return renderCopy(reply, version, { name: `${version.name} (our version)` })
  })

  app.post<WithVersion>(paths.assessmentTemplates.copy(':templateVersionId'), allowed('assessment-template.manage'), async (request, reply) => {
    const context = request.context()
    const { version } = await templates.findVersionToEdit(context, request.params.templateVersionId)
    const values = submittedValues(request.body)
    const parsed = copyTemplateForm.safeParse(request.body)
    if (!parsed.success) return renderCopy(reply, version, values, toFormErrors(parsed.error))
    try {
      const id = await templates.copyAsNewTemplate(context, version.id, parsed.data)
      return reply.redirect(`${paths.assessmentTemplates.version(id)}?done=copied`, 303)
    } catch (error) {
      if (error instanceof DomainRuleError) return renderCopy(reply, version, values, singleError(error.field ?? 'name', error.message), 422)
      throw error
    }
  })
}
