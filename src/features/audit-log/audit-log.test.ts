import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { isDeepStrictEqual } from 'node:util'
import { load } from 'cheerio'
import { uuidv7 } from '../../lib/ids.ts'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, errorSummary, heading, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildUser, signIn, type TestUser } from '../../../test/helpers/builders.ts'
import { buildAuthorityWorld, type AuthorityWorld } from '../../../test/helpers/world.ts'
import { paths } from '../../paths.ts'
import { csvCell } from '../../lib/csv.ts'
import { parseAuditQuery, startOfUkDay } from './audit-log.schemas.ts'

describe('audit log: pure parts', () => {
  it('neutralises spreadsheet formulae and quotes every CSV cell', () => {
    assert.equal(csvCell('=1+1'), `"'=1+1"`)
    assert.equal(csvCell('+44 1234'), `"'+44 1234"`)
    assert.equal(csvCell('-2'), '"-2"', 'a plain negative number stays a number')
    assert.equal(csvCell('-2+1'), `"'-2+1"`)
    assert.equal(csvCell('@SUM(A1)'), `"'@SUM(A1)"`)
    assert.equal(csvCell('\tx'), `"'\tx"`)
    assert.equal(csvCell('\rx'), `"'\rx"`)
    assert.equal(csvCell('say "hi", then go'), `"say ""hi"", then go"`)
    assert.equal(csvCell(null), '""')
    assert.equal(csvCell('a=b'), '"a=b"')
  })

  it('validates GOV.UK date inputs', () => {
    const messages = (query: Record<string, string>) => {
      const parsed = parseAuditQuery(query)
      return parsed.ok ? [] : parsed.formErrors.errors.map(error => `${error.text} ${error.href}`)
    }
    assert.deepEqual(messages({ 'from-day': '1', 'from-year': '2026' }), ['Date from must include a month #from-month'])
    assert.deepEqual(messages({ 'from-day': '31', 'from-month': '2', 'from-year': '2026' }), [
      'Date from must be a real date #from-day',
    ])
    assert.deepEqual(messages({ 'to-day': 'x', 'to-month': '2', 'to-year': '2026' }), [
      'Date to must be a real date #to-day',
    ])
    assert.deepEqual(messages({ 'to-day': '1', 'to-month': '2', 'to-year': '26' }), [
      'Date to must include a year with 4 numbers, like 2026 #to-year',
    ])
    assert.deepEqual(
      messages({
        'from-day': '2',
        'from-month': '2',
        'from-year': '2026',
        'to-day': '1',
        'to-month': '2',
        'to-year': '2026',
      }),
      ['Date to must be the same as or after date from #to-day'],
    )
    assert.deepEqual(messages({ userId: 'Jane Smith', recordId: 'x' }).length, 2)
    const ok = parseAuditQuery({
      'from-day': '29',
      'from-month': '2',
      'from-year': '2028',
      page: ['2', '3'],
      unknown: 'ignored',
    })
    assert.ok(ok.ok)
    assert.deepEqual(ok.filter, { from: { year: 2028, month: 2, day: 29 } })
    assert.equal(ok.page, 2)
  })

  it('starts a day at UK midnight, in winter and in summer time', () => {
    assert.equal(startOfUkDay({ year: 2026, month: 1, day: 15 }).toISOString(), '2026-01-15T00:00:00.000Z')
    assert.equal(startOfUkDay({ year: 2026, month: 7, day: 15 }).toISOString(), '2026-07-14T23:00:00.000Z')
    assert.equal(startOfUkDay({ year: 2026, month: 7, day: 31 }, 1).toISOString(), '2026-07-31T23:00:00.000Z')
  })
})

for (const kind of databaseKinds()) {
  describe(`audit log search (${kind})`, () => {
    let t: TestApp
    let authorityId: string
    let agencyName: string
    let coordinatorUser: TestUser
    let practitionerUser: TestUser
    let formulaUser: TestUser
    let coordinator: Browser
    let practitioner: Browser
    let otherCoordinator: Browser
    const recordId = uuidv7()

    before(async () => {
      t = await buildTestApp(kind)
      authorityId = (await buildAuthority(t)).id
      const agency = await buildAgency(t, authorityId, { name: 'Brookside Primary School' })
      agencyName = agency.name
      coordinatorUser = await buildUser(t, authorityId, {
        roles: ['coordinator'],
        agencyIds: [agency.id],
        name: 'Cora Ordinator',
      })
      practitionerUser = await buildUser(t, authorityId, {
        roles: ['practitioner'],
        agencyIds: [agency.id],
        name: 'Pat Practitioner',
      })
      formulaUser = await buildUser(t, authorityId, {
        roles: ['practitioner'],
        name: '=HYPERLINK("http://evil.example","click") <b>bold</b>',
      })
      coordinator = await signIn(t, coordinatorUser)
      practitioner = await signIn(t, practitionerUser)
      const other = await buildAuthority(t)
      otherCoordinator = await signIn(t, await buildUser(t, other.id, { roles: ['coordinator'] }))
      // 120 events about one record, and one whose fields look like formulae.
      const base = t.clock.now().getTime()
      await t.database.db
        .insertInto('auditEvents')
        .values(
          Array.from({ length: 120 }, (_unused, index) => ({
            authorityId,
            id: uuidv7(base - index * 1000),
            at: new Date(base - index * 1000),
            actorKind: 'practitioner',
            actorUserId: practitionerUser.id,
            actorAgencyId: agency.id,
            action: 'user.view',
            outcome: 'allowed' as const,
            recordType: 'paging-test',
            recordId,
            ip: '192.0.2.10',
            requestId: `request-${index}`,
          })),
        )
        .execute()
      await t.database.db
        .insertInto('auditEvents')
        .values({
          authorityId,
          id: uuidv7(base),
          at: new Date(base),
          actorKind: 'practitioner',
          actorUserId: formulaUser.id,
          actorAgencyId: null,
          action: '@SUM(1+1)',
          outcome: 'denied',
          recordType: '-formula',
          recordId: '+cmd|calc',
          ip: '=1+1',
          requestId: null,
        })
        .execute()
    })
    after(() => t.close())

    function tableRows(html: string): string[][] {
      const $ = load(html)
      return $('tbody tr')
        .map((_i, row) => [
          $(row)
            .find('td')
            .map((_j, cell) => $(cell).text().replace(/\s+/g, ' ').trim())
            .get(),
        ])
        .get() as string[][]
    }

    it('shows a coordinator the authority’s events, newest first, and audits the search', async () => {
      const page = await coordinator.get('/audit')
      assert.equal(page.statusCode, 200)
      assert.equal(heading(page.body), 'Audit log')
      const rows = tableRows(page.body)
      assert.equal(rows.length, 50)
      assert.ok(
        rows.some(
          row =>
            row[1] === 'Pat Practitioner' &&
            row[2] === agencyName &&
            row[3] === 'user.view' &&
            row[4] === 'Allowed' &&
            row[6] === '192.0.2.10',
        ),
      )
      assert.ok(!page.body.includes('<b>bold</b>'), 'names are escaped')
      const searches = await t.database.db
        .selectFrom('auditEvents')
        .select(['outcome', 'recordType'])
        .where('actorUserId', '=', coordinatorUser.id)
        .where('action', '=', 'audit.search')
        .execute()
      assert.deepEqual(searches, [{ outcome: 'allowed', recordType: 'audit-log' }])
      const $ = load(page.body)
      assert.ok($(`#userId option[value="${practitionerUser.id}"]`).length === 1, 'people of the authority are offered')
      assert.ok($('#recordType option[value="paging-test"]').length === 1, 'record types in the log are offered')
    })

    it('filters by person, action, record type and id, outcome and dates, and pages 50 at a time', async () => {
      const byRecord = await coordinator.get(`/audit?recordType=paging-test&recordId=${recordId}`)
      assert.equal(byRecord.statusCode, 200)
      assert.match(load(byRecord.body)('caption').text(), /^120 events, page 1 of 3/)
      const $ = load(byRecord.body)
      const next = $('.govuk-pagination__next a').attr('href') ?? ''
      assert.equal(next, `/audit?recordType=paging-test&recordId=${recordId}&page=2`)
      const third = await coordinator.get(`/audit?recordType=paging-test&recordId=${recordId}&page=3`)
      assert.equal(tableRows(third.body).length, 20)
      assert.ok(load(third.body)('.govuk-pagination__prev a').attr('href')?.endsWith('page=2'))

      const byPerson = tableRows((await coordinator.get(`/audit?userId=${formulaUser.id}`)).body)
      assert.equal(byPerson.length, 1)
      assert.equal(byPerson[0]?.[3], '@SUM(1+1)')

      const denied = tableRows((await coordinator.get(`/audit?outcome=denied&userId=${formulaUser.id}`)).body)
      assert.equal(denied.length, 1)
      const signIns = tableRows((await coordinator.get(`/audit?action=sign-in&userId=${coordinatorUser.id}`)).body)
      assert.ok(signIns.length >= 1 && signIns.every(row => row[3] === 'sign-in' && row[1] === 'Cora Ordinator'))

      const today = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/London',
        day: 'numeric',
        month: 'numeric',
        year: 'numeric',
      })
        .formatToParts(t.clock.now())
        .reduce<Record<string, string>>((parts, part) => ({ ...parts, [part.type]: part.value }), {})
      const range = (from: string[], to: string[]) =>
        `/audit?recordType=paging-test&from-day=${from[0]}&from-month=${from[1]}&from-year=${from[2]}&to-day=${to[0]}&to-month=${to[1]}&to-year=${to[2]}`
      const past = await coordinator.get(range(['1', '1', '2001'], ['31', '12', '2001']))
      assert.equal(past.statusCode, 200)
      assert.match(past.body, /No events match these filters/)
      const yesterdayAndToday = new Date(t.clock.now().getTime() - 86_400_000)
      const around = await coordinator.get(
        range(
          [
            String(yesterdayAndToday.getUTCDate()),
            String(yesterdayAndToday.getUTCMonth() + 1),
            String(yesterdayAndToday.getUTCFullYear()),
          ],
          [today.day ?? '', today.month ?? '', today.year ?? ''],
        ),
      )
      assert.match(load(around.body)('caption').text(), /^120 events/)
      assert.equal(
        load(around.body)('#from-year').attr('value'),
        String(yesterdayAndToday.getUTCFullYear()),
        'the dates are kept in the form',
      )

      const searches = await t.database.db
        .selectFrom('auditEvents')
        .select('details')
        .where('actorUserId', '=', coordinatorUser.id)
        .where('action', '=', 'audit.search')
        .execute()
      const expected = { recordType: 'paging-test', from: '2001-01-01', to: '2001-12-31' }
      assert.ok(
        searches.some(event => isDeepStrictEqual((event.details as { filters?: unknown }).filters, expected)),
        'each search is audited with its filters (ids, codes and dates only)',
      )
    })

    it('answers bad filters with 400 and the error summary, never a 500', async () => {
      const response = await coordinator.get(
        '/audit?from-day=31&from-month=2&from-year=2026&to-day=1&to-year=2026&recordId=Jane%20Smith',
      )
      assert.equal(response.statusCode, 400)
      assert.deepEqual(errorSummary(response.body), [
        'Enter a record ID in the correct format, like 0190a0c4-8a52-7d3e-9c1a-2f4e5d6b7a81',
        'Date from must be a real date',
        'Date to must include a month',
      ])
      const $ = load(response.body)
      assert.equal($('.govuk-error-summary a').eq(2).attr('href'), '#to-month')
      assert.ok($('#to-month').hasClass('govuk-input--error'))
      assert.equal($('#from-day').attr('value'), '31', 'what was typed is kept')
      assert.equal($('tbody tr').length, 0, 'no results for an invalid search')
      for (const junk of [
        '?from-day=%00&from-month=1&from-year=2026',
        '?userId=x&userId=y',
        '?from-year=99999&from-month=1&from-day=1',
        '?page=-5',
        '?outcome=maybe',
        '?action=DROP%20TABLE',
      ]) {
        const answer = await coordinator.get(`/audit${junk}`)
        assert.ok(answer.statusCode === 200 || answer.statusCode === 400, `${junk} answered ${answer.statusCode}`)
      }
      assert.equal((await coordinator.get('/audit/export.csv?from-day=40&from-month=1&from-year=2026')).statusCode, 400)
    })

    it('exports the filtered events as a CSV attachment with formulae made inert', async () => {
      const response = await coordinator.get(`/audit/export.csv?userId=${formulaUser.id}`)
      assert.equal(response.statusCode, 200)
      assert.match(String(response.headers['content-type']), /^text\/csv; charset=utf-8/)
      assert.match(
        String(response.headers['content-disposition']),
        /^attachment; filename="audit-log-\d{4}-\d{2}-\d{2}\.csv"$/,
      )
      assert.equal(response.headers['cache-control'], 'no-store')
      const lines = response.body
        .replace(/^\ufeff/, '')
        .trimEnd()
        .split('\r\n')
      assert.equal(lines.length, 2)
      assert.match(lines[0] ?? '', /^"Time \(UTC\)","Time \(UK\)","Who","User ID"/)
      const row = lines[1] ?? ''
      assert.ok(row.includes(`"'=HYPERLINK(""http://evil.example"",""click"") <b>bold</b>"`), row)
      assert.ok(row.includes(`"'@SUM(1+1)"`))
      assert.ok(row.includes(`"'-formula"`))
      assert.ok(row.includes(`"'+cmd|calc"`))
      assert.ok(row.includes(`"'=1+1"`))
      const all = await coordinator.get(`/audit/export.csv?recordType=paging-test&recordId=${recordId}`)
      assert.equal(all.body.trimEnd().split('\r\n').length, 121, 'every matching event, not one page')
      const exported = await t.database.db
        .selectFrom('auditEvents')
        .select(['details', 'purpose'])
        .where('actorUserId', '=', coordinatorUser.id)
        .where('purpose', '=', 'export')
        .execute()
      assert.equal(exported.length, 2)
    })

    it('refuses practitioners (audited) and shows nothing of another authority', async () => {
      assert.equal((await practitioner.get('/audit')).statusCode, 403)
      assert.equal((await practitioner.get('/audit/export.csv')).statusCode, 403)
      assert.equal(
        (await practitioner.get('/audit?from-day=99')).statusCode,
        403,
        'refused before the filters are looked at',
      )
      const denied = await t.database.db
        .selectFrom('auditEvents')
        .select('action')
        .where('actorUserId', '=', practitionerUser.id)
        .where('outcome', '=', 'denied')
        .where('action', '=', 'audit.search')
        .execute()
      assert.equal(denied.length, 3)
      const anonymous = await new Browser(t.app).get('/audit')
      assert.equal(anonymous.statusCode, 303)
      const other = await otherCoordinator.get(`/audit?recordType=paging-test&recordId=${recordId}`)
      assert.equal(other.statusCode, 200)
      assert.match(other.body, /No events match these filters/)
      assert.ok(!other.body.includes('Pat Practitioner'), 'no names of another authority in the form or the results')
      const otherCsv = await otherCoordinator.get(`/audit/export.csv?userId=${practitionerUser.id}`)
      assert.equal(otherCsv.body.trimEnd().split('\r\n').length, 1, 'header only')
    })
  })
}

for (const kind of databaseKinds()) {
  describe(`audit log search by person (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    let other: AuthorityWorld
    let coordinator: Browser

    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Quill')
      other = await buildAuthorityWorld(t, 'Vexa')
      coordinator = await signIn(t, world.superUser)
      const practitioner = await signIn(t, world.practitioner)
      // Reads about the child (person page, episode, plan), a read about someone else, and a refusal.
      assert.equal((await coordinator.get(paths.people.show(world.episodeChildId))).statusCode, 200)
      assert.equal((await coordinator.get(paths.episodes.show(world.episodeId))).statusCode, 200)
      assert.equal((await coordinator.get(paths.plans.show(world.episodeId))).statusCode, 200)
      assert.equal((await coordinator.get(paths.people.show(world.otherPersonId))).statusCode, 200)
      assert.equal((await practitioner.get(paths.episodes.show(world.episodeId))).statusCode, 403)
    })

    after(() => t.close())

    async function expectedAbout(personId: string): Promise<string[]> {
      const episodes = await t.database.db.selectFrom('episodePeople').select('episodeId').where('personId', '=', personId).execute()
      const households = await t.database.db.selectFrom('householdMembers').select('householdId').where('personId', '=', personId).execute()
      const rows = await t.database.db
        .selectFrom('auditEvents')
        .select(['id', 'recordType', 'recordId', 'episodeId'])
        .where('authorityId', '=', world.authorityId)
        .execute()
      return rows
        .filter(
          row =>
            (row.recordType === 'person' && row.recordId === personId) ||
            (row.recordType === 'household' && households.some(h => h.householdId === row.recordId)) ||
            (row.episodeId !== null && episodes.some(e => e.episodeId === row.episodeId)),
        )
        .map(row => row.id)
    }

    it('finds every event about a person: their record and the episodes they are in, and nothing else', async () => {
      const expected = await expectedAbout(world.episodeChildId)
      assert.ok(expected.length >= 4, `events about the child: ${expected.length}`)
      const response = await coordinator.get(paths.audit({ personId: world.episodeChildId }))
      assert.equal(response.statusCode, 200)
      const $ = load(response.body)
      assert.match($('caption').text(), new RegExp(`^${expected.length} events about `))
      const csv = await coordinator.get(paths.auditExport({ personId: world.episodeChildId }))
      const lines = csv.body.replace(/^\ufeff/, '').trimEnd().split('\r\n')
      assert.match(lines[0] ?? '', /"Roles","Purpose","Episode ID","Chain position"$/)
      assert.equal(lines.length, expected.length + 1)
      assert.ok(lines.slice(1).every(line => !line.includes(world.otherPersonId) || line.includes(world.episodeId)))
      // The refusal is there, with the practitioner's roles; the read of the other person is not.
      assert.ok(lines.some(line => line.includes('"denied"') && line.includes('"Practitioner"')), 'the refused read')
      const aboutOther = await coordinator.get(paths.auditExport({ personId: world.otherPersonId }))
      assert.ok(aboutOther.body.includes(world.otherPersonId))
      assert.ok(!aboutOther.body.includes(`"${world.episodeId}"`) || (await expectedAbout(world.otherPersonId)).length > 1)
    })

    it('narrows a person search by practitioner and by period', async () => {
      const byPractitioner = await coordinator.get(
        paths.auditExport({ personId: world.episodeChildId, userId: world.practitioner.id }),
      )
      const lines = byPractitioner.body.replace(/^\ufeff/, '').trimEnd().split('\r\n')
      assert.equal(lines.length, 2, 'only the refused read')
      const today = t.clock.now()
      const day = { 'from-day': today.getUTCDate(), 'from-month': today.getUTCMonth() + 1, 'from-year': today.getUTCFullYear() }
      const inPeriod = await coordinator.get(paths.audit({ personId: world.episodeChildId, ...day }))
      assert.equal(inPeriod.statusCode, 200)
      const past = await coordinator.get(
        paths.audit({ personId: world.episodeChildId, 'to-day': 1, 'to-month': 1, 'to-year': 2000 }),
      )
      assert.match(load(past.body)('.govuk-body').text(), /No events match these filters/)
    })

    it('refuses a person ID that is malformed or not in the authority (another authority\'s person looks the same as no one)', async () => {
      for (const personId of ['not-an-id', uuidv7(), other.episodeChildId]) {
        const response = await coordinator.get(paths.audit({ personId }))
        assert.equal(response.statusCode, 400, personId)
        assert.equal(errorSummary(response.body).length, 1)
        const csv = await coordinator.get(paths.auditExport({ personId }))
        assert.equal(csv.statusCode, 400)
      }
      const foreign = await coordinator.get(paths.audit({ personId: other.episodeChildId }))
      assert.ok(!foreign.body.includes('Vexa'))
    })
  })
}
