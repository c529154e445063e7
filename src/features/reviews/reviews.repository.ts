import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { ClosureReason, EpisodeStatus, PlanActionStatus, ReviewDecision } from '../../db/schema.ts'
import { dateColumn } from '../../lib/dates.ts'
import type { TemplateContent } from '../assessments/template-content.ts'

// All Kysely code for reviews, Distance Travelled scores and closing an episode. Every query names its authority.

export type ReviewEpisode = {
  id: string
  reference: string
  status: EpisodeStatus
  startedAt: Date
  closedAt: Date | null
  outcome: string | null
  reviewWeeks: number | null
  nextReviewOn: string | null
  previousEpisodeId: string | null
  templateVersionId: string | null
  version: number
}

export async function findEpisode(db: Db, authorityId: string, episodeId: string): Promise<ReviewEpisode | undefined> {
  const row = await db
    .selectFrom('episodes')
    .select(['id', 'reference', 'status', 'startedAt', 'closedAt', 'outcome', 'reviewWeeks', 'nextReviewOn', 'previousEpisodeId', 'templateVersionId', 'version'])
    .where('authorityId', '=', authorityId)
    .where('id', '=', episodeId)
    .executeTakeFirst()
  if (!row) return undefined
  return { ...row, nextReviewOn: dateColumn(row.nextReviewOn as string | Date | null) }
}

/** Row lock on the episode: reviews, cadence changes and closure of one episode queue behind each other. */
export async function lockEpisode(db: Db, authorityId: string, episodeId: string): Promise<boolean> {
  const row = await db.selectFrom('episodes').select('id').where('authorityId', '=', authorityId).where('id', '=', episodeId).forUpdate().executeTakeFirst()
  return row !== undefined
}

export async function findDefaultReviewWeeks(db: Db, authorityId: string): Promise<number | undefined> {
  const row = await db.selectFrom('earlyHelpSettings').select('reviewWeeks').where('authorityId', '=', authorityId).executeTakeFirst()
  return row?.reviewWeeks
}

/** The episode's common assessment: its template version and the day it was completed (the start of support). */
export async function findAssessment(db: Db, authorityId: string, episodeId: string) {
  const row = await db
    .selectFrom('assessments')
    .select(['id', 'templateVersionId', 'completionDate', 'status'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .executeTakeFirst()
  if (!row) return undefined
  return { ...row, completionDate: dateColumn(row.completionDate as string | Date | null) }
}

export async function findTemplateContent(db: Db, authorityId: string, templateVersionId: string): Promise<TemplateContent | undefined> {
  const row = await db
    .selectFrom('assessmentTemplateVersions')
    .select('content')
    .where('authorityId', '=', authorityId)
    .where('id', '=', templateVersionId)
    .executeTakeFirst()
  return row ? (row.content as unknown as TemplateContent) : undefined
}

export async function listEpisodeChildren(db: Db, authorityId: string, episodeId: string) {
  return db
    .selectFrom('episodePeople as ep')
    .innerJoin('persons as p', join => join.onRef('p.authorityId', '=', 'ep.authorityId').onRef('p.id', '=', 'ep.personId'))
    .select(['p.id', 'p.givenNames', 'p.familyName'])
    .where('ep.authorityId', '=', authorityId)
    .where('ep.episodeId', '=', episodeId)
    .where('ep.role', '=', 'child')
    .orderBy('p.dateOfBirth')
    .orderBy('p.givenNames')
    .execute()
}

/** The scores at the start: the assessment's own practitioner scores, per element and subject. */
export async function listStartScores(db: Db, authorityId: string, assessmentId: string) {
  return db
    .selectFrom('assessmentElements')
    .select(['elementKey', 'subject', 'practitionerScore as score'])
    .where('authorityId', '=', authorityId)
    .where('assessmentId', '=', assessmentId)
    .where('practitionerScore', 'is not', null)
    .where('notAssessed', '=', false)
    .execute()
}

export type ScoreRecord = { occasion: 'review' | 'closure'; reviewId: string | null; elementKey: string; subject: string; score: number; recordedAt: Date }

export async function listDistanceScores(db: Db, authorityId: string, episodeId: string): Promise<ScoreRecord[]> {
  return db
    .selectFrom('distanceScores')
    .select(['occasion', 'reviewId', 'elementKey', 'subject', 'score', 'recordedAt'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .orderBy('recordedAt')
    .execute()
}

export async function insertDistanceScores(
  db: Db,
  rows: { authorityId: string; id: string; episodeId: string; occasion: 'review' | 'closure'; reviewId: string | null; elementKey: string; subject: string; score: number; recordedByUserId: string; recordedAt: Date }[],
) {
  if (rows.length === 0) return
  await db.insertInto('distanceScores').values(rows).execute()
}

export async function deleteClosureScores(db: Db, authorityId: string, episodeId: string) {
  await db.deleteFrom('distanceScores').where('authorityId', '=', authorityId).where('episodeId', '=', episodeId).where('occasion', '=', 'closure').execute()
}

export type ReviewRecord = {
  id: string
  episodeId: string
  meetingId: string | null
  heldOn: string
  status: 'draft' | 'completed'
  summary: string
  familyViews: string
  decision: ReviewDecision | null
  decisionReason: string | null
  recordedByUserId: string
  recordedByName: string | null
  createdAt: Date
  completedAt: Date | null
  version: number
}

function reviewsQuery(db: Db, authorityId: string) {
  return db
    .selectFrom('reviews as r')
    .leftJoin('users as u', join => join.onRef('u.authorityId', '=', 'r.authorityId').onRef('u.id', '=', 'r.recordedByUserId'))
    .select([
      'r.id',
      'r.episodeId',
      'r.meetingId',
      'r.heldOn',
      'r.status',
      'r.summary',
      'r.familyViews',
      'r.decision',
      'r.decisionReason',
      'r.recordedByUserId',
      'u.name as recordedByName',
      'r.createdAt',
      'r.completedAt',
      'r.version',
    ])
    .where('r.authorityId', '=', authorityId)
}

export async function listReviews(db: Db, authorityId: string, episodeId: string): Promise<ReviewRecord[]> {
  const rows = await reviewsQuery(db, authorityId).where('r.episodeId', '=', episodeId).orderBy('r.heldOn').orderBy('r.createdAt').execute()
  return rows.map(row => ({ ...row, heldOn: dateColumn(row.heldOn as string | Date) ?? '' }))
}

export async function findReview(db: Db, authorityId: string, episodeId: string, reviewId: string): Promise<ReviewRecord | undefined> {
  const row = await reviewsQuery(db, authorityId).where('r.episodeId', '=', episodeId).where('r.id', '=', reviewId).executeTakeFirst()
  return row ? { ...row, heldOn: dateColumn(row.heldOn as string | Date) ?? '' } : undefined
}

export async function insertReview(
  db: Db,
  review: {
    authorityId: string
    id: string
    episodeId: string
    meetingId: string | null
    heldOn: string
    summary: string
    familyViews: string
    decision: ReviewDecision
    decisionReason: string | null
    recordedByUserId: string
    at: Date
  },
) {
  const { at, ...row } = review
  await db
    .insertInto('reviews')
    .values({ ...row, status: 'completed', createdAt: at, completedAt: at })
    .execute()
}

export async function insertReviewProgress(
  db: Db,
  rows: { authorityId: string; reviewId: string; itemKind: 'action' | 'need'; itemId: string; progress: string; comment: string | null }[],
) {
  if (rows.length === 0) return
  await db.insertInto('reviewProgress').values(rows).execute()
}

export async function listReviewProgress(db: Db, authorityId: string, reviewId: string) {
  return db
    .selectFrom('reviewProgress')
    .select(['itemKind', 'itemId', 'progress', 'comment'])
    .where('authorityId', '=', authorityId)
    .where('reviewId', '=', reviewId)
    .execute()
}

export type PlanActionRecord = { id: string; needId: string | null; what: string; ownerName: string; dueOn: string; status: PlanActionStatus; notDoneReason: string | null; version: number }

export async function listPlanActions(db: Db, authorityId: string, episodeId: string): Promise<PlanActionRecord[]> {
  const rows = await db
    .selectFrom('planActions')
    .select(['id', 'needId', 'what', 'ownerName', 'dueOn', 'status', 'notDoneReason', 'version'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('removedAt', 'is', null)
    .orderBy('dueOn')
    .orderBy('createdAt')
    .execute()
  return rows.map(row => ({ ...row, dueOn: dateColumn(row.dueOn as string | Date) ?? '' }))
}

export type PlanNeedRecord = { id: string; description: string; outcomeWanted: string }

export async function listPlanNeeds(db: Db, authorityId: string, episodeId: string): Promise<PlanNeedRecord[]> {
  return db
    .selectFrom('planNeeds')
    .select(['id', 'description', 'outcomeWanted'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('removedAt', 'is', null)
    .orderBy('position')
    .orderBy('createdAt')
    .execute()
}

/**
 * A review records an action's status: the plan's action takes it too (with a line in its history), only if nobody
 * changed the action since `version`. True when it did.
 */
export async function updateActionStatusFromReview(
  db: Db,
  change: { authorityId: string; episodeId: string; actionId: string; version: number; status: PlanActionStatus; notDoneReason: string | null; completedOn: string | null; historyId: string; note: string; byUserId: string; byName: string; at: Date },
): Promise<boolean> {
  const result = await db
    .updateTable('planActions')
    .set({ status: change.status, notDoneReason: change.notDoneReason, completedOn: change.completedOn, updatedAt: change.at, version: sql<number>`version + 1` })
    .where('authorityId', '=', change.authorityId)
    .where('episodeId', '=', change.episodeId)
    .where('id', '=', change.actionId)
    .where('version', '=', change.version)
    .where('removedAt', 'is', null)
    .executeTakeFirst()
  if (Number(result.numUpdatedRows) !== 1) return false
  await db
    .insertInto('planActionUpdates')
    .values({ authorityId: change.authorityId, id: change.historyId, actionId: change.actionId, episodeId: change.episodeId, status: change.status, note: change.note, byUserId: change.byUserId, byFamilyTeamMemberId: null, byName: change.byName, at: change.at })
    .execute()
  return true
}

/** The episode's meetings a review may be linked to (not cancelled), newest first. */
export async function listMeetings(db: Db, authorityId: string, episodeId: string) {
  return db
    .selectFrom('meetings')
    .select(['id', 'purpose', 'startsAt'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('status', '<>', 'cancelled')
    .orderBy('startsAt', 'desc')
    .execute()
}

export async function setReviewSchedule(db: Db, authorityId: string, episodeId: string, changes: { reviewWeeks?: number | null; nextReviewOn: string | null; bumpVersion: boolean }, expectedVersion?: number): Promise<boolean> {
  let query = db
    .updateTable('episodes')
    .set({
      ...(changes.reviewWeeks !== undefined ? { reviewWeeks: changes.reviewWeeks } : {}),
      nextReviewOn: changes.nextReviewOn,
      ...(changes.bumpVersion ? { version: sql<number>`version + 1` } : {}),
    })
    .where('authorityId', '=', authorityId)
    .where('id', '=', episodeId)
    .where('status', '<>', 'closed')
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion)
  const result = await query.executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

// ---- closure -------------------------------------------------------------------------------------------------------

export type ClosureRecord = {
  episodeId: string
  reason: ClosureReason
  reasonDetail: string | null
  summaryForFamily: string
  status: 'awaiting_approval' | 'returned' | 'closed'
  requestedByUserId: string
  requestedByName: string | null
  requestedAt: Date
  decidedByUserId: string | null
  decidedByName: string | null
  decidedAt: Date | null
  returnComment: string | null
  version: number
}

export async function findClosure(db: Db, authorityId: string, episodeId: string): Promise<ClosureRecord | undefined> {
  return db
    .selectFrom('episodeClosures as c')
    .leftJoin('users as requester', join => join.onRef('requester.authorityId', '=', 'c.authorityId').onRef('requester.id', '=', 'c.requestedByUserId'))
    .leftJoin('users as decider', join => join.onRef('decider.authorityId', '=', 'c.authorityId').onRef('decider.id', '=', 'c.decidedByUserId'))
    .select([
      'c.episodeId',
      'c.reason',
      'c.reasonDetail',
      'c.summaryForFamily',
      'c.status',
      'c.requestedByUserId',
      'requester.name as requestedByName',
      'c.requestedAt',
      'c.decidedByUserId',
      'decider.name as decidedByName',
      'c.decidedAt',
      'c.returnComment',
      'c.version',
    ])
    .where('c.authorityId', '=', authorityId)
    .where('c.episodeId', '=', episodeId)
    .executeTakeFirst()
}

/** Records (or, after a manager returned it, records again) the request to close. */
export async function saveClosure(
  db: Db,
  closure: { authorityId: string; episodeId: string; reason: ClosureReason; reasonDetail: string | null; summaryForFamily: string; status: 'awaiting_approval' | 'closed'; requestedByUserId: string; at: Date },
) {
  const values = {
    reason: closure.reason,
    reasonDetail: closure.reasonDetail,
    summaryForFamily: closure.summaryForFamily,
    status: closure.status,
    requestedByUserId: closure.requestedByUserId,
    requestedAt: closure.at,
    decidedByUserId: closure.status === 'closed' ? closure.requestedByUserId : null,
    decidedAt: closure.status === 'closed' ? closure.at : null,
    returnComment: null,
  }
  await db
    .insertInto('episodeClosures')
    .values({ authorityId: closure.authorityId, episodeId: closure.episodeId, ...values })
    .onConflict(conflict => conflict.columns(['authorityId', 'episodeId']).doUpdateSet({ ...values, version: sql<number>`episode_closures.version + 1` }))
    .execute()
}

/** The manager's decision on a closure waiting for approval, only if nobody changed it since `version`. */
export async function decideClosure(db: Db, authorityId: string, episodeId: string, version: number, decision: { status: 'closed' | 'returned'; userId: string; at: Date; comment: string | null }): Promise<boolean> {
  const result = await db
    .updateTable('episodeClosures')
    .set({ status: decision.status, decidedByUserId: decision.userId, decidedAt: decision.at, returnComment: decision.comment, version: sql<number>`version + 1` })
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('version', '=', version)
    .where('status', '=', 'awaiting_approval')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function closeEpisode(db: Db, authorityId: string, episodeId: string, outcome: ClosureReason, at: Date, expectedVersion?: number): Promise<boolean> {
  let query = db
    .updateTable('episodes')
    .set({ status: 'closed', outcome, closedAt: at, version: sql<number>`version + 1` })
    .where('authorityId', '=', authorityId)
    .where('id', '=', episodeId)
    .where('status', '<>', 'closed')
  if (expectedVersion !== undefined) query = query.where('version', '=', expectedVersion)
  const result = await query.executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function bumpEpisodeVersion(db: Db, authorityId: string, episodeId: string, expectedVersion: number): Promise<boolean> {
  const result = await db
    .updateTable('episodes')
    .set({ version: sql<number>`version + 1` })
    .where('authorityId', '=', authorityId)
    .where('id', '=', episodeId)
    .where('version', '=', expectedVersion)
    .where('status', '<>', 'closed')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Who started the episode, and for which agency. */
export async function findEpisodeStarter(db: Db, authorityId: string, episodeId: string): Promise<{ userId: string; agencyId: string | null } | undefined> {
  return db.selectFrom('episodes').select(['startedByUserId as userId', 'agencyId']).where('authorityId', '=', authorityId).where('id', '=', episodeId).executeTakeFirst()
}

export async function findActiveUser(db: Db, authorityId: string, userId: string) {
  return db.selectFrom('users').select(['id', 'name', 'email']).where('authorityId', '=', authorityId).where('id', '=', userId).where('status', '=', 'active').executeTakeFirst()
}

export type ClosureQueueItem = { episodeId: string; reference: string; reason: ClosureReason; requestedByName: string | null; requestedAt: Date }

/** Closures waiting for approval, oldest first, with the people whose manager is asked (the caller filters). */
export async function listClosuresAwaitingApproval(db: Db, authorityId: string): Promise<ClosureQueueItem[]> {
  return db
    .selectFrom('episodeClosures as c')
    .innerJoin('episodes as e', join => join.onRef('e.authorityId', '=', 'c.authorityId').onRef('e.id', '=', 'c.episodeId'))
    .leftJoin('users as u', join => join.onRef('u.authorityId', '=', 'c.authorityId').onRef('u.id', '=', 'c.requestedByUserId'))
    .select(['c.episodeId', 'e.reference', 'c.reason', 'u.name as requestedByName', 'c.requestedAt'])
    .where('c.authorityId', '=', authorityId)
    .where('c.status', '=', 'awaiting_approval')
    .orderBy('c.requestedAt')
    .execute()
}

// ---- reviews due ---------------------------------------------------------------------------------------------------

export type ReviewDue = {
  episodeId: string
  reference: string
  dueOn: string
  overdue: boolean
  /** Whole days past the due date (0 when not overdue). */
  daysOverdue: number
  lastReviewOn: string | null
}

/**
 * Open episodes at the support stage whose next review falls on or before `today` + `withinDays` (overdue ones
 * included), earliest first. The due date is the stored next review date; without one, the last review (or, before any
 * review, the assessment's completion) plus the episode's cadence (or the authority's default, 6 weeks when unset).
 * With `userId`: only episodes that user leads (a current lead professional), or, with no lead appointed, owns.
 */
export async function listReviewsDue(db: Db, authorityId: string, userId: string | undefined, today: string, options: { withinDays?: number } = {}): Promise<ReviewDue[]> {
  const withinDays = options.withinDays ?? 14
  const leadFilter = userId
    ? sql`and (
        exists (select 1 from lead_professionals l where l.authority_id = e.authority_id and l.episode_id = e.id and l.ended_at is null and l.user_id = ${userId})
        or (not exists (select 1 from lead_professionals l where l.authority_id = e.authority_id and l.episode_id = e.id and l.ended_at is null)
            and exists (select 1 from episode_members m where m.authority_id = e.authority_id and m.episode_id = e.id and m.user_id = ${userId} and m.role = 'owner' and m.left_at is null))
      )`
    : sql``
  const result = await sql<{ episodeId: string; reference: string; dueOn: string; lastReviewOn: string | null; daysOverdue: number }>`
    select episode_id as "episodeId", reference, to_char(due_on, 'YYYY-MM-DD') as "dueOn", to_char(last_review_on, 'YYYY-MM-DD') as "lastReviewOn",
           greatest(${today}::date - due_on, 0)::int as "daysOverdue"
    from (
      select e.id as episode_id, e.reference, last.held_on as last_review_on,
             coalesce(e.next_review_on, coalesce(last.held_on, a.completion_date) + (coalesce(e.review_weeks, s.review_weeks, 6) * 7)) as due_on
      from episodes e
      left join early_help_settings s on s.authority_id = e.authority_id
      left join assessments a on a.authority_id = e.authority_id and a.episode_id = e.id
      left join lateral (
        select max(r.held_on) as held_on from reviews r where r.authority_id = e.authority_id and r.episode_id = e.id and r.status = 'completed'
      ) last on true
      where e.authority_id = ${authorityId} and e.status = 'support' ${leadFilter}
    ) due
    where due_on is not null and due_on <= ${today}::date + ${withinDays}::int
    order by due_on, reference`.execute(db)
  return result.rows.map(row => ({ ...row, overdue: row.daysOverdue > 0 }))
}
