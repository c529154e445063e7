import type { Db } from '../../db/database.ts'
import type { RecordVisibility } from '../../db/schema.ts'
import type { ChronologyKind } from './records.schemas.ts'

// The chronology has no table of its own: it is read from the records of every feature (consent, checklist, referrals,
// assessment, team, lead professional, meetings and minutes, plan, reviews and closure, case notes, documents).
// Each reader returns raw events; names, agencies, visibility and filters are applied by the service.

export type RawEvent = {
  kind: ChronologyKind
  /** The day it happened (YYYY-MM-DD, Europe/London). */
  on: string
  /** The moment it was recorded, when the event is a moment rather than a day. */
  at: Date | null
  title: string
  detail: string | null
  byUserId: string | null
  /** Who, when it was not a practitioner (a family member adding to the plan). */
  byName: string | null
  /** The agency the record names itself (notes, documents, the assessor, the lead); otherwise the author's agency. */
  agencyId: string | null
  /** The child the event is about; null for the whole family. */
  personId: string | null
  /** Case notes and documents only. */
  visibility: RecordVisibility | null
  recordId: string
  /**
   * The record the family may dispute that this event stands for in the chronology (one event per record): a case
   * note, a meeting's minutes, or an assessment (its elements). The service attaches the statements to it.
   */
  disputable?: DisputableEventRecord
}

/** `assessment`: the statements about any element of that assessment (record ids `assessmentId:elementKey:subject`). */
export type DisputableEventRecord = { kind: 'case_notes' | 'meeting_minutes' | 'assessment'; id: string }

const londonDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' })
const londonDate = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric' })

export function dayOf(at: Date): string {
  return londonDay.format(at)
}

function event(kind: ChronologyKind, recordId: string, at: Date | string, fields: Partial<RawEvent> & { title: string }): RawEvent {
  const moment = typeof at === 'string' ? null : at
  return {
    kind,
    recordId,
    on: typeof at === 'string' ? at : dayOf(at),
    at: moment,
    detail: null,
    byUserId: null,
    byName: null,
    agencyId: null,
    personId: null,
    visibility: null,
    ...fields,
  }
}

const REFERRED_TO: Record<string, string> = { childrens_social_care: 'children’s social care', police: 'the police' }
const CHECKLIST_OUTCOMES: Record<string, string> = {
  no_further_action: 'No further action',
  universal_services: 'Universal services',
  common_assessment: 'A common assessment',
  safeguarding_referral: 'A safeguarding referral',
}
const ASSESSMENT_OUTCOMES: Record<string, string> = { no_further_action: 'no further action', single_agency: 'single-agency support', multi_agency: 'multi-agency support' }
const LEAD_SCOPES: Record<string, string> = { whole_family: 'the whole family', adults: 'the adults', children: 'the children' }
const REVIEW_DECISIONS: Record<string, string> = {
  continue: 'Continue with the plan',
  revise_plan: 'Revise the plan',
  step_up_panel: 'Step up to a panel',
  step_up_social_care: 'Step up to children’s social care',
  close: 'Close the episode',
}
const CLOSURE_REASONS: Record<string, string> = {
  needs_met: 'Needs met',
  stepped_up_social_care: 'Stepped up to children’s social care',
  consent_withdrawn: 'Consent withdrawn',
  moved_out_of_area: 'Moved out of the area',
  disengaged: 'The family disengaged',
  other: 'Other',
}

export async function readChronology(db: Db, authorityId: string, episodeId: string, childIds: ReadonlySet<string>): Promise<RawEvent[]> {
  const events: RawEvent[] = []
  // Consent: given or refused, and withdrawn.
  const consents = await db
    .selectFrom('consents')
    .select(['id', 'decision', 'giverKind', 'giverName', 'giverPersonId', 'toAssess', 'method', 'givenOn', 'refusalReason', 'recordedByUserId', 'withdrawnOn', 'withdrawalReason', 'withdrawalRecordedByUserId'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .execute()
  for (const c of consents) {
    const personId = c.giverKind === 'young_person' && c.giverPersonId && childIds.has(c.giverPersonId) ? c.giverPersonId : null
    events.push(
      event('consent', c.id, c.givenOn, {
        title: c.decision === 'given' ? `Consent given by ${c.giverName}` : `Consent refused by ${c.giverName}`,
        detail: c.decision === 'given' ? (c.toAssess ? 'Consent to the assessment and to sharing information.' : 'Consent to sharing information.') : c.refusalReason,
        byUserId: c.recordedByUserId,
        personId,
      }),
    )
    if (c.withdrawnOn) {
      events.push(event('consent', c.id, c.withdrawnOn, { title: `Consent withdrawn by ${c.giverName}`, detail: c.withdrawalReason, byUserId: c.withdrawalRecordedByUserId, personId }))
    }
  }

  const checklists = await db.selectFrom('episodeChecklists').select(['episodeId', 'outcome', 'recordedByUserId', 'recordedAt']).where('authorityId', '=', authorityId).where('episodeId', '=', episodeId).execute()
  for (const c of checklists) {
    events.push(event('checklist', c.episodeId, c.recordedAt, { title: 'Pre-assessment checklist recorded', detail: `Outcome: ${CHECKLIST_OUTCOMES[c.outcome] ?? c.outcome}`, byUserId: c.recordedByUserId }))
  }

  const referrals = await db
    .selectFrom('safeguardingReferrals')
    .select(['id', 'referredTo', 'concern', 'referredAt', 'recordedByUserId', 'outcome', 'outcomeRecordedAt', 'outcomeRecordedByUserId'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .execute()
  for (const r of referrals) {
    events.push(event('referral', r.id, r.referredAt, { title: `Referred to ${REFERRED_TO[r.referredTo] ?? r.referredTo}`, detail: r.concern, byUserId: r.recordedByUserId }))
    if (r.outcome && r.outcomeRecordedAt) {
      events.push(event('referral', r.id, r.outcomeRecordedAt, { title: 'Outcome of the referral recorded', detail: r.outcome, byUserId: r.outcomeRecordedByUserId }))
    }
  }

  const assessments = await db
    .selectFrom('assessments')
    .select(['id', 'assessorUserId', 'assessorAgencyId', 'createdAt', 'outcome', 'signedOffAt', 'signedOffByUserId', 'approvedAt', 'approvedByUserId', 'returnedAt', 'returnedByUserId'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .execute()
  for (const a of assessments) {
    // The family's statements about its elements go with the signed-off assessment, or with its start until then.
    const disputable: DisputableEventRecord = { kind: 'assessment', id: a.id }
    events.push(event('assessment', a.id, a.createdAt, { title: 'Common assessment started', byUserId: a.assessorUserId, agencyId: a.assessorAgencyId, ...(a.signedOffAt ? {} : { disputable }) }))
    if (a.signedOffAt) {
      events.push(
        event('assessment', a.id, a.signedOffAt, {
          title: 'Assessment signed off',
          detail: a.outcome ? `Outcome: ${ASSESSMENT_OUTCOMES[a.outcome] ?? a.outcome}` : null,
          byUserId: a.signedOffByUserId,
          agencyId: a.assessorAgencyId,
          disputable,
        }),
      )
    }
    if (a.approvedAt) events.push(event('assessment', a.id, a.approvedAt, { title: 'Assessment approved by a manager', byUserId: a.approvedByUserId }))
    if (a.returnedAt) events.push(event('assessment', a.id, a.returnedAt, { title: 'Assessment returned by a manager', byUserId: a.returnedByUserId }))
  }

  const changes = await db
    .selectFrom('teamChanges')
    .select(['id', 'change', 'memberName', 'detail', 'byUserId', 'at'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .execute()
  for (const c of changes) {
    const verb = c.change === 'joined' ? 'joined the team' : c.change === 'left' ? 'left the team' : 'changed role on the team'
    events.push(event('team', c.id, c.at, { title: `${c.memberName} ${verb}`, detail: c.detail, byUserId: c.byUserId }))
  }

  const leads = await db
    .selectFrom('leadProfessionals as l')
    .innerJoin('users as u', join => join.onRef('u.authorityId', '=', 'l.authorityId').onRef('u.id', '=', 'l.userId'))
    .select(['l.id', 'l.scope', 'l.agencyId', 'l.appointedVia', 'l.familyChose', 'l.familyPreference', 'l.appointedByUserId', 'l.startedAt', 'l.endedAt', 'l.endedReason', 'u.name'])
    .where('l.authorityId', '=', authorityId)
    .where('l.episodeId', '=', episodeId)
    .execute()
  for (const l of leads) {
    const scope = LEAD_SCOPES[l.scope] ?? l.scope
    const family = l.familyChose ? `The family chose${l.familyPreference ? `: “${l.familyPreference}”` : ' them.'}` : null
    events.push(event('lead', l.id, l.startedAt, { title: `${l.name} became lead professional for ${scope}`, detail: family, byUserId: l.appointedByUserId, agencyId: l.agencyId }))
    if (l.endedAt) events.push(event('lead', l.id, l.endedAt, { title: `${l.name} stopped being lead professional for ${scope}`, detail: l.endedReason, agencyId: l.agencyId }))
  }

  const handovers = await db
    .selectFrom('leadHandovers as h')
    .innerJoin('users as t', join => join.onRef('t.authorityId', '=', 'h.authorityId').onRef('t.id', '=', 'h.toUserId'))
    .select(['h.id', 'h.note', 'h.requestedByUserId', 'h.requestedAt', 'h.status', 'h.respondedAt', 'h.responseNote', 'h.toUserId', 't.name as toName'])
    .where('h.authorityId', '=', authorityId)
    .where('h.episodeId', '=', episodeId)
    .execute()
  for (const h of handovers) {
    events.push(event('lead', h.id, h.requestedAt, { title: `Handover to ${h.toName} asked for`, detail: h.note, byUserId: h.requestedByUserId }))
    if (h.respondedAt && h.status !== 'pending') {
      const outcome = { acknowledged: `${h.toName} accepted the handover`, declined: `${h.toName} declined the handover`, cancelled: 'Handover cancelled' }[h.status]
      events.push(event('lead', h.id, h.respondedAt, { title: outcome, detail: h.responseNote, byUserId: h.status === 'cancelled' ? h.requestedByUserId : h.toUserId }))
    }
  }

  const meetings = await db
    .selectFrom('meetings as m')
    .leftJoin('meetingMinutes as mm', join => join.onRef('mm.authorityId', '=', 'm.authorityId').onRef('mm.meetingId', '=', 'm.id'))
    .select(['m.id', 'm.purpose', 'm.startsAt', 'm.status', 'm.venueName', 'm.scheduledByUserId', 'm.createdAt', 'm.cancelledAt', 'm.cancelReason', 'm.chairUserId', 'mm.meetingId as minutesOf', 'mm.circulatedAt', 'mm.approvedByUserId', 'mm.decisions'])
    .where('m.authorityId', '=', authorityId)
    .where('m.episodeId', '=', episodeId)
    .execute()
  for (const m of meetings) {
    const name = m.purpose === 'first_team_meeting' ? 'First team meeting' : m.purpose === 'review' ? 'Review meeting' : 'Team meeting'
    const when = londonDate.format(m.startsAt)
    // The family's statements about the minutes go with their circulation, or with the meeting held (or arranged) until then.
    const disputable: DisputableEventRecord | undefined = m.minutesOf ? { kind: 'meeting_minutes', id: m.id } : undefined
    const held = m.status === 'held'
    events.push(event('meeting', m.id, m.createdAt, { title: `${name} arranged for ${when}`, detail: m.venueName ? `At ${m.venueName}.` : null, byUserId: m.scheduledByUserId, ...(disputable && !held && !m.circulatedAt ? { disputable } : {}) }))
    if (held) events.push(event('meeting', m.id, m.startsAt, { title: `${name} held`, byUserId: m.chairUserId, ...(disputable && !m.circulatedAt ? { disputable } : {}) }))
    if (m.status === 'cancelled' && m.cancelledAt) events.push(event('meeting', m.id, m.cancelledAt, { title: `${name} of ${when} cancelled`, detail: m.cancelReason }))
    if (m.circulatedAt) {
      events.push(event('meeting', m.id, m.circulatedAt, { title: `Minutes of the meeting of ${when} circulated`, detail: m.decisions ? `Decisions: ${m.decisions}` : null, byUserId: m.approvedByUserId, disputable }))
    }
  }

  const actions = await db
    .selectFrom('planActions as pa')
    .leftJoin('planNeeds as pn', join => join.onRef('pn.authorityId', '=', 'pa.authorityId').onRef('pn.id', '=', 'pa.needId'))
    .select(['pa.id', 'pa.what', 'pa.ownerName', 'pa.dueOn', 'pa.status', 'pa.notDoneReason', 'pa.completedOn', 'pa.createdByUserId', 'pa.createdAt', 'pa.updatedAt', 'pa.sourceMeetingId', 'pn.subject'])
    .where('pa.authorityId', '=', authorityId)
    .where('pa.episodeId', '=', episodeId)
    .where('pa.removedAt', 'is', null)
    .execute()
  for (const a of actions) {
    const personId = a.subject && childIds.has(a.subject) ? a.subject : null
    const source = a.sourceMeetingId ? ' (agreed at a meeting)' : ''
    events.push(event('plan', a.id, a.createdAt, { title: `Action added to the plan${source}: ${a.what}`, detail: `${a.ownerName}, by ${londonDate.format(new Date(`${a.dueOn}T12:00:00Z`))}.`, byUserId: a.createdByUserId, personId }))
    if (a.status === 'done') events.push(event('plan', a.id, a.completedOn ?? a.updatedAt, { title: `Action done: ${a.what}`, detail: a.ownerName, personId }))
    if (a.status === 'not_done') events.push(event('plan', a.id, a.updatedAt, { title: `Action not done: ${a.what}`, detail: a.notDoneReason, personId }))
  }

  const versions = await db
    .selectFrom('planVersions')
    .select(['id', 'number', 'changeSummary', 'agreedByUserId', 'agreedAt'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .execute()
  for (const v of versions) {
    events.push(event('plan', v.id, v.agreedAt, { title: `Version ${v.number} of the plan agreed`, detail: v.changeSummary || null, byUserId: v.agreedByUserId }))
  }

  const reviews = await db
    .selectFrom('reviews')
    .select(['id', 'heldOn', 'status', 'summary', 'decision', 'decisionReason', 'recordedByUserId'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('status', '=', 'completed')
    .execute()
  for (const r of reviews) {
    const decision = r.decision ? `Decision: ${REVIEW_DECISIONS[r.decision] ?? r.decision}.` : ''
    events.push(event('review', r.id, r.heldOn, { title: 'Review held', detail: [decision, r.decisionReason ?? '', r.summary].filter(Boolean).join(' ') || null, byUserId: r.recordedByUserId }))
  }

  const closures = await db
    .selectFrom('episodeClosures')
    .select(['episodeId', 'reason', 'reasonDetail', 'summaryForFamily', 'status', 'requestedByUserId', 'requestedAt', 'decidedByUserId', 'decidedAt', 'returnComment'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .execute()
  for (const c of closures) {
    const reason = CLOSURE_REASONS[c.reason] ?? c.reason
    if (c.decidedByUserId) {
      events.push(event('review', c.episodeId, c.requestedAt, { title: 'Closure sent to a manager for approval', detail: `Reason: ${reason}.`, byUserId: c.requestedByUserId }))
      if (c.decidedAt && c.status === 'returned') events.push(event('review', c.episodeId, c.decidedAt, { title: 'Closure returned by a manager', detail: c.returnComment, byUserId: c.decidedByUserId }))
    } else if (c.status !== 'closed') {
      events.push(event('review', c.episodeId, c.requestedAt, { title: 'Closure sent to a manager for approval', detail: `Reason: ${reason}.`, byUserId: c.requestedByUserId }))
    }
    if (c.status === 'closed') {
      events.push(
        event('review', c.episodeId, c.decidedAt ?? c.requestedAt, {
          title: 'Episode closed',
          detail: `Reason: ${reason}${c.reasonDetail ? ` (${c.reasonDetail})` : ''}. ${c.summaryForFamily}`,
          byUserId: c.decidedByUserId ?? c.requestedByUserId,
        }),
      )
    }
  }

  const notes = await db
    .selectFrom('caseNotes')
    .select(['id', 'occurredOn', 'summary', 'body', 'personId', 'visibility', 'authorUserId', 'authorAgencyId'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .execute()
  for (const n of notes) {
    events.push(
      event('note', n.id, n.occurredOn, {
        title: `Case note: ${n.summary}`,
        detail: n.body,
        byUserId: n.authorUserId,
        agencyId: n.authorAgencyId,
        personId: n.personId,
        visibility: n.visibility,
        disputable: { kind: 'case_notes', id: n.id },
      }),
    )
  }

  const documents = await db
    .selectFrom('documents')
    .select(['id', 'title', 'kind', 'visibility', 'uploadedByUserId', 'uploadedByAgencyId', 'uploadedAt', 'removedAt', 'removedByUserId', 'removedReason'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .execute()
  for (const d of documents) {
    const shared = { agencyId: d.uploadedByAgencyId, visibility: d.visibility }
    events.push(event('document', d.id, d.uploadedAt, { title: `Document added: ${d.title}`, byUserId: d.uploadedByUserId, ...shared }))
    if (d.removedAt) events.push(event('document', d.id, d.removedAt, { title: `Document removed: ${d.title}`, detail: d.removedReason, byUserId: d.removedByUserId, ...shared }))
  }

  return events
}
