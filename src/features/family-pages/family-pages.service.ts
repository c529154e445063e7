import type { Kysely, Transaction } from 'kysely'
import type { Config } from '../../config.ts'
import type { Database, FamilyTeamMemberKind } from '../../db/schema.ts'
import type { Clock } from '../../lib/clock.ts'
import { ukDateOf } from '../../lib/dates.ts'
import { ConflictError, DomainRuleError, NotFoundError } from '../../lib/errors.ts'
import { translate, type Language } from '../../lib/i18n.ts'
import { isUuid, uuidv7 } from '../../lib/ids.ts'
import type { Access } from '../../policy/access.ts'
import type { FamilyActor, RequestContext } from '../../policy/actor.ts'
import { paths } from '../../paths.ts'
import type { EpisodeSummary } from '../episodes/episode-summary.ts'
import { buildCalendar } from '../meetings/ics.ts'
import { listOverdueMinutes } from '../meetings/meetings-due.ts'
import { enqueueEmail } from '../outbox/emails.ts'
import { listDisputesFor } from '../records-history/record-history.repository.ts'
import { listCurrentLeads, listCurrentPractitioners } from '../team/team.repository.ts'
import { familyOf, withFamilyEpisode } from './family-episode.ts'
import * as repository from './family-pages.repository.ts'
import type { ActionUpdateInput, AgendaInput, BeforeMeetingInput, SupporterInput } from './family-pages.schemas.ts'

export type FamilyPageService = ReturnType<typeof createFamilyPageService>

/** Someone changed the record after the family member opened the form: nothing was saved, their words are kept. */
export class StaleFamilyEditError extends ConflictError {}

const ENDED = 'This support has ended, so you cannot add to it now. Talk to your lead professional if you need to.'

/** What every family page about an episode knows: which one, whether the reader is a young person, their own team member. */
export type FamilyEpisodeContext = { episodeId: string; reference: string; closed: boolean; young: boolean; familyTeamMemberId: string | null }

export type LeadContact = { name: string; email: string; agencyName: string | null; scope: 'whole_family' | 'adults' | 'children' }

export type ActionView = repository.FamilyAction & { late: boolean; mine: boolean; needDescription: string | null }

export type MeetingSummary = repository.FamilyMeeting & { upcoming: boolean; minutesReady: boolean; minutesLate: boolean }

/**
 * The family's own pages about their support: the home page of an episode, who is on the team, the plan and its
 * actions, and meetings (agenda, "what I want to say", minutes once circulated, a calendar file). Every read and write
 * goes through withFamilyEpisode: the family account's link to the episode is read and decided in the same audited
 * transaction. Nothing here shows team-only or agency-only records: minutes only once circulated, and only the
 * reader's own "what I want to say".
 */
export function createFamilyPageService(deps: { db: Kysely<Database>; config: Config; clock: Clock; access: Access }) {
  const { config, clock, access } = deps
  const mailOptions = () => ({ at: clock.now(), smtpConfigured: config.smtpUrl !== undefined, domain: new URL(config.baseUrl).hostname })
  const organizerEmail = /<([^<>\s]+@[^<>\s]+)>\s*$/.exec(config.mailFrom)?.[1] ?? config.mailFrom
  const today = () => ukDateOf(clock.now())

  async function contextOf(trx: Transaction<Database>, episode: EpisodeSummary, actor: FamilyActor): Promise<FamilyEpisodeContext> {
    return {
      episodeId: episode.id,
      reference: episode.reference,
      closed: episode.status === 'closed',
      young: actor.accountKind === 'young_person',
      familyTeamMemberId: await repository.findFamilyTeamMemberId(trx, actor.authorityId, actor.accountId, episode.id),
    }
  }

  async function leadsOf(trx: Transaction<Database>, authorityId: string, episodeId: string): Promise<LeadContact[]> {
    return (await listCurrentLeads(trx, authorityId, episodeId)).map(lead => ({ name: lead.name, email: lead.email, agencyName: lead.agencyName, scope: lead.scope }))
  }

  function actionViews(actions: repository.FamilyAction[], needs: repository.FamilyNeed[], familyTeamMemberId: string | null): ActionView[] {
    const day = today()
    return actions.map(action => ({
      ...action,
      late: (action.status === 'not_started' || action.status === 'in_progress') && action.dueOn < day,
      mine: familyTeamMemberId !== null && action.ownerKind === 'family_member' && action.ownerFamilyTeamMemberId === familyTeamMemberId,
      needDescription: action.needId ? (needs.find(need => need.id === action.needId)?.description ?? null) : null,
    }))
  }

  function meetingSummary(meeting: repository.FamilyMeeting): MeetingSummary {
    const now = clock.now().getTime()
    return {
      ...meeting,
      upcoming: meeting.status === 'scheduled' && meeting.startsAt.getTime() > now,
      minutesReady: meeting.minutesStatus === 'circulated',
      minutesLate: meeting.status !== 'cancelled' && meeting.minutesStatus !== null && meeting.minutesStatus !== 'circulated' && meeting.minutesDueOn !== null && meeting.minutesDueOn < today(),
    }
  }

  // ---- the family's episodes ----------------------------------------------------------------------------------------

  /** The episodes this family member may see now. */
  async function listEpisodes(context: RequestContext): Promise<repository.LinkedEpisode[]> {
    const actor = familyOf(context)
    return access.run(context, { action: 'family.account', resource: { authorityId: actor.authorityId }, recordType: 'family-episodes', recordId: actor.accountId }, async trx =>
      repository.listLinkedEpisodes(trx, actor.authorityId, actor.accountId),
    )
  }

  // ---- the home page of an episode ----------------------------------------------------------------------------------

  async function home(context: RequestContext, episodeId: string) {
    return withFamilyEpisode(access, context, episodeId, { action: 'family.view', recordType: 'family-home' }, async (trx, episode, actor) => {
      const authorityId = actor.authorityId
      const page = await contextOf(trx, episode, actor)
      const meetings = (await repository.listMeetings(trx, authorityId, episode.id)).map(meetingSummary)
      const nextMeeting = meetings.filter(meeting => meeting.upcoming).sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime())[0] ?? null
      const needs = await repository.listNeeds(trx, authorityId, episode.id)
      const actions = actionViews(await repository.listActions(trx, authorityId, episode.id), needs, page.familyTeamMemberId)
      const overdueMinutes = await listOverdueMinutes(trx, authorityId, today(), { episodeId: episode.id })
      const readyMinutes = meetings.filter(meeting => meeting.minutesReady)
      return {
        page,
        leads: await leadsOf(trx, authorityId, episode.id),
        nextMeeting,
        lateActions: actions.filter(action => action.late),
        myOpenActions: actions.filter(action => action.mine && (action.status === 'not_started' || action.status === 'in_progress')),
        lateMinutes: overdueMinutes.map(item => ({ meetingId: item.meetingId, startsAt: item.meetingStartsAt, dueOn: item.dueOn })),
        latestMinutes: readyMinutes[0] ?? null,
      }
    })
  }

  // ---- our team -----------------------------------------------------------------------------------------------------

  async function team(context: RequestContext, episodeId: string) {
    return withFamilyEpisode(access, context, episodeId, { action: 'family.view', recordType: 'team' }, async (trx, episode, actor) => {
      const authorityId = actor.authorityId
      const page = await contextOf(trx, episode, actor)
      const leads = await listCurrentLeads(trx, authorityId, episode.id)
      const practitioners = await listCurrentPractitioners(trx, authorityId, episode.id)
      const kinds = await repository.agencyKinds(trx, authorityId, [...new Set(practitioners.flatMap(person => (person.agencyId ? [person.agencyId] : [])))])
      const leadScopes = new Map<string, ('whole_family' | 'adults' | 'children')[]>()
      for (const lead of leads) leadScopes.set(lead.userId, [...(leadScopes.get(lead.userId) ?? []), lead.scope])
      return {
        page,
        leads: leads.map(lead => ({ name: lead.name, email: lead.email, agencyName: lead.agencyName, scope: lead.scope })),
        practitioners: practitioners.map(person => ({
          name: person.name,
          teamRole: person.teamRole,
          agencyName: person.agencyName,
          agencyDescription: person.agencyDescription,
          agencyKind: person.agencyId ? (kinds.get(person.agencyId) ?? null) : null,
          agencyPhone: person.agencyPhone,
          agencyEmail: person.agencyEmail,
          isLead: leadScopes.has(person.userId),
        })),
        familySide: await repository.listFamilySide(trx, authorityId, episode.id),
      }
    })
  }

  async function supporterForm(context: RequestContext, episodeId: string) {
    return withFamilyEpisode(access, context, episodeId, { action: 'family.view', recordType: 'team' }, async (trx, episode, actor) => ({
      page: await contextOf(trx, episode, actor),
      leads: await leadsOf(trx, actor.authorityId, episode.id),
    }))
  }

  const SUPPORTER_KINDS: Record<SupporterInput['kind'], string> = {
    advocate: 'an advocate',
    friend: 'a friend or relative',
    parent_advice: 'a parent advice service',
    other_supporter: 'someone else who supports them',
  }

  /**
   * "Ask for a supporter to join": an email to the lead professional(s) (or, with none, the practitioner who started
   * the support), who add the supporter on the team page. No child's details in the email: what it is about and a link.
   */
  async function askForSupporter(context: RequestContext, episodeId: string, input: SupporterInput): Promise<{ sentTo: string[] }> {
    return withFamilyEpisode(access, context, episodeId, { action: 'family.contribute', recordType: 'team' }, async (trx, episode, actor, note) => {
      if (episode.status === 'closed') throw new DomainRuleError(ENDED)
      const authorityId = actor.authorityId
      const leads = await leadsOf(trx, authorityId, episode.id)
      const owner = leads.length === 0 ? await repository.findEpisodeOwner(trx, authorityId, episode.id) : undefined
      const recipients = leads.length > 0 ? leads.map(lead => ({ name: lead.name, email: lead.email })) : owner ? [owner] : []
      if (recipients.length === 0) throw new DomainRuleError('There is nobody to send this to yet. Ask the person who is helping your family to add your supporter.')
      const seen = new Set<string>()
      for (const recipient of recipients) {
        if (seen.has(recipient.email)) continue
        seen.add(recipient.email)
        await enqueueEmail(
          trx,
          {
            authorityId,
            recipient: recipient.email,
            subject: `A family asked for a supporter to join their team (${episode.reference})`,
            bodyText: [
              `Dear ${recipient.name},`,
              '',
              `${actor.name}, a family member on episode ${episode.reference}, asked for ${SUPPORTER_KINDS[input.kind]} to join the team around the family.`,
              '',
              ...(input.supporterName ? [`Who: ${input.supporterName}`] : []),
              ...(input.contact ? [`How to reach them: ${input.contact}`] : []),
              ...(input.why ? ['', 'What they said:', input.why] : []),
              '',
              'Talk to the family about it, then add the supporter on the team page:',
              `${config.baseUrl}${paths.team.show(episode.id)}`,
            ].join('\n'),
          },
          mailOptions(),
        )
      }
      note.details = { change: 'family asked for a supporter to join', supporterKind: input.kind, emails: seen.size }
      return { sentTo: [...new Set(recipients.map(recipient => recipient.name))] }
    })
  }

  // ---- our plan -----------------------------------------------------------------------------------------------------

  async function plan(context: RequestContext, episodeId: string) {
    return withFamilyEpisode(access, context, episodeId, { action: 'family.view', recordType: 'plan' }, async (trx, episode, actor) => {
      const authorityId = actor.authorityId
      const page = await contextOf(trx, episode, actor)
      const needs = await repository.listNeeds(trx, authorityId, episode.id)
      const actions = actionViews(await repository.listActions(trx, authorityId, episode.id), needs, page.familyTeamMemberId)
      return {
        page,
        needs: needs.map(need => ({ ...need, actions: actions.filter(action => action.needId === need.id) })),
        otherActions: actions.filter(action => action.needId === null || !needs.some(need => need.id === action.needId)),
        counts: { all: actions.length, done: actions.filter(action => action.status === 'done').length, late: actions.filter(action => action.late).length },
        agreed: (await repository.latestAgreedVersion(trx, authorityId, episode.id)) ?? null,
        changedSinceAgreed: await repository.planChangedSinceAgreed(trx, authorityId, episode.id),
      }
    })
  }

  async function action(context: RequestContext, episodeId: string, actionId: string) {
    if (!isUuid(actionId)) throw new NotFoundError('There is no such page.')
    return withFamilyEpisode(access, context, episodeId, { action: 'family.view', recordType: 'plan-action', recordId: actionId }, async (trx, episode, actor) => {
      const authorityId = actor.authorityId
      const page = await contextOf(trx, episode, actor)
      const found = await repository.findAction(trx, authorityId, episode.id, actionId.toLowerCase())
      if (!found) throw new NotFoundError('There is no such page.')
      const needs = await repository.listNeeds(trx, authorityId, episode.id)
      const [view] = actionViews([found], needs, page.familyTeamMemberId)
      if (!view) throw new NotFoundError('There is no such page.')
      return { page, action: view, history: await repository.listActionUpdates(trx, authorityId, found.id) }
    })
  }

  /**
   * "Mark as done" (only the family member's own actions) or "add a comment" (any action). Both carry the action's
   * version: when someone else changed it after the page was opened, nothing is saved and the form shows it again with
   * the family member's words kept.
   */
  async function updateAction(context: RequestContext, episodeId: string, actionId: string, input: ActionUpdateInput): Promise<'done' | 'commented'> {
    if (!isUuid(actionId)) throw new NotFoundError('There is no such page.')
    return withFamilyEpisode(access, context, episodeId, { action: 'family.contribute', recordType: 'plan-action', recordId: actionId }, async (trx, episode, actor, note) => {
      if (episode.status === 'closed') throw new DomainRuleError(ENDED)
      const authorityId = actor.authorityId
      const familyTeamMemberId = await repository.findFamilyTeamMemberId(trx, authorityId, actor.accountId, episode.id)
      const found = await repository.findAction(trx, authorityId, episode.id, actionId.toLowerCase())
      if (!found) throw new NotFoundError('There is no such page.')
      const mine = familyTeamMemberId !== null && found.ownerKind === 'family_member' && found.ownerFamilyTeamMemberId === familyTeamMemberId
      const now = clock.now()
      if (input.intent === 'done') {
        if (!mine) throw new DomainRuleError('You can only mark your own actions as done. You can add a comment instead.', 'comment')
        if (found.status === 'done') throw new DomainRuleError('This action is already marked as done.', 'comment')
        if (found.version !== input.version || !(await repository.markActionDone(trx, authorityId, found.id, input.version, today(), now))) {
          throw new StaleFamilyEditError('Someone changed this action after you opened the page.')
        }
      } else if (found.version !== input.version || !(await repository.bumpActionVersion(trx, authorityId, found.id, input.version, now))) {
        throw new StaleFamilyEditError('Someone changed this action after you opened the page.')
      }
      await repository.insertFamilyActionUpdate(trx, {
        authorityId,
        id: uuidv7(now.getTime()),
        actionId: found.id,
        episodeId: episode.id,
        status: input.intent === 'done' ? 'done' : null,
        note: input.comment || (input.intent === 'done' ? 'Marked as done by the family' : null),
        familyTeamMemberId,
        accountId: actor.accountId,
        byName: actor.name,
        at: now,
      })
      note.details = { change: input.intent === 'done' ? 'family marked their action done' : 'family commented on an action', actionId: found.id }
      return input.intent === 'done' ? 'done' : 'commented'
    })
  }

  // ---- meetings -----------------------------------------------------------------------------------------------------

  async function meetings(context: RequestContext, episodeId: string) {
    return withFamilyEpisode(access, context, episodeId, { action: 'family.view', recordType: 'meeting' }, async (trx, episode, actor) => {
      const all = (await repository.listMeetings(trx, actor.authorityId, episode.id)).map(meetingSummary)
      return {
        page: await contextOf(trx, episode, actor),
        upcoming: all.filter(meeting => meeting.upcoming).sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime()),
        past: all.filter(meeting => !meeting.upcoming),
      }
    })
  }

  async function loadMeeting(trx: Transaction<Database>, authorityId: string, episodeId: string, meetingId: string): Promise<MeetingSummary> {
    const meeting = isUuid(meetingId) ? await repository.findMeeting(trx, authorityId, episodeId, meetingId.toLowerCase()) : undefined
    if (!meeting) throw new NotFoundError('There is no such page.')
    return meetingSummary(meeting)
  }

  async function meeting(context: RequestContext, episodeId: string, meetingId: string) {
    if (!isUuid(meetingId)) throw new NotFoundError('There is no such page.')
    return withFamilyEpisode(access, context, episodeId, { action: 'family.view', recordType: 'meeting', recordId: meetingId }, async (trx, episode, actor) => {
      const authorityId = actor.authorityId
      const found = await loadMeeting(trx, authorityId, episode.id, meetingId)
      const minutes = found.minutesReady ? await repository.findCirculatedMinutes(trx, authorityId, found.id) : undefined
      const page = await contextOf(trx, episode, actor)
      const needs = await repository.listNeeds(trx, authorityId, episode.id)
      return {
        page,
        meeting: found,
        invitees: await repository.listInviteeNames(trx, authorityId, found.id),
        agenda: await repository.listAgenda(trx, authorityId, found.id),
        minutes: minutes ?? null,
        actions: minutes ? actionViews(await repository.listActionsFromMeeting(trx, authorityId, found.id), needs, page.familyTeamMemberId) : [],
        myView: (await repository.findBeforeMeetingView(trx, authorityId, actor.accountId, found.id)) ?? null,
        canAdd: found.upcoming && episode.status !== 'closed',
        /** What this family member told the team they disagree with in these minutes (src/features/records-history). */
        myDisputes: minutes ? await listDisputesFor(trx, authorityId, episode.id, 'meeting_minutes', [found.id], { byFamilyAccountId: actor.accountId }) : [],
      }
    })
  }

  /** An iCalendar file for the family member's own calendar: no child's details, a link back to the meeting page. */
  async function calendar(context: RequestContext, episodeId: string, meetingId: string, language: Language): Promise<string> {
    if (!isUuid(meetingId)) throw new NotFoundError('There is no such page.')
    return withFamilyEpisode(access, context, episodeId, { action: 'family.view', recordType: 'meeting', recordId: meetingId }, async (trx, episode, actor) => {
      const found = await loadMeeting(trx, actor.authorityId, episode.id, meetingId)
      const t = (text: string, values?: Record<string, string>) => translate(language, text, values)
      const where = [found.venueName, found.venueAddress?.replace(/\n+/g, ', ')].filter(Boolean).join(', ')
      const description = [
        found.status === 'cancelled' ? t('This meeting has been cancelled.') : t('A meeting of the team that supports your family.'),
        found.remoteLink ? t('Join online: {link}', { link: found.remoteLink }) : '',
        found.accessibilityNotes ? t('Getting there and access: {notes}', { notes: found.accessibilityNotes }) : '',
      ]
        .filter(Boolean)
        .join('\n\n')
      return buildCalendar({
        method: found.status === 'cancelled' ? 'CANCEL' : 'REQUEST',
        uid: found.icsUid,
        sequence: found.icsSequence,
        stamp: clock.now(),
        start: found.startsAt,
        end: found.endsAt,
        summary: t('Family support meeting'),
        description,
        location: where || (found.remoteLink ? t('Online') : null),
        url: `${config.baseUrl}${paths.family.meeting(episode.id, found.id)}`,
        organizer: { name: 'OneStory', email: organizerEmail },
        attendees: [],
      })
    })
  }

  async function addAgendaItem(context: RequestContext, episodeId: string, meetingId: string, input: AgendaInput): Promise<void> {
    if (!isUuid(meetingId)) throw new NotFoundError('There is no such page.')
    return withFamilyEpisode(access, context, episodeId, { action: 'family.contribute', recordType: 'meeting', recordId: meetingId }, async (trx, episode, actor, note) => {
      if (episode.status === 'closed') throw new DomainRuleError(ENDED)
      const authorityId = actor.authorityId
      const found = await loadMeeting(trx, authorityId, episode.id, meetingId)
      if (!found.upcoming) throw new DomainRuleError('You can only add to the agenda before the meeting starts.', 'text')
      const id = uuidv7(clock.now().getTime())
      await repository.insertFamilyAgendaItem(trx, {
        authorityId,
        id,
        meetingId: found.id,
        text: input.text,
        familyTeamMemberId: await repository.findFamilyTeamMemberId(trx, authorityId, actor.accountId, episode.id),
        accountId: actor.accountId,
        byName: actor.name,
        at: clock.now(),
      })
      note.details = { change: 'family added an agenda item', meetingId: found.id, agendaItemId: id }
    })
  }

  async function beforeMeeting(context: RequestContext, episodeId: string, meetingId: string) {
    if (!isUuid(meetingId)) throw new NotFoundError('There is no such page.')
    return withFamilyEpisode(access, context, episodeId, { action: 'family.view', recordType: 'meeting', recordId: meetingId }, async (trx, episode, actor) => {
      const found = await loadMeeting(trx, actor.authorityId, episode.id, meetingId)
      return {
        page: await contextOf(trx, episode, actor),
        meeting: found,
        view: (await repository.findBeforeMeetingView(trx, actor.authorityId, actor.accountId, found.id)) ?? null,
        canEdit: found.upcoming && episode.status !== 'closed',
      }
    })
  }

  /** "What I want to say" before a meeting: the family member's own, editable until the meeting starts; the team sees it. */
  async function saveBeforeMeeting(context: RequestContext, episodeId: string, meetingId: string, input: BeforeMeetingInput): Promise<void> {
    if (!isUuid(meetingId)) throw new NotFoundError('There is no such page.')
    return withFamilyEpisode(access, context, episodeId, { action: 'family.contribute', recordType: 'meeting', recordId: meetingId }, async (trx, episode, actor, note) => {
      if (episode.status === 'closed') throw new DomainRuleError(ENDED)
      const authorityId = actor.authorityId
      const found = await loadMeeting(trx, authorityId, episode.id, meetingId)
      if (!found.upcoming) throw new DomainRuleError('The meeting has started, so you can no longer change what you wrote. Tell your lead professional if there is more.', 'goingWell')
      const existing = await repository.findBeforeMeetingView(trx, authorityId, actor.accountId, found.id)
      const now = clock.now()
      if (existing) {
        if (input.version !== existing.version) throw new StaleFamilyEditError('You changed this on another page or device after you opened this one.')
        const saved = await repository.updateBeforeMeetingView(trx, { authorityId, id: existing.id, version: input.version, goingWell: input.goingWell, worrying: input.worrying, wouldLike: input.wouldLike, at: now })
        if (!saved) throw new StaleFamilyEditError('You changed this on another page or device after you opened this one.')
      } else {
        if (input.version !== 0) throw new StaleFamilyEditError('You changed this on another page or device after you opened this one.')
        await repository.insertBeforeMeetingView(trx, { authorityId, id: uuidv7(now.getTime()), episodeId: episode.id, accountId: actor.accountId, meetingId: found.id, goingWell: input.goingWell, worrying: input.worrying, wouldLike: input.wouldLike, at: now })
      }
      note.details = { change: existing ? 'family changed what they want to say before a meeting' : 'family wrote what they want to say before a meeting', meetingId: found.id }
    })
  }

  return { listEpisodes, home, team, supporterForm, askForSupporter, plan, action, updateAction, meetings, meeting, calendar, addAgendaItem, beforeMeeting, saveBeforeMeeting }
}

export type { FamilyTeamMemberKind }
