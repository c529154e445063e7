import type { Transaction } from 'kysely'
import type { Database } from '../../db/schema.ts'
import type { Access, AuditNote } from '../../policy/access.ts'
import type { FamilyActor, RequestContext } from '../../policy/actor.ts'
import type { Action } from '../../policy/policy.ts'
import { NotFoundError, UnauthenticatedError } from '../../lib/errors.ts'
import { isUuid } from '../../lib/ids.ts'
import { paths } from '../../paths.ts'
import type { Translate } from '../../lib/i18n.ts'
import { findEpisodeSummary, type EpisodeSummary } from '../episodes/episode-summary.ts'
import { familyRelationship } from '../family-auth/family-session.ts'
import { redactForFamily } from '../identity-protection/identity-protection.redaction.ts'

/**
 * THE way a family page reaches an episode: the family actor's link to the episode is read in the same transaction
 * as the work, decided by the one policy (family.view / family.contribute / family.consent) and audited with the
 * episode's id and the family account. A family member who is not linked gets the same refusal, audited, whether
 * the episode exists or not in another family; a malformed or unknown id is "not found".
 */
export async function withFamilyEpisode<T>(
  access: Access,
  context: RequestContext,
  episodeId: string,
  request: { action: Extract<Action, 'family.view' | 'family.contribute' | 'family.consent'>; recordType?: string; recordId?: string },
  work: (trx: Transaction<Database>, episode: EpisodeSummary, actor: FamilyActor, note: AuditNote) => Promise<T>,
): Promise<T> {
  const actor = familyOf(context)
  if (!isUuid(episodeId)) throw new NotFoundError('There is no such page.')
  return access.transaction(context, async trx => {
    const relationship = await familyRelationship(trx, actor, episodeId)
    const accessRequest = {
      action: request.action,
      resource: { authorityId: actor.authorityId, relationship },
      recordType: request.recordType ?? 'episode',
      recordId: request.recordId ?? episodeId,
      episodeId,
    }
    // Decide before loading anything: a family member never learns whether another family's episode exists.
    const decision = access.decide(actor, request.action, accessRequest.resource)
    if (!decision.allowed) await access.assertWithin(trx, context, accessRequest)
    const episode = await findEpisodeSummary(trx, actor.authorityId, episodeId)
    if (!episode) throw new NotFoundError('There is no such page.')
    const note: AuditNote = {}
    // Identity protection: details marked "do not disclose to" this family member are withheld from every page.
    const result = await redactForFamily(trx, actor, await work(trx, episode, actor, note))
    await access.assertWithin(trx, context, accessRequest, note)
    return result
  })
}

export function familyOf(context: RequestContext): FamilyActor {
  const actor = context.actor
  if (actor.kind !== 'family') throw new UnauthenticatedError('Sign in to continue.')
  return actor
}

/** 'disagree': the family's "I disagree with this" page (src/features/records-history), reached from other pages, not a section link. */
export type FamilySection = 'overview' | 'team' | 'plan' | 'meetings' | 'story' | 'scores' | 'consent' | 'who-has-looked' | 'my-views' | 'disagree'

/**
 * The family's section links (the header's service navigation on every family page about an episode). A young
 * person also gets "My views", their own page.
 */
export function familyNav(t: Translate, episodeId: string, current: FamilySection, options: { young: boolean }) {
  const sections: [FamilySection, string, string][] = [
    ['overview', t('Home'), paths.family.episode(episodeId)],
    ['team', t('Our team'), paths.family.team(episodeId)],
    ['plan', t('Our plan'), paths.family.plan(episodeId)],
    ['meetings', t('Meetings'), paths.family.meetings(episodeId)],
    ['story', t('Our story so far'), paths.family.story(episodeId)],
    ['scores', t('Scores'), paths.family.scores(episodeId)],
    ['consent', t('My consent'), paths.family.consent(episodeId)],
    ['who-has-looked', t('Who has looked at our record'), paths.family.whoHasLooked(episodeId)],
  ]
  if (options.young) sections.splice(1, 0, ['my-views', t('My views'), paths.family.myViews(episodeId)])
  return sections.map(([key, text, href]) => ({ text, href, active: key === current }))
}
