import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { after, before, describe, it } from 'node:test'
import { sql } from 'kysely'
import { load } from 'cheerio'
import { Browser, buildTestApp, errorSummary, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildUser, signIn, type TestUser } from '../../../test/helpers/builders.ts'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { buildAuthorityWorld, type AuthorityWorld } from '../../../test/helpers/world.ts'
import { runCli } from '../../cli/onestory.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { paths } from '../../paths.ts'

// The retention pages (docs/retention.md): the administrator's retention periods, the coordinator's list of records
// due for disposal and its approval, what was disposed of, legal holds — posted as a browser posts the real forms.

const YEAR_MINUTES = 366 * 24 * 60

async function cli(argv: string[], env: Record<string, string>): Promise<{ code: number; output: string }> {
  const out = new PassThrough()
  let output = ''
  out.on('data', chunk => (output += chunk))
  const code = await runCli(argv, { LOG_LEVEL: 'silent', ...env }, out)
  return { code, output }
}

function text(html: string): string {
  return load(html)('main').text().replace(/\s+/g, ' ')
}

function formValue(html: string, name: string): string {
  return load(html)(`input[name="${name}"]`).attr('value') ?? ''
}

for (const kind of databaseKinds()) {
  describe(`retention pages (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    let administrator: TestUser
    let coordinator: TestUser
    let extra: { episodeId: string; reference: string }
    let loneId: string
    let worldReference: string

    async function count(query: string): Promise<number> {
      const result = await sql.raw<{ n: number }>(`select count(*)::int as n from (${query}) x`).execute(t.database.db)
      return Number(result.rows[0]?.n ?? 0)
    }

    async function denied(action: string): Promise<number> {
      return count(`select 1 from audit_events where authority_id = '${world.authorityId}' and action = '${action}' and outcome = 'denied'`)
    }

    async function rulesSnapshot(): Promise<string> {
      const rows = await t.database.db.selectFrom('retentionRules').select(['recordType', 'yearsAfter', 'untilAge', 'version']).where('authorityId', '=', world.authorityId).orderBy('recordType').execute()
      return JSON.stringify(rows)
    }

    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Rtnpages')
      administrator = await buildUser(t, world.authorityId, { roles: ['administrator'], agencyIds: [world.agencyId] })
      coordinator = await buildUser(t, world.authorityId, { roles: ['coordinator'], agencyIds: [world.agencyId], name: 'Cora Ordinator' })
      const db = t.database.db
      const now = t.clock.now()
      // The world's episode (a row in every episode table, a safeguarding referral) closes now.
      await db.updateTable('episodes').set({ status: 'closed', closedAt: now }).where('authorityId', '=', world.authorityId).where('id', '=', world.episodeId).execute()
      worldReference = (await db.selectFrom('episodes').select('reference').where('id', '=', world.episodeId).executeTakeFirstOrThrow()).reference
      // A second closed episode (to be held), about a child of its own.
      const childId = uuidv7()
      await db.insertInto('persons').values({ authorityId: world.authorityId, id: childId, givenNames: 'Heldpage', familyName: world.marker, dateOfBirth: '2001-01-01', searchName: `heldpage ${world.marker}`.toLowerCase(), createdByUserId: world.superUser.id }).execute()
      const episodeId = uuidv7()
      const reference = `EH-2020-${episodeId.slice(-6)}`
      await db.insertInto('episodes').values({ authorityId: world.authorityId, id: episodeId, reference, scope: 'child', householdId: null, localityId: null, agencyId: world.agencyId, status: 'closed', outcome: null, startedByUserId: world.superUser.id, startedAt: now, closedAt: now, templateVersionId: null }).execute()
      await db.insertInto('episodePeople').values({ authorityId: world.authorityId, episodeId, personId: childId, role: 'child' }).execute()
      extra = { episodeId, reference }
      // Registered, never in an episode: anonymised when their own rule makes them due.
      loneId = uuidv7()
      await db.insertInto('persons').values({ authorityId: world.authorityId, id: loneId, givenNames: 'Lonepage', familyName: world.marker, dateOfBirth: '1990-01-01', address: '2 Lonepage Road', phone: '01632 960002', searchName: `lonepage ${world.marker}`.toLowerCase(), searchGiven: 'lonepage', searchFamily: world.marker.toLowerCase(), createdByUserId: world.superUser.id }).execute()
    })
    after(() => t.close())

    it('lets an administrator set the retention periods: bad input kept and explained (400, nothing saved); others refused and audited; CSRF needed', async () => {
      const admin = await signIn(t, administrator)
      const page = await admin.get(paths.retention.rules())
      assert.equal(page.statusCode, 200)
      assert.equal(formValue(page.body, 'episode-yearsAfter'), '6', 'the default is shown')
      assert.equal(formValue(page.body, 'episode-untilAge'), '25')
      assert.match(text(page.body), /Not set yet: the default applies/)

      const bad = await admin.post(paths.retention.rules(), {
        'episode-yearsAfter': 'six',
        'episode-untilAge': '',
        'episode_safeguarding-yearsAfter': '0',
        'episode_safeguarding-untilAge': '25',
        'person-yearsAfter': '',
      })
      assert.equal(bad.statusCode, 400)
      assert.deepEqual(errorSummary(bad.body), [
        'The years closed episodes are kept must be a whole number, like 6',
        'The years closed episodes with a safeguarding referral are kept must be from 1 to 100',
        'Enter the years people in no episode are kept',
      ])
      assert.equal(formValue(bad.body, 'episode-yearsAfter'), 'six', 'the answer is kept')
      assert.equal(await rulesSnapshot(), '[]', 'nothing saved')
      // An age under 18 is refused by the form (it was a database error, a 500, before).
      const young = await admin.post(paths.retention.rules(), { 'episode-yearsAfter': '6', 'episode-untilAge': '5', 'episode_safeguarding-yearsAfter': '10', 'episode_safeguarding-untilAge': '', 'person-yearsAfter': '2' })
      assert.equal(young.statusCode, 400)
      assert.deepEqual(errorSummary(young.body), ['The age of the youngest child for closed episodes must be from 18 to 100'])
      assert.equal(await rulesSnapshot(), '[]')
      const junk = await admin.post(paths.retention.rules(), { 'episode-yearsAfter': '3', 'episode_safeguarding-yearsAfter': '3', 'person-yearsAfter': '1', extra: 'x' })
      assert.equal(junk.statusCode, 400)
      assert.equal(await rulesSnapshot(), '[]')

      // Without the CSRF token: refused, nothing saved.
      const forged = await admin.post(paths.retention.rules(), { 'episode-yearsAfter': '3', 'episode_safeguarding-yearsAfter': '3', 'person-yearsAfter': '1' }, { csrf: false })
      assert.equal(forged.statusCode, 403)
      assert.equal(await rulesSnapshot(), '[]')

      // Closed episodes (safeguarding or not) kept 3 years with no age rule; people in no episode 1 year.
      const saved = await admin.post(paths.retention.rules(), {
        'episode-yearsAfter': '3',
        'episode-untilAge': '',
        'episode_safeguarding-yearsAfter': ' 3 ',
        'episode_safeguarding-untilAge': '',
        'person-yearsAfter': '1',
      })
      assert.equal(saved.statusCode, 303)
      assert.equal(saved.headers.location, `${paths.retention.rules()}?done=rules-saved`)
      const shown = await admin.follow(saved)
      assert.match(text(shown.body), /The retention periods have been saved/)
      assert.equal(formValue(shown.body, 'episode-untilAge'), '')
      const rules = await t.database.db.selectFrom('retentionRules').selectAll().where('authorityId', '=', world.authorityId).orderBy('recordType').execute()
      assert.deepEqual(rules.map(rule => [rule.recordType, rule.yearsAfter, rule.untilAge, rule.updatedByUserId]), [
        ['episode', 3, null, administrator.id],
        ['episode_safeguarding', 3, null, administrator.id],
        ['person', 1, null, administrator.id],
      ])
      assert.equal(await count(`select 1 from audit_events where action = 'retention.configure' and outcome = 'allowed' and authority_id = '${world.authorityId}' and details::text like '%yearsAfter%'`), 1, 'the change is audited')

      // The administration overview links to it.
      assert.ok(load((await admin.get(paths.admin.home())).body)(`a[href="${paths.retention.rules()}"]`).length > 0)

      // A coordinator (not an administrator) is refused, and the refusal is audited; nothing changes.
      const before = await rulesSnapshot()
      const deniedBefore = await denied('retention.configure')
      const coordinatorBrowser = await signIn(t, coordinator)
      assert.equal((await coordinatorBrowser.get(paths.retention.rules())).statusCode, 403)
      assert.equal((await coordinatorBrowser.post(paths.retention.rules(), { 'episode-yearsAfter': '1', 'episode_safeguarding-yearsAfter': '1', 'person-yearsAfter': '1' })).statusCode, 403)
      assert.equal(await denied('retention.configure'), deniedBefore + 2)
      assert.equal(await rulesSnapshot(), before)
    })

    it('places legal holds from the episode page and a person’s page (a reason needed); a held record is not listed', async () => {
      const browser = await signIn(t, coordinator)
      // The small link on the episode page (coordinators only) leads to the hold form for that episode.
      const episodePage = await browser.get(paths.episodes.show(extra.episodeId))
      assert.equal(episodePage.statusCode, 200)
      const holdHref = load(episodePage.body)('#legal-hold').attr('href')
      assert.equal(holdHref, paths.retention.newHold({ kind: 'episode', id: extra.episodeId }))
      const form = await browser.get(String(holdHref))
      assert.equal(form.statusCode, 200)
      assert.match(text(form.body), new RegExp(`On episode ${extra.reference}`))

      const noReason = await browser.post(paths.retention.holds(), { kind: 'episode', subjectId: extra.episodeId, reason: '  ' })
      assert.equal(noReason.statusCode, 400)
      assert.deepEqual(errorSummary(noReason.body), ['Enter the reason for the hold'])
      assert.match(text(noReason.body), new RegExp(`On episode ${extra.reference}`), 'the form is shown again for the same episode')
      assert.equal(await count(`select 1 from retention_holds where authority_id = '${world.authorityId}'`), 0)

      // By reference (the holds page's own form): an unknown reference is explained, the answers kept.
      const unknown = await browser.post(paths.retention.holds(), { kind: 'episode', reference: 'EH-1999-NOPE', reason: 'Claim' })
      assert.equal(unknown.statusCode, 422)
      assert.deepEqual(errorSummary(unknown.body), ['There is no episode with this reference. Check it and try again.'])
      assert.equal(formValue(unknown.body, 'reference'), 'EH-1999-NOPE')
      assert.equal(await count(`select 1 from retention_holds where authority_id = '${world.authorityId}'`), 0)

      const placed = await browser.post(paths.retention.holds(), { kind: 'episode', subjectId: extra.episodeId, reason: 'Inquiry into the Riverside case' })
      assert.equal(placed.statusCode, 303)
      const holds = await browser.follow(placed)
      assert.match(text(holds.body), /The legal hold has been placed/)
      assert.match(text(holds.body), new RegExp(`Episode ${extra.reference} Inquiry into the Riverside case Cora Ordinator`))

      // A person, from their page.
      const personPage = await browser.get(paths.people.show(world.otherPersonId))
      const personHold = load(personPage.body)('#legal-hold').attr('href')
      assert.equal(personHold, paths.retention.newHold({ kind: 'person', id: world.otherPersonId }))
      await browser.get(String(personHold))
      assert.equal((await browser.post(paths.retention.holds(), { kind: 'person', subjectId: world.otherPersonId, reason: 'Insurance claim' })).statusCode, 303)
      assert.equal(await count(`select 1 from retention_holds where authority_id = '${world.authorityId}' and released_at is null`), 2)
      assert.equal(await count(`select 1 from audit_events where action = 'retention.hold' and outcome = 'allowed' and authority_id = '${world.authorityId}'`), 2)

      // Practitioners see no link on the pages and are refused the form (audited).
      const practitioner = await signIn(t, world.practitioner)
      const deniedBefore = await denied('retention.hold')
      assert.equal((await practitioner.get(paths.retention.newHold({ kind: 'episode', id: extra.episodeId }))).statusCode, 403)
      assert.equal((await practitioner.post(paths.retention.holds(), { kind: 'episode', subjectId: world.episodeId, reason: 'Mine' })).statusCode, 403)
      assert.equal(await denied('retention.hold'), deniedBefore + 2)
      assert.equal(await count(`select 1 from retention_holds where authority_id = '${world.authorityId}'`), 2)
    })

    it('shows the coordinator what is due (by which rule, when; nothing more than the record needs), refuses a stale approval, then disposes of the approved list', async () => {
      // Four years on: the world's episode and the people in no episode (Lonepage, and the world's registered person) are
      // due; the held episode and person are not listed.
      t.clock.advanceMinutes(4 * YEAR_MINUTES)
      const browser = await signIn(t, coordinator)
      let dashboard = await browser.get(paths.myWork.dashboard())
      assert.match(text(dashboard.body), /No records are waiting for approval to be disposed of/)
      assert.ok(load(dashboard.body)(`#retention a[href="${paths.retention.home()}"]`).length > 0, 'the dashboard links to retention')

      // Asking for the list now (the button; the job does the same every 6 hours).
      await browser.get(paths.retention.home())
      const refreshed = await browser.post(paths.retention.refresh(), {})
      assert.equal(refreshed.statusCode, 303)
      const overview = await browser.follow(refreshed)
      assert.match(text(overview.body), /3 records are due: 1 episode to delete and 2 people to anonymise/)
      dashboard = await browser.get(paths.myWork.dashboard())
      assert.match(text(dashboard.body), /3 records are due for disposal and waiting for your approval/)

      const batchHref = load(overview.body)(`a[href^="/retention/batches/"]`).first().attr('href')
      assert.ok(batchHref)
      const batchPage = await browser.get(batchHref)
      assert.equal(batchPage.statusCode, 200)
      const rows = load(batchPage.body)('#items tbody tr').map((_i, row) => load(row).text().replace(/\s+/g, ' ').trim()).get()
      assert.equal(rows.length, 3, rows.join(' | '))
      assert.ok(rows.some(row => row.includes(`Episode ${worldReference}`) && row.includes('Closed episodes with a safeguarding referral') && row.includes('Deleted with everything in it')), rows.join(' | '))
      assert.ok(rows.some(row => row.includes(`Lonepage ${world.marker}`) && row.includes('People who are in no episode') && row.includes('Anonymised')), rows.join(' | '))
      const page = text(batchPage.body)
      assert.ok(!page.includes(extra.reference), 'the held episode is not listed')
      assert.ok(!page.includes('Lonepage Road') && !page.includes('01632 960002') && !page.includes('1990'), 'no more personal data than needed to recognise the record')
      assert.ok(!page.includes(`${world.marker}child`), 'an episode is named by its reference, not its children')
      // The due date: three years after closure (the world's episode closed at the start of the test).
      const closedOn = (await t.database.db.selectFrom('retentionBatchItems').select('dueOn').where('subjectId', '=', world.episodeId).executeTakeFirstOrThrow()).dueOn
      assert.match(closedOn, /^\d{4}-\d{2}-\d{2}$/)
      assert.match(page, new RegExp(`${Number(closedOn.slice(8))} \\w+ ${closedOn.slice(0, 4)}`))

      // The confirm step: the list again, a tick, and the version it shows.
      const approveHref = paths.retention.approve(batchHref.split('/').pop() ?? '')
      const confirm = await browser.get(approveHref)
      assert.equal(confirm.statusCode, 200)
      assert.match(text(confirm.body), /This cannot be undone/)
      const seenVersion = formValue(confirm.body, 'version')
      const unticked = await browser.post(approveHref, { version: seenVersion })
      assert.equal(unticked.statusCode, 400)
      assert.deepEqual(errorSummary(unticked.body), ['Confirm that you have checked the list and these records can be disposed of'])
      assert.equal(await count(`select 1 from episodes where id = '${world.episodeId}'`), 1, 'nothing disposed of')

      // Others are refused (audited), and so is a post without the CSRF token: nothing disposed of.
      const deniedBefore = await denied('retention.approve')
      for (const user of [world.practitioner, administrator]) {
        const other = await signIn(t, user)
        assert.equal((await other.get(paths.retention.home())).statusCode, 403)
        assert.equal((await other.get(batchHref)).statusCode, 403)
        assert.equal((await other.post(approveHref, { version: seenVersion, confirm: 'yes' })).statusCode, 403)
      }
      assert.equal(await denied('retention.approve'), deniedBefore + 2)
      const forged = await new Browser(t.app).post(approveHref, { version: seenVersion, confirm: 'yes' }, { csrf: false })
      assert.ok([303, 403].includes(forged.statusCode))
      assert.equal((await browser.post(approveHref, { version: seenVersion, confirm: 'yes' }, { csrf: false })).statusCode, 403)
      assert.equal(await count(`select 1 from episodes where id = '${world.episodeId}'`), 1)

      // The list changes while the coordinator looks at it: the hold on the second episode is released (a reason needed).
      const holdId = (await t.database.db.selectFrom('retentionHolds').select('id').where('subjectId', '=', extra.episodeId).executeTakeFirstOrThrow()).id
      const release = await browser.get(paths.retention.releaseHold(holdId))
      assert.equal(release.statusCode, 200)
      assert.match(text(release.body), /Inquiry into the Riverside case/)
      const noReason = await browser.post(paths.retention.releaseHold(holdId), { reason: '' })
      assert.equal(noReason.statusCode, 400)
      assert.deepEqual(errorSummary(noReason.body), ['Enter why the hold is being released'])
      const released = await browser.post(paths.retention.releaseHold(holdId), { reason: 'Inquiry finished' })
      assert.equal(released.statusCode, 303)
      assert.match(text((await browser.follow(released)).body), /The legal hold has been released/)
      await browser.post(paths.retention.refresh(), {})

      // Approving the list as it was: refused with a clear message, the new list shown, nothing disposed of.
      await browser.get(approveHref)
      const stale = await browser.post(approveHref, { version: seenVersion, confirm: 'yes' })
      assert.equal(stale.statusCode, 409)
      assert.deepEqual(errorSummary(stale.body), ['The list changed since you opened it (or was already approved). Check it again before approving.'])
      assert.match(text(stale.body), new RegExp(`Episode ${extra.reference}`), 'the list as it is now')
      assert.notEqual(formValue(stale.body, 'version'), seenVersion)
      assert.equal(await count(`select 1 from episodes where id in ('${world.episodeId}', '${extra.episodeId}')`), 2, 'nothing disposed of')
      assert.equal(await count(`select 1 from retention_batches where authority_id = '${world.authorityId}' and status = 'proposed'`), 1)

      // Approving what is shown now: everything in it disposed of.
      const approved = await browser.post(approveHref, { version: formValue(stale.body, 'version'), confirm: 'yes' })
      assert.equal(approved.statusCode, 303)
      assert.equal(approved.headers.location, `${batchHref}?done=disposed`)
      const result = await browser.follow(approved)
      assert.match(text(result.body), /The disposal has been approved and carried out/)
      assert.match(text(result.body), /Completed/)
      assert.equal(await count(`select 1 from episodes where id in ('${world.episodeId}', '${extra.episodeId}')`), 0, 'the episodes are gone')
      assert.equal(await count(`select 1 from case_notes where episode_id = '${world.episodeId}'`), 0)
      const lone = await t.database.db.selectFrom('persons').selectAll().where('id', '=', loneId).executeTakeFirstOrThrow()
      assert.ok(lone.anonymisedAt)
      assert.deepEqual([lone.givenNames, lone.address, lone.phone, lone.dateOfBirth, lone.searchGiven, lone.searchFamily], ['Anonymised', null, null, null, '', ''])
      const held = await t.database.db.selectFrom('persons').selectAll().where('id', '=', world.otherPersonId).executeTakeFirstOrThrow()
      assert.equal(held.anonymisedAt, null, 'the held person is kept')
      assert.ok(!text(result.body).includes('Lonepage'), 'an anonymised person is no longer named')
      // A second approval of the same list is refused (it is no longer proposed): the confirm page sends back to it.
      assert.equal((await browser.get(approveHref)).statusCode, 303)

      // What was disposed of, from the audit trail: what, when, by whose approval — no names, no content.
      const disposals = await browser.get(paths.retention.disposals())
      assert.equal(disposals.statusCode, 200)
      const disposalRows = load(disposals.body)('#disposals tbody tr').map((_i, row) => load(row).text().replace(/\s+/g, ' ').trim()).get()
      assert.equal(disposalRows.length, 4, disposalRows.join(' | '))
      assert.ok(disposalRows.some(row => row.includes(`Episode ${worldReference}`) && row.includes('Disposed of') && row.includes('Cora Ordinator') && /\d+ rows deleted/.test(row)), disposalRows.join(' | '))
      assert.ok(disposalRows.some(row => row.includes('A person (anonymised)') && row.includes('People who are in no episode')))
      assert.ok(!text(disposals.body).includes('Lonepage') && !text(disposals.body).includes(`${world.marker} strengths`))
      const home = text((await browser.get(paths.retention.home())).body)
      assert.match(home, /Nothing is due for disposal/)
      assert.match(home, /4 disposed of/)
    })

    it('people search does not list anonymised people', async () => {
      const browser = await signIn(t, world.superUser)
      // Even with search keys that still matched (as an older anonymisation left them), the record is not found.
      await t.database.db.updateTable('persons').set({ searchName: `lonepage ${world.marker}`.toLowerCase(), searchGiven: 'lonepage', searchFamily: world.marker.toLowerCase() }).where('id', '=', loneId).execute()
      const search = await browser.get(paths.people.find({ givenNames: 'Lonepage', familyName: world.marker }))
      assert.equal(search.statusCode, 200)
      assert.ok(!search.body.includes(loneId), 'the anonymised person is not listed')
      // … while a person who is not anonymised still is.
      const other = await t.database.db.selectFrom('persons').select(['givenNames', 'familyName']).where('id', '=', world.otherPersonId).executeTakeFirstOrThrow()
      const found = await browser.get(paths.people.find({ givenNames: other.givenNames, familyName: other.familyName }))
      assert.ok(found.body.includes(world.otherPersonId), 'a person not anonymised is listed')
    })

    it('answers ids that are not ids with 404, never a database error', async () => {
      const browser = await signIn(t, coordinator)
      for (const url of [paths.retention.batch('not-a-uuid'), paths.retention.approve('x'), paths.retention.releaseHold('1;drop'), paths.retention.newHold({ kind: 'episode', id: 'nope' }), `${paths.retention.newHold()}?kind=planet&id=${uuidv7()}`]) {
        assert.equal((await browser.get(url)).statusCode, 404, url)
      }
      assert.equal((await browser.get(paths.retention.batch(uuidv7()))).statusCode, 404)
    })

    it('runs the listing from the command line (`retention run`)', async () => {
      assert.equal((await cli(['retention', 'now'], {})).code, 2)
      const url = (t.database as { url?: string }).url
      if (url) {
        const result = await cli(['retention', 'run'], { DATABASE_URL: url })
        assert.equal(result.code, 0, result.output)
        assert.match(result.output, new RegExp(`Authority ${world.authorityId}: `))
      } else {
        // PGlite in memory: the command line opens its own database, here a fresh folder.
        const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'onestory-retention-'))
        try {
          const result = await cli(['retention', 'run'], { DATA_DIR: dataDir })
          assert.equal(result.code, 0, result.output)
        } finally {
          fs.rmSync(dataDir, { recursive: true, force: true })
        }
      }
    })
  })
}
