import { routeRateLimit } from '../../plugins/route-rate-limit.ts'
import type { FastifyInstance } from 'fastify'
import type { Services } from '../../composition.ts'
import { CSV_CONTENT_TYPE } from '../../lib/csv.ts'
import { paginationFor } from '../../lib/pagination.ts'
import { requireSignedIn } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { auditCsv } from './audit-log.csv.ts'
import { filterQuery, parseAuditQuery, type AuditQueryValues } from './audit-log.schemas.ts'
import { auditRow, dateItems, filterFormItems } from './audit-log.view-models.ts'
import { AUDIT_EXPORT_LIMIT } from './audit-log.service.ts'

type SearchOptions = { people: { id: string; name: string; status: string }[]; recordTypes: string[] }

const UNKNOWN_PERSON = 'Enter the ID of a person recorded in your authority (the ID is in the address of their page)'

/** A person ID that names no one in the authority is a problem with the form, like any other (never a hint of elsewhere). */
function unknownPersonErrors() {
  return { errors: [{ text: UNKNOWN_PERSON, href: '#personId' }], fieldErrors: { personId: { text: UNKNOWN_PERSON } } }
}

/** The audit log for coordinators: filter, page, and download what was found as CSV. */
export function registerAuditLogRoutes(app: FastifyInstance, services: Services) {
  const signedIn = requireSignedIn(services.auth)

  function formModel(
    values: AuditQueryValues,
    options: SearchOptions,
    dateParts: { from: string[]; to: string[] } = { from: [], to: [] },
  ) {
    return {
      items: filterFormItems(values, options.people, options.recordTypes),
      values,
      fromItems: dateItems(values, 'from', dateParts.from),
      toItems: dateItems(values, 'to', dateParts.to),
      searchPath: paths.audit(),
    }
  }

  app.get(paths.audit(), { preHandler: signedIn }, async (request, reply) => {
    const parsed = parseAuditQuery(request.query)
    if (!parsed.ok) {
      const options = await services.auditLog.search(request.context(), null)
      return reply.render(
        'audit-log/views/search.njk',
        {
          title: 'Audit log',
          form: formModel(parsed.values, options, parsed.formErrors.dateParts),
          ...parsed.formErrors,
          result: null,
        },
        400,
      )
    }
    const found = await services.auditLog.search(request.context(), { filter: parsed.filter, page: parsed.page })
    if (found.unknownPerson) {
      return reply.render(
        'audit-log/views/search.njk',
        { title: 'Audit log', form: formModel(parsed.values, found), ...unknownPersonErrors(), result: null },
        400,
      )
    }
    const query = filterQuery(parsed.filter)
    const result = found.result
    return reply.render('audit-log/views/search.njk', {
      title: 'Audit log',
      form: formModel(parsed.values, found),
      aboutPerson: found.person?.name ?? null,
      filtered: Object.values(query).some(value => value !== undefined),
      result: result && {
        total: result.total,
        page: result.page,
        totalPages: result.totalPages,
        rows: result.events.map(auditRow),
        pagination: paginationFor(
          result.page,
          result.totalPages,
          page => paths.audit({ ...query, page }),
          'Audit log pages',
        ),
        exportPath: paths.auditExport(query),
        exportLimit: AUDIT_EXPORT_LIMIT,
      },
    })
  })

  // Bulk extraction is the risk here (ASVS 2.4.1): a tighter rate limit than pages, and every export is audited.
  app.get(
    paths.auditExport(),
    { preHandler: [signedIn, routeRateLimit(app, { max: 10, timeWindow: '1 minute' })] },
    async (request, reply) => {
      const parsed = parseAuditQuery(request.query)
      if (!parsed.ok) {
        const options = await services.auditLog.search(request.context(), null)
        return reply.render(
          'audit-log/views/search.njk',
          {
            title: 'Audit log',
            form: formModel(parsed.values, options, parsed.formErrors.dateParts),
            ...parsed.formErrors,
            result: null,
          },
          400,
        )
      }
      const events = await services.auditLog.exportEvents(request.context(), parsed.filter)
      if (events === null) {
        const options = await services.auditLog.search(request.context(), null)
        return reply.render(
          'audit-log/views/search.njk',
          { title: 'Audit log', form: formModel(parsed.values, options), ...unknownPersonErrors(), result: null },
          400,
        )
      }
      const day = new Date().toISOString().slice(0, 10)
      return reply
        .type(CSV_CONTENT_TYPE)
        .header('content-disposition', `attachment; filename="audit-log-${day}.csv"`)
        .header('x-content-type-options', 'nosniff')
        .send(auditCsv(events))
    },
  )
}
