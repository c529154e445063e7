import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { sql } from 'kysely'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, errorSummary, heading, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildUser, signIn, type TestUser } from '../../../test/helpers/builders.ts'
import { uuidv7 } from '../../lib/ids.ts'

const BASE_PERSON = {
  otherNames: '', 'dateOfBirth-day': '', 'dateOfBirth-month': '', 'dateOfBirth-year': '', 'expectedDateOfBirth-day': '', 'expectedDateOfBirth-month': '',
  'expectedDateOfBirth-year': '', gender: '', ethnicity: '', firstLanguage: '', interpreterNeeded: 'no', disability: '', address: '', postcode: '',
  phone: '', email: '', schoolOrSetting: '', uniquePupilNumber: '', nhsNumber: '', gpPractice: '',
}

for (const kind of databaseKinds()) {
  describe(`people and families (${kind})`, () => {
    let t: TestApp
    let authorityId: string
    let practitioner: TestUser
    let stranger: TestUser
    let coordinator: TestUser
    let browser: Browser
    let strangerBrowser: Browser
    let coordinatorBrowser: Browser

    before(async () => {
      t = await buildTestApp(kind, process.env.PEOPLE_DEBUG ? { env: { LOG_LEVEL: 'error' } } : {})
      authorityId = (await buildAuthority(t)).id
      const agencyId = (await buildAgency(t, authorityId)).id
      practitioner = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [agencyId] })
      stranger = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [agencyId] })
      coordinator = await buildUser(t, authorityId, { roles: ['coordinator'], agencyIds: [agencyId] })
      browser = await signIn(t, practitioner)
      strangerBrowser = await signIn(t, stranger)
      coordinatorBrowser = await signIn(t, coordinator)
    })
    after(() => t.close())

    async function register(as: Browser, fields: Record<string, string>) {
      await as.get(`/people/new?givenNames=x&familyName=y`)
      return as.post('/people/new', { ...BASE_PERSON, ...fields })
    }

    async function person(id: string) {
      return t.database.db.selectFrom('persons').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    }

    it('registers a child, then finds them again despite a typo and reuses the record', async () => {
      const created = await register(browser, {
        givenNames: 'Katherine', familyName: 'Okafor', 'dateOfBirth-day': '4', 'dateOfBirth-month': '7', 'dateOfBirth-year': '2016',
        postcode: 'ls6 2ab', nhsNumber: '943 476 5919', schoolOrSetting: 'Hillside Primary', sex: 'female', confirmNew: 'yes',
      })
      assert.equal(created.statusCode, 303, created.body.slice(0, 400))
      const personId = String(created.headers.location).split('/').pop() ?? ''
      const row = await person(personId)
      assert.equal(row.postcode, 'LS6 2AB')
      assert.equal(row.nhsNumber, '9434765919')
      assert.equal(row.dateOfBirth, '2016-07-04')
      assert.equal(row.searchName, 'katherine okafor')
      assert.equal(row.createdByUserId, practitioner.id)

      // Someone else searches with a nickname and a typo in the surname: the record is offered, with little detail.
      const search = await strangerBrowser.get('/people?givenNames=Kate&familyName=Okafur&dateOfBirth-day=4&dateOfBirth-month=7&dateOfBirth-year=2016&postcode=')
      assert.equal(search.statusCode, 200)
      const $ = load(search.body)
      assert.match($('#results').text(), /1 person may already be registered/)
      assert.match(search.body, /Katherine Okafor/)
      assert.match(search.body, /LS6/)
      assert.doesNotMatch(search.body, /LS6 2AB|943 476 5919/)
      const use = $(`a[href="/episodes/new?personId=${personId}"]`)
      assert.equal(use.length, 1, 'use this person starts early help with the existing record')
      const audit = await t.database.db.selectFrom('auditEvents').select(['outcome']).where('action', '=', 'person.search').where('actorUserId', '=', stranger.id).execute()
      assert.equal(audit.length, 1)

      // Registering the same person again is stopped with the candidates shown, and nothing is saved.
      const before = await t.database.db.selectFrom('persons').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()
      const again = await register(strangerBrowser, { givenNames: 'Kate', familyName: 'Okafor', 'dateOfBirth-day': '4', 'dateOfBirth-month': '7', 'dateOfBirth-year': '2016' })
      assert.equal(again.statusCode, 409)
      assert.match(errorSummary(again.body)[0] ?? '', /may already be registered/)
      assert.match(load(again.body)('#candidates').text(), /Katherine Okafor/)
      // Even after confirming, the NHS number cannot be registered twice.
      const nhsAgain = await register(strangerBrowser, { givenNames: 'Kathy', familyName: 'Okafor', nhsNumber: '9434765919', confirmNew: 'yes' })
      assert.equal(nhsAgain.statusCode, 422)
      assert.match(errorSummary(nhsAgain.body)[0] ?? '', /NHS number is already registered/)
      const afterCount = await t.database.db.selectFrom('persons').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow()
      assert.equal(afterCount.n, before.n)

      // The registrant can open the record; a practitioner with no relationship cannot, and is audited as denied.
      assert.equal((await browser.get(`/people/${personId}`)).statusCode, 200)
      const refused = await strangerBrowser.get(`/people/${personId}`)
      assert.equal(refused.statusCode, 403)
      const denied = await t.database.db.selectFrom('auditEvents').select(['outcome', 'recordId']).where('action', '=', 'person.view').where('actorUserId', '=', stranger.id).execute()
      assert.deepEqual(denied, [{ outcome: 'denied', recordId: personId }])

      // Put on the team of an episode about the child, they can.
      const episodeId = uuidv7()
      await t.database.db.insertInto('episodes').values({ authorityId, id: episodeId, reference: `EH-T-${episodeId.slice(-6)}`, scope: 'child', status: 'identification', startedByUserId: stranger.id, startedAt: new Date() }).execute()
      await t.database.db.insertInto('episodePeople').values({ authorityId, episodeId, personId, role: 'child' }).execute()
      await t.database.db.insertInto('episodeMembers').values({ authorityId, episodeId, userId: stranger.id, role: 'owner', joinedAt: new Date() }).execute()
      const allowed = await strangerBrowser.get(`/people/${personId}`)
      assert.equal(allowed.statusCode, 200)
      assert.equal(heading(allowed.body), 'Katherine Okafor')
      assert.match(allowed.body, new RegExp(`EH-T-${episodeId.slice(-6)}`))
    })

    it('refuses invalid NHS numbers, postcodes, UPNs and dates with specific messages, saving nothing', async () => {
      const response = await register(browser, {
        givenNames: 'Ava', familyName: 'Lindqvist', nhsNumber: '9434765918', postcode: 'NOT A CODE', uniquePupilNumber: 'A12345678901X',
        confirmNew: 'yes',
      })
      assert.equal(response.statusCode, 400)
      const messages = errorSummary(response.body).join('\n')
      assert.match(messages, /Enter a real NHS number/)
      assert.match(messages, /Enter a real postcode/)
      assert.match(messages, /unique pupil number/)
      const badDate = await register(browser, { givenNames: 'Ava', familyName: 'Lindqvist', 'dateOfBirth-day': '31', 'dateOfBirth-month': '2', 'dateOfBirth-year': '2018', confirmNew: 'yes' })
      assert.equal(badDate.statusCode, 400)
      assert.deepEqual(errorSummary(badDate.body), ['Date of birth must be a real date, like 27 3 2019'])
      assert.equal(load(response.body)('#givenNames').attr('value'), 'Ava')
      assert.equal(await t.database.db.selectFrom('persons').select('id').where('familyName', '=', 'Lindqvist').executeTakeFirst(), undefined)
    })

    it('keeps both versions when an edit is stale', async () => {
      const created = await register(browser, { givenNames: 'Rhys', familyName: 'Pemberton-Hale', confirmNew: 'yes' })
      const personId = String(created.headers.location).split('/').pop() ?? ''
      const form = await browser.get(`/people/${personId}/edit`)
      const version = load(form.body)('input[name="version"]').attr('value') ?? ''
      const first = await browser.post(`/people/${personId}/edit`, { ...BASE_PERSON, givenNames: 'Rhys', familyName: 'Pemberton-Hale', firstLanguage: 'Welsh', version })
      assert.equal(first.statusCode, 303)
      const stale = await browser.post(`/people/${personId}/edit`, { ...BASE_PERSON, givenNames: 'Rhys', familyName: 'Pemberton-Hale', firstLanguage: 'English', version })
      assert.equal(stale.statusCode, 409)
      assert.match(errorSummary(stale.body)[0] ?? '', /Someone else changed this record/)
      assert.match(load(stale.body)('.govuk-inset-text').text(), /Welsh/)
      assert.equal((await person(personId)).firstLanguage, 'Welsh')
    })

    it('merges two records of one person and undoes the merge exactly', async () => {
      const a = await register(browser, { givenNames: 'Thomas', familyName: 'Achterberg', 'dateOfBirth-day': '1', 'dateOfBirth-month': '2', 'dateOfBirth-year': '2015', confirmNew: 'yes' })
      const keptId = String(a.headers.location).split('/').pop() ?? ''
      const b = await register(browser, { givenNames: 'Tom', familyName: 'Achterberg', 'dateOfBirth-day': '1', 'dateOfBirth-month': '2', 'dateOfBirth-year': '2015', confirmNew: 'yes' })
      const mergedId = String(b.headers.location).split('/').pop() ?? ''
      const mother = await register(browser, { givenNames: 'Ilse', familyName: 'Achterberg', confirmNew: 'yes' })
      const motherId = String(mother.headers.location).split('/').pop() ?? ''
      // Two households: the kept record is in one, the duplicate in both (separated parents).
      await browser.get(`/households/new?personId=${keptId}`)
      const h1 = await browser.post('/households/new', { name: 'Achterberg family', address: '', postcode: 'LS1 4AP', personId: keptId })
      const household1 = String(h1.headers.location).split('/').pop() ?? ''
      await browser.post(`/households/${household1}/members`, { personId: mergedId })
      await browser.post(`/households/${household1}/members`, { personId: motherId })
      const h2 = await browser.post('/households/new', { name: 'Dad’s house', address: '', postcode: '', personId: mergedId })
      const household2 = String(h2.headers.location).split('/').pop() ?? ''
      const rel = await browser.post(`/households/${household1}/relationships/new`, { personId: mergedId, relatedPersonId: motherId, kind: 'mother', parentalResponsibility: 'yes', description: '' })
      assert.equal(rel.statusCode, 303)
      const episodeId = uuidv7()
      await t.database.db.insertInto('episodes').values({ authorityId, id: episodeId, reference: `EH-M-${episodeId.slice(-6)}`, scope: 'family', householdId: household1, status: 'identification', startedByUserId: practitioner.id, startedAt: new Date() }).execute()
      await t.database.db.insertInto('episodePeople').values([{ authorityId, episodeId, personId: mergedId, role: 'child' }]).execute()

      const snapshot = async () => {
        const members = await sql`select household_id, person_id, joined_at, left_at from household_members where authority_id = ${authorityId} and person_id in (${keptId}, ${mergedId}) order by 1, 2`.execute(t.database.db)
        const relationships = await sql`select * from relationships where authority_id = ${authorityId} and (person_id in (${keptId}, ${mergedId}) or related_person_id in (${keptId}, ${mergedId})) order by id`.execute(t.database.db)
        const episodes = await sql`select * from episode_people where authority_id = ${authorityId} and person_id in (${keptId}, ${mergedId}) order by 1, 2, 3`.execute(t.database.db)
        return JSON.stringify([members.rows, relationships.rows, episodes.rows])
      }
      const before = await snapshot()

      // Practitioners may not merge.
      assert.equal((await browser.get(`/people/${keptId}/merge/${mergedId}`)).statusCode, 403)
      const choose = await coordinatorBrowser.get(`/people/${keptId}/merge`)
      assert.equal(choose.statusCode, 200)
      assert.match(choose.body, /Tom Achterberg/)
      await coordinatorBrowser.get(`/people/${keptId}/merge/${mergedId}`)
      const noReason = await coordinatorBrowser.post(`/people/${keptId}/merge/${mergedId}`, { keep: 'first', reason: '' })
      assert.equal(noReason.statusCode, 400)
      const merged = await coordinatorBrowser.post(`/people/${keptId}/merge/${mergedId}`, { keep: 'first', reason: 'Same child: school confirmed Tom is Thomas' })
      assert.equal(merged.statusCode, 303)
      assert.equal((await person(mergedId)).mergedIntoId, keptId)
      const moved = await sql<{ n: number }>`select count(*)::int as n from household_members where person_id = ${mergedId}`.execute(t.database.db)
      assert.equal(moved.rows[0]?.n, 0)
      assert.equal((await t.database.db.selectFrom('episodePeople').select('personId').where('episodeId', '=', episodeId).executeTakeFirstOrThrow()).personId, keptId)
      // A link to the merged record leads to the kept one.
      const redirected = await coordinatorBrowser.get(`/people/${mergedId}`)
      assert.equal(redirected.statusCode, 301)
      assert.equal(redirected.headers.location, `/people/${keptId}`)
      const household2Page = await coordinatorBrowser.get(`/households/${household2}`)
      assert.match(household2Page.body, /Thomas Achterberg/)

      const mergeRow = await t.database.db.selectFrom('personMerges').selectAll().where('keptPersonId', '=', keptId).executeTakeFirstOrThrow()
      const keptPage = await coordinatorBrowser.get(`/people/${keptId}`)
      assert.match(keptPage.body, /Undo this merge/)
      const undone = await coordinatorBrowser.post(`/person-merges/${mergeRow.id}/undo`, {})
      assert.equal(undone.statusCode, 303)
      assert.equal(await snapshot(), before)
      assert.equal((await person(mergedId)).mergedIntoId, null)
      const audits = await t.database.db.selectFrom('auditEvents').select(['outcome', 'details']).where('action', '=', 'person.merge').where('actorUserId', '=', coordinator.id).where('outcome', '=', 'allowed').execute()
      const changes = audits.map(audit => (audit.details as { change?: string }).change).filter(Boolean)
      assert.deepEqual(changes, ['merged', 'merge-undone'])
      const deniedMerge = await t.database.db.selectFrom('auditEvents').select('outcome').where('action', '=', 'person.merge').where('actorUserId', '=', practitioner.id).execute()
      assert.deepEqual(deniedMerge.map(row => row.outcome), ['denied'])
      // Undoing twice is refused.
      assert.equal((await coordinatorBrowser.post(`/person-merges/${mergeRow.id}/undo`, {})).statusCode, 422)
    })

    it('shows a family overview with a diagram, a relationships table and episodes; leaving keeps history', async () => {
      const child = await register(browser, { givenNames: 'Poppy', familyName: 'Strand', sex: 'female', 'dateOfBirth-day': '9', 'dateOfBirth-month': '9', 'dateOfBirth-year': '2019', confirmNew: 'yes' })
      const childId = String(child.headers.location).split('/').pop() ?? ''
      const created = await browser.post('/households/new', { name: 'Strand family', address: '', postcode: '', personId: childId })
      const householdId = String(created.headers.location).split('/').pop() ?? ''
      const dad = await browser.post('/people/new', { ...BASE_PERSON, givenNames: 'Erik', familyName: 'Strand', sex: 'male', householdId, confirmNew: 'yes' })
      assert.equal(dad.headers.location, `/households/${householdId}`)
      const dadId = (await t.database.db.selectFrom('persons').select('id').where('givenNames', '=', 'Erik').executeTakeFirstOrThrow()).id
      const missing = await browser.post(`/households/${householdId}/relationships/new`, { personId: childId, relatedPersonId: dadId, kind: '', parentalResponsibility: 'yes', description: '' })
      assert.equal(missing.statusCode, 400)
      assert.match(errorSummary(missing.body).join(' '), /Choose the relationship/)
      await browser.post(`/households/${householdId}/relationships/new`, { personId: childId, relatedPersonId: dadId, kind: 'father', parentalResponsibility: 'yes', description: '' })
      const page = await browser.get(`/households/${householdId}`)
      assert.equal(page.statusCode, 200)
      const $ = load(page.body)
      const svg = $('svg[role="img"]')
      assert.equal(svg.length, 1)
      assert.equal(svg.find('title').first().text(), 'Family diagram: Strand family')
      assert.ok(svg.find('desc').text().length > 0)
      assert.match($('table').text(), /Erik Strand\s*Father\s*Poppy Strand\s*Yes/)
      assert.equal($(`a[href="/episodes/new?householdId=${householdId}"]`).length, 1)
      const left = await browser.post(`/households/${householdId}/members/${dadId}/leave`, {})
      assert.equal(left.statusCode, 303)
      const row = await t.database.db.selectFrom('householdMembers').selectAll().where('householdId', '=', householdId).where('personId', '=', dadId).executeTakeFirstOrThrow()
      assert.notEqual(row.leftAt, null)
      assert.match((await browser.get(`/households/${householdId}`)).body, /Erik Strand<\/a> \(has left\)/)
    })

    it('offers the same through the API, described in the OpenAPI document', async () => {
      const api = (as: Browser, method: 'GET' | 'POST', url: string, body?: unknown) =>
        t.app.inject({
          method,
          url,
          headers: { cookie: [...as.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-csrf-token': as.csrfToken, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { payload: JSON.stringify(body) } : {}),
        })
      await browser.get('/people')
      const created = await api(browser, 'POST', '/api/v1/people', { givenNames: 'Chidi', familyName: 'Abernathy', dateOfBirth: '2012-11-03', postcode: 'bd7 1aa', nhsNumber: '4010232137' })
      assert.equal(created.statusCode, 201, created.body)
      const body = created.json() as { id: string; postcode: string }
      assert.equal(body.postcode, 'BD7 1AA')
      const found = await api(browser, 'GET', '/api/v1/people?name=Chidi%20Abernathey&dateOfBirth=2012-11-03')
      assert.equal(found.statusCode, 200)
      const items = (found.json() as { items: { id: string; postcodeDistrict: string }[] }).items
      assert.equal(items[0]?.id, body.id)
      assert.equal(items[0]?.postcodeDistrict, 'BD7')
      const twice = await api(browser, 'POST', '/api/v1/people', { givenNames: 'Chidi', familyName: 'Abernathy', dateOfBirth: '2012-11-03' })
      assert.equal(twice.statusCode, 422)
      const badNhs = await api(browser, 'POST', '/api/v1/people', { givenNames: 'New', familyName: 'Person', nhsNumber: '4010232138', confirmNoDuplicate: true })
      assert.equal(badNhs.statusCode, 400)
      assert.equal((await api(browser, 'GET', `/api/v1/people/${body.id}`)).statusCode, 200)
      await strangerBrowser.get('/people')
      assert.equal((await api(strangerBrowser, 'GET', `/api/v1/people/${body.id}`)).statusCode, 403)
      assert.equal((await api(browser, 'GET', `/api/v1/people/${uuidv7()}`)).statusCode, 404)
      assert.equal((await api(browser, 'GET', '/api/v1/people/nope')).statusCode, 404)
      const document = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as { paths: Record<string, unknown> }
      assert.ok(document.paths['/people'] && document.paths['/people/{personId}'])
    })

    it('refuses a form without its CSRF token and another authority’s ids', async () => {
      const noCsrf = await browser.post('/people/new', { ...BASE_PERSON, givenNames: 'Zofia', familyName: 'Nowak', confirmNew: 'yes' }, { csrf: false })
      assert.equal(noCsrf.statusCode, 403)
      assert.equal(await t.database.db.selectFrom('persons').select('id').where('familyName', '=', 'Nowak').executeTakeFirst(), undefined)

      const otherAuthority = (await buildAuthority(t)).id
      const otherId = uuidv7()
      await t.database.db.insertInto('persons').values({ authorityId: otherAuthority, id: otherId, givenNames: 'Other', familyName: 'Person', searchName: 'other person' }).execute()
      assert.equal((await coordinatorBrowser.get(`/people/${otherId}`)).statusCode, 404)
      assert.equal((await coordinatorBrowser.get(`/people/not-a-uuid`)).statusCode, 404)
      assert.equal((await coordinatorBrowser.get(`/households/${otherId}`)).statusCode, 404)
      const search = await coordinatorBrowser.get('/people?givenNames=Other&familyName=Person')
      assert.doesNotMatch(search.body, /Other Person/)
    })
  })
}
