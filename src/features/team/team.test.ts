import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { sql } from 'kysely'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, errorSummary, heading, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildUser, signIn, type TestUser } from '../../../test/helpers/builders.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { listEpisodesWithoutLead, listPendingHandoversFor } from './team.service.ts'

type EpisodeOptions = { status?: 'consent' | 'support' | 'closed'; startedAt?: Date; surname?: string }

/** A family (mother and child in a household) and an episode about the child owned by `owner`, inserted directly. */
async function buildEpisode(t: TestApp, authorityId: string, owner: TestUser, agencyId: string, options: EpisodeOptions = {}) {
  const db = t.database.db
  const surname = options.surname ?? 'Kettering'
  const person = async (givenNames: string, dateOfBirth: string, email: string | null = null) => {
    const id = uuidv7()
    await db
      .insertInto('persons')
      .values({ authorityId, id, givenNames, familyName: surname, dateOfBirth, email, phone: null, searchName: `${givenNames} ${surname}`.toLowerCase(), createdByUserId: owner.id })
      .execute()
    return id
  }
  const householdId = uuidv7()
  await db.insertInto('households').values({ authorityId, id: householdId, name: surname, createdByUserId: owner.id }).execute()
  const mother = await person('Mary', '1990-04-02', `mary.${surname.toLowerCase()}@example.org`)
  const child = await person('Alfie', '2016-06-01')
  for (const personId of [mother, child]) await db.insertInto('householdMembers').values({ authorityId, householdId, personId }).execute()
  const episodeId = uuidv7()
  const startedAt = options.startedAt ?? new Date()
  const status = options.status ?? 'support'
  await db
    .insertInto('episodes')
    .values({ authorityId, id: episodeId, reference: `EH-2026-${episodeId.slice(-5)}`, scope: 'child', householdId, localityId: null, agencyId, status, outcome: null, startedByUserId: owner.id, startedAt, closedAt: status === 'closed' ? new Date() : null, templateVersionId: null })
    .execute()
  await db.insertInto('episodePeople').values({ authorityId, episodeId, personId: child, role: 'child' }).execute()
  await db.insertInto('episodeMembers').values({ authorityId, episodeId, userId: owner.id, agencyId, role: 'owner', addedByUserId: owner.id, joinedAt: startedAt, leftAt: null }).execute()
  return { episodeId, mother, child }
}

function jsonHeaders(browser: Browser) {
  return { cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-csrf-token': browser.csrfToken, 'content-type': 'application/json' }
}

for (const kind of databaseKinds()) {
  describe(`the team around the family (${kind})`, () => {
    let t: TestApp
    let authorityId: string
    let schoolId: string
    let healthId: string
    let owner: TestUser
    let healthVisitor: TestUser
    let youthWorker: TestUser
    let outsider: TestUser
    let coordinator: TestUser
    let administrator: TestUser
    let ownerBrowser: Browser
    let hvBrowser: Browser
    let youthBrowser: Browser
    let outsiderBrowser: Browser
    let adminBrowser: Browser
    let episode: { episodeId: string; mother: string; child: string }

    before(async () => {
      t = await buildTestApp(kind)
      authorityId = (await buildAuthority(t)).id
      schoolId = (await buildAgency(t, authorityId, { name: 'Riverside Primary School' })).id
      healthId = (await buildAgency(t, authorityId, { name: 'Northshire Health Visiting', kind: 'health' })).id
      await t.database.db
        .updateTable('agencies')
        .set({ description: 'Health visitors are nurses who visit families with children under five at home.', phone: '01632 960 111' })
        .where('id', '=', healthId)
        .execute()
      owner = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [schoolId], name: 'Olive Owner' })
      healthVisitor = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [healthId], name: 'Hana Visitor' })
      youthWorker = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [schoolId, healthId], name: 'Yusuf Worker' })
      outsider = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [schoolId], name: 'Oscar Outsider' })
      coordinator = await buildUser(t, authorityId, { roles: ['coordinator'], agencyIds: [schoolId], name: 'Cora Coordinator' })
      administrator = await buildUser(t, authorityId, { roles: ['administrator'], name: 'Ada Admin' })
      episode = await buildEpisode(t, authorityId, owner, schoolId)
      ownerBrowser = await signIn(t, owner)
      hvBrowser = await signIn(t, healthVisitor)
      youthBrowser = await signIn(t, youthWorker)
      outsiderBrowser = await signIn(t, outsider)
      adminBrowser = await signIn(t, administrator)
    })
    after(() => t.close())

    async function audit(action: string, outcome: 'allowed' | 'denied', userId: string) {
      const result = await sql<{ count: number }>`select count(*)::int as count from audit_events where action = ${action} and outcome = ${outcome} and actor_user_id = ${userId}`.execute(t.database.db)
      return result.rows[0]?.count ?? 0
    }

    const teamUrl = () => `/episodes/${episode.episodeId}/team`

    it('shows the team page to the team, with no lead professional yet; refuses and audits anyone else; 404 for bad or foreign ids', async () => {
      const page = await ownerBrowser.get(teamUrl())
      assert.equal(page.statusCode, 200)
      assert.equal(heading(page.body), 'The team around the family')
      const $ = load(page.body)
      assert.match($('#no-lead').text(), /There is no lead professional/)
      assert.match($('a[aria-current="page"]').text(), /Team/)
      assert.match(page.body, /Olive Owner/)

      const before = await audit('team.view', 'denied', outsider.id)
      const refused = await outsiderBrowser.get(teamUrl())
      assert.equal(refused.statusCode, 403)
      assert.equal(await audit('team.view', 'denied', outsider.id), before + 1)

      assert.equal((await ownerBrowser.get('/episodes/not-a-uuid/team')).statusCode, 404)
      const other = await buildAuthority(t)
      const otherOwner = await buildUser(t, other.id, { roles: ['practitioner'] })
      const foreign = await buildEpisode(t, other.id, otherOwner, (await buildAgency(t, other.id)).id, { surname: 'Elsewhere' })
      for (const url of [`/episodes/${foreign.episodeId}/team`, `/episodes/${foreign.episodeId}/who-is-who`, `/episodes/${foreign.episodeId}/team/practitioners/new`, `/api/v1/episodes/${foreign.episodeId}/team`]) {
        const response = await ownerBrowser.get(url)
        assert.equal(response.statusCode, 404, url)
        assert.doesNotMatch(response.body, /Elsewhere/)
      }
    })

    it('adds a practitioner from the directory: validation, CSRF, the history, and access to the episode', async () => {
      const form = await ownerBrowser.get(`${teamUrl()}/practitioners/new`)
      assert.equal(form.statusCode, 200)
      assert.match(form.body, /Hana Visitor – Northshire Health Visiting/)
      assert.doesNotMatch(load(form.body)('#practitioner').text(), /Olive Owner/, 'someone already on the team is not offered')

      const missing = await ownerBrowser.post(`${teamUrl()}/practitioners/new`, { practitioner: '', teamRole: 'Health visitor' })
      assert.equal(missing.statusCode, 400)
      assert.deepEqual(errorSummary(missing.body), ['Select the practitioner to add'])
      assert.equal(load(missing.body)('#teamRole').val(), 'Health visitor', 'input kept')

      const wrongAgency = await ownerBrowser.post(`${teamUrl()}/practitioners/new`, { practitioner: `${healthVisitor.id}/${schoolId}`, teamRole: '' })
      assert.equal(wrongAgency.statusCode, 400)
      assert.deepEqual(errorSummary(wrongAgency.body), ['Hana Visitor does not work for that agency'])

      const noCsrf = await ownerBrowser.post(`${teamUrl()}/practitioners/new`, { practitioner: `${healthVisitor.id}/${healthId}` }, { csrf: false })
      assert.equal(noCsrf.statusCode, 403)

      assert.equal((await hvBrowser.get(`/episodes/${episode.episodeId}`)).statusCode, 403, 'not on the team yet')
      const added = await ownerBrowser.post(`${teamUrl()}/practitioners/new`, { practitioner: `${healthVisitor.id}/${healthId}`, teamRole: 'Health visitor for the family' })
      assert.equal(added.statusCode, 303)
      const member = await t.database.db.selectFrom('episodeMembers').selectAll().where('episodeId', '=', episode.episodeId).where('userId', '=', healthVisitor.id).executeTakeFirstOrThrow()
      assert.equal(member.role, 'member')
      assert.equal(member.agencyId, healthId)
      assert.equal(member.teamRole, 'Health visitor for the family')
      assert.equal(member.leftAt, null)
      assert.equal((await hvBrowser.get(`/episodes/${episode.episodeId}`)).statusCode, 200, 'on the team now')

      const again = await ownerBrowser.post(`${teamUrl()}/practitioners/new`, { practitioner: `${healthVisitor.id}/${healthId}` })
      assert.equal(again.statusCode, 400)
      assert.deepEqual(errorSummary(again.body), ['Hana Visitor is already on the team'])

      const page = await ownerBrowser.follow(added)
      assert.match(page.body, /They have been added to the team/)
      const history = load(page.body)('#history + table').text()
      assert.match(history, /Hana Visitor/)
      assert.match(history, /Joined/)
      assert.equal(await audit('team.manage', 'allowed', owner.id) > 0, true)
    })

    it('warns above the authority’s team size, which the administrator sets on the early help settings page', async () => {
      assert.equal((await ownerBrowser.get('/admin/early-help-settings')).statusCode, 403)
      const form = await adminBrowser.get('/admin/early-help-settings')
      assert.equal(form.statusCode, 200)
      const $ = load(form.body)
      assert.equal($('#maxTeamPractitioners').val(), '6')
      assert.equal($('input[name="version"]').val(), '0')
      const fields = { version: '0', maxTeamPractitioners: '2', noLeadAlertDays: '10', minutesDueWorkingDays: '5', reviewWeeks: '6', closureApprovalRequired: 'no', outcomesFramework: 'every_child_matters' }

      const bad = await adminBrowser.post('/admin/early-help-settings', { ...fields, reviewWeeks: '20', maxTeamPractitioners: 'six' })
      assert.equal(bad.statusCode, 400)
      assert.deepEqual(errorSummary(bad.body), ['The largest team size must be a whole number', 'The number of weeks between reviews must be between 3 and 12'])
      assert.equal(load(bad.body)('#reviewWeeks').val(), '20')
      assert.equal(await t.database.db.selectFrom('earlyHelpSettings').select('authorityId').where('authorityId', '=', authorityId).executeTakeFirst(), undefined)

      const saved = await adminBrowser.post('/admin/early-help-settings', fields)
      assert.equal(saved.statusCode, 303)
      const row = await t.database.db.selectFrom('earlyHelpSettings').selectAll().where('authorityId', '=', authorityId).executeTakeFirstOrThrow()
      assert.equal(row.maxTeamPractitioners, 2)
      assert.equal(row.version, 1)
      assert.equal(row.updatedByUserId, administrator.id)

      const stale = await adminBrowser.post('/admin/early-help-settings', { ...fields, maxTeamPractitioners: '9' })
      assert.equal(stale.statusCode, 409)
      assert.match(errorSummary(stale.body)[0] ?? '', /Someone else changed these settings/)
      assert.match(load(stale.body)('.govuk-inset-text').text(), /2 practitioners/)
      assert.equal(load(stale.body)('#maxTeamPractitioners').val(), '9', 'their input is kept')
      assert.equal(load(stale.body)('input[name="version"]').val(), '1', 'a second save goes through')

      assert.doesNotMatch((await ownerBrowser.get(teamUrl())).body, /onestory-team-size-warning/)
      const added = await ownerBrowser.post(`${teamUrl()}/practitioners/new`, { practitioner: `${youthWorker.id}/${schoolId}`, teamRole: 'Youth worker' })
      assert.equal(added.statusCode, 303)
      const page = await ownerBrowser.get(teamUrl())
      assert.match(load(page.body)('.onestory-team-size-warning').text(), /This team has 3 practitioners\. .*no more than 2/)
      const index = await adminBrowser.get('/admin')
      assert.match(index.body, /href="\/admin\/early-help-settings"/)
      assert.equal(row.youngPersonMinAge, 12, 'a form without the age keeps it')
      assert.equal(load((await adminBrowser.get('/admin/early-help-settings')).body)('#youngPersonMinAge').val(), '12')
      const tooYoung = await adminBrowser.post('/admin/early-help-settings', { ...fields, version: '1', maxTeamPractitioners: '2', youngPersonMinAge: '5' })
      assert.equal(tooYoung.statusCode, 400)
      assert.deepEqual(errorSummary(tooYoung.body), ['The age from which young people may be invited must be between 8 and 18'])
      assert.equal((await adminBrowser.post('/admin/early-help-settings', { ...fields, version: '1', maxTeamPractitioners: '2', youngPersonMinAge: '13' })).statusCode, 303)
      const aged = await t.database.db.selectFrom('earlyHelpSettings').selectAll().where('authorityId', '=', authorityId).executeTakeFirstOrThrow()
      assert.equal(aged.youngPersonMinAge, 13)
    })

    it('adds family members from the family’s records and family-side supporters, and keeps their leaving in the history', async () => {
      const form = await ownerBrowser.get(`${teamUrl()}/family/new`)
      assert.equal(form.statusCode, 200)
      assert.match(load(form.body)('#personId').text(), /Mary Kettering/)

      const empty = await ownerBrowser.post(`${teamUrl()}/family/new`, { kind: 'advocate', personId: '', name: '', relationship: '', organisation: '', email: 'not-an-email', phone: '' })
      assert.equal(empty.statusCode, 400)
      assert.deepEqual(errorSummary(empty.body), ['Enter an email address in the correct format, like name@example.org', 'Enter their name'])

      const supporterFromRecords = await ownerBrowser.post(`${teamUrl()}/family/new`, { kind: 'friend', personId: episode.mother, name: '', relationship: '', organisation: '', email: '', phone: '' })
      assert.equal(supporterFromRecords.statusCode, 400)
      assert.deepEqual(errorSummary(supporterFromRecords.body), ['Only a family member can be chosen from the family’s records'])

      const mother = await ownerBrowser.post(`${teamUrl()}/family/new`, { kind: 'family_member', personId: episode.mother, name: '', relationship: 'Mum', organisation: '', email: '', phone: '' })
      assert.equal(mother.statusCode, 303)
      const advocate = await ownerBrowser.post(`${teamUrl()}/family/new`, { kind: 'advocate', personId: '', name: 'Pat Advocate', relationship: 'Supports Mary at meetings', organisation: 'Northshire Parent Partnership', email: 'pat@example.org', phone: '01632 960 222' })
      assert.equal(advocate.statusCode, 303)
      const rows = await t.database.db.selectFrom('familyTeamMembers').selectAll().where('episodeId', '=', episode.episodeId).orderBy('name').execute()
      assert.deepEqual(
        rows.map(row => [row.name, row.kind, row.personId, row.email]),
        [
          ['Mary Kettering', 'family_member', episode.mother, 'mary.kettering@example.org'],
          ['Pat Advocate', 'advocate', null, 'pat@example.org'],
        ],
      )
      const twice = await ownerBrowser.post(`${teamUrl()}/family/new`, { kind: 'family_member', personId: episode.mother, name: '', relationship: '', organisation: '', email: '', phone: '' })
      assert.equal(twice.statusCode, 400)
      assert.deepEqual(errorSummary(twice.body), ['Mary Kettering is already on the team'])

      const pat = rows.find(row => row.name === 'Pat Advocate')
      assert.ok(pat)
      const leaveUrl = `${teamUrl()}/family/${pat.id}/leave`
      const noReason = await ownerBrowser.post(leaveUrl, { version: String(pat.version), reason: '' })
      assert.equal(noReason.statusCode, 400)
      assert.deepEqual(errorSummary(noReason.body), ['Enter why they are leaving the team'])
      const left = await ownerBrowser.post(leaveUrl, { version: String(pat.version), reason: 'Mary no longer needs support at meetings' })
      assert.equal(left.statusCode, 303)
      const stale = await ownerBrowser.post(leaveUrl, { version: String(pat.version), reason: 'Again' })
      assert.equal(stale.statusCode, 400)
      assert.deepEqual(errorSummary(stale.body), ['Pat Advocate has already left the team'])
      const page = await ownerBrowser.get(teamUrl())
      const $ = load(page.body)
      assert.match($('#former + table').text(), /Pat Advocate[\s\S]*Mary no longer needs support at meetings/)
      assert.match($('#family + table').text(), /Mary Kettering/)
      assert.doesNotMatch($('#family + table').text(), /Pat Advocate/)
      const changes = await t.database.db.selectFrom('teamChanges').select(['change', 'memberName']).where('episodeId', '=', episode.episodeId).where('familyTeamMemberId', '=', pat.id).orderBy('at').execute()
      assert.deepEqual(changes.map(change => change.change), ['joined', 'left'])
    })

    it('appoints a lead professional with the family’s choice in their words; one per scope; the API refuses a second', async () => {
      const url = `${teamUrl()}/lead/new`
      const form = await ownerBrowser.get(url)
      assert.equal(form.statusCode, 200)
      assert.equal(load(form.body)('input[name="scope"]').length, 3)

      const noWords = await ownerBrowser.post(url, { scope: 'whole_family', userId: healthVisitor.id, appointedVia: 'team_meeting', familyChose: 'yes', familyPreference: '' })
      assert.equal(noWords.statusCode, 400)
      assert.deepEqual(errorSummary(noWords.body), ['Enter what the family said about their choice, in their words'])
      const notOnTeam = await ownerBrowser.post(url, { scope: 'whole_family', userId: outsider.id, appointedVia: 'team_meeting', familyChose: 'no', familyPreference: '' })
      assert.equal(notOnTeam.statusCode, 400)
      assert.match(errorSummary(notOnTeam.body)[0] ?? '', /must be a practitioner on the team/)

      const appointed = await ownerBrowser.post(url, { scope: 'whole_family', userId: healthVisitor.id, appointedVia: 'team_meeting', familyChose: 'yes', familyPreference: 'Hana already knows us and Alfie trusts her' })
      assert.equal(appointed.statusCode, 303)
      const leads = await t.database.db.selectFrom('leadProfessionals').selectAll().where('episodeId', '=', episode.episodeId).execute()
      assert.equal(leads.length, 1)
      assert.equal(leads[0]?.familyChose, true)
      assert.equal(leads[0]?.agencyId, healthId)
      const page = await ownerBrowser.get(teamUrl())
      assert.match(page.body, /The family chose Hana Visitor: “Hana already knows us and Alfie trusts her”/)
      assert.equal(load(page.body)('#no-lead').length, 0)

      const second = await ownerBrowser.post(url, { scope: 'children', userId: owner.id, appointedVia: 'panel', familyChose: 'no', familyPreference: '' })
      assert.equal(second.statusCode, 400)
      assert.match(errorSummary(second.body)[0] ?? '', /Hana Visitor is already the lead professional for the whole family/)

      const api = await t.app.inject({ method: 'POST', url: `/api/v1/episodes/${episode.episodeId}/lead`, headers: jsonHeaders(ownerBrowser), payload: JSON.stringify({ scope: 'whole_family', userId: owner.id, appointedVia: 'other', familyChose: false }) })
      assert.equal(api.statusCode, 422)
      assert.match(api.body, /already the lead professional/)
      assert.equal((await t.database.db.selectFrom('leadProfessionals').select('id').where('episodeId', '=', episode.episodeId).execute()).length, 1)
    })

    it('a lead cannot leave before handing over; a practitioner who leaves loses access but keeps what they recorded', async () => {
      const blocked = await ownerBrowser.post(`${teamUrl()}/practitioners/${healthVisitor.id}/leave`, { reason: 'Moving job' })
      assert.equal(blocked.statusCode, 400)
      assert.match(errorSummary(blocked.body)[0] ?? '', /Hand over to a new lead professional before they leave/)

      // The youth worker records something on the team, then leaves.
      const friend = await youthBrowser.post(`${teamUrl()}/family/new`, { kind: 'friend', personId: '', name: 'Fran Friend', relationship: 'Neighbour', organisation: '', email: '', phone: '' })
      assert.equal(friend.statusCode, 303)
      const left = await youthBrowser.post(`${teamUrl()}/practitioners/${youthWorker.id}/leave`, { reason: 'My part of the plan is done' })
      assert.equal(left.statusCode, 303)
      assert.equal(left.headers.location, '/episodes')
      const member = await t.database.db.selectFrom('episodeMembers').selectAll().where('episodeId', '=', episode.episodeId).where('userId', '=', youthWorker.id).executeTakeFirstOrThrow()
      assert.ok(member.leftAt)
      assert.equal(member.leftByUserId, youthWorker.id)

      const before = await audit('team.view', 'denied', youthWorker.id)
      assert.equal((await youthBrowser.get(teamUrl())).statusCode, 403)
      assert.equal((await youthBrowser.get(`/episodes/${episode.episodeId}`)).statusCode, 403)
      assert.equal(await audit('team.view', 'denied', youthWorker.id), before + 1)

      const fran = await t.database.db.selectFrom('familyTeamMembers').selectAll().where('name', '=', 'Fran Friend').executeTakeFirstOrThrow()
      assert.equal(fran.addedByUserId, youthWorker.id, 'what they recorded stays attributed to them')
      const page = await ownerBrowser.get(teamUrl())
      const history = load(page.body)('#history + table tbody tr')
        .map((_i, row) => load(row).text().replace(/\s+/g, ' ').trim())
        .get()
      assert.ok(history.some(row => /Fran Friend Joined .*Yusuf Worker/.test(row)), history.join('\n'))
      assert.ok(history.some(row => /Yusuf Worker Left My part of the plan is done Yusuf Worker/.test(row)), history.join('\n'))
      assert.match(load(page.body)('#former + table').text(), /Yusuf Worker/)
    })

    it('hands over with a note: the new lead acknowledges, and the switch leaves no gap', async () => {
      const lead = await t.database.db.selectFrom('leadProfessionals').selectAll().where('episodeId', '=', episode.episodeId).where('endedAt', 'is', null).executeTakeFirstOrThrow()
      const url = `${teamUrl()}/lead/${lead.id}/handover`
      const form = await hvBrowser.get(url)
      assert.equal(form.statusCode, 200)
      const noNote = await hvBrowser.post(url, { version: String(lead.version), toUserId: owner.id, note: '', familyChose: 'no', familyPreference: '' })
      assert.equal(noNote.statusCode, 400)
      assert.deepEqual(errorSummary(noNote.body), ['Enter the handover note'])

      const outboxBefore = await t.database.db.selectFrom('outbox').select('id').where('recipient', '=', owner.email).execute()
      const requested = await hvBrowser.post(url, { version: String(lead.version), toUserId: owner.id, note: 'Alfie’s speech therapy starts in May. Mary prefers calls after 3pm.', familyChose: 'yes', familyPreference: 'Olive sees Alfie every day at school' })
      assert.equal(requested.statusCode, 303)
      const handover = await t.database.db.selectFrom('leadHandovers').selectAll().where('episodeId', '=', episode.episodeId).executeTakeFirstOrThrow()
      assert.equal(handover.status, 'pending')
      const emails = await t.database.db.selectFrom('outbox').select(['subject', 'bodyText']).where('recipient', '=', owner.email).execute()
      assert.equal(emails.length, outboxBefore.length + 1)
      assert.ok(emails.some(email => email.subject === 'You have been asked to take over as lead professional' && email.bodyText.includes(`/episodes/${episode.episodeId}/team/handovers/${handover.id}`)))

      // Until acknowledged, the lead has not changed.
      const current = await t.database.db.selectFrom('leadProfessionals').select('userId').where('episodeId', '=', episode.episodeId).where('endedAt', 'is', null).execute()
      assert.deepEqual(current.map(row => row.userId), [healthVisitor.id])
      const pending = await listPendingHandoversFor(t.database.db, authorityId, owner.id)
      assert.deepEqual(pending.map(item => [item.handoverId, item.fromName, item.scopeName]), [[handover.id, 'Hana Visitor', 'the whole family']])
      assert.match((await ownerBrowser.get(teamUrl())).body, /Hana Visitor has asked you to take over as lead professional/)

      const another = await hvBrowser.get(url)
      assert.match(another.body, /already waiting to be acknowledged/)

      const handoverUrl = `${teamUrl()}/handovers/${handover.id}`
      const notYours = await hvBrowser.post(handoverUrl, { version: String(handover.version), decision: 'acknowledge', responseNote: '' })
      assert.equal(notYours.statusCode, 400)
      assert.deepEqual(errorSummary(notYours.body), ['Only Olive Owner can acknowledge or decline this handover'])

      const page = await ownerBrowser.get(handoverUrl)
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /Mary prefers calls after 3pm/)
      assert.equal(load(page.body)('input[value="acknowledge"]').length, 1)
      t.clock.advanceMinutes(1)
      const acknowledged = await ownerBrowser.post(handoverUrl, { version: String(handover.version), decision: 'acknowledge', responseNote: '' })
      assert.equal(acknowledged.statusCode, 303)

      const leads = await t.database.db.selectFrom('leadProfessionals').selectAll().where('episodeId', '=', episode.episodeId).orderBy('startedAt').execute()
      assert.equal(leads.length, 2)
      const [old, fresh] = leads
      assert.ok(old && fresh)
      assert.equal(old.userId, healthVisitor.id)
      assert.equal(fresh.userId, owner.id)
      assert.ok(old.endedAt)
      assert.equal(old.endedAt.getTime(), fresh.startedAt.getTime(), 'the old period ends the moment the new one starts')
      assert.equal(fresh.endedAt, null)
      assert.equal(fresh.appointedVia, 'handover')
      assert.equal(fresh.familyChose, true)
      assert.equal(fresh.familyPreference, 'Olive sees Alfie every day at school')
      const answered = await t.database.db.selectFrom('leadHandovers').selectAll().where('id', '=', handover.id).executeTakeFirstOrThrow()
      assert.equal(answered.status, 'acknowledged')
      const told = await t.database.db.selectFrom('outbox').select(['subject', 'bodyText']).where('recipient', '=', healthVisitor.email).execute()
      assert.ok(told.some(email => email.subject === 'Lead professional handover acknowledged' && email.bodyText.startsWith('Olive Owner has acknowledged the handover and is now the lead professional for the whole family')))
      assert.deepEqual(await listPendingHandoversFor(t.database.db, authorityId, owner.id), [])

      const again = await ownerBrowser.post(handoverUrl, { version: String(handover.version), decision: 'acknowledge', responseNote: '' })
      assert.equal(again.statusCode, 409)
      const teamPage = await ownerBrowser.get(teamUrl())
      assert.match(teamPage.body, /The family chose Olive Owner: “Olive sees Alfie every day at school”/)
      assert.match(load(teamPage.body)('#history + table').text(), /Stopped being lead professional[\s\S]*Handed over to Olive Owner/)
      // The former lead may now leave: the family still has a lead.
      const leaves = await ownerBrowser.post(`${teamUrl()}/practitioners/${healthVisitor.id}/leave`, { reason: 'Alfie is over five' })
      assert.equal(leaves.statusCode, 303)
    })

    it('a handover can be declined by the new lead or cancelled by the outgoing one; the lead does not change', async () => {
      const lead = await t.database.db.selectFrom('leadProfessionals').selectAll().where('episodeId', '=', episode.episodeId).where('endedAt', 'is', null).executeTakeFirstOrThrow()
      await ownerBrowser.post(`${teamUrl()}/practitioners/new`, { practitioner: `${youthWorker.id}/${healthId}`, teamRole: 'Youth worker' })
      const url = `${teamUrl()}/lead/${lead.id}/handover`
      await ownerBrowser.get(url)
      const first = await ownerBrowser.post(url, { version: String(lead.version), toUserId: youthWorker.id, note: 'Please take over', familyChose: 'no', familyPreference: '' })
      assert.equal(first.statusCode, 303)
      const handover = await t.database.db.selectFrom('leadHandovers').selectAll().where('episodeId', '=', episode.episodeId).where('status', '=', 'pending').executeTakeFirstOrThrow()
      const handoverUrl = `${teamUrl()}/handovers/${handover.id}`
      const noReason = await youthBrowser.post(handoverUrl, { version: String(handover.version), decision: 'decline', responseNote: '' })
      assert.equal(noReason.statusCode, 400)
      assert.deepEqual(errorSummary(noReason.body), ['Enter why you cannot take over as lead professional'])
      const declined = await youthBrowser.post(handoverUrl, { version: String(handover.version), decision: 'decline', responseNote: 'I am part-time until June' })
      assert.equal(declined.statusCode, 303)

      const second = await ownerBrowser.post(url, { version: String(lead.version), toUserId: youthWorker.id, note: 'Asking again', familyChose: 'no', familyPreference: '' })
      assert.equal(second.statusCode, 303)
      const again = await t.database.db.selectFrom('leadHandovers').selectAll().where('episodeId', '=', episode.episodeId).where('status', '=', 'pending').executeTakeFirstOrThrow()
      const cancelled = await ownerBrowser.post(`${teamUrl()}/handovers/${again.id}`, { version: String(again.version), decision: 'cancel' })
      assert.equal(cancelled.statusCode, 303)
      const statuses = await t.database.db.selectFrom('leadHandovers').select('status').where('episodeId', '=', episode.episodeId).orderBy('requestedAt').execute()
      assert.deepEqual(statuses.map(row => row.status), ['acknowledged', 'declined', 'cancelled'])
      const current = await t.database.db.selectFrom('leadProfessionals').select('userId').where('episodeId', '=', episode.episodeId).where('endedAt', 'is', null).execute()
      assert.deepEqual(current.map(row => row.userId), [owner.id])
    })

    it('the who-is-who page says what each agency does and how to contact each person', async () => {
      await ownerBrowser.post(`${teamUrl()}/practitioners/new`, { practitioner: `${healthVisitor.id}/${healthId}`, teamRole: 'Health visitor' })
      const page = await ownerBrowser.get(`/episodes/${episode.episodeId}/who-is-who`)
      assert.equal(page.statusCode, 200)
      const $ = load(page.body)
      const card = (name: string) =>
        $('.govuk-summary-card')
          .filter((_i, element) => $(element).find('.govuk-summary-card__title').text().includes(name))
          .text()
          .replace(/\s+/g, ' ')
      assert.match(card('Hana Visitor'), /What Northshire Health Visiting does Health visitors are nurses who visit families with children under five at home\./)
      assert.match(card('Hana Visitor'), new RegExp(`${healthVisitor.email.replace('.', '\\.')}`))
      assert.match(card('Hana Visitor'), /01632 960 111/)
      assert.match(card('Olive Owner'), /Lead professional for the whole family/)
      assert.match(card('Mary Kettering'), /Family member: Mum/)
      assert.doesNotMatch(page.body, /Pat Advocate/, 'people who left are not listed')
    })

    it('the API reads the team and adds members; refuses someone not on the team before reading the body', async () => {
      const team = await t.app.inject({ method: 'GET', url: `/api/v1/episodes/${episode.episodeId}/team`, headers: jsonHeaders(ownerBrowser) })
      assert.equal(team.statusCode, 200)
      const body = team.json() as { practitioners: { name: string; leftAt: string | null }[]; leads: { name: string; endedAt: string | null }[]; familyMembers: { name: string }[] }
      assert.ok(body.practitioners.some(member => member.name === 'Yusuf Worker'))
      assert.deepEqual(body.leads.filter(lead => lead.endedAt === null).map(lead => lead.name), ['Olive Owner'])

      const added = await t.app.inject({ method: 'POST', url: `/api/v1/episodes/${episode.episodeId}/team/members`, headers: jsonHeaders(ownerBrowser), payload: JSON.stringify({ type: 'family', kind: 'parent_advice', name: 'Sam Adviser', organisation: 'Parent Advice Line' }) })
      assert.equal(added.statusCode, 201)
      assert.ok((added.json() as { familyMembers: { name: string }[] }).familyMembers.some(member => member.name === 'Sam Adviser'))
      const invalid = await t.app.inject({ method: 'POST', url: `/api/v1/episodes/${episode.episodeId}/team/members`, headers: jsonHeaders(ownerBrowser), payload: JSON.stringify({ type: 'practitioner' }) })
      assert.equal(invalid.statusCode, 400)

      const before = await audit('team.manage', 'denied', outsider.id)
      const refused = await t.app.inject({ method: 'POST', url: `/api/v1/episodes/${episode.episodeId}/team/members`, headers: jsonHeaders(outsiderBrowser), payload: '{"junk": true}' })
      assert.equal(refused.statusCode, 403)
      assert.equal(await audit('team.manage', 'denied', outsider.id), before + 1)
    })

    it('coordinators see any team; a closed episode’s team cannot change', async () => {
      const coordinatorBrowser = await signIn(t, coordinator)
      assert.equal((await coordinatorBrowser.get(teamUrl())).statusCode, 200)
      const closed = await buildEpisode(t, authorityId, owner, schoolId, { status: 'closed', surname: 'Ashdown' })
      const page = await ownerBrowser.get(`/episodes/${closed.episodeId}/team`)
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /This episode is closed/)
      assert.equal(load(page.body)('a[href$="/team/practitioners/new"]').length, 0)
      const refused = await ownerBrowser.post(`/episodes/${closed.episodeId}/team/family/new`, { kind: 'friend', personId: '', name: 'Fran', relationship: '', organisation: '', email: '', phone: '' })
      assert.equal(refused.statusCode, 422)
      assert.match(refused.body, /This episode is closed\. Its team can no longer be changed\./)
      assert.equal((await t.database.db.selectFrom('familyTeamMembers').select('id').where('episodeId', '=', closed.episodeId).execute()).length, 0)
    })

    it('two people appointing a lead for the same scope at once: one lead, the other is told who it is', async () => {
      const fresh = await buildEpisode(t, authorityId, owner, schoolId, { surname: 'Tegan' })
      await t.database.db.insertInto('episodeMembers').values({ authorityId, episodeId: fresh.episodeId, userId: healthVisitor.id, agencyId: healthId, role: 'member', addedByUserId: owner.id, joinedAt: new Date(), leftAt: null }).execute()
      const url = `/episodes/${fresh.episodeId}/team/lead/new`
      await ownerBrowser.get(url)
      await hvBrowser.get(url)
      const [first, second] = await Promise.all([
        ownerBrowser.post(url, { scope: 'children', userId: owner.id, appointedVia: 'panel', familyChose: 'no', familyPreference: '' }),
        hvBrowser.post(url, { scope: 'children', userId: healthVisitor.id, appointedVia: 'panel', familyChose: 'no', familyPreference: '' }),
      ])
      assert.deepEqual([first.statusCode, second.statusCode].sort(), [303, 400])
      const loser = first.statusCode === 400 ? first : second
      assert.match(errorSummary(loser.body)[0] ?? '', /is already the lead professional for the children/)
      const leads = await t.database.db.selectFrom('leadProfessionals').select('userId').where('episodeId', '=', fresh.episodeId).execute()
      assert.equal(leads.length, 1)

      // A separate lead for the adults is allowed beside it; a whole-family lead is not.
      const adults = await ownerBrowser.post(url, { scope: 'adults', userId: healthVisitor.id === leads[0]?.userId ? owner.id : healthVisitor.id, appointedVia: 'team_meeting', familyChose: 'no', familyPreference: 'Mary wanted someone she already knew' })
      assert.equal(adults.statusCode, 303)
      const whole = await ownerBrowser.get(url)
      assert.match(whole.body, /This family already has its lead professionals/)

      // A handover to someone who then leaves the team cannot be acknowledged by them.
      const lead = await t.database.db.selectFrom('leadProfessionals').selectAll().where('episodeId', '=', fresh.episodeId).where('scope', '=', 'adults').executeTakeFirstOrThrow()
      const other = lead.userId === owner.id ? healthVisitor : owner
      await t.database.db.insertInto('episodeMembers').values({ authorityId, episodeId: fresh.episodeId, userId: youthWorker.id, agencyId: schoolId, role: 'member', addedByUserId: owner.id, joinedAt: new Date(), leftAt: null }).execute()
      const otherBrowser = other.id === owner.id ? ownerBrowser : hvBrowser
      await otherBrowser.get(`/episodes/${fresh.episodeId}/team/lead/${lead.id}/handover`)
      const asked = await otherBrowser.post(`/episodes/${fresh.episodeId}/team/lead/${lead.id}/handover`, { version: String(lead.version), toUserId: youthWorker.id, note: 'Over to you', familyChose: 'no', familyPreference: '' })
      assert.equal(asked.statusCode, 303)
      const handover = await t.database.db.selectFrom('leadHandovers').selectAll().where('episodeId', '=', fresh.episodeId).executeTakeFirstOrThrow()
      await t.database.db.updateTable('episodeMembers').set({ leftAt: new Date() }).where('episodeId', '=', fresh.episodeId).where('userId', '=', youthWorker.id).execute()
      const refused = await youthBrowser.post(`/episodes/${fresh.episodeId}/team/handovers/${handover.id}`, { version: String(handover.version), decision: 'acknowledge', responseNote: '' })
      assert.equal(refused.statusCode, 403, 'no longer on the team: cannot open the episode at all')
      const still = await t.database.db.selectFrom('leadProfessionals').select('userId').where('id', '=', lead.id).where('endedAt', 'is', null).executeTakeFirst()
      assert.equal(still?.userId, lead.userId)
    })

    it('lists episodes in support without a lead for the configured number of days, for the coordinator’s dashboard', async () => {
      const now = new Date()
      const daysAgo = (days: number) => new Date(now.getTime() - days * 24 * 60 * 60 * 1000)
      const old = await buildEpisode(t, authorityId, owner, schoolId, { startedAt: daysAgo(20), surname: 'Whitlow' })
      const young = await buildEpisode(t, authorityId, owner, schoolId, { startedAt: daysAgo(3), surname: 'Marsh' })
      const notYetInSupport = await buildEpisode(t, authorityId, owner, schoolId, { startedAt: daysAgo(40), status: 'consent', surname: 'Early' })
      const lostLead = await buildEpisode(t, authorityId, owner, schoolId, { startedAt: daysAgo(60), surname: 'Lost' })
      await t.database.db
        .insertInto('leadProfessionals')
        .values({ authorityId, id: uuidv7(), episodeId: lostLead.episodeId, scope: 'whole_family', userId: owner.id, agencyId: schoolId, appointedVia: 'panel', meetingId: null, familyPreference: null, appointedByUserId: owner.id, startedAt: daysAgo(50), endedAt: daysAgo(12), endedReason: 'Left the authority' })
        .execute()

      const tenDays = await listEpisodesWithoutLead(t.database.db, authorityId, now, 10)
      const ids = tenDays.map(item => item.episodeId)
      assert.ok(ids.includes(old.episodeId))
      assert.ok(ids.includes(lostLead.episodeId))
      assert.ok(!ids.includes(young.episodeId))
      assert.ok(!ids.includes(notYetInSupport.episodeId))
      assert.ok(!ids.includes(episode.episodeId), 'has a lead')
      const lost = tenDays.find(item => item.episodeId === lostLead.episodeId)
      assert.equal(lost?.daysWithoutLead, 12)
      assert.equal(lost?.neverHadLead, false)
      assert.equal(tenDays.find(item => item.episodeId === old.episodeId)?.daysWithoutLead, 20)
      assert.equal(tenDays[0]?.episodeId, old.episodeId, 'longest first')
      assert.deepEqual((await listEpisodesWithoutLead(t.database.db, authorityId, now, 30)).map(item => item.episodeId), [])
      assert.ok((await listEpisodesWithoutLead(t.database.db, authorityId, now, 0)).some(item => item.episodeId === young.episodeId))
    })
  })
}
