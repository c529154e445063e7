import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'
import { agencyWithdrawn } from '../episodes/sharing.repository.ts'

// All Kysely code of break-glass, sharing without agreement and the agencies' lawful bases. Every query names the
// authority it works in.

export type EpisodeHeader = { id: string; reference: string; status: string }

/** Just enough to name an episode before access is granted: never a person's details. */
export async function findEpisodeHeader(db: Db, authorityId: string, episodeId: string): Promise<EpisodeHeader | undefined> {
  return db
    .selectFrom('episodes')
    .select(['id', 'reference', 'status'])
    .where('authorityId', '=', authorityId)
    .where('id', '=', episodeId)
    .executeTakeFirst()
}

// ---- break-glass grants ---------------------------------------------------------------------------------------------

export type NewGrant = {
  authorityId: string
  id: string
  episodeId: string
  userId: string
  agencyId: string | null
  reason: string
  openedAt: Date
  expiresAt: Date
  hiddenFromFamily: boolean
  hiddenReason: string | null
}

export async function insertGrant(db: Db, grant: NewGrant): Promise<void> {
  await db.insertInto('breakGlassGrants').values(grant).execute()
}

export type GrantRow = {
  id: string
  episodeId: string
  episodeReference: string
  userName: string
  userEmail: string
  agencyName: string | null
  reason: string
  openedAt: Date
  expiresAt: Date
  hiddenFromFamily: boolean
  hiddenReason: string | null
  reviewedAt: Date | null
  reviewerName: string | null
  reviewNote: string | null
  version: number
}

function grantQuery(db: Db, authorityId: string) {
  return db
    .selectFrom('breakGlassGrants as g')
    .innerJoin('episodes as e', join => join.onRef('e.authorityId', '=', 'g.authorityId').onRef('e.id', '=', 'g.episodeId'))
    .innerJoin('users as u', join => join.onRef('u.authorityId', '=', 'g.authorityId').onRef('u.id', '=', 'g.userId'))
    .leftJoin('agencies as a', join => join.onRef('a.authorityId', '=', 'g.authorityId').onRef('a.id', '=', 'g.agencyId'))
    .leftJoin('users as r', join => join.onRef('r.authorityId', '=', 'g.authorityId').onRef('r.id', '=', 'g.reviewedByUserId'))
    .select([
      'g.id',
      'g.episodeId',
      'e.reference as episodeReference',
      'u.name as userName',
      'u.email as userEmail',
      'a.name as agencyName',
      'g.reason',
      'g.openedAt',
      'g.expiresAt',
      'g.hiddenFromFamily',
      'g.hiddenReason',
      'g.reviewedAt',
      'r.name as reviewerName',
      'g.reviewNote',
      'g.version',
    ])
    .where('g.authorityId', '=', authorityId)
}

function mapGrant(row: GrantRow): GrantRow {
  return {
    ...row,
    openedAt: new Date(row.openedAt),
    expiresAt: new Date(row.expiresAt),
    reviewedAt: row.reviewedAt ? new Date(row.reviewedAt) : null,
  }
}

export async function findGrant(db: Db, authorityId: string, grantId: string): Promise<GrantRow | undefined> {
  const row = await grantQuery(db, authorityId).where('g.id', '=', grantId).executeTakeFirst()
  return row ? mapGrant(row) : undefined
}

/** The user's grant on this episode that is still running at `now`, if any. */
export async function findRunningGrant(db: Db, authorityId: string, episodeId: string, userId: string, now: Date) {
  return db
    .selectFrom('breakGlassGrants')
    .select(['id', 'expiresAt'])
    .where('authorityId', '=', authorityId)
    .where('episodeId', '=', episodeId)
    .where('userId', '=', userId)
    .where('expiresAt', '>', now)
    .orderBy('expiresAt', 'desc')
    .executeTakeFirst()
}

/** Grants waiting for review (oldest first), then the latest reviewed ones. */
export async function listGrants(db: Db, authorityId: string, reviewed: boolean, limit: number): Promise<GrantRow[]> {
  const rows = await grantQuery(db, authorityId)
    .where('g.reviewedAt', reviewed ? 'is not' : 'is', null)
    .orderBy('g.openedAt', reviewed ? 'desc' : 'asc')
    .limit(limit)
    .execute()
  return rows.map(mapGrant)
}

export async function markGrantReviewed(
  db: Db,
  authorityId: string,
  grantId: string,
  change: { version: number; reviewedAt: Date; reviewedByUserId: string; reviewNote: string | null; hiddenFromFamily: boolean },
): Promise<boolean> {
  const result = await db
    .updateTable('breakGlassGrants')
    .set({
      reviewedAt: change.reviewedAt,
      reviewedByUserId: change.reviewedByUserId,
      reviewNote: change.reviewNote,
      hiddenFromFamily: change.hiddenFromFamily,
      version: sql<number>`version + 1`,
    })
    .where('authorityId', '=', authorityId)
    .where('id', '=', grantId)
    .where('version', '=', change.version)
    .where('reviewedAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/**
 * Active coordinators to tell about an episode: those of its locality and those of the whole authority (access rule
 * (b)); when none of them is active, every coordinator of the authority, so that someone is always told.
 */
export async function listCoordinatorContacts(db: Db, authorityId: string, episodeId: string): Promise<{ email: string }[]> {
  const coordinators = () =>
    db
      .selectFrom('users as u')
      .innerJoin('userRoles as r', join => join.onRef('r.authorityId', '=', 'u.authorityId').onRef('r.userId', '=', 'u.id'))
      .select('u.email')
      .distinct()
      .where('u.authorityId', '=', authorityId)
      .where('r.role', '=', 'coordinator')
      .where('u.status', '=', 'active')
      .orderBy('u.email')
  const ofTheArea = await coordinators()
    .where(eb =>
      eb.or([
        eb.not(eb.exists(eb.selectFrom('coordinatorLocalities as cl').select('cl.userId').whereRef('cl.authorityId', '=', 'u.authorityId').whereRef('cl.userId', '=', 'u.id'))),
        eb.exists(
          eb
            .selectFrom('coordinatorLocalities as cl')
            .innerJoin('episodes as e', join => join.onRef('e.authorityId', '=', 'cl.authorityId').onRef('e.localityId', '=', 'cl.localityId'))
            .select('cl.userId')
            .whereRef('cl.authorityId', '=', 'u.authorityId')
            .whereRef('cl.userId', '=', 'u.id')
            .where('e.id', '=', episodeId),
        ),
      ]),
    )
    .execute()
  return ofTheArea.length > 0 ? ofTheArea : coordinators().execute()
}

/** Active managers of an agency (they are told when it is shared with without the family's agreement). */
export async function listAgencyManagerContacts(db: Db, authorityId: string, agencyId: string): Promise<{ email: string }[]> {
  return db
    .selectFrom('users as u')
    .innerJoin('userRoles as r', join => join.onRef('r.authorityId', '=', 'u.authorityId').onRef('r.userId', '=', 'u.id'))
    .innerJoin('userAgencies as ua', join => join.onRef('ua.authorityId', '=', 'u.authorityId').onRef('ua.userId', '=', 'u.id'))
    .select('u.email')
    .distinct()
    .where('u.authorityId', '=', authorityId)
    .where('r.role', '=', 'manager')
    .where('ua.agencyId', '=', agencyId)
    .where('u.status', '=', 'active')
    .orderBy('u.email')
    .execute()
}

// ---- sharing without agreement --------------------------------------------------------------------------------------

export type NewSharing = {
  authorityId: string
  id: string
  episodeId: string
  agencyId: string
  reason: string
  lawfulBasis: string
  specialCategoryCondition: string
  recordedByUserId: string
  recordedAt: Date
  hiddenFromFamily: boolean
  hiddenReason: string | null
}

export async function insertSharing(db: Db, sharing: NewSharing): Promise<void> {
  await db.insertInto('sharingWithoutAgreement').values(sharing).execute()
}

export type SharingRow = {
  id: string
  episodeId: string
  episodeReference: string
  agencyId: string
  agencyName: string
  reason: string
  lawfulBasis: string
  specialCategoryCondition: string
  recordedByName: string
  recordedAt: Date
  hiddenFromFamily: boolean
  hiddenReason: string | null
  endedAt: Date | null
  reviewedAt: Date | null
}

function sharingQuery(db: Db, authorityId: string) {
  return db
    .selectFrom('sharingWithoutAgreement as s')
    .innerJoin('episodes as e', join => join.onRef('e.authorityId', '=', 's.authorityId').onRef('e.id', '=', 's.episodeId'))
    .innerJoin('agencies as a', join => join.onRef('a.authorityId', '=', 's.authorityId').onRef('a.id', '=', 's.agencyId'))
    .innerJoin('users as u', join => join.onRef('u.authorityId', '=', 's.authorityId').onRef('u.id', '=', 's.recordedByUserId'))
    .select([
      's.id',
      's.episodeId',
      'e.reference as episodeReference',
      's.agencyId',
      'a.name as agencyName',
      's.reason',
      's.lawfulBasis',
      's.specialCategoryCondition',
      'u.name as recordedByName',
      's.recordedAt',
      's.hiddenFromFamily',
      's.hiddenReason',
      's.endedAt',
      's.reviewedAt',
    ])
    .where('s.authorityId', '=', authorityId)
}

function mapSharing(row: SharingRow): SharingRow {
  return { ...row, recordedAt: new Date(row.recordedAt), endedAt: row.endedAt ? new Date(row.endedAt) : null, reviewedAt: row.reviewedAt ? new Date(row.reviewedAt) : null }
}

export async function listEpisodeSharing(db: Db, authorityId: string, episodeId: string): Promise<SharingRow[]> {
  const rows = await sharingQuery(db, authorityId).where('s.episodeId', '=', episodeId).orderBy('s.recordedAt', 'desc').execute()
  return rows.map(mapSharing)
}

/** Sharing without agreement not yet reviewed by a coordinator (oldest first). */
export async function listUnreviewedSharing(db: Db, authorityId: string, limit: number): Promise<SharingRow[]> {
  const rows = await sharingQuery(db, authorityId).where('s.reviewedAt', 'is', null).orderBy('s.recordedAt', 'asc').limit(limit).execute()
  return rows.map(mapSharing)
}

export async function findSharing(db: Db, authorityId: string, sharingId: string): Promise<SharingRow | undefined> {
  const row = await sharingQuery(db, authorityId).where('s.id', '=', sharingId).executeTakeFirst()
  return row ? mapSharing(row) : undefined
}

export async function endSharing(db: Db, authorityId: string, sharingId: string, at: Date, userId: string): Promise<boolean> {
  const result = await db
    .updateTable('sharingWithoutAgreement')
    .set({ endedAt: at, endedByUserId: userId })
    .where('authorityId', '=', authorityId)
    .where('id', '=', sharingId)
    .where('endedAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function markSharingReviewed(db: Db, authorityId: string, sharingId: string, at: Date, userId: string): Promise<boolean> {
  const result = await db
    .updateTable('sharingWithoutAgreement')
    .set({ reviewedAt: at, reviewedByUserId: userId })
    .where('authorityId', '=', authorityId)
    .where('id', '=', sharingId)
    .where('reviewedAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** The agencies with a practitioner on the episode's team now (the ones sharing can be recorded with). */
export async function listTeamAgencies(db: Db, authorityId: string, episodeId: string): Promise<{ id: string; name: string; withdrawn: boolean }[]> {
  const rows = await db
    .selectFrom('episodeMembers as m')
    .innerJoin('agencies as a', join => join.onRef('a.authorityId', '=', 'm.authorityId').onRef('a.id', '=', 'm.agencyId'))
    .select(['a.id', 'a.name', agencyWithdrawn.as('withdrawn')])
    .distinct()
    .where('m.authorityId', '=', authorityId)
    .where('m.episodeId', '=', episodeId)
    .where('m.leftAt', 'is', null)
    .orderBy('a.name')
    .execute()
  return rows.map(row => ({ id: row.id, name: row.name, withdrawn: row.withdrawn === true }))
}

export async function findAgency(db: Db, authorityId: string, agencyId: string): Promise<{ id: string; name: string } | undefined> {
  return db.selectFrom('agencies').select(['id', 'name']).where('authorityId', '=', authorityId).where('id', '=', agencyId).executeTakeFirst()
}

/** What the family's view shows: sharing without agreement not hidden from them (current and ended). */
export async function listSharingForFamily(db: Db, authorityId: string, episodeId: string) {
  const rows = await db
    .selectFrom('sharingWithoutAgreement as s')
    .innerJoin('agencies as a', join => join.onRef('a.authorityId', '=', 's.authorityId').onRef('a.id', '=', 's.agencyId'))
    .select(['s.id', 'a.name as agencyName', 's.recordedAt', 's.endedAt'])
    .where('s.authorityId', '=', authorityId)
    .where('s.episodeId', '=', episodeId)
    .where('s.hiddenFromFamily', '=', false)
    .orderBy('s.recordedAt', 'desc')
    .execute()
  return rows.map(row => ({ ...row, recordedAt: new Date(row.recordedAt), endedAt: row.endedAt ? new Date(row.endedAt) : null }))
}

// ---- lawful bases ----------------------------------------------------------------------------------------------------

export async function findLawfulBasis(db: Db, authorityId: string, agencyId: string) {
  return db
    .selectFrom('agencyLawfulBases as b')
    .leftJoin('users as u', join => join.onRef('u.authorityId', '=', 'b.authorityId').onRef('u.id', '=', 'b.recordedByUserId'))
    .select(['b.lawfulBasis', 'b.specialCategoryCondition', 'b.notes', 'b.recordedAt', 'b.version', 'u.name as recordedByName'])
    .where('b.authorityId', '=', authorityId)
    .where('b.agencyId', '=', agencyId)
    .executeTakeFirst()
}

export async function saveLawfulBasis(
  db: Db,
  row: { authorityId: string; agencyId: string; lawfulBasis: string; specialCategoryCondition: string; notes: string; recordedByUserId: string; recordedAt: Date },
  version: number | null,
): Promise<boolean> {
  if (version === null) {
    const inserted = await db.insertInto('agencyLawfulBases').values(row).onConflict(oc => oc.doNothing()).returning('agencyId').executeTakeFirst()
    return inserted !== undefined
  }
  const result = await db
    .updateTable('agencyLawfulBases')
    .set({
      lawfulBasis: row.lawfulBasis,
      specialCategoryCondition: row.specialCategoryCondition,
      notes: row.notes,
      recordedByUserId: row.recordedByUserId,
      recordedAt: row.recordedAt,
      version: sql<number>`version + 1`,
    })
    .where('authorityId', '=', row.authorityId)
    .where('agencyId', '=', row.agencyId)
    .where('version', '=', version)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}
