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
