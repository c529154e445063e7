import type { z } from 'zod'
import type { ApiEndpoint } from '../../api/api.endpoints.ts'
import { noQuery } from '../../api/api.schemas.ts'
import { NotFoundError } from '../../lib/errors.ts'
import { apiAssessmentSchema, apiElementSchema, assessmentParams, elementBody, elementParams, startBody } from './assessments.schemas.ts'
import { elementRecordId, readyForSignOff, type AssessmentView, type ElementRecord } from './assessments.service.ts'
import { apiDisputes, disputesByRecord } from '../records-history/dispute-api.ts'
import type { DisputeRow } from '../records-history/record-history.repository.ts'
import type { templateContentSchema } from './templates.schemas.ts'
import { defineEndpoint } from '../../api/define-endpoint.ts'

// /api/v1/episodes/{episodeId}/assessment: the same operations as the pages, through the same service. Registered in
// src/api/api.endpoints.ts.

function elementView(element: ElementRecord, disputes: readonly DisputeRow[]): z.input<typeof apiElementSchema> {
  return {
    elementKey: element.elementKey,
    subject: element.subject,
    notAssessed: element.notAssessed,
    strengths: element.strengths,
    needs: element.needs,
    childWords: element.childWords,
    parentWords: element.parentWords,
    practitionerScore: element.practitionerScore,
    familyScoreAdult: element.familyScoreAdult,
    familyScoreChild: element.familyScoreChild,
    updatedBy: element.updatedByName,
    updatedAt: element.updatedAt.toISOString(),
    version: element.version,
    disputes: apiDisputes(disputes),
  }
}

function assessmentView(detail: AssessmentView): z.input<typeof apiAssessmentSchema> {
  const { assessment, template } = detail
  if (!assessment || !template) throw new NotFoundError('No assessment has been started for this episode.')
  const disputes = disputesByRecord(detail.elementDisputes)
  return {
    id: assessment.id,
    episodeId: assessment.episodeId,
    status: assessment.status,
    assessor: { userId: assessment.assessorUserId, name: assessment.assessorName, agencyName: assessment.assessorAgencyName },
    template: {
      id: template.id,
      templateKey: template.templateKey,
      versionNumber: template.versionNumber,
      name: template.name,
      content: template.content as z.input<typeof templateContentSchema>,
    },
    subjects: detail.people.map(person => ({ id: person.id, name: `${person.givenNames} ${person.familyName}`, role: person.role })),
    steps: {
      explainedAt: assessment.explainedAt,
      explanationNotes: assessment.explanationNotes,
      discussionDate: assessment.discussionDate,
      reason: assessment.reason,
      present: assessment.present,
      conclusions: assessment.conclusions,
      familyAgreement: assessment.familyAgreement,
      differencesOfOpinion: assessment.differencesOfOpinion,
      solutions: assessment.solutions,
      familyCanDo: assessment.familyCanDo,
      agreedActions: assessment.agreedActions,
      reviewDate: assessment.reviewDate,
    },
    elements: detail.elements.map(element => elementView(element, disputes.get(elementRecordId(element)) ?? [])),
    contributors: detail.contributors.map(contributor => ({
      userId: contributor.userId,
      name: contributor.name,
      agencyName: contributor.agencyName,
      elementKeys: contributor.elementKeys,
      completedAt: contributor.completedAt ? contributor.completedAt.toISOString() : null,
    })),
    missingForSignOff: readyForSignOff(assessment, detail.elements),
    yourElementKeys: detail.you.elementKeys,
    version: assessment.version,
    createdAt: assessment.createdAt.toISOString(),
    updatedAt: assessment.updatedAt.toISOString(),
  }
}

export const assessmentEndpoints: readonly ApiEndpoint[] = [
  defineEndpoint({
    method: 'GET',
    path: '/episodes/{episodeId}/assessment',
    operationId: 'getAssessment',
    summary: 'The episode’s common assessment',
    description:
      'The whole assessment: its steps, the template version it uses (domains, elements, guidance prompts), every element recorded for each child or the family, and the contributors. 404 when it has not been started. Audited.',
    tag: 'Assessments',
    action: 'assessment.view',
    recordType: 'assessment',
    params: assessmentParams,
    query: noQuery,
    authorize: ({ services, context, params }) => services.assessments.ensureAllowed(context, 'assessment.view', params.episodeId),
    success: { status: 200, description: 'The assessment.', schema: apiAssessmentSchema },
    handle: async ({ services, context, params }) => assessmentView(await services.assessments.view(context, params.episodeId)),
  }),
  defineEndpoint({
    method: 'POST',
    path: '/episodes/{episodeId}/assessment',
    operationId: 'startAssessment',
    summary: 'Start the episode’s common assessment',
    description:
      'Starts the assessment with the episode’s template version; you become its assessor. Needs consent to assess (422 otherwise). If it has already started, the existing assessment is returned. Send an empty JSON object.',
    tag: 'Assessments',
    action: 'assessment.edit',
    recordType: 'assessment',
    params: assessmentParams,
    query: noQuery,
    body: startBody,
    authorize: ({ services, context, params }) => services.assessments.ensureAllowed(context, 'assessment.edit', params.episodeId),
    success: { status: 201, description: 'The assessment.', schema: apiAssessmentSchema },
    handle: async ({ services, context, params }) => {
      await services.assessments.start(context, params.episodeId)
      return assessmentView(await services.assessments.view(context, params.episodeId))
    },
  }),
  defineEndpoint({
    method: 'POST',
    path: '/episodes/{episodeId}/assessment/elements/{elementKey}/{subject}',
    operationId: 'saveAssessmentElement',
    summary: 'Record one element for a child or the family',
    description:
      'Saves an element (strengths, needs, the child’s and parent’s words, the practitioner’s Distance Travelled score, the family’s own scores, or not assessed) for one subject: a child of the episode for an each-child domain, "family" for a family domain. Send the version you read (0 for an element not recorded yet): a stale version changes nothing and gets 409 — read the assessment again, merge, and send the new version. Needs consent to assess (422 otherwise). A contributor may save only the elements they were asked to complete (403 otherwise).',
    tag: 'Assessments',
    action: 'assessment.edit',
    recordType: 'assessment',
    params: elementParams,
    query: noQuery,
    body: elementBody,
    conflict: 'Someone else saved this element after the version you read. Nothing was changed.',
    authorize: ({ services, context, params }) => services.assessments.ensureAllowed(context, 'assessment.edit', params.episodeId),
    success: { status: 200, description: 'The element as saved.', schema: apiElementSchema },
    handle: async ({ services, context, params, body }) => {
      const { saved, disputes } = await services.assessments.saveElement(context, params.episodeId, params.elementKey, params.subject, body)
      return elementView(saved, disputes)
    },
  }),
]
