import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { sql } from 'kysely'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, errorSummary, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildUser, signIn, type TestUser } from '../../../test/helpers/builders.ts'
import { pdfText } from '../../../test/helpers/pdf-text.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { OUTCOME_FRAMEWORKS, outcomesFor } from './outcome-frameworks.ts'
import { isOverdue, listActionsDue } from './plans.service.ts'
import { compareSnapshots, planFamilyDocument, readSnapshot, type PlanSnapshot } from './plans.view-models.ts'

// The family support plan, through the real pages and API on a real database: needs from the assessment, actions and
// their history, two people editing one action, agreeing numbered versions, signatures, the family's copy (print and
// PDF), listActionsDue, and the refusals (not on the team, another authority, no CSRF token, a closed episode).

function isoDay(date: Date, plusDays = 0): string {
  const copy = new Date(date)
  copy.setUTCDate(copy.getUTCDate() + plusDays)
  return copy.toISOString().slice(0, 10)
}

function dateFields(prefix: string, iso: string): Record<string, string> {
  const [year = '', month = '', day = ''] = iso.split('-')
  return { [`${prefix}-day`]: String(Number(day)), [`${prefix}-month`]: String(Number(month)), [`${prefix}-year`]: year }
}

describe('plans: pure rules', () => {
  it('ships Every Child Matters’ five outcomes and Wales’ seven core aims as data', () => {
    assert.equal(OUTCOME_FRAMEWORKS.every_child_matters.outcomes.length, 5)
    assert.equal(OUTCOME_FRAMEWORKS.wales_core_aims.outcomes.length, 7)
    assert.ok(OUTCOME_FRAMEWORKS.every_child_matters.outcomes.some(outcome => outcome.key === 'staying_safe'))
    const keys = [...OUTCOME_FRAMEWORKS.every_child_matters.outcomes, ...OUTCOME_FRAMEWORKS.wales_core_aims.outcomes].map(outcome => outcome.key)
    assert.equal(new Set(keys).size, keys.length, 'outcome keys are unique across frameworks')
    // A need mapped under one framework keeps its outcomes readable after the authority switches framework.
    assert.deepEqual(outcomesFor(OUTCOME_FRAMEWORKS.wales_core_aims, ['staying_safe']).map(outcome => outcome.title), ['Stay safe'])
  })

  it('an action is overdue only while it is still to do and its date has passed', () => {
    assert.equal(isOverdue({ status: 'not_started', dueOn: '2027-01-01' }, '2027-01-02'), true)
    assert.equal(isOverdue({ status: 'in_progress', dueOn: '2027-01-02' }, '2027-01-02'), false)
    assert.equal(isOverdue({ status: 'done', dueOn: '2027-01-01' }, '2027-03-01'), false)
    assert.equal(isOverdue({ status: 'not_done', dueOn: '2027-01-01' }, '2027-03-01'), false)
  })

  const base: PlanSnapshot = {
    framework: { key: 'every_child_matters', name: 'Every Child Matters' },
    ifNotAchieved: 'We will ask the panel for help.',
    needs: [{ id: 'n1', description: 'Headaches before school', source: null, outcomeWanted: 'Kira goes to school', outcomes: [{ key: 'being_healthy', title: 'Be healthy', familyWords: 'Being healthy in body and mind' }] }],
    actions: [{ id: 'a1', needId: 'n1', what: 'See the CAMHS worker', ownerKind: 'practitioner', ownerName: 'Sam Lead', dueOn: '2027-01-10', status: 'not_started', notDoneReason: null }],
  }

  it('compares two versions: added, removed and changed needs and actions, and the "if not" text', () => {
    const next: PlanSnapshot = {
      ...base,
      ifNotAchieved: 'We will talk to children’s social care.',
      actions: [{ ...base.actions[0]!, dueOn: '2027-02-10' }, { id: 'a2', needId: null, what: 'Walk to school together', ownerKind: 'family_member', ownerName: 'Nadia', dueOn: '2027-01-05', status: 'in_progress', notDoneReason: null }],
    }
    const changes = compareSnapshots(base, next)
    assert.deepEqual(changes.map(change => `${change.kind} ${change.item}`).sort(), ['Added Action', 'Changed Action', 'Changed If the changes do not happen'])
    assert.deepEqual(compareSnapshots(base, base), [])
    assert.deepEqual(readSnapshot('{"needs":"nonsense"}').needs, [])
  })

  it('writes the family’s copy in plain words, expanding abbreviations and saying what is late', () => {
    const document = planFamilyDocument({ summary: { reference: 'EH-2026-000001', children: [{ personId: 'c', name: 'Kira Ashdown', dateOfBirth: null }] }, snapshot: base, plan: null, latest: null, signatures: [], today: '2027-02-01' })
    const text = [...document.cover, ...document.body].map(block => ('text' in block ? block.text : block.items.join(' '))).join('\n')
    assert.equal(document.draft, true)
    assert.match(text, /This plan is a draft/)
    assert.match(text, /child and adolescent mental health services \(CAMHS\)/)
    assert.match(text, /Not started yet, and late/)
    assert.match(text, /We will ask the panel for help/)
    assert.match(text, /Being healthy in body and mind/)
  })
})

type Scenario = { episodeId: string; childId: string; motherId: string; assessmentId: string; motherMemberId: string; advocateMemberId: string }

async function buildScenario(t: TestApp, authorityId: string, lead: TestUser, agencyId: string, memberIds: string[]): Promise<Scenario> {
  const db = t.database.db
  const now = t.clock.now()
  const person = async (givenNames: string, dateOfBirth: string) => {
    const id = uuidv7()
    await db.insertInto('persons').values({ authorityId, id, givenNames, familyName: 'Ashdown', dateOfBirth, searchName: `${givenNames} ashdown`.toLowerCase(), createdByUserId: lead.id }).execute()
    return id
  }
  const childId = await person('Kira', '2014-03-03')
  const motherId = await person('Nadia', '1985-07-07')
  const template = await db.selectFrom('assessmentTemplateVersions').select('id').where('authorityId', '=', authorityId).where('templateKey', '=', 'caf-standard').executeTakeFirstOrThrow()
  const episodeId = uuidv7()
  await db.insertInto('episodes').values({ authorityId, id: episodeId, reference: `EH-2026-${episodeId.slice(-6)}`, scope: 'child', householdId: null, localityId: null, agencyId, status: 'support', outcome: null, startedByUserId: lead.id, startedAt: now, closedAt: null, templateVersionId: template.id }).execute()
  await db.insertInto('episodePeople').values([{ authorityId, episodeId, personId: childId, role: 'child' }, { authorityId, episodeId, personId: motherId, role: 'adult' }]).execute()
  await db.insertInto('episodeMembers').values({ authorityId, episodeId, userId: lead.id, agencyId, role: 'owner', addedByUserId: lead.id, joinedAt: now, leftAt: null }).execute()
  for (const userId of memberIds) await db.insertInto('episodeMembers').values({ authorityId, episodeId, userId, agencyId, role: 'member', addedByUserId: lead.id, joinedAt: now, leftAt: null }).execute()
  const assessmentId = uuidv7()
  await db
    .insertInto('assessments')
    .values({
      authorityId, id: assessmentId, episodeId, templateVersionId: template.id, status: 'completed', assessorUserId: lead.id, assessorAgencyId: agencyId, explainedAt: null, explanationNotes: null,
      discussionDate: '2026-01-10', reason: 'School attendance', present: null, conclusions: 'Kira is anxious', familyAgreement: 'agrees', differencesOfOpinion: null, solutions: null, familyCanDo: null,
      agreedActions: null, reviewDate: null, outcome: 'multi_agency', completionDate: '2026-01-12', signedOffByUserId: lead.id, signedOffAt: now, approvedByUserId: null, approvedAt: null,
      returnedByUserId: null, returnedAt: null, returnComments: null, createdAt: now, updatedAt: now,
    })
    .execute()
  const element = { authorityId, assessmentId, strengths: null, childWords: null, parentWords: null, practitionerScore: 2, familyScoreAdult: null, familyScoreChild: null, updatedByUserId: lead.id, updatedAt: now }
  await db
    .insertInto('assessmentElements')
    .values([
      { ...element, elementKey: 'general-health', subject: childId, needs: 'Headaches on school mornings.' },
      { ...element, elementKey: 'physical-development', subject: childId, needs: null, notAssessed: true },
    ])
    .execute()
  const familyMember = (name: string, kind: 'family_member' | 'advocate', relationship: string) => ({ authorityId, id: uuidv7(), episodeId, personId: kind === 'family_member' ? motherId : null, name, kind, relationship, organisation: null, email: null, phone: null, addedByUserId: lead.id, joinedAt: now, leftAt: null, leftReason: null })
  const mother = familyMember('Nadia Ashdown', 'family_member', 'Mum')
  const advocate = familyMember('Priya Advocate', 'advocate', 'Advocate from the Parent Partnership')
  await db.insertInto('familyTeamMembers').values([mother, advocate]).execute()
  return { episodeId, childId, motherId, assessmentId, motherMemberId: mother.id, advocateMemberId: advocate.id }
}

for (const kind of databaseKinds()) {
  describe(`the family support plan (${kind})`, () => {
    let t: TestApp
    let authorityId: string
    let agencyId: string
    let otherAgencyId: string
    let s: Scenario
    const users: Record<'lead' | 'colleague' | 'outsider' | 'coordinator' | 'stranger', TestUser> = {} as never
    const browsers: Record<keyof typeof users, Browser> = {} as never

    before(async () => {
      t = await buildTestApp(kind)
      const authority = await buildAuthority(t, { name: 'Planshire' })
      authorityId = authority.id
      agencyId = (await buildAgency(t, authorityId, { name: 'Riverside Primary School' })).id
      otherAgencyId = (await buildAgency(t, authorityId, { name: 'Riverside CAMHS', kind: 'health' })).id
      users.lead = await buildUser(t, authorityId, { name: 'Sam Lead', agencyIds: [agencyId] })
      users.colleague = await buildUser(t, authorityId, { name: 'Cal Colleague', agencyIds: [agencyId] })
      users.outsider = await buildUser(t, authorityId, { name: 'Olu Outsider', agencyIds: [agencyId] })
      users.coordinator = await buildUser(t, authorityId, { name: 'Cora Ordinator', roles: ['coordinator'] })
      const other = await buildAuthority(t, { name: 'Elsewhere' })
      users.stranger = await buildUser(t, other.id, { name: 'Stan Ger', roles: ['coordinator'] })
      s = await buildScenario(t, authorityId, users.lead, agencyId, [users.colleague.id])
      for (const key of Object.keys(users) as (keyof typeof users)[]) browsers[key] = await signIn(t, users[key])
    })
    after(() => t.close())

    const plan = () => `/episodes/${s.episodeId}/plan`
    const db = () => t.database.db

    async function auditCount(action: string, outcome: 'allowed' | 'denied'): Promise<number> {
      const result = await sql<{ count: number }>`select count(*)::int as count from audit_events where action = ${action} and outcome = ${outcome}`.execute(db())
      return result.rows[0]?.count ?? 0
    }

    it('shows an empty plan with its sections navigation', async () => {
      const response = await browsers.lead.get(plan())
      assert.equal(response.statusCode, 200)
      const $ = load(response.body)
      assert.equal($('h1').text().trim(), 'Family support plan')
      assert.equal($('.moj-sub-navigation__link[aria-current="page"]').text().trim(), 'Plan')
      assert.match(response.body, /There are no needs or actions in the plan yet/)
      assert.match(response.body, /Every Child Matters/)
      // Reading the plan creates nothing.
      assert.equal((await db().selectFrom('supportPlans').selectAll().where('episodeId', '=', s.episodeId).execute()).length, 0)
    })

    let needId = ''
    it('adds a need picked from the assessment, linked to its element, with the framework outcomes', async () => {
      const form = await browsers.lead.get(`${plan()}/needs/new`)
      assert.equal(form.statusCode, 200)
      const $ = load(form.body)
      assert.equal($(`input[name="source"][value="general-health|${s.childId}"]`).length, 1, 'the element with needs is offered')
      assert.equal($(`input[name="source"][value^="physical-development"]`).length, 0, 'an element not assessed is not offered')
      assert.equal($('input[name="frameworkOutcomes"]').length, 5)

      const missing = await browsers.lead.post(`${plan()}/needs/new`, { source: 'fresh', outcomeWanted: '' })
      assert.equal(missing.statusCode, 400)
      assert.deepEqual(errorSummary(missing.body), ['Enter the outcome the family wants'])
      const noDescription = await browsers.lead.post(`${plan()}/needs/new`, { source: 'fresh', outcomeWanted: 'Something' })
      assert.equal(noDescription.statusCode, 400)
      assert.deepEqual(errorSummary(noDescription.body), ['Describe the need'])
      assert.equal(load(noDescription.body)('#outcomeWanted').text(), 'Something', 'what was typed is kept')
      const badOutcome = await browsers.lead.post(`${plan()}/needs/new`, { source: 'fresh', description: 'x', outcomeWanted: 'y', frameworkOutcomes: 'flying_start' })
      assert.equal(badOutcome.statusCode, 422)

      const added = await browsers.lead.post(`${plan()}/needs/new`, { source: `general-health|${s.childId}`, description: '', outcomeWanted: 'Kira goes to school every day and feels OK there', frameworkOutcomes: ['being_healthy', 'enjoying_and_achieving'] })
      assert.equal(added.statusCode, 303)
      const need = await db().selectFrom('planNeeds').selectAll().where('episodeId', '=', s.episodeId).executeTakeFirstOrThrow()
      needId = need.id
      assert.equal(need.description, 'Headaches on school mornings.', 'the assessment’s words are used when none are typed')
      assert.equal(need.assessmentId, s.assessmentId)
      assert.equal(need.elementKey, 'general-health')
      assert.equal(need.subject, s.childId)
      assert.deepEqual(need.frameworkOutcomes, ['being_healthy', 'enjoying_and_achieving'])
      const page = await browsers.lead.follow(added)
      assert.match(page.body, /The need has been added to the plan/)
      assert.match(page.body, /from the assessment \(General health: Kira Ashdown\)/)
      assert.match(page.body, /Enjoy and achieve/)

      const fresh = await browsers.lead.post(`${plan()}/needs/new`, { source: 'fresh', description: 'Money is tight since Dad left', outcomeWanted: 'Bills paid on time', frameworkOutcomes: 'achieving_economic_wellbeing' })
      assert.equal(fresh.statusCode, 303)
      const audited = await db().selectFrom('auditEvents').select('details').where('action', '=', 'plan.edit').where('outcome', '=', 'allowed').execute()
      assert.equal(audited.length, 2, 'one audit event per need added, none for the permission check before parsing')
    })

    it('changes a need with a version check, and takes one out of the plan', async () => {
      const url = `${plan()}/needs/${needId}`
      const form = load((await browsers.lead.get(url)).body)
      const version = form('form[action$="' + needId + '"] input[name="version"]').val() as string
      assert.equal(form('#description').text(), 'Headaches on school mornings.')
      const saved = await browsers.lead.post(url, { description: 'Headaches on school mornings, most weeks.', outcomeWanted: 'Kira goes to school every day and feels OK there', frameworkOutcomes: ['being_healthy', 'enjoying_and_achieving'], version })
      assert.equal(saved.statusCode, 303)
      const stale = await browsers.colleague.post(url, { description: 'Headaches', outcomeWanted: 'Kira goes to school', version })
      assert.equal(stale.statusCode, 409)
      const $ = load(stale.body)
      assert.match($('#conflict').text(), /most weeks/, 'what is saved now is shown')
      assert.equal($('#description').text(), 'Headaches', 'what they typed is kept')
      const need = await db().selectFrom('planNeeds').selectAll().where('id', '=', needId).executeTakeFirstOrThrow()
      assert.equal(need.description, 'Headaches on school mornings, most weeks.')

      const spare = await browsers.lead.post(`${plan()}/needs/new`, { source: 'fresh', description: 'A need added by mistake', outcomeWanted: 'None' })
      assert.equal(spare.statusCode, 303)
      const spareId = (await db().selectFrom('planNeeds').select('id').where('description', '=', 'A need added by mistake').executeTakeFirstOrThrow()).id
      const removed = await browsers.lead.post(`${plan()}/needs/${spareId}/remove`, { version: '1' })
      assert.equal(removed.statusCode, 303)
      assert.doesNotMatch((await browsers.lead.get(plan())).body, /added by mistake/)
      assert.equal((await browsers.lead.get(`${plan()}/needs/${spareId}`)).statusCode, 404)
    })

    let actionId = ''
    it('adds actions for a practitioner, a family member and an agency, and refuses owners not on the team', async () => {
      const form = await browsers.lead.get(`${plan()}/actions/new?needId=${needId}`)
      const $ = load(form.body)
      assert.equal($(`input[name="owner"][value="user:${users.colleague.id}"]`).length, 1)
      assert.equal($(`input[name="owner"][value="user:${users.outsider.id}"]`).length, 0, 'only the team')
      assert.equal($(`input[name="owner"][value="family:${s.motherMemberId}"]`).length, 1)
      assert.equal($(`select[name="needId"] option[value="${needId}"]`).attr('selected'), 'selected')

      const due = isoDay(t.clock.now(), 7)
      const invalid = await browsers.lead.post(`${plan()}/actions/new`, { what: '', owner: '', ...dateFields('dueOn', '2027-02-30') })
      assert.equal(invalid.statusCode, 400)
      assert.deepEqual(errorSummary(invalid.body), ['Enter what will be done', 'Select who will do this'])
      const badDate = await browsers.lead.post(`${plan()}/actions/new`, { what: 'Call school', owner: `user:${users.lead.id}`, ...dateFields('dueOn', '2027-02-30') })
      assert.equal(badDate.statusCode, 400)
      assert.deepEqual(errorSummary(badDate.body), ['Due date must be a real date'])
      assert.equal(load(badDate.body)('#what').text(), 'Call school')
      const notOnTeam = await browsers.lead.post(`${plan()}/actions/new`, { what: 'Call school', needId, owner: `user:${users.outsider.id}`, ...dateFields('dueOn', due) })
      assert.equal(notOnTeam.statusCode, 422)
      assert.deepEqual(errorSummary(notOnTeam.body), ['Select a practitioner who is on the team now'])
      const noAgency = await browsers.lead.post(`${plan()}/actions/new`, { what: 'Call school', owner: 'agency', ownerAgencyId: '', ...dateFields('dueOn', due) })
      assert.deepEqual(errorSummary(noAgency.body), ['Select the agency that will do this'])

      const first = await browsers.lead.post(`${plan()}/actions/new`, { what: 'Book an appointment with the school nurse', needId, owner: `user:${users.colleague.id}`, ...dateFields('dueOn', due) })
      assert.equal(first.statusCode, 303)
      assert.equal((await browsers.lead.post(`${plan()}/actions/new`, { what: 'Walk to school with Kira', needId, owner: `family:${s.motherMemberId}`, ...dateFields('dueOn', isoDay(t.clock.now(), -2)) })).statusCode, 303)
      assert.equal((await browsers.lead.post(`${plan()}/actions/new`, { what: 'Offer a CAMHS assessment', owner: 'agency', ownerAgencyId: otherAgencyId, ...dateFields('dueOn', due) })).statusCode, 303)
      const actions = await db().selectFrom('planActions').selectAll().where('episodeId', '=', s.episodeId).orderBy('createdAt').execute()
      assert.deepEqual(actions.map(action => [action.ownerKind, action.ownerName]), [['practitioner', 'Cal Colleague (Riverside Primary School)'], ['family_member', 'Nadia Ashdown (Mum)'], ['agency', 'Riverside CAMHS']])
      actionId = actions[0]?.id ?? ''
      const history = await db().selectFrom('planActionUpdates').selectAll().where('actionId', '=', actionId).execute()
      assert.equal(history.length, 1, 'insertPlanAction started the history')

      const page = await browsers.lead.get(plan())
      assert.match(page.body, /Overdue/, 'the family member’s action dated two days ago is overdue')
      assert.match(page.body, /Other actions/)
    })

    it('records progress with a history, and refuses “not done” without a reason', async () => {
      const url = `${plan()}/actions/${actionId}`
      const page = await browsers.colleague.get(url)
      assert.equal(page.statusCode, 200)
      const $ = load(page.body)
      const fields = () => ({ what: $('#what').text(), needId, owner: `user:${users.colleague.id}`, ...dateFields('dueOn', isoDay(t.clock.now(), 7)) })
      const version = $('input[name="version"]').val() as string
      const noReason = await browsers.colleague.post(url, { ...fields(), status: 'not_done', version })
      assert.equal(noReason.statusCode, 400)
      assert.deepEqual(errorSummary(noReason.body), ['Say why it was not done'])
      const nothing = await browsers.colleague.post(url, { ...fields(), status: 'not_started', version })
      assert.equal(nothing.statusCode, 422)
      const progress = await browsers.colleague.post(url, { ...fields(), status: 'in_progress', note: 'Rang the nurse; appointment offered for Tuesday.', version })
      assert.equal(progress.statusCode, 303)
      const shown = await browsers.colleague.follow(progress)
      assert.match(shown.body, /Rang the nurse; appointment offered for Tuesday/)
      assert.match(shown.body, /Cal Colleague/)
      const action = await db().selectFrom('planActions').selectAll().where('id', '=', actionId).executeTakeFirstOrThrow()
      assert.equal(action.status, 'in_progress')
      assert.equal(action.version, 2)
      const history = await db().selectFrom('planActionUpdates').selectAll().where('actionId', '=', actionId).orderBy('at').execute()
      assert.deepEqual(history.map(update => update.status), ['not_started', 'in_progress'])
    })

    it('two people editing one action: the second sees the conflict page, and nothing is lost', async () => {
      const url = `${plan()}/actions/${actionId}`
      const pageA = load((await browsers.lead.get(url)).body)
      const pageB = load((await browsers.colleague.get(url)).body)
      const version = pageA('input[name="version"]').val() as string
      assert.equal(pageB('input[name="version"]').val(), version)
      const common = { what: 'Book an appointment with the school nurse', needId, owner: `user:${users.colleague.id}`, ...dateFields('dueOn', isoDay(t.clock.now(), 7)) }
      const saveA = await browsers.lead.post(url, { ...common, status: 'done', note: 'Seen by the nurse.', version })
      assert.equal(saveA.statusCode, 303)
      const saveB = await browsers.colleague.post(url, { ...common, status: 'not_done', notDoneReason: 'Family could not get there', note: 'Tried twice.', version })
      assert.equal(saveB.statusCode, 409)
      const $ = load(saveB.body)
      assert.match($('#conflict').text(), /Someone else updated this action/)
      assert.match($('#conflict').text(), /Family could not get there/, 'what B typed is shown')
      assert.match($('#conflict').text(), /Done/, 'what A saved is shown')
      assert.equal($('#notDoneReason').text(), 'Family could not get there', 'B’s input is kept in the form')
      assert.equal($('input[name="version"]').val(), String(Number(version) + 1), 'the form now carries the saved version')
      const action = await db().selectFrom('planActions').selectAll().where('id', '=', actionId).executeTakeFirstOrThrow()
      assert.equal(action.status, 'done', 'A’s save was not overwritten')
      const completedOn: unknown = action.completedOn
      assert.equal(completedOn instanceof Date ? completedOn.toISOString().slice(0, 10) : String(completedOn).slice(0, 10), isoDay(t.clock.now()))
      const notes = (await db().selectFrom('planActionUpdates').select('note').where('actionId', '=', actionId).execute()).map(row => row.note)
      assert.ok(!notes.includes('Tried twice.'), 'B’s stale save left no trace')
    })

    it('saves what happens if the agreed changes do not happen, with a version check', async () => {
      const url = `${plan()}/if-not-achieved`
      const form = load((await browsers.lead.get(url)).body)
      const version = form('input[name="version"]').val() as string
      const empty = await browsers.lead.post(url, { ifNotAchieved: '  ', version })
      assert.equal(empty.statusCode, 400)
      const saved = await browsers.lead.post(url, { ifNotAchieved: 'If Kira is still missing school by the review, we will ask the multi-agency panel for more help.', version })
      assert.equal(saved.statusCode, 303)
      const stale = await browsers.colleague.post(url, { ifNotAchieved: 'Something else', version })
      assert.equal(stale.statusCode, 409)
      assert.match(load(stale.body)('#conflict').text(), /multi-agency panel/)
      const row = await db().selectFrom('supportPlans').selectAll().where('episodeId', '=', s.episodeId).executeTakeFirstOrThrow()
      assert.match(row.ifNotAchieved, /multi-agency panel/)
    })

    it('agrees numbered versions, frozen as agreed, viewable and compared; a stale page agrees nothing', async () => {
      const agreePage = load((await browsers.lead.get(`${plan()}/agree`)).body)
      const fingerprint = agreePage('input[name="fingerprint"]').val() as string
      assert.match(fingerprint, /^[0-9a-f]{16}$/)
      const unconfirmed = await browsers.lead.post(`${plan()}/agree`, { fingerprint })
      assert.equal(unconfirmed.statusCode, 400)
      assert.deepEqual(errorSummary(unconfirmed.body), ['Confirm that the team and the family agreed this plan'])
      const agreed = await browsers.lead.post(`${plan()}/agree`, { fingerprint, confirm: 'yes' })
      assert.equal(agreed.statusCode, 303)
      assert.equal(agreed.headers.location, `${plan()}/versions/1?done=agreed`)
      const again = await browsers.lead.post(`${plan()}/agree`, { fingerprint, confirm: 'yes' })
      assert.equal(again.statusCode, 422)
      assert.deepEqual(errorSummary(again.body), ['Nothing has changed since version 1 was agreed'])

      // Change an action after agreeing: version 1 stays as it was.
      const url = `${plan()}/actions/${actionId}`
      const form = load((await browsers.lead.get(url)).body)
      const fields = { what: 'Book a second appointment with the school nurse', needId, owner: `user:${users.colleague.id}`, ...dateFields('dueOn', isoDay(t.clock.now(), 21)) }
      const changed = await browsers.lead.post(url, { ...fields, status: 'not_started', version: form('input[name="version"]').val() as string })
      assert.equal(changed.statusCode, 303)
      assert.match((await browsers.lead.get(plan())).body, /The plan has changed since version 1 was agreed/)
      // Someone records progress while the agree page is open: agreeing that page would agree something unseen.
      const stalePrint = load((await browsers.lead.get(`${plan()}/agree`)).body)('input[name="fingerprint"]').val() as string
      const progress = await browsers.colleague.post(url, { ...fields, status: 'in_progress', note: 'Booked.', version: load((await browsers.colleague.get(url)).body)('input[name="version"]').val() as string })
      assert.equal(progress.statusCode, 303)
      const stale = await browsers.lead.post(`${plan()}/agree`, { fingerprint: stalePrint, confirm: 'yes' })
      assert.equal(stale.statusCode, 409, 'the plan changed after the agree page was read')
      assert.equal(await db().selectFrom('planVersions').select('id').where('episodeId', '=', s.episodeId).execute().then(rows => rows.length), 1)

      const fresh = load((await browsers.lead.get(`${plan()}/agree`)).body)
      assert.match(fresh('table').text(), /Book a second appointment/)
      const second = await browsers.lead.post(`${plan()}/agree`, { fingerprint: fresh('input[name="fingerprint"]').val() as string, confirm: 'yes', changeSummary: 'A second appointment' })
      assert.equal(second.statusCode, 303)
      const versions = await db().selectFrom('planVersions').selectAll().where('episodeId', '=', s.episodeId).orderBy('number').execute()
      assert.deepEqual(versions.map(version => version.number), [1, 2])
      assert.match(JSON.stringify(versions[0]?.content), /Book an appointment with the school nurse/)
      assert.doesNotMatch(JSON.stringify(versions[0]?.content), /second appointment/)

      const one = await browsers.lead.get(`${plan()}/versions/1`)
      assert.equal(one.statusCode, 200)
      assert.match(one.body, /a later version has been agreed since/)
      assert.match(one.body, /Book an appointment with the school nurse/)
      const two = await browsers.lead.get(`${plan()}/versions/2`)
      assert.match(load(two.body)('h2:contains("Compared with version 1")').next('table').text(), /Book a second appointment/)
      assert.equal((await browsers.lead.get(`${plan()}/versions/3`)).statusCode, 404)
      assert.equal((await browsers.lead.get(`${plan()}/versions/abc`)).statusCode, 404)
      assert.ok((await auditCount('plan.agree', 'allowed')) >= 2)
    })

    it('records who signed the latest version, when and how', async () => {
      const url = `${plan()}/versions/2/signatures`
      await browsers.lead.get(`${plan()}/versions/2`)
      const today = isoDay(t.clock.now())
      const self = await browsers.lead.post(url, { signer: `user:${users.lead.id}`, method: 'on_screen', ...dateFields('signedOn', today) })
      assert.equal(self.statusCode, 303)
      const mum = await browsers.lead.post(url, { signer: `family:${s.motherMemberId}`, method: 'in_person', ...dateFields('signedOn', today) })
      assert.equal(mum.statusCode, 303)
      const advocate = await browsers.lead.post(url, { signer: `family:${s.advocateMemberId}`, method: 'on_paper', ...dateFields('signedOn', today) })
      assert.equal(advocate.statusCode, 303)
      const twice = await browsers.lead.post(url, { signer: `family:${s.motherMemberId}`, method: 'in_person', ...dateFields('signedOn', today) })
      assert.equal(twice.statusCode, 422)
      assert.deepEqual(errorSummary(twice.body), ['Nadia Ashdown has already signed version 2'])
      const forColleague = await browsers.lead.post(url, { signer: `user:${users.colleague.id}`, method: 'on_screen', ...dateFields('signedOn', today) })
      assert.equal(forColleague.statusCode, 422)
      const future = await browsers.lead.post(url, { signer: `user:${users.colleague.id}`, method: 'in_person', ...dateFields('signedOn', isoDay(t.clock.now(), 3)) })
      assert.deepEqual(errorSummary(future.body), ['The date they signed must be today or in the past'])
      const old = await browsers.lead.post(`${plan()}/versions/1/signatures`, { signer: `user:${users.colleague.id}`, method: 'in_person', ...dateFields('signedOn', today) })
      assert.equal(old.statusCode, 422, 'only the latest version can be signed')
      const signatures = await db().selectFrom('planSignatures').selectAll().orderBy('recordedAt').execute()
      assert.deepEqual(signatures.map(signature => [signature.signerKind, signature.signerName, signature.method]), [
        ['practitioner', 'Sam Lead', 'on_screen'],
        ['family_member', 'Nadia Ashdown', 'in_person'],
        ['supporter', 'Priya Advocate', 'on_paper'],
      ])
      const page = await browsers.lead.get(`${plan()}/versions/2`)
      assert.match(page.body, /Signed a paper copy/)
    })

    it('gives the family a plain-language copy to print and as a PDF', async () => {
      const print = await browsers.lead.get(`${plan()}/family-copy`)
      assert.equal(print.statusCode, 200)
      assert.equal(print.headers['cache-control'], 'no-store')
      const text = load(print.body)('main').text()
      assert.match(text, /Your family’s plan/)
      assert.match(text, /We agreed this plan together on .*This is version 2/)
      assert.match(text, /What we want to change/)
      assert.match(text, /Who: Nadia Ashdown \(Mum\)/)
      assert.match(text, /multi-agency panel/)
      assert.match(text, /Nadia Ashdown, signed in person/)
      const pdf = await browsers.lead.get(`${plan()}/family-copy.pdf`)
      assert.equal(pdf.statusCode, 200)
      assert.equal(pdf.headers['content-type'], 'application/pdf')
      assert.match(String(pdf.headers['content-disposition']), /^attachment; filename="family-plan-EH-2026-[0-9a-f]{6}\.pdf"$/)
      const bytes = pdf.rawPayload
      assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-')
      const words = pdfText(bytes)
      assert.match(words, /Your family’s plan/)
      assert.match(words, /Walk to school with Kira/)
      assert.match(words, /If things do not change/)
      const audit = await db().selectFrom('auditEvents').select(['details']).where('action', '=', 'plan.view').where('purpose', '=', 'family copy of the plan').execute()
      assert.equal(audit.length, 2)
    })

    it('lists a practitioner’s actions due and overdue for “my work”', async () => {
      const today = isoDay(t.clock.now())
      const dueCal = await listActionsDue(db(), authorityId, users.colleague.id, today)
      assert.deepEqual(dueCal, [], 'due in 21 days: outside the default 14 days')
      const later = await listActionsDue(db(), authorityId, users.colleague.id, today, 30)
      assert.equal(later.length, 1)
      assert.equal(later[0]?.href, `${plan()}/actions/${actionId}`)
      assert.equal(later[0]?.overdue, false)
      const overdue = await listActionsDue(db(), authorityId, users.colleague.id, isoDay(t.clock.now(), 30))
      assert.equal(overdue[0]?.overdue, true)
      await db().updateTable('episodeMembers').set({ leftAt: t.clock.now() }).where('episodeId', '=', s.episodeId).where('userId', '=', users.colleague.id).execute()
      assert.deepEqual(await listActionsDue(db(), authorityId, users.colleague.id, today, 30), [], 'not once they have left the team')
      await db().updateTable('episodeMembers').set({ leftAt: null }).where('episodeId', '=', s.episodeId).where('userId', '=', users.colleague.id).execute()
    })

    it('reads, adds and updates actions through the API, with 409 on a stale version', async () => {
      const api = (browser: Browser, method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) =>
        t.app.inject({ method, url, headers: { cookie: [...browser.cookies].map(([k, v]) => `${k}=${v}`).join('; '), 'x-csrf-token': browser.csrfToken, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { payload: JSON.stringify(body) } : {}) })
      const read = await api(browsers.lead, 'GET', `/api/v1${plan()}`)
      assert.equal(read.statusCode, 200)
      const body = read.json()
      assert.equal(body.agreedVersionNumber, 2)
      assert.equal(body.needs[0].source.elementKey, 'general-health')
      assert.equal(body.outcomesFramework.key, 'every_child_matters')
      const created = await api(browsers.lead, 'POST', `/api/v1${plan()}/actions`, { what: 'Ring the GP about the headaches', needId, owner: { kind: 'family_member', familyTeamMemberId: s.motherMemberId }, dueOn: isoDay(t.clock.now(), 5) })
      assert.equal(created.statusCode, 201, created.body)
      const action = created.json()
      assert.equal(action.status, 'not_started')
      assert.equal(action.owner.name, 'Nadia Ashdown (Mum)')
      const invalid = await api(browsers.lead, 'PATCH', `/api/v1${plan()}/actions/${action.id}`, { status: 'not_done', version: action.version })
      assert.equal(invalid.statusCode, 400)
      const patched = await api(browsers.lead, 'PATCH', `/api/v1${plan()}/actions/${action.id}`, { status: 'in_progress', note: 'Nadia has rung.', version: action.version })
      assert.equal(patched.statusCode, 200, patched.body)
      assert.equal(patched.json().status, 'in_progress')
      const stale = await api(browsers.colleague, 'PATCH', `/api/v1${plan()}/actions/${action.id}`, { status: 'done', version: action.version })
      assert.equal(stale.statusCode, 409)
      assert.match(String(stale.headers['content-type']), /problem\+json/)
      const outsider = await api(browsers.outsider, 'GET', `/api/v1${plan()}`)
      assert.equal(outsider.statusCode, 403)
      const missing = await api(browsers.lead, 'PATCH', `/api/v1${plan()}/actions/${uuidv7()}`, { status: 'done', version: 1 })
      assert.equal(missing.statusCode, 404)
    })

    it('refuses a practitioner not on the team (audited), another authority (404), no CSRF token (403); a coordinator may read', async () => {
      const deniedBefore = await auditCount('plan.view', 'denied')
      assert.equal((await browsers.outsider.get(plan())).statusCode, 403)
      assert.equal((await browsers.outsider.get(`${plan()}/actions/${actionId}`)).statusCode, 403)
      assert.equal((await browsers.outsider.get(`${plan()}/versions/1`)).statusCode, 403)
      assert.equal(await auditCount('plan.view', 'denied'), deniedBefore + 3)
      const editDenied = await auditCount('plan.edit', 'denied')
      assert.equal((await browsers.outsider.post(`${plan()}/actions/new`, { what: 'x' })).statusCode, 403)
      assert.equal(await auditCount('plan.edit', 'denied'), editDenied + 1)
      assert.equal((await browsers.stranger.get(plan())).statusCode, 404)
      assert.equal((await browsers.stranger.get(`${plan()}/family-copy.pdf`)).statusCode, 404)
      assert.equal((await browsers.lead.get(`/episodes/not-a-uuid/plan`)).statusCode, 404)
      assert.equal((await browsers.lead.get(`${plan()}/actions/not-a-uuid`)).statusCode, 404)
      const before = await db().selectFrom('planActions').select('id').execute()
      const noCsrf = await browsers.lead.post(`${plan()}/actions/new`, { what: 'Sneaky', owner: `user:${users.lead.id}`, ...dateFields('dueOn', isoDay(t.clock.now(), 1)), _csrf: 'wrong' })
      assert.equal(noCsrf.statusCode, 403)
      assert.equal((await db().selectFrom('planActions').select('id').execute()).length, before.length)
      assert.equal((await browsers.coordinator.get(plan())).statusCode, 200)
    })

    it('keeps the plan of a closed episode read-only', async () => {
      await db().updateTable('episodes').set({ status: 'closed', closedAt: t.clock.now() }).where('id', '=', s.episodeId).execute()
      const page = await browsers.lead.get(plan())
      assert.equal(page.statusCode, 200)
      assert.doesNotMatch(page.body, /Add an action/)
      const refused = await browsers.lead.post(`${plan()}/if-not-achieved`, { ifNotAchieved: 'New text', version: '99' })
      assert.equal(refused.statusCode, 422)
      assert.match(refused.body, /This episode is closed/)
      const action = load((await browsers.lead.get(`${plan()}/actions/${actionId}`)).body)
      assert.equal(action('form[action$="/actions/' + actionId + '"]').length, 0, 'no update form')
      assert.equal((await browsers.lead.get(`${plan()}/family-copy`)).statusCode, 200, 'still printable')
      await db().updateTable('episodes').set({ status: 'support', closedAt: null }).where('id', '=', s.episodeId).execute()
    })

    it('plans against the seven core aims in a Welsh authority', async () => {
      const wales = await buildAuthority(t, { name: 'Cymru Sir', nation: 'wales' })
      const agency = await buildAgency(t, wales.id)
      const lead = await buildUser(t, wales.id, { agencyIds: [agency.id] })
      const scenario = await buildScenario(t, wales.id, lead, agency.id, [])
      const browser = await signIn(t, lead)
      const form = load((await browser.get(`/episodes/${scenario.episodeId}/plan/needs/new`)).body)
      assert.equal(form('input[name="frameworkOutcomes"]').length, 7)
      assert.match(form('fieldset').text(), /seven core aims/)
    })
  })
}
