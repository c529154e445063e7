import type { Kysely, Transaction } from 'kysely'
import type { Database } from '../../db/schema.ts'

type Db = Kysely<Database> | Transaction<Database>

/** A young person's own views (family_views, kind young_person, one per young person per episode). */
export type YoungPersonViews = {
  id: string
  accountId: string
  name: string
  goingWell: string
  worrying: string
  wouldLike: string
  sharedWithFamily: boolean
  updatedAt: Date
  version: number
}

function viewsQuery(db: Db, authorityId: string, episodeId: string) {
  return db
    .selectFrom('familyViews as v')
    .innerJoin('familyAccounts as a', join => join.onRef('a.authorityId', '=', 'v.authorityId').onRef('a.id', '=', 'v.accountId'))
    .select(['v.id', 'v.accountId', 'a.name', 'v.goingWell', 'v.worrying', 'v.wouldLike', 'v.sharedWithFamily', 'v.updatedAt', 'v.version'])
    .where('v.authorityId', '=', authorityId)
    .where('v.episodeId', '=', episodeId)
    .where('v.kind', '=', 'young_person')
    .where('v.meetingId', 'is', null)
}

export async function findOwnViews(db: Db, authorityId: string, episodeId: string, accountId: string): Promise<YoungPersonViews | undefined> {
  return viewsQuery(db, authorityId, episodeId).where('v.accountId', '=', accountId).orderBy('v.createdAt', 'desc').executeTakeFirst()
}

/** For a parent or carer: only what a young person chose to share with their family, and never an empty page. */
export async function listViewsSharedWithFamily(db: Db, authorityId: string, episodeId: string, exceptAccountId: string): Promise<YoungPersonViews[]> {
  return viewsQuery(db, authorityId, episodeId)
    .where('v.sharedWithFamily', '=', true)
    .where('v.accountId', '<>', exceptAccountId)
    .orderBy('v.updatedAt', 'desc')
    .execute()
}

/** For the team (practitioners): every young person's views they have not kept as a private draft. */
export async function listViewsForTeam(db: Db, authorityId: string, episodeId: string): Promise<YoungPersonViews[]> {
  return viewsQuery(db, authorityId, episodeId).where('v.sharedWithTeam', '=', true).orderBy('v.updatedAt', 'desc').execute()
}

export type ViewsInput = { goingWell: string; worrying: string; wouldLike: string; sharedWithFamily: boolean }

export async function insertViews(db: Db, row: { authorityId: string; id: string; episodeId: string; accountId: string; now: Date } & ViewsInput): Promise<void> {
  await db
    .insertInto('familyViews')
    .values({
      authorityId: row.authorityId,
      id: row.id,
      episodeId: row.episodeId,
      accountId: row.accountId,
      meetingId: null,
      kind: 'young_person',
      goingWell: row.goingWell,
      worrying: row.worrying,
      wouldLike: row.wouldLike,
      sharedWithFamily: row.sharedWithFamily,
      sharedWithTeam: true,
      createdAt: row.now,
      updatedAt: row.now,
    })
    .execute()
}

/** Changes the views only if nobody saved them since `version` was read; false when stale. */
export async function updateViews(db: Db, authorityId: string, id: string, version: number, input: ViewsInput, now: Date): Promise<boolean> {
  const result = await db
    .updateTable('familyViews')
    .set({ ...input, updatedAt: now, version: version + 1 })
    .where('authorityId', '=', authorityId)
    .where('id', '=', id)
    .where('version', '=', version)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}
