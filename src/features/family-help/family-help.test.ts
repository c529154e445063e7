import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { sql } from 'kysely'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, errorSummary, heading, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { signIn, signInFamily } from '../../../test/helpers/builders.ts'
import { buildAuthorityWorld, type AuthorityWorld } from '../../../test/helpers/world.ts'
import { addFamilyAccount } from '../../../test/family/family-world.ts'
import { missingWelsh } from '../../lib/i18n.ts'
import { cookieNames } from '../../plugins/session.ts'
import { GLOSSARY } from './glossary.ts'
import { HELP_TOPICS } from './help-topics.ts'

for (const kind of databaseKinds()) {
  describe(`family help and a young person's views (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    let other: AuthorityWorld
    let youngId: string
    let young: Browser
    let parent: Browser
    const myViews = () => `/family/episodes/${world.episodeId}/my-views`

    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Helpton')
      other = await buildAuthorityWorld(t, 'Elsewhere')
      youngId = await addFamilyAccount(t, world, { name: 'Helpton Young', kind: 'young_person' })
      young = await signInFamily(t, { authorityId: world.authorityId, accountId: youngId })
      parent = await signInFamily(t, { authorityId: world.authorityId, accountId: world.familyAccountId })
    })
    after(() => t.close())

    async function audit(action: string, outcome: string, accountId: string) {
      const result = await sql<{ count: number }>`select count(*)::int as count from audit_events where action = ${action} and outcome = ${outcome} and actor_family_account_id = ${accountId} and record_type = 'young_person_views'`.execute(t.database.db)
      return result.rows[0]?.count ?? 0
    }

    async function savedViews() {
      return t.database.db.selectFrom('familyViews').selectAll().where('authorityId', '=', world.authorityId).where('kind', '=', 'young_person').execute()
    }

    it('shows help, every topic and the words page to anyone, signed in or not, with no personal data', async () => {
      for (const browser of [new Browser(t.app), parent]) {
        const index = await browser.get('/family/help')
        assert.equal(index.statusCode, 200)
        assert.equal(heading(index.body), 'Help')
        for (const topic of HELP_TOPICS) {
          assert.ok(index.body.includes(`href="/family/help/${topic.slug}"`), topic.slug)
          const page = await browser.get(`/family/help/${topic.slug}`)
          assert.equal(page.statusCode, 200, topic.slug)
          assert.equal(heading(page.body), topic.title)
          assert.equal(load(page.body)('main').text().includes('Helpton'), false, 'no personal data on a help page')
        }
        const words = await browser.get('/family/help/words')
        assert.equal(words.statusCode, 200)
        const $ = load(words.body)
        for (const entry of GLOSSARY) assert.equal($(`h2#${entry.id}`).length, 1, entry.id)
        assert.match($('#camhs').nextAll('p').first().text(), /CAMHS stands for Child and Adolescent Mental Health Services\./)
      }
      const topic = await new Browser(t.app).get('/family/help/meetings')
      // Jargon in help text links to the words page.
      assert.match(topic.body, /<a class="govuk-link" href="\/family\/help\/words#agenda">agenda<\/a>/)
      assert.equal((await new Browser(t.app).get('/family/help/nothing-here')).statusCode, 404)
      assert.equal((await new Browser(t.app).get('/family/help/%3Cscript%3E')).statusCode, 404)
    })

    it('shows help in Welsh to a browser that chose Welsh, with every sentence translated', async () => {
      const browser = new Browser(t.app)
      browser.cookies.set(cookieNames(t.config).language, 'cy')
      missingWelsh.clear()
      for (const url of ['/family/help', '/family/help/words', ...HELP_TOPICS.map(topic => `/family/help/${topic.slug}`)]) {
        const page = await browser.get(url)
        assert.equal(page.statusCode, 200)
        assert.equal(load(page.body)('html').attr('lang'), 'cy', url)
      }
      assert.equal(heading((await browser.get('/family/help/your-rights')).body), 'Eich hawliau')
      assert.deepEqual([...missingWelsh], [])
    })

    it('lets a young person write their views, kept from their parents until they share them', async () => {
      const form = await young.get(myViews())
      assert.equal(form.statusCode, 200)
      assert.equal(heading(form.body), 'My views')
      assert.equal(load(form.body)('input[name="share"]').attr('checked'), undefined, 'not shared by default')
      const before = await audit('family.contribute', 'allowed', youngId)
      const saved = await young.post(myViews(), { goingWell: 'Football on Saturdays', worrying: 'Secret worry about school', wouldLike: 'More time with Nan' })
      assert.equal(saved.statusCode, 303)
      assert.equal(saved.headers.location, `${myViews()}?done=saved`)
      const rows = await savedViews()
      assert.equal(rows.length, 1)
      assert.equal(rows[0]?.sharedWithFamily, false)
      assert.equal(rows[0]?.worrying, 'Secret worry about school')
      assert.equal(await audit('family.contribute', 'allowed', youngId), before + 1)
      const episodeAudit = await sql<{ episodeId: string }>`select episode_id from audit_events where actor_family_account_id = ${youngId} and action = 'family.contribute' order by at desc limit 1`.execute(t.database.db)
      assert.equal(episodeAudit.rows[0]?.episodeId, world.episodeId)
      const shown = await young.follow(saved)
      assert.match(shown.body, /Your views are saved/)
      assert.match(shown.body, /Secret worry about school/)

      // The parent's page about the young people's views shows nothing unshared.
      const parentPage = await parent.get(`/family/episodes/${world.episodeId}/young-peoples-views`)
      assert.equal(parentPage.statusCode, 200)
      assert.match(parentPage.body, /Nobody has shared their views with you yet/)
      assert.equal(parentPage.body.includes('Secret worry'), false)

      // The team reads them, shared or not.
      const practitioner = await signIn(t, world.superUser)
      const teamPage = await practitioner.get(`/episodes/${world.episodeId}/team`)
      assert.ok(teamPage.body.includes(`href="/episodes/${world.episodeId}/young-peoples-views"`), 'the team page links to the young people\'s views')
      const team = await practitioner.get(`/episodes/${world.episodeId}/young-peoples-views`)
      assert.equal(team.statusCode, 200)
      assert.match(team.body, /Secret worry about school/)
      assert.match(team.body, /No — do not share it with them/)

      // Shared: now the parent sees them.
      const version = load(shown.body)('input[name="version"]').attr('value') ?? ''
      const shared = await young.post(myViews(), { goingWell: 'Football on Saturdays', worrying: 'Worry I can share', wouldLike: 'More time with Nan', share: 'yes', version })
      assert.equal(shared.statusCode, 303)
      const afterSharing = await parent.get(`/family/episodes/${world.episodeId}/young-peoples-views`)
      assert.match(afterSharing.body, /Worry I can share/)
      assert.match(afterSharing.body, /Helpton Young/)
    })

    it('refuses a parent or carer a young person\'s page, audited, and changes nothing', async () => {
      const before = await audit('family.view', 'denied', world.familyAccountId)
      const page = await parent.get(myViews())
      assert.equal(page.statusCode, 403)
      assert.equal(page.body.includes('Worry I can share'), false)
      assert.equal(await audit('family.view', 'denied', world.familyAccountId), before + 1)
      const rowsBefore = await savedViews()
      const posted = await parent.post(myViews(), { goingWell: 'parent wrote this' })
      assert.equal(posted.statusCode, 403)
      assert.equal(await audit('family.contribute', 'denied', world.familyAccountId), 1)
      assert.deepEqual(await savedViews(), rowsBefore)
    })

    it('keeps what was typed and changes nothing when the form is wrong', async () => {
      const rowsBefore = await savedViews()
      const empty = await young.post(myViews(), { goingWell: '  ', worrying: '', wouldLike: '' })
      assert.equal(empty.statusCode, 400)
      assert.deepEqual(errorSummary(empty.body), ['Write something in at least one box.'])
      const long = await young.post(myViews(), { goingWell: 'x'.repeat(5001), worrying: 'kept text' })
      assert.equal(long.statusCode, 400)
      assert.deepEqual(errorSummary(long.body), ['Write 5,000 characters or fewer.'])
      assert.match(long.body, /kept text/)
      const unknown = await young.post(myViews(), { goingWell: 'a', extra: 'b' })
      assert.equal(unknown.statusCode, 400)
      assert.deepEqual(errorSummary(unknown.body), ['The form had something we did not expect. Go back and try again.'])
      const control = await young.post(myViews(), { goingWell: 'a\u0000b' })
      assert.equal(control.statusCode, 400)
      const twice = await young.post(myViews(), { goingWell: ['a', 'b'], version: ['1', '2'] })
      assert.equal(twice.statusCode, 400)
      const noCsrf = await young.post(myViews(), { goingWell: 'no token' }, { csrf: false })
      assert.equal(noCsrf.statusCode, 403)
      assert.deepEqual(await savedViews(), rowsBefore)
    })

    it('shows both versions when the views were saved elsewhere since the page was opened', async () => {
      const rowsBefore = await savedViews()
      const stale = await young.post(myViews(), { goingWell: 'typed on the old page', version: '1' })
      assert.equal(stale.statusCode, 409)
      assert.match(errorSummary(stale.body)[0] ?? '', /on another phone or computer/)
      assert.match(stale.body, /typed on the old page/)
      assert.match(stale.body, /Worry I can share/)
      assert.deepEqual(await savedViews(), rowsBefore)
    })

    it('refuses another family\'s episode (audited) and answers 404 for an id that is not one', async () => {
      const stranger = await addFamilyAccount(t, other, { name: 'Elsewhere Young', kind: 'young_person' })
      const browser = await signInFamily(t, { authorityId: other.authorityId, accountId: stranger })
      const page = await browser.get(myViews())
      assert.equal(page.statusCode, 403)
      assert.equal(page.body.includes('Worry'), false)
      const denied = await sql<{ count: number }>`select count(*)::int as count from audit_events where actor_family_account_id = ${stranger} and outcome = 'denied'`.execute(t.database.db)
      assert.equal(denied.rows[0]?.count, 1)
      assert.equal((await browser.get(`/family/episodes/${world.episodeId}/young-peoples-views`)).statusCode, 403)
      assert.equal((await browser.get('/family/episodes/not-an-id/my-views')).statusCode, 404)
      assert.equal((await new Browser(t.app).get(myViews())).statusCode, 303, 'signed out: sent to sign in')
    })

    it('refuses the team page to a practitioner not on the team, audited', async () => {
      const outsider = await signIn(t, world.practitioner)
      const page = await outsider.get(`/episodes/${world.episodeId}/young-peoples-views`)
      assert.equal(page.statusCode, 403)
      const denied = await sql<{ count: number }>`select count(*)::int as count from audit_events where actor_user_id = ${world.practitioner.id} and action = 'team.view' and outcome = 'denied' and record_type = 'young_person_views'`.execute(t.database.db)
      assert.equal(denied.rows[0]?.count, 1)
    })

    it('shows a Welsh-speaking young person their page in Welsh', async () => {
      const welshId = await addFamilyAccount(t, world, { name: 'Helpton Cymraeg', kind: 'young_person', language: 'cy' })
      const browser = await signInFamily(t, { authorityId: world.authorityId, accountId: welshId })
      missingWelsh.clear()
      const page = await browser.get(myViews())
      assert.equal(page.statusCode, 200)
      assert.equal(load(page.body)('html').attr('lang'), 'cy')
      assert.equal(heading(page.body), 'Fy marn')
      const invalid = await browser.post(myViews(), { goingWell: '' })
      assert.deepEqual(errorSummary(invalid.body), ['Ysgrifennwch rywbeth mewn o leiaf un blwch.'])
      assert.deepEqual([...missingWelsh], [])
    })
  })
}
