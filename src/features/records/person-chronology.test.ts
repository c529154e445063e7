import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { sql } from 'kysely'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { buildTestApp, errorSummary, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildUser, signIn, type TestUser } from '../../../test/helpers/builders.ts'
import { uuidv7 } from '../../lib/ids.ts'

// One child's chronology across every episode they are in (a closed episode and its re-referral), through the real
// pages, on both databases: merging and order, which episodes each reader sees, agency-only notes, refusals, print.

type World = {
  authorityId: string
  amyId: string
  benId: string
  mergedAwayId: string
  firstEpisode: { id: string; reference: string }
  secondEpisode: { id: string; reference: string }
  schoolId: string
  healthId: string
  owner: TestUser
  healthVisitor: TestUser
  outsider: TestUser
  contributor: TestUser
  coordinator: TestUser
  otherAuthorityPersonId: string
}

async function buildWorld(t: TestApp, name: string): Promise<World> {
  const db = t.database.db
  const authority = await buildAuthority(t, { name: `${name} Council` })
  const authorityId = authority.id
  const school = await buildAgency(t, authorityId, { name: `${name} Primary`, kind: 'school' })
  const health = await buildAgency(t, authorityId, { name: `${name} Health Visiting`, kind: 'health' })
  const owner = await buildUser(t, authorityId, { agencyIds: [school.id], name: 'Olive Owner' })
  const healthVisitor = await buildUser(t, authorityId, { agencyIds: [health.id], name: 'Hana Health' })
  const outsider = await buildUser(t, authorityId, { agencyIds: [school.id], name: 'Otto Outsider' })
  const contributor = await buildUser(t, authorityId, { agencyIds: [health.id], name: 'Cai Contributor' })
  const coordinator = await buildUser(t, authorityId, { roles: ['coordinator'], name: 'Cora Coordinator' })
  const person = (given: string, dateOfBirth: string, mergedIntoId: string | null = null) => ({
    authorityId,
    id: uuidv7(),
    givenNames: given,
    familyName: 'Ashby',
    dateOfBirth,
    searchName: `${given} ashby`.toLowerCase(),
    createdByUserId: owner.id,
    mergedIntoId,
  })
  const amy = person('Amy', '2016-02-02')
  const ben = person('Ben', '2019-09-09')
  await db.insertInto('persons').values([amy, ben]).execute()
  const mergedAway = person('Aimee', '2016-02-02', amy.id)
  await db.insertInto('persons').values(mergedAway).execute()

  const episode = async (startedAt: string, closedAt: string | null, previousEpisodeId: string | null) => {
    const id = uuidv7()
    const reference = `EH-${startedAt.slice(0, 4)}-${id.slice(-5)}`
    await db
      .insertInto('episodes')
      .values({ authorityId, id, reference, scope: 'family', householdId: null, localityId: null, agencyId: school.id, status: closedAt ? 'closed' : 'support', outcome: null, startedByUserId: owner.id, startedAt: new Date(startedAt), closedAt: closedAt ? new Date(closedAt) : null, templateVersionId: null, previousEpisodeId })
      .execute()
    return { id, reference }
  }
  const firstEpisode = await episode('2025-01-06T10:00:00Z', '2025-06-30T10:00:00Z', null)
  const secondEpisode = await episode('2026-01-05T10:00:00Z', null, firstEpisode.id)
  await db
    .insertInto('episodePeople')
    .values([
      { authorityId, episodeId: firstEpisode.id, personId: amy.id, role: 'child' },
      { authorityId, episodeId: firstEpisode.id, personId: ben.id, role: 'child' },
      { authorityId, episodeId: secondEpisode.id, personId: amy.id, role: 'child' },
    ])
    .execute()
  const member = (episodeId: string, user: TestUser, agencyId: string, role: 'owner' | 'member' | 'contributor') => ({ authorityId, episodeId, userId: user.id, agencyId, role, addedByUserId: owner.id, joinedAt: new Date('2025-01-06T10:00:00Z'), leftAt: null })
  await db
    .insertInto('episodeMembers')
    .values([
      member(firstEpisode.id, owner, school.id, 'owner'),
      member(secondEpisode.id, owner, school.id, 'owner'),
      member(secondEpisode.id, healthVisitor, health.id, 'member'),
      member(secondEpisode.id, contributor, health.id, 'contributor'),
    ])
    .execute()
  const note = (episodeId: string, occurredOn: string, summary: string, author: TestUser, agencyId: string, extra: { personId?: string; visibility?: 'team' | 'agency' | 'family' } = {}) => ({
    authorityId,
    id: uuidv7(),
    episodeId,
    personId: extra.personId ?? null,
    occurredOn,
    summary,
    body: `${summary} (body)`,
    visibility: extra.visibility ?? 'team',
    authorUserId: author.id,
    authorAgencyId: agencyId,
    createdAt: new Date(`${occurredOn}T12:00:00Z`),
  })
  await db
    .insertInto('caseNotes')
    .values([
      note(firstEpisode.id, '2025-03-01', 'First visit to Amy', owner, school.id, { personId: amy.id }),
      note(firstEpisode.id, '2025-03-15', 'Ben at nursery', owner, school.id, { personId: ben.id }),
      note(firstEpisode.id, '2025-04-01', 'School-only concern', owner, school.id, { visibility: 'agency' }),
      note(secondEpisode.id, '2026-02-02', 'Health visit after re-referral', healthVisitor, health.id, { personId: amy.id }),
      note(secondEpisode.id, '2026-02-10', 'School-only update', owner, school.id, { visibility: 'agency' }),
    ])
    .execute()

  const other = await buildAuthority(t, { name: `${name} Other Council` })
  const otherOwner = await buildUser(t, other.id, { name: 'Olaf Other' })
  const otherPersonId = uuidv7()
  await db.insertInto('persons').values({ authorityId: other.id, id: otherPersonId, givenNames: 'Zed', familyName: 'Elsewhere', dateOfBirth: '2015-05-05', searchName: 'zed elsewhere', createdByUserId: otherOwner.id }).execute()
  return {
    authorityId,
    amyId: amy.id,
    benId: ben.id,
    mergedAwayId: mergedAway.id,
    firstEpisode,
    secondEpisode,
    schoolId: school.id,
    healthId: health.id,
    owner,
    healthVisitor,
    outsider,
    contributor,
    coordinator,
    otherAuthorityPersonId: otherPersonId,
  }
}

async function auditRows(t: TestApp, outcome: 'allowed' | 'denied', recordId: string) {
  const result = await sql<{ action: string; recordType: string | null; details: unknown }>`
    select action, record_type as "recordType", details from audit_events where outcome = ${outcome} and record_id = ${recordId} order by id`.execute(t.database.db)
  return result.rows
}

function timeline(body: string) {
  const $ = load(body)
  return $('.moj-timeline__item')
    .map((_i, element) => ({ title: $(element).find('.moj-timeline__title').text().trim(), episode: $(element).attr('data-episode') ?? '', on: $(element).find('time').attr('datetime') ?? '' }))
    .get()
}

for (const kind of databaseKinds()) {
  describe(`a person's chronology across episodes (${kind})`, () => {
    let t: TestApp
    let w: World
    before(async () => {
      t = await buildTestApp(kind)
      w = await buildWorld(t, 'Crossby')
    })
    after(() => t.close())

    it('merges the events of both episodes (the re-referral too), newest first, each naming its episode; audited as a read of the person', async () => {
      const owner = await signIn(t, w.owner)
      const page = await owner.get(`/people/${w.amyId}/chronology`)
      assert.equal(page.statusCode, 200)
      const items = timeline(page.body)
      assert.deepEqual(
        items.map(item => [item.title, item.episode, item.on]),
        [
          ['Case note: School-only update', w.secondEpisode.reference, '2026-02-10'],
          ['Case note: Health visit after re-referral', w.secondEpisode.reference, '2026-02-02'],
          ['Case note: School-only concern', w.firstEpisode.reference, '2025-04-01'],
          ['Case note: First visit to Amy', w.firstEpisode.reference, '2025-03-01'],
        ],
      )
      assert.ok(!page.body.includes('Ben at nursery'), 'a note about her brother is not in Amy’s chronology')
      const $ = load(page.body)
      assert.equal($('h1').text().trim(), 'Chronology across episodes')
      const episodeTable = $('table').first().text()
      assert.match(episodeTable, new RegExp(w.firstEpisode.reference))
      assert.match(episodeTable, new RegExp(`Re-referral after ${w.firstEpisode.reference}`))
      assert.ok($(`a[href="/episodes/${w.secondEpisode.id}/chronology"]`).length > 0, 'each event links to its episode’s chronology')
      const audit = await auditRows(t, 'allowed', w.amyId)
      const read = audit.filter(row => row.action === 'chronology.view')
      assert.equal(read.length, 1)
      assert.equal(read[0]?.recordType, 'person')
      const details = (typeof read[0]?.details === 'string' ? JSON.parse(read[0].details) : read[0]?.details) as { episodes: string[]; shown: number }
      assert.deepEqual([...details.episodes].sort(), [w.firstEpisode.id, w.secondEpisode.id].sort())
      assert.equal(details.shown, 4)
    })

    it('a practitioner on only the second episode sees only its events, and not another agency’s agency-only notes', async () => {
      const health = await signIn(t, w.healthVisitor)
      const page = await health.get(`/people/${w.amyId}/chronology`)
      assert.equal(page.statusCode, 200)
      const items = timeline(page.body)
      assert.deepEqual(
        items.map(item => [item.title, item.episode]),
        [['Case note: Health visit after re-referral', w.secondEpisode.reference]],
      )
      assert.ok(!page.body.includes(w.firstEpisode.reference), 'the first episode is not listed')
      assert.ok(!page.body.includes('School-only'), 'the school’s agency-only notes are hidden from health')
      assert.match(page.body, /1 other episode is not shown because you are not on its team/)
    })

    it('coordinators see every episode, agency-only notes included; filters by kind and agency', async () => {
      const coordinator = await signIn(t, w.coordinator)
      let page = await coordinator.get(`/people/${w.amyId}/chronology`)
      assert.equal(page.statusCode, 200)
      assert.equal(timeline(page.body).length, 4)
      page = await coordinator.get(`/people/${w.amyId}/chronology?agencyId=${w.healthId}`)
      assert.equal(page.statusCode, 200)
      assert.deepEqual(timeline(page.body).map(item => item.title), ['Case note: Health visit after re-referral'])
      page = await coordinator.get(`/people/${w.amyId}/chronology?kind=plan`)
      assert.equal(page.statusCode, 200)
      assert.equal(timeline(page.body).length, 0)
      assert.match(page.body, /No events match/)
      page = await coordinator.get(`/people/${w.amyId}/chronology?kind=gossip`)
      assert.equal(page.statusCode, 400)
      assert.deepEqual(errorSummary(page.body), ['Select kinds of event from the list'])
      page = await coordinator.get(`/people/${w.amyId}/chronology?personId=${w.benId}`)
      assert.equal(page.statusCode, 400, 'the person is in the address; a personId is not a filter here')
    })

    it('refuses someone on neither episode (403, audited against the person) and a contributor; 404 for a bad id or another authority', async () => {
      const outsider = await signIn(t, w.outsider)
      const deniedBefore = (await auditRows(t, 'denied', w.amyId)).length
      let response = await outsider.get(`/people/${w.amyId}/chronology`)
      assert.equal(response.statusCode, 403)
      assert.ok(!response.body.includes('First visit to Amy'))
      response = await outsider.get(`/people/${w.amyId}/chronology/print`)
      assert.equal(response.statusCode, 403)
      const contributor = await signIn(t, w.contributor)
      assert.equal((await contributor.get(`/people/${w.amyId}/chronology`)).statusCode, 403, 'a contributor to an assessment does not see the chronology')
      const denied = (await auditRows(t, 'denied', w.amyId)).slice(deniedBefore)
      assert.equal(denied.length, 3)
      assert.ok(denied.every(row => row.action === 'chronology.view' && row.recordType === 'person'))

      const owner = await signIn(t, w.owner)
      assert.equal((await owner.get(`/people/${w.otherAuthorityPersonId}/chronology`)).statusCode, 404)
      assert.equal((await owner.get(`/people/${uuidv7()}/chronology`)).statusCode, 404)
      assert.equal((await owner.get('/people/not-a-uuid/chronology')).statusCode, 404)
      assert.equal((await owner.get(`/people/${w.amyId.toUpperCase()}/chronology`)).statusCode, 200)
      const merged = await owner.get(`/people/${w.mergedAwayId}/chronology?kind=note`)
      assert.equal(merged.statusCode, 301)
      assert.equal(merged.headers.location, `/people/${w.amyId}/chronology`)
    })

    it('prints the filtered chronology without the filter form; the person page links to it', async () => {
      const owner = await signIn(t, w.owner)
      const page = await owner.get(`/people/${w.amyId}/chronology/print?kind=note&agencyId=${w.schoolId}`)
      assert.equal(page.statusCode, 200)
      const $ = load(page.body)
      assert.equal($('form[method="get"]').length, 0)
      assert.match($('.govuk-caption-l').text(), new RegExp(`Amy Ashby · ${w.firstEpisode.reference}, ${w.secondEpisode.reference}`))
      assert.match(page.body, /OFFICIAL-SENSITIVE/)
      assert.deepEqual(
        timeline(page.body).map(item => item.title),
        ['Case note: School-only update', 'Case note: School-only concern', 'Case note: First visit to Amy'],
      )
      assert.equal($('.govuk-back-link').attr('href'), `/people/${w.amyId}/chronology?kind=note&agencyId=${w.schoolId}`)
      const onPage = load((await owner.get(`/people/${w.amyId}/chronology?kind=note`)).body)
      assert.equal(onPage('a').filter((_i, a) => onPage(a).text() === 'Printable version').attr('href'), `/people/${w.amyId}/chronology/print?kind=note`)

      const coordinator = await signIn(t, w.coordinator)
      const person = await coordinator.get(`/people/${w.amyId}`)
      assert.equal(person.statusCode, 200)
      assert.ok(load(person.body)(`a[href="/people/${w.amyId}/chronology"]`).length === 1)
    })
  })
}
