import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, errorSummary, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAgency, buildLocality, buildUser, signIn, signInFamily, type TestUser } from '../../../test/helpers/builders.ts'
import { buildAuthorityWorld, type AuthorityWorld } from '../../../test/helpers/world.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { paths } from '../../paths.ts'

// Break-glass (an emergency opening of an episode, with a reason, time-limited, marked in the audit, reviewed by a
// coordinator, shown to the family unless that is a risk), sharing without agreement (overrides a withdrawal; a
// manager told) and the agencies' lawful bases.

for (const kind of databaseKinds()) {
  describe(`break-glass and sharing without agreement (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    let stranger: TestUser
    let strangerBrowser: Browser
    let coordinator: Browser
    let healthAgencyId: string
    let nurse: TestUser
    let nurseManager: TestUser
    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Glassby')
      stranger = await buildUser(t, world.authorityId, { roles: ['practitioner'], agencyIds: [world.agencyId], name: 'Sam Stranger' })
      strangerBrowser = await signIn(t, stranger)
      coordinator = await signIn(t, await buildUser(t, world.authorityId, { roles: ['coordinator'], agencyIds: [world.agencyId], name: 'Cora Coordinator' }))
      // Coordinators of the episode's locality are told of an emergency opening; those of another locality are not.
      await t.database.db.updateTable('episodes').set({ localityId: world.localityId }).where('authorityId', '=', world.authorityId).where('id', '=', world.episodeId).execute()
      const hillside = await buildLocality(t, world.authorityId, 'Glassby Hillside')
      for (const [email, localityId] of [['local.coordinator@example.org', world.localityId], ['hillside.coordinator@example.org', hillside.id]] as const) {
        const user = await buildUser(t, world.authorityId, { roles: ['coordinator'], agencyIds: [world.agencyId], email })
        await t.database.db.insertInto('coordinatorLocalities').values({ authorityId: world.authorityId, userId: user.id, localityId }).execute()
      }
      // A health visitor on the team whose agency the family stopped sharing with.
      healthAgencyId = (await buildAgency(t, world.authorityId, { name: 'Glassby Health Visiting' })).id
      nurse = await buildUser(t, world.authorityId, { roles: ['practitioner'], agencyIds: [healthAgencyId], name: 'Nia Nurse' })
      nurseManager = await buildUser(t, world.authorityId, { roles: ['manager'], agencyIds: [world.agencyId], name: 'Mo Manager' })
      const now = t.clock.now()
      await t.database.db
        .insertInto('episodeMembers')
        .values({ authorityId: world.authorityId, episodeId: world.episodeId, userId: nurse.id, agencyId: healthAgencyId, role: 'member', addedByUserId: world.superUser.id, joinedAt: now, leftAt: null })
        .execute()
      await t.database.db
        .insertInto('consentAgencyWithdrawals')
        .values({ authorityId: world.authorityId, id: uuidv7(), episodeId: world.episodeId, agencyId: healthAgencyId, withdrawnAt: now, byName: 'A parent' })
        .execute()
    })
    after(() => t.close())

    async function events(action: string) {
      return t.database.db.selectFrom('auditEvents').selectAll().where('authorityId', '=', world.authorityId).where('action', '=', action).orderBy('at').orderBy('id').execute()
    }

    it('offers the emergency opening on the refusal page, and refuses it without a reason (nothing granted)', async () => {
      const refused = await strangerBrowser.get(paths.episodes.show(world.episodeId))
      assert.equal(refused.statusCode, 403)
      assert.equal(load(refused.body)('#break-glass-link').attr('href'), paths.breakGlass.open(world.episodeId))
      const form = await strangerBrowser.get(paths.breakGlass.open(world.episodeId))
      assert.equal(form.statusCode, 200)
      assert.match(form.body, /Open this record in an emergency/)
      const empty = await strangerBrowser.post(paths.breakGlass.open(world.episodeId), { reason: '' })
      assert.equal(empty.statusCode, 400)
      assert.deepEqual(errorSummary(empty.body), ['Enter why you need to open this record now'])
      const short = await strangerBrowser.post(paths.breakGlass.open(world.episodeId), { reason: 'urgent' })
      assert.equal(short.statusCode, 400)
      const hiddenWithoutWhy = await strangerBrowser.post(paths.breakGlass.open(world.episodeId), { reason: 'Police called about the child tonight', hideFromFamily: 'yes' })
      assert.equal(hiddenWithoutWhy.statusCode, 400)
      assert.deepEqual(errorSummary(hiddenWithoutWhy.body), ['Enter why telling the family would put someone at risk'])
      const noCsrf = await new Browser(t.app).post(paths.breakGlass.open(world.episodeId), { reason: 'x' })
      assert.notEqual(noCsrf.statusCode, 200)
      const grants = await t.database.db.selectFrom('breakGlassGrants').selectAll().where('authorityId', '=', world.authorityId).execute()
      assert.equal(grants.length, 0)
      assert.equal((await strangerBrowser.get(paths.episodes.show(world.episodeId))).statusCode, 403)
    })

    it('refuses an administrator, and 404s a bad or unknown episode', async () => {
      const admin = await signIn(t, await buildUser(t, world.authorityId, { roles: ['administrator'], agencyIds: [world.agencyId] }))
      assert.equal((await admin.get(paths.breakGlass.open(world.episodeId))).statusCode, 403)
      const denied = await events('break-glass.open')
      assert.ok(denied.some(event => event.outcome === 'denied'))
      assert.equal((await strangerBrowser.get(paths.breakGlass.open('not-a-uuid'))).statusCode, 404)
      assert.equal((await strangerBrowser.get(paths.breakGlass.open(uuidv7()))).statusCode, 404)
    })

    it('with a reason: opens read-only for the configured hours, audits every read as break-glass, tells the coordinators', async () => {
      const opened = await strangerBrowser.post(paths.breakGlass.open(world.episodeId), { reason: 'Police called: the child was found alone at night' })
      assert.equal(opened.statusCode, 303)
      assert.equal(opened.headers.location, paths.episodes.show(world.episodeId))
      const [grant] = await t.database.db.selectFrom('breakGlassGrants').selectAll().where('authorityId', '=', world.authorityId).execute()
      assert.ok(grant)
      assert.equal(grant.userId, stranger.id)
      assert.equal(new Date(grant.expiresAt).getTime() - new Date(grant.openedAt).getTime(), t.config.breakGlassHours * 3_600_000)
      assert.equal(t.config.breakGlassHours, 4)
      const [openEvent] = (await events('break-glass.open')).filter(event => event.outcome === 'allowed' && event.recordType === 'break-glass-grant')
      assert.ok(openEvent)
      assert.equal(openEvent.purpose, 'break-glass')
      assert.equal(openEvent.episodeId, world.episodeId)
      assert.equal(openEvent.recordId, grant.id)

      // Reading is allowed, and marked.
      for (const url of [paths.episodes.show(world.episodeId), paths.team.show(world.episodeId), paths.plans.show(world.episodeId), paths.people.show(world.episodeChildId)]) {
        assert.equal((await strangerBrowser.get(url)).statusCode, 200, url)
      }
      const reads = await t.database.db
        .selectFrom('auditEvents')
        .select(['action', 'purpose', 'outcome'])
        .where('authorityId', '=', world.authorityId)
        .where('actorUserId', '=', stranger.id)
        .where('at', '>=', new Date(grant.openedAt))
        .where('action', 'in', ['episode.view', 'team.view', 'plan.view', 'person.view'])
        .execute()
      assert.ok(reads.length >= 4, JSON.stringify(reads))
      assert.ok(reads.every(event => event.purpose === 'break-glass' && event.outcome === 'allowed'), JSON.stringify(reads))

      // Changing is not.
      const write = await strangerBrowser.post(paths.plans.show(world.episodeId).replace(/\/plan$/, '/checklist'), {})
      assert.ok([403, 404].includes(write.statusCode), String(write.statusCode))
      const noteForm = await strangerBrowser.get(`/episodes/${world.episodeId}/notes/new`)
      assert.ok([403, 404].includes(noteForm.statusCode), String(noteForm.statusCode))

      // The coordinators were emailed (the world's super user holds the coordinator role too).
      const mail = await t.database.db.selectFrom('outbox').select(['recipient', 'subject', 'bodyText']).where('authorityId', '=', world.authorityId).where('subject', 'like', '%emergency%').execute()
      assert.ok(mail.length >= 2, JSON.stringify(mail))
      const recipients = mail.map(message => message.recipient)
      assert.ok(recipients.includes('local.coordinator@example.org'), 'the coordinator of the episode\'s locality is told')
      assert.ok(!recipients.includes('hillside.coordinator@example.org'), 'a coordinator of another locality is not told')
      assert.ok(mail.every(message => message.bodyText.includes('Sam Stranger') && !message.bodyText.includes('found alone')), 'no reason or child details in the email')
    })

    it('the family sees it in “who has looked” as opened in an emergency', async () => {
      const family = await signInFamily(t, { authorityId: world.authorityId, accountId: world.familyAccountId })
      const page = await family.get(paths.family.whoHasLooked(world.episodeId))
      assert.equal(page.statusCode, 200)
      const $ = load(page.body)
      const strangerItems = $('.onestory-looks li').filter((_index, item) => $(item).text().includes('Sam Stranger'))
      assert.ok(strangerItems.length >= 4)
      assert.ok(strangerItems.toArray().every(item => $(item).find('.onestory-emergency').text().includes('Opened in an emergency')))
    })

    it('the coordinator sees it on the dashboard and the review list, and marks it reviewed', async () => {
      const dashboard = await coordinator.get(paths.myWork.dashboard())
      assert.equal(dashboard.statusCode, 200)
      assert.match(load(dashboard.body)('#break-glass-review').text(), /1 emergency opening or sharing decision is waiting/)
      const list = await coordinator.get(paths.breakGlass.reviews())
      assert.equal(list.statusCode, 200)
      const $ = load(list.body)
      assert.match($('.govuk-summary-card').first().text(), /Sam Stranger[\s\S]*Police called: the child was found alone at night/)
      const form = $('form[action^="/break-glass/openings/"]')
      const action = String(form.attr('action'))
      const stale = await coordinator.post(action, { version: '99', note: 'Checked with the police' })
      assert.equal(stale.statusCode, 409)
      const reviewed = await coordinator.post(action, { version: String(form.find('input[name=version]').val()), note: 'Checked with the police: justified' })
      assert.equal(reviewed.statusCode, 303)
      const [grant] = await t.database.db.selectFrom('breakGlassGrants').selectAll().where('authorityId', '=', world.authorityId).execute()
      assert.ok(grant?.reviewedAt)
      assert.equal(grant.reviewNote, 'Checked with the police: justified')
      assert.match(load((await coordinator.get(paths.breakGlass.reviews())).body)('#no-openings').text(), /No emergency openings/)
      // Other roles are refused the list, and the refusal is audited.
      assert.equal((await strangerBrowser.get(paths.breakGlass.reviews())).statusCode, 403)
      assert.ok((await events('break-glass.review')).some(event => event.outcome === 'denied' && event.actorUserId === stranger.id))
    })

    it('expires: after the configured hours the record is refused again', async () => {
      t.clock.advanceMinutes(t.config.breakGlassHours * 60 + 1)
      // Sessions idle that long have ended too: sign in again.
      strangerBrowser = await signIn(t, stranger)
      coordinator = await signIn(t, await buildUser(t, world.authorityId, { roles: ['coordinator'], agencyIds: [world.agencyId] }))
      assert.equal((await strangerBrowser.get(paths.episodes.show(world.episodeId))).statusCode, 403)
      assert.equal((await strangerBrowser.get(paths.people.show(world.episodeChildId))).statusCode, 403)
      const [denied] = (await events('episode.view')).filter(event => event.actorUserId === stranger.id && event.outcome === 'denied').slice(-1)
      assert.ok(denied)
    })

    it('a grant marked as a risk to tell the family is left out of “who has looked”', async () => {
      const other = await buildUser(t, world.authorityId, { roles: ['practitioner'], agencyIds: [world.agencyId], name: 'Quinn Quiet' })
      const browser = await signIn(t, other)
      const opened = await browser.post(paths.breakGlass.open(world.episodeId), { reason: 'A parent is under police investigation', hideFromFamily: 'yes', hiddenReason: 'The father would learn of the investigation' })
      assert.equal(opened.statusCode, 303)
      assert.equal((await browser.get(paths.plans.show(world.episodeId))).statusCode, 200)
      const family = await signInFamily(t, { authorityId: world.authorityId, accountId: world.familyAccountId })
      const page = await family.get(paths.family.whoHasLooked(world.episodeId))
      assert.doesNotMatch(page.body, /Quinn Quiet/)
    })

    it('the withdrawn agency is refused, even break-glass is read-only; sharing without agreement restores it, a manager is told, the family sees it', async () => {
      const nurseBrowser = await signIn(t, nurse)
      assert.equal((await nurseBrowser.get(paths.plans.show(world.episodeId))).statusCode, 403)
      // Only the lead professional or a coordinator may record it.
      assert.equal((await nurseBrowser.get(paths.breakGlass.sharing(world.episodeId))).statusCode, 403)
      assert.equal((await strangerBrowser.get(paths.breakGlass.sharing(world.episodeId))).statusCode, 403)
      const lead = await signIn(t, world.superUser)
      const page = await lead.get(paths.breakGlass.sharing(world.episodeId))
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /Glassby Health Visiting \(the family stopped sharing with it\)/)
      const missing = await lead.post(paths.breakGlass.sharing(world.episodeId), { agencyId: healthAgencyId, reason: '' })
      assert.equal(missing.statusCode, 400)
      assert.deepEqual(errorSummary(missing.body).sort(), ['Choose the condition for special category data', 'Choose the lawful basis', 'Enter why the information must be shared without the family’s agreement'].sort())
      assert.equal((await nurseBrowser.get(paths.plans.show(world.episodeId))).statusCode, 403)
      const notOnTeam = await lead.post(paths.breakGlass.sharing(world.episodeId), { agencyId: uuidv7(), reason: 'Risk of harm', lawfulBasis: 'public_task', specialCategoryCondition: 'safeguarding_children' })
      assert.equal(notOnTeam.statusCode, 422)
      const recorded = await lead.post(paths.breakGlass.sharing(world.episodeId), {
        agencyId: healthAgencyId,
        reason: 'The baby has lost weight and the family will not let the health visitor in',
        lawfulBasis: 'public_task',
        specialCategoryCondition: 'safeguarding_children',
      })
      assert.equal(recorded.statusCode, 303)
      assert.equal((await nurseBrowser.get(paths.plans.show(world.episodeId))).statusCode, 200)
      assert.equal((await nurseBrowser.get(paths.people.show(world.episodeChildId))).statusCode, 200)
      const [audit] = (await events('sharing-without-agreement.record')).filter(event => event.recordType === 'sharing-without-agreement' && event.outcome === 'allowed')
      assert.ok(audit)
      assert.equal(audit.purpose, 'safeguarding')
      assert.equal((audit.details as Record<string, unknown>).lawfulBasis, 'public_task')
      const told = await t.database.db.selectFrom('outbox').select(['recipient', 'bodyText']).where('subject', '=', 'Information shared without the family’s agreement').execute()
      assert.ok(told.some(message => message.recipient === nurseManager.email), JSON.stringify(told))
      assert.ok(told.every(message => !message.bodyText.includes('lost weight')))
      // The family sees it on their consent page.
      const family = await signInFamily(t, { authorityId: world.authorityId, accountId: world.familyAccountId })
      const consent = load((await family.get(paths.family.consent(world.episodeId))).body)
      assert.match(consent('#shared-without-agreement').next().next().text(), /Glassby Health Visiting: since/)
      // Reported for the coordinator's review.
      const reviews = load((await coordinator.get(paths.breakGlass.reviews())).body)
      const card = reviews('form[action^="/break-glass/sharing/"]')
      assert.equal(card.length, 1)
      assert.equal((await coordinator.post(String(card.attr('action')), {})).statusCode, 303)
      // Ending it: the withdrawal applies again.
      const end = load((await lead.get(paths.breakGlass.sharing(world.episodeId))).body)('form[action$="/end"]').attr('action')
      assert.equal((await lead.post(String(end), {})).statusCode, 303)
      assert.equal((await nurseBrowser.get(paths.plans.show(world.episodeId))).statusCode, 403)
    })

    it('sharing hidden from the family is not shown to them', async () => {
      const lead = await signIn(t, world.superUser)
      const recorded = await lead.post(paths.breakGlass.sharing(world.episodeId), {
        agencyId: healthAgencyId,
        reason: 'Domestic abuse disclosed',
        lawfulBasis: 'legal_obligation',
        specialCategoryCondition: 'safeguarding_children',
        hideFromFamily: 'yes',
        hiddenReason: 'The abuser lives in the household',
      })
      assert.equal(recorded.statusCode, 303)
      const family = await signInFamily(t, { authorityId: world.authorityId, accountId: world.familyAccountId })
      const consent = load((await family.get(paths.family.consent(world.episodeId))).body)
      const shown = consent('#shared-without-agreement').next().next().text()
      assert.doesNotMatch(shown, /since/)
    })

    it('administrators record an agency’s lawful basis from the agency page', async () => {
      const admin = await signIn(t, await buildUser(t, world.authorityId, { roles: ['administrator'], agencyIds: [world.agencyId] }))
      const agencyPage = load((await admin.get(paths.admin.agency(healthAgencyId))).body)
      assert.equal(agencyPage('#lawful-basis-link').attr('href'), paths.breakGlass.lawfulBasis(healthAgencyId))
      const form = await admin.get(paths.breakGlass.lawfulBasis(healthAgencyId))
      assert.equal(form.statusCode, 200)
      const bad = await admin.post(paths.breakGlass.lawfulBasis(healthAgencyId), { lawfulBasis: 'whim', specialCategoryCondition: 'none', version: '' })
      assert.equal(bad.statusCode, 400)
      const saved = await admin.post(paths.breakGlass.lawfulBasis(healthAgencyId), { lawfulBasis: 'public_task', specialCategoryCondition: 'health_social_care', notes: 'Section 11 Children Act 2004', version: '' })
      assert.equal(saved.statusCode, 303)
      const again = await admin.post(paths.breakGlass.lawfulBasis(healthAgencyId), { lawfulBasis: 'legal_obligation', specialCategoryCondition: 'health_social_care', version: '' })
      assert.equal(again.statusCode, 409)
      const shown = await admin.get(paths.breakGlass.lawfulBasis(healthAgencyId))
      assert.match(load(shown.body)('.govuk-summary-list').text(), /Public task \(Article 6\(1\)\(e\)\)/)
      assert.equal((await strangerBrowser.get(paths.breakGlass.lawfulBasis(healthAgencyId))).statusCode, 403)
      assert.equal((await admin.get(paths.breakGlass.lawfulBasis(uuidv7()))).statusCode, 404)
    })
  })
}
