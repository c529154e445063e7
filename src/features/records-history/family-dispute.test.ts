import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { buildTestApp, errorSummary, type Browser, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { signIn, signInFamily } from '../../../test/helpers/builders.ts'
import { buildAuthorityWorld, type AuthorityWorld } from '../../../test/helpers/world.ts'
import { addFamilyAccount } from '../../../test/family/family-world.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { paths } from '../../paths.ts'

// The family's "Tell us if you disagree with something we wrote" page (issue 6, rectification): a family member
// attaches their statement to minutes, a note or an assessment element they can see; the record is never changed,
// it is marked "Disputed" wherever the team reads it, and the lead professional is told by email (no content in it).

const DAY = 86_400_000

for (const kind of databaseKinds()) {
  describe(`the family disagrees with something the team wrote (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    let family: Browser
    let lead: Browser
    let minutesMeetingId: string
    let draftMeetingId: string
    let noteId: string
    let teamNoteId: string
    let otherEpisodeMeetingId: string
    let neighbourAccountId: string
    const db = () => t.database.db

    async function meetingWithMinutes(episodeId: string, daysAgo: number, status: 'draft' | 'circulated', discussion: string): Promise<string> {
      const now = t.clock.now()
      const id = uuidv7()
      const startsAt = new Date(now.getTime() - daysAgo * DAY)
      const owner = world.superUser.id
      await db()
        .insertInto('meetings')
        .values({ authorityId: world.authorityId, id, episodeId, purpose: 'team_meeting', startsAt, endsAt: new Date(startsAt.getTime() + 3_600_000), venueName: 'The Family Hub', venueAddress: null, neutralVenue: true, accessibilityNotes: null, remoteLink: null, status: 'held', icsUid: `${id}@test`, chairUserId: owner, minuteTakerUserId: owner, scheduledByUserId: owner, createdAt: startsAt, cancelledAt: null, cancelReason: null })
        .execute()
      const circulated = status === 'circulated'
      await db()
        .insertInto('meetingMinutes')
        .values({ authorityId: world.authorityId, meetingId: id, discussion, decisions: 'We will meet again.', familyViews: 'Mum wants help.', status, dueOn: new Date(startsAt.getTime() + 5 * DAY).toISOString().slice(0, 10), draftedByUserId: owner, submittedAt: null, approvedByUserId: circulated ? owner : null, approvedAt: circulated ? startsAt : null, circulatedAt: circulated ? new Date(startsAt.getTime() + DAY) : null, updatedAt: now })
        .execute()
      return id
    }

    async function note(visibility: 'family' | 'team', body: string): Promise<string> {
      const id = uuidv7()
      await db()
        .insertInto('caseNotes')
        .values({ authorityId: world.authorityId, id, episodeId: world.episodeId, personId: null, occurredOn: '2026-03-03', summary: 'Home visit', body, visibility, authorUserId: world.superUser.id, authorAgencyId: world.agencyId, createdAt: t.clock.now() })
        .execute()
      return id
    }

    async function disputeCount(): Promise<number> {
      const rows = await db().selectFrom('recordDisputes').select(['id']).where('authorityId', '=', world.authorityId).execute()
      return rows.length
    }

    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Disputon')
      minutesMeetingId = await meetingWithMinutes(world.episodeId, 30, 'circulated', 'Mum was not coping with the mornings.')
      draftMeetingId = await meetingWithMinutes(world.episodeId, 10, 'draft', 'A draft the family cannot see.')
      noteId = await note('family', 'Dad missed the appointment.')
      teamNoteId = await note('team', 'A note for the team only.')
      // Another family of the same authority, with minutes of its own.
      const otherEpisodeId = uuidv7()
      await db()
        .insertInto('episodes')
        .values({ authorityId: world.authorityId, id: otherEpisodeId, reference: `EH-2026-${otherEpisodeId.slice(-6)}`, scope: 'child', householdId: null, localityId: null, agencyId: world.agencyId, status: 'support', outcome: null, startedByUserId: world.superUser.id, startedAt: t.clock.now(), closedAt: null, templateVersionId: world.templateVersionId })
        .execute()
      otherEpisodeMeetingId = await meetingWithMinutes(otherEpisodeId, 20, 'circulated', 'The other family’s minutes.')
      neighbourAccountId = await addFamilyAccount(t, world, { name: 'Nextdoor Parent', kind: 'parent_carer', episodeId: otherEpisodeId })
      family = await signInFamily(t, { authorityId: world.authorityId, accountId: world.familyAccountId })
      lead = await signIn(t, world.superUser)
    })
    after(() => t.close())

    it('offers only what the family can see, in plain words, linked from the home page and the minutes', async () => {
      const home = load((await family.get(paths.family.episode(world.episodeId))).body)
      assert.equal(home(`a[href="${paths.recordHistory.familyDispute(world.episodeId)}"]`).length, 1, 'linked from the family’s home page')
      const meeting = load((await family.get(paths.family.meeting(world.episodeId, minutesMeetingId))).body)
      const link = meeting('a').filter((_i, element) => meeting(element).text().trim() === 'Disagree with these notes?')
      assert.equal(link.attr('href'), `${paths.recordHistory.familyDispute(world.episodeId)}?record=${encodeURIComponent(`meeting_minutes|${minutesMeetingId}`)}`)

      const response = await family.get(String(link.attr('href')))
      assert.equal(response.statusCode, 200)
      const $ = load(response.body)
      assert.equal($('h1').text().trim(), 'Tell us if you disagree with something we wrote')
      assert.match($('main').text(), /We will not change or delete what we wrote\./)
      assert.match($('main').text(), /disputed/)
      const values = $('input[name="record"]').map((_i, element) => $(element).attr('value')).get()
      assert.deepEqual(values.sort(), [`meeting_minutes|${minutesMeetingId}`, `case_notes|${noteId}`].sort(), 'circulated minutes and the family’s note only: no draft, no team note, no other family’s minutes')
      assert.equal($(`input[name="record"][value="meeting_minutes|${minutesMeetingId}"]`).attr('checked'), 'checked', 'the minutes chosen from the link')
      const labels = $('.govuk-radios__label').map((_i, element) => $(element).text().trim()).get()
      assert.ok(labels.some(label => /^Notes from the meeting on \d{1,2} \w+ \d{4}$/.test(label)), labels.join(' | '))
      assert.ok(labels.includes('A note from 3 March 2026: Home visit'), labels.join(' | '))
      assert.equal($('textarea[name="statement"]').length, 1)
      assert.equal($('.govuk-character-count').attr('data-maxlength'), '5000')
      assert.equal($('button').filter((_i, element) => $(element).text().trim() === 'Send').length, 1)
    })

    it('attaches the statement to circulated minutes: 303, the minutes unchanged, marked disputed for the team, the lead told', async () => {
      const outboxBefore = (await db().selectFrom('outbox').select(['id']).where('authorityId', '=', world.authorityId).execute()).length
      await family.get(paths.recordHistory.familyDispute(world.episodeId))
      const statement = 'I was coping. The mornings were hard because the bus was late.'
      const response = await family.post(paths.recordHistory.familyDispute(world.episodeId), { record: `meeting_minutes|${minutesMeetingId}`, statement })
      assert.equal(response.statusCode, 303)
      assert.equal(response.headers.location, `${paths.recordHistory.familyDispute(world.episodeId)}?sent=1`)

      const rows = await db().selectFrom('recordDisputes').selectAll().where('authorityId', '=', world.authorityId).execute()
      assert.equal(rows.length, 1)
      assert.equal(rows[0]?.tableName, 'meeting_minutes')
      assert.equal(rows[0]?.recordId, minutesMeetingId)
      assert.equal(rows[0]?.statement, statement)
      assert.equal(rows[0]?.byKind, 'family')
      assert.equal(rows[0]?.byFamilyAccountId, world.familyAccountId)
      const minutes = await db().selectFrom('meetingMinutes').select(['discussion', 'status']).where('meetingId', '=', minutesMeetingId).executeTakeFirstOrThrow()
      assert.equal(minutes.discussion, 'Mum was not coping with the mornings.', 'the minutes are never overwritten')
      assert.equal(minutes.status, 'circulated')
      const history = await db().selectFrom('recordHistory').select(['kind', 'changedByFamilyAccountId']).where('authorityId', '=', world.authorityId).where('recordId', '=', minutesMeetingId).where('kind', '=', 'disputed').execute()
      assert.equal(history.length, 1)
      assert.equal(history[0]?.changedByFamilyAccountId, world.familyAccountId)

      // The lead professional is told, with nothing of the record or the statement in the email.
      const emails = await db().selectFrom('outbox').select(['recipient', 'subject', 'bodyText']).where('authorityId', '=', world.authorityId).orderBy('createdAt', 'desc').execute()
      assert.equal(emails.length, outboxBefore + 1)
      const email = emails.find(item => item.recipient === world.superUser.email)
      assert.ok(email, 'an email to the lead professional')
      assert.match(email.bodyText, /A family member has added a statement disagreeing with a record on episode EH-/)
      assert.match(email.bodyText, /Sign in to see it/)
      assert.ok(!email.bodyText.includes('bus was late') && !email.subject.includes('bus was late'), 'no content of the statement in the email')
      assert.ok(!email.bodyText.includes('not coping'), 'no content of the record in the email')

      // Audited as the family's contribution to the episode.
      const audit = await db().selectFrom('auditEvents').select(['action', 'outcome']).where('authorityId', '=', world.authorityId).where('actorFamilyAccountId', '=', world.familyAccountId).where('action', '=', 'family.contribute').execute()
      assert.ok(audit.some(event => event.outcome === 'allowed'))

      // The confirmation, and what they told us before.
      const sent = load((await family.get(String(response.headers.location))).body)
      assert.match(sent('.govuk-notification-banner').text(), /We have added your words to the record\. Your lead professional has been told\./)
      assert.match(sent('main').text(), /What you have told us before/)
      assert.match(sent('main').text(), /bus was late/)

      // The team sees the marker and the statement, on the meeting page and the minutes page.
      for (const url of [paths.meetings.show(world.episodeId, minutesMeetingId), paths.meetings.minutes(world.episodeId, minutesMeetingId)]) {
        const page = await lead.get(url)
        assert.equal(page.statusCode, 200, url)
        const $ = load(page.body)
        assert.equal($('.onestory-disputed .govuk-tag').text().trim(), 'Disputed', url)
        const inset = $('.onestory-disputed .govuk-inset-text').text()
        assert.match(inset, /Statement from Disputon Parent, family, on \d{1,2} \w+ \d{4}/, url)
        assert.match(inset, /The mornings were hard because the bus was late\./, url)
        assert.match($('main').text(), /Mum was not coping with the mornings\./, `${url}: the minutes are still shown as written`)
      }
      // A meeting nobody disputed carries no marker.
      const undisputed = load((await lead.get(paths.meetings.minutes(world.episodeId, draftMeetingId))).body)
      assert.equal(undisputed('.onestory-disputed').length, 0)

      // The family's own minutes page shows what they said.
      const own = load((await family.get(paths.family.meeting(world.episodeId, minutesMeetingId))).body)
      assert.match(own('main').text(), /You told us you disagree with these notes/)
      assert.match(own('main').text(), /bus was late/)
    })

    it('marks a disputed case note on the team’s notes page, and an assessment element the family disagrees with', async () => {
      await family.get(paths.recordHistory.familyDispute(world.episodeId))
      const onNote = await family.post(paths.recordHistory.familyDispute(world.episodeId), { record: `case_notes|${noteId}`, statement: 'Dad was in hospital that day.' })
      assert.equal(onNote.statusCode, 303)
      const notes = load((await lead.get(paths.records.notes(world.episodeId))).body)
      const card = notes(`#note-${noteId}`)
      assert.equal(card.find('.onestory-disputed .govuk-tag').text().trim(), 'Disputed')
      assert.match(card.find('.govuk-inset-text').text(), /Statement from Disputon Parent, family, on/)
      assert.match(card.find('.govuk-inset-text').text(), /Dad was in hospital that day\./)
      assert.match(card.text(), /Dad missed the appointment\./, 'the note is unchanged')
      assert.equal(notes(`#note-${teamNoteId} .onestory-disputed`).length, 0)

      // Once the assessment is completed, its elements are the family's to disagree with.
      await db().updateTable('assessments').set({ status: 'completed' }).where('authorityId', '=', world.authorityId).where('id', '=', world.assessmentId).execute()
      const page = load((await family.get(paths.recordHistory.familyDispute(world.episodeId))).body)
      const elementValue = `assessment_elements|${world.assessmentId}:general-health:${world.episodeChildId}`
      const radio = page(`input[name="record"][value="${elementValue}"]`)
      assert.equal(radio.length, 1)
      assert.match(page(`label[for="${radio.attr('id')}"]`).text().trim(), /^What we wrote about Disputonchild Disputon: /)
      const onElement = await family.post(paths.recordHistory.familyDispute(world.episodeId), { record: elementValue, statement: 'Sam is healthy now.' })
      assert.equal(onElement.statusCode, 303)
      const element = load((await lead.get(paths.assessments.element(world.episodeId, 'general-health', world.episodeChildId))).body)
      assert.equal(element('.onestory-disputed .govuk-tag').text().trim(), 'Disputed')
      assert.match(element('.onestory-disputed').text(), /Sam is healthy now\./)
      await db().updateTable('assessments').set({ status: 'in_progress' }).where('authorityId', '=', world.authorityId).where('id', '=', world.assessmentId).execute()
    })

    it('refuses an empty statement, an unknown record, a draft, a team-only note and another episode’s minutes: 400, input kept, nothing stored', async () => {
      const before = await disputeCount()
      const url = paths.recordHistory.familyDispute(world.episodeId)
      await family.get(url)
      const empty = await family.post(url, { record: `meeting_minutes|${minutesMeetingId}`, statement: '   ' })
      assert.equal(empty.statusCode, 400)
      assert.deepEqual(errorSummary(empty.body), ['Write what you disagree with, and what you think is right.'])
      assert.equal(load(empty.body)(`input[name="record"][value="meeting_minutes|${minutesMeetingId}"]`).attr('checked'), 'checked', 'the choice is kept')

      const none = await family.post(url, { statement: 'Something is wrong.' })
      assert.equal(none.statusCode, 400)
      assert.deepEqual(errorSummary(none.body), ['Choose what you disagree with.'])
      assert.equal(load(none.body)('textarea[name="statement"]').text().trim(), 'Something is wrong.', 'the statement is kept')

      const tooLong = await family.post(url, { record: `meeting_minutes|${minutesMeetingId}`, statement: 'x'.repeat(5001) })
      assert.equal(tooLong.statusCode, 400)
      assert.deepEqual(errorSummary(tooLong.body), ['What you write must be 5,000 characters or fewer.'])

      for (const record of [`case_notes|${uuidv7()}`, `meeting_minutes|${draftMeetingId}`, `case_notes|${teamNoteId}`, `meeting_minutes|${otherEpisodeMeetingId}`, 'nonsense', `meeting_minutes|${minutesMeetingId}|x`]) {
        const response = await family.post(url, { record, statement: 'This is wrong.' })
        assert.equal(response.statusCode, 400, record)
        assert.deepEqual(errorSummary(response.body), ['Choose what you disagree with.'], record)
        assert.equal(load(response.body)('textarea[name="statement"]').text().trim(), 'This is wrong.', record)
      }
      const extra = await family.post(url, { record: `meeting_minutes|${minutesMeetingId}`, statement: 'Fine', byName: 'Someone else' })
      assert.equal(extra.statusCode, 400, 'an unexpected field is refused')
      const noCsrf = await family.post(url, { record: `meeting_minutes|${minutesMeetingId}`, statement: 'Fine' }, { csrf: false })
      assert.equal(noCsrf.statusCode, 403)
      assert.equal(await disputeCount(), before)
    })

    it('refuses another family and a practitioner, and stores nothing', async () => {
      const before = await disputeCount()
      const url = paths.recordHistory.familyDispute(world.episodeId)
      const neighbour = await signInFamily(t, { authorityId: world.authorityId, accountId: neighbourAccountId })
      await neighbour.get(paths.family.help())
      assert.equal((await neighbour.get(url)).statusCode, 403)
      const refused = await neighbour.post(url, { record: `meeting_minutes|${minutesMeetingId}`, statement: 'Taken over' })
      assert.equal(refused.statusCode, 403)
      assert.ok(!refused.body.includes('Mum was not coping'))
      const denied = await db().selectFrom('auditEvents').select(['action']).where('authorityId', '=', world.authorityId).where('actorFamilyAccountId', '=', neighbourAccountId).where('outcome', '=', 'denied').execute()
      assert.ok(denied.some(event => event.action === 'family.contribute'), 'the refused statement is audited')

      assert.equal((await family.get(paths.recordHistory.familyDispute('not-an-id'))).statusCode, 404)

      const practitionerGet = await lead.get(url)
      assert.equal(practitionerGet.statusCode, 303)
      assert.match(String(practitionerGet.headers.location), /^\/family\/sign-in/)
      const practitionerPost = await lead.post(url, { record: `meeting_minutes|${minutesMeetingId}`, statement: 'Taken over' })
      assert.equal(practitionerPost.statusCode, 303)
      assert.match(String(practitionerPost.headers.location), /^\/family\/sign-in/)
      assert.equal(await disputeCount(), before)
    })
  })
}
