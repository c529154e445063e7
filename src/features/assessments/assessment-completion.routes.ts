import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../composition.ts'
import { DomainRuleError } from '../../lib/errors.ts'
import { singleError, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { requireSignedIn } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { formatDateTime } from '../../plugins/views.ts'
import { dateInputItems, dateInputValues } from '../../lib/dates.ts'
import { approvalForm, signOffForm } from './assessment-completion.schemas.ts'
import { MissingStepsError, StaleAssessmentError, type CompletionAssessment } from './assessment-completion.service.ts'
import {
  approvalQueueRows,
  completionSummaryRows,
  copyRows,
  missingLinks,
  OUTCOME_NAMES,
  outcomeItems,
  returnNotice,
  statusTag,
  submitted,
} from './assessment-completion.view-models.ts'
import { noticeFrom } from '../../lib/notices.ts'

type EpisodeParams = { Params: { episodeId: string } }
type Values = Record<string, string | undefined>

const NOTICES: Record<string, string> = {
  completed: 'The assessment is signed off and complete. The episode has moved on.',
  'awaiting-approval': 'The assessment is signed off. It now waits for a manager’s approval: they have been sent a link.',
  'awaiting-approval-no-manager': 'The assessment is signed off and waits for a manager’s approval, but nobody with the manager role shares an agency with you. Ask your administrator to give a manager in your agency access.',
  approved: 'You approved the assessment. It is complete and the episode has moved on.',
  returned: 'You returned the assessment to the assessor with your comments. They have been sent a link.',
  'copy-given': 'The family’s copy has been recorded as given.',
}

/** What is saved now, shown beside the form when a save was stale. */
function conflictRows(current: CompletionAssessment) {
  return [
    ...completionSummaryRows(current),
    { key: { text: 'Last changed' }, value: { text: formatDateTime(current.updatedAt) } },
  ]
}

/** Outcome and sign-off, the manager's approval queue and decision. */
export function registerAssessmentCompletionRoutes(app: FastifyInstance, services: Services) {
  const { assessmentCompletion, auth } = services
  const signedIn = { preHandler: requireSignedIn(auth) }

  // ---- outcome and sign-off ------------------------------------------------------------------------------------

  async function renderOutcome(
    request: FastifyRequest<EpisodeParams>,
    reply: FastifyReply,
    values: Values | null,
    page: { formErrors?: FormErrors; conflict?: CompletionAssessment; missingError?: boolean; status?: number } = {},
  ) {
    const data = await assessmentCompletion.completionPage(request.context(), request.params.episodeId)
    const { assessment, episode } = data
    const shown: Values = values ?? { outcome: assessment.outcome ?? undefined, ...dateInputValues('completionDate', assessment.completionDate), version: String(assessment.version) }
    const signable = assessment.status === 'in_progress' || assessment.status === 'returned'
    return reply.render(
      'assessments/views/completion-outcome.njk',
      {
        title: `Outcome and sign-off: ${episode.reference}`,
        backLink: paths.assessments.overview(episode.id),
        notice: noticeFrom(request, NOTICES),
        reference: episode.reference,
        action: paths.assessmentCompletion.outcome(episode.id),
        status: statusTag(assessment.status),
        summaryRows: completionSummaryRows(assessment),
        returned: returnNotice(assessment),
        missing: missingLinks(episode.id, data.missing),
        missingError: page.missingError === true,
        signable,
        canSignOff: signable && data.isAssessor,
        assessorName: assessment.assessorName ?? 'the assessor',
        consentToAssess: data.consentToAssess,
        approvalRequired: data.approvalRequired,
        managerNames: data.managers.map(manager => manager.name),
        outcomeItems: outcomeItems(shown),
        dateItems: dateInputItems('completionDate', shown, Boolean(page.formErrors?.fieldErrors['completionDate-day'])),
        values: shown,
        conflict: page.conflict ? { rows: conflictRows(page.conflict) } : null,
        familyCopyHref: paths.assessmentCompletion.familyCopy(episode.id),
        familyCopyPdfHref: paths.assessmentCompletion.familyCopyPdf(episode.id),
        familyCopyGivenHref: paths.assessmentCompletion.familyCopyGiven(episode.id),
        copies: copyRows(data.copies),
        episodeHref: paths.episodes.show(episode.id),
        ...page.formErrors,
      },
      page.status ?? (page.formErrors ? 400 : 200),
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/assessment/outcome', signedIn, async (request, reply) => {
    // The sign-off form is for those who record the assessment: a panel member reads the assessment, not this page.
    await assessmentCompletion.ensureAllowed(request.context(), 'assessment.edit', request.params.episodeId)
    return renderOutcome(request, reply, null)
  })

  app.post<EpisodeParams>('/episodes/:episodeId/assessment/outcome', signedIn, async (request, reply) => {
    const { episodeId } = request.params
    // Refuse (audited) before reading the form: someone with no access learns nothing from validation messages.
    await assessmentCompletion.ensureAllowed(request.context(), 'assessment.sign-off', episodeId)
    const values = submitted(request.body)
    const parsed = signOffForm.safeParse(request.body)
    if (!parsed.success) return renderOutcome(request, reply, values, { formErrors: toFormErrors(parsed.error) })
    try {
      const result = await assessmentCompletion.signOff(request.context(), episodeId, parsed.data)
      const code = result.status === 'completed' ? 'completed' : result.managersTold > 0 ? 'awaiting-approval' : 'awaiting-approval-no-manager'
      return reply.redirect(`${paths.assessmentCompletion.outcome(episodeId)}?done=${code}`, 303)
    } catch (error) {
      if (error instanceof MissingStepsError) {
        const links = missingLinks(episodeId, error.missing)
        return renderOutcome(request, reply, values, { formErrors: { errors: links, fieldErrors: {} }, missingError: true, status: 422 })
      }
      if (error instanceof StaleAssessmentError) {
        return renderOutcome(request, reply, { ...values, version: String(error.current.version) }, {
          formErrors: singleError('outcome', `${error.message}. What is saved now is shown below: check your answers and sign off again`),
          conflict: error.current,
          status: 409,
        })
      }
      if (error instanceof DomainRuleError) return renderOutcome(request, reply, values, { formErrors: singleError(error.field ?? 'outcome', error.message), status: 422 })
      throw error
    }
  })

  // ---- the manager's approval ----------------------------------------------------------------------------------

  app.get(paths.assessmentCompletion.awaitingApproval(), signedIn, async (request, reply) => {
    const items = await assessmentCompletion.approvalQueue(request.context())
    return reply.render('assessments/views/completion-queue.njk', {
      title: 'Assessments waiting for your approval',
      backLink: paths.home(),
      rows: approvalQueueRows(items),
      count: items.length,
    })
  })

  async function renderApproval(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: Values | null, page: { formErrors?: FormErrors; conflict?: CompletionAssessment; status?: number } = {}) {
    const { episode, assessment } = await assessmentCompletion.approvalPage(request.context(), request.params.episodeId)
    const shown: Values = values ?? { version: String(assessment.version) }
    const pending = assessment.status === 'awaiting_approval'
    return reply.render(
      'assessments/views/completion-approval.njk',
      {
        title: `Approve the assessment: ${episode.reference}`,
        backLink: paths.assessmentCompletion.awaitingApproval(),
        notice: noticeFrom(request, NOTICES),
        reference: episode.reference,
        action: paths.assessmentCompletion.approval(episode.id),
        pending,
        summaryRows: completionSummaryRows(assessment),
        outcomeName: assessment.outcome ? OUTCOME_NAMES[assessment.outcome] : null,
        record: recordRows(assessment),
        values: shown,
        decisionItems: [
          { value: 'approve', text: 'Approve it', hint: { text: 'The assessment is complete and the episode moves on.' }, checked: shown.decision === 'approve' },
          { value: 'return', text: 'Return it to the assessor with comments', checked: shown.decision === 'return' },
        ],
        conflict: page.conflict ? { rows: conflictRows(page.conflict) } : null,
        ...page.formErrors,
      },
      page.status ?? (page.formErrors ? 400 : 200),
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/assessment/approval', signedIn, async (request, reply) => renderApproval(request, reply, null))

  app.post<EpisodeParams>('/episodes/:episodeId/assessment/approval', signedIn, async (request, reply) => {
    const { episodeId } = request.params
    await assessmentCompletion.ensureAllowed(request.context(), 'assessment.approve', episodeId)
    const values = submitted(request.body)
    const parsed = approvalForm.safeParse(request.body)
    if (!parsed.success) return renderApproval(request, reply, values, { formErrors: toFormErrors(parsed.error) })
    try {
      const result = await assessmentCompletion.decideApproval(request.context(), episodeId, parsed.data)
      return reply.redirect(`${paths.assessmentCompletion.approval(episodeId)}?done=${result.status === 'completed' ? 'approved' : 'returned'}`, 303)
    } catch (error) {
      if (error instanceof StaleAssessmentError) {
        return renderApproval(request, reply, { ...values, version: String(error.current.version) }, {
          formErrors: singleError('decision', `${error.message}. What is saved now is shown below`),
          conflict: error.current,
          status: 409,
        })
      }
      if (error instanceof DomainRuleError) return renderApproval(request, reply, values, { formErrors: singleError(error.field ?? 'decision', error.message), status: 422 })
      throw error
    }
  })
}

/** The assessment's steps as the manager reads them before deciding. */
function recordRows(assessment: CompletionAssessment) {
  const row = (key: string, value: string | null) => ({ key: { text: key }, value: { text: value?.trim() ? value : 'Not recorded' } })
  return [
    row('Reason for the assessment', assessment.reason),
    row('Who was there', assessment.present),
    row('Conclusions and evidence', assessment.conclusions),
    row('Family’s agreement', assessment.familyAgreement ? { agrees: 'Agrees', partly_agrees: 'Partly agrees', disagrees: 'Disagrees' }[assessment.familyAgreement] : null),
    row('Differences of opinion', assessment.differencesOfOpinion),
    row('Solutions', assessment.solutions),
    row('What the family can do themselves', assessment.familyCanDo),
    row('Who does what', assessment.agreedActions),
  ]
}
