import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { sql } from 'kysely'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, errorSummary, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildUser, signIn, type TestUser } from '../../../test/helpers/builders.ts'
import { buildAuthorityWorld } from '../../../test/helpers/world.ts'
import { multipartBody, sampleFiles } from '../../../test/helpers/office-files.ts'
import { uuidv7 } from '../../lib/ids.ts'

// Case notes, documents and the chronology through the real pages, forms and API, on both databases.

type Family = {
  authorityId: string
  episodeId: string
  firstChildId: string
  secondChildId: string
  schoolId: string
  healthId: string
  owner: TestUser
  healthVisitor: TestUser
  schoolColleague: TestUser
  outsider: TestUser
  coordinator: TestUser
  leaver: TestUser
  contributor: TestUser
}

async function buildFamily(t: TestApp, name: string): Promise<Family> {
  const db = t.database.db
  const authority = await buildAuthority(t, { name: `${name} Council` })
  const authorityId = authority.id
  const school = await buildAgency(t, authorityId, { name: `${name} Primary`, kind: 'school' })
  const health = await buildAgency(t, authorityId, { name: `${name} Health Visiting`, kind: 'health' })
  const owner = await buildUser(t, authorityId, { agencyIds: [school.id], name: 'Olive Owner' })
  const healthVisitor = await buildUser(t, authorityId, { agencyIds: [health.id], name: 'Hana Health' })
  const schoolColleague = await buildUser(t, authorityId, { agencyIds: [school.id], name: 'Sam School' })
  const outsider = await buildUser(t, authorityId, { agencyIds: [school.id], name: 'Otto Outsider' })
  const coordinator = await buildUser(t, authorityId, { roles: ['coordinator'], name: 'Cora Coordinator' })
  const leaver = await buildUser(t, authorityId, { agencyIds: [health.id], name: 'Len Leaver' })
  const contributor = await buildUser(t, authorityId, { agencyIds: [health.id], name: 'Cai Contributor' })
  const person = (given: string, dateOfBirth: string) => ({ authorityId, id: uuidv7(), givenNames: given, familyName: 'Ashby', dateOfBirth, searchName: `${given} ashby`.toLowerCase(), createdByUserId: owner.id })
  const [first, second] = [person('Amy', '2016-02-02'), person('Ben', '2019-09-09')]
  await db.insertInto('persons').values([first, second]).execute()
  const episodeId = uuidv7()
  const started = new Date('2026-01-05T10:00:00Z')
  await db.insertInto('episodes').values({ authorityId, id: episodeId, reference: `EH-2026-${episodeId.slice(-5)}`, scope: 'family', householdId: null, localityId: null, agencyId: school.id, status: 'support', outcome: null, startedByUserId: owner.id, startedAt: started, closedAt: null, templateVersionId: null }).execute()
  await db.insertInto('episodePeople').values([{ authorityId, episodeId, personId: first.id, role: 'child' }, { authorityId, episodeId, personId: second.id, role: 'child' }]).execute()
  const member = (user: TestUser, agencyId: string, role: 'owner' | 'member' | 'contributor', leftAt: Date | null = null) => ({ authorityId, episodeId, userId: user.id, agencyId, role, addedByUserId: owner.id, joinedAt: started, leftAt })
  await db
    .insertInto('episodeMembers')
    .values([member(owner, school.id, 'owner'), member(healthVisitor, health.id, 'member'), member(schoolColleague, school.id, 'member'), member(leaver, health.id, 'member', new Date('2026-02-01T10:00:00Z')), member(contributor, health.id, 'contributor')])
    .execute()
  return { authorityId, episodeId, firstChildId: first.id, secondChildId: second.id, schoolId: school.id, healthId: health.id, owner, healthVisitor, schoolColleague, outsider, coordinator, leaver, contributor }
}

function cookieOf(browser: Browser): string {
  return [...browser.cookies].map(([key, value]) => `${key}=${value}`).join('; ')
}

async function upload(t: TestApp, browser: Browser, episodeId: string, fields: Record<string, string>, file?: { name: string; content: Buffer; type?: string }, options: { csrf?: boolean } = {}) {
  const body = multipartBody({ ...(options.csrf === false ? {} : { _csrf: browser.csrfToken }), ...fields }, file)
  return t.app.inject({ method: 'POST', url: `/episodes/${episodeId}/documents/new`, payload: body.payload, headers: { cookie: cookieOf(browser), 'content-type': body.contentType } })
}

async function auditCount(t: TestApp, action: string, outcome: 'allowed' | 'denied', recordId?: string): Promise<number> {
  const result = await sql<{ count: number }>`select count(*)::int as count from audit_events where action = ${action} and outcome = ${outcome} and (${recordId ?? ''} = '' or record_id = ${recordId ?? ''})`.execute(t.database.db)
  return result.rows[0]?.count ?? 0
}

function noteFields(overrides: Record<string, string> = {}) {
  return { 'occurredOn-day': '3', 'occurredOn-month': '3', 'occurredOn-year': '2026', summary: 'Home visit', body: 'Amy showed me her reading book.', personId: 'family', visibility: 'team', ...overrides }
}

for (const kind of databaseKinds()) {
  describe(`case notes and their visibility (${kind})`, () => {
    let t: TestApp
    let f: Family
    let owner: Browser
    before(async () => {
      t = await buildTestApp(kind)
      f = await buildFamily(t, 'Notesby')
      owner = await signIn(t, f.owner)
    })
    after(() => t.close())

    it('writes notes through the form; agency-only notes are read only by the author’s agency and coordinators', async () => {
      const form = await owner.get(`/episodes/${f.episodeId}/notes/new`)
      assert.equal(form.statusCode, 200)
      assert.match(form.body, /My agency only \(Notesby Primary\)/)
      let response = await owner.post(`/episodes/${f.episodeId}/notes/new`, noteFields({ summary: 'Team note about Amy', personId: f.firstChildId }))
      assert.equal(response.statusCode, 303)
      response = await owner.post(`/episodes/${f.episodeId}/notes/new`, noteFields({ summary: 'School-only note', body: 'Shared in confidence by the school nurse.', visibility: 'agency' }))
      assert.equal(response.statusCode, 303)
      response = await owner.post(`/episodes/${f.episodeId}/notes/new`, noteFields({ summary: 'Note for the family', visibility: 'family' }))
      assert.equal(response.statusCode, 303)
      const rows = await t.database.db.selectFrom('caseNotes').select(['summary', 'visibility', 'authorAgencyId', 'personId']).where('authorityId', '=', f.authorityId).orderBy('summary').execute()
      assert.deepEqual(rows.map(row => [row.summary, row.visibility, row.authorAgencyId]), [
        ['Note for the family', 'family', f.schoolId],
        ['School-only note', 'agency', f.schoolId],
        ['Team note about Amy', 'team', f.schoolId],
      ])
      assert.equal(rows.find(row => row.summary === 'Team note about Amy')?.personId, f.firstChildId)
      assert.equal(await auditCount(t, 'note.add', 'allowed'), 3)

      const titles = async (user: TestUser) => {
        const page = await (await signIn(t, user)).get(`/episodes/${f.episodeId}/notes`)
        assert.equal(page.statusCode, 200)
        return load(page.body)('.govuk-summary-card__title').map((_i, element) => load(element).text().replace(/^.*?: /, '')).get().sort()
      }
      assert.deepEqual(await titles(f.owner), ['Note for the family', 'School-only note', 'Team note about Amy'])
      assert.deepEqual(await titles(f.schoolColleague), ['Note for the family', 'School-only note', 'Team note about Amy'])
      assert.deepEqual(await titles(f.healthVisitor), ['Note for the family', 'Team note about Amy'])
      assert.deepEqual(await titles(f.coordinator), ['Note for the family', 'School-only note', 'Team note about Amy'])
      const healthPage = await (await signIn(t, f.healthVisitor)).get(`/episodes/${f.episodeId}/notes`)
      assert.doesNotMatch(healthPage.body, /Shared in confidence/)
    })

    it('refuses bad input with the error summary and keeps what was typed; nothing is saved', async () => {
      const before = await t.database.db.selectFrom('caseNotes').select(sql<number>`count(*)::int`.as('count')).executeTakeFirstOrThrow()
      let response = await owner.post(`/episodes/${f.episodeId}/notes/new`, { summary: '', body: 'Kept text', 'occurredOn-day': '31', 'occurredOn-month': '2', 'occurredOn-year': '2026' })
      assert.equal(response.statusCode, 400)
      assert.deepEqual(errorSummary(response.body), ['Enter a summary', 'Select who the note is about', 'Select who may read the note'])
      assert.match(response.body, /Kept text/)
      response = await owner.post(`/episodes/${f.episodeId}/notes/new`, noteFields({ 'occurredOn-day': '31', 'occurredOn-month': '2' }))
      assert.equal(response.statusCode, 400)
      assert.deepEqual(errorSummary(response.body), ['Date must be a real date'])
      assert.equal(load(response.body)('#occurredOn-day').val(), '31')
      response = await owner.post(`/episodes/${f.episodeId}/notes/new`, noteFields({ 'occurredOn-year': '2099' }))
      assert.equal(response.statusCode, 422)
      assert.deepEqual(errorSummary(response.body), ['The date must be today or in the past'])
      response = await owner.post(`/episodes/${f.episodeId}/notes/new`, noteFields({ personId: uuidv7() }))
      assert.equal(response.statusCode, 422)
      assert.deepEqual(errorSummary(response.body), ['Select a child of this episode, or the whole family'])
      response = await owner.post(`/episodes/${f.episodeId}/notes/new`, noteFields(), { csrf: false })
      assert.equal(response.statusCode, 403)
      const afterwards = await t.database.db.selectFrom('caseNotes').select(sql<number>`count(*)::int`.as('count')).executeTakeFirstOrThrow()
      assert.equal(afterwards.count, before.count)
    })

    it('refuses (and audits) practitioners not on the team, who left it, or only contribute; another authority’s episode is not found', async () => {
      for (const user of [f.outsider, f.leaver, f.contributor]) {
        const browser = await signIn(t, user)
        const denied = await auditCount(t, 'note.view', 'denied')
        assert.equal((await browser.get(`/episodes/${f.episodeId}/notes`)).statusCode, 403)
        assert.equal(await auditCount(t, 'note.view', 'denied'), denied + 1)
        assert.equal((await browser.post(`/episodes/${f.episodeId}/notes/new`, noteFields())).statusCode, 403)
      }
      const other = await buildAuthorityWorld(t, 'Elsewhere')
      assert.equal((await owner.get(`/episodes/${other.episodeId}/notes`)).statusCode, 404)
      assert.equal((await owner.get('/episodes/not-a-uuid/notes')).statusCode, 404)
      assert.equal((await owner.post(`/episodes/${other.episodeId}/notes/new`, noteFields())).statusCode, 404)
    })

    it('the API lists notes with the same visibility and adds one', async () => {
      const health = await signIn(t, f.healthVisitor)
      const headers = { cookie: cookieOf(health), 'x-csrf-token': health.csrfToken, 'content-type': 'application/json' }
      const created = await t.app.inject({ method: 'POST', url: `/api/v1/episodes/${f.episodeId}/notes`, headers, payload: JSON.stringify({ occurredOn: '2026-03-04', summary: 'Health visit', body: 'Weighed Ben.', personId: f.secondChildId, visibility: 'agency' }) })
      assert.equal(created.statusCode, 201, created.body)
      assert.equal(created.json().authorAgencyName, 'Notesby Health Visiting')
      const list = await t.app.inject({ method: 'GET', url: `/api/v1/episodes/${f.episodeId}/notes`, headers: { cookie: cookieOf(health) } })
      assert.deepEqual(list.json().items.map((item: { summary: string }) => item.summary).sort(), ['Health visit', 'Note for the family', 'Team note about Amy'])
      const bad = await t.app.inject({ method: 'POST', url: `/api/v1/episodes/${f.episodeId}/notes`, headers, payload: JSON.stringify({ summary: 'x' }) })
      assert.equal(bad.statusCode, 400)
      assert.match(String(bad.headers['content-type']), /problem\+json/)
    })
  })

  describe(`documents in the database (${kind})`, () => {
    let t: TestApp
    let f: Family
    let owner: Browser
    before(async () => {
      t = await buildTestApp(kind)
      f = await buildFamily(t, 'Docsby')
      owner = await signIn(t, f.owner)
      await owner.get(`/episodes/${f.episodeId}/documents/new`)
    })
    after(() => t.close())

    it('accepts each kind by its content, names the download by what it is, and says it was not scanned', async () => {
      const page = await owner.get(`/episodes/${f.episodeId}/documents/new`)
      assert.match(page.body, /will not be checked/)
      const cases: Array<[keyof typeof sampleFiles, string, string]> = [
        ['pdf', 'Report.pdf', 'application/pdf'],
        ['png', 'photo.png', 'image/png'],
        ['jpeg', 'scan.jpeg', 'image/jpeg'],
        ['docx', 'letter.docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
        ['xlsx', 'budget.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'],
        ['odt', 'notes.odt', 'application/vnd.oasis.opendocument.text'],
        ['ods', 'sheet.ods', 'application/vnd.oasis.opendocument.spreadsheet'],
      ]
      for (const [sample, name, mediaType] of cases) {
        const response = await upload(t, owner, f.episodeId, { title: `A ${sample}`, kind: 'letter', visibility: 'team' }, { name, content: sampleFiles[sample](), type: 'application/octet-stream' })
        assert.equal(response.statusCode, 303, `${sample}: ${response.body.slice(0, 500)}`)
        const row = await t.database.db.selectFrom('documents').select(['mediaType', 'storage', 'scanStatus', 'content', 'fileName']).where('title', '=', `A ${sample}`).executeTakeFirstOrThrow()
        assert.equal(row.mediaType, mediaType)
        assert.equal(row.storage, 'database')
        assert.equal(row.scanStatus, 'not_scanned')
        assert.ok(row.content && Buffer.from(row.content).equals(sampleFiles[sample]()))
      }
      const list = await owner.get(`/episodes/${f.episodeId}/documents`)
      assert.equal(load(list.body)('tbody tr').length, 7)
      assert.match(list.body, /Not checked for viruses/)
      assert.match(list.body, /virus checking is not installed/)
    })

    it('refuses files that are not what they claim, whatever their name; nothing is stored', async () => {
      const before = await t.database.db.selectFrom('documents').select(sql<number>`count(*)::int`.as('count')).executeTakeFirstOrThrow()
      for (const [name, content] of [['letter.pdf', sampleFiles.html()], ['setup.docx', sampleFiles.exe()], ['macro.docx', sampleFiles.docm()], ['slides.odt', sampleFiles.odp()], ['archive.docx', sampleFiles.plainZip()]] as const) {
        const response = await upload(t, owner, f.episodeId, { title: 'Bad', kind: 'letter', visibility: 'team' }, { name, content, type: 'application/pdf' })
        assert.equal(response.statusCode, 422, name)
        assert.deepEqual(errorSummary(response.body), ['The selected file must be a PDF, a JPEG or PNG image, a Word or Excel file, or an OpenDocument text or spreadsheet'])
        assert.equal(load(response.body)('#title').val(), 'Bad')
      }
      let response = await upload(t, owner, f.episodeId, { title: 'No file', kind: 'letter', visibility: 'team' })
      assert.deepEqual(errorSummary(response.body), ['Select a file to upload'])
      response = await upload(t, owner, f.episodeId, { title: '', kind: 'nonsense' }, { name: 'a.pdf', content: sampleFiles.pdf() })
      assert.equal(response.statusCode, 400)
      assert.deepEqual(errorSummary(response.body), ['Enter a title for the document', 'Select what kind of document it is', 'Select who may see the document'])
      response = await upload(t, owner, f.episodeId, { title: 'x', kind: 'letter', visibility: 'team' }, { name: 'a.pdf', content: sampleFiles.pdf() }, { csrf: false })
      assert.equal(response.statusCode, 403)
      const afterwards = await t.database.db.selectFrom('documents').select(sql<number>`count(*)::int`.as('count')).executeTakeFirstOrThrow()
      assert.equal(afterwards.count, before.count)
    })

    it('downloads are audited and sent as attachments with safe headers; agency-only documents stay in the agency', async () => {
      const response = await upload(t, owner, f.episodeId, { title: 'School report', kind: 'specialist_report', visibility: 'agency' }, { name: 'Łucja’s report.PDF', content: sampleFiles.pdf() })
      assert.equal(response.statusCode, 303)
      const document = await t.database.db.selectFrom('documents').select(['id', 'fileName']).where('title', '=', 'School report').executeTakeFirstOrThrow()
      assert.equal(document.fileName, 'Łucja’s report.pdf')
      const download = await owner.get(`/episodes/${f.episodeId}/documents/${document.id}/download`)
      assert.equal(download.statusCode, 200)
      assert.ok(download.rawPayload.equals(sampleFiles.pdf()))
      assert.equal(download.headers['content-type'], 'application/pdf')
      assert.equal(download.headers['content-disposition'], `attachment; filename="_ucja_s report.pdf"; filename*=UTF-8''%C5%81ucja%E2%80%99s%20report.pdf`)
      assert.equal(download.headers['x-content-type-options'], 'nosniff')
      assert.equal(String(download.headers['content-security-policy']), "default-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox")
      assert.equal(download.headers['cache-control'], 'no-store')
      const audit = await t.database.db.selectFrom('auditEvents').select(['action', 'details']).where('recordId', '=', document.id).where('outcome', '=', 'allowed').where('action', '=', 'document.view').execute()
      assert.equal(audit.length, 1)
      assert.match(JSON.stringify(audit[0]?.details), /"download":true/)

      const health = await signIn(t, f.healthVisitor)
      const list = await health.get(`/episodes/${f.episodeId}/documents`)
      assert.doesNotMatch(list.body, /School report/)
      const denied = await auditCount(t, 'document.view', 'denied', document.id)
      assert.equal((await health.get(`/episodes/${f.episodeId}/documents/${document.id}/download`)).statusCode, 403)
      assert.equal(await auditCount(t, 'document.view', 'denied', document.id), denied + 1)
      const colleague = await signIn(t, f.schoolColleague)
      assert.equal((await colleague.get(`/episodes/${f.episodeId}/documents/${document.id}/download`)).statusCode, 200)
      const outsider = await signIn(t, f.outsider)
      assert.equal((await outsider.get(`/episodes/${f.episodeId}/documents/${document.id}/download`)).statusCode, 403)
      assert.equal((await upload(t, outsider, f.episodeId, { title: 'x', kind: 'letter', visibility: 'team' }, { name: 'a.pdf', content: sampleFiles.pdf() })).statusCode, 403)
      assert.equal((await owner.get(`/episodes/${f.episodeId}/documents/${uuidv7()}/download`)).statusCode, 404)
      assert.equal((await owner.get(`/episodes/${f.episodeId}/documents/not-an-id/download`)).statusCode, 404)
    })

    it('removal: the uploader or a coordinator, with a reason; the bytes are erased and the record stays', async () => {
      const document = await t.database.db.selectFrom('documents').select(['id']).where('title', '=', 'A pdf').executeTakeFirstOrThrow()
      const colleague = await signIn(t, f.schoolColleague)
      assert.equal((await colleague.get(`/episodes/${f.episodeId}/documents/${document.id}/remove`)).statusCode, 403)
      assert.equal((await colleague.post(`/episodes/${f.episodeId}/documents/${document.id}/remove`, { reason: 'Mine now' })).statusCode, 403)
      let response = await owner.post(`/episodes/${f.episodeId}/documents/${document.id}/remove`, { reason: '' })
      assert.equal(response.statusCode, 400)
      assert.deepEqual(errorSummary(response.body), ['Enter why you are removing the document'])
      response = await owner.post(`/episodes/${f.episodeId}/documents/${document.id}/remove`, { reason: 'Uploaded to the wrong family' })
      assert.equal(response.statusCode, 303)
      const row = await t.database.db.selectFrom('documents').select(['removedAt', 'removedReason', 'removedByUserId', 'content']).where('id', '=', document.id).executeTakeFirstOrThrow()
      assert.ok(row.removedAt)
      assert.equal(row.removedReason, 'Uploaded to the wrong family')
      assert.equal(row.removedByUserId, f.owner.id)
      assert.equal(row.content, null)
      assert.equal((await owner.get(`/episodes/${f.episodeId}/documents/${document.id}/download`)).statusCode, 404)
      response = await owner.post(`/episodes/${f.episodeId}/documents/${document.id}/remove`, { reason: 'Again' })
      assert.equal(response.statusCode, 422)
      const list = await owner.get(`/episodes/${f.episodeId}/documents`)
      assert.match(list.body, /Uploaded to the wrong family/)
    })

    it('a closed episode is read-only: no uploads, notes or removals', async () => {
      await t.database.db.updateTable('episodes').set({ status: 'closed', closedAt: new Date() }).where('id', '=', f.episodeId).execute()
      let response = await upload(t, owner, f.episodeId, { title: 'Late', kind: 'letter', visibility: 'team' }, { name: 'a.pdf', content: sampleFiles.pdf() })
      assert.equal(response.statusCode, 422)
      assert.deepEqual(errorSummary(response.body), ['This episode is closed, so its records can be read but not changed'])
      response = await owner.post(`/episodes/${f.episodeId}/notes/new`, noteFields())
      assert.equal(response.statusCode, 422)
      const document = await t.database.db.selectFrom('documents').select(['id']).where('title', '=', 'A png').executeTakeFirstOrThrow()
      response = await owner.post(`/episodes/${f.episodeId}/documents/${document.id}/remove`, { reason: 'Tidy' })
      assert.equal(response.statusCode, 422)
      assert.equal((await owner.get(`/episodes/${f.episodeId}/documents/${document.id}/download`)).statusCode, 200)
    })
  })

  describe(`documents in a folder, size limit and ClamAV (${kind})`, () => {
    let t: TestApp
    let f: Family
    let owner: Browser
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'onestory-documents-'))
    const scannerFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'onestory-clamav-'))
    const scanner = path.join(scannerFolder, 'clamscan')
    // A stand-in for clamscan with its interface: reads standard input; exit 0 clean, 1 infected (prints FOUND), 2 error.
    fs.writeFileSync(
      scanner,
      '#!/bin/sh\nfile=$(mktemp)\ncat > "$file"\nif grep -q EICAR-STANDARD-ANTIVIRUS-TEST-FILE "$file"; then rm -f "$file"; echo "stdin: Eicar-Test-Signature FOUND"; exit 1; fi\nif grep -q SCANNER-BREAKS "$file"; then rm -f "$file"; echo "ERROR: cannot read database" >&2; exit 2; fi\nrm -f "$file"\necho "stdin: OK"\nexit 0\n',
      { mode: 0o755 },
    )
    before(async () => {
      t = await buildTestApp(kind, { env: { DOCUMENTS_FOLDER: folder, DOCUMENT_MAX_MB: '1', PATH: scannerFolder } })
      f = await buildFamily(t, 'Foldby')
      owner = await signIn(t, f.owner)
      await owner.get(`/episodes/${f.episodeId}/documents/new`)
    })
    after(async () => {
      await t.close()
      fs.rmSync(folder, { recursive: true, force: true })
      fs.rmSync(scannerFolder, { recursive: true, force: true })
    })

    it('finds the scanner on PATH, stores the file named by its id, and marks it checked', async () => {
      const page = await owner.get(`/episodes/${f.episodeId}/documents/new`)
      assert.doesNotMatch(page.body, /will not be checked/)
      const response = await upload(t, owner, f.episodeId, { title: 'Clean letter', kind: 'letter', visibility: 'team' }, { name: '../../escape.pdf', content: sampleFiles.pdf() })
      assert.equal(response.statusCode, 303, response.body.slice(0, 300))
      const row = await t.database.db.selectFrom('documents').select(['id', 'storage', 'content', 'scanStatus', 'fileName']).where('title', '=', 'Clean letter').executeTakeFirstOrThrow()
      assert.equal(row.storage, 'folder')
      assert.equal(row.content, null)
      assert.equal(row.scanStatus, 'clean')
      assert.equal(row.fileName, 'escape.pdf')
      assert.deepEqual(fs.readdirSync(path.join(folder, f.authorityId)), [row.id])
      const download = await owner.get(`/episodes/${f.episodeId}/documents/${row.id}/download`)
      assert.ok(download.rawPayload.equals(sampleFiles.pdf()))
      assert.match((await owner.get(`/episodes/${f.episodeId}/documents`)).body, /Checked for viruses/)
      assert.equal((await owner.post(`/episodes/${f.episodeId}/documents/${row.id}/remove`, { reason: 'Duplicate' })).statusCode, 303)
      assert.deepEqual(fs.readdirSync(path.join(folder, f.authorityId)), [])
    })

    it('refuses an infected file, a file the scanner cannot check, and a file over the size limit; nothing is stored', async () => {
      const infected = Buffer.concat([sampleFiles.pdf(), Buffer.from('X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*')])
      let response = await upload(t, owner, f.episodeId, { title: 'Infected', kind: 'letter', visibility: 'team' }, { name: 'a.pdf', content: infected })
      assert.equal(response.statusCode, 422)
      assert.deepEqual(errorSummary(response.body), ['The selected file contains a virus (Eicar-Test-Signature), so it was not uploaded. Tell the person who sent it to you'])
      response = await upload(t, owner, f.episodeId, { title: 'Unscannable', kind: 'letter', visibility: 'team' }, { name: 'a.pdf', content: Buffer.concat([sampleFiles.pdf(), Buffer.from('SCANNER-BREAKS')]) })
      assert.deepEqual(errorSummary(response.body), ['The selected file could not be checked for viruses, so it was not uploaded. Try again later'])
      response = await upload(t, owner, f.episodeId, { title: 'Huge', kind: 'letter', visibility: 'team' }, { name: 'a.pdf', content: Buffer.concat([sampleFiles.pdf(), Buffer.alloc(1024 * 1024)]) })
      assert.equal(response.statusCode, 422)
      assert.deepEqual(errorSummary(response.body), ['The selected file must be smaller than 1 MB'])
      const stored = await t.database.db.selectFrom('documents').select('title').where('authorityId', '=', f.authorityId).where('removedAt', 'is', null).execute()
      assert.deepEqual(stored, [])
      assert.deepEqual(fs.readdirSync(path.join(folder, f.authorityId)), [])
    })
  })

  describe(`the chronology (${kind})`, () => {
    let t: TestApp
    let f: Family
    let owner: Browser
    before(async () => {
      t = await buildTestApp(kind)
      f = await buildFamily(t, 'Chronby')
      owner = await signIn(t, f.owner)
      await seedOtherFeatures(t, f)
      await owner.get(`/episodes/${f.episodeId}/notes/new`)
      await owner.post(`/episodes/${f.episodeId}/notes/new`, noteFields({ summary: 'About Amy', personId: f.firstChildId, 'occurredOn-day': '10' }))
      await owner.post(`/episodes/${f.episodeId}/notes/new`, noteFields({ summary: 'School only', visibility: 'agency', 'occurredOn-day': '11' }))
      await upload(t, owner, f.episodeId, { title: 'Speech therapy report', kind: 'specialist_report', visibility: 'team' }, { name: 'report.pdf', content: sampleFiles.pdf() })
    })
    after(() => t.close())

    const kindsOn = (html: string) => load(html)('.moj-timeline__item').map((_i, element) => load(element)('div').first().attr('data-kind') ?? '').get()
    const titlesOn = (html: string) => load(html)('.moj-timeline__title').map((_i, element) => load(element).text().trim()).get()

    it('merges every kind of record into one MOJ timeline, newest first', async () => {
      const page = await owner.get(`/episodes/${f.episodeId}/chronology`)
      assert.equal(page.statusCode, 200)
      const $ = load(page.body)
      const kinds = new Set($('.moj-timeline__item').map((_i, element) => $(element).attr('data-kind')).get())
      assert.deepEqual([...kinds].sort(), ['assessment', 'checklist', 'consent', 'document', 'lead', 'meeting', 'note', 'plan', 'referral', 'review', 'team'])
      const days = $('.moj-timeline__date time').map((_i, element) => $(element).attr('datetime')).get()
      assert.deepEqual(days, [...days].sort().reverse())
      const titles = titlesOn(page.body)
      for (const expected of ['Consent given by Carol Ashby', 'Pre-assessment checklist recorded', 'Referred to children’s social care', 'Common assessment started', 'Assessment signed off', 'Hana Health joined the team', 'Hana Health became lead professional for the whole family', 'Team meeting held', 'Version 1 of the plan agreed', 'Review held', 'Case note: School only', 'Document added: Speech therapy report']) {
        assert.ok(titles.includes(expected), `missing ${expected} in ${titles.join(' | ')}`)
      }
      assert.ok(titles.some(title => title.startsWith('Minutes of the meeting of')))
      assert.ok(titles.includes('Action added to the plan: Ben to see the speech therapist'))
      assert.ok(titles.includes('Action done: Ben to see the speech therapist'))
      assert.match(page.body, /by Hana Health, Chronby Health Visiting/)
    })

    it('filters by kind, by agency and by child, and hides other agencies’ agency-only notes', async () => {
      let page = await owner.get(`/episodes/${f.episodeId}/chronology?kind=note&kind=document`)
      assert.deepEqual([...new Set(kindsOn(page.body))].sort(), ['document', 'note'])
      page = await owner.get(`/episodes/${f.episodeId}/chronology?agencyId=${f.healthId}`)
      const healthTitles = titlesOn(page.body)
      assert.ok(healthTitles.includes('Hana Health became lead professional for the whole family'))
      assert.ok(!healthTitles.includes('Case note: About Amy'))
      page = await owner.get(`/episodes/${f.episodeId}/chronology?personId=${f.firstChildId}`)
      let titles = titlesOn(page.body)
      assert.ok(titles.includes('Case note: About Amy'))
      assert.ok(!titles.includes('Action added to the plan: Ben to see the speech therapist'), 'Ben’s action is not in Amy’s chronology')
      assert.ok(titles.includes('Review held'), 'whole-family events are in each child’s chronology')
      page = await owner.get(`/episodes/${f.episodeId}/chronology?personId=${f.secondChildId}`)
      titles = titlesOn(page.body)
      assert.ok(!titles.includes('Case note: About Amy'))
      assert.ok(titles.includes('Action added to the plan: Ben to see the speech therapist'))

      const health = await signIn(t, f.healthVisitor)
      page = await health.get(`/episodes/${f.episodeId}/chronology`)
      assert.ok(!titlesOn(page.body).includes('Case note: School only'))
      const coordinator = await signIn(t, f.coordinator)
      page = await coordinator.get(`/episodes/${f.episodeId}/chronology`)
      assert.ok(titlesOn(page.body).includes('Case note: School only'))

      page = await owner.get(`/episodes/${f.episodeId}/chronology?kind=gossip`)
      assert.equal(page.statusCode, 400)
      assert.deepEqual(errorSummary(page.body), ['Select kinds of event from the list'])
      page = await owner.get(`/episodes/${f.episodeId}/chronology?personId=${uuidv7()}`)
      assert.equal(page.statusCode, 400)
      assert.deepEqual(errorSummary(page.body), ['Select a child of this episode'])
    })

    it('has a printable version with the same filter, and refuses (audited) those not on the team', async () => {
      const page = await owner.get(`/episodes/${f.episodeId}/chronology/print?kind=note`)
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /onestory-print-document/)
      assert.match(page.body, /Showing events only case notes/)
      assert.deepEqual([...new Set(kindsOn(page.body))], ['note'])
      const outsider = await signIn(t, f.outsider)
      const denied = await auditCount(t, 'chronology.view', 'denied')
      assert.equal((await outsider.get(`/episodes/${f.episodeId}/chronology`)).statusCode, 403)
      assert.equal(await auditCount(t, 'chronology.view', 'denied'), denied + 1)
      const leaver = await signIn(t, f.leaver)
      assert.equal((await leaver.get(`/episodes/${f.episodeId}/chronology/print`)).statusCode, 403)
      assert.ok((await auditCount(t, 'chronology.view', 'allowed')) >= 1)
    })

    it('the API returns the same events with the same filters and visibility', async () => {
      const health = await signIn(t, f.healthVisitor)
      let response = await t.app.inject({ method: 'GET', url: `/api/v1/episodes/${f.episodeId}/chronology?kind=note,plan`, headers: { cookie: cookieOf(health) } })
      assert.equal(response.statusCode, 200, response.body)
      const body = response.json() as { items: { kind: string; title: string }[] }
      assert.deepEqual([...new Set(body.items.map(item => item.kind))].sort(), ['note', 'plan'])
      assert.ok(!body.items.some(item => item.title === 'Case note: School only'))
      response = await t.app.inject({ method: 'GET', url: `/api/v1/episodes/${f.episodeId}/chronology?kind=gossip`, headers: { cookie: cookieOf(health) } })
      assert.equal(response.statusCode, 400)
      const outsider = await signIn(t, f.outsider)
      response = await t.app.inject({ method: 'GET', url: `/api/v1/episodes/${f.episodeId}/chronology`, headers: { cookie: cookieOf(outsider) } })
      assert.equal(response.statusCode, 403)
    })
  })
}

/** Rows of the other features, inserted directly (their routes are not this feature's to test). */
async function seedOtherFeatures(t: TestApp, f: Family) {
  const db = t.database.db
  const authorityId = f.authorityId
  const episodeId = f.episodeId
  const at = (day: number, hour = 10) => new Date(Date.UTC(2026, 0, day, hour))
  await db.insertInto('consents').values({ authorityId, id: uuidv7(), episodeId, decision: 'given', giverKind: 'parent_carer', giverPersonId: null, giverName: 'Carol Ashby', giverRelationship: null, competenceBasis: null, competenceJudgedBy: null, competenceReasoning: null, toAssess: true, shareAgencyIds: '[]', shareAgencyKinds: '[]', method: 'in_person', givenOn: '2026-01-06', refusalReason: null, recordedByUserId: f.owner.id, recordedAt: at(6) }).execute()
  await db.insertInto('episodeChecklists').values({ authorityId, episodeId, templateVersionId: null, answers: '[]', outcome: 'common_assessment', recordedByUserId: f.owner.id, recordedAt: at(5, 11) }).execute()
  await db.insertInto('safeguardingReferrals').values({ authorityId, id: uuidv7(), episodeId, referredTo: 'childrens_social_care', concern: 'A bruise explained by a fall', referredAt: at(5, 12), method: 'phone', reference: null, spokeTo: null, outcome: null, recordedByUserId: f.owner.id, recordedAt: at(5, 12) }).execute()
  const template = await db.selectFrom('assessmentTemplateVersions').select('id').where('authorityId', '=', authorityId).executeTakeFirstOrThrow()
  await db
    .insertInto('assessments')
    .values({ authorityId, id: uuidv7(), episodeId, templateVersionId: template.id, status: 'completed', assessorUserId: f.owner.id, assessorAgencyId: f.schoolId, explainedAt: null, explanationNotes: null, discussionDate: '2026-01-08', reason: 'r', present: null, conclusions: 'c', familyAgreement: 'agrees', differencesOfOpinion: null, solutions: null, familyCanDo: null, agreedActions: null, reviewDate: null, outcome: 'multi_agency', completionDate: '2026-01-09', signedOffByUserId: f.owner.id, signedOffAt: at(9), approvedByUserId: null, approvedAt: null, returnedByUserId: null, returnedAt: null, returnComments: null, createdAt: at(7), updatedAt: at(9) })
    .execute()
  await db.insertInto('teamChanges').values({ authorityId, id: uuidv7(), episodeId, change: 'joined', userId: f.healthVisitor.id, familyTeamMemberId: null, memberName: 'Hana Health', detail: 'Health visitor', byUserId: f.owner.id, at: at(10) }).execute()
  await db.insertInto('leadProfessionals').values({ authorityId, id: uuidv7(), episodeId, scope: 'whole_family', userId: f.healthVisitor.id, agencyId: f.healthId, appointedVia: 'team_meeting', meetingId: null, familyPreference: 'Carol asked for Hana', appointedByUserId: f.healthVisitor.id, startedAt: at(12), endedAt: null, endedReason: null }).execute()
  const meetingId = uuidv7()
  await db.insertInto('meetings').values({ authorityId, id: meetingId, episodeId, purpose: 'team_meeting', startsAt: at(12), endsAt: at(12, 11), venueName: 'Family centre', venueAddress: null, accessibilityNotes: null, remoteLink: null, status: 'held', icsUid: `${meetingId}@test`, chairUserId: f.healthVisitor.id, minuteTakerUserId: f.owner.id, scheduledByUserId: f.owner.id, createdAt: at(10, 9), cancelledAt: null, cancelReason: null }).execute()
  await db.insertInto('meetingMinutes').values({ authorityId, meetingId, status: 'circulated', dueOn: '2026-01-19', draftedByUserId: f.owner.id, submittedAt: at(13), approvedByUserId: f.healthVisitor.id, approvedAt: at(14), circulatedAt: at(14, 11), updatedAt: at(14, 11) }).execute()
  const needId = uuidv7()
  await db.insertInto('planNeeds').values({ authorityId, id: needId, episodeId, description: 'Ben’s speech', assessmentId: null, elementKey: null, subject: f.secondChildId, outcomeWanted: 'Ben is understood at nursery', frameworkOutcomes: '{}', position: 1, createdByUserId: f.owner.id, createdAt: at(12) }).execute()
  await db.insertInto('planActions').values({ authorityId, id: uuidv7(), episodeId, needId, what: 'Ben to see the speech therapist', ownerKind: 'agency', ownerUserId: null, ownerAgencyId: f.healthId, ownerFamilyTeamMemberId: null, ownerName: 'Health visiting', dueOn: '2026-02-01', status: 'done', notDoneReason: null, completedOn: '2026-01-20', sourceMeetingId: null, sourceReviewId: null, createdByUserId: f.healthVisitor.id, createdAt: at(12, 11), updatedAt: at(20) }).execute()
  await db.insertInto('planVersions').values({ authorityId, id: uuidv7(), episodeId, number: 1, content: '{}', agreedByUserId: f.healthVisitor.id, agreedAt: at(12, 12) }).execute()
  await db.insertInto('reviews').values({ authorityId, id: uuidv7(), episodeId, meetingId: null, heldOn: '2026-02-20', status: 'completed', decision: 'continue', decisionReason: null, recordedByUserId: f.healthVisitor.id, createdAt: at(20), completedAt: at(20) }).execute()
}
