import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, errorSummary, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildUser, signIn, signInFamily } from '../../../test/helpers/builders.ts'
import { pdfText } from '../../../test/helpers/pdf-text.ts'
import { buildAuthorityWorld, fillRoute, type AuthorityWorld } from '../../../test/helpers/world.ts'
import { addFamilyAccount, enrichForFamily } from '../../../test/family/family-world.ts'
import { HELP_TOPICS } from '../family-help/help-topics.ts'
import { enqueueEmail } from '../outbox/emails.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { paths } from '../../paths.ts'

// Identity protection (issue 6): a child's address, phone, email, school and whereabouts marked "do not disclose to"
// their father, who has an account for the family's own view. Every family page, the family copies (print and PDF),
// the files he downloads and the emails he is sent must not contain them; his partner's pages still do.

const ADDRESS = '14 Larkspur Close\nHaddington'
const POSTCODE = 'HD7 3QX'
const PHONE = '07700 900461'
const EMAIL = 'sam.safe@example.org'
const SCHOOL = 'Larkspur Academy'
const WHEREABOUTS = 'Rowan House refuge'
/** Any trace of a protected value, however written. */
const LEAK = /larkspur|haddington|hd7\s*3qx|0?7700[\s-]*900[\s-]*461|sam\.safe@|rowan house/i

for (const kind of databaseKinds()) {
  describe(`identity protection (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    let other: AuthorityWorld
    let lead: Browser
    let father: Browser
    let mother: Browser
    let fatherPersonId: string
    let textDocumentId: string
    let binaryDocumentId: string

    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Shieldton')
      other = await buildAuthorityWorld(t, 'Elsewhere')
      const { youngPersonId } = await enrichForFamily(t, world)
      const db = t.database.db
      const { authorityId, episodeId } = world
      const now = t.clock.now()
      const child = world.episodeChildId
      await db.updateTable('persons').set({ address: ADDRESS, postcode: POSTCODE, phone: PHONE, email: EMAIL, schoolOrSetting: SCHOOL }).where('authorityId', '=', authorityId).where('id', '=', child).execute()
      // The father: a registered adult in the episode; the world's family account is his.
      fatherPersonId = uuidv7()
      await db
        .insertInto('persons')
        .values({ authorityId, id: fatherPersonId, givenNames: 'Dean', familyName: 'Shieldton', dateOfBirth: '1985-02-02', expectedDateOfBirth: null, sex: null, gender: null, ethnicity: null, firstLanguage: null, disability: null, address: null, postcode: null, phone: null, email: null, schoolOrSetting: null, uniquePupilNumber: null, nhsNumber: null, gpPractice: null, searchName: 'dean shieldton', mergedIntoId: null, createdByUserId: world.superUser.id })
        .execute()
      await db.insertInto('episodePeople').values({ authorityId, episodeId, personId: fatherPersonId, role: 'adult' }).execute()
      await db.updateTable('familyAccounts').set({ personId: fatherPersonId, name: 'Dean Shieldton' }).where('authorityId', '=', authorityId).where('id', '=', world.familyAccountId).execute()
      const motherAccountId = await addFamilyAccount(t, world, { name: 'Mary Shieldton', kind: 'parent_carer' })
      // The protected values written into what the family sees: a meeting's venue, minutes, a note, the plan, the
      // young person's shared views, the assessment (family copy), and files marked for the family.
      await db.updateTable('meetings').set({ venueAddress: `${ADDRESS.replace('\n', ', ')} ${POSTCODE}` }).where('authorityId', '=', authorityId).where('episodeId', '=', episodeId).execute()
      await db.updateTable('meetingMinutes').set({ discussion: `Sam is staying at ${WHEREABOUTS} and goes to ${SCHOOL} now.` }).where('authorityId', '=', authorityId).where('status', '=', 'circulated').execute()
      await db.updateTable('caseNotes').set({ body: `Call Sam on ${PHONE.replace(' ', '')} or email ${EMAIL}.` }).where('authorityId', '=', authorityId).where('visibility', '=', 'family').execute()
      await db.updateTable('planActions').set({ what: `Visit Sam at 14 larkspur close` }).where('authorityId', '=', authorityId).where('id', '=', world.planActionId).execute()
      await db.updateTable('planNeeds').set({ description: `Sam settles in at ${SCHOOL}` }).where('authorityId', '=', authorityId).where('id', '=', world.planNeedId).execute()
      await db.updateTable('familyViews').set({ goingWell: `I like ${SCHOOL}.` }).where('authorityId', '=', authorityId).where('accountId', '=', youngPersonId).execute()
      await db.updateTable('assessmentElements').set({ strengths: `Settled at ${SCHOOL}; lives at ${ADDRESS}.` }).where('authorityId', '=', authorityId).where('assessmentId', '=', world.assessmentId).execute()
      const document = async (title: string, mediaType: string, content: Uint8Array) => {
        const id = uuidv7()
        await db
          .insertInto('documents')
          .values({ authorityId, id, episodeId, title, kind: 'other', fileName: `${title}.txt`, mediaType, sizeBytes: content.length, sha256: 'test', visibility: 'family', storage: 'database', content, scanStatus: 'not_scanned', uploadedByUserId: world.superUser.id, uploadedByAgencyId: world.agencyId, uploadedAt: now })
          .execute()
        return id
      }
      textDocumentId = await document('Letter', 'text/plain', new TextEncoder().encode(`Sam's new address: ${ADDRESS}, ${POSTCODE}`))
      binaryDocumentId = await document('Scan', 'application/pdf', new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0xfe, 0x01]))
      lead = await signIn(t, world.superUser)
      father = await signInFamily(t, { authorityId, accountId: world.familyAccountId })
      mother = await signInFamily(t, { authorityId, accountId: motherAccountId })
    })
    after(() => t.close())

    /** Every GET page under /family, filled with the world's records, plus the files marked for the family. */
    function familyUrls(): string[] {
      const urls = t.app.routeInventory.filter(route => route.method === 'GET' && (route.url === '/family' || route.url.startsWith('/family/'))).map(route => route.url)
      const pages = urls.flatMap(url => (url === '/family/help/:topic' ? HELP_TOPICS.map(topic => `/family/help/${topic.slug}`) : [url]))
      return [...new Set(pages.map(url => fillRoute(url, world))), paths.family.document(world.episodeId, textDocumentId)].sort()
    }

    it('lets the team mark details "do not disclose to" the father, with a reason, audited without the values', async () => {
      const url = paths.people.protection(world.episodeChildId)
      const page = await lead.get(url)
      assert.equal(page.statusCode, 200)
      const $ = load(page.body)
      const choices = $('input[name="withheldFrom"]').map((_i, element) => $(element).attr('value')).get()
      assert.ok(choices.includes(`person:${fatherPersonId}`), choices.join(', '))
      assert.ok(choices.some(choice => choice.startsWith('account:')), 'the mother’s account (no person record) can be chosen too')

      const missing = await lead.post(url, { withheldFrom: `person:${fatherPersonId}`, reason: '' })
      assert.equal(missing.statusCode, 400)
      assert.deepEqual(errorSummary(missing.body), ['Select the details to withhold', 'Enter why these details must be withheld'])
      const noWhere = await lead.post(url, { fields: ['whereabouts'], withheldFrom: `person:${fatherPersonId}`, reason: 'Risk of harm' })
      assert.equal(noWhere.statusCode, 400)
      assert.match(errorSummary(noWhere.body).join(' '), /Enter where the person is now/)
      const stranger = await lead.post(url, { fields: ['address'], withheldFrom: `person:${other.personId}`, reason: 'Risk' })
      assert.equal(stranger.statusCode, 422, 'someone not connected with the person cannot be named')
      const noCsrf = await lead.post(url, { _csrf: '', fields: ['address'], withheldFrom: `person:${fatherPersonId}`, reason: 'Risk' })
      assert.equal(noCsrf.statusCode, 403)
      assert.equal((await t.database.db.selectFrom('identityProtections').select('id').execute()).length, 0, 'nothing saved by a refused form')

      const saved = await lead.post(url, {
        fields: ['address', 'phone', 'email', 'school', 'whereabouts'],
        withheldFrom: `person:${fatherPersonId}`,
        reason: 'A non-molestation order is in force against him.',
        alsoWithhold: WHEREABOUTS,
      })
      assert.equal(saved.statusCode, 303)
      const rows = await t.database.db.selectFrom('identityProtections').selectAll().where('authorityId', '=', world.authorityId).execute()
      assert.equal(rows.length, 5)
      assert.ok(rows.every(row => row.withheldFromPersonId === fatherPersonId && row.withheldFromName === 'Dean Shieldton' && row.endedAt === null))
      const audit = await t.database.db
        .selectFrom('auditEvents')
        .select(['outcome', 'details', 'recordId'])
        .where('authorityId', '=', world.authorityId)
        .where('action', '=', 'identity-protection.manage')
        .where('outcome', '=', 'allowed')
        .execute()
      const change = audit.find(event => JSON.stringify(event.details).includes('do not disclose'))
      assert.ok(change, 'the change is audited')
      assert.equal(change.recordId, world.episodeChildId)
      assert.doesNotMatch(JSON.stringify(audit), LEAK, 'the audit never holds the protected values')
    })

    it('shows the marker beside each protected detail on the person’s page', async () => {
      const response = await lead.get(paths.people.show(world.episodeChildId))
      assert.equal(response.statusCode, 200)
      const $ = load(response.body)
      for (const key of ['Address', 'Phone', 'Email', 'School or setting', 'Where they are now']) {
        const row = $('.govuk-summary-list__row').filter((_i, element) => $(element).find('.govuk-summary-list__key').text().trim() === key)
        assert.match(row.find('.govuk-summary-list__value').text(), /Do not disclose to Dean Shieldton/, key)
      }
      assert.match(response.body, /Larkspur Academy/, 'the practitioner still sees the value itself')
    })

    it('refuses a practitioner not on the team (audited) and does not find another authority’s person', async () => {
      const outsider = await signIn(t, await buildUser(t, world.authorityId, { roles: ['practitioner'], agencyIds: [world.agencyId], name: 'Olive Outsider' }))
      assert.equal((await outsider.get(paths.people.protection(world.episodeChildId))).statusCode, 403)
      const denied = await t.database.db.selectFrom('auditEvents').select('outcome').where('action', '=', 'identity-protection.manage').where('outcome', '=', 'denied').execute()
      assert.ok(denied.length >= 1)
      assert.equal((await lead.get(paths.people.protection(other.episodeChildId))).statusCode, 404)
      assert.equal((await lead.get('/people/not-a-uuid/identity-protection')).statusCode, 404)
    })

    it('withholds every protected detail from every family page the father can open, and not from the mother', async () => {
      const checked: string[] = []
      const leaks: string[] = []
      let withheldShown = 0
      for (const url of familyUrls()) {
        const response = await father.get(url)
        if (response.statusCode !== 200) continue
        checked.push(url)
        if (LEAK.test(response.body)) leaks.push(url)
        if (response.body.includes('(withheld)')) withheldShown++
      }
      assert.ok(checked.length >= 15, `checked only ${checked.length} pages: ${checked.join(' ')}`)
      assert.deepEqual(leaks, [], 'pages showing a protected detail to the father')
      assert.ok(withheldShown >= 5, `"(withheld)" shown on ${withheldShown} pages`)
      process.stdout.write(`identity protection (${kind}): ${checked.length} family pages checked as the father, "(withheld)" on ${withheldShown}\n`)

      // The mother is not named: she sees what the team wrote.
      const plan = await mother.get(paths.family.plan(world.episodeId))
      assert.equal(plan.statusCode, 200)
      assert.match(plan.body, /14 larkspur close/i)
      const letter = await mother.get(paths.family.document(world.episodeId, textDocumentId))
      assert.match(letter.body, /Larkspur Close/)
    })

    it('redacts text files for the father and keeps files it cannot check from him', async () => {
      const letter = await father.get(paths.family.document(world.episodeId, textDocumentId))
      assert.equal(letter.statusCode, 200)
      assert.match(letter.body, /new address: \(withheld\)/)
      assert.doesNotMatch(letter.body, LEAK)
      const scan = await father.get(paths.family.document(world.episodeId, binaryDocumentId))
      assert.equal(scan.statusCode, 404)
      assert.equal((await mother.get(paths.family.document(world.episodeId, binaryDocumentId))).statusCode, 200)
    })

    it('withholds the details from the family copies of the assessment and the plan, print and PDF', async () => {
      const copies = [
        [paths.assessmentCompletion.familyCopy(world.episodeId), paths.assessmentCompletion.familyCopyPdf(world.episodeId)],
        [paths.plans.familyCopy(world.episodeId), paths.plans.familyCopyPdf(world.episodeId)],
      ] as const
      for (const [printUrl, pdfUrl] of copies) {
        const print = await lead.get(printUrl)
        assert.equal(print.statusCode, 200, printUrl)
        assert.doesNotMatch(load(print.body)('main').text(), LEAK, printUrl)
        assert.match(print.body, /\(withheld\)/, printUrl)
        const pdf = await lead.get(pdfUrl)
        assert.equal(pdf.statusCode, 200, pdfUrl)
        const text = pdfText(pdf.rawPayload)
        assert.doesNotMatch(text, LEAK, pdfUrl)
        assert.match(text, /\(withheld\)/, pdfUrl)
      }
    })

    it('withholds the details from emails and texts to the father, attachments included', async () => {
      const db = t.database.db
      const body = `The meeting is at ${ADDRESS.replace('\n', ', ')}. Call ${PHONE}.`
      const ics = new TextEncoder().encode(`BEGIN:VCALENDAR\nLOCATION:14 Larkspur Close\\, Haddington\nEND:VCALENDAR`)
      const options = { at: t.clock.now(), smtpConfigured: false, domain: 'test' }
      const fatherEmail = (await db.selectFrom('familyAccounts').select('email').where('id', '=', world.familyAccountId).executeTakeFirstOrThrow()).email ?? ''
      const toFather = await enqueueEmail(db, { authorityId: world.authorityId, recipient: fatherEmail.toUpperCase(), subject: `About ${SCHOOL}`, bodyText: body, attachments: [{ fileName: 'invite.ics', contentType: 'text/calendar', content: ics }, { fileName: 'scan.pdf', contentType: 'application/pdf', content: new Uint8Array([0, 1, 2]) }] }, options)
      const toLead = await enqueueEmail(db, { authorityId: world.authorityId, recipient: world.superUser.email, subject: `About ${SCHOOL}`, bodyText: body }, options)
      const sent = await db.selectFrom('outbox').select(['id', 'subject', 'bodyText']).where('id', 'in', [toFather, toLead]).execute()
      const father = sent.find(email => email.id === toFather)
      assert.ok(father)
      assert.doesNotMatch(`${father.subject} ${father.bodyText}`, LEAK)
      assert.match(father.bodyText, /An attachment was left out/)
      const attachments = await db.selectFrom('outboxAttachments').select(['fileName', 'content']).where('outboxId', '=', toFather).execute()
      assert.deepEqual(attachments.map(attachment => attachment.fileName), ['invite.ics'])
      assert.doesNotMatch(Buffer.from(attachments[0]?.content ?? new Uint8Array()).toString('utf8'), LEAK)
      assert.match(sent.find(email => email.id === toLead)?.bodyText ?? '', /Larkspur Close/, 'the practitioner’s email is untouched')
    })

    it('lifts a protection with a reason, and the detail is shown again', async () => {
      const url = paths.people.protection(world.episodeChildId)
      const school = await t.database.db.selectFrom('identityProtections').select('id').where('authorityId', '=', world.authorityId).where('field', '=', 'school').executeTakeFirstOrThrow()
      await lead.get(url)
      const noReason = await lead.post(paths.people.endProtection(world.episodeChildId), { protectionId: school.id, endReason: '' })
      assert.equal(noReason.statusCode, 400)
      const lifted = await lead.post(paths.people.endProtection(world.episodeChildId), { protectionId: school.id, endReason: 'The order has ended.' })
      assert.equal(lifted.statusCode, 303)
      const again = await lead.post(paths.people.endProtection(world.episodeChildId), { protectionId: school.id, endReason: 'Twice' })
      assert.equal(again.statusCode, 422)
      const page = await lead.get(url)
      assert.match(load(page.body)('main').text(), /Lifted[\s\S]*School or setting[\s\S]*The order has ended\./)
      const plan = await father.get(paths.family.plan(world.episodeId))
      assert.match(plan.body, /Larkspur Academy/, 'the school is shown again')
      assert.doesNotMatch(plan.body, /larkspur close/i, 'the address is still withheld')
    })
  })
}
