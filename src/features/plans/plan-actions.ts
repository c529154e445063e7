import type { Db } from '../../db/database.ts'
import type { PlanActionOwnerKind } from '../../db/schema.ts'
import { uuidv7 } from '../../lib/ids.ts'

export type NewPlanAction = {
  authorityId: string
  episodeId: string
  needId?: string | null
  what: string
  ownerKind: PlanActionOwnerKind
  ownerUserId?: string | null
  ownerAgencyId?: string | null
  ownerFamilyTeamMemberId?: string | null
  /** The owner's name as the plan shows it. */
  ownerName: string
  dueOn: string
  sourceMeetingId?: string | null
  sourceReviewId?: string | null
  createdByUserId: string
  createdByName: string
  at: Date
}

/**
 * Adds an action to an episode's working plan (creating the plan if it has none) and starts the action's history.
 * The one way actions enter a plan: from the plan page, from minutes (a meeting) and from a review. Call it inside the
 * caller's audited transaction.
 */
export async function insertPlanAction(db: Db, action: NewPlanAction): Promise<string> {
  const id = uuidv7(action.at.getTime())
  await db
    .insertInto('supportPlans')
    .values({ authorityId: action.authorityId, episodeId: action.episodeId, createdAt: action.at, updatedByUserId: action.createdByUserId, updatedAt: action.at })
    .onConflict(conflict =>
      conflict.columns(['authorityId', 'episodeId']).doUpdateSet({ changedSinceAgreed: true, updatedByUserId: action.createdByUserId, updatedAt: action.at }),
    )
    .execute()
  await db
    .insertInto('planActions')
    .values({
      authorityId: action.authorityId,
      id,
      episodeId: action.episodeId,
      needId: action.needId ?? null,
      what: action.what,
      ownerKind: action.ownerKind,
      ownerUserId: action.ownerUserId ?? null,
      ownerAgencyId: action.ownerAgencyId ?? null,
      ownerFamilyTeamMemberId: action.ownerFamilyTeamMemberId ?? null,
      ownerName: action.ownerName,
      dueOn: action.dueOn,
      status: 'not_started',
      sourceMeetingId: action.sourceMeetingId ?? null,
      sourceReviewId: action.sourceReviewId ?? null,
      createdByUserId: action.createdByUserId,
      createdAt: action.at,
      updatedAt: action.at,
    })
    .execute()
  await db
    .insertInto('planActionUpdates')
    .values({
      authorityId: action.authorityId,
      id: uuidv7(action.at.getTime()),
      actionId: id,
      episodeId: action.episodeId,
      status: 'not_started',
      note: 'Action added to the plan',
      byUserId: action.createdByUserId,
      byFamilyTeamMemberId: null,
      byName: action.createdByName,
      at: action.at,
    })
    .execute()
  return id
}
