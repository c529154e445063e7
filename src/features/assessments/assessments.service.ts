import type { Kysely, Transaction } from 'kysely'
import type { Config } from '../../config.ts'
import type { Db } from '../../db/database.ts'
import type { Database } from '../../db/schema.ts'
import type { Clock } from '../../lib/clock.ts'
import { ConflictError, DomainError, DomainRuleError, NotFoundError, UnauthenticatedError } from '../../lib/errors.ts'
import { isUuid, uuidv7 } from '../../lib/ids.ts'
import { DeniedWithin, type Access, type AccessRequest, type AuditNote } from '../../policy/access.ts'
import type { PractitionerActor, RequestContext } from '../../policy/actor.ts'
import type { Action, RecordRelationship } from '../../policy/policy.ts'
import { paths } from '../../paths.ts'
import { findEpisodeRelationship, hasConsentToAssess } from '../episodes/episodes.service.ts'
import { enqueueEmail } from '../outbox/emails.ts'
import * as repository from './assessments.repository.ts'
import { listDisputesFor, type DisputeRow } from '../records-history/record-history.repository.ts'
import type { ElementInput, InviteInput, StepInput } from './assessments.schemas.ts'
import { elementsOf, type TemplateDomain, type TemplateElement } from './template-content.ts'
import { findTemplateVersion, type TemplateVersion } from './templates.repository.ts'

export type {
  AssessmentEpisode,
  AssessmentPerson,
  AssessmentRecord,
  ConsentSummary,
  ContributorRecord,
  ElementRecord,
  InvitableUser,
} from './assessments.repository.ts'

export type AssessmentService = ReturnType<typeof createAssessmentService>

/** Someone else saved after this form was opened: nothing changed; `current` is what is saved now. */
export class StaleAssessmentEditError<T> extends ConflictError {
  constructor(
    message: string,
    readonly current: T,
  ) {
    super(message)
  }
}

/** A request that names something impossible (an element's subject of the wrong kind): 400 with the reason. */
export class AssessmentInputError extends DomainError {
  constructor(
    message: string,
    readonly field?: string,
  ) {
    super(message)
  }
}

export const NO_CONSENT_MESSAGE =
  'Nothing can be recorded in the assessment without consent to assess. Record the consent of a parent or carer with parental responsibility, or of a young person judged competent, on the episode first.'
export const CONSENT_WITHDRAWN_MESSAGE =
  'Consent to the assessment has been withdrawn, so nothing more can be recorded in it. What was recorded before is kept. Record new consent on the episode if the family gives it again.'
export const EPISODE_ENDED_MESSAGE = 'This episode has ended, so nothing more can be recorded in its assessment.'
export const SIGNED_OFF_MESSAGE = 'This assessment has been signed off, so it cannot be changed.'

// ---- pure rules ----------------------------------------------------------------------------------------------------

export type AssessmentStep = 'explain' | 'details' | 'conclusions' | 'solutions' | 'agreement'

/** A step that must be recorded before the assessment can be signed off. */
export type MissingStep = { step: 'basic-details' | 'conclusions'; text: string }

/**
 * What must still be recorded before sign-off. No element is mandatory: only the basic details (the discussion date
 * and the reason for the assessment) and the conclusions (the conclusions and the family's agreement, with the
 * differences of opinion when they partly agree or disagree). An empty list means ready. Consent to assess is not a
 * field of the assessment: check `hasConsentToAssess` as well when signing off.
 */
export function readyForSignOff(
  assessment: Pick<repository.AssessmentRecord, 'discussionDate' | 'reason' | 'conclusions' | 'familyAgreement' | 'differencesOfOpinion'>,
  elements: readonly Pick<repository.ElementRecord, 'elementKey' | 'subject' | 'notAssessed'>[],
): MissingStep[] {
  void elements // every element may be left "not assessed"; kept in the signature for rules an authority may add
  const missing: MissingStep[] = []
  if (!assessment.discussionDate) missing.push({ step: 'basic-details', text: 'Basic details: enter the date of the discussion' })
  if (!assessment.reason) missing.push({ step: 'basic-details', text: 'Basic details: enter the reason for the assessment' })
  if (!assessment.conclusions) missing.push({ step: 'conclusions', text: 'Conclusions: record the conclusions and the evidence for them' })
  if (!assessment.familyAgreement) missing.push({ step: 'conclusions', text: 'Conclusions: record whether the family agrees with them' })
  if ((assessment.familyAgreement === 'partly_agrees' || assessment.familyAgreement === 'disagrees') && !assessment.differencesOfOpinion) {
    missing.push({ step: 'conclusions', text: 'Conclusions: record the differences of opinion' })
  }
  return missing
}

/** Whether an element has anything recorded (a row marked not assessed does not count). */
export function elementRecorded(element: Pick<repository.ElementRecord, 'notAssessed' | 'strengths' | 'needs' | 'childWords' | 'parentWords' | 'practitionerScore' | 'familyScoreAdult' | 'familyScoreChild'>): boolean {
  if (element.notAssessed) return false
  return [element.strengths, element.needs, element.childWords, element.parentWords, element.practitionerScore, element.familyScoreAdult, element.familyScoreChild].some(value => value !== null)
}

/** The subjects of a domain: each child of the episode, or the family once. */
export function subjectsOf(domain: TemplateDomain, children: readonly repository.AssessmentPerson[]): { subject: string; name: string | null }[] {
  if (domain.scope === 'family') return [{ subject: 'family', name: null }]
  return children.map(child => ({ subject: child.id, name: `${child.givenNames} ${child.familyName}` }))
}

// ---- reading for other features ------------------------------------------------------------------------------------

export type LoadedAssessment = {
  assessment: repository.AssessmentRecord
  template: TemplateVersion
  elements: repository.ElementRecord[]
  contributors: repository.ContributorRecord[]
  people: repository.AssessmentPerson[]
}

/**
 * For the completion feature (and others): the episode's assessment with the template version it started with, its
 * elements, contributors and the episode's people. No access check: call it inside your own access transaction.
 */
export async function loadAssessmentForEpisode(db: Db, authorityId: string, episodeId: string): Promise<LoadedAssessment | undefined> {
  if (!isUuid(episodeId)) return undefined
  const assessment = await repository.findAssessmentByEpisode(db, authorityId, episodeId.toLowerCase())
  if (!assessment) return undefined
  const template = await findTemplateVersion(db, authorityId, assessment.templateVersionId)
  if (!template) throw new Error('assessment template version missing')
  return {
    assessment,
    template,
    elements: await repository.listElements(db, authorityId, assessment.id),
    contributors: await repository.listContributors(db, authorityId, assessment.id, assessment.episodeId),
    people: await repository.listEpisodePeople(db, authorityId, assessment.episodeId),
  }
}

// ---- the service ---------------------------------------------------------------------------------------------------

export type You = {
  userId: string
  /** What the actor is to the episode: a member of its team, or a coordinator who sees every record. */
  role: 'owner' | 'member' | 'contributor' | 'coordinator'
  isAssessor: boolean
  /** A contributor's elements (the only ones they may change); null when every element may be changed. */
  elementKeys: string[] | null
  contributionDone: boolean
  contributorMessage: string | null
}

export type AssessmentView = {
  episode: repository.AssessmentEpisode
  people: repository.AssessmentPerson[]
  children: repository.AssessmentPerson[]
  consents: repository.ConsentSummary[]
  consentToAssess: boolean
  /** Why nothing can be recorded now (no consent, withdrawn, ended), or null. */
  consentProblem: string | null
  assessment: repository.AssessmentRecord | null
  /** The assessment's own template version; before it starts, the episode's. */
  template: TemplateVersion | null
  elements: repository.ElementRecord[]
  /** The family's statements disagreeing with the elements recorded (record_disputes; one query), oldest first. */
  elementDisputes: DisputeRow[]
  contributors: repository.ContributorRecord[]
  you: You
  /** The assessment exists, is not signed off, and consent allows recording. */
  editable: boolean
}

/** An element's id in record_disputes and record_history: `assessmentId:elementKey:subject`. */
export function elementRecordId(element: { assessmentId: string; elementKey: string; subject: string }): string {
  return `${element.assessmentId}:${element.elementKey}:${element.subject}`
}

export type ElementTarget = { domain: TemplateDomain; element: TemplateElement; subject: string; subjectName: string | null }

type Loaded = {
  trx: Transaction<Database>
  actor: PractitionerActor
  episode: repository.AssessmentEpisode
  assessment: repository.AssessmentRecord | undefined
  relationship: RecordRelationship
  request: AccessRequest
  note: AuditNote
}

/**
 * Recording the common assessment: starting it (with the episode's template version), the six steps, each element for
 * each child or for the family, contributors from other agencies limited to named elements. Every read and write runs
 * in one transaction with the actor's relationship to the episode, and nothing is recorded without consent to assess.
 */
export function createAssessmentService(deps: { db: Kysely<Database>; clock: Clock; access: Access; config: Config }) {
  const { clock, access, config } = deps
  const mailOptions = () => ({ at: clock.now(), smtpConfigured: config.smtpUrl !== undefined, domain: new URL(config.baseUrl).hostname })

  function practitionerOf(context: RequestContext): PractitionerActor {
    const actor = context.actor
    if (actor.kind !== 'practitioner') throw new UnauthenticatedError('Sign in to continue.')
    return actor
  }

  /**
   * Loads the episode and its assessment (404 outside the actor's authority or for a malformed id), decides the action
   * against the actor's relationship to the episode (a refusal rolls back and is audited), runs the work, and audits it.
   */
  async function withAssessment<T>(context: RequestContext, action: Action, episodeId: string, work: (loaded: Loaded) => Promise<T>, options: { lock?: boolean } = {}): Promise<T> {
    const actor = practitionerOf(context)
    if (!isUuid(episodeId)) throw new NotFoundError('There is no such episode.')
    const id = episodeId.toLowerCase()
    return access.transaction(context, async trx => {
      if (options.lock && !(await repository.lockEpisode(trx, actor.authorityId, id))) throw new NotFoundError('There is no such episode.')
      const episode = await repository.findEpisode(trx, actor.authorityId, id)
      if (!episode) throw new NotFoundError('There is no such episode.')
      const relationship = await findEpisodeRelationship(trx, actor.authorityId, id, actor.userId)
      const assessment = await repository.findAssessmentByEpisode(trx, actor.authorityId, id)
      const request: AccessRequest = {
        action,
        resource: { authorityId: actor.authorityId, relationship },
        recordType: assessment ? 'assessment' : 'episode',
        recordId: assessment?.id ?? id,
      }
      const decision = access.decide(actor, action, request.resource)
      if (!decision.allowed) throw new DeniedWithin(request, decision.reason)
      const note: AuditNote = { details: { episodeId: id } }
      const result = await work({ trx, actor, episode, assessment, relationship, request, note })
      await access.assertWithin(trx, context, request, note)
      return result
    })
  }

  async function consentProblemOf(trx: Db, actor: PractitionerActor, episode: repository.AssessmentEpisode, consents: repository.ConsentSummary[]): Promise<string | null> {
    if (episode.status === 'closed') return EPISODE_ENDED_MESSAGE
    if (await hasConsentToAssess(trx, actor.authorityId, episode.id)) return null
    return consents.some(consent => consent.toAssess && consent.withdrawnOn) ? CONSENT_WITHDRAWN_MESSAGE : NO_CONSENT_MESSAGE
  }

  /** Refuses (422, nothing written) unless there is consent to assess now. */
  async function requireConsent(trx: Db, actor: PractitionerActor, episode: repository.AssessmentEpisode) {
    const problem = await consentProblemOf(trx, actor, episode, await repository.listConsents(trx, actor.authorityId, episode.id))
    if (problem) throw new DomainRuleError(problem, 'main-content')
  }

  function requireEditable(assessment: repository.AssessmentRecord | undefined): repository.AssessmentRecord {
    if (!assessment) throw new DomainRuleError('The assessment has not been started yet.', 'main-content')
    if (assessment.status !== 'in_progress' && assessment.status !== 'returned') throw new DomainRuleError(SIGNED_OFF_MESSAGE, 'main-content')
    return assessment
  }

  /** A contributor may only record their named elements: anything else is refused (403) and audited. */
  function refuseContributor(loaded: Loaded, reason: string): never {
    throw new DeniedWithin(loaded.request, reason)
  }

  function limitedToContributor(loaded: Loaded): boolean {
    return loaded.relationship.contributorOnly === true && !loaded.actor.roles.has('coordinator')
  }

  async function templateOf(trx: Db, authorityId: string, templateVersionId: string): Promise<TemplateVersion> {
    const template = await findTemplateVersion(trx, authorityId, templateVersionId)
    if (!template) throw new Error('assessment template version missing')
    return template
  }

  async function buildView(loaded: Loaded): Promise<AssessmentView> {
    const { trx, actor, episode, assessment } = loaded
    const authorityId = actor.authorityId
    const people = await repository.listEpisodePeople(trx, authorityId, episode.id)
    const consents = await repository.listConsents(trx, authorityId, episode.id)
    const consentProblem = await consentProblemOf(trx, actor, episode, consents)
    const templateVersionId = assessment?.templateVersionId ?? episode.templateVersionId
    const template = templateVersionId ? ((await findTemplateVersion(trx, authorityId, templateVersionId)) ?? null) : null
    const elements = assessment ? await repository.listElements(trx, authorityId, assessment.id) : []
    const elementDisputes = assessment ? await listDisputesFor(trx, authorityId, episode.id, 'assessment_elements', elements.map(element => elementRecordId(element))) : []
    const contributors = assessment ? await repository.listContributors(trx, authorityId, assessment.id, episode.id) : []
    const membership = await repository.findMembership(trx, authorityId, episode.id, actor.userId)
    const mine = contributors.find(contributor => contributor.userId === actor.userId)
    const limited = limitedToContributor(loaded)
    return {
      episode,
      people,
      children: people.filter(person => person.role === 'child'),
      consents,
      consentToAssess: consentProblem === null,
      consentProblem,
      assessment: assessment ?? null,
      template,
      elements,
      elementDisputes,
      contributors,
      you: {
        userId: actor.userId,
        role: membership && !membership.leftAt ? membership.role : 'coordinator',
        isAssessor: assessment?.assessorUserId === actor.userId,
        elementKeys: limited ? (mine?.elementKeys ?? []) : null,
        contributionDone: mine?.completedAt != null,
        contributorMessage: mine?.message ?? null,
      },
      editable: assessment !== undefined && consentProblem === null && (assessment.status === 'in_progress' || assessment.status === 'returned'),
    }
  }

  function targetOf(template: TemplateVersion, children: readonly repository.AssessmentPerson[], elementKey: string, subject: string): ElementTarget {
    const found = elementsOf(template.content).find(item => item.element.key === elementKey)
    if (!found) throw new NotFoundError('There is no such element in this assessment’s form.')
    if (found.domain.scope === 'family') {
      if (subject !== 'family') throw new AssessmentInputError(`“${found.element.title}” is about the whole family: its subject must be “family”, not a child`, 'subject')
      return { ...found, subject, subjectName: null }
    }
    const child = children.find(person => person.id === subject.toLowerCase())
    if (!child) throw new AssessmentInputError(`“${found.element.title}” is assessed for each child: its subject must be a child of this episode`, 'subject')
    return { ...found, subject: child.id, subjectName: `${child.givenNames} ${child.familyName}` }
  }

  // ---- reading -----------------------------------------------------------------------------------------------------

  /** The assessment page: everything recorded so far, the template it uses, and what the actor may do. */
  async function view(context: RequestContext, episodeId: string): Promise<AssessmentView> {
    return withAssessment(context, 'assessment.view', episodeId, async loaded => buildView(loaded))
  }

  /** One domain for one subject (a child, or the family). */
  async function domain(context: RequestContext, episodeId: string, domainKey: string, subject: string) {
    return withAssessment(context, 'assessment.view', episodeId, async loaded => {
      const detail = await buildView(loaded)
      if (!detail.assessment || !detail.template) throw new NotFoundError('The assessment has not been started yet.')
      const found = detail.template.content.domains.find(item => item.key === domainKey)
      if (!found) throw new NotFoundError('There is no such domain in this assessment’s form.')
      const first = found.elements[0]
      if (!first) throw new NotFoundError('There is no such domain in this assessment’s form.')
      const target = targetOf(detail.template, detail.children, first.key, subject)
      loaded.note.details = { episodeId: detail.episode.id, domainKey, subject: target.subject }
      return { detail, domain: found, subject: target.subject, subjectName: target.subjectName }
    })
  }

  /** One element for one subject, with what is saved and whether the actor may change it. */
  async function element(context: RequestContext, episodeId: string, elementKey: string, subject: string) {
    return withAssessment(context, 'assessment.view', episodeId, async loaded => {
      const detail = await buildView(loaded)
      if (!detail.assessment || !detail.template) throw new NotFoundError('The assessment has not been started yet.')
      const target = targetOf(detail.template, detail.children, elementKey, subject)
      const saved = detail.elements.find(item => item.elementKey === target.element.key && item.subject === target.subject)
      const mayChange = detail.editable && (detail.you.elementKeys === null || detail.you.elementKeys.includes(target.element.key))
      loaded.note.details = { episodeId: detail.episode.id, elementKey: target.element.key, subject: target.subject }
      // The family's statements disagreeing with this element (record_disputes, read with the view), shown as "Disputed".
      const recordId = elementRecordId({ assessmentId: detail.assessment.id, elementKey: target.element.key, subject: target.subject })
      const disputes = detail.elementDisputes.filter(dispute => dispute.recordId === recordId)
      return { detail, target, saved, mayChange, disputes }
    })
  }

  // ---- starting ----------------------------------------------------------------------------------------------------

  /** Starts the episode's assessment with the episode's template version; the actor is its assessor. Idempotent. */
  async function start(context: RequestContext, episodeId: string): Promise<{ id: string; started: boolean }> {
    return withAssessment(
      context,
      'assessment.edit',
      episodeId,
      async loaded => {
        const { trx, actor, episode, assessment, note } = loaded
        if (limitedToContributor(loaded)) refuseContributor(loaded, 'a contributor may not start the assessment')
        if (assessment) return { id: assessment.id, started: false }
        await requireConsent(trx, actor, episode)
        if (!episode.templateVersionId) {
          throw new DomainRuleError('No assessment template is installed for your authority, so the assessment cannot start. Ask your administrator to install the assessment templates.', 'main-content')
        }
        const now = clock.now()
        const id = uuidv7(now.getTime())
        const inserted = await repository.insertAssessment(trx, {
          authorityId: actor.authorityId,
          id,
          episodeId: episode.id,
          templateVersionId: episode.templateVersionId,
          assessorUserId: actor.userId,
          assessorAgencyId: actor.actingAgencyId,
          at: now,
        })
        if (!inserted) {
          const existing = await repository.findAssessmentByEpisode(trx, actor.authorityId, episode.id)
          if (!existing) throw new Error('assessment neither inserted nor found')
          return { id: existing.id, started: false }
        }
        loaded.request.recordType = 'assessment'
        note.recordId = id
        note.details = { episodeId: episode.id, change: 'started', templateVersionId: episode.templateVersionId }
        return { id, started: true }
      },
      { lock: true },
    )
  }

  // ---- the steps ---------------------------------------------------------------------------------------------------

  /** Saves one of the steps 1, 2, 4, 5, 6 if the assessment is still at the version the form read. */
  async function saveStep(context: RequestContext, episodeId: string, step: StepInput): Promise<void> {
    return withAssessment(context, 'assessment.edit', episodeId, async loaded => {
      const { trx, actor, episode, note } = loaded
      if (limitedToContributor(loaded)) refuseContributor(loaded, 'a contributor may record only the elements they were asked to complete')
      const assessment = requireEditable(loaded.assessment)
      await requireConsent(trx, actor, episode)
      let fields: repository.StepFields
      switch (step.step) {
        case 'explain':
          fields = { explainedAt: step.input.explained ? (assessment.explainedAt ?? isoDay(clock.now())) : null, explanationNotes: step.input.explanationNotes }
          break
        case 'details':
          if (step.input.discussionDate && step.input.discussionDate > isoDay(clock.now())) {
            throw new DomainRuleError('The date of the discussion must be today or in the past', 'discussionDate-day')
          }
          fields = { discussionDate: step.input.discussionDate, reason: step.input.reason, present: step.input.present }
          break
        case 'conclusions':
          fields = { conclusions: step.input.conclusions, familyAgreement: step.input.familyAgreement, differencesOfOpinion: step.input.differencesOfOpinion }
          break
        case 'solutions':
          fields = { solutions: step.input.solutions, familyCanDo: step.input.familyCanDo }
          break
        case 'agreement':
          if (step.input.reviewDate && assessment.discussionDate && step.input.reviewDate < assessment.discussionDate) {
            throw new DomainRuleError('The review date must be on or after the date of the discussion', 'reviewDate-day')
          }
          fields = { agreedActions: step.input.agreedActions, reviewDate: step.input.reviewDate }
          break
        default: {
          const unreachable: never = step
          throw new Error(`unknown step ${String(unreachable)}`)
        }
      }
      const saved = await repository.updateAssessmentSteps(trx, actor.authorityId, assessment.id, step.input.version, fields, clock.now())
      if (!saved) {
        const current = await repository.findAssessmentByEpisode(trx, actor.authorityId, episode.id)
        throw new StaleAssessmentEditError('Someone else saved this part of the assessment after you opened it', current)
      }
      note.details = { episodeId: episode.id, step: step.step }
    })
  }

  // ---- elements ----------------------------------------------------------------------------------------------------

  /**
   * Saves one element for one subject if it is still at the version the form read (0: not recorded yet). A stale save
   * changes nothing and raises StaleAssessmentEditError with what is saved now.
   */
  async function saveElement(
    context: RequestContext,
    episodeId: string,
    elementKey: string,
    subject: string,
    input: ElementInput,
  ): Promise<{ saved: repository.ElementRecord; domainKey: string; disputes: DisputeRow[] }> {
    return withAssessment(context, 'assessment.edit', episodeId, async loaded => {
      const { trx, actor, episode, note } = loaded
      if (!loaded.assessment) throw new NotFoundError('The assessment has not been started yet.')
      const template = await templateOf(trx, actor.authorityId, loaded.assessment.templateVersionId)
      const children = (await repository.listEpisodePeople(trx, actor.authorityId, episode.id)).filter(person => person.role === 'child')
      const target = targetOf(template, children, elementKey, subject)
      if (limitedToContributor(loaded)) {
        const mine = (await repository.listContributors(trx, actor.authorityId, loaded.assessment.id, episode.id)).find(item => item.userId === actor.userId)
        if (!mine?.elementKeys.includes(target.element.key)) refuseContributor(loaded, `element ${target.element.key} is not one the contributor was asked to complete`)
      }
      const assessment = requireEditable(loaded.assessment)
      await requireConsent(trx, actor, episode)
      const key = { authorityId: actor.authorityId, assessmentId: assessment.id, elementKey: target.element.key, subject: target.subject }
      const { version, ...fields } = input
      const by = { userId: actor.userId, at: clock.now() }
      const saved = version === 0 ? await repository.insertElement(trx, key, fields, by) : await repository.updateElement(trx, key, version, fields, by)
      const current = await repository.findElement(trx, actor.authorityId, assessment.id, key.elementKey, key.subject)
      if (!saved || !current) throw new StaleAssessmentEditError('Someone else saved this element after you opened it', current)
      await repository.touchAssessment(trx, actor.authorityId, assessment.id, by.at)
      note.details = { episodeId: episode.id, elementKey: key.elementKey, subject: key.subject, version: current.version, notAssessed: fields.notAssessed }
      // Saving never touches the family's statements about the element: they are returned with it (the API shows them).
      const disputes = await listDisputesFor(trx, actor.authorityId, episode.id, 'assessment_elements', [elementRecordId(current)])
      return { saved: current, domainKey: target.domain.key, disputes }
    })
  }

  // ---- contributors ------------------------------------------------------------------------------------------------

  /** Who can be asked to add to the assessment, and which elements. */
  async function inviteForm(context: RequestContext, episodeId: string) {
    return withAssessment(context, 'assessment.edit', episodeId, async loaded => {
      if (limitedToContributor(loaded)) refuseContributor(loaded, 'a contributor may not ask others to contribute')
      const detail = await buildView(loaded)
      if (!detail.assessment) throw new NotFoundError('The assessment has not been started yet.')
      const users = (await repository.listInvitableUsers(loaded.trx, loaded.actor.authorityId)).filter(user => user.id !== loaded.actor.userId)
      return { detail, users }
    })
  }

  /**
   * Asks a colleague (any agency of the authority) to complete named elements: they join the episode's team as a
   * contributor and get an email with a link only (nothing about the child).
   */
  async function invite(context: RequestContext, episodeId: string, input: InviteInput): Promise<{ name: string }> {
    return withAssessment(
      context,
      'assessment.edit',
      episodeId,
      async loaded => {
        const { trx, actor, episode, note } = loaded
        if (limitedToContributor(loaded)) refuseContributor(loaded, 'a contributor may not ask others to contribute')
        const assessment = requireEditable(loaded.assessment)
        await requireConsent(trx, actor, episode)
        const template = await templateOf(trx, actor.authorityId, assessment.templateVersionId)
        const known = new Set(elementsOf(template.content).map(item => item.element.key))
        if (input.elementKeys.some(key => !known.has(key))) throw new DomainRuleError('Select elements from the list', 'elementKeys')
        if (input.userId === actor.userId) throw new DomainRuleError('Choose a colleague: you can already record every element', 'userId')
        const colleague = await repository.findActiveUser(trx, actor.authorityId, input.userId)
        if (!colleague) throw new DomainRuleError('Select a colleague from the list', 'userId')
        const membership = await repository.findMembership(trx, actor.authorityId, episode.id, colleague.id)
        if (membership && !membership.leftAt && membership.role !== 'contributor') {
          throw new DomainRuleError(`${colleague.name} is already on the team and can record every element`, 'userId')
        }
        const previous = (await repository.listContributors(trx, actor.authorityId, assessment.id, episode.id)).find(item => item.userId === colleague.id)
        const elementKeys = [...new Set([...(previous?.elementKeys ?? []), ...input.elementKeys])]
        const now = clock.now()
        await repository.addContributorMember(trx, { authorityId: actor.authorityId, episodeId: episode.id, userId: colleague.id, agencyId: colleague.agencyId, addedByUserId: actor.userId, at: now })
        await repository.saveContributor(trx, { authorityId: actor.authorityId, assessmentId: assessment.id, userId: colleague.id, elementKeys, message: input.message, invitedByUserId: actor.userId, at: now })
        const inviter = (await repository.findUserName(trx, actor.authorityId, actor.userId)) ?? 'A colleague'
        await enqueueEmail(
          trx,
          {
            authorityId: actor.authorityId,
            recipient: colleague.email,
            subject: 'You have been asked to add to an early help assessment',
            bodyText: [
              `${inviter} has asked you to add to an early help assessment in OneStory.`,
              '',
              'Sign in to see which parts you are asked to complete and any message for you:',
              `${config.baseUrl}${paths.assessments.overview(episode.id)}`,
              '',
              'For privacy, this email does not say who the assessment is about.',
            ].join('\n'),
          },
          mailOptions(),
        )
        note.details = { episodeId: episode.id, change: 'contributor invited', contributorUserId: colleague.id, elementKeys }
        return { name: colleague.name }
      },
      { lock: true },
    )
  }

  /** A contributor says they have finished their part. */
  async function markContributionDone(context: RequestContext, episodeId: string): Promise<void> {
    return withAssessment(context, 'assessment.edit', episodeId, async loaded => {
      const { trx, actor, note } = loaded
      if (!loaded.assessment) throw new NotFoundError('The assessment has not been started yet.')
      const done = await repository.markContributionDone(trx, actor.authorityId, loaded.assessment.id, actor.userId, clock.now())
      if (!done) throw new DomainRuleError('You have not been asked to add to this assessment, so there is no part of yours to mark as done.', 'main-content')
      note.details = { episodeId: loaded.episode.id, change: 'contribution done' }
    })
  }

  /**
   * The record-level check alone, for the API before it validates a body: refuses (and audits) an actor who may not do
   * this to the episode's assessment. Answers 404 for an episode that does not exist.
   */
  async function ensureAllowed(context: RequestContext, action: Action, episodeId: string): Promise<void> {
    const actor = practitionerOf(context)
    if (!isUuid(episodeId)) throw new NotFoundError('There is no such episode.')
    await access.transaction(context, async trx => {
      const episode = await repository.findEpisode(trx, actor.authorityId, episodeId.toLowerCase())
      if (!episode) throw new NotFoundError('There is no such episode.')
      const relationship = await findEpisodeRelationship(trx, actor.authorityId, episode.id, actor.userId)
      const request: AccessRequest = { action, resource: { authorityId: actor.authorityId, relationship }, recordType: 'episode', recordId: episode.id }
      const decision = access.decide(actor, action, request.resource)
      if (!decision.allowed) throw new DeniedWithin(request, decision.reason)
    })
  }

  return { view, domain, element, start, saveStep, saveElement, inviteForm, invite, markContributionDone, ensureAllowed }
}

function isoDay(date: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(date)
}
