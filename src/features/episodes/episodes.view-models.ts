import { paths } from '../../paths.ts'
import { formatDate, formatDateTime } from '../../plugins/views.ts'
import { AGENCY_KINDS, agencyKindPlural } from '../agencies/agency-kinds.ts'
import type { ChecklistQuestion } from '../assessments/template-content.ts'
import type { ConsentRecord, EpisodeDetail, EpisodeListItem, ReferralRecord, SafeguardingContacts } from './episodes.service.ts'
import { submittedValues } from '../../lib/validation.ts'

// Pure functions from domain records to GOV.UK macro arguments and plain labels.

type Row = { key: { text: string }; value: { text?: string; html?: string }; actions?: { items: { href: string; text: string; visuallyHiddenText?: string }[] } }

export const STATUS_NAMES: Record<string, string> = {
  identification: 'Identifying needs',
  checklist: 'Pre-assessment checklist',
  consent: 'Waiting for consent',
  assessment: 'Assessment',
  support: 'Support',
  closed: 'Ended',
}

export const OUTCOME_NAMES: Record<string, string> = {
  no_further_action: 'No further action',
  universal_services: 'Universal services',
  common_assessment: 'Common assessment',
  safeguarding_referral: 'Safeguarding referral',
  consent_refused: 'Consent refused',
}

export const REFERRED_TO_NAMES: Record<string, string> = { childrens_social_care: 'Children’s social care', police: 'Police' }
export const REFERRAL_METHOD_NAMES: Record<string, string> = { phone: 'Phone', online: 'Online form', in_person: 'In person' }
export const CONSENT_METHOD_NAMES: Record<string, string> = { in_person: 'In person', written: 'In writing', verbal: 'Verbally', phone: 'By phone' }
export const GIVER_KIND_NAMES: Record<string, string> = {
  parent_carer: 'Parent or carer with parental responsibility',
  other_adult: 'Another adult',
  young_person: 'The young person (judged competent)',
}
export const ANSWER_NAMES: Record<string, string> = { yes: 'Yes', no: 'No', not_sure: 'Not sure' }

const escape = (value: string) =>
  value.replace(/[&<>"']/g, character => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character] ?? character)

export function statusTag(status: string, outcome: string | null) {
  const text = status === 'closed' && outcome ? `Ended: ${OUTCOME_NAMES[outcome] ?? outcome}` : (STATUS_NAMES[status] ?? status)
  return { text, classes: status === 'closed' ? 'govuk-tag--grey' : 'govuk-tag--blue' }
}

export function personName(person: { givenNames: string; familyName: string }) {
  return `${person.givenNames} ${person.familyName}`
}

export function birthText(person: { dateOfBirth: string | null; expectedDateOfBirth: string | null }) {
  if (person.dateOfBirth) return `Born ${formatDate(person.dateOfBirth)}`
  if (person.expectedDateOfBirth) return `Expected ${formatDate(person.expectedDateOfBirth)}`
  return 'Date of birth not known'
}

export function episodeListRows(items: EpisodeListItem[]) {
  return items.map(item => [
    { html: `<a class="govuk-link" href="${paths.episodes.show(item.id)}">${escape(item.reference)}</a>` },
    { text: item.people || '—' },
    { text: item.scope === 'family' ? 'Family' : 'Child' },
    { html: `<strong class="govuk-tag ${statusTag(item.status, item.outcome).classes}">${escape(statusTag(item.status, item.outcome).text)}</strong>${item.safeguardingFlag ? ' <strong class="govuk-tag govuk-tag--red">Safeguarding</strong>' : ''}` },
    { text: formatDate(item.startedAt) },
  ])
}

export function consentPurposes(consent: ConsentRecord, agencyNames: Record<string, string>): string[] {
  const purposes: string[] = []
  if (consent.toAssess) purposes.push('The assessment')
  for (const agencyId of consent.shareAgencyIds) purposes.push(`Sharing information with ${agencyNames[agencyId] ?? 'an agency no longer listed'}`)
  for (const kind of consent.shareAgencyKinds) purposes.push(`Sharing information with ${agencyKindPlural(kind).toLowerCase()}`)
  return purposes
}

export function consentRows(consent: ConsentRecord, agencyNames: Record<string, string>): Row[] {
  const rows: Row[] = [
    { key: { text: 'Decision' }, value: { text: consent.decision === 'given' ? (consent.withdrawnOn ? 'Given, then withdrawn' : 'Given') : 'Refused' } },
    { key: { text: 'Who' }, value: { text: `${consent.giverName}${consent.giverRelationship ? ` (${consent.giverRelationship.replace('_', ' ')})` : ''}` } },
    { key: { text: 'As' }, value: { text: GIVER_KIND_NAMES[consent.giverKind] ?? consent.giverKind } },
  ]
  if (consent.competenceBasis) {
    rows.push({
      key: { text: 'Competence' },
      value: { text: `${consent.competenceBasis === 'fraser' ? 'Fraser' : 'Gillick'} competent, judged by ${consent.competenceJudgedBy ?? ''}: ${consent.competenceReasoning ?? ''}` },
    })
  }
  if (consent.decision === 'given') {
    const purposes = consentPurposes(consent, agencyNames)
    rows.push({ key: { text: 'For' }, value: { html: `<ul class="govuk-list govuk-list--bullet">${purposes.map(item => `<li>${escape(item)}</li>`).join('')}</ul>` } })
  } else {
    rows.push({ key: { text: 'Reason for refusal' }, value: { text: consent.refusalReason ?? '' } })
  }
  rows.push({ key: { text: 'How' }, value: { text: CONSENT_METHOD_NAMES[consent.method] ?? consent.method } })
  rows.push({ key: { text: 'When' }, value: { text: formatDate(consent.givenOn) } })
  rows.push({ key: { text: 'Recorded by' }, value: { text: `${consent.recordedByName ?? 'Unknown'}, ${formatDateTime(consent.recordedAt)}` } })
  if (consent.withdrawnOn) {
    rows.push({ key: { text: 'Withdrawn' }, value: { text: `${formatDate(consent.withdrawnOn)}: ${consent.withdrawalReason ?? ''}` } })
  }
  return rows
}

export function referralRows(referral: ReferralRecord, episodeId: string): Row[] {
  return [
    { key: { text: 'Referred to' }, value: { text: REFERRED_TO_NAMES[referral.referredTo] ?? referral.referredTo } },
    { key: { text: 'When' }, value: { text: formatDateTime(referral.referredAt) } },
    { key: { text: 'How' }, value: { text: REFERRAL_METHOD_NAMES[referral.method] ?? referral.method } },
    { key: { text: 'Spoke to' }, value: { text: referral.spokeTo ?? 'Not recorded' } },
    { key: { text: 'Their reference' }, value: { text: referral.reference ?? 'Not recorded' } },
    { key: { text: 'The concern' }, value: { text: referral.concern } },
    {
      key: { text: 'Outcome' },
      value: { text: referral.outcome ?? 'Not known yet' },
      actions: { items: [{ href: paths.episodes.referralOutcome(episodeId, referral.id), text: referral.outcome ? 'Change' : 'Add outcome', visuallyHiddenText: ' of the referral' }] },
    },
    { key: { text: 'Recorded by' }, value: { text: `${referral.recordedByName ?? 'Unknown'}, ${formatDateTime(referral.recordedAt)}` } },
  ]
}

/** The steps of the episode as a GOV.UK task list. */
export function taskListItems(detail: EpisodeDetail) {
  const { episode, checklist, consents, consentToAssess } = detail
  const closed = episode.status === 'closed'
  const checklistStatus = checklist
    ? { text: `Completed: ${OUTCOME_NAMES[checklist.outcome] ?? checklist.outcome}` }
    : closed
      ? { text: 'Not done' }
      : { tag: { text: 'Not started', classes: 'govuk-tag--blue' } }
  const consentRecorded = consents.length > 0
  const consentStatus = consentToAssess
    ? { text: 'Consent to assess given' }
    : consents.some(consent => consent.decision === 'refused')
      ? { tag: { text: 'Refused', classes: 'govuk-tag--red' } }
      : consents.some(consent => consent.withdrawnOn && consent.toAssess)
        ? { tag: { text: 'Withdrawn', classes: 'govuk-tag--red' } }
        : consentRecorded
          ? { text: 'No consent to assess' }
          : closed
            ? { text: 'Not needed' }
            : { tag: { text: 'Not started', classes: 'govuk-tag--blue' } }
  return [
    {
      title: { text: 'Pre-assessment checklist' },
      hint: { text: 'Decide whether a common assessment would help' },
      ...(closed && !checklist ? {} : { href: paths.episodes.checklist(episode.id) }),
      status: checklistStatus,
    },
    {
      title: { text: 'Consent' },
      hint: { text: 'Consent to the assessment and to sharing information' },
      ...(closed ? {} : { href: paths.episodes.consent(episode.id) }),
      status: consentStatus,
    },
    {
      title: { text: detail.template ? `Assessment (${detail.template.name})` : 'Assessment' },
      ...(consentToAssess ? { href: paths.episodes.assessment(episode.id) } : {}),
      status: assessmentStatus(detail.assessmentStatus ?? null, consentToAssess),
    },
  ]
}

const ASSESSMENT_STATUS_NAMES: Record<string, string> = {
  in_progress: 'In progress',
  awaiting_approval: 'Waiting for approval',
  returned: 'Returned by the manager',
  completed: 'Completed',
}

function assessmentStatus(status: string | null, consentToAssess: boolean) {
  if (status === 'completed') return { text: 'Completed' }
  if (status) return { tag: { text: ASSESSMENT_STATUS_NAMES[status] ?? status, classes: 'govuk-tag--light-blue' } }
  return consentToAssess ? { tag: { text: 'Ready to start', classes: 'govuk-tag--blue' } } : { text: 'Cannot start yet', classes: 'govuk-task-list__status--cannot-start-yet' }
}

export function contactsView(contacts: SafeguardingContacts | undefined) {
  if (!contacts) return { configured: false }
  return {
    configured: true,
    socialCareName: contacts.socialCareName,
    socialCarePhone: contacts.socialCarePhone,
    socialCareHours: contacts.socialCareHours,
    outOfHoursPhone: contacts.outOfHoursPhone,
    onlineReferralUrl: contacts.onlineReferralUrl,
    policeNonEmergency: contacts.policeNonEmergency,
    extraAdvice: contacts.extraAdvice,
  }
}

export function agencyKindItems(selected: readonly string[]) {
  return AGENCY_KINDS.map(kind => ({ value: kind.value, text: kind.plural, checked: selected.includes(kind.value) }))
}

export function checklistQuestionsView(questions: readonly ChecklistQuestion[], values: Record<string, unknown>, fieldErrors: Record<string, { text: string }> | undefined) {
  return questions.map((question, index) => {
    const name = `q${index + 1}`
    const value = typeof values[name] === 'string' ? values[name] : undefined
    return {
      name,
      question: question.question,
      hint: question.hint,
      risk: question.riskOfSignificantHarm === true,
      items: (['yes', 'no', 'not_sure'] as const).map(answer => ({ value: answer, text: ANSWER_NAMES[answer], checked: value === answer })),
      errorMessage: fieldErrors?.[name],
    }
  })
}

/** Form values as sent, for re-rendering a form: strings and lists of strings only. */
export { submittedValues as submitted }
