import type { Kysely, Transaction } from 'kysely'
import type { Config } from '../../config.ts'
import type { Database, LeadScope } from '../../db/schema.ts'
import type { Db } from '../../db/database.ts'
import type { Clock } from '../../lib/clock.ts'
import { ConflictError, DomainRuleError, NotFoundError, UnauthenticatedError } from '../../lib/errors.ts'
import { isUuid, uuidv7 } from '../../lib/ids.ts'
import { DeniedWithin, type Access, type AccessRequest, type AuditNote } from '../../policy/access.ts'
import type { PractitionerActor, RequestContext } from '../../policy/actor.ts'
import type { Action } from '../../policy/policy.ts'
import { paths } from '../../paths.ts'
import { enqueueEmail } from '../outbox/emails.ts'
import { findEpisodeRelationship } from '../episodes/episodes.service.ts'
import { findEpisodeSummary, type EpisodeSummary } from '../episodes/episode-summary.ts'
import { readEarlyHelpSettings, type EarlyHelpSettings } from './early-help-settings.ts'
import * as repository from './team.repository.ts'
import type { AddFamilyMemberInput, AddPractitionerInput, AppointLeadInput, HandoverInput, HandoverResponseInput, LeaveInput, SettingsInput } from './team.schemas.ts'

export type { DirectoryEntry, FamilyTeamMember, Handover, LeadProfessional, TeamChange, TeamPractitioner } from './team.repository.ts'
export type TeamService = ReturnType<typeof createTeamService>

export const SCOPE_NAMES: Record<LeadScope, string> = { whole_family: 'the whole family', children: 'the children', adults: 'the adults' }

/** Someone else changed the record after this form was opened: nothing changed. */
export class StaleTeamEditError extends ConflictError {}

// ---- helpers for other features (dashboard, my work) -------------------------------------------------------------

export type EpisodeWithoutLead = { episodeId: string; reference: string; href: string; noLeadSince: Date; daysWithoutLead: number; neverHadLead: boolean }

/**
 * For the coordinator's dashboard: episodes in support that have had no lead professional for at least `days` whole
 * days (since support began, or since the last lead's period ended), longest first. Call it after your own access check.
 */
export async function listEpisodesWithoutLead(db: Db, authorityId: string, now: Date, days: number): Promise<EpisodeWithoutLead[]> {
  const rows = await repository.listEpisodesInSupportWithoutLead(db, authorityId)
  const dayMs = 24 * 60 * 60 * 1000
  return rows
    .map(row => {
      const since = row.lastLeadEndedAt && row.lastLeadEndedAt > row.supportSince ? row.lastLeadEndedAt : row.supportSince
      return {
        episodeId: row.episodeId,
        reference: row.reference,
        href: paths.team.show(row.episodeId),
        noLeadSince: since,
        daysWithoutLead: Math.max(0, Math.floor((now.getTime() - since.getTime()) / dayMs)),
        neverHadLead: row.lastLeadEndedAt === null,
      }
    })
    .filter(row => row.daysWithoutLead >= days)
    .sort((a, b) => b.daysWithoutLead - a.daysWithoutLead)
}

export type PendingHandoverItem = { handoverId: string; episodeId: string; reference: string; scope: LeadScope; scopeName: string; fromName: string; requestedAt: Date; href: string }

/** For "my work": handovers waiting for this practitioner to acknowledge (or decline), oldest first. */
export async function listPendingHandoversFor(db: Db, authorityId: string, userId: string): Promise<PendingHandoverItem[]> {
  const rows = await repository.listPendingHandoversTo(db, authorityId, userId)
  return rows.map(row => ({
    handoverId: row.id,
    episodeId: row.episodeId,
    reference: row.reference,
    scope: row.scope,
    scopeName: SCOPE_NAMES[row.scope],
    fromName: row.fromName,
    requestedAt: row.requestedAt,
    href: paths.team.handover(row.episodeId, row.id),
  }))
}

// ---- the service -------------------------------------------------------------------------------------------------

export type TeamPage = {
  summary: EpisodeSummary
  practitioners: repository.TeamPractitioner[]
  contributors: repository.TeamPractitioner[]
  formerPractitioners: repository.TeamPractitioner[]
  family: repository.FamilyTeamMember[]
  formerFamily: repository.FamilyTeamMember[]
  currentLeads: repository.LeadProfessional[]
  pastLeads: repository.LeadProfessional[]
  handovers: repository.Handover[]
  changes: repository.TeamChange[]
  settings: EarlyHelpSettings
  overSize: boolean
  actorUserId: string
  actorIsCoordinator: boolean
}

type Work<T> = (trx: Transaction<Database>, episode: repository.EpisodeState, actor: PractitionerActor, note: AuditNote) => Promise<T>

/**
 * The team around the family: who is on it (practitioners, family members, family-side supporters) and its history,
 * the lead professionals and their handovers, the "who is who" page and the authority's early-help settings.
 */
export function createTeamService(deps: { db: Kysely<Database>; clock: Clock; access: Access; config: Config }) {
  const { clock, access, config } = deps
  const mailOptions = () => ({ at: clock.now(), smtpConfigured: config.smtpUrl !== undefined, domain: new URL(config.baseUrl).hostname })

  function practitionerOf(context: RequestContext): PractitionerActor {
    const actor = context.actor
    if (actor.kind !== 'practitioner') throw new UnauthenticatedError('Sign in to continue.')
    return actor
  }

  /**
   * Loads (and for changes, locks) the episode, decides the action against the actor's relationship to it read in the
   * same transaction, runs the work and audits it. 404 for a malformed id or another authority's episode.
   */
  async function withEpisode<T>(context: RequestContext, action: Action, episodeId: string, work: Work<T>, options: { lock?: boolean; recordType?: string } = {}): Promise<T> {
    const actor = practitionerOf(context)
    if (!isUuid(episodeId)) throw new NotFoundError('There is no such episode.')
    return access.transaction(context, async trx => {
      const episode = options.lock ? await repository.lockEpisode(trx, actor.authorityId, episodeId) : await repository.findEpisodeState(trx, actor.authorityId, episodeId)
      if (!episode) throw new NotFoundError('There is no such episode.')
      const relationship = await findEpisodeRelationship(trx, actor.authorityId, episodeId, actor.userId)
      const request: AccessRequest = { action, resource: { authorityId: actor.authorityId, relationship }, recordType: options.recordType ?? 'episode', recordId: episodeId }
      const decision = access.decide(actor, action, request.resource)
      if (!decision.allowed) throw new DeniedWithin(request, decision.reason)
      const note: AuditNote = {}
      const result = await work(trx, episode, actor, note)
      await access.assertWithin(trx, context, request, note)
      return result
    })
  }

  function refuseIfClosed(episode: repository.EpisodeState) {
    if (episode.status === 'closed') throw new DomainRuleError('This episode is closed. Its team can no longer be changed.')
  }

  async function summaryOf(trx: Transaction<Database>, authorityId: string, episodeId: string): Promise<EpisodeSummary> {
    const summary = await findEpisodeSummary(trx, authorityId, episodeId)
    if (!summary) throw new NotFoundError('There is no such episode.')
    return summary
  }

  function isTeamPractitioner(member: { role: string; leftAt: Date | null } | undefined): boolean {
    return member !== undefined && member.leftAt === null && (member.role === 'owner' || member.role === 'member')
  }

  async function loadTeam(trx: Transaction<Database>, actor: PractitionerActor, episodeId: string): Promise<TeamPage> {
    const authorityId = actor.authorityId
    const [summary, members, family, leads, handovers, changes, settings] = [
      await summaryOf(trx, authorityId, episodeId),
      await repository.listPractitioners(trx, authorityId, episodeId),
      await repository.listFamilyMembers(trx, authorityId, episodeId),
      await repository.listLeads(trx, authorityId, episodeId),
      await repository.listHandovers(trx, authorityId, episodeId),
      await repository.listTeamChanges(trx, authorityId, episodeId),
      await readEarlyHelpSettings(trx, authorityId),
    ]
    const practitioners = members.filter(isTeamPractitioner)
    return {
      summary,
      practitioners,
      contributors: members.filter(member => member.leftAt === null && member.role === 'contributor'),
      formerPractitioners: members.filter(member => member.leftAt !== null),
      family: family.filter(member => member.leftAt === null),
      formerFamily: family.filter(member => member.leftAt !== null),
      currentLeads: leads.filter(lead => lead.endedAt === null),
      pastLeads: leads.filter(lead => lead.endedAt !== null),
      handovers,
      changes,
      settings,
      overSize: practitioners.length > settings.maxTeamPractitioners,
      actorUserId: actor.userId,
      actorIsCoordinator: actor.roles.has('coordinator'),
    }
  }

  // ---- reading -----------------------------------------------------------------------------------------------------

  /** The team page: everyone on the team, the leads, pending handovers and the history. */
  async function teamPage(context: RequestContext, episodeId: string): Promise<TeamPage> {
    return withEpisode(context, 'team.view', episodeId, (trx, _episode, actor) => loadTeam(trx, actor, episodeId))
  }

  /** For the API: refuses (and audits) before the request body is looked at. */
  async function ensureEpisodeAllowed(context: RequestContext, action: Action, episodeId: string): Promise<void> {
    await withEpisode(context, action, episodeId, async () => undefined)
  }

  // ---- practitioners -----------------------------------------------------------------------------------------------

  /** The add-a-practitioner form: the directory, less those already on the team. */
  async function practitionerChoices(context: RequestContext, episodeId: string) {
    return withEpisode(context, 'team.manage', episodeId, async (trx, episode, actor) => {
      refuseIfClosed(episode)
      const team = await loadTeam(trx, actor, episodeId)
      const onTeam = new Set(team.practitioners.map(member => member.userId))
      const directory = (await repository.listDirectory(trx, actor.authorityId)).filter(entry => !onTeam.has(entry.userId))
      return { team, directory }
    })
  }

  async function addPractitioner(context: RequestContext, episodeId: string, input: AddPractitionerInput): Promise<{ name: string; overSize: boolean; count: number; max: number }> {
    return withEpisode(
      context,
      'team.manage',
      episodeId,
      async (trx, episode, actor, note) => {
        refuseIfClosed(episode)
        const authorityId = actor.authorityId
        const user = await repository.findActiveUser(trx, authorityId, input.userId)
        if (!user) throw new DomainRuleError('Select a practitioner from the list', 'practitioner')
        if (input.agencyId !== null && !user.agencyIds.includes(input.agencyId)) throw new DomainRuleError(`${user.name} does not work for that agency`, 'practitioner')
        const agencyId = input.agencyId ?? user.agencyIds[0] ?? null
        const existing = await repository.findMembership(trx, authorityId, episodeId, user.id)
        if (isTeamPractitioner(existing)) throw new DomainRuleError(`${user.name} is already on the team`, 'practitioner')
        const now = clock.now()
        const values = { authorityId, episodeId, userId: user.id, agencyId, teamRole: input.teamRole, addedByUserId: actor.userId, at: now }
        if (!existing) await repository.insertMembership(trx, values)
        else await repository.rejoinMembership(trx, { ...values, role: existing.role === 'owner' ? 'owner' : 'member' })
        const detail = [input.teamRole, existing?.role === 'contributor' && existing.leftAt === null ? 'was a contributor to the assessment' : existing ? 'rejoined the team' : null]
          .filter(Boolean)
          .join('; ')
        await repository.insertTeamChange(trx, { authorityId, id: uuidv7(), episodeId, change: 'joined', userId: user.id, familyTeamMemberId: null, memberName: user.name, detail: detail || null, byUserId: actor.userId, at: now })
        const settings = await readEarlyHelpSettings(trx, authorityId)
        const count = (await repository.listPractitioners(trx, authorityId, episodeId)).filter(isTeamPractitioner).length
        note.details = { addedUserId: user.id, agencyId }
        return { name: user.name, overSize: count > settings.maxTeamPractitioners, count, max: settings.maxTeamPractitioners }
      },
      { lock: true },
    )
  }

  /** The leaving form for a practitioner currently on the team. */
  async function practitionerToLeave(context: RequestContext, episodeId: string, userId: string) {
    if (!isUuid(userId)) throw new NotFoundError('There is no such member of the team.')
    return withEpisode(context, 'team.manage', episodeId, async (trx, episode, actor) => {
      const team = await loadTeam(trx, actor, episodeId)
      const member = [...team.practitioners, ...team.contributors].find(item => item.userId === userId)
      if (!member) throw new NotFoundError('There is no such member of the team.')
      return { team, member, closed: episode.status === 'closed', isLead: team.currentLeads.some(lead => lead.userId === userId) }
    })
  }

  async function practitionerLeaves(context: RequestContext, episodeId: string, userId: string, input: LeaveInput): Promise<{ name: string }> {
    if (!isUuid(userId)) throw new NotFoundError('There is no such member of the team.')
    return withEpisode(
      context,
      'team.manage',
      episodeId,
      async (trx, episode, actor, note) => {
        refuseIfClosed(episode)
        const authorityId = actor.authorityId
        const members = await repository.listPractitioners(trx, authorityId, episodeId)
        const member = members.find(item => item.userId === userId && item.leftAt === null)
        if (!member) throw new NotFoundError('There is no such member of the team.')
        const leads = (await repository.listLeads(trx, authorityId, episodeId)).filter(lead => lead.endedAt === null && lead.userId === userId)
        const firstLead = leads[0]
        if (firstLead) {
          throw new DomainRuleError(
            `${member.name} is the lead professional for ${SCOPE_NAMES[firstLead.scope]}. Hand over to a new lead professional before they leave the team, so the family is never without one.`,
            'reason',
          )
        }
        const now = clock.now()
        if (!(await repository.endMembership(trx, { authorityId, episodeId, userId, reason: input.reason, byUserId: actor.userId, at: now }))) {
          throw new StaleTeamEditError('Someone else recorded this change first')
        }
        await repository.insertTeamChange(trx, { authorityId, id: uuidv7(), episodeId, change: 'left', userId, familyTeamMemberId: null, memberName: member.name, detail: input.reason, byUserId: actor.userId, at: now })
        note.details = { leftUserId: userId }
        return { name: member.name }
      },
      { lock: true },
    )
  }

  // ---- family members and supporters -------------------------------------------------------------------------------

  async function familyChoices(context: RequestContext, episodeId: string) {
    return withEpisode(context, 'team.manage', episodeId, async (trx, episode, actor) => {
      refuseIfClosed(episode)
      const team = await loadTeam(trx, actor, episodeId)
      const onTeam = new Set(team.family.map(member => member.personId).filter(Boolean))
      const people = (await repository.listFamilyPeople(trx, actor.authorityId, episodeId)).filter(person => !onTeam.has(person.id))
      return { team, people }
    })
  }

  async function addFamilyMember(context: RequestContext, episodeId: string, input: AddFamilyMemberInput): Promise<{ id: string; name: string }> {
    return withEpisode(
      context,
      'team.manage',
      episodeId,
      async (trx, episode, actor, note) => {
        refuseIfClosed(episode)
        const authorityId = actor.authorityId
        let name = input.name
        let email = input.email
        let phone = input.phone
        if (input.personId) {
          const person = (await repository.listFamilyPeople(trx, authorityId, episodeId)).find(item => item.id === input.personId)
          if (!person) throw new DomainRuleError('Select a family member from the list', 'personId')
          const current = (await repository.listFamilyMembers(trx, authorityId, episodeId)).some(member => member.personId === person.id && member.leftAt === null)
          if (current) throw new DomainRuleError(`${person.givenNames} ${person.familyName} is already on the team`, 'personId')
          name = name ?? `${person.givenNames} ${person.familyName}`
          email = email ?? person.email
          phone = phone ?? person.phone
        }
        if (!name) throw new DomainRuleError('Enter their name', 'name')
        const id = uuidv7()
        const now = clock.now()
        await repository.insertFamilyMember(trx, { authorityId, id, episodeId, personId: input.personId, name, kind: input.kind, relationship: input.relationship, organisation: input.organisation, email, phone, addedByUserId: actor.userId, at: now })
        await repository.insertTeamChange(trx, { authorityId, id: uuidv7(), episodeId, change: 'joined', userId: null, familyTeamMemberId: id, memberName: name, detail: [KIND_NAMES[input.kind], input.relationship, input.organisation].filter(Boolean).join(', '), byUserId: actor.userId, at: now })
        note.details = { familyTeamMemberId: id, kind: input.kind }
        return { id, name }
      },
      { lock: true },
    )
  }

  async function familyMemberToLeave(context: RequestContext, episodeId: string, familyMemberId: string) {
    if (!isUuid(familyMemberId)) throw new NotFoundError('There is no such member of the team.')
    return withEpisode(context, 'team.manage', episodeId, async (trx, episode, actor) => {
      const member = await repository.findFamilyMember(trx, actor.authorityId, episodeId, familyMemberId)
      if (!member) throw new NotFoundError('There is no such member of the team.')
      return { summary: await summaryOf(trx, actor.authorityId, episodeId), member, closed: episode.status === 'closed' }
    })
  }

  async function familyMemberLeaves(context: RequestContext, episodeId: string, familyMemberId: string, input: LeaveInput): Promise<{ name: string }> {
    if (!isUuid(familyMemberId)) throw new NotFoundError('There is no such member of the team.')
    return withEpisode(
      context,
      'team.manage',
      episodeId,
      async (trx, episode, actor, note) => {
        refuseIfClosed(episode)
        const authorityId = actor.authorityId
        const member = await repository.findFamilyMember(trx, authorityId, episodeId, familyMemberId)
        if (!member) throw new NotFoundError('There is no such member of the team.')
        if (member.leftAt !== null) throw new DomainRuleError(`${member.name} has already left the team`, 'reason')
        const now = clock.now()
        if (!(await repository.endFamilyMember(trx, { authorityId, episodeId, id: familyMemberId, version: input.version ?? member.version, reason: input.reason, at: now }))) {
          throw new StaleTeamEditError('Someone else changed this member of the team after you opened this page')
        }
        await repository.insertTeamChange(trx, { authorityId, id: uuidv7(), episodeId, change: 'left', userId: null, familyTeamMemberId: familyMemberId, memberName: member.name, detail: input.reason, byUserId: actor.userId, at: now })
        note.details = { familyTeamMemberId: familyMemberId }
        return { name: member.name }
      },
      { lock: true },
    )
  }

  // ---- lead professionals ------------------------------------------------------------------------------------------

  /** Why a lead cannot be appointed for this scope now (a lead is changed by handover, never by a second appointment). */
  function scopeProblem(current: repository.LeadProfessional[], scope: LeadScope): string | null {
    const whole = current.find(lead => lead.scope === 'whole_family')
    if (whole) return `${whole.name} is already the lead professional for the whole family. To change the lead professional, hand over from the team page.`
    const same = current.find(lead => lead.scope === scope)
    if (same) return `${same.name} is already the lead professional for ${SCOPE_NAMES[scope]}. To change the lead professional, hand over from the team page.`
    if (scope === 'whole_family' && current.length > 0) {
      return 'This family has separate lead professionals for the children and the adults. A lead for the whole family can only be appointed when neither is in place.'
    }
    return null
  }

  async function appointLeadForm(context: RequestContext, episodeId: string) {
    return withEpisode(context, 'lead.appoint', episodeId, async (trx, episode, actor) => {
      refuseIfClosed(episode)
      const team = await loadTeam(trx, actor, episodeId)
      const openScopes = (['whole_family', 'children', 'adults'] as const).filter(scope => scopeProblem(team.currentLeads, scope) === null)
      return { team, openScopes }
    })
  }

  async function appointLead(context: RequestContext, episodeId: string, input: AppointLeadInput): Promise<{ id: string; name: string }> {
    return withEpisode(
      context,
      'lead.appoint',
      episodeId,
      async (trx, episode, actor, note) => {
        refuseIfClosed(episode)
        const authorityId = actor.authorityId
        const member = await repository.findMembership(trx, authorityId, episodeId, input.userId)
        if (!isTeamPractitioner(member) || !member) throw new DomainRuleError('The lead professional must be a practitioner on the team. Add them to the team first.', 'userId')
        const current = (await repository.listLeads(trx, authorityId, episodeId)).filter(lead => lead.endedAt === null)
        const problem = scopeProblem(current, input.scope)
        if (problem) throw new DomainRuleError(problem, 'scope')
        const id = uuidv7()
        await repository.insertLead(trx, { authorityId, id, episodeId, scope: input.scope, userId: input.userId, agencyId: member.agencyId, appointedVia: input.appointedVia, familyChose: input.familyChose, familyPreference: input.familyPreference, appointedByUserId: actor.userId, at: clock.now() })
        const user = await repository.findActiveUser(trx, authorityId, input.userId)
        note.recordId = id
        note.details = { episodeId, scope: input.scope, leadUserId: input.userId, familyChose: input.familyChose }
        return { id, name: user?.name ?? 'The practitioner' }
      },
      { lock: true, recordType: 'lead_professional' },
    )
  }

  async function handoverForm(context: RequestContext, episodeId: string, leadId: string) {
    if (!isUuid(leadId)) throw new NotFoundError('There is no such lead professional.')
    return withEpisode(context, 'lead.handover', episodeId, async (trx, episode, actor) => {
      refuseIfClosed(episode)
      const team = await loadTeam(trx, actor, episodeId)
      const lead = team.currentLeads.find(item => item.id === leadId)
      if (!lead) throw new NotFoundError('There is no such lead professional.')
      const pending = team.handovers.find(handover => handover.leadProfessionalId === lead.id && handover.status === 'pending')
      return { team, lead, pending, candidates: team.practitioners.filter(member => member.userId !== lead.userId) }
    })
  }

  async function requestHandover(context: RequestContext, episodeId: string, leadId: string, input: HandoverInput): Promise<{ id: string; toName: string }> {
    if (!isUuid(leadId)) throw new NotFoundError('There is no such lead professional.')
    return withEpisode(
      context,
      'lead.handover',
      episodeId,
      async (trx, episode, actor, note) => {
        refuseIfClosed(episode)
        const authorityId = actor.authorityId
        const lead = (await repository.listLeads(trx, authorityId, episodeId)).find(item => item.id === leadId)
        if (!lead) throw new NotFoundError('There is no such lead professional.')
        if (lead.endedAt !== null || lead.version !== input.version) throw new StaleTeamEditError('The lead professional changed after you opened this page')
        const pending = (await repository.listHandovers(trx, authorityId, episodeId)).find(item => item.leadProfessionalId === lead.id && item.status === 'pending')
        if (pending) throw new DomainRuleError(`A handover to ${pending.toName} is already waiting to be acknowledged. Cancel it first to hand over to someone else.`, 'toUserId')
        if (input.toUserId === lead.userId) throw new DomainRuleError(`${lead.name} is already the lead professional. Select someone else`, 'toUserId')
        const member = await repository.findMembership(trx, authorityId, episodeId, input.toUserId)
        if (!isTeamPractitioner(member)) throw new DomainRuleError('The new lead professional must be a practitioner on the team. Add them to the team first.', 'toUserId')
        const toUser = await repository.findActiveUser(trx, authorityId, input.toUserId)
        if (!toUser) throw new DomainRuleError('The new lead professional must be a practitioner on the team. Add them to the team first.', 'toUserId')
        const id = uuidv7()
        const now = clock.now()
        await repository.insertHandover(trx, { authorityId, id, episodeId, leadProfessionalId: lead.id, scope: lead.scope, fromUserId: lead.userId, toUserId: toUser.id, note: input.note, familyChose: input.familyChose, familyPreference: input.familyPreference, requestedByUserId: actor.userId, at: now })
        await enqueueEmail(
          trx,
          {
            authorityId,
            recipient: toUser.email,
            subject: 'You have been asked to take over as lead professional',
            bodyText: [
              `${actor.name} has asked you to take over as lead professional for ${SCOPE_NAMES[lead.scope]} in early help episode ${episode.reference}.`,
              '',
              'Read the handover note and acknowledge it (or say why you cannot) in OneStory:',
              `${config.baseUrl}${paths.team.handover(episodeId, id)}`,
              '',
              `Until you acknowledge it, ${lead.name} stays the lead professional.`,
            ].join('\n'),
          },
          mailOptions(),
        )
        note.recordId = id
        note.details = { episodeId, leadProfessionalId: lead.id, toUserId: toUser.id }
        return { id, toName: toUser.name }
      },
      { lock: true, recordType: 'lead_handover' },
    )
  }

  async function handoverPage(context: RequestContext, episodeId: string, handoverId: string) {
    if (!isUuid(handoverId)) throw new NotFoundError('There is no such handover.')
    return withEpisode(context, 'team.view', episodeId, async (trx, episode, actor) => {
      const handover = await repository.findHandover(trx, actor.authorityId, episodeId, handoverId)
      if (!handover) throw new NotFoundError('There is no such handover.')
      const summary = await summaryOf(trx, actor.authorityId, episodeId)
      const pending = handover.status === 'pending' && episode.status !== 'closed'
      return {
        summary,
        handover,
        mayAnswer: pending && handover.toUserId === actor.userId,
        mayCancel: pending && (handover.fromUserId === actor.userId || handover.requestedByUserId === actor.userId || actor.roles.has('coordinator')),
      }
    })
  }

  /**
   * The new lead acknowledges (the lead changes in this one transaction: the old period ends at the very moment the new
   * one starts, so there is no gap) or declines; the outgoing lead, whoever asked, or a coordinator may cancel.
   */
  async function respondToHandover(context: RequestContext, episodeId: string, handoverId: string, input: HandoverResponseInput): Promise<{ status: 'acknowledged' | 'declined' | 'cancelled'; toName: string }> {
    if (!isUuid(handoverId)) throw new NotFoundError('There is no such handover.')
    return withEpisode(
      context,
      'lead.handover',
      episodeId,
      async (trx, episode, actor, note) => {
        refuseIfClosed(episode)
        const authorityId = actor.authorityId
        const handover = await repository.findHandover(trx, authorityId, episodeId, handoverId)
        if (!handover) throw new NotFoundError('There is no such handover.')
        if (handover.status !== 'pending' || handover.version !== input.version) throw new StaleTeamEditError('This handover was answered or changed after you opened this page')
        const now = clock.now()
        note.recordId = handoverId
        if (input.decision === 'cancel') {
          const mayCancel = handover.fromUserId === actor.userId || handover.requestedByUserId === actor.userId || actor.roles.has('coordinator')
          if (!mayCancel) throw new DomainRuleError('Only the lead professional who is handing over, the person who asked for the handover or a coordinator can cancel it', 'decision')
          if (!(await repository.respondToHandover(trx, { authorityId, id: handoverId, version: input.version, status: 'cancelled', responseNote: input.responseNote, at: now }))) {
            throw new StaleTeamEditError('This handover was answered or changed after you opened this page')
          }
          await tellAboutAnswer(trx, actor, handover, episode, 'cancelled')
          note.details = { episodeId, status: 'cancelled' }
          return { status: 'cancelled', toName: handover.toName }
        }
        if (handover.toUserId !== actor.userId) throw new DomainRuleError(`Only ${handover.toName} can acknowledge or decline this handover`, 'decision')
        if (input.decision === 'decline') {
          if (!(await repository.respondToHandover(trx, { authorityId, id: handoverId, version: input.version, status: 'declined', responseNote: input.responseNote, at: now }))) {
            throw new StaleTeamEditError('This handover was answered or changed after you opened this page')
          }
          await tellAboutAnswer(trx, actor, handover, episode, 'declined')
          note.details = { episodeId, status: 'declined' }
          return { status: 'declined', toName: handover.toName }
        }
        const member = await repository.findMembership(trx, authorityId, episodeId, actor.userId)
        if (!isTeamPractitioner(member) || !member) throw new DomainRuleError('You are no longer on this team, so you cannot become its lead professional', 'decision')
        if (!(await repository.endLead(trx, { authorityId, id: handover.leadProfessionalId, reason: `Handed over to ${handover.toName}`, at: now }))) {
          throw new StaleTeamEditError('The lead professional changed after you opened this page')
        }
        const leadId = uuidv7()
        await repository.insertLead(trx, {
          authorityId,
          id: leadId,
          episodeId,
          scope: handover.scope,
          userId: actor.userId,
          agencyId: member.agencyId,
          appointedVia: 'handover',
          familyChose: handover.familyChose,
          familyPreference: handover.familyPreference,
          appointedByUserId: handover.requestedByUserId,
          at: now,
        })
        if (!(await repository.respondToHandover(trx, { authorityId, id: handoverId, version: input.version, status: 'acknowledged', responseNote: input.responseNote, at: now }))) {
          throw new StaleTeamEditError('This handover was answered or changed after you opened this page')
        }
        await tellAboutAnswer(trx, actor, handover, episode, 'acknowledged')
        note.details = { episodeId, status: 'acknowledged', newLeadProfessionalId: leadId, previousLeadProfessionalId: handover.leadProfessionalId }
        return { status: 'acknowledged', toName: handover.toName }
      },
      { lock: true, recordType: 'lead_handover' },
    )
  }

  /** Tells the others involved in a handover (outgoing lead, whoever asked, the new lead) how it was answered. */
  async function tellAboutAnswer(trx: Transaction<Database>, actor: PractitionerActor, handover: repository.Handover, episode: repository.EpisodeState, status: 'acknowledged' | 'declined' | 'cancelled') {
    const outcome = {
      acknowledged: `${handover.toName} has acknowledged the handover and is now the lead professional for ${SCOPE_NAMES[handover.scope]}`,
      declined: `${handover.toName} has declined the handover. ${handover.fromName} stays the lead professional for ${SCOPE_NAMES[handover.scope]}`,
      cancelled: `${actor.name} has cancelled the handover to ${handover.toName}. ${handover.fromName} stays the lead professional for ${SCOPE_NAMES[handover.scope]}`,
    }[status]
    const recipients = new Set([handover.fromUserId, handover.requestedByUserId, handover.toUserId])
    recipients.delete(actor.userId)
    for (const userId of recipients) {
      const user = await repository.findActiveUser(trx, actor.authorityId, userId)
      if (!user) continue
      await enqueueEmail(
        trx,
        {
          authorityId: actor.authorityId,
          recipient: user.email,
          subject: `Lead professional handover ${status}`,
          bodyText: [`${outcome} in early help episode ${episode.reference}.`, '', `See the handover in OneStory: ${config.baseUrl}${paths.team.handover(handover.episodeId, handover.id)}`].join('\n'),
        },
        mailOptions(),
      )
    }
  }

  // ---- who is who --------------------------------------------------------------------------------------------------

  async function whoIsWho(context: RequestContext, episodeId: string) {
    return withEpisode(context, 'team.view', episodeId, (trx, _episode, actor) => loadTeam(trx, actor, episodeId))
  }

  // ---- settings ----------------------------------------------------------------------------------------------------

  async function ensureSettingsAllowed(context: RequestContext): Promise<void> {
    const actor = practitionerOf(context)
    await access.run(context, { action: 'early-help-settings.manage', resource: { authorityId: actor.authorityId } }, async () => undefined)
  }

  async function settings(context: RequestContext) {
    const actor = practitionerOf(context)
    return access.run(context, { action: 'early-help-settings.manage', resource: { authorityId: actor.authorityId } }, async trx => ({
      settings: await readEarlyHelpSettings(trx, actor.authorityId),
      lastChange: await repository.findSettingsUpdate(trx, actor.authorityId),
    }))
  }

  async function saveSettings(context: RequestContext, input: SettingsInput): Promise<void> {
    const actor = practitionerOf(context)
    await access.run(
      context,
      { action: 'early-help-settings.manage', resource: { authorityId: actor.authorityId }, recordType: 'early_help_settings', recordId: actor.authorityId },
      async (trx, note) => {
        const { version, ...values } = input
        if (!(await repository.saveSettings(trx, actor.authorityId, version, values, actor.userId, clock.now()))) {
          throw new StaleTeamEditError('Someone else changed these settings after you opened this page')
        }
        note.details = values
      },
    )
  }

  return {
    teamPage,
    ensureEpisodeAllowed,
    practitionerChoices,
    addPractitioner,
    practitionerToLeave,
    practitionerLeaves,
    familyChoices,
    addFamilyMember,
    familyMemberToLeave,
    familyMemberLeaves,
    appointLeadForm,
    appointLead,
    handoverForm,
    requestHandover,
    handoverPage,
    respondToHandover,
    whoIsWho,
    ensureSettingsAllowed,
    settings,
    saveSettings,
  }
}

export const KIND_NAMES: Record<repository.FamilyTeamMember['kind'], string> = {
  family_member: 'Family member',
  advocate: 'Advocate',
  parent_advice: 'Parent advice service',
  friend: 'Friend of the family',
  other_supporter: 'Supporter',
}
