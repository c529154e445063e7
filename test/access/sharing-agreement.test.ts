import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { uuidv7 } from '../../src/lib/ids.ts'
import { databaseKinds } from '../helpers/database.ts'
import { buildTestApp, type TestApp } from '../helpers/build-test-app.ts'
import { buildAgency, buildUser, signIn } from '../helpers/builders.ts'
import { buildAuthorityWorld, type AuthorityWorld } from '../helpers/world.ts'

// Issue 6, access rule (c): the family's agreement must cover the agency of a practitioner on the team when that agency
// relies on consent as its lawful basis for early help sharing (recorded by administrators); an agency on another basis
// (public task, legal obligation …) does not need it, and the 2024 information-sharing advice says consent should not
// be the default. Sharing without agreement, for safeguarding, overrides; a withdrawal removes access either way.

for (const kind of databaseKinds()) {
  describe(`the family's agreement and each agency's lawful basis (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    let consentAgencyId: string
    let publicTaskAgencyId: string
    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Agreeford')
      consentAgencyId = (await buildAgency(t, world.authorityId, { name: 'Agreeford Family Charity', kind: 'voluntary' })).id
      publicTaskAgencyId = (await buildAgency(t, world.authorityId, { name: 'Agreeford Health Visiting', kind: 'health_visiting' })).id
      for (const [agencyId, lawfulBasis] of [[consentAgencyId, 'consent'], [publicTaskAgencyId, 'public_task']] as const) {
        await t.database.db
          .insertInto('agencyLawfulBases')
          .values({ authorityId: world.authorityId, agencyId, lawfulBasis, specialCategoryCondition: 'safeguarding_children', recordedByUserId: world.superUser.id, recordedAt: new Date() })
          .execute()
      }
    })
    after(() => t.close())

    async function teamMember(agencyId: string) {
      const user = await buildUser(t, world.authorityId, { roles: ['practitioner'], agencyIds: [agencyId] })
      await t.database.db
        .insertInto('episodeMembers')
        .values({ authorityId: world.authorityId, episodeId: world.episodeId, userId: user.id, agencyId, role: 'member', addedByUserId: world.superUser.id, joinedAt: new Date(), leftAt: null })
        .execute()
      return signIn(t, user)
    }

    async function sharesWith(ids: string[], kinds: string[]) {
      await t.database.db
        .updateTable('consents')
        .set({ shareAgencyIds: JSON.stringify(ids), shareAgencyKinds: JSON.stringify(kinds) })
        .where('authorityId', '=', world.authorityId)
        .where('id', '=', world.consentId)
        .execute()
    }

    it('refuses a consent-based agency until the agreement names it or its kind, and audits the reason', async () => {
      await sharesWith([], [])
      const charity = await teamMember(consentAgencyId)
      const pages = [`/episodes/${world.episodeId}`, `/episodes/${world.episodeId}/plan`, `/episodes/${world.episodeId}/chronology`, `/people/${world.episodeChildId}`]
      for (const page of pages) assert.equal((await charity.get(page)).statusCode, 403, `${page} without agreement`)
      const reasons = await sql<{ reason: string }>`select details->>'reason' as reason from audit_events where authority_id = ${world.authorityId} and outcome = 'denied' and record_id = ${world.episodeId}`.execute(t.database.db)
      assert.ok(reasons.rows.some(row => /relies on consent/.test(row.reason)), 'the refusal names the missing agreement')
      // The safeguarding path is never blocked.
      assert.equal((await charity.get(`/episodes/${world.episodeId}/safeguarding`)).statusCode, 200)

      await sharesWith([], ['voluntary'])
      for (const page of pages) assert.equal((await charity.get(page)).statusCode, 200, `${page} once the agreement names its kind`)
      await sharesWith([consentAgencyId], [])
      assert.equal((await charity.get(pages[0] as string)).statusCode, 200, 'once the agreement names the agency')
      await t.database.db.updateTable('consents').set({ withdrawnOn: '2026-02-01' }).where('authorityId', '=', world.authorityId).where('id', '=', world.consentId).execute()
      assert.equal((await charity.get(pages[0] as string)).statusCode, 403, 'a withdrawn agreement no longer covers it')
      await t.database.db.updateTable('consents').set({ withdrawnOn: null }).where('authorityId', '=', world.authorityId).where('id', '=', world.consentId).execute()
    })

    it('lets an agency on another lawful basis work without the agreement naming it, but not after a withdrawal', async () => {
      await sharesWith([], [])
      const healthVisitor = await teamMember(publicTaskAgencyId)
      assert.equal((await healthVisitor.get(`/episodes/${world.episodeId}/plan`)).statusCode, 200)
      const withdrawalId = uuidv7()
      await t.database.db
        .insertInto('consentAgencyWithdrawals')
        .values({ authorityId: world.authorityId, id: withdrawalId, episodeId: world.episodeId, agencyId: publicTaskAgencyId, withdrawnAt: new Date(), byFamilyAccountId: world.familyAccountId, byUserId: null, byName: 'Agreeford Parent', endedAt: null, endedByUserId: null })
        .execute()
      assert.equal((await healthVisitor.get(`/episodes/${world.episodeId}/plan`)).statusCode, 403)
      await t.database.db.deleteFrom('consentAgencyWithdrawals').where('authorityId', '=', world.authorityId).where('id', '=', withdrawalId).execute()
    })

    it('overrides a missing agreement with sharing without agreement, recorded for safeguarding', async () => {
      await sharesWith([], [])
      const charity = await teamMember(consentAgencyId)
      assert.equal((await charity.get(`/episodes/${world.episodeId}/plan`)).statusCode, 403)
      await t.database.db
        .insertInto('sharingWithoutAgreement')
        .values({ authorityId: world.authorityId, id: uuidv7(), episodeId: world.episodeId, agencyId: consentAgencyId, reason: 'Risk of significant harm', lawfulBasis: 'public_task', specialCategoryCondition: 'safeguarding_children', recordedByUserId: world.superUser.id, recordedAt: new Date(), hiddenReason: null, endedAt: null, endedByUserId: null, reviewedAt: null, reviewedByUserId: null })
        .execute()
      assert.equal((await charity.get(`/episodes/${world.episodeId}/plan`)).statusCode, 200)
      assert.equal((await charity.get(`/people/${world.episodeChildId}`)).statusCode, 200)
    })
  })
}
