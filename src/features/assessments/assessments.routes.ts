import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { z } from 'zod'
import type { Services } from '../../composition.ts'
import { DomainRuleError } from '../../lib/errors.ts'
import { singleError, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { requireSignedIn } from '../../plugins/session.ts'
import { formatDate } from '../../plugins/views.ts'
import { paths } from '../../paths.ts'
import { dateInputItems } from '../../lib/dates.ts'
import { submitted } from '../episodes/episodes.view-models.ts'
import {
  agreementForm,
  conclusionsForm,
  detailsForm,
  elementForm,
  emptyForm,
  explainForm,
  FAMILY_AGREEMENTS,
  inviteForm,
  solutionsForm,
  type StepInput,
} from './assessments.schemas.ts'
import { StaleAssessmentEditError, type AssessmentRecord, type AssessmentView } from './assessments.service.ts'
import {
  CHILD_SCORE_NAMES,
  consentRows,
  contributorRows,
  domainElementRows,
  domainProgress,
  ELEMENT_FIELDS,
  elementComparison,
  elementRows,
  elementValues,
  FAMILY_AGREEMENT_NAMES,
  missingForSignOffView,
  overallCounts,
  personName,
  PRACTITIONER_SCORES,
  progressText,
  STATUS_NAMES,
  STEP_TITLES,
  stepComparison,
  stepRows,
  stepValues,
  taskSections,
} from './assessments.view-models.ts'
import { elementsOf } from './template-content.ts'
import { disputeNotices } from '../records-history/record-history.view-models.ts'
import { noticeFrom, withNotice } from '../../lib/notices.ts'

type EpisodeParams = { Params: { episodeId: string } }
type DomainParams = { Params: { episodeId: string; domainKey: string; subject: string } }
type ElementParams = { Params: { episodeId: string; elementKey: string; subject: string } }
type Values = Record<string, string | string[]>
type Step = keyof typeof STEP_TITLES

const NOTICES: Record<string, string> = {
  started: 'The assessment has started. You are its assessor. Record what you can: no element has to be filled in, and you can ask colleagues to add to it.',
  saved: 'Your changes have been saved.',
  element: 'The element has been saved.',
  invited: 'Your colleague has been asked to add to the assessment. They have been sent an email with a link.',
  done: 'Thank you. The assessor can see that your part is done.',
}

type Failure = DomainRuleError | StaleAssessmentEditError<unknown>

/** A rule broken or a stale version: shown on the form; anything else propagates. */
async function attempt<T>(work: () => Promise<T>): Promise<{ ok: T } | { failure: Failure }> {
  try {
    return { ok: await work() }
  } catch (error) {
    if (error instanceof DomainRuleError || error instanceof StaleAssessmentEditError) return { failure: error }
    throw error
  }
}

function failureErrors(failure: Failure): FormErrors {
  if (failure instanceof StaleAssessmentEditError) {
    return singleError('main-content', `${failure.message}. Your answers are kept below, beside what is saved now: merge them and save again`)
  }
  return singleError(failure.field ?? 'main-content', failure.message)
}

/** What every assessment page shows at the top. */
function pageHeader(detail: AssessmentView) {
  const children = detail.children.map(personName).join(', ')
  return {
    caption: `${detail.episode.reference}${children ? ` · ${children}` : detail.episode.householdName ? ` · the ${detail.episode.householdName} family` : ''}`,
    safeguardingHref: paths.episodes.safeguarding(detail.episode.id),
    assessmentName: detail.template?.name ?? 'Assessment',
  }
}

function returnedNotice(assessment: AssessmentRecord | null) {
  if (!assessment || assessment.status !== 'returned') return null
  return { comments: assessment.returnComments ?? '', at: assessment.returnedAt ? formatDate(assessment.returnedAt) : '' }
}

const STEP_FORMS: { [S in Step]: z.ZodType<Extract<StepInput, { step: S }>['input'], unknown> } = {
  explain: explainForm,
  details: detailsForm,
  conclusions: conclusionsForm,
  solutions: solutionsForm,
  agreement: agreementForm,
}

/** Recording the common assessment: the task list, the six steps, each element for each child or the family, contributors. */
export function registerAssessmentRoutes(app: FastifyInstance, services: Services) {
  const { assessments, auth } = services
  const signedIn = { preHandler: requireSignedIn(auth) }

  // ---- the task list (or the start page) ---------------------------------------------------------------------------

  async function renderOverview(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, formErrors?: FormErrors) {
    const detail = await assessments.view(request.context(), request.params.episodeId)
    const { assessment, template, episode } = detail
    const header = pageHeader(detail)
    const base = { backLink: paths.episodes.show(episode.id), header, notice: noticeFrom(request, NOTICES), ...formErrors }
    if (!assessment) {
      return reply.render(
        'assessments/views/assessment-start.njk',
        {
          ...base,
          title: 'Start the assessment',
          templateName: template ? `${template.name}, version ${template.versionNumber}` : null,
          consentProblem: detail.consentProblem,
          mayStart: detail.consentToAssess && template !== null && detail.you.elementKeys === null,
          action: paths.assessments.start(episode.id),
          consentHref: paths.episodes.consent(episode.id),
        },
        formErrors ? 400 : 200,
      )
    }
    const titles = Object.fromEntries(template ? elementsOf(template.content).map(item => [item.element.key, item.element.title]) : [])
    const limited = detail.you.elementKeys !== null
    return reply.render(
      'assessments/views/assessment-overview.njk',
      {
        ...base,
        title: template?.content.assessmentName ? capitalise(template.content.assessmentName) : 'Assessment',
        status: STATUS_NAMES[assessment.status] ?? assessment.status,
        templateName: template ? `${template.name}, version ${template.versionNumber}` : '',
        assessor: `${assessment.assessorName ?? 'Unknown'}${assessment.assessorAgencyName ? `, ${assessment.assessorAgencyName}` : ''}`,
        started: formatDate(assessment.createdAt),
        sections: taskSections(detail),
        counts: overallCounts(detail),
        missing: missingForSignOffView(assessment, detail.elements, episode.id),
        consentProblem: detail.consentProblem,
        returned: returnedNotice(assessment),
        limited,
        yourElements: (detail.you.elementKeys ?? []).map(key => titles[key] ?? key),
        contributorMessage: detail.you.contributorMessage,
        contributionDone: detail.you.contributionDone,
        doneAction: paths.assessments.contributionDone(episode.id),
        inviteHref: !limited && detail.editable ? paths.assessments.contributors(episode.id) : null,
        contributors: contributorRows(detail.contributors, titles),
      },
      formErrors ? 400 : 200,
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/assessment', signedIn, async (request, reply) => renderOverview(request, reply))

  app.post<EpisodeParams>('/episodes/:episodeId/assessment/start', signedIn, async (request, reply) => {
    const parsed = emptyForm.safeParse(request.body ?? {})
    if (!parsed.success) return renderOverview(request, reply, toFormErrors(parsed.error))
    const result = await attempt(() => assessments.start(request.context(), request.params.episodeId))
    if ('failure' in result) return renderOverview(request, reply, failureErrors(result.failure))
    return reply.redirect(withNotice(paths.assessments.overview(request.params.episodeId), result.ok.started ? 'started' : 'saved'), 303)
  })

  app.post<EpisodeParams>('/episodes/:episodeId/assessment/contribution-done', signedIn, async (request, reply) => {
    const parsed = emptyForm.safeParse(request.body ?? {})
    if (!parsed.success) return renderOverview(request, reply, toFormErrors(parsed.error))
    const result = await attempt(() => assessments.markContributionDone(request.context(), request.params.episodeId))
    if ('failure' in result) return renderOverview(request, reply, failureErrors(result.failure))
    return reply.redirect(withNotice(paths.assessments.overview(request.params.episodeId), 'done'), 303)
  })

  // ---- steps 1, 2, 4, 5, 6 ----------------------------------------------------------------------------------------

  async function renderStep(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, step: Step, values: Values | null, page: { formErrors?: FormErrors; status?: number } = {}) {
    const detail = await assessments.view(request.context(), request.params.episodeId)
    const { assessment, episode } = detail
    if (!assessment) return reply.redirect(paths.assessments.overview(episode.id), 303)
    const stale = page.status === 409
    const shown: Values = values ? { ...values, ...(stale ? { version: String(assessment.version) } : {}) } : stepValues(step, assessment)
    const fieldErrors = page.formErrors?.fieldErrors ?? {}
    return reply.render(
      'assessments/views/assessment-step.njk',
      {
        title: STEP_TITLES[step],
        step,
        backLink: paths.assessments.overview(episode.id),
        header: pageHeader(detail),
        action: paths.assessments.step(episode.id, step),
        mayChange: detail.editable && detail.you.elementKeys === null,
        consentProblem: detail.consentProblem,
        savedRows: stepRows(step, assessment),
        values: shown,
        comparison: stale ? stepComparison(step, values ?? {}, assessment) : null,
        consentRows: consentRows(detail),
        familyExplanation: detail.template?.content.familyExplanation ?? '',
        people: detail.people.map(person => `${personName(person)} (${person.role === 'child' ? 'child' : 'adult'})`),
        discussionDateItems: dateInputItems('discussionDate', shown, 'discussionDate-day' in fieldErrors),
        reviewDateItems: dateInputItems('reviewDate', shown, 'reviewDate-day' in fieldErrors),
        agreementItems: FAMILY_AGREEMENTS.map(value => ({ value, text: FAMILY_AGREEMENT_NAMES[value], checked: shown.familyAgreement === value })),
        explainedItems: [{ value: 'yes', text: 'I have explained what the assessment is for, that it needs their consent, and who will see it', checked: shown.explained === 'yes' }],
        ...page.formErrors,
      },
      page.status ?? (page.formErrors ? 400 : 200),
    )
  }

  function registerStep<S extends Step>(step: S) {
    const url = `/episodes/:episodeId/assessment/${step}`
    app.get<EpisodeParams>(url, signedIn, async (request, reply) => renderStep(request, reply, step, null))
    app.post<EpisodeParams>(url, signedIn, async (request, reply) => {
      const values = submitted(request.body)
      const parsed = STEP_FORMS[step].safeParse(request.body)
      if (!parsed.success) return renderStep(request, reply, step, values, { formErrors: toFormErrors(parsed.error) })
      const input = { step, input: parsed.data } as StepInput
      const result = await attempt(() => assessments.saveStep(request.context(), request.params.episodeId, input))
      if ('failure' in result) {
        return renderStep(request, reply, step, values, { formErrors: failureErrors(result.failure), status: result.failure instanceof StaleAssessmentEditError ? 409 : 400 })
      }
      return reply.redirect(withNotice(paths.assessments.overview(request.params.episodeId), 'saved'), 303)
    })
  }
  registerStep('explain')
  registerStep('details')
  registerStep('conclusions')
  registerStep('solutions')
  registerStep('agreement')

  // ---- a domain for one child or the family --------------------------------------------------------------------------

  app.get<DomainParams>('/episodes/:episodeId/assessment/domains/:domainKey/:subject', signedIn, async (request, reply) => {
    const { detail, domain, subject, subjectName } = await assessments.domain(request.context(), request.params.episodeId, request.params.domainKey, request.params.subject)
    const progress = domainProgress(domain, subject, detail.elements)
    return reply.render('assessments/views/assessment-domain.njk', {
      title: subjectName ? `${domain.title}: ${subjectName}` : domain.title,
      backLink: paths.assessments.overview(detail.episode.id),
      header: pageHeader(detail),
      notice: noticeFrom(request, NOTICES),
      description: domain.description ?? null,
      scope: domain.scope,
      progress: progressText(progress),
      rows: domainElementRows(detail.episode.id, domain, subject, detail.elements, detail.you.elementKeys, detail.editable),
      consentProblem: detail.consentProblem,
      overviewHref: paths.assessments.overview(detail.episode.id),
    })
  })

  // ---- an element for one child or the family ------------------------------------------------------------------------

  async function renderElement(request: FastifyRequest<ElementParams>, reply: FastifyReply, values: Values | null, page: { formErrors?: FormErrors; status?: number } = {}) {
    const { detail, target, saved, mayChange, disputes } = await assessments.element(request.context(), request.params.episodeId, request.params.elementKey, request.params.subject)
    const stale = page.status === 409
    const shown: Values = values ? { ...values, ...(stale ? { version: String(saved?.version ?? 0) } : {}) } : elementValues(saved)
    const fieldErrors = page.formErrors?.fieldErrors ?? {}
    return reply.render(
      'assessments/views/assessment-element.njk',
      {
        title: target.subjectName ? `${target.element.title}: ${target.subjectName}` : target.element.title,
        backLink: paths.assessments.domain(detail.episode.id, target.domain.key, target.subject),
        header: pageHeader(detail),
        domainTitle: target.domain.title,
        prompts: target.element.prompts,
        action: paths.assessments.element(detail.episode.id, target.element.key, target.subject),
        mayChange,
        consentProblem: detail.consentProblem,
        readOnlyReason: mayChange ? null : detail.you.elementKeys !== null && detail.editable ? 'You were not asked to complete this element, so you can read it but not change it.' : null,
        savedRows: elementRows(saved),
        disputes: disputeNotices(disputes),
        values: shown,
        comparison: stale ? elementComparison(values ?? {}, saved) : null,
        textFields: ELEMENT_FIELDS.map(field => ({ ...field, value: shown[field.name], errorMessage: fieldErrors[field.name] })),
        practitionerScoreItems: [
          ...PRACTITIONER_SCORES.map(score => ({ value: String(score.value), text: `${score.value} – ${score.name}`, hint: { text: score.hint }, checked: shown.practitionerScore === String(score.value) })),
          { divider: 'or' },
          { value: '', text: 'Not scored yet', checked: !shown.practitionerScore },
        ],
        familyScoreAdultItems: [
          { value: '', text: 'Not given' },
          ...Array.from({ length: 11 }, (_unused, score) => ({ value: String(score), text: `${score}${score === 0 ? ' (things are very hard)' : score === 10 ? ' (things are going very well)' : ''}`, selected: shown.familyScoreAdult === String(score) })),
        ],
        familyScoreChildItems: [
          ...(['red', 'amber', 'green'] as const).map(value => ({ value, text: CHILD_SCORE_NAMES[value], checked: shown.familyScoreChild === value })),
          { value: '', text: 'Not given', checked: !shown.familyScoreChild },
        ],
        notAssessedItems: [{ value: 'yes', text: 'Not assessed', hint: { text: 'Leave this element out of the assessment: it does not apply, or was not discussed' }, checked: shown.notAssessed === 'yes' }],
        ...page.formErrors,
      },
      page.status ?? (page.formErrors ? 400 : 200),
    )
  }

  app.get<ElementParams>('/episodes/:episodeId/assessment/elements/:elementKey/:subject', signedIn, async (request, reply) => renderElement(request, reply, null))

  app.post<ElementParams>('/episodes/:episodeId/assessment/elements/:elementKey/:subject', signedIn, async (request, reply) => {
    const values = submitted(request.body)
    const parsed = elementForm.safeParse(request.body)
    if (!parsed.success) return renderElement(request, reply, values, { formErrors: toFormErrors(parsed.error) })
    const { episodeId, elementKey, subject } = request.params
    const result = await attempt(() => assessments.saveElement(request.context(), episodeId, elementKey, subject, parsed.data))
    if ('failure' in result) {
      return renderElement(request, reply, values, { formErrors: failureErrors(result.failure), status: result.failure instanceof StaleAssessmentEditError ? 409 : 400 })
    }
    return reply.redirect(withNotice(paths.assessments.domain(episodeId, result.ok.domainKey, result.ok.saved.subject), 'element'), 303)
  })

  // ---- contributors --------------------------------------------------------------------------------------------------

  async function renderInvite(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: Values, formErrors?: FormErrors) {
    const { detail, users } = await assessments.inviteForm(request.context(), request.params.episodeId)
    const chosen = Array.isArray(values.elementKeys) ? values.elementKeys : typeof values.elementKeys === 'string' ? [values.elementKeys] : []
    const titles = Object.fromEntries(detail.template ? elementsOf(detail.template.content).map(item => [item.element.key, item.element.title]) : [])
    return reply.render(
      'assessments/views/assessment-contributors.njk',
      {
        title: 'Ask a colleague to add to this assessment',
        backLink: paths.assessments.overview(detail.episode.id),
        header: pageHeader(detail),
        action: paths.assessments.contributors(detail.episode.id),
        consentProblem: detail.consentProblem,
        values,
        userItems: [
          { value: '', text: 'Choose a colleague' },
          ...users.map(user => ({ value: user.id, text: `${user.name}${user.agencyNames.length ? `, ${user.agencyNames.join(', ')}` : ''}`, selected: values.userId === user.id })),
        ],
        domains: (detail.template?.content.domains ?? []).map(domain => ({
          title: domain.title,
          items: domain.elements.map(element => ({ value: element.key, text: element.title, checked: chosen.includes(element.key) })),
        })),
        contributors: contributorRows(detail.contributors, titles),
        ...formErrors,
      },
      formErrors ? 400 : 200,
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/assessment/contributors', signedIn, async (request, reply) => renderInvite(request, reply, {}))

  app.post<EpisodeParams>('/episodes/:episodeId/assessment/contributors', signedIn, async (request, reply) => {
    const values = submitted(request.body)
    const parsed = inviteForm.safeParse(request.body)
    if (!parsed.success) return renderInvite(request, reply, values, toFormErrors(parsed.error))
    const result = await attempt(() => assessments.invite(request.context(), request.params.episodeId, parsed.data))
    if ('failure' in result) return renderInvite(request, reply, values, failureErrors(result.failure))
    return reply.redirect(withNotice(paths.assessments.overview(request.params.episodeId), 'invited'), 303)
  })
}

function capitalise(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1)
}
