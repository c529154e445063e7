import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { sql } from 'kysely'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, errorSummary, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildUser, signIn, type TestUser } from '../../../test/helpers/builders.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { insertPlanAction } from '../plans/plan-actions.ts'
import { addDays, ukDateOf } from '../../lib/dates.ts'
import { listReviewsDue } from './reviews.service.ts'

type Scenario = { episodeId: string; childId: string; assessmentId: string; actionId: string; needId: string; reference: string }

/**
 * An episode for one child at the support stage: a completed assessment (`completedDaysAgo` days ago) that scored
 * general health 3 for the child and housing 2 for the family, a plan with one need and one action.
 */
async function buildSupportEpisode(t: TestApp, authorityId: string, owner: TestUser, agencyId: string, options: { completedDaysAgo?: number; childId?: string } = {}): Promise<Scenario> {
  const db = t.database.db
  const now = t.clock.now()
  const today = ukDateOf(now)
  let childId = options.childId
  if (!childId) {
    childId = uuidv7()
    await db.insertInto('persons').values({ authorityId, id: childId, givenNames: 'Rosa', familyName: 'Whitlow', dateOfBirth: '2015-04-04', searchName: 'rosa whitlow', createdByUserId: owner.id }).execute()
  }
  const template = await db.selectFrom('assessmentTemplateVersions').select('id').where('authorityId', '=', authorityId).where('templateKey', '=', 'caf-standard').executeTakeFirstOrThrow()
  const episodeId = uuidv7()
  const reference = `EH-2026-${episodeId.slice(-6)}`
  await db.insertInto('episodes').values({ authorityId, id: episodeId, reference, scope: 'child', householdId: null, localityId: null, agencyId, status: 'support', outcome: 'multi_agency', startedByUserId: owner.id, startedAt: new Date(now.getTime() - 120 * 86_400_000), closedAt: null, templateVersionId: template.id }).execute()
  await db.insertInto('episodePeople').values({ authorityId, episodeId, personId: childId, role: 'child' }).execute()
  await db.insertInto('episodeMembers').values({ authorityId, episodeId, userId: owner.id, agencyId, role: 'owner', addedByUserId: owner.id, joinedAt: now, leftAt: null }).execute()
  const assessmentId = uuidv7()
  await db
    .insertInto('assessments')
    .values({ authorityId, id: assessmentId, episodeId, templateVersionId: template.id, status: 'completed', assessorUserId: owner.id, assessorAgencyId: agencyId, discussionDate: addDays(today, -(options.completedDaysAgo ?? 50) - 5), reason: 'School worries', outcome: 'multi_agency', completionDate: addDays(today, -(options.completedDaysAgo ?? 50)), createdAt: now, updatedAt: now })
    .execute()
  await db
    .insertInto('assessmentElements')
    .values([
      { authorityId, assessmentId, elementKey: 'general-health', subject: childId, needs: 'Headaches', practitionerScore: 3, updatedByUserId: owner.id, updatedAt: now },
      { authorityId, assessmentId, elementKey: 'housing-employment-and-financial-considerations', subject: 'family', needs: 'Damp flat', practitionerScore: 2, updatedByUserId: owner.id, updatedAt: now },
    ])
    .execute()
  const needId = uuidv7()
  await db.insertInto('planNeeds').values({ authorityId, id: needId, episodeId, description: 'Rosa misses school with headaches', assessmentId, elementKey: 'general-health', subject: childId, outcomeWanted: 'Rosa goes to school every day', frameworkOutcomes: '[]', position: 1, createdByUserId: owner.id, createdAt: now }).execute()
  const actionId = await insertPlanAction(db, { authorityId, episodeId, needId, what: 'Book a GP appointment about the headaches', ownerKind: 'practitioner', ownerUserId: owner.id, ownerName: 'The lead', dueOn: addDays(today, 7), createdByUserId: owner.id, createdByName: 'The lead', at: now })
  return { episodeId, childId, assessmentId, actionId, needId, reference }
}

function dateFields(prefix: string, iso: string) {
  const [year, month, day] = iso.split('-')
  return { [`${prefix}-day`]: String(Number(day)), [`${prefix}-month`]: String(Number(month)), [`${prefix}-year`]: year ?? '' }
}

function apiHeaders(browser: Browser) {
  return { cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; '), 'x-csrf-token': browser.csrfToken, 'content-type': 'application/json' }
}

async function auditCount(t: TestApp, action: string, outcome: 'allowed' | 'denied') {
  const result = await sql<{ count: number }>`select count(*)::int as count from audit_events where action = ${action} and outcome = ${outcome}`.execute(t.database.db)
  return result.rows[0]?.count ?? 0
}

for (const kind of databaseKinds()) {
  describe(`reviews and closure (${kind})`, () => {
    let t: TestApp
    let authorityId: string
    let agencyId: string
    let otherAgencyId: string
    let lead: TestUser
    let colleague: TestUser
    let manager: TestUser
    let otherManager: TestUser
    let coordinator: TestUser
    let leadBrowser: Browser
    let today: string

    before(async () => {
      t = await buildTestApp(kind)
      const authority = await buildAuthority(t)
      authorityId = authority.id
      agencyId = (await buildAgency(t, authorityId, { name: 'Riverside Primary' })).id
      otherAgencyId = (await buildAgency(t, authorityId, { name: 'Hilltop Health' })).id
      lead = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [agencyId], name: 'Lena Lead' })
      colleague = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [agencyId], name: 'Colin Colleague' })
      manager = await buildUser(t, authorityId, { roles: ['manager'], agencyIds: [agencyId], name: 'Mona Manager' })
      otherManager = await buildUser(t, authorityId, { roles: ['manager'], agencyIds: [otherAgencyId], name: 'Omar Other' })
      coordinator = await buildUser(t, authorityId, { roles: ['coordinator'], agencyIds: [], name: 'Cora Coordinator' })
      leadBrowser = await signIn(t, lead)
      today = ukDateOf(t.clock.now())
    })
    after(() => t.close())

    it('shows the next review date from the cadence and marks it overdue', async () => {
      const scenario = await buildSupportEpisode(t, authorityId, lead, agencyId, { completedDaysAgo: 50 })
      const page = await leadBrowser.get(`/episodes/${scenario.episodeId}/reviews`)
      assert.equal(page.statusCode, 200)
      const $ = load(page.body)
      assert.equal($('h1').text().trim(), 'Reviews')
      assert.ok($('.moj-sub-navigation__link[aria-current="page"]').text().includes('Reviews'))
      // Completed 50 days ago, reviewed every 6 weeks: due 8 days ago.
      assert.match($('.govuk-warning-text').text(), /The review is overdue/)
      assert.match($('.govuk-summary-list').text(), /Every 6 weeks/)
    })

    it('lists reviews due and overdue, for the coordinator and for the lead, and not closed or far-off ones', async () => {
      const overdue = await buildSupportEpisode(t, authorityId, lead, agencyId, { completedDaysAgo: 50 })
      const later = await buildSupportEpisode(t, authorityId, colleague, agencyId, { completedDaysAgo: 10 })
      const closed = await buildSupportEpisode(t, authorityId, lead, agencyId, { completedDaysAgo: 60 })
      await t.database.db.updateTable('episodes').set({ status: 'closed', closedAt: new Date() }).where('id', '=', closed.episodeId).execute()
      const all = await listReviewsDue(t.database.db, authorityId, undefined, today)
      const found = all.find(item => item.episodeId === overdue.episodeId)
      assert.ok(found)
      assert.equal(found.dueOn, addDays(today, -8))
      assert.equal(found.overdue, true)
      assert.equal(found.daysOverdue, 8)
      assert.ok(!all.some(item => item.episodeId === closed.episodeId), 'closed episodes are not due')
      assert.ok(!all.some(item => item.episodeId === later.episodeId), 'due in 32 days: not within 14')
      const wider = await listReviewsDue(t.database.db, authorityId, undefined, today, { withinDays: 40 })
      const laterItem = wider.find(item => item.episodeId === later.episodeId)
      assert.ok(laterItem)
      assert.equal(laterItem.overdue, false)
      assert.equal(laterItem.dueOn, addDays(today, 32))
      // On the due day it is due, not overdue; the day after, overdue by one day.
      const onDay = await listReviewsDue(t.database.db, authorityId, undefined, addDays(today, -8))
      assert.equal(onDay.find(item => item.episodeId === overdue.episodeId)?.overdue, false)
      const dayAfter = await listReviewsDue(t.database.db, authorityId, undefined, addDays(today, -7))
      assert.equal(dayAfter.find(item => item.episodeId === overdue.episodeId)?.daysOverdue, 1)
      // For a user: the episodes they lead; with no lead appointed, the ones they own.
      const mine = await listReviewsDue(t.database.db, authorityId, lead.id, today)
      assert.ok(mine.some(item => item.episodeId === overdue.episodeId))
      const colleagues = await listReviewsDue(t.database.db, authorityId, colleague.id, today)
      assert.ok(!colleagues.some(item => item.episodeId === overdue.episodeId))
      await t.database.db
        .insertInto('leadProfessionals')
        .values({ authorityId, id: uuidv7(), episodeId: overdue.episodeId, scope: 'whole_family', userId: colleague.id, agencyId, appointedVia: 'team_meeting', appointedByUserId: lead.id, startedAt: new Date() })
        .execute()
      assert.ok((await listReviewsDue(t.database.db, authorityId, colleague.id, today)).some(item => item.episodeId === overdue.episodeId), 'the lead professional sees it')
      assert.ok(!(await listReviewsDue(t.database.db, authorityId, lead.id, today)).some(item => item.episodeId === overdue.episodeId), 'the owner no longer does once a lead is appointed')
      // Another authority's episodes never appear.
      const elsewhere = await buildAuthority(t)
      assert.deepEqual(await listReviewsDue(t.database.db, elsewhere.id, undefined, today), [])
    })

    it('records a review: re-scores with the previous score shown, moves the action on, records needs, views and the decision', async () => {
      const scenario = await buildSupportEpisode(t, authorityId, lead, agencyId)
      const form = await leadBrowser.get(`/episodes/${scenario.episodeId}/reviews/new`)
      assert.equal(form.statusCode, 200)
      const $ = load(form.body)
      const healthHint = $(`#score__general-health__${scenario.childId}-hint`).text()
      assert.match(healthHint, /Previous score: 3 \(significant\), at the assessment/)
      assert.match($('#score__housing-employment-and-financial-considerations__family-hint').text(), /Previous score: 2/)
      assert.equal($(`input[name="actionVersion__${scenario.actionId}"]`).attr('value'), '1')

      const heldOn = addDays(today, -1)
      const response = await leadBrowser.post(`/episodes/${scenario.episodeId}/reviews/new`, {
        ...dateFields('heldOn', heldOn),
        [`score__general-health__${scenario.childId}`]: '1',
        'score__housing-employment-and-financial-considerations__family': '',
        [`action__${scenario.actionId}`]: 'done',
        [`actionNote__${scenario.actionId}`]: 'Seen by the GP on Monday',
        [`actionVersion__${scenario.actionId}`]: '1',
        [`need__${scenario.needId}`]: 'good_progress',
        [`needNote__${scenario.needId}`]: 'Only one day missed this month',
        summary: 'Headaches much better.',
        familyViews: 'Rosa says she likes school again.',
        decision: 'continue',
      })
      assert.equal(response.statusCode, 303, response.body.slice(0, 500))
      const db = t.database.db
      const review = await db.selectFrom('reviews').selectAll().where('episodeId', '=', scenario.episodeId).executeTakeFirstOrThrow()
      assert.equal(review.status, 'completed')
      assert.equal(review.decision, 'continue')
      assert.equal(review.familyViews, 'Rosa says she likes school again.')
      assert.equal(String(response.headers.location), `/episodes/${scenario.episodeId}/reviews/${review.id}?done=recorded`)
      const scores = await db.selectFrom('distanceScores').select(['elementKey', 'subject', 'score', 'occasion']).where('reviewId', '=', review.id).execute()
      assert.deepEqual(scores, [{ elementKey: 'general-health', subject: scenario.childId, score: 1, occasion: 'review' }])
      const progress = await db.selectFrom('reviewProgress').select(['itemKind', 'itemId', 'progress', 'comment']).where('reviewId', '=', review.id).orderBy('itemKind').execute()
      assert.deepEqual(progress, [
        { itemKind: 'action', itemId: scenario.actionId, progress: 'done', comment: 'Seen by the GP on Monday' },
        { itemKind: 'need', itemId: scenario.needId, progress: 'good_progress', comment: 'Only one day missed this month' },
      ])
      const action = await db.selectFrom('planActions').select(['status', 'version', 'completedOn']).where('id', '=', scenario.actionId).executeTakeFirstOrThrow()
      assert.equal(action.status, 'done')
      assert.equal(action.version, 2)
      const history = await db.selectFrom('planActionUpdates').select(['status', 'note']).where('actionId', '=', scenario.actionId).orderBy('at').execute()
      assert.equal(history.at(-1)?.note, 'At the review: Seen by the GP on Monday')
      const episode = await db.selectFrom('episodes').select(sql<string>`to_char(next_review_on, 'YYYY-MM-DD')`.as('next')).where('id', '=', scenario.episodeId).executeTakeFirstOrThrow()
      assert.equal(episode.next, addDays(heldOn, 42))
      const audit = await db.selectFrom('auditEvents').select(['outcome', 'recordType']).where('action', '=', 'review.record').where('recordId', '=', review.id).execute()
      assert.deepEqual(audit, [{ outcome: 'allowed', recordType: 'review' }])

      // The review page, and the form next time shows the review's score as the previous one.
      const shown = await leadBrowser.follow(response)
      assert.equal(shown.statusCode, 200)
      assert.match(load(shown.body)('.govuk-notification-banner').text(), /The review is recorded/)
      assert.match(shown.body, /Rosa says she likes school again/)
      const again = await leadBrowser.get(`/episodes/${scenario.episodeId}/reviews/new`)
      assert.match(load(again.body)(`#score__general-health__${scenario.childId}-hint`).text(), /Previous score: 1 \(minor\), at the review on/)

      // The Distance Travelled table: start 3 → review 1 for the child's health; housing scored only at the start.
      const table = await leadBrowser.get(`/episodes/${scenario.episodeId}/reviews/distance-travelled`)
      const rows = load(table.body)('tbody tr').map((_i, row) => load(row).text().replace(/\s+/g, ' ').trim()).get()
      assert.ok(rows.some(row => row.includes('General health (Rosa Whitlow)') && row.includes('3') && row.includes('2 better')), rows.join('\n'))
      assert.ok(rows.some(row => row.includes('Housing') && row.includes('(family)')), rows.join('\n'))
    })

    it('refuses bad input with the error summary and changes nothing', async () => {
      const scenario = await buildSupportEpisode(t, authorityId, lead, agencyId)
      const url = `/episodes/${scenario.episodeId}/reviews/new`
      const empty = await leadBrowser.post(url, {})
      assert.equal(empty.statusCode, 400)
      const messages = errorSummary(empty.body)
      assert.deepEqual(messages, ['Enter the family’s views', 'Select what happens next'])
      const noDate = await leadBrowser.post(url, { familyViews: 'Fine', decision: 'continue' })
      assert.equal(noDate.statusCode, 400)
      assert.deepEqual(errorSummary(noDate.body), ['Enter the date of the review'])
      const stepUp = await leadBrowser.post(url, { ...dateFields('heldOn', today), familyViews: 'Worried', decision: 'step_up_panel' })
      assert.equal(stepUp.statusCode, 400)
      assert.deepEqual(errorSummary(stepUp.body), ['Say why the family’s needs should be stepped up'])
      const future = await leadBrowser.post(url, { ...dateFields('heldOn', addDays(today, 3)), familyViews: 'Fine', decision: 'continue' })
      assert.equal(future.statusCode, 422)
      assert.deepEqual(errorSummary(future.body), ['The date of the review must be today or in the past'])
      const badScore = await leadBrowser.post(url, { ...dateFields('heldOn', today), familyViews: 'Fine', decision: 'continue', [`score__general-health__${scenario.childId}`]: '7' })
      assert.equal(badScore.statusCode, 400)
      const foreignElement = await leadBrowser.post(url, { ...dateFields('heldOn', today), familyViews: 'Fine', decision: 'continue', 'score__not-an-element__family': '2' })
      assert.equal(foreignElement.statusCode, 422)
      const notDone = await leadBrowser.post(url, { ...dateFields('heldOn', today), familyViews: 'Fine', decision: 'continue', [`action__${scenario.actionId}`]: 'not_done', [`actionVersion__${scenario.actionId}`]: '1' })
      assert.equal(notDone.statusCode, 400)
      assert.deepEqual(errorSummary(notDone.body), ['Say why the action was not done'])
      const junkField = await leadBrowser.post(url, { ...dateFields('heldOn', today), familyViews: 'Fine', decision: 'continue', sneaky: 'x' })
      assert.equal(junkField.statusCode, 400)
      assert.equal(load(junkField.body)('#familyViews').text(), 'Fine', 'answers are kept')
      const count = await t.database.db.selectFrom('reviews').select(sql<number>`count(*)::int`.as('n')).where('episodeId', '=', scenario.episodeId).executeTakeFirstOrThrow()
      assert.equal(count.n, 0)
    })

    it('a stale action version shows the conflict and saves nothing', async () => {
      const scenario = await buildSupportEpisode(t, authorityId, lead, agencyId)
      await t.database.db.updateTable('planActions').set({ status: 'in_progress', version: 2 }).where('id', '=', scenario.actionId).execute()
      const response = await leadBrowser.post(`/episodes/${scenario.episodeId}/reviews/new`, {
        ...dateFields('heldOn', today),
        familyViews: 'Fine',
        decision: 'continue',
        [`action__${scenario.actionId}`]: 'done',
        [`actionVersion__${scenario.actionId}`]: '1',
      })
      assert.equal(response.statusCode, 409)
      assert.match(errorSummary(response.body)[0] ?? '', /Someone changed an action of the plan/)
      const $ = load(response.body)
      assert.equal($(`input[name="actionVersion__${scenario.actionId}"]`).attr('value'), '2')
      assert.equal($(`input[name="action__${scenario.actionId}"][value="in_progress"]`).attr('checked'), 'checked')
      assert.equal((await t.database.db.selectFrom('reviews').select('id').where('episodeId', '=', scenario.episodeId).execute()).length, 0)
      assert.equal((await t.database.db.selectFrom('planActions').select('status').where('id', '=', scenario.actionId).executeTakeFirstOrThrow()).status, 'in_progress')
    })

    it('refuses a missing CSRF token, a practitioner not on the team (audited), another authority’s episode, and an episode not yet at support', async () => {
      const scenario = await buildSupportEpisode(t, authorityId, lead, agencyId)
      const url = `/episodes/${scenario.episodeId}/reviews/new`
      const noCsrf = await leadBrowser.post(url, { ...dateFields('heldOn', today), familyViews: 'x', decision: 'continue' }, { csrf: false })
      assert.equal(noCsrf.statusCode, 403)
      const outsider = await signIn(t, colleague)
      const denied = await auditCount(t, 'review.view', 'denied')
      assert.equal((await outsider.get(`/episodes/${scenario.episodeId}/reviews`)).statusCode, 403)
      assert.equal(await auditCount(t, 'review.view', 'denied'), denied + 1)
      const deniedRecord = await auditCount(t, 'review.record', 'denied')
      assert.equal((await outsider.post(url, { familyViews: 'x' })).statusCode, 403)
      assert.equal(await auditCount(t, 'review.record', 'denied'), deniedRecord + 1)
      assert.equal((await outsider.post(`/episodes/${scenario.episodeId}/close`, {})).statusCode, 403)
      // A coordinator sees every record of the authority.
      const coordinatorBrowser = await signIn(t, coordinator)
      assert.equal((await coordinatorBrowser.get(`/episodes/${scenario.episodeId}/reviews`)).statusCode, 200)
      // Another authority's episode: 404, as a malformed id.
      const elsewhere = await buildAuthority(t)
      const elsewhereAgency = await buildAgency(t, elsewhere.id)
      const elsewhereUser = await buildUser(t, elsewhere.id, { agencyIds: [elsewhereAgency.id] })
      const foreign = await buildSupportEpisode(t, elsewhere.id, elsewhereUser, elsewhereAgency.id)
      assert.equal((await leadBrowser.get(`/episodes/${foreign.episodeId}/reviews`)).statusCode, 404)
      assert.equal((await leadBrowser.get(`/episodes/${foreign.episodeId}/reviews/distance-travelled`)).statusCode, 404)
      assert.equal((await leadBrowser.get(`/episodes/not-a-uuid/reviews`)).statusCode, 404)
      assert.equal((await leadBrowser.get(`/episodes/${scenario.episodeId}/reviews/${uuidv7()}`)).statusCode, 404)
      // Before support, there is nothing to review.
      await t.database.db.updateTable('episodes').set({ status: 'assessment' }).where('id', '=', scenario.episodeId).execute()
      const early = await leadBrowser.post(url, { ...dateFields('heldOn', today), familyViews: 'x', decision: 'continue' })
      assert.equal(early.statusCode, 422)
      assert.match(errorSummary(early.body)[0] ?? '', /Reviews start once the assessment is complete/)
    })

    it('changes the cadence within 3 to 12 weeks and moves the next review', async () => {
      const scenario = await buildSupportEpisode(t, authorityId, lead, agencyId, { completedDaysAgo: 20 })
      const form = await leadBrowser.get(`/episodes/${scenario.episodeId}/reviews/cadence`)
      assert.equal(load(form.body)('#reviewWeeks').attr('value'), '6')
      const version = load(form.body)('input[name="version"]').attr('value') ?? ''
      const tooShort = await leadBrowser.post(`/episodes/${scenario.episodeId}/reviews/cadence`, { reviewWeeks: '2', version })
      assert.equal(tooShort.statusCode, 400)
      assert.deepEqual(errorSummary(tooShort.body), ['Reviews must be between 3 and 12 weeks apart'])
      const saved = await leadBrowser.post(`/episodes/${scenario.episodeId}/reviews/cadence`, { reviewWeeks: '4', version })
      assert.equal(saved.statusCode, 303)
      const row = await t.database.db.selectFrom('episodes').select(['reviewWeeks', sql<string>`to_char(next_review_on, 'YYYY-MM-DD')`.as('next')]).where('id', '=', scenario.episodeId).executeTakeFirstOrThrow()
      assert.equal(row.reviewWeeks, 4)
      assert.equal(row.next, addDays(today, -20 + 28))
      const stale = await leadBrowser.post(`/episodes/${scenario.episodeId}/reviews/cadence`, { reviewWeeks: '8', version })
      assert.equal(stale.statusCode, 409)
      assert.equal((await t.database.db.selectFrom('episodes').select('reviewWeeks').where('id', '=', scenario.episodeId).executeTakeFirstOrThrow()).reviewWeeks, 4)
    })

    it('step up to social care offers the safeguarding referral; close goes to the closure form and closes the episode', async () => {
      const scenario = await buildSupportEpisode(t, authorityId, lead, agencyId)
      const stepUp = await leadBrowser.post(`/episodes/${scenario.episodeId}/reviews/new`, { ...dateFields('heldOn', today), familyViews: 'Mum is frightened', decision: 'step_up_social_care', decisionReason: 'New concerns about harm' })
      assert.equal(stepUp.statusCode, 303)
      const page = await leadBrowser.follow(stepUp)
      assert.equal(load(page.body)(`a[href="/episodes/${scenario.episodeId}/safeguarding"]`).length, 1)

      const close = await leadBrowser.post(`/episodes/${scenario.episodeId}/reviews/new`, { ...dateFields('heldOn', today), familyViews: 'We are doing well now', decision: 'close' })
      assert.equal(close.statusCode, 303)
      assert.equal(String(close.headers.location), `/episodes/${scenario.episodeId}/close?fromReview=1`)
      const closureForm = await leadBrowser.follow(close)
      const $ = load(closureForm.body)
      // Final scores start at the latest: the assessment's, as this review scored nothing.
      assert.equal($(`input[name="score__general-health__${scenario.childId}"][value="3"]`).attr('checked'), 'checked')
      const version = $('input[name="version"]').attr('value') ?? ''
      const missing = await leadBrowser.post(`/episodes/${scenario.episodeId}/close`, { version })
      assert.equal(missing.statusCode, 400)
      assert.deepEqual(errorSummary(missing.body), ['Select why the episode is closing', 'Enter a closing summary for the family', 'Confirm that you have talked to the family about closing'])
      const closed = await leadBrowser.post(`/episodes/${scenario.episodeId}/close`, {
        reason: 'needs_met',
        [`score__general-health__${scenario.childId}`]: '0',
        'score__housing-employment-and-financial-considerations__family': '1',
        summaryForFamily: 'Rosa is going to school every day. Call us if things change.',
        confirm: 'yes',
        version,
      })
      assert.equal(closed.statusCode, 303, closed.body.slice(0, 400))
      const episode = await t.database.db.selectFrom('episodes').select(['status', 'outcome', 'closedAt']).where('id', '=', scenario.episodeId).executeTakeFirstOrThrow()
      assert.equal(episode.status, 'closed')
      assert.equal(episode.outcome, 'needs_met')
      assert.ok(episode.closedAt)
      const closure = await t.database.db.selectFrom('episodeClosures').selectAll().where('episodeId', '=', scenario.episodeId).executeTakeFirstOrThrow()
      assert.equal(closure.status, 'closed')
      const finalScores = await t.database.db.selectFrom('distanceScores').select(['elementKey', 'score']).where('episodeId', '=', scenario.episodeId).where('occasion', '=', 'closure').orderBy('elementKey').execute()
      assert.deepEqual(finalScores, [{ elementKey: 'general-health', score: 0 }, { elementKey: 'housing-employment-and-financial-considerations', score: 1 }])
      const list = await leadBrowser.follow(closed)
      assert.match(load(list.body)('.govuk-notification-banner').text(), /The episode is closed/)
      // The table runs start → reviews → closure.
      const table = await leadBrowser.get(`/episodes/${scenario.episodeId}/reviews/distance-travelled`)
      const head = load(table.body)('thead th').map((_i, cell) => load(cell).text().trim()).get()
      assert.equal(head[0], 'Element')
      assert.equal(head[1], 'Start')
      assert.ok(head.includes('Closure'))
      // Closed is read-only.
      const after = await leadBrowser.post(`/episodes/${scenario.episodeId}/reviews/new`, { ...dateFields('heldOn', today), familyViews: 'x', decision: 'continue' })
      assert.equal(after.statusCode, 422)
      assert.match(errorSummary(after.body)[0] ?? '', /This episode is closed/)
      const cadence = await leadBrowser.post(`/episodes/${scenario.episodeId}/reviews/cadence`, { reviewWeeks: '5', version: '99' })
      assert.equal(cadence.statusCode, 422)
    })

    it('where the authority asks for it, the lead professional’s manager approves or returns the closure', async () => {
      await t.database.db.insertInto('earlyHelpSettings').values({ authorityId, closureApprovalRequired: true }).execute()
      try {
        const scenario = await buildSupportEpisode(t, authorityId, colleague, agencyId)
        await t.database.db.insertInto('episodeMembers').values({ authorityId, episodeId: scenario.episodeId, userId: lead.id, agencyId, role: 'member', addedByUserId: colleague.id, joinedAt: new Date(), leftAt: null }).execute()
        await t.database.db
          .insertInto('leadProfessionals')
          .values({ authorityId, id: uuidv7(), episodeId: scenario.episodeId, scope: 'whole_family', userId: lead.id, agencyId, appointedVia: 'team_meeting', appointedByUserId: colleague.id, startedAt: new Date() })
          .execute()
        const form = await leadBrowser.get(`/episodes/${scenario.episodeId}/close`)
        assert.match(form.body, /Ask a manager to approve the closure/)
        const fields = { reason: 'moved_out_of_area', summaryForFamily: 'You have moved to another area. We have told their early help team.', confirm: 'yes' }
        const asked = await leadBrowser.post(`/episodes/${scenario.episodeId}/close`, { ...fields, version: load(form.body)('input[name="version"]').attr('value') ?? '' })
        assert.equal(asked.statusCode, 303)
        assert.match(String(asked.headers.location), /done=awaiting-approval$/)
        assert.equal((await t.database.db.selectFrom('episodes').select('status').where('id', '=', scenario.episodeId).executeTakeFirstOrThrow()).status, 'support')
        const emails = await t.database.db.selectFrom('outbox').select(['recipient', 'bodyText']).where('subject', '=', 'Closing an early help episode: your approval is needed').execute()
        assert.ok(emails.some(email => email.recipient === manager.email && email.bodyText.includes(`/episodes/${scenario.episodeId}/close/approval`)))
        assert.ok(!emails.some(email => email.recipient === otherManager.email))
        // Asking twice is refused while it waits.
        const twice = await leadBrowser.post(`/episodes/${scenario.episodeId}/close`, { ...fields, version: '99' })
        assert.equal(twice.statusCode, 422)

        // A manager of another agency, and a coordinator, are refused (audited); the lead's manager sees it queued.
        const otherBrowser = await signIn(t, otherManager)
        const deniedBefore = await auditCount(t, 'episode.approve-closure', 'denied')
        assert.equal((await otherBrowser.get(`/episodes/${scenario.episodeId}/close/approval`)).statusCode, 403)
        assert.equal(await auditCount(t, 'episode.approve-closure', 'denied'), deniedBefore + 1)
        assert.doesNotMatch((await otherBrowser.get('/closures/awaiting-approval')).body, new RegExp(scenario.reference))
        const coordinatorBrowser = await signIn(t, coordinator)
        assert.equal((await coordinatorBrowser.post(`/episodes/${scenario.episodeId}/close/approval`, { decision: 'approve', version: '1' })).statusCode, 403)
        const managerBrowser = await signIn(t, manager)
        assert.match((await managerBrowser.get('/closures/awaiting-approval')).body, new RegExp(scenario.reference))
        const approval = await managerBrowser.get(`/episodes/${scenario.episodeId}/close/approval`)
        assert.equal(approval.statusCode, 200)
        const closureVersion = load(approval.body)('input[name="version"]').attr('value') ?? ''
        const noComment = await managerBrowser.post(`/episodes/${scenario.episodeId}/close/approval`, { decision: 'return', version: closureVersion })
        assert.equal(noComment.statusCode, 400)
        const returned = await managerBrowser.post(`/episodes/${scenario.episodeId}/close/approval`, { decision: 'return', comment: 'Check the new area has accepted the referral first.', version: closureVersion })
        assert.equal(returned.statusCode, 303)
        const afterReturn = await t.database.db.selectFrom('episodeClosures').select(['status', 'returnComment', 'version']).where('episodeId', '=', scenario.episodeId).executeTakeFirstOrThrow()
        assert.equal(afterReturn.status, 'returned')
        assert.ok(await t.database.db.selectFrom('outbox').select('id').where('recipient', '=', lead.email).where('subject', '=', 'The closure of an early help episode was returned with comments').executeTakeFirst())
        // The lead sees the comment, asks again; the manager approves; the episode closes.
        const again = await leadBrowser.get(`/episodes/${scenario.episodeId}/close`)
        assert.match(load(again.body)('.govuk-warning-text').text(), /Check the new area has accepted the referral first/)
        assert.equal(load(again.body)('input[name="reason"][value="moved_out_of_area"]').attr('checked'), 'checked')
        const reasked = await leadBrowser.post(`/episodes/${scenario.episodeId}/close`, { ...fields, version: load(again.body)('input[name="version"]').attr('value') ?? '' })
        assert.equal(reasked.statusCode, 303)
        const stale = await managerBrowser.post(`/episodes/${scenario.episodeId}/close/approval`, { decision: 'approve', version: closureVersion })
        assert.equal(stale.statusCode, 409)
        const fresh = await managerBrowser.get(`/episodes/${scenario.episodeId}/close/approval`)
        const approved = await managerBrowser.post(`/episodes/${scenario.episodeId}/close/approval`, { decision: 'approve', version: load(fresh.body)('input[name="version"]').attr('value') ?? '' })
        assert.equal(approved.statusCode, 303)
        const episode = await t.database.db.selectFrom('episodes').select(['status', 'outcome']).where('id', '=', scenario.episodeId).executeTakeFirstOrThrow()
        assert.deepEqual(episode, { status: 'closed', outcome: 'moved_out_of_area' })
        const closure = await t.database.db.selectFrom('episodeClosures').select(['status', 'decidedByUserId']).where('episodeId', '=', scenario.episodeId).executeTakeFirstOrThrow()
        assert.deepEqual(closure, { status: 'closed', decidedByUserId: manager.id })
      } finally {
        await t.database.db.deleteFrom('earlyHelpSettings').where('authorityId', '=', authorityId).execute()
      }
    })

    it('links a new episode for the same child within 12 months of an earlier closure as a re-referral', async () => {
      const earlier = await buildSupportEpisode(t, authorityId, lead, agencyId)
      const closedAt = new Date(t.clock.now().getTime() - 90 * 86_400_000)
      await t.database.db.updateTable('episodes').set({ status: 'closed', closedAt, outcome: 'needs_met' }).where('id', '=', earlier.episodeId).execute()
      const started = await leadBrowser.post('/episodes/new', { personId: earlier.childId })
      assert.equal(started.statusCode, 303, started.body.slice(0, 300))
      const newId = String(started.headers.location).split('/')[2]?.split('?')[0] ?? ''
      const row = await t.database.db.selectFrom('episodes').select('previousEpisodeId').where('id', '=', newId).executeTakeFirstOrThrow()
      assert.equal(row.previousEpisodeId, earlier.episodeId)
      const page = await leadBrowser.get(`/episodes/${newId}`)
      assert.match(load(page.body)('.govuk-inset-text').text().replace(/\s+/g, ' '), new RegExp(`Re-referral: previous episode ${earlier.reference} closed on`))

      // More than 12 months ago: not a re-referral.
      const old = await buildSupportEpisode(t, authorityId, lead, agencyId)
      await t.database.db.updateTable('episodes').set({ status: 'closed', closedAt: new Date(t.clock.now().getTime() - 400 * 86_400_000) }).where('id', '=', old.episodeId).execute()
      const fresh = await leadBrowser.post('/episodes/new', { personId: old.childId })
      const freshId = String(fresh.headers.location).split('/')[2]?.split('?')[0] ?? ''
      assert.equal((await t.database.db.selectFrom('episodes').select('previousEpisodeId').where('id', '=', freshId).executeTakeFirstOrThrow()).previousEpisodeId, null)
    })

    it('API: reads the reviews, records a review and closes the episode', async () => {
      const scenario = await buildSupportEpisode(t, authorityId, lead, agencyId)
      const headers = apiHeaders(leadBrowser)
      const read = await t.app.inject({ method: 'GET', url: `/api/v1/episodes/${scenario.episodeId}/reviews`, headers })
      assert.equal(read.statusCode, 200, read.body)
      const body = read.json()
      assert.equal(body.reviewWeeks, 6)
      assert.equal(body.nextReviewOn, addDays(today, -50 + 42))
      assert.equal(body.overdue, true)
      assert.deepEqual(body.startScores.find((score: { elementKey: string }) => score.elementKey === 'general-health'), { elementKey: 'general-health', subject: scenario.childId, score: 3 })

      const bad = await t.app.inject({ method: 'POST', url: `/api/v1/episodes/${scenario.episodeId}/reviews`, headers, payload: JSON.stringify({ heldOn: today, familyViews: 'x', decision: 'step_up_panel' }) })
      assert.equal(bad.statusCode, 400)
      assert.match(String(bad.headers['content-type']), /problem\+json/)
      const recorded = await t.app.inject({
        method: 'POST',
        url: `/api/v1/episodes/${scenario.episodeId}/reviews`,
        headers,
        payload: JSON.stringify({
          heldOn: today,
          scores: [{ elementKey: 'general-health', subject: scenario.childId, score: 2 }],
          actions: [{ actionId: scenario.actionId, status: 'in_progress', version: 1 }],
          needs: [{ needId: scenario.needId, progress: 'some_progress' }],
          familyViews: 'Getting there',
          decision: 'revise_plan',
        }),
      })
      assert.equal(recorded.statusCode, 201, recorded.body)
      const after = recorded.json()
      assert.equal(after.reviews.length, 1)
      assert.equal(after.reviews[0].decision, 'revise_plan')
      assert.deepEqual(after.reviews[0].scores, [{ elementKey: 'general-health', subject: scenario.childId, score: 2 }])
      assert.equal(after.nextReviewOn, addDays(today, 42))
      assert.equal(after.overdue, false)
      const staleAction = await t.app.inject({
        method: 'POST',
        url: `/api/v1/episodes/${scenario.episodeId}/reviews`,
        headers,
        payload: JSON.stringify({ heldOn: today, actions: [{ actionId: scenario.actionId, status: 'done', version: 1 }], familyViews: 'x', decision: 'continue' }),
      })
      assert.equal(staleAction.statusCode, 409)

      const closed = await t.app.inject({
        method: 'POST',
        url: `/api/v1/episodes/${scenario.episodeId}/closure`,
        headers,
        payload: JSON.stringify({ reason: 'disengaged', scores: [{ elementKey: 'general-health', subject: scenario.childId, score: 2 }], summaryForFamily: 'We have not been able to meet for two months.', version: after.episodeVersion }),
      })
      assert.equal(closed.statusCode, 200, closed.body)
      assert.equal(closed.json().episodeStatus, 'closed')
      assert.equal(closed.json().closure.status, 'closed')

      const outsider = await signIn(t, colleague)
      const refused = await t.app.inject({ method: 'GET', url: `/api/v1/episodes/${scenario.episodeId}/reviews`, headers: apiHeaders(outsider) })
      assert.equal(refused.statusCode, 403)
    })
  })
}
