import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { sql } from 'kysely'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, errorSummary, heading, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildLocality, buildUser, signIn, type TestUser } from '../../../test/helpers/builders.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { findEpisodeRelationship, hasConsentToAssess } from './episodes.service.ts'

type Family = { householdId: string; mother: string; father: string; child1: string; child2: string }

async function buildFamily(t: TestApp, authorityId: string, createdByUserId: string, surname: string): Promise<Family> {
  const db = t.database.db
  const householdId = uuidv7()
  const person = async (givenNames: string, dateOfBirth: string) => {
    const id = uuidv7()
    await db
      .insertInto('persons')
      .values({ authorityId, id, givenNames, familyName: surname, dateOfBirth, expectedDateOfBirth: null, sex: null, gender: null, ethnicity: null, firstLanguage: null, disability: null, address: null, postcode: 'AB1 2CD', phone: null, email: null, schoolOrSetting: null, uniquePupilNumber: null, nhsNumber: null, gpPractice: null, searchName: `${givenNames} ${surname}`.toLowerCase(), mergedIntoId: null, createdByUserId })
      .execute()
    return id
  }
  await db.insertInto('households').values({ authorityId, id: householdId, name: surname, address: null, postcode: 'AB1 2CD', createdByUserId }).execute()
  const mother = await person('Mary', '1990-04-02')
  const father = await person('Frank', '1988-01-20')
  const child1 = await person('Alfie', '2016-06-01')
  const child2 = await person('Bella', '2019-09-09')
  for (const personId of [mother, father, child1, child2]) {
    await db.insertInto('householdMembers').values({ authorityId, householdId, personId }).execute()
  }
  for (const child of [child1, child2]) {
    await db.insertInto('relationships').values({ authorityId, id: uuidv7(), personId: child, relatedPersonId: mother, kind: 'mother', description: null, parentalResponsibility: true }).execute()
    await db.insertInto('relationships').values({ authorityId, id: uuidv7(), personId: child, relatedPersonId: father, kind: 'father', description: null, parentalResponsibility: false }).execute()
  }
  return { householdId, mother, father, child1, child2 }
}

function episodeIdFrom(location: unknown): string {
  const match = /^\/episodes\/([0-9a-f-]{36})/.exec(String(location))
  assert.ok(match?.[1], `expected an episode address, got ${String(location)}`)
  return match[1]
}

const today = new Date()
const day = { d: String(today.getDate()), m: String(today.getMonth() + 1), y: String(today.getFullYear()) }

for (const kind of databaseKinds()) {
  describe(`episodes of early help (${kind})`, () => {
    let t: TestApp
    let authorityId: string
    let agencyId: string
    let owner: TestUser
    let outsider: TestUser
    let coordinator: TestUser
    let administrator: TestUser
    let ownerBrowser: Browser
    let outsiderBrowser: Browser
    let family: Family
    let familyEpisode: string
    let localityId: string

    before(async () => {
      t = await buildTestApp(kind)
      authorityId = (await buildAuthority(t)).id
      localityId = (await buildLocality(t, authorityId, 'Riverside')).id
      agencyId = (await buildAgency(t, authorityId, { name: 'Riverside Primary School', localityId })).id
      owner = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [agencyId], name: 'Olive Owner' })
      outsider = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [agencyId], name: 'Oscar Outsider' })
      coordinator = await buildUser(t, authorityId, { roles: ['coordinator'], agencyIds: [agencyId], name: 'Cora Coordinator' })
      administrator = await buildUser(t, authorityId, { roles: ['administrator'], agencyIds: [agencyId], name: 'Ada Admin' })
      family = await buildFamily(t, authorityId, owner.id, 'Kettering')
      ownerBrowser = await signIn(t, owner)
      outsiderBrowser = await signIn(t, outsider)
    })
    after(() => t.close())

    async function audit(action: string, outcome: 'allowed' | 'denied', userId: string) {
      const result = await sql<{ count: number }>`select count(*)::int as count from audit_events where action = ${action} and outcome = ${outcome} and actor_user_id = ${userId}`.execute(t.database.db)
      return result.rows[0]?.count ?? 0
    }

    async function episodeRow(episodeId: string) {
      return t.database.db.selectFrom('episodes').selectAll().where('id', '=', episodeId).executeTakeFirstOrThrow()
    }

    /** Answers for the checklist form of an episode: "no" to everything except the risk question. */
    async function checklistAnswers(episodeId: string, risk: 'yes' | 'no') {
      const form = await ownerBrowser.get(`/episodes/${episodeId}/checklist`)
      const $ = load(form.body)
      const count = Number($('input[name="questionCount"]').attr('value'))
      const answers: Record<string, string> = { version: '0', questionCount: String(count) }
      $('fieldset').each((_i, fieldset) => {
        const name = $(fieldset).find('input[type="radio"]').first().attr('name') ?? ''
        if (!/^q[0-9]+$/.test(name)) return
        answers[name] = /significant harm/.test($(fieldset).find('legend').text()) ? risk : 'no'
      })
      assert.equal(Object.keys(answers).length, count + 2)
      return answers
    }

    async function startForChild(browser: Browser, personId: string) {
      await browser.get(`/episodes/new?personId=${personId}`)
      const response = await browser.post('/episodes/new', { personId })
      assert.equal(response.statusCode, 303)
      return episodeIdFrom(response.headers.location)
    }

    it('starts one episode for two children of a family, with the starter as owner', async () => {
      const form = await ownerBrowser.get(`/episodes/new?householdId=${family.householdId}`)
      assert.equal(form.statusCode, 200)
      const $ = load(form.body)
      // Children are proposed as subject children, adults as included adults.
      assert.equal($(`input[name="childIds"][value="${family.child1}"]`).attr('checked'), 'checked')
      assert.equal($(`input[name="adultIds"][value="${family.mother}"]`).attr('checked'), 'checked')

      const empty = await ownerBrowser.post('/episodes/new', { householdId: family.householdId, adultIds: [family.mother] })
      assert.equal(empty.statusCode, 400)
      assert.deepEqual(errorSummary(empty.body), ['Select at least one child the episode is for'])

      const response = await ownerBrowser.post('/episodes/new', { householdId: family.householdId, childIds: [family.child1, family.child2], adultIds: [family.mother, family.father] })
      assert.equal(response.statusCode, 303)
      familyEpisode = episodeIdFrom(response.headers.location)
      const episode = await episodeRow(familyEpisode)
      assert.match(episode.reference, /^EH-\d{4}-\d{6}$/)
      assert.equal(episode.scope, 'family')
      assert.equal(episode.status, 'checklist')
      // The episode belongs to the locality of the agency that started it: that locality's coordinators see it.
      assert.equal(episode.localityId, localityId)
      const template = await t.database.db.selectFrom('assessmentTemplateVersions').select('id').where('authorityId', '=', authorityId).where('templateKey', '=', 'caf-standard').orderBy('versionNumber', 'desc').executeTakeFirst()
      assert.equal(episode.templateVersionId, template?.id ?? null) // the authority's latest CAF (none installed: null, with a message)
      const people = await t.database.db.selectFrom('episodePeople').selectAll().where('episodeId', '=', familyEpisode).execute()
      assert.equal(people.filter(person => person.role === 'child').length, 2)
      assert.equal(people.filter(person => person.role === 'adult').length, 2)
      const members = await t.database.db.selectFrom('episodeMembers').selectAll().where('episodeId', '=', familyEpisode).execute()
      assert.deepEqual(members.map(member => [member.userId, member.role, member.agencyId]), [[owner.id, 'owner', agencyId]])
      assert.equal(await audit('episode.start', 'allowed', owner.id), 1)

      const page = await ownerBrowser.follow(response)
      assert.equal(page.statusCode, 200)
      assert.match(heading(page.body), /Alfie Kettering, Bella Kettering/)
      assert.match(page.body, /I think this child is at risk of significant harm/)
      assert.match(load(page.body)('.govuk-task-list').text(), /Cannot start yet/)
      assert.match(page.body, /Call 999 if a child is in immediate danger/)
      // Each child and adult links to their own record, which the episode's team may open.
      const personLinks = load(page.body)('ul.govuk-list a[href^="/people/"]').map((_i, link) => load(page.body)(link).attr('href')).get()
      assert.deepEqual(personLinks.sort(), people.map(person => `/people/${person.personId}`).sort())
      const child = await ownerBrowser.get(personLinks[0] ?? '/people/none')
      assert.equal(child.statusCode, 200)
      assert.deepEqual(await findEpisodeRelationship(t.database.db, authorityId, familyEpisode, owner.id), { onTeam: true, contributorOnly: false, agencyConsentWithdrawn: false, episodeId: familyEpisode, coordinatesArea: false, listedAtPanel: false })
      assert.deepEqual(await findEpisodeRelationship(t.database.db, authorityId, familyEpisode, outsider.id), { onTeam: false, episodeId: familyEpisode, coordinatesArea: false, listedAtPanel: false })
    })

    it('gives each episode its own reference, also when started at the same moment', async () => {
      const browsers = [ownerBrowser, ownerBrowser, ownerBrowser]
      const ids = await Promise.all(browsers.map(browser => browser.post('/episodes/new', { personId: family.child2 }).then(response => episodeIdFrom(response.headers.location))))
      const references = await t.database.db.selectFrom('episodes').select('reference').where('id', 'in', ids).execute()
      assert.equal(new Set(references.map(row => row.reference)).size, 3)
    })

    it('lists my episodes, and links Episodes from the navigation and home page', async () => {
      const list = await ownerBrowser.get('/episodes')
      assert.equal(list.statusCode, 200)
      assert.ok(list.body.includes(`/episodes/${familyEpisode}`))
      const home = await ownerBrowser.get('/')
      assert.ok(load(home.body)('a[href="/episodes"]').length >= 2)
    })

    it('records the checklist; a risk of harm answer forces the safeguarding path', async () => {
      const form = await ownerBrowser.get(`/episodes/${familyEpisode}/checklist`)
      assert.equal(form.statusCode, 200)
      const questions = Number(load(form.body)('input[name="questionCount"]').attr('value'))
      assert.ok(questions >= 4)
      const yes = await checklistAnswers(familyEpisode, 'yes')
      const no = await checklistAnswers(familyEpisode, 'no')
      const answers = (risk: string) => (risk === 'yes' ? yes : no)

      const missing = await ownerBrowser.post(`/episodes/${familyEpisode}/checklist`, { version: '0', questionCount: String(questions) })
      assert.equal(missing.statusCode, 400)
      assert.ok(errorSummary(missing.body).includes('Select what should happen next'))

      const wrongOutcome = await ownerBrowser.post(`/episodes/${familyEpisode}/checklist`, { ...answers('yes'), outcome: 'common_assessment' })
      assert.equal(wrongOutcome.statusCode, 400)
      assert.deepEqual(errorSummary(wrongOutcome.body), ['You answered yes to risk of significant harm: the outcome must be a safeguarding referral'])

      const saved = await ownerBrowser.post(`/episodes/${familyEpisode}/checklist`, { ...answers('no'), outcome: 'common_assessment', notes: 'School and health visitor both worried' })
      assert.equal(saved.statusCode, 303)
      const checklist = await t.database.db.selectFrom('episodeChecklists').selectAll().where('episodeId', '=', familyEpisode).executeTakeFirstOrThrow()
      assert.equal(checklist.outcome, 'common_assessment')
      assert.equal(checklist.answers.length, questions)
      assert.match(checklist.answers.find(answer => answer.riskOfSignificantHarm)?.question ?? '', /significant harm/)
      assert.equal((await episodeRow(familyEpisode)).status, 'consent')

      // Someone else saved meanwhile: a stale version shows both.
      const stale = await ownerBrowser.post(`/episodes/${familyEpisode}/checklist`, { ...answers('no'), outcome: 'universal_services' })
      assert.equal(stale.statusCode, 409)
      assert.match(errorSummary(stale.body)[0] ?? '', /Someone else saved this checklist/)
      assert.match(stale.body, /What is saved now/)
      assert.equal((await episodeRow(familyEpisode)).status, 'consent')
    })

    it('takes a risk answer to the safeguarding path, flags the episode, and records and audits the referral', async () => {
      const episodeId = await startForChild(ownerBrowser, family.child1)
      const answers = await checklistAnswers(episodeId, 'yes')
      const response = await ownerBrowser.post(`/episodes/${episodeId}/checklist`, { ...answers, outcome: 'safeguarding_referral' })
      assert.equal(response.statusCode, 303)
      assert.equal(response.headers.location, `/episodes/${episodeId}/safeguarding?from=checklist`)
      assert.equal((await episodeRow(episodeId)).safeguardingFlag, true)
      // The answers are kept (nothing typed is lost), but early help does not end until the referral is recorded.
      const kept = await t.database.db.selectFrom('episodeChecklists').selectAll().where('episodeId', '=', episodeId).executeTakeFirstOrThrow()
      assert.equal(kept.outcome, 'safeguarding_referral')
      assert.notEqual((await episodeRow(episodeId)).status, 'closed')

      const page = await ownerBrowser.follow(response)
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /make the referral now/)
      const flagged = await ownerBrowser.get(`/episodes/${episodeId}`)
      assert.match(flagged.body, /no referral is recorded yet/)

      const noCsrf = await ownerBrowser.post(`/episodes/${episodeId}/safeguarding`, { referredTo: 'police' }, { csrf: false })
      assert.equal(noCsrf.statusCode, 403)

      const invalid = await ownerBrowser.post(`/episodes/${episodeId}/safeguarding`, { referredTo: 'police', concern: '', 'referredOn-day': '31', 'referredOn-month': '2', 'referredOn-year': day.y, method: 'phone' })
      assert.equal(invalid.statusCode, 400)
      assert.deepEqual(errorSummary(invalid.body), ['Enter what you are worried about'])
      const badDate = await ownerBrowser.post(`/episodes/${episodeId}/safeguarding`, { referredTo: 'police', concern: 'Bruises', 'referredOn-day': '31', 'referredOn-month': '2', 'referredOn-year': day.y, method: 'phone' })
      assert.equal(badDate.statusCode, 400)
      assert.deepEqual(errorSummary(badDate.body), ['Date of the referral must be a real date'])
      assert.equal(load(badDate.body)('#referredOn-day').attr('value'), '31')

      const recorded = await ownerBrowser.post(`/episodes/${episodeId}/safeguarding`, {
        referredTo: 'childrens_social_care',
        concern: 'Alfie said he is scared to go home',
        'referredOn-day': day.d,
        'referredOn-month': day.m,
        'referredOn-year': day.y,
        referredTime: '',
        method: 'phone',
        spokeTo: 'Duty social worker Sam',
        reference: 'MASH-1234',
      })
      assert.equal(recorded.statusCode, 303)
      const referral = await t.database.db.selectFrom('safeguardingReferrals').selectAll().where('episodeId', '=', episodeId).executeTakeFirstOrThrow()
      assert.equal(referral.referredTo, 'childrens_social_care')
      assert.equal(referral.spokeTo, 'Duty social worker Sam')
      assert.equal(referral.outcome, null)
      const audited = await t.database.db.selectFrom('auditEvents').selectAll().where('action', '=', 'episode.refer-safeguarding').where('recordId', '=', episodeId).execute()
      assert.ok(audited.some(event => event.outcome === 'allowed' && (event.details as Record<string, unknown>).referralId === referral.id))

      const show = await ownerBrowser.follow(recorded)
      assert.match(show.body, /A referral to children’s social care or the police has been made/)
      assert.match(show.body, /MASH-1234/)

      // Recording the referral the checklist was waiting for ends the early-help episode.
      const episode = await episodeRow(episodeId)
      assert.equal(episode.status, 'closed')
      assert.equal(episode.outcome, 'safeguarding_referral')

      // The outcome of the referral is added later, with optimistic concurrency.
      const outcomeForm = await ownerBrowser.get(`/episodes/${episodeId}/safeguarding/${referral.id}/outcome`)
      assert.equal(outcomeForm.statusCode, 200)
      const saved = await ownerBrowser.post(`/episodes/${episodeId}/safeguarding/${referral.id}/outcome`, { version: '1', outcome: 'Strategy discussion held; section 47 enquiry', reference: '' })
      assert.equal(saved.statusCode, 303)
      const stale = await ownerBrowser.post(`/episodes/${episodeId}/safeguarding/${referral.id}/outcome`, { version: '1', outcome: 'Something else', reference: '' })
      assert.equal(stale.statusCode, 409)
      assert.match(stale.body, /Strategy discussion held/)
    })

    it('gates the assessment on consent: given, then withdrawn', async () => {
      assert.equal(await hasConsentToAssess(t.database.db, authorityId, familyEpisode), false)
      const form = await ownerBrowser.get(`/episodes/${familyEpisode}/consent`)
      assert.equal(form.statusCode, 200)
      const $ = load(form.body)
      assert.equal($(`select[name="parentPersonId"] option[value="${family.mother}"]`).length, 1)
      assert.equal($(`select[name="parentPersonId"] option[value="${family.father}"]`).length, 0) // no parental responsibility recorded

      const invalid = await ownerBrowser.post(`/episodes/${familyEpisode}/consent`, { decision: 'given', giverKind: 'parent_carer', parentPersonId: '', method: 'in_person', 'givenOn-day': day.d, 'givenOn-month': day.m, 'givenOn-year': day.y })
      assert.equal(invalid.statusCode, 400)
      assert.deepEqual(errorSummary(invalid.body), ['Select the parent or carer with parental responsibility', 'Select what consent was given for'])

      const notParent = await ownerBrowser.post(`/episodes/${familyEpisode}/consent`, { decision: 'given', giverKind: 'parent_carer', parentPersonId: family.father, toAssess: 'yes', method: 'in_person', 'givenOn-day': day.d, 'givenOn-month': day.m, 'givenOn-year': day.y })
      assert.equal(notParent.statusCode, 400)
      assert.equal(await hasConsentToAssess(t.database.db, authorityId, familyEpisode), false)

      const given = await ownerBrowser.post(`/episodes/${familyEpisode}/consent`, {
        decision: 'given',
        giverKind: 'parent_carer',
        parentPersonId: family.mother,
        toAssess: 'yes',
        shareAgencyIds: [agencyId],
        shareAgencyKinds: ['health_visiting'],
        method: 'in_person',
        'givenOn-day': day.d,
        'givenOn-month': day.m,
        'givenOn-year': day.y,
      })
      assert.equal(given.statusCode, 303)
      assert.equal(await hasConsentToAssess(t.database.db, authorityId, familyEpisode), true)
      assert.equal((await episodeRow(familyEpisode)).status, 'assessment')
      const page = await ownerBrowser.follow(given)
      assert.match(page.body, /Mary Kettering/)
      assert.match(page.body, /Sharing information with Riverside Primary School/)
      assert.match(load(page.body)('.govuk-task-list').text(), /Ready to start/)

      const printable = await ownerBrowser.get(`/episodes/${familyEpisode}/consent-form`)
      assert.equal(printable.statusCode, 200)
      assert.match(printable.body, /Signature/)
      assert.doesNotMatch(printable.body, /style=/)

      const consent = await t.database.db.selectFrom('consents').selectAll().where('episodeId', '=', familyEpisode).executeTakeFirstOrThrow()
      const withdrawn = await ownerBrowser.post(`/episodes/${familyEpisode}/consent/${consent.id}/withdraw`, { version: '1', reason: 'Mother no longer wants the assessment', 'withdrawnOn-day': day.d, 'withdrawnOn-month': day.m, 'withdrawnOn-year': day.y })
      assert.equal(withdrawn.statusCode, 303)
      assert.equal(await hasConsentToAssess(t.database.db, authorityId, familyEpisode), false)
      assert.equal((await episodeRow(familyEpisode)).status, 'consent')
      const after = await ownerBrowser.follow(withdrawn)
      assert.match(after.body, /Withdrawn consent/)
      assert.match(after.body, /Mother no longer wants the assessment/)
      assert.match(load(after.body)('.govuk-task-list').text(), /Cannot start yet/)

      const again = await ownerBrowser.post(`/episodes/${familyEpisode}/consent/${consent.id}/withdraw`, { version: '1', reason: 'Twice', 'withdrawnOn-day': day.d, 'withdrawnOn-month': day.m, 'withdrawnOn-year': day.y })
      assert.equal(again.statusCode, 409)
    })

    it('records a competent young person’s consent and a refusal that ends the episode', async () => {
      const episodeId = await startForChild(ownerBrowser, family.child2)
      const young = await ownerBrowser.post(`/episodes/${episodeId}/consent`, { decision: 'given', giverKind: 'young_person', youngPersonId: family.child2, toAssess: 'yes', method: 'verbal', 'givenOn-day': day.d, 'givenOn-month': day.m, 'givenOn-year': day.y })
      assert.equal(young.statusCode, 400)
      assert.ok(errorSummary(young.body).includes('Enter who judged the young person competent'))

      const refused = await ownerBrowser.post(`/episodes/${episodeId}/consent`, { decision: 'refused', giverKind: 'parent_carer', parentPersonId: family.mother, refusalReason: 'Does not want services involved', method: 'phone', 'givenOn-day': day.d, 'givenOn-month': day.m, 'givenOn-year': day.y })
      assert.equal(refused.statusCode, 303)
      const episode = await episodeRow(episodeId)
      assert.equal(episode.status, 'closed')
      assert.equal(episode.outcome, 'consent_refused')
      assert.equal(await hasConsentToAssess(t.database.db, authorityId, episodeId), false)
      const page = await ownerBrowser.follow(refused)
      assert.match(page.body, /Ended: Consent refused/)
      assert.match(page.body, /Does not want services involved/)
    })

    it('shows a practitioner not on the episode nothing of it, on every episode route, and audits each refusal', async () => {
      const consent = await t.database.db.selectFrom('consents').select('id').where('episodeId', '=', familyEpisode).executeTakeFirstOrThrow()
      const referral = await t.database.db.selectFrom('safeguardingReferrals').select(['id', 'episodeId']).executeTakeFirstOrThrow()
      // The routes this test can fill (the episode's own records); routes of later features, with ids of their own
      // records, are covered for every role by test/access/matrix.test.ts.
      const fillable = (url: string) => (url.match(/:\w+/g) ?? []).every(param => [':episodeId', ':consentId', ':referralId'].includes(param))
      // The break-glass form is, by design, for practitioners with no right to the episode (src/features/break-glass).
      const routes = t.app.routeInventory.filter(
        route => (route.url.startsWith('/episodes/:episodeId') || route.url.startsWith('/api/v1/episodes/:episodeId')) && fillable(route.url) && route.url !== '/episodes/:episodeId/break-glass',
      )
      assert.ok(routes.length >= 12, `found ${routes.length} episode routes`)
      for (const route of routes) {
        const episodeId = route.url.includes(':referralId') ? referral.episodeId : familyEpisode
        const url = route.url.replace(':episodeId', episodeId).replace(':consentId', consent.id).replace(':referralId', referral.id)
        const before = await sql<{ count: number }>`select count(*)::int as count from audit_events where outcome = 'denied' and actor_user_id = ${outsider.id}`.execute(t.database.db)
        const response =
          route.method === 'GET'
            ? await outsiderBrowser.get(url)
            : url.startsWith('/api/')
              ? await t.app.inject({ method: route.method === 'PUT' ? 'PUT' : 'POST', url, headers: { cookie: [...outsiderBrowser.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-csrf-token': outsiderBrowser.csrfToken, 'content-type': 'application/json' }, payload: '{}' })
              : await outsiderBrowser.post(url, { version: '1', outcome: 'x', reason: 'x' })
        assert.equal(response.statusCode, 403, `${route.method} ${url}`)
        assert.doesNotMatch(response.body, /Kettering/, `${route.method} ${url} showed the family`)
        const afterwards = await sql<{ count: number }>`select count(*)::int as count from audit_events where outcome = 'denied' and actor_user_id = ${outsider.id}`.execute(t.database.db)
        assert.ok((afterwards.rows[0]?.count ?? 0) > (before.rows[0]?.count ?? 0), `${route.method} ${url} refusal not audited`)
      }
      const list = await outsiderBrowser.get('/episodes')
      assert.equal(list.statusCode, 200)
      assert.doesNotMatch(list.body, /Kettering|EH-/)
      // Starting early help for a whole household needs a relationship to it: the page would show its other members.
      const start = await outsiderBrowser.get(`/episodes/new?householdId=${family.householdId}`)
      assert.equal(start.statusCode, 403)
      assert.doesNotMatch(start.body, /Kettering/)
    })

    it('lets a coordinator see any episode of the authority', async () => {
      const browser = await signIn(t, coordinator)
      const page = await browser.get(`/episodes/${familyEpisode}`)
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /Alfie Kettering/)
    })

    it('answers 404 for another authority’s episode and for malformed ids', async () => {
      const otherAuthority = (await buildAuthority(t)).id
      const otherUser = await buildUser(t, otherAuthority, { roles: ['coordinator', 'practitioner'] })
      const otherFamily = await buildFamily(t, otherAuthority, otherUser.id, 'Zedson')
      const otherBrowser = await signIn(t, otherUser)
      const otherEpisode = episodeIdFrom((await otherBrowser.post('/episodes/new', { personId: otherFamily.child1 })).headers.location)
      const superUser = await buildUser(t, authorityId, { roles: ['coordinator', 'practitioner', 'administrator'] })
      const browser = await signIn(t, superUser)
      for (const url of [`/episodes/${otherEpisode}`, `/episodes/${otherEpisode}/checklist`, `/episodes/${otherEpisode}/consent`, `/episodes/not-a-uuid`, `/api/v1/episodes/${otherEpisode}`, `/episodes/new?personId=${otherFamily.child1}`]) {
        const response = await browser.get(url)
        assert.equal(response.statusCode, 404, url)
        assert.doesNotMatch(response.body, /Zedson/)
      }
    })

    it('works through the API: start, read, consent and referral', async () => {
      const headers = { cookie: [...ownerBrowser.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-csrf-token': ownerBrowser.csrfToken, 'content-type': 'application/json' }
      const started = await t.app.inject({ method: 'POST', url: '/api/v1/episodes', headers, payload: JSON.stringify({ householdId: family.householdId, childIds: [family.child1, family.child2], adultIds: [family.mother] }) })
      assert.equal(started.statusCode, 201, started.body)
      const episode = started.json() as { id: string; people: unknown[]; reference: string }
      assert.equal(episode.people.length, 3)
      const bad = await t.app.inject({ method: 'POST', url: `/api/v1/episodes/${episode.id}/consents`, headers, payload: JSON.stringify({ decision: 'given', giverKind: 'young_person', giverPersonId: family.child1, toAssess: true, method: 'verbal', givenOn: '2020-02-30' }) })
      assert.equal(bad.statusCode, 400)
      const consent = await t.app.inject({
        method: 'POST',
        url: `/api/v1/episodes/${episode.id}/consents`,
        headers,
        payload: JSON.stringify({ decision: 'given', giverKind: 'young_person', giverPersonId: family.child1, competence: { basis: 'gillick', judgedBy: 'Olive Owner', reasoning: 'Understood what would be shared and why' }, toAssess: true, shareAgencyKinds: ['school'], method: 'verbal', givenOn: new Date().toISOString().slice(0, 10) }),
      })
      assert.equal(consent.statusCode, 201, consent.body)
      assert.equal(await hasConsentToAssess(t.database.db, authorityId, episode.id), true)
      const referral = await t.app.inject({ method: 'POST', url: `/api/v1/episodes/${episode.id}/safeguarding-referrals`, headers, payload: JSON.stringify({ referredTo: 'police', concern: 'Disclosure at school', referredAt: new Date().toISOString(), method: 'phone' }) })
      assert.equal(referral.statusCode, 201, referral.body)
      const read = await t.app.inject({ method: 'GET', url: `/api/v1/episodes/${episode.id}`, headers })
      assert.equal(read.statusCode, 200)
      const body = read.json() as { safeguardingFlag: boolean; consentToAssess: boolean; consents: unknown[] }
      assert.equal(body.safeguardingFlag, true)
      assert.equal(body.consentToAssess, true)
      const mine = await t.app.inject({ method: 'GET', url: '/api/v1/episodes', headers })
      assert.ok((mine.json() as { items: { id: string }[] }).items.some(item => item.id === episode.id))
      const openApi = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })
      assert.match(openApi.body, /recordSafeguardingReferral/)
    })

    it('lets an administrator keep the safeguarding contacts, shown on the safeguarding path', async () => {
      const admin = await signIn(t, administrator)
      const form = await admin.get('/admin/safeguarding-contacts')
      assert.equal(form.statusCode, 200)
      const invalid = await admin.post('/admin/safeguarding-contacts', { version: '0', socialCareName: '', policeNonEmergency: '101', onlineReferralUrl: 'http://insecure' })
      assert.equal(invalid.statusCode, 400)
      const saved = await admin.post('/admin/safeguarding-contacts', { version: '0', socialCareName: 'Front Door (MASH)', socialCarePhone: '01234 567890', socialCareHours: 'Monday to Friday, 9am to 5pm', outOfHoursPhone: '01234 000999', onlineReferralUrl: '', policeNonEmergency: '101', extraAdvice: '' })
      assert.equal(saved.statusCode, 303)
      const stale = await admin.post('/admin/safeguarding-contacts', { version: '0', socialCareName: 'Other', policeNonEmergency: '101' })
      assert.equal(stale.statusCode, 409)
      const practitionerRefused = await ownerBrowser.get('/admin/safeguarding-contacts')
      assert.equal(practitionerRefused.statusCode, 403)
      const path = await ownerBrowser.get(`/episodes/${familyEpisode}/safeguarding`)
      assert.match(path.body, /01234 567890/)
      assert.match(path.body, /01234 000999/)
    })
  })
}
