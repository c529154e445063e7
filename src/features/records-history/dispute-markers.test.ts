import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load, type CheerioAPI } from 'cheerio'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { buildTestApp, type Browser, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { signIn, signInFamily } from '../../../test/helpers/builders.ts'
import { buildAuthorityWorld, type AuthorityWorld } from '../../../test/helpers/world.ts'
import { pdfText } from '../../../test/helpers/pdf-text.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { paths } from '../../paths.ts'

// The "Disputed" marker beyond the record's own page (issue 6, rectification): the episode's and a person's
// chronology (screen and print), the /api/v1 responses that carry notes, minutes, assessment elements and chronology
// entries (`disputes`, described in the OpenAPI document), and the family's copy of the assessment (page and PDF).
// Each is checked where a record is disputed and where it is not.

const DAY = 86_400_000
type Json = Record<string, unknown>
type ApiDispute = { statement: string; madeAt: string; madeBy: string; recordedBy: string }

for (const kind of databaseKinds()) {
  describe(`the "Disputed" marker in the chronology, the API and the family's copy (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    let family: Browser
    let lead: Browser
    let disputedMeetingId: string
    let plainMeetingId: string
    let disputedNoteId: string
    let plainNoteId: string
    const db = () => t.database.db
    const minutesStatement = 'The mornings were hard because the bus was late.'
    const noteStatement = 'Dad was in hospital that day.'
    const teamStatement = 'Grandma told me on the phone that Dad had a letter from the hospital.'
    const elementStatement = 'Sam is healthy now: the asthma is under control.'

    async function circulatedMinutes(daysAgo: number, discussion: string): Promise<string> {
      const id = uuidv7()
      const startsAt = new Date(t.clock.now().getTime() - daysAgo * DAY)
      const owner = world.superUser.id
      await db()
        .insertInto('meetings')
        .values({ authorityId: world.authorityId, id, episodeId: world.episodeId, purpose: 'team_meeting', startsAt, endsAt: new Date(startsAt.getTime() + 3_600_000), venueName: 'The Family Hub', venueAddress: null, neutralVenue: true, accessibilityNotes: null, remoteLink: null, status: 'held', icsUid: `${id}@test`, chairUserId: owner, minuteTakerUserId: owner, scheduledByUserId: owner, createdAt: startsAt, cancelledAt: null, cancelReason: null })
        .execute()
      await db()
        .insertInto('meetingMinutes')
        .values({ authorityId: world.authorityId, meetingId: id, discussion, decisions: 'We will meet again.', familyViews: 'Mum wants help.', status: 'circulated', dueOn: new Date(startsAt.getTime() + 5 * DAY).toISOString().slice(0, 10), draftedByUserId: owner, submittedAt: null, approvedByUserId: owner, approvedAt: startsAt, circulatedAt: new Date(startsAt.getTime() + DAY), updatedAt: t.clock.now() })
        .execute()
      return id
    }

    async function familyNote(summary: string, body: string): Promise<string> {
      const id = uuidv7()
      await db()
        .insertInto('caseNotes')
        .values({ authorityId: world.authorityId, id, episodeId: world.episodeId, personId: null, occurredOn: '2026-03-03', summary, body, visibility: 'family', authorUserId: world.superUser.id, authorAgencyId: world.agencyId, createdAt: t.clock.now() })
        .execute()
      return id
    }

    async function disagree(record: string, statement: string) {
      await family.get(paths.recordHistory.familyDispute(world.episodeId))
      const response = await family.post(paths.recordHistory.familyDispute(world.episodeId), { record, statement })
      assert.equal(response.statusCode, 303, `${record}: ${response.body.slice(0, 300)}`)
    }

    /** The timeline entries of a chronology page, by title. */
    function entries($: CheerioAPI) {
      return $('.moj-timeline__item')
        .map((_i, element) => ({ title: $(element).find('.moj-timeline__title').text().trim(), item: $(element) }))
        .get()
    }

    /** The chronology's title of the circulation of the minutes of a meeting held `daysAgo`. */
    function minutesTitle(daysAgo: number): string {
      const day = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(t.clock.now().getTime() - daysAgo * DAY))
      return `Minutes of the meeting of ${day} circulated`
    }

    function entry($: CheerioAPI, title: RegExp) {
      const found = entries($).filter(item => title.test(item.title))
      assert.equal(found.length, 1, `one entry titled ${title}: ${entries($).map(item => item.title).join(' | ')}`)
      const [first] = found
      if (!first) throw new Error('unreachable')
      return first.item
    }

    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Markton')
      disputedMeetingId = await circulatedMinutes(30, 'Mum was not coping with the mornings.')
      plainMeetingId = await circulatedMinutes(60, 'Everyone agreed the plan.')
      disputedNoteId = await familyNote('Missed appointment', 'Dad missed the appointment.')
      plainNoteId = await familyNote('School visit', 'Sam is settled at school.')
      // A second element nobody disputes, and the assessment signed off: its elements are the family's to disagree with.
      const now = t.clock.now()
      await db()
        .insertInto('assessmentElements')
        .values({ authorityId: world.authorityId, assessmentId: world.assessmentId, elementKey: 'physical-development', subject: world.episodeChildId, strengths: 'Walks to school every day.', needs: null, childWords: null, parentWords: null, practitionerScore: 0, familyScoreAdult: null, familyScoreChild: null, updatedByUserId: world.superUser.id, updatedAt: now })
        .execute()
      await db()
        .updateTable('assessments')
        .set({ status: 'completed', signedOffAt: now, signedOffByUserId: world.superUser.id, outcome: 'multi_agency', completionDate: now.toISOString().slice(0, 10) })
        .where('authorityId', '=', world.authorityId)
        .where('id', '=', world.assessmentId)
        .execute()
      family = await signInFamily(t, { authorityId: world.authorityId, accountId: world.familyAccountId })
      lead = await signIn(t, world.superUser)
      await disagree(`meeting_minutes|${disputedMeetingId}`, minutesStatement)
      await disagree(`case_notes|${disputedNoteId}`, noteStatement)
      await disagree(`assessment_elements|${world.assessmentId}:general-health:${world.episodeChildId}`, elementStatement)
      // A statement the family gave the team, recorded by the lead professional on the episode's history page (later).
      t.clock.advanceMinutes(1)
      await lead.get(paths.recordHistory.episode(world.episodeId))
      const recorded = await lead.post(paths.recordHistory.dispute(world.episodeId), { record: `case_notes|${disputedNoteId}`, statement: teamStatement, byName: 'Markton Grandparent' })
      assert.equal(recorded.statusCode, 303, recorded.body.slice(0, 300))
    })
    after(() => t.close())

    it('marks the disputed entries of the episode’s chronology, with the statements and a link to each record, and no other entry', async () => {
      const response = await lead.get(paths.records.chronology(world.episodeId))
      assert.equal(response.statusCode, 200)
      const $ = load(response.body)
      const disputed = entries($).filter(item => item.item.find('.onestory-disputed').length > 0)
      assert.deepEqual(disputed.map(item => item.title).sort(), ['Assessment signed off', 'Case note: Missed appointment', minutesTitle(30)].sort(), 'exactly the three disputed records carry the marker')
      for (const item of disputed) {
        assert.equal(item.item.find('.govuk-tag--red').text().trim(), 'Disputed', item.title)
        assert.equal(item.item.attr('data-disputed'), 'true', item.title)
      }

      const note = entry($, /^Case note: Missed appointment$/)
      assert.match(note.find('.onestory-disputed').text(), /Statement from Markton Parent, family, on \d{1,2} \w+ \d{4}/)
      assert.match(note.find('.onestory-disputed').text(), /Dad was in hospital that day\./)
      assert.match(note.find('.onestory-disputed').text(), /Statement from Markton Grandparent, recorded by the team, on/)
      assert.match(note.find('.onestory-disputed').text(), /Grandma told me on the phone/)
      assert.match(note.text(), /Dad missed the appointment\./, 'the note is shown as written')
      assert.equal(note.find('.onestory-disputed a').attr('href'), `${paths.records.notes(world.episodeId)}#note-${disputedNoteId}-disputed`)
      assert.equal(note.find('.onestory-disputed a').text().trim(), 'Read the case note with the family’s statements')

      const minutes = entry($, new RegExp(`^${minutesTitle(30)}$`))
      assert.match(minutes.find('.onestory-disputed').text(), /The mornings were hard because the bus was late\./)
      assert.equal(minutes.find('.onestory-disputed a').attr('href'), `${paths.meetings.minutes(world.episodeId, disputedMeetingId)}#disputed`)

      const assessment = entry($, /^Assessment signed off$/)
      assert.match(assessment.find('.onestory-disputed').text(), /Sam is healthy now/)
      assert.equal(assessment.find('.onestory-disputed a').attr('href'), `${paths.assessments.element(world.episodeId, 'general-health', world.episodeChildId)}#disputed`)
      assert.equal(assessment.find('.onestory-disputed a').text().trim(), 'Read the assessment of general health with the family’s statement')

      // Not disputed: the other note, the other minutes, the assessment's start.
      assert.equal(entry($, /^Case note: School visit$/).find('.onestory-disputed').length, 0)
      assert.equal(entry($, new RegExp(`^${minutesTitle(60)}$`)).find('.onestory-disputed').length, 0)
      assert.equal(entry($, /^Common assessment started$/).find('.onestory-disputed').length, 0)
      assert.equal($('.govuk-tag--red').filter((_i, element) => $(element).text().trim() === 'Disputed').length, 3)
      assert.ok(!$('.onestory-disputed').text().includes('Sam is settled at school'), 'no statement is attached to a record nobody disputed')

      // Each link lands on the record's page, at its "Disputed" marker.
      for (const href of [note, minutes, assessment].map(item => String(item.find('.onestory-disputed a').attr('href')))) {
        const [url = '', anchor = ''] = href.split('#')
        const page = await lead.get(url)
        assert.equal(page.statusCode, 200, url)
        const target = load(page.body)(`#${anchor}`)
        assert.equal(target.length, 1, `${href}: the anchor exists`)
        assert.equal(target.find('.govuk-tag--red').text().trim(), 'Disputed', href)
      }
    })

    it('keeps the statements in the printable chronology and the child’s own chronology, and only on the disputed entries when filtered', async () => {
      const print = load((await lead.get(paths.records.chronologyPrint(world.episodeId))).body)
      assert.equal(print('.moj-timeline__item[data-disputed="true"]').length, 3)
      assert.match(print('.onestory-print-document').text(), /The mornings were hard because the bus was late\./)

      const notesOnly = load((await lead.get(`${paths.records.chronology(world.episodeId)}?kind=note`)).body)
      assert.equal(notesOnly('.moj-timeline__item[data-disputed="true"]').length, 1, 'filtered to notes: only the note')
      const plans = load((await lead.get(`${paths.records.chronology(world.episodeId)}?kind=plan`)).body)
      assert.equal(plans('.onestory-disputed').length, 0)

      const person = await lead.get(paths.records.personChronology(world.episodeChildId))
      assert.equal(person.statusCode, 200)
      const $ = load(person.body)
      assert.equal($('.moj-timeline__item[data-disputed="true"]').length, 3, 'the child’s chronology marks the family’s and the child’s disputed records')
      assert.match(entry($, /^Case note: Missed appointment$/).find('.onestory-disputed').text(), /Dad was in hospital that day\./)
    })

    it('gives every note, minutes, assessment element and chronology entry of the API its statements (empty when none)', async () => {
      const notes = await lead.get(`/api/v1/episodes/${world.episodeId}/notes`)
      assert.equal(notes.statusCode, 200, notes.body)
      const noteItems = (notes.json() as { items: Array<{ id: string; disputes: ApiDispute[] }> }).items
      const disputedNote = noteItems.find(item => item.id === disputedNoteId)
      assert.deepEqual(
        disputedNote?.disputes.map(({ statement, madeBy, recordedBy }) => ({ statement, madeBy, recordedBy })),
        [
          { statement: noteStatement, madeBy: 'Markton Parent', recordedBy: 'family' },
          { statement: teamStatement, madeBy: 'Markton Grandparent', recordedBy: 'team' },
        ],
      )
      for (const dispute of disputedNote?.disputes ?? []) assert.ok(!Number.isNaN(Date.parse(dispute.madeAt)) && dispute.madeAt.endsWith('Z'), dispute.madeAt)
      assert.deepEqual(noteItems.find(item => item.id === plainNoteId)?.disputes, [])
      assert.ok(noteItems.every(item => Array.isArray(item.disputes)), 'every note has the field')

      const meetings = await lead.get(`/api/v1/episodes/${world.episodeId}/meetings`)
      assert.equal(meetings.statusCode, 200, meetings.body)
      const meetingItems = (meetings.json() as { items: Array<{ id: string; minutes: { disputes: ApiDispute[] } | null }> }).items
      assert.deepEqual(meetingItems.find(item => item.id === disputedMeetingId)?.minutes?.disputes.map(item => item.statement), [minutesStatement])
      assert.equal(meetingItems.find(item => item.id === disputedMeetingId)?.minutes?.disputes[0]?.madeBy, 'Markton Parent')
      assert.deepEqual(meetingItems.find(item => item.id === plainMeetingId)?.minutes?.disputes, [])

      const assessment = await lead.get(`/api/v1/episodes/${world.episodeId}/assessment`)
      assert.equal(assessment.statusCode, 200, assessment.body)
      const elements = (assessment.json() as { elements: Array<{ elementKey: string; disputes: ApiDispute[] }> }).elements
      assert.deepEqual(elements.find(item => item.elementKey === 'general-health')?.disputes.map(item => [item.statement, item.madeBy, item.recordedBy]), [[elementStatement, 'Markton Parent', 'family']])
      assert.deepEqual(elements.find(item => item.elementKey === 'physical-development')?.disputes, [])

      const chronology = await lead.get(`/api/v1/episodes/${world.episodeId}/chronology`)
      assert.equal(chronology.statusCode, 200, chronology.body)
      const events = (chronology.json() as { items: Array<{ title: string; disputes: ApiDispute[] }> }).items
      const withDisputes = events.filter(item => item.disputes.length > 0)
      assert.deepEqual(withDisputes.map(item => item.title).sort(), ['Assessment signed off', 'Case note: Missed appointment', minutesTitle(30)].sort())
      assert.equal(events.find(item => item.title === 'Case note: Missed appointment')?.disputes.length, 2)
      assert.ok(events.every(item => Array.isArray(item.disputes)))
    })

    it('returns an element’s statements when it is saved through the API (the statements are never changed by it)', async () => {
      await db().updateTable('assessments').set({ status: 'in_progress' }).where('authorityId', '=', world.authorityId).where('id', '=', world.assessmentId).execute()
      try {
        const current = await db()
          .selectFrom('assessmentElements')
          .select(['version'])
          .where('authorityId', '=', world.authorityId)
          .where('assessmentId', '=', world.assessmentId)
          .where('elementKey', '=', 'general-health')
          .executeTakeFirstOrThrow()
        const saved = await lead.send('POST', `/api/v1/episodes/${world.episodeId}/assessment/elements/general-health/${world.episodeChildId}`, {}, { version: current.version, strengths: 'Sees the GP for the asthma.', practitionerScore: 1 })
        assert.equal(saved.statusCode, 200, saved.body)
        const body = saved.json() as { strengths: string; disputes: ApiDispute[] }
        assert.equal(body.strengths, 'Sees the GP for the asthma.')
        assert.deepEqual(body.disputes.map(item => item.statement), [elementStatement])
      } finally {
        await db().updateTable('assessments').set({ status: 'completed' }).where('authorityId', '=', world.authorityId).where('id', '=', world.assessmentId).execute()
      }
    })

    it('describes `disputes` in the OpenAPI document for notes, minutes, elements and chronology entries', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })
      assert.equal(response.statusCode, 200)
      const document = response.json() as Json
      const responseSchema = (path: string, method: string, status: string): Json => {
        const operation = ((document.paths as Record<string, Json>)[path] as Record<string, Json>)[method] as Json
        const content = ((operation.responses as Record<string, Json>)[status] as Json).content as Record<string, Json>
        return (content['application/json'] as Json).schema as Json
      }
      const disputesOf = (schema: Json): Json => (schema.properties as Record<string, Json>).disputes as Json
      const itemsOf = (schema: Json): Json => ((schema.properties as Record<string, Json>).items as Json).items as Json
      const check = (disputes: Json, where: string) => {
        assert.equal(disputes.type, 'array', where)
        const item = disputes.items as Json
        assert.deepEqual(Object.keys(item.properties as Json).sort(), ['madeAt', 'madeBy', 'recordedBy', 'statement'], where)
        assert.deepEqual([...(item.required as string[])].sort(), ['madeAt', 'madeBy', 'recordedBy', 'statement'], where)
        assert.equal(((item.properties as Record<string, Json>).madeAt as Json).format, 'date-time', where)
      }
      check(disputesOf(itemsOf(responseSchema('/episodes/{episodeId}/notes', 'get', '200'))), 'notes')
      check(disputesOf(itemsOf(responseSchema('/episodes/{episodeId}/chronology', 'get', '200'))), 'chronology')
      const meeting = itemsOf(responseSchema('/episodes/{episodeId}/meetings', 'get', '200'))
      const minutes = (meeting.properties as Record<string, Json>).minutes as Json
      const minutesObject = ((minutes.anyOf as Json[] | undefined) ?? [minutes]).find(option => option.type === 'object') as Json
      check(disputesOf(minutesObject), 'minutes')
      const assessment = responseSchema('/episodes/{episodeId}/assessment', 'get', '200')
      check(disputesOf(((assessment.properties as Record<string, Json>).elements as Json).items as Json), 'assessment elements')
    })

    it('tells the family in their copy of the assessment (page and PDF) which element they disagree with, in their words', async () => {
      const page = await lead.get(paths.assessmentCompletion.familyCopy(world.episodeId))
      assert.equal(page.statusCode, 200)
      const $ = load(page.body)
      const text = $('.onestory-family-copy__body').text()
      assert.equal(text.match(/You told us you disagree with this\./g)?.length, 1, 'one disputed element, one notice')
      // The notice and the statement follow the disputed element's heading, before the next element's.
      const health = text.indexOf('General health')
      const notice = text.indexOf('You told us you disagree with this.')
      const physical = text.indexOf('Physical development')
      assert.ok(health !== -1 && physical !== -1 && health < notice && notice < physical, `order: ${health} ${notice} ${physical}`)
      assert.match(text, /What Markton Parent told us on \d{1,2} \w+ \d{4}:\s*Sam is healthy now: the asthma is under control\./)
      assert.match(text, /We have not changed what we wrote, and we keep your words with it\./)
      assert.match(text, /Walks to school every day\./, 'the undisputed element is there, without a notice')

      const pdf = await lead.get(paths.assessmentCompletion.familyCopyPdf(world.episodeId))
      assert.equal(pdf.statusCode, 200)
      const words = pdfText(pdf.rawPayload).replace(/\s+/g, ' ')
      assert.match(words, /You told us you disagree with this\./)
      assert.match(words, /What Markton Parent told us on \d{1,2} \w+ \d{4}/)
      assert.match(words, /Sam is healthy now: the asthma is under control\./)
      assert.equal(words.match(/You told us you disagree with this\./g)?.length, 1)
    })

    it('leaves a young person’s own statement out of the copy their parents receive, and shows it to the team', async () => {
      const youngPersonId = uuidv7()
      const now = t.clock.now()
      await db()
        .insertInto('familyAccounts')
        .values({ authorityId: world.authorityId, id: youngPersonId, name: 'Markton Young Person', email: 'young.markton@example.org', mobile: null, preferredChannel: 'email', kind: 'young_person', personId: world.episodeChildId, status: 'active', invitedByUserId: world.superUser.id, invitedAt: now, firstSignedInAt: now, lastSignedInAt: now, revokedAt: null, revokedByUserId: null })
        .execute()
      const statement = 'I do not want Mum to read this: I am not sleeping.'
      await db()
        .insertInto('recordDisputes')
        .values({ authorityId: world.authorityId, id: uuidv7(), episodeId: world.episodeId, tableName: 'assessment_elements', recordId: `${world.assessmentId}:physical-development:${world.episodeChildId}`, recordLabel: 'Physical development', statement, byKind: 'family', byFamilyAccountId: youngPersonId, byUserId: null, byName: 'Markton Young Person', at: now })
        .execute()
      const page = await lead.get(paths.assessmentCompletion.familyCopy(world.episodeId))
      assert.equal(page.statusCode, 200)
      assert.doesNotMatch(page.body, /not sleeping/)
      assert.equal(load(page.body)('.onestory-family-copy__body').text().match(/You told us you disagree with this\./g)?.length, 1, 'still only the parent’s')
      const pdf = await lead.get(paths.assessmentCompletion.familyCopyPdf(world.episodeId))
      assert.doesNotMatch(pdfText(pdf.rawPayload).replace(/\s+/g, ' '), /not sleeping/)
      const api = await lead.get(`/api/v1/episodes/${world.episodeId}/assessment`)
      assert.match(api.body, /not sleeping/, 'the team still sees it')
    })
  })
}
