import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, errorSummary, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAgency, buildUser, signIn, signInFamily, type TestUser } from '../../../test/helpers/builders.ts'
import { buildAuthorityWorld, type AuthorityWorld } from '../../../test/helpers/world.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { paths } from '../../paths.ts'

// The family's records (issue 5): our story so far, scores, my consent with per-agency withdrawal, who has looked.

for (const kind of databaseKinds()) {
  describe(`the family's records (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    let other: AuthorityWorld
    let family: Browser
    let episodeId: string
    /** A practitioner of a second agency (a health visiting service) on the team, and one of the world's school. */
    let healthAgencyId: string
    let healthVisitor: TestUser
    let teacher: TestUser
    let familyDocumentId: string

    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Storyton')
      other = await buildAuthorityWorld(t, 'Elsewhere')
      episodeId = world.episodeId
      const db = t.database.db
      const now = t.clock.now()
      const health = await buildAgency(t, world.authorityId, { name: 'Storyton Health Visiting', kind: 'health_visiting' })
      healthAgencyId = health.id
      healthVisitor = await buildUser(t, world.authorityId, { roles: ['practitioner'], agencyIds: [health.id], name: 'Hana Visitor' })
      teacher = await buildUser(t, world.authorityId, { roles: ['practitioner'], agencyIds: [world.agencyId], name: 'Tom Teacher' })
      for (const member of [
        { userId: healthVisitor.id, agencyId: health.id },
        { userId: teacher.id, agencyId: world.agencyId },
      ]) {
        await db.insertInto('episodeMembers').values({ authorityId: world.authorityId, episodeId, ...member, role: 'member', addedByUserId: world.superUser.id, joinedAt: now, leftAt: null }).execute()
      }
      // Notes and documents of each visibility: only the family's ones may reach the family.
      for (const visibility of ['family', 'team', 'agency'] as const) {
        await db
          .insertInto('caseNotes')
          .values({ authorityId: world.authorityId, id: uuidv7(), episodeId, personId: null, occurredOn: '2026-03-03', summary: `Note marked ${visibility}`, body: `Body of the ${visibility} note`, visibility, authorUserId: world.superUser.id, authorAgencyId: world.agencyId, createdAt: now })
          .execute()
      }
      familyDocumentId = uuidv7()
      await db
        .insertInto('documents')
        .values({ authorityId: world.authorityId, id: familyDocumentId, episodeId, title: 'Our family plan leaflet', kind: 'other', fileName: 'leaflet.pdf', mediaType: 'application/pdf', sizeBytes: 9, sha256: 'x', visibility: 'family', storage: 'database', content: new TextEncoder().encode('%PDF-1.4\n'), scanStatus: 'not_scanned', uploadedByUserId: world.superUser.id, uploadedByAgencyId: world.agencyId, uploadedAt: now })
        .execute()
      family = await signInFamily(t, { authorityId: world.authorityId, accountId: world.familyAccountId })
    })
    after(() => t.close())

    it('shows our story: family-visible events only, newest first, with family documents to download', async () => {
      const response = await family.get(paths.family.story(episodeId))
      assert.equal(response.statusCode, 200)
      const $ = load(response.body)
      const titles = $('.moj-timeline__title').map((_i, element) => $(element).text().trim()).get()
      assert.ok(titles.includes('A note for you: Note marked family'), titles.join(' | '))
      assert.ok(titles.includes('We agreed version 1 of our plan'))
      assert.ok(titles.some(title => /Storyton Carer agreed to share information/.test(title)))
      assert.ok(titles.some(title => /became the lead professional for the whole family/.test(title)))
      assert.ok(titles.includes('A document for you: Our family plan leaflet'))
      // Never team-only or agency-only notes, the team's documents, or a safeguarding referral.
      assert.doesNotMatch(response.body, /Note marked team|Note marked agency|Storyton concern|Referred to|Storyton letter/i)
      const dates = $('.moj-timeline__date time').map((_i, element) => $(element).attr('datetime')).get()
      assert.deepEqual(dates, [...dates].sort().reverse(), 'newest first')
      assert.equal($('html').attr('lang'), 'en')

      const download = await family.get(paths.family.document(episodeId, familyDocumentId))
      assert.equal(download.statusCode, 200)
      assert.equal(download.headers['content-type'], 'application/pdf')
      assert.match(String(download.headers['content-disposition']), /^attachment; filename="leaflet.pdf"/)
      assert.equal(download.headers['x-content-type-options'], 'nosniff')
      assert.match(String(download.headers['content-security-policy']), /sandbox/)
      // The team's document is not the family's: not found, as is a made-up id.
      assert.equal((await family.get(paths.family.document(episodeId, world.documentId))).statusCode, 404)
      assert.equal((await family.get(paths.family.document(episodeId, 'not-an-id'))).statusCode, 404)
    })

    it('refuses another family’s episode (audited), and sends a practitioner or a stranger to the family sign-in', async () => {
      for (const url of [paths.family.story(other.episodeId), paths.family.scores(other.episodeId), paths.family.consent(other.episodeId), paths.family.whoHasLooked(other.episodeId), paths.family.document(other.episodeId, other.documentId)]) {
        const response = await family.get(url)
        assert.equal(response.statusCode, 403, url)
      }
      const refused = await t.database.db.selectFrom('auditEvents').select(['action', 'actorFamilyAccountId']).where('episodeId', '=', other.episodeId).where('outcome', '=', 'denied').execute()
      assert.ok(refused.some(event => event.action === 'family.view' && event.actorFamilyAccountId === world.familyAccountId))
      const withdrawOther = await family.post(paths.family.withdraw(other.episodeId, other.agencyId), {})
      assert.equal(withdrawOther.statusCode, 403)
      assert.equal((await family.get(paths.family.story('nonsense'))).statusCode, 404)

      const practitioner = await signIn(t, world.superUser)
      const asPractitioner = await practitioner.get(paths.family.story(episodeId))
      assert.equal(asPractitioner.statusCode, 303)
      assert.match(String(asPractitioner.headers.location), /^\/family\/sign-in/)
      const stranger = await new Browser(t.app).get(paths.family.whoHasLooked(episodeId))
      assert.equal(stranger.statusCode, 303)
      assert.match(String(stranger.headers.location), /^\/family\/sign-in/)
    })

    it('shows scores as a chart with a title and a table, and adds the family’s own', async () => {
      const page = await family.get(paths.family.scores(episodeId))
      assert.equal(page.statusCode, 200)
      let $ = load(page.body)
      const svg = $('svg[role="img"]').first()
      assert.equal(svg.length, 1, 'a chart')
      assert.match(svg.find('title').text(), /Storytonchild/)
      assert.ok($('table.govuk-table tbody tr').length >= 2, 'the table alternative has the start and review scores')
      assert.match($('table.govuk-table').text(), /Small worries \(1 out of 4\)/)

      const form = await family.get(paths.family.newScores(episodeId))
      assert.equal(form.statusCode, 200)
      const field = load(form.body)('select[name^="score__general-health__"]').attr('name')
      assert.ok(field, 'a select for general health')

      const before = await t.database.db.selectFrom('familyScores').select('id').where('episodeId', '=', episodeId).execute()
      const nothing = await family.post(paths.family.newScores(episodeId), {})
      assert.equal(nothing.statusCode, 400)
      assert.deepEqual(errorSummary(nothing.body), ['Choose a score for at least one thing.'])
      const wrong = await family.post(paths.family.newScores(episodeId), { [field]: '11' })
      assert.equal(wrong.statusCode, 400)
      assert.deepEqual(errorSummary(wrong.body), ['Choose a score from 0 to 10'])
      const extra = await family.post(paths.family.newScores(episodeId), { [field]: '5', sneaky: 'x' })
      assert.equal(extra.statusCode, 400)
      const noCsrf = await family.post(paths.family.newScores(episodeId), { [field]: '5' }, { csrf: false })
      assert.equal(noCsrf.statusCode, 403)
      assert.equal((await t.database.db.selectFrom('familyScores').select('id').where('episodeId', '=', episodeId).execute()).length, before.length, 'nothing saved')

      const saved = await family.post(paths.family.newScores(episodeId), { [field]: '7' })
      assert.equal(saved.statusCode, 303, errorSummary(saved.body).join())
      const rows = await t.database.db.selectFrom('familyScores').selectAll().where('episodeId', '=', episodeId).execute()
      assert.equal(rows.length, 1)
      assert.equal(rows[0]?.scoreAdult, 7)
      assert.equal(rows[0]?.accountId, world.familyAccountId)
      $ = load((await family.get(String(saved.headers.location))).body)
      assert.match($('.govuk-notification-banner').text(), /We have saved your scores/)
      assert.match($('table.govuk-table').text(), /Your own score\s*7 out of 10/)
      const audited = await t.database.db.selectFrom('auditEvents').select(['outcome']).where('action', '=', 'family.contribute').where('actorFamilyAccountId', '=', world.familyAccountId).execute()
      assert.ok(audited.some(event => event.outcome === 'allowed'))
    })

    it('stops sharing with one agency: that agency’s practitioner is refused at once, another agency’s is not, and safeguarding still works', async () => {
      const visitorBrowser = await signIn(t, healthVisitor)
      const teacherBrowser = await signIn(t, teacher)
      assert.equal((await visitorBrowser.get(paths.plans.show(episodeId))).statusCode, 200, 'before: the health visitor sees the plan')

      const consent = await family.get(paths.family.consent(episodeId))
      assert.equal(consent.statusCode, 200)
      let $ = load(consent.body)
      assert.match($('main').text(), /Storyton Health Visiting/)
      assert.match($('main').text(), /Health visitors are nurses/)
      const stopLink = $(`a[href="${paths.family.withdraw(episodeId, healthAgencyId)}"]`)
      assert.equal(stopLink.length, 1)

      const explain = await family.get(paths.family.withdraw(episodeId, healthAgencyId))
      assert.equal(explain.statusCode, 200)
      assert.match(explain.body, /will not be able to see your family’s records any more/)
      assert.match(explain.body, /does not stop anyone acting to keep a child safe/)
      // An agency that has nothing to do with this family: not found.
      assert.equal((await family.get(paths.family.withdraw(episodeId, other.agencyId))).statusCode, 404)
      assert.equal((await family.post(paths.family.withdraw(episodeId, healthAgencyId), {}, { csrf: false })).statusCode, 403)
      assert.equal((await family.post(paths.family.withdraw(episodeId, healthAgencyId), { extra: 'x' })).statusCode, 400)

      const stopped = await family.post(paths.family.withdraw(episodeId, healthAgencyId), {})
      assert.equal(stopped.statusCode, 303)
      const withdrawals = await t.database.db.selectFrom('consentAgencyWithdrawals').selectAll().where('episodeId', '=', episodeId).execute()
      assert.equal(withdrawals.length, 1)
      assert.equal(withdrawals[0]?.agencyId, healthAgencyId)
      assert.equal(withdrawals[0]?.byFamilyAccountId, world.familyAccountId)
      assert.equal(withdrawals[0]?.endedAt, null)
      $ = load((await family.get(String(stopped.headers.location))).body)
      assert.match($('.govuk-notification-banner').text(), /We have stopped sharing your information with Storyton Health Visiting/)
      assert.match($('main').text(), /Services you stopped sharing with/)
      // Again: nothing more is recorded.
      assert.equal((await family.post(paths.family.withdraw(episodeId, healthAgencyId), {})).statusCode, 303)
      assert.equal((await t.database.db.selectFrom('consentAgencyWithdrawals').select('id').where('episodeId', '=', episodeId).execute()).length, 1)

      // The lead professional is told (no child's details), and the change is audited as the family's.
      const emails = await t.database.db.selectFrom('outbox').select(['recipient', 'subject', 'bodyText']).where('subject', '=', 'A family has stopped sharing information with an agency').execute()
      assert.equal(emails.length, 1)
      assert.equal(emails[0]?.recipient, world.superUser.email)
      assert.doesNotMatch(String(emails[0]?.bodyText), /Storytonchild/)
      const audited = await t.database.db.selectFrom('auditEvents').selectAll().where('action', '=', 'family.consent').where('outcome', '=', 'allowed').execute()
      assert.equal(audited.length, 2)
      assert.ok(audited.every(event => event.actorFamilyAccountId === world.familyAccountId && event.episodeId === episodeId && event.recordId === healthAgencyId))

      // At once: the health visitor is refused the episode's pages (audited); the teacher of another agency is not.
      for (const url of [paths.plans.show(episodeId), paths.team.show(episodeId), paths.records.chronology(episodeId), paths.episodes.show(episodeId)]) {
        assert.equal((await visitorBrowser.get(url)).statusCode, 403, `health visitor ${url}`)
        assert.equal((await teacherBrowser.get(url)).statusCode, 200, `teacher ${url}`)
      }
      // The child's own record too: a membership counts for a person only while the agreement covers the agency.
      assert.equal((await visitorBrowser.get(`/people/${world.episodeChildId}`)).statusCode, 403, 'health visitor: the child\'s record')
      const refusal = await t.database.db.selectFrom('auditEvents').select(['details']).where('actorUserId', '=', healthVisitor.id).where('outcome', '=', 'denied').execute()
      assert.ok(refusal.some(event => (event.details as Record<string, unknown>).reason === 'the family withdrew consent to share with your agency'))

      // A safeguarding referral is never blocked by withdrawn consent (the referral itself; the GET form page still
      // reads the episode with episode.view and refuses them: reported to the lead, not this feature's file).
      const day = new Date(t.clock.now())
      const referral = await visitorBrowser.post(paths.episodes.safeguarding(episodeId), {
        referredTo: 'childrens_social_care',
        concern: 'A worry about harm',
        'referredOn-day': String(day.getUTCDate()),
        'referredOn-month': String(day.getUTCMonth() + 1),
        'referredOn-year': String(day.getUTCFullYear()),
        referredTime: '',
        method: 'phone',
        spokeTo: '',
        reference: '',
      })
      assert.equal(referral.statusCode, 303, errorSummary(referral.body).join())
      const referrals = await t.database.db.selectFrom('safeguardingReferrals').select(['recordedByUserId']).where('episodeId', '=', episodeId).execute()
      assert.ok(referrals.some(row => row.recordedByUserId === healthVisitor.id))
    })

    it('shows who has looked: practitioners’ access to our records and our people, never the family’s own or refusals, paginated', async () => {
      const db = t.database.db
      // A person read of the episode's child (no episode id on the event), and one of a person outside the episode.
      const base = { authorityId: world.authorityId, actorKind: 'practitioner', actorUserId: teacher.id, actorAgencyId: world.agencyId, outcome: 'allowed' as const, purpose: null, ip: null, requestId: null, details: '{}', actorFamilyAccountId: null }
      await db.insertInto('auditEvents').values({ ...base, id: uuidv7(), at: t.clock.now(), action: 'person.view', recordType: 'person', recordId: world.episodeChildId, episodeId: null }).execute()
      await db.insertInto('auditEvents').values({ ...base, id: uuidv7(), at: t.clock.now(), action: 'person.view', recordType: 'person', recordId: world.otherPersonId, episodeId: null }).execute()

      const page = await family.get(paths.family.whoHasLooked(episodeId))
      assert.equal(page.statusCode, 200)
      const $ = load(page.body)
      const items = $('.onestory-looks li').map((_i, element) => $(element).text().replace(/\s+/g, ' ').trim()).get()
      assert.ok(items.length > 0)
      assert.ok(items.some(item => /Tom Teacher \(Storyton Primary School\) Looked at: the plan/.test(item)), items.slice(0, 5).join(' | '))
      assert.ok(items.some(item => /Tom Teacher .* details about someone in your family/.test(item)))
      assert.ok(items.some(item => /Hana Visitor \(Storyton Health Visiting\)/.test(item)))
      assert.doesNotMatch($('main').text(), /Storyton Parent/, 'never the family’s own events')
      assert.doesNotMatch($('main').text(), /safeguarding/i, 'a referral is never named')
      const persons = items.filter(item => /details about someone in your family/.test(item))
      assert.equal(persons.length, 1, 'only the people of this episode')

      // Enough events for a second page: "Older" leads to it, "Newer" comes back.
      const at = new Date(t.clock.now().getTime() - 86_400_000)
      await db.insertInto('auditEvents').values(Array.from({ length: 30 }, () => ({ ...base, id: uuidv7(at.getTime()), at, action: 'note.view', recordType: 'episode', recordId: episodeId, episodeId }))).execute()
      const first = load((await family.get(paths.family.whoHasLooked(episodeId))).body)
      assert.equal(first('.onestory-looks li').length, 25)
      const older = first('a[rel="next"]').attr('href')
      assert.equal(older, `${paths.family.whoHasLooked(episodeId)}?page=2`)
      const second = load((await family.get(String(older))).body)
      assert.ok(second('.onestory-looks li').length > 0)
      assert.equal(second('a[rel="prev"]').attr('href'), paths.family.whoHasLooked(episodeId))
      assert.equal((await family.get(`${paths.family.whoHasLooked(episodeId)}?page=abc`)).statusCode, 200)
      const far = await family.get(`${paths.family.whoHasLooked(episodeId)}?page=99999`)
      assert.equal(far.statusCode, 200)
      assert.match(far.body, /There is nothing more to show/)
    })

    it('shows every page in Welsh with nothing missing', async () => {
      await t.database.db.updateTable('familyAccounts').set({ language: 'cy' }).where('id', '=', world.familyAccountId).execute()
      const welsh = await signInFamily(t, { authorityId: world.authorityId, accountId: world.familyAccountId })
      const { missingWelsh } = await import('../../lib/i18n.ts')
      missingWelsh.clear()
      for (const url of [paths.family.story(episodeId), paths.family.scores(episodeId), paths.family.newScores(episodeId), paths.family.consent(episodeId), paths.family.withdraw(episodeId, healthAgencyId), paths.family.withdraw(episodeId, world.agencyId), paths.family.whoHasLooked(episodeId)]) {
        const response = await welsh.get(url)
        assert.equal(response.statusCode, 200, url)
        assert.equal(load(response.body)('html').attr('lang'), 'cy', url)
      }
      const nothing = await welsh.post(paths.family.newScores(episodeId), {})
      assert.equal(nothing.statusCode, 400)
      assert.deepEqual([...missingWelsh], [])
      await t.database.db.updateTable('familyAccounts').set({ language: 'en' }).where('id', '=', world.familyAccountId).execute()
    })
  })
}
