import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { TemplateContent } from '../assessments/template-content.ts'

// All Kysely code of the family's records: their story, their scores, their consent and who has looked. Every query
// names the authority and the episode; the service has already decided (withFamilyEpisode) that the family member may
// see this episode, and reads only what is for the family.

// ---- our story so far ---------------------------------------------------------------------------------------------

export async function listConsents(db: Db, authorityId: string, episodeId: string) {
  return db
    .selectFrom('consents')
    .select(['id', 'decision', 'giverName', 'toAssess', 'shareAgencyIds', 'shareAgencyKinds', 'method', 'givenOn', 'withdrawnOn', 'recordedAt'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .orderBy('recordedAt')
    .execute()
}

export type Withdrawal = { id: string; agencyId: string; agencyName: string; withdrawnAt: Date; byName: string; endedAt: Date | null }

export async function listWithdrawals(db: Db, authorityId: string, episodeId: string): Promise<Withdrawal[]> {
  return db
    .selectFrom('consentAgencyWithdrawals as w')
    .innerJoin('agencies as a', join => join.onRef('a.authorityId', '=', 'w.authorityId').onRef('a.id', '=', 'w.agencyId'))
    .select(['w.id', 'w.agencyId', 'a.name as agencyName', 'w.withdrawnAt', 'w.byName', 'w.endedAt'])
    .where('w.authorityId', '=', authorityId)
    .where('w.episodeId', '=', episodeId)
    .orderBy('w.withdrawnAt')
    .execute()
}

export async function listHeldMeetingsAndMinutes(db: Db, authorityId: string, episodeId: string) {
  return db
    .selectFrom('meetings as m')
    .leftJoin('meetingMinutes as mm', join => join.onRef('mm.authorityId', '=', 'm.authorityId').onRef('mm.meetingId', '=', 'm.id'))
    .select(['m.id', 'm.purpose', 'm.startsAt', 'm.status', 'mm.circulatedAt'])
    .where('m.authorityId', '=', authorityId)
    .where('m.episodeId', '=', episodeId)
    .where(eb => eb.or([eb('m.status', '=', 'held'), eb('mm.circulatedAt', 'is not', null)]))
    .execute()
}

export async function listAgreedPlanVersions(db: Db, authorityId: string, episodeId: string) {
  return db.selectFrom('planVersions').select(['id', 'number', 'agreedAt']).where('authorityId', '=', authorityId).where('episodeId', '=', episodeId).execute()
}

export async function listDoneActions(db: Db, authorityId: string, episodeId: string) {
  return db
    .selectFrom('planActions')
    .select(['id', 'what', 'ownerName', 'completedOn', 'updatedAt'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('status', '=', 'done')
    .where('removedAt', 'is', null)
    .execute()
}

export async function listCompletedReviews(db: Db, authorityId: string, episodeId: string) {
  return db.selectFrom('reviews').select(['id', 'heldOn']).where('authorityId', '=', authorityId).where('episodeId', '=', episodeId).where('status', '=', 'completed').execute()
}

export async function findClosure(db: Db, authorityId: string, episodeId: string) {
  return db
    .selectFrom('episodeClosures')
    .select(['episodeId', 'summaryForFamily', 'decidedAt', 'requestedAt'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('status', '=', 'closed')
    .executeTakeFirst()
}

export async function listLeadPeriods(db: Db, authorityId: string, episodeId: string) {
  return db
    .selectFrom('leadProfessionals as l')
    .innerJoin('users as u', join => join.onRef('u.authorityId', '=', 'l.authorityId').onRef('u.id', '=', 'l.userId'))
    .select(['l.id', 'l.scope', 'l.startedAt', 'l.endedAt', 'u.name'])
    .where('l.authorityId', '=', authorityId)
    .where('l.episodeId', '=', episodeId)
    .execute()
}

export async function listTeamChanges(db: Db, authorityId: string, episodeId: string) {
  return db
    .selectFrom('teamChanges')
    .select(['id', 'change', 'memberName', 'at'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('change', 'in', ['joined', 'left'])
    .execute()
}

/** Case notes marked for the family (never team-only or agency-only ones). */
export async function listFamilyNotes(db: Db, authorityId: string, episodeId: string) {
  return db
    .selectFrom('caseNotes as n')
    .innerJoin('users as u', join => join.onRef('u.authorityId', '=', 'n.authorityId').onRef('u.id', '=', 'n.authorUserId'))
    .select(['n.id', 'n.occurredOn', 'n.summary', 'n.body', 'n.createdAt', 'u.name as authorName'])
    .where('n.authorityId', '=', authorityId)
    .where('n.episodeId', '=', episodeId)
    .where('n.visibility', '=', 'family')
    .execute()
}

/** Documents marked for the family that are still there (a removed document's file is erased). */
export async function listFamilyDocuments(db: Db, authorityId: string, episodeId: string) {
  return db
    .selectFrom('documents as d')
    .innerJoin('users as u', join => join.onRef('u.authorityId', '=', 'd.authorityId').onRef('u.id', '=', 'd.uploadedByUserId'))
    .select(['d.id', 'd.title', 'd.fileName', 'd.sizeBytes', 'd.uploadedAt', 'u.name as uploadedByName'])
    .where('d.authorityId', '=', authorityId)
    .where('d.episodeId', '=', episodeId)
    .where('d.visibility', '=', 'family')
    .where('d.removedAt', 'is', null)
    .execute()
}

export type FamilyDocument = { id: string; fileName: string; mediaType: string; storage: 'database' | 'folder'; sha256: string }

export async function findFamilyDocument(db: Db, authorityId: string, episodeId: string, documentId: string): Promise<FamilyDocument | undefined> {
  return db
    .selectFrom('documents')
    .select(['id', 'fileName', 'mediaType', 'storage', 'sha256'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('id', '=', documentId)
    .where('visibility', '=', 'family')
    .where('removedAt', 'is', null)
    .executeTakeFirst()
}

export async function readDocumentContent(db: Db, authorityId: string, documentId: string): Promise<Uint8Array | null> {
  const row = await db.selectFrom('documents').select('content').where('authorityId', '=', authorityId).where('id', '=', documentId).executeTakeFirst()
  return row?.content ?? null
}

/** What the family wrote on the plan (comments, actions marked done) from their own accounts. */
export async function listFamilyPlanUpdates(db: Db, authorityId: string, episodeId: string) {
  return db
    .selectFrom('planActionUpdates as u')
    .innerJoin('planActions as a', join => join.onRef('a.authorityId', '=', 'u.authorityId').onRef('a.id', '=', 'u.actionId'))
    .select(['u.id', 'u.status', 'u.note', 'u.byName', 'u.at', 'a.what'])
    .where('u.authorityId', '=', authorityId)
    .where('u.episodeId', '=', episodeId)
    .where('u.byFamilyAccountId', 'is not', null)
    .execute()
}

export async function listFamilyAgendaItems(db: Db, authorityId: string, episodeId: string) {
  return db
    .selectFrom('agendaItems as i')
    .innerJoin('meetings as m', join => join.onRef('m.authorityId', '=', 'i.authorityId').onRef('m.id', '=', 'i.meetingId'))
    .select(['i.id', 'i.text', 'i.addedByName', 'i.addedAt', 'm.startsAt'])
    .where('i.authorityId', '=', authorityId)
    .where('m.episodeId', '=', episodeId)
    .where('i.addedByFamilyAccountId', 'is not', null)
    .where('i.removedAt', 'is', null)
    .execute()
}

/** Views this account wrote, and young people's views they chose to share with their family (never the content). */
export async function listVisibleFamilyViews(db: Db, authorityId: string, episodeId: string, accountId: string) {
  return db
    .selectFrom('familyViews as v')
    .innerJoin('familyAccounts as a', join => join.onRef('a.authorityId', '=', 'v.authorityId').onRef('a.id', '=', 'v.accountId'))
    .select(['v.id', 'v.kind', 'v.accountId', 'v.createdAt', 'a.name'])
    .where('v.authorityId', '=', authorityId)
    .where('v.episodeId', '=', episodeId)
    .where(eb => eb.or([eb('v.accountId', '=', accountId), eb.and([eb('v.kind', '=', 'young_person'), eb('v.sharedWithFamily', '=', true)])]))
    .execute()
}

// ---- scores -------------------------------------------------------------------------------------------------------

export async function findTemplateContent(db: Db, authorityId: string, episodeId: string): Promise<TemplateContent | undefined> {
  const row = await db
    .selectFrom('episodes as e')
    .innerJoin('assessmentTemplateVersions as v', join => join.onRef('v.authorityId', '=', 'e.authorityId').onRef('v.id', '=', 'e.templateVersionId'))
    .select('v.content')
    .where('e.authorityId', '=', authorityId)
    .where('e.id', '=', episodeId)
    .executeTakeFirst()
  return row ? (row.content as unknown as TemplateContent) : undefined
}

/** The scores of the episode's latest assessment: the practitioner's and the family's own, at the start. */
export async function listStartScores(db: Db, authorityId: string, episodeId: string) {
  const assessment = await db
    .selectFrom('assessments')
    .select(['id', 'createdAt', 'signedOffAt'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .orderBy('createdAt', 'desc')
    .limit(1)
    .executeTakeFirst()
  if (!assessment) return []
  const rows = await db
    .selectFrom('assessmentElements')
    .select(['elementKey', 'subject', 'practitionerScore', 'familyScoreAdult', 'familyScoreChild', 'updatedAt'])
    .where('authorityId', '=', authorityId)
    .where('assessmentId', '=', assessment.id)
    .where('notAssessed', '=', false)
    .execute()
  return rows.map(row => ({ ...row, at: assessment.signedOffAt ?? row.updatedAt }))
}

export async function listDistanceScores(db: Db, authorityId: string, episodeId: string) {
  return db
    .selectFrom('distanceScores')
    .select(['elementKey', 'subject', 'score', 'recordedAt'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .orderBy('recordedAt')
    .execute()
}

/** The family's own scores: every parent's or carer's; a young person's only to that young person. */
export async function listFamilyScores(db: Db, authorityId: string, episodeId: string, accountId: string) {
  return db
    .selectFrom('familyScores as s')
    .innerJoin('familyAccounts as a', join => join.onRef('a.authorityId', '=', 's.authorityId').onRef('a.id', '=', 's.accountId'))
    .select(['s.elementKey', 's.subject', 's.scoreAdult', 's.scoreChild', 's.recordedAt', 's.accountId', 'a.name', 'a.kind'])
    .where('s.authorityId', '=', authorityId)
    .where('s.episodeId', '=', episodeId)
    .where(eb => eb.or([eb('a.kind', '=', 'parent_carer'), eb('s.accountId', '=', accountId)]))
    .orderBy('s.recordedAt')
    .execute()
}

export async function insertFamilyScores(
  db: Db,
  rows: { authorityId: string; id: string; episodeId: string; accountId: string; elementKey: string; subject: string; scoreAdult: number | null; scoreChild: 'red' | 'amber' | 'green' | null; recordedAt: Date }[],
) {
  if (rows.length === 0) return
  await db.insertInto('familyScores').values(rows).execute()
}

// ---- consent ------------------------------------------------------------------------------------------------------

export type ShareAgency = { id: string; name: string; kind: string; description: string }

/** The agencies of the practitioners on the team now, and the agencies named in a consent to share. */
export async function listSharingAgencies(db: Db, authorityId: string, episodeId: string, namedIds: readonly string[]): Promise<ShareAgency[]> {
  return db
    .selectFrom('agencies')
    .select(['id', 'name', 'kind', 'description'])
    .where('authorityId', '=', authorityId)
    .where(eb => {
      const onTeam = eb('id', 'in', eb.selectFrom('episodeMembers').select('agencyId').where('authorityId', '=', authorityId).where('episodeId', '=', episodeId).where('leftAt', 'is', null).where('agencyId', 'is not', null))
      return namedIds.length > 0 ? eb.or([onTeam, eb('id', 'in', [...namedIds])]) : onTeam
    })
    .orderBy('name')
    .execute()
}

export async function hasCurrentWithdrawal(db: Db, authorityId: string, episodeId: string, agencyId: string): Promise<boolean> {
  const row = await db
    .selectFrom('consentAgencyWithdrawals')
    .select('id')
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('agencyId', '=', agencyId)
    .where('endedAt', 'is', null)
    .executeTakeFirst()
  return row !== undefined
}

export async function insertWithdrawal(db: Db, row: { authorityId: string; id: string; episodeId: string; agencyId: string; withdrawnAt: Date; byFamilyAccountId: string; byName: string }) {
  await db.insertInto('consentAgencyWithdrawals').values({ ...row, byUserId: null, reason: '' }).execute()
}

export async function listCurrentLeadContacts(db: Db, authorityId: string, episodeId: string) {
  return db
    .selectFrom('leadProfessionals as l')
    .innerJoin('users as u', join => join.onRef('u.authorityId', '=', 'l.authorityId').onRef('u.id', '=', 'l.userId'))
    .select(['u.id', 'u.name', 'u.email'])
    .where('l.authorityId', '=', authorityId)
    .where('l.episodeId', '=', episodeId)
    .where('l.endedAt', 'is', null)
    .where('u.status', '=', 'active')
    .execute()
}

// ---- who has looked at our record ---------------------------------------------------------------------------------

export type LookRow = { id: string; at: Date; action: string; recordType: string | null; userName: string | null; agencyName: string | null; purpose: string | null }

/**
 * Practitioners' allowed access to this episode's records (audit_events.episode_id, index audit_events_episode_idx),
 * and to the records of its people (record_type 'person', index audit_events_record_idx), newest first. Never the
 * family's own events, system jobs or refusals.
 */
export async function listLooks(db: Db, authorityId: string, episodeId: string, limit: number, offset: number): Promise<LookRow[]> {
  const rows = await db
    .selectFrom('auditEvents as e')
    .leftJoin('users as u', join => join.onRef('u.authorityId', '=', 'e.authorityId').onRef('u.id', '=', 'e.actorUserId'))
    .leftJoin('agencies as a', join => join.onRef('a.authorityId', '=', 'e.authorityId').onRef('a.id', '=', 'e.actorAgencyId'))
    .select(['e.id', 'e.at', 'e.action', 'e.recordType', 'u.name as userName', 'a.name as agencyName', 'e.purpose'])
    .where('e.authorityId', '=', authorityId)
    .where('e.actorKind', '=', 'practitioner')
    .where('e.outcome', '=', 'allowed')
    // Break-glass (src/features/break-glass): an emergency opening marked as a risk to tell the family is left out.
    .where(eb =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('breakGlassGrants as g')
            .select('g.id')
            .where('g.authorityId', '=', authorityId)
            .where('g.episodeId', '=', episodeId)
            .where('g.hiddenFromFamily', '=', true)
            .whereRef('g.userId', '=', 'e.actorUserId')
            .where('e.purpose', '=', 'break-glass')
            .whereRef('e.at', '>=', 'g.openedAt')
            .whereRef('e.at', '<=', 'g.expiresAt'),
        ),
      ),
    )
    .where(eb =>
      eb.or([
        eb('e.episodeId', '=', episodeId),
        eb.and([
          eb('e.recordType', '=', 'person'),
          eb(
            'e.recordId',
            'in',
            eb
              .selectFrom('episodePeople')
              .select(sql<string>`cast(person_id as text)`.as('personId'))
              .where('authorityId', '=', authorityId)
              .where('episodeId', '=', episodeId),
          ),
        ]),
      ]),
    )
    .orderBy('e.at', 'desc')
    .orderBy('e.id', 'desc')
    .limit(limit)
    .offset(offset)
    .execute()
  return rows.map(row => ({ ...row, at: new Date(row.at) }))
}
