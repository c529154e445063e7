import type { Db } from '../../db/database.ts'
import type { MinutesStatus } from '../../db/schema.ts'

// All Kysely code of team meetings. Every query names the authority it works in.

export type MeetingPurpose = 'first_team_meeting' | 'team_meeting' | 'review'
export type Attendance = 'attended' | 'apologies' | 'did_not_attend'

export type MeetingRecord = {
  id: string
  episodeId: string
  purpose: MeetingPurpose
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
  chairUserId: string | null
  minuteTakerUserId: string | null
  scheduledByUserId: string
  createdAt: Date
  cancelledAt: Date | null
  cancelReason: string | null
  version: number
}

const meetingColumns = [
  'id',
  'episodeId',
  'purpose',
  'startsAt',
  'endsAt',
  'venueName',
  'venueAddress',
  'neutralVenue',
  'accessibilityNotes',
  'remoteLink',
  'status',
  'icsUid',
  'icsSequence',
  'chairUserId',
  'minuteTakerUserId',
  'scheduledByUserId',
  'createdAt',
  'cancelledAt',
  'cancelReason',
  'version',
] as const

export type InviteeRecord = {
  id: string
  userId: string | null
  familyTeamMemberId: string | null
  name: string
  email: string | null
  attendance: Attendance | null
}

export type AgendaItemRecord = {
  id: string
  text: string
  addedByUserId: string | null
  addedByFamilyTeamMemberId: string | null
  addedByName: string
  addedAt: Date
  /** Added by a family member in their own view (src/features/family-pages). */
  addedByFamilyAccountId: string | null
}

export type MinutesRecord = {
  meetingId: string
  discussion: string
  decisions: string
  familyViews: string
  status: MinutesStatus
  dueOn: string
  draftedByUserId: string | null
  submittedAt: Date | null
  approvedByUserId: string | null
  approvedAt: Date | null
  circulatedAt: Date | null
  updatedAt: Date
  version: number
}

export type { TeamPractitioner } from '../team/team.repository.ts'
export type FamilySideMember = { id: string; name: string; kind: string; email: string | null }

// ---- the team ----------------------------------------------------------------------------------------------------

/** Family members and family-side supporters on the team now. */
export async function listFamilySideMembers(db: Db, authorityId: string, episodeId: string): Promise<FamilySideMember[]> {
  return db
    .selectFrom('familyTeamMembers')
    .select(['id', 'name', 'kind', 'email'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('leftAt', 'is', null)
    .orderBy('name')
    .execute()
}

export async function findUserName(db: Db, authorityId: string, userId: string): Promise<string | undefined> {
  const row = await db.selectFrom('users').select('name').where('authorityId', '=', authorityId).where('id', '=', userId).executeTakeFirst()
  return row?.name
}

// ---- meetings ----------------------------------------------------------------------------------------------------

export async function insertMeeting(
  db: Db,
  meeting: Omit<MeetingRecord, 'status' | 'icsSequence' | 'cancelledAt' | 'cancelReason' | 'version'> & { authorityId: string },
): Promise<void> {
  await db
    .insertInto('meetings')
    .values({ ...meeting, status: 'scheduled', icsSequence: 0, cancelledAt: null, cancelReason: null })
    .execute()
}

export async function listMeetings(db: Db, authorityId: string, episodeId: string): Promise<(MeetingRecord & { minutesStatus: MinutesStatus | null; minutesDueOn: string | null })[]> {
  return db
    .selectFrom('meetings')
    .leftJoin('meetingMinutes', join =>
      join.onRef('meetingMinutes.authorityId', '=', 'meetings.authorityId').onRef('meetingMinutes.meetingId', '=', 'meetings.id'),
    )
    .select(meetingColumns.map(column => `meetings.${column}` as const))
    .select(['meetingMinutes.status as minutesStatus', 'meetingMinutes.dueOn as minutesDueOn'])
    .where('meetings.authorityId', '=', authorityId)
    .where('meetings.episodeId', '=', episodeId)
    .orderBy('meetings.startsAt', 'desc')
    .execute()
}

export async function findMeeting(db: Db, authorityId: string, episodeId: string, meetingId: string): Promise<MeetingRecord | undefined> {
  return db
    .selectFrom('meetings')
    .select(meetingColumns)
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('id', '=', meetingId)
    .executeTakeFirst()
}

/** Locks the meeting row for the rest of the transaction (two people changing one meeting wait for each other). */
export async function lockMeeting(db: Db, authorityId: string, meetingId: string): Promise<boolean> {
  const row = await db.selectFrom('meetings').select('id').where('authorityId', '=', authorityId).where('id', '=', meetingId).forUpdate().executeTakeFirst()
  return row !== undefined
}

/** Changes a meeting if it is still at `version`; false when someone else saved first. */
export async function updateMeeting(
  db: Db,
  authorityId: string,
  meetingId: string,
  version: number,
  changes: Partial<Pick<MeetingRecord, 'purpose' | 'startsAt' | 'endsAt' | 'venueName' | 'venueAddress' | 'neutralVenue' | 'accessibilityNotes' | 'remoteLink' | 'status' | 'icsSequence' | 'chairUserId' | 'minuteTakerUserId' | 'cancelledAt' | 'cancelReason'>>,
): Promise<boolean> {
  const result = await db
    .updateTable('meetings')
    .set(eb => ({ ...changes, version: eb('version', '+', 1) }))
    .where('authorityId', '=', authorityId)
    .where('id', '=', meetingId)
    .where('version', '=', version)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

// ---- invitees ----------------------------------------------------------------------------------------------------

export async function listInvitees(db: Db, authorityId: string, meetingId: string): Promise<InviteeRecord[]> {
  return db
    .selectFrom('meetingInvitees')
    .select(['id', 'userId', 'familyTeamMemberId', 'name', 'email', 'attendance'])
    .where('authorityId', '=', authorityId)
    .where('meetingId', '=', meetingId)
    .where('removedAt', 'is', null)
    .orderBy('invitedAt')
    .orderBy('name')
    .execute()
}

export async function insertInvitees(
  db: Db,
  authorityId: string,
  meetingId: string,
  invitees: { id: string; userId: string | null; familyTeamMemberId: string | null; name: string; email: string | null }[],
  at: Date,
): Promise<void> {
  if (invitees.length === 0) return
  await db
    .insertInto('meetingInvitees')
    .values(invitees.map(invitee => ({ ...invitee, authorityId, meetingId, attendance: null, invitedAt: at, removedAt: null })))
    .execute()
}

export async function removeInvitees(db: Db, authorityId: string, meetingId: string, inviteeIds: string[], at: Date): Promise<void> {
  if (inviteeIds.length === 0) return
  await db
    .updateTable('meetingInvitees')
    .set({ removedAt: at })
    .where('authorityId', '=', authorityId)
    .where('meetingId', '=', meetingId)
    .where('id', 'in', inviteeIds)
    .execute()
}

export async function setAttendance(db: Db, authorityId: string, meetingId: string, inviteeId: string, attendance: Attendance): Promise<void> {
  await db
    .updateTable('meetingInvitees')
    .set({ attendance })
    .where('authorityId', '=', authorityId)
    .where('meetingId', '=', meetingId)
    .where('id', '=', inviteeId)
    .execute()
}

// ---- agenda ------------------------------------------------------------------------------------------------------

export async function listAgendaItems(db: Db, authorityId: string, meetingId: string): Promise<AgendaItemRecord[]> {
  return db
    .selectFrom('agendaItems')
    .select(['id', 'text', 'addedByUserId', 'addedByFamilyTeamMemberId', 'addedByName', 'addedAt', 'addedByFamilyAccountId'])
    .where('authorityId', '=', authorityId)
    .where('meetingId', '=', meetingId)
    .where('removedAt', 'is', null)
    .orderBy('addedAt')
    .orderBy('id')
    .execute()
}

export async function insertAgendaItem(
  db: Db,
  item: { authorityId: string; id: string; meetingId: string; text: string; addedByUserId: string | null; addedByFamilyTeamMemberId: string | null; addedByName: string; at: Date },
): Promise<void> {
  const { at, ...rest } = item
  await db.insertInto('agendaItems').values({ ...rest, addedAt: at, removedAt: null }).execute()
}

// ---- minutes -----------------------------------------------------------------------------------------------------

const minutesColumns = [
  'meetingId',
  'discussion',
  'decisions',
  'familyViews',
  'status',
  'dueOn',
  'draftedByUserId',
  'submittedAt',
  'approvedByUserId',
  'approvedAt',
  'circulatedAt',
  'updatedAt',
  'version',
] as const

export async function findMinutes(db: Db, authorityId: string, meetingId: string): Promise<MinutesRecord | undefined> {
  return db.selectFrom('meetingMinutes').select(minutesColumns).where('authorityId', '=', authorityId).where('meetingId', '=', meetingId).executeTakeFirst()
}

/** The minutes record starts with the meeting, empty, so its due date is known (and watched) from the start. */
export async function insertMinutes(db: Db, authorityId: string, meetingId: string, dueOn: string, at: Date): Promise<void> {
  await db.insertInto('meetingMinutes').values({ authorityId, meetingId, status: 'draft', dueOn, updatedAt: at }).execute()
}

export async function updateMinutes(
  db: Db,
  authorityId: string,
  meetingId: string,
  version: number | null,
  changes: Partial<Omit<MinutesRecord, 'meetingId' | 'version'>>,
): Promise<boolean> {
  let query = db
    .updateTable('meetingMinutes')
    .set(eb => ({ ...changes, version: eb('version', '+', 1) }))
    .where('authorityId', '=', authorityId)
    .where('meetingId', '=', meetingId)
  if (version !== null) query = query.where('version', '=', version)
  const result = await query.executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Actions that entered the plan from this meeting's minutes. */
export async function listActionsFromMeeting(db: Db, authorityId: string, meetingId: string) {
  return db
    .selectFrom('planActions')
    .select(['id', 'what', 'ownerName', 'dueOn', 'status'])
    .where('authorityId', '=', authorityId)
    .where('sourceMeetingId', '=', meetingId)
    .where('removedAt', 'is', null)
    .orderBy('createdAt')
    .execute()
}

export async function findAgencyName(db: Db, agencyId: string): Promise<string | undefined> {
  const row = await db.selectFrom('agencies').select('name').where('id', '=', agencyId).executeTakeFirst()
  return row?.name
}

// ---- bank holidays -----------------------------------------------------------------------------------------------

export async function listAddedBankHolidays(db: Db, authorityId: string): Promise<{ holidayOn: string; title: string; addedAt: Date; addedByName: string | null }[]> {
  return db
    .selectFrom('bankHolidays')
    .leftJoin('users', 'users.id', 'bankHolidays.addedByUserId')
    .select(['bankHolidays.holidayOn', 'bankHolidays.title', 'bankHolidays.addedAt', 'users.name as addedByName'])
    .where('bankHolidays.authorityId', '=', authorityId)
    .orderBy('bankHolidays.holidayOn')
    .execute()
}

export async function insertBankHoliday(db: Db, holiday: { authorityId: string; holidayOn: string; title: string; addedByUserId: string; at: Date }): Promise<boolean> {
  const inserted = await db
    .insertInto('bankHolidays')
    .values({ authorityId: holiday.authorityId, holidayOn: holiday.holidayOn, title: holiday.title, addedByUserId: holiday.addedByUserId, addedAt: holiday.at })
    .onConflict(conflict => conflict.columns(['authorityId', 'holidayOn']).doNothing())
    .returning('holidayOn')
    .executeTakeFirst()
  return inserted !== undefined
}

export async function deleteBankHoliday(db: Db, authorityId: string, holidayOn: string): Promise<boolean> {
  const result = await db.deleteFrom('bankHolidays').where('authorityId', '=', authorityId).where('holidayOn', '=', holidayOn).executeTakeFirst()
  return Number(result.numDeletedRows) === 1
}

/** Minutes not yet circulated whose due date is on or after `from`, with their meeting's start: to recompute due dates. */
export async function listOpenMinutesDueFrom(db: Db, authorityId: string, from: string): Promise<{ meetingId: string; startsAt: Date }[]> {
  return db
    .selectFrom('meetingMinutes')
    .innerJoin('meetings', join => join.onRef('meetings.authorityId', '=', 'meetingMinutes.authorityId').onRef('meetings.id', '=', 'meetingMinutes.meetingId'))
    .select(['meetingMinutes.meetingId', 'meetings.startsAt'])
    .where('meetingMinutes.authorityId', '=', authorityId)
    .where('meetingMinutes.status', '<>', 'circulated')
    .where('meetingMinutes.dueOn', '>=', from)
    .execute()
}

/** The agencies of the practitioners on the team now: who an action can be given to as an agency. */
export async function listTeamAgencies(db: Db, authorityId: string, episodeId: string): Promise<{ id: string; name: string }[]> {
  return db
    .selectFrom('episodeMembers')
    .innerJoin('agencies', 'agencies.id', 'episodeMembers.agencyId')
    .select(['agencies.id', 'agencies.name'])
    .distinct()
    .where('episodeMembers.authorityId', '=', authorityId)
    .where('episodeMembers.episodeId', '=', episodeId)
    .where('episodeMembers.leftAt', 'is', null)
    .where('episodeMembers.role', 'in', ['owner', 'member'])
    .orderBy('agencies.name')
    .execute()
}
