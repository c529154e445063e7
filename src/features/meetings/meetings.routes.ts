import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../composition.ts'
import { DomainRuleError } from '../../lib/errors.ts'
import { singleError, submittedValues, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { requireSignedIn } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { formatDate } from '../../plugins/views.ts'
import { episodeNav } from '../episodes/episode-summary.ts'
import {
  agendaForm,
  approvalForm,
  attendanceForm,
  bankHolidayForm,
  cancelForm,
  editMeetingForm,
  minutesActionForm,
  minutesForm,
  removeBankHolidayForm,
  scheduleForm,
} from './meetings.schemas.ts'
import { StaleMeetingEditError, type MeetingDetail } from './meetings.service.ts'
import {
  agendaView,
  ATTENDANCE_NAMES,
  inviteeItems,
  inviteeRows,
  meetingFormValues,
  meetingListRows,
  meetingSummaryRows,
  minutesStatusTag,
  ownerOptions,
  practitionerOptions,
  purposeItems,
  whenText,
} from './meetings.view-models.ts'
import { disputeNotices } from '../records-history/record-history.view-models.ts'
import { noticeFrom, withNotice } from '../../lib/notices.ts'

type EpisodeParams = { Params: { episodeId: string } }
type MeetingParams = { Params: { episodeId: string; meetingId: string } }
type Values = Record<string, string | string[]>

const NOTICES: Record<string, string> = {
  scheduled: 'The meeting has been scheduled. Everyone invited with an email address has been sent an invitation with a calendar file.',
  changed: 'The meeting has been changed. Everyone invited has been sent the new details; anyone no longer invited has been told.',
  cancelled: 'The meeting has been cancelled and everyone invited has been told.',
  agenda: 'The item has been added to the agenda.',
  attendance: 'Attendance has been recorded.',
  'minutes-saved': 'The draft minutes have been saved.',
  'minutes-submitted': 'The minutes have been sent to the chair for approval.',
  action: 'The action has been added to the family’s plan.',
  circulated: 'The minutes have been approved and sent to everyone on the team and the family.',
  returned: 'The minutes have been returned to the minute-taker.',
  'holiday-added': 'The bank holiday has been added.',
  'holiday-removed': 'The bank holiday has been removed.',
}

async function attempt<T>(work: () => Promise<T>): Promise<{ ok: T } | { failure: DomainRuleError | StaleMeetingEditError }> {
  try {
    return { ok: await work() }
  } catch (error) {
    if (error instanceof DomainRuleError || error instanceof StaleMeetingEditError) return { failure: error }
    throw error
  }
}

function failureErrors(failure: DomainRuleError | StaleMeetingEditError): FormErrors {
  if (failure instanceof StaleMeetingEditError) return singleError('main-content', `${failure.message}. What is saved now is shown: check your changes and save again`)
  return singleError(failure.field ?? 'main-content', failure.message)
}

function statusOf(failure: DomainRuleError | StaleMeetingEditError) {
  return failure instanceof StaleMeetingEditError ? 409 : 400
}

function asList(value: string | string[] | undefined): string[] {
  return Array.isArray(value) ? value : value ? [value] : []
}

/** Team meetings: the episode's meetings, scheduling and changes, the agenda, attendance, minutes and approval; bank holidays. */
export function registerMeetingRoutes(app: FastifyInstance, services: Services) {
  const { meetings, auth } = services
  const signedIn = { preHandler: requireSignedIn(auth) }

  function pageBase(request: FastifyRequest, detail: MeetingDetail) {
    return {
      episodeNav: episodeNav(detail.summary, 'meetings'),
      backLink: paths.meetings.show(detail.summary.id, detail.meeting.id),
      notice: noticeFrom(request, NOTICES),
      when: whenText(detail.meeting),
    }
  }

  // ---- the list ------------------------------------------------------------------------------------------------

  app.get<EpisodeParams>('/episodes/:episodeId/meetings', signedIn, async (request, reply) => {
    const result = await meetings.listForEpisode(request.context(), request.params.episodeId)
    const rows = meetingListRows(result.meetings, result.now)
    return reply.render('meetings/views/list.njk', {
      title: 'Meetings',
      episodeNav: episodeNav(result.summary, 'meetings'),
      notice: noticeFrom(request, NOTICES),
      upcoming: rows.filter(row => row.upcoming),
      past: rows.filter(row => !row.upcoming),
      late: rows.filter(row => row.lateMessage !== null).map(row => ({ text: row.lateMessage, href: row.href })),
      scheduleHref: result.summary.status === 'closed' ? null : paths.meetings.schedule(result.summary.id),
    })
  })

  // ---- schedule and change -------------------------------------------------------------------------------------

  async function renderSchedule(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: Values | null, formErrors?: FormErrors, status?: number) {
    const { summary, team } = await meetings.scheduleChoices(request.context(), request.params.episodeId)
    const v: Values = values ?? { neutralVenue: '' }
    return reply.render(
      'meetings/views/schedule.njk',
      {
        title: 'Schedule a team meeting',
        episodeNav: episodeNav(summary, 'meetings'),
        backLink: paths.meetings.list(summary.id),
        action: paths.meetings.schedule(summary.id),
        values: v,
        purposeItems: purposeItems(typeof v.purpose === 'string' ? v.purpose : undefined),
        inviteeItems: inviteeItems(team, values ? asList(v.invitees) : null),
        noTeam: team.practitioners.length + team.family.length === 0,
        chairOptions: practitionerOptions(team, typeof v.chairUserId === 'string' ? v.chairUserId : null, 'Decide later'),
        minuteTakerOptions: practitionerOptions(team, typeof v.minuteTakerUserId === 'string' ? v.minuteTakerUserId : null, 'Decide later'),
        submitText: 'Schedule and send invitations',
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/meetings/new', signedIn, async (request, reply) => renderSchedule(request, reply, null))

  app.post<EpisodeParams>('/episodes/:episodeId/meetings/new', signedIn, async (request, reply) => {
    const values = submittedValues(request.body)
    const parsed = scheduleForm.safeParse(request.body)
    if (!parsed.success) return renderSchedule(request, reply, values, toFormErrors(parsed.error))
    const result = await attempt(() => meetings.schedule(request.context(), request.params.episodeId, parsed.data))
    if ('failure' in result) return renderSchedule(request, reply, values, failureErrors(result.failure))
    return reply.redirect(withNotice(paths.meetings.show(request.params.episodeId, result.ok), 'scheduled'), 303)
  })

  async function renderEdit(request: FastifyRequest<MeetingParams>, reply: FastifyReply, values: Values | null, formErrors?: FormErrors, status?: number) {
    const detail = await meetings.view(request.context(), request.params.episodeId, request.params.meetingId, 'meeting.manage')
    const saved = meetingFormValues(detail)
    const v: Values = values ? { ...values, version: saved.version ?? '' } : saved
    return reply.render(
      'meetings/views/schedule.njk',
      {
        ...pageBase(request, detail),
        title: 'Change the meeting',
        action: paths.meetings.edit(detail.summary.id, detail.meeting.id),
        values: v,
        editing: true,
        closed: detail.meeting.status !== 'scheduled',
        savedRows: status === 409 ? meetingSummaryRows(detail) : null,
        purposeItems: purposeItems(typeof v.purpose === 'string' ? v.purpose : undefined),
        inviteeItems: inviteeItems(detail.team, asList(v.invitees)),
        chairOptions: practitionerOptions(detail.team, typeof v.chairUserId === 'string' ? v.chairUserId : null, 'Decide later'),
        minuteTakerOptions: practitionerOptions(detail.team, typeof v.minuteTakerUserId === 'string' ? v.minuteTakerUserId : null, 'Decide later'),
        submitText: 'Save and send the new details',
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<MeetingParams>('/episodes/:episodeId/meetings/:meetingId/edit', signedIn, async (request, reply) => renderEdit(request, reply, null))

  app.post<MeetingParams>('/episodes/:episodeId/meetings/:meetingId/edit', signedIn, async (request, reply) => {
    const values = submittedValues(request.body)
    const parsed = editMeetingForm.safeParse(request.body)
    if (!parsed.success) return renderEdit(request, reply, values, toFormErrors(parsed.error))
    const result = await attempt(() => meetings.update(request.context(), request.params.episodeId, request.params.meetingId, parsed.data))
    if ('failure' in result) return renderEdit(request, reply, values, failureErrors(result.failure), statusOf(result.failure))
    return reply.redirect(withNotice(paths.meetings.show(request.params.episodeId, request.params.meetingId), 'changed'), 303)
  })

  async function renderCancel(request: FastifyRequest<MeetingParams>, reply: FastifyReply, values: Values, formErrors?: FormErrors, status?: number) {
    const detail = await meetings.view(request.context(), request.params.episodeId, request.params.meetingId, 'meeting.manage')
    return reply.render(
      'meetings/views/cancel.njk',
      {
        ...pageBase(request, detail),
        title: 'Cancel the meeting',
        action: paths.meetings.cancel(detail.summary.id, detail.meeting.id),
        values: { ...values, version: String(detail.meeting.version) },
        cancellable: detail.meeting.status === 'scheduled',
        inviteeCount: detail.invitees.length,
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<MeetingParams>('/episodes/:episodeId/meetings/:meetingId/cancel', signedIn, async (request, reply) => renderCancel(request, reply, {}))

  app.post<MeetingParams>('/episodes/:episodeId/meetings/:meetingId/cancel', signedIn, async (request, reply) => {
    const values = submittedValues(request.body)
    const parsed = cancelForm.safeParse(request.body)
    if (!parsed.success) return renderCancel(request, reply, values, toFormErrors(parsed.error))
    const result = await attempt(() => meetings.cancel(request.context(), request.params.episodeId, request.params.meetingId, parsed.data))
    if ('failure' in result) return renderCancel(request, reply, values, failureErrors(result.failure), statusOf(result.failure))
    return reply.redirect(withNotice(paths.meetings.show(request.params.episodeId, request.params.meetingId), 'cancelled'), 303)
  })

  // ---- the meeting page and its agenda ---------------------------------------------------------------------------

  async function renderMeeting(request: FastifyRequest<MeetingParams>, reply: FastifyReply, values: Values, formErrors?: FormErrors) {
    const detail = await meetings.view(request.context(), request.params.episodeId, request.params.meetingId)
    const { meeting, summary, minutes } = detail
    const open = summary.status !== 'closed'
    return reply.render(
      'meetings/views/show.njk',
      {
        ...pageBase(request, detail),
        backLink: paths.meetings.list(summary.id),
        title: `${meeting.status === 'cancelled' ? 'Cancelled: ' : ''}${whenText(meeting)}`,
        summaryRows: meetingSummaryRows(detail),
        inviteeRows: inviteeRows(detail),
        agenda: agendaView(detail),
        familyBeforeMeeting: detail.familyBeforeMeeting,
        disputes: disputeNotices(detail.minutesDisputes),
        agendaAction: open && meeting.status === 'scheduled' ? paths.meetings.agenda(summary.id, meeting.id) : null,
        raisedByItems: [
          { value: 'me', text: 'Me', checked: values.raisedBy !== undefined ? values.raisedBy === 'me' : true },
          ...detail.team.family.map(person => ({ value: `family:${person.id}`, text: `${person.name} (family)`, checked: values.raisedBy === `family:${person.id}` })),
        ],
        values,
        editHref: open && meeting.status === 'scheduled' ? paths.meetings.edit(summary.id, meeting.id) : null,
        cancelHref: open && meeting.status === 'scheduled' ? paths.meetings.cancel(summary.id, meeting.id) : null,
        attendanceHref: open && detail.started && meeting.status !== 'cancelled' ? paths.meetings.attendance(summary.id, meeting.id) : null,
        minutesHref: detail.started && meeting.status !== 'cancelled' ? paths.meetings.minutes(summary.id, meeting.id) : null,
        approvalHref: minutes?.status === 'awaiting_approval' && detail.actorIsChair && open ? paths.meetings.approveMinutes(summary.id, meeting.id) : null,
        minutes: minutes && detail.started && meeting.status !== 'cancelled'
          ? { ...minutes, tag: minutesStatusTag(minutes.status, detail.lateMessage !== null), dueOn: formatDate(minutes.dueOn) }
          : null,
        lateMessage: detail.lateMessage,
        actions: detail.actions.map(action => ({ ...action, dueOn: formatDate(action.dueOn) })),
        ...formErrors,
      },
      formErrors ? 400 : 200,
    )
  }

  app.get<MeetingParams>('/episodes/:episodeId/meetings/:meetingId', signedIn, async (request, reply) => renderMeeting(request, reply, {}))

  app.post<MeetingParams>('/episodes/:episodeId/meetings/:meetingId/agenda', signedIn, async (request, reply) => {
    const values = submittedValues(request.body)
    const parsed = agendaForm.safeParse(request.body)
    if (!parsed.success) return renderMeeting(request, reply, values, toFormErrors(parsed.error))
    const result = await attempt(() => meetings.addAgendaItem(request.context(), request.params.episodeId, request.params.meetingId, parsed.data))
    if ('failure' in result) return renderMeeting(request, reply, values, failureErrors(result.failure))
    return reply.redirect(withNotice(paths.meetings.show(request.params.episodeId, request.params.meetingId), 'agenda'), 303)
  })

  // ---- attendance ----------------------------------------------------------------------------------------------

  async function renderAttendance(request: FastifyRequest<MeetingParams>, reply: FastifyReply, values: Values | null, formErrors?: FormErrors, status?: number) {
    const detail = await meetings.view(request.context(), request.params.episodeId, request.params.meetingId, 'meeting.minutes')
    const { meeting } = detail
    const v: Values = values ?? {
      ...Object.fromEntries(detail.invitees.filter(invitee => invitee.attendance).map(invitee => [`attendance-${invitee.id}`, invitee.attendance ?? ''])),
      chairUserId: meeting.chairUserId ?? '',
      minuteTakerUserId: meeting.minuteTakerUserId ?? '',
    }
    const team = { practitioners: detail.team.practitioners.map(({ userId, name }) => ({ userId, name })) }
    // Someone invited who has since left the team may still have chaired.
    for (const invitee of detail.invitees) {
      if (invitee.userId && !team.practitioners.some(person => person.userId === invitee.userId)) team.practitioners.push({ userId: invitee.userId, name: invitee.name })
    }
    return reply.render(
      'meetings/views/attendance.njk',
      {
        ...pageBase(request, detail),
        title: 'Who came to the meeting',
        action: paths.meetings.attendance(detail.summary.id, meeting.id),
        recordable: detail.started && meeting.status !== 'cancelled' && detail.summary.status !== 'closed',
        values: { ...v, version: String(meeting.version) },
        invitees: detail.invitees.map(invitee => ({
          id: invitee.id,
          name: invitee.name,
          family: invitee.userId === null,
          items: (Object.keys(ATTENDANCE_NAMES) as (keyof typeof ATTENDANCE_NAMES)[]).map(value => ({ value, text: ATTENDANCE_NAMES[value], checked: v[`attendance-${invitee.id}`] === value })),
        })),
        chairOptions: practitionerOptions(team, typeof v.chairUserId === 'string' ? v.chairUserId : null, 'Choose who chaired'),
        minuteTakerOptions: practitionerOptions(team, typeof v.minuteTakerUserId === 'string' ? v.minuteTakerUserId : null, 'Choose who took the minutes'),
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<MeetingParams>('/episodes/:episodeId/meetings/:meetingId/attendance', signedIn, async (request, reply) => renderAttendance(request, reply, null))

  app.post<MeetingParams>('/episodes/:episodeId/meetings/:meetingId/attendance', signedIn, async (request, reply) => {
    const values = submittedValues(request.body)
    // The form's fields depend on who was invited: read them (access checked) before validating.
    const detail = await meetings.view(request.context(), request.params.episodeId, request.params.meetingId, 'meeting.minutes')
    const parsed = attendanceForm(detail.invitees.map(invitee => invitee.id)).safeParse(request.body)
    if (!parsed.success) return renderAttendance(request, reply, values, toFormErrors(parsed.error))
    const result = await attempt(() => meetings.recordAttendance(request.context(), request.params.episodeId, request.params.meetingId, parsed.data))
    if ('failure' in result) return renderAttendance(request, reply, values, failureErrors(result.failure), statusOf(result.failure))
    return reply.redirect(withNotice(paths.meetings.show(request.params.episodeId, request.params.meetingId), 'attendance'), 303)
  })

  // ---- minutes -------------------------------------------------------------------------------------------------

  async function renderMinutes(request: FastifyRequest<MeetingParams>, reply: FastifyReply, values: Values | null, actionValues: Values, formErrors?: FormErrors, status?: number) {
    const detail = await meetings.view(request.context(), request.params.episodeId, request.params.meetingId, 'meeting.minutes')
    const { meeting, minutes, summary } = detail
    const editable = detail.started && meeting.status !== 'cancelled' && summary.status !== 'closed' && minutes?.status === 'draft'
    return reply.render(
      'meetings/views/minutes.njk',
      {
        ...pageBase(request, detail),
        title: 'Minutes',
        action: paths.meetings.minutes(summary.id, meeting.id),
        actionAction: paths.meetings.minutesAction(summary.id, meeting.id),
        editable,
        started: detail.started,
        minutes: minutes ? { ...minutes, tag: minutesStatusTag(minutes.status, detail.lateMessage !== null), dueOnText: formatDate(minutes.dueOn) } : null,
        lateMessage: detail.lateMessage,
        savedMinutes: status === 409 ? minutes : null,
        disputes: disputeNotices(detail.minutesDisputes),
        values: { ...(values ?? { discussion: minutes?.discussion ?? '', decisions: minutes?.decisions ?? '', familyViews: minutes?.familyViews ?? '' }), version: String(minutes?.version ?? '') },
        actionValues,
        ownerOptions: ownerOptions(detail, typeof actionValues.owner === 'string' ? actionValues.owner : undefined),
        actions: detail.actions.map(action => ({ ...action, dueOn: formatDate(action.dueOn) })),
        agenda: agendaView(detail),
        attendance: detail.invitees.map(invitee => ({ name: invitee.name, attendance: invitee.attendance ? ATTENDANCE_NAMES[invitee.attendance] : 'Not recorded' })),
        chairName: detail.chairName,
        attendanceHref: paths.meetings.attendance(summary.id, meeting.id),
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<MeetingParams>('/episodes/:episodeId/meetings/:meetingId/minutes', signedIn, async (request, reply) => renderMinutes(request, reply, null, {}))

  app.post<MeetingParams>('/episodes/:episodeId/meetings/:meetingId/minutes', signedIn, async (request, reply) => {
    const values = submittedValues(request.body)
    const parsed = minutesForm.safeParse(request.body)
    if (!parsed.success) return renderMinutes(request, reply, values, {}, toFormErrors(parsed.error))
    const result = await attempt(() => meetings.saveMinutes(request.context(), request.params.episodeId, request.params.meetingId, parsed.data))
    if ('failure' in result) return renderMinutes(request, reply, values, {}, failureErrors(result.failure), statusOf(result.failure))
    const target = result.ok === 'submitted' ? paths.meetings.show(request.params.episodeId, request.params.meetingId) : paths.meetings.minutes(request.params.episodeId, request.params.meetingId)
    return reply.redirect(withNotice(target, result.ok === 'submitted' ? 'minutes-submitted' : 'minutes-saved'), 303)
  })

  app.post<MeetingParams>('/episodes/:episodeId/meetings/:meetingId/minutes/actions', signedIn, async (request, reply) => {
    const values = submittedValues(request.body)
    const parsed = minutesActionForm.safeParse(request.body)
    if (!parsed.success) return renderMinutes(request, reply, null, values, toFormErrors(parsed.error))
    const result = await attempt(() => meetings.addMinutesAction(request.context(), request.params.episodeId, request.params.meetingId, parsed.data))
    if ('failure' in result) return renderMinutes(request, reply, null, values, failureErrors(result.failure), statusOf(result.failure))
    return reply.redirect(withNotice(paths.meetings.minutes(request.params.episodeId, request.params.meetingId), 'action'), 303)
  })

  async function renderApproval(request: FastifyRequest<MeetingParams>, reply: FastifyReply, formErrors?: FormErrors, status?: number) {
    const detail = await meetings.view(request.context(), request.params.episodeId, request.params.meetingId, 'meeting.approve-minutes')
    const { meeting, minutes, summary } = detail
    return reply.render(
      'meetings/views/approval.njk',
      {
        ...pageBase(request, detail),
        title: 'Approve the minutes',
        action: paths.meetings.approveMinutes(summary.id, meeting.id),
        waiting: minutes?.status === 'awaiting_approval',
        isChair: detail.actorIsChair,
        chairName: detail.chairName,
        minutes,
        version: String(minutes?.version ?? ''),
        actions: detail.actions.map(action => ({ ...action, dueOn: formatDate(action.dueOn) })),
        attendance: detail.invitees.map(invitee => ({ name: invitee.name, attendance: invitee.attendance ? ATTENDANCE_NAMES[invitee.attendance] : 'Not recorded' })),
        recipients: detail.team.practitioners.length + detail.team.family.filter(person => person.email).length,
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<MeetingParams>('/episodes/:episodeId/meetings/:meetingId/minutes/approval', signedIn, async (request, reply) => renderApproval(request, reply))

  app.post<MeetingParams>('/episodes/:episodeId/meetings/:meetingId/minutes/approval', signedIn, async (request, reply) => {
    const parsed = approvalForm.safeParse(request.body)
    if (!parsed.success) return renderApproval(request, reply, toFormErrors(parsed.error))
    const result = await attempt(() => meetings.decideMinutes(request.context(), request.params.episodeId, request.params.meetingId, parsed.data))
    if ('failure' in result) return renderApproval(request, reply, failureErrors(result.failure), statusOf(result.failure))
    return reply.redirect(withNotice(paths.meetings.show(request.params.episodeId, request.params.meetingId), result.ok), 303)
  })

  // ---- bank holidays (administrators) ----------------------------------------------------------------------------

  async function renderHolidays(request: FastifyRequest, reply: FastifyReply, values: Values, formErrors?: FormErrors) {
    const holidays = await meetings.listBankHolidays(request.context())
    return reply.render(
      'meetings/views/bank-holidays.njk',
      {
        title: 'Bank holidays',
        backLink: paths.admin.home(),
        notice: noticeFrom(request, NOTICES),
        action: paths.meetings.bankHolidays(),
        removeAction: paths.meetings.removeBankHoliday(),
        shipped: holidays.shipped.map(holiday => ({ date: formatDate(holiday.date), title: holiday.title })),
        shippedUntil: holidays.shippedUntil,
        added: holidays.added.map(holiday => ({ value: holiday.holidayOn, date: formatDate(holiday.holidayOn), title: holiday.title, addedBy: holiday.addedByName ?? '' })),
        values,
        ...formErrors,
      },
      formErrors ? 400 : 200,
    )
  }

  app.get(paths.meetings.bankHolidays(), signedIn, async (request, reply) => renderHolidays(request, reply, {}))

  app.post(paths.meetings.bankHolidays(), signedIn, async (request, reply) => {
    const values = submittedValues(request.body)
    const parsed = bankHolidayForm.safeParse(request.body)
    if (!parsed.success) return renderHolidays(request, reply, values, toFormErrors(parsed.error))
    const result = await attempt(() => meetings.addBankHoliday(request.context(), parsed.data))
    if ('failure' in result) return renderHolidays(request, reply, values, failureErrors(result.failure))
    return reply.redirect(withNotice(paths.meetings.bankHolidays(), 'holiday-added'), 303)
  })

  app.post(paths.meetings.removeBankHoliday(), signedIn, async (request, reply) => {
    const parsed = removeBankHolidayForm.safeParse(request.body)
    if (!parsed.success) return renderHolidays(request, reply, {}, toFormErrors(parsed.error))
    await meetings.removeBankHoliday(request.context(), parsed.data.holidayOn)
    return reply.redirect(withNotice(paths.meetings.bankHolidays(), 'holiday-removed'), 303)
  })
}
