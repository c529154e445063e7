import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { sql } from 'kysely'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, errorSummary, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { signIn, signInFamily } from '../../../test/helpers/builders.ts'
import { buildAuthorityWorld, type AuthorityWorld } from '../../../test/helpers/world.ts'
import { insertPlanAction } from '../plans/plan-actions.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { missingWelsh } from '../../lib/i18n.ts'
import { paths } from '../../paths.ts'

// The family's own pages: home, our team (and asking for a supporter), our plan (their own actions done, comments,
// stale forms), meetings (agenda, "what I want to say", the calendar file, minutes only once circulated, late minutes),
// and the walls around them: another family's episode, a bad id, a practitioner, no CSRF token, Welsh.

for (const kind of databaseKinds()) {
  describe(`the family's pages (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    let family: Browser
    let myActionId: string
    let pastMeetingId: string
    let otherEpisodeId: string
    const db = () => t.database.db

    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Famton')
      const now = t.clock.now()
      // An action the family member owns, due in a week.
      const due = new Date(now.getTime() + 7 * 86_400_000).toISOString().slice(0, 10)
      myActionId = await insertPlanAction(db(), {
        authorityId: world.authorityId,
        episodeId: world.episodeId,
        needId: world.planNeedId,
        what: 'Famton take Sam to the dentist',
        ownerKind: 'family_member',
        ownerFamilyTeamMemberId: world.familyMemberId,
        ownerName: 'Famton Parent',
        dueOn: due,
        createdByUserId: world.superUser.id,
        createdByName: 'Famton Super',
        at: now,
      })
      // A meeting held three weeks ago whose minutes are still a draft (late).
      pastMeetingId = uuidv7()
      const startsAt = new Date(now.getTime() - 21 * 86_400_000)
      await db()
        .insertInto('meetings')
        .values({ authorityId: world.authorityId, id: pastMeetingId, episodeId: world.episodeId, purpose: 'first_team_meeting', startsAt, endsAt: new Date(startsAt.getTime() + 3_600_000), venueName: 'Famton School', venueAddress: null, neutralVenue: false, accessibilityNotes: null, remoteLink: null, status: 'held', icsUid: `${pastMeetingId}@test`, chairUserId: world.superUser.id, minuteTakerUserId: world.superUser.id, scheduledByUserId: world.superUser.id, createdAt: now, cancelledAt: null, cancelReason: null })
        .execute()
      await db()
        .insertInto('meetingMinutes')
        .values({ authorityId: world.authorityId, meetingId: pastMeetingId, status: 'draft', discussion: 'Famton secret draft discussion', decisions: 'Famton draft decisions', dueOn: new Date(now.getTime() - 14 * 86_400_000).toISOString().slice(0, 10), updatedAt: now })
        .execute()
      // Another family's episode in the same authority.
      otherEpisodeId = uuidv7()
      await db()
        .insertInto('episodes')
        .values({ authorityId: world.authorityId, id: otherEpisodeId, reference: `EH-2026-${otherEpisodeId.slice(-6)}`, scope: 'child', householdId: null, localityId: null, agencyId: world.agencyId, status: 'consent', outcome: null, startedByUserId: world.superUser.id, startedAt: now, closedAt: null, templateVersionId: world.templateVersionId })
        .execute()
      family = await signInFamily(t, { authorityId: world.authorityId, accountId: world.familyAccountId })
    })
    after(() => t.close())

    it('sends a family with one episode straight to its home page, which shows the lead, the next meeting and what is late', async () => {
      const list = await family.get(paths.family.home())
      assert.equal(list.statusCode, 303)
      assert.equal(list.headers.location, paths.family.episode(world.episodeId))
      const home = await family.get(paths.family.episode(world.episodeId))
      assert.equal(home.statusCode, 200)
      const $ = load(home.body)
      const main = $('main').text()
      assert.match(main, /Your lead professional: Famton Super/)
      assert.match(main, /Famton Family Hub/, 'the next meeting')
      assert.match(main, /Famton action/, 'the professional’s late action is shown honestly')
      assert.match(main, /The minutes of the meeting on .* are late\. They were due on/)
      assert.match(main, /Famton take Sam to the dentist/, 'the family member’s own action')
      assert.equal($('html').attr('lang'), 'en')
      assert.ok($('.govuk-service-navigation a[aria-current="page"], .govuk-service-navigation__item--active').length > 0)
      const audit = await sql<{ count: number }>`select count(*)::int as count from audit_events where action = 'family.view' and actor_family_account_id = ${world.familyAccountId} and episode_id = ${world.episodeId}`.execute(db())
      assert.ok((audit.rows[0]?.count ?? 0) >= 1, 'reads are audited with the episode and the family account')
    })

    it('shows the team with what each agency does and how to reach the lead, and sends a request for a supporter', async () => {
      const page = await family.get(paths.family.team(world.episodeId))
      assert.equal(page.statusCode, 200)
      const main = load(page.body)('main').text()
      assert.match(main, /Famton Super/)
      assert.match(main, /A school teaches children/)
      assert.match(main, /super\.famton@example\.org/)
      assert.match(main, /Famton Parent/)

      await family.get(paths.family.askForSupporter(world.episodeId))
      const empty = await family.post(paths.family.askForSupporter(world.episodeId), { kind: '', supporterName: 'Pat', contact: '', why: '' })
      assert.equal(empty.statusCode, 400)
      assert.deepEqual(errorSummary(empty.body), ['Choose who you would like to join.'])
      assert.equal(load(empty.body)('#supporterName').val(), 'Pat', 'answers are kept')

      const sent = await family.post(paths.family.askForSupporter(world.episodeId), { kind: 'advocate', supporterName: 'Pat Advocate', contact: '07700 900123', why: 'I want help to speak up' })
      assert.equal(sent.statusCode, 303)
      const mail = await db().selectFrom('outbox').select(['recipient', 'subject', 'bodyText']).where('authorityId', '=', world.authorityId).where('subject', 'like', '%supporter%').execute()
      assert.equal(mail.length, 1)
      assert.equal(mail[0]?.recipient, 'super.famton@example.org')
      assert.match(mail[0]?.bodyText ?? '', /an advocate/)
      assert.doesNotMatch(mail[0]?.bodyText ?? '', /Famtonchild/, 'no child’s name in the email')
      const audit = await db().selectFrom('auditEvents').select(['outcome', 'episodeId']).where('action', '=', 'family.contribute').where('actorFamilyAccountId', '=', world.familyAccountId).execute()
      assert.ok(audit.some(row => row.outcome === 'allowed' && row.episodeId === world.episodeId))
      const after = await family.get(`${paths.family.team(world.episodeId)}?done=supporter-asked`)
      assert.match(load(after.body)('.govuk-notification-banner').text(), /We have sent your request/)
    })

    it('shows the plan honestly: what was agreed, who does what, done and late', async () => {
      const page = await family.get(paths.family.plan(world.episodeId))
      assert.equal(page.statusCode, 200)
      const $ = load(page.body)
      const main = $('main').text()
      assert.match(main, /Famton need/)
      assert.match(main, /Famton outcome/)
      assert.match(main, /We last agreed this plan on/)
      const late = $('li').filter((_i, element) => $(element).text().includes('Famton action'))
      assert.match(late.text(), /Late/)
      const mine = $('li').filter((_i, element) => $(element).text().includes('dentist'))
      assert.match(mine.text(), /Who: You/)
    })

    it('lets a family member mark their own action done, keeps their words on a stale form, and refuses others’ actions', async () => {
      const url = paths.family.action(world.episodeId, myActionId)
      const page = await family.get(url)
      assert.equal(page.statusCode, 200)
      const version = String(load(page.body)('form input[name="version"]').first().val())
      // Someone else changes the action first.
      await db().updateTable('planActions').set({ version: Number(version) + 1, status: 'in_progress' }).where('id', '=', myActionId).execute()
      const stale = await family.post(url, { intent: 'comment', comment: 'Booked for Tuesday', version })
      assert.equal(stale.statusCode, 409)
      assert.match(errorSummary(stale.body)[0] ?? '', /Someone changed this action/)
      assert.equal(load(stale.body)('#comment').text(), 'Booked for Tuesday', 'nothing lost')
      const fresh = String(load(stale.body)('form input[name="version"]').first().val())
      assert.equal(fresh, String(Number(version) + 1))

      const done = await family.post(url, { intent: 'done', comment: '', version: fresh })
      assert.equal(done.statusCode, 303)
      const row = await db().selectFrom('planActions').select(['status', 'completedOn', 'version']).where('id', '=', myActionId).executeTakeFirstOrThrow()
      assert.equal(row.status, 'done')
      assert.ok(row.completedOn)
      const updates = await db().selectFrom('planActionUpdates').select(['status', 'byFamilyAccountId', 'byFamilyTeamMemberId', 'byName', 'byUserId']).where('actionId', '=', myActionId).where('byFamilyAccountId', 'is not', null).execute()
      assert.equal(updates.length, 1)
      assert.equal(updates[0]?.status, 'done')
      assert.equal(updates[0]?.byFamilyTeamMemberId, world.familyMemberId)
      assert.equal(updates[0]?.byUserId, null)

      // Not theirs: no "mark as done", and a forged one is refused; a comment is fine.
      const other = paths.family.action(world.episodeId, world.planActionId)
      const otherPage = await family.get(other)
      assert.equal(load(otherPage.body)('input[name="intent"][value="done"]').length, 0)
      const otherVersion = String(load(otherPage.body)('form input[name="version"]').first().val())
      const forged = await family.post(other, { intent: 'done', comment: '', version: otherVersion })
      assert.equal(forged.statusCode, 422)
      const before = await db().selectFrom('planActions').select('status').where('id', '=', world.planActionId).executeTakeFirstOrThrow()
      assert.notEqual(before.status, 'done')
      const blank = await family.post(other, { intent: 'comment', comment: '  ', version: otherVersion })
      assert.equal(blank.statusCode, 400)
      assert.deepEqual(errorSummary(blank.body), ['Write your comment.'])
      const comment = await family.post(other, { intent: 'comment', comment: 'Any news on this?', version: otherVersion })
      assert.equal(comment.statusCode, 303)
      const shown = await family.get(other)
      assert.match(load(shown.body)('main').text(), /Any news on this\?/)
    })

    it('shows an upcoming meeting, its calendar file, and takes agenda items and "what I want to say"', async () => {
      const list = await family.get(paths.family.meetings(world.episodeId))
      assert.equal(list.statusCode, 200)
      const listText = load(list.body)('main').text()
      assert.match(listText, /Famton Family Hub/)
      assert.match(listText, /Minutes late/)

      const url = paths.family.meeting(world.episodeId, world.meetingId)
      const page = await family.get(url)
      assert.equal(page.statusCode, 200)
      assert.match(load(page.body)('main').text(), /This is a neutral place/)

      const ics = await family.get(paths.family.meetingCalendar(world.episodeId, world.meetingId))
      assert.equal(ics.statusCode, 200)
      assert.match(String(ics.headers['content-type']), /^text\/calendar/)
      assert.match(ics.body, /BEGIN:VEVENT/)
      assert.match(ics.body, new RegExp(`UID:${world.meetingId}@test`))
      assert.doesNotMatch(ics.body, /Famtonchild/)

      const empty = await family.post(paths.family.agendaItem(world.episodeId, world.meetingId), { text: '' })
      assert.equal(empty.statusCode, 400)
      assert.deepEqual(errorSummary(empty.body), ['Write what you would like to talk about.'])
      const added = await family.post(paths.family.agendaItem(world.episodeId, world.meetingId), { text: 'School transport' })
      assert.equal(added.statusCode, 303)
      const item = await db().selectFrom('agendaItems').select(['addedByFamilyAccountId', 'addedByFamilyTeamMemberId', 'addedByName']).where('text', '=', 'School transport').executeTakeFirstOrThrow()
      assert.equal(item.addedByFamilyAccountId, world.familyAccountId)
      assert.equal(item.addedByFamilyTeamMemberId, world.familyMemberId)

      const sayUrl = paths.family.whatIWantToSay(world.episodeId, world.meetingId)
      await family.get(sayUrl)
      const nothing = await family.post(sayUrl, { goingWell: '', worrying: '', wouldLike: '', version: '0' })
      assert.equal(nothing.statusCode, 400)
      const saved = await family.post(sayUrl, { goingWell: 'Sam is sleeping better', worrying: '', wouldLike: 'A meeting after school', version: '0' })
      assert.equal(saved.statusCode, 303)
      const stale = await family.post(sayUrl, { goingWell: 'Second try', worrying: '', wouldLike: '', version: '0' })
      assert.equal(stale.statusCode, 409)
      assert.equal(load(stale.body)('#goingWell').text(), 'Second try')
      const view = await db().selectFrom('familyViews').select(['goingWell', 'kind', 'meetingId', 'version']).where('accountId', '=', world.familyAccountId).execute()
      assert.equal(view.length, 1)
      assert.equal(view[0]?.kind, 'before_meeting')
      assert.equal(view[0]?.goingWell, 'Sam is sleeping better')
      const edited = await family.post(sayUrl, { goingWell: 'Sam is sleeping much better', worrying: '', wouldLike: '', version: String(view[0]?.version) })
      assert.equal(edited.statusCode, 303)

      // The team sees it on the practitioners' meeting page.
      const practitioner = await signIn(t, world.superUser)
      const teamPage = await practitioner.get(paths.meetings.show(world.episodeId, world.meetingId))
      assert.equal(teamPage.statusCode, 200)
      assert.match(load(teamPage.body)('main').text(), /Sam is sleeping much better/)
      const agendaItem = load(teamPage.body)('main li').filter((_i, element) => load(element).text().includes('School transport'))
      assert.match(agendaItem.text(), /The family’s item/)
    })

    it('never shows a parent what a young person wrote before a meeting (the team sees it)', async () => {
      const youngId = uuidv7()
      const now = t.clock.now()
      await db()
        .insertInto('familyAccounts')
        .values({ authorityId: world.authorityId, id: youngId, name: 'Famton Young', email: 'young.famton@example.org', mobile: null, preferredChannel: 'email', kind: 'young_person', personId: world.episodeChildId, status: 'active', invitedByUserId: world.superUser.id, invitedAt: now, firstSignedInAt: now, lastSignedInAt: now, revokedAt: null, revokedByUserId: null })
        .execute()
      await db().insertInto('familyAccountEpisodes').values({ authorityId: world.authorityId, accountId: youngId, episodeId: world.episodeId, familyTeamMemberId: null, grantedByUserId: world.superUser.id, grantedAt: now, revokedAt: null, revokedByUserId: null }).execute()
      const young = await signInFamily(t, { authorityId: world.authorityId, accountId: youngId })
      const page = await young.get(paths.family.meeting(world.episodeId, world.meetingId))
      assert.equal(page.statusCode, 200)
      assert.ok(load(page.body)(`a[href="${paths.family.myViews(world.episodeId)}"]`).length > 0, 'a young person has My views in the navigation')
      const saved = await young.post(paths.family.whatIWantToSay(world.episodeId, world.meetingId), { goingWell: '', worrying: 'Famton young private worry', wouldLike: '', version: '0' })
      assert.equal(saved.statusCode, 303)
      for (const url of [paths.family.meeting(world.episodeId, world.meetingId), paths.family.whatIWantToSay(world.episodeId, world.meetingId), paths.family.episode(world.episodeId)]) {
        const parentPage = await family.get(url)
        assert.doesNotMatch(parentPage.body, /young private worry/, url)
      }
      const practitioner = await signIn(t, world.superUser)
      const teamPage = await practitioner.get(paths.meetings.show(world.episodeId, world.meetingId))
      assert.match(load(teamPage.body)('main').text(), /Famton young private worry/)
    })

    it('shows minutes only once circulated, and says plainly when they are late', async () => {
      const url = paths.family.meeting(world.episodeId, pastMeetingId)
      const late = await family.get(url)
      const lateText = load(late.body)('main').text()
      assert.match(lateText, /The minutes are late\. They were due on/)
      assert.doesNotMatch(lateText, /secret draft/)
      const refused = await family.post(paths.family.agendaItem(world.episodeId, pastMeetingId), { text: 'Too late' })
      assert.equal(refused.statusCode, 422)
      const saying = await family.post(paths.family.whatIWantToSay(world.episodeId, pastMeetingId), { goingWell: 'x', worrying: '', wouldLike: '', version: '0' })
      assert.equal(saying.statusCode, 422)

      await db().updateTable('meetingMinutes').set({ status: 'circulated', circulatedAt: t.clock.now(), discussion: 'Famton circulated discussion' }).where('meetingId', '=', pastMeetingId).execute()
      const ready = await family.get(url)
      const readyText = load(ready.body)('main').text()
      assert.match(readyText, /Famton circulated discussion/)
      assert.doesNotMatch(readyText, /are late/)
    })

    it('refuses another family’s episode (audited), answers 404 for bad ids, and sends others to the family sign-in', async () => {
      const denied = await family.get(paths.family.plan(otherEpisodeId))
      assert.equal(denied.statusCode, 403)
      const audit = await db().selectFrom('auditEvents').select(['outcome', 'action']).where('actorFamilyAccountId', '=', world.familyAccountId).where('outcome', '=', 'denied').execute()
      assert.ok(audit.length >= 1)
      const deniedPost = await family.post(paths.family.agendaItem(otherEpisodeId, world.meetingId), { text: 'Sneaky' })
      assert.equal(deniedPost.statusCode, 403)
      assert.equal((await db().selectFrom('agendaItems').select('id').where('text', '=', 'Sneaky').execute()).length, 0)
      // A meeting of this episode reached through another episode's address is not found.
      assert.equal((await family.get(paths.family.meeting(world.episodeId, uuidv7()))).statusCode, 404)
      assert.equal((await family.get(paths.family.meeting(world.episodeId, 'not-a-uuid'))).statusCode, 404)
      assert.equal((await family.get(paths.family.action(world.episodeId, 'nope'))).statusCode, 404)
      assert.equal((await family.get('/family/episodes/not-a-uuid/team')).statusCode, 404)

      const anonymous = await new Browser(t.app).get(paths.family.episode(world.episodeId))
      assert.equal(anonymous.statusCode, 303)
      assert.match(String(anonymous.headers.location), /^\/family\/sign-in/)
      const practitioner = await signIn(t, world.superUser)
      const practitionerPage = await practitioner.get(paths.family.plan(world.episodeId))
      assert.equal(practitionerPage.statusCode, 303)
      assert.match(String(practitionerPage.headers.location), /^\/family\/sign-in/)

      const noCsrf = await family.post(paths.family.agendaItem(world.episodeId, world.meetingId), { text: 'No token', _csrf: '' })
      assert.equal(noCsrf.statusCode, 403)
    })

    it('shows every page in Welsh, with nothing missing, when the account’s language is Welsh', async () => {
      await db().updateTable('familyAccounts').set({ language: 'cy' }).where('id', '=', world.familyAccountId).execute()
      const welsh = await signInFamily(t, { authorityId: world.authorityId, accountId: world.familyAccountId })
      missingWelsh.clear()
      const urls = [
        paths.family.episode(world.episodeId),
        paths.family.team(world.episodeId),
        paths.family.askForSupporter(world.episodeId),
        paths.family.plan(world.episodeId),
        paths.family.action(world.episodeId, myActionId),
        paths.family.action(world.episodeId, world.planActionId),
        paths.family.meetings(world.episodeId),
        paths.family.meeting(world.episodeId, world.meetingId),
        paths.family.meeting(world.episodeId, pastMeetingId),
        paths.family.whatIWantToSay(world.episodeId, world.meetingId),
      ]
      for (const url of urls) {
        const response = await welsh.get(url)
        assert.equal(response.statusCode, 200, url)
        assert.equal(load(response.body)('html').attr('lang'), 'cy', url)
      }
      const invalid = await welsh.post(paths.family.agendaItem(world.episodeId, world.meetingId), { text: '' })
      assert.equal(invalid.statusCode, 400)
      assert.deepEqual(errorSummary(invalid.body), ['Ysgrifennwch beth hoffech chi siarad amdano.'])
      assert.deepEqual([...missingWelsh], [], 'every sentence on these pages has Welsh')
      await db().updateTable('familyAccounts').set({ language: 'en' }).where('id', '=', world.familyAccountId).execute()
    })
  })
}

for (const kind of databaseKinds()) {
  describe(`the family's forms under hostile input (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    let family: Browser
    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Fuzzton')
      family = await signInFamily(t, { authorityId: world.authorityId, accountId: world.familyAccountId })
      await family.get(paths.family.episode(world.episodeId))
    })
    after(() => t.close())

    it('answers every nasty form with a page, never a 500, and changes nothing', async () => {
      const before = await sql<{ count: number }>`select (select count(*) from agenda_items) + (select count(*) from family_views) + (select count(*) from plan_action_updates) + (select count(*) from outbox) as count`.execute(t.database.db)
      const nasty = ['\u0000', '\ud800', 'x'.repeat(20_000), "'; drop table meetings; --", '<script>alert(1)</script>', '-1', '1e309', '99999999999999999999']
      const targets = [
        paths.family.askForSupporter(world.episodeId),
        paths.family.action(world.episodeId, world.planActionId),
        paths.family.agendaItem(world.episodeId, world.meetingId),
        paths.family.whatIWantToSay(world.episodeId, world.meetingId),
      ]
      const fields = ['kind', 'supporterName', 'contact', 'why', 'intent', 'comment', 'version', 'text', 'goingWell', 'worrying', 'wouldLike', 'extra']
      for (const url of targets) {
        for (const value of nasty) {
          for (const field of fields) {
            const response = await family.post(url, { [field]: [value, value] })
            assert.ok(response.statusCode < 500, `${url} ${field}=${JSON.stringify(value.slice(0, 20))} answered ${response.statusCode}`)
            assert.ok(response.statusCode !== 303, `${url} ${field} was accepted`)
          }
        }
      }
      const after = await sql<{ count: number }>`select (select count(*) from agenda_items) + (select count(*) from family_views) + (select count(*) from plan_action_updates) + (select count(*) from outbox) as count`.execute(t.database.db)
      assert.equal(Number(after.rows[0]?.count), Number(before.rows[0]?.count))
      for (const id of ['not-a-uuid', '00000000-0000-0000-0000-000000000000', 'x'.repeat(150)]) {
        for (const url of [paths.family.episode(id), paths.family.action(world.episodeId, id), paths.family.meetingCalendar(world.episodeId, id), paths.family.whatIWantToSay(world.episodeId, id)]) {
          const response = await family.get(url)
          assert.ok([403, 404].includes(response.statusCode), `${url} answered ${response.statusCode}`)
        }
      }
    })
  })
}
