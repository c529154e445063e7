import type { z } from 'zod'
import type { ApiEndpoint } from '../../api/api.endpoints.ts'
import { noQuery } from '../../api/api.schemas.ts'
import { appointLeadBody, leadSchema, newTeamMemberBody, teamParams, teamSchema } from './team.schemas.ts'
import type { LeadProfessional, TeamPage } from './team.service.ts'
import { defineEndpoint } from '../../api/define-endpoint.ts'

// /api/v1/episodes/{episodeId}/team and /lead: the same operations as the team pages, through the same service.

const iso = (value: Date | null) => (value === null ? null : value.toISOString())

function leadView(lead: LeadProfessional): z.input<typeof leadSchema> {
  return {
    id: lead.id,
    scope: lead.scope,
    userId: lead.userId,
    name: lead.name,
    agencyName: lead.agencyName,
    appointedVia: lead.appointedVia,
    familyChose: lead.familyChose,
    familyPreference: lead.familyPreference,
    startedAt: lead.startedAt.toISOString(),
    endedAt: iso(lead.endedAt),
  }
}

function teamView(page: TeamPage): z.input<typeof teamSchema> {
  return {
    episodeId: page.summary.id,
    practitioners: [...page.practitioners, ...page.formerPractitioners].map(member => ({
      userId: member.userId,
      name: member.name,
      teamRole: member.teamRole,
      agencyId: member.agencyId,
      agencyName: member.agencyName,
      joinedAt: member.joinedAt.toISOString(),
      leftAt: iso(member.leftAt),
      leftReason: member.leftReason,
    })),
    familyMembers: [...page.family, ...page.formerFamily].map(member => ({
      id: member.id,
      personId: member.personId,
      name: member.name,
      kind: member.kind,
      relationship: member.relationship,
      organisation: member.organisation,
      joinedAt: member.joinedAt.toISOString(),
      leftAt: iso(member.leftAt),
    })),
    leads: [...page.currentLeads, ...page.pastLeads].map(leadView),
    maxTeamPractitioners: page.settings.maxTeamPractitioners,
    overSize: page.overSize,
    history: page.changes.map(change => ({ change: change.change, memberName: change.memberName, detail: change.detail, at: change.at.toISOString() })),
  }
}

export const teamEndpoints: readonly ApiEndpoint[] = [
  defineEndpoint({
    method: 'GET',
    path: '/episodes/{episodeId}/team',
    operationId: 'getTeam',
    summary: 'The team around the family',
    description: 'Practitioners, family members and supporters (current and former), lead professionals (current and past) and the team’s history. Audited.',
    tag: 'Team',
    action: 'team.view',
    recordType: 'episode',
    params: teamParams,
    query: noQuery,
    authorize: ({ services, context, params }) => services.team.ensureEpisodeAllowed(context, 'team.view', params.episodeId),
    success: { status: 200, description: 'The team.', schema: teamSchema },
    handle: async ({ services, context, params }) => teamView(await services.team.teamPage(context, params.episodeId)),
  }),
  defineEndpoint({
    method: 'POST',
    path: '/episodes/{episodeId}/team/members',
    operationId: 'addTeamMember',
    summary: 'Add someone to the team',
    description:
      'type "practitioner": a practitioner from the directory joins the team (and can open the episode). type "family": a family member or a family-side supporter (advocate, parent advice service, friend). The joining is kept in the team’s history.',
    tag: 'Team',
    action: 'team.manage',
    recordType: 'episode',
    params: teamParams,
    query: noQuery,
    body: newTeamMemberBody,
    authorize: ({ services, context, params }) => services.team.ensureEpisodeAllowed(context, 'team.manage', params.episodeId),
    success: { status: 201, description: 'They joined the team; the whole team is returned.', schema: teamSchema },
    handle: async ({ services, context, params, body }) => {
      if (body.type === 'practitioner') {
        await services.team.addPractitioner(context, params.episodeId, { userId: body.userId, agencyId: body.agencyId ?? null, teamRole: body.teamRole || null })
      } else {
        await services.team.addFamilyMember(context, params.episodeId, {
          kind: body.kind,
          personId: body.personId ?? null,
          name: body.name || null,
          relationship: body.relationship || null,
          organisation: body.organisation || null,
          email: body.email || null,
          phone: body.phone ?? null,
        })
      }
      return teamView(await services.team.teamPage(context, params.episodeId))
    },
  }),
  defineEndpoint({
    method: 'POST',
    path: '/episodes/{episodeId}/lead',
    operationId: 'appointLeadProfessional',
    summary: 'Appoint a lead professional',
    description:
      'Appoints a practitioner on the team as lead professional for the whole family, or for the children or the adults (never both a whole-family lead and a split). A lead in place is changed by handover, not by a second appointment (422).',
    tag: 'Team',
    action: 'lead.appoint',
    recordType: 'lead_professional',
    params: teamParams,
    query: noQuery,
    body: appointLeadBody,
    authorize: ({ services, context, params }) => services.team.ensureEpisodeAllowed(context, 'lead.appoint', params.episodeId),
    success: { status: 201, description: 'The lead professional.', schema: leadSchema },
    handle: async ({ services, context, params, body }) => {
      const { id } = await services.team.appointLead(context, params.episodeId, body)
      const page = await services.team.teamPage(context, params.episodeId)
      const lead = page.currentLeads.find(item => item.id === id)
      if (!lead) throw new Error('appointed lead not found')
      return leadView(lead)
    },
  }),
]
