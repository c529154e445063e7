import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { ChecklistAnswerRecord, ChecklistOutcome, ConsentsTable, EpisodeStatus, SafeguardingReferralsTable } from '../../db/schema.ts'
import type { RecordRelationship } from '../../policy/policy.ts'
import type { TemplateContent } from '../assessments/template-content.ts'
import { episodeCoordinationColumns } from '../panels/coordination.repository.ts'
import { agencyNotAgreed, agencyWithdrawn, sharedWithoutAgreement } from './sharing.repository.ts'

// All Kysely code of episodes of early help. Every query names the authority it works in.

// ---- access ------------------------------------------------------------------------------------------------------

/**
 * What a practitioner is to an episode, for the record-level policy: on its team while an active member (left_at is
 * null); a contributor only counts where the action allows contributors. Returns { onTeam: false } for anyone else.
 * The assessments feature calls this too.
 */
export async function findEpisodeRelationship(
  db: Db,
  authorityId: string,
  episodeId: string,
  userId: string,
): Promise<RecordRelationship> {
  // Access rule (b), coordinators of the episode's locality and panel members while it is listed at their panel, is
  // read in the same round trip: the episode, left-joined to the user's current membership of its team.
  const coordination = episodeCoordinationColumns(authorityId, userId)
  const row = await db
    .selectFrom('episodes as e')
    .leftJoin('episodeMembers as m', join =>
      join.onRef('m.authorityId', '=', 'e.authorityId').onRef('m.episodeId', '=', 'e.id').on('m.userId', '=', userId).on('m.leftAt', 'is', null),
    )
    .select(eb => [
      'm.role',
      agencyWithdrawn.as('withdrawn'),
      // Break-glass (src/features/break-glass): sharing recorded without the family's agreement overrides a
      // withdrawal for that agency; the lead professional may record it.
      sharedWithoutAgreement.as('shared'),
      eb
        .exists(
          eb
            .selectFrom('leadProfessionals as l')
            .select('l.id')
            .whereRef('l.authorityId', '=', 'm.authorityId')
            .whereRef('l.episodeId', '=', 'm.episodeId')
            .whereRef('l.userId', '=', 'm.userId')
            .where('l.endedAt', 'is', null),
        )
        .as('lead'),
      agencyNotAgreed.as('notAgreed'),
      coordination.coordinates.as('coordinates'),
      coordination.listed.as('listed'),
    ])
    .where('e.authorityId', '=', authorityId)
    .where('e.id', '=', episodeId)
    .executeTakeFirst()
  const area = { coordinatesArea: row?.coordinates === true, listedAtPanel: row?.listed === true }
  const member = row?.role ? row : undefined
  if (!member) return { onTeam: false, episodeId, ...area, ...(await breakGlassOf(db, authorityId, episodeId, userId)) }
  const relationship = {
    ...area,
    onTeam: true,
    contributorOnly: member.role === 'contributor',
    agencyConsentWithdrawn: member.withdrawn === true,
    ...(member.notAgreed === true ? { agencyNotAgreed: true } : {}),
    episodeId,
    ...(member.shared === true ? { sharedWithoutAgreement: true } : {}),
    ...(member.lead === true ? { leadProfessional: true } : {}),
  }
  if ((member.withdrawn === true || member.notAgreed === true) && member.shared !== true) return { ...relationship, ...(await breakGlassOf(db, authorityId, episodeId, userId)) }
  return relationship
}

/** The latest emergency (break-glass) grant of this user on this episode: the policy checks it has not run out. */
async function breakGlassOf(db: Db, authorityId: string, episodeId: string, userId: string): Promise<{ breakGlassUntil?: Date }> {
  const grant = await db
    .selectFrom('breakGlassGrants')
    .select('expiresAt')
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('userId', '=', userId)
    .orderBy('expiresAt', 'desc')
    .limit(1)
    .executeTakeFirst()
  return grant ? { breakGlassUntil: new Date(grant.expiresAt) } : {}
}

// ---- people to start an episode for ------------------------------------------------------------------------------

export type CandidatePerson = {
  id: string
  givenNames: string
  familyName: string
  dateOfBirth: string | null
  expectedDateOfBirth: string | null
}

const personColumns = ['id', 'givenNames', 'familyName', 'dateOfBirth', 'expectedDateOfBirth'] as const

export async function findPerson(db: Db, authorityId: string, personId: string): Promise<CandidatePerson | undefined> {
  return db
    .selectFrom('persons')
    .select(personColumns)
    .where('authorityId', '=', authorityId)
    .where('id', '=', personId)
    .where('mergedIntoId', 'is', null)
    .executeTakeFirst()
}

export async function findHousehold(db: Db, authorityId: string, householdId: string) {
  return db
    .selectFrom('households')
    .select(['id', 'name', 'postcode'])
    .where('authorityId', '=', authorityId)
    .where('id', '=', householdId)
    .executeTakeFirst()
}

/** The current members of a household, by date of birth (oldest first). */
export async function listHouseholdPeople(db: Db, authorityId: string, householdId: string): Promise<CandidatePerson[]> {
  return db
    .selectFrom('householdMembers as hm')
    .innerJoin('persons as p', join => join.onRef('p.authorityId', '=', 'hm.authorityId').onRef('p.id', '=', 'hm.personId'))
    .select(['p.id', 'p.givenNames', 'p.familyName', 'p.dateOfBirth', 'p.expectedDateOfBirth'])
    .where('hm.authorityId', '=', authorityId)
    .where('hm.householdId', '=', householdId)
    .where('hm.leftAt', 'is', null)
    .where('p.mergedIntoId', 'is', null)
    .orderBy(sql`coalesce(p.date_of_birth, p.expected_date_of_birth)`, 'asc')
    .orderBy('p.givenNames')
    .execute()
}

// ---- templates ---------------------------------------------------------------------------------------------------

export async function findAuthorityNation(db: Db, authorityId: string) {
  const row = await db.selectFrom('authorities').select('nation').where('id', '=', authorityId).executeTakeFirst()
  return row?.nation
}

/** The authority's latest version (not retired) of a template family, or undefined when none is installed. */
export async function findLatestTemplateVersion(db: Db, authorityId: string, templateKey: string) {
  return db
    .selectFrom('assessmentTemplateVersions')
    .select(['id', 'name', 'versionNumber'])
    .where('authorityId', '=', authorityId)
    .where('templateKey', '=', templateKey)
    .where('retiredAt', 'is', null)
    .orderBy('versionNumber', 'desc')
    .limit(1)
    .executeTakeFirst()
}

export async function findTemplateVersion(db: Db, authorityId: string, templateVersionId: string) {
  const row = await db
    .selectFrom('assessmentTemplateVersions')
    .select(['id', 'name', 'versionNumber', 'content'])
    .where('authorityId', '=', authorityId)
    .where('id', '=', templateVersionId)
    .executeTakeFirst()
  return row ? { ...row, content: row.content as TemplateContent } : undefined
}

// ---- episodes ----------------------------------------------------------------------------------------------------

/** The next reference number of the year: an atomic upsert, so two episodes started at once never share one. */
export async function nextReferenceNumber(db: Db, authorityId: string, year: number): Promise<number> {
  const row = await db
    .insertInto('episodeReferenceCounters')
    .values({ authorityId, year, lastNumber: 1 })
    .onConflict(conflict =>
      conflict.columns(['authorityId', 'year']).doUpdateSet({ lastNumber: sql`episode_reference_counters.last_number + 1` }),
    )
    .returning('lastNumber')
    .executeTakeFirstOrThrow()
  return row.lastNumber
}

export async function insertEpisode(
  db: Db,
  episode: {
    authorityId: string
    id: string
    reference: string
    scope: 'child' | 'family'
    householdId: string | null
    agencyId: string | null
    startedByUserId: string
    startedAt: Date
    templateVersionId: string | null
    people: { personId: string; role: 'child' | 'adult' }[]
    /** A re-referral: the earlier episode about one of the children, closed within 12 months (see findReReferralSource). */
    previousEpisodeId?: string | null
  },
) {
  const { people, ...row } = episode
  await db
    .insertInto('episodes')
    // The episode belongs to the locality of the agency that starts it (its coordinators see it: access rule (b)).
    .values(eb => ({
      ...row,
      localityId: row.agencyId
        ? eb.selectFrom('agencies').select('localityId').where('authorityId', '=', row.authorityId).where('id', '=', row.agencyId)
        : null,
      status: 'checklist',
    }))
    .execute()
  await db
    .insertInto('episodePeople')
    .values(people.map(person => ({ authorityId: episode.authorityId, episodeId: episode.id, ...person })))
    .execute()
  await db
    .insertInto('episodeMembers')
    .values({
      authorityId: episode.authorityId,
      episodeId: episode.id,
      userId: episode.startedByUserId,
      agencyId: episode.agencyId,
      role: 'owner',
      addedByUserId: episode.startedByUserId,
      joinedAt: episode.startedAt,
    })
    .execute()
}

export type EpisodeRecord = {
  id: string
  reference: string
  scope: 'child' | 'family'
  householdId: string | null
  householdName: string | null
  agencyId: string | null
  agencyName: string | null
  status: EpisodeStatus
  safeguardingFlag: boolean
  outcome: string | null
  startedByUserId: string
  startedByName: string | null
  startedAt: Date
  closedAt: Date | null
  templateVersionId: string | null
  version: number
  previousEpisodeId: string | null
}

export async function findEpisode(db: Db, authorityId: string, episodeId: string): Promise<EpisodeRecord | undefined> {
  return db
    .selectFrom('episodes as e')
    .leftJoin('households as h', join => join.onRef('h.authorityId', '=', 'e.authorityId').onRef('h.id', '=', 'e.householdId'))
    .leftJoin('agencies as a', join => join.onRef('a.authorityId', '=', 'e.authorityId').onRef('a.id', '=', 'e.agencyId'))
    .leftJoin('users as u', join => join.onRef('u.authorityId', '=', 'e.authorityId').onRef('u.id', '=', 'e.startedByUserId'))
    .select([
      'e.id',
      'e.reference',
      'e.scope',
      'e.householdId',
      'h.name as householdName',
      'e.agencyId',
      'a.name as agencyName',
      'e.status',
      'e.safeguardingFlag',
      'e.outcome',
      'e.startedByUserId',
      'u.name as startedByName',
      'e.startedAt',
      'e.closedAt',
      'e.templateVersionId',
      'e.version',
      'e.previousEpisodeId',
    ])
    .where('e.authorityId', '=', authorityId)
    .where('e.id', '=', episodeId)
    .executeTakeFirst()
}

/**
 * Re-referral (reviews feature): the most recent episode about any of these children that closed in the 12 months
 * before `at`, or undefined.
 */
export async function findReReferralSource(db: Db, authorityId: string, childIds: readonly string[], at: Date): Promise<{ id: string; reference: string; closedAt: Date | null } | undefined> {
  if (childIds.length === 0) return undefined
  const yearBefore = new Date(at)
  yearBefore.setUTCFullYear(yearBefore.getUTCFullYear() - 1)
  return db
    .selectFrom('episodes as e')
    .select(['e.id', 'e.reference', 'e.closedAt'])
    .where('e.authorityId', '=', authorityId)
    .where('e.status', '=', 'closed')
    .where('e.closedAt', '>=', yearBefore)
    .where('e.closedAt', '<=', at)
    .where(eb =>
      eb.exists(
        eb
          .selectFrom('episodePeople as ep')
          .select('ep.personId')
          .whereRef('ep.authorityId', '=', 'e.authorityId')
          .whereRef('ep.episodeId', '=', 'e.id')
          .where('ep.role', '=', 'child')
          .where('ep.personId', 'in', [...childIds]),
      ),
    )
    .orderBy('e.closedAt', 'desc')
    .limit(1)
    .executeTakeFirst()
}

/** The previous episode of a re-referral, for the episode page. */
export async function findPreviousEpisode(db: Db, authorityId: string, episodeId: string): Promise<{ id: string; reference: string; closedAt: Date | null } | undefined> {
  return db.selectFrom('episodes').select(['id', 'reference', 'closedAt']).where('authorityId', '=', authorityId).where('id', '=', episodeId).executeTakeFirst()
}

/** Locks the episode row for the rest of the transaction, so that status changes are serialised. */
export async function lockEpisode(db: Db, authorityId: string, episodeId: string) {
  return db
    .selectFrom('episodes')
    .select(['id', 'status', 'version', 'closedAt', 'safeguardingFlag'])
    .where('authorityId', '=', authorityId)
    .where('id', '=', episodeId)
    .forUpdate()
    .executeTakeFirst()
}

export async function updateEpisodeState(
  db: Db,
  authorityId: string,
  episodeId: string,
  changes: { status?: EpisodeStatus; outcome?: string | null; closedAt?: Date | null; safeguardingFlag?: boolean },
) {
  await db
    .updateTable('episodes')
    .set({ ...changes, version: sql`version + 1` })
    .where('authorityId', '=', authorityId)
    .where('id', '=', episodeId)
    .execute()
}

export type EpisodePerson = CandidatePerson & { role: 'child' | 'adult' }

export async function listEpisodePeople(db: Db, authorityId: string, episodeId: string): Promise<EpisodePerson[]> {
  return db
    .selectFrom('episodePeople as ep')
    .innerJoin('persons as p', join => join.onRef('p.authorityId', '=', 'ep.authorityId').onRef('p.id', '=', 'ep.personId'))
    .select(['p.id', 'p.givenNames', 'p.familyName', 'p.dateOfBirth', 'p.expectedDateOfBirth', 'ep.role'])
    .where('ep.authorityId', '=', authorityId)
    .where('ep.episodeId', '=', episodeId)
    .orderBy('ep.role', 'desc')
    .orderBy(sql`coalesce(p.date_of_birth, p.expected_date_of_birth)`, 'asc')
    .execute()
}

export type EpisodeMember = { userId: string; name: string; agencyName: string | null; role: 'owner' | 'member' | 'contributor'; joinedAt: Date }

export async function listEpisodeMembers(db: Db, authorityId: string, episodeId: string): Promise<EpisodeMember[]> {
  return db
    .selectFrom('episodeMembers as m')
    .innerJoin('users as u', join => join.onRef('u.authorityId', '=', 'm.authorityId').onRef('u.id', '=', 'm.userId'))
    .leftJoin('agencies as a', join => join.onRef('a.authorityId', '=', 'm.authorityId').onRef('a.id', '=', 'm.agencyId'))
    .select(['m.userId', 'u.name', 'a.name as agencyName', 'm.role', 'm.joinedAt'])
    .where('m.authorityId', '=', authorityId)
    .where('m.episodeId', '=', episodeId)
    .where('m.leftAt', 'is', null)
    .orderBy('m.joinedAt')
    .execute()
}

export type EpisodeListItem = {
  id: string
  reference: string
  scope: 'child' | 'family'
  status: EpisodeStatus
  safeguardingFlag: boolean
  outcome: string | null
  startedAt: Date
  role: 'owner' | 'member' | 'contributor'
  people: string
}

/** The episodes the user is an active member of, newest first. */
export async function listEpisodesOfMember(db: Db, authorityId: string, userId: string): Promise<EpisodeListItem[]> {
  return db
    .selectFrom('episodeMembers as m')
    .innerJoin('episodes as e', join => join.onRef('e.authorityId', '=', 'm.authorityId').onRef('e.id', '=', 'm.episodeId'))
    .select([
      'e.id',
      'e.reference',
      'e.scope',
      'e.status',
      'e.safeguardingFlag',
      'e.outcome',
      'e.startedAt',
      'm.role',
      eb =>
        eb
          .selectFrom('episodePeople as ep')
          .innerJoin('persons as p', join => join.onRef('p.authorityId', '=', 'ep.authorityId').onRef('p.id', '=', 'ep.personId'))
          .select(sql<string>`string_agg(p.given_names || ' ' || p.family_name, ', ' order by p.date_of_birth)`.as('names'))
          .whereRef('ep.authorityId', '=', 'e.authorityId')
          .whereRef('ep.episodeId', '=', 'e.id')
          .where('ep.role', '=', 'child')
          .as('people'),
    ])
    .where('m.authorityId', '=', authorityId)
    .where('m.userId', '=', userId)
    .where('m.leftAt', 'is', null)
    .orderBy('e.startedAt', 'desc')
    .limit(500)
    .execute()
    .then(rows => rows.map(row => ({ ...row, people: row.people ?? '' })))
}

// ---- checklist ---------------------------------------------------------------------------------------------------

export type ChecklistRecord = {
  templateVersionId: string | null
  answers: ChecklistAnswerRecord[]
  outcome: ChecklistOutcome
  notes: string
  recordedByName: string | null
  recordedAt: Date
  version: number
}

export async function findChecklist(db: Db, authorityId: string, episodeId: string): Promise<ChecklistRecord | undefined> {
  return db
    .selectFrom('episodeChecklists as c')
    .leftJoin('users as u', join => join.onRef('u.authorityId', '=', 'c.authorityId').onRef('u.id', '=', 'c.recordedByUserId'))
    .select(['c.templateVersionId', 'c.answers', 'c.outcome', 'c.notes', 'u.name as recordedByName', 'c.recordedAt', 'c.version'])
    .where('c.authorityId', '=', authorityId)
    .where('c.episodeId', '=', episodeId)
    .executeTakeFirst()
}

type ChecklistWrite = {
  templateVersionId: string | null
  answers: ChecklistAnswerRecord[]
  outcome: ChecklistOutcome
  notes: string
  recordedByUserId: string
  recordedAt: Date
}

/** Inserts the first checklist; false when one exists already (someone else saved it first). */
export async function insertChecklist(db: Db, authorityId: string, episodeId: string, checklist: ChecklistWrite): Promise<boolean> {
  const result = await db
    .insertInto('episodeChecklists')
    .values({ authorityId, episodeId, ...checklist, answers: JSON.stringify(checklist.answers) })
    .onConflict(conflict => conflict.columns(['authorityId', 'episodeId']).doNothing())
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1
}

/** Changes the checklist only if it is still at the version the form was opened with. */
export async function updateChecklist(
  db: Db,
  authorityId: string,
  episodeId: string,
  version: number,
  checklist: ChecklistWrite,
): Promise<boolean> {
  const result = await db
    .updateTable('episodeChecklists')
    .set({ ...checklist, answers: JSON.stringify(checklist.answers), version: sql`version + 1` })
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('version', '=', version)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

// ---- safeguarding referrals ------------------------------------------------------------------------------------------

export type ReferralRecord = {
  id: string
  referredTo: SafeguardingReferralsTable['referredTo']
  concern: string
  referredAt: Date
  method: SafeguardingReferralsTable['method']
  reference: string | null
  spokeTo: string | null
  outcome: string | null
  outcomeRecordedAt: Date | null
  recordedByName: string | null
  recordedAt: Date
  version: number
}

export async function listReferrals(db: Db, authorityId: string, episodeId: string): Promise<ReferralRecord[]> {
  return db
    .selectFrom('safeguardingReferrals as r')
    .leftJoin('users as u', join => join.onRef('u.authorityId', '=', 'r.authorityId').onRef('u.id', '=', 'r.recordedByUserId'))
    .select([
      'r.id',
      'r.referredTo',
      'r.concern',
      'r.referredAt',
      'r.method',
      'r.reference',
      'r.spokeTo',
      'r.outcome',
      'r.outcomeRecordedAt',
      'u.name as recordedByName',
      'r.recordedAt',
      'r.version',
    ])
    .where('r.authorityId', '=', authorityId)
    .where('r.episodeId', '=', episodeId)
    .orderBy('r.referredAt', 'desc')
    .execute()
}

export async function insertReferral(
  db: Db,
  referral: {
    authorityId: string
    id: string
    episodeId: string
    referredTo: SafeguardingReferralsTable['referredTo']
    concern: string
    referredAt: Date
    method: SafeguardingReferralsTable['method']
    reference: string | null
    spokeTo: string | null
    outcome: string | null
    recordedByUserId: string
    recordedAt: Date
  },
) {
  await db
    .insertInto('safeguardingReferrals')
    .values({
      ...referral,
      outcomeRecordedAt: referral.outcome ? referral.recordedAt : null,
      outcomeRecordedByUserId: referral.outcome ? referral.recordedByUserId : null,
    })
    .execute()
}

export async function updateReferralOutcome(
  db: Db,
  authorityId: string,
  episodeId: string,
  referralId: string,
  version: number,
  change: { outcome: string; reference: string | null; userId: string; at: Date },
): Promise<boolean> {
  const result = await db
    .updateTable('safeguardingReferrals')
    .set({
      outcome: change.outcome,
      reference: change.reference,
      outcomeRecordedAt: change.at,
      outcomeRecordedByUserId: change.userId,
      version: sql`version + 1`,
    })
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('id', '=', referralId)
    .where('version', '=', version)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

// ---- consent -----------------------------------------------------------------------------------------------------

export type ConsentRecord = {
  id: string
  decision: ConsentsTable['decision']
  giverKind: ConsentsTable['giverKind']
  giverPersonId: string | null
  giverName: string
  giverRelationship: string | null
  competenceBasis: 'fraser' | 'gillick' | null
  competenceJudgedBy: string | null
  competenceReasoning: string | null
  toAssess: boolean
  shareAgencyIds: string[]
  shareAgencyKinds: string[]
  method: ConsentsTable['method']
  givenOn: string
  refusalReason: string | null
  recordedByName: string | null
  recordedAt: Date
  withdrawnOn: string | null
  withdrawalReason: string | null
  withdrawalRecordedAt: Date | null
  version: number
}

export async function listConsents(db: Db, authorityId: string, episodeId: string): Promise<ConsentRecord[]> {
  return db
    .selectFrom('consents as c')
    .leftJoin('users as u', join => join.onRef('u.authorityId', '=', 'c.authorityId').onRef('u.id', '=', 'c.recordedByUserId'))
    .select([
      'c.id',
      'c.decision',
      'c.giverKind',
      'c.giverPersonId',
      'c.giverName',
      'c.giverRelationship',
      'c.competenceBasis',
      'c.competenceJudgedBy',
      'c.competenceReasoning',
      'c.toAssess',
      'c.shareAgencyIds',
      'c.shareAgencyKinds',
      'c.method',
      'c.givenOn',
      'c.refusalReason',
      'u.name as recordedByName',
      'c.recordedAt',
      'c.withdrawnOn',
      'c.withdrawalReason',
      'c.withdrawalRecordedAt',
      'c.version',
    ])
    .where('c.authorityId', '=', authorityId)
    .where('c.episodeId', '=', episodeId)
    .orderBy('c.recordedAt', 'desc')
    .execute()
}

/** True while a consent to the assessment is given and not withdrawn. Runs in the caller's transaction. */
export async function hasActiveConsentToAssess(db: Db, authorityId: string, episodeId: string): Promise<boolean> {
  const row = await db
    .selectFrom('consents')
    .select('id')
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('decision', '=', 'given')
    .where('toAssess', '=', true)
    .where('withdrawnOn', 'is', null)
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}

export async function insertConsent(
  db: Db,
  consent: Omit<ConsentRecord, 'recordedByName' | 'withdrawnOn' | 'withdrawalReason' | 'withdrawalRecordedAt' | 'version'> & {
    authorityId: string
    episodeId: string
    recordedByUserId: string
  },
) {
  const { shareAgencyIds, shareAgencyKinds, ...rest } = consent
  await db
    .insertInto('consents')
    .values({ ...rest, shareAgencyIds: JSON.stringify(shareAgencyIds), shareAgencyKinds: JSON.stringify(shareAgencyKinds) })
    .execute()
}

export async function withdrawConsent(
  db: Db,
  authorityId: string,
  episodeId: string,
  consentId: string,
  version: number,
  withdrawal: { withdrawnOn: string; reason: string; userId: string; at: Date },
): Promise<boolean> {
  const result = await db
    .updateTable('consents')
    .set({
      withdrawnOn: withdrawal.withdrawnOn,
      withdrawalReason: withdrawal.reason,
      withdrawalRecordedByUserId: withdrawal.userId,
      withdrawalRecordedAt: withdrawal.at,
      version: sql`version + 1`,
    })
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('id', '=', consentId)
    .where('version', '=', version)
    .where('withdrawnOn', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Parents and carers with parental responsibility for any of the given children. */
export async function listParentalResponsibility(db: Db, authorityId: string, childIds: readonly string[]) {
  if (childIds.length === 0) return []
  return db
    .selectFrom('relationships as r')
    .innerJoin('persons as p', join => join.onRef('p.authorityId', '=', 'r.authorityId').onRef('p.id', '=', 'r.relatedPersonId'))
    .innerJoin('persons as c', join => join.onRef('c.authorityId', '=', 'r.authorityId').onRef('c.id', '=', 'r.personId'))
    .select(['p.id', 'p.givenNames', 'p.familyName', 'r.kind', 'c.givenNames as childGivenNames'])
    .where('r.authorityId', '=', authorityId)
    .where('r.personId', 'in', childIds)
    .where('r.parentalResponsibility', '=', true)
    .where('p.mergedIntoId', 'is', null)
    .orderBy('p.familyName')
    .orderBy('p.givenNames')
    .execute()
}

export async function listActiveAgencies(db: Db, authorityId: string) {
  return db
    .selectFrom('agencies')
    .select(['id', 'name', 'kind'])
    .where('authorityId', '=', authorityId)
    .where('active', '=', true)
    .orderBy('name')
    .execute()
}

export async function findAgencyNames(db: Db, authorityId: string, agencyIds: readonly string[]) {
  if (agencyIds.length === 0) return []
  return db
    .selectFrom('agencies')
    .select(['id', 'name'])
    .where('authorityId', '=', authorityId)
    .where('id', 'in', agencyIds)
    .execute()
}

// ---- safeguarding contacts ---------------------------------------------------------------------------------------

export type SafeguardingContacts = {
  socialCareName: string
  socialCarePhone: string | null
  socialCareHours: string | null
  outOfHoursPhone: string | null
  onlineReferralUrl: string | null
  policeNonEmergency: string
  extraAdvice: string
  updatedAt: Date
  version: number
}

export async function findSafeguardingContacts(db: Db, authorityId: string): Promise<SafeguardingContacts | undefined> {
  return db
    .selectFrom('safeguardingContacts')
    .select([
      'socialCareName',
      'socialCarePhone',
      'socialCareHours',
      'outOfHoursPhone',
      'onlineReferralUrl',
      'policeNonEmergency',
      'extraAdvice',
      'updatedAt',
      'version',
    ])
    .where('authorityId', '=', authorityId)
    .executeTakeFirst()
}

type ContactsWrite = Omit<SafeguardingContacts, 'updatedAt' | 'version'> & { updatedByUserId: string | null; updatedAt: Date }

/** Saves the contacts if they are still at `version` (0: none saved yet); false when someone else saved first. */
export async function saveSafeguardingContacts(db: Db, authorityId: string, version: number, contacts: ContactsWrite) {
  if (version === 0) {
    const result = await db
      .insertInto('safeguardingContacts')
      .values({ authorityId, ...contacts })
      .onConflict(conflict => conflict.column('authorityId').doNothing())
      .executeTakeFirst()
    return Number(result.numInsertedOrUpdatedRows ?? 0) === 1
  }
  const result = await db
    .updateTable('safeguardingContacts')
    .set({ ...contacts, version: sql`version + 1` })
    .where('authorityId', '=', authorityId)
    .where('version', '=', version)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** The status of the episode's common assessment, if one has been started. */
export async function findAssessmentStatus(db: Db, authorityId: string, episodeId: string): Promise<string | undefined> {
  const row = await db.selectFrom('assessments').select('status').where('authorityId', '=', authorityId).where('episodeId', '=', episodeId).executeTakeFirst()
  return row?.status
}
