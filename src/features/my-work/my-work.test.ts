import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { sql } from 'kysely'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { buildTestApp, type Browser, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildUser, signIn, type TestUser } from '../../../test/helpers/builders.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { insertPlanAction } from '../plans/plan-actions.ts'

const DAY = 86_400_000

/** The date `days` from `now`, as the database stores dates. */
function dayFrom(now: Date, days: number): string {
  return new Date(now.getTime() + days * DAY).toISOString().slice(0, 10)
}

/** The home page's "your work" sections: heading → the text of each item. */
function workSections(html: string): Map<string, string[]> {
  const $ = load(html)
  const sections = new Map<string, string[]>()
  $('section[aria-labelledby="my-work-heading"] h3').each((_i, element) => {
    const items = $(element).nextAll('ul').first().find('li').map((_j, li) => $(li).text().replace(/\s+/g, ' ').trim()).get()
    sections.set($(element).text().trim(), items)
  })
  return sections
}

for (const kind of databaseKinds()) {
  describe(`my work and the coordinator's dashboard (${kind})`, () => {
    let t: TestApp
    let authorityId: string
    let agencyId: string
    let lead: TestUser
    let colleague: TestUser
    let coordinator: TestUser
    let leadBrowser: Browser
    const episodes: Record<'mine' | 'noLead' | 'left' | 'closed', string> = { mine: '', noLead: '', left: '', closed: '' }

    async function episode(reference: string, owner: TestUser, status: 'support' | 'closed', startedDaysAgo: number) {
      const id = uuidv7()
      const startedAt = new Date(t.clock.now().getTime() - startedDaysAgo * DAY)
      await t.database.db
        .insertInto('episodes')
        .values({ authorityId, id, reference, scope: 'child', householdId: null, localityId: null, agencyId, status, outcome: null, startedByUserId: owner.id, startedAt, closedAt: status === 'closed' ? t.clock.now() : null, templateVersionId: null })
        .execute()
      await t.database.db.insertInto('episodeMembers').values({ authorityId, episodeId: id, userId: owner.id, agencyId, role: 'owner', addedByUserId: owner.id, joinedAt: startedAt, leftAt: null }).execute()
      return id
    }

    async function meeting(episodeId: string, startsDaysFromNow: number, minutes: { dueDaysFromNow: number; status: 'draft' | 'circulated' } | null) {
      const id = uuidv7()
      const startsAt = new Date(t.clock.now().getTime() + startsDaysFromNow * DAY)
      const db = t.database.db
      await db
        .insertInto('meetings')
        .values({ authorityId, id, episodeId, purpose: 'team_meeting', startsAt, endsAt: new Date(startsAt.getTime() + 3_600_000), venueName: 'Riverside Family Hub', venueAddress: null, accessibilityNotes: null, remoteLink: null, status: minutes ? 'held' : 'scheduled', icsUid: `${id}@test`, chairUserId: lead.id, minuteTakerUserId: lead.id, scheduledByUserId: lead.id, createdAt: t.clock.now() })
        .execute()
      await db.insertInto('meetingInvitees').values({ authorityId, id: uuidv7(), meetingId: id, userId: lead.id, familyTeamMemberId: null, name: 'Lead', email: lead.email, attendance: null, invitedAt: t.clock.now() }).execute()
      if (minutes) {
        await db.insertInto('meetingMinutes').values({ authorityId, meetingId: id, status: minutes.status, dueOn: dayFrom(t.clock.now(), minutes.dueDaysFromNow), updatedAt: t.clock.now() }).execute()
      }
      return id
    }

    before(async () => {
      t = await buildTestApp(kind)
      const authority = await buildAuthority(t)
      authorityId = authority.id
      agencyId = (await buildAgency(t, authorityId, { name: 'Riverside Primary School' })).id
      lead = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [agencyId], name: 'Lena Lead' })
      colleague = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [agencyId], name: 'Colin Colleague' })
      coordinator = await buildUser(t, authorityId, { roles: ['coordinator'], agencyIds: [agencyId], name: 'Cora Coordinator' })
      const now = t.clock.now()
      const db = t.database.db

      // The episode Lena leads: an overdue action, an action due later, minutes overdue, a meeting next week, a review overdue.
      episodes.mine = await episode('EH-MINE-1', lead, 'support', 90)
      await db.insertInto('leadProfessionals').values({ authorityId, id: uuidv7(), episodeId: episodes.mine, scope: 'whole_family', userId: lead.id, agencyId, appointedVia: 'team_meeting', meetingId: null, familyPreference: null, appointedByUserId: lead.id, startedAt: new Date(now.getTime() - 80 * DAY) }).execute()
      await db.updateTable('episodes').set({ nextReviewOn: dayFrom(now, -3) }).where('id', '=', episodes.mine).execute()
      const base = { authorityId, episodeId: episodes.mine, ownerKind: 'practitioner' as const, ownerUserId: lead.id, ownerName: 'Lena Lead', createdByUserId: lead.id, createdByName: 'Lena Lead', at: now }
      await insertPlanAction(db, { ...base, what: 'Refer Alfie to the school nurse', dueOn: dayFrom(now, -2) })
      await insertPlanAction(db, { ...base, what: 'Arrange a home visit', dueOn: dayFrom(now, 5) })
      await insertPlanAction(db, { ...base, what: 'Book the summer scheme', dueOn: dayFrom(now, 40) })
      await insertPlanAction(db, { ...base, ownerUserId: colleague.id, ownerName: 'Colin Colleague', what: 'Colleague’s action', dueOn: dayFrom(now, 1) })
      await meeting(episodes.mine, -10, { dueDaysFromNow: -3, status: 'draft' })
      await meeting(episodes.mine, -30, { dueDaysFromNow: -23, status: 'circulated' })
      await meeting(episodes.mine, 6, null)
      await meeting(episodes.mine, 30, null)

      // An episode in support Lena is on with no lead professional, for 20 days.
      episodes.noLead = await episode('EH-NOLEAD-2', lead, 'support', 20)
      // An episode Lena has left: its action no longer shows.
      episodes.left = await episode('EH-LEFT-3', lead, 'support', 60)
      await insertPlanAction(db, { ...base, episodeId: episodes.left, what: 'Action on an episode I left', dueOn: dayFrom(now, 1) })
      await db.updateTable('episodeMembers').set({ leftAt: now }).where('episodeId', '=', episodes.left).where('userId', '=', lead.id).execute()
      // A closed episode: nothing from it shows.
      episodes.closed = await episode('EH-CLOSED-4', lead, 'closed', 200)
      await insertPlanAction(db, { ...base, episodeId: episodes.closed, what: 'Action on a closed episode', dueOn: dayFrom(now, 1) })

      // Colin asks Lena to hand over; he also asked her to contribute to an assessment.
      const contributorEpisode = await episode('EH-CONTRIB-5', colleague, 'support', 10)
      await db.insertInto('episodeMembers').values({ authorityId, episodeId: contributorEpisode, userId: lead.id, agencyId, role: 'contributor', addedByUserId: colleague.id, joinedAt: now, leftAt: null }).execute()
      const template = await db.selectFrom('assessmentTemplateVersions').select('id').where('authorityId', '=', authorityId).executeTakeFirstOrThrow()
      const assessmentId = uuidv7()
      await db.insertInto('assessments').values({ authorityId, id: assessmentId, episodeId: contributorEpisode, templateVersionId: template.id, status: 'in_progress', assessorUserId: colleague.id, assessorAgencyId: agencyId, explainedAt: null, explanationNotes: null, discussionDate: null, reason: null, present: null, conclusions: null, familyAgreement: null, differencesOfOpinion: null, solutions: null, familyCanDo: null, agreedActions: null, reviewDate: null, outcome: null, completionDate: null, signedOffByUserId: null, signedOffAt: null, approvedByUserId: null, approvedAt: null, returnedByUserId: null, returnedAt: null, returnComments: null, createdAt: now, updatedAt: now }).execute()
      await db.insertInto('assessmentContributors').values({ authorityId, assessmentId, userId: lead.id, elementKeys: JSON.stringify(['general-health', 'speech-language']), message: null, invitedByUserId: colleague.id, invitedAt: now, completedAt: null }).execute()
      const colleagueLead = uuidv7()
      await db.insertInto('episodeMembers').values({ authorityId, episodeId: contributorEpisode, userId: colleague.id, agencyId, role: 'member', addedByUserId: colleague.id, joinedAt: now, leftAt: null }).onConflict(c => c.doNothing()).execute()
      await db.insertInto('leadProfessionals').values({ authorityId, id: colleagueLead, episodeId: contributorEpisode, scope: 'whole_family', userId: colleague.id, agencyId, appointedVia: 'other', meetingId: null, familyPreference: null, appointedByUserId: colleague.id, startedAt: now }).execute()
      await db.insertInto('leadHandovers').values({ authorityId, id: uuidv7(), episodeId: contributorEpisode, leadProfessionalId: colleagueLead, scope: 'whole_family', fromUserId: colleague.id, toUserId: lead.id, note: 'Moving to a new school', requestedByUserId: colleague.id, requestedAt: now, status: 'pending' }).execute()

      leadBrowser = await signIn(t, lead)
    })
    after(() => t.close())

    it('shows a practitioner their own work, overdue first, each item linking to where it is done', async () => {
      const page = await leadBrowser.get('/')
      assert.equal(page.statusCode, 200)
      const sections = workSections(page.body)
      const actions = sections.get('Your actions') ?? []
      assert.equal(actions.length, 2, `actions due within 14 days on episodes I am still on: ${actions.join(' | ')}`)
      assert.match(actions[0] ?? '', /Refer Alfie to the school nurse.*Overdue.*EH-MINE-1/)
      assert.match(actions[1] ?? '', /Arrange a home visit/)
      assert.ok(!actions.join(' ').includes('Colleague’s action'), 'another practitioner’s action is not mine')
      assert.ok(!actions.join(' ').includes('episode I left') && !actions.join(' ').includes('closed episode'))
      const minutes = sections.get('Minutes you owe') ?? []
      assert.equal(minutes.length, 1, 'the circulated minutes are not owed')
      assert.match(minutes[0] ?? '', /Overdue.*EH-MINE-1.*You are taking the minutes/)
      assert.match((sections.get('Reviews due on episodes you lead') ?? []).join(' '), /EH-MINE-1.*Overdue/)
      const meetings = sections.get('Your meetings in the next 14 days') ?? []
      assert.equal(meetings.length, 1, 'the meeting in 30 days is not listed yet')
      assert.match(sections.get('Handovers waiting for you')?.join(' ') ?? '', /Acknowledge the handover from Colin Colleague.*EH-CONTRIB-5/)
      assert.match(sections.get('Assessments you were asked to contribute to')?.join(' ') ?? '', /EH-CONTRIB-5.*2 elements, asked by Colin Colleague/)
      assert.match(sections.get('Episodes with no lead professional')?.join(' ') ?? '', /EH-NOLEAD-2/)
      assert.match(load(page.body)('.govuk-warning-text').text(), /3 things are overdue/)
      const $ = load(page.body)
      const hrefs = $('section[aria-labelledby="my-work-heading"] li a').map((_i, a) => $(a).attr('href')).get()
      assert.ok(hrefs.includes(`/episodes/${episodes.mine}/reviews`))
      assert.ok(hrefs.includes(`/episodes/${episodes.noLead}/team`))
      assert.ok(hrefs.every(href => href.startsWith('/episodes/')), hrefs.join(' '))
      const audit = await sql<{ n: number }>`select count(*)::int as n from audit_events where actor_user_id = ${lead.id} and action = 'work.list-own' and outcome = 'allowed'`.execute(t.database.db)
      assert.ok((audit.rows[0]?.n ?? 0) >= 1, 'reading my work is audited')
    })

    it('tells a practitioner with nothing due that nothing is due', async () => {
      const quiet = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [agencyId] })
      const page = await (await signIn(t, quiet)).get('/')
      const sections = workSections(page.body)
      assert.deepEqual(sections.get('Your actions'), [])
      assert.match(load(page.body)('main').text(), /You have no actions due in the next 14 days\./)
      assert.equal(sections.has('Handovers waiting for you'), false, 'empty optional sections are left out')
    })

    it('gives the coordinator a dashboard of what is slipping across the authority, and no one else', async () => {
      const coordinatorBrowser = await signIn(t, coordinator)
      const page = await coordinatorBrowser.get('/early-help/dashboard')
      assert.equal(page.statusCode, 200)
      const $ = load(page.body)
      const section = (id: string) => $(`#${id}`).nextAll('ul').first().text().replace(/\s+/g, ' ')
      assert.match(section('no-lead'), /EH-NOLEAD-2.*20 days without a lead/)
      assert.ok(!section('no-lead').includes('EH-MINE-1'), 'an episode with a lead is not listed')
      assert.match(section('overdue-minutes'), /The minutes of .* are late\. They were due on /)
      assert.match(section('overdue-reviews'), /EH-MINE-1.*3 days ago/)
      // Fewer days than the authority's threshold: not yet an alert.
      await t.database.db.insertInto('earlyHelpSettings').values({ authorityId, noLeadAlertDays: 30 }).execute()
      const later = load((await coordinatorBrowser.get('/early-help/dashboard')).body)
      assert.ok(!later('#no-lead').nextAll('ul').first().text().includes('EH-NOLEAD-2'))
      await t.database.db.deleteFrom('earlyHelpSettings').where('authorityId', '=', authorityId).execute()

      const refused = await leadBrowser.get('/early-help/dashboard')
      assert.equal(refused.statusCode, 403)
      const denied = await sql<{ n: number }>`select count(*)::int as n from audit_events where actor_user_id = ${lead.id} and action = 'early-help.dashboard' and outcome = 'denied'`.execute(t.database.db)
      assert.equal(denied.rows[0]?.n, 1)
    })

    it('shows nothing of another authority', async () => {
      const other = await buildAuthority(t)
      const otherAgency = await buildAgency(t, other.id)
      const otherCoordinator = await buildUser(t, other.id, { roles: ['coordinator', 'practitioner'], agencyIds: [otherAgency.id] })
      const browser = await signIn(t, otherCoordinator)
      const dashboard = await browser.get('/early-help/dashboard')
      assert.ok(!dashboard.body.includes('EH-NOLEAD-2') && !dashboard.body.includes('EH-MINE-1'))
      const home = await browser.get('/')
      assert.ok(!home.body.includes('EH-MINE-1'))
    })
  })
}
