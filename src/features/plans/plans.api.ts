import type { z } from 'zod'
import type { ApiEndpoint } from '../../api/api.endpoints.ts'
import { noQuery } from '../../api/api.schemas.ts'
import type { Services } from '../../composition.ts'
import type { RequestContext } from '../../policy/actor.ts'
import { isOverdue, type ActionRecord } from './plans.service.ts'
import { actionStatusBody, apiActionSchema, apiPlanSchema, newActionBody, planActionParams, planEpisodeParams } from './plans.schemas.ts'
import { defineEndpoint } from '../../api/define-endpoint.ts'

// /api/v1: the family support plan — read it, add an action, change an action's status. Same service as the pages.
// Registered in src/api/api.endpoints.ts.

function actionView(action: ActionRecord, today: string): z.input<typeof apiActionSchema> {
  return {
    id: action.id,
    needId: action.needId,
    what: action.what,
    owner: { kind: action.ownerKind, name: action.ownerName, userId: action.ownerUserId, agencyId: action.ownerAgencyId, familyTeamMemberId: action.ownerFamilyTeamMemberId },
    dueOn: action.dueOn,
    status: action.status,
    notDoneReason: action.notDoneReason,
    completedOn: action.completedOn,
    overdue: isOverdue(action, today),
    version: action.version,
  }
}

async function planView(services: Services, context: RequestContext, episodeId: string): Promise<z.input<typeof apiPlanSchema>> {
  const page = await services.plans.planPage(context, episodeId)
  return {
    episodeId: page.summary.id,
    outcomesFramework: { key: page.framework.key, name: page.framework.name },
    ifNotAchieved: page.plan?.ifNotAchieved ?? '',
    agreedVersionNumber: page.plan?.agreedVersionNumber ?? 0,
    changedSinceAgreed: page.plan?.changedSinceAgreed ?? false,
    version: page.plan?.version ?? 1,
    needs: page.needs.map(need => ({
      id: need.id,
      description: need.description,
      source: need.assessmentId && need.elementKey && need.subject ? { assessmentId: need.assessmentId, elementKey: need.elementKey, subject: need.subject } : null,
      outcomeWanted: need.outcomeWanted,
      frameworkOutcomes: need.outcomes.map(outcome => ({ key: outcome.key, title: outcome.title })),
      version: need.version,
    })),
    actions: page.actions.map(action => actionView(action, page.today)),
    versions: page.versions.map(version => ({ number: version.number, agreedAt: version.agreedAt.toISOString(), agreedBy: version.agreedByName, changeSummary: version.changeSummary, signatures: version.signatureCount })),
  }
}

const today = () => new Date().toISOString().slice(0, 10)

export const planEndpoints: readonly ApiEndpoint[] = [
  defineEndpoint({
    method: 'GET',
    path: '/episodes/{episodeId}/plan',
    operationId: 'getSupportPlan',
    summary: 'The family support plan',
    description:
      'The working plan: needs (with the assessment element they came from and the framework outcomes they serve), actions with owner, due date, status and whether they are overdue, what happens if the agreed changes do not happen, and the agreed versions. Each read is audited.',
    tag: 'Plans',
    action: 'plan.view',
    recordType: 'support_plan',
    params: planEpisodeParams,
    query: noQuery,
    authorize: ({ services, context, params }) => services.plans.ensureAllowed(context, 'plan.view', params.episodeId),
    success: { status: 200, description: 'The plan.', schema: apiPlanSchema },
    handle: async ({ services, context, params }) => planView(services, context, params.episodeId),
  }),
  defineEndpoint({
    method: 'POST',
    path: '/episodes/{episodeId}/plan/actions',
    operationId: 'addPlanAction',
    summary: 'Add an action to the plan',
    description:
      'What will be done, by whom (a practitioner on the team, an agency, or a family member or supporter on the team) and by when, optionally for one of the plan’s needs. It starts as not started, with its history. Refused (422) on a closed episode or for someone not on the team.',
    tag: 'Plans',
    action: 'plan.edit',
    recordType: 'support_plan',
    params: planEpisodeParams,
    query: noQuery,
    body: newActionBody,
    authorize: ({ services, context, params }) => services.plans.ensureAllowed(context, 'plan.edit', params.episodeId),
    success: { status: 201, description: 'The action as added.', schema: apiActionSchema },
    handle: async ({ services, context, params, body }) => {
      const id = await services.plans.addAction(context, params.episodeId, body)
      return actionView(await services.plans.findAction(context, params.episodeId, id), today())
    },
  }),
  defineEndpoint({
    method: 'PATCH',
    path: '/episodes/{episodeId}/plan/actions/{actionId}',
    operationId: 'updatePlanActionStatus',
    summary: 'Change an action’s status',
    description:
      'Not started, in progress, done, or not done (with the reason), with an optional progress note; added to the action’s history. Send the version you last read: if someone else changed the action since, nothing changes and the answer is 409.',
    tag: 'Plans',
    action: 'plan.edit',
    recordType: 'support_plan',
    params: planActionParams,
    query: noQuery,
    body: actionStatusBody,
    conflict: 'Someone else changed the action since the version you sent.',
    authorize: ({ services, context, params }) => services.plans.ensureAllowed(context, 'plan.edit', params.episodeId),
    success: { status: 200, description: 'The action as it is now.', schema: apiActionSchema },
    handle: async ({ services, context, params, body }) => actionView(await services.plans.updateActionStatus(context, params.episodeId, params.actionId, body), today()),
  }),
]
