import type { Config } from '../../config.ts'
import type { Db } from '../../db/database.ts'
import type { Clock } from '../../lib/clock.ts'
import { hashSecret, newSecret, uuidv7 } from '../../lib/ids.ts'
import type { FamilyActor } from '../../policy/actor.ts'
import type { RecordRelationship } from '../../policy/policy.ts'
import * as repository from './family-session.repository.ts'

/**
 * Family sessions: separate from practitioners' (their own cookie and table), with shorter idle and absolute
 * timeouts (FAMILY_SESSION_IDLE_MINUTES, FAMILY_SESSION_ABSOLUTE_HOURS). A revoked account, or one whose every link
 * to an episode has been ended, has no session.
 */

export type FamilySessionState =
  | { state: 'none' }
  | { state: 'expired'; authorityId: string; accountId: string }
  | { state: 'signed-in'; actor: FamilyActor }

const TOUCH_AFTER_MS = 60_000

export async function resolveFamilySession(db: Db, config: Config, clock: Clock, secret: string | undefined): Promise<FamilySessionState> {
  if (!secret || secret.length > 100) return { state: 'none' }
  const idHash = hashSecret(secret)
  const row = await repository.findFamilySession(db, idHash)
  if (!row) return { state: 'none' }
  const now = clock.now().getTime()
  const idle = now - new Date(row.lastSeenAt).getTime() > config.familySession.idleMinutes * 60_000
  const absolute = now - new Date(row.createdAt).getTime() > config.familySession.absoluteHours * 3_600_000
  const episodeIds = row.status === 'active' ? await repository.listLinkedEpisodeIds(db, row.authorityId, row.accountId) : []
  if (idle || absolute || row.status !== 'active' || episodeIds.length === 0) {
    await repository.deleteFamilySession(db, idHash)
    return { state: 'expired', authorityId: row.authorityId, accountId: row.accountId }
  }
  if (now - new Date(row.lastSeenAt).getTime() > TOUCH_AFTER_MS) await repository.touchFamilySession(db, idHash, clock.now())
  return {
    state: 'signed-in',
    actor: {
      kind: 'family',
      accountId: row.accountId,
      authorityId: row.authorityId,
      name: row.name,
      accountKind: row.kind,
      language: row.language,
      episodeIds,
      sessionPublicId: row.publicId,
    },
  }
}

/** Starts a family session after a correct one-time code. Returns the cookie secret (the database keeps its hash). */
export async function startFamilySession(
  db: Db,
  clock: Clock,
  account: { authorityId: string; accountId: string },
  details: { deviceLabel: string; ip: string | null },
): Promise<{ secret: string; publicId: string }> {
  const secret = newSecret()
  const publicId = uuidv7(clock.now().getTime())
  await repository.insertFamilySession(db, {
    idHash: hashSecret(secret),
    authorityId: account.authorityId,
    accountId: account.accountId,
    publicId,
    deviceLabel: details.deviceLabel.slice(0, 200),
    at: clock.now(),
    ip: details.ip,
  })
  return { secret, publicId }
}

export async function endFamilySession(db: Db, secret: string | undefined): Promise<void> {
  if (!secret || secret.length > 100) return
  await repository.deleteFamilySession(db, hashSecret(secret))
}

/**
 * The family actor's relationship to an episode, read in the caller's transaction for access.assertWithin: linked
 * now (not revoked, account active). The session's list is a hint; this read is the decision.
 */
export async function familyRelationship(db: Db, actor: FamilyActor, episodeId: string): Promise<RecordRelationship> {
  const linked = await repository.isLinkedToEpisode(db, actor.authorityId, actor.accountId, episodeId)
  return { onTeam: false, familyMember: linked, episodeId }
}
