import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { buildTestApp, type Browser, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildLocality, buildUser, signIn, type TestUser } from '../../../test/helpers/builders.ts'
import { uuidv7 } from '../../lib/ids.ts'
import type { PractitionerActor, RequestContext } from '../../policy/actor.ts'
import { linkedColumns } from './reports.figures.ts'
import { addMonths, currentUkMonth, monthKey, type Month } from './reports.schemas.ts'

// "Open at the end of each month, by stage" (docs/reports.md): episodes are started and moved on through the app's own
// services with the test clock set to each moment, so record_history is written by its trigger as in production; the
// report then reads the status (and locality) each episode had at the end of each UK month.

type FigureJson = { value: number | null; text: string; suppressed: boolean }
type MonthEndJson = { month: string; soFar: boolean; byStatus: Array<{ status: string; name: string; episodes: FigureJson }>; total: FigureJson }

const STAGES = ['Identifying needs', 'Pre-assessment checklist', 'Waiting for consent', 'Assessment', 'Support']

/** The month-end table: month label → [five stages, total] as the page shows them. */
function monthEndTable(html: string): Map<string, string[]> {
  const $ = load(html)
  const table = $('#month-ends').nextAll('table').first()
  assert.deepEqual(
    table.find('thead th').map((_i, th) => $(th).text().trim()).get(),
    ['Month', ...STAGES, 'All open episodes'],
  )
  const rows = new Map<string, string[]>()
  table.find('tbody tr').each((_i, tr) => {
    const cells = $(tr).find('th, td').map((_j, cell) => $(cell).text().trim()).get()
    rows.set(cells[0] ?? '', cells.slice(1))
  })
  return rows
}

/** The first table after the heading with id `section`: first cell → the other cells. */
function tableFigures(html: string, section: string): Map<string, string[]> {
  const $ = load(html)
  const rows = new Map<string, string[]>()
  $(`#${section}`).nextAll('table').first().find('tbody tr').each((_i, tr) => {
    const cells = $(tr).find('th, td').map((_j, cell) => $(cell).text().trim()).get()
    rows.set(cells[0] ?? '', cells.slice(1))
  })
  return rows
}

const monthName = (month: Month) => new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(month.year, month.month - 1, 1)))
/** An instant, UTC: day 0 is the last day of the month before. */
const utc = (month: Month, day: number, hour: number, minute = 0) => new Date(Date.UTC(month.year, month.month - 1, day, hour, minute))
const lastDayOf = (month: Month) => new Date(Date.UTC(month.year, month.month, 0)).getUTCDate()

describe('opened and closed, linked to the month-end totals (pure)', () => {
  it('hides the partner of a suppressed figure, even a 0, and protects each column again', () => {
    // Opened 12, 3, 9 and closed 5, 0, 6: the month-end totals show that the second month rose by opened − closed = 3,
    // so a closed "0" beside the suppressed 3 would give it away; and the 9 hidden to protect the 3 takes the 6 with it.
    const [opened, closed] = linkedColumns([12, 3, 9], [5, 0, 6])
    assert.deepEqual(opened.map(figure => figure.text), ['12', 'fewer than 5', 'not shown'])
    assert.deepEqual(closed.map(figure => figure.text), ['5', 'not shown', 'not shown'])
    assert.deepEqual(closed.map(figure => figure.value), [5, null, null])
    // Nothing suppressed: nothing hidden.
    assert.deepEqual(linkedColumns([7, 0], [5, 9]).flat().map(figure => figure.text), ['7', '0', '5', '9'])
  })
})

for (const kind of databaseKinds()) {
  describe(`open episodes at the end of each month (${kind})`, () => {
    let t: TestApp
    let authorityId: string
    let north: { id: string; name: string }
    let south: { id: string; name: string }
    let manager: TestUser
    let browser: Browser
    /** B: a month that ended in British Summer Time, at least two months back; the period runs from B−1 to now. */
    let b: Month
    let current: Month
    let from: string

    function setClock(at: Date) {
      t.clock.advanceMinutes((at.getTime() - t.clock.now().getTime()) / 60_000)
    }

    function contextOf(user: TestUser, roles: PractitionerActor['roles'], agencyId: string | null): RequestContext {
      const actor: PractitionerActor = { kind: 'practitioner', userId: user.id, authorityId, name: 'Report Tester', email: user.email, roles, agencyIds: user.agencyIds, actingAgencyId: agencyId, via: 'session' }
      return { actor, ip: '127.0.0.1', requestId: `req-${uuidv7()}` }
    }

    async function child(owner: TestUser): Promise<string> {
      const id = uuidv7()
      const givenNames = `Month${id.slice(-6)}`
      await t.database.db
        .insertInto('persons')
        .values({ authorityId, id, givenNames, familyName: 'Endsleigh', dateOfBirth: '2015-04-04', expectedDateOfBirth: null, sex: null, gender: null, ethnicity: null, firstLanguage: null, disability: null, address: null, postcode: null, phone: null, email: null, schoolOrSetting: null, uniquePupilNumber: null, nhsNumber: null, gpPractice: null, searchName: `${givenNames} endsleigh`.toLowerCase(), mergedIntoId: null, createdByUserId: owner.id })
        .execute()
      return id
    }

    before(async () => {
      t = await buildTestApp(kind)
      const start = t.clock.now()
      current = currentUkMonth(start)
      // Months from March to September end in British Summer Time (the clocks go back on the last Sunday of October).
      b = addMonths(current, -2)
      while (b.month < 3 || b.month > 9) b = addMonths(b, -1)
      from = monthKey(addMonths(b, -1))

      const authority = await buildAuthority(t, { name: 'Monthshire' })
      authorityId = authority.id
      north = await buildLocality(t, authorityId, 'North Monthshire')
      south = await buildLocality(t, authorityId, 'South Monthshire')
      const northAgency = (await buildAgency(t, authorityId, { localityId: north.id })).id
      const southAgency = (await buildAgency(t, authorityId, { localityId: south.id })).id
      const northWorker = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [northAgency] })
      const southWorker = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [southAgency] })
      const coordinator = await buildUser(t, authorityId, { roles: ['coordinator'], agencyIds: [] })
      manager = await buildUser(t, authorityId, { roles: ['manager'] })
      const inNorth = () => contextOf(northWorker, new Set(['practitioner']), northAgency)
      const inSouth = () => contextOf(southWorker, new Set(['practitioner']), southAgency)
      const episodes = t.app.services.episodes

      async function startEpisode(owner: TestUser, context: () => RequestContext) {
        return (await episodes.start(context(), { personId: await child(owner), childIds: [], adultIds: [] })).id
      }
      async function checklist(context: () => RequestContext, episodeId: string, outcome: 'common_assessment' | 'universal_services') {
        const form = await episodes.checklistForm(context(), episodeId)
        await episodes.saveChecklist(context(), episodeId, { version: 0, answers: form.questions.map(() => 'no' as const), outcome, notes: 'Checklist done.' })
      }
      async function consentToAssess(context: () => RequestContext, episodeId: string) {
        const givenOn = new Date(t.clock.now().getTime() - 86_400_000).toISOString().slice(0, 10)
        await episodes.recordConsent(context(), episodeId, {
          decision: 'given', giverKind: 'other_adult', giverPersonId: null, giverName: 'A carer', giverRelationship: 'aunt', competence: null, toAssess: true,
          shareAgencyIds: [], shareAgencyKinds: [], method: 'in_person', givenOn, refusalReason: null,
        })
      }

      const before = addMonths(b, -1)
      const next = addMonths(b, 1)
      const lastB = lastDayOf(b)
      // B−1, the 10th: six in the north (A) and five in the south (C) start, at the checklist.
      setClock(utc(before, 10, 12))
      const groupA: string[] = []
      for (let i = 0; i < 6; i++) groupA.push(await startEpisode(northWorker, inNorth))
      const groupC: string[] = []
      for (let i = 0; i < 5; i++) groupC.push(await startEpisode(southWorker, inSouth))
      // B−1, the 12th: A's checklists conclude a common assessment; no consent yet, so they wait for consent.
      setClock(utc(before, 12, 12))
      for (const id of groupA) await checklist(inNorth, id, 'common_assessment')
      // B, the 20th: C's checklists send them to universal services, which ends them.
      setClock(utc(b, 20, 12))
      for (const id of groupC) await checklist(inSouth, id, 'universal_services')
      // B's last day, 22:30 UTC = 23:30 in the UK (summer time): five more start in the north, still in B.
      setClock(utc(b, lastB, 22, 30))
      for (let i = 0; i < 5; i++) await startEpisode(northWorker, inNorth)
      // 23:30 UTC = 00:30 on the 1st of B+1 in the UK: one more starts, and A's consent moves them to assessment. A report
      // that ended months in UTC would count these in B.
      setClock(utc(b, lastB, 23, 30))
      await startEpisode(northWorker, inNorth)
      for (const id of groupA) await consentToAssess(inNorth, id)
      // B+1, the 3rd: two in the north start and wait for consent.
      setClock(utc(next, 3, 12))
      for (let i = 0; i < 2; i++) {
        const id = await startEpisode(northWorker, inNorth)
        await checklist(inNorth, id, 'common_assessment')
      }
      // B+1, the 10th: the family of A's first episode moved south (a coordinator moves it).
      setClock(utc(next, 10, 12))
      const moved = groupA[0] ?? ''
      const { version } = await t.database.db.selectFrom('episodes').select('version').where('authorityId', '=', authorityId).where('id', '=', moved).executeTakeFirstOrThrow()
      await t.app.services.panels.moveEpisode(contextOf(coordinator, new Set(['coordinator']), null), moved, { _csrf: '', localityId: south.id, version })

      // Another authority's open episode, started in B−1: never counted here.
      const other = await buildAuthority(t, { name: 'Elsewhere-on-Month' })
      const otherUser = await buildUser(t, other.id, { roles: ['practitioner'] })
      await t.database.db
        .insertInto('episodes')
        .values({ authorityId: other.id, id: uuidv7(), reference: 'OTH-1', scope: 'child', householdId: null, localityId: null, agencyId: null, status: 'checklist', outcome: null, startedByUserId: otherUser.id, startedAt: utc(before, 10, 12), closedAt: null, templateVersionId: null })
        .execute()

      setClock(start)
      t.clock.advanceMinutes(1)
      assert.equal(monthKey(currentUkMonth(t.clock.now())), monthKey(current))
      browser = await signIn(t, manager)
    })
    after(() => t.close())

    it('counts the episodes open at the end of each UK month, by the stage they were at then', async () => {
      const history = await t.database.db.selectFrom('recordHistory').select(['field']).where('authorityId', '=', authorityId).where('tableName', '=', 'episodes').where('field', '=', 'status').execute()
      assert.equal(history.length, 6 + 5 + 6 + 2, 'the trigger kept every change of status')
      const page = await browser.get(`/reports?from=${from}`)
      assert.equal(page.statusCode, 200)
      const table = monthEndTable(page.body)
      const labels = [...table.keys()]
      assert.equal(labels[0], monthName(addMonths(b, -1)))
      assert.equal(labels.at(-1), `${monthName(current)} (so far)`, 'the month that has not ended is "so far"')
      assert.equal(labels.filter(label => label.includes('so far')).length, 1)
      assert.match(page.body, /The current month has not ended: its figures are so far, as they stand now\./)
      // End of B−1: C was still at the checklist (its earliest change, in B, is read for its old value), A waited for consent.
      assert.deepEqual(table.get(monthName(addMonths(b, -1))), ['0', '5', '6', '0', '0', '11'])
      // End of B (UK): C had ended; the five started at 23:30 (UK) count, the one started at 00:30 does not; A still
      // waited for consent (its consent came at 00:30 on the 1st, UK time).
      assert.deepEqual(table.get(monthName(b)), ['0', '5', '6', '0', '0', '11'])
      // End of B+1 and after: six at the checklist, two waiting for consent (fewer than 5, so the next smallest of the
      // month — the checklist's 6, the first of two sixes — is not shown, nor the total), six at assessment.
      for (let month = addMonths(b, 1); monthKey(month) <= monthKey(current); month = addMonths(month, 1)) {
        const label = monthKey(month) === monthKey(current) ? `${monthName(month)} (so far)` : monthName(month)
        assert.deepEqual(table.get(label), ['0', 'not shown', 'fewer than 5', '6', '0', 'not shown'], label)
      }
      // Opened and closed each month: B+1 opened 3 (the one started at 00:30 UK time and two more); its closed 0 and
      // the opened figure hidden to protect it (B's 5) are hidden with their partners, or the month-end totals would
      // give them away (opened − closed = the change in the total).
      const flow = tableFigures(page.body, 'months')
      assert.deepEqual(flow.get(monthName(addMonths(b, -1))), ['11', '0'])
      assert.deepEqual(flow.get(monthName(b)), ['not shown', 'not shown'])
      assert.deepEqual(flow.get(monthName(addMonths(b, 1))), ['fewer than 5', 'not shown'])
      assert.deepEqual(flow.get(monthName(current)), ['0', '0'])
      // The current month, so far, agrees with "Open episodes now".
      const $ = load(page.body)
      const now = $('#open').nextAll('table').first().find('tbody td').map((_i, cell) => $(cell).text().trim()).get()
      assert.deepEqual([...now], table.get(`${monthName(current)} (so far)`))
    })

    it('filters by the locality the episode was in at the end of each month', async () => {
      const northTable = monthEndTable((await browser.get(`/reports?from=${from}&localityId=${north.id}`)).body)
      assert.deepEqual(northTable.get(monthName(addMonths(b, -1))), ['0', '0', '6', '0', '0', '6'])
      // The episode that moved south in B+1 was still in the north at the end of B.
      assert.deepEqual(northTable.get(monthName(b)), ['0', '5', '6', '0', '0', '11'])
      const afterMove = monthName(addMonths(b, 1)) // B+1 has ended: B is at least two months back.
      // North after the move: checklist 6, consent 2 (suppressed), assessment 5 (the next smallest: not shown).
      assert.deepEqual(northTable.get(afterMove), ['0', '6', 'fewer than 5', 'not shown', '0', 'not shown'])
      const southTable = monthEndTable((await browser.get(`/reports?from=${from}&localityId=${south.id}`)).body)
      assert.deepEqual(southTable.get(monthName(addMonths(b, -1))), ['0', '5', '0', '0', '0', '5'])
      assert.deepEqual(southTable.get(monthName(b)), ['0', '0', '0', '0', '0', '0'])
      assert.deepEqual(southTable.get(afterMove), ['0', '0', '0', 'fewer than 5', '0', 'not shown'])
    })

    it('gives the same figures in the CSV and the API', async () => {
      const csv = await browser.get(`/reports/export.csv?from=${from}`)
      assert.equal(csv.statusCode, 200)
      const lines = csv.body.replace(/^\ufeff/, '').split('\r\n')
      const rowsOf = (month: string) => lines.filter(line => line.startsWith(`"Open at the end of each month","${month}",`)).map(line => line.split(',').slice(2, 4).join(','))
      assert.deepEqual(rowsOf(monthKey(b)), [
        '"Identifying needs","0"',
        '"Pre-assessment checklist","5"',
        '"Waiting for consent","6"',
        '"Assessment","0"',
        '"Support","0"',
        '"All open episodes","11"',
      ])
      assert.deepEqual(rowsOf(`${monthKey(current)} (so far)`), [
        '"Identifying needs","0"',
        '"Pre-assessment checklist","not shown"',
        '"Waiting for consent","fewer than 5"',
        '"Assessment","6"',
        '"Support","0"',
        '"All open episodes","not shown"',
      ])
      assert.deepEqual(rowsOf(monthKey(current)), [], 'the current month is marked so far in the CSV too')

      const response = await browser.get(`/api/v1/reports?from=${from}&localityId=${north.id}`)
      assert.equal(response.statusCode, 200)
      const body = response.json() as { openAtMonthEnd: MonthEndJson[] }
      assert.equal(body.openAtMonthEnd.length, (current.year - b.year) * 12 + current.month - b.month + 2)
      const monthB = body.openAtMonthEnd.find(row => row.month === monthKey(b))
      assert.equal(monthB?.soFar, false)
      assert.deepEqual(monthB?.byStatus.map(row => row.status), ['identification', 'checklist', 'consent', 'assessment', 'support'])
      assert.deepEqual(monthB?.byStatus.find(row => row.status === 'consent')?.episodes, { value: 6, text: '6', suppressed: false })
      assert.deepEqual(monthB?.total, { value: 11, text: '11', suppressed: false })
      const last = body.openAtMonthEnd.at(-1)
      assert.equal(last?.month, monthKey(current))
      assert.equal(last?.soFar, true)
      assert.deepEqual(last?.byStatus.find(row => row.status === 'consent')?.episodes, { value: null, text: 'fewer than 5', suppressed: true })
      assert.deepEqual(last?.byStatus.find(row => row.status === 'assessment')?.episodes, { value: null, text: 'not shown', suppressed: true })
      assert.deepEqual(last?.total, { value: null, text: 'not shown', suppressed: true })

      const openapi = (await browser.get('/api/v1/openapi.json')).json() as unknown
      assert.match(JSON.stringify(openapi), /"openAtMonthEnd":\{/, 'the OpenAPI document describes the field')
      assert.match(JSON.stringify(openapi), /"soFar":\{"type":"boolean"/)
    })
  })
}
