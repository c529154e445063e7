import type { FastifyInstance, FastifyReply } from 'fastify'
import type { Services } from '../../composition.ts'
import { CSV_CONTENT_TYPE } from '../../lib/csv.ts'
import { requireSignedIn } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { monthKey } from './reports.schemas.ts'
import type { ReportResult } from './reports.service.ts'
import { filterForm, formErrors, reportCsv, reportPage } from './reports.view-models.ts'

const TITLE = 'Reports'

/** Aggregate reports (managers and coordinators): the page and its CSV download, both with the same filters. */
export function registerReportRoutes(app: FastifyInstance, services: Services) {
  const signedIn = requireSignedIn(services.auth)

  function renderInvalid(reply: FastifyReply, result: Extract<ReportResult, { kind: 'invalid' }>) {
    return reply.render('reports/views/reports.njk', { title: TITLE, form: filterForm(result.values, result), ...formErrors(result.problems), report: null }, 400)
  }

  app.get(paths.reports.page(), { preHandler: signedIn }, async (request, reply) => {
    const result = await services.reports.report(request.context(), request.query, 'page')
    if (result.kind === 'invalid') return renderInvalid(reply, result)
    const chosen = { from: monthKey(result.report.filter.from), to: monthKey(result.report.filter.to) }
    return reply.render('reports/views/reports.njk', { title: TITLE, form: filterForm(result.values, result, chosen), report: reportPage(result.report) })
  })

  app.get(paths.reports.csv(), { preHandler: signedIn }, async (request, reply) => {
    const result = await services.reports.report(request.context(), request.query, 'csv')
    if (result.kind === 'invalid') return renderInvalid(reply, result)
    const { from, to } = result.report.filter
    return reply
      .type(CSV_CONTENT_TYPE)
      .header('content-disposition', `attachment; filename="onestory-report-${monthKey(from)}-to-${monthKey(to)}.csv"`)
      .header('x-content-type-options', 'nosniff')
      .send(reportCsv(result.report))
  })
}
