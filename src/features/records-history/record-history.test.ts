import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { buildTestApp, errorSummary, type Browser, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { signIn } from '../../../test/helpers/builders.ts'
import { buildAuthorityWorld, type AuthorityWorld } from '../../../test/helpers/world.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { paths } from '../../paths.ts'
import type { PractitionerActor } from '../../policy/actor.ts'

// Record history (issue 6): every change to a personal-data table is kept with who, when, old and new value (a
// trigger, attributed by the access layer's transaction settings); rectification keeps the old value, marked
// corrected, with the reason; a family's disagreement is attached and marked, never an overwrite.

for (const kind of databaseKinds()) {
  describe(`record history, rectification and disputes (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    let other: AuthorityWorld
    let lead: Browser
    let noteId: string

    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Histon')
      other = await buildAuthorityWorld(t, 'Elsewhere')
      noteId = uuidv7()
      await t.database.db
        .insertInto('caseNotes')
        .values({ authorityId: world.authorityId, id: noteId, episodeId: world.episodeId, personId: world.episodeChildId, occurredOn: '2026-03-03', summary: 'Home visit', body: 'Mum was not coping.', visibility: 'family', authorUserId: world.superUser.id, authorAgencyId: world.agencyId, createdAt: new Date() })
        .execute()
      lead = await signIn(t, world.superUser)
    })
    after(() => t.close())

    const actorOf = (): PractitionerActor => ({
      kind: 'practitioner', userId: world.superUser.id, authorityId: world.authorityId, name: 'Histon Super', email: world.superUser.email,
      roles: new Set(['practitioner']), agencyIds: [world.agencyId], actingAgencyId: world.agencyId, via: 'session',
    })

    it('keeps who changed which field, when, the old and the new value, for a write through the access layer', async () => {
      t.clock.advanceMinutes(5)
      const at = t.clock.now()
      const context = { actor: actorOf(), ip: '127.0.0.1', requestId: 'req-history-1' }
      await t.app.services.access.run(
        context,
        { action: 'plan.edit', resource: { authorityId: world.authorityId, relationship: { onTeam: true, episodeId: world.episodeId } }, recordType: 'plan-need', recordId: world.planNeedId },
        trx => trx.updateTable('planNeeds').set({ description: 'Sleep better at night' }).where('authorityId', '=', world.authorityId).where('id', '=', world.planNeedId).execute(),
      )
      const rows = await t.database.db.selectFrom('recordHistory').selectAll().where('authorityId', '=', world.authorityId).where('recordId', '=', world.planNeedId).where('operation', '=', 'update').execute()
      assert.equal(rows.length, 1)
      const row = rows[0]
      assert.equal(row?.tableName, 'plan_needs')
      assert.equal(row?.field, 'description')
      assert.equal(row?.oldValue, 'Histon need')
      assert.equal(row?.newValue, 'Sleep better at night')
      assert.equal(row?.changedByUserId, world.superUser.id)
      assert.equal(row?.episodeId, world.episodeId)
      assert.equal(row?.requestId, 'req-history-1')
      assert.equal(row?.kind, 'change')
      assert.equal(new Date(row?.at ?? 0).getTime(), at.getTime())
      // The team sees it on the episode's history page, linked from the episode's navigation.
      const response = await lead.get(paths.recordHistory.episode(world.episodeId))
      assert.equal(response.statusCode, 200)
      const $ = load(response.body)
      assert.match($('table').text(), /Description: Histon need → Sleep better at night/)
      assert.match($('table').text(), /Histon Super/)
      assert.equal($(`a[href="${paths.recordHistory.episode(world.episodeId)}"]`).length >= 1, true)
    })

    it('corrects a person\'s detail with a reason: the old value stays in the history, marked corrected', async () => {
      const page = load((await lead.get(paths.recordHistory.person(world.episodeChildId))).body)
      const version = page('input[name="version"]').attr('value') ?? ''
      const response = await lead.post(paths.recordHistory.correctPerson(world.episodeChildId), { field: 'dateOfBirth', value: '2015-06-05', reason: 'Birth certificate seen', version })
      assert.equal(response.statusCode, 303)
      const person = await t.database.db.selectFrom('persons').select(['dateOfBirth']).where('id', '=', world.episodeChildId).executeTakeFirstOrThrow()
      assert.equal(person.dateOfBirth, '2015-06-05')
      const history = await t.database.db.selectFrom('recordHistory').selectAll().where('authorityId', '=', world.authorityId).where('recordId', '=', world.episodeChildId).where('field', '=', 'date_of_birth').execute()
      assert.equal(history.length, 1)
      assert.equal(history[0]?.kind, 'correction')
      assert.equal(history[0]?.oldValue, '2015-05-05')
      assert.equal(history[0]?.reason, 'Birth certificate seen')
      assert.equal(history[0]?.changedByUserId, world.superUser.id)
      const shown = load((await lead.get(paths.recordHistory.person(world.episodeChildId))).body)
      assert.match(shown('table').text(), /Corrected/)
      assert.match(shown('table').text(), /Birth certificate seen/)
      // Audited as a rectification.
      const audit = await t.database.db.selectFrom('auditEvents').select(['purpose']).where('authorityId', '=', world.authorityId).where('action', '=', 'record.correct').execute()
      assert.deepEqual(audit.map(event => event.purpose), ['rectification'])
      // A stale form is refused and changes nothing; bad input is a 400 with a message.
      const stale = await lead.post(paths.recordHistory.correctPerson(world.episodeChildId), { field: 'phone', value: '01234 567890', reason: 'Typo', version })
      assert.equal(stale.statusCode, 409)
      const noReason = await lead.post(paths.recordHistory.correctPerson(world.episodeChildId), { field: 'phone', value: '01234 567890', reason: '', version: String(Number(version) + 1) })
      assert.equal(noReason.statusCode, 400)
      assert.deepEqual(errorSummary(noReason.body), ['Enter why it is being corrected'])
      const badDate = await lead.post(paths.recordHistory.correctPerson(world.episodeChildId), { field: 'dateOfBirth', value: '2015-13-45', reason: 'x', version: String(Number(version) + 1) })
      assert.equal(badDate.statusCode, 400)
      const noCsrf = await lead.post(paths.recordHistory.correctPerson(world.episodeChildId), { field: 'phone', value: '1', reason: 'x', version }, { csrf: false })
      assert.equal(noCsrf.statusCode, 403)
      const phone = await t.database.db.selectFrom('persons').select(['phone']).where('id', '=', world.episodeChildId).executeTakeFirstOrThrow()
      assert.equal(phone.phone, null)
    })

    it('attaches the family\'s statement to a case note and marks it disputed, never changing the note', async () => {
      const response = await lead.post(paths.recordHistory.dispute(world.episodeId), { record: `case_notes|${noteId}`, byName: 'Histon Parent (mum)', statement: 'I was coping. I was tired that day.' })
      assert.equal(response.statusCode, 303)
      const note = await t.database.db.selectFrom('caseNotes').select(['body']).where('id', '=', noteId).executeTakeFirstOrThrow()
      assert.equal(note.body, 'Mum was not coping.')
      const history = await t.database.db.selectFrom('recordHistory').selectAll().where('authorityId', '=', world.authorityId).where('recordId', '=', noteId).where('kind', '=', 'disputed').execute()
      assert.equal(history.length, 1)
      const $ = load((await lead.get(paths.recordHistory.episode(world.episodeId))).body)
      assert.match($('.govuk-summary-card').text(), /Disputed/)
      assert.match($('.govuk-summary-card').text(), /I was coping\. I was tired that day\./)
      const unknown = await lead.post(paths.recordHistory.dispute(world.episodeId), { record: `case_notes|${uuidv7()}`, byName: 'Someone', statement: 'No' })
      assert.equal(unknown.statusCode, 400)
    })

    it('refuses a practitioner not on the team (audited) and 404s another authority\'s or a bad id', async () => {
      const outsider = await signIn(t, world.practitioner)
      assert.equal((await outsider.get(paths.recordHistory.episode(world.episodeId))).statusCode, 403)
      assert.equal((await outsider.post(paths.recordHistory.correctPerson(world.episodeChildId), { field: 'phone', value: '1', reason: 'x', version: '1' })).statusCode, 403)
      const denied = await t.database.db.selectFrom('auditEvents').select(['action']).where('authorityId', '=', world.authorityId).where('actorUserId', '=', world.practitioner.id).where('outcome', '=', 'denied').execute()
      assert.ok(denied.some(event => event.action === 'history.view'))
      assert.ok(denied.some(event => event.action === 'record.correct'))
      assert.equal((await lead.get(paths.recordHistory.episode(other.episodeId))).statusCode, 404)
      assert.equal((await lead.get(paths.recordHistory.person(other.personId))).statusCode, 404)
      assert.equal((await lead.get(paths.recordHistory.person('nope'))).statusCode, 404)
    })
  })
}
