import type { Kysely } from 'kysely'
import type { Database } from '../../db/schema.ts'
import type { Clock } from '../../lib/clock.ts'
import { NotFoundError, UnauthenticatedError } from '../../lib/errors.ts'
import { isUuid, uuidv7 } from '../../lib/ids.ts'
import { DeniedWithin, type Access, type AccessRequest } from '../../policy/access.ts'
import type { PractitionerActor, RequestContext } from '../../policy/actor.ts'
import { findEpisodeSummary, type EpisodeSummary } from '../episodes/episode-summary.ts'
import { findEpisodeRelationship } from '../episodes/episodes.service.ts'
import { withFamilyEpisode } from '../family-pages/family-episode.ts'
import * as repository from './family-help.repository.ts'
import type { ViewsInput, YoungPersonViews } from './family-help.repository.ts'

export type { YoungPersonViews } from './family-help.repository.ts'

/** Saved by someone else (the same young person on another device) since the form was opened. */
export class StaleViewsError extends Error {
  constructor(readonly saved: YoungPersonViews | undefined) {
    super('You changed this somewhere else since you opened this page.')
  }
}

const RECORD_TYPE = 'young_person_views'

/**
 * Help pages need no service (no personal data). This is a young person's own views — "what's going well, what's
 * worrying me, what I'd like to happen" — which only that young person may open and change, their parents read only
 * when they chose to share, and the team reads on its episode.
 */
export function createFamilyHelpService(deps: { db: Kysely<Database>; clock: Clock; access: Access }) {
  const { clock, access } = deps

  /** A young person's page: refused (and audited) for a parent or carer, whatever the episode. */
  function refuseUnlessYoung(context: RequestContext, episodeId: string, action: 'family.view' | 'family.contribute', young: boolean) {
    if (young) return
    const actor = context.actor
    const request: AccessRequest = {
      action,
      resource: { authorityId: actor.kind === 'family' ? actor.authorityId : '', relationship: { onTeam: false, familyMember: true, episodeId } },
      recordType: RECORD_TYPE,
      recordId: episodeId,
      episodeId,
    }
    throw new DeniedWithin(request, 'a young person\'s own views are only for them')
  }

  async function myViews(context: RequestContext, episodeId: string): Promise<{ episode: EpisodeSummary; views: YoungPersonViews | undefined }> {
    return withFamilyEpisode(access, context, episodeId, { action: 'family.view', recordType: RECORD_TYPE }, async (trx, episode, actor, note) => {
      refuseUnlessYoung(context, episodeId, 'family.view', actor.accountKind === 'young_person')
      const views = await repository.findOwnViews(trx, actor.authorityId, episodeId, actor.accountId)
      if (views) note.recordId = views.id
      return { episode, views }
    })
  }

  /** Saves the young person's views; `version` is what the form was opened with (null: there were none yet). */
  async function saveMyViews(context: RequestContext, episodeId: string, input: ViewsInput, version: number | null): Promise<void> {
    await withFamilyEpisode(access, context, episodeId, { action: 'family.contribute', recordType: RECORD_TYPE }, async (trx, _episode, actor, note) => {
      refuseUnlessYoung(context, episodeId, 'family.contribute', actor.accountKind === 'young_person')
      const existing = await repository.findOwnViews(trx, actor.authorityId, episodeId, actor.accountId)
      const now = clock.now()
      if (!existing) {
        if (version !== null) throw new StaleViewsError(undefined)
        const id = uuidv7()
        await repository.insertViews(trx, { authorityId: actor.authorityId, id, episodeId, accountId: actor.accountId, now, ...input })
        note.recordId = id
      } else {
        if (version === null || version !== existing.version) throw new StaleViewsError(existing)
        if (!(await repository.updateViews(trx, actor.authorityId, existing.id, version, input, now))) throw new StaleViewsError(existing)
        note.recordId = existing.id
      }
      note.details = { sharedWithFamily: input.sharedWithFamily }
    })
  }

  /** What the family's young people chose to share with their parents and carers (a parent never sees the rest). */
  async function sharedViews(context: RequestContext, episodeId: string): Promise<{ episode: EpisodeSummary; views: YoungPersonViews[] }> {
    return withFamilyEpisode(access, context, episodeId, { action: 'family.view', recordType: RECORD_TYPE }, async (trx, episode, actor) => {
      const views = await repository.listViewsSharedWithFamily(trx, actor.authorityId, episodeId, actor.accountId)
      return { episode, views }
    })
  }

  /** The team's page: every young person's views on the episode (team.view, the episode's team and coordinators). */
  async function teamViews(context: RequestContext, episodeId: string): Promise<{ episode: EpisodeSummary; views: YoungPersonViews[] }> {
    const actor = context.actor
    if (actor.kind !== 'practitioner') throw new UnauthenticatedError('Sign in to continue.')
    const practitioner: PractitionerActor = actor
    if (!isUuid(episodeId)) throw new NotFoundError('There is no such episode.')
    return access.transaction(context, async trx => {
      const episode = await findEpisodeSummary(trx, practitioner.authorityId, episodeId)
      if (!episode) throw new NotFoundError('There is no such episode.')
      const relationship = await findEpisodeRelationship(trx, practitioner.authorityId, episodeId, practitioner.userId)
      const request: AccessRequest = { action: 'team.view', resource: { authorityId: practitioner.authorityId, relationship }, recordType: RECORD_TYPE, recordId: episodeId }
      const decision = access.decide(practitioner, 'team.view', request.resource)
      if (!decision.allowed) throw new DeniedWithin(request, decision.reason)
      const views = await repository.listViewsForTeam(trx, practitioner.authorityId, episodeId)
      await access.assertWithin(trx, context, request)
      return { episode, views }
    })
  }

  return { myViews, saveMyViews, sharedViews, teamViews }
}

export type FamilyHelpService = ReturnType<typeof createFamilyHelpService>
