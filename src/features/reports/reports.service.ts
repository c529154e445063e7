import type { Kysely } from 'kysely'
import type { Config } from '../../config.ts'
import type { Database } from '../../db/schema.ts'
import type { Clock } from '../../lib/clock.ts'
import { UnauthenticatedError } from '../../lib/errors.ts'
import type { Access } from '../../policy/access.ts'
import type { RequestContext } from '../../policy/actor.ts'
import { elementsOf } from '../assessments/template-content.ts'
import { CAF_STANDARD } from '../assessments/shipped-templates/caf-standard.ts'
import { SHIPPED_TEMPLATES } from '../assessments/shipped-templates/index.ts'
import { OUTCOME_NAMES, STATUS_NAMES } from '../episodes/episodes.view-models.ts'
import { averageFigure, countColumn, countFigure, linkedColumns, totalFigure, type Figure } from './reports.figures.ts'
import * as repository from './reports.repository.ts'
import {
  currentUkMonth,
  firstDayOf,
  addMonths,
  MESSAGES,
  monthKey,
  monthsOf,
  parseReportQuery,
  selectableMonths,
  type FilterProblem,
  type Month,
  type ReportFilter,
  type ReportQueryValues,
} from './reports.schemas.ts'

// Aggregate reports for managers and coordinators (docs/reports.md): figures for the authority, never a case record.
// The read goes through the access layer like every other (action reports.view, decided and audited with its filters).

export const OPEN_STATUSES = ['identification', 'checklist', 'consent', 'assessment', 'support'] as const

const CLOSURE_NAMES: Record<string, string> = {
  ...OUTCOME_NAMES,
  needs_met: 'Needs met',
  stepped_up_social_care: 'Stepped up to children’s social care',
  consent_withdrawn: 'Consent withdrawn',
  moved_out_of_area: 'Moved out of the area',
  disengaged: 'The family disengaged',
  other: 'Other reason',
  not_recorded: 'Not recorded',
}

/** Element names from the templates OneStory ships (the standard CAF's win); its 19 elements always appear, in its order. */
const ELEMENT_NAMES = new Map([...SHIPPED_TEMPLATES].reverse().flatMap(template => elementsOf(template.content).map(({ element }) => [element.key, element.title] as const)))
const STANDARD_ELEMENTS = elementsOf(CAF_STANDARD).map(({ element }) => element.key)

const monthName = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' })

export function monthLabel(month: Month): string {
  return monthName.format(new Date(Date.UTC(month.year, month.month - 1, 1)))
}

export type DistanceFigure = { elementKey: string; element: string; children: Figure; averageFirst: Figure; averageLatest: Figure; averageChange: Figure }

/** One month's row of "Open at the end of each month, by stage": `soFar` for the current month (as at now). */
export type MonthEndFigures = { month: string; name: string; soFar: boolean; byStatus: { status: string; name: string; episodes: Figure }[]; total: Figure }

export type Report = {
  filter: ReportFilter
  locality: { id: string; name: string } | null
  openByStatus: { status: string; name: string; episodes: Figure }[]
  openTotal: Figure
  supportWithoutLead: Figure
  months: { month: string; name: string; opened: Figure; closed: Figure }[]
  openAtMonthEnd: MonthEndFigures[]
  closuresByOutcome: { outcome: string; name: string; episodes: Figure }[]
  assessmentsCompleted: Figure
  medianDaysToAssessment: Figure
  reReferrals: Figure
  distanceTravelled: DistanceFigure[]
}

export type ReportOptions = { localities: { id: string; name: string }[]; months: Month[] }

export type ReportResult =
  | ({ kind: 'report'; report: Report; values: ReportQueryValues } & ReportOptions)
  | ({ kind: 'invalid'; problems: FilterProblem[]; values: ReportQueryValues } & ReportOptions)

export type ReportService = ReturnType<typeof createReportService>

export function createReportService(deps: { db: Kysely<Database>; config: Config; clock: Clock; access: Access }) {
  const { access, clock } = deps

  function authorityOf(context: RequestContext): string {
    const actor = context.actor
    if (actor.kind === 'anonymous' || actor.authorityId === null) throw new UnauthenticatedError('Sign in to see reports.')
    return actor.authorityId
  }

  /**
   * The report for the filters in `query` (a query string). Decided before the filters are looked at, so that someone
   * without the role is refused (and audited) whatever they sent; invalid filters come back as problems to show.
   */
  async function report(context: RequestContext, query: unknown, purpose: 'page' | 'csv' | 'api'): Promise<ReportResult> {
    const authorityId = authorityOf(context)
    return access.run(context, { action: 'reports.view', resource: { authorityId }, recordType: 'report', purpose }, async (trx, note) => {
      const current = currentUkMonth(clock.now())
      const localities = await repository.listLocalities(trx, authorityId)
      const options = { localities, months: selectableMonths(current) }
      const parsed = parseReportQuery(query, current)
      const problems = [...parsed.problems]
      const locality = parsed.filter?.localityId === undefined ? null : (localities.find(known => known.id === parsed.filter?.localityId) ?? 'unknown')
      if (locality === 'unknown') problems.push({ field: 'localityId', message: MESSAGES.locality })
      if (!parsed.filter || locality === 'unknown' || problems.length > 0) {
        note.details = { invalidFilter: true, format: purpose }
        return { kind: 'invalid', problems, values: parsed.values, ...options }
      }
      const filter = parsed.filter
      const scope: repository.ReportScope = {
        authorityId,
        localityId: filter.localityId,
        fromDay: firstDayOf(filter.from),
        toDayExclusive: firstDayOf(addMonths(filter.to, 1)),
      }
      const open = await repository.countOpenByStatus(trx, scope)
      const byMonth = await repository.countByMonth(trx, scope)
      const monthEnds = await repository.countOpenAtMonthEnds(
        trx,
        scope,
        monthsOf(filter).map(month => ({ month: monthKey(month), nextDay: firstDayOf(addMonths(month, 1)) })),
      )
      const outcomes = await repository.countClosuresByOutcome(trx, scope)
      const flow = await repository.flowFigures(trx, scope)
      const distance = await repository.distanceTravelled(trx, scope)
      note.details = { format: purpose, localityId: filter.localityId ?? null, from: monthKey(filter.from), to: monthKey(filter.to) }
      return { kind: 'report', report: buildReport(filter, locality, { open, byMonth, monthEnds, outcomes, flow, distance }, current), values: parsed.values, ...options }
    })
  }

  return { report }
}

/** Raw counts → suppressed figures (pure; the one place the suppression rule is applied to a report). */
export function buildReport(
  filter: ReportFilter,
  locality: { id: string; name: string } | null,
  raw: {
    open: repository.OpenByStatusRow[]
    byMonth: repository.MonthRow[]
    monthEnds: repository.MonthEndRow[]
    outcomes: repository.OutcomeRow[]
    flow: repository.FlowFigures
    distance: repository.DistanceRow[]
  },
  /** The month it is now in the UK: its row of the month-end table is "so far". */
  current: Month,
): Report {
  const openCounts = OPEN_STATUSES.map(status => raw.open.find(row => row.status === status)?.episodes ?? 0)
  const openFigures = countColumn(openCounts)
  const months = monthsOf(filter)
  const countIn = (kind: 'opened' | 'closed', month: Month) => raw.byMonth.find(row => row.kind === kind && row.month === monthKey(month))?.episodes ?? 0
  // Opened minus closed in a month is the change in the month-end total: a suppressed one is hidden with its partner.
  const [opened, closed] = linkedColumns(
    months.map(month => countIn('opened', month)),
    months.map(month => countIn('closed', month)),
  )
  const outcomes = [...raw.outcomes].sort((a, b) => b.episodes - a.episodes || a.outcome.localeCompare(b.outcome))
  const outcomeFigures = countColumn(outcomes.map(row => row.episodes))
  const elementKeys = [...STANDARD_ELEMENTS, ...raw.distance.map(row => row.elementKey).filter(key => !STANDARD_ELEMENTS.includes(key)).sort()]
  return {
    filter,
    locality,
    openByStatus: OPEN_STATUSES.map((status, index) => ({ status, name: STATUS_NAMES[status] ?? status, episodes: openFigures[index] ?? countFigure(0) })),
    openTotal: totalFigure(openCounts, openFigures),
    supportWithoutLead: countFigure(raw.open.find(row => row.status === 'support')?.withoutLead ?? 0),
    months: months.map((month, index) => ({
      month: monthKey(month),
      name: monthLabel(month),
      opened: opened[index] ?? countFigure(0),
      closed: closed[index] ?? countFigure(0),
    })),
    openAtMonthEnd: months.map(month => {
      const key = monthKey(month)
      // Each month is a column like "Open episodes now": 1–4 suppressed, the next smallest hidden when only one is,
      // and the total only when none of its parts is suppressed.
      const counts = OPEN_STATUSES.map(status => raw.monthEnds.find(row => row.month === key && row.status === status)?.episodes ?? 0)
      const figures = countColumn(counts)
      return {
        month: key,
        name: monthLabel(month),
        soFar: key === monthKey(current),
        byStatus: OPEN_STATUSES.map((status, index) => ({ status, name: STATUS_NAMES[status] ?? status, episodes: figures[index] ?? countFigure(0) })),
        total: totalFigure(counts, figures),
      }
    }),
    closuresByOutcome: outcomes.map((row, index) => ({ outcome: row.outcome, name: CLOSURE_NAMES[row.outcome] ?? row.outcome, episodes: outcomeFigures[index] ?? countFigure(0) })),
    assessmentsCompleted: countFigure(raw.flow.assessmentsCompleted),
    medianDaysToAssessment: averageFigure(raw.flow.medianDaysToAssessment, raw.flow.assessmentsCompleted),
    reReferrals: countFigure(raw.flow.reReferrals),
    distanceTravelled: elementKeys.map(elementKey => {
      const row = raw.distance.find(found => found.elementKey === elementKey)
      const children = row?.children ?? 0
      return {
        elementKey,
        element: ELEMENT_NAMES.get(elementKey) ?? elementKey,
        children: countFigure(children),
        averageFirst: averageFigure(row?.averageFirst ?? null, children),
        averageLatest: averageFigure(row?.averageLatest ?? null, children),
        averageChange: averageFigure(row?.averageChange ?? null, children, { signed: true }),
      }
    }),
  }
}
