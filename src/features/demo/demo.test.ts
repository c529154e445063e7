import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { sql } from 'kysely'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAuthority, buildUser } from '../../../test/helpers/builders.ts'
import { isValidNhsNumber } from '../../lib/nhs-number.ts'
import {
  DEMO_CONTRIBUTOR_EMAIL,
  DEMO_COORDINATOR_EMAIL,
  DEMO_PASSWORD,
  DEMO_PASTORAL_EMAIL,
  DEMO_PRACTITIONER_EMAIL,
  DEMO_YOUNG_CARERS_EMAIL,
  seedDemoAuthority,
  type DemoSeed,
} from './demo.seed.ts'

async function signedIn(t: TestApp, email: string): Promise<Browser> {
  const browser = new Browser(t.app)
  await browser.get('/sign-in')
  const response = await browser.post('/sign-in', { email, password: DEMO_PASSWORD })
  assert.equal(response.statusCode, 303, `${email} could not sign in`)
  return browser
}

/** A DATE column as 'YYYY-MM-DD', whichever way the driver returns it. */
function isoDay(value: unknown): string {
  return value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10)
}

function daysFromToday(isoDate: string): number {
  return Math.round((Date.parse(isoDate) - Date.parse(new Date().toISOString().slice(0, 10))) / 86_400_000)
}

function referencesOn(body: string): string[] {
  return load(body)('table tbody tr')
    .map((_index, row) => load(row)('td, th').first().text().trim())
    .get()
}

for (const kind of databaseKinds()) {
  describe(`demo authority (${kind})`, () => {
    let t: TestApp
    let seeded: DemoSeed
    let accounts: DemoSeed['accounts']
    before(async () => {
      t = await buildTestApp(kind)
      seeded = await seedDemoAuthority(t.database.db, { config: t.config })
      accounts = seeded.accounts
    })
    after(() => t.close())

    it('creates a fictional authority with localities, agencies of every kind a team needs, and an account per role', async () => {
      const agencies = await sql<{ kind: string }>`select a.kind from agencies a join authorities au on au.id = a.authority_id where au.is_demo`.execute(t.database.db)
      assert.ok(agencies.rows.length >= 15, `expected 15+ agencies, found ${agencies.rows.length}`)
      const kinds = new Set(agencies.rows.map(row => row.kind))
      for (const needed of ['school', 'health_visiting', 'gp_practice', 'camhs', 'social_care_front_door', 'police', 'housing', 'voluntary', 'parent_advice', 'youth_service']) {
        assert.ok(kinds.has(needed), `no demo agency of kind ${needed}`)
      }
      const roles = new Set(accounts.flatMap(account => account.roles.split(', ')))
      assert.deepEqual([...roles].sort(), ['administrator', 'coordinator', 'manager', 'panel_member', 'practitioner'])
    })

    it('lets a demo account sign in without an authenticator app, and shows the demo banner on every page', async () => {
      const practitioner = accounts.find(account => account.roles === 'practitioner')
      assert.ok(practitioner)
      const browser = new Browser(t.app)
      await browser.get('/sign-in')
      const response = await browser.post('/sign-in', { email: practitioner.email, password: DEMO_PASSWORD })
      assert.equal(response.statusCode, 303)
      assert.equal(response.headers.location, '/')
      const home = await browser.get('/')
      assert.equal(home.statusCode, 200)
      assert.match(load(home.body)('.onestory-demo-banner').text(), /[Dd]emo/)
      const directory = await browser.get('/agencies')
      assert.match(load(directory.body)('.onestory-demo-banner').text(), /[Dd]emo/)
    })

    it('records the demo families through the services, quickly', context => {
      assert.deepEqual(seeded.families.map(family => family.familyName), ['Marsh', 'Kettering', 'Whitlow', 'Ashdown'])
      assert.deepEqual(seeded.caseload.families, ['Marsh', 'Kettering', 'Whitlow', 'Ashdown'])
      assert.ok(seeded.seconds < 20, `demo seeding took ${seeded.seconds.toFixed(1)} s`)
      context.diagnostic(`demo seeding (${kind}): ${seeded.seconds.toFixed(2)} s`)
    })

    it('gives every demo person a fictional postcode and a valid NHS number in the 999 test range', async () => {
      const people = await t.database.db.selectFrom('persons').select(['familyName', 'postcode', 'nhsNumber', 'dateOfBirth']).execute()
      assert.equal(people.length, 11, 'the four families: 11 people')
      for (const person of people) {
        assert.match(person.postcode ?? '', /^NX[0-9] [0-9][A-Z]{2}$/, `${person.familyName}: postcode ${person.postcode}`)
        assert.ok(person.nhsNumber?.startsWith('999') && isValidNhsNumber(person.nhsNumber), `${person.familyName}: NHS number ${person.nhsNumber}`)
      }
      assert.equal(new Set(people.map(person => person.nhsNumber)).size, people.length)
    })

    it('has each family at its stage: assessment in progress, signed off, safeguarding referral, consent refused', async () => {
      const db = t.database.db
      const episodeOf = (name: string) => {
        const family = seeded.families.find(item => item.familyName === name)
        assert.ok(family, `no demo family ${name}`)
        return db.selectFrom('episodes').selectAll().where('id', '=', family.episodeId).executeTakeFirstOrThrow()
      }
      const users = new Map((await db.selectFrom('users').select(['id', 'email']).execute()).map(user => [user.email, user.id]))

      // Kettering: separated parents, both with parental responsibility; both consented; assessment in progress.
      const kettering = await episodeOf('Kettering')
      assert.equal(kettering.status, 'assessment')
      const children = await db
        .selectFrom('episodePeople as ep')
        .innerJoin('persons as p', 'p.id', 'ep.personId')
        .select(['p.givenNames', 'p.dateOfBirth', 'ep.role'])
        .where('ep.episodeId', '=', kettering.id)
        .where('ep.role', '=', 'child')
        .execute()
      const ages = children.map(child => Math.floor((Date.now() - new Date(String(child.dateOfBirth)).getTime()) / (365.25 * 86_400_000))).sort()
      assert.deepEqual(ages, [6, 9])
      const parents = await db
        .selectFrom('relationships as r')
        .innerJoin('persons as p', 'p.id', 'r.relatedPersonId')
        .innerJoin('householdMembers as hm', 'hm.personId', 'p.id')
        .select(['p.givenNames', 'r.kind', 'hm.householdId'])
        .where('r.personId', 'in', (await db.selectFrom('episodePeople').select('personId').where('episodeId', '=', kettering.id).where('role', '=', 'child').execute()).map(row => row.personId))
        .where('r.parentalResponsibility', '=', true)
        .execute()
      const mother = parents.filter(row => row.kind === 'mother').map(row => row.householdId)
      const father = parents.filter(row => row.kind === 'father').map(row => row.householdId)
      assert.ok(mother.length > 0 && father.length > 0, 'both parents have parental responsibility')
      assert.ok(!father.some(household => mother.includes(household)), 'the father lives in another household')
      const ketteringConsents = await db.selectFrom('consents').selectAll().where('episodeId', '=', kettering.id).execute()
      assert.deepEqual(ketteringConsents.map(consent => [consent.decision, consent.giverKind, consent.toAssess]), [['given', 'parent_carer', true], ['given', 'parent_carer', true]])
      const ketteringAssessment = await db.selectFrom('assessments').selectAll().where('episodeId', '=', kettering.id).executeTakeFirstOrThrow()
      assert.equal(ketteringAssessment.status, 'in_progress')
      const scored = await db.selectFrom('assessmentElements').select(['elementKey']).where('assessmentId', '=', ketteringAssessment.id).where('practitionerScore', 'is not', null).execute()
      assert.ok(scored.length >= 4, `expected several scored elements, found ${scored.length}`)
      const contributors = await db.selectFrom('assessmentContributors').select(['userId']).where('assessmentId', '=', ketteringAssessment.id).execute()
      assert.deepEqual(contributors.map(row => row.userId), [users.get(DEMO_CONTRIBUTOR_EMAIL)])

      // Marsh: a young person of 15 consented herself, judged Gillick competent; signed off, multi-agency.
      const marsh = await episodeOf('Marsh')
      assert.equal(marsh.status, 'support')
      assert.equal(marsh.outcome, 'multi_agency')
      const marshConsent = await db.selectFrom('consents').selectAll().where('episodeId', '=', marsh.id).executeTakeFirstOrThrow()
      assert.equal(marshConsent.giverKind, 'young_person')
      assert.equal(marshConsent.competenceBasis, 'gillick')
      assert.ok(marshConsent.competenceReasoning)
      const marshAssessment = await db.selectFrom('assessments').selectAll().where('episodeId', '=', marsh.id).executeTakeFirstOrThrow()
      assert.equal(marshAssessment.status, 'completed')
      assert.equal(marshAssessment.outcome, 'multi_agency')

      // Ashdown: the checklist led to a safeguarding referral, recorded with its outcome.
      const ashdown = await episodeOf('Ashdown')
      assert.equal(ashdown.safeguardingFlag, true)
      assert.equal(ashdown.status, 'closed')
      assert.equal(ashdown.outcome, 'safeguarding_referral')
      const checklist = await db.selectFrom('episodeChecklists').selectAll().where('episodeId', '=', ashdown.id).executeTakeFirstOrThrow()
      assert.equal(checklist.outcome, 'safeguarding_referral')
      const referral = await db.selectFrom('safeguardingReferrals').selectAll().where('episodeId', '=', ashdown.id).executeTakeFirstOrThrow()
      assert.equal(referral.referredTo, 'childrens_social_care')
      assert.ok(referral.outcome && referral.outcomeRecordedAt)

      // Whitlow: consent refused, the episode ended.
      const whitlow = await episodeOf('Whitlow')
      assert.equal(whitlow.status, 'closed')
      assert.equal(whitlow.outcome, 'consent_refused')

      // Everything was done by the demo practitioner, through the access layer: audited, never refused.
      const audit = await db.selectFrom('auditEvents').select(['outcome', 'actorUserId']).where('action', 'like', 'episode.%').execute()
      assert.ok(audit.length > 10)
      assert.ok(audit.every(event => event.outcome === 'allowed' && event.actorUserId === users.get(DEMO_PRACTITIONER_EMAIL)))
      const started = await db.selectFrom('episodes').select(['startedAt']).execute()
      assert.ok(started.every(row => new Date(row.startedAt).getTime() < Date.now()), 'episodes started in the past')
    })

    it('shows the families on the demo practitioner’s /episodes, the Kettering episode to the health visitor, and nothing to a colleague not on them', async () => {
      const references = seeded.families.map(family => family.reference)
      const practitioner = await signedIn(t, DEMO_PRACTITIONER_EMAIL)
      const list = await practitioner.get('/episodes')
      assert.equal(list.statusCode, 200)
      assert.deepEqual(referencesOn(list.body).sort(), [...references].sort())
      for (const family of seeded.families) {
        const page = await practitioner.get(`/episodes/${family.episodeId}`)
        assert.equal(page.statusCode, 200, `episode page of the ${family.familyName} family`)
      }
      for (const name of ['Marsh', 'Kettering']) {
        const family = seeded.families.find(item => item.familyName === name)
        assert.ok(family)
        const assessment = await practitioner.get(`/episodes/${family.episodeId}/assessment`)
        assert.equal(assessment.statusCode, 200, `assessment of the ${name} family`)
      }

      const kettering = seeded.families.find(item => item.familyName === 'Kettering')
      assert.ok(kettering)
      const healthVisitor = await signedIn(t, DEMO_CONTRIBUTOR_EMAIL)
      assert.deepEqual(referencesOn((await healthVisitor.get('/episodes')).body), [kettering.reference])

      const colleague = await signedIn(t, 'senco@northshire.example')
      const theirs = await colleague.get('/episodes')
      assert.equal(theirs.statusCode, 200)
      assert.deepEqual(referencesOn(theirs.body), [])
      for (const reference of references) assert.ok(!theirs.body.includes(reference))
      const refused = await colleague.get(`/episodes/${kettering.episodeId}`)
      assert.equal(refused.statusCode, 403)
    })

    it('shows Tegan Marsh’s team around the family in use: team, lead, meetings, minutes, a signed plan, notes and a review', async () => {
      const db = t.database.db
      const marsh = seeded.families.find(family => family.familyName === 'Marsh')
      assert.ok(marsh)
      const episodeId = marsh.episodeId
      const users = new Map((await db.selectFrom('users').select(['id', 'email']).execute()).map(user => [user.email, user.id]))
      const dee = users.get(DEMO_PRACTITIONER_EMAIL)
      const yusuf = users.get(DEMO_YOUNG_CARERS_EMAIL)
      const paula = users.get(DEMO_PASTORAL_EMAIL)
      assert.ok(dee && yusuf && paula)
      const today = new Date().toISOString().slice(0, 10)

      // The team: three practitioners, Tegan and her mum, and Karen's advocate.
      const members = await db.selectFrom('episodeMembers').select(['userId', 'role', 'leftAt']).where('episodeId', '=', episodeId).execute()
      assert.deepEqual(members.filter(member => member.leftAt === null).map(member => member.userId).sort(), [dee, yusuf, paula].sort())
      const family = await db.selectFrom('familyTeamMembers').select(['name', 'kind', 'relationship', 'organisation', 'personId']).where('episodeId', '=', episodeId).orderBy('joinedAt').execute()
      assert.deepEqual(family.map(member => [member.name, member.kind]).sort(), [['Bev Latham', 'advocate'], ['Karen Marsh', 'family_member'], ['Tegan Marsh', 'family_member']])
      assert.equal(family.find(member => member.kind === 'advocate')?.organisation, 'Family Lives Northshire')
      assert.ok(family.find(member => member.name === 'Tegan Marsh')?.personId, 'Tegan is picked from her own record')

      // The lead professional: the demo practitioner, appointed at the first team meeting, as Tegan chose.
      const leads = await db.selectFrom('leadProfessionals').selectAll().where('episodeId', '=', episodeId).execute()
      assert.equal(leads.length, 1)
      const lead = leads[0]
      assert.ok(lead)
      assert.deepEqual([lead.userId, lead.scope, lead.appointedVia, lead.familyChose, lead.endedAt], [dee, 'whole_family', 'team_meeting', true, null])
      assert.match(lead.familyPreference ?? '', /I want Dee/)

      // The first team meeting: held, attendance for every invitee, an agenda item from the family, minutes circulated.
      const meetings = await db.selectFrom('meetings').selectAll().where('episodeId', '=', episodeId).orderBy('startsAt').execute()
      assert.deepEqual(meetings.map(meeting => [meeting.purpose, meeting.status]), [['first_team_meeting', 'held'], ['team_meeting', 'scheduled']])
      const [first, next] = meetings
      assert.ok(first && next)
      assert.ok(new Date(first.startsAt).getTime() < Date.now())
      assert.deepEqual([first.chairUserId, first.minuteTakerUserId, first.neutralVenue], [dee, paula, true])
      const invitees = await db.selectFrom('meetingInvitees').select(['name', 'attendance']).where('meetingId', '=', first.id).execute()
      assert.equal(invitees.length, 6)
      assert.deepEqual(invitees.map(invitee => invitee.attendance).sort(), ['apologies', 'attended', 'attended', 'attended', 'attended', 'attended'])
      const agenda = await db.selectFrom('agendaItems').select(['addedByFamilyTeamMemberId', 'addedByName']).where('meetingId', '=', first.id).execute()
      assert.ok(agenda.some(item => item.addedByFamilyTeamMemberId !== null && item.addedByName === 'Tegan Marsh'), 'an agenda item from the family')
      const minutes = await db.selectFrom('meetingMinutes').selectAll().where('meetingId', '=', first.id).executeTakeFirstOrThrow()
      assert.equal(minutes.status, 'circulated')
      assert.deepEqual([minutes.draftedByUserId, minutes.approvedByUserId], [paula, dee])
      assert.ok(minutes.discussion && minutes.decisions && minutes.familyViews && minutes.circulatedAt)
      const circulated = await db.selectFrom('outbox').select(['recipient']).where('subject', 'like', 'Minutes of%').execute()
      assert.ok(circulated.length >= 4, `the minutes were circulated by email (${circulated.length})`)

      // The next team meeting in about five days, with invitations sent.
      const ahead = daysFromToday(new Date(next.startsAt).toISOString().slice(0, 10))
      assert.ok(ahead >= 3 && ahead <= 7, `the next meeting is in ${ahead} days`)
      assert.equal((await db.selectFrom('meetingInvitees').select('id').where('meetingId', '=', next.id).execute()).length, 6)

      // The plan: needs from the assessment with framework outcomes; actions for practitioners, an agency and the family.
      const needs = await db.selectFrom('planNeeds').selectAll().where('episodeId', '=', episodeId).where('removedAt', 'is', null).execute()
      assert.equal(needs.length, 4)
      for (const need of needs) {
        assert.ok(need.assessmentId && need.elementKey, `need ${need.description} comes from the assessment`)
        assert.ok(need.frameworkOutcomes.length > 0)
      }
      const actions = await db.selectFrom('planActions').selectAll().where('episodeId', '=', episodeId).where('removedAt', 'is', null).execute()
      assert.deepEqual([...new Set(actions.map(action => action.ownerKind))].sort(), ['agency', 'family_member', 'practitioner'])
      assert.ok(actions.some(action => action.status === 'done'))
      assert.ok(actions.some(action => action.status === 'in_progress' && isoDay(action.dueOn) >= today))
      const overdue = actions.filter(action => (action.status === 'in_progress' || action.status === 'not_started') && isoDay(action.dueOn) < today)
      assert.deepEqual(overdue.map(action => action.ownerUserId), [dee], 'one overdue action, the demo practitioner’s')
      assert.equal(actions.filter(action => action.sourceMeetingId === first.id).length, 1, 'one action from the minutes')
      assert.ok((await db.selectFrom('planActionUpdates').select('id').where('episodeId', '=', episodeId).execute()).length > actions.length, 'progress was recorded')

      // Version 1, agreed and signed: the practitioners on screen, Tegan in person and Karen on paper.
      const versions = await db.selectFrom('planVersions').select(['id', 'number']).where('episodeId', '=', episodeId).execute()
      assert.deepEqual(versions.map(version => version.number), [1])
      const signatures = await db.selectFrom('planSignatures').select(['signerName', 'signerKind', 'method', 'userId']).where('planVersionId', '=', versions[0]?.id ?? '').execute()
      assert.deepEqual(
        signatures.map(signature => [signature.signerName, signature.signerKind, signature.method]).sort(),
        [
          ['Dee Family Support', 'practitioner', 'on_screen'],
          ['Karen Marsh', 'family_member', 'on_paper'],
          ['Paula Pastoral', 'practitioner', 'on_screen'],
          ['Tegan Marsh', 'family_member', 'in_person'],
          ['Yusuf Youth Worker', 'practitioner', 'on_screen'],
        ],
      )

      // Case notes with each visibility.
      const notes = await db.selectFrom('caseNotes').select(['visibility']).where('episodeId', '=', episodeId).execute()
      assert.deepEqual(notes.map(note => note.visibility).sort(), ['agency', 'family', 'team'])

      // The first review: completed, Distance Travelled re-scored, decision continue; the next review weeks away.
      const reviews = await db.selectFrom('reviews').selectAll().where('episodeId', '=', episodeId).execute()
      assert.equal(reviews.length, 1)
      const review = reviews[0]
      assert.ok(review)
      assert.deepEqual([review.status, review.decision], ['completed', 'continue'])
      const scores = await db.selectFrom('distanceScores').select(['elementKey', 'score']).where('reviewId', '=', review.id).execute()
      assert.equal(scores.length, 4)
      const episode = await db.selectFrom('episodes').select(['status', 'nextReviewOn']).where('id', '=', episodeId).executeTakeFirstOrThrow()
      assert.equal(episode.status, 'support')
      assert.ok(episode.nextReviewOn && isoDay(episode.nextReviewOn) > today, 'the next review is not overdue')

      // Every page of the episode opens for the lead professional.
      const practitioner = await signedIn(t, DEMO_PRACTITIONER_EMAIL)
      for (const page of ['team', 'who-is-who', 'plan', 'plan/versions/1', 'plan/family-copy', 'meetings', `meetings/${first.id}`, 'reviews', `reviews/${review.id}`, 'notes', 'chronology']) {
        const response = await practitioner.get(`/episodes/${episodeId}/${page}`)
        assert.equal(response.statusCode, 200, `/episodes/…/${page}`)
      }
      // The pastoral lead signs in without an authenticator app and has Tegan's episode on her list.
      const pastoral = await signedIn(t, DEMO_PASTORAL_EMAIL)
      assert.deepEqual(referencesOn((await pastoral.get('/episodes')).body), [marsh.reference])
    })

    it('gives the demo practitioner’s home page and the coordinator’s dashboard something to do', async () => {
      const marsh = seeded.families.find(family => family.familyName === 'Marsh')
      const kettering = seeded.families.find(family => family.familyName === 'Kettering')
      assert.ok(marsh && kettering)
      const practitioner = await signedIn(t, DEMO_PRACTITIONER_EMAIL)
      const home = load((await practitioner.get('/')).body)
      const section = (id: string) => home(`#work-${id}`).parent().find('ul').text()
      assert.match(section('actions'), /benefits check with Karen/)
      assert.match(section('actions'), /Overdue/)
      assert.match(section('minutes'), new RegExp(kettering.reference))
      assert.match(section('minutes'), /Overdue/)
      assert.match(section('meetings'), new RegExp(marsh.reference))

      const coordinator = await signedIn(t, DEMO_COORDINATOR_EMAIL)
      const dashboard = await coordinator.get('/early-help/dashboard')
      assert.equal(dashboard.statusCode, 200)
      const overdueMinutes = load(dashboard.body)('#overdue-minutes').parent().find('ul').text()
      assert.match(overdueMinutes, new RegExp(kettering.reference))
      assert.match(overdueMinutes, /The minutes of .+ are late/)
    })

    it('never lets an account of a real authority skip the authenticator app, even if flagged', async () => {
      const real = await buildAuthority(t, { name: 'Real Council' })
      const user = await buildUser(t, real.id, { roles: ['practitioner'] })
      await t.database.db.updateTable('users').set({ maySkipSecondFactor: true }).where('id', '=', user.id).execute()
      const browser = new Browser(t.app)
      await browser.get('/sign-in')
      const response = await browser.post('/sign-in', { email: user.email, password: user.password })
      assert.equal(response.statusCode, 303)
      assert.match(String(response.headers.location), /^\/sign-in\/second-factor/)
    })
  })
}
