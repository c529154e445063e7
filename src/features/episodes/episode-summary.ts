import type { Db } from '../../db/database.ts'
import type { EpisodeStatus } from '../../db/schema.ts'
import { paths } from '../../paths.ts'

/**
 * What every page about an episode shows at the top (reference, who it is for) and the episode's sections. Features of
 * the team around the family read it inside their own audited transaction, after the access decision.
 */
export type EpisodeSummary = {
  id: string
  reference: string
  scope: 'child' | 'family'
  status: EpisodeStatus
  householdId: string | null
  safeguardingFlag: boolean
  children: { personId: string; name: string; dateOfBirth: string | null }[]
  adults: { personId: string; name: string }[]
}

export async function findEpisodeSummary(db: Db, authorityId: string, episodeId: string): Promise<EpisodeSummary | undefined> {
  const episode = await db
    .selectFrom('episodes')
    .select(['id', 'reference', 'scope', 'status', 'householdId', 'safeguardingFlag'])
    .where('authorityId', '=', authorityId)
    .where('id', '=', episodeId)
    .executeTakeFirst()
  if (!episode) return undefined
  const people = await db
    .selectFrom('episodePeople')
    .innerJoin('persons', join =>
      join.onRef('persons.authorityId', '=', 'episodePeople.authorityId').onRef('persons.id', '=', 'episodePeople.personId'),
    )
    .select(['persons.id', 'persons.givenNames', 'persons.familyName', 'persons.dateOfBirth', 'episodePeople.role'])
    .where('episodePeople.authorityId', '=', authorityId)
    .where('episodePeople.episodeId', '=', episodeId)
    .orderBy('persons.dateOfBirth', 'asc')
    .orderBy('persons.givenNames', 'asc')
    .execute()
  return {
    ...episode,
    children: people
      .filter(person => person.role === 'child')
      .map(person => ({ personId: person.id, name: `${person.givenNames} ${person.familyName}`, dateOfBirth: person.dateOfBirth })),
    adults: people.filter(person => person.role === 'adult').map(person => ({ personId: person.id, name: `${person.givenNames} ${person.familyName}` })),
  }
}

export type EpisodeSection = 'overview' | 'team' | 'plan' | 'meetings' | 'reviews' | 'chronology' | 'notes' | 'documents' | 'history' | 'panels'

/** The view-model for src/views/episode-nav.njk: the caption and the episode's sub-navigation. */
export function episodeNav(summary: EpisodeSummary, current: EpisodeSection, options: { panels?: boolean } = {}) {
  const id = summary.id
  const sections: [EpisodeSection, string, string][] = [
    ['overview', 'Overview', paths.episodes.show(id)],
    ['team', 'Team', paths.team.show(id)],
    ['plan', 'Plan', paths.plans.show(id)],
    ['meetings', 'Meetings', paths.meetings.list(id)],
    ['reviews', 'Reviews', paths.reviews.list(id)],
    ['chronology', 'Chronology', paths.records.chronology(id)],
    ['notes', 'Notes', paths.records.notes(id)],
    ['documents', 'Documents', paths.records.documents(id)],
    ['history', 'History', paths.recordHistory.episode(id)],
  ]
  // Panels (src/features/panels): only where the page knows the reader may list the episode at a panel.
  if (options.panels === true) sections.push(['panels', 'Panels', paths.panels.episode(id)])
  return {
    reference: summary.reference,
    childrenNames: summary.children.map(child => child.name).join(', '),
    closed: summary.status === 'closed',
    safeguardingFlag: summary.safeguardingFlag,
    items: sections.map(([key, text, href]) => ({ text, href, active: key === current })),
  }
}
