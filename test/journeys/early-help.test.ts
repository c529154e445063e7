import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import type { LightMyRequestResponse } from 'fastify'
import { sql } from 'kysely'
import { paths } from '../../src/paths.ts'
import { databaseKinds } from '../helpers/database.ts'
import { Browser, buildTestApp, errorSummary, heading, type TestApp } from '../helpers/build-test-app.ts'
import { arrive, choice, formFields, idFrom, linkTo, radiosNamed, submit, textOf } from '../helpers/journey.ts'
import { buildAgency, buildAuthority, buildUser, signIn, type TestUser } from '../helpers/builders.ts'

// The practitioner journey of issue 3, end to end, as a browser walks it (test/helpers/journey.ts).


for (const kind of databaseKinds()) {
  describe(`early help journey, end to end (${kind})`, () => {
    let t: TestApp
    let authorityId: string
    let school: { id: string; name: string }
    let health: { id: string; name: string }
    let teacher: TestUser
    let visitor: TestUser
    let manager: TestUser
    let administrator: TestUser
    let outsider: TestUser
    let teacherBrowser: Browser

    const date = (offsetDays = 0) => {
      const at = new Date(t.clock.now().getTime() + offsetDays * 86_400_000)
      return { day: String(at.getUTCDate()), month: String(at.getUTCMonth() + 1), year: String(at.getUTCFullYear()) }
    }
    const dateFields = (prefix: string, offsetDays = 0) => {
      const { day, month, year } = date(offsetDays)
      return { [`${prefix}-day`]: day, [`${prefix}-month`]: month, [`${prefix}-year`]: year }
    }
    const countPersons = async () =>
      (await sql<{ n: number }>`select count(*)::int as n from persons where authority_id = ${authorityId}`.execute(t.database.db)).rows[0]?.n ?? -1
    const audits = async (userId: string, outcome: 'allowed' | 'denied') =>
      (await sql<{ action: string }>`select action from audit_events where actor_user_id = ${userId} and outcome = ${outcome}`.execute(t.database.db)).rows.map(row => row.action)

    // What the journey learns as it goes.
    const family = { amira: '', tobi: '', grace: '', householdId: '' }
    let episodeId = ''
    let assessmentPage: LightMyRequestResponse

    before(async () => {
      t = await buildTestApp(kind)
      authorityId = (await buildAuthority(t, { name: 'Northshire Council' })).id
      school = await buildAgency(t, authorityId, { name: 'Hillside Primary School', kind: 'school' })
      health = await buildAgency(t, authorityId, { name: 'Meadow Health Visiting Team', kind: 'health' })
      teacher = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [school.id], name: 'Sam Teacher', email: 'sam.teacher@example.org' })
      visitor = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [health.id], name: 'Hana Visitor', email: 'hana.visitor@example.org' })
      manager = await buildUser(t, authorityId, { roles: ['manager'], agencyIds: [school.id], name: 'Mina Manager', email: 'mina.manager@example.org' })
      administrator = await buildUser(t, authorityId, { roles: ['administrator'], agencyIds: [school.id], name: 'Ada Admin' })
      outsider = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [school.id], name: 'Otto Outsider' })
      teacherBrowser = await signIn(t, teacher)
    })
    after(() => t.close())

    it('1. registers a family once; a colleague from another agency finds the child despite a typo', async () => {
      const b = teacherBrowser
      // Search first: nobody is known.
      const find = await b.get(paths.people.find())
      assert.equal(heading(find.body), 'Find or register a person')
      const searched = await submit(b, find, /^\s*Search\s*$/, { givenNames: 'Amira', familyName: 'Okonkwo', ...dateFields('dateOfBirth', -8 * 365), postcode: 'LS6 2AB' })
      assert.equal(searched.statusCode, 200)
      assert.match(textOf(searched.body, '#results'), /No one like this is registered/)

      // Register her, with a valid NHS number (modulus 11).
      const form = await b.get(linkTo(searched.body, /Register this person/))
      assert.equal(heading(form.body), 'Register a person')
      assert.equal(load(form.body)('#givenNames').attr('value'), 'Amira', 'the search carries into the form')
      const registered = await submit(b, form, /Register person/, { sex: 'female', nhsNumber: '943 476 5919', schoolOrSetting: 'Hillside Primary School', firstLanguage: 'English' })
      const amiraPage = await arrive(b, registered, 'registering Amira')
      family.amira = idFrom(registered.headers.location)
      assert.equal(heading(amiraPage.body), 'Amira Okonkwo')
      assert.match(textOf(amiraPage.body), /943 476 5919/)

      // A household around her.
      const householdForm = await b.get(linkTo(amiraPage.body, /Add a household for Amira Okonkwo/))
      const household = await arrive(b, await submit(b, householdForm, /Add household/, { name: 'Okonkwo family', postcode: 'LS6 2AB' }), 'adding the household')
      assert.equal(heading(household.body), 'Okonkwo family')
      family.householdId = idFrom(load(household.body)('a[href^="/episodes/new?householdId="]').attr('href')?.split('=')[1])

      // The mother and a sibling, each searched for first from the household page, then registered into it.
      const addPerson = async (givenNames: string, sex: string, daysOld: number) => {
        const page = await b.get(linkTo((await b.get(paths.households.show(family.householdId))).body, /Add a person to this household/))
        const results = await submit(b, page, /^\s*Search\s*$/, { givenNames, familyName: 'Okonkwo', ...dateFields('dateOfBirth', -daysOld) })
        assert.match(textOf(results.body, '#results'), /No one like this is registered/, `${givenNames} is not known yet`)
        const registerForm = await b.get(linkTo(results.body, /Register this person/))
        const saved = await submit(b, registerForm, /Register person/, { sex, postcode: 'LS6 2AB' })
        assert.equal(saved.headers.location, paths.households.show(family.householdId), `${givenNames} joins the household`)
        return (await t.database.db.selectFrom('persons').select('id').where('authorityId', '=', authorityId).where('givenNames', '=', givenNames).executeTakeFirstOrThrow()).id
      }
      family.grace = await addPerson('Grace', 'female', 35 * 365)
      family.tobi = await addPerson('Tobi', 'male', 3 * 365)

      // Relationships: the mother has parental responsibility for both children; they are siblings.
      const relate = async (who: RegExp, kindOf: RegExp, of: RegExp, responsibility: 'yes' | 'no') => {
        const page = await b.get(linkTo((await b.get(paths.households.show(family.householdId))).body, /Add a relationship/))
        const response = await submit(b, page, /Add relationship/, {
          relatedPersonId: choice(page.body, 'relatedPersonId', who),
          kind: choice(page.body, 'kind', kindOf),
          personId: choice(page.body, 'personId', of),
          parentalResponsibility: responsibility,
        })
        return arrive(b, response, `relationship ${who} ${kindOf} ${of}`)
      }
      await relate(/Grace/, /^\s*Mother\s*$/, /Amira/, 'yes')
      await relate(/Grace/, /^\s*Mother\s*$/, /Tobi/, 'yes')
      const overview = await relate(/Tobi/, /^\s*Sibling\s*$/, /Amira/, 'no')
      const table = textOf(overview.body, 'table')
      assert.match(table, /Grace Okonkwo Mother Amira Okonkwo Yes/)
      assert.match(table, /Grace Okonkwo Mother Tobi Okonkwo Yes/)
      assert.equal(load(overview.body)('svg[role="img"]').length, 1, 'the family diagram is drawn')
      assert.equal(await countPersons(), 3)

      // Later, the health visitor searches with a misspelt name and her date of birth: the record is found and offered.
      const visitorBrowser = await signIn(t, visitor)
      const visitorFind = await visitorBrowser.get(paths.people.find())
      const found = await submit(visitorBrowser, visitorFind, /^\s*Search\s*$/, { givenNames: 'Amirah', familyName: 'Okonkow', ...dateFields('dateOfBirth', -8 * 365) })
      assert.equal(found.statusCode, 200)
      assert.match(textOf(found.body, '#results'), /1 person may already be registered/)
      assert.match(textOf(found.body, 'table'), /Amira Okonkwo/)
      assert.doesNotMatch(found.body, /943 476 5919|LS6 2AB/, 'only what is needed to recognise her')
      assert.equal(linkTo(found.body, /Use this person/), paths.episodes.start({ personId: family.amira }), 'use this person points at the existing record')
      // She may start early help with the record she found, though she has no episode about Amira yet.
      const reuse = await visitorBrowser.get(paths.episodes.start({ personId: family.amira }))
      assert.equal(reuse.statusCode, 200, 'a practitioner from another agency can reuse the record found by the search')
      assert.match(reuse.body, /Amira Okonkwo/)
      assert.equal(await countPersons(), 3, 'told once: no duplicate was created')
    })

    it('2. starts a family episode, checklist, consent, and a full assessment with a colleague from another agency', async () => {
      const b = teacherBrowser
      // Start early help for the family: both children are ticked, the mother is an adult.
      const household = await b.get(paths.households.show(family.householdId))
      const start = await b.get(linkTo(household.body, /Start early help for this family/))
      assert.match(heading(start.body), /Start an episode for the Okonkwo family/)
      const startFields = formFields(start.body, /Start the episode/).fields
      assert.deepEqual([startFields.childIds].flat().sort(), [family.amira, family.tobi].sort(), 'both children are chosen')
      assert.deepEqual([startFields.adultIds].flat(), [family.grace], 'the mother is included as an adult')
      const started = await submit(b, start, /Start the episode/)
      let episode = await arrive(b, started, 'starting the episode')
      episodeId = idFrom(started.headers.location)
      assert.match(textOf(episode.body), /The episode has been started\. You are its owner\./)
      assert.match(heading(episode.body), /Early help for Amira Okonkwo, Tobi Okonkwo|Early help for Tobi Okonkwo, Amira Okonkwo/)

      // The pre-assessment checklist: concerns in each domain, no risk of significant harm; common assessment.
      const checklist = await b.get(linkTo(episode.body, /^\s*Pre-assessment checklist\s*$/))
      assert.equal(heading(checklist.body), 'Pre-assessment checklist')
      const answers: Record<string, string> = {}
      for (const name of radiosNamed(checklist.body, /./)) if (/^q\d+$/.test(name)) answers[name] = 'yes'
      for (const name of radiosNamed(checklist.body, /significant harm/i)) answers[name] = 'no'
      assert.ok(Object.keys(answers).length >= 4, 'the standard checklist asks several questions')
      episode = await arrive(b, await submit(b, checklist, /Save the checklist/, { ...answers, outcome: 'common_assessment', notes: 'Amira is missing school; Tobi’s speech is late.' }), 'saving the checklist')
      assert.match(textOf(episode.body), /The checklist has been saved/)
      assert.match(textOf(episode.body), /The assessment can start once/, 'no assessment before consent')

      // Consent from the mother (parental responsibility): the assessment, and sharing with the health visiting team.
      const consent = await b.get(linkTo(episode.body, /^\s*Consent\s*$/))
      assert.match(textOf(consent.body), /Grace Okonkwo/, 'the mother is offered as a parent with parental responsibility')
      episode = await arrive(
        b,
        await submit(b, consent, /Record consent/, {
          giverKind: 'parent_carer',
          parentPersonId: choice(consent.body, 'parentPersonId', /Grace Okonkwo/),
          decision: 'given',
          toAssess: 'yes',
          shareAgencyIds: choice(consent.body, 'shareAgencyIds', /Meadow Health Visiting Team/),
          method: 'in_person',
          ...dateFields('givenOn'),
        }),
        'recording consent',
      )
      assert.match(textOf(episode.body), /Consent has been recorded/)
      assert.match(textOf(episode.body, '.govuk-summary-card'), /Grace Okonkwo/)
      assert.match(textOf(episode.body, '.govuk-summary-card'), /Meadow Health Visiting Team/)

      // Start the assessment.
      const startAssessment = await b.get(linkTo(episode.body, /^\s*Assessment \(/))
      assert.equal(heading(startAssessment.body), 'Start the assessment')
      assessmentPage = await arrive(b, await submit(b, startAssessment, /Start the assessment/), 'starting the assessment')
      const assessment = await t.database.db.selectFrom('assessments').selectAll().where('episodeId', '=', episodeId).executeTakeFirstOrThrow()
      assert.equal(assessment.assessorUserId, teacher.id)
      assert.equal(assessment.status, 'in_progress')

      // Step 1 and 2: explain, basic details.
      const explain = await b.get(linkTo(assessmentPage.body, /Explain/i))
      const explainedValue = String(load(explain.body)('input[name="explained"]').attr('value'))
      assessmentPage = await arrive(b, await submit(b, explain, /^\s*Save\s*$/, { explained: explainedValue, explanationNotes: 'Grace asked who would see it.' }), 'explain')
      const details = await b.get(linkTo(assessmentPage.body, /Basic details/i))
      assert.match(textOf(details.body), /Amira Okonkwo/)
      assessmentPage = await arrive(
        b,
        await submit(b, details, /^\s*Save\s*$/, { ...dateFields('discussionDate'), reason: 'Amira has missed school and Tobi’s speech is late.', present: 'Grace Okonkwo (mother), Sam Teacher' }),
        'basic details',
      )

      // The child development domain, once for each child, with scores.
      const recordElement = async (domainLink: RegExp, elementLink: RegExp, fields: Record<string, string>) => {
        const domain = await b.get(linkTo(assessmentPage.body, domainLink))
        assert.equal(domain.statusCode, 200)
        const element = await b.get(linkTo(domain.body, elementLink))
        assert.equal(element.statusCode, 200)
        assert.ok(load(element.body)('#prompts li').length > 0, 'the guidance prompts are shown')
        const saved = await arrive(b, await submit(b, element, /^\s*Save\s*$/, fields), `element ${elementLink}`)
        assert.match(textOf(saved.body), /The element has been saved/)
        assessmentPage = await b.get(linkTo(saved.body, /Back to the assessment/))
        return assessmentPage
      }
      await recordElement(/Development of the child or young person.*Amira/, /Participation in learning/, {
        strengths: 'Loves reading.', needs: 'Missed 20 days this term.', childWords: 'I get tummy aches on Mondays.', parentWords: 'She worries about Tobi.',
        practitionerScore: '3', familyScoreAdult: '4', familyScoreChild: 'red',
      })
      await recordElement(/Development of the child or young person.*Tobi/, /Speech, language and communication/, {
        strengths: 'Understands a lot.', needs: 'Few words for his age.', parentWords: 'He points instead of talking.', practitionerScore: '2', familyScoreAdult: '5',
      })
      await recordElement(/Family and environmental/, /Housing, employment and financial/, {
        strengths: 'Stable tenancy.', needs: 'Rent arrears since Grace lost hours.', parentWords: 'Money is the worry.', practitionerScore: '2', familyScoreAdult: '3',
      })
      const rows = await t.database.db.selectFrom('assessmentElements').selectAll().where('assessmentId', '=', assessment.id).execute()
      const bySubject = new Map(rows.map(row => [`${row.elementKey}/${row.subject}`, row]))
      assert.equal(bySubject.get(`participation-in-learning-education-and-employment/${family.amira}`)?.practitionerScore, 3)
      assert.equal(bySubject.get(`participation-in-learning-education-and-employment/${family.amira}`)?.familyScoreChild, 'red')
      assert.equal(bySubject.get(`speech-language-and-communication/${family.tobi}`)?.practitionerScore, 2)
      assert.equal(bySubject.get('housing-employment-and-financial-considerations/family')?.familyScoreAdult, 3)

      // Ask the health visitor to add General health.
      const before = await t.database.db.selectFrom('outbox').select('id').where('recipient', '=', visitor.email).execute()
      const invite = await b.get(linkTo(assessmentPage.body, /Ask a colleague to add to this assessment/))
      assert.match(textOf(invite.body), /Hana Visitor/)
      assessmentPage = await arrive(
        b,
        await submit(b, invite, /Ask them/, { userId: choice(invite.body, 'userId', /Hana Visitor/), elementKeys: choice(invite.body, 'elementKeys', /^\s*General health\s*$/), message: 'Could you add Tobi’s health?' }),
        'inviting the health visitor',
      )
      assert.match(textOf(assessmentPage.body, 'table'), /Hana Visitor/)
      const emails = await t.database.db.selectFrom('outbox').selectAll().where('recipient', '=', visitor.email).execute()
      assert.equal(emails.length, before.length + 1, 'one email to the health visitor')
      const email = emails.find(row => !before.some(old => old.id === row.id))
      assert.ok(email)
      const links = email.bodyText.match(/https?:\/\/\S+/g) ?? []
      assert.equal(links.length, 1, 'the email has one link')
      const link = new URL(links[0] ?? '')
      assert.equal(link.pathname, paths.assessments.overview(episodeId))
      for (const name of ['Amira', 'Tobi', 'Grace', 'Okonkwo', 'Tobi’s health']) assert.ok(!`${email.subject}\n${email.bodyText}`.includes(name), `the email does not mention ${name}`)

      // The health visitor follows the link, signs in, and records her part.
      const visitorBrowser = new Browser(t.app)
      const signInFirst = await visitorBrowser.get(link.pathname)
      assert.equal(signInFirst.statusCode, 303)
      assert.match(String(signInFirst.headers.location), /^\/sign-in/)
      await signIn(t, visitor, visitorBrowser)
      let part = await visitorBrowser.get(link.pathname)
      assert.equal(part.statusCode, 200)
      assert.match(textOf(part.body, '#your-part'), /General health/)
      assert.match(textOf(part.body, '#your-part'), /Could you add Tobi’s health\?/)
      const tobiDomain = await visitorBrowser.get(linkTo(part.body, /Development of the child or young person.*Tobi/))
      const healthElement = await visitorBrowser.get(linkTo(tobiDomain.body, /General health/))
      const savedHealth = await arrive(
        visitorBrowser,
        await submit(visitorBrowser, healthElement, /^\s*Save\s*$/, { strengths: 'Immunisations up to date.', needs: 'Hearing test due.', practitionerScore: '1', familyScoreAdult: '7' }),
        'the health visitor’s element',
      )
      part = await visitorBrowser.get(linkTo(savedHealth.body, /Back to the assessment/))
      const healthRow = await t.database.db.selectFrom('assessmentElements').selectAll().where('assessmentId', '=', assessment.id).where('elementKey', '=', 'general-health').where('subject', '=', family.tobi).executeTakeFirstOrThrow()
      assert.equal(healthRow.updatedByUserId, visitor.id)
      assert.equal(healthRow.practitionerScore, 1)

      // An element she was not asked for is read-only on the page, and refused if posted.
      const familyDomain = await visitorBrowser.get(linkTo(part.body, /Family and environmental/))
      const housing = await visitorBrowser.get(linkTo(familyDomain.body, /Housing, employment and financial/))
      assert.equal(housing.statusCode, 200)
      assert.equal(load(housing.body)('form[method="post"] button').filter((_i, el) => /Save/.test(load(el).text())).length, 0, 'no form offered')
      const refused = await visitorBrowser.post(paths.assessments.element(episodeId, 'housing-employment-and-financial-considerations', 'family'), {
        version: '1', strengths: 'Changed by the wrong person', needs: '', childWords: '', parentWords: '', familyScoreAdult: '',
      })
      assert.equal(refused.statusCode, 403)
      const housingRow = await t.database.db.selectFrom('assessmentElements').select('strengths').where('assessmentId', '=', assessment.id).where('elementKey', '=', 'housing-employment-and-financial-considerations').executeTakeFirstOrThrow()
      assert.equal(housingRow.strengths, 'Stable tenancy.', 'nothing changed')

      // She marks her part as done; the assessor sees it.
      part = await arrive(visitorBrowser, await submit(visitorBrowser, part, /Mark my part as done/), 'marking the part done')
      assert.match(textOf(part.body, '#your-part'), /You have marked your part as done/)
      const contributor = await t.database.db.selectFrom('assessmentContributors').selectAll().where('assessmentId', '=', assessment.id).executeTakeFirstOrThrow()
      assert.notEqual(contributor.completedAt, null)
    })

    it('3. conclusions, solutions, agreement; sign-off with manager approval; the episode moves to support', async () => {
      const b = teacherBrowser
      assessmentPage = await b.get(paths.assessments.overview(episodeId))
      const conclusions = await b.get(linkTo(assessmentPage.body, /Conclusions/i))
      assessmentPage = await arrive(
        b,
        await submit(b, conclusions, /^\s*Save\s*$/, {
          conclusions: 'Amira’s absence is linked to worry at home about money and Tobi. Tobi needs speech and language support.',
          familyAgreement: 'partly_agrees',
          differencesOfOpinion: 'Grace does not think Amira’s absence is about worry: she says Amira is often ill.',
        }),
        'conclusions',
      )
      const solutions = await b.get(linkTo(assessmentPage.body, /Solutions/i))
      assessmentPage = await arrive(b, await submit(b, solutions, /^\s*Save\s*$/, { solutions: 'Speech and language therapy referral; debt advice; school attendance plan.', familyCanDo: 'Grace will walk Amira to school on Mondays.' }), 'solutions')
      const agreement = await b.get(linkTo(assessmentPage.body, /Agreement|who does what/i))
      assessmentPage = await arrive(b, await submit(b, agreement, /^\s*Save\s*$/, { agreedActions: 'Sam: attendance plan by Friday. Hana: refer to SALT. Grace: debt advice appointment.', ...dateFields('reviewDate', 42) }), 'agreement')
      assert.equal(load(assessmentPage.body)('#missing').length, 0, 'nothing is missing for sign-off')

      // The administrator switches manager approval on.
      const adminBrowser = await signIn(t, administrator)
      const settings = await adminBrowser.get(paths.admin.settings())
      await arrive(adminBrowser, await submit(adminBrowser, settings, /Save settings/, { assessmentApprovalRequired: 'yes' }), 'admin settings')
      const authority = await t.database.db.selectFrom('authorities').select('assessmentApprovalRequired').where('id', '=', authorityId).executeTakeFirstOrThrow()
      assert.equal(authority.assessmentApprovalRequired, true)

      // The assessor signs off: multi-agency support.
      const outcome = await b.get(linkTo(assessmentPage.body, /Outcome and sign-off/))
      assert.match(textOf(outcome.body), /Mina Manager will be sent a link/)
      const signed = await submit(b, outcome, /Sign off the assessment/, { outcome: choice(outcome.body, 'outcome', /multi-agency/i), ...dateFields('completionDate'), confirm: 'yes' })
      assert.equal(signed.statusCode, 303, errorSummary(signed.body).join(' | '))
      let assessment = await t.database.db.selectFrom('assessments').selectAll().where('episodeId', '=', episodeId).executeTakeFirstOrThrow()
      assert.equal(assessment.status, 'awaiting_approval')
      assert.equal(assessment.outcome, 'multi_agency')
      const managerEmail = await t.database.db.selectFrom('outbox').selectAll().where('recipient', '=', manager.email).executeTakeFirstOrThrow()
      for (const name of ['Amira', 'Tobi', 'Grace', 'Okonkwo']) assert.ok(!managerEmail.bodyText.includes(name), `the manager's email does not mention ${name}`)

      // The manager (same agency as the assessor) approves from the home page's queue.
      const managerBrowser = await signIn(t, manager)
      const home = await managerBrowser.get(paths.home())
      const queue = await managerBrowser.get(linkTo(home.body, /Assessments waiting for your approval/))
      assert.equal(queue.statusCode, 200)
      const approval = await managerBrowser.get(linkTo(queue.body, /Amira Okonkwo|EH-\d{4}-\d+|Approve|Open/))
      assert.equal(heading(approval.body), 'Approve the assessment')
      assert.match(textOf(approval.body), /Grace does not think/, 'the differences of opinion are shown to the manager')
      const approved = await submit(managerBrowser, approval, /Save your decision/, { decision: choice(approval.body, 'decision', /Approve/i) })
      assert.equal(approved.statusCode, 303, errorSummary(approved.body).join(' | '))
      assessment = await t.database.db.selectFrom('assessments').selectAll().where('episodeId', '=', episodeId).executeTakeFirstOrThrow()
      assert.equal(assessment.status, 'completed')
      assert.equal(assessment.approvedByUserId, manager.id)

      const episode = await b.get(paths.episodes.show(episodeId))
      assert.match(textOf(episode.body, '.govuk-tag'), /Support/i)
      assert.match(textOf(episode.body, '.govuk-task-list'), /Assessment \(.*\).*Completed/, 'the episode’s task list shows the assessment completed')
      const row = await t.database.db.selectFrom('episodes').select(['status', 'outcome']).where('id', '=', episodeId).executeTakeFirstOrThrow()
      assert.deepEqual(row, { status: 'support', outcome: 'multi_agency' })
    })

    it('4. the family’s copy: print view, a real PDF, recorded as given', async () => {
      const b = teacherBrowser
      const outcome = await b.get(paths.assessmentCompletion.outcome(episodeId))
      const print = await b.get(linkTo(outcome.body, /Open the print view/))
      assert.equal(print.statusCode, 200)
      const cover = textOf(print.body, '.onestory-family-copy__cover')
      assert.ok(cover.length > 100, 'the cover explains the document')
      assert.match(cover, /Meadow Health Visiting Team/, 'who has a copy and why')
      const body = textOf(print.body, '.onestory-family-copy')
      assert.match(body, /Amira Okonkwo/)
      assert.match(body, /Tobi Okonkwo/)
      assert.match(body, /Grace does not think/)
      assert.equal(load(print.body)('.onestory-family-copy__draft').length, 0, 'not a draft: it is complete')

      const pdf = await b.get(linkTo(outcome.body, /Download the PDF/))
      assert.equal(pdf.statusCode, 200)
      assert.match(String(pdf.headers['content-type']), /^application\/pdf/)
      assert.equal(pdf.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-')
      assert.ok(pdf.rawPayload.length > 2000)

      const given = await b.get(linkTo(outcome.body, /Record that you gave the family their copy/))
      const recorded = await submit(b, given, /Record the copy as given/, { givenTo: choice(given.body, 'givenTo', /Grace Okonkwo/), format: choice(given.body, 'format', /print/i), ...dateFields('givenOn') })
      const after = await arrive(b, recorded, 'recording the copy as given')
      assert.match(textOf(after.body, 'table'), /Grace Okonkwo/)
      const copies = await t.database.db.selectFrom('assessmentFamilyCopies').selectAll().execute()
      assert.equal(copies.length, 1)
    })

    it('5. the same through the API with a personal API token', async () => {
      const b = teacherBrowser
      const tokens = await b.get(paths.account.apiTokens())
      const created = await submit(b, tokens, /Create|token/i, { name: 'Journey script' })
      assert.equal(created.statusCode, 201)
      const token = load(created.body)('#api-token').text().trim()
      assert.match(token, /^os_/)
      const api = (url: string) => t.app.inject({ method: 'GET', url: `${paths.api.root()}${url}`, headers: { authorization: `Bearer ${token}` } })

      const episode = await api(`/episodes/${episodeId}`)
      assert.equal(episode.statusCode, 200, episode.body)
      const episodeJson = episode.json() as { status: string; reference: string }
      assert.equal(episodeJson.status, 'support')
      assert.match(JSON.stringify(episodeJson), /Amira/)

      const assessment = await api(`/episodes/${episodeId}/assessment`)
      assert.equal(assessment.statusCode, 200, assessment.body)
      const json = assessment.json() as { status: string; elements: { elementKey: string; subject: string; practitionerScore: number | null }[] }
      assert.equal(json.status, 'completed')
      const keys = json.elements.map(element => `${element.elementKey}/${element.subject === 'family' ? 'family' : element.subject === family.amira ? 'amira' : 'tobi'}`).sort()
      assert.deepEqual(keys, [
        'general-health/tobi',
        'housing-employment-and-financial-considerations/family',
        'participation-in-learning-education-and-employment/amira',
        'speech-language-and-communication/tobi',
      ])
      const audited = await sql<{ n: number }>`select count(*)::int as n from audit_events where actor_user_id = ${teacher.id} and action = 'assessment.view' and outcome = 'allowed' and record_id is not null`.execute(t.database.db)
      assert.ok((audited.rows[0]?.n ?? 0) > 0)
    })

    it('6. a practitioner not on the episode sees nothing of it; the audit log has the journey and the refusals', async () => {
      const outsiderBrowser = await signIn(t, outsider)
      const refusals = {
        'the episode': paths.episodes.show(episodeId),
        'the assessment': paths.assessments.overview(episodeId),
        'the family’s copy': paths.assessmentCompletion.familyCopyPdf(episodeId),
        'the child’s record': paths.people.show(family.amira),
        'the family’s household': paths.households.show(family.householdId),
      }
      for (const [what, url] of Object.entries(refusals)) {
        const refused = await outsiderBrowser.get(url)
        assert.equal(refused.statusCode, 403, what)
        assert.match(String(refused.headers['content-type']), /^text\/html/, `${what}: a page, not JSON`)
        assert.equal(heading(refused.body), 'You do not have access to this', what)
        assert.doesNotMatch(refused.body, /Okonkwo/, `${what}: nothing of the family is shown`)
      }
      const list = await outsiderBrowser.get(paths.episodes.list())
      assert.doesNotMatch(list.body, /Okonkwo/)

      const outsiderDenied = await audits(outsider.id, 'denied')
      for (const action of ['episode.view', 'assessment.view', 'person.view']) assert.ok(outsiderDenied.includes(action), `denied ${action} is audited (${outsiderDenied.join(', ')})`)
      assert.ok((await audits(visitor.id, 'denied')).includes('assessment.edit'), 'the health visitor’s refused element is audited')

      const teacherAllowed = new Set(await audits(teacher.id, 'allowed'))
      for (const action of ['person.search', 'person.register', 'episode.start', 'assessment.edit', 'assessment.sign-off']) {
        assert.ok(teacherAllowed.has(action), `allowed ${action} is audited (${[...teacherAllowed].join(', ')})`)
      }
      assert.ok((await audits(manager.id, 'allowed')).includes('assessment.approve'))
      assert.ok((await audits(visitor.id, 'allowed')).includes('assessment.edit'))
    })
  })
}
