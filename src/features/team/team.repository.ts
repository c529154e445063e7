import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { EpisodeStatus, FamilyTeamMemberKind, LeadScope } from '../../db/schema.ts'

// All database code of the team around the family: practitioners on the team (episode_members), family members and
// supporters (family_team_members), the team's history (team_changes), lead professionals and handovers.

export type EpisodeState = { id: string; reference: string; status: EpisodeStatus; startedAt: Date }

/** Locks the episode row: team changes and lead appointments of one episode happen one at a time. */
export async function lockEpisode(db: Db, authorityId: string, episodeId: string): Promise<EpisodeState | undefined> {
  return db
    .selectFrom('episodes')
    .select(['id', 'reference', 'status', 'startedAt'])
    .where('authorityId', '=', authorityId)
    .where('id', '=', episodeId)
    .forUpdate()
    .executeTakeFirst()
}

export async function findEpisodeState(db: Db, authorityId: string, episodeId: string): Promise<EpisodeState | undefined> {
  return db
    .selectFrom('episodes')
    .select(['id', 'reference', 'status', 'startedAt'])
    .where('authorityId', '=', authorityId)
    .where('id', '=', episodeId)
    .executeTakeFirst()
}

// ---- practitioners ----------------------------------------------------------------------------------------------

export type TeamPractitioner = {
  userId: string
  name: string
  email: string
  role: 'owner' | 'member' | 'contributor'
  teamRole: string | null
  agencyId: string | null
  agencyName: string | null
  agencyDescription: string | null
  agencyPhone: string | null
  agencyEmail: string | null
  joinedAt: Date
  leftAt: Date | null
  leftReason: string | null
}

/** Everyone who is or was a practitioner on the episode (contributors included; the caller filters). */
export async function listPractitioners(db: Db, authorityId: string, episodeId: string): Promise<TeamPractitioner[]> {
  return db
    .selectFrom('episodeMembers')
    .innerJoin('users', join => join.onRef('users.authorityId', '=', 'episodeMembers.authorityId').onRef('users.id', '=', 'episodeMembers.userId'))
    .leftJoin('agencies', join => join.onRef('agencies.authorityId', '=', 'episodeMembers.authorityId').onRef('agencies.id', '=', 'episodeMembers.agencyId'))
    .select([
      'episodeMembers.userId',
      'users.name',
      'users.email',
      'episodeMembers.role',
      'episodeMembers.teamRole',
      'episodeMembers.agencyId',
      'agencies.name as agencyName',
      'agencies.description as agencyDescription',
      'agencies.phone as agencyPhone',
      'agencies.email as agencyEmail',
      'episodeMembers.joinedAt',
      'episodeMembers.leftAt',
      'episodeMembers.leftReason',
    ])
    .where('episodeMembers.authorityId', '=', authorityId)
    .where('episodeMembers.episodeId', '=', episodeId)
    .orderBy('episodeMembers.joinedAt', 'asc')
    .orderBy('users.name', 'asc')
    .execute()
}

/**
 * The practitioners on the team now (the owner and members; contributors and those who left are not), by name: who may
 * be invited to a meeting, own an action or sign the plan. Other features read the team through this.
 */
export async function listCurrentPractitioners(db: Db, authorityId: string, episodeId: string): Promise<TeamPractitioner[]> {
  const everyone = await listPractitioners(db, authorityId, episodeId)
  return everyone.filter(person => person.leftAt === null && person.role !== 'contributor').sort((a, b) => a.name.localeCompare(b.name, 'en-GB'))
}

export async function findMembership(db: Db, authorityId: string, episodeId: string, userId: string) {
  return db
    .selectFrom('episodeMembers')
    .select(['userId', 'role', 'agencyId', 'teamRole', 'joinedAt', 'leftAt'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('userId', '=', userId)
    .executeTakeFirst()
}

/** An active practitioner of the authority and the agencies they work for. */
export async function findActiveUser(db: Db, authorityId: string, userId: string) {
  const user = await db
    .selectFrom('users')
    .select(['id', 'name', 'email'])
    .where('authorityId', '=', authorityId)
    .where('id', '=', userId)
    .where('status', '=', 'active')
    .executeTakeFirst()
  if (!user) return undefined
  const agencies = await db.selectFrom('userAgencies').select('agencyId').where('authorityId', '=', authorityId).where('userId', '=', userId).execute()
  return { ...user, agencyIds: agencies.map(row => row.agencyId) }
}

export type DirectoryEntry = { userId: string; name: string; agencyId: string | null; agencyName: string | null; agencyKind: string | null }

/** Practitioners the team could add: every active account of the authority, once per agency they work for. */
export async function listDirectory(db: Db, authorityId: string): Promise<DirectoryEntry[]> {
  return db
    .selectFrom('users')
    .leftJoin('userAgencies', join => join.onRef('userAgencies.authorityId', '=', 'users.authorityId').onRef('userAgencies.userId', '=', 'users.id'))
    .leftJoin('agencies', join =>
      join.onRef('agencies.authorityId', '=', 'userAgencies.authorityId').onRef('agencies.id', '=', 'userAgencies.agencyId').on('agencies.active', '=', true),
    )
    .select(['users.id as userId', 'users.name', 'agencies.id as agencyId', 'agencies.name as agencyName', 'agencies.kind as agencyKind'])
    .where('users.authorityId', '=', authorityId)
    .where('users.status', '=', 'active')
    .orderBy('agencies.name', 'asc')
    .orderBy('users.name', 'asc')
    .limit(2000)
    .execute()
}

export async function insertMembership(
  db: Db,
  row: { authorityId: string; episodeId: string; userId: string; agencyId: string | null; teamRole: string | null; addedByUserId: string; at: Date },
) {
  await db
    .insertInto('episodeMembers')
    .values({ authorityId: row.authorityId, episodeId: row.episodeId, userId: row.userId, agencyId: row.agencyId, role: 'member', teamRole: row.teamRole, addedByUserId: row.addedByUserId, joinedAt: row.at, leftAt: null })
    .execute()
}

/** A practitioner who left (or was only a contributor) joins the team again as a member; the history keeps the past. */
export async function rejoinMembership(
  db: Db,
  row: { authorityId: string; episodeId: string; userId: string; agencyId: string | null; teamRole: string | null; role: 'owner' | 'member'; addedByUserId: string; at: Date },
) {
  await db
    .updateTable('episodeMembers')
    .set({ role: row.role, agencyId: row.agencyId, teamRole: row.teamRole, addedByUserId: row.addedByUserId, joinedAt: row.at, leftAt: null, leftReason: null, leftByUserId: null })
    .where('authorityId', '=', row.authorityId)
    .where('episodeId', '=', row.episodeId)
    .where('userId', '=', row.userId)
    .execute()
}

export async function endMembership(db: Db, row: { authorityId: string; episodeId: string; userId: string; reason: string; byUserId: string; at: Date }): Promise<boolean> {
  const result = await db
    .updateTable('episodeMembers')
    .set({ leftAt: row.at, leftReason: row.reason, leftByUserId: row.byUserId })
    .where('authorityId', '=', row.authorityId)
    .where('episodeId', '=', row.episodeId)
    .where('userId', '=', row.userId)
    .where('leftAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

// ---- family members and supporters ------------------------------------------------------------------------------

export type FamilyTeamMember = {
  id: string
  personId: string | null
  name: string
  kind: FamilyTeamMemberKind
  relationship: string | null
  organisation: string | null
  email: string | null
  phone: string | null
  joinedAt: Date
  leftAt: Date | null
  leftReason: string | null
  version: number
}

const familyColumns = ['id', 'personId', 'name', 'kind', 'relationship', 'organisation', 'email', 'phone', 'joinedAt', 'leftAt', 'leftReason', 'version'] as const

export async function listFamilyMembers(db: Db, authorityId: string, episodeId: string): Promise<FamilyTeamMember[]> {
  return db
    .selectFrom('familyTeamMembers')
    .select(familyColumns)
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .orderBy('joinedAt', 'asc')
    .orderBy('name', 'asc')
    .execute()
}

export async function findFamilyMember(db: Db, authorityId: string, episodeId: string, id: string): Promise<FamilyTeamMember | undefined> {
  return db
    .selectFrom('familyTeamMembers')
    .select(familyColumns)
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('id', '=', id)
    .executeTakeFirst()
}

export async function insertFamilyMember(
  db: Db,
  row: {
    authorityId: string
    id: string
    episodeId: string
    personId: string | null
    name: string
    kind: FamilyTeamMemberKind
    relationship: string | null
    organisation: string | null
    email: string | null
    phone: string | null
    addedByUserId: string
    at: Date
  },
) {
  const { at, ...values } = row
  await db.insertInto('familyTeamMembers').values({ ...values, joinedAt: at, leftAt: null, leftReason: null }).execute()
}

export async function endFamilyMember(db: Db, row: { authorityId: string; episodeId: string; id: string; version: number; reason: string; at: Date }): Promise<boolean> {
  const result = await db
    .updateTable('familyTeamMembers')
    .set({ leftAt: row.at, leftReason: row.reason, version: sql<number>`version + 1` })
    .where('authorityId', '=', row.authorityId)
    .where('episodeId', '=', row.episodeId)
    .where('id', '=', row.id)
    .where('version', '=', row.version)
    .where('leftAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** The people of the episode and of its household: the family members the team can add by name. */
export async function listFamilyPeople(db: Db, authorityId: string, episodeId: string) {
  const episodePeople = db
    .selectFrom('episodePeople')
    .select('personId')
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
  const householdPeople = db
    .selectFrom('householdMembers')
    .innerJoin('episodes', join => join.onRef('episodes.authorityId', '=', 'householdMembers.authorityId').onRef('episodes.householdId', '=', 'householdMembers.householdId'))
    .select('householdMembers.personId')
    .where('householdMembers.authorityId', '=', authorityId)
    .where('episodes.id', '=', episodeId)
    .where('householdMembers.leftAt', 'is', null)
  return db
    .selectFrom('persons')
    .select(['id', 'givenNames', 'familyName', 'dateOfBirth', 'email', 'phone'])
    .where('authorityId', '=', authorityId)
    .where('mergedIntoId', 'is', null)
    .where(eb => eb.or([eb('id', 'in', episodePeople), eb('id', 'in', householdPeople)]))
    .orderBy('dateOfBirth', 'asc')
    .orderBy('givenNames', 'asc')
    .execute()
}

// ---- history ----------------------------------------------------------------------------------------------------

export type TeamChange = {
  id: string
  change: 'joined' | 'left' | 'role_changed'
  userId: string | null
  familyTeamMemberId: string | null
  memberName: string
  detail: string | null
  byName: string | null
  at: Date
}

export async function insertTeamChange(
  db: Db,
  row: { authorityId: string; id: string; episodeId: string; change: 'joined' | 'left' | 'role_changed'; userId: string | null; familyTeamMemberId: string | null; memberName: string; detail: string | null; byUserId: string; at: Date },
) {
  await db.insertInto('teamChanges').values(row).execute()
}

export async function listTeamChanges(db: Db, authorityId: string, episodeId: string): Promise<TeamChange[]> {
  return db
    .selectFrom('teamChanges')
    .leftJoin('users', join => join.onRef('users.authorityId', '=', 'teamChanges.authorityId').onRef('users.id', '=', 'teamChanges.byUserId'))
    .select(['teamChanges.id', 'teamChanges.change', 'teamChanges.userId', 'teamChanges.familyTeamMemberId', 'teamChanges.memberName', 'teamChanges.detail', 'users.name as byName', 'teamChanges.at'])
    .where('teamChanges.authorityId', '=', authorityId)
    .where('teamChanges.episodeId', '=', episodeId)
    .orderBy('teamChanges.at', 'desc')
    .orderBy('teamChanges.id', 'desc')
    .execute()
}

// ---- lead professionals -----------------------------------------------------------------------------------------

export type LeadProfessional = {
  id: string
  scope: LeadScope
  userId: string
  name: string
  email: string
  agencyId: string | null
  agencyName: string | null
  appointedVia: 'team_meeting' | 'panel' | 'handover' | 'other'
  familyChose: boolean
  familyPreference: string | null
  appointedByName: string | null
  startedAt: Date
  endedAt: Date | null
  endedReason: string | null
  version: number
}

/** Every lead professional the episode has had, current ones (ended_at null) included, newest first. */
export async function listLeads(db: Db, authorityId: string, episodeId: string): Promise<LeadProfessional[]> {
  return db
    .selectFrom('leadProfessionals')
    .innerJoin('users', join => join.onRef('users.authorityId', '=', 'leadProfessionals.authorityId').onRef('users.id', '=', 'leadProfessionals.userId'))
    .leftJoin('users as appointer', join =>
      join.onRef('appointer.authorityId', '=', 'leadProfessionals.authorityId').onRef('appointer.id', '=', 'leadProfessionals.appointedByUserId'),
    )
    .leftJoin('agencies', join => join.onRef('agencies.authorityId', '=', 'leadProfessionals.authorityId').onRef('agencies.id', '=', 'leadProfessionals.agencyId'))
    .select([
      'leadProfessionals.id',
      'leadProfessionals.scope',
      'leadProfessionals.userId',
      'users.name',
      'users.email',
      'leadProfessionals.agencyId',
      'agencies.name as agencyName',
      'leadProfessionals.appointedVia',
      'leadProfessionals.familyChose',
      'leadProfessionals.familyPreference',
      'appointer.name as appointedByName',
      'leadProfessionals.startedAt',
      'leadProfessionals.endedAt',
      'leadProfessionals.endedReason',
      'leadProfessionals.version',
    ])
    .where('leadProfessionals.authorityId', '=', authorityId)
    .where('leadProfessionals.episodeId', '=', episodeId)
    .orderBy('leadProfessionals.startedAt', 'desc')
    .orderBy('leadProfessionals.id', 'desc')
    .execute()
}

/** The lead professional(s) now: at most one per scope. Other features read the lead through this. */
export async function listCurrentLeads(db: Db, authorityId: string, episodeId: string): Promise<LeadProfessional[]> {
  return (await listLeads(db, authorityId, episodeId)).filter(lead => lead.endedAt === null)
}

export async function insertLead(
  db: Db,
  row: {
    authorityId: string
    id: string
    episodeId: string
    scope: LeadScope
    userId: string
    agencyId: string | null
    appointedVia: 'team_meeting' | 'panel' | 'handover' | 'other'
    familyChose: boolean
    familyPreference: string | null
    appointedByUserId: string
    at: Date
  },
) {
  const { at, ...values } = row
  await db.insertInto('leadProfessionals').values({ ...values, meetingId: null, startedAt: at, endedAt: null, endedReason: null }).execute()
}

/** Ends a lead's period at `at` (the moment the next lead starts). False when it had already ended. */
export async function endLead(db: Db, row: { authorityId: string; id: string; reason: string; at: Date }): Promise<boolean> {
  const result = await db
    .updateTable('leadProfessionals')
    .set({ endedAt: row.at, endedReason: row.reason, version: sql<number>`version + 1` })
    .where('authorityId', '=', row.authorityId)
    .where('id', '=', row.id)
    .where('endedAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

// ---- handovers --------------------------------------------------------------------------------------------------

export type Handover = {
  id: string
  episodeId: string
  leadProfessionalId: string
  scope: LeadScope
  fromUserId: string
  fromName: string
  toUserId: string
  toName: string
  note: string
  familyChose: boolean
  familyPreference: string | null
  requestedByUserId: string
  requestedByName: string | null
  requestedAt: Date
  status: 'pending' | 'acknowledged' | 'declined' | 'cancelled'
  respondedAt: Date | null
  responseNote: string | null
  version: number
}

function handoverQuery(db: Db, authorityId: string) {
  return db
    .selectFrom('leadHandovers')
    .innerJoin('users as fromUser', join => join.onRef('fromUser.authorityId', '=', 'leadHandovers.authorityId').onRef('fromUser.id', '=', 'leadHandovers.fromUserId'))
    .innerJoin('users as toUser', join => join.onRef('toUser.authorityId', '=', 'leadHandovers.authorityId').onRef('toUser.id', '=', 'leadHandovers.toUserId'))
    .leftJoin('users as requester', join =>
      join.onRef('requester.authorityId', '=', 'leadHandovers.authorityId').onRef('requester.id', '=', 'leadHandovers.requestedByUserId'),
    )
    .select([
      'leadHandovers.id',
      'leadHandovers.episodeId',
      'leadHandovers.leadProfessionalId',
      'leadHandovers.scope',
      'leadHandovers.fromUserId',
      'fromUser.name as fromName',
      'leadHandovers.toUserId',
      'toUser.name as toName',
      'leadHandovers.note',
      'leadHandovers.familyChose',
      'leadHandovers.familyPreference',
      'leadHandovers.requestedByUserId',
      'requester.name as requestedByName',
      'leadHandovers.requestedAt',
      'leadHandovers.status',
      'leadHandovers.respondedAt',
      'leadHandovers.responseNote',
      'leadHandovers.version',
    ])
    .where('leadHandovers.authorityId', '=', authorityId)
}

export async function listHandovers(db: Db, authorityId: string, episodeId: string): Promise<Handover[]> {
  return handoverQuery(db, authorityId).where('leadHandovers.episodeId', '=', episodeId).orderBy('leadHandovers.requestedAt', 'desc').orderBy('leadHandovers.id', 'desc').execute()
}

export async function findHandover(db: Db, authorityId: string, episodeId: string, handoverId: string): Promise<Handover | undefined> {
  return handoverQuery(db, authorityId).where('leadHandovers.episodeId', '=', episodeId).where('leadHandovers.id', '=', handoverId).executeTakeFirst()
}

export async function insertHandover(
  db: Db,
  row: {
    authorityId: string
    id: string
    episodeId: string
    leadProfessionalId: string
    scope: LeadScope
    fromUserId: string
    toUserId: string
    note: string
    familyChose: boolean
    familyPreference: string | null
    requestedByUserId: string
    at: Date
  },
) {
  const { at, ...values } = row
  await db.insertInto('leadHandovers').values({ ...values, requestedAt: at, status: 'pending', respondedAt: null, responseNote: null }).execute()
}

/** Moves a pending handover on; false when it was not pending at that version any more (someone else answered). */
export async function respondToHandover(
  db: Db,
  row: { authorityId: string; id: string; version: number; status: 'acknowledged' | 'declined' | 'cancelled'; responseNote: string | null; at: Date },
): Promise<boolean> {
  const result = await db
    .updateTable('leadHandovers')
    .set({ status: row.status, responseNote: row.responseNote, respondedAt: row.at, version: sql<number>`version + 1` })
    .where('authorityId', '=', row.authorityId)
    .where('id', '=', row.id)
    .where('version', '=', row.version)
    .where('status', '=', 'pending')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Pending handovers of a lead who is leaving the role some other way are withdrawn with it. */
export async function cancelPendingHandoversOf(db: Db, authorityId: string, leadProfessionalId: string, at: Date, note: string) {
  await db
    .updateTable('leadHandovers')
    .set({ status: 'cancelled', responseNote: note, respondedAt: at, version: sql<number>`version + 1` })
    .where('authorityId', '=', authorityId)
    .where('leadProfessionalId', '=', leadProfessionalId)
    .where('status', '=', 'pending')
    .execute()
}

export type PendingHandover = { id: string; episodeId: string; reference: string; scope: LeadScope; fromName: string; requestedAt: Date }

export async function listPendingHandoversTo(db: Db, authorityId: string, userId: string): Promise<PendingHandover[]> {
  return db
    .selectFrom('leadHandovers')
    .innerJoin('episodes', join => join.onRef('episodes.authorityId', '=', 'leadHandovers.authorityId').onRef('episodes.id', '=', 'leadHandovers.episodeId'))
    .innerJoin('users', join => join.onRef('users.authorityId', '=', 'leadHandovers.authorityId').onRef('users.id', '=', 'leadHandovers.fromUserId'))
    .select(['leadHandovers.id', 'leadHandovers.episodeId', 'episodes.reference', 'leadHandovers.scope', 'users.name as fromName', 'leadHandovers.requestedAt'])
    .where('leadHandovers.authorityId', '=', authorityId)
    .where('leadHandovers.toUserId', '=', userId)
    .where('leadHandovers.status', '=', 'pending')
    .where('episodes.status', '!=', 'closed')
    .orderBy('leadHandovers.requestedAt', 'asc')
    .execute()
}

export type EpisodeWithoutLead = { episodeId: string; reference: string; startedAt: Date; supportSince: Date; lastLeadEndedAt: Date | null }

/**
 * Episodes in support (the assessment is complete) with no current lead professional: when support began (the
 * assessment's approval, else its sign-off, else the episode's start) and when the last lead's period ended (null: never
 * had one). The caller decides how long is too long.
 */
export async function listEpisodesInSupportWithoutLead(db: Db, authorityId: string): Promise<EpisodeWithoutLead[]> {
  const rows = await db
    .selectFrom('episodes')
    .leftJoin('leadProfessionals as ended', join =>
      join.onRef('ended.authorityId', '=', 'episodes.authorityId').onRef('ended.episodeId', '=', 'episodes.id').on('ended.endedAt', 'is not', null),
    )
    .leftJoin('assessments', join => join.onRef('assessments.authorityId', '=', 'episodes.authorityId').onRef('assessments.episodeId', '=', 'episodes.id'))
    .select([
      'episodes.id as episodeId',
      'episodes.reference',
      'episodes.startedAt',
      eb => eb.fn.max('ended.endedAt').as('lastLeadEndedAt'),
      eb => eb.fn.max('assessments.approvedAt').as('approvedAt'),
      eb => eb.fn.max('assessments.signedOffAt').as('signedOffAt'),
    ])
    .where('episodes.authorityId', '=', authorityId)
    .where('episodes.status', '=', 'support')
    .where(eb =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('leadProfessionals as current')
            .select('current.id')
            .whereRef('current.authorityId', '=', 'episodes.authorityId')
            .whereRef('current.episodeId', '=', 'episodes.id')
            .where('current.endedAt', 'is', null),
        ),
      ),
    )
    .groupBy(['episodes.id', 'episodes.reference', 'episodes.startedAt'])
    .orderBy('episodes.startedAt', 'asc')
    .execute()
  const asDate = (value: Date | string | null) => (value === null ? null : new Date(value))
  return rows.map(row => ({
    episodeId: row.episodeId,
    reference: row.reference,
    startedAt: row.startedAt,
    supportSince: asDate(row.approvedAt) ?? asDate(row.signedOffAt) ?? row.startedAt,
    lastLeadEndedAt: asDate(row.lastLeadEndedAt),
  }))
}

// ---- settings ---------------------------------------------------------------------------------------------------

export type SettingsValues = {
  maxTeamPractitioners: number
  noLeadAlertDays: number
  minutesDueWorkingDays: number
  reviewWeeks: number
  closureApprovalRequired: boolean
  outcomesFramework: 'every_child_matters' | 'wales_core_aims'
  youngPersonMinAge?: number
}

/** Saves the settings if they are still at `version` (0: never saved). False when someone else saved first. */
export async function saveSettings(db: Db, authorityId: string, version: number, values: SettingsValues, userId: string, at: Date): Promise<boolean> {
  if (version === 0) {
    const inserted = await db
      .insertInto('earlyHelpSettings')
      .values({ authorityId, ...values, updatedByUserId: userId, updatedAt: at, version: 1 })
      .onConflict(oc => oc.column('authorityId').doNothing())
      .returning('authorityId')
      .executeTakeFirst()
    return inserted !== undefined
  }
  const result = await db
    .updateTable('earlyHelpSettings')
    .set({ ...values, updatedByUserId: userId, updatedAt: at, version: sql<number>`version + 1` })
    .where('authorityId', '=', authorityId)
    .where('version', '=', version)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function findSettingsUpdate(db: Db, authorityId: string) {
  return db
    .selectFrom('earlyHelpSettings')
    .leftJoin('users', join => join.onRef('users.authorityId', '=', 'earlyHelpSettings.authorityId').onRef('users.id', '=', 'earlyHelpSettings.updatedByUserId'))
    .select(['users.name as updatedByName', 'earlyHelpSettings.updatedAt'])
    .where('earlyHelpSettings.authorityId', '=', authorityId)
    .executeTakeFirst()
}
