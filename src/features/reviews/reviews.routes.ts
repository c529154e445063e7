import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../composition.ts'
import { DomainRuleError } from '../../lib/errors.ts'
import { singleError, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { requireSignedIn } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { formatDate } from '../../plugins/views.ts'
import { dateInputItems } from '../../lib/dates.ts'
import { episodeNav } from '../episodes/episode-summary.ts'
import {
  cadenceForm,
  closureDecisionForm,
  MAX_REVIEW_WEEKS,
  MIN_REVIEW_WEEKS,
  parseClosureForm,
  parseReviewForm,
} from './reviews.schemas.ts'
import { StaleReviewError, type ReviewsOverview } from './reviews.service.ts'
import {
  actionFields,
  closureQueueRows,
  closureReasonItems,
  closureRows,
  decisionItems,
  distanceTable,
  latestScoreValues,
  meetingItems,
  needFields,
  progressRows,
  reviewRows,
  reviewSummaryRows,
  scheduleRows,
  scoreSections,
  submitted,
} from './reviews.view-models.ts'
import { noticeFrom } from '../../lib/notices.ts'

type EpisodeParams = { Params: { episodeId: string } }
type ReviewParams = { Params: { episodeId: string; reviewId: string } }
type Values = Record<string, string | undefined>
type Page = { formErrors?: FormErrors; status?: number; conflict?: boolean }

const NOTICES: Record<string, string> = {
  recorded: 'The review is recorded. The next review date has moved on.',
  'revise-plan': 'The review is recorded. The team agreed to revise the plan: change it on the plan page.',
  'step-up-panel': 'The review is recorded with the decision to step up to the multi-agency panel.',
  cadence: 'How often reviews happen has been changed.',
  closed: 'The episode is closed.',
  'awaiting-approval': 'The closure is recorded and waits for a manager’s approval: they have been sent a link.',
  'awaiting-approval-no-manager': 'The closure waits for a manager’s approval, but nobody with the manager role shares an agency with the lead professional. Ask your administrator to give a manager in that agency access.',
  approved: 'You approved the closure. The episode is closed.',
  returned: 'You returned the closure with your comments. Whoever asked to close it has been told.',
}

/** Reviews, the Distance Travelled summary, closing an episode and the manager's approval of a closure. */
export function registerReviewRoutes(app: FastifyInstance, services: Services) {
  const { reviews, auth } = services
  const signedIn = { preHandler: requireSignedIn(auth) }

  function common(data: ReviewsOverview) {
    return { episodeNav: episodeNav(data.summary, 'reviews'), reference: data.summary.reference, closed: data.episode.status === 'closed' }
  }

  // ---- the reviews page ----------------------------------------------------------------------------------------

  app.get<EpisodeParams>('/episodes/:episodeId/reviews', signedIn, async (request, reply) => {
    const data = await reviews.overview(request.context(), request.params.episodeId)
    const id = data.episode.id
    const open = data.episode.status !== 'closed'
    const table = distanceTable(data.history)
    return reply.render('reviews/views/list.njk', {
      title: `Reviews: ${data.summary.reference}`,
      notice: noticeFrom(request, NOTICES),
      ...common(data),
      scheduleRows: scheduleRows(data.schedule, id, open),
      overdue: data.schedule.overdue,
      nextReviewOn: data.schedule.nextReviewOn ? formatDate(data.schedule.nextReviewOn) : null,
      canRecord: open && data.episode.status === 'support',
      notYetSupport: open && data.episode.status !== 'support',
      recordHref: paths.reviews.record(id),
      rows: reviewRows(data.reviews, id),
      distanceRows: table.rows.length,
      distanceHref: paths.reviews.distanceTravelled(id),
      closure: data.closure ? { rows: closureRows(data.closure), status: data.closure.status } : null,
      canClose: open && data.closure?.status !== 'awaiting_approval',
      closeHref: paths.reviews.close(id),
      closureApprovalRequired: data.closureApprovalRequired,
      previousEpisode: data.previousEpisode
        ? { reference: data.previousEpisode.reference, closedOn: formatDate(data.previousEpisode.closedAt), href: paths.episodes.show(data.previousEpisode.id) }
        : null,
    })
  })

  app.get<EpisodeParams>('/episodes/:episodeId/reviews/distance-travelled', signedIn, async (request, reply) => {
    const data = await reviews.overview(request.context(), request.params.episodeId, 'distance travelled summary')
    return reply.render('reviews/views/distance-travelled.njk', {
      title: `Distance Travelled: ${data.summary.reference}`,
      backLink: paths.reviews.list(data.episode.id),
      ...common(data),
      table: distanceTable(data.history),
    })
  })

  // ---- cadence -------------------------------------------------------------------------------------------------

  async function renderCadence(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: Values | null, page: Page = {}) {
    const data = await reviews.cadencePage(request.context(), request.params.episodeId)
    const shown: Values = values ?? { reviewWeeks: String(data.schedule.reviewWeeks), version: String(data.episode.version) }
    return reply.render(
      'reviews/views/cadence.njk',
      {
        title: `How often reviews happen: ${data.summary.reference}`,
        backLink: paths.reviews.list(data.episode.id),
        ...common(data),
        action: paths.reviews.cadence(data.episode.id),
        values: shown,
        defaultWeeks: data.schedule.defaultWeeks,
        min: MIN_REVIEW_WEEKS,
        max: MAX_REVIEW_WEEKS,
        conflict: page.conflict === true,
        ...page.formErrors,
      },
      page.status ?? (page.formErrors ? 400 : 200),
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/reviews/cadence', signedIn, async (request, reply) => renderCadence(request, reply, null))

  app.post<EpisodeParams>('/episodes/:episodeId/reviews/cadence', signedIn, async (request, reply) => {
    const { episodeId } = request.params
    await reviews.ensureAllowed(request.context(), 'review.record', episodeId)
    const values = submitted(request.body)
    const parsed = cadenceForm.safeParse(request.body)
    if (!parsed.success) return renderCadence(request, reply, values, { formErrors: toFormErrors(parsed.error) })
    try {
      await reviews.setCadence(request.context(), episodeId, parsed.data)
      return reply.redirect(`${paths.reviews.list(episodeId)}?done=cadence`, 303)
    } catch (error) {
      if (error instanceof StaleReviewError) {
        return renderCadence(request, reply, { ...values, version: String(error.current.episodeVersion ?? '') }, {
          formErrors: singleError('reviewWeeks', `${error.message}. Check the number of weeks and save again`),
          conflict: true,
          status: 409,
        })
      }
      if (error instanceof DomainRuleError) return renderCadence(request, reply, values, { formErrors: singleError(error.field ?? 'reviewWeeks', error.message), status: 422 })
      throw error
    }
  })

  // ---- recording a review --------------------------------------------------------------------------------------

  async function renderReviewForm(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: Values | null, page: Page = {}) {
    const data = await reviews.reviewForm(request.context(), request.params.episodeId)
    const id = data.episode.id
    const shown: Values = values ?? {}
    const fieldErrors = page.formErrors?.fieldErrors ?? {}
    return reply.render(
      'reviews/views/review-form.njk',
      {
        title: `Record a review: ${data.summary.reference}`,
        backLink: paths.reviews.list(id),
        ...common(data),
        action: paths.reviews.record(id),
        open: data.episode.status === 'support',
        values: shown,
        dateItems: dateInputItems('heldOn', shown, Boolean(fieldErrors['heldOn-day'])),
        meetingItems: meetingItems(data.meetings, shown),
        hasMeetings: data.meetings.length > 0,
        scoreSections: scoreSections(data.history, shown, fieldErrors),
        actions: actionFields(data.actions, shown, fieldErrors),
        needs: needFields(data.needs, shown, fieldErrors),
        decisionItems: decisionItems(shown),
        planHref: paths.plans.show(id),
        conflict: page.conflict === true,
        ...page.formErrors,
      },
      page.status ?? (page.formErrors ? 400 : 200),
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/reviews/new', signedIn, async (request, reply) => renderReviewForm(request, reply, null))

  app.post<EpisodeParams>('/episodes/:episodeId/reviews/new', signedIn, async (request, reply) => {
    const { episodeId } = request.params
    await reviews.ensureAllowed(request.context(), 'review.record', episodeId)
    const values = submitted(request.body)
    const parsed = parseReviewForm(request.body).safeParse(request.body)
    if (!parsed.success) return renderReviewForm(request, reply, values, { formErrors: toFormErrors(parsed.error) })
    try {
      const result = await reviews.recordReview(request.context(), episodeId, parsed.data)
      switch (result.decision) {
        case 'close':
          return reply.redirect(`${paths.reviews.close(episodeId)}?fromReview=1`, 303)
        case 'step_up_social_care':
          return reply.redirect(`${paths.reviews.show(episodeId, result.id)}?stepUp=1`, 303)
        case 'revise_plan':
          return reply.redirect(`${paths.reviews.show(episodeId, result.id)}?done=revise-plan`, 303)
        case 'step_up_panel':
          return reply.redirect(`${paths.reviews.show(episodeId, result.id)}?done=step-up-panel`, 303)
        case 'continue':
          return reply.redirect(`${paths.reviews.show(episodeId, result.id)}?done=recorded`, 303)
        default: {
          const unreachable: never = result.decision
          return unreachable
        }
      }
    } catch (error) {
      if (error instanceof StaleReviewError) {
        // Show the plan's actions as they are now: their new versions and statuses replace what was posted.
        const refreshed: Values = { ...values }
        for (const action of error.current.actions ?? []) {
          refreshed[`actionVersion__${action.id}`] = String(action.version)
          refreshed[`action__${action.id}`] = action.status
        }
        return renderReviewForm(request, reply, refreshed, {
          formErrors: singleError('main-content', `${error.message}. Nothing was saved. The actions now show what is saved: check them and save the review again`),
          conflict: true,
          status: 409,
        })
      }
      if (error instanceof DomainRuleError) return renderReviewForm(request, reply, values, { formErrors: singleError(error.field ?? 'main-content', error.message), status: 422 })
      throw error
    }
  })

  // ---- closure -------------------------------------------------------------------------------------------------

  async function renderClosure(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: Values | null, page: Page = {}) {
    const data = await reviews.closureForm(request.context(), request.params.episodeId)
    const id = data.episode.id
    const returned = data.closure?.status === 'returned' ? data.closure : undefined
    const shown: Values = values ?? {
      ...latestScoreValues(data.history),
      ...(returned ? { reason: returned.reason, reasonDetail: returned.reasonDetail ?? '', summaryForFamily: returned.summaryForFamily } : {}),
      version: String(data.episode.version),
    }
    const fromReview = (request.query as Record<string, unknown> | undefined)?.fromReview === '1'
    return reply.render(
      'reviews/views/closure-form.njk',
      {
        title: `Close the episode: ${data.summary.reference}`,
        backLink: paths.reviews.list(id),
        notice: fromReview && !page.formErrors ? { success: true, text: 'The review is recorded. The team decided to close the episode: complete the closure below.' } : undefined,
        ...common(data),
        action: paths.reviews.close(id),
        open: data.episode.status !== 'closed' && data.closure?.status !== 'awaiting_approval',
        awaiting: data.closure?.status === 'awaiting_approval',
        closure: data.closure ? { rows: closureRows(data.closure) } : null,
        returned: returned ? { comment: returned.returnComment ?? '' } : null,
        approvalRequired: data.closureApprovalRequired,
        values: shown,
        reasonItems: closureReasonItems(shown),
        scoreSections: scoreSections(data.history, shown, page.formErrors?.fieldErrors ?? {}),
        conflict: page.conflict === true,
        ...page.formErrors,
      },
      page.status ?? (page.formErrors ? 400 : 200),
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/close', signedIn, async (request, reply) => renderClosure(request, reply, null))

  app.post<EpisodeParams>('/episodes/:episodeId/close', signedIn, async (request, reply) => {
    const { episodeId } = request.params
    await reviews.ensureAllowed(request.context(), 'episode.close', episodeId)
    const values = submitted(request.body)
    const parsed = parseClosureForm(request.body).safeParse(request.body)
    if (!parsed.success) return renderClosure(request, reply, values, { formErrors: toFormErrors(parsed.error) })
    try {
      const result = await reviews.requestClosure(request.context(), episodeId, parsed.data)
      const code = result.status === 'closed' ? 'closed' : result.managersTold > 0 ? 'awaiting-approval' : 'awaiting-approval-no-manager'
      return reply.redirect(`${paths.reviews.list(episodeId)}?done=${code}`, 303)
    } catch (error) {
      if (error instanceof StaleReviewError) {
        return renderClosure(request, reply, { ...values, version: String(error.current.episodeVersion ?? '') }, {
          formErrors: singleError('reason', `${error.message}. Nothing was saved: check the page and close the episode again`),
          conflict: true,
          status: 409,
        })
      }
      if (error instanceof DomainRuleError) return renderClosure(request, reply, values, { formErrors: singleError(error.field ?? 'reason', error.message), status: 422 })
      throw error
    }
  })

  // ---- the manager's approval of a closure ---------------------------------------------------------------------

  app.get(paths.reviews.closuresAwaitingApproval(), signedIn, async (request, reply) => {
    const items = await reviews.closureQueue(request.context())
    return reply.render('reviews/views/closure-queue.njk', {
      title: 'Closures waiting for your approval',
      backLink: paths.home(),
      rows: closureQueueRows(items),
      count: items.length,
    })
  })

  async function renderApproval(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: Values | null, page: Page = {}) {
    const data = await reviews.closureApprovalPage(request.context(), request.params.episodeId)
    const pending = data.closure?.status === 'awaiting_approval'
    const shown: Values = values ?? { version: String(data.closure?.version ?? '') }
    return reply.render(
      'reviews/views/closure-approval.njk',
      {
        title: `Approve closing the episode: ${data.summary.reference}`,
        backLink: paths.reviews.closuresAwaitingApproval(),
        notice: noticeFrom(request, NOTICES),
        ...common(data),
        action: paths.reviews.closureApproval(data.episode.id),
        pending,
        closure: data.closure ? { rows: closureRows(data.closure) } : null,
        table: distanceTable(data.history),
        values: shown,
        decisionItems: [
          { value: 'approve', text: 'Approve it', hint: { text: 'The episode closes now.' }, checked: shown.decision === 'approve' },
          { value: 'return', text: 'Return it with comments', hint: { text: 'The episode stays open. Whoever asked to close it is told.' }, checked: shown.decision === 'return' },
        ],
        conflict: page.conflict === true,
        ...page.formErrors,
      },
      page.status ?? (page.formErrors ? 400 : 200),
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/close/approval', signedIn, async (request, reply) => renderApproval(request, reply, null))

  app.post<EpisodeParams>('/episodes/:episodeId/close/approval', signedIn, async (request, reply) => {
    const { episodeId } = request.params
    await reviews.ensureAllowed(request.context(), 'episode.approve-closure', episodeId)
    const values = submitted(request.body)
    const parsed = closureDecisionForm.safeParse(request.body)
    if (!parsed.success) return renderApproval(request, reply, values, { formErrors: toFormErrors(parsed.error) })
    try {
      const result = await reviews.decideClosure(request.context(), episodeId, parsed.data)
      return reply.redirect(`${paths.reviews.closureApproval(episodeId)}?done=${result.status === 'closed' ? 'approved' : 'returned'}`, 303)
    } catch (error) {
      if (error instanceof StaleReviewError) {
        return renderApproval(request, reply, { ...values, version: String(error.current.closure?.version ?? '') }, {
          formErrors: singleError('decision', `${error.message}. What is saved now is shown below`),
          conflict: true,
          status: 409,
        })
      }
      if (error instanceof DomainRuleError) return renderApproval(request, reply, values, { formErrors: singleError(error.field ?? 'decision', error.message), status: 422 })
      throw error
    }
  })

  // ---- one review ----------------------------------------------------------------------------------------------

  app.get<ReviewParams>('/episodes/:episodeId/reviews/:reviewId', signedIn, async (request, reply) => {
    const data = await reviews.review(request.context(), request.params.episodeId, request.params.reviewId)
    const id = data.episode.id
    const { actionRows, needRows } = progressRows(data.progress, data.actions, data.needs)
    const index = data.history.reviews.findIndex(item => item.id === data.review.id)
    const scores = data.history.reviews[index]?.scores
    const scoreRows = data.history.items
      .filter(item => scores?.has(`${item.elementKey}__${item.subject}`))
      .map(item => [{ text: `${item.elementTitle}${item.subjectName ? ` (${item.subjectName})` : ' (family)'}` }, { text: String(scores?.get(`${item.elementKey}__${item.subject}`) ?? '—'), format: 'numeric' }])
    const stepUp = (request.query as Record<string, unknown> | undefined)?.stepUp === '1' || data.review.decision === 'step_up_social_care'
    return reply.render('reviews/views/review.njk', {
      title: `Review of ${formatDate(data.review.heldOn)}: ${data.summary.reference}`,
      backLink: paths.reviews.list(id),
      notice: noticeFrom(request, NOTICES),
      ...common(data),
      heading: `Review of ${formatDate(data.review.heldOn)}`,
      rows: reviewSummaryRows(data.review, data.meeting),
      scoreRows,
      actionRows,
      needRows,
      stepUp: stepUp && data.episode.status !== 'closed',
      safeguardingHref: paths.episodes.safeguarding(id),
      revisePlan: data.review.decision === 'revise_plan',
      planHref: paths.plans.show(id),
      closeHref: data.review.decision === 'close' && data.episode.status !== 'closed' ? paths.reviews.close(id) : null,
      distanceHref: paths.reviews.distanceTravelled(id),
    })
  })
}
