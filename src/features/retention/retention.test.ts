import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { buildTestApp, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { buildAuthorityWorld, snapshotAuthority, type AuthorityWorld } from '../../../test/helpers/world.ts'
import { uuidv7 } from '../../lib/ids.ts'
import type { RequestContext } from '../../policy/actor.ts'
import { addYears, episodeDueOn } from './retention-rules.ts'

const YEAR_MINUTES = 366 * 24 * 60

function coordinatorContext(world: AuthorityWorld): RequestContext {
  return {
    actor: { kind: 'practitioner', userId: world.superUser.id, authorityId: world.authorityId, name: 'Super', email: world.superUser.email, roles: new Set(['coordinator', 'administrator']), agencyIds: [world.agencyId], actingAgencyId: world.agencyId, via: 'session' },
    ip: '127.0.0.1',
    requestId: `test-${uuidv7()}`,
  }
}

/** A closed (or open) episode about one child with a case note, as a second, third … episode of the authority. */
async function extraEpisode(t: TestApp, world: AuthorityWorld, options: { closedAt: Date | null; childBorn: string; name: string }) {
  const db = t.database.db
  const childId = uuidv7()
  await db.insertInto('persons').values({ authorityId: world.authorityId, id: childId, givenNames: options.name, familyName: world.marker, dateOfBirth: options.childBorn, expectedDateOfBirth: null, sex: null, gender: null, ethnicity: null, firstLanguage: null, disability: null, address: `1 ${options.name} Street`, postcode: null, phone: null, email: null, schoolOrSetting: null, uniquePupilNumber: null, nhsNumber: null, gpPractice: null, searchName: options.name.toLowerCase(), mergedIntoId: null, createdByUserId: world.superUser.id }).execute()
  const episodeId = uuidv7()
  await db.insertInto('episodes').values({ authorityId: world.authorityId, id: episodeId, reference: `EH-2020-${episodeId.slice(-6)}`, scope: 'child', householdId: null, localityId: null, agencyId: world.agencyId, status: options.closedAt ? 'closed' : 'support', outcome: null, startedByUserId: world.superUser.id, startedAt: new Date(), closedAt: options.closedAt, templateVersionId: null }).execute()
  await db.insertInto('episodePeople').values({ authorityId: world.authorityId, episodeId, personId: childId, role: 'child' }).execute()
  await db.insertInto('caseNotes').values({ authorityId: world.authorityId, id: uuidv7(), episodeId, personId: childId, occurredOn: '2020-01-01', summary: `${options.name} note`, body: 'body', visibility: 'team', authorUserId: world.superUser.id, authorAgencyId: null, createdAt: new Date() }).execute()
  return { episodeId, childId }
}

async function count(t: TestApp, text: string): Promise<number> {
  const result = await sql.raw<{ n: number }>(`select count(*)::int as n from (${text}) x`).execute(t.database.db)
  return Number(result.rows[0]?.n ?? 0)
}

async function retentionSnapshot(t: TestApp, authorityId: string): Promise<string> {
  const own = await sql.raw<Record<string, unknown>>(
    `select 'b' as k, id::text as a, status as b, version::text as c from retention_batches where authority_id = '${authorityId}'
     union all select 'i', subject_id::text, outcome, coalesce(label, '') from retention_batch_items where authority_id = '${authorityId}'
     union all select 'p', id::text, given_names, coalesce(anonymised_at::text, '') from persons where authority_id = '${authorityId}'
     union all select 'e', id::text, status, '' from episodes where authority_id = '${authorityId}' order by 1, 2`,
  ).execute(t.database.db)
  return `${await snapshotAuthority(t, authorityId, { withAudit: true })}\n${JSON.stringify(own.rows)}`
}

describe('retention rules (pure)', () => {
  it('keeps an episode N years after closure or until the youngest child is 25, whichever is later', () => {
    const rule = { recordType: 'episode' as const, yearsAfter: 6, untilAge: 25 }
    assert.equal(episodeDueOn(rule, '2026-03-01', ['2015-05-05']), '2040-05-05')
    assert.equal(episodeDueOn(rule, '2026-03-01', ['1995-01-01', '1999-06-30']), '2032-03-01')
    assert.equal(episodeDueOn(rule, '2026-03-01', [null]), '2051-03-01', 'an unknown birth date never shortens the period')
    assert.equal(episodeDueOn({ ...rule, untilAge: null }, '2026-03-01', ['2015-05-05']), '2032-03-01')
    assert.equal(addYears('2024-02-29', 1), '2025-02-28')
  })
})

for (const kind of databaseKinds()) {
  describe(`retention (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    let other: AuthorityWorld
    let held: { episodeId: string; childId: string }
    let recent: { episodeId: string; childId: string }
    let open: { episodeId: string; childId: string }
    let scopedTables: string[]
    let lonePersonId: string
    let start: Date

    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Rtnwld')
      other = await buildAuthorityWorld(t, 'Rtnoth')
      start = t.clock.now()
      // The world's episode (a record in every table) closed now; its child (born 2015) turns 25 in 2040.
      await t.database.db.updateTable('episodes').set({ status: 'closed', closedAt: start }).where('authorityId', '=', world.authorityId).where('id', '=', world.episodeId).execute()
      held = await extraEpisode(t, world, { closedAt: start, childBorn: '2001-01-01', name: 'Heldchild' })
      recent = await extraEpisode(t, world, { closedAt: null, childBorn: '2001-01-01', name: 'Recentchild' })
      open = await extraEpisode(t, world, { closedAt: null, childBorn: '2001-01-01', name: 'Openchild' })
      // Registered, never in an episode: anonymised two years after the record last changed.
      lonePersonId = uuidv7()
      await t.database.db.insertInto('persons').values({ authorityId: world.authorityId, id: lonePersonId, givenNames: 'Loneperson', familyName: world.marker, dateOfBirth: '1990-01-01', expectedDateOfBirth: null, sex: null, gender: null, ethnicity: null, firstLanguage: null, disability: null, address: '2 Lone Road', postcode: null, phone: '01632 960001', email: null, schoolOrSetting: null, uniquePupilNumber: null, nhsNumber: null, gpPractice: null, searchName: 'loneperson', mergedIntoId: null, createdByUserId: world.superUser.id }).execute()
      const tables = await sql.raw<{ t: string }>(`select table_name as t from information_schema.columns where table_schema = 'public' and column_name = 'episode_id' order by 1`).execute(t.database.db)
      scopedTables = tables.rows.map(row => row.t).filter(table => table !== 'audit_events')
    })
    after(() => t.close())

    it('lists nothing before anything is due; a second run changes nothing', async () => {
      const first = await t.app.services.retention.runScheduled()
      const mine = first.listings.find(listing => listing.authorityId === world.authorityId)
      assert.deepEqual(mine, { authorityId: world.authorityId, batchId: null, due: 0, added: 0, removed: 0 })
    })

    it('lists what is due after the synthetic clock moves on, leaving held and not-yet-due records out', async () => {
      const context = coordinatorContext(world)
      await t.app.services.retention.placeHold(context, { kind: 'episode', subjectId: held.episodeId, reason: 'Inquiry into the Riverside case' })
      await t.app.services.retention.placeHold(context, { kind: 'person', subjectId: world.otherPersonId, reason: 'Insurance claim' })
      // 10 years on: the world's episode is not yet due (its child is 25 in 2040), the held one is; close `recent` now.
      t.clock.advanceMinutes(10 * YEAR_MINUTES)
      await t.database.db.updateTable('episodes').set({ status: 'closed', closedAt: t.clock.now() }).where('id', '=', recent.episodeId).execute()
      let listing = await t.app.services.retention.runScheduled()
      let report = listing.listings.find(item => item.authorityId === world.authorityId)
      assert.ok(report?.batchId)
      let overview = await t.app.services.retention.overview(context)
      const listed = new Set(overview.items.map(item => item.subjectId))
      assert.ok(!listed.has(world.episodeId), 'not yet due: the child is not 25')
      assert.ok(!listed.has(held.episodeId), 'held')
      assert.ok(!listed.has(recent.episodeId), 'closed just now')
      assert.ok(!listed.has(open.episodeId), 'open')
      assert.ok(!listed.has(world.otherPersonId), 'held person')
      assert.ok(listed.has(lonePersonId), 'a person in no episode for 10 years')
      // Five years later (past 2040): the world's episode is due too; `recent` (closed five years ago) is not.
      t.clock.advanceMinutes(5 * YEAR_MINUTES)
      listing = await t.app.services.retention.runScheduled()
      report = listing.listings.find(item => item.authorityId === world.authorityId)
      overview = await t.app.services.retention.overview(context)
      assert.ok(overview.items.some(item => item.subjectId === world.episodeId && item.disposition === 'delete' && item.recordType === 'episode_safeguarding'))
      assert.equal(report?.added, 1)
      const again = await t.app.services.retention.runScheduled()
      assert.deepEqual(again.listings.find(item => item.authorityId === world.authorityId), { ...report, added: 0 })
    })

    it('refuses an approval of a list that changed since it was seen, and a practitioner', async () => {
      const context = coordinatorContext(world)
      const overview = await t.app.services.retention.overview(context)
      assert.ok(overview.proposed)
      await assert.rejects(t.app.services.retention.approve(context, overview.proposed.id, overview.proposed.version - 1), /changed since you opened it/)
      const practitioner: RequestContext = { ...context, actor: { ...(context.actor as Extract<RequestContext['actor'], { kind: 'practitioner' }>), userId: world.practitioner.id, roles: new Set(['practitioner']) } }
      await assert.rejects(t.app.services.retention.approve(practitioner, overview.proposed.id, overview.proposed.version), /do not have access/)
      const denied = await t.database.db.selectFrom('auditEvents').select('id').where('authorityId', '=', world.authorityId).where('action', '=', 'retention.approve').where('outcome', '=', 'denied').execute()
      assert.equal(denied.length, 1)
    })

    it('disposes of an approved batch: the episode and every row of it deleted, its people anonymised, held and not-due kept, audited without content', async () => {
      const context = coordinatorContext(world)
      const otherBefore = await retentionSnapshot(t, other.authorityId)
      const overview = await t.app.services.retention.overview(context)
      assert.ok(overview.proposed)
      const report = await t.app.services.retention.approve(context, overview.proposed.id, overview.proposed.version)
      assert.equal(report.disposed, overview.items.length)
      // Every table with an episode_id column (including ones added later by other features) has nothing left of it.
      for (const table of scopedTables) {
        assert.equal(await count(t, `select 1 from ${table} where episode_id = '${world.episodeId}'`), 0, table)
      }
      // … and the rows that belong to it through a foreign key only.
      for (const table of ['agenda_items', 'meeting_invitees', 'meeting_minutes', 'assessment_elements', 'plan_action_updates', 'plan_signatures', 'review_progress']) {
        assert.equal(await count(t, `select 1 from ${table} where authority_id = '${world.authorityId}'`), 0, table)
      }
      assert.equal(await count(t, `select 1 from episodes where id = '${world.episodeId}'`), 0)
      // Its child (in no other episode) is anonymised; the family account linked only to it is gone.
      const child = await t.database.db.selectFrom('persons').selectAll().where('id', '=', world.episodeChildId).executeTakeFirstOrThrow()
      assert.ok(child.anonymisedAt)
      assert.equal(child.givenNames, 'Anonymised')
      assert.equal(child.dateOfBirth, null)
      assert.equal(await count(t, `select 1 from family_accounts where id = '${world.familyAccountId}'`), 0)
      // The person in no episode is anonymised; so is the family member of the deleted episode, with their household links.
      const lone = await t.database.db.selectFrom('persons').selectAll().where('id', '=', lonePersonId).executeTakeFirstOrThrow()
      assert.deepEqual([lone.givenNames, lone.address, lone.phone, lone.dateOfBirth], ['Anonymised', null, null, null])
      const person = await t.database.db.selectFrom('persons').selectAll().where('id', '=', world.personId).executeTakeFirstOrThrow()
      assert.equal(person.givenNames, 'Anonymised')
      assert.equal(await count(t, `select 1 from household_members where person_id = '${world.personId}'`), 0)
      assert.equal(await count(t, `select 1 from record_history where person_id in ('${world.personId}', '${lonePersonId}', '${world.episodeChildId}')`), 0, 'their old values are not kept in the history')
      const kept = await t.database.db.selectFrom('persons').selectAll().where('id', '=', world.otherPersonId).executeTakeFirstOrThrow()
      assert.equal(kept.anonymisedAt, null)
      // Held, recently closed and open episodes are untouched, with their notes.
      for (const episode of [held, recent, open]) {
        assert.equal(await count(t, `select 1 from episodes where id = '${episode.episodeId}'`), 1)
        assert.equal(await count(t, `select 1 from case_notes where episode_id = '${episode.episodeId}'`), 1)
      }
      // Audited: what, when, by whose approval — never the content.
      const events = await t.database.db.selectFrom('auditEvents').selectAll().where('authorityId', '=', world.authorityId).where('action', '=', 'retention.dispose').execute()
      assert.equal(events.length, overview.items.length)
      const episodeEvent = events.find(event => event.recordId === world.episodeId)
      assert.ok(episodeEvent)
      const details = episodeEvent.details as Record<string, unknown>
      assert.equal(details.approvedByUserId, world.superUser.id)
      assert.equal(details.outcome, 'disposed')
      assert.ok(((details.rowsDeleted as Record<string, number>).case_notes ?? 0) + ((details.rowsDeleted as Record<string, number>).documents ?? 0) > 0)
      for (const event of events) assert.ok(!JSON.stringify(event).includes(world.marker), 'no content in the audit')
      assert.equal(await count(t, `select 1 from audit_events where action = 'retention.approve' and outcome = 'allowed' and authority_id = '${world.authorityId}'`), 1)
      // Audit events about the deleted episode stay (append-only).
      assert.ok((await count(t, `select 1 from audit_events where episode_id = '${world.episodeId}'`)) > 0)
      const batch = await t.app.services.retention.batch(context, overview.proposed.id)
      assert.equal(batch.batch.status, 'completed')
      assert.ok(batch.items.filter(item => item.subjectKind === 'person').every(item => item.label === null), 'names are not kept')
      // Another authority is untouched.
      assert.ok((await retentionSnapshot(t, other.authorityId)) === otherBefore, 'the other authority changed')
    })

    it('a second run changes nothing', async () => {
      const before = await retentionSnapshot(t, world.authorityId)
      const result = await t.app.services.retention.runScheduled()
      assert.deepEqual(result.disposals, { disposed: 0, held: 0, notDue: 0, gone: 0 })
      assert.ok((await retentionSnapshot(t, world.authorityId)) === before, 'the second run changed something')
    })

    it('a released hold lets the episode be listed again', async () => {
      const context = coordinatorContext(world)
      const overview = await t.app.services.retention.overview(context)
      const hold = overview.holds.find(item => item.subjectId === held.episodeId)
      assert.ok(hold)
      await t.app.services.retention.releaseHold(context, hold.id, 'Inquiry finished')
      await t.app.services.retention.runScheduled()
      const after = await t.app.services.retention.overview(context)
      assert.ok(after.items.some(item => item.subjectId === held.episodeId))
    })
  })
}
