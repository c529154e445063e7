import type { ApiEndpoint } from '../../api/api.endpoints.ts'
import { noQuery } from '../../api/api.schemas.ts'
import type { Services } from '../../composition.ts'
import type { RequestContext } from '../../policy/actor.ts'
import { closureBody, reviewBody, reviewEpisodeParams, reviewsViewSchema, type ReviewsView } from './reviews.schemas.ts'
import { type ReviewsOverview } from './reviews.service.ts'
import { defineEndpoint } from '../../api/define-endpoint.ts'

// /api/v1: an episode's reviews and Distance Travelled scores, recording a review, and closing the episode. Same
// service as the pages. Registered in src/api/api.endpoints.ts.

function scoresOf(map: Map<string, number>) {
  return [...map.entries()].map(([key, score]) => {
    const separator = key.lastIndexOf('__')
    return { elementKey: key.slice(0, separator), subject: key.slice(separator + 2), score }
  })
}

export function reviewsView(data: ReviewsOverview): ReviewsView {
  const scoresByReview = new Map(data.history.reviews.map(review => [review.id, review.scores]))
  return {
    episodeId: data.episode.id,
    reference: data.episode.reference,
    episodeStatus: data.episode.status,
    episodeVersion: data.episode.version,
    reviewWeeks: data.schedule.reviewWeeks,
    nextReviewOn: data.schedule.nextReviewOn,
    overdue: data.schedule.overdue,
    reviews: data.reviews.map(review => ({
      id: review.id,
      heldOn: review.heldOn,
      meetingId: review.meetingId,
      decision: review.decision,
      decisionReason: review.decisionReason,
      summary: review.summary,
      familyViews: review.familyViews,
      scores: scoresOf(scoresByReview.get(review.id) ?? new Map()),
    })),
    startScores: scoresOf(data.history.start),
    closure: data.closure
      ? {
          status: data.closure.status,
          reason: data.closure.reason,
          reasonDetail: data.closure.reasonDetail,
          summaryForFamily: data.closure.summaryForFamily,
          returnComment: data.closure.returnComment,
          scores: scoresOf(data.history.closure ?? new Map()),
          version: data.closure.version,
        }
      : null,
  }
}

async function view(services: Services, context: RequestContext, episodeId: string, purpose?: string) {
  return reviewsView(await services.reviews.overview(context, episodeId, purpose))
}

export const reviewEndpoints: readonly ApiEndpoint[] = [
  defineEndpoint({
    method: 'GET',
    path: '/episodes/{episodeId}/reviews',
    operationId: 'getReviews',
    summary: 'An episode’s reviews and Distance Travelled scores',
    description:
      'The review cadence and next review date (with whether it is overdue), every review with its decision and scores, the assessment’s scores at the start, and the closure (if asked for). Each read is audited.',
    tag: 'Reviews',
    action: 'review.view',
    recordType: 'reviews',
    params: reviewEpisodeParams,
    query: noQuery,
    authorize: ({ services, context, params }) => services.reviews.ensureAllowed(context, 'review.view', params.episodeId),
    success: { status: 200, description: 'The reviews.', schema: reviewsViewSchema },
    handle: ({ services, context, params }) => view(services, context, params.episodeId),
  }),
  defineEndpoint({
    method: 'POST',
    path: '/episodes/{episodeId}/reviews',
    operationId: 'recordReview',
    summary: 'Record a review',
    description:
      'Records a completed review of an episode at the support stage: Distance Travelled scores (0–4) per element and subject, progress on the plan’s actions (each with the version you read; the action takes the status) and needs, the family’s views and the decision. The next review moves to the review date plus the cadence.',
    tag: 'Reviews',
    action: 'review.record',
    recordType: 'review',
    params: reviewEpisodeParams,
    query: noQuery,
    body: reviewBody,
    conflict: 'Someone changed an action of the plan since the version you sent.',
    authorize: ({ services, context, params }) => services.reviews.ensureAllowed(context, 'review.record', params.episodeId),
    success: { status: 201, description: 'The review is recorded; the episode’s reviews as they are now.', schema: reviewsViewSchema },
    handle: async ({ services, context, params, body }) => {
      await services.reviews.recordReview(context, params.episodeId, body)
      return view(services, context, params.episodeId, 'after recording a review')
    },
  }),
  defineEndpoint({
    method: 'POST',
    path: '/episodes/{episodeId}/closure',
    operationId: 'closeEpisode',
    summary: 'Close an episode',
    description:
      'Closes the episode with a reason, the final Distance Travelled scores and a closing summary for the family. Where the authority asks for it, the closure instead waits for the approval of a manager of the lead professional (they are emailed a link).',
    tag: 'Reviews',
    action: 'episode.close',
    recordType: 'closure',
    params: reviewEpisodeParams,
    query: noQuery,
    body: closureBody,
    conflict: 'Someone changed the episode since the version you sent.',
    authorize: ({ services, context, params }) => services.reviews.ensureAllowed(context, 'episode.close', params.episodeId),
    success: { status: 200, description: 'The closure is recorded; the episode’s reviews and closure as they are now.', schema: reviewsViewSchema },
    handle: async ({ services, context, params, body }) => {
      await services.reviews.requestClosure(context, params.episodeId, body)
      return view(services, context, params.episodeId, 'after closing')
    },
  }),
]
