import { sql, type Selectable } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { AssessmentOutcome, AssessmentStatus, AssessmentsTable, EpisodeStatus } from '../../db/schema.ts'
import { dateColumn } from '../../lib/dates.ts'

// All Kysely code for completing a common assessment: outcome, sign-off, manager approval and the family's copy.
// Every query names the authority it works in.

/** The assessment row (less its creation time) with the names of the people in it. */
export type CompletionAssessment = Omit<Selectable<AssessmentsTable>, 'createdAt'> & {
  assessorName: string | null
  assessorAgencyName: string | null
  approvedByName: string | null
  returnedByName: string | null
}

export async function findAssessmentByEpisode(db: Db, authorityId: string, episodeId: string): Promise<CompletionAssessment | undefined> {
  const row = await db
    .selectFrom('assessments as a')
    .leftJoin('users as assessor', join => join.onRef('assessor.authorityId', '=', 'a.authorityId').onRef('assessor.id', '=', 'a.assessorUserId'))
    .leftJoin('agencies as agency', join => join.onRef('agency.authorityId', '=', 'a.authorityId').onRef('agency.id', '=', 'a.assessorAgencyId'))
    .leftJoin('users as approver', join => join.onRef('approver.authorityId', '=', 'a.authorityId').onRef('approver.id', '=', 'a.approvedByUserId'))
    .leftJoin('users as returner', join => join.onRef('returner.authorityId', '=', 'a.authorityId').onRef('returner.id', '=', 'a.returnedByUserId'))
    .select([
      'a.authorityId',
      'a.id',
      'a.episodeId',
      'a.templateVersionId',
      'a.status',
      'a.assessorUserId',
      'assessor.name as assessorName',
      'a.assessorAgencyId',
      'agency.name as assessorAgencyName',
      'a.explainedAt',
      'a.explanationNotes',
      'a.discussionDate',
      'a.reason',
      'a.present',
      'a.conclusions',
      'a.familyAgreement',
      'a.differencesOfOpinion',
      'a.solutions',
      'a.familyCanDo',
      'a.agreedActions',
      'a.reviewDate',
      'a.outcome',
      'a.completionDate',
      'a.signedOffByUserId',
      'a.signedOffAt',
      'a.approvedByUserId',
      'approver.name as approvedByName',
      'a.approvedAt',
      'a.returnedByUserId',
      'returner.name as returnedByName',
      'a.returnedAt',
      'a.returnComments',
      'a.updatedAt',
      'a.version',
    ])
    .where('a.authorityId', '=', authorityId)
    .where('a.episodeId', '=', episodeId)
    .executeTakeFirst()
  if (!row) return undefined
  return { ...row, explainedAt: dateColumn(row.explainedAt), discussionDate: dateColumn(row.discussionDate), reviewDate: dateColumn(row.reviewDate), completionDate: dateColumn(row.completionDate) }
}

/** Takes a row lock on the assessment so that concurrent sign-offs and approvals queue behind each other. */
export async function lockAssessment(db: Db, authorityId: string, assessmentId: string): Promise<void> {
  await db.selectFrom('assessments').select('id').where('authorityId', '=', authorityId).where('id', '=', assessmentId).forUpdate().execute()
}

export async function findEpisodeSummary(db: Db, authorityId: string, episodeId: string) {
  return db
    .selectFrom('episodes')
    .select(['id', 'reference', 'status', 'outcome', 'scope', 'version'])
    .where('authorityId', '=', authorityId)
    .where('id', '=', episodeId)
    .executeTakeFirst()
}

export type EpisodeFamilyMember = { personId: string; givenNames: string; familyName: string; role: 'child' | 'adult'; dateOfBirth: string | null }

export async function listEpisodeFamily(db: Db, authorityId: string, episodeId: string): Promise<EpisodeFamilyMember[]> {
  const rows = await db
    .selectFrom('episodePeople as ep')
    .innerJoin('persons as p', join => join.onRef('p.authorityId', '=', 'ep.authorityId').onRef('p.id', '=', 'ep.personId'))
    .select(['ep.personId', 'p.givenNames', 'p.familyName', 'ep.role', 'p.dateOfBirth'])
    .where('ep.authorityId', '=', authorityId)
    .where('ep.episodeId', '=', episodeId)
    .orderBy('ep.role', 'desc')
    .orderBy('p.dateOfBirth')
    .orderBy('p.givenNames')
    .execute()
  return rows.map(row => ({ ...row, dateOfBirth: dateColumn(row.dateOfBirth as string | Date | null) }))
}

export async function authorityRequiresApproval(db: Db, authorityId: string): Promise<boolean> {
  const row = await db.selectFrom('authorities').select('assessmentApprovalRequired').where('id', '=', authorityId).executeTakeFirst()
  return row?.assessmentApprovalRequired === true
}

/**
 * relationship.managesAssessor: the actor holds the manager role and shares an agency with the assessor (any agency
 * the assessor belongs to, or the agency they assessed for). Nobody manages themselves.
 */
export async function managesAssessor(db: Db, authorityId: string, actorUserId: string, assessor: { userId: string; agencyId: string | null }): Promise<boolean> {
  if (actorUserId === assessor.userId) return false
  const row = await db
    .selectFrom('userRoles as r')
    .innerJoin('userAgencies as mine', join => join.onRef('mine.authorityId', '=', 'r.authorityId').onRef('mine.userId', '=', 'r.userId'))
    .select(sql<number>`1`.as('one'))
    .where('r.authorityId', '=', authorityId)
    .where('r.userId', '=', actorUserId)
    .where('r.role', '=', 'manager')
    .where(eb =>
      eb.or([
        eb(
          'mine.agencyId',
          'in',
          eb.selectFrom('userAgencies as theirs').select('theirs.agencyId').where('theirs.authorityId', '=', authorityId).where('theirs.userId', '=', assessor.userId),
        ),
        ...(assessor.agencyId ? [eb('mine.agencyId', '=', assessor.agencyId)] : []),
      ]),
    )
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}

/** The active managers of an assessor (same rule as managesAssessor), to tell them an assessment waits for them. */
export async function listManagersOf(db: Db, authorityId: string, assessor: { userId: string; agencyId: string | null }) {
  return db
    .selectFrom('users as u')
    .innerJoin('userRoles as r', join => join.onRef('r.authorityId', '=', 'u.authorityId').onRef('r.userId', '=', 'u.id'))
    .select(['u.id', 'u.name', 'u.email'])
    .distinct()
    .where('u.authorityId', '=', authorityId)
    .where('u.status', '=', 'active')
    .where('r.role', '=', 'manager')
    .where('u.id', '<>', assessor.userId)
    .where(eb =>
      eb.exists(
        eb
          .selectFrom('userAgencies as mine')
          .select('mine.agencyId')
          .where('mine.authorityId', '=', authorityId)
          .whereRef('mine.userId', '=', 'u.id')
          .where(inner =>
            inner.or([
              inner(
                'mine.agencyId',
                'in',
                inner.selectFrom('userAgencies as theirs').select('theirs.agencyId').where('theirs.authorityId', '=', authorityId).where('theirs.userId', '=', assessor.userId),
              ),
              ...(assessor.agencyId ? [inner('mine.agencyId', '=', assessor.agencyId)] : []),
            ]),
          ),
      ),
    )
    .orderBy('u.name')
    .execute()
}

/** Records the outcome and the assessor's sign-off, only if nobody saved since `version`; true when it did. */
export async function signOffAssessment(
  db: Db,
  authorityId: string,
  assessmentId: string,
  version: number,
  changes: { outcome: AssessmentOutcome; completionDate: string; signedOffByUserId: string; at: Date; status: AssessmentStatus; approvedByUserId: null },
): Promise<boolean> {
  const result = await db
    .updateTable('assessments')
    .set({
      outcome: changes.outcome,
      completionDate: changes.completionDate,
      signedOffByUserId: changes.signedOffByUserId,
      signedOffAt: changes.at,
      status: changes.status,
      approvedByUserId: null,
      approvedAt: null,
      updatedAt: changes.at,
      version: sql<number>`version + 1`,
    })
    .where('authorityId', '=', authorityId)
    .where('id', '=', assessmentId)
    .where('version', '=', version)
    .where('status', 'in', ['in_progress', 'returned'])
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** The manager's decision on an assessment waiting for approval, only if nobody saved since `version`. */
export async function decideApproval(
  db: Db,
  authorityId: string,
  assessmentId: string,
  version: number,
  decision: { kind: 'approve'; userId: string; at: Date } | { kind: 'return'; userId: string; at: Date; comments: string },
): Promise<boolean> {
  const query = db.updateTable('assessments')
  const set =
    decision.kind === 'approve'
      ? query.set({ status: 'completed', approvedByUserId: decision.userId, approvedAt: decision.at, updatedAt: decision.at, version: sql<number>`version + 1` })
      : query.set({
          status: 'returned',
          returnedByUserId: decision.userId,
          returnedAt: decision.at,
          returnComments: decision.comments,
          updatedAt: decision.at,
          version: sql<number>`version + 1`,
        })
  const result = await set
    .where('authorityId', '=', authorityId)
    .where('id', '=', assessmentId)
    .where('version', '=', version)
    .where('status', '=', 'awaiting_approval')
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/**
 * The episode moves on once its assessment is complete: support (single- or multi-agency), or closed with the outcome
 * "no further action". Only an open episode moves.
 */
export async function moveEpisodeOn(db: Db, authorityId: string, episodeId: string, outcome: AssessmentOutcome, at: Date): Promise<void> {
  const next: { status: EpisodeStatus; outcome: string; closedAt: Date | null } =
    outcome === 'no_further_action' ? { status: 'closed', outcome: 'no_further_action', closedAt: at } : { status: 'support', outcome, closedAt: null }
  await db
    .updateTable('episodes')
    .set({ ...next, version: sql<number>`version + 1` })
    .where('authorityId', '=', authorityId)
    .where('id', '=', episodeId)
    .where('status', '<>', 'closed')
    .execute()
}

export type ApprovalQueueItem = {
  episodeId: string
  reference: string
  assessorName: string | null
  agencyName: string | null
  outcome: AssessmentOutcome | null
  signedOffAt: Date | null
}

/** Assessments waiting for approval whose assessor the manager manages, oldest sign-off first. */
export async function listAwaitingApproval(db: Db, authorityId: string, managerUserId: string): Promise<ApprovalQueueItem[]> {
  return db
    .selectFrom('assessments as a')
    .innerJoin('episodes as e', join => join.onRef('e.authorityId', '=', 'a.authorityId').onRef('e.id', '=', 'a.episodeId'))
    .leftJoin('users as assessor', join => join.onRef('assessor.authorityId', '=', 'a.authorityId').onRef('assessor.id', '=', 'a.assessorUserId'))
    .leftJoin('agencies as agency', join => join.onRef('agency.authorityId', '=', 'a.authorityId').onRef('agency.id', '=', 'a.assessorAgencyId'))
    .select(['a.episodeId', 'e.reference', 'assessor.name as assessorName', 'agency.name as agencyName', 'a.outcome', 'a.signedOffAt'])
    .where('a.authorityId', '=', authorityId)
    .where('a.status', '=', 'awaiting_approval')
    .where('a.assessorUserId', '<>', managerUserId)
    .where(eb =>
      eb.exists(
        eb
          .selectFrom('userAgencies as mine')
          .select('mine.agencyId')
          .where('mine.authorityId', '=', authorityId)
          .where('mine.userId', '=', managerUserId)
          .where(inner =>
            inner.or([
              inner.exists(
                inner
                  .selectFrom('userAgencies as theirs')
                  .select('theirs.agencyId')
                  .whereRef('theirs.authorityId', '=', 'a.authorityId')
                  .whereRef('theirs.userId', '=', 'a.assessorUserId')
                  .whereRef('theirs.agencyId', '=', 'mine.agencyId'),
              ),
              inner('mine.agencyId', '=', inner.ref('a.assessorAgencyId')),
            ]),
          ),
      ),
    )
    .orderBy('a.signedOffAt')
    .limit(200)
    .execute()
}

export async function findActiveUserEmail(db: Db, authorityId: string, userId: string): Promise<{ email: string } | undefined> {
  return db.selectFrom('users').select('email').where('authorityId', '=', authorityId).where('id', '=', userId).where('status', '=', 'active').executeTakeFirst()
}

export async function hasManagerRole(db: Db, authorityId: string, userId: string): Promise<boolean> {
  const row = await db.selectFrom('userRoles').select('role').where('authorityId', '=', authorityId).where('userId', '=', userId).where('role', '=', 'manager').executeTakeFirst()
  return row !== undefined
}

// ---- the family's copy -------------------------------------------------------------------------------------------

export type AssessmentElementRecord = {
  elementKey: string
  subject: string
  notAssessed: boolean
  strengths: string | null
  needs: string | null
  childWords: string | null
  parentWords: string | null
  practitionerScore: number | null
  familyScoreAdult: number | null
  familyScoreChild: 'red' | 'amber' | 'green' | null
}

export async function listElements(db: Db, authorityId: string, assessmentId: string): Promise<AssessmentElementRecord[]> {
  return db
    .selectFrom('assessmentElements')
    .select(['elementKey', 'subject', 'notAssessed', 'strengths', 'needs', 'childWords', 'parentWords', 'practitionerScore', 'familyScoreAdult', 'familyScoreChild'])
    .where('authorityId', '=', authorityId)
    .where('assessmentId', '=', assessmentId)
    .execute()
}

/** Consents to share that are given and not withdrawn: the agencies (and kinds) the family agreed to share with. */
export async function listLiveSharingConsents(db: Db, authorityId: string, episodeId: string) {
  return db
    .selectFrom('consents')
    .select(['giverName', 'shareAgencyIds', 'shareAgencyKinds', 'givenOn'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('decision', '=', 'given')
    .where('withdrawnOn', 'is', null)
    .orderBy('recordedAt')
    .execute()
}

export async function agencyNames(db: Db, authorityId: string, agencyIds: readonly string[]): Promise<Map<string, string>> {
  if (agencyIds.length === 0) return new Map()
  const rows = await db.selectFrom('agencies').select(['id', 'name']).where('authorityId', '=', authorityId).where('id', 'in', [...agencyIds]).execute()
  return new Map(rows.map(row => [row.id, row.name]))
}

export type FamilyCopyRecord = { id: string; givenToName: string; givenToPersonId: string | null; format: 'pdf' | 'printed' | 'in_person'; givenByName: string | null; givenAt: Date }

export async function insertFamilyCopy(
  db: Db,
  row: { authorityId: string; id: string; assessmentId: string; givenToPersonId: string | null; givenToName: string; format: 'pdf' | 'printed' | 'in_person'; givenByUserId: string; givenAt: Date },
): Promise<void> {
  await db.insertInto('assessmentFamilyCopies').values(row).execute()
}

export async function listFamilyCopies(db: Db, authorityId: string, assessmentId: string): Promise<FamilyCopyRecord[]> {
  return db
    .selectFrom('assessmentFamilyCopies as c')
    .leftJoin('users as u', join => join.onRef('u.authorityId', '=', 'c.authorityId').onRef('u.id', '=', 'c.givenByUserId'))
    .select(['c.id', 'c.givenToName', 'c.givenToPersonId', 'c.format', 'u.name as givenByName', 'c.givenAt'])
    .where('c.authorityId', '=', authorityId)
    .where('c.assessmentId', '=', assessmentId)
    .orderBy('c.givenAt', 'desc')
    .execute()
}
