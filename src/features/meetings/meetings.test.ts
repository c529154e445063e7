import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { sql } from 'kysely'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, errorSummary, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildUser, signIn, type TestUser } from '../../../test/helpers/builders.ts'
import { calendarPart, parseIcs, readable, startSmtp, type Received } from '../../../test/helpers/smtp.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { listMinutesOwedBy, listOverdueMinutes, listUpcomingMeetingsFor } from './meetings-due.ts'

const counts = { emails: 0, ics: 0 }

for (const kind of databaseKinds()) {
  describe(`team meetings (${kind})`, () => {
    let t: TestApp
    let smtp: Awaited<ReturnType<typeof startSmtp>>
    let authorityId: string
    let agencyId: string
    let lead: TestUser
    let colleague: TestUser
    let outsider: TestUser
    let admin: TestUser
    let leadBrowser: Browser
    let colleagueBrowser: Browser
    let episodeId: string
    let mumId: string
    let advocateId: string
    let meetingId: string
    let otherEpisodeId: string

    before(async () => {
      smtp = await startSmtp()
      t = await buildTestApp(kind, { env: { SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, MAIL_FROM: 'OneStory <no-reply@onestory.test>' } })
      // Monday 7 December 2026, 09:00 UK time: the meeting is on Wednesday 23 December, before Christmas.
      t.clock.advanceMinutes((new Date('2026-12-07T09:00:00Z').getTime() - t.clock.now().getTime()) / 60_000)
      const authority = await buildAuthority(t)
      authorityId = authority.id
      agencyId = (await buildAgency(t, authorityId, { name: 'Riverside Primary School' })).id
      lead = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [agencyId], name: 'Priya Lead' })
      colleague = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [agencyId], name: 'Colm Chair' })
      outsider = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [agencyId], name: 'Olu Outsider' })
      admin = await buildUser(t, authorityId, { roles: ['administrator'], name: 'Ada Admin' })
      episodeId = await buildEpisode(authorityId, [lead, colleague])
      const db = t.database.db
      mumId = uuidv7()
      advocateId = uuidv7()
      await db
        .insertInto('familyTeamMembers')
        .values([
          { authorityId, id: mumId, episodeId, personId: null, name: 'Łucja Nowak', kind: 'family_member', relationship: 'mother', organisation: null, email: 'lucja@example.org', phone: null, addedByUserId: lead.id, joinedAt: t.clock.now(), leftAt: null, leftReason: null },
          { authorityId, id: advocateId, episodeId, personId: null, name: 'Sam Advocate', kind: 'advocate', relationship: null, organisation: 'Parent Advice', email: null, phone: null, addedByUserId: lead.id, joinedAt: t.clock.now(), leftAt: null, leftReason: null },
        ])
        .execute()
      const other = await buildAuthority(t)
      const otherUser = await buildUser(t, other.id, { roles: ['practitioner'] })
      otherEpisodeId = await buildEpisode(other.id, [otherUser])
      leadBrowser = await signIn(t, lead)
      colleagueBrowser = await signIn(t, colleague)
    })
    after(async () => {
      await t.close()
      await smtp.stop()
      process.stdout.write(`# meetings (${kind}): ${counts.emails} emails received over SMTP and ${counts.ics} .ics files parsed and checked so far\n`)
    })

    async function buildEpisode(authority: string, members: TestUser[]): Promise<string> {
      const db = t.database.db
      const template = await db.selectFrom('assessmentTemplateVersions').select('id').where('authorityId', '=', authority).executeTakeFirstOrThrow()
      const childId = uuidv7()
      await db.insertInto('persons').values({ authorityId: authority, id: childId, givenNames: 'Maja', familyName: 'Nowak', searchName: 'maja nowak', createdByUserId: members[0]?.id ?? '' }).execute()
      const id = uuidv7()
      const now = t.clock.now()
      await db
        .insertInto('episodes')
        .values({ authorityId: authority, id, reference: `EH-2026-${id.slice(-6)}`, scope: 'child', householdId: null, localityId: null, agencyId: null, status: 'assessment', outcome: null, startedByUserId: members[0]?.id ?? '', startedAt: now, closedAt: null, templateVersionId: template.id })
        .execute()
      await db.insertInto('episodePeople').values({ authorityId: authority, episodeId: id, personId: childId, role: 'child' }).execute()
      for (const [index, member] of members.entries()) {
        await db.insertInto('episodeMembers').values({ authorityId: authority, episodeId: id, userId: member.id, agencyId: member.agencyIds[0] ?? null, role: index === 0 ? 'owner' : 'member', addedByUserId: members[0]?.id ?? null, joinedAt: now, leftAt: null }).execute()
      }
      return id
    }

    /** Moves the test clock to an instant; sessions would expire over days, so both practitioners sign in again. */
    async function travelTo(iso: string) {
      t.clock.advanceMinutes((new Date(iso).getTime() - t.clock.now().getTime()) / 60_000)
      leadBrowser = await signIn(t, lead)
      colleagueBrowser = await signIn(t, colleague)
    }

    async function deliver(): Promise<Received[]> {
      const before = smtp.received.length
      await t.app.services.outbox.sendDue()
      const fresh = smtp.received.slice(before)
      counts.emails += fresh.length
      return fresh
    }

    function calendarOf(message: Received) {
      const part = calendarPart(message.raw)
      assert.ok(part, 'the email carries a text/calendar attachment')
      counts.ics++
      return { ...part, ...parseIcs(part.text) }
    }

    const schedule = {
      purpose: 'first_team_meeting',
      'date-day': '23',
      'date-month': '12',
      'date-year': '2026',
      startTime: '10:00',
      endTime: '11:30',
      venueName: 'Riverside Family Hub',
      venueAddress: '12 Mill Lane\nRiverside',
      neutralVenue: 'yes',
      accessibilityNotes: 'Step-free entrance; hearing loop in room 2',
      remoteLink: 'https://meet.example.org/taf-123',
      chairUserId: '',
      minuteTakerUserId: '',
    }

    it('refuses a practitioner not on the team (audited), another authority’s episode, and a form without CSRF', async () => {
      const outsiderBrowser = await signIn(t, outsider)
      const refused = await outsiderBrowser.get(`/episodes/${episodeId}/meetings/new`)
      assert.equal(refused.statusCode, 403)
      const denied = await t.database.db.selectFrom('auditEvents').select('action').where('actorUserId', '=', outsider.id).where('outcome', '=', 'denied').execute()
      assert.ok(denied.some(event => event.action === 'meeting.manage'))
      const posted = await outsiderBrowser.post(`/episodes/${episodeId}/meetings/new`, {})
      assert.equal(posted.statusCode, 403)
      assert.equal((await leadBrowser.get(`/episodes/${otherEpisodeId}/meetings`)).statusCode, 404)
      assert.equal((await leadBrowser.get(`/episodes/${episodeId}/meetings/not-a-uuid`)).statusCode, 404)
      await leadBrowser.get(`/episodes/${episodeId}/meetings/new`)
      const noCsrf = await leadBrowser.post(`/episodes/${episodeId}/meetings/new`, { ...schedule, invitees: [`user:${lead.id}`] }, { csrf: false })
      assert.equal(noCsrf.statusCode, 403)
      assert.equal(Number((await sql<{ n: number }>`select count(*)::int as n from meetings`.execute(t.database.db)).rows[0]?.n), 0)
    })

    it('shows specific errors for a bad schedule form and keeps what was typed', async () => {
      const page = await leadBrowser.get(`/episodes/${episodeId}/meetings/new`)
      assert.equal(page.statusCode, 200)
      const $ = load(page.body)
      assert.equal($('input[name="invitees"]').length, 4)
      const bad = await leadBrowser.post(`/episodes/${episodeId}/meetings/new`, { ...schedule, 'date-day': '31', 'date-month': '2', startTime: '25:00', endTime: '09:00', venueName: '', remoteLink: 'javascript:alert(1)', invitees: [] })
      assert.equal(bad.statusCode, 400)
      const errors = errorSummary(bad.body)
      assert.ok(errors.includes('Date of the meeting must be a real date'), errors.join('|'))
      assert.ok(errors.includes('Enter the start time as hours and minutes, like 09:30 or 14:00'))
      assert.ok(errors.includes('Enter the remote link as a full web address starting with https://'))
      assert.ok(errors.includes('Select who to invite'))
      assert.equal(load(bad.body)('#accessibilityNotes').text(), schedule.accessibilityNotes)
      const past = await leadBrowser.post(`/episodes/${episodeId}/meetings/new`, { ...schedule, 'date-day': '1', invitees: [`user:${lead.id}`] })
      assert.equal(past.statusCode, 400)
      assert.ok(errorSummary(past.body).includes('The meeting must start in the future'))
      const stranger = await leadBrowser.post(`/episodes/${episodeId}/meetings/new`, { ...schedule, invitees: [`user:${outsider.id}`] })
      assert.equal(stranger.statusCode, 400)
      assert.ok(errorSummary(stranger.body).includes('Invite only people who are on the team now'))
    })

    it('schedules a meeting and emails each invitee with an address an RFC 5545 invitation, received by a real SMTP server', async () => {
      const response = await leadBrowser.post(`/episodes/${episodeId}/meetings/new`, { ...schedule, chairUserId: colleague.id, invitees: [`user:${lead.id}`, `user:${colleague.id}`, `family:${mumId}`, `family:${advocateId}`] })
      assert.equal(response.statusCode, 303, response.body)
      const location = String(response.headers.location)
      meetingId = location.split('/')[4]?.split('?')[0] ?? ''
      const meeting = await t.database.db.selectFrom('meetings').selectAll().where('id', '=', meetingId).executeTakeFirstOrThrow()
      assert.equal(meeting.startsAt.toISOString(), '2026-12-23T10:00:00.000Z')
      assert.equal(meeting.neutralVenue, true)
      assert.equal(meeting.icsSequence, 0)
      assert.equal(meeting.chairUserId, colleague.id)
      const minutes = await t.database.db.selectFrom('meetingMinutes').selectAll().where('meetingId', '=', meetingId).executeTakeFirstOrThrow()
      // Wednesday 23 December + 5 working days: 24, (25 Christmas, 28 Boxing Day substitute), 29, 30, 31, (1 January), 4 January.
      assert.equal(String(minutes.dueOn), '2027-01-04')
      const invitees = await t.database.db.selectFrom('meetingInvitees').selectAll().where('meetingId', '=', meetingId).execute()
      assert.equal(invitees.length, 4)
      const outbox = await t.database.db.selectFrom('outbox').innerJoin('outboxAttachments', 'outboxAttachments.outboxId', 'outbox.id').select(['outbox.recipient', 'outboxAttachments.fileName', 'outboxAttachments.contentType']).execute()
      assert.deepEqual(outbox.map(row => row.recipient).sort(), [colleague.email, lead.email, 'lucja@example.org'].sort())
      assert.ok(outbox.every(row => row.contentType === 'text/calendar; method=REQUEST; charset=UTF-8' && row.fileName === 'meeting.ics'))

      const delivered = await deliver()
      assert.equal(delivered.length, 3)
      let uid = ''
      for (const message of delivered) {
        const calendar = calendarOf(message)
        assert.match(calendar.contentType, /method=REQUEST/)
        assert.equal(calendar.fileName, 'meeting.ics')
        assert.equal(calendar.method, 'REQUEST')
        assert.equal(calendar.event.sequence, 0)
        assert.equal(calendar.event.startDate.toJSDate().toISOString(), '2026-12-23T10:00:00.000Z')
        assert.equal(calendar.event.endDate.toJSDate().toISOString(), '2026-12-23T11:30:00.000Z')
        assert.equal(calendar.event.location, 'Riverside Family Hub, 12 Mill Lane, Riverside')
        assert.match(calendar.event.description, /Join online: https:\/\/meet\.example\.org\/taf-123/)
        assert.match(calendar.event.description, /Step-free entrance; hearing loop/)
        assert.equal(calendar.status, 'CONFIRMED')
        assert.ok(calendar.dtstamp)
        assert.equal(calendar.event.attendees.length, 1)
        assert.equal(String(calendar.event.attendees[0]?.getFirstValue()), `mailto:${message.to[0]}`)
        assert.doesNotMatch(calendar.text, /Maja/, 'the child’s name is not in the calendar file')
        uid ||= calendar.event.uid
        assert.equal(calendar.event.uid, meeting.icsUid)
      }
      const toMum = delivered.find(message => message.to.includes('lucja@example.org'))
      assert.ok(toMum)
      assert.match(readable(toMum.raw), /tell your lead professional/)
      assert.match(readable(toMum.raw), /Subject: Invitation: team around the family meeting on Wednesday 23 December 2026/)

      const page = await leadBrowser.get(location)
      const $ = load(page.body)
      assert.match($('.govuk-notification-banner').text(), /The meeting has been scheduled/)
      assert.match($('.govuk-summary-list').text(), /Yes: a neutral place for the family/)
      assert.match($('table').text(), /No email address: tell them another way/)
      const upcoming = await listUpcomingMeetingsFor(t.database.db, authorityId, lead.id, t.clock.now(), 30)
      assert.deepEqual(upcoming.map(item => item.meetingId), [meetingId])
      assert.deepEqual(await listUpcomingMeetingsFor(t.database.db, authorityId, outsider.id, t.clock.now(), 30), [])
    })

    it('adds agenda items before the meeting, the family’s marked as theirs', async () => {
      await leadBrowser.get(`/episodes/${episodeId}/meetings/${meetingId}`)
      const empty = await leadBrowser.post(`/episodes/${episodeId}/meetings/${meetingId}/agenda`, { text: '', raisedBy: 'me' })
      assert.equal(empty.statusCode, 400)
      assert.deepEqual(errorSummary(empty.body), ['Enter the agenda item'])
      assert.equal((await leadBrowser.post(`/episodes/${episodeId}/meetings/${meetingId}/agenda`, { text: 'School attendance since October', raisedBy: 'me' })).statusCode, 303)
      assert.equal((await leadBrowser.post(`/episodes/${episodeId}/meetings/${meetingId}/agenda`, { text: 'Help with the housing letter', raisedBy: `family:${mumId}` })).statusCode, 303)
      const page = await colleagueBrowser.get(`/episodes/${episodeId}/meetings/${meetingId}`)
      const items = load(page.body)('ol.govuk-list li')
        .map((_index, element) => load(element).text())
        .get()
      assert.equal(items.length, 2)
      const family = items.find(item => item.includes('Help with the housing letter')) ?? ''
      const own = items.find(item => item.includes('School attendance')) ?? ''
      assert.match(family, /From Łucja Nowak[\s\S]*The family’s item/)
      assert.match(own, /From Priya Lead/)
      assert.doesNotMatch(own, /The family’s item/)
      const row = await t.database.db.selectFrom('agendaItems').selectAll().where('meetingId', '=', meetingId).where('text', '=', 'Help with the housing letter').executeTakeFirstOrThrow()
      assert.equal(row.addedByFamilyTeamMemberId, mumId)
      assert.equal(row.addedByUserId, null)
    })

    it('changes the meeting: same UID, SEQUENCE 1 to those still invited, a CANCEL to anyone taken off; a stale form shows both versions', async () => {
      const form = await leadBrowser.get(`/episodes/${episodeId}/meetings/${meetingId}/edit`)
      const version = load(form.body)('input[name="version"]').attr('value') ?? ''
      assert.equal(version, '1')
      const changed = await leadBrowser.post(`/episodes/${episodeId}/meetings/${meetingId}/edit`, { ...schedule, startTime: '14:00', endTime: '15:00', chairUserId: colleague.id, minuteTakerUserId: lead.id, invitees: [`user:${lead.id}`, `user:${colleague.id}`, `family:${advocateId}`], version })
      assert.equal(changed.statusCode, 303, changed.body)
      const delivered = await deliver()
      assert.equal(delivered.length, 3)
      const meeting = await t.database.db.selectFrom('meetings').selectAll().where('id', '=', meetingId).executeTakeFirstOrThrow()
      assert.equal(meeting.icsSequence, 1)
      for (const message of delivered) {
        const calendar = calendarOf(message)
        assert.equal(calendar.event.uid, meeting.icsUid)
        assert.equal(calendar.event.sequence, 1)
        if (message.to.includes('lucja@example.org')) {
          assert.equal(calendar.method, 'CANCEL')
          assert.equal(calendar.status, 'CANCELLED')
          assert.match(calendar.contentType, /method=CANCEL/)
        } else {
          assert.equal(calendar.method, 'REQUEST')
          assert.equal(calendar.event.startDate.toJSDate().toISOString(), '2026-12-23T14:00:00.000Z')
          assert.match(readable(message.raw), /Subject: Changed: team around the family meeting/)
        }
      }
      const stale = await leadBrowser.post(`/episodes/${episodeId}/meetings/${meetingId}/edit`, { ...schedule, startTime: '16:00', endTime: '17:00', invitees: [`user:${lead.id}`], version })
      assert.equal(stale.statusCode, 409)
      assert.match(errorSummary(stale.body)[0] ?? '', /Someone else changed this meeting after you opened the form/)
      const $ = load(stale.body)
      assert.match($('.govuk-inset-text').text(), /What is saved now[\s\S]*14:00 to 15:00/)
      assert.equal($('#startTime').val(), '16:00')
      // Put the family back for the rest of the story.
      const again = await leadBrowser.post(`/episodes/${episodeId}/meetings/${meetingId}/edit`, { ...schedule, startTime: '14:00', endTime: '15:00', chairUserId: colleague.id, minuteTakerUserId: lead.id, invitees: [`user:${lead.id}`, `user:${colleague.id}`, `family:${mumId}`, `family:${advocateId}`], version: '2' })
      assert.equal(again.statusCode, 303)
      const reinvited = await deliver()
      assert.equal(reinvited.length, 3)
      for (const message of reinvited) assert.equal(calendarOf(message).event.sequence, 2)
    })

    it('cancels a meeting with METHOD:CANCEL and STATUS:CANCELLED to everyone invited', async () => {
      await leadBrowser.get(`/episodes/${episodeId}/meetings/new`)
      const created = await leadBrowser.post(`/episodes/${episodeId}/meetings/new`, { ...schedule, 'date-day': '18', invitees: [`user:${lead.id}`, `family:${mumId}`] })
      assert.equal(created.statusCode, 303)
      const id = String(created.headers.location).split('/')[4]?.split('?')[0] ?? ''
      const invitations = await deliver()
      assert.equal(invitations.length, 2)
      for (const message of invitations) calendarOf(message)
      const form = await leadBrowser.get(`/episodes/${episodeId}/meetings/${id}/cancel`)
      const version = load(form.body)('input[name="version"]').attr('value') ?? ''
      const blank = await leadBrowser.post(`/episodes/${episodeId}/meetings/${id}/cancel`, { reason: '', version })
      assert.equal(blank.statusCode, 400)
      assert.deepEqual(errorSummary(blank.body), ['Enter why the meeting is cancelled'])
      assert.equal((await leadBrowser.post(`/episodes/${episodeId}/meetings/${id}/cancel`, { reason: 'The school is closed for snow', version })).statusCode, 303)
      const cancellations = await deliver()
      assert.equal(cancellations.length, 2)
      const uid = (await t.database.db.selectFrom('meetings').select('icsUid').where('id', '=', id).executeTakeFirstOrThrow()).icsUid
      for (const message of cancellations) {
        const calendar = calendarOf(message)
        assert.equal(calendar.method, 'CANCEL')
        assert.equal(calendar.status, 'CANCELLED')
        assert.equal(calendar.event.uid, uid)
        assert.equal(calendar.event.sequence, 1)
        assert.match(readable(message.raw), /The school is closed for snow/)
      }
      const list = await leadBrowser.get(`/episodes/${episodeId}/meetings`)
      assert.match(load(list.body)('table').text(), /Cancelled/)
    })

    it('moves minutes due dates when an administrator adds a bank holiday (and only administrators may)', async () => {
      assert.equal((await leadBrowser.get('/admin/bank-holidays')).statusCode, 403)
      const adminBrowser = await signIn(t, admin)
      const page = await adminBrowser.get('/admin/bank-holidays')
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /28 December 2026: Boxing Day \(substitute day\)/)
      const duplicate = await adminBrowser.post('/admin/bank-holidays', { 'holidayOn-day': '25', 'holidayOn-month': '12', 'holidayOn-year': '2026', title: 'Christmas' })
      assert.equal(duplicate.statusCode, 400)
      assert.deepEqual(errorSummary(duplicate.body), ['That date is already a bank holiday in the published list'])
      const added = await adminBrowser.post('/admin/bank-holidays', { 'holidayOn-day': '30', 'holidayOn-month': '12', 'holidayOn-year': '2026', title: 'Extra holiday' })
      assert.equal(added.statusCode, 303)
      const minutes = await t.database.db.selectFrom('meetingMinutes').select('dueOn').where('meetingId', '=', meetingId).executeTakeFirstOrThrow()
      assert.equal(String(minutes.dueOn), '2027-01-05')
      const audit = await t.database.db.selectFrom('auditEvents').select('details').where('action', '=', 'bank-holiday.manage').where('outcome', '=', 'allowed').execute()
      assert.ok(audit.some(event => /"minutesDueDatesMoved":1/.test(JSON.stringify(event.details))), JSON.stringify(audit))
    })

    it('records attendance, drafts minutes with a new action into the plan, and the chair approves and circulates them', async () => {
      // After the meeting: Wednesday 23 December 2026, 15:30.
      await travelTo('2026-12-23T15:30:00Z')
      const form = await leadBrowser.get(`/episodes/${episodeId}/meetings/${meetingId}/attendance`)
      assert.equal(form.statusCode, 200)
      const $form = load(form.body)
      const version = $form('input[name="version"]').attr('value') ?? ''
      const invitees = await t.database.db.selectFrom('meetingInvitees').select(['id', 'userId', 'familyTeamMemberId']).where('meetingId', '=', meetingId).where('removedAt', 'is', null).execute()
      assert.equal(invitees.length, 4)
      const fields: Record<string, string> = { chairUserId: colleague.id, minuteTakerUserId: lead.id, version }
      for (const invitee of invitees) fields[`attendance-${invitee.id}`] = invitee.familyTeamMemberId === advocateId ? 'apologies' : 'attended'
      const missing = await leadBrowser.post(`/episodes/${episodeId}/meetings/${meetingId}/attendance`, { ...fields, [`attendance-${invitees[0]?.id}`]: '' })
      assert.equal(missing.statusCode, 400)
      assert.deepEqual(errorSummary(missing.body), ['Select whether they attended, sent apologies or did not attend'])
      assert.equal((await leadBrowser.post(`/episodes/${episodeId}/meetings/${meetingId}/attendance`, fields)).statusCode, 303)
      const meeting = await t.database.db.selectFrom('meetings').selectAll().where('id', '=', meetingId).executeTakeFirstOrThrow()
      assert.equal(meeting.status, 'held')
      assert.equal(meeting.minuteTakerUserId, lead.id)

      const minutesPage = await leadBrowser.get(`/episodes/${episodeId}/meetings/${meetingId}/minutes`)
      const minutesVersion = load(minutesPage.body)('input[name="version"]').attr('value') ?? ''
      assert.equal((await leadBrowser.post(`/episodes/${episodeId}/meetings/${meetingId}/minutes`, { discussion: 'Maja is going to school most days.', decisions: 'Housing letter to go this week.', familyViews: 'Łucja said the mornings are easier now.', intent: 'save', version: minutesVersion })).statusCode, 303)
      const staleMinutes = await leadBrowser.post(`/episodes/${episodeId}/meetings/${meetingId}/minutes`, { discussion: 'Overwritten', decisions: '', familyViews: '', intent: 'save', version: minutesVersion })
      assert.equal(staleMinutes.statusCode, 409)
      assert.match(load(staleMinutes.body)('.govuk-inset-text').text(), /Maja is going to school most days/)

      const badAction = await leadBrowser.post(`/episodes/${episodeId}/meetings/${meetingId}/minutes/actions`, { what: 'Write to the housing office', owner: `user:${outsider.id}`, 'dueOn-day': '8', 'dueOn-month': '1', 'dueOn-year': '2027' })
      assert.equal(badAction.statusCode, 400)
      assert.deepEqual(errorSummary(badAction.body), ['Select who will do it from the team'])
      for (const [what, owner] of [
        ['Write to the housing office', `user:${colleague.id}`],
        ['Bring the school letters to the next meeting', `family:${mumId}`],
      ] as const) {
        const added = await leadBrowser.post(`/episodes/${episodeId}/meetings/${meetingId}/minutes/actions`, { what, owner, 'dueOn-day': '8', 'dueOn-month': '1', 'dueOn-year': '2027' })
        assert.equal(added.statusCode, 303, added.body)
      }
      const actions = await t.database.db.selectFrom('planActions').selectAll().where('sourceMeetingId', '=', meetingId).orderBy('createdAt').execute()
      assert.deepEqual(actions.map(action => [action.what, action.ownerKind, action.ownerName, String(action.dueOn), action.episodeId]), [
        ['Write to the housing office', 'practitioner', 'Colm Chair', '2027-01-08', episodeId],
        ['Bring the school letters to the next meeting', 'family_member', 'Łucja Nowak', '2027-01-08', episodeId],
      ])

      const current = await leadBrowser.get(`/episodes/${episodeId}/meetings/${meetingId}/minutes`)
      const currentVersion = load(current.body)('input[name="version"]').attr('value') ?? ''
      assert.equal((await leadBrowser.post(`/episodes/${episodeId}/meetings/${meetingId}/minutes`, { discussion: 'Maja is going to school most days.', decisions: 'Housing letter to go this week.', familyViews: 'Łucja said the mornings are easier now.', intent: 'submit', version: currentVersion })).statusCode, 303)
      const owedByChair = await listMinutesOwedBy(t.database.db, authorityId, colleague.id, t.clock.now())
      assert.deepEqual(owedByChair.map(item => [item.meetingId, item.owedAs]), [[meetingId, 'chair']])

      // The minute-taker is not the chair: the approval page says who is.
      const notChair = await leadBrowser.get(`/episodes/${episodeId}/meetings/${meetingId}/minutes/approval`)
      assert.match(load(notChair.body)('main').text(), /Only the chair, Colm Chair, can approve these minutes/)
      await leadBrowser.get(`/episodes/${episodeId}/meetings/${meetingId}`)
      const refused = await leadBrowser.post(`/episodes/${episodeId}/meetings/${meetingId}/minutes/approval`, { intent: 'approve', version: String(Number(currentVersion) + 1) })
      assert.equal(refused.statusCode, 400)

      const approval = await colleagueBrowser.get(`/episodes/${episodeId}/meetings/${meetingId}/minutes/approval`)
      const approvalVersion = load(approval.body)('input[name="version"]').attr('value') ?? ''
      assert.equal((await colleagueBrowser.post(`/episodes/${episodeId}/meetings/${meetingId}/minutes/approval`, { intent: 'approve', version: approvalVersion })).statusCode, 303)
      const minutes = await t.database.db.selectFrom('meetingMinutes').selectAll().where('meetingId', '=', meetingId).executeTakeFirstOrThrow()
      assert.equal(minutes.status, 'circulated')
      assert.equal(minutes.approvedByUserId, colleague.id)
      assert.ok(minutes.circulatedAt)
      const circulated = await deliver()
      assert.deepEqual(circulated.map(message => message.to[0]).sort(), [colleague.email, lead.email, 'lucja@example.org'].sort())
      for (const message of circulated) {
        assert.match(readable(message.raw), /Subject: Minutes of /)
        assert.doesNotMatch(readable(message.raw), /Maja|going to school/, 'the email does not carry the minutes or the child’s name')
      }
      const page = await leadBrowser.get(`/episodes/${episodeId}/meetings/${meetingId}`)
      const text = load(page.body)('main').text()
      assert.match(text, /Circulated/)
      assert.match(text, /Write to the housing office: Colm Chair, by 8 January 2027/)
    })

    it('lists overdue minutes and says so as the family reads it', async () => {
      // A second meeting whose minutes never come: Monday 4 January 2027, due (5 working days) Monday 11 January.
      await travelTo('2026-12-29T09:00:00Z')
      await leadBrowser.get(`/episodes/${episodeId}/meetings/new`)
      const created = await leadBrowser.post(`/episodes/${episodeId}/meetings/new`, { ...schedule, purpose: 'team_meeting', 'date-day': '4', 'date-month': '1', 'date-year': '2027', minuteTakerUserId: lead.id, invitees: [`user:${lead.id}`, `user:${colleague.id}`] })
      assert.equal(created.statusCode, 303)
      const lateId = String(created.headers.location).split('/')[4]?.split('?')[0] ?? ''
      await deliver()
      const due = await t.database.db.selectFrom('meetingMinutes').select('dueOn').where('meetingId', '=', lateId).executeTakeFirstOrThrow()
      assert.equal(String(due.dueOn), '2027-01-11')
      assert.deepEqual(await listOverdueMinutes(t.database.db, authorityId, '2027-01-11'), [])
      const overdue = await listOverdueMinutes(t.database.db, authorityId, '2027-01-12')
      assert.deepEqual(overdue.map(item => item.meetingId), [lateId])
      assert.equal(overdue[0]?.message, 'The minutes of 4 January are late. They were due on 11 January.')
      const owed = await listMinutesOwedBy(t.database.db, authorityId, lead.id, '2027-01-12')
      assert.deepEqual(owed.map(item => [item.meetingId, item.owedAs, item.overdue]), [[lateId, 'minute_taker', true]])
      assert.deepEqual(await listMinutesOwedBy(t.database.db, authorityId, outsider.id, '2027-01-12'), [])
      await travelTo('2027-01-12T09:00:00Z')
      const list = await leadBrowser.get(`/episodes/${episodeId}/meetings`)
      assert.match(load(list.body)('.govuk-warning-text').text(), /The minutes of 4 January are late\. They were due on 11 January\./)
      const show = await leadBrowser.get(`/episodes/${episodeId}/meetings/${lateId}`)
      assert.match(load(show.body)('.govuk-warning-text').text(), /The minutes of 4 January are late/)
      // The family's copy of the plan tells them too, in the same words.
      const copy = await leadBrowser.get(`/episodes/${episodeId}/plan/family-copy`)
      assert.equal(copy.statusCode, 200)
      const $ = load(copy.body)
      const waiting = $('h2').filter((_i, h2) => $(h2).text() === 'Minutes you are waiting for').nextAll('ul').first().text()
      assert.match(waiting, /The minutes of 4 January are late\. They were due on 11 January\./)
    })

    it('works through the API: list, schedule, attendance and minutes with actions into the plan; refuses outsiders', async () => {
      let headers = { cookie: [...leadBrowser.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-csrf-token': leadBrowser.csrfToken, 'content-type': 'application/json' }
      const list = await t.app.inject({ method: 'GET', url: `/api/v1/episodes/${episodeId}/meetings`, headers })
      assert.equal(list.statusCode, 200, list.body)
      assert.equal(list.json().items.length, 3)
      const bad = await t.app.inject({ method: 'POST', url: `/api/v1/episodes/${episodeId}/meetings`, headers, payload: JSON.stringify({ purpose: 'team_meeting', date: '2027-02-30', startTime: '10:00', endTime: '09:00' }) })
      assert.equal(bad.statusCode, 400)
      const created = await t.app.inject({
        method: 'POST',
        url: `/api/v1/episodes/${episodeId}/meetings`,
        headers,
        payload: JSON.stringify({ purpose: 'review', date: '2027-02-03', startTime: '10:00', endTime: '11:00', remoteLink: 'https://meet.example.org/review', inviteeUserIds: [lead.id, colleague.id], inviteeFamilyTeamMemberIds: [mumId] }),
      })
      assert.equal(created.statusCode, 201, created.body)
      const meeting = created.json()
      assert.equal(meeting.calendar.sequence, 0)
      assert.equal(meeting.startsAt, '2027-02-03T10:00:00.000Z')
      const invitations = await deliver()
      assert.equal(invitations.length, 3)
      for (const message of invitations) assert.equal(calendarOf(message).event.location, 'Online')
      await travelTo('2027-02-03T11:00:00Z')
      await leadBrowser.get('/')
      headers = { cookie: [...leadBrowser.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-csrf-token': leadBrowser.csrfToken, 'content-type': 'application/json' }
      const attendance = await t.app.inject({
        method: 'POST',
        url: `/api/v1/episodes/${episodeId}/meetings/${meeting.id}/attendance`,
        headers,
        payload: JSON.stringify({ attendance: meeting.invitees.map((invitee: { id: string }) => ({ inviteeId: invitee.id, attendance: 'attended' })), chairUserId: lead.id, minuteTakerUserId: lead.id }),
      })
      assert.equal(attendance.statusCode, 200, attendance.body)
      assert.equal(attendance.json().status, 'held')
      const minutes = await t.app.inject({
        method: 'POST',
        url: `/api/v1/episodes/${episodeId}/meetings/${meeting.id}/minutes`,
        headers,
        payload: JSON.stringify({ discussion: 'Progress reviewed.', decisions: 'Carry on.', submitForApproval: true, actions: [{ what: 'Book the next review', ownerUserId: lead.id, dueOn: '2027-03-01' }] }),
      })
      assert.equal(minutes.statusCode, 200, minutes.body)
      assert.equal(minutes.json().minutes.status, 'awaiting_approval')
      const fromApi = await t.database.db.selectFrom('planActions').select('what').where('sourceMeetingId', '=', meeting.id).execute()
      assert.deepEqual(fromApi.map(row => row.what), ['Book the next review'])

      const outsiderBrowser = await signIn(t, outsider)
      const outsiderHeaders = { cookie: [...outsiderBrowser.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-csrf-token': outsiderBrowser.csrfToken, 'content-type': 'application/json' }
      assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/episodes/${episodeId}/meetings`, headers: outsiderHeaders })).statusCode, 403)
      assert.equal((await t.app.inject({ method: 'POST', url: `/api/v1/episodes/${episodeId}/meetings/${meeting.id}/minutes`, headers: outsiderHeaders, payload: '{}' })).statusCode, 403)
      assert.equal((await t.app.inject({ method: 'GET', url: `/api/v1/episodes/${otherEpisodeId}/meetings`, headers })).statusCode, 404)
    })

    it('keeps a closed episode’s meetings read-only', async () => {
      await t.database.db.updateTable('episodes').set({ status: 'closed', closedAt: t.clock.now() }).where('id', '=', episodeId).execute()
      const page = await leadBrowser.get(`/episodes/${episodeId}/meetings`)
      assert.equal(page.statusCode, 200)
      assert.equal(load(page.body)('a.govuk-button').length, 0, 'no schedule button')
      const refused = await leadBrowser.post(`/episodes/${episodeId}/meetings/${meetingId}/agenda`, { text: 'Anything else', raisedBy: 'me' })
      assert.equal(refused.statusCode, 400)
      assert.deepEqual(errorSummary(refused.body), ['This episode is closed. Its meetings can be read but not changed.'])
      await t.database.db.updateTable('episodes').set({ status: 'assessment', closedAt: null }).where('id', '=', episodeId).execute()
    })
  })
}
