import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { sql } from 'kysely'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, errorSummary, heading, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildUser, signIn, type TestUser } from '../../../test/helpers/builders.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { CONSENT_WITHDRAWN_MESSAGE, NO_CONSENT_MESSAGE, readyForSignOff } from './assessments.service.ts'
import { PRACTITIONER_SCORE_MESSAGE } from './assessments.schemas.ts'

type Family = { householdId: string; mother: string; child1: string; child2: string }

const today = new Date()
const day = { d: String(today.getDate()), m: String(today.getMonth() + 1), y: String(today.getFullYear()) }

/** Every field of the first POST form of a page, as a browser would send it (checked boxes and radios only). */
function formFields(html: string, changes: Record<string, string | null> = {}): Record<string, string> {
  const $ = load(html)
  const fields: Record<string, string> = {}
  $('form[method="post"] input, form[method="post"] textarea').each((_i, element) => {
    const name = $(element).attr('name')
    if (!name || name === '_csrf') return
    const type = $(element).attr('type')
    if (type === 'checkbox' || type === 'radio') {
      if ($(element).attr('checked') !== undefined) fields[name] = String($(element).attr('value'))
      return
    }
    fields[name] = element.tagName === 'textarea' ? $(element).text() : String($(element).attr('value') ?? '')
  })
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete fields[key]
    else fields[key] = value
  }
  return fields
}

describe('readyForSignOff (pure)', () => {
  const empty = { discussionDate: null, reason: null, conclusions: null, familyAgreement: null, differencesOfOpinion: null }
  it('asks for the basic details and the conclusions only, never for elements', () => {
    assert.deepEqual(
      readyForSignOff(empty, []).map(item => item.step),
      ['basic-details', 'basic-details', 'conclusions', 'conclusions'],
    )
    const ready = { discussionDate: '2026-01-01', reason: 'r', conclusions: 'c', familyAgreement: 'agrees' as const, differencesOfOpinion: null }
    assert.deepEqual(readyForSignOff(ready, []), [])
    assert.deepEqual(readyForSignOff({ ...ready, familyAgreement: 'disagrees' }, []).map(item => item.text), ['Conclusions: record the differences of opinion'])
  })
})

for (const kind of databaseKinds()) {
  describe(`recording the common assessment (${kind})`, () => {
    let t: TestApp
    let authorityId: string
    let schoolId: string
    let healthId: string
    let assessor: TestUser
    let colleague: TestUser
    let contributor: TestUser
    let outsider: TestUser
    let administrator: TestUser
    let assessorBrowser: Browser
    let colleagueBrowser: Browser
    let contributorBrowser: Browser
    let outsiderBrowser: Browser
    let family: Family
    let otherAuthorityEpisode: string

    async function person(givenNames: string, dateOfBirth: string, surname: string, authority = authorityId, createdBy = assessor.id) {
      const id = uuidv7()
      await t.database.db
        .insertInto('persons')
        .values({ authorityId: authority, id, givenNames, familyName: surname, dateOfBirth, searchName: `${givenNames} ${surname}`.toLowerCase(), createdByUserId: createdBy })
        .execute()
      return id
    }

    async function latestTemplate(authority = authorityId) {
      return t.database.db
        .selectFrom('assessmentTemplateVersions')
        .select(['id', 'versionNumber'])
        .where('authorityId', '=', authority)
        .where('templateKey', '=', 'caf-standard')
        .orderBy('versionNumber', 'desc')
        .executeTakeFirstOrThrow()
    }

    /** An episode about `children` owned by `owner`, with consent to assess unless told otherwise. */
    async function buildEpisode(options: { children: string[]; adults?: string[]; owner?: TestUser; consent?: boolean; authority?: string; members?: TestUser[] }) {
      const db = t.database.db
      const authority = options.authority ?? authorityId
      const owner = options.owner ?? assessor
      const id = uuidv7()
      const now = new Date()
      const template = await latestTemplate(authority)
      await db
        .insertInto('episodes')
        .values({ authorityId: authority, id, reference: `EH-2026-${id.slice(-6)}`, scope: options.children.length > 1 ? 'family' : 'child', householdId: null, localityId: null, agencyId: null, status: options.consent === false ? 'consent' : 'assessment', outcome: null, startedByUserId: owner.id, startedAt: now, closedAt: null, templateVersionId: template.id })
        .execute()
      for (const personId of options.children) await db.insertInto('episodePeople').values({ authorityId: authority, episodeId: id, personId, role: 'child' }).execute()
      for (const personId of options.adults ?? []) await db.insertInto('episodePeople').values({ authorityId: authority, episodeId: id, personId, role: 'adult' }).execute()
      await db.insertInto('episodeMembers').values({ authorityId: authority, episodeId: id, userId: owner.id, agencyId: owner.agencyIds[0] ?? null, role: 'owner', addedByUserId: owner.id, joinedAt: now, leftAt: null }).execute()
      for (const member of options.members ?? []) {
        await db.insertInto('episodeMembers').values({ authorityId: authority, episodeId: id, userId: member.id, agencyId: member.agencyIds[0] ?? null, role: 'member', addedByUserId: owner.id, joinedAt: now, leftAt: null }).execute()
      }
      let consentId: string | null = null
      if (options.consent !== false) {
        consentId = uuidv7()
        await db
          .insertInto('consents')
          .values({ authorityId: authority, id: consentId, episodeId: id, decision: 'given', giverKind: 'other_adult', giverPersonId: null, giverName: 'Mary Carer', giverRelationship: 'mother', competenceBasis: null, competenceJudgedBy: null, competenceReasoning: null, toAssess: true, shareAgencyIds: '[]', shareAgencyKinds: '[]', method: 'in_person', givenOn: '2026-01-05', refusalReason: null, recordedByUserId: owner.id, recordedAt: now })
          .execute()
      }
      return { id, consentId, templateVersionId: template.id }
    }

    async function start(browser: Browser, episodeId: string) {
      const page = await browser.get(`/episodes/${episodeId}/assessment`)
      assert.equal(page.statusCode, 200)
      const response = await browser.post(`/episodes/${episodeId}/assessment/start`)
      assert.equal(response.statusCode, 303, errorSummary(response.body).join())
      return t.database.db.selectFrom('assessments').selectAll().where('episodeId', '=', episodeId).executeTakeFirstOrThrow()
    }

    async function elementRows(assessmentId: string) {
      return t.database.db.selectFrom('assessmentElements').selectAll().where('assessmentId', '=', assessmentId).orderBy('elementKey').orderBy('subject').execute()
    }

    async function audit(action: string, outcome: 'allowed' | 'denied', userId: string) {
      const result = await sql<{ count: number }>`select count(*)::int as count from audit_events where action = ${action} and outcome = ${outcome} and actor_user_id = ${userId}`.execute(t.database.db)
      return result.rows[0]?.count ?? 0
    }

    async function send(browser: Browser, method: string, url: string, fields?: Record<string, string>) {
      if (method === 'GET') return browser.get(url)
      if (url.startsWith('/api/')) {
        const body: Record<string, unknown> = { ...fields }
        if ('version' in body) body.version = Number(body.version)
        return t.app.inject({ method: 'POST', url, headers: apiHeaders(browser), payload: JSON.stringify(body) })
      }
      return browser.post(url, fields ?? {})
    }

    async function deniedCount(userId: string) {
      const result = await sql<{ count: number }>`select count(*)::int as count from audit_events where outcome = 'denied' and actor_user_id = ${userId}`.execute(t.database.db)
      return result.rows[0]?.count ?? 0
    }

    before(async () => {
      t = await buildTestApp(kind)
      authorityId = (await buildAuthority(t)).id
      schoolId = (await buildAgency(t, authorityId, { name: 'Riverside Primary School' })).id
      healthId = (await buildAgency(t, authorityId, { name: 'Health Visiting Team', kind: 'health' })).id
      assessor = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [schoolId], name: 'Ava Assessor' })
      colleague = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [schoolId], name: 'Cal Colleague' })
      contributor = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [healthId], name: 'Hana Health', email: 'hana.health@example.org' })
      outsider = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [schoolId], name: 'Oscar Outsider' })
      administrator = await buildUser(t, authorityId, { roles: ['administrator'], agencyIds: [schoolId], name: 'Ada Admin' })
      const householdId = uuidv7()
      const mother = await person('Mary', '1990-04-02', 'Kettering')
      const child1 = await person('Alfie', '2016-06-01', 'Kettering')
      const child2 = await person('Bella', '2019-09-09', 'Kettering')
      family = { householdId, mother, child1, child2 }
      const other = await buildAuthority(t, { name: 'Elsewhere Council' })
      const otherUser = await buildUser(t, other.id, { roles: ['practitioner'] })
      const otherChild = await person('Zed', '2015-01-01', 'Elsewhere', other.id, otherUser.id)
      otherAuthorityEpisode = (await buildEpisode({ children: [otherChild], owner: otherUser, authority: other.id })).id
      assessorBrowser = await signIn(t, assessor)
      colleagueBrowser = await signIn(t, colleague)
      contributorBrowser = await signIn(t, contributor)
      outsiderBrowser = await signIn(t, outsider)
    })
    after(() => t.close())

    it('refuses to start or record anything without consent to assess, and after consent is withdrawn', async () => {
      const child = await person('Nell', '2017-03-03', 'Noconsent')
      const episode = await buildEpisode({ children: [child], consent: false })
      const page = await assessorBrowser.get(`/episodes/${episode.id}/assessment`)
      assert.equal(page.statusCode, 200)
      assert.equal(heading(page.body), 'Start the assessment')
      assert.match(page.body, /without consent to assess/)
      assert.equal(load(page.body)('form[action$="/assessment/start"]').length, 0, 'no start button without consent')
      const refused = await assessorBrowser.post(`/episodes/${episode.id}/assessment/start`)
      assert.equal(refused.statusCode, 400)
      assert.deepEqual(errorSummary(refused.body), [NO_CONSENT_MESSAGE])
      const api = await t.app.inject({ method: 'POST', url: `/api/v1/episodes/${episode.id}/assessment`, headers: apiHeaders(assessorBrowser), payload: '{}' })
      assert.equal(api.statusCode, 422)
      assert.equal(await t.database.db.selectFrom('assessments').select('id').where('episodeId', '=', episode.id).executeTakeFirst(), undefined, 'nothing written')

      // With consent the assessment starts; once consent is withdrawn nothing more can be recorded.
      const withConsent = await buildEpisode({ children: [child] })
      const assessment = await start(assessorBrowser, withConsent.id)
      assert.equal(assessment.templateVersionId, withConsent.templateVersionId)
      assert.equal(assessment.assessorUserId, assessor.id)
      assert.equal(assessment.status, 'in_progress')
      const consentPage = await assessorBrowser.get(`/episodes/${withConsent.id}/consent/${withConsent.consentId}/withdraw`)
      assert.equal(consentPage.statusCode, 200)
      const withdrawn = await assessorBrowser.post(`/episodes/${withConsent.id}/consent/${withConsent.consentId}/withdraw`, {
        version: '1',
        reason: 'The family no longer want the assessment',
        'withdrawnOn-day': day.d,
        'withdrawnOn-month': day.m,
        'withdrawnOn-year': day.y,
      })
      assert.equal(withdrawn.statusCode, 303, errorSummary(withdrawn.body).join())
      const element = await assessorBrowser.post(`/episodes/${withConsent.id}/assessment/elements/general-health/${child}`, { version: '0', strengths: 'Written after withdrawal' })
      assert.equal(element.statusCode, 400)
      assert.deepEqual(errorSummary(element.body), [CONSENT_WITHDRAWN_MESSAGE])
      const step = await assessorBrowser.post(`/episodes/${withConsent.id}/assessment/details`, { version: String(assessment.version), reason: 'After withdrawal' })
      assert.equal(step.statusCode, 400)
      assert.deepEqual(errorSummary(step.body), [CONSENT_WITHDRAWN_MESSAGE])
      const apiElement = await t.app.inject({
        method: 'POST',
        url: `/api/v1/episodes/${withConsent.id}/assessment/elements/general-health/${child}`,
        headers: apiHeaders(assessorBrowser),
        payload: JSON.stringify({ version: 0, strengths: 'API after withdrawal' }),
      })
      assert.equal(apiElement.statusCode, 422)
      assert.deepEqual(await elementRows(assessment.id), [], 'nothing written')
      const after = await t.database.db.selectFrom('assessments').select(['reason', 'version']).where('id', '=', assessment.id).executeTakeFirstOrThrow()
      assert.deepEqual(after, { reason: null, version: assessment.version })
      // The page says why, and offers no form.
      const readOnly = await assessorBrowser.get(`/episodes/${withConsent.id}/assessment/elements/general-health/${child}`)
      assert.equal(readOnly.statusCode, 200)
      assert.match(readOnly.body, /Consent to the assessment has been withdrawn/)
      assert.equal(load(readOnly.body)('form textarea').length, 0)
    })

    it('records a family assessment with two practitioners: per-child development, shared family domains, an invited contributor limited to named elements', async () => {
      const episode = await buildEpisode({ children: [family.child1, family.child2], adults: [family.mother] })
      const assessment = await start(assessorBrowser, episode.id)

      // The task list: the six steps, one child-development task per child, the family domains once.
      const overview = await assessorBrowser.get(`/episodes/${episode.id}/assessment?done=started`)
      assert.equal(overview.statusCode, 200)
      const $ = load(overview.body)
      const tasks = $('.govuk-task-list__item').map((_i, item) => $(item).find('.govuk-task-list__name-and-hint a, .govuk-task-list__name-and-hint div').first().text().trim()).get()
      assert.deepEqual(tasks, [
        'Explain the purpose, consent and confidentiality',
        'Basic details',
        'Development of the child or young person: Alfie Kettering',
        'Development of the child or young person: Bella Kettering',
        'Parents and carers',
        'Family and environmental',
        'Conclusions and evidence',
        'Solutions',
        'Who does what, and the review date',
        'Outcome and sign-off',
        'The family’s copy',
      ])
      assert.match($('#missing').text(), /enter the date of the discussion/)

      // Steps 1 and 2 (basic details with a GOV.UK date input; the episode's people shown).
      const explainPage = await assessorBrowser.get(`/episodes/${episode.id}/assessment/explain`)
      assert.match(explainPage.body, /Mary Carer/, 'the episode’s consent is shown')
      assert.equal((await assessorBrowser.post(`/episodes/${episode.id}/assessment/explain`, { version: String(assessment.version), explained: 'yes', explanationNotes: 'Mum asked who sees it' })).statusCode, 303)
      const detailsPage = await assessorBrowser.get(`/episodes/${episode.id}/assessment/details`)
      assert.match(detailsPage.body, /Alfie Kettering \(child\)/)
      assert.equal(load(detailsPage.body)('input[name="discussionDate-day"]').length, 1)
      const details = await assessorBrowser.post(`/episodes/${episode.id}/assessment/details`, {
        version: String(assessment.version + 1),
        'discussionDate-day': day.d,
        'discussionDate-month': day.m,
        'discussionDate-year': day.y,
        reason: 'School and health visitor worried about sleep and attendance',
        present: 'Mary (mum), Ava (school)',
      })
      assert.equal(details.statusCode, 303, errorSummary(details.body).join())

      // An element for each child: the page shows the template's prompts and the Distance Travelled descriptors.
      const elementPage = await assessorBrowser.get(`/episodes/${episode.id}/assessment/elements/general-health/${family.child1}`)
      assert.equal(elementPage.statusCode, 200)
      const e$ = load(elementPage.body)
      assert.ok(e$('#prompts li').length > 0, 'guidance prompts shown')
      assert.match(e$('input[name="practitionerScore"][value="4"]').parent().text(), /Critical and complex/)
      assert.match(e$('#practitionerScore-4-item-hint, .govuk-radios__hint').text(), /intensive/)
      const saved1 = await assessorBrowser.post(`/episodes/${episode.id}/assessment/elements/general-health/${family.child1}`, {
        version: '0',
        strengths: 'Registered with a GP',
        needs: 'Poor sleep',
        childWords: 'I am tired at school',
        practitionerScore: '2',
        familyScoreAdult: '6',
        familyScoreChild: 'amber',
      })
      assert.equal(saved1.statusCode, 303, errorSummary(saved1.body).join())
      assert.equal(saved1.headers.location, `/episodes/${episode.id}/assessment/domains/child-development/${family.child1}?done=element`)
      assert.equal((await assessorBrowser.post(`/episodes/${episode.id}/assessment/elements/general-health/${family.child2}`, { version: '0', needs: 'Asthma reviews missed', practitionerScore: '1' })).statusCode, 303)
      assert.equal((await assessorBrowser.post(`/episodes/${episode.id}/assessment/elements/wider-family/family`, { version: '0', notAssessed: 'yes' })).statusCode, 303)
      // A family element is recorded once, for the family, whichever child's page you come from.
      const wrongSubject = await assessorBrowser.post(`/episodes/${episode.id}/assessment/elements/wider-family/${family.child1}`, { version: '0', strengths: 'x' })
      assert.equal(wrongSubject.statusCode, 400)
      const domainPage = await assessorBrowser.get(`/episodes/${episode.id}/assessment/domains/family-and-environment/family`)
      assert.equal(domainPage.statusCode, 200)
      assert.match(domainPage.body, /recorded once, for all the children/)
      assert.match(load(domainPage.body)('#progress').text(), /0 of 4 recorded, 1 not assessed/)

      // Ask a colleague from another agency to complete two named elements.
      const invitePage = await assessorBrowser.get(`/episodes/${episode.id}/assessment/contributors`)
      assert.equal(invitePage.statusCode, 200)
      assert.match(load(invitePage.body)(`option[value="${contributor.id}"]`).text(), /Hana Health, Health Visiting Team/)
      const noElements = await assessorBrowser.post(`/episodes/${episode.id}/assessment/contributors`, { userId: contributor.id, message: 'Please add health' })
      assert.equal(noElements.statusCode, 400)
      assert.deepEqual(errorSummary(noElements.body), ['Select at least one element for them to complete'])
      const invited = await assessorBrowser.post(`/episodes/${episode.id}/assessment/contributors`, {
        userId: contributor.id,
        elementKeys: ['physical-development', 'housing-employment-and-financial-considerations'],
        message: 'Could you add what you know about growth and the housing situation?',
      })
      assert.equal(invited.statusCode, 303, errorSummary(invited.body).join())
      const member = await t.database.db.selectFrom('episodeMembers').select(['role', 'agencyId']).where('episodeId', '=', episode.id).where('userId', '=', contributor.id).executeTakeFirstOrThrow()
      assert.deepEqual(member, { role: 'contributor', agencyId: healthId })
      const row = await t.database.db.selectFrom('assessmentContributors').selectAll().where('assessmentId', '=', assessment.id).executeTakeFirstOrThrow()
      assert.deepEqual(row.elementKeys, ['physical-development', 'housing-employment-and-financial-considerations'])
      const email = await t.database.db.selectFrom('outbox').select(['subject', 'bodyText']).where('recipient', '=', 'hana.health@example.org').executeTakeFirstOrThrow()
      assert.match(email.bodyText, new RegExp(`/episodes/${episode.id}/assessment`))
      assert.doesNotMatch(`${email.subject} ${email.bodyText}`, /Alfie|Bella|Kettering|growth|housing/i, 'no personal details in the email')
      assert.equal(await audit('assessment.edit', 'allowed', assessor.id) > 0, true)

      // The contributor sees the whole assessment, their elements editable and the rest read-only.
      const theirs = await contributorBrowser.get(`/episodes/${episode.id}/assessment`)
      assert.equal(theirs.statusCode, 200)
      assert.match(load(theirs.body)('#your-part').text(), /Physical development, Housing, employment and financial considerations/)
      assert.match(theirs.body, /growth and the housing situation/)
      const editable = await contributorBrowser.get(`/episodes/${episode.id}/assessment/elements/housing-employment-and-financial-considerations/family`)
      assert.equal(load(editable.body)('form textarea[name="strengths"]').length, 1)
      const readOnly = await contributorBrowser.get(`/episodes/${episode.id}/assessment/elements/general-health/${family.child1}`)
      assert.equal(readOnly.statusCode, 200)
      assert.equal(load(readOnly.body)('form textarea').length, 0)
      assert.match(readOnly.body, /Registered with a GP/)
      assert.match(readOnly.body, /not asked to complete this element/)
      const filled = await contributorBrowser.post(`/episodes/${episode.id}/assessment/elements/housing-employment-and-financial-considerations/family`, {
        version: '0',
        needs: 'Overcrowded flat, rent arrears',
        practitionerScore: '3',
      })
      assert.equal(filled.statusCode, 303, errorSummary(filled.body).join())
      const filledChild = await contributorBrowser.post(`/episodes/${episode.id}/assessment/elements/physical-development/${family.child2}`, { version: '0', strengths: 'Growing well' })
      assert.equal(filledChild.statusCode, 303)

      // Another element, a step, or inviting: refused (403) and audited as denied; nothing changes.
      const before = await deniedCount(contributor.id)
      const notTheirs = await contributorBrowser.post(`/episodes/${episode.id}/assessment/elements/general-health/${family.child1}`, { version: '1', strengths: 'Overwritten by contributor' })
      assert.equal(notTheirs.statusCode, 403)
      assert.equal(await deniedCount(contributor.id), before + 1)
      const deniedRow = await sql<{ details: unknown }>`select details from audit_events where outcome = 'denied' and actor_user_id = ${contributor.id} and action = 'assessment.edit' order by at desc limit 1`.execute(t.database.db)
      assert.match(JSON.stringify(deniedRow.rows[0]?.details), /general-health is not one the contributor was asked to complete/)
      const apiNotTheirs = await t.app.inject({
        method: 'POST',
        url: `/api/v1/episodes/${episode.id}/assessment/elements/general-health/${family.child1}`,
        headers: apiHeaders(contributorBrowser),
        payload: JSON.stringify({ version: 1, strengths: 'API overwrite' }),
      })
      assert.equal(apiNotTheirs.statusCode, 403)
      assert.equal((await contributorBrowser.post(`/episodes/${episode.id}/assessment/details`, { version: '3', reason: 'Contributor edit' })).statusCode, 403)
      assert.equal((await contributorBrowser.get(`/episodes/${episode.id}/assessment/contributors`)).statusCode, 403)
      const healthRow = (await elementRows(assessment.id)).find(item => item.elementKey === 'general-health' && item.subject === family.child1)
      assert.equal(healthRow?.strengths, 'Registered with a GP')
      const details2 = await t.database.db.selectFrom('assessments').select('reason').where('id', '=', assessment.id).executeTakeFirstOrThrow()
      assert.equal(details2.reason, 'School and health visitor worried about sleep and attendance')

      // The contributor marks their part done; the assessor sees it.
      assert.equal((await contributorBrowser.post(`/episodes/${episode.id}/assessment/contribution-done`)).statusCode, 303)
      const done = await t.database.db.selectFrom('assessmentContributors').select('completedAt').where('assessmentId', '=', assessment.id).executeTakeFirstOrThrow()
      assert.ok(done.completedAt)
      const assessorView = await assessorBrowser.get(`/episodes/${episode.id}/assessment`)
      assert.match(load(assessorView.body)('#contributors').next().text(), /Hana Health, Health Visiting Team.*Done/s)

      // Conclusions with differences of opinion, solutions, agreement: then ready for sign-off.
      const current = await t.database.db.selectFrom('assessments').select('version').where('id', '=', assessment.id).executeTakeFirstOrThrow()
      const noDifference = await assessorBrowser.post(`/episodes/${episode.id}/assessment/conclusions`, { version: String(current.version), conclusions: 'Sleep is the main need', familyAgreement: 'partly_agrees' })
      assert.equal(noDifference.statusCode, 400)
      assert.deepEqual(errorSummary(noDifference.body), ['Record where the family’s view differs, in their words if you can'])
      const conclusions = await assessorBrowser.post(`/episodes/${episode.id}/assessment/conclusions`, {
        version: String(current.version),
        conclusions: 'Sleep is the main need',
        familyAgreement: 'partly_agrees',
        differencesOfOpinion: 'Mum thinks housing matters more than sleep',
      })
      assert.equal(conclusions.statusCode, 303)
      assert.equal((await assessorBrowser.post(`/episodes/${episode.id}/assessment/solutions`, { version: String(current.version + 1), solutions: 'Sleep clinic', familyCanDo: 'Bedtime routine' })).statusCode, 303)
      assert.equal(
        (await assessorBrowser.post(`/episodes/${episode.id}/assessment/agreement`, { version: String(current.version + 2), agreedActions: 'Ava: refer to sleep clinic', 'reviewDate-day': '1', 'reviewDate-month': '1', 'reviewDate-year': String(today.getFullYear() + 1) })).statusCode,
        303,
      )
      const final = await assessorBrowser.get(`/episodes/${episode.id}/assessment`)
      assert.equal(load(final.body)('#missing').length, 0, 'nothing missing for sign-off')

      // The API gives the whole assessment with the template structure.
      const api = await t.app.inject({ method: 'GET', url: `/api/v1/episodes/${episode.id}/assessment`, headers: apiHeaders(assessorBrowser) })
      assert.equal(api.statusCode, 200)
      const body = api.json()
      assert.equal(body.template.content.domains.length, 3)
      assert.deepEqual(body.missingForSignOff, [])
      assert.equal(body.steps.differencesOfOpinion, 'Mum thinks housing matters more than sleep')
      const keys = body.elements.map((item: { elementKey: string; subject: string }) => `${item.elementKey}/${item.subject === 'family' ? 'family' : item.subject === family.child1 ? 'child1' : 'child2'}`)
      assert.deepEqual(keys.sort(), ['general-health/child1', 'general-health/child2', 'housing-employment-and-financial-considerations/family', 'physical-development/child2', 'wider-family/family'])
      assert.equal(body.contributors[0].name, 'Hana Health')
      const contributorApi = await t.app.inject({ method: 'GET', url: `/api/v1/episodes/${episode.id}/assessment`, headers: apiHeaders(contributorBrowser) })
      assert.deepEqual(contributorApi.json().yourElementKeys, ['physical-development', 'housing-employment-and-financial-considerations'])
      // Saving through the API, with the version read.
      const apiSave = await t.app.inject({
        method: 'POST',
        url: `/api/v1/episodes/${episode.id}/assessment/elements/identity/${family.child2}`,
        headers: apiHeaders(assessorBrowser),
        payload: JSON.stringify({ version: 0, strengths: 'Proud of her drawings', familyScoreChild: 'green' }),
      })
      assert.equal(apiSave.statusCode, 200, apiSave.body)
      assert.equal(apiSave.json().version, 1)
    })

    it('never overwrites silently: a second save from the same version gets 409 with both versions shown', async () => {
      const child = await person('Cora', '2014-02-02', 'Concurrent')
      const episode = await buildEpisode({ children: [child], members: [colleague] })
      const assessment = await start(assessorBrowser, episode.id)
      const url = `/episodes/${episode.id}/assessment/elements/emotional-and-social-development/${child}`
      const first = await assessorBrowser.get(url)
      const second = await colleagueBrowser.get(url)
      assert.equal(formFields(first.body).version, '0')
      assert.equal(formFields(second.body).version, '0')
      const saved = await assessorBrowser.post(url, formFields(first.body, { strengths: 'Has two close friends', practitionerScore: '1' }))
      assert.equal(saved.statusCode, 303)
      const stale = await colleagueBrowser.post(url, formFields(second.body, { strengths: 'Often alone at break time', practitionerScore: '3' }))
      assert.equal(stale.statusCode, 409)
      assert.match(errorSummary(stale.body)[0] ?? '', /Someone else saved this element after you opened it/)
      const $ = load(stale.body)
      const comparison = $('#conflict table').text()
      assert.match(comparison, /Often alone at break time/, 'what they typed')
      assert.match(comparison, /Has two close friends/, 'what is saved now')
      assert.match(comparison, /3 – Significant/)
      assert.match(comparison, /1 – Minor/)
      assert.equal($('textarea[name="strengths"]').text(), 'Often alone at break time', 'the form keeps what they typed')
      assert.equal($('input[name="version"]').attr('value'), '1', 'the form now carries the saved version')
      const row = (await elementRows(assessment.id))[0]
      assert.equal(row?.strengths, 'Has two close friends', 'nothing overwritten')
      assert.equal(row?.version, 1)
      // They merge and save again.
      const merged = await colleagueBrowser.post(url, formFields(stale.body, { strengths: 'Has two close friends; often alone at break time' }))
      assert.equal(merged.statusCode, 303, errorSummary(merged.body).join())
      assert.equal((await elementRows(assessment.id))[0]?.strengths, 'Has two close friends; often alone at break time')
      // The API answers 409 too and changes nothing.
      const apiStale = await t.app.inject({ method: 'POST', url: `/api/v1${url}`, headers: apiHeaders(assessorBrowser), payload: JSON.stringify({ version: 1, strengths: 'stale' }) })
      assert.equal(apiStale.statusCode, 409)
      assert.match(String(apiStale.headers['content-type']), /application\/problem\+json/)
      assert.equal((await elementRows(assessment.id))[0]?.version, 2)

      // Steps too: two saves of the basic details from the same version.
      const a = await assessorBrowser.get(`/episodes/${episode.id}/assessment/details`)
      const b = await colleagueBrowser.get(`/episodes/${episode.id}/assessment/details`)
      assert.equal((await assessorBrowser.post(`/episodes/${episode.id}/assessment/details`, formFields(a.body, { reason: 'Worries about friendships' }))).statusCode, 303)
      const staleStep = await colleagueBrowser.post(`/episodes/${episode.id}/assessment/details`, formFields(b.body, { reason: 'Worries about attendance' }))
      assert.equal(staleStep.statusCode, 409)
      assert.match(load(staleStep.body)('#conflict').text(), /Worries about attendance[\s\S]*Worries about friendships/)
      assert.equal((await t.database.db.selectFrom('assessments').select('reason').where('id', '=', assessment.id).executeTakeFirstOrThrow()).reason, 'Worries about friendships')
    })

    it('keeps rendering an assessment with its own template version after an administrator makes version 2', async () => {
      const child = await person('Vera', '2013-03-03', 'Versioned')
      const oldEpisode = await buildEpisode({ children: [child] })
      const oldAssessment = await start(assessorBrowser, oldEpisode.id)
      const v1 = oldEpisode.templateVersionId
      const adminBrowser = await signIn(t, administrator)
      const editor = await adminBrowser.get(`/admin/assessment-templates/${v1}/new-version`)
      assert.equal(editor.statusCode, 200)
      const made = await adminBrowser.post(
        `/admin/assessment-templates/${v1}/new-version`,
        formFields(editor.body, { 'element__child-development__general-health__title': 'Health and wellbeing', changeSummary: 'Renamed general health' }),
      )
      assert.equal(made.statusCode, 303, errorSummary(made.body).join())
      const v2 = await latestTemplate()
      assert.notEqual(v2.id, v1)

      const oldPage = await assessorBrowser.get(`/episodes/${oldEpisode.id}/assessment/elements/general-health/${child}`)
      assert.equal(oldPage.statusCode, 200)
      assert.match(heading(oldPage.body), /General health: Vera Versioned$/)
      assert.equal((await assessorBrowser.post(`/episodes/${oldEpisode.id}/assessment/elements/general-health/${child}`, { version: '0', strengths: 'Still on version 1' })).statusCode, 303)
      const oldApi = await t.app.inject({ method: 'GET', url: `/api/v1/episodes/${oldEpisode.id}/assessment`, headers: apiHeaders(assessorBrowser) })
      assert.equal(oldApi.json().template.id, v1)
      assert.equal(oldApi.json().template.content.domains[0].elements[0].title, 'General health')
      assert.equal((await t.database.db.selectFrom('assessments').select('templateVersionId').where('id', '=', oldAssessment.id).executeTakeFirstOrThrow()).templateVersionId, v1)

      const newEpisode = await buildEpisode({ children: [child] })
      await start(assessorBrowser, newEpisode.id)
      const newPage = await assessorBrowser.get(`/episodes/${newEpisode.id}/assessment/elements/general-health/${child}`)
      assert.match(heading(newPage.body), /Health and wellbeing: Vera Versioned/)
    })

    it('refuses a practitioner not on the episode on every assessment route (403, audited); another authority’s episode is 404', async () => {
      const child = await person('Paz', '2012-02-02', 'Private')
      const episode = await buildEpisode({ children: [child] })
      await start(assessorBrowser, episode.id)
      const routes = t.app.routeInventory.filter(route => /^\/(api\/v1\/)?episodes\/:episodeId\/assessment(\/|$)/.test(route.url) && !/outcome|approval|family-copy/.test(route.url))
      assert.ok(routes.length >= 17, `found ${routes.length} routes`)
      const fill = (url: string, episodeId: string) =>
        url.replace(':episodeId', episodeId).replace(':domainKey', 'child-development').replace(':elementKey', 'general-health').replace(':subject', child)
      for (const route of routes) {
        const before = await deniedCount(outsider.id)
        const response = await send(outsiderBrowser, route.method, fill(route.url, episode.id), route.method === 'GET' ? undefined : { version: '0', strengths: 'outsider' })
        assert.equal(response.statusCode, 403, `${route.method} ${route.url}`)
        assert.equal(await deniedCount(outsider.id), before + 1, `${route.method} ${route.url} audited`)
        const other = await send(assessorBrowser, route.method, fill(route.url, otherAuthorityEpisode), route.method === 'GET' ? undefined : { version: '0' })
        assert.equal(other.statusCode, 404, `another authority: ${route.method} ${route.url}`)
        assert.doesNotMatch(other.body, /Zed|Elsewhere/)
      }
      const malformed = await assessorBrowser.get('/episodes/not-a-uuid/assessment')
      assert.equal(malformed.statusCode, 404)
      assert.equal((await elementRows((await t.database.db.selectFrom('assessments').select('id').where('episodeId', '=', episode.id).executeTakeFirstOrThrow()).id)).length, 0)
    })

    it('refuses a form without its CSRF token, and bad input with a specific message, changing nothing', async () => {
      const child = await person('Ben', '2016-01-01', 'Badinput')
      const episode = await buildEpisode({ children: [child] })
      const assessment = await start(assessorBrowser, episode.id)
      const url = `/episodes/${episode.id}/assessment/elements/general-health/${child}`
      const noCsrf = await assessorBrowser.post(url, { version: '0', strengths: 'no token' }, { csrf: false })
      assert.equal(noCsrf.statusCode, 403)
      const forged = await assessorBrowser.post(url, { _csrf: 'forged', version: '0', strengths: 'forged' })
      assert.equal(forged.statusCode, 403)

      const tooLong = await assessorBrowser.post(url, { version: '0', strengths: 'x'.repeat(5001) })
      assert.equal(tooLong.statusCode, 400)
      assert.deepEqual(errorSummary(tooLong.body), ['Strengths must be 5000 characters or fewer'])
      assert.equal(load(tooLong.body)('textarea[name="strengths"]').text().length, 5001, 'what was typed is kept')
      const seven = await assessorBrowser.post(url, { version: '0', practitionerScore: '7' })
      assert.equal(seven.statusCode, 400)
      assert.deepEqual(errorSummary(seven.body), [PRACTITIONER_SCORE_MESSAGE])
      const adult = await assessorBrowser.post(url, { version: '0', familyScoreAdult: '11', familyScoreChild: 'blue' })
      assert.deepEqual(errorSummary(adult.body), ['The parent’s or carer’s score must be a whole number from 0 to 10', 'The child’s score must be red, amber or green'])
      const both = await assessorBrowser.post(url, { version: '0', notAssessed: 'yes', strengths: 'but also this' })
      assert.equal(both.statusCode, 400)
      assert.match(errorSummary(both.body)[0] ?? '', /You marked this element as not assessed/)
      const unknown = await assessorBrowser.post(url, { version: '0', sneaky: 'x' })
      assert.equal(unknown.statusCode, 400)
      const badSubject = await assessorBrowser.post(`/episodes/${episode.id}/assessment/elements/general-health/family`, { version: '0', strengths: 'x' })
      assert.equal(badSubject.statusCode, 400)
      assert.match(badSubject.body, /is assessed for each child: its subject must be a child of this episode/)
      const strangerSubject = await assessorBrowser.get(`/episodes/${episode.id}/assessment/elements/general-health/${uuidv7()}`)
      assert.equal(strangerSubject.statusCode, 400)
      assert.equal((await assessorBrowser.get(`/episodes/${episode.id}/assessment/elements/no-such-element/family`)).statusCode, 404)
      const badDate = await assessorBrowser.post(`/episodes/${episode.id}/assessment/details`, { version: String(assessment.version), 'discussionDate-day': '31', 'discussionDate-month': '2', 'discussionDate-year': '2026' })
      assert.equal(badDate.statusCode, 400)
      assert.deepEqual(errorSummary(badDate.body), ['Date of the discussion must be a real date'])

      const api = (subject: string, payload: unknown) =>
        t.app.inject({ method: 'POST', url: `/api/v1/episodes/${episode.id}/assessment/elements/general-health/${subject}`, headers: apiHeaders(assessorBrowser), payload: JSON.stringify(payload) })
      const apiSeven = await api(child, { version: 0, practitionerScore: 7 })
      assert.equal(apiSeven.statusCode, 400)
      assert.deepEqual(apiSeven.json().errors, [{ field: 'practitionerScore', message: PRACTITIONER_SCORE_MESSAGE }])
      const apiLong = await api(child, { version: 0, needs: 'y'.repeat(5001) })
      assert.equal(apiLong.statusCode, 400)
      assert.match(JSON.stringify(apiLong.json().errors), /Needs must be 5000 characters or fewer/)
      const apiSubject = await api('family', { version: 0, strengths: 'x' })
      assert.equal(apiSubject.statusCode, 400)
      assert.match(apiSubject.json().detail, /its subject must be a child of this episode/)
      const apiNoVersion = await api(child, { strengths: 'x' })
      assert.equal(apiNoVersion.statusCode, 400)

      assert.deepEqual(await elementRows(assessment.id), [], 'nothing changed')
      const afterwards = await t.database.db.selectFrom('assessments').select(['version', 'discussionDate']).where('id', '=', assessment.id).executeTakeFirstOrThrow()
      assert.deepEqual(afterwards, { version: assessment.version, discussionDate: null })
    })

    // Last: it moves the shared clock past every session's idle timeout.
    it('keeps an element form posted after the session expired, offered back after signing in again', async () => {
      const child = await person('Tia', '2015-05-05', 'Timeout')
      const episode = await buildEpisode({ children: [child] })
      await start(assessorBrowser, episode.id)
      const url = `/episodes/${episode.id}/assessment/elements/general-health/${child}`
      await assessorBrowser.get(url)
      t.clock.advanceMinutes(45)
      const posted = await assessorBrowser.post(url, { version: '0', strengths: 'Typed before the session ended', practitionerScore: '2' })
      assert.equal(posted.statusCode, 303)
      assert.equal(posted.headers.location, '/sign-in?timedOut=1&held=1')
      await signIn(t, assessor, assessorBrowser)
      const page = await assessorBrowser.get('/continue')
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /Typed before the session ended/)
    })
  })
}

function apiHeaders(browser: Browser) {
  return { cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; '), 'x-csrf-token': browser.csrfToken, 'content-type': 'application/json' }
}
