import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { sql } from 'kysely'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { buildTestApp, errorSummary, type Browser, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildLocality, buildUser, signIn, type TestUser } from '../../../test/helpers/builders.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { averageFigure, countColumn, countFigure } from './reports.figures.ts'
import { addMonths, currentUkMonth, monthKey, parseReportQuery } from './reports.schemas.ts'

type Json = Record<string, unknown>

const IDENTITY = 'Identity, including self-esteem, self-image and social presentation'
type FigureJson = { value: number | null; text: string; suppressed: boolean }

describe('small-number suppression (pure)', () => {
  it('shows 0 and 5 or more, and 1 to 4 as "fewer than 5"', () => {
    assert.deepEqual(
      [0, 1, 4, 5, 1234].map(count => countFigure(count).text),
      ['0', 'fewer than 5', 'fewer than 5', '5', '1,234'],
    )
    assert.equal(countFigure(3).value, null)
  })

  it('hides the next smallest figure when only one in a column is suppressed', () => {
    assert.deepEqual(countColumn([0, 5, 2, 7, 6]).map(figure => figure.text), ['0', 'not shown', 'fewer than 5', '7', '6'])
    // Two suppressed already protect each other; no suppressed needs nothing more.
    assert.deepEqual(countColumn([3, 2, 9]).map(figure => figure.text), ['fewer than 5', 'fewer than 5', '9'])
    assert.deepEqual(countColumn([9, 0, 12]).map(figure => figure.text), ['9', '0', '12'])
  })

  it('gives an average only over 5 or more, with a true minus sign', () => {
    assert.equal(averageFigure(-1.25, 5, { signed: true }).text, '\u22121.3')
    assert.equal(averageFigure(-1.25, 5, { signed: true }).value, -1.3)
    assert.equal(averageFigure(2, 4).text, 'not shown (fewer than 5)')
    assert.equal(averageFigure(2, 4).value, null)
    assert.equal(averageFigure(null, 0).text, 'none')
  })

  it('reads the period: defaults to the last 12 months, refuses months out of range or the wrong way round', () => {
    const current = { year: 2026, month: 12 }
    const plain = parseReportQuery({}, current)
    assert.deepEqual(plain.filter, { localityId: undefined, from: { year: 2026, month: 1 }, to: current })
    assert.deepEqual(parseReportQuery({ from: '2027-01' }, current).problems.map(p => p.field), ['from'])
    assert.deepEqual(parseReportQuery({ from: '2021-12' }, current).problems.map(p => p.field), ['from'])
    assert.equal(parseReportQuery({ from: '2022-01' }, current).problems.length, 0)
    assert.deepEqual(parseReportQuery({ from: '2026-05', to: '2026-04' }, current).problems.map(p => p.field), ['to'])
    assert.deepEqual(parseReportQuery({ localityId: 'x', from: ['<b>'], to: { a: 1 } }, current).problems.map(p => p.field), ['localityId', 'from'])
  })
})

/** The figure in a table row whose first cell is `row`, in the table under the heading with id `section`. */
function tableFigures(html: string, section: string): Map<string, string[]> {
  const $ = load(html)
  const rows = new Map<string, string[]>()
  $(`#${section}`)
    .nextAll('table')
    .first()
    .find('tbody tr')
    .each((_i, tr) => {
      const cells = $(tr)
        .find('th, td')
        .map((_j, cell) => $(cell).text().trim())
        .get()
      rows.set(cells[0] ?? '', cells.slice(1))
    })
  return rows
}

for (const kind of databaseKinds()) {
  describe(`aggregate reports (${kind})`, () => {
    let t: TestApp
    let authorityId: string
    let agencyId: string
    let north: { id: string; name: string }
    let south: { id: string; name: string }
    let otherLocalityId: string
    let manager: TestUser
    let managerBrowser: Browser
    let practitioner: TestUser
    const names: string[] = []
    const references: string[] = []
    let base: Date
    let month: string

    async function episode(
      owner: TestUser,
      inAuthority: string,
      options: { localityId: string | null; status: string; startedAt: Date; closedAt?: Date; outcome?: string; childId?: string; lead?: boolean },
    ) {
      const db = t.database.db
      const id = uuidv7()
      const childId = options.childId ?? uuidv7()
      if (!options.childId) {
        const givenNames = `Zeb${id.slice(-6)}`
        names.push(givenNames)
        await db
          .insertInto('persons')
          .values({ authorityId: inAuthority, id: childId, givenNames, familyName: 'Quillfeather', dateOfBirth: '2016-03-03', expectedDateOfBirth: null, sex: null, gender: null, ethnicity: null, firstLanguage: null, disability: null, address: null, postcode: null, phone: null, email: null, schoolOrSetting: null, uniquePupilNumber: null, nhsNumber: null, gpPractice: null, searchName: `${givenNames} quillfeather`.toLowerCase(), mergedIntoId: null, createdByUserId: owner.id })
          .execute()
      }
      const reference = `RPT-${id.slice(-8).toUpperCase()}`
      references.push(reference)
      await db
        .insertInto('episodes')
        .values({ authorityId: inAuthority, id, reference, scope: 'child', householdId: null, localityId: options.localityId, agencyId: null, status: options.status as 'support', outcome: options.outcome ?? null, startedByUserId: owner.id, startedAt: options.startedAt, closedAt: options.closedAt ?? null, templateVersionId: null })
        .execute()
      await db.insertInto('episodePeople').values({ authorityId: inAuthority, episodeId: id, personId: childId, role: 'child' }).execute()
      if (options.lead) {
        await db
          .insertInto('leadProfessionals')
          .values({ authorityId: inAuthority, id: uuidv7(), episodeId: id, scope: 'whole_family', userId: owner.id, agencyId: null, appointedVia: 'other', meetingId: null, familyPreference: null, appointedByUserId: owner.id, startedAt: options.startedAt, endedAt: null, endedReason: null })
          .execute()
      }
      return { id, childId }
    }

    async function assessment(owner: TestUser, episodeId: string, childId: string, completionDate: string, scores: Record<string, [number, number]>) {
      const db = t.database.db
      const templateVersionId = (await db.selectFrom('assessmentTemplateVersions').select('id').where('authorityId', '=', authorityId).where('templateKey', '=', 'caf-standard').executeTakeFirstOrThrow()).id
      const id = uuidv7()
      await db
        .insertInto('assessments')
        .values({ authorityId, id, episodeId, templateVersionId, status: 'completed', assessorUserId: owner.id, assessorAgencyId: null, explainedAt: null, explanationNotes: null, discussionDate: null, reason: null, present: null, conclusions: null, familyAgreement: null, differencesOfOpinion: null, solutions: null, familyCanDo: null, agreedActions: null, reviewDate: null, outcome: 'multi_agency', completionDate, signedOffByUserId: null, signedOffAt: null, approvedByUserId: null, approvedAt: null, returnedByUserId: null, returnedAt: null, returnComments: null, createdAt: base, updatedAt: base })
        .execute()
      for (const [elementKey, [first, latest]] of Object.entries(scores)) {
        await db
          .insertInto('assessmentElements')
          .values({ authorityId, assessmentId: id, elementKey, subject: childId, strengths: null, needs: null, childWords: null, parentWords: null, practitionerScore: first, familyScoreAdult: null, familyScoreChild: null, updatedByUserId: owner.id, updatedAt: base })
          .execute()
        await db
          .insertInto('distanceScores')
          .values({ authorityId, id: uuidv7(), episodeId, occasion: 'review', reviewId: null, elementKey, subject: childId, score: latest, recordedByUserId: owner.id, recordedAt: new Date(base.getTime() + 3_600_000) })
          .execute()
      }
    }

    before(async () => {
      t = await buildTestApp(kind)
      const current = currentUkMonth(t.clock.now())
      month = monthKey(current)
      // The 2nd of this month at noon (UTC): the same month in the UK whatever the season.
      base = new Date(Date.UTC(current.year, current.month - 1, 2, 12))
      const authority = await buildAuthority(t, { name: 'Reportshire' })
      authorityId = authority.id
      north = await buildLocality(t, authorityId, 'North Reportshire')
      south = await buildLocality(t, authorityId, 'South Reportshire')
      agencyId = (await buildAgency(t, authorityId)).id
      manager = await buildUser(t, authorityId, { roles: ['manager'], agencyIds: [agencyId] })
      practitioner = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [agencyId] })
      managerBrowser = await signIn(t, manager)

      const twoMonthsAgo = new Date(Date.UTC(addMonths(current, -2).year, addMonths(current, -2).month - 1, 10, 12))
      const firstOfMonth = new Date(Date.UTC(current.year, current.month - 1, 1, 12))
      // North: 5 at the checklist, 7 at assessment, 8 closed this month (6 needs met, 2 disengaged).
      for (let i = 0; i < 5; i++) await episode(manager, authorityId, { localityId: north.id, status: 'checklist', startedAt: base })
      for (let i = 0; i < 7; i++) await episode(manager, authorityId, { localityId: north.id, status: 'assessment', startedAt: base })
      const closed = []
      for (let i = 0; i < 8; i++) {
        closed.push(await episode(manager, authorityId, { localityId: north.id, status: 'closed', startedAt: twoMonthsAgo, closedAt: firstOfMonth, outcome: i < 6 ? 'needs_met' : 'disengaged' }))
      }
      // South: 2 waiting for consent, 6 in support (one with a lead professional; the first a re-referral of a closed child).
      for (let i = 0; i < 2; i++) await episode(manager, authorityId, { localityId: south.id, status: 'consent', startedAt: base })
      for (let i = 0; i < 6; i++) {
        const reReferred = i === 0 ? closed[0]?.childId : undefined
        const { id, childId } = await episode(manager, authorityId, { localityId: south.id, status: 'support', startedAt: base, lead: i === 5, ...(reReferred ? { childId: reReferred } : {}) })
        // Assessments completed 10 (three) and 20 (three) days after the start: median 15. General health 3 → 1 for
        // five children; identity for two children only.
        const day = new Date(base.getTime() + (i < 3 ? 10 : 20) * 86_400_000).toISOString().slice(0, 10)
        const scores: Record<string, [number, number]> = i < 5 ? { 'general-health': [3, 1] } : {}
        if (i < 2) scores.identity = [2, 2]
        await assessment(manager, id, childId, day, scores)
      }

      // Another authority: its episodes must never be counted here.
      const other = await buildAuthority(t, { name: 'Othershire' })
      otherLocalityId = (await buildLocality(t, other.id, 'Othershire Central')).id
      const otherUser = await buildUser(t, other.id, { roles: ['manager'] })
      for (let i = 0; i < 6; i++) await episode(otherUser, other.id, { localityId: otherLocalityId, status: 'assessment', startedAt: base })
    })
    after(() => t.close())

    it('shows a manager the counts, with 1–4 as "fewer than 5" and the next smallest hidden', async () => {
      const page = await managerBrowser.get('/reports')
      assert.equal(page.statusCode, 200)
      const open = tableFigures(page.body, 'open')
      assert.deepEqual(open.get('Identifying needs'), ['0'])
      assert.deepEqual(open.get('Pre-assessment checklist'), ['not shown'])
      assert.deepEqual(open.get('Waiting for consent'), ['fewer than 5'])
      assert.deepEqual(open.get('Assessment'), ['7'], 'the other authority\'s 6 are not counted')
      assert.deepEqual(open.get('Support'), ['6'])
      assert.deepEqual(open.get('All open episodes'), ['not shown'])
      assert.match(load(page.body)('#open').nextAll('p').eq(1).text(), /no lead professional: 5/)
      const months = tableFigures(page.body, 'months')
      assert.equal(months.size, 12)
      const thisMonth = [...months.values()].at(-1)
      assert.deepEqual(thisMonth, ['20', '8'])
      assert.deepEqual([...months.values()].at(-3), ['8', '0'])
      const outcomes = tableFigures(page.body, 'outcomes')
      // Only one figure of the column is 1–4: the next smallest is hidden too, or it could be worked out from the total closed.
      assert.deepEqual(outcomes.get('Needs met'), ['not shown'])
      assert.deepEqual(outcomes.get('The family disengaged'), ['fewer than 5'])
      const $ = load(page.body)
      const flow = $('#flow').nextAll('dl').first().find('.govuk-summary-list__value').map((_i, element) => $(element).text().trim()).get()
      assert.deepEqual(flow, ['6', '15.0', 'fewer than 5'])
      const distance = tableFigures(page.body, 'distance-travelled')
      assert.equal(distance.size, 19)
      assert.deepEqual(distance.get('General health'), ['5', '3.0', '1.0', '\u22122.0'])
      assert.deepEqual(distance.get(IDENTITY), ['fewer than 5', 'not shown (fewer than 5)', 'not shown (fewer than 5)', 'not shown (fewer than 5)'])
      assert.deepEqual(distance.get('Physical development'), ['0', 'none', 'none', 'none'])
      const audited = await sql<{ n: number }>`select count(*)::int as n from audit_events where actor_user_id = ${manager.id} and action = 'reports.view' and outcome = 'allowed'`.execute(t.database.db)
      assert.ok((audited.rows[0]?.n ?? 0) >= 1, 'the read is audited')
    })

    it('never names a child or an episode, nor links to a case record', async () => {
      for (const url of ['/reports', `/reports?localityId=${south.id}`, '/reports/export.csv', '/api/v1/reports']) {
        const response = await managerBrowser.get(url)
        assert.equal(response.statusCode, 200, url)
        for (const text of [...names, ...references, 'Quillfeather']) assert.ok(!response.body.includes(text), `${url} shows ${text}`)
        assert.doesNotMatch(response.body, /\/(episodes|people|households)\//, url)
      }
    })

    it('lets a coordinator in, refuses a practitioner (403, audited)', async () => {
      const coordinator = await buildUser(t, authorityId, { roles: ['coordinator'], agencyIds: [agencyId] })
      assert.equal((await (await signIn(t, coordinator)).get('/reports')).statusCode, 200)
      const home = await managerBrowser.get('/')
      assert.ok(load(home.body)('main a[href="/reports"]').length === 1, 'the home page links to the reports')
      assert.ok(load(home.body)('.govuk-service-navigation a[href="/reports"]').length === 1, 'so does the navigation')
      const browser = await signIn(t, practitioner)
      assert.ok(load((await browser.get('/')).body)('a[href="/reports"]').length === 0, 'no link for a practitioner')
      for (const url of ['/reports', '/reports/export.csv', '/api/v1/reports', '/reports?from=junk']) {
        const refused = await browser.get(url)
        assert.equal(refused.statusCode, 403, url)
        assert.ok(!refused.body.includes('fewer than 5'), url)
      }
      const denied = await sql<{ n: number }>`select count(*)::int as n from audit_events where actor_user_id = ${practitioner.id} and action = 'reports.view' and outcome = 'denied'`.execute(t.database.db)
      assert.equal(denied.rows[0]?.n, 4)
    })

    it('filters by locality', async () => {
      const northPage = await managerBrowser.get(`/reports?localityId=${north.id}`)
      assert.equal(northPage.statusCode, 200)
      const northOpen = tableFigures(northPage.body, 'open')
      assert.deepEqual(northOpen.get('Assessment'), ['7'])
      assert.deepEqual(northOpen.get('Pre-assessment checklist'), ['5'])
      assert.deepEqual(northOpen.get('Waiting for consent'), ['0'])
      assert.deepEqual(northOpen.get('All open episodes'), ['12'])
      assert.match(northPage.body, /North Reportshire, /)
      const southPage = await managerBrowser.get(`/reports?localityId=${south.id}`)
      const southOpen = tableFigures(southPage.body, 'open')
      assert.deepEqual(southOpen.get('Assessment'), ['0'])
      assert.deepEqual(southOpen.get('Waiting for consent'), ['fewer than 5'])
      assert.deepEqual(southOpen.get('Support'), ['not shown'])
      assert.deepEqual([...tableFigures(southPage.body, 'months').values()].at(-1), ['8', '0'])
      assert.match(southPage.body, /No episodes closed in the period\./)
      assert.deepEqual(tableFigures(southPage.body, 'distance-travelled').get('General health'), ['5', '3.0', '1.0', '\u22122.0'])
      // A period before anything happened: nothing opened, closed or scored.
      const earlier = monthKey(addMonths(currentUkMonth(t.clock.now()), -4))
      const before = await managerBrowser.get(`/reports?from=${earlier}&to=${earlier}`)
      assert.equal(before.statusCode, 200)
      assert.deepEqual([...tableFigures(before.body, 'months').values()], [['0', '0']])
      assert.deepEqual(tableFigures(before.body, 'distance-travelled').get('General health'), ['0', 'none', 'none', 'none'])
    })

    it('answers a bad filter with 400 and the error summary, and nothing else', async () => {
      const cases: Array<[string, string]> = [
        ['/reports?from=2019-13', 'Select the first month of the period from the list'],
        ['/reports?localityId=not-a-locality', 'Select a locality from the list'],
        [`/reports?localityId=${otherLocalityId}`, 'Select a locality from the list'],
        [`/reports?from=${month}&to=${monthKey(addMonths(currentUkMonth(t.clock.now()), -1))}`, 'The last month must be the same as or after the first month'],
        ['/reports/export.csv?to=2999-01', 'Select the last month of the period from the list'],
      ]
      for (const [url, message] of cases) {
        const response = await managerBrowser.get(url)
        assert.equal(response.statusCode, 400, url)
        assert.match(String(response.headers['content-type']), /^text\/html/, url)
        assert.deepEqual(errorSummary(response.body), [message], url)
        assert.equal(load(response.body)('table').length, 0, `${url} shows no figures`)
        assert.ok(!response.body.includes('Othershire'), url)
      }
    })

    it('downloads the same suppressed figures as CSV', async () => {
      const response = await managerBrowser.get('/reports/export.csv')
      assert.equal(response.statusCode, 200)
      assert.match(String(response.headers['content-type']), /^text\/csv/)
      assert.match(String(response.headers['content-disposition']), /^attachment; filename="onestory-report-\d{4}-\d{2}-to-\d{4}-\d{2}\.csv"$/)
      const lines = response.body.replace(/^\ufeff/, '').split('\r\n')
      assert.equal(lines[0], '"Table","Row","Measure","Figure","Locality","From month","To month"')
      const has = (line: string) => assert.ok(lines.some(found => found.startsWith(line)), `CSV lacks ${line}; near: ${lines.filter(found => found.startsWith(line.split(',').slice(0, 2).join(','))).join(' | ')}`)
      has('"Open episodes now","Waiting for consent","Episodes","fewer than 5","All localities"')
      has('"Open episodes now","Assessment","Episodes","7"')
      has('"Open episodes now","Pre-assessment checklist","Episodes","not shown"')
      has('"Open episodes now","Support","Episodes with no lead professional","5"')
      has(`"Episodes each month","${month}","Opened","20"`)
      has('"How episodes ended","The family disengaged","Episodes","fewer than 5"')
      has('"Assessments and re-referrals","Days from start to assessment completion","Median","15.0"')
      has('"Distance travelled","General health","Average change","-2.0"')
      has(`"Distance travelled","${IDENTITY}","Children with a first and a latest score","fewer than 5"`)
      has(`"Distance travelled","${IDENTITY}","Average change","not shown (fewer than 5)"`)
      const filtered = await managerBrowser.get(`/reports/export.csv?localityId=${north.id}`)
      assert.ok(filtered.body.includes('"Open episodes now","Waiting for consent","Episodes","0","North Reportshire"'))
    })

    it('gives the same figures as JSON, and problem details for a bad query', async () => {
      const response = await managerBrowser.get('/api/v1/reports')
      assert.equal(response.statusCode, 200)
      assert.match(String(response.headers['content-type']), /^application\/json/)
      const body = response.json() as Json
      const open = body.openByStatus as Array<{ status: string; episodes: FigureJson }>
      assert.deepEqual(open.find(row => row.status === 'assessment')?.episodes, { value: 7, text: '7', suppressed: false })
      assert.deepEqual(open.find(row => row.status === 'consent')?.episodes, { value: null, text: 'fewer than 5', suppressed: true })
      assert.deepEqual(body.reReferrals, { value: null, text: 'fewer than 5', suppressed: true })
      assert.deepEqual((body.medianDaysToAssessment as FigureJson).value, 15)
      const health = (body.distanceTravelled as Array<{ elementKey: string; averageChange: FigureJson }>).find(row => row.elementKey === 'general-health')
      assert.equal(health?.averageChange.value, -2)
      const southBody = (await managerBrowser.get(`/api/v1/reports?localityId=${south.id}&from=${month}`)).json() as Json
      assert.equal(southBody.localityName, 'South Reportshire')
      assert.equal((southBody.months as unknown[]).length, 1)
      for (const query of ['from=2026-1', 'surname=Quillfeather', `localityId=${otherLocalityId}`, 'from=2000-01', 'localityId=nope']) {
        const bad = await managerBrowser.get(`/api/v1/reports?${query}`)
        assert.equal(bad.statusCode, 400, query)
        assert.match(String(bad.headers['content-type']), /^application\/problem\+json/, query)
        assert.equal((bad.json() as Json).status, 400, query)
      }
    })

    it('counts only the authority\'s own episodes', async () => {
      const otherManager = await buildUser(t, (await t.database.db.selectFrom('authorities').select('id').where('name', '=', 'Othershire').executeTakeFirstOrThrow()).id, { roles: ['manager'] })
      const page = await (await signIn(t, otherManager)).get('/reports')
      assert.equal(page.statusCode, 200)
      const open = tableFigures(page.body, 'open')
      assert.deepEqual(open.get('Assessment'), ['6'])
      assert.deepEqual(open.get('Support'), ['0'])
      assert.deepEqual(open.get('All open episodes'), ['6'])
      assert.ok(!page.body.includes('Reportshire'), 'no locality of another authority in the filter')
      assert.deepEqual(tableFigures(page.body, 'distance-travelled').get('General health'), ['0', 'none', 'none', 'none'])
    })
  })
}
