import type { ApiEndpoint } from '../../api/api.endpoints.ts'
import { noQuery } from '../../api/api.schemas.ts'
import type { Services } from '../../composition.ts'
import type { RequestContext } from '../../policy/actor.ts'
import { approvalBody, assessmentEpisodeParams, completionStatusSchema, pdfResponseSchema, signOffBody, type CompletionStatusView } from './assessment-completion.schemas.ts'
import { defineEndpoint } from '../../api/define-endpoint.ts'

// /api/v1: signing off an assessment, the manager's decision, and the family's copy as a PDF. Same services as the
// pages. Registered in src/api/api.endpoints.ts.

async function statusView(services: Services, context: RequestContext, episodeId: string): Promise<CompletionStatusView> {
  const { assessment, episode } = await services.assessmentCompletion.statusOf(context, episodeId)
  return {
    episodeId,
    assessmentId: assessment.id,
    status: assessment.status,
    outcome: assessment.outcome,
    completionDate: assessment.completionDate,
    signedOffAt: assessment.signedOffAt ? assessment.signedOffAt.toISOString() : null,
    approvedAt: assessment.approvedAt ? assessment.approvedAt.toISOString() : null,
    returnedAt: assessment.returnedAt ? assessment.returnedAt.toISOString() : null,
    returnComments: assessment.returnComments,
    episodeStatus: episode.status,
    version: assessment.version,
  }
}

export const assessmentCompletionEndpoints: readonly ApiEndpoint[] = [
  defineEndpoint({
    method: 'POST',
    path: '/episodes/{episodeId}/assessment/sign-off',
    operationId: 'signOffAssessment',
    summary: 'Sign off an assessment',
    description:
      'The assessor records the outcome (no further action, single-agency or multi-agency support) and the completion date, and confirms the assessment is a fair record. Refused (422, nothing changes) when the basic details or the conclusions are missing. Where the authority asks for it, the assessment then waits for a manager’s approval (they are emailed a link); otherwise it is complete and the episode moves on.',
    tag: 'Assessments',
    action: 'assessment.sign-off',
    recordType: 'assessment',
    params: assessmentEpisodeParams,
    query: noQuery,
    body: signOffBody,
    conflict: 'Someone else changed the assessment since the version you sent.',
    authorize: ({ services, context, params }) => services.assessmentCompletion.ensureAllowed(context, 'assessment.sign-off', params.episodeId),
    success: { status: 200, description: 'The assessment is signed off.', schema: completionStatusSchema },
    handle: async ({ services, context, params, body }) => {
      await services.assessmentCompletion.signOff(context, params.episodeId, body)
      return statusView(services, context, params.episodeId)
    },
  }),
  defineEndpoint({
    method: 'POST',
    path: '/episodes/{episodeId}/assessment/approval',
    operationId: 'decideAssessmentApproval',
    summary: 'Approve or return an assessment',
    description:
      'The assessor’s manager (the manager role, sharing an agency with the assessor) approves an assessment waiting for approval — it is complete and the episode moves on — or returns it with comments (required).',
    tag: 'Assessments',
    action: 'assessment.approve',
    recordType: 'assessment',
    params: assessmentEpisodeParams,
    query: noQuery,
    body: approvalBody,
    conflict: 'Someone else changed the assessment since the version you sent.',
    authorize: ({ services, context, params }) => services.assessmentCompletion.ensureAllowed(context, 'assessment.approve', params.episodeId),
    success: { status: 200, description: 'The decision is recorded.', schema: completionStatusSchema },
    handle: async ({ services, context, params, body }) => {
      await services.assessmentCompletion.decideApproval(context, params.episodeId, body)
      return statusView(services, context, params.episodeId)
    },
  }),
  defineEndpoint({
    method: 'GET',
    path: '/episodes/{episodeId}/assessment/family-copy.pdf',
    operationId: 'getAssessmentFamilyCopyPdf',
    summary: 'The family’s copy as a PDF',
    description: 'The plain-language copy of the assessment for the family, with its cover page, as a tagged PDF. Each read is audited.',
    tag: 'Assessments',
    action: 'assessment.view',
    recordType: 'assessment',
    params: assessmentEpisodeParams,
    query: noQuery,
    authorize: ({ services, context, params }) => services.familyCopies.ensureAllowed(context, 'assessment.view', params.episodeId),
    success: { status: 200, description: 'The PDF (sent as an attachment, not cached).', schema: pdfResponseSchema, mediaType: 'application/pdf' },
    handle: async ({ services, context, params, reply }) => {
      const { bytes, fileName } = await services.familyCopies.pdf(context, params.episodeId)
      reply.header('content-disposition', `attachment; filename="${fileName}"`).header('cache-control', 'no-store')
      return bytes
    },
  }),
]
