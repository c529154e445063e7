import { sql, type RawBuilder } from 'kysely'
import type { Db } from '../../db/database.ts'

// Access rule (b) of issue 6, read from the database for the policy (src/policy/policy.ts): whether a user coordinates
// the locality a record belongs to, and whether the record is listed at a panel they sit on. The policy still checks
// the role (coordinator, panel member); these say only where the record is.

export type Coordination = { coordinatesArea: boolean; listedAtPanel: boolean }

/**
 * `episodes` is a query of episode ids (column `episode_id`) the record belongs to. A coordinator coordinates the whole
 * authority when no locality is chosen for them; otherwise only episodes whose locality is one of theirs (an episode with
 * no locality is the whole-authority coordinators').
 */
async function coordinationOf(db: Db, authorityId: string, userId: string, episodes: RawBuilder<unknown>, noEpisode: 'whole-authority' | 'nobody'): Promise<Coordination> {
  const row = await sql<{ coordinates: boolean; listed: boolean }>`
    with record_episodes as (${episodes}),
         mine as (select locality_id from coordinator_localities where authority_id = ${authorityId} and user_id = ${userId})
    select exists (select 1 from user_roles r where r.authority_id = ${authorityId} and r.user_id = ${userId} and r.role = 'coordinator')
           and (
             (not exists (select 1 from mine)
               and (${sql.raw(noEpisode === 'whole-authority' ? 'true' : 'false')} or exists (select 1 from record_episodes)))
             or exists (
               select 1 from record_episodes re
                 join episodes e on e.authority_id = ${authorityId} and e.id = re.episode_id
                where e.locality_id in (select locality_id from mine))
           ) as coordinates,
           exists (
             select 1 from record_episodes re
               join panel_listings pl on pl.authority_id = ${authorityId} and pl.episode_id = re.episode_id and pl.ended_at is null
               join panels p on p.authority_id = pl.authority_id and p.id = pl.panel_id and p.active
               join panel_members pm on pm.authority_id = pl.authority_id and pm.panel_id = pl.panel_id and pm.user_id = ${userId}
           ) as listed
  `.execute(db)
  const found = row.rows[0]
  return { coordinatesArea: found?.coordinates === true, listedAtPanel: found?.listed === true }
}

/**
 * Rule (b) for one episode aliased `e` in the caller's query, so that the episode's relationship is read in one round
 * trip with the team membership (findEpisodeRelationship): the same rule as coordinationOf for a single episode.
 */
export function episodeCoordinationColumns(authorityId: string, userId: string): { coordinates: RawBuilder<boolean>; listed: RawBuilder<boolean> } {
  return {
    coordinates: sql<boolean>`(exists (select 1 from user_roles r where r.authority_id = ${authorityId} and r.user_id = ${userId} and r.role = 'coordinator')
      and (not exists (select 1 from coordinator_localities cl where cl.authority_id = ${authorityId} and cl.user_id = ${userId})
           or e.locality_id in (select cl.locality_id from coordinator_localities cl where cl.authority_id = ${authorityId} and cl.user_id = ${userId})))`,
    listed: sql<boolean>`exists (
      select 1 from panel_listings pl
        join panels p on p.authority_id = pl.authority_id and p.id = pl.panel_id and p.active
        join panel_members pm on pm.authority_id = pl.authority_id and pm.panel_id = pl.panel_id and pm.user_id = ${userId}
       where pl.authority_id = ${authorityId} and pl.episode_id = e.id and pl.ended_at is null)`,
  }
}

/** A person: the episodes about them, or about a household they live in. A person in no episode is the whole-authority coordinators'. */
export function personCoordination(db: Db, authorityId: string, personId: string, userId: string): Promise<Coordination> {
  return coordinationOf(
    db,
    authorityId,
    userId,
    sql`select ep.episode_id from episode_people ep where ep.authority_id = ${authorityId} and ep.person_id = ${personId}
        union
        select e.id from household_members hm join episodes e on e.authority_id = hm.authority_id and e.household_id = hm.household_id
         where hm.authority_id = ${authorityId} and hm.person_id = ${personId} and hm.left_at is null`,
    'whole-authority',
  )
}

/** A household: the episodes for it, or about one of its members. */
export function householdCoordination(db: Db, authorityId: string, householdId: string, userId: string): Promise<Coordination> {
  return coordinationOf(
    db,
    authorityId,
    userId,
    sql`select e.id as episode_id from episodes e where e.authority_id = ${authorityId} and e.household_id = ${householdId}
        union
        select ep.episode_id from household_members hm join episode_people ep on ep.authority_id = hm.authority_id and ep.person_id = hm.person_id
         where hm.authority_id = ${authorityId} and hm.household_id = ${householdId} and hm.left_at is null`,
    'whole-authority',
  )
}
