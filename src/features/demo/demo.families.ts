import type { Kysely } from 'kysely'
import type { Config } from '../../config.ts'
import type { Database, RelationshipKind, Role } from '../../db/schema.ts'
import type { Clock } from '../../lib/clock.ts'
import { composeServices, type Services } from '../../composition.ts'
import type { PractitionerActor, RequestContext } from '../../policy/actor.ts'
import type { PersonDetails } from '../people/people.repository.ts'
import type { ChecklistInput, ConsentInput } from '../episodes/episodes.schemas.ts'
import type { ElementInput } from '../assessments/assessments.schemas.ts'

/**
 * The demo caseload: fictional families at different stages of early help, recorded through the real services by the
 * demo practitioner (so the access rules, the product's order of steps and the audit log apply as in real use). A clock
 * set back in time lets each step happen on a plausible day before "now", so the demo always looks current.
 *
 * Names are invented; postcodes use the area "NX", which does not exist; NHS numbers are in the 999 range that is never
 * issued (each still passes the modulus 11 check).
 */

/** A demo account that records something itself. */
export type DemoPractitioner = { userId: string; name: string; email: string; agencyIds: string[] }

/**
 * Who records the caseload: the demo practitioner, the colleague asked to contribute to an assessment, and two
 * colleagues on Tegan Marsh's team who record their own parts (minutes, progress, their signatures on the plan), each
 * working for the agency named by `agencyId`.
 */
export type DemoTeam = {
  authorityId: string
  practitioner: DemoPractitioner
  healthVisitorUserId: string
  youngCarersWorker: DemoPractitioner & { agencyId: string }
  pastoralLead: DemoPractitioner & { agencyId: string }
  /** The administrator who sets up the authority's panel, the coordinator who lists an episode there, and the panel member who sits on it. */
  administrator: DemoPractitioner
  coordinator: DemoPractitioner
  panelMemberUserId: string
  agencyIds: ReadonlyMap<string, string>
}

/** What the demo test checks: the families' surnames and the episode of each. */
export type DemoFamily = { familyName: string; stage: string; episodeId: string; reference: string }

/** A clock the seed moves from step to step: `at(daysAgo, hour)` is that day, at that hour (UTC), before `now`. */
class SeedClock implements Clock {
  private current: Date
  constructor(private readonly real: Date) {
    this.current = new Date(real)
  }
  now(): Date {
    return new Date(this.current)
  }
  at(daysAgo: number, hour: number, minute = 0): void {
    const day = new Date(this.real.getTime() - daysAgo * 86_400_000)
    day.setUTCHours(hour, minute, 0, 0)
    // Never later than the real now (a step "today" at 16:00 when it is 09:00).
    this.current = day.getTime() > this.real.getTime() ? new Date(this.real.getTime() - 60_000) : day
  }
  /** The calendar date of the current moment, as the forms send it ('YYYY-MM-DD'). */
  today(): string {
    return this.current.toISOString().slice(0, 10)
  }
}

/** A date of birth about `years` years and `days` days before `now`. */
function bornAgo(now: Date, years: number, days: number): string {
  const date = new Date(now.getTime() - days * 86_400_000)
  date.setUTCFullYear(date.getUTCFullYear() - years)
  return date.toISOString().slice(0, 10)
}

function dayAfter(now: Date, days: number): string {
  return new Date(now.getTime() + days * 86_400_000).toISOString().slice(0, 10)
}

/** `daysAgo` moved off a weekend (negative: days ahead): a Saturday becomes the Friday, a Sunday the Monday. */
function weekdayNear(now: Date, daysAgo: number): number {
  const day = new Date(now.getTime() - daysAgo * 86_400_000).getUTCDay()
  return day === 6 ? daysAgo + 1 : day === 0 ? daysAgo - 1 : daysAgo
}

function practitionerContext(authorityId: string, person: DemoPractitioner, actingAgencyId: string | null, roles: Role[] = ['practitioner']): RequestContext {
  const actor: PractitionerActor = {
    kind: 'practitioner',
    userId: person.userId,
    authorityId,
    name: person.name,
    email: person.email,
    roles: new Set(roles),
    agencyIds: person.agencyIds,
    actingAgencyId,
    via: 'session',
  }
  return { actor, ip: null, requestId: 'demo-seed' }
}

const NO_DETAILS: PersonDetails = {
  givenNames: '',
  familyName: '',
  otherNames: '',
  dateOfBirth: null,
  expectedDateOfBirth: null,
  sex: null,
  gender: null,
  ethnicity: null,
  firstLanguage: 'English',
  interpreterNeeded: false,
  disability: null,
  address: null,
  postcode: null,
  phone: null,
  email: null,
  schoolOrSetting: null,
  uniquePupilNumber: null,
  nhsNumber: null,
  gpPractice: null,
}

function element(fields: Partial<Omit<ElementInput, 'version' | 'notAssessed'>>): ElementInput {
  return {
    version: 0,
    notAssessed: false,
    strengths: fields.strengths ?? null,
    needs: fields.needs ?? null,
    childWords: fields.childWords ?? null,
    parentWords: fields.parentWords ?? null,
    practitionerScore: fields.practitionerScore ?? null,
    familyScoreAdult: fields.familyScoreAdult ?? null,
    familyScoreChild: fields.familyScoreChild ?? null,
  }
}

/** The steps the demo practitioner takes, each through the service a page of OneStory calls. */
function practitionerSteps(services: Services, context: RequestContext) {
  /** Search first (as the "Find or register a person" page does), then register, confirming when candidates were shown. */
  async function register(details: Partial<PersonDetails> & Pick<PersonDetails, 'givenNames' | 'familyName'>): Promise<string> {
    const person = { ...NO_DETAILS, ...details }
    const found = await services.people.search(context, {
      givenNames: person.givenNames,
      familyName: person.familyName,
      dateOfBirth: person.dateOfBirth,
      postcode: person.postcode,
    })
    return services.people.register(context, { ...person, confirmedNew: found.length > 0 })
  }

  async function household(name: string, address: string, postcode: string, memberIds: string[]): Promise<string> {
    const [first, ...others] = memberIds
    const id = await services.people.createHousehold(context, { name, address, postcode, firstPersonId: first ?? null })
    for (const personId of others) await services.people.addMember(context, id, personId)
    return id
  }

  /** "Who is the (kind) of whom", as the relationship form asks it: `who` is the related person. */
  async function relate(householdId: string, who: string, kind: RelationshipKind, of: string, parentalResponsibility = false) {
    await services.people.addRelationship(context, householdId, { personId: of, relatedPersonId: who, kind, parentalResponsibility, description: null })
  }

  /** Answers the episode's checklist (by question key; unanswered questions are "no"). */
  async function checklist(episodeId: string, answers: Record<string, 'yes' | 'no' | 'not_sure'>, outcome: ChecklistInput['outcome'], notes: string) {
    const form = await services.episodes.checklistForm(context, episodeId)
    const version = form.detail.checklist?.version ?? 0
    return services.episodes.saveChecklist(context, episodeId, { version, answers: form.questions.map(question => answers[question.key] ?? 'no'), outcome, notes })
  }

  async function consent(episodeId: string, input: Partial<ConsentInput> & Pick<ConsentInput, 'decision' | 'giverKind' | 'givenOn' | 'method'>) {
    return services.episodes.recordConsent(context, episodeId, {
      giverPersonId: null,
      giverName: null,
      giverRelationship: null,
      competence: null,
      toAssess: input.decision === 'given',
      shareAgencyIds: [],
      shareAgencyKinds: [],
      refusalReason: null,
      ...input,
    })
  }

  /** Saves the given steps of the assessment in order, each with the version its page would have read. */
  async function steps(
    episodeId: string,
    values: {
      explain?: { explanationNotes: string }
      details?: { discussionDate: string; reason: string; present: string }
      conclusions?: { conclusions: string; familyAgreement: 'agrees' | 'partly_agrees' | 'disagrees'; differencesOfOpinion: string | null }
      solutions?: { solutions: string; familyCanDo: string }
      agreement?: { agreedActions: string; reviewDate: string }
    },
  ) {
    const version = async () => {
      const view = await services.assessments.view(context, episodeId)
      if (!view.assessment) throw new Error('demo seed: the assessment has not started')
      return view.assessment.version
    }
    if (values.explain) await services.assessments.saveStep(context, episodeId, { step: 'explain', input: { version: await version(), explained: true, ...values.explain } })
    if (values.details) await services.assessments.saveStep(context, episodeId, { step: 'details', input: { version: await version(), ...values.details } })
    if (values.conclusions) await services.assessments.saveStep(context, episodeId, { step: 'conclusions', input: { version: await version(), ...values.conclusions } })
    if (values.solutions) await services.assessments.saveStep(context, episodeId, { step: 'solutions', input: { version: await version(), ...values.solutions } })
    if (values.agreement) await services.assessments.saveStep(context, episodeId, { step: 'agreement', input: { version: await version(), ...values.agreement } })
  }

  async function elements(episodeId: string, items: [elementKey: string, subject: string, input: ElementInput][]) {
    for (const [elementKey, subject, input] of items) await services.assessments.saveElement(context, episodeId, elementKey, subject, input)
  }

  return { register, household, relate, checklist, consent, steps, elements }
}

/**
 * Tegan Marsh's team around the family, after the assessment was signed off (44 days ago): the team joins, the first
 * team meeting is held about three weeks later (agenda, attendance, chair, minute-taker), the demo practitioner is
 * appointed lead professional as Tegan asked, the plan is built, agreed as version 1 and signed, the minutes are
 * approved and circulated, progress is recorded, case notes are written, the first review is held (decision: continue),
 * and the next team meeting is arranged for about 5 days' time. The colleagues record their own parts.
 */
async function teamAroundTegan(
  services: Services,
  clock: SeedClock,
  team: DemoTeam,
  context: RequestContext,
  now: Date,
  marsh: { episodeId: string; tegan: string; karen: string },
  agency: (name: string) => string,
): Promise<void> {
  const { episodeId, tegan, karen } = marsh
  const dee = team.practitioner
  const yusuf = team.youngCarersWorker
  const paula = team.pastoralLead
  const yusufContext = practitionerContext(team.authorityId, yusuf, yusuf.agencyId)
  const paulaContext = practitionerContext(team.authorityId, paula, paula.agencyId)

  // ---- the team: two practitioners, Tegan and her mum, and Karen's advocate ----
  clock.at(43, 10)
  await services.team.addPractitioner(context, episodeId, { userId: yusuf.userId, agencyId: yusuf.agencyId, teamRole: 'Young carers worker' })
  await services.team.addPractitioner(context, episodeId, { userId: paula.userId, agencyId: paula.agencyId, teamRole: 'Pastoral lead, Year 10' })
  const choices = await services.team.familyChoices(context, episodeId)
  /** A family member picked from the family's records when the form offers them, else added by name (as the form allows). */
  const familyMember = async (personId: string, name: string, relationship: string, phone: string) => {
    const offered = choices.people.some(person => person.id === personId)
    return services.team.addFamilyMember(context, episodeId, {
      kind: 'family_member',
      personId: offered ? personId : null,
      name: offered ? null : name,
      relationship,
      organisation: null,
      email: null,
      phone: offered ? null : phone,
    })
  }
  const teganMember = await familyMember(tegan, 'Tegan Marsh', 'Young person', '07700 900417')
  const karenMember = await familyMember(karen, 'Karen Marsh', 'Mum', '07700 900418')
  const advocate = await services.team.addFamilyMember(context, episodeId, {
    kind: 'advocate',
    personId: null,
    name: 'Bev Latham',
    relationship: 'Karen’s advocate',
    organisation: 'Family Lives Northshire',
    email: 'bev.latham@familylives-northshire.example.org',
    phone: '01632 960014',
  })

  // ---- the first team meeting, about three weeks after the assessment ----
  const firstMeetingDay = weekdayNear(now, 23)
  clock.at(43, 10, 30)
  const firstMeeting = await services.meetings.schedule(context, episodeId, {
    purpose: 'first_team_meeting',
    date: dayAfter(now, -firstMeetingDay),
    startTime: '15:45',
    endTime: '17:00',
    venueName: 'Moorland Community Centre, Room 2',
    venueAddress: 'Moor Lane, Moorland, NX7 2AB',
    neutralVenue: true,
    accessibilityNotes: 'Step-free entrance from the car park; the room is on the ground floor. The number 12 bus stops outside.',
    remoteLink: null,
    inviteeUserIds: [dee.userId, yusuf.userId, paula.userId],
    inviteeFamilyIds: [teganMember.id, karenMember.id, advocate.id],
    chairUserId: dee.userId,
    minuteTakerUserId: paula.userId,
  })
  clock.at(firstMeetingDay + 3, 17)
  // Tegan asked for this on the phone; the family's item is recorded as hers.
  await services.meetings.addAgendaItem(context, episodeId, firstMeeting, { text: 'Can I go back to art club on Wednesdays, and who would be at home with Mum?', onBehalfOfFamilyId: teganMember.id })
  await services.meetings.addAgendaItem(context, episodeId, firstMeeting, { text: 'Agree who will be Tegan’s lead professional.', onBehalfOfFamilyId: null })

  clock.at(firstMeetingDay, 17, 30)
  const held = await services.meetings.view(context, episodeId, firstMeeting)
  await services.meetings.recordAttendance(context, episodeId, firstMeeting, {
    attendance: held.invitees.map(invitee => ({ inviteeId: invitee.id, attendance: invitee.familyTeamMemberId === advocate.id ? 'apologies' : 'attended' })),
    chairUserId: dee.userId,
    minuteTakerUserId: paula.userId,
    version: held.meeting.version,
  })
  await services.team.appointLead(context, episodeId, {
    scope: 'whole_family',
    userId: dee.userId,
    appointedVia: 'team_meeting',
    familyChose: true,
    familyPreference: '“I want Dee. She’s the one I told first and she didn’t make a big thing of it. Mum likes her too.”',
  })

  // ---- the support plan, built from the assessment that evening ----
  clock.at(firstMeetingDay, 18, 15)
  const needForm = await services.plans.needForm(context, episodeId)
  const fromAssessment = (elementKey: string, subject: string) => {
    const found = needForm.assessmentNeeds.find(need => need.value === `${elementKey}|${subject}`)
    if (!found) throw new Error(`demo seed: the assessment recorded no need for ${elementKey}`)
    return { elementKey, subject }
  }
  const wellbeing = await services.plans.addNeed(context, episodeId, {
    source: fromAssessment('emotional-and-social-development', tegan),
    description: '',
    outcomeWanted: 'Tegan has one evening a week that is just hers, and worries less about her mum when she is out.',
    frameworkOutcomes: ['being_healthy', 'enjoying_and_achieving'],
  })
  const learning = await services.plans.addNeed(context, episodeId, {
    source: fromAssessment('participation-in-learning-education-and-employment', tegan),
    description: '',
    outcomeWanted: 'Tegan is in school every day she can be, keeps up with homework and stays on track for her GCSEs.',
    frameworkOutcomes: ['enjoying_and_achieving', 'achieving_economic_wellbeing'],
  })
  const mumsHealth = await services.plans.addNeed(context, episodeId, {
    source: fromAssessment('family-history-functioning-and-well-being', 'family'),
    description: '',
    outcomeWanted: 'Karen has the right support for her own health, so Tegan does less of the caring.',
    frameworkOutcomes: ['being_healthy', 'staying_safe'],
  })
  const money = await services.plans.addNeed(context, episodeId, {
    source: fromAssessment('housing-employment-and-financial-considerations', 'family'),
    description: '',
    outcomeWanted: 'The family knows what money they are entitled to, and claims it.',
    frameworkOutcomes: ['achieving_economic_wellbeing'],
  })
  const youngCarersAction = await services.plans.addAction(context, episodeId, {
    what: 'Young carers assessment with Tegan, and a place at the Tuesday young carers group.',
    needId: wellbeing,
    owner: { kind: 'practitioner', userId: yusuf.userId },
    dueOn: dayAfter(now, -(firstMeetingDay - 7)),
  })
  const pastoralAction = await services.plans.addAction(context, episodeId, {
    what: 'A pastoral check-in with Tegan every Monday, and a homework club place on Mondays and Wednesdays.',
    needId: learning,
    owner: { kind: 'practitioner', userId: paula.userId },
    dueOn: dayAfter(now, 20),
  })
  const careCoordinatorAction = await services.plans.addAction(context, episodeId, {
    what: 'Review Karen’s care plan and the support she has at home, with Karen’s care co-ordinator.',
    needId: mumsHealth,
    owner: { kind: 'agency', agencyId: agency('Northshire Adult Mental Health Team') },
    dueOn: dayAfter(now, 9),
  })
  const karenAction = await services.plans.addAction(context, episodeId, {
    what: 'Ask her sister to come round on Wednesday evenings, so Tegan can go to art club.',
    needId: wellbeing,
    owner: { kind: 'family_member', familyTeamMemberId: karenMember.id },
    dueOn: dayAfter(now, -(firstMeetingDay - 10)),
  })
  const benefitsAction = await services.plans.addAction(context, episodeId, {
    what: 'A benefits check with Karen, including Carer’s Allowance and a council tax reduction.',
    needId: money,
    owner: { kind: 'practitioner', userId: dee.userId },
    dueOn: dayAfter(now, -4),
  })
  const draft = await services.plans.planPage(context, episodeId)
  await services.plans.setIfNotAchieved(
    context,
    episodeId,
    'If Tegan’s attendance falls below 80% or she is caring most evenings again, Dee will call the team together within two weeks to look at more support, including a carer’s assessment for Karen from adult social care.',
    draft.plan?.version ?? 1,
  )

  // ---- the minutes: drafted by the minute-taker the next day, with an action agreed in the meeting ----
  clock.at(firstMeetingDay - 1, 9, 30)
  const minutesAction = await services.meetings.addMinutesAction(paulaContext, episodeId, firstMeeting, {
    what: 'Ask Coastal Family Surgery to note on Tegan’s record that she is a young carer.',
    owner: { kind: 'user', id: yusuf.userId },
    dueOn: dayAfter(now, -(firstMeetingDay - 9)),
  })
  const toDraft = await services.meetings.view(paulaContext, episodeId, firstMeeting)
  await services.meetings.saveMinutes(paulaContext, episodeId, firstMeeting, {
    discussion:
      'Dee welcomed everyone and explained the meeting. Tegan talked about her week: she looks after her mum most evenings and misses homework on the days her mum is unwell. Karen said her depression has been worse since the winter. Yusuf explained the young carers assessment and the Tuesday group. Paula went through Tegan’s attendance (81% this term) and the homework club.',
    decisions:
      'Dee is the lead professional (Tegan’s choice). The plan was agreed: young carers assessment and group; weekly pastoral check-in and homework club; a review of Karen’s care plan; Karen’s sister on Wednesdays so Tegan can go to art club; a benefits check. The next team meeting is in six weeks, after the first review.',
    familyViews: 'Tegan: “I don’t want to stop helping Mum, I just want some time that’s mine.” Karen: “I want her to be a kid. I didn’t know there was help like this.”',
    intent: 'save',
    version: toDraft.minutes?.version ?? 1,
  })
  const saved = await services.meetings.view(paulaContext, episodeId, firstMeeting)
  await services.meetings.saveMinutes(paulaContext, episodeId, firstMeeting, {
    discussion: saved.minutes?.discussion ?? '',
    decisions: saved.minutes?.decisions ?? '',
    familyViews: saved.minutes?.familyViews ?? '',
    intent: 'submit',
    version: saved.minutes?.version ?? 1,
  })

  // ---- version 1 of the plan: agreed by the lead, signed on screen by the practitioners ----
  clock.at(firstMeetingDay - 1, 15)
  const toAgree = await services.plans.planPage(context, episodeId)
  const number = await services.plans.agree(context, episodeId, { changeSummary: 'The plan agreed at the first team meeting.', fingerprint: toAgree.fingerprint })
  await services.plans.sign(context, episodeId, number, { signer: { kind: 'practitioner', userId: dee.userId }, method: 'on_screen', signedOn: clock.today() })

  // ---- the chair approves the minutes: they are circulated to the team and the family ----
  clock.at(firstMeetingDay - 2, 9)
  const toApprove = await services.meetings.view(context, episodeId, firstMeeting)
  await services.meetings.decideMinutes(context, episodeId, firstMeeting, { intent: 'approve', version: toApprove.minutes?.version ?? 1 })
  clock.at(firstMeetingDay - 2, 11)
  await services.plans.sign(yusufContext, episodeId, number, { signer: { kind: 'practitioner', userId: yusuf.userId }, method: 'on_screen', signedOn: clock.today() })
  clock.at(firstMeetingDay - 2, 13, 20)
  await services.plans.sign(paulaContext, episodeId, number, { signer: { kind: 'practitioner', userId: paula.userId }, method: 'on_screen', signedOn: clock.today() })

  // ---- a home visit: Tegan and Karen sign, a note for the team ----
  clock.at(firstMeetingDay - 3, 16, 30)
  await services.plans.sign(context, episodeId, number, { signer: { kind: 'family', familyTeamMemberId: teganMember.id }, method: 'in_person', signedOn: clock.today() })
  await services.plans.sign(context, episodeId, number, { signer: { kind: 'family', familyTeamMemberId: karenMember.id }, method: 'on_paper', signedOn: clock.today() })
  await services.records.addNote(context, episodeId, {
    occurredOn: clock.today(),
    summary: 'Home visit: the plan signed, the family’s copy left with them',
    body: 'Went through the plan with Tegan and Karen at home and left them the family’s copy. Tegan signed it with me; Karen signed the paper copy. Karen’s sister has agreed to come on Wednesdays from next week.',
    personId: null,
    visibility: 'team',
  })

  // ---- progress: each practitioner records their own ----
  const version = async (actionId: string) => (await services.plans.findAction(context, episodeId, actionId)).version
  clock.at(firstMeetingDay - 5, 14)
  await services.plans.updateActionStatus(yusufContext, episodeId, youngCarersAction, {
    status: 'done',
    notDoneReason: null,
    note: 'Young carers assessment done with Tegan at school. She started at the Tuesday group this week and already knows two of the others.',
    version: await version(youngCarersAction),
  })
  clock.at(firstMeetingDay - 6, 15, 45)
  await services.plans.updateActionStatus(paulaContext, episodeId, pastoralAction, {
    status: 'in_progress',
    notDoneReason: null,
    note: 'Monday check-ins have started. Tegan has been to homework club three times; attendance this fortnight 92%.',
    version: await version(pastoralAction),
  })
  clock.at(12, 11)
  await services.plans.updateActionStatus(context, episodeId, careCoordinatorAction, {
    status: 'in_progress',
    notDoneReason: null,
    note: 'Spoke to Karen’s care co-ordinator: a review of her care plan is booked.',
    version: await version(careCoordinatorAction),
  })
  await services.plans.updateActionStatus(context, episodeId, benefitsAction, {
    status: 'in_progress',
    notDoneReason: null,
    note: 'Started the benefits check with Karen; we need her bank statements to finish it.',
    version: await version(benefitsAction),
  })
  await services.records.addNote(context, episodeId, {
    occurredOn: clock.today(),
    summary: 'Money worries: rent arrears mentioned in confidence',
    body: 'Karen told me she is two months behind with the rent and has not told Tegan. She agreed I could speak to Northshire Housing Options if the benefits check does not sort it. Kept to Family Lives Northshire for now, at Karen’s request.',
    personId: null,
    visibility: 'agency',
  })
  clock.at(7, 17)
  await services.records.addNote(context, episodeId, {
    occurredOn: clock.today(),
    summary: 'Tegan’s art club is going well',
    body: 'Tegan has been to art club three Wednesdays running while her aunt sits with Karen. She showed me a drawing she is entering for her GCSE portfolio. Written for Tegan and Karen to see.',
    personId: tegan,
    visibility: 'family',
  })

  // ---- the first review: Distance Travelled re-scored with the family; the decision is to continue ----
  clock.at(3, 16)
  const form = await services.reviews.reviewForm(context, episodeId)
  const progress: Record<string, { status: 'not_started' | 'in_progress' | 'done' | 'not_done'; comment: string | null }> = {
    [youngCarersAction]: { status: 'done', comment: 'Tegan goes to the group most Tuesdays.' },
    [pastoralAction]: { status: 'in_progress', comment: 'Attendance is up to 89% this half term.' },
    [careCoordinatorAction]: { status: 'in_progress', comment: 'Karen’s care plan review is next week.' },
    [karenAction]: { status: 'done', comment: 'Karen’s sister comes every Wednesday.' },
    [benefitsAction]: { status: 'in_progress', comment: 'Still waiting for the bank statements; Dee will finish it with Karen.' },
    [minutesAction]: { status: 'done', comment: 'The surgery has added a young carer note to Tegan’s record.' },
  }
  const needProgress = { [wellbeing]: 'good_progress', [learning]: 'some_progress', [mumsHealth]: 'no_change', [money]: 'some_progress' } as const
  await services.reviews.recordReview(context, episodeId, {
    heldOn: clock.today(),
    meetingId: null,
    scores: [
      { elementKey: 'emotional-and-social-development', subject: tegan, score: 1 },
      { elementKey: 'participation-in-learning-education-and-employment', subject: tegan, score: 1 },
      { elementKey: 'family-history-functioning-and-well-being', subject: 'family', score: 2 },
      { elementKey: 'housing-employment-and-financial-considerations', subject: 'family', score: 1 },
    ],
    actions: form.actions.map(action => ({ actionId: action.id, status: progress[action.id]?.status ?? action.status, comment: progress[action.id]?.comment ?? null, version: action.version })),
    needs: form.needs.map(need => ({ needId: need.id, progress: needProgress[need.id] ?? 'no_change', comment: null })),
    summary: 'Tegan has a break every Tuesday and Wednesday and her attendance is up. Karen’s own support is still being reviewed, and the benefits check is not finished.',
    familyViews: 'Reviewed with Tegan and Karen at home. Tegan: “It’s better. I still worry but I’ve got Tuesdays.” Karen wants the benefits check finished before anything else.',
    decision: 'continue',
    decisionReason: null,
  })

  // ---- the next team meeting, in about five days ----
  clock.at(2, 10)
  const nextMeetingDay = weekdayNear(now, -5)
  await services.meetings.schedule(context, episodeId, {
    purpose: 'team_meeting',
    date: dayAfter(now, -nextMeetingDay),
    startTime: '15:45',
    endTime: '16:45',
    venueName: 'Moorland Community Centre, Room 2',
    venueAddress: 'Moor Lane, Moorland, NX7 2AB',
    neutralVenue: true,
    accessibilityNotes: 'Step-free entrance from the car park; the room is on the ground floor. The number 12 bus stops outside.',
    remoteLink: 'https://meet.example.org/northshire-early-help/marsh',
    inviteeUserIds: [dee.userId, yusuf.userId, paula.userId],
    inviteeFamilyIds: [teganMember.id, karenMember.id, advocate.id],
    chairUserId: dee.userId,
    minuteTakerUserId: yusuf.userId,
  })
}

/** Records the demo caseload. Families are recorded in the order their episodes started, so references run in order. */
export async function seedDemoFamilies(db: Kysely<Database>, config: Config, team: DemoTeam, now: Date): Promise<DemoFamily[]> {
  const clock = new SeedClock(now)
  const services = composeServices({ db, config, clock })
  const agency = (name: string): string => {
    const id = team.agencyIds.get(name)
    if (!id) throw new Error(`demo seed: no agency ${name}`)
    return id
  }
  const context = practitionerContext(team.authorityId, team.practitioner, team.practitioner.agencyIds[0] ?? null)
  const step = practitionerSteps(services, context)
  const families: DemoFamily[] = []

  // ---- 1. Tegan Marsh, 15: a young carer who asked for help herself; assessment signed off, team around the family ----
  {
    clock.at(62, 10)
    const tegan = await step.register({
      givenNames: 'Tegan',
      familyName: 'Marsh',
      dateOfBirth: bornAgo(now, 15, 140),
      sex: 'female',
      gender: 'Girl',
      ethnicity: 'White: English, Welsh, Scottish, Northern Irish or British',
      address: '7 Heatherbank Close, Moorland',
      postcode: 'NX7 3QD',
      phone: '07700 900417',
      schoolOrSetting: 'Moorland Academy',
      nhsNumber: '9991158383',
      gpPractice: 'Coastal Family Surgery',
    })
    const karen = await step.register({
      givenNames: 'Karen',
      familyName: 'Marsh',
      dateOfBirth: bornAgo(now, 44, 30),
      sex: 'female',
      ethnicity: 'White: English, Welsh, Scottish, Northern Irish or British',
      address: '7 Heatherbank Close, Moorland',
      postcode: 'NX7 3QD',
      phone: '07700 900418',
      nhsNumber: '9991237577',
      gpPractice: 'Coastal Family Surgery',
      disability: 'Long-term depression and anxiety; supported by the adult mental health team.',
    })
    const home = await step.household('Marsh family', '7 Heatherbank Close, Moorland', 'NX7 3QD', [tegan, karen])
    await step.relate(home, karen, 'mother', tegan, true)
    const episode = await services.episodes.start(context, { personId: tegan, childIds: [], adultIds: [] })
    await step.checklist(
      episode.id,
      { 'child-development-concerns': 'yes', 'parents-and-carers-concerns': 'yes', 'family-and-environment-concerns': 'not_sure', 'needs-beyond-one-service': 'yes' },
      'common_assessment',
      'Tegan came to the drop-in herself. She looks after her mum most evenings, her attendance has dropped to 81% and she is worried about her GCSEs.',
    )
    clock.at(58, 15, 30)
    await step.consent(episode.id, {
      decision: 'given',
      giverKind: 'young_person',
      giverPersonId: tegan,
      competence: {
        basis: 'gillick',
        judgedBy: team.practitioner.name,
        reasoning:
          'Tegan understands what the assessment is, who the information would be shared with and why, and what could happen if she says no. She weighed it up, asked good questions and decided herself. She does not want her mum asked first but is happy for her mum to be told and to take part.',
      },
      shareAgencyIds: [agency('Moorland Academy'), agency('Young Carers Northshire'), agency('Northshire Adult Mental Health Team'), agency('Coastal Family Surgery')],
      shareAgencyKinds: ['school_nursing'],
      method: 'in_person',
      givenOn: clock.today(),
    })
    await services.assessments.start(context, episode.id)
    clock.at(51, 16)
    await step.steps(episode.id, {
      explain: { explanationNotes: 'Explained at the youth drop-in, with the family’s leaflet. Tegan chose to meet at school in a free period.' },
      details: {
        discussionDate: clock.today(),
        reason: 'Tegan is a young carer for her mum. She is tired, often late, and falling behind; she asked for help so she can keep up at school and have some time for herself.',
        present: 'Tegan Marsh; Karen Marsh (for the second half); Dee (Family Lives Northshire)',
      },
    })
    await step.elements(episode.id, [
      [
        'emotional-and-social-development',
        tegan,
        element({
          strengths: 'Thoughtful and caring; good friends in her year; enjoys art.',
          needs: 'Worries a lot about her mum when she is out; has stopped going to art club.',
          childWords: '“I just want one evening a week where it’s not my job.”',
          practitionerScore: 2,
          familyScoreChild: 'amber',
        }),
      ],
      [
        'participation-in-learning-education-and-employment',
        tegan,
        element({
          strengths: 'Predicted good grades in art and English.',
          needs: 'Attendance 81% this term; homework often missed on the days her mum is unwell.',
          childWords: '“I can’t do homework and the tea and the washing.”',
          parentWords: '“I hate that she’s missing school because of me.”',
          practitionerScore: 2,
          familyScoreChild: 'amber',
          familyScoreAdult: 4,
        }),
      ],
      [
        'family-history-functioning-and-well-being',
        'family',
        element({
          strengths: 'Close and loving; Karen is open about her health and wants Tegan to have more support.',
          needs: 'Karen’s depression has been worse since the winter; no other family nearby.',
          parentWords: '“We’re a team, but she shouldn’t have to be.”',
          practitionerScore: 2,
          familyScoreAdult: 5,
        }),
      ],
      [
        'housing-employment-and-financial-considerations',
        'family',
        element({ strengths: 'Secure council tenancy.', needs: 'Money is tight; Karen is not sure what benefits she can claim as a carer’s parent.', practitionerScore: 1 }),
      ],
    ])
    clock.at(45, 11)
    await step.steps(episode.id, {
      conclusions: {
        conclusions: 'Tegan’s caring role is affecting her learning and wellbeing. Her needs are more than one service can meet: school, young carers support and her mum’s own mental health support need to work together.',
        familyAgreement: 'agrees',
        differencesOfOpinion: null,
      },
      solutions: {
        solutions: 'A young carers assessment and a weekly young carers group; a pastoral check-in at school and a homework club place; Karen’s care co-ordinator to review her support at home.',
        familyCanDo: 'Karen will ask her sister to visit on Wednesdays; Tegan will go back to art club.',
      },
      agreement: {
        agreedActions:
          'Young Carers Northshire: young carers assessment within 4 weeks. Moorland Academy: pastoral check-in weekly, homework club. Adult mental health team: review Karen’s care plan. Dee: lead professional, first team around the family meeting in 3 weeks.',
        reviewDate: dayAfter(now, 28),
      },
    })
    clock.at(44, 14)
    const page = await services.assessmentCompletion.completionPage(context, episode.id)
    await services.assessmentCompletion.signOff(context, episode.id, { outcome: 'multi_agency', completionDate: clock.today(), version: page.assessment.version })
    await teamAroundTegan(services, clock, team, context, now, { episodeId: episode.id, tegan, karen }, agency)
    families.push({
      familyName: 'Marsh',
      stage: 'A team around the family: lead professional, plan version 1 signed, minutes circulated, first review held, next meeting in about 5 days',
      episodeId: episode.id,
      reference: episode.reference,
    })
  }

  // ---- 2. The Kettering family: separated parents, assessment in progress, the health visitor asked to add to it ----
  {
    clock.at(23, 9, 45)
    const motherAddress = '14 Ferry Lane, Riverside'
    const laura = await step.register({
      givenNames: 'Laura',
      familyName: 'Kettering',
      dateOfBirth: bornAgo(now, 33, 200),
      sex: 'female',
      ethnicity: 'White: English, Welsh, Scottish, Northern Irish or British',
      address: motherAddress,
      postcode: 'NX4 2HQ',
      phone: '07700 900231',
      email: 'laura.kettering@example.com',
      nhsNumber: '9991316760',
      gpPractice: 'Riverside Medical Practice',
    })
    const ellie = await step.register({
      givenNames: 'Ellie',
      familyName: 'Kettering',
      dateOfBirth: bornAgo(now, 9, 75),
      sex: 'female',
      ethnicity: 'White: English, Welsh, Scottish, Northern Irish or British',
      address: motherAddress,
      postcode: 'NX4 2HQ',
      schoolOrSetting: 'Riverside Primary School',
      nhsNumber: '9991395954',
      gpPractice: 'Riverside Medical Practice',
    })
    const noah = await step.register({
      givenNames: 'Noah',
      familyName: 'Kettering',
      dateOfBirth: bornAgo(now, 6, 160),
      sex: 'male',
      ethnicity: 'White: English, Welsh, Scottish, Northern Irish or British',
      address: motherAddress,
      postcode: 'NX4 2HQ',
      schoolOrSetting: 'Riverside Primary School',
      nhsNumber: '9991475141',
      gpPractice: 'Riverside Medical Practice',
      disability: 'Being assessed for speech and language delay.',
    })
    const daniel = await step.register({
      givenNames: 'Daniel',
      familyName: 'Kettering',
      dateOfBirth: bornAgo(now, 36, 10),
      sex: 'male',
      ethnicity: 'White: English, Welsh, Scottish, Northern Irish or British',
      address: 'Flat 3, 22 Quayside Road, Northshire',
      postcode: 'NX1 5TB',
      phone: '07700 900232',
      nhsNumber: '9991554335',
    })
    const mothers = await step.household('Kettering family (Ferry Lane)', motherAddress, 'NX4 2HQ', [laura, ellie, noah])
    await step.relate(mothers, laura, 'mother', ellie, true)
    await step.relate(mothers, laura, 'mother', noah, true)
    await step.relate(mothers, ellie, 'sibling', noah)
    // The parents separated last year: the children stay with their dad every other weekend.
    const fathers = await step.household('Daniel Kettering (Quayside Road)', 'Flat 3, 22 Quayside Road, Northshire', 'NX1 5TB', [daniel, ellie, noah])
    await step.relate(fathers, daniel, 'father', ellie, true)
    await step.relate(fathers, daniel, 'father', noah, true)
    const episode = await services.episodes.start(context, { householdId: mothers, childIds: [ellie, noah], adultIds: [laura] })
    await step.checklist(
      episode.id,
      { 'child-development-concerns': 'yes', 'parents-and-carers-concerns': 'not_sure', 'family-and-environment-concerns': 'yes', 'needs-beyond-one-service': 'yes' },
      'common_assessment',
      'Since the separation Ellie has become withdrawn at school and Noah’s speech is behind. Laura asked the school for help with money worries and the children’s bedtimes.',
    )
    clock.at(16, 13)
    await step.consent(episode.id, {
      decision: 'given',
      giverKind: 'parent_carer',
      giverPersonId: laura,
      shareAgencyIds: [agency('Riverside Primary School'), agency('Northshire Health Visiting Team'), agency('Riverside Medical Practice'), agency('Family Lives Northshire')],
      shareAgencyKinds: ['school_nursing'],
      method: 'in_person',
      givenOn: clock.today(),
    })
    clock.at(15, 17)
    await step.consent(episode.id, {
      decision: 'given',
      giverKind: 'parent_carer',
      giverPersonId: daniel,
      shareAgencyIds: [agency('Riverside Primary School'), agency('Northshire Health Visiting Team')],
      shareAgencyKinds: [],
      method: 'phone',
      givenOn: clock.today(),
    })
    // A meeting with both parents about how they are each kept informed. It was held, but its minutes were never
    // written: they are late, so they show on the demo practitioner's home page and on the coordinator's dashboard.
    clock.at(15, 17, 30)
    const choices = await services.team.familyChoices(context, episode.id)
    if (!choices.people.some(person => person.id === laura)) throw new Error('demo seed: Laura Kettering is not offered as a family member')
    const lauraMember = await services.team.addFamilyMember(context, episode.id, { kind: 'family_member', personId: laura, name: null, relationship: 'Mum', organisation: null, email: null, phone: null })
    // Daniel lives in another household, so he is added by name.
    const danielMember = await services.team.addFamilyMember(context, episode.id, {
      kind: 'family_member',
      personId: null,
      name: 'Daniel Kettering',
      relationship: 'Dad (lives separately)',
      organisation: null,
      email: null,
      phone: '07700 900232',
    })
    // Twelve to fourteen days ago, on a weekday: later than five working days even over Christmas or Easter.
    const parentsMeetingDay = weekdayNear(now, 13)
    const parentsMeeting = await services.meetings.schedule(context, episode.id, {
      purpose: 'team_meeting',
      date: dayAfter(now, -parentsMeetingDay),
      startTime: '10:00',
      endTime: '11:00',
      venueName: 'Riverside Family Hub',
      venueAddress: '2 Mill Street, Riverside, NX4 1AA',
      neutralVenue: true,
      accessibilityNotes: 'Step-free access; a quiet room is available for children.',
      remoteLink: null,
      inviteeUserIds: [team.practitioner.userId],
      inviteeFamilyIds: [lauraMember.id, danielMember.id],
      chairUserId: team.practitioner.userId,
      minuteTakerUserId: team.practitioner.userId,
    })
    clock.at(parentsMeetingDay, 12)
    const parentsHeld = await services.meetings.view(context, episode.id, parentsMeeting)
    await services.meetings.recordAttendance(context, episode.id, parentsMeeting, {
      attendance: parentsHeld.invitees.map(invitee => ({ inviteeId: invitee.id, attendance: invitee.familyTeamMemberId === danielMember.id ? 'did_not_attend' : 'attended' })),
      chairUserId: team.practitioner.userId,
      minuteTakerUserId: team.practitioner.userId,
      version: parentsHeld.meeting.version,
    })
    clock.at(10, 10)
    await services.assessments.start(context, episode.id)
    await step.steps(episode.id, {
      explain: { explanationNotes: 'Explained to Laura at home and to Daniel by phone; both have the family’s leaflet. Ellie was told in words she understands.' },
      details: {
        discussionDate: clock.today(),
        reason: 'Ellie (9) has become quiet and tearful at school since her parents separated; Noah (6) has delayed speech. Laura is struggling with money and routines on her own.',
        present: 'Laura Kettering; Ellie Kettering (part); Dee (Family Lives Northshire); Sam (SENCO, Riverside Primary School)',
      },
    })
    clock.at(9, 14)
    await step.elements(episode.id, [
      [
        'emotional-and-social-development',
        ellie,
        element({
          strengths: 'Kind to her brother; a close friend in class.',
          needs: 'Tearful at drop-off; does not talk about her dad’s weekends.',
          childWords: '“I don’t like it when Mum and Dad argue on the phone.”',
          parentWords: '“She keeps everything inside.”',
          practitionerScore: 2,
          familyScoreChild: 'amber',
          familyScoreAdult: 5,
        }),
      ],
      [
        'participation-in-learning-education-and-employment',
        ellie,
        element({ strengths: 'Reading above her age.', needs: 'Homework not handed in since the autumn.', practitionerScore: 1, familyScoreChild: 'green' }),
      ],
      [
        'speech-language-and-communication',
        noah,
        element({
          strengths: 'Understands more than he can say; loves picture books.',
          needs: 'Speech is about a year behind; frustrated when not understood.',
          parentWords: '“Only me and Ellie understand him.”',
          practitionerScore: 3,
          familyScoreAdult: 3,
        }),
      ],
      ['behavioural-development', noah, element({ strengths: 'Settles well with a visual timetable.', needs: 'Hits out in the playground when frustrated.', practitionerScore: 2 })],
      [
        'housing-employment-and-financial-considerations',
        'family',
        element({
          strengths: 'Settled in a housing association home near school.',
          needs: 'Rent arrears since the separation; Laura has cut her hours to do the school runs.',
          parentWords: '“I’m one bill away from not coping.”',
          practitionerScore: 2,
          familyScoreAdult: 4,
        }),
      ],
    ])
    clock.at(8, 11, 30)
    await services.assessments.invite(context, episode.id, {
      userId: team.healthVisitorUserId,
      elementKeys: ['general-health', 'emotional-warmth-and-stability'],
      message: 'You knew the family well when Noah was small. Could you add what you know about the children’s health and Laura’s wellbeing?',
    })
    families.push({ familyName: 'Kettering', stage: 'Assessment in progress; the health visitor asked to add to it; the minutes of a meeting with the parents are late', episodeId: episode.id, reference: episode.reference })
  }

  // ---- 3. The Whitlow family: the nursery's worry, consent refused, the episode ended ----
  {
    clock.at(13, 10, 15)
    const ryan = await step.register({
      givenNames: 'Ryan',
      familyName: 'Whitlow',
      dateOfBirth: bornAgo(now, 29, 90),
      sex: 'male',
      ethnicity: 'Mixed or multiple: White and Black Caribbean',
      address: '31 Orchard Street, Northshire',
      postcode: 'NX2 8LW',
      phone: '07700 900563',
      nhsNumber: '9991633529',
    })
    const maisie = await step.register({
      givenNames: 'Maisie',
      familyName: 'Whitlow',
      dateOfBirth: bornAgo(now, 3, 250),
      sex: 'female',
      ethnicity: 'Mixed or multiple: White and Black Caribbean',
      address: '31 Orchard Street, Northshire',
      postcode: 'NX2 8LW',
      schoolOrSetting: 'Little Acorns Nursery',
      nhsNumber: '9991712712',
    })
    const home = await step.household('Whitlow family', '31 Orchard Street, Northshire', 'NX2 8LW', [ryan, maisie])
    await step.relate(home, ryan, 'father', maisie, true)
    const episode = await services.episodes.start(context, { householdId: home, childIds: [maisie], adultIds: [ryan] })
    await step.checklist(
      episode.id,
      { 'child-development-concerns': 'yes', 'parents-and-carers-concerns': 'no', 'family-and-environment-concerns': 'not_sure', 'needs-beyond-one-service': 'not_sure' },
      'common_assessment',
      'Little Acorns Nursery is worried about Maisie’s speech and that she is often collected late.',
    )
    clock.at(11, 15)
    await step.consent(episode.id, {
      decision: 'refused',
      giverKind: 'parent_carer',
      giverPersonId: ryan,
      method: 'in_person',
      givenOn: clock.today(),
      refusalReason: 'Ryan feels the nursery is overreacting. He will take Maisie to the GP about her speech himself. He knows he can ask for early help at any time.',
    })
    families.push({ familyName: 'Whitlow', stage: 'Consent refused: the episode ended', episodeId: episode.id, reference: episode.reference })
  }

  // ---- 4. The Ashdown family: the checklist led to a safeguarding referral ----
  {
    clock.at(6, 11)
    const address = '5 Gull Terrace, Coastal'
    const sophie = await step.register({
      givenNames: 'Sophie',
      familyName: 'Ashdown',
      dateOfBirth: bornAgo(now, 27, 45),
      sex: 'female',
      ethnicity: 'White: any other White background',
      address,
      postcode: 'NX9 1RJ',
      phone: '07700 900784',
      nhsNumber: '9991791906',
      gpPractice: 'Coastal Family Surgery',
    })
    const kyle = await step.register({
      givenNames: 'Kyle',
      familyName: 'Ashdown',
      dateOfBirth: bornAgo(now, 7, 300),
      sex: 'male',
      ethnicity: 'White: any other White background',
      address,
      postcode: 'NX9 1RJ',
      schoolOrSetting: 'Riverside Primary School',
      nhsNumber: '9991871098',
      gpPractice: 'Coastal Family Surgery',
    })
    const lee = await step.register({
      givenNames: 'Lee',
      familyName: 'Pryor',
      dateOfBirth: bornAgo(now, 31, 120),
      sex: 'male',
      address,
      postcode: 'NX9 1RJ',
      nhsNumber: '9991950281',
    })
    const home = await step.household('Ashdown family', address, 'NX9 1RJ', [sophie, kyle, lee])
    await step.relate(home, sophie, 'mother', kyle, true)
    await step.relate(home, lee, 'partner', sophie)
    await step.relate(home, lee, 'step_parent', kyle)
    const episode = await services.episodes.start(context, { householdId: home, childIds: [kyle], adultIds: [sophie] })
    const answers = { 'child-development-concerns': 'yes', 'parents-and-carers-concerns': 'yes', 'family-and-environment-concerns': 'yes', 'needs-beyond-one-service': 'yes', 'risk-of-significant-harm': 'yes' } as const
    const notes = 'At the parenting group Kyle told me his mum’s partner hurt him last night. He had a bruise on his upper arm that he did not want to talk about.'
    // The checklist is kept and the episode flagged, but early help does not end until the referral is recorded.
    const first = await step.checklist(episode.id, answers, 'safeguarding_referral', notes)
    if (!first.needsReferral) throw new Error('demo seed: the checklist was expected to ask for the referral first')
    clock.at(6, 11, 40)
    const referredAt = clock.now()
    const referralId = await services.episodes.recordReferral(context, episode.id, {
      referredTo: 'childrens_social_care',
      concern: 'Kyle (7) said his mum’s partner hurt him last night; a bruise on his upper arm. Kyle was reluctant to go home.',
      referredAt,
      method: 'phone',
      reference: null,
      spokeTo: 'Duty social worker, Northshire Children’s Front Door',
      outcome: null,
    })
    clock.at(5, 16)
    const form = await services.episodes.referralOutcomeForm(context, episode.id, referralId)
    await services.episodes.recordReferralOutcome(context, episode.id, referralId, {
      version: form.referral.version,
      outcome: 'Accepted by children’s social care. A strategy discussion was held the same day; a social worker is now working with the family. Early help is not the route for now.',
      reference: 'NX-CSC-48213',
    })
    families.push({ familyName: 'Ashdown', stage: 'Safeguarding referral made from the checklist', episodeId: episode.id, reference: episode.reference })
  }

  // ---- 5. The early help panel: the administrator sets it up, the demo panel member sits on it, and the coordinator
  // lists the Kettering family's episode at it, for advice on what to offer; and a parent's disagreement ---------------
  {
    const kettering = families.find(family => family.familyName === 'Kettering')
    if (!kettering) throw new Error('demo seed: the Kettering episode is missing')
    clock.at(4, 9)
    const administrator = practitionerContext(team.authorityId, team.administrator, team.administrator.agencyIds[0] ?? null, ['administrator'])
    const panelId = await services.panels.createPanel(administrator, { name: 'Northshire Early Help Panel', localityId: null })
    await services.panels.addMember(administrator, panelId, team.panelMemberUserId)
    clock.at(4, 11, 30)
    const coordinator = practitionerContext(team.authorityId, team.coordinator, team.coordinator.agencyIds[0] ?? null, ['coordinator'])
    await services.panels.listEpisode(coordinator, kettering.episodeId, {
      panelId,
      reason: 'Since the separation Ellie is withdrawn at school and Noah’s speech is behind. The team would like the panel’s advice on a speech and language referral and a parenting course place.',
    })

    // Daniel Kettering rang to disagree with what the assessment says of the family (recorded on the episode's history).
    clock.at(4, 14)
    const history = await services.recordHistory.episodeHistory(context, kettering.episodeId)
    const disputed = history.disputable.find(item => item.tableName === 'assessment_elements' && /family/.test(item.recordId)) ?? history.disputable[0]
    if (!disputed) throw new Error('demo seed: nothing in the Kettering episode to disagree with')
    await services.recordHistory.recordDispute(context, kettering.episodeId, {
      record: `${disputed.tableName}|${disputed.recordId}`,
      statement: 'Daniel rang to say the assessment makes it sound as if he rarely sees the children. He has them every other weekend and every Wednesday evening, and wants that written down.',
      byName: 'Daniel Kettering (dad), by telephone',
    })
  }

  return families
}
