import type { Kysely, Transaction } from 'kysely'
import type { Config } from '../../config.ts'
import type { Database } from '../../db/schema.ts'
import type { Clock } from '../../lib/clock.ts'
import { ConflictError, DomainRuleError, NotFoundError, UnauthenticatedError } from '../../lib/errors.ts'
import { isUuid } from '../../lib/ids.ts'
import { DeniedWithin, type Access, type AccessRequest, type AuditNote } from '../../policy/access.ts'
import type { PractitionerActor, RequestContext } from '../../policy/actor.ts'
import type { Action, RecordRelationship } from '../../policy/policy.ts'
import { paths } from '../../paths.ts'
import { enqueueEmail } from '../outbox/emails.ts'
import { findEpisodeRelationship, hasConsentToAssess } from '../episodes/episodes.service.ts'
import * as repository from './assessment-completion.repository.ts'
import { readyForSignOff, type MissingStep } from './assessments.service.ts'
import type { ApprovalForm, SignOffInput } from './assessment-completion.schemas.ts'

export type { ApprovalQueueItem, CompletionAssessment, FamilyCopyRecord } from './assessment-completion.repository.ts'

export type AssessmentCompletionService = ReturnType<typeof createAssessmentCompletionService>

export type { MissingStep }

/**
 * The sign-off rule, from the recording feature (readyForSignOff in assessments.service.ts): basic details (the date
 * of the discussion and the reason) and the conclusions (with the family's agreement, and the differences of opinion
 * when they do not fully agree) are required; no element is mandatory.
 */
export function missingForSignOff(
  assessment: Pick<repository.CompletionAssessment, 'discussionDate' | 'reason' | 'conclusions' | 'familyAgreement' | 'differencesOfOpinion'>,
): MissingStep[] {
  return readyForSignOff(assessment, [])
}

/** Sign-off refused because steps are missing: nothing changed. */
export class MissingStepsError extends DomainRuleError {
  constructor(readonly missing: MissingStep[]) {
    super('You cannot sign off this assessment yet: some required steps are not recorded', 'outcome')
  }
}

/** Someone else saved the assessment after this form was opened: nothing changed; `current` is what is saved now. */
export class StaleAssessmentError extends ConflictError {
  constructor(
    message: string,
    readonly current: repository.CompletionAssessment,
  ) {
    super(message)
  }
}

export type Loaded = {
  episode: NonNullable<Awaited<ReturnType<typeof repository.findEpisodeSummary>>>
  assessment: repository.CompletionAssessment
  actor: PractitionerActor
  request: AccessRequest
}

/**
 * Loads an episode's assessment for an action, deciding with the actor's relationship read in the same transaction:
 * the team (episode_members) for view/sign-off, or managesAssessor for approval. Malformed and other authorities' ids
 * are 404; a refusal rolls back and is audited as denied. Shared by the completion and family-copy services.
 */
export function createAssessmentAccess(deps: { access: Access }) {
  const { access } = deps

  function practitionerOf(context: RequestContext): PractitionerActor {
    const actor = context.actor
    if (actor.kind !== 'practitioner') throw new UnauthenticatedError('Sign in to continue.')
    return actor
  }

  function deny(request: AccessRequest, reason: string): never {
    throw new DeniedWithin(request, reason)
  }

  async function load(trx: Transaction<Database>, context: RequestContext, action: Action, episodeId: string, options: { lock?: boolean; purpose?: string } = {}): Promise<Loaded> {
    const actor = practitionerOf(context)
    const authorityId = actor.authorityId
    if (!isUuid(episodeId)) throw new NotFoundError('There is no such episode.')
    const episode = await repository.findEpisodeSummary(trx, authorityId, episodeId)
    if (!episode) throw new NotFoundError('There is no such episode.')
    const base = { action, recordType: 'assessment', recordId: episodeId, ...(options.purpose ? { purpose: options.purpose } : {}) }
    let relationship: RecordRelationship
    let assessment: repository.CompletionAssessment | undefined
    if (action === 'assessment.approve') {
      // The role first (a non-manager learns nothing about the assessment), then the record.
      const roleOnly = access.decide(actor, action, { authorityId, relationship: { onTeam: false, managesAssessor: true } })
      if (!roleOnly.allowed) deny({ ...base, resource: { authorityId, relationship: { onTeam: false } } }, roleOnly.reason)
      assessment = await repository.findAssessmentByEpisode(trx, authorityId, episodeId)
      if (!assessment) throw new NotFoundError('No assessment has been started for this episode.')
      relationship = { onTeam: false, managesAssessor: await repository.managesAssessor(trx, authorityId, actor.userId, { userId: assessment.assessorUserId, agencyId: assessment.assessorAgencyId }) }
    } else {
      relationship = await findEpisodeRelationship(trx, authorityId, episodeId, actor.userId)
    }
    const request: AccessRequest = { ...base, resource: { authorityId, relationship } }
    const decision = access.decide(actor, action, request.resource)
    if (!decision.allowed) deny(request, decision.reason)
    if (!assessment) {
      assessment = await repository.findAssessmentByEpisode(trx, authorityId, episodeId)
      if (!assessment) throw new NotFoundError('No assessment has been started for this episode.')
    }
    if (options.lock) {
      await repository.lockAssessment(trx, authorityId, assessment.id)
      assessment = (await repository.findAssessmentByEpisode(trx, authorityId, episodeId)) ?? assessment
    }
    return { episode, assessment, actor, request: { ...request, recordId: assessment.id } }
  }

  /** Loads, runs the work, and audits it as allowed, in one transaction. */
  async function withAssessment<T>(
    context: RequestContext,
    action: Action,
    episodeId: string,
    work: (trx: Transaction<Database>, loaded: Loaded, note: AuditNote) => Promise<T>,
    options: { lock?: boolean; purpose?: string } = {},
  ): Promise<T> {
    return access.transaction(context, async trx => {
      const loaded = await load(trx, context, action, episodeId, options)
      const note: AuditNote = {}
      const result = await work(trx, loaded, note)
      await access.assertWithin(trx, context, loaded.request, note)
      return result
    })
  }

  /** Refuses (audited) when the actor may not do this to the episode's assessment; does nothing otherwise. */
  async function ensureAllowed(context: RequestContext, action: Action, episodeId: string): Promise<void> {
    await access.transaction(context, async trx => {
      await load(trx, context, action, episodeId)
    })
  }

  return { practitionerOf, load, withAssessment, ensureAllowed, deny }
}

export type CompletionPage = {
  episode: Loaded['episode']
  assessment: repository.CompletionAssessment
  missing: MissingStep[]
  isAssessor: boolean
  approvalRequired: boolean
  consentToAssess: boolean
  copies: repository.FamilyCopyRecord[]
  managers: { name: string }[]
}

/**
 * Completing a common assessment: the outcome and the assessor's sign-off, the manager's approval where the authority
 * asks for it, and moving the episode on once the assessment is complete.
 */
export function createAssessmentCompletionService(deps: { db: Kysely<Database>; clock: Clock; access: Access; config: Config }) {
  const { db, clock, access, config } = deps
  const assessments = createAssessmentAccess({ access })
  const mailOptions = () => ({ at: clock.now(), smtpConfigured: config.smtpUrl !== undefined, domain: new URL(config.baseUrl).hostname })

  /** What the outcome and sign-off page shows (audited as a read of the assessment). */
  async function completionPage(context: RequestContext, episodeId: string): Promise<CompletionPage> {
    return assessments.withAssessment(context, 'assessment.view', episodeId, async (trx, { episode, assessment, actor }, note) => {
      note.details = { page: 'outcome' }
      const approvalRequired = await repository.authorityRequiresApproval(trx, actor.authorityId)
      const managers = await repository.listManagersOf(trx, actor.authorityId, { userId: assessment.assessorUserId, agencyId: assessment.assessorAgencyId })
      return {
        episode,
        assessment,
        missing: missingForSignOff(assessment),
        isAssessor: assessment.assessorUserId === actor.userId,
        approvalRequired,
        consentToAssess: await hasConsentToAssess(trx, actor.authorityId, episodeId),
        copies: await repository.listFamilyCopies(trx, actor.authorityId, assessment.id),
        managers: managers.map(manager => ({ name: manager.name })),
      }
    })
  }

  /**
   * The assessor signs off with the outcome and completion date. Refused (nothing changes) when it is not theirs to
   * sign, when steps are missing, without consent, or when the version is stale. Then: waiting for a manager's approval
   * (the managers are emailed a link), or complete (the episode moves on).
   */
  async function signOff(context: RequestContext, episodeId: string, input: SignOffInput) {
    return assessments.withAssessment(
      context,
      'assessment.sign-off',
      episodeId,
      async (trx, { assessment, actor, request }, note) => {
        const authorityId = actor.authorityId
        if (assessment.assessorUserId !== actor.userId) assessments.deny(request, 'only the assessor signs off')
        if (assessment.status === 'awaiting_approval') throw new DomainRuleError('This assessment is already signed off and is waiting for a manager’s approval', 'outcome')
        if (assessment.status === 'completed') throw new DomainRuleError('This assessment is already complete', 'outcome')
        if (assessment.version !== input.version) throw new StaleAssessmentError('Someone else changed this assessment after you opened this page', assessment)
        if (!(await hasConsentToAssess(trx, authorityId, episodeId))) {
          throw new DomainRuleError('There is no consent to the assessment now (it may have been withdrawn), so it cannot be signed off', 'outcome')
        }
        const missing = missingForSignOff(assessment)
        if (missing.length > 0) throw new MissingStepsError(missing)
        if (input.completionDate > clock.now().toISOString().slice(0, 10)) throw new DomainRuleError('The completion date must be today or in the past', 'completionDate-day')
        if (assessment.discussionDate && input.completionDate < assessment.discussionDate) {
          throw new DomainRuleError('The completion date must be on or after the date of the discussion', 'completionDate-day')
        }
        const approvalRequired = await repository.authorityRequiresApproval(trx, authorityId)
        const status = approvalRequired ? 'awaiting_approval' : 'completed'
        const now = clock.now()
        const saved = await repository.signOffAssessment(trx, authorityId, assessment.id, input.version, {
          outcome: input.outcome,
          completionDate: input.completionDate,
          signedOffByUserId: actor.userId,
          at: now,
          status,
          approvedByUserId: null,
        })
        if (!saved) throw new StaleAssessmentError('Someone else changed this assessment after you opened this page', assessment)
        let managersTold = 0
        if (status === 'completed') {
          await repository.moveEpisodeOn(trx, authorityId, episodeId, input.outcome, now)
        } else {
          const managers = await repository.listManagersOf(trx, authorityId, { userId: assessment.assessorUserId, agencyId: assessment.assessorAgencyId })
          for (const manager of managers) {
            await enqueueEmail(
              trx,
              {
                authorityId,
                recipient: manager.email,
                subject: 'An early help assessment is waiting for your approval',
                bodyText: [
                  `${actor.name} has signed off an early help assessment and it needs your approval.`,
                  '',
                  'Open it in OneStory to approve it, or to return it with your comments:',
                  `${config.baseUrl}${paths.assessmentCompletion.approval(episodeId)}`,
                  '',
                  `Every assessment waiting for you: ${config.baseUrl}${paths.assessmentCompletion.awaitingApproval()}`,
                ].join('\n'),
              },
              mailOptions(),
            )
            managersTold++
          }
        }
        note.details = { outcome: input.outcome, status, managersTold }
        return { status, managersTold }
      },
      { lock: true, purpose: 'sign off' },
    )
  }

  /** The assessments waiting for the actor's approval (managers only). */
  async function approvalQueue(context: RequestContext): Promise<repository.ApprovalQueueItem[]> {
    const actor = assessments.practitionerOf(context)
    return access.run(context, { action: 'assessment.approval-list', resource: { authorityId: actor.authorityId }, recordType: 'assessment' }, async (trx, note) => {
      const items = await repository.listAwaitingApproval(trx, actor.authorityId, actor.userId)
      note.details = { count: items.length }
      return items
    })
  }

  /** How many assessments wait for the actor's approval: a count, not personal data (0 for non-managers). */
  async function countAwaitingApproval(context: RequestContext): Promise<number> {
    const actor = context.actor
    if (actor.kind !== 'practitioner' || !actor.roles.has('manager')) return 0
    return (await repository.listAwaitingApproval(db, actor.authorityId, actor.userId)).length
  }

  /** What the manager reads before deciding (audited as assessment.approve with the purpose "review"). */
  async function approvalPage(context: RequestContext, episodeId: string) {
    return assessments.withAssessment(context, 'assessment.approve', episodeId, async (_trx, { episode, assessment }) => ({ episode, assessment }), { purpose: 'review before approval' })
  }

  /** The manager approves (complete; the episode moves on) or returns the assessment with comments (the assessor is told). */
  async function decideApproval(context: RequestContext, episodeId: string, input: ApprovalForm) {
    return assessments.withAssessment(
      context,
      'assessment.approve',
      episodeId,
      async (trx, { assessment, actor }, note) => {
        const authorityId = actor.authorityId
        if (assessment.status !== 'awaiting_approval') {
          throw new DomainRuleError(
            assessment.status === 'completed' ? 'This assessment is already approved and complete' : 'This assessment is not waiting for approval: the assessor has not signed it off',
            'decision',
          )
        }
        if (assessment.version !== input.version) throw new StaleAssessmentError('Someone else changed this assessment after you opened this page', assessment)
        const now = clock.now()
        const decision = input.decision === 'approve' ? { kind: 'approve' as const, userId: actor.userId, at: now } : { kind: 'return' as const, userId: actor.userId, at: now, comments: input.comments }
        if (!(await repository.decideApproval(trx, authorityId, assessment.id, input.version, decision))) {
          throw new StaleAssessmentError('Someone else changed this assessment after you opened this page', assessment)
        }
        if (input.decision === 'approve' && assessment.outcome) {
          await repository.moveEpisodeOn(trx, authorityId, episodeId, assessment.outcome, now)
        }
        if (input.decision === 'return') {
          const assessor = await repository.findActiveUserEmail(trx, authorityId, assessment.assessorUserId)
          if (assessor) {
            await enqueueEmail(
              trx,
              {
                authorityId,
                recipient: assessor.email,
                subject: 'Your early help assessment has been returned with comments',
                bodyText: [
                  `${actor.name} has returned an early help assessment you signed off, with comments.`,
                  '',
                  'Read the comments and change the assessment in OneStory, then sign it off again:',
                  `${config.baseUrl}${paths.assessmentCompletion.outcome(episodeId)}`,
                ].join('\n'),
              },
              mailOptions(),
            )
          }
        }
        note.details = { decision: input.decision }
        return { status: input.decision === 'approve' ? ('completed' as const) : ('returned' as const) }
      },
      { lock: true, purpose: input.decision === 'approve' ? 'approve' : 'return with comments' },
    )
  }

  /** The status after a change, for the API (read inside the caller's already-audited operation: not audited again). */
  async function statusOf(context: RequestContext, episodeId: string) {
    const actor = assessments.practitionerOf(context)
    return db.transaction().execute(async trx => {
      const assessment = await repository.findAssessmentByEpisode(trx, actor.authorityId, episodeId)
      const episode = await repository.findEpisodeSummary(trx, actor.authorityId, episodeId)
      if (!assessment || !episode) throw new NotFoundError('No assessment has been started for this episode.')
      return { assessment, episode }
    })
  }

  return {
    completionPage,
    signOff,
    approvalQueue,
    countAwaitingApproval,
    approvalPage,
    decideApproval,
    statusOf,
    ensureAllowed: assessments.ensureAllowed,
  }
}

/**
 * For the recording pages (assessments.*): the manager's return, to show prominently on the assessment page while the
 * assessment is `returned`. Call inside your own (already authorised) transaction.
 */
export async function findReturnNotice(db: Kysely<Database> | Transaction<Database>, authorityId: string, episodeId: string) {
  const assessment = await repository.findAssessmentByEpisode(db, authorityId, episodeId)
  if (!assessment || assessment.status !== 'returned') return undefined
  return { returnedByName: assessment.returnedByName, returnedAt: assessment.returnedAt, comments: assessment.returnComments ?? '' }
}
