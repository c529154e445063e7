import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import type { LightMyRequestResponse } from 'fastify'
import { sql } from 'kysely'
import { uuidv7 } from '../../src/lib/ids.ts'
import { databaseKinds } from '../helpers/database.ts'
import { Browser, buildTestApp, errorSummary, type TestApp } from '../helpers/build-test-app.ts'
import { buildAgency, buildAuthority, buildUser, signIn, type TestUser } from '../helpers/builders.ts'
import { arrive, choice, linkTo, submit, textOf } from '../helpers/journey.ts'
import { calendarPart, parseIcs, readable, startSmtp, type Received } from '../helpers/smtp.ts'

// The team around the family of issue 4, end to end, as practitioners walk it in the browser (pages read with
// cheerio, links followed as shown, forms posted with every field a browser sends), with a real SMTP server receiving
// the invitations and the minutes, then the same records read back through the API.

const DAY = 86_400_000
const counts = { emails: 0, ics: 0, pdfs: 0 }

for (const kind of databaseKinds()) {
  describe(`team around the family journey, end to end (${kind})`, () => {
    let t: TestApp
    let smtp: Awaited<ReturnType<typeof startSmtp>>
    let authorityId: string
    let teacher: TestUser
    let visitor: TestUser
    let outsider: TestUser
    let teacherBrowser: Browser
    let visitorBrowser: Browser
    const family = { child: '', mum: '', episodeId: '', reference: '' }
    let meetingPath = ''

    const at = (iso: string) => t.clock.advanceMinutes((new Date(iso).getTime() - t.clock.now().getTime()) / 60_000)
    const isoDay = (offsetDays: number) => new Date(t.clock.now().getTime() + offsetDays * DAY).toISOString().slice(0, 10)
    const dateFields = (prefix: string, iso: string) => {
      const [year = '', month = '', day = ''] = iso.split('-')
      return { [`${prefix}-day`]: String(Number(day)), [`${prefix}-month`]: String(Number(month)), [`${prefix}-year`]: year }
    }
    async function deliver(): Promise<Received[]> {
      const before = smtp.received.length
      await t.app.services.outbox.sendDue()
      const fresh = smtp.received.slice(before)
      counts.emails += fresh.length
      return fresh
    }
    /** Opens the episode's section from the sub-navigation, as a practitioner would. */
    async function section(browser: Browser, name: RegExp): Promise<LightMyRequestResponse> {
      const overview = await browser.get(`/episodes/${family.episodeId}`)
      assert.equal(overview.statusCode, 200)
      const $ = load(overview.body)
      const href = $('nav.moj-sub-navigation a').filter((_i, a) => name.test($(a).text())).attr('href')
      assert.ok(href, `the episode navigation has ${name}`)
      const page = await browser.get(href)
      assert.equal(page.statusCode, 200, `${name}: ${textOf(page.body).slice(0, 300)}`)
      return page
    }
    async function follow(browser: Browser, page: LightMyRequestResponse, link: RegExp): Promise<LightMyRequestResponse> {
      const next = await browser.get(linkTo(page.body, link))
      assert.equal(next.statusCode, 200, `${link}: ${textOf(next.body).slice(0, 300)}`)
      return next
    }

    before(async () => {
      smtp = await startSmtp()
      t = await buildTestApp(kind, { env: { SMTP_URL: `smtp://127.0.0.1:${smtp.port}`, MAIL_FROM: 'OneStory <no-reply@onestory.test>' } })
      // Monday 1 March 2027, 09:00 UK time.
      at('2027-03-01T09:00:00Z')
      const authority = await buildAuthority(t)
      authorityId = authority.id
      const school = await buildAgency(t, authorityId, { name: 'Riverside Primary School' })
      const health = await buildAgency(t, authorityId, { name: 'Riverside Health Visiting' })
      teacher = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [school.id], name: 'Tara Teacher', email: 'tara@school.example.org' })
      visitor = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [health.id], name: 'Hana Visitor', email: 'hana@health.example.org' })
      outsider = await buildUser(t, authorityId, { roles: ['practitioner'], agencyIds: [school.id], name: 'Oscar Outsider' })

      // Where issue 3's journey ends: a child and her mum, an episode at the support stage after a completed assessment
      // that recorded two needs with Distance Travelled scores.
      const db = t.database.db
      const now = t.clock.now()
      family.child = uuidv7()
      family.mum = uuidv7()
      await db.insertInto('persons').values({ authorityId, id: family.child, givenNames: 'Amira', familyName: 'Okafor', dateOfBirth: '2017-05-04', searchName: 'amira okafor', createdByUserId: teacher.id }).execute()
      await db.insertInto('persons').values({ authorityId, id: family.mum, givenNames: 'Grace', familyName: 'Okafor', dateOfBirth: '1988-01-02', email: 'grace.okafor@example.org', searchName: 'grace okafor', createdByUserId: teacher.id }).execute()
      const householdId = uuidv7()
      await db.insertInto('households').values({ authorityId, id: householdId, name: 'Okafor', createdByUserId: teacher.id }).execute()
      for (const personId of [family.child, family.mum]) await db.insertInto('householdMembers').values({ authorityId, householdId, personId }).execute()
      const template = await db.selectFrom('assessmentTemplateVersions').select('id').where('authorityId', '=', authorityId).where('templateKey', '=', 'caf-standard').executeTakeFirstOrThrow()
      family.episodeId = uuidv7()
      family.reference = 'EH-2027-000042'
      await db.insertInto('episodes').values({ authorityId, id: family.episodeId, reference: family.reference, scope: 'child', householdId, localityId: null, agencyId: school.id, status: 'support', outcome: null, startedByUserId: teacher.id, startedAt: new Date(now.getTime() - 30 * DAY), closedAt: null, templateVersionId: template.id }).execute()
      await db.insertInto('episodePeople').values({ authorityId, episodeId: family.episodeId, personId: family.child, role: 'child' }).execute()
      await db.insertInto('episodeMembers').values({ authorityId, episodeId: family.episodeId, userId: teacher.id, agencyId: school.id, role: 'owner', addedByUserId: teacher.id, joinedAt: now, leftAt: null }).execute()
      const assessmentId = uuidv7()
      await db.insertInto('assessments').values({ authorityId, id: assessmentId, episodeId: family.episodeId, templateVersionId: template.id, status: 'completed', assessorUserId: teacher.id, assessorAgencyId: school.id, discussionDate: isoDay(-10), outcome: 'multi_agency', completionDate: isoDay(-7), createdAt: now, updatedAt: now }).execute()
      await db
        .insertInto('assessmentElements')
        .values([
          { authorityId, assessmentId, elementKey: 'general-health', subject: family.child, needs: 'Amira has headaches most mornings and misses the start of school', practitionerScore: 3, updatedByUserId: teacher.id, updatedAt: now },
          { authorityId, assessmentId, elementKey: 'housing-employment-and-financial-considerations', subject: 'family', needs: 'The flat is damp and cold', practitionerScore: 2, updatedByUserId: teacher.id, updatedAt: now },
        ])
        .execute()
      teacherBrowser = await signIn(t, teacher)
    })
    after(async () => {
      await t.close()
      await smtp.stop()
    })

    it('sets up the team: a practitioner from another agency, the mum and an advocate', async () => {
      let team = await section(teacherBrowser, /^Team$/)
      let form = await follow(teacherBrowser, team, /Add a practitioner/)
      team = await arrive(teacherBrowser, await submit(teacherBrowser, form, /Add to the team/, { practitioner: choice(form.body, 'practitioner', /Hana Visitor/), teamRole: 'Health visitor' }), 'add the health visitor')
      form = await follow(teacherBrowser, team, /Add a family member or supporter/)
      team = await arrive(teacherBrowser, await submit(teacherBrowser, form, /Add to the team/, { kind: 'family_member', personId: family.mum, relationship: 'Mum' }), 'add the mum')
      form = await follow(teacherBrowser, team, /Add a family member or supporter/)
      team = await arrive(teacherBrowser, await submit(teacherBrowser, form, /Add to the team/, { kind: 'advocate', personId: '', name: 'Sam Adeyemi', organisation: 'Northshire Parent Partnership', email: 'sam@parents.example.org' }), 'add the advocate')
      const text = textOf(team.body)
      for (const expected of ['Hana Visitor', 'Health visitor', 'Riverside Health Visiting', 'Grace Okafor', 'Sam Adeyemi', 'There is no lead professional']) {
        assert.ok(text.includes(expected), `the team page shows ${expected}: ${text.slice(0, 600)}`)
      }
      const whoIsWho = await follow(teacherBrowser, team, /Who is who/)
      assert.match(textOf(whoIsWho.body), /Hana Visitor.*Riverside Health Visiting/)
    })

    it('appoints the lead professional the family chose, in their words', async () => {
      const team = await section(teacherBrowser, /^Team$/)
      const form = await follow(teacherBrowser, team, /Appoint a lead professional/)
      const page = await arrive(
        teacherBrowser,
        await submit(teacherBrowser, form, /Appoint lead professional/, {
          scope: 'whole_family',
          userId: choice(form.body, 'userId', /Tara Teacher/),
          appointedVia: 'team_meeting',
          familyChose: 'yes',
          familyPreference: 'Amira trusts Miss Teacher and sees her every day',
        }),
        'appoint the lead',
      )
      assert.match(textOf(page.body), /The family chose Tara Teacher/)
      assert.doesNotMatch(textOf(page.body), /There is no lead professional/)
    })

    it('builds the plan from the assessment, agrees version 1 and records the family’s signature', async () => {
      let plan = await section(teacherBrowser, /^Plan$/)
      let form = await follow(teacherBrowser, plan, /Add a need/)
      const source = choice(form.body, 'source', /General health/)
      plan = await arrive(teacherBrowser, await submit(teacherBrowser, form, /Add the need/, { source, outcomeWanted: 'Amira gets to school on time and feels well', frameworkOutcomes: ['being_healthy', 'enjoying_and_achieving'] }), 'add a need from the assessment')
      assert.match(textOf(plan.body), /headaches most mornings/)
      form = await follow(teacherBrowser, plan, /Add an action/)
      plan = await arrive(teacherBrowser, await submit(teacherBrowser, form, /Add the action/, { what: 'See Amira and Grace at home about the headaches', owner: choice(form.body, 'owner', /Hana Visitor/), ...dateFields('dueOn', isoDay(14)) }), 'add the visitor’s action')
      form = await follow(teacherBrowser, plan, /Add an action/)
      plan = await arrive(teacherBrowser, await submit(teacherBrowser, form, /Add the action/, { what: 'Keep a diary of the headaches for two weeks', owner: choice(form.body, 'owner', /Grace Okafor/), ...dateFields('dueOn', isoDay(14)) }), 'add the mum’s action')
      form = await follow(teacherBrowser, plan, /what happens if the agreed changes do not happen/)
      plan = await arrive(teacherBrowser, await submit(teacherBrowser, form, /Save|Continue/, { ifNotAchieved: 'If Amira is still missing school after six weeks, the team will ask the school nurse and the GP to meet together.' }), 'what happens if not')
      form = await follow(teacherBrowser, plan, /Agree this plan/)
      const version = await arrive(teacherBrowser, await submit(teacherBrowser, form, /Agree version 1/, { confirm: 'yes', changeSummary: 'First plan' }), 'agree version 1')
      assert.match(textOf(version.body), /Family support plan, version 1/)
      const signed = await arrive(teacherBrowser, await submit(teacherBrowser, version, /Record the signature/, { signer: choice(version.body, 'signer', /Grace Okafor/), method: 'on_paper', ...dateFields('signedOn', isoDay(0)) }), 'the mum signs')
      assert.match(textOf(signed.body), /Grace Okafor Family member Signed a paper copy/)
      const copy = await teacherBrowser.get(`/episodes/${family.episodeId}/plan/family-copy.pdf`)
      assert.equal(copy.statusCode, 200)
      assert.equal(copy.headers['content-type'], 'application/pdf')
      assert.equal(copy.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-')
      counts.pdfs++
    })

    it('schedules the first team meeting: every invitee with an email gets an invitation with a valid .ics', async () => {
      const meetings = await section(teacherBrowser, /^Meetings$/)
      const form = await follow(teacherBrowser, meetings, /Schedule a meeting/)
      const $ = load(form.body)
      const invitees = $('input[type="checkbox"]').map((_i, input) => String($(input).attr('value'))).get()
      assert.ok(invitees.length >= 4, 'the teacher, the visitor, the mum and the advocate can be invited')
      const inviteeField = String($('input[type="checkbox"]').first().attr('name'))
      const scheduled = await submit(teacherBrowser, form, /Schedule|Send/, {
          purpose: 'first_team_meeting',
          ...dateFields('date', '2027-03-08'),
          startTime: '10:00',
          endTime: '11:00',
          venueName: 'Riverside Family Hub',
          venueAddress: '1 Mill Lane, Riverside',
          neutralVenue: 'yes',
          accessibilityNotes: 'Step-free entrance',
          remoteLink: '',
          [inviteeField]: invitees,
        })
      await arrive(teacherBrowser, scheduled, 'schedule the meeting')
      meetingPath = String(scheduled.headers.location).split('?')[0] ?? ''
      assert.match(meetingPath, /^\/episodes\/[^/]+\/meetings\/[^/]+$/)
      const received = await deliver()
      const recipients = received.flatMap(message => message.to).sort()
      assert.deepEqual(recipients, ['grace.okafor@example.org', 'hana@health.example.org', 'sam@parents.example.org', 'tara@school.example.org'])
      for (const message of received) {
        const part = calendarPart(message.raw)
        assert.ok(part, 'each invitation carries a calendar file')
        const calendar = parseIcs(part.text)
        counts.ics++
        assert.equal(calendar.method, 'REQUEST')
        assert.equal(calendar.event.startDate.toJSDate().toISOString(), '2027-03-08T10:00:00.000Z')
        assert.match(calendar.event.location, /Riverside Family Hub/)
        assert.ok(!readable(message.raw).includes('Amira'), 'the child is never named in an email')
      }
    })

    it('takes an agenda item from the family, records who came, and circulates the approved minutes to everyone', async () => {
      let meeting = await teacherBrowser.get(meetingPath)
      meeting = await arrive(teacherBrowser, await submit(teacherBrowser, meeting, /Add to the agenda/, { text: 'How Amira gets to school when the bus is late', raisedBy: choice(meeting.body, 'raisedBy', /Grace Okafor/) }), 'the family’s agenda item')
      assert.match(textOf(meeting.body), /How Amira gets to school when the bus is late/)
      assert.match(textOf(meeting.body), /family’s item/i)

      at('2027-03-08T11:30:00Z')
      teacherBrowser = await signIn(t, teacher)
      meeting = await teacherBrowser.get(meetingPath)
      const attendance = await follow(teacherBrowser, meeting, /Record who came/)
      const $ = load(attendance.body)
      const changes: Record<string, string> = {}
      $('input[type="radio"][name^="attendance-"]').each((_i, input) => {
        const name = String($(input).attr('name'))
        changes[name] = $(input).closest('fieldset').find('legend').text().includes('Sam') ? 'apologies' : 'attended'
      })
      meeting = await arrive(teacherBrowser, await submit(teacherBrowser, attendance, /Save attendance/, { ...changes, chairUserId: visitor.id, minuteTakerUserId: teacher.id }), 'attendance')

      const attended = await sql<{ name: string; attendance: string }>`select name, attendance from meeting_invitees where authority_id = ${authorityId} order by name`.execute(t.database.db)
      assert.deepEqual(attended.rows.map(row => `${row.name}: ${row.attendance}`), ['Grace Okafor: attended', 'Hana Visitor: attended', 'Sam Adeyemi: apologies', 'Tara Teacher: attended'])
      let minutes = await follow(teacherBrowser, meeting, /Write the minutes/)
      minutes = await arrive(teacherBrowser, await submit(teacherBrowser, minutes, /Add the action to the plan/, { what: 'Ask the bus company about the 8:10 service', owner: choice(minutes.body, 'owner', /Tara Teacher/), ...dateFields('dueOn', isoDay(10)) }), 'a new action in the minutes')
      const drafted = await submit(teacherBrowser, minutes, /Send to the chair for approval/, {
        discussion: 'We talked about Amira’s headaches and getting to school on time.',
        decisions: 'Hana will visit at home. Grace will keep a diary.',
        familyViews: 'Grace said the mornings are the hardest part.',
      })
      await arrive(teacherBrowser, drafted, 'send the minutes to the chair')
      const plan = await teacherBrowser.get(`/episodes/${family.episodeId}/plan`)
      assert.match(textOf(plan.body), /Ask the bus company about the 8:10 service/, 'the action from the minutes is in the plan')

      visitorBrowser = await signIn(t, visitor)
      const home = await visitorBrowser.get('/')
      const decide = await follow(visitorBrowser, home, /Minutes of the meeting/)
      await deliver()
      await arrive(visitorBrowser, await submit(visitorBrowser, decide, /Approve and circulate/), 'approve and circulate')
      const circulated = await deliver()
      const recipients = circulated.flatMap(message => message.to).sort()
      assert.deepEqual(recipients, ['grace.okafor@example.org', 'hana@health.example.org', 'sam@parents.example.org', 'tara@school.example.org'], 'every team member and the family')
      const minutesRow = await sql<{ status: string }>`select status from meeting_minutes where authority_id = ${authorityId}`.execute(t.database.db)
      assert.equal(minutesRow.rows[0]?.status, 'circulated')
    })

    it('reviews the plan with the family, re-scoring Distance Travelled', async () => {
      at('2027-04-12T10:00:00Z')
      teacherBrowser = await signIn(t, teacher)
      const reviews = await section(teacherBrowser, /^Reviews$/)
      const form = await follow(teacherBrowser, reviews, /Record a review/)
      const $ = load(form.body)
      const changes: Record<string, string> = { ...dateFields('heldOn', isoDay(0)), familyViews: 'Grace says mornings are calmer; Amira says her head hurts less.', decision: 'continue', summary: 'Good progress.' }
      $('select, input[type="radio"]').each((_i, element) => {
        const name = String($(element).attr('name'))
        if (/score/i.test(name)) changes[name] = name.includes('general-health') ? '1' : '2'
      })
      for (const name of new Set($('input[type="radio"]').map((_i, input) => String($(input).attr('name'))).get())) {
        if (name in changes || !/action|need/i.test(name)) continue
        changes[name] = String($(`input[name="${name}"]`).eq(1).attr('value'))
      }
      const review = await arrive(teacherBrowser, await submit(teacherBrowser, form, /Save the review/, changes), 'record the review')
      assert.match(textOf(review.body), /Continue/i)
      const scores = await sql<{ elementKey: string; score: number }>`select element_key as "elementKey", score from distance_scores where authority_id = ${authorityId} and occasion = 'review'`.execute(t.database.db)
      assert.deepEqual(scores.rows.find(row => row.elementKey === 'general-health')?.score, 1, 'general health moved from 3 to 1')
      const summary = await teacherBrowser.get(linkTo((await section(teacherBrowser, /^Reviews$/)).body, /Distance Travelled summary/))
      assert.match(textOf(summary.body), /3.*1/)
    })

    it('hands over to the health visitor, who acknowledges it: there is never a gap', async () => {
      let team = await section(teacherBrowser, /^Team$/)
      const form = await follow(teacherBrowser, team, /Hand over/)
      await arrive(teacherBrowser, await submit(teacherBrowser, form, /Send the handover/, { toUserId: visitor.id, note: 'Hana knows the family best now that the headaches are the main worry.', familyChose: 'yes', familyPreference: 'Grace asked for Hana' }), 'request the handover')
      visitorBrowser = await signIn(t, visitor)
      const home = await visitorBrowser.get('/')
      const handover = await follow(visitorBrowser, home, /Acknowledge the handover from Tara Teacher/)
      team = await arrive(visitorBrowser, await submit(visitorBrowser, handover, /Send your answer/, { decision: 'acknowledge' }), 'acknowledge')
      assert.match(textOf(team.body), /Hana Visitor/)
      const leads = await sql<{ userId: string; startedAt: Date; endedAt: Date | null }>`select user_id as "userId", started_at as "startedAt", ended_at as "endedAt" from lead_professionals where episode_id = ${family.episodeId} order by started_at`.execute(t.database.db)
      assert.equal(leads.rows.length, 2)
      assert.equal(leads.rows[1]?.userId, visitor.id)
      assert.equal(leads.rows[0]?.endedAt?.getTime(), leads.rows[1]?.startedAt.getTime(), 'the old lead ends the moment the new one starts')
    })

    it('closes the episode with final scores and a summary for the family', async () => {
      const reviews = await section(visitorBrowser, /^Reviews$/)
      const form = await follow(visitorBrowser, reviews, /Close the episode/)
      const closed = await arrive(
        visitorBrowser,
        await submit(visitorBrowser, form, /Close the episode|Ask a manager/, {
          reason: 'needs_met',
          summaryForFamily: 'Amira is getting to school on time and her headaches are much better. If things get harder, call the school office.',
          confirm: 'yes',
        }),
        'close',
      )
      assert.ok(closed)
      const episode = await t.database.db.selectFrom('episodes').select(['status', 'outcome']).where('id', '=', family.episodeId).executeTakeFirstOrThrow()
      assert.equal(episode.status, 'closed')
      const finals = await sql<{ n: number }>`select count(*)::int as n from distance_scores where episode_id = ${family.episodeId} and occasion = 'closure'`.execute(t.database.db)
      assert.ok((finals.rows[0]?.n ?? 0) >= 1, 'final Distance Travelled scores are recorded')
      const refused = await visitorBrowser.post(`/episodes/${family.episodeId}/notes/new`, { summary: 'After closing', body: 'x', visibility: 'team', personId: 'family', ...dateFields('occurredOn', isoDay(0)) })
      assert.equal(refused.statusCode, 422, 'a closed episode takes no new notes')
      assert.match(errorSummary(refused.body).join(' '), /closed|ended/i)
    })

    it('links a new episode for the same child within 12 months as a re-referral', async () => {
      at('2027-07-01T10:00:00Z')
      teacherBrowser = await signIn(t, teacher)
      const started = await teacherBrowser.post('/episodes/new', { personId: family.child })
      const page = await arrive(teacherBrowser, started, 'start a new episode')
      assert.match(textOf(page.body), new RegExp(`Re-referral.*${family.reference}`))
    })

    it('tells the same story through the API, and nothing to a practitioner who was never on the team', async () => {
      const headers = { cookie: [...visitorBrowser.cookies].map(([name, value]) => `${name}=${value}`).join('; ') }
      visitorBrowser = await signIn(t, visitor)
      const fresh = { cookie: [...visitorBrowser.cookies].map(([name, value]) => `${name}=${value}`).join('; ') }
      assert.ok(headers)
      const get = async (path: string) => {
        const response = await t.app.inject({ method: 'GET', url: `/api/v1/episodes/${family.episodeId}/${path}`, headers: fresh })
        assert.equal(response.statusCode, 200, `${path}: ${response.body.slice(0, 300)}`)
        return JSON.stringify(response.json())
      }
      assert.match(await get('team'), /Hana Visitor/)
      assert.match(await get('plan'), /Ask the bus company about the 8:10 service/)
      assert.match(await get('meetings'), /2027-03-08T10:00:00/)
      assert.match(await get('reviews'), /continue/)
      assert.match(await get('chronology'), /closed|closure/i)

      const outsiderBrowser = await signIn(t, outsider)
      for (const path of ['team', 'plan', 'meetings', 'reviews', 'chronology', 'notes', 'documents']) {
        const response = await outsiderBrowser.get(`/episodes/${family.episodeId}/${path}`)
        assert.equal(response.statusCode, 403, `${path} is refused to someone never on the team`)
      }
    })
  })
}

after(() => {
  // The closing note of issue 4 reports these.
  process.stdout.write(`# team-around-the-family journey: ${counts.emails} emails received over SMTP, ${counts.ics} .ics files parsed, ${counts.pdfs} PDFs checked\n`)
})
