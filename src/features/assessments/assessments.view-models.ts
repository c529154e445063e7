import { paths } from '../../paths.ts'
import { formatDate } from '../../plugins/views.ts'
import type { AssessmentPerson, AssessmentRecord, AssessmentView, ElementRecord, ContributorRecord } from './assessments.service.ts'
import { elementRecorded, readyForSignOff, subjectsOf } from './assessments.service.ts'
import type { TemplateDomain } from './template-content.ts'
import { dateInputValues } from '../../lib/dates.ts'

// Pure functions from assessment records to GOV.UK macro arguments and plain labels.

type Values = Record<string, string | string[]>
type Row = { key: { text: string }; value: { text?: string; html?: string }; actions?: { items: { href: string; text: string; visuallyHiddenText?: string }[] } }
type Status = { text: string; classes?: string } | { tag: { text: string; classes: string } }

/** Distance Travelled (Bristol): the practitioner's 0–4 score of an element, with the family. */
export const PRACTITIONER_SCORES = [
  { value: 0, name: 'No issues', hint: 'Needs are met: nothing extra is needed here' },
  { value: 1, name: 'Minor', hint: 'Some additional needs, which universal services or the family can meet' },
  { value: 2, name: 'Moderate', hint: 'Additional needs that need some targeted support' },
  { value: 3, name: 'Significant', hint: 'Needs that need support from more than one agency' },
  { value: 4, name: 'Critical and complex', hint: 'Needs that need intensive, coordinated multi-agency support' },
] as const

export const CHILD_SCORE_NAMES: Record<string, string> = { red: 'Red', amber: 'Amber', green: 'Green' }
export const FAMILY_AGREEMENT_NAMES: Record<string, string> = {
  agrees: 'The family agrees',
  partly_agrees: 'The family partly agrees',
  disagrees: 'The family disagrees',
}
export const STATUS_NAMES: Record<string, string> = {
  in_progress: 'In progress',
  awaiting_approval: 'Waiting for approval',
  returned: 'Returned by the manager',
  completed: 'Completed',
}

export const STEP_TITLES = {
  explain: 'Explain the purpose, consent and confidentiality',
  details: 'Basic details',
  conclusions: 'Conclusions and evidence',
  solutions: 'Solutions',
  agreement: 'Who does what, and the review date',
} as const

const NOT_STARTED: Status = { tag: { text: 'Not started', classes: 'govuk-tag--blue' } }
const IN_PROGRESS: Status = { tag: { text: 'In progress', classes: 'govuk-tag--light-blue' } }
const COMPLETED: Status = { text: 'Completed' }

export function personName(person: Pick<AssessmentPerson, 'givenNames' | 'familyName'>): string {
  return `${person.givenNames} ${person.familyName}`
}

function statusOf(filled: number, of: number): Status {
  if (filled === 0) return NOT_STARTED
  return filled >= of ? COMPLETED : IN_PROGRESS
}

const present = (value: unknown) => value !== null && value !== undefined && value !== ''

export function practitionerScoreText(score: number | null): string {
  if (score === null) return 'Not scored'
  const descriptor = PRACTITIONER_SCORES.find(item => item.value === score)
  return descriptor ? `${score} – ${descriptor.name}` : String(score)
}

/** How far one domain has got for one subject: recorded, not assessed, and how many elements it has. */
export function domainProgress(domain: TemplateDomain, subject: string, elements: readonly ElementRecord[]) {
  let recorded = 0
  let notAssessed = 0
  for (const element of domain.elements) {
    const saved = elements.find(item => item.elementKey === element.key && item.subject === subject)
    if (!saved) continue
    if (saved.notAssessed) notAssessed++
    else if (elementRecorded(saved)) recorded++
  }
  return { recorded, notAssessed, total: domain.elements.length }
}

export function progressText(progress: { recorded: number; notAssessed: number; total: number }): string {
  const parts = [`${progress.recorded} of ${progress.total} recorded`]
  if (progress.notAssessed > 0) parts.push(`${progress.notAssessed} not assessed`)
  return parts.join(', ')
}

/** The six steps as GOV.UK task lists, one per step, with statuses. */
export function taskSections(detail: AssessmentView) {
  const { assessment, template, children, elements, you } = detail
  if (!assessment || !template) return []
  const episodeId = detail.episode.id
  const stepItem = (step: keyof typeof STEP_TITLES, hint: string, status: Status) => ({
    title: { text: STEP_TITLES[step] },
    hint: { text: hint },
    href: paths.assessments.step(episodeId, step),
    status,
  })
  const domainItems = template.content.domains.flatMap(domain =>
    subjectsOf(domain, children).map(({ subject, name }) => {
      const progress = domainProgress(domain, subject, elements)
      const filled = progress.recorded + progress.notAssessed
      const yours = you.elementKeys ? domain.elements.filter(element => you.elementKeys?.includes(element.key)).length : null
      return {
        title: { text: name ? `${domain.title}: ${name}` : domain.title },
        hint: { text: `${progressText(progress)}${yours ? `. You are asked to complete ${yours === 1 ? '1 element' : `${yours} elements`} here` : ''}` },
        href: paths.assessments.domain(episodeId, domain.key, subject),
        status: statusOf(filled, progress.total),
      }
    }),
  )
  return [
    {
      heading: '1. Explain',
      items: [stepItem('explain', 'What the assessment is for, consent, and who will see it', assessment.explainedAt ? COMPLETED : assessment.explanationNotes ? IN_PROGRESS : NOT_STARTED)],
    },
    {
      heading: '2. Basic details',
      items: [stepItem('details', 'Required: the date of the discussion and the reason', statusOf([assessment.discussionDate, assessment.reason].filter(present).length, 2))],
    },
    { heading: '3. The three domains', items: domainItems },
    {
      heading: '4. Conclusions',
      items: [stepItem('conclusions', 'Required: the conclusions, the evidence, and what the family think', statusOf([assessment.conclusions, assessment.familyAgreement].filter(present).length, 2))],
    },
    {
      heading: '5. Solutions',
      items: [stepItem('solutions', 'Including what the family can do themselves', statusOf([assessment.solutions, assessment.familyCanDo].filter(present).length, 2))],
    },
    {
      heading: '6. Agreement',
      items: [stepItem('agreement', 'Who does what, and when progress is reviewed', statusOf([assessment.agreedActions, assessment.reviewDate].filter(present).length, 2))],
    },
    {
      heading: 'Finish',
      items: [
        {
          title: { text: 'Outcome and sign-off' },
          hint: { text: 'No further action, single-agency or multi-agency support; signed off by the assessor' },
          href: paths.assessmentCompletion.outcome(episodeId),
          status: assessment.status === 'completed' ? COMPLETED : assessment.signedOffAt ? { text: STATUS_NAMES[assessment.status] ?? assessment.status } : NOT_STARTED,
        },
        {
          title: { text: 'The family’s copy' },
          hint: { text: 'A plain-language copy to print or give as a PDF, and a record that they have it' },
          href: paths.assessmentCompletion.familyCopy(episodeId),
          status: { text: 'Optional' },
        },
      ],
    },
  ]
}

/** Counts across all the domains and subjects, for the summary at the top of the task list. */
export function overallCounts(detail: AssessmentView) {
  const counts = { notStarted: 0, inProgress: 0, completed: 0, notAssessed: 0 }
  for (const section of taskSections(detail)) {
    for (const item of section.items) {
      if (item.status === COMPLETED) counts.completed++
      else if (item.status === IN_PROGRESS) counts.inProgress++
      else counts.notStarted++
    }
  }
  counts.notAssessed = detail.elements.filter(element => element.notAssessed).length
  return counts
}

export function missingForSignOffView(assessment: AssessmentRecord, elements: readonly ElementRecord[], episodeId: string) {
  return readyForSignOff(assessment, elements).map(item => ({
    text: item.text,
    href: paths.assessments.step(episodeId, item.step === 'basic-details' ? 'details' : 'conclusions'),
  }))
}

/** The rows of one domain's page: each element, how far it has got, and a link to it. */
export function domainElementRows(episodeId: string, domain: TemplateDomain, subject: string, elements: readonly ElementRecord[], yourKeys: string[] | null, editable: boolean): Row[] {
  return domain.elements.map(element => {
    const saved = elements.find(item => item.elementKey === element.key && item.subject === subject)
    const mayChange = editable && (yourKeys === null || yourKeys.includes(element.key))
    const state = !saved ? 'Not started' : saved.notAssessed ? 'Not assessed' : elementRecorded(saved) ? `Recorded${saved.practitionerScore !== null ? `, score ${practitionerScoreText(saved.practitionerScore)}` : ''}` : 'Not started'
    const yours = yourKeys?.includes(element.key) ? ' (yours to complete)' : ''
    return {
      key: { text: `${element.title}${yours}` },
      value: { text: state },
      actions: {
        items: [{ href: paths.assessments.element(episodeId, element.key, subject), text: mayChange ? (saved ? 'Change' : 'Record') : 'View', visuallyHiddenText: ` ${element.title}` }],
      },
    }
  })
}

export const ELEMENT_FIELDS = [
  { name: 'strengths', label: 'Strengths' },
  { name: 'needs', label: 'Needs' },
  { name: 'childWords', label: 'The child’s or young person’s words' },
  { name: 'parentWords', label: 'The parent’s or carer’s words' },
] as const

/** What is saved for an element, as form values. */
export function elementValues(saved: ElementRecord | undefined): Values {
  return {
    version: String(saved?.version ?? 0),
    notAssessed: saved?.notAssessed ? 'yes' : '',
    strengths: saved?.strengths ?? '',
    needs: saved?.needs ?? '',
    childWords: saved?.childWords ?? '',
    parentWords: saved?.parentWords ?? '',
    practitionerScore: saved?.practitionerScore === null || saved?.practitionerScore === undefined ? '' : String(saved.practitionerScore),
    familyScoreAdult: saved?.familyScoreAdult === null || saved?.familyScoreAdult === undefined ? '' : String(saved.familyScoreAdult),
    familyScoreChild: saved?.familyScoreChild ?? '',
  }
}

function valueText(name: string, value: string): string {
  if (value === '') return name === 'notAssessed' ? 'No' : '—'
  switch (name) {
    case 'notAssessed':
      return 'Yes'
    case 'practitionerScore':
      return practitionerScoreText(Number(value))
    case 'familyScoreAdult':
      return `${value} out of 10`
    case 'familyScoreChild':
      return CHILD_SCORE_NAMES[value] ?? value
    default:
      return value
  }
}

const ELEMENT_ROW_NAMES: [string, string][] = [
  ...ELEMENT_FIELDS.map((field): [string, string] => [field.name, field.label]),
  ['practitionerScore', 'Practitioner’s score (Distance Travelled)'],
  ['familyScoreAdult', 'Parent’s or carer’s own score'],
  ['familyScoreChild', 'Child’s own score'],
  ['notAssessed', 'Not assessed'],
]

/** An element as a summary list (read-only view). */
export function elementRows(saved: ElementRecord | undefined): Row[] {
  const values = elementValues(saved)
  const rows: Row[] = ELEMENT_ROW_NAMES.map(([name, label]) => ({ key: { text: label }, value: { text: valueText(name, String(values[name] ?? '')) } }))
  if (saved) rows.push({ key: { text: 'Last saved' }, value: { text: `${formatDate(saved.updatedAt)} by ${saved.updatedByName ?? 'unknown'}` } })
  return rows
}

/** A stale save: what the user typed beside what is saved now, field by field, so they can merge. */
export function elementComparison(typed: Values, saved: ElementRecord | undefined) {
  const now = elementValues(saved)
  return {
    savedBy: saved ? `${saved.updatedByName ?? 'someone'}, ${formatDate(saved.updatedAt)}` : 'someone',
    rows: ELEMENT_ROW_NAMES.map(([name, label]) => {
      const mine = typeof typed[name] === 'string' ? String(typed[name]).trim() : ''
      const theirs = String(now[name] ?? '')
      return [{ text: label }, { text: valueText(name, mine) }, { text: valueText(name, theirs) }, { text: mine === theirs ? 'Same' : 'Different' }]
    }),
  }
}

/** Step fields and their labels, for read-only views and conflicts. */
export const STEP_FIELDS: Record<keyof typeof STEP_TITLES, { name: string; label: string; kind?: 'date' | 'agreement' | 'explained' }[]> = {
  explain: [
    { name: 'explainedAt', label: 'Explained to the family', kind: 'explained' },
    { name: 'explanationNotes', label: 'Notes' },
  ],
  details: [
    { name: 'discussionDate', label: 'Date of the discussion', kind: 'date' },
    { name: 'reason', label: 'Reason for the assessment' },
    { name: 'present', label: 'Who was present' },
  ],
  conclusions: [
    { name: 'conclusions', label: 'Conclusions and evidence' },
    { name: 'familyAgreement', label: 'The family’s view', kind: 'agreement' },
    { name: 'differencesOfOpinion', label: 'Differences of opinion' },
  ],
  solutions: [
    { name: 'solutions', label: 'Solutions' },
    { name: 'familyCanDo', label: 'What the family can do themselves' },
  ],
  agreement: [
    { name: 'agreedActions', label: 'Who does what' },
    { name: 'reviewDate', label: 'Review date', kind: 'date' },
  ],
}

export function stepRows(step: keyof typeof STEP_TITLES, assessment: AssessmentRecord): Row[] {
  const record = assessment as unknown as Record<string, string | null>
  return STEP_FIELDS[step].map(field => {
    const value = record[field.name] ?? null
    let text: string
    if (value === null || value === '') text = field.kind === 'explained' ? 'Not yet' : '—'
    else if (field.kind === 'date') text = formatDate(value)
    else if (field.kind === 'explained') text = `Yes, ${formatDate(value)}`
    else if (field.kind === 'agreement') text = FAMILY_AGREEMENT_NAMES[value] ?? value
    else text = value
    return { key: { text: field.label }, value: { text } }
  })
}

/** The summary of the consent shown on step 1. */
export function consentRows(detail: AssessmentView): Row[] {
  return detail.consents.map(consent => ({
    key: { text: consent.decision === 'refused' ? 'Refused' : consent.withdrawnOn ? 'Withdrawn' : 'Given' },
    value: {
      text: `${consent.giverName}${consent.giverRelationship ? ` (${consent.giverRelationship.replace('_', ' ')})` : ''}, ${formatDate(consent.givenOn)}${consent.toAssess ? ', to the assessment' : ', not to the assessment'}${consent.withdrawnOn ? `; withdrawn ${formatDate(consent.withdrawnOn)}` : ''}`,
    },
  }))
}

export function contributorRows(contributors: readonly ContributorRecord[], elementTitles: Record<string, string>) {
  return contributors.map(contributor => [
    { text: `${contributor.name}${contributor.agencyName ? `, ${contributor.agencyName}` : ''}` },
    { text: contributor.elementKeys.map(key => elementTitles[key] ?? key).join(', ') },
    { text: contributor.completedAt ? `Done ${formatDate(contributor.completedAt)}` : `Asked ${formatDate(contributor.invitedAt)}` },
  ])
}

/** Step values from the record, as the form shows them. */
export function stepValues(step: keyof typeof STEP_TITLES, assessment: AssessmentRecord): Values {
  const base = { version: String(assessment.version) }
  switch (step) {
    case 'explain':
      return { ...base, explained: assessment.explainedAt ? 'yes' : '', explanationNotes: assessment.explanationNotes ?? '' }
    case 'details':
      return { ...base, ...dateInputValues('discussionDate', assessment.discussionDate), reason: assessment.reason ?? '', present: assessment.present ?? '' }
    case 'conclusions':
      return { ...base, conclusions: assessment.conclusions ?? '', familyAgreement: assessment.familyAgreement ?? '', differencesOfOpinion: assessment.differencesOfOpinion ?? '' }
    case 'solutions':
      return { ...base, solutions: assessment.solutions ?? '', familyCanDo: assessment.familyCanDo ?? '' }
    case 'agreement':
      return { ...base, agreedActions: assessment.agreedActions ?? '', ...dateInputValues('reviewDate', assessment.reviewDate) }
  }
}

/** A stale step save: each field as typed and as saved now. */
export function stepComparison(step: keyof typeof STEP_TITLES, typed: Values, saved: AssessmentRecord) {
  const now = stepValues(step, saved)
  const text = (values: Values, name: string, kind: string | undefined) => {
    if (kind === 'date') {
      const prefix = name
      const parts = [values[`${prefix}-day`], values[`${prefix}-month`], values[`${prefix}-year`]].map(value => (typeof value === 'string' ? value.trim() : ''))
      return parts.every(part => part === '') ? '—' : parts.join('/')
    }
    const key = kind === 'explained' ? 'explained' : name
    const value = typeof values[key] === 'string' ? String(values[key]).trim() : ''
    if (kind === 'explained') return value === 'yes' ? 'Yes' : 'No'
    if (value === '') return '—'
    return kind === 'agreement' ? (FAMILY_AGREEMENT_NAMES[value] ?? value) : value
  }
  return {
    rows: STEP_FIELDS[step].map(field => {
      const mine = text(typed, field.name, field.kind)
      const theirs = text(now, field.name, field.kind)
      return [{ text: field.label }, { text: mine }, { text: theirs }, { text: mine === theirs ? 'Same' : 'Different' }]
    }),
  }
}
