import { sql } from 'kysely'
import type { Db } from '../../db/database.ts'

// All Kysely code of panels (access rule (b) of issue 6): panels and who sits on them (administrators), episodes listed
// at them (the lead professional or a coordinator), and what a panel member sees. Every query names its authority.

export function isUniqueViolation(error: unknown, constraint: string): boolean {
  if (typeof error !== 'object' || error === null) return false
  const { code, constraint: name, message } = error as { code?: unknown; constraint?: unknown; message?: unknown }
  return code === '23505' && (name === constraint || (typeof message === 'string' && message.includes(constraint)))
}

// ---- panels (administrators) -------------------------------------------------------------------------------------

export type PanelRow = {
  id: string
  name: string
  localityId: string | null
  localityName: string | null
  active: boolean
  version: number
  memberCount: number
  listedCount: number
}

function panelQuery(db: Db, authorityId: string) {
  return db
    .selectFrom('panels as p')
    .leftJoin('localities as l', join => join.onRef('l.authorityId', '=', 'p.authorityId').onRef('l.id', '=', 'p.localityId'))
    .select([
      'p.id',
      'p.name',
      'p.localityId',
      'l.name as localityName',
      'p.active',
      'p.version',
      sql<number>`(select count(*) from panel_members pm where pm.authority_id = p.authority_id and pm.panel_id = p.id)`.as('memberCount'),
      sql<number>`(select count(*) from panel_listings pl where pl.authority_id = p.authority_id and pl.panel_id = p.id and pl.ended_at is null)`.as('listedCount'),
    ])
    .where('p.authorityId', '=', authorityId)
}

function toPanel(row: PanelRow): PanelRow {
  return { ...row, active: row.active === true, version: Number(row.version), memberCount: Number(row.memberCount), listedCount: Number(row.listedCount) }
}

export async function listPanels(db: Db, authorityId: string): Promise<PanelRow[]> {
  const rows = await panelQuery(db, authorityId).orderBy('p.active', 'desc').orderBy(sql`lower(p.name)`).execute()
  return rows.map(toPanel)
}

export async function findPanel(db: Db, authorityId: string, panelId: string): Promise<PanelRow | undefined> {
  const row = await panelQuery(db, authorityId).where('p.id', '=', panelId).executeTakeFirst()
  return row ? toPanel(row) : undefined
}

export async function insertPanel(db: Db, panel: { authorityId: string; id: string; name: string; localityId: string | null; at: Date }): Promise<void> {
  await db.insertInto('panels').values({ authorityId: panel.authorityId, id: panel.id, name: panel.name, localityId: panel.localityId, createdAt: panel.at }).execute()
}

/** Saves the panel if it is still at `version`; false when someone else changed it since. */
export async function updatePanel(
  db: Db,
  authorityId: string,
  panelId: string,
  version: number,
  changes: { name: string; localityId: string | null; active: boolean },
): Promise<boolean> {
  const result = await db
    .updateTable('panels')
    .set({ ...changes, version: sql<number>`version + 1` })
    .where('authorityId', '=', authorityId)
    .where('id', '=', panelId)
    .where('version', '=', version)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function localityExists(db: Db, authorityId: string, localityId: string): Promise<boolean> {
  const row = await db.selectFrom('localities').select('id').where('authorityId', '=', authorityId).where('id', '=', localityId).executeTakeFirst()
  return row !== undefined
}

export async function listLocalities(db: Db, authorityId: string): Promise<{ id: string; name: string }[]> {
  return db.selectFrom('localities').select(['id', 'name']).where('authorityId', '=', authorityId).orderBy('name').execute()
}

// ---- members -----------------------------------------------------------------------------------------------------

export type MemberRow = { userId: string; name: string; email: string; status: string; hasPanelRole: boolean; addedAt: Date; addedByName: string | null }

export async function listMembers(db: Db, authorityId: string, panelId: string): Promise<MemberRow[]> {
  const rows = await db
    .selectFrom('panelMembers as pm')
    .innerJoin('users as u', join => join.onRef('u.authorityId', '=', 'pm.authorityId').onRef('u.id', '=', 'pm.userId'))
    .leftJoin('users as a', join => join.onRef('a.authorityId', '=', 'pm.authorityId').onRef('a.id', '=', 'pm.addedByUserId'))
    .select([
      'pm.userId',
      'u.name',
      'u.email',
      'u.status',
      'pm.addedAt',
      'a.name as addedByName',
      sql<boolean>`exists (select 1 from user_roles r where r.authority_id = pm.authority_id and r.user_id = pm.user_id and r.role = 'panel_member')`.as('hasPanelRole'),
    ])
    .where('pm.authorityId', '=', authorityId)
    .where('pm.panelId', '=', panelId)
    .orderBy('u.name')
    .execute()
  return rows.map(row => ({ ...row, hasPanelRole: row.hasPanelRole === true, addedAt: new Date(row.addedAt) }))
}

/** Who sits on each panel of the authority (the API's panel list, for administrators), by name. */
export async function listAllMembers(db: Db, authorityId: string): Promise<{ panelId: string; userId: string; name: string; hasPanelRole: boolean }[]> {
  const rows = await db
    .selectFrom('panelMembers as pm')
    .innerJoin('users as u', join => join.onRef('u.authorityId', '=', 'pm.authorityId').onRef('u.id', '=', 'pm.userId'))
    .select([
      'pm.panelId',
      'pm.userId',
      'u.name',
      sql<boolean>`exists (select 1 from user_roles r where r.authority_id = pm.authority_id and r.user_id = pm.user_id and r.role = 'panel_member')`.as('hasPanelRole'),
    ])
    .where('pm.authorityId', '=', authorityId)
    .orderBy('u.name')
    .orderBy('pm.userId')
    .execute()
  return rows.map(row => ({ ...row, hasPanelRole: row.hasPanelRole === true }))
}

/** Whether the user sits on the panel. */
export async function sitsOn(db: Db, authorityId: string, panelId: string, userId: string): Promise<boolean> {
  const row = await db.selectFrom('panelMembers').select('userId').where('authorityId', '=', authorityId).where('panelId', '=', panelId).where('userId', '=', userId).executeTakeFirst()
  return row !== undefined
}

/** The authority's active accounts, with whether they hold the panel member role (to choose a new member from). */
export async function listActiveUsers(db: Db, authorityId: string): Promise<{ id: string; name: string; email: string; hasPanelRole: boolean }[]> {
  const rows = await db
    .selectFrom('users as u')
    .select([
      'u.id',
      'u.name',
      'u.email',
      sql<boolean>`exists (select 1 from user_roles r where r.authority_id = u.authority_id and r.user_id = u.id and r.role = 'panel_member')`.as('hasPanelRole'),
    ])
    .where('u.authorityId', '=', authorityId)
    .where('u.status', '=', 'active')
    .orderBy('u.name')
    .limit(2000)
    .execute()
  return rows.map(row => ({ ...row, hasPanelRole: row.hasPanelRole === true }))
}

export async function findActiveUser(db: Db, authorityId: string, userId: string): Promise<{ id: string; name: string; hasPanelRole: boolean } | undefined> {
  const row = await db
    .selectFrom('users as u')
    .select([
      'u.id',
      'u.name',
      sql<boolean>`exists (select 1 from user_roles r where r.authority_id = u.authority_id and r.user_id = u.id and r.role = 'panel_member')`.as('hasPanelRole'),
    ])
    .where('u.authorityId', '=', authorityId)
    .where('u.id', '=', userId)
    .where('u.status', '=', 'active')
    .executeTakeFirst()
  return row ? { ...row, hasPanelRole: row.hasPanelRole === true } : undefined
}

/** Adds a member; false when they already sit on the panel. */
export async function insertMember(db: Db, member: { authorityId: string; panelId: string; userId: string; addedByUserId: string; addedAt: Date }): Promise<boolean> {
  const result = await db.insertInto('panelMembers').values(member).onConflict(oc => oc.doNothing()).returning('userId').execute()
  return result.length === 1
}

export async function deleteMember(db: Db, authorityId: string, panelId: string, userId: string): Promise<boolean> {
  const result = await db.deleteFrom('panelMembers').where('authorityId', '=', authorityId).where('panelId', '=', panelId).where('userId', '=', userId).executeTakeFirst()
  return Number(result.numDeletedRows) === 1
}

export async function listMemberContacts(db: Db, authorityId: string, panelId: string): Promise<{ email: string }[]> {
  return db
    .selectFrom('panelMembers as pm')
    .innerJoin('users as u', join => join.onRef('u.authorityId', '=', 'pm.authorityId').onRef('u.id', '=', 'pm.userId'))
    .select('u.email')
    .where('pm.authorityId', '=', authorityId)
    .where('pm.panelId', '=', panelId)
    .where('u.status', '=', 'active')
    .orderBy('u.email')
    .execute()
}

// ---- listings ------------------------------------------------------------------------------------------------------

export async function findEpisodeHeader(db: Db, authorityId: string, episodeId: string): Promise<{ id: string; reference: string; status: string } | undefined> {
  return db.selectFrom('episodes').select(['id', 'reference', 'status']).where('authorityId', '=', authorityId).where('id', '=', episodeId).executeTakeFirst()
}

/** The episode's locality and version, for moving it to another locality. */
export async function findEpisodeLocality(db: Db, authorityId: string, episodeId: string): Promise<{ localityId: string | null; localityName: string | null; version: number } | undefined> {
  return db
    .selectFrom('episodes as e')
    .leftJoin('localities as l', join => join.onRef('l.authorityId', '=', 'e.authorityId').onRef('l.id', '=', 'e.localityId'))
    .select(['e.localityId', 'l.name as localityName', 'e.version'])
    .where('e.authorityId', '=', authorityId)
    .where('e.id', '=', episodeId)
    .executeTakeFirst()
}

/** Moves the episode to a locality if it is still at `version` (which it bumps); false when someone else changed it. */
export async function setEpisodeLocality(db: Db, authorityId: string, episodeId: string, localityId: string, version: number): Promise<boolean> {
  const result = await db
    .updateTable('episodes')
    .set(eb => ({ localityId, version: eb('version', '+', 1) }))
    .where('authorityId', '=', authorityId)
    .where('id', '=', episodeId)
    .where('version', '=', version)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Locks the episode's row so two listings of it at the same panel cannot both pass the "already listed" check. */
export async function lockEpisode(db: Db, authorityId: string, episodeId: string): Promise<void> {
  await sql`select id from episodes where authority_id = ${authorityId} and id = ${episodeId} for update`.execute(db)
}

export type ListingRow = {
  id: string
  panelId: string
  panelName: string
  episodeId: string
  reason: string
  listedByName: string | null
  listedAt: Date
  endedAt: Date | null
  endedByName: string | null
}

function listingQuery(db: Db, authorityId: string) {
  return db
    .selectFrom('panelListings as pl')
    .innerJoin('panels as p', join => join.onRef('p.authorityId', '=', 'pl.authorityId').onRef('p.id', '=', 'pl.panelId'))
    .leftJoin('users as lb', join => join.onRef('lb.authorityId', '=', 'pl.authorityId').onRef('lb.id', '=', 'pl.listedByUserId'))
    .leftJoin('users as eb', join => join.onRef('eb.authorityId', '=', 'pl.authorityId').onRef('eb.id', '=', 'pl.endedByUserId'))
    .select(['pl.id', 'pl.panelId', 'p.name as panelName', 'pl.episodeId', 'pl.reason', 'lb.name as listedByName', 'pl.listedAt', 'pl.endedAt', 'eb.name as endedByName'])
    .where('pl.authorityId', '=', authorityId)
}

function toListing(row: ListingRow): ListingRow {
  return { ...row, listedAt: new Date(row.listedAt), endedAt: row.endedAt ? new Date(row.endedAt) : null }
}

/** The episode's listings, current first, then the most recent. */
export async function listEpisodeListings(db: Db, authorityId: string, episodeId: string): Promise<ListingRow[]> {
  const rows = await listingQuery(db, authorityId)
    .where('pl.episodeId', '=', episodeId)
    .orderBy(sql`pl.ended_at is null`, 'desc')
    .orderBy('pl.listedAt', 'desc')
    .orderBy('pl.id', 'desc')
    .execute()
  return rows.map(toListing)
}

/** The names of the panels the episode is listed at now (for the episode page). */
export async function currentPanelNames(db: Db, authorityId: string, episodeId: string): Promise<string[]> {
  const rows = await db
    .selectFrom('panelListings as pl')
    .innerJoin('panels as p', join => join.onRef('p.authorityId', '=', 'pl.authorityId').onRef('p.id', '=', 'pl.panelId'))
    .select('p.name')
    .where('pl.authorityId', '=', authorityId)
    .where('pl.episodeId', '=', episodeId)
    .where('pl.endedAt', 'is', null)
    .orderBy('p.name')
    .execute()
  return rows.map(row => row.name)
}

export async function findListing(db: Db, authorityId: string, listingId: string): Promise<ListingRow | undefined> {
  const row = await listingQuery(db, authorityId).where('pl.id', '=', listingId).executeTakeFirst()
  return row ? toListing(row) : undefined
}

export async function isListedNow(db: Db, authorityId: string, panelId: string, episodeId: string): Promise<boolean> {
  const row = await db
    .selectFrom('panelListings')
    .select('id')
    .where('authorityId', '=', authorityId)
    .where('panelId', '=', panelId)
    .where('episodeId', '=', episodeId)
    .where('endedAt', 'is', null)
    .executeTakeFirst()
  return row !== undefined
}

export async function insertListing(
  db: Db,
  listing: { authorityId: string; id: string; panelId: string; episodeId: string; reason: string; listedByUserId: string; listedAt: Date },
): Promise<void> {
  await db.insertInto('panelListings').values(listing).execute()
}

/** Ends a current listing; false when it had already ended. */
export async function endListing(db: Db, authorityId: string, listingId: string, at: Date, byUserId: string): Promise<boolean> {
  const result = await db
    .updateTable('panelListings')
    .set({ endedAt: at, endedByUserId: byUserId })
    .where('authorityId', '=', authorityId)
    .where('id', '=', listingId)
    .where('endedAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

// ---- what a panel member sees ------------------------------------------------------------------------------------

/** The active panels the user sits on. */
export async function listPanelsOf(db: Db, authorityId: string, userId: string): Promise<{ id: string; name: string; localityId: string | null; localityName: string | null }[]> {
  return db
    .selectFrom('panelMembers as pm')
    .innerJoin('panels as p', join => join.onRef('p.authorityId', '=', 'pm.authorityId').onRef('p.id', '=', 'pm.panelId'))
    .leftJoin('localities as l', join => join.onRef('l.authorityId', '=', 'p.authorityId').onRef('l.id', '=', 'p.localityId'))
    .select(['p.id', 'p.name', 'p.localityId', 'l.name as localityName'])
    .where('pm.authorityId', '=', authorityId)
    .where('pm.userId', '=', userId)
    .where('p.active', '=', true)
    .orderBy('p.name')
    .execute()
}

export type MemberListingRow = ListingRow & { reference: string; householdName: string | null; childrenNames: string | null }

/** The current listings at the given panels, with the episode's reference and who it is for. */
export async function listCurrentListingsAt(db: Db, authorityId: string, panelIds: readonly string[]): Promise<MemberListingRow[]> {
  if (panelIds.length === 0) return []
  const rows = await listingQuery(db, authorityId)
    .innerJoin('episodes as e', join => join.onRef('e.authorityId', '=', 'pl.authorityId').onRef('e.id', '=', 'pl.episodeId'))
    .leftJoin('households as h', join => join.onRef('h.authorityId', '=', 'e.authorityId').onRef('h.id', '=', 'e.householdId'))
    .select([
      'e.reference',
      'h.name as householdName',
      sql<string | null>`(select string_agg(pe.given_names || ' ' || pe.family_name, ', ' order by pe.date_of_birth, pe.given_names)
         from episode_people ep join persons pe on pe.authority_id = ep.authority_id and pe.id = ep.person_id
        where ep.authority_id = e.authority_id and ep.episode_id = e.id and ep.role = 'child')`.as('childrenNames'),
    ])
    .where('pl.panelId', 'in', [...panelIds])
    .where('pl.endedAt', 'is', null)
    .orderBy('pl.listedAt')
    .orderBy('pl.id')
    .execute()
  return rows.map(row => ({ ...toListing(row), reference: row.reference, householdName: row.householdName, childrenNames: row.childrenNames }))
}

/** Whether another panel of the authority already has this name, whatever its case. */
export async function panelNameTaken(db: Db, authorityId: string, name: string, exceptPanelId?: string): Promise<boolean> {
  let query = db.selectFrom('panels').select('id').where('authorityId', '=', authorityId).where(sql`lower(name)`, '=', name.toLowerCase())
  if (exceptPanelId) query = query.where('id', '<>', exceptPanelId)
  return (await query.executeTakeFirst()) !== undefined
}
