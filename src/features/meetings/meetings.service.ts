import type { Kysely, Transaction } from 'kysely'
import type { Config } from '../../config.ts'
import type { Database } from '../../db/schema.ts'
import type { Clock } from '../../lib/clock.ts'
import { ConflictError, DomainRuleError, NotFoundError, UnauthenticatedError } from '../../lib/errors.ts'
import { isUuid, uuidv7 } from '../../lib/ids.ts'
import { DeniedWithin, type Access, type AccessRequest, type AuditNote } from '../../policy/access.ts'
import type { PractitionerActor, RequestContext } from '../../policy/actor.ts'
import { decide, type Action } from '../../policy/policy.ts'
import { paths } from '../../paths.ts'
import { ukDateOf } from '../../lib/dates.ts'
import { enqueueEmail } from '../outbox/emails.ts'
import type { EmailAttachment } from '../outbox/outbox.repository.ts'
import { findEpisodeSummary, type EpisodeSummary } from '../episodes/episode-summary.ts'
import { findEpisodeRelationship } from '../episodes/episodes.service.ts'
import { insertPlanAction } from '../plans/plan-actions.ts'
import { listCurrentPractitioners } from '../team/team.repository.ts'
import { ENGLAND_AND_WALES_BANK_HOLIDAYS, SHIPPED_BANK_HOLIDAYS_UNTIL } from './bank-holidays.ts'
import { buildCalendar, calendarContentType, type CalendarMethod } from './ics.ts'
import { lateMinutesMessage, loadBankHolidays, minutesDueOn } from './meetings-due.ts'
import * as repository from './meetings.repository.ts'
import { listBeforeMeetingViewsForTeam, type BeforeMeetingViewForTeam } from '../family-pages/family-pages.repository.ts'
import { listDisputesFor, type DisputeRow } from '../records-history/record-history.repository.ts'
import type { AgendaInput, AttendanceInput, CancelInput, EditMeetingInput, MinutesActionInput, MinutesInput, ScheduleInput } from './meetings.schemas.ts'
import { ukDateTimeToInstant, ukTimeOf, workingDaysAfter } from './working-days.ts'

export type { AgendaItemRecord, FamilySideMember, InviteeRecord, MeetingRecord, MinutesRecord, TeamPractitioner } from './meetings.repository.ts'

export type MeetingService = ReturnType<typeof createMeetingService>

/** Someone else saved the meeting or its minutes after this form was opened: nothing changed. */
export class StaleMeetingEditError extends ConflictError {}

export type MeetingTeam = { practitioners: repository.TeamPractitioner[]; family: repository.FamilySideMember[] }

export type MeetingDetail = {
  summary: EpisodeSummary
  meeting: repository.MeetingRecord
  invitees: repository.InviteeRecord[]
  agenda: repository.AgendaItemRecord[]
  minutes: repository.MinutesRecord | undefined
  actions: { id: string; what: string; ownerName: string; dueOn: string; status: string }[]
  team: MeetingTeam
  agencies: { id: string; name: string }[]
  chairName: string | null
  minuteTakerName: string | null
  started: boolean
  lateMessage: string | null
  actorIsChair: boolean
  actorUserId: string
  /** What family members wrote before the meeting in their own view (src/features/family-pages). */
  familyBeforeMeeting: BeforeMeetingViewForTeam[]
  /** The family's statements disagreeing with these minutes (src/features/records-history): shown as "Disputed". */
  minutesDisputes: DisputeRow[]
}

export const PURPOSE_NAMES = { first_team_meeting: 'First team meeting', team_meeting: 'Team meeting', review: 'Review meeting' } as const

const CLOSED = 'This episode is closed. Its meetings can be read but not changed.'

const weekday = new Intl.DateTimeFormat('en-GB', { weekday: 'long', timeZone: 'Europe/London' })
const dayMonthYear = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' })
/** 'Wednesday 23 December 2026' (GOV.UK style: no comma). */
const longDate = { format: (instant: Date) => `${weekday.format(instant)} ${dayMonthYear.format(instant)}` }

/**
 * Team meetings: scheduling with iCalendar invitations by email, the agenda, attendance, minutes (drafted, approved by
 * the chair, circulated to the team and the family) and the bank holidays their deadlines skip. Every read and write
 * goes through the access layer with the actor's relationship to the episode read inside the same transaction.
 */
export function createMeetingService(deps: { db: Kysely<Database>; config: Config; clock: Clock; access: Access }) {
  const { config, clock, access } = deps
  const mailOptions = () => ({ at: clock.now(), smtpConfigured: config.smtpUrl !== undefined, domain: new URL(config.baseUrl).hostname })
  const organizerEmail = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(config.mailFrom)?.[1] ?? config.mailFrom

  function practitionerOf(context: RequestContext): PractitionerActor {
    const actor = context.actor
    if (actor.kind !== 'practitioner') throw new UnauthenticatedError('Sign in to continue.')
    return actor
  }

  type Loaded = { trx: Transaction<Database>; actor: PractitionerActor; summary: EpisodeSummary; note: AuditNote }

  /**
   * Loads the episode (404 outside the actor's authority or for a malformed id), decides the action on the actor's
   * relationship to it, runs the work and audits it, in one transaction. Changes to a closed episode are refused.
   */
  async function withEpisode<T>(
    context: RequestContext,
    action: Action,
    episodeId: string,
    work: (loaded: Loaded) => Promise<T>,
    options: { change?: boolean; recordType?: string; recordId?: string } = {},
  ): Promise<T> {
    const actor = practitionerOf(context)
    if (!isUuid(episodeId)) throw new NotFoundError('There is no such episode.')
    return access.transaction(context, async trx => {
      const summary = await findEpisodeSummary(trx, actor.authorityId, episodeId)
      if (!summary) throw new NotFoundError('There is no such episode.')
      const relationship = await findEpisodeRelationship(trx, actor.authorityId, episodeId, actor.userId)
      const request: AccessRequest = {
        action,
        resource: { authorityId: actor.authorityId, relationship },
        recordType: options.recordType ?? 'meeting',
        recordId: options.recordId ?? episodeId,
      }
      const decision = decide(actor, action, request.resource)
      if (!decision.allowed) throw new DeniedWithin(request, decision.reason)
      if (options.change && summary.status === 'closed') throw new DomainRuleError(CLOSED)
      const note: AuditNote = { details: { episodeId } }
      const result = await work({ trx, actor, summary, note })
      await access.assertWithin(trx, context, request, note)
      return result
    })
  }

  async function withMeeting<T>(
    context: RequestContext,
    action: Action,
    episodeId: string,
    meetingId: string,
    work: (loaded: Loaded & { meeting: repository.MeetingRecord }) => Promise<T>,
    options: { change?: boolean } = {},
  ): Promise<T> {
    if (!isUuid(meetingId)) throw new NotFoundError('There is no such meeting.')
    return withEpisode(
      context,
      action,
      episodeId,
      async loaded => {
        if (options.change && !(await repository.lockMeeting(loaded.trx, loaded.actor.authorityId, meetingId))) throw new NotFoundError('There is no such meeting.')
        const meeting = await repository.findMeeting(loaded.trx, loaded.actor.authorityId, episodeId, meetingId)
        if (!meeting) throw new NotFoundError('There is no such meeting.')
        return work({ ...loaded, meeting })
      },
      { ...options, recordId: meetingId },
    )
  }

  async function teamOf(trx: Transaction<Database>, authorityId: string, episodeId: string): Promise<MeetingTeam> {
    return {
      practitioners: await listCurrentPractitioners(trx, authorityId, episodeId),
      family: await repository.listFamilySideMembers(trx, authorityId, episodeId),
    }
  }

  async function detailOf(loaded: Loaded & { meeting: repository.MeetingRecord }): Promise<MeetingDetail> {
    const { trx, actor, summary, meeting } = loaded
    const authorityId = actor.authorityId
    const minutes = await repository.findMinutes(trx, authorityId, meeting.id)
    const now = clock.now()
    const today = ukDateOf(now)
    const late = minutes && meeting.status !== 'cancelled' && minutes.status !== 'circulated' && String(minutes.dueOn) < today
    return {
      summary,
      meeting,
      invitees: await repository.listInvitees(trx, authorityId, meeting.id),
      agenda: await repository.listAgendaItems(trx, authorityId, meeting.id),
      minutes: minutes ? { ...minutes, dueOn: String(minutes.dueOn) } : undefined,
      actions: (await repository.listActionsFromMeeting(trx, authorityId, meeting.id)).map(action => ({ ...action, dueOn: String(action.dueOn) })),
      team: await teamOf(trx, authorityId, summary.id),
      agencies: await repository.listTeamAgencies(trx, authorityId, summary.id),
      chairName: meeting.chairUserId ? ((await repository.findUserName(trx, authorityId, meeting.chairUserId)) ?? null) : null,
      minuteTakerName: meeting.minuteTakerUserId ? ((await repository.findUserName(trx, authorityId, meeting.minuteTakerUserId)) ?? null) : null,
      started: meeting.startsAt.getTime() <= now.getTime(),
      lateMessage: late && minutes ? lateMinutesMessage(meeting.startsAt, String(minutes.dueOn), today) : null,
      actorIsChair: meeting.chairUserId === actor.userId,
      actorUserId: actor.userId,
      familyBeforeMeeting: await listBeforeMeetingViewsForTeam(trx, authorityId, meeting.id),
      minutesDisputes: minutes ? await listDisputesFor(trx, authorityId, summary.id, 'meeting_minutes', [meeting.id]) : [],
    }
  }

  // ---- invitations ---------------------------------------------------------------------------------------------

  function whenText(meeting: Pick<repository.MeetingRecord, 'startsAt' | 'endsAt'>): string {
    return `${longDate.format(meeting.startsAt)}, ${ukTimeOf(meeting.startsAt)} to ${ukTimeOf(meeting.endsAt)} (UK time)`
  }

  function calendarFor(method: CalendarMethod, meeting: repository.MeetingRecord, summary: EpisodeSummary, invitee: { name: string; email: string }, sequence: number): EmailAttachment {
    const where = [meeting.venueName, meeting.venueAddress?.replace(/\n+/g, ', ')].filter(Boolean).join(', ')
    const description = [
      method === 'CANCEL' ? 'This meeting has been cancelled.' : `${PURPOSE_NAMES[meeting.purpose]} of the team around the family (${summary.reference}).`,
      meeting.remoteLink ? `Join online: ${meeting.remoteLink}` : '',
      meeting.accessibilityNotes ? `Getting there and access: ${meeting.accessibilityNotes}` : '',
    ]
      .filter(Boolean)
      .join('\n\n')
    const text = buildCalendar({
      method,
      uid: meeting.icsUid,
      sequence,
      stamp: clock.now(),
      start: meeting.startsAt,
      end: meeting.endsAt,
      summary: `Team around the family meeting (${summary.reference})`,
      description,
      location: where || (meeting.remoteLink ? 'Online' : null),
      url: `${config.baseUrl}${paths.meetings.show(meeting.episodeId, meeting.id)}`,
      organizer: { name: 'OneStory', email: organizerEmail },
      attendees: [invitee],
    })
    return {
      fileName: method === 'CANCEL' ? 'cancelled-meeting.ics' : 'meeting.ics',
      contentType: calendarContentType(method),
      content: new TextEncoder().encode(text),
    }
  }

  /** One email per invitee with an address, each with its own .ics (REQUEST or CANCEL) at the meeting's sequence. */
  async function sendCalendarEmails(
    trx: Transaction<Database>,
    authorityId: string,
    meeting: repository.MeetingRecord,
    summary: EpisodeSummary,
    invitees: { name: string; email: string | null; userId: string | null }[],
    kind: 'invitation' | 'update' | 'cancellation',
    cancelReason?: string,
  ): Promise<number> {
    let sent = 0
    const method: CalendarMethod = kind === 'cancellation' ? 'CANCEL' : 'REQUEST'
    for (const invitee of invitees) {
      if (!invitee.email) continue
      const subject =
        kind === 'invitation'
          ? `Invitation: team around the family meeting on ${longDate.format(meeting.startsAt)}`
          : kind === 'update'
            ? `Changed: team around the family meeting on ${longDate.format(meeting.startsAt)}`
            : `Cancelled: team around the family meeting on ${longDate.format(meeting.startsAt)}`
      const where = [meeting.venueName, meeting.venueAddress].filter(Boolean).join('\n')
      const body = [
        `Dear ${invitee.name},`,
        '',
        kind === 'invitation'
          ? 'You are invited to a meeting of the team around the family.'
          : kind === 'update'
            ? 'The details of a meeting of the team around the family have changed. The calendar entry attached replaces the earlier one.'
            : 'A meeting of the team around the family has been cancelled.',
        '',
        `When: ${whenText(meeting)}`,
        ...(where ? ['', 'Where:', where] : []),
        ...(meeting.remoteLink ? ['', `Join online: ${meeting.remoteLink}`] : []),
        ...(meeting.accessibilityNotes && kind !== 'cancellation' ? ['', 'Getting there and access:', meeting.accessibilityNotes] : []),
        ...(cancelReason ? ['', `Why: ${cancelReason}`] : []),
        '',
        ...(invitee.userId
          ? ['Sign in to see the meeting and its agenda, or to add an item:', `${config.baseUrl}${paths.meetings.show(meeting.episodeId, meeting.id)}`]
          : ['If you want something discussed, or need anything to make it easier to take part, tell your lead professional.']),
        '',
        'The attached file adds the meeting to your calendar.',
      ].join('\n')
      await enqueueEmail(
        trx,
        { authorityId, recipient: invitee.email, subject, bodyText: body, attachments: [calendarFor(method, meeting, summary, { name: invitee.name, email: invitee.email }, meeting.icsSequence)] },
        mailOptions(),
      )
      sent++
    }
    return sent
  }

  // ---- checks --------------------------------------------------------------------------------------------------

  function checkPeople(input: ScheduleInput, team: MeetingTeam) {
    const practitioners = new Map(team.practitioners.map(person => [person.userId, person]))
    const family = new Map(team.family.map(person => [person.id, person]))
    if (input.inviteeUserIds.some(id => !practitioners.has(id)) || input.inviteeFamilyIds.some(id => !family.has(id))) {
      throw new DomainRuleError('Invite only people who are on the team now', 'invitees')
    }
    if (input.chairUserId && !practitioners.has(input.chairUserId)) throw new DomainRuleError('Choose a chair from the practitioners on the team', 'chairUserId')
    if (input.minuteTakerUserId && !practitioners.has(input.minuteTakerUserId)) throw new DomainRuleError('Choose a minute-taker from the practitioners on the team', 'minuteTakerUserId')
    const invited = [
      ...input.inviteeUserIds.map(id => {
        const person = practitioners.get(id)
        return { id: uuidv7(), userId: id, familyTeamMemberId: null, name: person?.name ?? '', email: person?.email ?? null }
      }),
      ...input.inviteeFamilyIds.map(id => {
        const person = family.get(id)
        return { id: uuidv7(), userId: null, familyTeamMemberId: id, name: person?.name ?? '', email: person?.email ?? null }
      }),
    ]
    return invited
  }

  function timesOf(input: ScheduleInput) {
    const startsAt = ukDateTimeToInstant(input.date, input.startTime)
    const endsAt = ukDateTimeToInstant(input.date, input.endTime)
    const now = clock.now()
    if (startsAt.getTime() <= now.getTime()) throw new DomainRuleError('The meeting must start in the future', 'date-day')
    if (startsAt.getTime() > now.getTime() + 2 * 366 * 86_400_000) throw new DomainRuleError('The meeting must be within the next 2 years', 'date-day')
    return { startsAt, endsAt }
  }

  // ---- meetings ------------------------------------------------------------------------------------------------

  async function listForEpisode(context: RequestContext, episodeId: string) {
    return withEpisode(context, 'meeting.view', episodeId, async ({ trx, actor, summary }) => {
      const today = ukDateOf(clock.now())
      const meetings = (await repository.listMeetings(trx, actor.authorityId, episodeId)).map(meeting => {
        const dueOn = meeting.minutesDueOn === null ? null : String(meeting.minutesDueOn)
        const late = meeting.status !== 'cancelled' && dueOn !== null && meeting.minutesStatus !== 'circulated' && dueOn < today
        return { ...meeting, minutesDueOn: dueOn, lateMessage: late && dueOn ? lateMinutesMessage(meeting.startsAt, dueOn, today) : null }
      })
      return { summary, meetings, now: clock.now() }
    })
  }

  async function scheduleChoices(context: RequestContext, episodeId: string) {
    return withEpisode(context, 'meeting.manage', episodeId, async ({ trx, actor, summary }) => ({ summary, team: await teamOf(trx, actor.authorityId, episodeId) }), {
      change: true,
    })
  }

  async function schedule(context: RequestContext, episodeId: string, input: ScheduleInput): Promise<string> {
    return withEpisode(
      context,
      'meeting.manage',
      episodeId,
      async ({ trx, actor, summary, note }) => {
        const authorityId = actor.authorityId
        const invited = checkPeople(input, await teamOf(trx, authorityId, episodeId))
        const { startsAt, endsAt } = timesOf(input)
        const now = clock.now()
        const id = uuidv7(now.getTime())
        const meeting: repository.MeetingRecord = {
          id,
          episodeId,
          purpose: input.purpose,
          startsAt,
          endsAt,
          venueName: input.venueName,
          venueAddress: input.venueAddress,
          neutralVenue: input.neutralVenue,
          accessibilityNotes: input.accessibilityNotes,
          remoteLink: input.remoteLink,
          status: 'scheduled',
          icsUid: `${id}@${new URL(config.baseUrl).hostname}`,
          icsSequence: 0,
          chairUserId: input.chairUserId,
          minuteTakerUserId: input.minuteTakerUserId,
          scheduledByUserId: actor.userId,
          createdAt: now,
          cancelledAt: null,
          cancelReason: null,
          version: 1,
        }
        const { status: _status, icsSequence: _sequence, cancelledAt: _cancelledAt, cancelReason: _reason, version: _version, ...row } = meeting
        await repository.insertMeeting(trx, { ...row, authorityId })
        await repository.insertInvitees(trx, authorityId, id, invited, now)
        await repository.insertMinutes(trx, authorityId, id, await minutesDueOn(trx, authorityId, startsAt), now)
        const emails = await sendCalendarEmails(trx, authorityId, meeting, summary, invited, 'invitation')
        note.recordId = id
        note.details = { episodeId, change: 'meeting scheduled', invitees: invited.length, invitationsEmailed: emails }
        return id
      },
      { change: true },
    )
  }

  async function view(context: RequestContext, episodeId: string, meetingId: string, action: Action = 'meeting.view'): Promise<MeetingDetail> {
    return withMeeting(context, action, episodeId, meetingId, detailOf)
  }

  async function update(context: RequestContext, episodeId: string, meetingId: string, input: EditMeetingInput): Promise<void> {
    return withMeeting(
      context,
      'meeting.manage',
      episodeId,
      meetingId,
      async ({ trx, actor, summary, meeting, note }) => {
        const authorityId = actor.authorityId
        if (meeting.status !== 'scheduled') throw new DomainRuleError(meeting.status === 'cancelled' ? 'This meeting was cancelled. Schedule a new one.' : 'This meeting has been held. It can no longer be changed.')
        if (meeting.version !== input.version) throw new StaleMeetingEditError('Someone else changed this meeting after you opened the form')
        const wanted = checkPeople(input, await teamOf(trx, authorityId, episodeId))
        const { startsAt, endsAt } = timesOf(input)
        const current = await repository.listInvitees(trx, authorityId, meetingId)
        const key = (person: { userId: string | null; familyTeamMemberId: string | null }) => person.userId ?? `family:${person.familyTeamMemberId}`
        const wantedKeys = new Set(wanted.map(key))
        const currentKeys = new Set(current.map(key))
        const added = wanted.filter(person => !currentKeys.has(key(person)))
        const removed = current.filter(person => !wantedKeys.has(key(person)))
        const sequence = meeting.icsSequence + 1
        const changes = {
          purpose: input.purpose,
          startsAt,
          endsAt,
          venueName: input.venueName,
          venueAddress: input.venueAddress,
          neutralVenue: input.neutralVenue,
          accessibilityNotes: input.accessibilityNotes,
          remoteLink: input.remoteLink,
          chairUserId: input.chairUserId,
          minuteTakerUserId: input.minuteTakerUserId,
          icsSequence: sequence,
        }
        if (!(await repository.updateMeeting(trx, authorityId, meetingId, input.version, changes))) throw new StaleMeetingEditError('Someone else changed this meeting after you opened the form')
        const now = clock.now()
        await repository.removeInvitees(trx, authorityId, meetingId, removed.map(person => person.id), now)
        await repository.insertInvitees(trx, authorityId, meetingId, added, now)
        await repository.updateMinutes(trx, authorityId, meetingId, null, { dueOn: await minutesDueOn(trx, authorityId, startsAt), updatedAt: now })
        const updated = { ...meeting, ...changes }
        const stillInvited = await repository.listInvitees(trx, authorityId, meetingId)
        const addedIds = new Set(added.map(person => person.id))
        let emails = await sendCalendarEmails(trx, authorityId, updated, summary, stillInvited.filter(person => !addedIds.has(person.id)), 'update')
        emails += await sendCalendarEmails(trx, authorityId, updated, summary, stillInvited.filter(person => addedIds.has(person.id)), 'invitation')
        emails += await sendCalendarEmails(trx, authorityId, updated, summary, removed, 'cancellation', 'You are no longer invited to this meeting.')
        note.details = { episodeId, change: 'meeting changed', sequence, invited: added.length, uninvited: removed.length, emails }
      },
      { change: true },
    )
  }

  async function cancel(context: RequestContext, episodeId: string, meetingId: string, input: CancelInput): Promise<void> {
    return withMeeting(
      context,
      'meeting.manage',
      episodeId,
      meetingId,
      async ({ trx, actor, summary, meeting, note }) => {
        const authorityId = actor.authorityId
        if (meeting.status !== 'scheduled') throw new DomainRuleError(meeting.status === 'cancelled' ? 'This meeting is already cancelled.' : 'This meeting has been held. It cannot be cancelled.')
        if (meeting.version !== input.version) throw new StaleMeetingEditError('Someone else changed this meeting after you opened the form')
        const now = clock.now()
        const sequence = meeting.icsSequence + 1
        if (!(await repository.updateMeeting(trx, authorityId, meetingId, input.version, { status: 'cancelled', cancelledAt: now, cancelReason: input.reason, icsSequence: sequence }))) {
          throw new StaleMeetingEditError('Someone else changed this meeting after you opened the form')
        }
        const invitees = await repository.listInvitees(trx, authorityId, meetingId)
        const emails = await sendCalendarEmails(trx, authorityId, { ...meeting, icsSequence: sequence, status: 'cancelled' }, summary, invitees, 'cancellation', input.reason)
        note.details = { episodeId, change: 'meeting cancelled', sequence, emails }
      },
      { change: true },
    )
  }

  // ---- agenda --------------------------------------------------------------------------------------------------

  async function addAgendaItem(context: RequestContext, episodeId: string, meetingId: string, input: AgendaInput): Promise<void> {
    return withMeeting(
      context,
      'meeting.agenda',
      episodeId,
      meetingId,
      async ({ trx, actor, meeting, note }) => {
        const authorityId = actor.authorityId
        if (meeting.status !== 'scheduled') throw new DomainRuleError('Items can be added to the agenda only before the meeting', 'text')
        let addedBy: { userId: string | null; familyId: string | null; name: string } = { userId: actor.userId, familyId: null, name: actor.name }
        if (input.onBehalfOfFamilyId) {
          const family = (await repository.listFamilySideMembers(trx, authorityId, episodeId)).find(person => person.id === input.onBehalfOfFamilyId)
          if (!family) throw new DomainRuleError('Select someone from the family’s side of the team', 'raisedBy')
          addedBy = { userId: null, familyId: family.id, name: family.name }
        }
        const id = uuidv7(clock.now().getTime())
        await repository.insertAgendaItem(trx, {
          authorityId,
          id,
          meetingId,
          text: input.text,
          addedByUserId: addedBy.userId,
          addedByFamilyTeamMemberId: addedBy.familyId,
          addedByName: addedBy.name,
          at: clock.now(),
        })
        note.details = { episodeId, meetingId, change: 'agenda item added', agendaItemId: id, fromFamily: addedBy.familyId !== null, recordedByUserId: actor.userId }
      },
      { change: true },
    )
  }

  // ---- attendance ----------------------------------------------------------------------------------------------

  async function recordAttendance(context: RequestContext, episodeId: string, meetingId: string, input: AttendanceInput): Promise<void> {
    return withMeeting(
      context,
      'meeting.minutes',
      episodeId,
      meetingId,
      async ({ trx, actor, meeting, note }) => {
        const authorityId = actor.authorityId
        if (meeting.status === 'cancelled') throw new DomainRuleError('This meeting was cancelled.')
        if (meeting.startsAt.getTime() > clock.now().getTime()) throw new DomainRuleError('Attendance can be recorded once the meeting has started.')
        if (meeting.version !== input.version) throw new StaleMeetingEditError('Someone else changed this meeting after you opened the form')
        const invitees = await repository.listInvitees(trx, authorityId, meetingId)
        const known = new Set(invitees.map(invitee => invitee.id))
        if (input.attendance.some(item => !known.has(item.inviteeId)) || invitees.some(invitee => !input.attendance.some(item => item.inviteeId === invitee.id))) {
          throw new DomainRuleError('Record attendance for everyone invited, and only them')
        }
        const practitioners = new Set((await listCurrentPractitioners(trx, authorityId, episodeId)).map(person => person.userId))
        const eligible = (userId: string | null) => userId !== null && (practitioners.has(userId) || invitees.some(invitee => invitee.userId === userId))
        if (!eligible(input.chairUserId)) throw new DomainRuleError('Choose a chair from the practitioners on the team', 'chairUserId')
        if (!eligible(input.minuteTakerUserId)) throw new DomainRuleError('Choose a minute-taker from the practitioners on the team', 'minuteTakerUserId')
        for (const item of input.attendance) await repository.setAttendance(trx, authorityId, meetingId, item.inviteeId, item.attendance)
        const changed = await repository.updateMeeting(trx, authorityId, meetingId, input.version, { status: 'held', chairUserId: input.chairUserId, minuteTakerUserId: input.minuteTakerUserId })
        if (!changed) throw new StaleMeetingEditError('Someone else changed this meeting after you opened the form')
        note.details = {
          episodeId,
          meetingId,
          change: 'attendance recorded',
          attended: input.attendance.filter(item => item.attendance === 'attended').length,
          apologies: input.attendance.filter(item => item.attendance === 'apologies').length,
          didNotAttend: input.attendance.filter(item => item.attendance === 'did_not_attend').length,
        }
      },
      { change: true },
    )
  }

  // ---- minutes -------------------------------------------------------------------------------------------------

  function requireMinutesOpen(meeting: repository.MeetingRecord, minutes: repository.MinutesRecord | undefined): repository.MinutesRecord {
    if (meeting.status === 'cancelled') throw new DomainRuleError('This meeting was cancelled, so it has no minutes.')
    if (meeting.startsAt.getTime() > clock.now().getTime()) throw new DomainRuleError('Minutes can be written once the meeting has started.')
    if (!minutes) throw new NotFoundError('There are no minutes for this meeting.')
    if (minutes.status === 'awaiting_approval') throw new DomainRuleError('The minutes are with the chair for approval. They can be changed if the chair returns them.')
    if (minutes.status === 'approved' || minutes.status === 'circulated') throw new DomainRuleError('The minutes have been approved and circulated. They can no longer be changed.')
    return minutes
  }

  async function saveMinutes(context: RequestContext, episodeId: string, meetingId: string, input: MinutesInput): Promise<'saved' | 'submitted'> {
    return withMeeting(
      context,
      'meeting.minutes',
      episodeId,
      meetingId,
      async ({ trx, actor, meeting, note }) => {
        const authorityId = actor.authorityId
        const minutes = requireMinutesOpen(meeting, await repository.findMinutes(trx, authorityId, meetingId))
        if (minutes.version !== input.version) throw new StaleMeetingEditError('Someone else saved these minutes after you opened them')
        const submit = input.intent === 'submit'
        if (submit && (!meeting.chairUserId || meeting.status !== 'held')) {
          throw new DomainRuleError('Record attendance, including who chaired the meeting, before sending the minutes to the chair')
        }
        const now = clock.now()
        const saved = await repository.updateMinutes(trx, authorityId, meetingId, input.version, {
          discussion: input.discussion,
          decisions: input.decisions,
          familyViews: input.familyViews,
          draftedByUserId: actor.userId,
          updatedAt: now,
          ...(submit ? { status: 'awaiting_approval' as const, submittedAt: now } : {}),
        })
        if (!saved) throw new StaleMeetingEditError('Someone else saved these minutes after you opened them')
        note.details = { episodeId, meetingId, change: submit ? 'minutes sent for approval' : 'minutes draft saved' }
        return submit ? 'submitted' : 'saved'
      },
      { change: true },
    )
  }

  /** A new action agreed in the meeting: it goes straight into the family's plan, marked as coming from this meeting. */
  async function addMinutesAction(context: RequestContext, episodeId: string, meetingId: string, input: MinutesActionInput): Promise<string> {
    return withMeeting(
      context,
      'meeting.minutes',
      episodeId,
      meetingId,
      async ({ trx, actor, meeting, note }) => {
        const authorityId = actor.authorityId
        requireMinutesOpen(meeting, await repository.findMinutes(trx, authorityId, meetingId))
        const owner = await ownerOf(trx, authorityId, episodeId, input.owner)
        if (input.dueOn < ukDateOf(meeting.startsAt)) throw new DomainRuleError('The date it will be done by must be on or after the day of the meeting', 'dueOn-day')
        const id = await insertPlanAction(trx, {
          authorityId,
          episodeId,
          what: input.what,
          ...owner,
          dueOn: input.dueOn,
          sourceMeetingId: meetingId,
          createdByUserId: actor.userId,
          createdByName: actor.name,
          at: clock.now(),
        })
        note.details = { episodeId, meetingId, change: 'action added to the plan from the minutes', planActionId: id }
        return id
      },
      { change: true },
    )
  }

  async function ownerOf(trx: Transaction<Database>, authorityId: string, episodeId: string, owner: MinutesActionInput['owner']) {
    const team = await teamOf(trx, authorityId, episodeId)
    if (owner.kind === 'user') {
      const person = team.practitioners.find(item => item.userId === owner.id)
      if (!person) throw new DomainRuleError('Select who will do it from the team', 'owner')
      return { ownerKind: 'practitioner' as const, ownerUserId: person.userId, ownerName: person.name }
    }
    if (owner.kind === 'family') {
      const person = team.family.find(item => item.id === owner.id)
      if (!person) throw new DomainRuleError('Select who will do it from the team', 'owner')
      return { ownerKind: 'family_member' as const, ownerFamilyTeamMemberId: person.id, ownerName: person.name }
    }
    const agencies = await repository.listTeamAgencies(trx, authorityId, episodeId)
    const agency = agencies.find(item => item.id === owner.id)
    if (!agency) throw new DomainRuleError('Select who will do it from the team', 'owner')
    return { ownerKind: 'agency' as const, ownerAgencyId: agency.id, ownerName: agency.name }
  }

  async function decideMinutes(context: RequestContext, episodeId: string, meetingId: string, input: { intent: 'approve' | 'return'; version: number }): Promise<'circulated' | 'returned'> {
    return withMeeting(
      context,
      'meeting.approve-minutes',
      episodeId,
      meetingId,
      async ({ trx, actor, summary, meeting, note }) => {
        const authorityId = actor.authorityId
        const minutes = await repository.findMinutes(trx, authorityId, meetingId)
        if (!minutes || minutes.status !== 'awaiting_approval') throw new DomainRuleError('These minutes are not waiting for approval.')
        if (meeting.chairUserId !== actor.userId) {
          const chair = meeting.chairUserId ? await repository.findUserName(trx, authorityId, meeting.chairUserId) : undefined
          throw new DomainRuleError(`Only the chair of the meeting${chair ? `, ${chair},` : ''} can approve these minutes.`)
        }
        if (minutes.version !== input.version) throw new StaleMeetingEditError('The minutes changed after you opened them')
        const now = clock.now()
        if (input.intent === 'return') {
          await repository.updateMinutes(trx, authorityId, meetingId, input.version, { status: 'draft', submittedAt: null, updatedAt: now })
          note.details = { episodeId, meetingId, change: 'minutes returned to the minute-taker' }
          return 'returned'
        }
        await repository.updateMinutes(trx, authorityId, meetingId, input.version, { status: 'circulated', approvedByUserId: actor.userId, approvedAt: now, circulatedAt: now, updatedAt: now })
        const emails = await circulate(trx, authorityId, meeting, summary)
        note.details = { episodeId, meetingId, change: 'minutes approved and circulated', emails }
        return 'circulated'
      },
      { change: true },
    )
  }

  /** Tells every practitioner on the team and everyone on the family's side with an email that the minutes are ready. */
  async function circulate(trx: Transaction<Database>, authorityId: string, meeting: repository.MeetingRecord, summary: EpisodeSummary): Promise<number> {
    const team = await teamOf(trx, authorityId, summary.id)
    const day = longDate.format(meeting.startsAt)
    let sent = 0
    for (const person of team.practitioners) {
      await enqueueEmail(
        trx,
        {
          authorityId,
          recipient: person.email,
          subject: `Minutes of the team around the family meeting on ${day}`,
          bodyText: [
            `Dear ${person.name},`,
            '',
            `The minutes of the team around the family meeting on ${day} have been approved by the chair.`,
            '',
            'Sign in to read them and to see any new actions added to the plan:',
            `${config.baseUrl}${paths.meetings.show(meeting.episodeId, meeting.id)}`,
            '',
            'For privacy, this email does not say who the meeting was about.',
          ].join('\n'),
        },
        mailOptions(),
      )
      sent++
    }
    for (const person of team.family) {
      if (!person.email) continue
      await enqueueEmail(
        trx,
        {
          authorityId,
          recipient: person.email,
          subject: `Minutes of your family’s meeting on ${day}`,
          bodyText: [
            `Dear ${person.name},`,
            '',
            `The minutes of the meeting on ${day} are ready. They say what was talked about, what was decided and what each person agreed to do.`,
            '',
            'Your lead professional will give you a copy. If you think anything in them is wrong or missing, tell your lead professional: what you say will be recorded.',
          ].join('\n'),
        },
        mailOptions(),
      )
      sent++
    }
    return sent
  }

  // ---- API helpers ---------------------------------------------------------------------------------------------

  async function ensureAllowed(context: RequestContext, action: Action, episodeId: string): Promise<void> {
    await withEpisode(context, action, episodeId, async () => undefined)
  }

  // ---- bank holidays -------------------------------------------------------------------------------------------

  function administratorOf(context: RequestContext): PractitionerActor {
    return practitionerOf(context)
  }

  async function listBankHolidays(context: RequestContext) {
    const actor = administratorOf(context)
    return access.run(context, { action: 'bank-holiday.manage', resource: { authorityId: actor.authorityId }, recordType: 'bank-holiday' }, async trx => ({
      shipped: ENGLAND_AND_WALES_BANK_HOLIDAYS.filter(holiday => holiday.date >= ukDateOf(clock.now()).slice(0, 4)),
      shippedUntil: SHIPPED_BANK_HOLIDAYS_UNTIL,
      added: (await repository.listAddedBankHolidays(trx, actor.authorityId)).map(holiday => ({ ...holiday, holidayOn: String(holiday.holidayOn) })),
    }))
  }

  async function addBankHoliday(context: RequestContext, input: { holidayOn: string; title: string }): Promise<{ moved: number }> {
    const actor = administratorOf(context)
    return access.run(context, { action: 'bank-holiday.manage', resource: { authorityId: actor.authorityId }, recordType: 'bank-holiday', recordId: null }, async (trx, note) => {
      if (input.holidayOn < ukDateOf(clock.now())) throw new DomainRuleError('Add only bank holidays from today on', 'holidayOn-day')
      if (ENGLAND_AND_WALES_BANK_HOLIDAYS.some(holiday => holiday.date === input.holidayOn)) throw new DomainRuleError('That date is already a bank holiday in the published list', 'holidayOn-day')
      if (!(await repository.insertBankHoliday(trx, { authorityId: actor.authorityId, holidayOn: input.holidayOn, title: input.title, addedByUserId: actor.userId, at: clock.now() }))) {
        throw new DomainRuleError('That date has already been added', 'holidayOn-day')
      }
      const moved = await recomputeDueDates(trx, actor.authorityId, input.holidayOn)
      note.details = { change: 'bank holiday added', holidayOn: input.holidayOn, minutesDueDatesMoved: moved }
      return { moved }
    })
  }

  async function removeBankHoliday(context: RequestContext, holidayOn: string): Promise<void> {
    const actor = administratorOf(context)
    return access.run(context, { action: 'bank-holiday.manage', resource: { authorityId: actor.authorityId }, recordType: 'bank-holiday' }, async (trx, note) => {
      if (!(await repository.deleteBankHoliday(trx, actor.authorityId, holidayOn))) throw new NotFoundError('That bank holiday is not in the list.')
      const moved = await recomputeDueDates(trx, actor.authorityId, holidayOn)
      note.details = { change: 'bank holiday removed', holidayOn, minutesDueDatesMoved: moved }
    })
  }

  /** Minutes not yet circulated and due on or after a changed holiday get their due date worked out again. */
  async function recomputeDueDates(trx: Transaction<Database>, authorityId: string, from: string): Promise<number> {
    const open = await repository.listOpenMinutesDueFrom(trx, authorityId, from)
    let moved = 0
    for (const item of open) {
      const before = await repository.findMinutes(trx, authorityId, item.meetingId)
      const dueOn = await minutesDueOn(trx, authorityId, item.startsAt)
      if (before && String(before.dueOn) !== dueOn) {
        await repository.updateMinutes(trx, authorityId, item.meetingId, null, { dueOn })
        moved++
      }
    }
    return moved
  }

  return {
    listForEpisode,
    scheduleChoices,
    schedule,
    view,
    update,
    cancel,
    addAgendaItem,
    recordAttendance,
    saveMinutes,
    addMinutesAction,
    decideMinutes,
    ensureAllowed,
    listBankHolidays,
    addBankHoliday,
    removeBankHoliday,
  }
}

export { loadBankHolidays, workingDaysAfter }
