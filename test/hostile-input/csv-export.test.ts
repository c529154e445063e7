import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { uuidv7 } from '../../src/lib/ids.ts'
import { csvCell } from '../../src/lib/csv.ts'
import { paths } from '../../src/paths.ts'
import { databaseKinds } from '../helpers/database.ts'
import { buildTestApp, type Browser, type TestApp } from '../helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildLocality, buildUser, signIn } from '../helpers/builders.ts'

// CSV formula injection (OWASP): every CSV export neutralises cells starting with = + - @ tab or CR, through the one
// shared function in src/lib/csv.ts. Each payload goes through every export route and the downloaded file is read
// back cell by cell. A new CSV export must use CSV_CONTENT_TYPE from src/lib/csv.ts and be added to EXPORTS below;
// the inventory test fails until it is.

const root = path.resolve(import.meta.dirname, '..', '..')
const FORMULA_STARTS = ['=', '+', '-', '@', '\t', '\r']
const DANGEROUS = /^[=+\-@\t\r]/

/** Files (under src/) that send CSV, and the routes they serve. */
const EXPORTS: Record<string, string[]> = {
  'src/features/audit-log/audit-log.routes.ts': ['/audit/export.csv'],
  'src/features/reports/reports.routes.ts': ['/reports/export.csv'],
}

/** An RFC 4180 reader for the test (quoted cells may hold commas, quotes, CR and LF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let index = 0; index < text.length; index++) {
    const char = text[index]
    if (quoted) {
      if (char === '"' && text[index + 1] === '"') {
        cell += '"'
        index++
      } else if (char === '"') quoted = false
      else cell += char
    } else if (char === '"') quoted = true
    else if (char === ',') {
      row.push(cell)
      cell = ''
    } else if (char === '\r' && text[index + 1] === '\n') {
      row.push(cell)
      rows.push(row)
      row = []
      cell = ''
      index++
    } else cell += char
  }
  if (cell !== '' || row.length > 0) rows.push([...row, cell])
  return rows
}

function sourceFiles(folder: string): string[] {
  return fs
    .readdirSync(path.join(root, folder), { recursive: true })
    .map(name => path.join(folder, String(name)))
    .filter(name => /\.(ts|njk|mjs|js)$/.test(name) && !name.endsWith('.test.ts'))
}

describe('CSV exports: the shared neutraliser', () => {
  it('makes each formula start inert and leaves other text alone', () => {
    for (const start of FORMULA_STARTS) {
      assert.equal(csvCell(`${start}1+1`), `"'${start}1+1"`)
    }
    assert.equal(csvCell('=HYPERLINK("http://evil.example")'), `"'=HYPERLINK(""http://evil.example"")"`)
    assert.equal(csvCell('a=b'), '"a=b"')
    assert.equal(csvCell(42), '"42"')
    assert.equal(csvCell(-2.5), '"-2.5"', 'a negative number stays a number')
    assert.equal(csvCell('-2.0'), '"-2.0"')
    for (const formula of ['-2+3', '-2.0e1', '-1)*cmd|', '-2.0\n=1', '- 2']) assert.equal(csvCell(formula), `"'${formula.replace(/"/g, '""')}"`, formula)
  })

  it('is the only way CSV is sent: every file that sends CSV uses it and is covered here', () => {
    const literal = sourceFiles('src').filter(file => file !== path.join('src', 'lib', 'csv.ts') && /text\/csv/i.test(fs.readFileSync(path.join(root, file), 'utf8')))
    assert.deepEqual(literal, [], 'CSV content types come from CSV_CONTENT_TYPE in src/lib/csv.ts')
    const senders = sourceFiles('src').filter(file => fs.readFileSync(path.join(root, file), 'utf8').includes('CSV_CONTENT_TYPE') && file !== path.join('src', 'lib', 'csv.ts'))
    assert.deepEqual(senders.sort(), Object.keys(EXPORTS).sort())
    const ownQuoting = sourceFiles('src').filter(file => {
      const text = fs.readFileSync(path.join(root, file), 'utf8')
      // Doubling quotes is also how SQL identifiers are quoted (src/db/backup.ts): only a file about CSV counts.
      return /replace\(\/"\/g, '""'\)/.test(text) && /csv/i.test(text) && file !== path.join('src', 'lib', 'csv.ts')
    })
    assert.deepEqual(ownQuoting, [], 'no second CSV quoting function')
  })
})

for (const kind of databaseKinds()) {
  describe(`CSV exports neutralise formula injection (${kind})`, () => {
    let t: TestApp
    let coordinator: Browser
    let payloadUserId: string
    let payloadLocalityId: string

    before(async () => {
      t = await buildTestApp(kind)
      const authorityId = (await buildAuthority(t)).id
      const agency = await buildAgency(t, authorityId)
      coordinator = await signIn(t, await buildUser(t, authorityId, { roles: ['coordinator'], agencyIds: [agency.id] }))
      const payloadAgency = await buildAgency(t, authorityId, { name: '@Agency("x")' })
      const payloadUser = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [payloadAgency.id], name: '=cmd|" /C calc"!A0' })
      payloadUserId = payloadUser.id
      payloadLocalityId = (await buildLocality(t, authorityId, '=HYPERLINK("http://evil.example","x")')).id
      // One audit event per formula start, every free-text field beginning with it.
      const base = t.clock.now().getTime()
      await t.database.db
        .insertInto('auditEvents')
        .values(
          FORMULA_STARTS.map((start, index) => ({
            authorityId,
            id: uuidv7(base - index * 1000),
            at: new Date(base - index * 1000),
            actorKind: 'practitioner',
            actorUserId: payloadUser.id,
            actorAgencyId: payloadAgency.id,
            action: `${start}SUM(1+1)`,
            outcome: 'allowed' as const,
            recordType: `${start}type`,
            recordId: `${start}2+3`,
            ip: `${start}1+1`,
            requestId: `${start}HYPERLINK("http://evil.example","x")`,
          })),
        )
        .execute()
    })
    after(() => t.close())

    it('covers every .csv route the app registers', () => {
      const csvRoutes = t.app.routeInventory.filter(route => /\.csv$/i.test(route.url)).map(route => route.url)
      assert.deepEqual(csvRoutes.sort(), Object.values(EXPORTS).flat().sort())
    })

    it('the audit log export: no cell starts a formula, and each payload comes back with an apostrophe', async () => {
      const response = await coordinator.get(paths.auditExport({ userId: payloadUserId }))
      assert.equal(response.statusCode, 200)
      assert.match(String(response.headers['content-type']), /^text\/csv; charset=utf-8/)
      const rows = parseCsv(response.body.replace(/^\ufeff/, ''))
      assert.equal(rows.length, 1 + FORMULA_STARTS.length, 'header and one row per payload')
      const cells = rows.flat()
      for (const cell of cells) assert.doesNotMatch(cell, DANGEROUS, `cell ${JSON.stringify(cell)} would run as a formula`)
      for (const start of FORMULA_STARTS) {
        for (const value of [`${start}SUM(1+1)`, `${start}type`, `${start}2+3`, `${start}1+1`, `${start}HYPERLINK("http://evil.example","x")`]) {
          assert.ok(cells.includes(`'${value}`), `${JSON.stringify(value)} exported as text`)
        }
      }
      assert.ok(cells.includes(`'=cmd|" /C calc"!A0`), 'the user name')
      assert.ok(cells.includes(`'@Agency("x")`), 'the agency name')
    })

    it('the reports export: the locality name comes back as text', async () => {
      const response = await coordinator.get(paths.reports.csv({ localityId: payloadLocalityId }))
      assert.equal(response.statusCode, 200)
      assert.match(String(response.headers['content-type']), /^text\/csv; charset=utf-8/)
      const cells = parseCsv(response.body.replace(/^\ufeff/, '')).flat()
      for (const cell of cells) assert.doesNotMatch(cell, DANGEROUS, `cell ${JSON.stringify(cell)} would run as a formula`)
      assert.ok(cells.includes(`'=HYPERLINK("http://evil.example","x")`), 'the locality name')
    })
  })
}
