import { uuidv7 } from '../../src/lib/ids.ts'
import type { TestApp } from '../helpers/build-test-app.ts'
import type { AuthorityWorld } from '../helpers/world.ts'

/** A young person's family account linked to the world's episode (active, signed in before). */
export async function addFamilyAccount(
  t: TestApp,
  world: AuthorityWorld,
  options: { name: string; kind: 'parent_carer' | 'young_person'; episodeId?: string; language?: 'en' | 'cy' },
): Promise<string> {
  const id = uuidv7()
  const now = t.clock.now()
  await t.database.db
    .insertInto('familyAccounts')
    .values({
      authorityId: world.authorityId,
      id,
      name: options.name,
      email: `${id}@example.org`,
      mobile: null,
      preferredChannel: 'email',
      language: options.language ?? 'en',
      kind: options.kind,
      personId: null,
      status: 'active',
      invitedByUserId: world.superUser.id,
      invitedAt: now,
      firstSignedInAt: now,
      lastSignedInAt: now,
      revokedAt: null,
      revokedByUserId: null,
    })
    .execute()
  await t.database.db
    .insertInto('familyAccountEpisodes')
    .values({ authorityId: world.authorityId, accountId: id, episodeId: options.episodeId ?? world.episodeId, familyTeamMemberId: null, grantedByUserId: world.superUser.id, grantedAt: now, revokedAt: null, revokedByUserId: null })
    .execute()
  return id
}

/**
 * The world's family with a life of its own, for the page-wide tests (readability, Welsh): a meeting held with
 * circulated minutes, one held whose minutes are late, a late action, a note and a document marked for the family,
 * the family's own scores, and a young person who wrote their views. Everything in plain words, as a real team writes.
 */
export async function enrichForFamily(t: TestApp, world: AuthorityWorld): Promise<{ youngPersonId: string }> {
  const db = t.database.db
  const { authorityId, episodeId } = world
  const owner = world.superUser.id
  const now = t.clock.now()
  const day = 86_400_000
  const meeting = async (daysAgo: number, minutes: { status: 'draft' | 'circulated'; dueDaysAgo: number }) => {
    const id = uuidv7()
    const startsAt = new Date(now.getTime() - daysAgo * day)
    await db
      .insertInto('meetings')
      .values({ authorityId, id, episodeId, purpose: 'team_meeting', startsAt, endsAt: new Date(startsAt.getTime() + 3_600_000), venueName: 'The Family Hub', venueAddress: '1 High Street', neutralVenue: true, accessibilityNotes: null, remoteLink: null, status: 'held', icsUid: `${id}@test`, chairUserId: owner, minuteTakerUserId: owner, scheduledByUserId: owner, createdAt: startsAt, cancelledAt: null, cancelReason: null })
      .execute()
    const circulated = minutes.status === 'circulated'
    await db
      .insertInto('meetingMinutes')
      .values({
        authorityId,
        meetingId: id,
        discussion: circulated ? 'We talked about school. Sam goes most days now. Mum said mornings are still hard.' : '',
        decisions: circulated ? 'The school will meet Sam at the gate each day. We will meet again in six weeks.' : '',
        familyViews: circulated ? 'Mum wants help with the mornings.' : '',
        status: minutes.status,
        dueOn: new Date(now.getTime() - minutes.dueDaysAgo * day).toISOString().slice(0, 10),
        draftedByUserId: owner,
        submittedAt: null,
        approvedByUserId: circulated ? owner : null,
        approvedAt: circulated ? startsAt : null,
        circulatedAt: circulated ? new Date(startsAt.getTime() + 2 * day) : null,
        updatedAt: now,
      })
      .execute()
    return id
  }
  await meeting(40, { status: 'circulated', dueDaysAgo: 35 })
  await meeting(20, { status: 'draft', dueDaysAgo: 10 })
  await db
    .insertInto('caseNotes')
    .values({ authorityId, id: uuidv7(), episodeId, personId: null, occurredOn: new Date(now.getTime() - 30 * day).toISOString().slice(0, 10), summary: 'Home visit', body: 'We met at home. We talked about the plan.', visibility: 'family', authorUserId: owner, authorAgencyId: world.agencyId, createdAt: now })
    .execute()
  await db
    .insertInto('familyScores')
    .values({ authorityId, id: uuidv7(), episodeId, accountId: world.familyAccountId, elementKey: 'general-health', subject: world.episodeChildId, scoreAdult: null, scoreChild: 'amber', recordedAt: new Date(now.getTime() - 10 * day) })
    .execute()
  const youngPersonId = await addFamilyAccount(t, world, { name: 'Sam', kind: 'young_person' })
  await db
    .insertInto('familyViews')
    .values({ authorityId, id: uuidv7(), episodeId, accountId: youngPersonId, meetingId: null, kind: 'young_person', goingWell: 'I like my new class.', worrying: 'I get cross in the mornings.', wouldLike: 'A quiet place at break.', sharedWithFamily: true, sharedWithTeam: true, createdAt: now, updatedAt: now })
    .execute()
  return { youngPersonId }
}
