import type { Kysely } from 'kysely'
import type { Database } from '../../db/schema.ts'
import type { Clock } from '../../lib/clock.ts'
import type { Access } from '../../policy/access.ts'
import type { RequestContext } from '../../policy/actor.ts'
import { ukDateOf } from '../../lib/dates.ts'
import { listActionsDue, type DueAction } from '../plans/plans.service.ts'
import { listMinutesOwedBy, listOverdueMinutes, listUpcomingMeetingsFor, type MinutesTask, type UpcomingMeeting } from '../meetings/meetings-due.ts'
import { listClosuresAwaitingApproval, listReviewsDue, type ClosureQueueItem, type ReviewDue } from '../reviews/reviews.repository.ts'
import { listEpisodesWithoutLead, listPendingHandoversFor, type EpisodeWithoutLead, type PendingHandoverItem } from '../team/team.service.ts'
import { readEarlyHelpSettings } from '../team/early-help-settings.ts'
import * as repository from './my-work.repository.ts'

export type MyWork = {
  today: string
  handovers: PendingHandoverItem[]
  actions: DueAction[]
  minutes: MinutesTask[]
  reviews: ReviewDue[]
  meetings: UpcomingMeeting[]
  contributions: repository.ContributionInvitation[]
  withoutLead: repository.MyEpisodeWithoutLead[]
}

export type Dashboard = {
  today: string
  noLeadAlertDays: number
  withoutLead: EpisodeWithoutLead[]
  overdueMinutes: MinutesTask[]
  overdueReviews: ReviewDue[]
  closuresAwaitingApproval: ClosureQueueItem[]
}

/** How far ahead "my work" looks for actions, reviews and meetings. */
export const LOOK_AHEAD_DAYS = 14

/**
 * A practitioner's own work across every episode (actions, minutes, reviews, meetings, handovers, invitations to
 * contribute) and the coordinator's dashboard of what is slipping. Both read through the access layer and are audited.
 */
export function createMyWorkService(deps: { db: Kysely<Database>; clock: Clock; access: Access }) {
  const { access, clock } = deps

  async function myWork(context: RequestContext): Promise<MyWork | null> {
    const actor = context.actor
    if (actor.kind !== 'practitioner') return null
    const { authorityId, userId } = actor
    return access.run(context, { action: 'work.list-own', resource: { authorityId, ownerUserId: userId }, recordType: 'my-work' }, async trx => {
      const now = clock.now()
      const today = ukDateOf(now)
      const handovers = await listPendingHandoversFor(trx, authorityId, userId)
      // Everything else is work on an open episode's team: one indexed look-up spares the rest for people on none.
      if (!(await repository.isOnAnyOpenEpisode(trx, authorityId, userId))) {
        return { today, handovers, actions: [], minutes: [], reviews: [], meetings: [], contributions: [], withoutLead: [] }
      }
      const work: MyWork = {
        today,
        handovers,
        actions: await listActionsDue(trx, authorityId, userId, today, LOOK_AHEAD_DAYS),
        minutes: await listMinutesOwedBy(trx, authorityId, userId, now),
        reviews: await listReviewsDue(trx, authorityId, userId, today, { withinDays: LOOK_AHEAD_DAYS }),
        meetings: await listUpcomingMeetingsFor(trx, authorityId, userId, now, LOOK_AHEAD_DAYS),
        contributions: await repository.listOpenContributions(trx, authorityId, userId),
        withoutLead: await repository.listMyEpisodesWithoutLead(trx, authorityId, userId),
      }
      return work
    })
  }

  async function dashboard(context: RequestContext): Promise<Dashboard> {
    const authorityId = context.actor.kind === 'practitioner' ? context.actor.authorityId : ''
    const userId = context.actor.kind === 'practitioner' ? context.actor.userId : ''
    return access.run(context, { action: 'early-help.dashboard', resource: { authorityId }, recordType: 'early-help-dashboard' }, async trx => {
      const now = clock.now()
      const today = ukDateOf(now)
      const settings = await readEarlyHelpSettings(trx, authorityId)
      const withoutLead = await listEpisodesWithoutLead(trx, authorityId, now, settings.noLeadAlertDays)
      const overdueMinutes = await listOverdueMinutes(trx, authorityId, now)
      const overdueReviews = (await listReviewsDue(trx, authorityId, undefined, today, { withinDays: 0 })).filter(review => review.overdue)
      const closuresAwaitingApproval = await listClosuresAwaitingApproval(trx, authorityId)
      // Access rule (b): only the episodes of the localities this coordinator coordinates (all, when none is chosen).
      const inArea = await repository.episodesInCoordinatorsArea(trx, authorityId, userId, [
        ...withoutLead.map(item => item.episodeId),
        ...overdueMinutes.map(item => item.episodeId),
        ...overdueReviews.map(item => item.episodeId),
        ...closuresAwaitingApproval.map(item => item.episodeId),
      ])
      const mine = <T extends { episodeId: string }>(items: T[]) => items.filter(item => inArea.has(item.episodeId))
      return {
        today,
        noLeadAlertDays: settings.noLeadAlertDays,
        withoutLead: mine(withoutLead),
        overdueMinutes: mine(overdueMinutes),
        overdueReviews: mine(overdueReviews),
        closuresAwaitingApproval: mine(closuresAwaitingApproval),
      }
    })
  }

  return { myWork, dashboard }
}

export type MyWorkService = ReturnType<typeof createMyWorkService>
