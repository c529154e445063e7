import type { z } from 'zod'
import type { ApiEndpoint } from '../../api/api.endpoints.ts'
import { noQuery } from '../../api/api.schemas.ts'
import {
  consentSchema,
  episodeListSchema,
  episodeParams,
  episodeSchema,
  newConsentBody,
  newEpisodeBody,
  newReferralBody,
  referralSchema,
} from './episodes.schemas.ts'
import type { ConsentRecord, EpisodeDetail, ReferralRecord } from './episodes.service.ts'
import { defineEndpoint } from '../../api/define-endpoint.ts'

// /api/v1/episodes: the same operations as the pages, through the same service. Registered in src/api/api.endpoints.ts.

function consentView(consent: ConsentRecord): z.input<typeof consentSchema> {
  return {
    id: consent.id,
    decision: consent.decision,
    giverKind: consent.giverKind,
    giverPersonId: consent.giverPersonId,
    giverName: consent.giverName,
    giverRelationship: consent.giverRelationship,
    competence: consent.competenceBasis
      ? { basis: consent.competenceBasis, judgedBy: consent.competenceJudgedBy ?? '', reasoning: consent.competenceReasoning ?? '' }
      : null,
    toAssess: consent.toAssess,
    shareAgencyIds: consent.shareAgencyIds,
    shareAgencyKinds: consent.shareAgencyKinds,
    method: consent.method,
    givenOn: consent.givenOn,
    refusalReason: consent.refusalReason,
    withdrawnOn: consent.withdrawnOn,
    withdrawalReason: consent.withdrawalReason,
  }
}

function referralView(referral: ReferralRecord): z.input<typeof referralSchema> {
  return {
    id: referral.id,
    referredTo: referral.referredTo,
    concern: referral.concern,
    referredAt: referral.referredAt.toISOString(),
    method: referral.method,
    reference: referral.reference,
    spokeTo: referral.spokeTo,
    outcome: referral.outcome,
  }
}

function episodeView(detail: EpisodeDetail): z.input<typeof episodeSchema> {
  const { episode } = detail
  return {
    id: episode.id,
    reference: episode.reference,
    scope: episode.scope,
    householdId: episode.householdId,
    status: episode.status,
    safeguardingFlag: episode.safeguardingFlag,
    outcome: episode.outcome,
    startedAt: episode.startedAt.toISOString(),
    closedAt: episode.closedAt ? episode.closedAt.toISOString() : null,
    templateVersionId: episode.templateVersionId,
    consentToAssess: detail.consentToAssess,
    people: detail.people.map(person => ({ id: person.id, name: `${person.givenNames} ${person.familyName}`, role: person.role, dateOfBirth: person.dateOfBirth })),
    members: detail.members.map(member => ({ userId: member.userId, name: member.name, agencyName: member.agencyName, role: member.role })),
    checklist: detail.checklist
      ? { outcome: detail.checklist.outcome, answers: detail.checklist.answers.map(answer => ({ key: answer.key, question: answer.question, answer: answer.answer })) }
      : null,
    consents: detail.consents.map(consentView),
    safeguardingReferrals: detail.referrals.map(referralView),
    version: episode.version,
  }
}

export const episodeEndpoints: readonly ApiEndpoint[] = [
  defineEndpoint({
    method: 'GET',
    path: '/episodes',
    operationId: 'listMyEpisodes',
    summary: 'Your episodes',
    description: 'The episodes of early help you are on the team of, newest first. The read is audited.',
    tag: 'Episodes',
    action: 'episode.list-own',
    recordType: 'episode',
    query: noQuery,
    success: { status: 200, description: 'Your episodes.', schema: episodeListSchema },
    handle: async ({ services, context }) => ({
      items: (await services.episodes.listMine(context)).map(item => ({
        id: item.id,
        reference: item.reference,
        scope: item.scope,
        status: item.status,
        safeguardingFlag: item.safeguardingFlag,
        outcome: item.outcome,
        startedAt: item.startedAt.toISOString(),
        yourRole: item.role,
        children: item.people,
      })),
    }),
  }),
  defineEndpoint({
    method: 'POST',
    path: '/episodes',
    operationId: 'startEpisode',
    summary: 'Start an episode',
    description:
      'Starts an episode of early help for one child (personId) or for a family (householdId with the subject children and the adults included). You must be able to see the person or household; you become the episode’s owner.',
    tag: 'Episodes',
    action: 'episode.start',
    recordType: 'episode',
    query: noQuery,
    body: newEpisodeBody,
    success: { status: 201, description: 'The episode was started.', schema: episodeSchema },
    handle: async ({ services, context, body }) => {
      const started = await services.episodes.start(context, body)
      return episodeView(await services.episodes.view(context, started.id))
    },
  }),
  defineEndpoint({
    method: 'GET',
    path: '/episodes/{episodeId}',
    operationId: 'getEpisode',
    summary: 'One episode',
    description: 'An episode you are on the team of (coordinators: any of your authority), with its people, team, checklist, consent and safeguarding referrals. Audited.',
    tag: 'Episodes',
    action: 'episode.view',
    recordType: 'episode',
    params: episodeParams,
    query: noQuery,
    authorize: ({ services, context, params }) => services.episodes.ensureEpisodeAllowed(context, 'episode.view', params.episodeId),
    success: { status: 200, description: 'The episode.', schema: episodeSchema },
    handle: async ({ services, context, params }) => episodeView(await services.episodes.view(context, params.episodeId)),
  }),
  defineEndpoint({
    method: 'POST',
    path: '/episodes/{episodeId}/consents',
    operationId: 'recordConsent',
    summary: 'Record consent or its refusal',
    description:
      'Records consent (to the assessment and/or to sharing with named agencies or kinds of agency) or its refusal. A refusal ends the episode with the outcome consent_refused.',
    tag: 'Episodes',
    action: 'episode.update',
    recordType: 'episode',
    params: episodeParams,
    query: noQuery,
    body: newConsentBody,
    authorize: ({ services, context, params }) => services.episodes.ensureEpisodeAllowed(context, 'episode.update', params.episodeId),
    success: { status: 201, description: 'The consent was recorded.', schema: consentSchema },
    handle: async ({ services, context, params, body }) => {
      const { id } = await services.episodes.recordConsent(context, params.episodeId, body)
      const detail = await services.episodes.view(context, params.episodeId)
      const consent = detail.consents.find(item => item.id === id)
      if (!consent) throw new Error('recorded consent not found')
      return consentView(consent)
    },
  }),
  defineEndpoint({
    method: 'POST',
    path: '/episodes/{episodeId}/safeguarding-referrals',
    operationId: 'recordSafeguardingReferral',
    summary: 'Record a safeguarding referral',
    description:
      'Records a referral already made to children’s social care or the police, and flags the episode. Any member of the team may do this, contributors included.',
    tag: 'Episodes',
    action: 'episode.refer-safeguarding',
    recordType: 'episode',
    params: episodeParams,
    query: noQuery,
    body: newReferralBody,
    authorize: ({ services, context, params }) => services.episodes.ensureEpisodeAllowed(context, 'episode.refer-safeguarding', params.episodeId),
    success: { status: 201, description: 'The referral was recorded.', schema: referralSchema },
    handle: async ({ services, context, params, body }) => {
      const id = await services.episodes.recordReferral(context, params.episodeId, body)
      const detail = await services.episodes.view(context, params.episodeId)
      const referral = detail.referrals.find(item => item.id === id)
      if (!referral) throw new Error('recorded referral not found')
      return referralView(referral)
    },
  }),
]
