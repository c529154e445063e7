import type { ClosureReason, PlanActionStatus, ReviewDecision } from '../../db/schema.ts'
import { paths } from '../../paths.ts'
import { formatDate, formatDateTime } from '../../plugins/views.ts'
import { submittedText } from '../../lib/validation.ts'
import type { NeedProgress } from './reviews.schemas.ts'
import { scoreField } from './reviews.schemas.ts'
import { previousScore, scoreKey, type ClosureRecord, type DistanceHistory, type PlanActionRecord, type PlanNeedRecord, type ReviewRecord, type ReviewSchedule, type ReviewDue } from './reviews.service.ts'

// Pure functions from the reviews service's records to GOV.UK macro arguments.

type Values = Record<string, string | undefined>

export { submittedText as submitted }

export const DECISION_NAMES: Record<ReviewDecision, string> = {
  continue: 'Continue with the plan',
  revise_plan: 'Revise the plan',
  step_up_panel: 'Step up to the multi-agency panel',
  step_up_social_care: 'Step up to children’s social care',
  close: 'Close the episode',
}

const DECISION_HINTS: Record<ReviewDecision, string> = {
  continue: 'The plan is working: carry on and review again at the usual time.',
  revise_plan: 'Change the needs, outcomes or actions in the plan after this review.',
  step_up_panel: 'Needs are rising or the plan is not being delivered: ask the panel to consider the family.',
  step_up_social_care: 'A child may be at risk of significant harm: you will be offered the safeguarding referral next.',
  close: 'The family does not need early help any more (or it cannot continue): you will go on to the closure form.',
}

export const CLOSURE_REASON_NAMES: Record<ClosureReason, string> = {
  needs_met: 'The family’s needs have been met',
  stepped_up_social_care: 'Stepped up to children’s social care',
  consent_withdrawn: 'The family withdrew their consent',
  moved_out_of_area: 'The family moved out of the area',
  disengaged: 'The family stopped taking part',
  other: 'Another reason',
}

export const SCORE_NAMES = ['No issues', 'Minor', 'Moderate', 'Significant', 'Critical and complex'] as const

export const ACTION_STATUS_NAMES: Record<PlanActionStatus, string> = { not_started: 'Not started', in_progress: 'In progress', done: 'Done', not_done: 'Not done' }

export const NEED_PROGRESS_NAMES: Record<NeedProgress, string> = {
  worse: 'Got worse',
  no_change: 'No change',
  some_progress: 'Some progress',
  good_progress: 'Good progress',
  achieved: 'Achieved',
}

export function scoreText(score: number | undefined): string {
  return score === undefined ? '—' : `${score} (${(SCORE_NAMES[score] ?? '').toLowerCase()})`
}

export function scheduleRows(schedule: ReviewSchedule, episodeId: string, canChange: boolean) {
  const next = schedule.nextReviewOn
    ? `${formatDate(schedule.nextReviewOn)}${schedule.overdue ? ' (overdue)' : ''}`
    : 'Set once the assessment is complete and support has started'
  return [
    {
      key: { text: 'Reviews' },
      value: { text: `Every ${schedule.reviewWeeks} weeks${schedule.ownCadence ? '' : ' (your authority’s usual cadence)'}` },
      ...(canChange ? { actions: { items: [{ href: paths.reviews.cadence(episodeId), text: 'Change', visuallyHiddenText: 'how often reviews happen' }] } } : {}),
    },
    { key: { text: 'Next review' }, value: { text: next } },
    { key: { text: 'Last review' }, value: { text: schedule.lastReviewOn ? formatDate(schedule.lastReviewOn) : 'None yet' } },
  ]
}

export function reviewRows(reviews: ReviewRecord[], episodeId: string) {
  return [...reviews].reverse().map(review => [
    { html: `<a class="govuk-link" href="${escape(paths.reviews.show(episodeId, review.id))}">${escape(formatDate(review.heldOn))}</a>` },
    { text: review.decision ? DECISION_NAMES[review.decision] : 'Not decided' },
    { text: review.recordedByName ?? '—' },
  ])
}

/** The Distance Travelled table: one row per element and subject that has any score, a column per occasion. */
export function distanceTable(history: DistanceHistory) {
  const head = [
    { text: 'Element' },
    { text: 'Start', format: 'numeric' },
    ...history.reviews.map((review, index) => ({ text: `Review ${index + 1} (${formatDate(review.heldOn)})`, format: 'numeric' })),
    ...(history.closure ? [{ text: 'Closure', format: 'numeric' }] : []),
    { text: 'Change' },
  ]
  const rows = history.items
    .filter(item => {
      const key = scoreKey(item.elementKey, item.subject)
      return history.start.has(key) || history.reviews.some(review => review.scores.has(key)) || history.closure?.has(key) === true
    })
    .map(item => {
      const key = scoreKey(item.elementKey, item.subject)
      const series = [history.start.get(key), ...history.reviews.map(review => review.scores.get(key)), ...(history.closure ? [history.closure.get(key)] : [])]
      const scored = series.filter((score): score is number => score !== undefined)
      const first = scored[0]
      const last = scored.at(-1)
      const change = first === undefined || last === undefined || scored.length < 2 ? '—' : changeText(last - first)
      return [
        { text: `${item.elementTitle}${item.subjectName ? ` (${item.subjectName})` : ' (family)'}` },
        ...series.map(score => ({ text: score === undefined ? '—' : String(score), format: 'numeric' })),
        { text: change },
      ]
    })
  return { head, rows }
}

function changeText(delta: number): string {
  if (delta === 0) return 'No change'
  // Lower is better: 0 means no issues.
  return delta < 0 ? `${-delta} better` : `${delta} worse`
}

export type ScoreSection = { heading: string; fields: { name: string; legend: string; hint: string; items: { value: string; text: string; checked: boolean }[]; error?: { text: string } }[] }

/** The score radios (0–4 or not scored), grouped by domain and subject, each with the previous score in its hint. */
export function scoreSections(history: DistanceHistory, values: Values, fieldErrors: Record<string, { text: string }> = {}): ScoreSection[] {
  const sections: ScoreSection[] = []
  for (const item of history.items) {
    const heading = `${item.domainTitle}${item.subjectName ? `: ${item.subjectName}` : ''}`
    let section = sections.at(-1)
    if (!section || section.heading !== heading) {
      section = { heading, fields: [] }
      sections.push(section)
    }
    const name = scoreField(item.elementKey, item.subject)
    const previous = previousScore(history, scoreKey(item.elementKey, item.subject))
    const hint = previous ? `Previous score: ${scoreText(previous.score)}, ${previous.when ? `at the review on ${formatDate(previous.when)}` : 'at the assessment'}` : 'Not scored before'
    const chosen = values[name] ?? ''
    section.fields.push({
      name,
      legend: item.elementTitle,
      hint,
      items: [{ value: '', text: 'Not scored', checked: chosen === '' }, ...SCORE_NAMES.map((label, score) => ({ value: String(score), text: `${score} ${label.toLowerCase()}`, checked: chosen === String(score) }))],
      ...(fieldErrors[name] ? { error: fieldErrors[name] } : {}),
    })
  }
  return sections
}

/** The latest score of each element, as form values (the closure form starts from them). */
export function latestScoreValues(history: DistanceHistory): Values {
  const values: Values = {}
  for (const item of history.items) {
    const previous = previousScore(history, scoreKey(item.elementKey, item.subject))
    if (previous) values[scoreField(item.elementKey, item.subject)] = String(previous.score)
  }
  return values
}

export function actionFields(actions: PlanActionRecord[], values: Values, fieldErrors: Record<string, { text: string }> = {}) {
  return actions.map(action => {
    const chosen = values[`action__${action.id}`] ?? action.status
    return {
      id: action.id,
      heading: action.what,
      caption: `${action.ownerName}, by ${formatDate(action.dueOn)}. Now: ${ACTION_STATUS_NAMES[action.status].toLowerCase()}.`,
      name: `action__${action.id}`,
      noteName: `actionNote__${action.id}`,
      versionName: `actionVersion__${action.id}`,
      version: values[`actionVersion__${action.id}`] ?? String(action.version),
      note: values[`actionNote__${action.id}`] ?? '',
      items: (Object.keys(ACTION_STATUS_NAMES) as PlanActionStatus[]).map(status => ({ value: status, text: ACTION_STATUS_NAMES[status], checked: chosen === status })),
      error: fieldErrors[`action__${action.id}`],
      noteError: fieldErrors[`actionNote__${action.id}`],
    }
  })
}

export function needFields(needs: PlanNeedRecord[], values: Values, fieldErrors: Record<string, { text: string }> = {}) {
  return needs.map(need => {
    const chosen = values[`need__${need.id}`]
    return {
      id: need.id,
      heading: need.description,
      caption: need.outcomeWanted ? `Outcome wanted: ${need.outcomeWanted}` : '',
      name: `need__${need.id}`,
      noteName: `needNote__${need.id}`,
      note: values[`needNote__${need.id}`] ?? '',
      items: (Object.keys(NEED_PROGRESS_NAMES) as NeedProgress[]).map(progress => ({ value: progress, text: NEED_PROGRESS_NAMES[progress], checked: chosen === progress })),
      error: fieldErrors[`need__${need.id}`],
    }
  })
}

export function decisionItems(values: Values) {
  return (Object.keys(DECISION_NAMES) as ReviewDecision[]).map(decision => ({ value: decision, text: DECISION_NAMES[decision], hint: { text: DECISION_HINTS[decision] }, checked: values.decision === decision }))
}

export function closureReasonItems(values: Values) {
  return (Object.keys(CLOSURE_REASON_NAMES) as ClosureReason[]).map(reason => ({ value: reason, text: CLOSURE_REASON_NAMES[reason], checked: values.reason === reason }))
}

export function meetingItems(meetings: { id: string; purpose: string; startsAt: Date }[], values: Values) {
  const names: Record<string, string> = { first_team_meeting: 'First team meeting', team_meeting: 'Team meeting', review: 'Review meeting' }
  return [
    { value: '', text: 'Not at a meeting' },
    ...meetings.map(meeting => ({ value: meeting.id, text: `${names[meeting.purpose] ?? 'Meeting'}, ${formatDateTime(meeting.startsAt)}`, selected: values.meetingId === meeting.id })),
  ]
}

export function closureRows(closure: ClosureRecord) {
  const status = { awaiting_approval: 'Waiting for a manager’s approval', returned: 'Returned by a manager', closed: 'Closed' }[closure.status]
  return [
    { key: { text: 'Status' }, value: { text: status } },
    { key: { text: 'Reason' }, value: { text: `${CLOSURE_REASON_NAMES[closure.reason]}${closure.reasonDetail ? `: ${closure.reasonDetail}` : ''}` } },
    { key: { text: 'Asked by' }, value: { text: `${closure.requestedByName ?? 'unknown'}, ${formatDateTime(closure.requestedAt)}` } },
    ...(closure.decidedAt && closure.status !== 'closed' ? [{ key: { text: 'Returned by' }, value: { text: `${closure.decidedByName ?? 'unknown'}, ${formatDateTime(closure.decidedAt)}` } }] : []),
    ...(closure.status === 'closed' && closure.decidedByUserId && closure.decidedByUserId !== closure.requestedByUserId
      ? [{ key: { text: 'Approved by' }, value: { text: `${closure.decidedByName ?? 'unknown'}, ${formatDateTime(closure.decidedAt)}` } }]
      : []),
    ...(closure.returnComment ? [{ key: { text: 'Manager’s comments' }, value: { text: closure.returnComment } }] : []),
    { key: { text: 'Summary for the family' }, value: { text: closure.summaryForFamily } },
  ]
}

export function reviewSummaryRows(review: ReviewRecord, meeting: { purpose: string; startsAt: Date } | null) {
  return [
    { key: { text: 'Date of the review' }, value: { text: formatDate(review.heldOn) } },
    { key: { text: 'At a meeting' }, value: { text: meeting ? formatDateTime(meeting.startsAt) : 'No' } },
    { key: { text: 'Recorded by' }, value: { text: `${review.recordedByName ?? 'unknown'}, ${formatDateTime(review.createdAt)}` } },
    { key: { text: 'What the review found' }, value: { text: review.summary || 'Not recorded' } },
    { key: { text: 'The family’s views' }, value: { text: review.familyViews || 'Not recorded' } },
    { key: { text: 'Decision' }, value: { text: review.decision ? DECISION_NAMES[review.decision] : 'Not decided' } },
    ...(review.decisionReason ? [{ key: { text: 'Why' }, value: { text: review.decisionReason } }] : []),
  ]
}

/** Progress recorded at a review, as table rows: actions then needs. */
export function progressRows(progress: { itemKind: 'action' | 'need'; itemId: string; progress: string; comment: string | null }[], actions: PlanActionRecord[], needs: PlanNeedRecord[]) {
  const actionRows = progress
    .filter(item => item.itemKind === 'action')
    .map(item => [
      { text: actions.find(action => action.id === item.itemId)?.what ?? 'An action since removed from the plan' },
      { text: ACTION_STATUS_NAMES[item.progress as PlanActionStatus] ?? item.progress },
      { text: item.comment ?? '' },
    ])
  const needRows = progress
    .filter(item => item.itemKind === 'need')
    .map(item => [
      { text: needs.find(need => need.id === item.itemId)?.description ?? 'A need since removed from the plan' },
      { text: NEED_PROGRESS_NAMES[item.progress as NeedProgress] ?? item.progress },
      { text: item.comment ?? '' },
    ])
  return { actionRows, needRows }
}

export function closureQueueRows(items: { episodeId: string; reference: string; reason: ClosureReason; requestedByName: string | null; requestedAt: Date }[]) {
  return items.map(item => [
    { html: `<a class="govuk-link" href="${escape(paths.reviews.closureApproval(item.episodeId))}">${escape(item.reference)}</a>` },
    { text: CLOSURE_REASON_NAMES[item.reason] },
    { text: item.requestedByName ?? '—' },
    { text: formatDateTime(item.requestedAt) },
  ])
}

/** For "my work" and the dashboard: a review due, as a sentence and a link. */
export function reviewDueText(item: ReviewDue): { text: string; href: string; overdue: boolean } {
  const text = item.overdue ? `The review of ${item.reference} is late. It was due on ${formatDate(item.dueOn)}.` : `The review of ${item.reference} is due on ${formatDate(item.dueOn)}.`
  return { text, href: paths.reviews.record(item.episodeId), overdue: item.overdue }
}

function escape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}
