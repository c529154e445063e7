import type { z } from 'zod'
import type { ApiEndpoint } from '../../api/api.endpoints.ts'
import { noQuery } from '../../api/api.schemas.ts'
import { DomainRuleError } from '../../lib/errors.ts'
import type { RequestContext } from '../../policy/actor.ts'
import type { Services } from '../../composition.ts'
import { ukDateOf } from '../../lib/dates.ts'
import { attendanceBody, meetingListParams, meetingListSchema, meetingParams, meetingSchema, minutesBody, newMeetingBody } from './meetings.schemas.ts'
import type { MeetingDetail } from './meetings.service.ts'
import { apiDisputes } from '../records-history/dispute-api.ts'
import { defineEndpoint } from '../../api/define-endpoint.ts'

// /api/v1/episodes/{episodeId}/meetings: the same operations as the pages, through the same service. Registered in
// src/api/api.endpoints.ts.

function meetingView(detail: MeetingDetail): z.input<typeof meetingSchema> {
  const { meeting, minutes } = detail
  return {
    id: meeting.id,
    episodeId: meeting.episodeId,
    purpose: meeting.purpose,
    status: meeting.status,
    startsAt: meeting.startsAt.toISOString(),
    endsAt: meeting.endsAt.toISOString(),
    venueName: meeting.venueName,
    venueAddress: meeting.venueAddress,
    neutralVenue: meeting.neutralVenue,
    accessibilityNotes: meeting.accessibilityNotes,
    remoteLink: meeting.remoteLink,
    chairUserId: meeting.chairUserId,
    minuteTakerUserId: meeting.minuteTakerUserId,
    calendar: { uid: meeting.icsUid, sequence: meeting.icsSequence },
    invitees: detail.invitees.map(invitee => ({ id: invitee.id, userId: invitee.userId, familyTeamMemberId: invitee.familyTeamMemberId, name: invitee.name, attendance: invitee.attendance })),
    agenda: detail.agenda.map(item => ({ id: item.id, text: item.text, addedBy: item.addedByName, fromFamily: item.addedByFamilyTeamMemberId !== null || item.addedByFamilyAccountId !== null, addedAt: item.addedAt.toISOString() })),
    minutes: minutes
      ? {
          status: minutes.status,
          dueOn: minutes.dueOn,
          overdue: detail.lateMessage !== null,
          discussion: minutes.discussion,
          decisions: minutes.decisions,
          familyViews: minutes.familyViews,
          approvedAt: minutes.approvedAt ? minutes.approvedAt.toISOString() : null,
          circulatedAt: minutes.circulatedAt ? minutes.circulatedAt.toISOString() : null,
          version: minutes.version,
          disputes: apiDisputes(detail.minutesDisputes),
        }
      : null,
    version: meeting.version,
  }
}

const authorizeFor =
  (action: 'meeting.view' | 'meeting.manage' | 'meeting.minutes') =>
  ({ services, context, params }: { services: Services; context: RequestContext; params: { episodeId: string } }) =>
    services.meetings.ensureAllowed(context, action, params.episodeId)

export const meetingEndpoints: readonly ApiEndpoint[] = [
  defineEndpoint({
    method: 'GET',
    path: '/episodes/{episodeId}/meetings',
    operationId: 'listMeetings',
    summary: 'An episode’s meetings',
    description: 'The team meetings of an episode, newest first, with invitees, agenda, attendance and minutes (and whether they are late). Audited.',
    tag: 'Meetings',
    action: 'meeting.view',
    recordType: 'meeting',
    params: meetingListParams,
    query: noQuery,
    authorize: authorizeFor('meeting.view'),
    success: { status: 200, description: 'The meetings.', schema: meetingListSchema },
    handle: async ({ services, context, params }) => {
      const list = await services.meetings.listForEpisode(context, params.episodeId)
      const items = []
      for (const meeting of list.meetings) items.push(meetingView(await services.meetings.view(context, params.episodeId, meeting.id)))
      return { items }
    },
  }),
  defineEndpoint({
    method: 'POST',
    path: '/episodes/{episodeId}/meetings',
    operationId: 'scheduleMeeting',
    summary: 'Schedule a meeting',
    description:
      'Schedules a team meeting (UK date and times) and emails each invitee with an address an invitation with an iCalendar (.ics) file. Invitees must be on the team now.',
    tag: 'Meetings',
    action: 'meeting.manage',
    recordType: 'meeting',
    params: meetingListParams,
    query: noQuery,
    body: newMeetingBody,
    authorize: authorizeFor('meeting.manage'),
    success: { status: 201, description: 'The meeting was scheduled.', schema: meetingSchema },
    handle: async ({ services, context, params, body }) => {
      const id = await services.meetings.schedule(context, params.episodeId, body)
      return meetingView(await services.meetings.view(context, params.episodeId, id))
    },
  }),
  defineEndpoint({
    method: 'POST',
    path: '/episodes/{episodeId}/meetings/{meetingId}/attendance',
    operationId: 'recordMeetingAttendance',
    summary: 'Record attendance',
    description: 'Records, for every invitee, whether they attended, sent apologies or did not attend, and who chaired and took the minutes. The meeting is then held.',
    tag: 'Meetings',
    action: 'meeting.minutes',
    recordType: 'meeting',
    params: meetingParams,
    query: noQuery,
    body: attendanceBody,
    authorize: authorizeFor('meeting.minutes'),
    conflict: 'The meeting changed since the version you sent.',
    success: { status: 200, description: 'Attendance was recorded.', schema: meetingSchema },
    handle: async ({ services, context, params, body }) => {
      const current = await services.meetings.view(context, params.episodeId, params.meetingId, 'meeting.minutes')
      await services.meetings.recordAttendance(context, params.episodeId, params.meetingId, {
        attendance: body.attendance,
        chairUserId: body.chairUserId,
        minuteTakerUserId: body.minuteTakerUserId,
        version: body.version ?? current.meeting.version,
      })
      return meetingView(await services.meetings.view(context, params.episodeId, params.meetingId))
    },
  }),
  defineEndpoint({
    method: 'POST',
    path: '/episodes/{episodeId}/meetings/{meetingId}/minutes',
    operationId: 'saveMeetingMinutes',
    summary: 'Write the minutes',
    description:
      'Saves the draft minutes, adds any new actions agreed in the meeting straight into the family’s plan, and (submitForApproval) sends the minutes to the chair. The chair approves and circulates them on the meeting’s page.',
    tag: 'Meetings',
    action: 'meeting.minutes',
    recordType: 'meeting',
    params: meetingParams,
    query: noQuery,
    body: minutesBody,
    authorize: authorizeFor('meeting.minutes'),
    conflict: 'The minutes changed since the version you sent.',
    success: { status: 200, description: 'The minutes were saved.', schema: meetingSchema },
    handle: async ({ services, context, params, body }) => {
      const current = await services.meetings.view(context, params.episodeId, params.meetingId, 'meeting.minutes')
      for (const action of body.actions) {
        const owners = [action.ownerUserId, action.ownerFamilyTeamMemberId, action.ownerAgencyId].filter(Boolean)
        if (owners.length !== 1) throw new DomainRuleError('Give each action exactly one owner: ownerUserId, ownerFamilyTeamMemberId or ownerAgencyId', 'actions')
      }
      const startDay = ukDateOf(current.meeting.startsAt)
      if (body.actions.some(action => action.dueOn < startDay)) throw new DomainRuleError('Actions must be due on or after the day of the meeting', 'actions')
      await services.meetings.saveMinutes(context, params.episodeId, params.meetingId, {
        discussion: body.discussion,
        decisions: body.decisions,
        familyViews: body.familyViews,
        intent: 'save',
        version: body.version ?? current.minutes?.version ?? 1,
      })
      for (const action of body.actions) {
        const owner = action.ownerUserId
          ? { kind: 'user' as const, id: action.ownerUserId }
          : action.ownerFamilyTeamMemberId
            ? { kind: 'family' as const, id: action.ownerFamilyTeamMemberId }
            : { kind: 'agency' as const, id: action.ownerAgencyId ?? '' }
        await services.meetings.addMinutesAction(context, params.episodeId, params.meetingId, { what: action.what, owner, dueOn: action.dueOn })
      }
      if (body.submitForApproval) {
        const saved = await services.meetings.view(context, params.episodeId, params.meetingId, 'meeting.minutes')
        await services.meetings.saveMinutes(context, params.episodeId, params.meetingId, {
          discussion: body.discussion,
          decisions: body.decisions,
          familyViews: body.familyViews,
          intent: 'submit',
          version: saved.minutes?.version ?? 1,
        })
      }
      return meetingView(await services.meetings.view(context, params.episodeId, params.meetingId))
    },
  }),
]
