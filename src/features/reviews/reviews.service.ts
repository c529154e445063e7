import type { Kysely, Transaction } from 'kysely'
import type { Config } from '../../config.ts'
import type { Database } from '../../db/schema.ts'
import type { Clock } from '../../lib/clock.ts'
import { ConflictError, DomainRuleError, NotFoundError, UnauthenticatedError } from '../../lib/errors.ts'
import { isUuid, uuidv7 } from '../../lib/ids.ts'
import { DeniedWithin, type Access, type AccessRequest, type AuditNote } from '../../policy/access.ts'
import type { PractitionerActor, RequestContext } from '../../policy/actor.ts'
import type { Action, RecordRelationship } from '../../policy/policy.ts'
import { paths } from '../../paths.ts'
import { addDays, ukDateOf } from '../../lib/dates.ts'
import { enqueueEmail } from '../outbox/emails.ts'
import { findEpisodeRelationship } from '../episodes/episodes.service.ts'
import { findEpisodeSummary, type EpisodeSummary } from '../episodes/episode-summary.ts'
import { readEarlyHelpSettings } from '../team/early-help-settings.ts'
import { listManagersOf, managesAssessor } from '../assessments/assessment-completion.repository.ts'
import { listCurrentLeads } from '../team/team.repository.ts'
import * as repository from './reviews.repository.ts'
import { scoreField, type ClosureDecisionForm, type ClosureInput, type ReviewInput, type ScoreInput } from './reviews.schemas.ts'

export type { ClosureQueueItem, ClosureRecord, PlanActionRecord, PlanNeedRecord, ReviewDue, ReviewRecord } from './reviews.repository.ts'

/**
 * For "my work" and the coordinator's dashboard: open episodes at the support stage whose review is due within
 * `withinDays` (default 14) of `today` ('YYYY-MM-DD'), overdue ones included and marked, earliest first. With `userId`:
 * the episodes that user leads (or owns, while no lead professional is appointed). Call it after your own access check.
 */
export { listReviewsDue } from './reviews.repository.ts'

export type ReviewService = ReturnType<typeof createReviewService>

/** Someone changed what this form was based on after it was opened: nothing was saved. */
export class StaleReviewError extends ConflictError {
  constructor(
    message: string,
    readonly current: { actions?: repository.PlanActionRecord[]; episodeVersion?: number; closure?: repository.ClosureRecord },
  ) {
    super(message)
  }
}

/** An element and subject that can be scored: the elements of the episode's assessment template, per child or family. */
export type DistanceItem = { elementKey: string; subject: string; elementTitle: string; domainTitle: string; subjectName: string | null }

export type DistanceHistory = {
  items: DistanceItem[]
  start: Map<string, number>
  reviews: { id: string; heldOn: string; scores: Map<string, number> }[]
  closure: Map<string, number> | null
}

export function scoreKey(elementKey: string, subject: string): string {
  return `${elementKey}__${subject}`
}

/** The most recent score of an element: the last review that scored it, or the assessment at the start. */
export function previousScore(history: DistanceHistory, key: string): { score: number; when: string | null } | undefined {
  for (let index = history.reviews.length - 1; index >= 0; index--) {
    const score = history.reviews[index]?.scores.get(key)
    if (score !== undefined) return { score, when: history.reviews[index]?.heldOn ?? null }
  }
  const start = history.start.get(key)
  return start === undefined ? undefined : { score: start, when: null }
}

export type ReviewSchedule = {
  reviewWeeks: number
  ownCadence: boolean
  defaultWeeks: number
  nextReviewOn: string | null
  overdue: boolean
  lastReviewOn: string | null
}

export type ReviewsOverview = {
  summary: EpisodeSummary
  episode: repository.ReviewEpisode
  schedule: ReviewSchedule
  reviews: repository.ReviewRecord[]
  history: DistanceHistory
  closure: repository.ClosureRecord | undefined
  closureApprovalRequired: boolean
  previousEpisode: { id: string; reference: string; closedAt: Date | null } | null
}

/**
 * Reviews (cadence, next review date, re-scoring Distance Travelled with the family, progress on actions and needs,
 * the decision) and closing an episode (reason, final scores, summary for the family, the manager's approval where
 * the authority asks for it). Every read and write goes through the access layer with the actor's relationship to the
 * episode read inside the same transaction.
 */
export function createReviewService(deps: { db: Kysely<Database>; clock: Clock; access: Access; config: Config }) {
  const { clock, access, config } = deps
  const mailOptions = () => ({ at: clock.now(), smtpConfigured: config.smtpUrl !== undefined, domain: new URL(config.baseUrl).hostname })

  function practitionerOf(context: RequestContext): PractitionerActor {
    const actor = context.actor
    if (actor.kind !== 'practitioner') throw new UnauthenticatedError('Sign in to continue.')
    return actor
  }

  type Loaded = { trx: Transaction<Database>; actor: PractitionerActor; episode: repository.ReviewEpisode; note: AuditNote; request: AccessRequest }

  /**
   * Loads the episode (404 outside the actor's authority or for a malformed id), decides the action with the actor's
   * relationship to it (for closure approval: the manager of the lead professional), runs the work and audits it, in
   * one transaction. A refusal rolls back and is audited as denied.
   */
  async function withEpisode<T>(context: RequestContext, action: Action, episodeId: string, work: (loaded: Loaded) => Promise<T>, options: { lock?: boolean; recordType?: string; purpose?: string; auditAllowed?: boolean } = {}): Promise<T> {
    const actor = practitionerOf(context)
    const authorityId = actor.authorityId
    if (!isUuid(episodeId)) throw new NotFoundError('There is no such episode.')
    return access.transaction(context, async trx => {
      const base = { action, recordType: options.recordType ?? 'episode', recordId: episodeId, ...(options.purpose ? { purpose: options.purpose } : {}) }
      if (action === 'episode.approve-closure') {
        // The role first: someone without it learns nothing about the episode, not even that it exists.
        const roleOnly = access.decide(actor, action, { authorityId, relationship: { onTeam: false, managesAssessor: true } })
        if (!roleOnly.allowed) throw new DeniedWithin({ ...base, resource: { authorityId, relationship: { onTeam: false } } }, roleOnly.reason)
      }
      if (options.lock && !(await repository.lockEpisode(trx, authorityId, episodeId))) throw new NotFoundError('There is no such episode.')
      const episode = await repository.findEpisode(trx, authorityId, episodeId)
      if (!episode) throw new NotFoundError('There is no such episode.')
      const relationship: RecordRelationship =
        action === 'episode.approve-closure'
          ? { onTeam: false, managesAssessor: await managesLead(trx, authorityId, actor.userId, episodeId) }
          : await findEpisodeRelationship(trx, authorityId, episodeId, actor.userId)
      const request: AccessRequest = { ...base, resource: { authorityId, relationship } }
      const decision = access.decide(actor, action, request.resource)
      if (!decision.allowed) throw new DeniedWithin(request, decision.reason)
      const note: AuditNote = {}
      const result = await work({ trx, actor, episode, note, request })
      if (options.auditAllowed !== false) await access.assertWithin(trx, context, request, note)
      return result
    })
  }

  /**
   * Whose manager approves a closure: the current lead professional(s); with none appointed, whoever asked to close;
   * before anyone asked, the practitioner who started the episode.
   */
  async function closureResponsible(trx: Transaction<Database>, authorityId: string, episodeId: string): Promise<{ userId: string; agencyId: string | null }[]> {
    const leads = await listCurrentLeads(trx, authorityId, episodeId)
    if (leads.length > 0) return leads.map(lead => ({ userId: lead.userId, agencyId: lead.agencyId }))
    const closure = await repository.findClosure(trx, authorityId, episodeId)
    if (closure) return [{ userId: closure.requestedByUserId, agencyId: null }]
    const starter = await repository.findEpisodeStarter(trx, authorityId, episodeId)
    return starter ? [starter] : []
  }

  async function managesLead(trx: Transaction<Database>, authorityId: string, userId: string, episodeId: string): Promise<boolean> {
    for (const person of await closureResponsible(trx, authorityId, episodeId)) {
      if (await managesAssessor(trx, authorityId, userId, person)) return true
    }
    return false
  }

  function refuseIfClosed(episode: repository.ReviewEpisode, field = 'main-content') {
    if (episode.status === 'closed') throw new DomainRuleError('This episode is closed, so nothing on it can be changed.', field)
  }

  // ---- reading -------------------------------------------------------------------------------------------------

  async function distanceHistory(trx: Transaction<Database>, authorityId: string, episode: repository.ReviewEpisode, reviews: repository.ReviewRecord[]): Promise<DistanceHistory> {
    const assessment = await repository.findAssessment(trx, authorityId, episode.id)
    const templateVersionId = assessment?.templateVersionId ?? episode.templateVersionId
    const content = templateVersionId ? await repository.findTemplateContent(trx, authorityId, templateVersionId) : undefined
    const children = await repository.listEpisodeChildren(trx, authorityId, episode.id)
    const items: DistanceItem[] = []
    for (const domain of content?.domains ?? []) {
      const subjects = domain.scope === 'family' ? [{ subject: 'family', name: null }] : children.map(child => ({ subject: child.id, name: `${child.givenNames} ${child.familyName}` }))
      for (const { subject, name } of subjects) {
        for (const element of domain.elements) items.push({ elementKey: element.key, subject, elementTitle: element.title, domainTitle: domain.title, subjectName: name })
      }
    }
    const start = new Map<string, number>()
    if (assessment) {
      for (const row of await repository.listStartScores(trx, authorityId, assessment.id)) {
        if (row.score !== null) start.set(scoreKey(row.elementKey, row.subject), row.score)
      }
    }
    const scores = await repository.listDistanceScores(trx, authorityId, episode.id)
    const completed = reviews.filter(review => review.status === 'completed')
    const byReview = new Map(completed.map(review => [review.id, new Map<string, number>()]))
    let closure: Map<string, number> | null = null
    for (const score of scores) {
      if (score.occasion === 'review' && score.reviewId) byReview.get(score.reviewId)?.set(scoreKey(score.elementKey, score.subject), score.score)
      if (score.occasion === 'closure') (closure ??= new Map()).set(scoreKey(score.elementKey, score.subject), score.score)
    }
    return { items, start, reviews: completed.map(review => ({ id: review.id, heldOn: review.heldOn, scores: byReview.get(review.id) ?? new Map() })), closure }
  }

  async function scheduleOf(trx: Transaction<Database>, authorityId: string, episode: repository.ReviewEpisode, reviews: repository.ReviewRecord[]): Promise<ReviewSchedule> {
    const defaultWeeks = (await readEarlyHelpSettings(trx, authorityId)).reviewWeeks
    const reviewWeeks = episode.reviewWeeks ?? defaultWeeks
    const lastReviewOn = reviews.filter(review => review.status === 'completed').at(-1)?.heldOn ?? null
    let nextReviewOn = episode.nextReviewOn
    if (!nextReviewOn && episode.status === 'support') {
      const base = lastReviewOn ?? (await repository.findAssessment(trx, authorityId, episode.id))?.completionDate ?? null
      nextReviewOn = base ? addDays(base, reviewWeeks * 7) : null
    }
    if (episode.status === 'closed') nextReviewOn = null
    const today = ukDateOf(clock.now())
    return { reviewWeeks, ownCadence: episode.reviewWeeks !== null, defaultWeeks, nextReviewOn, overdue: nextReviewOn !== null && nextReviewOn < today, lastReviewOn }
  }

  async function loadOverview(trx: Transaction<Database>, authorityId: string, episode: repository.ReviewEpisode): Promise<ReviewsOverview> {
    const summary = await findEpisodeSummary(trx, authorityId, episode.id)
    if (!summary) throw new NotFoundError('There is no such episode.')
    const reviews = await repository.listReviews(trx, authorityId, episode.id)
    const previous = episode.previousEpisodeId ? await repository.findEpisode(trx, authorityId, episode.previousEpisodeId) : undefined
    return {
      summary,
      episode,
      schedule: await scheduleOf(trx, authorityId, episode, reviews),
      reviews,
      history: await distanceHistory(trx, authorityId, episode, reviews),
      closure: await repository.findClosure(trx, authorityId, episode.id),
      closureApprovalRequired: (await readEarlyHelpSettings(trx, authorityId)).closureApprovalRequired,
      previousEpisode: previous ? { id: previous.id, reference: previous.reference, closedAt: previous.closedAt } : null,
    }
  }

  /** The reviews page: cadence, next review, the reviews held, the Distance Travelled summary and the closure. */
  async function overview(context: RequestContext, episodeId: string, purpose?: string): Promise<ReviewsOverview> {
    return withEpisode(context, 'review.view', episodeId, async ({ trx, actor, episode }) => loadOverview(trx, actor.authorityId, episode), { recordType: 'reviews', ...(purpose ? { purpose } : {}) })
  }

  async function review(context: RequestContext, episodeId: string, reviewId: string) {
    return withEpisode(
      context,
      'review.view',
      episodeId,
      async ({ trx, actor, episode, note }) => {
        if (!isUuid(reviewId)) throw new NotFoundError('There is no such review.')
        const found = await repository.findReview(trx, actor.authorityId, episode.id, reviewId.toLowerCase())
        if (!found) throw new NotFoundError('There is no such review.')
        note.recordId = found.id
        const overviewData = await loadOverview(trx, actor.authorityId, episode)
        const progress = await repository.listReviewProgress(trx, actor.authorityId, found.id)
        const actions = await repository.listPlanActions(trx, actor.authorityId, episode.id)
        const needs = await repository.listPlanNeeds(trx, actor.authorityId, episode.id)
        const meetings = await repository.listMeetings(trx, actor.authorityId, episode.id)
        return { ...overviewData, review: found, progress, actions, needs, meeting: meetings.find(meeting => meeting.id === found.meetingId) ?? null }
      },
      { recordType: 'review' },
    )
  }

  // ---- cadence -------------------------------------------------------------------------------------------------

  async function cadencePage(context: RequestContext, episodeId: string) {
    return withEpisode(context, 'review.record', episodeId, async ({ trx, actor, episode }) => loadOverview(trx, actor.authorityId, episode), { recordType: 'reviews', purpose: 'change the review cadence' })
  }

  /** Sets the weeks between reviews (3–12); the next review moves to the last review (or the start of support) plus that. */
  async function setCadence(context: RequestContext, episodeId: string, input: { reviewWeeks: number; version: number }) {
    return withEpisode(
      context,
      'review.record',
      episodeId,
      async ({ trx, actor, episode, note }) => {
        refuseIfClosed(episode, 'reviewWeeks')
        if (episode.version !== input.version) throw new StaleReviewError('Someone else changed this episode after you opened this page', { episodeVersion: episode.version })
        const reviews = await repository.listReviews(trx, actor.authorityId, episode.id)
        const lastReviewOn = reviews.filter(item => item.status === 'completed').at(-1)?.heldOn ?? null
        const base = lastReviewOn ?? (episode.status === 'support' ? ((await repository.findAssessment(trx, actor.authorityId, episode.id))?.completionDate ?? null) : null)
        const nextReviewOn = base ? addDays(base, input.reviewWeeks * 7) : null
        const saved = await repository.setReviewSchedule(trx, actor.authorityId, episode.id, { reviewWeeks: input.reviewWeeks, nextReviewOn, bumpVersion: true }, input.version)
        if (!saved) throw new StaleReviewError('Someone else changed this episode after you opened this page', { episodeVersion: episode.version })
        note.details = { change: 'review cadence', reviewWeeks: input.reviewWeeks, nextReviewOn }
        return { nextReviewOn }
      },
      { lock: true, recordType: 'reviews' },
    )
  }

  // ---- recording a review --------------------------------------------------------------------------------------

  /** What the review form shows: every element with its previous score, the plan's actions and needs, the meetings. */
  async function reviewForm(context: RequestContext, episodeId: string) {
    return withEpisode(
      context,
      'review.record',
      episodeId,
      async ({ trx, actor, episode }) => {
        const data = await loadOverview(trx, actor.authorityId, episode)
        return {
          ...data,
          actions: await repository.listPlanActions(trx, actor.authorityId, episode.id),
          needs: await repository.listPlanNeeds(trx, actor.authorityId, episode.id),
          meetings: await repository.listMeetings(trx, actor.authorityId, episode.id),
        }
      },
      { recordType: 'reviews', purpose: 'open the review form' },
    )
  }

  function checkScores(history: DistanceHistory, scores: ScoreInput[]) {
    const known = new Set(history.items.map(item => scoreKey(item.elementKey, item.subject)))
    for (const score of scores) {
      if (!known.has(scoreKey(score.elementKey, score.subject))) {
        throw new DomainRuleError('A score was for an element that is not part of this episode’s assessment. Reload the page and try again', scoreField(score.elementKey, score.subject))
      }
    }
  }

  /**
   * Records a completed review: the re-scored elements, progress on each action (the plan's action takes the status,
   * refused as stale if someone changed the action meanwhile) and each need's outcome, the family's views and the
   * decision. The next review moves to the review date plus the cadence.
   */
  async function recordReview(context: RequestContext, episodeId: string, input: ReviewInput): Promise<{ id: string; decision: ReviewInput['decision'] }> {
    const now = clock.now()
    const id = uuidv7(now.getTime())
    return withEpisode(
      context,
      'review.record',
      episodeId,
      async ({ trx, actor, episode, note }) => {
        const authorityId = actor.authorityId
        refuseIfClosed(episode)
        if (episode.status !== 'support') {
          throw new DomainRuleError('Reviews start once the assessment is complete and the family has support from the team: this episode is not at that stage yet.', 'main-content')
        }
        const today = ukDateOf(now)
        if (input.heldOn > today) throw new DomainRuleError('The date of the review must be today or in the past', 'heldOn-day')
        if (input.heldOn < ukDateOf(episode.startedAt)) throw new DomainRuleError('The date of the review must be on or after the day the episode started', 'heldOn-day')
        if (input.meetingId) {
          const meetings = await repository.listMeetings(trx, authorityId, episode.id)
          if (!meetings.some(meeting => meeting.id === input.meetingId)) throw new DomainRuleError('Choose a meeting of this episode', 'meetingId')
        }
        const reviews = await repository.listReviews(trx, authorityId, episode.id)
        const history = await distanceHistory(trx, authorityId, episode, reviews)
        checkScores(history, input.scores)
        const actions = await repository.listPlanActions(trx, authorityId, episode.id)
        const needs = await repository.listPlanNeeds(trx, authorityId, episode.id)
        for (const progress of input.actions) {
          if (!actions.some(action => action.id === progress.actionId)) throw new DomainRuleError('An action is not part of this family’s plan. Reload the page and try again', `action__${progress.actionId}`)
        }
        for (const progress of input.needs) {
          if (!needs.some(need => need.id === progress.needId)) throw new DomainRuleError('A need is not part of this family’s plan. Reload the page and try again', `need__${progress.needId}`)
        }
        const stale = input.actions.filter(progress => actions.find(action => action.id === progress.actionId)?.version !== progress.version)
        if (stale.length > 0) throw new StaleReviewError('Someone changed an action of the plan after you opened this review', { actions })

        await repository.insertReview(trx, {
          authorityId,
          id,
          episodeId: episode.id,
          meetingId: input.meetingId,
          heldOn: input.heldOn,
          summary: input.summary,
          familyViews: input.familyViews,
          decision: input.decision,
          decisionReason: input.decisionReason,
          recordedByUserId: actor.userId,
          at: now,
        })
        await repository.insertDistanceScores(
          trx,
          input.scores.map(score => ({ authorityId, id: uuidv7(now.getTime()), episodeId: episode.id, occasion: 'review' as const, reviewId: id, ...score, recordedByUserId: actor.userId, recordedAt: now })),
        )
        await repository.insertReviewProgress(trx, [
          ...input.actions.map(progress => ({ authorityId, reviewId: id, itemKind: 'action' as const, itemId: progress.actionId, progress: progress.status, comment: progress.comment })),
          ...input.needs.map(progress => ({ authorityId, reviewId: id, itemKind: 'need' as const, itemId: progress.needId, progress: progress.progress, comment: progress.comment })),
        ])
        let actionsChanged = 0
        for (const progress of input.actions) {
          const current = actions.find(action => action.id === progress.actionId)
          if (!current || current.status === progress.status) continue
          const saved = await repository.updateActionStatusFromReview(trx, {
            authorityId,
            episodeId: episode.id,
            actionId: progress.actionId,
            version: progress.version,
            status: progress.status,
            notDoneReason: progress.status === 'not_done' ? progress.comment : null,
            completedOn: progress.status === 'done' ? input.heldOn : null,
            historyId: uuidv7(now.getTime()),
            note: progress.comment ? `At the review: ${progress.comment}` : 'Status recorded at the review',
            byUserId: actor.userId,
            byName: actor.name,
            at: now,
          })
          if (!saved) throw new StaleReviewError('Someone changed an action of the plan after you opened this review', { actions })
          actionsChanged++
        }
        const weeks = episode.reviewWeeks ?? (await readEarlyHelpSettings(trx, authorityId)).reviewWeeks
        const nextReviewOn = addDays(input.heldOn, weeks * 7)
        await repository.setReviewSchedule(trx, authorityId, episode.id, { nextReviewOn, bumpVersion: false })
        note.recordId = id
        note.details = { episodeId: episode.id, decision: input.decision, scores: input.scores.length, actions: input.actions.length, actionsChanged, needs: input.needs.length, nextReviewOn }
        return { id, decision: input.decision }
      },
      { lock: true, recordType: 'review' },
    )
  }

  // ---- closure -------------------------------------------------------------------------------------------------

  async function closureForm(context: RequestContext, episodeId: string) {
    return withEpisode(context, 'episode.close', episodeId, async ({ trx, actor, episode }) => loadOverview(trx, actor.authorityId, episode), { recordType: 'closure', purpose: 'open the closure form' })
  }

  /**
   * Closes the episode (reason, final scores, the summary for the family), or, where the authority asks for it, asks the
   * lead professional's manager to approve the closure (they are emailed a link). Refused when the episode is closed
   * or already waiting for approval, or when the episode changed since the form was opened.
   */
  async function requestClosure(context: RequestContext, episodeId: string, input: ClosureInput): Promise<{ status: 'closed' | 'awaiting_approval'; managersTold: number }> {
    const now = clock.now()
    return withEpisode(
      context,
      'episode.close',
      episodeId,
      async ({ trx, actor, episode, note }) => {
        const authorityId = actor.authorityId
        refuseIfClosed(episode, 'reason')
        const existing = await repository.findClosure(trx, authorityId, episode.id)
        if (existing?.status === 'awaiting_approval') throw new DomainRuleError('The closure of this episode is already waiting for a manager’s approval', 'reason')
        if (episode.version !== input.version) throw new StaleReviewError('Someone else changed this episode after you opened this page', { episodeVersion: episode.version })
        const reviews = await repository.listReviews(trx, authorityId, episode.id)
        checkScores(await distanceHistory(trx, authorityId, episode, reviews), input.scores)
        const approvalRequired = (await readEarlyHelpSettings(trx, authorityId)).closureApprovalRequired
        const status = approvalRequired ? ('awaiting_approval' as const) : ('closed' as const)
        await repository.saveClosure(trx, { authorityId, episodeId: episode.id, reason: input.reason, reasonDetail: input.reasonDetail, summaryForFamily: input.summaryForFamily, status, requestedByUserId: actor.userId, at: now })
        await repository.deleteClosureScores(trx, authorityId, episode.id)
        await repository.insertDistanceScores(
          trx,
          input.scores.map(score => ({ authorityId, id: uuidv7(now.getTime()), episodeId: episode.id, occasion: 'closure' as const, reviewId: null, ...score, recordedByUserId: actor.userId, recordedAt: now })),
        )
        let managersTold = 0
        if (status === 'closed') {
          if (!(await repository.closeEpisode(trx, authorityId, episode.id, input.reason, now, input.version))) {
            throw new StaleReviewError('Someone else changed this episode after you opened this page', { episodeVersion: episode.version })
          }
        } else {
          if (!(await repository.bumpEpisodeVersion(trx, authorityId, episode.id, input.version))) {
            throw new StaleReviewError('Someone else changed this episode after you opened this page', { episodeVersion: episode.version })
          }
          const told = new Set<string>()
          for (const person of await closureResponsible(trx, authorityId, episode.id)) {
            for (const manager of await listManagersOf(trx, authorityId, person)) {
              if (told.has(manager.id) || manager.id === actor.userId) continue
              told.add(manager.id)
              await enqueueEmail(
                trx,
                {
                  authorityId,
                  recipient: manager.email,
                  subject: 'Closing an early help episode: your approval is needed',
                  bodyText: [
                    `${actor.name} has asked to close an early help episode (${episode.reference}) and it needs your approval.`,
                    '',
                    'Open it in OneStory to approve the closure, or to return it with your comments:',
                    `${config.baseUrl}${paths.reviews.closureApproval(episode.id)}`,
                  ].join('\n'),
                },
                mailOptions(),
              )
            }
          }
          managersTold = told.size
        }
        note.details = { reason: input.reason, status, finalScores: input.scores.length, managersTold }
        return { status, managersTold }
      },
      { lock: true, recordType: 'closure' },
    )
  }

  /** What the manager reads before deciding on a closure. */
  async function closureApprovalPage(context: RequestContext, episodeId: string) {
    return withEpisode(context, 'episode.approve-closure', episodeId, async ({ trx, actor, episode }) => loadOverview(trx, actor.authorityId, episode), { recordType: 'closure', purpose: 'review before approval' })
  }

  /** The manager approves (the episode closes) or returns the closure with comments (whoever asked is told). */
  async function decideClosure(context: RequestContext, episodeId: string, input: ClosureDecisionForm): Promise<{ status: 'closed' | 'returned' }> {
    const now = clock.now()
    return withEpisode(
      context,
      'episode.approve-closure',
      episodeId,
      async ({ trx, actor, episode, note }) => {
        const authorityId = actor.authorityId
        const closure = await repository.findClosure(trx, authorityId, episode.id)
        if (!closure || closure.status !== 'awaiting_approval') {
          throw new DomainRuleError(closure?.status === 'closed' ? 'This episode is already closed' : 'The closure of this episode is not waiting for approval', 'decision')
        }
        if (closure.version !== input.version) throw new StaleReviewError('Someone else changed this closure after you opened this page', { closure })
        const status = input.decision === 'approve' ? ('closed' as const) : ('returned' as const)
        if (!(await repository.decideClosure(trx, authorityId, episode.id, input.version, { status, userId: actor.userId, at: now, comment: input.decision === 'return' ? input.comment : null }))) {
          throw new StaleReviewError('Someone else changed this closure after you opened this page', { closure })
        }
        if (status === 'closed') await repository.closeEpisode(trx, authorityId, episode.id, closure.reason, now)
        const requester = await repository.findActiveUser(trx, authorityId, closure.requestedByUserId)
        if (requester) {
          await enqueueEmail(
            trx,
            {
              authorityId,
              recipient: requester.email,
              subject: status === 'closed' ? 'The closure of an early help episode was approved' : 'The closure of an early help episode was returned with comments',
              bodyText: [
                status === 'closed'
                  ? `${actor.name} approved closing the early help episode ${episode.reference}. It is now closed.`
                  : `${actor.name} returned your request to close the early help episode ${episode.reference}, with comments.`,
                '',
                `${config.baseUrl}${paths.reviews.list(episode.id)}`,
              ].join('\n'),
            },
            mailOptions(),
          )
        }
        note.details = { decision: input.decision }
        return { status }
      },
      { lock: true, recordType: 'closure', purpose: input.decision === 'approve' ? 'approve' : 'return with comments' },
    )
  }

  /** The closures waiting for the actor's approval (managers only: of the lead professional, or of whoever asked). */
  async function closureQueue(context: RequestContext): Promise<repository.ClosureQueueItem[]> {
    const actor = practitionerOf(context)
    return access.run(context, { action: 'closure.approval-list', resource: { authorityId: actor.authorityId }, recordType: 'closure' }, async (trx, note) => {
      const waiting = await repository.listClosuresAwaitingApproval(trx, actor.authorityId)
      const mine: repository.ClosureQueueItem[] = []
      for (const item of waiting) if (await managesLead(trx, actor.authorityId, actor.userId, item.episodeId)) mine.push(item)
      note.details = { count: mine.length }
      return mine
    })
  }

  /**
   * The access check alone, before a form or API body is read: refuses (and audits) an actor who may not do this to
   * the episode (404 for an episode that does not exist). An allowed check is not audited: the operation that follows is.
   */
  async function ensureAllowed(context: RequestContext, action: Action, episodeId: string): Promise<void> {
    await withEpisode(context, action, episodeId, async () => undefined, { recordType: action.startsWith('review') ? 'reviews' : 'closure', auditAllowed: false })
  }

  return { overview, review, cadencePage, setCadence, reviewForm, recordReview, closureForm, requestClosure, closureApprovalPage, decideClosure, closureQueue, ensureAllowed }
}
