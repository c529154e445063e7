import type { Db } from '../../db/database.ts'

/** Whether the practitioner is on the team (in any role) of an episode that is still open: without one, there is no work. */
export async function isOnAnyOpenEpisode(db: Db, authorityId: string, userId: string): Promise<boolean> {
  const row = await db
    .selectFrom('episodeMembers as m')
    .innerJoin('episodes as e', join => join.onRef('e.authorityId', '=', 'm.authorityId').onRef('e.id', '=', 'm.episodeId'))
    .select('m.episodeId')
    .where('m.authorityId', '=', authorityId)
    .where('m.userId', '=', userId)
    .where('m.leftAt', 'is', null)
    .where('e.status', '<>', 'closed')
    .limit(1)
    .executeTakeFirst()
  return row !== undefined
}

export type ContributionInvitation = { episodeId: string; reference: string; invitedAt: Date; invitedByName: string | null; elementCount: number }

/** Assessments this practitioner was asked to contribute to and has not yet said they have finished. */
export async function listOpenContributions(db: Db, authorityId: string, userId: string): Promise<ContributionInvitation[]> {
  const rows = await db
    .selectFrom('assessmentContributors as c')
    .innerJoin('assessments as a', join => join.onRef('a.authorityId', '=', 'c.authorityId').onRef('a.id', '=', 'c.assessmentId'))
    .innerJoin('episodes as e', join => join.onRef('e.authorityId', '=', 'a.authorityId').onRef('e.id', '=', 'a.episodeId'))
    .innerJoin('episodeMembers as m', join =>
      join.onRef('m.authorityId', '=', 'e.authorityId').onRef('m.episodeId', '=', 'e.id').onRef('m.userId', '=', 'c.userId'),
    )
    .leftJoin('users as u', join => join.onRef('u.authorityId', '=', 'c.authorityId').onRef('u.id', '=', 'c.invitedByUserId'))
    .select(['e.id as episodeId', 'e.reference', 'c.invitedAt', 'u.name as invitedByName', 'c.elementKeys'])
    .where('c.authorityId', '=', authorityId)
    .where('c.userId', '=', userId)
    .where('c.completedAt', 'is', null)
    .where('m.leftAt', 'is', null)
    .where('a.status', 'in', ['in_progress', 'returned'])
    .where('e.status', '<>', 'closed')
    .orderBy('c.invitedAt', 'asc')
    .execute()
  return rows.map(row => ({
    episodeId: row.episodeId,
    reference: row.reference,
    invitedAt: row.invitedAt,
    invitedByName: row.invitedByName,
    elementCount: Array.isArray(row.elementKeys) ? row.elementKeys.length : 0,
  }))
}

export type MyEpisodeWithoutLead = { episodeId: string; reference: string }

/** Episodes at the support stage this practitioner is on (not as a contributor) that have no lead professional. */
export async function listMyEpisodesWithoutLead(db: Db, authorityId: string, userId: string): Promise<MyEpisodeWithoutLead[]> {
  return db
    .selectFrom('episodes as e')
    .innerJoin('episodeMembers as m', join => join.onRef('m.authorityId', '=', 'e.authorityId').onRef('m.episodeId', '=', 'e.id'))
    .select(['e.id as episodeId', 'e.reference'])
    .where('e.authorityId', '=', authorityId)
    .where('e.status', '=', 'support')
    .where('m.userId', '=', userId)
    .where('m.leftAt', 'is', null)
    .where('m.role', 'in', ['owner', 'member'])
    .where(eb =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('leadProfessionals as l')
            .select('l.id')
            .whereRef('l.authorityId', '=', 'e.authorityId')
            .whereRef('l.episodeId', '=', 'e.id')
            .where('l.endedAt', 'is', null),
        ),
      ),
    )
    .orderBy('e.startedAt', 'asc')
    .execute()
}

/**
 * Access rule (b): of these episodes, the ones in the localities the coordinator coordinates — all of them when no
 * locality is chosen for the coordinator (the whole authority). An episode with no locality is the whole authority's.
 */
export async function episodesInCoordinatorsArea(db: Db, authorityId: string, userId: string, episodeIds: readonly string[]): Promise<Set<string>> {
  const unique = [...new Set(episodeIds)]
  if (unique.length === 0) return new Set()
  const rows = await db
    .selectFrom('episodes as e')
    .select('e.id')
    .where('e.authorityId', '=', authorityId)
    .where('e.id', 'in', unique)
    .where(eb =>
      eb.or([
        eb.not(eb.exists(eb.selectFrom('coordinatorLocalities as cl').select('cl.localityId').where('cl.authorityId', '=', authorityId).where('cl.userId', '=', userId))),
        eb('e.localityId', 'in', eb.selectFrom('coordinatorLocalities as cl').select('cl.localityId').where('cl.authorityId', '=', authorityId).where('cl.userId', '=', userId)),
      ]),
    )
    .execute()
  return new Set(rows.map(row => row.id))
}
