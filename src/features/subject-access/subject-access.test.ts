import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { databaseKinds } from '../../../test/helpers/database.ts'
import { Browser, buildTestApp, type TestApp } from '../../../test/helpers/build-test-app.ts'
import { signIn } from '../../../test/helpers/builders.ts'
import { pdfText } from '../../../test/helpers/pdf-text.ts'
import { buildAuthorityWorld, type AuthorityWorld } from '../../../test/helpers/world.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { paths } from '../../paths.ts'
import type { SarExport, SarItem } from './subject-access.service.ts'

// Subject access (issue 6): a coordinator exports everything held about a person as JSON and PDF; every seeded item
// appears, items about or naming other people are flagged for redaction review, and the export is audited.

for (const kind of databaseKinds()) {
  describe(`subject access export (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    let other: AuthorityWorld
    let coordinator: Browser
    const seeded: Record<string, string> = {}

    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Sarton')
      other = await buildAuthorityWorld(t, 'Elsewhere')
      const db = t.database.db
      const authorityId = world.authorityId
      const episodeId = world.episodeId
      const now = t.clock.now()
      const childId = world.episodeChildId
      // The child's mum and sister, in the same episode and household: other people, so third parties.
      const mumId = uuidv7()
      const sisterId = uuidv7()
      for (const [id, given] of [
        [mumId, 'Karenza'],
        [sisterId, 'Bethany'],
      ] as const) {
        await db.insertInto('persons').values({ authorityId, id, givenNames: given, familyName: 'Sarton', searchName: `${given} sarton`.toLowerCase(), createdByUserId: world.superUser.id }).execute()
      }
      await db.insertInto('episodePeople').values([
        { authorityId, episodeId, personId: mumId, role: 'adult' },
        { authorityId, episodeId, personId: sisterId, role: 'child' },
      ]).execute()
      seeded.householdId = uuidv7()
      await db.insertInto('households').values({ authorityId, id: seeded.householdId, name: 'Sarton family home', createdByUserId: world.superUser.id }).execute()
      await db.insertInto('householdMembers').values([
        { authorityId, householdId: seeded.householdId, personId: childId },
        { authorityId, householdId: seeded.householdId, personId: mumId },
      ]).execute()
      seeded.relationshipId = uuidv7()
      await db.insertInto('relationships').values({ authorityId, id: seeded.relationshipId, personId: mumId, relatedPersonId: childId, kind: 'mother', description: null, parentalResponsibility: true }).execute()
      await db
        .insertInto('assessmentElements')
        .values({ authorityId, assessmentId: world.assessmentId, elementKey: 'general-health', subject: sisterId, strengths: 'Sister strengths', needs: null, childWords: null, parentWords: null, practitionerScore: 2, familyScoreAdult: null, familyScoreChild: null, updatedByUserId: world.superUser.id, updatedAt: now })
        .execute()
      seeded.namingNoteId = uuidv7()
      seeded.plainNoteId = uuidv7()
      await db.insertInto('caseNotes').values([
        { authorityId, id: seeded.namingNoteId, episodeId, personId: childId, occurredOn: '2026-03-03', summary: 'Home visit', body: 'Karenza said the bedtime routine is better.', visibility: 'team', authorUserId: world.superUser.id, authorAgencyId: world.agencyId, createdAt: now },
        { authorityId, id: seeded.plainNoteId, episodeId, personId: childId, occurredOn: '2026-03-04', summary: 'School check-in', body: 'Attendance is up this term.', visibility: 'agency', authorUserId: world.superUser.id, authorAgencyId: world.agencyId, createdAt: now },
      ]).execute()
      seeded.familyViewId = uuidv7()
      await db
        .insertInto('familyViews')
        .values({ authorityId, id: seeded.familyViewId, episodeId, accountId: world.familyAccountId, meetingId: null, kind: 'young_person', goingWell: 'Football club', worrying: '', wouldLike: '', createdAt: now, updatedAt: now })
        .execute()
      seeded.familyScoreId = uuidv7()
      await db.insertInto('familyScores').values({ authorityId, id: seeded.familyScoreId, episodeId, accountId: world.familyAccountId, elementKey: 'general-health', subject: childId, scoreAdult: 7, scoreChild: null, recordedAt: now }).execute()
      coordinator = await signIn(t, world.superUser)
      // A read of the episode by a practitioner: it must appear in "who has accessed".
      assert.equal((await coordinator.get(paths.episodes.show(episodeId))).statusCode, 200)
    })
    after(() => t.close())

    async function exportJson(): Promise<SarExport> {
      const response = await coordinator.get(paths.subjectAccess.json(world.episodeChildId))
      assert.equal(response.statusCode, 200)
      assert.match(String(response.headers['content-disposition']), /^attachment; filename="subject-access-sartonchild-sarton-\d{4}-\d{2}-\d{2}\.json"$/)
      assert.equal(response.headers['cache-control'], 'no-store')
      return JSON.parse(response.body) as SarExport
    }

    const itemsOf = (sar: SarExport): SarItem[] => sar.sections.flatMap(section => section.items)

    it('holds every seeded item about the child (recall)', async () => {
      const sar = await exportJson()
      const ids = new Set(itemsOf(sar).map(item => item.id))
      const expected = {
        person: world.episodeChildId,
        episode: world.episodeId,
        consent: world.consentId,
        referral: world.referralId,
        assessment: world.assessmentId,
        element: `${world.assessmentId}:general-health:${world.episodeChildId}`,
        need: world.planNeedId,
        action: world.planActionId,
        document: world.documentId,
        familyDocument: world.familyDocumentId,
        meeting: world.meetingId,
        minutes: world.meetingId,
        review: world.reviewId,
        familyMember: world.familyMemberId,
        lead: world.leadId,
        handover: world.handoverId,
        ...seeded,
      }
      const missing = Object.entries(expected).filter(([, id]) => !ids.has(id))
      assert.deepEqual(missing, [])
      const types = new Set(itemsOf(sar).map(item => item.type))
      for (const type of ['agenda_items', 'meeting_minutes', 'plan_versions', 'distance_scores', 'episode_members', 'family_views', 'family_scores', 'safeguarding_referrals']) {
        assert.ok(types.has(type), `${type} in the export`)
      }
      assert.equal(sar.subject.name, 'Sartonchild Sarton')
      // Small documents come with their content; agency-only notes are included (everything held).
      const document = itemsOf(sar).find(item => item.id === world.documentId)
      assert.match(Buffer.from((document?.record.content as { data: string }).data, 'base64').toString(), /Sarton letter/)
      assert.ok(itemsOf(sar).some(item => item.id === seeded.plainNoteId && item.record.visibility === 'agency'))
      // Who has accessed: the coordinator's read of the episode, named.
      const access = sar.sections.find(section => section.key === 'access')
      assert.ok(access?.items.some(item => item.record.action === 'episode.view' && item.record.actorName === 'Sarton Super'))
      // Nothing of the other authority.
      assert.doesNotMatch(JSON.stringify(sar), /Elsewhere/)
    })

    it('flags items about or naming other people for redaction review, and not the rest', async () => {
      const sar = await exportJson()
      const find = (predicate: (item: SarItem) => boolean) => itemsOf(sar).find(predicate)
      const sisterElement = find(item => item.type === 'assessment_elements' && item.record.strengths === 'Sister strengths')
      assert.equal(sisterElement?.thirdParty.review, true)
      assert.deepEqual(sisterElement?.thirdParty.people, ['Bethany Sarton'])
      const namingNote = find(item => item.id === seeded.namingNoteId)
      assert.equal(namingNote?.thirdParty.review, true)
      assert.ok(namingNote?.thirdParty.people.includes('Karenza Sarton'))
      assert.equal(find(item => item.id === seeded.plainNoteId)?.thirdParty.review, false, JSON.stringify(find(item => item.id === seeded.plainNoteId)?.thirdParty))
      assert.equal(find(item => item.id === `${world.assessmentId}:general-health:${world.episodeChildId}`)?.thirdParty.review, false)
      assert.equal(find(item => item.id === seeded.relationshipId)?.thirdParty.review, true)
      assert.equal(find(item => item.type === 'persons')?.thirdParty.review, false)
      assert.ok(sar.summary.flaggedForRedactionReview >= 4)
      // Names for the ids: who recorded the note.
      assert.equal(namingNote?.names.authorUserId, 'Sarton Super')
    })

    it('gives a readable PDF with the same content, flags shown', async () => {
      const response = await coordinator.get(paths.subjectAccess.pdf(world.episodeChildId))
      assert.equal(response.statusCode, 200)
      assert.equal(response.headers['content-type'], 'application/pdf')
      const text = pdfText(response.rawPayload).replace(/\s+/g, ' ')
      for (const expected of ['Subject access request: Sartonchild Sarton', 'For redaction review', 'Karenza said the bedtime routine is better.', 'Sarton need', 'Who has accessed these records', 'Sarton Super']) {
        assert.ok(text.includes(expected), `PDF text has "${expected}": ${text.slice(0, 600)}`)
      }
    })

    it('shows a coordinator the summary page, linked from the person page', async () => {
      const person = load((await coordinator.get(paths.people.show(world.episodeChildId))).body)
      assert.equal(person(`a[href="${paths.subjectAccess.page(world.episodeChildId)}"]`).length, 1)
      const response = await coordinator.get(paths.subjectAccess.page(world.episodeChildId))
      assert.equal(response.statusCode, 200)
      const $ = load(response.body)
      assert.equal($('h1').text().trim(), 'Everything held about Sartonchild Sarton')
      assert.equal($(`a[href="${paths.subjectAccess.pdf(world.episodeChildId)}"]`).length, 1)
    })

    it('audits each export with its format and counts, never the content', async () => {
      await exportJson()
      const events = await t.database.db
        .selectFrom('auditEvents')
        .select(['details', 'recordId', 'outcome'])
        .where('authorityId', '=', world.authorityId)
        .where('action', '=', 'sar.export')
        .execute()
      const formats = events.map(event => (event.details as { format?: string }).format)
      assert.ok(formats.includes('json') && formats.includes('pdf') && formats.includes('summary'))
      assert.ok(events.every(event => event.recordId === world.episodeChildId && event.outcome === 'allowed'))
      assert.doesNotMatch(JSON.stringify(events), /Karenza said/)
    })

    it('refuses a practitioner without the coordinator role (audited), and 404s another authority\'s or a bad id', async () => {
      const practitioner = await signIn(t, world.practitioner)
      assert.equal((await practitioner.get(paths.subjectAccess.json(world.episodeChildId))).statusCode, 403)
      const denied = await t.database.db
        .selectFrom('auditEvents')
        .select('outcome')
        .where('authorityId', '=', world.authorityId)
        .where('action', '=', 'sar.export')
        .where('actorUserId', '=', world.practitioner.id)
        .execute()
      assert.deepEqual(denied.map(event => event.outcome), ['denied'])
      assert.equal((await coordinator.get(paths.subjectAccess.json(other.episodeChildId))).statusCode, 404)
      assert.equal((await coordinator.get(paths.subjectAccess.pdf('not-a-uuid'))).statusCode, 404)
      assert.equal((await new Browser(t.app).get(paths.subjectAccess.json(world.episodeChildId))).statusCode, 303)
    })
  })
}
