import { z } from 'zod'
import type { ApiEndpoint } from '../../api/api.endpoints.ts'
import { DomainError } from '../../lib/errors.ts'
import { reportApiQuery } from './reports.schemas.ts'
import { reportApiView } from './reports.view-models.ts'
import { defineEndpoint } from '../../api/define-endpoint.ts'

// /api/v1/reports: the same figures as the Reports page, with the same small-number suppression. Registered in
// src/api/api.endpoints.ts.

const figure = z
  .object({
    value: z.number().nullable().meta({ description: 'The figure; null when it is suppressed (a count of 1–4, or an average over fewer than 5) or there is nothing to average.' }),
    text: z.string().meta({ description: 'The figure as the page shows it: a number, "fewer than 5", "not shown", "not shown (fewer than 5)" or "none".' }),
    suppressed: z.boolean(),
  })
  .meta({ description: 'A figure after small-number suppression (docs/reports.md).' })

export const reportSchema = z.object({
  localityId: z.string().nullable(),
  localityName: z.string().nullable(),
  from: z.string().meta({ description: 'The first month of the period, YYYY-MM.' }),
  to: z.string().meta({ description: 'The last month of the period, YYYY-MM.' }),
  openByStatus: z.array(z.object({ status: z.string(), name: z.string(), episodes: figure })).meta({ description: 'Open episodes now, by stage (the period does not apply).' }),
  openTotal: figure,
  supportWithoutLead: figure,
  months: z.array(z.object({ month: z.string(), opened: figure, closed: figure })),
  openAtMonthEnd: z
    .array(
      z.object({
        month: z.string().meta({ description: 'YYYY-MM.' }),
        soFar: z.boolean().meta({ description: 'True for the current month, which has not ended: its figures are as at now.' }),
        byStatus: z.array(z.object({ status: z.string(), name: z.string(), episodes: figure })).meta({ description: 'The open stages, in the order of openByStatus.' }),
        total: figure.meta({ description: 'All open episodes at the end of the month; not shown when one of its parts is suppressed.' }),
      }),
    )
    .meta({
      description:
        'Episodes open (not closed) at the end of each month of the period (UK time), by the stage they were at then, from the record history of status changes (docs/reports.md: changes made before the history began are not known).',
    }),
  closuresByOutcome: z.array(z.object({ outcome: z.string(), name: z.string(), episodes: figure })),
  assessmentsCompleted: figure,
  medianDaysToAssessment: figure,
  reReferrals: figure,
  distanceTravelled: z.array(
    z.object({ elementKey: z.string(), element: z.string(), children: figure, averageFirst: figure, averageLatest: figure, averageChange: figure }),
  ),
})

export const reportEndpoints: readonly ApiEndpoint[] = [
  defineEndpoint({
    method: 'GET',
    path: '/reports',
    operationId: 'getReport',
    summary: 'Aggregate reports',
    description:
      'Figures for your authority (or one locality) over a period of whole months: open episodes by stage (now, and at the end of each month), opened and closed each month, how episodes ended, time to assessment, re-referrals and Distance Travelled per element. Never a case record. Counts of 1 to 4 are suppressed ("fewer than 5") and averages over fewer than 5 children are not given. Managers and coordinators; each read is audited.',
    tag: 'Reports',
    action: 'reports.view',
    recordType: 'report',
    query: reportApiQuery,
    success: { status: 200, description: 'The figures.', schema: reportSchema },
    handle: async ({ services, context, query }) => {
      const result = await services.reports.report(context, query, 'api')
      if (result.kind === 'invalid') throw new DomainError(result.problems.map(problem => `${problem.field}: ${problem.message}`).join('; '))
      return reportApiView(result.report)
    },
  }),
]
