import type { Kysely, Transaction } from 'kysely'
import type { Database, EpisodeStatus, ChecklistAnswerRecord } from '../../db/schema.ts'
import type { Db } from '../../db/database.ts'
import type { Clock } from '../../lib/clock.ts'
import { ConflictError, DomainRuleError, NotFoundError, UnauthenticatedError } from '../../lib/errors.ts'
import { isUuid, uuidv7 } from '../../lib/ids.ts'
import { DeniedWithin, type Access, type AccessRequest, type AuditNote } from '../../policy/access.ts'
import type { PractitionerActor, RequestContext } from '../../policy/actor.ts'
import type { Action, RecordRelationship } from '../../policy/policy.ts'
import type { ChecklistQuestion } from '../assessments/template-content.ts'
import { DEFAULT_CHECKLIST } from './default-checklist.ts'
import * as repository from './episodes.repository.ts'
import { householdRelationship } from '../people/people.repository.ts'
import type { ChecklistInput, ConsentInput, ContactsInput, ReferralInput, ReferralOutcomeInput, StartInput, WithdrawalInput } from './episodes.schemas.ts'
import { currentPanelNames, episodeLocalityName } from '../panels/panels.service.ts'

export type {
  CandidatePerson,
  ChecklistRecord,
  ConsentRecord,
  EpisodeListItem,
  EpisodeMember,
  EpisodePerson,
  EpisodeRecord,
  ReferralRecord,
  SafeguardingContacts,
} from './episodes.repository.ts'

export type EpisodeService = ReturnType<typeof createEpisodeService>

/** Someone else saved after this form was opened: nothing changed; `current` is what is saved now. */
export class StaleEpisodeEditError<T> extends ConflictError {
  constructor(
    message: string,
    readonly current: T,
  ) {
    super(message)
  }
}

/**
 * For the assessments feature: whether the episode has consent to assess now (given, not withdrawn, episode open).
 * Call it inside your own transaction, after your access check, before recording any assessment content.
 */
export async function hasConsentToAssess(db: Db, authorityId: string, episodeId: string): Promise<boolean> {
  const episode = await repository.findEpisode(db, authorityId, episodeId)
  if (!episode || episode.status === 'closed') return false
  return repository.hasActiveConsentToAssess(db, authorityId, episodeId)
}

export { findEpisodeRelationship } from './episodes.repository.ts'

const TEMPLATE_KEY = { england: 'caf-standard', wales: 'wales-families-first' } as const

export type StartChoice = {
  person: repository.CandidatePerson | null
  household: { id: string; name: string; postcode: string | null } | null
  members: (repository.CandidatePerson & { likelyChild: boolean })[]
}

export type EpisodeDetail = {
  episode: repository.EpisodeRecord
  people: repository.EpisodePerson[]
  members: repository.EpisodeMember[]
  checklist: repository.ChecklistRecord | undefined
  referrals: repository.ReferralRecord[]
  consents: repository.ConsentRecord[]
  agencyNames: Record<string, string>
  consentToAssess: boolean
  /** The status of the episode's common assessment, once started. */
  assessmentStatus: string | null
  template: { id: string; name: string; versionNumber: number } | null
  contacts: repository.SafeguardingContacts | undefined
  yourRole: 'owner' | 'member' | 'contributor' | 'coordinator'
  /** A re-referral: the earlier episode about a child of this one, closed within 12 months before this one started. */
  previousEpisode: { id: string; reference: string; closedAt: Date | null } | null
}

/**
 * Episodes of early help: starting one for a child or a family, the pre-assessment checklist, the safeguarding path
 * and consent. Every read and write goes through the access layer, with the actor's relationship to the episode read
 * inside the same transaction.
 */
export function createEpisodeService(deps: { db: Kysely<Database>; clock: Clock; access: Access }) {
  const { clock, access } = deps

  function practitionerOf(context: RequestContext): PractitionerActor {
    const actor = context.actor
    if (actor.kind !== 'practitioner') throw new UnauthenticatedError('Sign in to continue.')
    return actor
  }

  /** Runs work in one transaction; a denial inside it is audited (through the access layer) after it rolls back. */
  function inTransaction<T>(context: RequestContext, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return access.transaction(context, work)
  }

  async function allowWithin(trx: Transaction<Database>, context: RequestContext, request: AccessRequest, note: AuditNote = {}) {
    await access.assertWithin(trx, context, request, note)
  }

  /** Refuses before the work when the actor may not do this to the episode (the refusal is audited). */
  function checkEpisode(context: RequestContext, actor: PractitionerActor, action: Action, episodeId: string, relationship: RecordRelationship, recordType = 'episode') {
    const request: AccessRequest = { action, resource: { authorityId: actor.authorityId, relationship }, recordType, recordId: episodeId }
    const decision = access.decide(actor, action, request.resource)
    if (!decision.allowed) throw new DeniedWithin(request, decision.reason)
    return request
  }

  /**
   * Loads the episode (404 outside the actor's authority or for a malformed id), checks the action against the actor's
   * relationship to it, runs the work, and audits it, all in one transaction.
   */
  async function withEpisode<T>(
    context: RequestContext,
    action: Action,
    episodeId: string,
    work: (trx: Transaction<Database>, episode: repository.EpisodeRecord, note: AuditNote, actor: PractitionerActor) => Promise<T>,
    options: { lock?: boolean } = {},
  ): Promise<T> {
    const actor = practitionerOf(context)
    if (!isUuid(episodeId)) throw new NotFoundError('There is no such episode.')
    return inTransaction(context, async trx => {
      if (options.lock && !(await repository.lockEpisode(trx, actor.authorityId, episodeId))) throw new NotFoundError('There is no such episode.')
      const episode = await repository.findEpisode(trx, actor.authorityId, episodeId)
      if (!episode) throw new NotFoundError('There is no such episode.')
      const relationship = await repository.findEpisodeRelationship(trx, actor.authorityId, episodeId, actor.userId)
      const request = checkEpisode(context, actor, action, episodeId, relationship)
      const note: AuditNote = {}
      const result = await work(trx, episode, note, actor)
      await access.assertWithin(trx, context, request, note)
      return result
    })
  }

  // ---- starting ------------------------------------------------------------------------------------------------

  /** Who the episode could be for: the person, or the household's current members (children likely under 18). */
  async function startChoice(context: RequestContext, query: { personId?: string | undefined; householdId?: string | undefined }): Promise<StartChoice> {
    const actor = practitionerOf(context)
    return inTransaction(context, async trx => {
      const choice = await loadSubject(trx, context, actor, query)
      return choice
    })
  }

  async function loadSubject(
    trx: Transaction<Database>,
    context: RequestContext,
    actor: PractitionerActor,
    query: { personId?: string | undefined; householdId?: string | undefined },
  ): Promise<StartChoice> {
    const authorityId = actor.authorityId
    const today = clock.now()
    if (query.householdId) {
      const household = await repository.findHousehold(trx, authorityId, query.householdId)
      if (!household) throw new NotFoundError('There is no such household.')
      const people = await repository.listHouseholdPeople(trx, authorityId, household.id)
      // The same rule, in one query, as the family overview: a household is the people feature's record.
      const relationship = await householdRelationship(trx, authorityId, household.id, actor.userId)
      await allowWithin(trx, context, { action: 'person.view', resource: { authorityId, relationship }, recordType: 'household', recordId: household.id, purpose: 'start an episode' })
      return { person: null, household, members: people.map(person => ({ ...person, likelyChild: isLikelyChild(person, today) })) }
    }
    if (!query.personId) throw new DomainRuleError('Start an episode from a child’s record or a family’s household page.')
    const person = await repository.findPerson(trx, authorityId, query.personId)
    if (!person) throw new NotFoundError('There is no such person.')
    // Tell it once: a practitioner who found an existing person in the duplicate search may start early help for
    // them without a prior relationship (the search showed who it is; starting puts them on the new episode's team and
    // no further). A whole household, which would show its other members, still needs a relationship to it.
    await allowWithin(trx, context, { action: 'episode.start', resource: { authorityId }, recordType: 'person', recordId: person.id, purpose: 'start an episode' })
    return { person, household: null, members: [] }
  }

  async function start(context: RequestContext, input: StartInput): Promise<{ id: string; reference: string; templateMissing: boolean }> {
    const actor = practitionerOf(context)
    const authorityId = actor.authorityId
    const now = clock.now()
    const id = uuidv7(now.getTime())
    return inTransaction(context, async trx => {
      const subject = await loadSubject(trx, context, actor, input.householdId ? { householdId: input.householdId } : { personId: input.personId })
      let people: { personId: string; role: 'child' | 'adult' }[]
      if (subject.household) {
        const memberIds = new Set(subject.members.map(member => member.id))
        const childIds = [...new Set(input.childIds.map(value => value.toLowerCase()))]
        const adultIds = [...new Set(input.adultIds.map(value => value.toLowerCase()))].filter(adult => !childIds.includes(adult))
        if (childIds.length === 0) throw new DomainRuleError('Select at least one child the episode is for', 'childIds')
        if ([...childIds, ...adultIds].some(personId => !memberIds.has(personId))) {
          throw new DomainRuleError('Choose only people who live in this household', 'childIds')
        }
        people = [...childIds.map(personId => ({ personId, role: 'child' as const })), ...adultIds.map(personId => ({ personId, role: 'adult' as const }))]
      } else if (subject.person) {
        people = [{ personId: subject.person.id, role: 'child' }]
      } else {
        throw new DomainRuleError('Start an episode from a child’s record or a family’s household page.')
      }
      const nation = (await repository.findAuthorityNation(trx, authorityId)) ?? 'england'
      const template = await repository.findLatestTemplateVersion(trx, authorityId, TEMPLATE_KEY[nation])
      const year = now.getUTCFullYear()
      const number = await repository.nextReferenceNumber(trx, authorityId, year)
      const reference = `EH-${year}-${String(number).padStart(6, '0')}`
      // Re-referral: an earlier episode about one of the children closed within the last 12 months.
      const previous = await repository.findReReferralSource(trx, authorityId, people.filter(person => person.role === 'child').map(person => person.personId), now)
      await repository.insertEpisode(trx, {
        authorityId,
        id,
        reference,
        scope: subject.household ? 'family' : 'child',
        householdId: subject.household?.id ?? null,
        agencyId: actor.actingAgencyId,
        startedByUserId: actor.userId,
        startedAt: now,
        templateVersionId: template?.id ?? null,
        people,
        previousEpisodeId: previous?.id ?? null,
      })
      await allowWithin(
        trx,
        context,
        { action: 'episode.start', resource: { authorityId }, recordType: 'episode', recordId: id },
        { details: { reference, scope: subject.household ? 'family' : 'child', people: people.length, templateVersionId: template?.id ?? null, previousEpisodeId: previous?.id ?? null } },
      )
      return { id, reference, templateMissing: template === undefined }
    })
  }

  // ---- reading -------------------------------------------------------------------------------------------------

  async function listMine(context: RequestContext) {
    const actor = practitionerOf(context)
    return access.run(context, { action: 'episode.list-own', resource: { authorityId: actor.authorityId }, recordType: 'episode' }, async (trx, note) => {
      const items = await repository.listEpisodesOfMember(trx, actor.authorityId, actor.userId)
      note.details = { returned: items.length }
      return items
    })
  }

  async function loadDetail(trx: Transaction<Database>, actor: PractitionerActor, episode: repository.EpisodeRecord): Promise<EpisodeDetail> {
    const authorityId = actor.authorityId
    const [people, members, checklist, referrals, consents, contacts] = [
      await repository.listEpisodePeople(trx, authorityId, episode.id),
      await repository.listEpisodeMembers(trx, authorityId, episode.id),
      await repository.findChecklist(trx, authorityId, episode.id),
      await repository.listReferrals(trx, authorityId, episode.id),
      await repository.listConsents(trx, authorityId, episode.id),
      await repository.findSafeguardingContacts(trx, authorityId),
    ]
    const agencyIds = [...new Set(consents.flatMap(consent => consent.shareAgencyIds))]
    const agencies = await repository.findAgencyNames(trx, authorityId, agencyIds)
    const template = episode.templateVersionId ? await repository.findTemplateVersion(trx, authorityId, episode.templateVersionId) : undefined
    const membership = members.find(member => member.userId === actor.userId)
    const assessmentStatus = (await repository.findAssessmentStatus(trx, authorityId, episode.id)) ?? null
    const previousEpisode = episode.previousEpisodeId ? ((await repository.findPreviousEpisode(trx, authorityId, episode.previousEpisodeId)) ?? null) : null
    return {
      previousEpisode,
      assessmentStatus,
      episode,
      people,
      members,
      checklist,
      referrals,
      consents,
      agencyNames: Object.fromEntries(agencies.map(agency => [agency.id, agency.name])),
      consentToAssess: episode.status !== 'closed' && consents.some(consent => consent.decision === 'given' && consent.toAssess && !consent.withdrawnOn),
      template: template ? { id: template.id, name: template.name, versionNumber: template.versionNumber } : null,
      contacts,
      yourRole: membership?.role ?? 'coordinator',
    }
  }

  /**
   * The episode page. The safeguarding path reads it as 'episode.refer-safeguarding', so a practitioner whose agency
   * the family stopped sharing with can still reach the referral form (withdrawn consent never blocks a referral).
   */
  async function view(
    context: RequestContext,
    episodeId: string,
    purpose?: 'safeguarding',
  ): Promise<EpisodeDetail & { panels: { listedAt: string[]; mayList: boolean }; locality: { name: string | null; mayChange: boolean } }> {
    return withEpisode(context, purpose === 'safeguarding' ? 'episode.refer-safeguarding' : 'episode.view', episodeId, async (trx, episode, note, actor) => {
      if (purpose) note.details = { purpose }
      // Panels (src/features/panels): where the episode is listed now, and whether this reader may list it.
      const relationship = await repository.findEpisodeRelationship(trx, actor.authorityId, episodeId, actor.userId)
      const panels = {
        listedAt: await currentPanelNames(trx, actor.authorityId, episodeId),
        mayList: access.decide(actor, 'panel.list-episode', { authorityId: actor.authorityId, relationship }).allowed,
      }
      // The locality decides which coordinators see the episode; the lead professional or a coordinator may move it.
      const locality = {
        name: await episodeLocalityName(trx, actor.authorityId, episodeId),
        mayChange: access.decide(actor, 'episode.locality', { authorityId: actor.authorityId, relationship }).allowed,
      }
      return { ...(await loadDetail(trx, actor, episode)), panels, locality }
    })
  }

  // ---- checklist -----------------------------------------------------------------------------------------------

  async function questionsOf(trx: Db, authorityId: string, templateVersionId: string | null): Promise<{ questions: readonly ChecklistQuestion[]; fromTemplate: boolean }> {
    const template = templateVersionId ? await repository.findTemplateVersion(trx, authorityId, templateVersionId) : undefined
    const questions = template?.content.checklist
    return questions && questions.length > 0 ? { questions, fromTemplate: true } : { questions: DEFAULT_CHECKLIST, fromTemplate: false }
  }

  /** What the checklist form shows: the questions of the episode's template version, and the saved answers. */
  async function checklistForm(context: RequestContext, episodeId: string) {
    return withEpisode(context, 'episode.update', episodeId, async (trx, episode, _note, actor) => {
      const detail = await loadDetail(trx, actor, episode)
      const { questions, fromTemplate } = await questionsOf(trx, actor.authorityId, episode.templateVersionId)
      return { detail, questions, fromTemplate }
    })
  }

  async function saveChecklist(context: RequestContext, episodeId: string, input: ChecklistInput): Promise<{ outcome: string; needsReferral: boolean }> {
    return withEpisode(
      context,
      'episode.update',
      episodeId,
      async (trx, episode, note, actor) => {
        const authorityId = actor.authorityId
        if (episode.status === 'closed') throw new DomainRuleError('This episode has ended. Start a new episode to record a new checklist.', 'main-content')
        const { questions } = await questionsOf(trx, authorityId, episode.templateVersionId)
        if (input.answers.length !== questions.length) throw new DomainRuleError('The questions have changed since you opened the form. Reload the page and answer them again.', 'main-content')
        const answers: ChecklistAnswerRecord[] = questions.map((question, index) => ({
          key: question.key,
          question: question.question,
          answer: input.answers[index] ?? 'not_sure',
          riskOfSignificantHarm: question.riskOfSignificantHarm === true,
        }))
        const riskYes = answers.some(answer => answer.riskOfSignificantHarm && answer.answer === 'yes')
        if (riskYes && input.outcome !== 'safeguarding_referral') {
          throw new DomainRuleError('You answered yes to risk of significant harm: the outcome must be a safeguarding referral', 'outcome')
        }
        const checklist = { templateVersionId: episode.templateVersionId, answers, outcome: input.outcome, notes: input.notes, recordedByUserId: actor.userId, recordedAt: clock.now() }
        const saved = input.version === 0
          ? await repository.insertChecklist(trx, authorityId, episode.id, checklist)
          : await repository.updateChecklist(trx, authorityId, episode.id, input.version, checklist)
        if (!saved) {
          const current = await repository.findChecklist(trx, authorityId, episode.id)
          throw new StaleEpisodeEditError('Someone else saved this checklist after you opened it', current)
        }
        const referrals = await repository.listReferrals(trx, authorityId, episode.id)
        if (input.outcome === 'safeguarding_referral' && referrals.length === 0) {
          // Never let the checklist stand in for the referral: the answers are kept, the episode is flagged now and
          // stays open, shouting that no referral is recorded, until the referral is recorded (which then ends it).
          await repository.updateEpisodeState(trx, authorityId, episode.id, { safeguardingFlag: true })
          note.details = { checklistOutcome: input.outcome, riskOfSignificantHarm: riskYes, referral: 'needed first', safeguardingFlag: true }
          return { outcome: input.outcome, needsReferral: true }
        }
        await repository.updateEpisodeState(trx, authorityId, episode.id, nextStateAfterChecklist(input.outcome, episode, await repository.hasActiveConsentToAssess(trx, authorityId, episode.id), clock.now()))
        note.details = { checklistOutcome: input.outcome, riskOfSignificantHarm: riskYes }
        return { outcome: input.outcome, needsReferral: false }
      },
      { lock: true },
    )
  }

  // ---- safeguarding --------------------------------------------------------------------------------------------

  async function recordReferral(context: RequestContext, episodeId: string, input: ReferralInput): Promise<string> {
    const id = uuidv7(clock.now().getTime())
    return withEpisode(
      context,
      'episode.refer-safeguarding',
      episodeId,
      async (trx, episode, note, actor) => {
        const now = clock.now()
        // A referral made earlier today with no time given would otherwise be "midday": take it as made now.
        const { timeGiven, ...referral } = input
        if (timeGiven === false && referral.referredAt.getTime() > now.getTime() && isoDay(referral.referredAt) === isoDay(now)) referral.referredAt = now
        if (referral.referredAt.getTime() > now.getTime() + 5 * 60_000) {
          throw new DomainRuleError('The date and time of the referral must be now or in the past', 'referredOn-day')
        }
        await repository.insertReferral(trx, { authorityId: actor.authorityId, id, episodeId: episode.id, ...referral, recordedByUserId: actor.userId, recordedAt: now })
        // A checklist that concluded "safeguarding referral" was waiting for this referral: early help ends here.
        const checklist = await repository.findChecklist(trx, actor.authorityId, episode.id)
        const ends = checklist?.outcome === 'safeguarding_referral' && episode.status !== 'closed'
        await repository.updateEpisodeState(trx, actor.authorityId, episode.id, ends ? nextStateAfterChecklist('safeguarding_referral', episode, false, clock.now()) : { safeguardingFlag: true })
        note.details = { referralId: id, referredTo: input.referredTo, method: input.method }
        return id
      },
      { lock: true },
    )
  }

  async function referralOutcomeForm(context: RequestContext, episodeId: string, referralId: string) {
    return withEpisode(context, 'episode.refer-safeguarding', episodeId, async (trx, episode, note, actor) => {
      const detail = await loadDetail(trx, actor, episode)
      const referral = detail.referrals.find(item => item.id === referralId)
      if (!referral) throw new NotFoundError('There is no such referral.')
      note.details = { referralId }
      return { detail, referral }
    })
  }

  async function recordReferralOutcome(context: RequestContext, episodeId: string, referralId: string, input: ReferralOutcomeInput) {
    return withEpisode(context, 'episode.refer-safeguarding', episodeId, async (trx, episode, note, actor) => {
      if (!isUuid(referralId)) throw new NotFoundError('There is no such referral.')
      const referrals = await repository.listReferrals(trx, actor.authorityId, episode.id)
      const current = referrals.find(item => item.id === referralId)
      if (!current) throw new NotFoundError('There is no such referral.')
      const saved = await repository.updateReferralOutcome(trx, actor.authorityId, episode.id, referralId, input.version, { outcome: input.outcome, reference: input.reference ?? current.reference, userId: actor.userId, at: clock.now() })
      if (!saved) throw new StaleEpisodeEditError('Someone else changed this referral after you opened it', current)
      note.details = { referralId, change: 'outcome' }
    })
  }

  // ---- consent -------------------------------------------------------------------------------------------------

  async function consentForm(context: RequestContext, episodeId: string) {
    return withEpisode(context, 'episode.update', episodeId, async (trx, episode, _note, actor) => {
      const detail = await loadDetail(trx, actor, episode)
      const children = detail.people.filter(person => person.role === 'child')
      const parents = await repository.listParentalResponsibility(trx, actor.authorityId, children.map(child => child.id))
      const agencies = await repository.listActiveAgencies(trx, actor.authorityId)
      return { detail, children, parents: dedupeParents(parents), agencies }
    })
  }

  async function recordConsent(context: RequestContext, episodeId: string, input: ConsentInput): Promise<{ id: string; ended: boolean }> {
    const id = uuidv7(clock.now().getTime())
    return withEpisode(
      context,
      'episode.update',
      episodeId,
      async (trx, episode, note, actor) => {
        const authorityId = actor.authorityId
        if (episode.status === 'closed') throw new DomainRuleError('This episode has ended, so consent cannot be recorded on it.', 'main-content')
        if (input.givenOn > isoDay(clock.now())) throw new DomainRuleError('The date must be today or in the past', 'givenOn-day')
        const people = await repository.listEpisodePeople(trx, authorityId, episode.id)
        const children = people.filter(person => person.role === 'child')
        let giverName: string
        let giverRelationship: string | null
        if (input.giverKind === 'parent_carer') {
          const parents = await repository.listParentalResponsibility(trx, authorityId, children.map(child => child.id))
          const parent = parents.find(item => item.id === input.giverPersonId)
          if (!parent) throw new DomainRuleError('Choose a parent or carer recorded as having parental responsibility for a child of this episode', 'parentPersonId')
          giverName = `${parent.givenNames} ${parent.familyName}`
          giverRelationship = parent.kind
        } else if (input.giverKind === 'young_person') {
          const child = children.find(item => item.id === input.giverPersonId)
          if (!child) throw new DomainRuleError('Choose the young person from the children of this episode', 'youngPersonId')
          if (!input.competence) throw new DomainRuleError('Record the competence judgement', 'competenceBasis')
          giverName = `${child.givenNames} ${child.familyName}`
          giverRelationship = 'young person'
        } else {
          giverName = input.giverName ?? ''
          giverRelationship = input.giverRelationship
        }
        const knownAgencies = new Set((await repository.findAgencyNames(trx, authorityId, input.shareAgencyIds)).map(agency => agency.id))
        if (input.shareAgencyIds.some(agencyId => !knownAgencies.has(agencyId))) throw new DomainRuleError('Choose agencies from the directory', 'shareAgencyIds')
        await repository.insertConsent(trx, {
          authorityId,
          episodeId: episode.id,
          id,
          decision: input.decision,
          giverKind: input.giverKind,
          giverPersonId: input.giverKind === 'other_adult' ? null : input.giverPersonId,
          giverName,
          giverRelationship,
          competenceBasis: input.competence?.basis ?? null,
          competenceJudgedBy: input.competence?.judgedBy ?? null,
          competenceReasoning: input.competence?.reasoning ?? null,
          toAssess: input.decision === 'given' && input.toAssess,
          shareAgencyIds: input.decision === 'given' ? input.shareAgencyIds : [],
          shareAgencyKinds: input.decision === 'given' ? input.shareAgencyKinds : [],
          method: input.method,
          givenOn: input.givenOn,
          refusalReason: input.decision === 'refused' ? input.refusalReason : null,
          recordedByUserId: actor.userId,
          recordedAt: clock.now(),
        })
        let ended = false
        if (input.decision === 'refused') {
          await repository.updateEpisodeState(trx, authorityId, episode.id, { status: 'closed', outcome: 'consent_refused', closedAt: clock.now() })
          ended = true
        } else if (input.toAssess) {
          const checklist = await repository.findChecklist(trx, authorityId, episode.id)
          if (checklist?.outcome === 'common_assessment' && ['checklist', 'consent'].includes(episode.status)) {
            await repository.updateEpisodeState(trx, authorityId, episode.id, { status: 'assessment' })
          }
        }
        note.details = { consentId: id, decision: input.decision, toAssess: input.toAssess, giverKind: input.giverKind, sharing: input.shareAgencyIds.length + input.shareAgencyKinds.length }
        return { id, ended }
      },
      { lock: true },
    )
  }

  async function withdrawalForm(context: RequestContext, episodeId: string, consentId: string) {
    return withEpisode(context, 'episode.update', episodeId, async (trx, episode, _note, actor) => {
      const detail = await loadDetail(trx, actor, episode)
      const consent = detail.consents.find(item => item.id === consentId)
      if (!consent) throw new NotFoundError('There is no such consent.')
      return { detail, consent }
    })
  }

  async function withdrawConsent(context: RequestContext, episodeId: string, consentId: string, input: WithdrawalInput) {
    return withEpisode(
      context,
      'episode.update',
      episodeId,
      async (trx, episode, note, actor) => {
        const authorityId = actor.authorityId
        if (!isUuid(consentId)) throw new NotFoundError('There is no such consent.')
        const consents = await repository.listConsents(trx, authorityId, episode.id)
        const current = consents.find(item => item.id === consentId)
        if (!current) throw new NotFoundError('There is no such consent.')
        if (current.decision !== 'given') throw new DomainRuleError('Only consent that was given can be withdrawn', 'main-content')
        if (current.withdrawnOn) throw new StaleEpisodeEditError('This consent has already been withdrawn', current)
        if (input.withdrawnOn > isoDay(clock.now())) throw new DomainRuleError('The date must be today or in the past', 'withdrawnOn-day')
        if (input.withdrawnOn < current.givenOn) throw new DomainRuleError('The date of withdrawal must be on or after the date consent was given', 'withdrawnOn-day')
        const saved = await repository.withdrawConsent(trx, authorityId, episode.id, consentId, input.version, { withdrawnOn: input.withdrawnOn, reason: input.reason, userId: actor.userId, at: clock.now() })
        if (!saved) throw new StaleEpisodeEditError('Someone else changed this consent after you opened it', current)
        if (current.toAssess && episode.status === 'assessment' && !(await repository.hasActiveConsentToAssess(trx, authorityId, episode.id))) {
          await repository.updateEpisodeState(trx, authorityId, episode.id, { status: 'consent' })
        } else {
          await repository.updateEpisodeState(trx, authorityId, episode.id, {})
        }
        note.details = { consentId, change: 'withdrawn', toAssess: current.toAssess }
      },
      { lock: true },
    )
  }

  // ---- safeguarding contacts -----------------------------------------------------------------------------------

  /** The contacts shown on the safeguarding path: what any practitioner of the authority may read. */
  async function contacts(context: RequestContext) {
    const actor = practitionerOf(context)
    return access.run(context, { action: 'authority.view', resource: { authorityId: actor.authorityId } }, trx => repository.findSafeguardingContacts(trx, actor.authorityId))
  }

  async function contactsForEditing(context: RequestContext) {
    const actor = practitionerOf(context)
    return access.run(context, { action: 'authority.configure', resource: { authorityId: actor.authorityId } }, trx => repository.findSafeguardingContacts(trx, actor.authorityId))
  }

  async function saveContacts(context: RequestContext, input: ContactsInput) {
    const actor = practitionerOf(context)
    return access.run(context, { action: 'authority.configure', resource: { authorityId: actor.authorityId }, recordType: 'safeguarding-contacts', recordId: actor.authorityId }, async (trx, note) => {
      const { version, ...contactsInput } = input
      const saved = await repository.saveSafeguardingContacts(trx, actor.authorityId, version, { ...contactsInput, updatedByUserId: actor.userId, updatedAt: clock.now() })
      if (!saved) {
        throw new StaleEpisodeEditError('Someone else changed the safeguarding contacts after you opened this page', await repository.findSafeguardingContacts(trx, actor.authorityId))
      }
      note.details = { change: 'safeguarding contacts' }
    })
  }

  /** Refuses (and audits) an actor without the role before anything they sent is read. */
  async function ensureAllowed(context: RequestContext, action: Action) {
    const actor = practitionerOf(context)
    if (!access.decide(actor, action, { authorityId: actor.authorityId }).allowed) {
      await access.run(context, { action, resource: { authorityId: actor.authorityId } }, async () => undefined)
    }
  }

  /**
   * The record-level check alone, for the API before it validates a body: refuses (and audits) an actor who may not
   * do this to the episode. Does nothing for an episode that does not exist (the operation then answers 404).
   */
  async function ensureEpisodeAllowed(context: RequestContext, action: Action, episodeId: string) {
    const actor = practitionerOf(context)
    if (!isUuid(episodeId)) throw new NotFoundError('There is no such episode.')
    await inTransaction(context, async trx => {
      const episode = await repository.findEpisode(trx, actor.authorityId, episodeId)
      if (!episode) throw new NotFoundError('There is no such episode.')
      const relationship = await repository.findEpisodeRelationship(trx, actor.authorityId, episodeId, actor.userId)
      checkEpisode(context, actor, action, episodeId, relationship)
    })
  }

  return {
    startChoice,
    start,
    listMine,
    view,
    checklistForm,
    saveChecklist,
    recordReferral,
    referralOutcomeForm,
    recordReferralOutcome,
    consentForm,
    recordConsent,
    withdrawalForm,
    withdrawConsent,
    contacts,
    contactsForEditing,
    saveContacts,
    ensureAllowed,
    ensureEpisodeAllowed,
  }
}

function nextStateAfterChecklist(
  outcome: ChecklistInput['outcome'],
  episode: repository.EpisodeRecord,
  consentToAssess: boolean,
  now: Date,
): { status?: EpisodeStatus; outcome?: string | null; closedAt?: Date | null; safeguardingFlag?: boolean } {
  switch (outcome) {
    case 'common_assessment':
      return { status: consentToAssess ? 'assessment' : 'consent' }
    case 'no_further_action':
    case 'universal_services':
      return { status: 'closed', outcome, closedAt: now }
    case 'safeguarding_referral':
      return { status: 'closed', outcome, closedAt: now, safeguardingFlag: true }
    default: {
      const unreachable: never = outcome
      return unreachable ?? { status: episode.status }
    }
  }
}

function isoDay(date: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(date)
}

function isLikelyChild(person: repository.CandidatePerson, today: Date): boolean {
  if (person.expectedDateOfBirth && !person.dateOfBirth) return true
  if (!person.dateOfBirth) return false
  const eighteenth = new Date(`${person.dateOfBirth}T00:00:00Z`)
  eighteenth.setUTCFullYear(eighteenth.getUTCFullYear() + 18)
  return eighteenth.getTime() > today.getTime()
}

function dedupeParents(rows: Awaited<ReturnType<typeof repository.listParentalResponsibility>>) {
  const seen = new Map<string, { id: string; name: string; description: string }>()
  for (const row of rows) {
    const existing = seen.get(row.id)
    const what = `${row.kind.replace('_', ' ')} of ${row.childGivenNames}`
    if (existing) existing.description += `, ${what}`
    else seen.set(row.id, { id: row.id, name: `${row.givenNames} ${row.familyName}`, description: what })
  }
  return [...seen.values()]
}
