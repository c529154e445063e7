import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../composition.ts'
import { ConflictError, DomainRuleError } from '../../lib/errors.ts'
import { singleError, submittedText, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { requireSignedIn } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { episodeNav } from '../episodes/episode-summary.ts'
import { CORRECTABLE_FIELDS } from './record-history.service.ts'
import { correctionForm, disputeForm } from './record-history.schemas.ts'
import { disputableItems, disputeCards, historyRows } from './record-history.view-models.ts'
import { registerFamilyDisputeRoutes } from './family-dispute.routes.ts'

type PersonParams = { Params: { personId: string } }
type EpisodeParams = { Params: { episodeId: string } }

const HEAD = [{ text: 'When' }, { text: 'Who' }, { text: 'Record' }, { text: 'What changed' }, { text: 'Kind' }, { text: 'Reason' }]

function done(request: FastifyRequest): { success: true; text: string } | undefined {
  const code = (request.query as Record<string, unknown> | undefined)?.done
  if (code === 'corrected') return { success: true, text: 'The correction has been saved. The old value stays in the history, marked corrected.' }
  if (code === 'disputed') return { success: true, text: 'The family\'s statement has been attached. The record shows that it is disputed.' }
  return undefined
}

/** History of changes (person and episode), rectification of a person's details, and disputes recorded by the team. */
export function registerRecordHistoryRoutes(app: FastifyInstance, services: Services) {
  const { recordHistory, auth } = services
  const signedIn = { preHandler: requireSignedIn(auth) }

  async function renderPerson(request: FastifyRequest<PersonParams>, reply: FastifyReply, values: Record<string, string> | null, formErrors?: FormErrors, status = 200) {
    const page = await recordHistory.personHistory(request.context(), request.params.personId)
    const shown = values ?? { version: String(page.person.version) }
    return reply.render(
      'records-history/views/person-history.njk',
      {
        title: `History: ${page.person.name}`,
        backLink: paths.people.show(page.person.id),
        notice: done(request),
        person: page.person,
        rows: historyRows(page.entries),
        head: HEAD,
        action: paths.recordHistory.correctPerson(page.person.id),
        fieldItems: [
          { value: '', text: 'Choose the detail' },
          ...Object.entries(CORRECTABLE_FIELDS).map(([value, text]) => ({ value, text: `${text} (now: ${page.person.values[value] || 'not recorded'})`, selected: value === shown.field })),
        ],
        values: shown,
        ...formErrors,
      },
      status,
    )
  }

  app.get<PersonParams>('/people/:personId/history', signedIn, (request, reply) => renderPerson(request, reply, null))

  app.post<PersonParams>('/people/:personId/correct', signedIn, async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = correctionForm.safeParse(request.body)
    if (!parsed.success) return renderPerson(request, reply, values, toFormErrors(parsed.error), 400)
    try {
      await recordHistory.correctPerson(request.context(), request.params.personId, parsed.data)
    } catch (error) {
      if (error instanceof DomainRuleError) return renderPerson(request, reply, values, singleError(error.field ?? 'value', error.message), 400)
      if (error instanceof ConflictError) return renderPerson(request, reply, null, singleError('field', error.message), 409)
      throw error
    }
    return reply.redirect(`${paths.recordHistory.person(request.params.personId)}?done=corrected`, 303)
  })

  async function renderEpisode(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: Record<string, string> | null, formErrors?: FormErrors, status = 200) {
    const page = await recordHistory.episodeHistory(request.context(), request.params.episodeId)
    const shown = values ?? {}
    return reply.render(
      'records-history/views/episode-history.njk',
      {
        title: `History: ${page.episode.reference}`,
        episodeNav: episodeNav(page.episode, 'history'),
        notice: done(request),
        rows: historyRows(page.entries),
        head: HEAD,
        disputes: disputeCards(page.disputes),
        recordItems: disputableItems(page.disputable, shown.record, 'Choose the record'),
        action: paths.recordHistory.dispute(page.episode.id),
        values: shown,
        ...formErrors,
      },
      status,
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/history', signedIn, (request, reply) => renderEpisode(request, reply, null))

  app.post<EpisodeParams>('/episodes/:episodeId/disputes/new', signedIn, async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = disputeForm.safeParse(request.body)
    if (!parsed.success) return renderEpisode(request, reply, values, toFormErrors(parsed.error), 400)
    try {
      await recordHistory.recordDispute(request.context(), request.params.episodeId, parsed.data)
    } catch (error) {
      if (error instanceof DomainRuleError) return renderEpisode(request, reply, values, singleError(error.field ?? 'record', error.message), 400)
      throw error
    }
    return reply.redirect(`${paths.recordHistory.episode(request.params.episodeId)}?done=disputed`, 303)
  })

  // The family's own "I disagree with this" page.
  registerFamilyDisputeRoutes(app, services)
}
