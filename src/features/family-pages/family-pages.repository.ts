import type { Db } from '../../db/database.ts'
import type { FamilyTeamMemberKind, MinutesStatus, PlanActionOwnerKind, PlanActionStatus } from '../../db/schema.ts'
import { dateColumn } from '../../lib/dates.ts'

// All Kysely code of the family's own pages (home, our team, our plan, meetings). Every query names the authority and
// the episode; the service reads them inside withFamilyEpisode's audited transaction, after the access decision.

export type LinkedEpisode = { id: string; reference: string; status: string; startedAt: Date; familyTeamMemberId: string | null }

/** The episodes this family account is linked to now (not revoked), newest first. */
export async function listLinkedEpisodes(db: Db, authorityId: string, accountId: string): Promise<LinkedEpisode[]> {
  return db
    .selectFrom('familyAccountEpisodes')
    .innerJoin('episodes', join => join.onRef('episodes.authorityId', '=', 'familyAccountEpisodes.authorityId').onRef('episodes.id', '=', 'familyAccountEpisodes.episodeId'))
    .select(['episodes.id', 'episodes.reference', 'episodes.status', 'episodes.startedAt', 'familyAccountEpisodes.familyTeamMemberId'])
    .where('familyAccountEpisodes.authorityId', '=', authorityId)
    .where('familyAccountEpisodes.accountId', '=', accountId)
    .where('familyAccountEpisodes.revokedAt', 'is', null)
    .orderBy('episodes.startedAt', 'desc')
    .execute()
}

/** The family team member this account is on the episode's team as (null when the lead did not link one). */
export async function findFamilyTeamMemberId(db: Db, authorityId: string, accountId: string, episodeId: string): Promise<string | null> {
  const row = await db
    .selectFrom('familyAccountEpisodes')
    .select('familyTeamMemberId')
    .where('authorityId', '=', authorityId)
    .where('accountId', '=', accountId)
    .where('episodeId', '=', episodeId)
    .where('revokedAt', 'is', null)
    .executeTakeFirst()
  return row?.familyTeamMemberId ?? null
}

// ---- the team -----------------------------------------------------------------------------------------------------

export type FamilySidePerson = { id: string; name: string; kind: FamilyTeamMemberKind; relationship: string | null; organisation: string | null }

export async function listFamilySide(db: Db, authorityId: string, episodeId: string): Promise<FamilySidePerson[]> {
  return db
    .selectFrom('familyTeamMembers')
    .select(['id', 'name', 'kind', 'relationship', 'organisation'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('leftAt', 'is', null)
    .orderBy('joinedAt')
    .orderBy('name')
    .execute()
}

export async function agencyKinds(db: Db, authorityId: string, agencyIds: string[]): Promise<Map<string, string>> {
  if (agencyIds.length === 0) return new Map()
  const rows = await db.selectFrom('agencies').select(['id', 'kind']).where('authorityId', '=', authorityId).where('id', 'in', agencyIds).execute()
  return new Map(rows.map(row => [row.id, row.kind]))
}

/** The practitioner who owns the episode (who the request goes to when there is no lead professional). */
export async function findEpisodeOwner(db: Db, authorityId: string, episodeId: string): Promise<{ name: string; email: string } | undefined> {
  return db
    .selectFrom('episodeMembers')
    .innerJoin('users', join => join.onRef('users.authorityId', '=', 'episodeMembers.authorityId').onRef('users.id', '=', 'episodeMembers.userId'))
    .select(['users.name', 'users.email'])
    .where('episodeMembers.authorityId', '=', authorityId)
    .where('episodeMembers.episodeId', '=', episodeId)
    .where('episodeMembers.role', '=', 'owner')
    .where('episodeMembers.leftAt', 'is', null)
    .executeTakeFirst()
}

// ---- the plan -----------------------------------------------------------------------------------------------------

export type FamilyNeed = { id: string; description: string; outcomeWanted: string }

export async function listNeeds(db: Db, authorityId: string, episodeId: string): Promise<FamilyNeed[]> {
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

export type FamilyAction = {
  id: string
  needId: string | null
  what: string
  ownerKind: PlanActionOwnerKind
  ownerFamilyTeamMemberId: string | null
  ownerName: string
  dueOn: string
  status: PlanActionStatus
  completedOn: string | null
  version: number
}

const actionColumns = ['id', 'needId', 'what', 'ownerKind', 'ownerFamilyTeamMemberId', 'ownerName', 'dueOn', 'status', 'completedOn', 'version'] as const

function toAction<T extends { dueOn: string | Date; completedOn: string | Date | null }>(row: T) {
  return { ...row, dueOn: dateColumn(row.dueOn), completedOn: dateColumn(row.completedOn) }
}

export async function listActions(db: Db, authorityId: string, episodeId: string): Promise<FamilyAction[]> {
  const rows = await db
    .selectFrom('planActions')
    .select(actionColumns)
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('removedAt', 'is', null)
    .orderBy('dueOn')
    .orderBy('createdAt')
    .execute()
  return rows.map(toAction)
}

export async function findAction(db: Db, authorityId: string, episodeId: string, actionId: string): Promise<FamilyAction | undefined> {
  const row = await db
    .selectFrom('planActions')
    .select(actionColumns)
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('id', '=', actionId)
    .where('removedAt', 'is', null)
    .executeTakeFirst()
  return row ? toAction(row) : undefined
}

/** Marks an action done if it is still at `version`; false when someone else changed it first. */
export async function markActionDone(db: Db, authorityId: string, actionId: string, version: number, completedOn: string, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('planActions')
    .set(eb => ({ status: 'done' as const, notDoneReason: null, completedOn, updatedAt: at, version: eb('version', '+', 1) }))
    .where('authorityId', '=', authorityId)
    .where('id', '=', actionId)
    .where('version', '=', version)
    .where('removedAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Moves the action's version on (a comment is a change others must see before theirs is accepted). */
export async function bumpActionVersion(db: Db, authorityId: string, actionId: string, version: number, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('planActions')
    .set(eb => ({ updatedAt: at, version: eb('version', '+', 1) }))
    .where('authorityId', '=', authorityId)
    .where('id', '=', actionId)
    .where('version', '=', version)
    .where('removedAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function insertFamilyActionUpdate(
  db: Db,
  row: { authorityId: string; id: string; actionId: string; episodeId: string; status: PlanActionStatus | null; note: string | null; familyTeamMemberId: string | null; accountId: string; byName: string; at: Date },
): Promise<void> {
  await db
    .insertInto('planActionUpdates')
    .values({
      authorityId: row.authorityId,
      id: row.id,
      actionId: row.actionId,
      episodeId: row.episodeId,
      status: row.status,
      note: row.note,
      byUserId: null,
      byFamilyTeamMemberId: row.familyTeamMemberId,
      byFamilyAccountId: row.accountId,
      byName: row.byName,
      at: row.at,
    })
    .execute()
}

export type FamilyActionUpdate = { id: string; status: PlanActionStatus | null; note: string | null; byName: string; at: Date; byFamily: boolean }

export async function listActionUpdates(db: Db, authorityId: string, actionId: string): Promise<FamilyActionUpdate[]> {
  const rows = await db
    .selectFrom('planActionUpdates')
    .select(['id', 'status', 'note', 'byName', 'at', 'byFamilyAccountId', 'byFamilyTeamMemberId'])
    .where('authorityId', '=', authorityId)
    .where('actionId', '=', actionId)
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .execute()
  return rows.map(({ byFamilyAccountId, byFamilyTeamMemberId, ...row }) => ({ ...row, byFamily: byFamilyAccountId !== null || byFamilyTeamMemberId !== null }))
}

export async function latestAgreedVersion(db: Db, authorityId: string, episodeId: string): Promise<{ number: number; agreedAt: Date } | undefined> {
  return db
    .selectFrom('planVersions')
    .select(['number', 'agreedAt'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .orderBy('number', 'desc')
    .limit(1)
    .executeTakeFirst()
}

export async function planChangedSinceAgreed(db: Db, authorityId: string, episodeId: string): Promise<boolean> {
  const row = await db.selectFrom('supportPlans').select('changedSinceAgreed').where('authorityId', '=', authorityId).where('episodeId', '=', episodeId).executeTakeFirst()
  return row?.changedSinceAgreed ?? false
}

// ---- meetings -----------------------------------------------------------------------------------------------------

export type FamilyMeeting = {
  id: string
  purpose: 'first_team_meeting' | 'team_meeting' | 'review'
  startsAt: Date
  endsAt: Date
  venueName: string | null
  venueAddress: string | null
  neutralVenue: boolean
  accessibilityNotes: string | null
  remoteLink: string | null
  status: 'scheduled' | 'cancelled' | 'held'
  icsUid: string
  icsSequence: number
  cancelReason: string | null
  minutesStatus: MinutesStatus | null
  minutesDueOn: string | null
  circulatedAt: Date | null
}

function meetingsQuery(db: Db, authorityId: string, episodeId: string) {
  return db
    .selectFrom('meetings')
    .leftJoin('meetingMinutes', join => join.onRef('meetingMinutes.authorityId', '=', 'meetings.authorityId').onRef('meetingMinutes.meetingId', '=', 'meetings.id'))
    .select([
      'meetings.id',
      'meetings.purpose',
      'meetings.startsAt',
      'meetings.endsAt',
      'meetings.venueName',
      'meetings.venueAddress',
      'meetings.neutralVenue',
      'meetings.accessibilityNotes',
      'meetings.remoteLink',
      'meetings.status',
      'meetings.icsUid',
      'meetings.icsSequence',
      'meetings.cancelReason',
      'meetingMinutes.status as minutesStatus',
      'meetingMinutes.dueOn as minutesDueOn',
      'meetingMinutes.circulatedAt',
    ])
    .where('meetings.authorityId', '=', authorityId)
    .where('meetings.episodeId', '=', episodeId)
}

function toMeeting<T extends { minutesDueOn: string | Date | null }>(row: T) {
  return { ...row, minutesDueOn: dateColumn(row.minutesDueOn) }
}

export async function listMeetings(db: Db, authorityId: string, episodeId: string): Promise<FamilyMeeting[]> {
  const rows = await meetingsQuery(db, authorityId, episodeId).orderBy('meetings.startsAt', 'desc').execute()
  return rows.map(toMeeting)
}

export async function findMeeting(db: Db, authorityId: string, episodeId: string, meetingId: string): Promise<FamilyMeeting | undefined> {
  const row = await meetingsQuery(db, authorityId, episodeId).where('meetings.id', '=', meetingId).executeTakeFirst()
  return row ? toMeeting(row) : undefined
}

/** The circulated minutes of a meeting (never a draft, or minutes waiting for the chair). */
export async function findCirculatedMinutes(db: Db, authorityId: string, meetingId: string): Promise<{ discussion: string; decisions: string; familyViews: string; circulatedAt: Date | null } | undefined> {
  return db
    .selectFrom('meetingMinutes')
    .select(['discussion', 'decisions', 'familyViews', 'circulatedAt'])
    .where('authorityId', '=', authorityId)
    .where('meetingId', '=', meetingId)
    .where('status', '=', 'circulated')
    .executeTakeFirst()
}

export async function listInviteeNames(db: Db, authorityId: string, meetingId: string): Promise<{ name: string; attendance: string | null }[]> {
  return db
    .selectFrom('meetingInvitees')
    .select(['name', 'attendance'])
    .where('authorityId', '=', authorityId)
    .where('meetingId', '=', meetingId)
    .where('removedAt', 'is', null)
    .orderBy('invitedAt')
    .orderBy('name')
    .execute()
}

export async function listAgenda(db: Db, authorityId: string, meetingId: string): Promise<{ id: string; text: string; addedByName: string; byFamily: boolean }[]> {
  const rows = await db
    .selectFrom('agendaItems')
    .select(['id', 'text', 'addedByName', 'addedByFamilyAccountId', 'addedByFamilyTeamMemberId'])
    .where('authorityId', '=', authorityId)
    .where('meetingId', '=', meetingId)
    .where('removedAt', 'is', null)
    .orderBy('addedAt')
    .orderBy('id')
    .execute()
  return rows.map(row => ({ id: row.id, text: row.text, addedByName: row.addedByName, byFamily: row.addedByFamilyAccountId !== null || row.addedByFamilyTeamMemberId !== null }))
}

export async function insertFamilyAgendaItem(
  db: Db,
  row: { authorityId: string; id: string; meetingId: string; text: string; familyTeamMemberId: string | null; accountId: string; byName: string; at: Date },
): Promise<void> {
  await db
    .insertInto('agendaItems')
    .values({
      authorityId: row.authorityId,
      id: row.id,
      meetingId: row.meetingId,
      text: row.text,
      addedByUserId: null,
      addedByFamilyTeamMemberId: row.familyTeamMemberId,
      addedByFamilyAccountId: row.accountId,
      addedByName: row.byName,
      addedAt: row.at,
      removedAt: null,
    })
    .execute()
}

export async function listActionsFromMeeting(db: Db, authorityId: string, meetingId: string): Promise<FamilyAction[]> {
  const rows = await db
    .selectFrom('planActions')
    .select(actionColumns)
    .where('authorityId', '=', authorityId)
    .where('sourceMeetingId', '=', meetingId)
    .where('removedAt', 'is', null)
    .orderBy('createdAt')
    .execute()
  return rows.map(toAction)
}

// ---- "what I want to say" before a meeting -----------------------------------------------------------------------

export type BeforeMeetingView = { id: string; goingWell: string; worrying: string; wouldLike: string; updatedAt: Date; version: number }

export async function findBeforeMeetingView(db: Db, authorityId: string, accountId: string, meetingId: string): Promise<BeforeMeetingView | undefined> {
  return db
    .selectFrom('familyViews')
    .select(['id', 'goingWell', 'worrying', 'wouldLike', 'updatedAt', 'version'])
    .where('authorityId', '=', authorityId)
    .where('accountId', '=', accountId)
    .where('meetingId', '=', meetingId)
    .where('kind', '=', 'before_meeting')
    .orderBy('createdAt')
    .executeTakeFirst()
}

export async function insertBeforeMeetingView(
  db: Db,
  row: { authorityId: string; id: string; episodeId: string; accountId: string; meetingId: string; goingWell: string; worrying: string; wouldLike: string; at: Date },
): Promise<void> {
  await db
    .insertInto('familyViews')
    .values({
      authorityId: row.authorityId,
      id: row.id,
      episodeId: row.episodeId,
      accountId: row.accountId,
      meetingId: row.meetingId,
      kind: 'before_meeting',
      goingWell: row.goingWell,
      worrying: row.worrying,
      wouldLike: row.wouldLike,
      sharedWithFamily: false,
      sharedWithTeam: true,
      createdAt: row.at,
      updatedAt: row.at,
    })
    .execute()
}

export async function updateBeforeMeetingView(
  db: Db,
  row: { authorityId: string; id: string; version: number; goingWell: string; worrying: string; wouldLike: string; at: Date },
): Promise<boolean> {
  const result = await db
    .updateTable('familyViews')
    .set(eb => ({ goingWell: row.goingWell, worrying: row.worrying, wouldLike: row.wouldLike, updatedAt: row.at, version: eb('version', '+', 1) }))
    .where('authorityId', '=', row.authorityId)
    .where('id', '=', row.id)
    .where('version', '=', row.version)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export type BeforeMeetingViewForTeam = { accountName: string; goingWell: string; worrying: string; wouldLike: string; updatedAt: Date }

/** What family members wrote before a meeting, for the team's meeting page (src/features/meetings shows it). */
export async function listBeforeMeetingViewsForTeam(db: Db, authorityId: string, meetingId: string): Promise<BeforeMeetingViewForTeam[]> {
  return db
    .selectFrom('familyViews')
    .innerJoin('familyAccounts', join => join.onRef('familyAccounts.authorityId', '=', 'familyViews.authorityId').onRef('familyAccounts.id', '=', 'familyViews.accountId'))
    .select(['familyAccounts.name as accountName', 'familyViews.goingWell', 'familyViews.worrying', 'familyViews.wouldLike', 'familyViews.updatedAt'])
    .where('familyViews.authorityId', '=', authorityId)
    .where('familyViews.meetingId', '=', meetingId)
    .where('familyViews.kind', '=', 'before_meeting')
    .where('familyViews.sharedWithTeam', '=', true)
    .orderBy('familyViews.createdAt')
    .execute()
}
