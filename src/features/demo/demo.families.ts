import type { Kysely } from 'kysely'
import type { Config } from '../../config.ts'
import type { Database, RelationshipKind } from '../../db/schema.ts'
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

/** Who records the caseload: the demo practitioner, and the colleague asked to contribute to an assessment. */
export type DemoTeam = {
  authorityId: string
  practitioner: { userId: string; name: string; email: string; agencyIds: string[] }
  healthVisitorUserId: string
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

/** Records the demo caseload. Families are recorded in the order their episodes started, so references run in order. */
export async function seedDemoFamilies(db: Kysely<Database>, config: Config, team: DemoTeam, now: Date): Promise<DemoFamily[]> {
  const clock = new SeedClock(now)
  const services = composeServices({ db, config, clock })
  const agency = (name: string): string => {
    const id = team.agencyIds.get(name)
    if (!id) throw new Error(`demo seed: no agency ${name}`)
    return id
  }
  const actor: PractitionerActor = {
    kind: 'practitioner',
    userId: team.practitioner.userId,
    authorityId: team.authorityId,
    name: team.practitioner.name,
    email: team.practitioner.email,
    roles: new Set(['practitioner']),
    agencyIds: team.practitioner.agencyIds,
    actingAgencyId: team.practitioner.agencyIds[0] ?? null,
    via: 'session',
  }
  const context: RequestContext = { actor, ip: null, requestId: 'demo-seed' }
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
    families.push({ familyName: 'Marsh', stage: 'Assessment signed off: a team around the family', episodeId: episode.id, reference: episode.reference })
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
    families.push({ familyName: 'Kettering', stage: 'Assessment in progress; the health visitor asked to add to it', episodeId: episode.id, reference: episode.reference })
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

  return families
}
