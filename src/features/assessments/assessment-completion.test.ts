import assert from 'node:assert/strict'
import { inflateSync } from 'node:zlib'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { sql } from 'kysely'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, errorSummary, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildUser, signIn, type TestUser } from '../../../test/helpers/builders.ts'
import { pdfText } from '../../../test/helpers/pdf-text.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { missingForSignOff } from './assessment-completion.service.ts'
import { expandAbbreviations } from './family-copy.view-models.ts'
import { renderFamilyCopyPdf } from './family-copy.pdf.ts'

type Scenario = { episodeId: string; assessmentId: string; childId: string; motherId: string }

/** An episode for one child with its mother, consent to assess and to share with `shareAgencyId`, and an assessment in progress. */
async function buildScenario(t: TestApp, authorityId: string, assessor: TestUser, agencyId: string, options: { shareAgencyId?: string; teamIds?: string[]; complete?: boolean } = {}): Promise<Scenario> {
  const db = t.database.db
  const now = new Date()
  const person = async (givenNames: string, dateOfBirth: string) => {
    const id = uuidv7()
    await db.insertInto('persons').values({ authorityId, id, givenNames, familyName: 'Ashdown', dateOfBirth, searchName: `${givenNames} ashdown`.toLowerCase(), createdByUserId: assessor.id }).execute()
    return id
  }
  const childId = await person('Kira', '2014-03-03')
  const motherId = await person('Nadia', '1985-07-07')
  const template = await db.selectFrom('assessmentTemplateVersions').select('id').where('authorityId', '=', authorityId).where('templateKey', '=', 'caf-standard').executeTakeFirstOrThrow()
  const episodeId = uuidv7()
  await db.insertInto('episodes').values({ authorityId, id: episodeId, reference: `EH-2026-${episodeId.slice(-6)}`, scope: 'child', householdId: null, localityId: null, agencyId, status: 'assessment', outcome: null, startedByUserId: assessor.id, startedAt: now, closedAt: null, templateVersionId: template.id }).execute()
  await db.insertInto('episodePeople').values([{ authorityId, episodeId, personId: childId, role: 'child' }, { authorityId, episodeId, personId: motherId, role: 'adult' }]).execute()
  await db.insertInto('episodeMembers').values({ authorityId, episodeId, userId: assessor.id, agencyId, role: 'owner', addedByUserId: assessor.id, joinedAt: now, leftAt: null }).execute()
  for (const userId of options.teamIds ?? []) {
    await db.insertInto('episodeMembers').values({ authorityId, episodeId, userId, agencyId, role: 'member', addedByUserId: assessor.id, joinedAt: now, leftAt: null }).execute()
  }
  await db
    .insertInto('consents')
    .values({ authorityId, id: uuidv7(), episodeId, decision: 'given', giverKind: 'parent_carer', giverPersonId: motherId, giverName: 'Nadia Ashdown', giverRelationship: 'mother', competenceBasis: null, competenceJudgedBy: null, competenceReasoning: null, toAssess: true, shareAgencyIds: JSON.stringify(options.shareAgencyId ? [options.shareAgencyId] : []), shareAgencyKinds: JSON.stringify(['health']), method: 'in_person', givenOn: '2026-01-05', refusalReason: null, recordedByUserId: assessor.id, recordedAt: now })
    .execute()
  const assessmentId = uuidv7()
  await db
    .insertInto('assessments')
    .values({
      authorityId, id: assessmentId, episodeId, templateVersionId: template.id, status: 'in_progress', assessorUserId: assessor.id, assessorAgencyId: agencyId,
      explainedAt: null, explanationNotes: null, discussionDate: '2026-01-10', reason: 'Kira has stopped going to school some days.', present: 'Nadia and Kira',
      conclusions: options.complete ? 'Kira is anxious about school; CAMHS could help.' : null, familyAgreement: options.complete ? 'partly_agrees' : null,
      differencesOfOpinion: options.complete ? 'Nadia thinks the school is the problem.' : null, solutions: null, familyCanDo: 'Walk to school together.', agreedActions: null, reviewDate: null,
      outcome: null, completionDate: null, signedOffByUserId: null, signedOffAt: null, approvedByUserId: null, approvedAt: null, returnedByUserId: null, returnedAt: null, returnComments: null, createdAt: now, updatedAt: now,
    })
    .execute()
  await db
    .insertInto('assessmentElements')
    .values([
      { authorityId, assessmentId, elementKey: 'general-health', subject: childId, strengths: 'Sleeps well. Sees the GP when needed.', needs: 'Headaches on school mornings.', childWords: 'My head hurts before school.', parentWords: 'She is fine at weekends.', practitionerScore: 2, familyScoreAdult: 6, familyScoreChild: 'amber', updatedByUserId: assessor.id, updatedAt: now },
      { authorityId, assessmentId, elementKey: 'physical-development', subject: childId, notAssessed: true, strengths: null, needs: null, childWords: null, parentWords: null, practitionerScore: null, familyScoreAdult: null, familyScoreChild: null, updatedByUserId: assessor.id, updatedAt: now },
    ])
    .execute()
  return { episodeId, assessmentId, childId, motherId }
}

describe('sign-off rule and plain language (pure)', () => {
  it('needs basic details and conclusions, never an element', () => {
    assert.deepEqual(missingForSignOff({ discussionDate: '2026-01-01', reason: 'x', conclusions: 'y', familyAgreement: 'agrees', differencesOfOpinion: null }), [])
    const missing = missingForSignOff({ discussionDate: null, reason: null, conclusions: null, familyAgreement: 'disagrees', differencesOfOpinion: null })
    assert.deepEqual(missing.map(item => item.step), ['basic-details', 'basic-details', 'conclusions', 'conclusions'])
  })
  it('expands an abbreviation the first time only', () => {
    const seen = new Set<string>()
    assert.equal(expandAbbreviations('CAMHS and the GP', seen), 'child and adolescent mental health services (CAMHS) and the family doctor (GP)')
    assert.equal(expandAbbreviations('CAMHS again', seen), 'CAMHS again')
  })
})

for (const kind of databaseKinds()) {
  describe(`completing an assessment (${kind})`, () => {
    let t: TestApp
    let authorityId: string
    let agencyA: { id: string; name: string }
    let agencyB: { id: string; name: string }
    let assessor: TestUser
    let teammate: TestUser
    let outsider: TestUser
    let managerA: TestUser
    let managerB: TestUser
    let administrator: TestUser
    let browsers: Record<'assessor' | 'teammate' | 'outsider' | 'managerA' | 'managerB' | 'administrator', Browser>
    const today = () => t.clock.now().toISOString().slice(0, 10)
    const dateFields = (prefix: string) => {
      const [y, m, d] = today().split('-')
      return { [`${prefix}-day`]: String(Number(d)), [`${prefix}-month`]: String(Number(m)), [`${prefix}-year`]: y ?? '' }
    }

    before(async () => {
      t = await buildTestApp(kind)
      authorityId = (await buildAuthority(t)).id
      agencyA = await buildAgency(t, authorityId, { name: 'Hillside Primary School' })
      agencyB = await buildAgency(t, authorityId, { name: 'Meadow Health Centre', kind: 'health' })
      assessor = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [agencyA.id], name: 'Asha Assessor' })
      teammate = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [agencyA.id], name: 'Tom Teammate' })
      outsider = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [agencyA.id], name: 'Otto Outsider' })
      managerA = await buildUser(t, authorityId, { roles: ['manager'], agencyIds: [agencyA.id], name: 'Mina Manager', email: 'mina.manager@example.org' })
      managerB = await buildUser(t, authorityId, { roles: ['manager'], agencyIds: [agencyB.id], name: 'Bea Elsewhere', email: 'bea.elsewhere@example.org' })
      administrator = await buildUser(t, authorityId, { roles: ['administrator'], agencyIds: [agencyA.id], name: 'Ada Admin' })
      browsers = {
        assessor: await signIn(t, assessor),
        teammate: await signIn(t, teammate),
        outsider: await signIn(t, outsider),
        managerA: await signIn(t, managerA),
        managerB: await signIn(t, managerB),
        administrator: await signIn(t, administrator),
      }
    })
    after(() => t.close())

    async function audit(action: string, outcome: 'allowed' | 'denied', userId: string) {
      const result = await sql<{ count: number }>`select count(*)::int as count from audit_events where action = ${action} and outcome = ${outcome} and actor_user_id = ${userId}`.execute(t.database.db)
      return result.rows[0]?.count ?? 0
    }
    const assessmentRow = (id: string) => t.database.db.selectFrom('assessments').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
    const episodeRow = (id: string) => t.database.db.selectFrom('episodes').select(['status', 'outcome', 'closedAt']).where('id', '=', id).executeTakeFirstOrThrow()

    it('refuses sign-off while the conclusions are missing, listing what is missing; nothing changes', async () => {
      const s = await buildScenario(t, authorityId, assessor, agencyA.id)
      const page = await browsers.assessor.get(`/episodes/${s.episodeId}/assessment/outcome`)
      assert.equal(page.statusCode, 200)
      const $ = load(page.body)
      assert.match($('#missing-steps').text(), /Conclusions: record the conclusions/)
      assert.ok($(`#missing-steps a[href="/episodes/${s.episodeId}/assessment/conclusions"]`).length > 0)
      assert.match(page.body, /leads to a team around the family/)
      const before = await assessmentRow(s.assessmentId)
      const refused = await browsers.assessor.post(`/episodes/${s.episodeId}/assessment/outcome`, { outcome: 'single_agency', ...dateFields('completionDate'), confirm: 'yes', version: String(before.version) })
      assert.equal(refused.statusCode, 422)
      assert.ok(errorSummary(refused.body).some(text => /Conclusions: record the conclusions/.test(text)))
      assert.equal(load(refused.body)('input[name="outcome"][value="single_agency"]').attr('checked'), 'checked')
      const afterRow = await assessmentRow(s.assessmentId)
      assert.equal(afterRow.status, 'in_progress')
      assert.equal(afterRow.version, before.version)
      assert.equal(afterRow.signedOffAt, null)

      const invalid = await browsers.assessor.post(`/episodes/${s.episodeId}/assessment/outcome`, { version: String(before.version) })
      assert.equal(invalid.statusCode, 400)
      assert.deepEqual(errorSummary(invalid.body).slice(0, 1), ['Select the outcome of the assessment'])

      const noCsrf = await browsers.assessor.post(`/episodes/${s.episodeId}/assessment/outcome`, { outcome: 'single_agency', _csrf: 'wrong', version: '1' })
      assert.equal(noCsrf.statusCode, 403)
    })

    it('signs off without approval: complete, and the episode moves on to support', async () => {
      const s = await buildScenario(t, authorityId, assessor, agencyA.id, { complete: true, teamIds: [teammate.id] })
      const { version } = await assessmentRow(s.assessmentId)
      // A member of the team who is not the assessor may read it, but not sign it off.
      const teamPage = await browsers.teammate.get(`/episodes/${s.episodeId}/assessment/outcome`)
      assert.match(teamPage.body, /Only Asha Assessor, the assessor, can sign off/)
      const deniedBefore = await audit('assessment.sign-off', 'denied', teammate.id)
      const notAssessor = await browsers.teammate.post(`/episodes/${s.episodeId}/assessment/outcome`, { outcome: 'single_agency', ...dateFields('completionDate'), confirm: 'yes', version: String(version) })
      assert.equal(notAssessor.statusCode, 403)
      assert.equal(await audit('assessment.sign-off', 'denied', teammate.id), deniedBefore + 1)
      // A stale version: conflict, both versions shown, nothing overwritten.
      const stale = await browsers.assessor.post(`/episodes/${s.episodeId}/assessment/outcome`, { outcome: 'single_agency', ...dateFields('completionDate'), confirm: 'yes', version: String(version - 1 || 99) })
      assert.equal(stale.statusCode, 409)
      assert.match(stale.body, /What is saved now/)
      assert.equal((await assessmentRow(s.assessmentId)).status, 'in_progress')

      const signed = await browsers.assessor.post(`/episodes/${s.episodeId}/assessment/outcome`, { outcome: 'single_agency', ...dateFields('completionDate'), confirm: 'yes', version: String(version) })
      assert.equal(signed.statusCode, 303, signed.body)
      const row = await assessmentRow(s.assessmentId)
      assert.equal(row.status, 'completed')
      assert.equal(row.outcome, 'single_agency')
      assert.equal(row.signedOffByUserId, assessor.id)
      assert.equal((await episodeRow(s.episodeId)).status, 'support')
      assert.ok((await audit('assessment.sign-off', 'allowed', assessor.id)) >= 1)
      const done = await browsers.assessor.follow(signed)
      assert.match(done.body, /signed off and complete/)
    })

    it('a practitioner not on the episode is refused and audited; another authority’s or a malformed id is not found', async () => {
      const s = await buildScenario(t, authorityId, assessor, agencyA.id)
      const before = await audit('assessment.view', 'denied', outsider.id)
      const beforeForm = await audit('assessment.edit', 'denied', outsider.id)
      for (const url of [`/episodes/${s.episodeId}/assessment/outcome`, `/episodes/${s.episodeId}/assessment/family-copy`, `/episodes/${s.episodeId}/assessment/family-copy.pdf`]) {
        const response = await browsers.outsider.get(url)
        assert.equal(response.statusCode, 403, url)
        assert.doesNotMatch(response.body, /Kira/)
      }
      assert.equal(await audit('assessment.view', 'denied', outsider.id), before + 2, 'the family copy and its PDF are reads')
      assert.equal(await audit('assessment.edit', 'denied', outsider.id), beforeForm + 1, 'the sign-off form is for those who record the assessment')
      const post = await browsers.outsider.post(`/episodes/${s.episodeId}/assessment/family-copy/given`, {})
      assert.equal(post.statusCode, 403)

      const otherAuthority = (await buildAuthority(t)).id
      const otherAgency = await buildAgency(t, otherAuthority)
      const otherAssessor = await buildUser(t, otherAuthority, { roles: ['practitioner'], agencyIds: [otherAgency.id] })
      const other = await buildScenario(t, otherAuthority, otherAssessor, otherAgency.id, { complete: true })
      for (const url of [`/episodes/${other.episodeId}/assessment/outcome`, `/episodes/${other.episodeId}/assessment/family-copy.pdf`, '/episodes/not-a-uuid/assessment/outcome']) {
        assert.equal((await browsers.assessor.get(url)).statusCode, 404, url)
      }
      assert.equal((await browsers.managerA.get(`/episodes/${other.episodeId}/assessment/approval`)).statusCode, 404)
    })

    it('an administrator switches on manager approval in the settings', async () => {
      const page = await browsers.administrator.get('/admin/settings')
      const $ = load(page.body)
      assert.equal($('input[name="assessmentApprovalRequired"]').attr('checked'), undefined)
      const fields = { authorityName: String($('#authorityName').val()), singleSignOnIssuer: '', secondFactorRequired: 'yes', assessmentApprovalRequired: 'yes', version: String($('input[name="version"]').val()) }
      const saved = await browsers.administrator.post('/admin/settings', fields)
      assert.equal(saved.statusCode, 303, saved.body)
      const authority = await t.database.db.selectFrom('authorities').select('assessmentApprovalRequired').where('id', '=', authorityId).executeTakeFirstOrThrow()
      assert.equal(authority.assessmentApprovalRequired, true)
      const again = await browsers.administrator.get('/admin/settings')
      assert.equal(load(again.body)('input[name="assessmentApprovalRequired"]').attr('checked'), 'checked')
      const bad = await browsers.administrator.post('/admin/settings', { ...fields, assessmentApprovalRequired: 'maybe' })
      assert.equal(bad.statusCode, 400)
    })

    it('with approval on: waits for the assessor’s manager (emailed), another agency’s manager is refused, return with comments, then approve', async () => {
      const s = await buildScenario(t, authorityId, assessor, agencyA.id, { complete: true })
      const { version } = await assessmentRow(s.assessmentId)
      const signed = await browsers.assessor.post(`/episodes/${s.episodeId}/assessment/outcome`, { outcome: 'no_further_action', ...dateFields('completionDate'), confirm: 'yes', version: String(version) })
      assert.equal(signed.statusCode, 303, signed.body)
      assert.equal((await assessmentRow(s.assessmentId)).status, 'awaiting_approval')
      assert.equal((await episodeRow(s.episodeId)).status, 'assessment')
      const emails = await t.database.db.selectFrom('outbox').select(['recipient', 'subject', 'bodyText']).where('authorityId', '=', authorityId).where('subject', 'like', '%waiting for your approval%').execute()
      assert.deepEqual(emails.map(email => email.recipient), ['mina.manager@example.org'])
      assert.match(emails[0]?.bodyText ?? '', new RegExp(`/episodes/${s.episodeId}/assessment/approval`))
      assert.doesNotMatch(emails[0]?.bodyText ?? '', /Kira|Ashdown|school/i)

      const home = await browsers.managerA.get('/')
      assert.match(load(home.body)('a[href="/assessments/awaiting-approval"]').parent().parent().text(), /1 waiting/)
      const queue = await browsers.managerA.get('/assessments/awaiting-approval')
      assert.equal(queue.statusCode, 200)
      assert.ok(load(queue.body)(`a[href="/episodes/${s.episodeId}/assessment/approval"]`).length === 1)
      assert.equal(load((await browsers.managerB.get('/assessments/awaiting-approval')).body)(`a[href="/episodes/${s.episodeId}/assessment/approval"]`).length, 0)
      assert.equal((await browsers.assessor.get('/assessments/awaiting-approval')).statusCode, 403)

      const deniedBefore = await audit('assessment.approve', 'denied', managerB.id)
      assert.equal((await browsers.managerB.get(`/episodes/${s.episodeId}/assessment/approval`)).statusCode, 403)
      const wrongManager = await browsers.managerB.post(`/episodes/${s.episodeId}/assessment/approval`, { decision: 'approve', version: String(version + 1) })
      assert.equal(wrongManager.statusCode, 403)
      assert.equal(await audit('assessment.approve', 'denied', managerB.id), deniedBefore + 2)
      assert.equal((await assessmentRow(s.assessmentId)).status, 'awaiting_approval')

      const page = await browsers.managerA.get(`/episodes/${s.episodeId}/assessment/approval`)
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /Kira is anxious about school/)
      const current = (await assessmentRow(s.assessmentId)).version
      const noComments = await browsers.managerA.post(`/episodes/${s.episodeId}/assessment/approval`, { decision: 'return', comments: '', version: String(current) })
      assert.equal(noComments.statusCode, 400)
      assert.match(errorSummary(noComments.body).join(), /Enter your comments for the assessor/)
      const returned = await browsers.managerA.post(`/episodes/${s.episodeId}/assessment/approval`, { decision: 'return', comments: 'Please add what school said about attendance.', version: String(current) })
      assert.equal(returned.statusCode, 303, returned.body)
      const returnedRow = await assessmentRow(s.assessmentId)
      assert.equal(returnedRow.status, 'returned')
      assert.equal(returnedRow.returnedByUserId, managerA.id)

      const assessorPage = await browsers.assessor.get(`/episodes/${s.episodeId}/assessment/outcome`)
      const banner = load(assessorPage.body)('.onestory-return-notice')
      assert.match(banner.text(), /Returned by Mina Manager/)
      assert.match(banner.text(), /Please add what school said about attendance\./)

      const again = await browsers.assessor.post(`/episodes/${s.episodeId}/assessment/outcome`, { outcome: 'no_further_action', ...dateFields('completionDate'), confirm: 'yes', version: String(returnedRow.version) })
      assert.equal(again.statusCode, 303, again.body)
      const waiting = await assessmentRow(s.assessmentId)
      assert.equal(waiting.status, 'awaiting_approval')
      const approved = await browsers.managerA.post(`/episodes/${s.episodeId}/assessment/approval`, { decision: 'approve', version: String(waiting.version) })
      assert.equal(approved.statusCode, 303, approved.body)
      const done = await assessmentRow(s.assessmentId)
      assert.equal(done.status, 'completed')
      assert.equal(done.approvedByUserId, managerA.id)
      const episode = await episodeRow(s.episodeId)
      assert.equal(episode.status, 'closed')
      assert.equal(episode.outcome, 'no_further_action')
      assert.ok(episode.closedAt)
      assert.ok((await audit('assessment.approve', 'allowed', managerA.id)) >= 3)
    })

    it('the family’s copy: a print view with a cover page and no inline styles, a real tagged PDF, both audited', async () => {
      const s = await buildScenario(t, authorityId, assessor, agencyA.id, { complete: true, shareAgencyId: agencyB.id })
      const print = await browsers.assessor.get(`/episodes/${s.episodeId}/assessment/family-copy`)
      assert.equal(print.statusCode, 200)
      const $ = load(print.body)
      const cover = $('.onestory-family-copy__cover').text()
      assert.match(cover, /What this document is/)
      assert.match(cover, /Who has a copy and why/)
      assert.match(cover, /Meadow Health Centre/)
      assert.match(cover, /Kira Ashdown/)
      assert.equal($('[style]').length, 0)
      assert.equal($('style').length, 0)
      const body = $('.onestory-family-copy__body').text()
      assert.match(body, /My head hurts before school/)
      assert.match(body, /2 out of 4: some worries/)
      assert.match(body, /6 out of 10/)
      assert.match(body, /family doctor \(GP\)/)
      assert.match(body, /child and adolescent mental health services \(CAMHS\)/)
      assert.doesNotMatch(body, /Physical development/)
      assert.match(cover, /This is a draft/)

      const auditBefore = await t.database.db.selectFrom('auditEvents').select('details').where('action', '=', 'assessment.view').where('actorUserId', '=', assessor.id).execute()
      const response = await browsers.assessor.get(`/episodes/${s.episodeId}/assessment/family-copy.pdf`)
      assert.equal(response.statusCode, 200)
      assert.equal(response.headers['content-type'], 'application/pdf')
      assert.match(String(response.headers['content-disposition']), /^attachment; filename="family-copy-EH-2026-[0-9a-f]+\.pdf"$/)
      assert.equal(response.headers['cache-control'], 'no-store')
      const pdf = response.rawPayload
      assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-')
      assert.match(pdf.subarray(-6).toString('latin1'), /%%EOF/)
      const raw = pdf.toString('latin1')
      for (const marker of ['/StructTreeRoot', '/MarkInfo', '/Lang', '/DisplayDocTitle true', '/Title']) assert.ok(raw.includes(marker), `PDF has ${marker}`)
      const text = pdfText(pdf)
      assert.match(text, /What this document is/)
      assert.match(text, /My head hurts before school/)
      assert.match(text, /Meadow Health Centre/)
      assert.doesNotMatch(text, /Physical development/)
      const auditAfter = await t.database.db.selectFrom('auditEvents').select('details').where('action', '=', 'assessment.view').where('actorUserId', '=', assessor.id).execute()
      assert.equal(auditAfter.length, auditBefore.length + 1)
      assert.ok(auditAfter.some(event => JSON.stringify(event.details).includes('"copy":"pdf"')))
      assert.ok(auditAfter.some(event => JSON.stringify(event.details).includes('"copy":"print"')))
    })

    it('records the family’s copy as given, and shows it on the assessment', async () => {
      const s = await buildScenario(t, authorityId, assessor, agencyA.id, { complete: true })
      const form = await browsers.assessor.get(`/episodes/${s.episodeId}/assessment/family-copy/given`)
      assert.equal(form.statusCode, 200)
      assert.ok(load(form.body)(`input[name="givenTo"][value="${s.motherId}"]`).length === 1)
      const missingName = await browsers.assessor.post(`/episodes/${s.episodeId}/assessment/family-copy/given`, { givenTo: 'other', otherName: '', format: 'printed', ...dateFields('givenOn') })
      assert.equal(missingName.statusCode, 400)
      assert.match(errorSummary(missingName.body).join(), /Enter the name of the person/)
      const stranger = await browsers.assessor.post(`/episodes/${s.episodeId}/assessment/family-copy/given`, { givenTo: uuidv7(), format: 'printed', ...dateFields('givenOn') })
      assert.equal(stranger.statusCode, 422)
      const given = await browsers.assessor.post(`/episodes/${s.episodeId}/assessment/family-copy/given`, { givenTo: s.motherId, format: 'printed', ...dateFields('givenOn') })
      assert.equal(given.statusCode, 303, given.body)
      const rows = await t.database.db.selectFrom('assessmentFamilyCopies').selectAll().where('assessmentId', '=', s.assessmentId).execute()
      assert.equal(rows.length, 1)
      assert.equal(rows[0]?.givenToPersonId, s.motherId)
      assert.equal(rows[0]?.givenToName, 'Nadia Ashdown')
      assert.equal(rows[0]?.format, 'printed')
      const page = await browsers.assessor.follow(given)
      assert.match(page.body, /recorded as given/)
      assert.match(load(page.body)('table').text(), /Nadia Ashdown/)
    })

    it('the API: sign-off, approval and the PDF', async () => {
      const api = (browser: Browser, method: 'GET' | 'POST', url: string, body?: unknown) =>
        t.app.inject({
          method,
          url,
          headers: { cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-csrf-token': browser.csrfToken, ...(body ? { 'content-type': 'application/json' } : {}) },
          ...(body ? { payload: JSON.stringify(body) } : {}),
        })
      const incomplete = await buildScenario(t, authorityId, assessor, agencyA.id)
      const refused = await api(browsers.assessor, 'POST', `/api/v1/episodes/${incomplete.episodeId}/assessment/sign-off`, { outcome: 'multi_agency', completionDate: today(), confirm: true, version: 1 })
      assert.equal(refused.statusCode, 422, refused.body)
      const s = await buildScenario(t, authorityId, assessor, agencyA.id, { complete: true })
      const outsiderCall = await api(browsers.outsider, 'POST', `/api/v1/episodes/${s.episodeId}/assessment/sign-off`, { nonsense: true })
      assert.equal(outsiderCall.statusCode, 403)
      const signed = await api(browsers.assessor, 'POST', `/api/v1/episodes/${s.episodeId}/assessment/sign-off`, { outcome: 'multi_agency', completionDate: today(), confirm: true, version: 1 })
      assert.equal(signed.statusCode, 200, signed.body)
      assert.equal(signed.json().status, 'awaiting_approval')
      const stale = await api(browsers.managerA, 'POST', `/api/v1/episodes/${s.episodeId}/assessment/approval`, { decision: 'approve', version: 1 })
      assert.equal(stale.statusCode, 409, stale.body)
      const wrong = await api(browsers.managerB, 'POST', `/api/v1/episodes/${s.episodeId}/assessment/approval`, { decision: 'approve', version: 2 })
      assert.equal(wrong.statusCode, 403)
      const approved = await api(browsers.managerA, 'POST', `/api/v1/episodes/${s.episodeId}/assessment/approval`, { decision: 'approve', version: 2 })
      assert.equal(approved.statusCode, 200, approved.body)
      assert.equal(approved.json().status, 'completed')
      assert.equal(approved.json().episodeStatus, 'support')
      const pdf = await api(browsers.assessor, 'GET', `/api/v1/episodes/${s.episodeId}/assessment/family-copy.pdf`)
      assert.equal(pdf.statusCode, 200)
      assert.equal(pdf.headers['content-type'], 'application/pdf')
      assert.match(String(pdf.headers['content-disposition']), /^attachment;/)
      assert.equal(pdf.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-')
      const openApi = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json() as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>> }
      assert.ok(openApi.paths['/episodes/{episodeId}/assessment/family-copy.pdf']?.get?.responses['200']?.content?.['application/pdf'])
      assert.ok(openApi.paths['/episodes/{episodeId}/assessment/sign-off']?.post)
    })
  })
}

describe('the family’s copy as a PDF', () => {
  it('spells names outside Western European alphabets right (the font is embedded)', async () => {
    const document = {
      title: 'Your family’s copy',
      subject: 'Common assessment',
      cover: [{ kind: 'paragraph' as const, text: 'Łucja Nowak, Şükrü Yılmaz and Александра Петрова finished the plan.' }],
      body: [{ kind: 'heading' as const, level: 2 as const, text: 'What we agreed' }],
    }
    const pdf = await renderFamilyCopyPdf(document as Parameters<typeof renderFamilyCopyPdf>[0], { author: 'OneStory', createdAt: new Date() })
    const text = pdfText(pdf)
    assert.match(text, /Łucja Nowak, Şükrü Yılmaz and Александра Петрова finished the plan\./)
    assert.match(text, /What we agreed/)
  })
})
