import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../composition.ts'
import { ConflictError, DomainRuleError, NotFoundError } from '../../lib/errors.ts'
import { singleError, submittedText, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { requireAction } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { formatDate, formatDateTime } from '../../plugins/views.ts'
import { approveForm, holdForm, refreshForm, releaseForm, rulesForm } from './retention.schemas.ts'
import {
  batchCounts,
  disposalRows,
  holdRows,
  itemHead,
  itemRows,
  pastBatchRows,
  ruleFieldsets,
  ruleSummaryRows,
  ruleValues,
  statusTag,
} from './retention.view-models.ts'
import { noticeFrom, withNotice } from '../../lib/notices.ts'

type Values = Record<string, string>
type BatchParams = { Params: { batchId: string } }
type HoldParams = { Params: { holdId: string } }

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** An id in the address that is not an id is a page that does not exist (never a database error). */
function checkId(id: string): string {
  if (!UUID.test(id)) throw new NotFoundError()
  return id
}

const NOTICES: Record<string, string> = {
  'rules-saved': 'The retention periods have been saved. The next listing uses them.',
  refreshed: 'The list of records due for disposal has been brought up to date.',
  disposed: 'The disposal has been approved and carried out. What happened to each record is shown below.',
  'hold-placed': 'The legal hold has been placed. The record will not be disposed of while it is in force.',
  'hold-released': 'The legal hold has been released. The record will be listed for disposal again if it is due.',
}

/**
 * Retention (docs/retention.md): the administrator's retention periods, the coordinator's list of records due for
 * disposal and its approval, what was disposed of (from the audit trail), and legal holds.
 */
export function registerRetentionRoutes(app: FastifyInstance, services: Services) {
  const { retention, auth } = services

  const allowed = requireAction(auth, retention.ensureAllowed)

  // ---- the administrator's retention periods -------------------------------------------------------------------------

  async function renderRules(request: FastifyRequest, reply: FastifyReply, values: Values | null, formErrors?: FormErrors) {
    const rules = await retention.rules(request.context())
    return reply.render(
      'retention/views/rules.njk',
      {
        title: 'Retention periods',
        backLink: paths.admin.home(),
        action: paths.retention.rules(),
        notice: noticeFrom(request, NOTICES),
        fieldsets: ruleFieldsets(rules, values ?? ruleValues(rules), formErrors?.fieldErrors),
        ...(formErrors ?? {}),
      },
      formErrors ? 400 : 200,
    )
  }

  app.get(paths.retention.rules(), allowed('retention.configure'), async (request, reply) => renderRules(request, reply, null))

  app.post(paths.retention.rules(), allowed('retention.configure'), async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = rulesForm.safeParse(request.body)
    if (!parsed.success) return renderRules(request, reply, values, toFormErrors(parsed.error))
    await retention.saveRules(request.context(), parsed.data)
    return reply.redirect(withNotice(paths.retention.rules(), 'rules-saved'), 303)
  })

  // ---- the coordinator's overview ----------------------------------------------------------------------------------

  async function renderOverview(request: FastifyRequest, reply: FastifyReply, formErrors?: FormErrors, status = 200) {
    const overview = await retention.overview(request.context())
    const counts = batchCounts(overview.items)
    return reply.render(
      'retention/views/overview.njk',
      {
        title: 'Retention and disposal',
        notice: noticeFrom(request, NOTICES),
        proposed: overview.proposed
          ? { href: paths.retention.batch(overview.proposed.id), count: overview.items.length, text: counts.text, listedAt: formatDateTime(overview.proposed.listedAt) }
          : null,
        refreshAction: paths.retention.refresh(),
        holdCount: overview.holds.length,
        holdsHref: paths.retention.holds(),
        newHoldHref: paths.retention.newHold(),
        pastHead: [{ text: 'Approved on' }, { text: 'Approved by' }, { text: 'Status' }, { text: 'What happened' }],
        pastRows: pastBatchRows(overview.batches, overview.batchCounts, overview.names),
        disposalsHref: paths.retention.disposals(),
        ruleRows: ruleSummaryRows(overview.rules),
        ...(formErrors ?? {}),
      },
      status,
    )
  }

  app.get(paths.retention.home(), allowed('retention.review'), async (request, reply) => renderOverview(request, reply))

  app.post(paths.retention.refresh(), allowed('retention.review'), async (request, reply) => {
    const parsed = refreshForm.safeParse(request.body)
    if (!parsed.success) return renderOverview(request, reply, toFormErrors(parsed.error), 400)
    await retention.refresh(request.context())
    return reply.redirect(withNotice(paths.retention.home(), 'refreshed'), 303)
  })

  // ---- a batch, and its approval -------------------------------------------------------------------------------------

  app.get<BatchParams>(paths.retention.batch(':batchId'), allowed('retention.review'), async (request, reply) => {
    const { batch, items, approvedBy } = await retention.batch(request.context(), checkId(request.params.batchId))
    const proposed = batch.status === 'proposed'
    const options = { outcomes: !proposed, holdLinks: proposed }
    const status = statusTag(batch.status)
    return reply.render('retention/views/batch.njk', {
      title: proposed ? 'Records due for disposal' : `Disposal approved on ${formatDate(batch.approvedAt)}`,
      backLink: paths.retention.home(),
      notice: noticeFrom(request, NOTICES),
      proposed,
      status,
      counts: batchCounts(items),
      summaryRows: [
        { key: { text: 'Status' }, value: { html: `<strong class="govuk-tag ${status.classes}">${status.text}</strong>` } },
        { key: { text: 'Listed' }, value: { text: formatDateTime(batch.listedAt) } },
        ...(batch.approvedAt ? [{ key: { text: 'Approved' }, value: { text: `${formatDateTime(batch.approvedAt)} by ${approvedBy ?? 'someone no longer here'}` } }] : []),
        ...(batch.completedAt ? [{ key: { text: 'Completed' }, value: { text: formatDateTime(batch.completedAt) } }] : []),
      ],
      head: itemHead(options),
      rows: itemRows(items, options),
      approveHref: paths.retention.approve(batch.id),
      disposalsHref: paths.retention.disposals(),
    })
  })

  async function renderApprove(request: FastifyRequest<BatchParams>, reply: FastifyReply, formErrors?: FormErrors, status = 200) {
    const batchId = checkId(request.params.batchId)
    const { batch, items } = await retention.batch(request.context(), batchId)
    if (batch.status !== 'proposed' && !formErrors) return reply.redirect(paths.retention.batch(batch.id), 303)
    const options = { outcomes: false, holdLinks: false }
    return reply.render(
      'retention/views/approve.njk',
      {
        title: 'Approve the disposal of these records',
        backLink: paths.retention.batch(batch.id),
        proposed: batch.status === 'proposed',
        counts: batchCounts(items),
        head: itemHead(options),
        rows: itemRows(items, options),
        version: String(batch.version),
        action: paths.retention.approve(batch.id),
        batchHref: paths.retention.batch(batch.id),
        ...(formErrors ?? {}),
      },
      status,
    )
  }

  app.get<BatchParams>(paths.retention.approve(':batchId'), allowed('retention.approve'), async (request, reply) => renderApprove(request, reply))

  app.post<BatchParams>(paths.retention.approve(':batchId'), allowed('retention.approve'), async (request, reply) => {
    const batchId = checkId(request.params.batchId)
    const parsed = approveForm.safeParse(request.body)
    if (!parsed.success) return renderApprove(request, reply, toFormErrors(parsed.error), 400)
    try {
      await retention.approve(request.context(), batchId, parsed.data.version)
    } catch (error) {
      // The list changed since the coordinator opened it (or someone approved it first): nothing was disposed of.
      if (error instanceof ConflictError) return renderApprove(request, reply, singleError('confirm', error.message), 409)
      if (error instanceof DomainRuleError) return renderApprove(request, reply, singleError('confirm', error.message), 422)
      throw error
    }
    return reply.redirect(withNotice(paths.retention.batch(batchId), 'disposed'), 303)
  })

  // ---- what was disposed of (from the audit trail) ------------------------------------------------------------------

  app.get(paths.retention.disposals(), allowed('retention.review'), async (request, reply) => {
    const { events, labels, names } = await retention.disposals(request.context())
    return reply.render('retention/views/disposals.njk', {
      title: 'What has been disposed of',
      backLink: paths.retention.home(),
      head: [{ text: 'When' }, { text: 'Record' }, { text: 'Rule' }, { text: 'Outcome' }, { text: 'Approved by' }, { text: 'Removed' }],
      rows: disposalRows(events, labels, names),
      auditHref: paths.audit(),
    })
  })

  // ---- legal holds --------------------------------------------------------------------------------------------------

  app.get(paths.retention.holds(), allowed('retention.review'), async (request, reply) => {
    const overview = await retention.overview(request.context())
    return reply.render('retention/views/holds.njk', {
      title: 'Legal holds',
      backLink: paths.retention.home(),
      notice: noticeFrom(request, NOTICES),
      head: [{ text: 'On' }, { text: 'Reason' }, { text: 'Placed by' }, { html: '<span class="govuk-visually-hidden">Release</span>' }],
      rows: holdRows(overview.holds, overview.holdLabels, overview.names),
      newHoldHref: paths.retention.newHold(),
    })
  })

  type HoldQuery = { kind?: unknown; id?: unknown }

  /** The hold form: on the episode or person it was opened from, or on an episode named by its reference. */
  async function renderHoldForm(request: FastifyRequest, reply: FastifyReply, subject: { kind: 'episode' | 'person'; id: string } | null, values: Values, formErrors?: FormErrors, status = 200) {
    const label = subject ? await retention.holdSubject(request.context(), subject.kind, subject.id) : null
    return reply.render(
      'retention/views/hold-form.njk',
      {
        title: 'Place a legal hold',
        backLink: subject ? (subject.kind === 'episode' ? paths.episodes.show(subject.id) : paths.people.show(subject.id)) : paths.retention.holds(),
        action: paths.retention.holds(),
        subject: subject ? { kind: subject.kind, id: subject.id, label } : null,
        values,
        ...(formErrors ?? {}),
      },
      status,
    )
  }

  function subjectFrom(kind: unknown, id: unknown): { kind: 'episode' | 'person'; id: string } | null {
    if (id === undefined || id === '') return null
    if ((kind !== 'episode' && kind !== 'person') || typeof id !== 'string') throw new NotFoundError()
    return { kind, id: checkId(id) }
  }

  app.get(paths.retention.newHold(), allowed('retention.hold'), async (request, reply) => {
    const query = (request.query ?? {}) as HoldQuery
    return renderHoldForm(request, reply, subjectFrom(query.kind, query.id), {})
  })

  app.post(paths.retention.holds(), allowed('retention.hold'), async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = holdForm.safeParse(request.body)
    // The subject the form was opened on, if it is still a well-formed one; otherwise the form by reference.
    const shownSubject = (): { kind: 'episode' | 'person'; id: string } | null =>
      (values.kind === 'episode' || values.kind === 'person') && values.subjectId && UUID.test(values.subjectId) ? { kind: values.kind, id: values.subjectId } : null
    if (!parsed.success) return renderHoldForm(request, reply, shownSubject(), values, toFormErrors(parsed.error), 400)
    try {
      await retention.placeHold(request.context(), parsed.data)
    } catch (error) {
      if (error instanceof DomainRuleError) return renderHoldForm(request, reply, shownSubject(), values, singleError(error.field ?? 'reason', error.message), 422)
      throw error
    }
    return reply.redirect(withNotice(paths.retention.holds(), 'hold-placed'), 303)
  })

  async function renderRelease(request: FastifyRequest<HoldParams>, reply: FastifyReply, values: Values, formErrors?: FormErrors, status = 200) {
    const { hold, label, placedBy } = await retention.hold(request.context(), checkId(request.params.holdId))
    return reply.render(
      'retention/views/release.njk',
      {
        title: `Release the legal hold on ${label}`,
        backLink: paths.retention.holds(),
        released: hold.releasedAt !== null,
        rows: [
          { key: { text: 'On' }, value: { text: label } },
          { key: { text: 'Reason' }, value: { text: hold.reason } },
          { key: { text: 'Placed' }, value: { text: `${formatDateTime(hold.placedAt)} by ${placedBy ?? 'someone no longer here'}` } },
          ...(hold.releasedAt ? [{ key: { text: 'Released' }, value: { text: `${formatDateTime(hold.releasedAt)}: ${hold.releaseReason ?? ''}` } }] : []),
        ],
        action: paths.retention.releaseHold(hold.id),
        values,
        ...(formErrors ?? {}),
      },
      status,
    )
  }

  app.get<HoldParams>(paths.retention.releaseHold(':holdId'), allowed('retention.hold'), async (request, reply) => renderRelease(request, reply, {}))

  app.post<HoldParams>(paths.retention.releaseHold(':holdId'), allowed('retention.hold'), async (request, reply) => {
    const holdId = checkId(request.params.holdId)
    const values = submittedText(request.body)
    const parsed = releaseForm.safeParse(request.body)
    if (!parsed.success) return renderRelease(request, reply, values, toFormErrors(parsed.error), 400)
    try {
      await retention.releaseHold(request.context(), holdId, parsed.data.reason)
    } catch (error) {
      if (error instanceof ConflictError) return renderRelease(request, reply, values, singleError('reason', error.message), 409)
      throw error
    }
    return reply.redirect(withNotice(paths.retention.holds(), 'hold-released'), 303)
  })
}
