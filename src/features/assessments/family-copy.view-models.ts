import { formatDate } from '../../plugins/views.ts'
import type { TemplateContent } from './template-content.ts'
import type { AssessmentElementRecord, CompletionAssessment, EpisodeFamilyMember } from './assessment-completion.repository.ts'

// The family's copy as a document model: plain blocks that the print view (family-copy-print.njk) and the PDF
// (family-copy.pdf.ts) both render, so the two always say the same thing. Pure functions, unit-tested.

export type Block =
  | { kind: 'heading'; level: 1 | 2 | 3; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; items: string[] }
  /** A short label and what was said: "What is going well" — "…". */
  | { kind: 'pair'; label: string; text: string }

export type FamilyCopyDocument = {
  /** Also the PDF's title in its metadata. */
  title: string
  subject: string
  draft: boolean
  cover: Block[]
  body: Block[]
}

/** Abbreviations practitioners use, with what they mean: expanded the first time they appear in the family's copy. */
export const ABBREVIATIONS: Readonly<Record<string, string>> = {
  CAF: 'Common Assessment Framework',
  EHA: 'early help assessment',
  TAF: 'team around the family',
  TAC: 'team around the child',
  LP: 'lead professional',
  CAMHS: 'child and adolescent mental health services',
  SENCO: 'special educational needs coordinator',
  SENCo: 'special educational needs coordinator',
  SEND: 'special educational needs and disabilities',
  SEN: 'special educational needs',
  EHCP: 'education, health and care plan',
  GP: 'family doctor',
  HV: 'health visitor',
  PCT: 'primary care trust',
  YISP: 'youth inclusion and support panel',
  YOT: 'youth offending team',
  NFA: 'no further action',
  ASD: 'autism spectrum disorder',
  ADHD: 'attention deficit hyperactivity disorder',
  DV: 'domestic violence',
  DA: 'domestic abuse',
  MASH: 'multi-agency safeguarding hub',
  CSC: 'children’s social care',
  EWO: 'education welfare officer',
  PRU: 'pupil referral unit',
  FSM: 'free school meals',
}

/**
 * Expands known abbreviations the first time each appears in the document ("CAMHS" → "child and adolescent mental
 * health services (CAMHS)"); later mentions stay short. `seen` is shared across one document.
 */
export function expandAbbreviations(text: string, seen: Set<string>): string {
  return text.replace(/\b[A-Z][A-Za-z]{1,5}\b/g, word => {
    const meaning = ABBREVIATIONS[word]
    if (!meaning || word.toLowerCase() === word) return word
    if (seen.has(word)) return word
    seen.add(word)
    return `${meaning} (${word})`
  })
}

/** The Distance Travelled score (0–4) in plain words. */
export const PRACTITIONER_SCORE_WORDS: Readonly<Record<number, string>> = {
  0: '0 out of 4: no worries here',
  1: '1 out of 4: small worries',
  2: '2 out of 4: some worries',
  3: '3 out of 4: serious worries',
  4: '4 out of 4: very serious worries that need several services',
}

export const CHILD_SCORE_WORDS = { red: 'Red: not good', amber: 'Amber: OK, could be better', green: 'Green: good' } as const

export const OUTCOME_FAMILY_WORDS = {
  no_further_action: 'No further help is needed from us at the moment. If things change, you can ask any of the services you work with for help again.',
  single_agency: 'One service will support you. The person who did this assessment will tell you who that is and what happens next.',
  multi_agency:
    'Several services will work together with you as a team around your family. You will be invited to a meeting, with the people who help you, to agree a plan: what each person will do, and when you will all check how things are going.',
} as const

export const FAMILY_AGREEMENT_WORDS = {
  agrees: 'You told us you agree with what is written here.',
  partly_agrees: 'You told us you agree with some of what is written here. Where you see things differently is written below.',
  disagrees: 'You told us you do not agree with what is written here. Your view is written below.',
} as const

export type FamilyCopyInput = {
  reference: string
  assessment: CompletionAssessment
  content: TemplateContent
  family: EpisodeFamilyMember[]
  elements: AssessmentElementRecord[]
  /** Agencies and kinds of agency the family agreed information may be shared with (live consents). */
  sharedWith: { agencies: string[]; kinds: string[] }
  /**
   * The family's statements disagreeing with elements of this assessment (record_disputes, record ids
   * `assessmentId:elementKey:subject`), oldest first: each disputed element says so, with their words.
   */
  disputes: readonly FamilyCopyDispute[]
}

/** A statement from the family about an element: who made it (a family member, or the team recording their words). */
export type FamilyCopyDispute = { recordId: string; statement: string; byName: string; at: Date }

/** A disputed element, in plain words: that they disagree, and each statement with who and when. */
export function disputedElementBlocks(disputes: readonly FamilyCopyDispute[]): Block[] {
  if (disputes.length === 0) return []
  return [
    { kind: 'paragraph', text: 'You told us you disagree with this. We have not changed what we wrote, and we keep your words with it.' },
    ...disputes.map(dispute => ({ kind: 'pair' as const, label: `What ${dispute.byName} told us on ${formatDate(dispute.at)}`, text: dispute.statement.trim() })),
  ]
}

function fullName(person: { givenNames: string; familyName: string }) {
  return `${person.givenNames} ${person.familyName}`
}

function hasContent(element: AssessmentElementRecord): boolean {
  if (element.notAssessed) return false
  return [element.strengths, element.needs, element.childWords, element.parentWords].some(value => value !== null && value.trim() !== '') ||
    element.practitionerScore !== null ||
    element.familyScoreAdult !== null ||
    element.familyScoreChild !== null
}

/** The family's copy of the assessment, in plain language. Elements not assessed are left out. */
export function familyCopyDocument(input: FamilyCopyInput): FamilyCopyDocument {
  const { assessment, content, family } = input
  const seen = new Set<string>()
  const plain = (text: string) => expandAbbreviations(text.trim(), seen)
  const children = family.filter(person => person.role === 'child')
  const childNames = children.map(fullName)
  const forWhom = childNames.length ? childNames.join(', ') : 'your family'
  const draft = assessment.status !== 'completed' && assessment.status !== 'awaiting_approval'
  const assessorLine = `${assessment.assessorName ?? 'Your practitioner'}${assessment.assessorAgencyName ? `, ${assessment.assessorAgencyName}` : ''}`
  const assessmentName = content.assessmentName

  const cover: Block[] = [
    { kind: 'heading', level: 1, text: `Your family’s copy of the ${assessmentName}` },
    { kind: 'pair', label: 'Who it is about', text: forWhom },
    { kind: 'pair', label: 'Written by', text: assessorLine },
    ...(assessment.discussionDate ? [{ kind: 'pair' as const, label: 'When we talked', text: formatDate(assessment.discussionDate) }] : []),
    { kind: 'pair', label: 'Reference', text: input.reference },
  ]
  if (draft) cover.push({ kind: 'paragraph', text: 'This is a draft. The assessment is not finished yet, so some of it may change.' })
  cover.push(
    { kind: 'heading', level: 2, text: 'What this document is' },
    ...content.familyExplanation
      .split(/\n\s*\n/)
      .map(text => text.trim())
      .filter(text => text !== '')
      .map(text => ({ kind: 'paragraph' as const, text: plain(text) })),
    { kind: 'paragraph', text: 'It is written in your words as well as ours. Where we scored how things are going, your own scores are shown next to ours.' },
    { kind: 'heading', level: 2, text: 'Who has a copy and why' },
  )
  const holders = [
    'You: this copy is yours to keep.',
    `${assessorLine}: to arrange the help you agreed to.`,
  ]
  const { agencies, kinds } = input.sharedWith
  if (agencies.length || kinds.length) {
    const names = [...agencies, ...kinds.map(kind => `${kind} services`)]
    holders.push(`${names.join(', ')}: because you agreed we may share information with them, so that you only have to tell your story once.`)
  } else {
    holders.push('Nobody else: you have not agreed to share it with any other service.')
  }
  cover.push({ kind: 'list', items: holders })
  cover.push(
    { kind: 'paragraph', text: 'You can change your mind about sharing at any time: tell the person who wrote this.' },
    { kind: 'heading', level: 2, text: 'If something is wrong' },
    { kind: 'paragraph', text: `If anything here is wrong or missing, tell ${assessment.assessorName ?? 'the person who wrote it'}. We will correct facts, and write down your view where we see things differently.` },
  )

  const body: Block[] = [{ kind: 'heading', level: 2, text: 'Why we talked' }]
  body.push({ kind: 'paragraph', text: assessment.reason ? plain(assessment.reason) : 'Not written down yet.' })
  if (assessment.present) body.push({ kind: 'pair', label: 'Who was there', text: plain(assessment.present) })

  const bySubject = new Map<string, AssessmentElementRecord>()
  for (const element of input.elements) bySubject.set(`${element.elementKey}|${element.subject}`, element)
  const disputesOf = (elementKey: string, subject: string) => input.disputes.filter(dispute => dispute.recordId === `${assessment.id}:${elementKey}:${subject}`)
  let anyElement = false
  for (const domain of content.domains) {
    const subjects = domain.scope === 'each-child' ? children.map(child => ({ id: child.personId, name: fullName(child) })) : [{ id: 'family', name: '' }]
    const domainBlocks: Block[] = []
    for (const subject of subjects) {
      const subjectBlocks: Block[] = []
      for (const templateElement of domain.elements) {
        const element = bySubject.get(`${templateElement.key}|${subject.id}`)
        const disputes = disputesOf(templateElement.key, subject.id)
        // An element the family disputes is shown even with nothing else in it, so that their words are in their copy.
        if (!element || (!hasContent(element) && disputes.length === 0)) continue
        subjectBlocks.push({ kind: 'heading', level: 3, text: subject.name && subjects.length > 1 ? `${templateElement.title}: ${subject.name}` : templateElement.title })
        if (element.strengths?.trim()) subjectBlocks.push({ kind: 'pair', label: 'What is going well', text: plain(element.strengths) })
        if (element.needs?.trim()) subjectBlocks.push({ kind: 'pair', label: 'What could be better', text: plain(element.needs) })
        if (element.childWords?.trim()) subjectBlocks.push({ kind: 'pair', label: subject.name ? `What ${subject.name.split(' ')[0]} said` : 'What the children said', text: plain(element.childWords) })
        if (element.parentWords?.trim()) subjectBlocks.push({ kind: 'pair', label: 'What parents or carers said', text: plain(element.parentWords) })
        if (element.practitionerScore !== null) {
          subjectBlocks.push({ kind: 'pair', label: 'How worried the practitioner is', text: PRACTITIONER_SCORE_WORDS[element.practitionerScore] ?? String(element.practitionerScore) })
        }
        if (element.familyScoreAdult !== null) {
          subjectBlocks.push({ kind: 'pair', label: 'Your score', text: `${element.familyScoreAdult} out of 10 (10 means going really well)` })
        }
        if (element.familyScoreChild !== null) subjectBlocks.push({ kind: 'pair', label: 'The child’s score', text: CHILD_SCORE_WORDS[element.familyScoreChild] })
        subjectBlocks.push(...disputedElementBlocks(disputes))
      }
      if (subjectBlocks.length && domain.scope === 'each-child' && subjects.length === 1 && subject.name) {
        domainBlocks.push({ kind: 'paragraph', text: `About ${subject.name}.` })
      }
      domainBlocks.push(...subjectBlocks)
    }
    if (domainBlocks.length) {
      anyElement = true
      body.push({ kind: 'heading', level: 2, text: domain.title }, ...domainBlocks)
    }
  }
  if (!anyElement) {
    body.push({ kind: 'heading', level: 2, text: 'How things are going' }, { kind: 'paragraph', text: 'We did not look at any area in detail.' })
  }

  body.push({ kind: 'heading', level: 2, text: 'What we agreed' })
  body.push({ kind: 'paragraph', text: assessment.conclusions ? plain(assessment.conclusions) : 'Not written down yet.' })
  if (assessment.familyAgreement) body.push({ kind: 'paragraph', text: FAMILY_AGREEMENT_WORDS[assessment.familyAgreement] })
  if (assessment.differencesOfOpinion?.trim()) body.push({ kind: 'pair', label: 'Where we see things differently', text: plain(assessment.differencesOfOpinion) })

  if (assessment.solutions?.trim() || assessment.familyCanDo?.trim()) {
    body.push({ kind: 'heading', level: 2, text: 'What could help' })
    if (assessment.solutions?.trim()) body.push({ kind: 'paragraph', text: plain(assessment.solutions) })
    if (assessment.familyCanDo?.trim()) body.push({ kind: 'pair', label: 'What you can do yourselves', text: plain(assessment.familyCanDo) })
  }
  if (assessment.agreedActions?.trim() || assessment.reviewDate) {
    body.push({ kind: 'heading', level: 2, text: 'Who will do what' })
    if (assessment.agreedActions?.trim()) body.push({ kind: 'paragraph', text: plain(assessment.agreedActions) })
    if (assessment.reviewDate) body.push({ kind: 'pair', label: 'When we will check how things are going', text: formatDate(assessment.reviewDate) })
  }

  body.push({ kind: 'heading', level: 2, text: 'What happens next' })
  if (assessment.outcome) body.push({ kind: 'paragraph', text: OUTCOME_FAMILY_WORDS[assessment.outcome] })
  else body.push({ kind: 'paragraph', text: 'We have not decided yet. The person who wrote this will talk it through with you.' })
  if (assessment.signedOffAt) {
    body.push({ kind: 'paragraph', text: `${assessment.assessorName ?? 'The assessor'} confirmed this is a fair record of what we discussed${assessment.completionDate ? ` on ${formatDate(assessment.completionDate)}` : ''}.` })
  }
  if (assessment.status === 'awaiting_approval') body.push({ kind: 'paragraph', text: 'A manager will check it before it is final.' })

  return {
    title: `${assessmentName}: family copy, ${input.reference}`,
    subject: `The ${assessmentName} for ${forWhom}, in plain language`,
    draft,
    cover,
    body,
  }
}
