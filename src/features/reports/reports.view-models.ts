import { csvDocument } from '../../lib/csv.ts'
import type { FormErrors } from '../../lib/validation.ts'
import { paths } from '../../paths.ts'
import { STATUS_NAMES } from '../episodes/episodes.view-models.ts'
import type { Figure } from './reports.figures.ts'
import { filterQuery, monthKey, type FilterProblem, type ReportQueryValues } from './reports.schemas.ts'
import { monthLabel, OPEN_STATUSES, type MonthEndFigures, type Report, type ReportOptions } from './reports.service.ts'

// Pure functions from the report (figures already suppressed) to GOV.UK macro arguments, CSV and API shapes.

type Cell = { text: string; format?: 'numeric' }
const cell = (figure: Figure): Cell => ({ text: figure.text, format: 'numeric' })

export function formErrors(problems: FilterProblem[]): FormErrors {
  const result: FormErrors = { errors: [], fieldErrors: {} }
  for (const problem of problems) {
    if (result.fieldErrors[problem.field]) continue
    result.fieldErrors[problem.field] = { text: problem.message }
    result.errors.push({ text: problem.message, href: `#${problem.field}` })
  }
  return result
}

/** The filter form: the authority's localities and the months a period may start and end in. */
export function filterForm(values: ReportQueryValues, options: ReportOptions, chosen: { from: string; to: string } = { from: values.from, to: values.to }) {
  const monthItems = (selected: string) =>
    options.months.map(month => ({ value: monthKey(month), text: monthLabel(month), selected: monthKey(month) === selected }))
  return {
    action: paths.reports.page(),
    localityItems: [
      { value: '', text: 'All localities', selected: values.localityId === '' },
      ...options.localities.map(locality => ({ value: locality.id, text: locality.name, selected: locality.id === values.localityId.toLowerCase() })),
    ],
    fromItems: monthItems(chosen.from),
    toItems: monthItems(chosen.to),
  }
}

/** "December 2026 (so far)" for the month that has not ended yet. */
function monthEndLabel(row: MonthEndFigures): string {
  return row.soFar ? `${row.name} (so far)` : row.name
}

export function reportPage(report: Report) {
  const query = filterQuery(report.filter)
  return {
    scope: `${report.locality ? report.locality.name : 'All localities'}, ${monthLabel(report.filter.from)} to ${monthLabel(report.filter.to)}`,
    csvPath: paths.reports.csv(query),
    apiPath: paths.reports.api(query),
    openRows: [
      ...report.openByStatus.map(row => [{ text: row.name }, cell(row.episodes)]),
      [{ text: 'All open episodes' }, cell(report.openTotal)],
    ],
    supportWithoutLead: report.supportWithoutLead.text,
    monthRows: report.months.map(row => [{ text: row.name }, cell(row.opened), cell(row.closed)]),
    monthEndHead: [{ text: 'Month' }, ...OPEN_STATUSES.map(status => ({ text: STATUS_NAMES[status] ?? status, format: 'numeric' })), { text: 'All open episodes', format: 'numeric' }],
    monthEndRows: report.openAtMonthEnd.map(row => [{ text: monthEndLabel(row) }, ...row.byStatus.map(stage => cell(stage.episodes)), cell(row.total)]),
    monthEndSoFar: report.openAtMonthEnd.some(row => row.soFar),
    outcomeRows: report.closuresByOutcome.map(row => [{ text: row.name }, cell(row.episodes)]),
    flowRows: [
      { key: { text: 'Assessments completed' }, value: { text: report.assessmentsCompleted.text } },
      { key: { text: 'Median days from the start of an episode to its assessment’s completion' }, value: { text: report.medianDaysToAssessment.text } },
      { key: { text: 'Re-referrals: episodes opened within 12 months of an earlier episode about the same child closing' }, value: { text: report.reReferrals.text } },
    ],
    distanceRows: report.distanceTravelled.map(row => [
      { text: row.element },
      cell(row.children),
      cell(row.averageFirst),
      cell(row.averageLatest),
      cell(row.averageChange),
    ]),
  }
}

/** The same tables as the page, one after another, with the same suppressed figures (src/lib/csv.ts makes the cells safe). */
export function reportCsv(report: Report): string {
  const scope = [report.locality ? report.locality.name : 'All localities', monthKey(report.filter.from), monthKey(report.filter.to)]
  const rows: Array<Array<string | null>> = []
  // The page shows a fall with a true minus sign; a spreadsheet needs the hyphen-minus to read the figure as a number.
  const add = (table: string, item: string, measure: string, figure: Figure) => rows.push([table, item, measure, figure.text.replace(/^\u2212/, '-'), ...scope])
  for (const row of report.openByStatus) add('Open episodes now', row.name, 'Episodes', row.episodes)
  add('Open episodes now', 'All open episodes', 'Episodes', report.openTotal)
  add('Open episodes now', 'Support', 'Episodes with no lead professional', report.supportWithoutLead)
  for (const row of report.months) {
    add('Episodes each month', row.month, 'Opened', row.opened)
    add('Episodes each month', row.month, 'Closed', row.closed)
  }
  for (const row of report.openAtMonthEnd) {
    const month = row.soFar ? `${row.month} (so far)` : row.month
    for (const stage of row.byStatus) add('Open at the end of each month', month, stage.name, stage.episodes)
    add('Open at the end of each month', month, 'All open episodes', row.total)
  }
  for (const row of report.closuresByOutcome) add('How episodes ended', row.name, 'Episodes', row.episodes)
  add('Assessments and re-referrals', 'Assessments completed', 'Assessments', report.assessmentsCompleted)
  add('Assessments and re-referrals', 'Days from start to assessment completion', 'Median', report.medianDaysToAssessment)
  add('Assessments and re-referrals', 'Re-referrals within 12 months', 'Episodes', report.reReferrals)
  for (const row of report.distanceTravelled) {
    add('Distance travelled', row.element, 'Children with a first and a latest score', row.children)
    add('Distance travelled', row.element, 'Average first score', row.averageFirst)
    add('Distance travelled', row.element, 'Average latest score', row.averageLatest)
    add('Distance travelled', row.element, 'Average change', row.averageChange)
  }
  return csvDocument(['Table', 'Row', 'Measure', 'Figure', 'Locality', 'From month', 'To month'], rows)
}

/** The API's view: the same figures, each with its value (null when suppressed) and the text shown for it. */
export function reportApiView(report: Report) {
  return {
    localityId: report.locality?.id ?? null,
    localityName: report.locality?.name ?? null,
    from: monthKey(report.filter.from),
    to: monthKey(report.filter.to),
    openByStatus: report.openByStatus.map(row => ({ status: row.status, name: row.name, episodes: row.episodes })),
    openTotal: report.openTotal,
    supportWithoutLead: report.supportWithoutLead,
    months: report.months.map(row => ({ month: row.month, opened: row.opened, closed: row.closed })),
    openAtMonthEnd: report.openAtMonthEnd.map(row => ({
      month: row.month,
      soFar: row.soFar,
      byStatus: row.byStatus.map(stage => ({ status: stage.status, name: stage.name, episodes: stage.episodes })),
      total: row.total,
    })),
    closuresByOutcome: report.closuresByOutcome.map(row => ({ outcome: row.outcome, name: row.name, episodes: row.episodes })),
    assessmentsCompleted: report.assessmentsCompleted,
    medianDaysToAssessment: report.medianDaysToAssessment,
    reReferrals: report.reReferrals,
    distanceTravelled: report.distanceTravelled.map(row => ({ ...row })),
  }
}
