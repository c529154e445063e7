import { sql, type Selectable } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { AssessmentElementsTable, AssessmentsTable } from '../../db/schema.ts'

// All Kysely code for recording common assessments. Every query filters by authority.

export type AssessmentRecord = Selectable<AssessmentsTable> & { assessorName: string | null; assessorAgencyName: string | null }
export type ElementRecord = Selectable<AssessmentElementsTable> & { updatedByName: string | null }
export type ContributorRecord = {
  userId: string
  name: string
  agencyName: string | null
  elementKeys: string[]
  message: string | null
  invitedByName: string | null
  invitedAt: Date
  completedAt: Date | null
}
export type AssessmentEpisode = {
  id: string
  reference: string
  scope: 'child' | 'family'
  status: string
  templateVersionId: string | null
  householdName: string | null
}
export type AssessmentPerson = { id: string; givenNames: string; familyName: string; dateOfBirth: string | null; role: 'child' | 'adult' }
export type ConsentSummary = {
  id: string
  decision: 'given' | 'refused'
  giverName: string
  giverRelationship: string | null
  toAssess: boolean
  method: string
  givenOn: string
  withdrawnOn: string | null
}
export type InvitableUser = { id: string; name: string; agencyNames: string[] }

export type StepFields = Partial<
  Pick<
    AssessmentsTable,
    | 'explainedAt'
    | 'explanationNotes'
    | 'discussionDate'
    | 'reason'
    | 'present'
    | 'conclusions'
    | 'familyAgreement'
    | 'differencesOfOpinion'
    | 'solutions'
    | 'familyCanDo'
    | 'agreedActions'
    | 'reviewDate'
  >
>

export type ElementFields = {
  notAssessed: boolean
  strengths: string | null
  needs: string | null
  childWords: string | null
  parentWords: string | null
  practitionerScore: number | null
  familyScoreAdult: number | null
  familyScoreChild: 'red' | 'amber' | 'green' | null
}

export async function findEpisode(db: Db, authorityId: string, episodeId: string): Promise<AssessmentEpisode | undefined> {
  return db
    .selectFrom('episodes as e')
    .leftJoin('households as h', join => join.onRef('h.authorityId', '=', 'e.authorityId').onRef('h.id', '=', 'e.householdId'))
    .select(['e.id', 'e.reference', 'e.scope', 'e.status', 'e.templateVersionId', 'h.name as householdName'])
    .where('e.authorityId', '=', authorityId)
    .where('e.id', '=', episodeId)
    .executeTakeFirst()
}

/** Locks the episode's row for the rest of the transaction (starting and inviting serialise on it). */
export async function lockEpisode(db: Db, authorityId: string, episodeId: string): Promise<boolean> {
  const row = await db.selectFrom('episodes').select('id').where('authorityId', '=', authorityId).where('id', '=', episodeId).forUpdate().executeTakeFirst()
  return row !== undefined
}

export async function listEpisodePeople(db: Db, authorityId: string, episodeId: string): Promise<AssessmentPerson[]> {
  return db
    .selectFrom('episodePeople as ep')
    .innerJoin('persons as p', join => join.onRef('p.authorityId', '=', 'ep.authorityId').onRef('p.id', '=', 'ep.personId'))
    .select(['p.id', 'p.givenNames', 'p.familyName', 'p.dateOfBirth', 'ep.role'])
    .where('ep.authorityId', '=', authorityId)
    .where('ep.episodeId', '=', episodeId)
    .orderBy('ep.role', 'desc')
    .orderBy(sql`coalesce(p.date_of_birth, p.expected_date_of_birth)`, 'asc')
    .orderBy('p.id')
    .execute()
}

export async function listConsents(db: Db, authorityId: string, episodeId: string): Promise<ConsentSummary[]> {
  return db
    .selectFrom('consents')
    .select(['id', 'decision', 'giverName', 'giverRelationship', 'toAssess', 'method', 'givenOn', 'withdrawnOn'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .orderBy('recordedAt', 'desc')
    .execute()
}

export async function findMembership(db: Db, authorityId: string, episodeId: string, userId: string) {
  return db
    .selectFrom('episodeMembers')
    .select(['role', 'leftAt'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('userId', '=', userId)
    .executeTakeFirst()
}

function assessmentQuery(db: Db, authorityId: string) {
  return db
    .selectFrom('assessments as a')
    .leftJoin('users as u', join => join.onRef('u.authorityId', '=', 'a.authorityId').onRef('u.id', '=', 'a.assessorUserId'))
    .leftJoin('agencies as g', join => join.onRef('g.authorityId', '=', 'a.authorityId').onRef('g.id', '=', 'a.assessorAgencyId'))
    .selectAll('a')
    .select(['u.name as assessorName', 'g.name as assessorAgencyName'])
    .where('a.authorityId', '=', authorityId)
}

export async function findAssessmentByEpisode(db: Db, authorityId: string, episodeId: string): Promise<AssessmentRecord | undefined> {
  return assessmentQuery(db, authorityId).where('a.episodeId', '=', episodeId).executeTakeFirst()
}

/** Inserts the episode's assessment unless it already has one (unique per episode); true when this call made it. */
export async function insertAssessment(
  db: Db,
  row: { authorityId: string; id: string; episodeId: string; templateVersionId: string; assessorUserId: string; assessorAgencyId: string | null; at: Date },
): Promise<boolean> {
  const result = await db
    .insertInto('assessments')
    .values({
      authorityId: row.authorityId,
      id: row.id,
      episodeId: row.episodeId,
      templateVersionId: row.templateVersionId,
      status: 'in_progress',
      assessorUserId: row.assessorUserId,
      assessorAgencyId: row.assessorAgencyId,
      explainedAt: null,
      explanationNotes: null,
      discussionDate: null,
      reason: null,
      present: null,
      conclusions: null,
      familyAgreement: null,
      differencesOfOpinion: null,
      solutions: null,
      familyCanDo: null,
      agreedActions: null,
      reviewDate: null,
      outcome: null,
      completionDate: null,
      signedOffByUserId: null,
      signedOffAt: null,
      approvedByUserId: null,
      approvedAt: null,
      returnedByUserId: null,
      returnedAt: null,
      returnComments: null,
      createdAt: row.at,
      updatedAt: row.at,
    })
    .onConflict(conflict => conflict.columns(['authorityId', 'episodeId']).doNothing())
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1
}

/** Saves step fields if the assessment is still at the version the form read; false when someone saved since. */
export async function updateAssessmentSteps(db: Db, authorityId: string, assessmentId: string, expectedVersion: number, fields: StepFields, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('assessments')
    .set({ ...fields, updatedAt: at, version: sql`version + 1` })
    .where('authorityId', '=', authorityId)
    .where('id', '=', assessmentId)
    .where('version', '=', expectedVersion)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

function elementQuery(db: Db, authorityId: string, assessmentId: string) {
  return db
    .selectFrom('assessmentElements as e')
    .leftJoin('users as u', join => join.onRef('u.authorityId', '=', 'e.authorityId').onRef('u.id', '=', 'e.updatedByUserId'))
    .selectAll('e')
    .select('u.name as updatedByName')
    .where('e.authorityId', '=', authorityId)
    .where('e.assessmentId', '=', assessmentId)
}

export async function listElements(db: Db, authorityId: string, assessmentId: string): Promise<ElementRecord[]> {
  return elementQuery(db, authorityId, assessmentId).orderBy('e.elementKey').orderBy('e.subject').execute()
}

export async function findElement(db: Db, authorityId: string, assessmentId: string, elementKey: string, subject: string): Promise<ElementRecord | undefined> {
  return elementQuery(db, authorityId, assessmentId).where('e.elementKey', '=', elementKey).where('e.subject', '=', subject).executeTakeFirst()
}

/** The first save of an element (the form read version 0); false when someone else saved it first. */
export async function insertElement(
  db: Db,
  key: { authorityId: string; assessmentId: string; elementKey: string; subject: string },
  fields: ElementFields,
  by: { userId: string; at: Date },
): Promise<boolean> {
  const result = await db
    .insertInto('assessmentElements')
    .values({ ...key, ...fields, updatedByUserId: by.userId, updatedAt: by.at })
    .onConflict(conflict => conflict.columns(['authorityId', 'assessmentId', 'elementKey', 'subject']).doNothing())
    .executeTakeFirst()
  return Number(result.numInsertedOrUpdatedRows ?? 0) === 1
}

export async function updateElement(
  db: Db,
  key: { authorityId: string; assessmentId: string; elementKey: string; subject: string },
  expectedVersion: number,
  fields: ElementFields,
  by: { userId: string; at: Date },
): Promise<boolean> {
  const result = await db
    .updateTable('assessmentElements')
    .set({ ...fields, updatedByUserId: by.userId, updatedAt: by.at, version: sql`version + 1` })
    .where('authorityId', '=', key.authorityId)
    .where('assessmentId', '=', key.assessmentId)
    .where('elementKey', '=', key.elementKey)
    .where('subject', '=', key.subject)
    .where('version', '=', expectedVersion)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Touches the assessment after an element is saved (so lists show when it last changed); not a versioned edit. */
export async function touchAssessment(db: Db, authorityId: string, assessmentId: string, at: Date) {
  await db.updateTable('assessments').set({ updatedAt: at }).where('authorityId', '=', authorityId).where('id', '=', assessmentId).execute()
}

export async function listContributors(db: Db, authorityId: string, assessmentId: string, episodeId: string): Promise<ContributorRecord[]> {
  const rows = await db
    .selectFrom('assessmentContributors as c')
    .innerJoin('users as u', join => join.onRef('u.authorityId', '=', 'c.authorityId').onRef('u.id', '=', 'c.userId'))
    .leftJoin('users as i', join => join.onRef('i.authorityId', '=', 'c.authorityId').onRef('i.id', '=', 'c.invitedByUserId'))
    .leftJoin('episodeMembers as m', join =>
      join.onRef('m.authorityId', '=', 'c.authorityId').onRef('m.userId', '=', 'c.userId').on('m.episodeId', '=', episodeId),
    )
    .leftJoin('agencies as g', join => join.onRef('g.authorityId', '=', 'm.authorityId').onRef('g.id', '=', 'm.agencyId'))
    .select(['c.userId', 'u.name', 'g.name as agencyName', 'c.elementKeys', 'c.message', 'i.name as invitedByName', 'c.invitedAt', 'c.completedAt'])
    .where('c.authorityId', '=', authorityId)
    .where('c.assessmentId', '=', assessmentId)
    .orderBy('c.invitedAt')
    .execute()
  return rows.map(row => ({ ...row, elementKeys: Array.isArray(row.elementKeys) ? row.elementKeys.filter((key): key is string => typeof key === 'string') : [] }))
}

/** Invites (or re-invites, adding elements) a contributor. */
export async function saveContributor(
  db: Db,
  row: { authorityId: string; assessmentId: string; userId: string; elementKeys: string[]; message: string | null; invitedByUserId: string; at: Date },
) {
  await db
    .insertInto('assessmentContributors')
    .values({
      authorityId: row.authorityId,
      assessmentId: row.assessmentId,
      userId: row.userId,
      elementKeys: JSON.stringify(row.elementKeys),
      message: row.message,
      invitedByUserId: row.invitedByUserId,
      invitedAt: row.at,
      completedAt: null,
    })
    .onConflict(conflict =>
      conflict.columns(['authorityId', 'assessmentId', 'userId']).doUpdateSet({
        elementKeys: JSON.stringify(row.elementKeys),
        message: row.message,
        invitedByUserId: row.invitedByUserId,
        invitedAt: row.at,
        completedAt: null,
      }),
    )
    .execute()
}

export async function markContributionDone(db: Db, authorityId: string, assessmentId: string, userId: string, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('assessmentContributors')
    .set({ completedAt: at })
    .where('authorityId', '=', authorityId)
    .where('assessmentId', '=', assessmentId)
    .where('userId', '=', userId)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Puts the user on the episode's team as a contributor, or brings a former contributor back. */
export async function addContributorMember(db: Db, row: { authorityId: string; episodeId: string; userId: string; agencyId: string | null; addedByUserId: string; at: Date }) {
  await db
    .insertInto('episodeMembers')
    .values({ authorityId: row.authorityId, episodeId: row.episodeId, userId: row.userId, agencyId: row.agencyId, addedByUserId: row.addedByUserId, role: 'contributor', joinedAt: row.at, leftAt: null })
    .onConflict(conflict =>
      conflict
        .columns(['authorityId', 'episodeId', 'userId'])
        .doUpdateSet({ role: 'contributor', leftAt: null, joinedAt: row.at, agencyId: row.agencyId, addedByUserId: row.addedByUserId }),
    )
    .execute()
}

/** Active practitioners of the authority with the agencies they work for, by name. */
export async function listInvitableUsers(db: Db, authorityId: string): Promise<InvitableUser[]> {
  const rows = await db
    .selectFrom('users as u')
    .leftJoin('userAgencies as ua', join => join.onRef('ua.authorityId', '=', 'u.authorityId').onRef('ua.userId', '=', 'u.id'))
    .leftJoin('agencies as g', join => join.onRef('g.authorityId', '=', 'ua.authorityId').onRef('g.id', '=', 'ua.agencyId'))
    .select(['u.id', 'u.name', 'g.name as agencyName'])
    .where('u.authorityId', '=', authorityId)
    .where('u.status', '=', 'active')
    .orderBy('u.name')
    .orderBy('u.id')
    .orderBy('g.name')
    .limit(5000)
    .execute()
  const users = new Map<string, InvitableUser>()
  for (const row of rows) {
    const user = users.get(row.id) ?? { id: row.id, name: row.name, agencyNames: [] }
    if (row.agencyName) user.agencyNames.push(row.agencyName)
    users.set(row.id, user)
  }
  return [...users.values()]
}

export async function findActiveUser(db: Db, authorityId: string, userId: string) {
  const user = await db
    .selectFrom('users')
    .select(['id', 'name', 'email'])
    .where('authorityId', '=', authorityId)
    .where('id', '=', userId)
    .where('status', '=', 'active')
    .executeTakeFirst()
  if (!user) return undefined
  const agency = await db.selectFrom('userAgencies').select('agencyId').where('authorityId', '=', authorityId).where('userId', '=', userId).orderBy('agencyId').executeTakeFirst()
  return { ...user, agencyId: agency?.agencyId ?? null }
}

export async function findUserName(db: Db, authorityId: string, userId: string): Promise<string | undefined> {
  const row = await db.selectFrom('users').select('name').where('authorityId', '=', authorityId).where('id', '=', userId).executeTakeFirst()
  return row?.name
}
