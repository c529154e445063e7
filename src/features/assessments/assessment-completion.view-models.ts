import { formatDate, formatDateTime } from '../../plugins/views.ts'
import { paths } from '../../paths.ts'
import type { ApprovalQueueItem, CompletionAssessment, FamilyCopyRecord, MissingStep } from './assessment-completion.service.ts'
import { submittedText } from '../../lib/validation.ts'

// Pure functions from records to GOV.UK macro arguments for the outcome, approval and family-copy pages.

export const OUTCOME_NAMES = {
  no_further_action: 'No further action',
  single_agency: 'Single-agency support',
  multi_agency: 'Multi-agency support',
} as const

export const STATUS_NAMES = {
  in_progress: 'In progress',
  awaiting_approval: 'Waiting for a manager’s approval',
  returned: 'Returned with comments',
  completed: 'Complete',
} as const

const STATUS_CLASSES = { in_progress: 'govuk-tag--blue', awaiting_approval: 'govuk-tag--yellow', returned: 'govuk-tag--orange', completed: 'govuk-tag--green' } as const

export const COPY_FORMAT_NAMES = { pdf: 'As a PDF (by email or download)', printed: 'Printed copy', in_person: 'Gone through in person' } as const

export function statusTag(status: CompletionAssessment['status']) {
  return { text: STATUS_NAMES[status], classes: STATUS_CLASSES[status] }
}

type Values = Record<string, string | string[] | undefined>

export function outcomeItems(values: Values) {
  return [
    { value: 'no_further_action', text: OUTCOME_NAMES.no_further_action, hint: { text: 'The family’s needs are met, or they do not want more help. The episode will close.' }, checked: values.outcome === 'no_further_action' },
    { value: 'single_agency', text: OUTCOME_NAMES.single_agency, hint: { text: 'One service can meet the needs. The episode moves on to support.' }, checked: values.outcome === 'single_agency' },
    {
      value: 'multi_agency',
      text: OUTCOME_NAMES.multi_agency,
      hint: { text: 'Several services need to work together. This leads to a team around the family: the practitioners who see the family meet with them to agree a plan and a lead professional.' },
      checked: values.outcome === 'multi_agency',
    },
  ]
}

/** The steps still missing, each linking to the step where it is recorded. */
export function missingLinks(episodeId: string, missing: MissingStep[]) {
  return missing.map(item => ({ text: item.text, href: paths.assessments.step(episodeId, item.step === 'basic-details' ? 'details' : 'conclusions') }))
}

export function completionSummaryRows(assessment: CompletionAssessment) {
  const rows: { key: { text: string }; value: { text?: string; html?: string } }[] = [
    { key: { text: 'Status' }, value: { html: `<strong class="govuk-tag ${statusTag(assessment.status).classes}">${escape(statusTag(assessment.status).text)}</strong>` } },
    { key: { text: 'Assessor' }, value: { text: `${assessment.assessorName ?? 'Unknown'}${assessment.assessorAgencyName ? `, ${assessment.assessorAgencyName}` : ''}` } },
  ]
  if (assessment.outcome) rows.push({ key: { text: 'Outcome' }, value: { text: OUTCOME_NAMES[assessment.outcome] } })
  if (assessment.completionDate) rows.push({ key: { text: 'Completion date' }, value: { text: formatDate(assessment.completionDate) } })
  if (assessment.signedOffAt) rows.push({ key: { text: 'Signed off' }, value: { text: formatDateTime(assessment.signedOffAt) } })
  if (assessment.approvedAt) rows.push({ key: { text: 'Approved' }, value: { text: `${formatDateTime(assessment.approvedAt)} by ${assessment.approvedByName ?? 'a manager'}` } })
  return rows
}

/** The manager's return, shown prominently while the assessment is returned. */
export function returnNotice(assessment: Pick<CompletionAssessment, 'status' | 'returnComments' | 'returnedByName' | 'returnedAt'>) {
  if (assessment.status !== 'returned') return null
  return {
    heading: `Returned by ${assessment.returnedByName ?? 'a manager'}${assessment.returnedAt ? ` on ${formatDate(assessment.returnedAt)}` : ''}`,
    comments: assessment.returnComments ?? '',
  }
}

export function copyRows(copies: FamilyCopyRecord[]) {
  return copies.map(copy => [{ text: copy.givenToName }, { text: COPY_FORMAT_NAMES[copy.format] }, { text: formatDate(copy.givenAt) }, { text: copy.givenByName ?? '—' }])
}

export function approvalQueueRows(items: ApprovalQueueItem[]) {
  return items.map(item => [
    { html: `<a class="govuk-link" href="${paths.assessmentCompletion.approval(item.episodeId)}">${escape(item.reference)}</a>` },
    { text: `${item.assessorName ?? 'Unknown'}${item.agencyName ? `, ${item.agencyName}` : ''}` },
    { text: item.outcome ? OUTCOME_NAMES[item.outcome] : '—' },
    { text: item.signedOffAt ? formatDate(item.signedOffAt) : '—' },
  ])
}

/** Form values as strings, for putting back into a form. */
export { submittedText as submitted }

function escape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}
