import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { Services } from '../../composition.ts'
import { DomainRuleError } from '../../lib/errors.ts'
import { csrfField, submittedText, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { requireFamily } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { familyDisagreeHref } from '../records-history/family-dispute.routes.ts'
import { contentDisposition } from '../records/records.service.ts'
import { familyNav, type FamilySection } from '../family-pages/family-episode.ts'
import { agencyKindSentence } from '../family-pages/family-pages.view-models.ts'
import { ADULT_SCORES, CHILD_SCORES, type ScoreField } from './family-records.service.ts'
import { agencyKindsText, consentMethodText, scoreFormSections } from './family-records.view-models.ts'

type EpisodeParams = { Params: { episodeId: string } }
type DocumentParams = { Params: { episodeId: string; familyDocumentId: string } }
type AgencyParams = { Params: { episodeId: string; agencyId: string } }

const NOTICES: Record<string, string> = {
  'scores-added': 'Thank you. We have saved your scores. The team can see them.',
  stopped: 'We have stopped sharing your information with {agency}. We have told your lead professional.',
  'already-stopped': 'You had already stopped sharing with {agency}.',
}

/** A banner after a change. The agency is named from the page's own data (by id), never from text in the address. */
function noticeFrom(request: FastifyRequest, agencies: readonly { id: string; name: string }[] = []) {
  const query = (request.query ?? {}) as Record<string, unknown>
  const text = typeof query.done === 'string' && Object.hasOwn(NOTICES, query.done) ? NOTICES[query.done] : undefined
  if (!text) return undefined
  if (text.includes('{agency}')) {
    const agency = agencies.find(item => item.id === query.agency)
    return agency ? { success: true, text: request.page.t(text, { agency: agency.name }) } : undefined
  }
  return { success: true, text: request.page.t(text) }
}

function navFor(request: FastifyRequest, episodeId: string, current: FamilySection) {
  return familyNav(request.page.t, episodeId, current, { young: request.page.familyUser?.young === true })
}

function translated(request: FastifyRequest, errors: FormErrors): FormErrors {
  const t = request.page.t
  return {
    errors: errors.errors.map(error => ({ ...error, text: t(error.text) })),
    fieldErrors: Object.fromEntries(Object.entries(errors.fieldErrors).map(([field, error]) => [field, { text: t(error.text) }])),
  }
}

/** The "add how things are now" form: one optional answer per element and child, and nothing else. */
function scoresSchema(fields: readonly ScoreField[], young: boolean) {
  const allowed = young ? CHILD_SCORES : ADULT_SCORES
  const answer = z.enum(['', ...allowed], { message: young ? 'Choose red, amber or green' : 'Choose a score from 0 to 10' }).optional()
  return z.strictObject({ ...csrfField, ...Object.fromEntries(fields.map(field => [field.name, answer])) })
}

const withdrawSchema = z.strictObject({ ...csrfField })

function pageNumber(request: FastifyRequest): number {
  const value = ((request.query ?? {}) as Record<string, unknown>).page
  return typeof value === 'string' && /^[1-9]\d{0,4}$/.test(value) ? Number(value) : 1
}

/** Our story so far, scores, my consent and who has looked at our record (the family's own view, issue 5). */
export function registerFamilyRecordRoutes(app: FastifyInstance, services: Services) {
  const service = services.familyRecords
  const guard = { preHandler: requireFamily }

  // ---- our story so far -------------------------------------------------------------------------------------------

  app.get<EpisodeParams>('/family/episodes/:episodeId/story', guard, async (request, reply) => {
    const { episode, events } = await service.storyPage(request.context(), request.params.episodeId)
    return reply.render('family-records/views/story.njk', { title: request.page.t('Our story so far'), familyNav: navFor(request, episode.id, 'story'), events, disagreeHref: familyDisagreeHref(episode.id) })
  })

  app.get<DocumentParams>('/family/episodes/:episodeId/story/documents/:familyDocumentId', guard, async (request, reply) => {
    const { document, content } = await service.downloadDocument(request.context(), request.params.episodeId, request.params.familyDocumentId)
    return reply
      .header('content-type', document.mediaType)
      .header('content-disposition', contentDisposition(document.fileName))
      .header('content-length', String(content.length))
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox")
      .header('cache-control', 'no-store')
      .send(content)
  })

  // ---- scores -----------------------------------------------------------------------------------------------------

  app.get<EpisodeParams>('/family/episodes/:episodeId/scores', guard, async (request, reply) => {
    const page = await service.scoresPage(request.context(), request.params.episodeId)
    return reply.render('family-records/views/scores.njk', {
      title: request.page.t('Scores'),
      familyNav: navFor(request, page.episode.id, 'scores'),
      notice: noticeFrom(request),
      elements: page.elements,
      canAdd: page.canAdd,
      addHref: paths.family.newScores(page.episode.id),
      disagreeHref: familyDisagreeHref(page.episode.id),
    })
  })

  async function renderScoresForm(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: Record<string, string>, errors?: FormErrors) {
    const form = await service.scoresForm(request.context(), request.params.episodeId)
    return reply.render(
      'family-records/views/scores-form.njk',
      {
        title: request.page.t('Add how things are now'),
        familyNav: navFor(request, form.episode.id, 'scores'),
        backLink: paths.family.scores(form.episode.id),
        action: paths.family.newScores(form.episode.id),
        young: form.young,
        sections: scoreFormSections(request.page.t, form.fields, form.young, values, errors?.fieldErrors ?? {}),
        errors: errors?.errors,
      },
      errors ? 400 : 200,
    )
  }

  app.get<EpisodeParams>('/family/episodes/:episodeId/scores/new', guard, async (request, reply) => renderScoresForm(request, reply, {}))

  app.post<EpisodeParams>('/family/episodes/:episodeId/scores/new', guard, async (request, reply) => {
    const form = await service.scoresForm(request.context(), request.params.episodeId)
    const values = submittedText(request.body)
    const parsed = scoresSchema(form.fields, form.young).safeParse(request.body ?? {})
    if (!parsed.success) return renderScoresForm(request, reply, values, translated(request, toFormErrors(parsed.error)))
    const scores: Record<string, string> = {}
    for (const field of form.fields) scores[field.name] = String((parsed.data as Record<string, unknown>)[field.name] ?? '')
    try {
      await service.addScores(request.context(), request.params.episodeId, scores)
    } catch (error) {
      if (!(error instanceof DomainRuleError)) throw error
      const field = error.field ?? 'main-content'
      const text = request.page.t(error.message)
      return renderScoresForm(request, reply, values, { errors: [{ text, href: `#${field}` }], fieldErrors: { [field]: { text } } })
    }
    return reply.redirect(`${paths.family.scores(request.params.episodeId)}?done=scores-added`, 303)
  })

  // ---- my consent -------------------------------------------------------------------------------------------------

  app.get<EpisodeParams>('/family/episodes/:episodeId/consent', guard, async (request, reply) => {
    const page = await service.consentPage(request.context(), request.params.episodeId)
    const t = request.page.t
    const agencyView = (agency: { id: string; name: string; kind: string; description: string }) => ({
      name: agency.name,
      kindSentence: agencyKindSentence(t, agency.kind),
      description: agency.description,
      stopHref: paths.family.withdraw(page.episode.id, agency.id),
    })
    return reply.render('family-records/views/consent.njk', {
      title: t('My consent'),
      familyNav: navFor(request, page.episode.id, 'consent'),
      notice: noticeFrom(request, page.stopped),
      consents: page.consents.map(consent => ({ ...consent, methodText: consentMethodText(t, consent.method), kindsText: agencyKindsText(t, consent.kinds) })),
      sharing: page.sharing.map(agencyView),
      stopped: page.stopped.map(agency => ({ ...agencyView(agency), since: agency.since, byName: agency.byName })),
      sharedWithoutAgreement: page.sharedWithoutAgreement,
    })
  })

  app.get<AgencyParams>('/family/episodes/:episodeId/consent/agencies/:agencyId/withdraw', guard, async (request, reply) => {
    const page = await service.withdrawPage(request.context(), request.params.episodeId, request.params.agencyId)
    const t = request.page.t
    return reply.render('family-records/views/withdraw.njk', {
      title: t('Stop sharing with {agency}', { agency: page.agency.name }),
      familyNav: navFor(request, page.episode.id, 'consent'),
      backLink: paths.family.consent(page.episode.id),
      agency: { name: page.agency.name, kindSentence: agencyKindSentence(t, page.agency.kind) },
      alreadyStopped: page.alreadyStopped,
      action: paths.family.withdraw(page.episode.id, page.agency.id),
      consentHref: paths.family.consent(page.episode.id),
    })
  })

  app.post<AgencyParams>('/family/episodes/:episodeId/consent/agencies/:agencyId/withdraw', guard, async (request, reply) => {
    const parsed = withdrawSchema.safeParse(request.body ?? {})
    if (!parsed.success) {
      const page = await service.withdrawPage(request.context(), request.params.episodeId, request.params.agencyId)
      const t = request.page.t
      return reply.render(
        'family-records/views/withdraw.njk',
        {
          title: t('Stop sharing with {agency}', { agency: page.agency.name }),
          familyNav: navFor(request, page.episode.id, 'consent'),
          backLink: paths.family.consent(page.episode.id),
          agency: { name: page.agency.name, kindSentence: agencyKindSentence(t, page.agency.kind) },
          alreadyStopped: page.alreadyStopped,
          action: paths.family.withdraw(page.episode.id, page.agency.id),
          consentHref: paths.family.consent(page.episode.id),
          errors: [{ text: t('Something went wrong with the form. Nothing has changed. Try again.'), href: '#main-content' }],
        },
        400,
      )
    }
    const result = await service.withdraw(request.context(), request.params.episodeId, request.params.agencyId)
    const query = new URLSearchParams({ done: result.changed ? 'stopped' : 'already-stopped', agency: result.agencyId })
    return reply.redirect(`${paths.family.consent(request.params.episodeId)}?${query.toString()}`, 303)
  })

  // ---- who has looked at our record -------------------------------------------------------------------------------

  app.get<EpisodeParams>('/family/episodes/:episodeId/who-has-looked', guard, async (request, reply) => {
    const page = await service.whoHasLookedPage(request.context(), request.params.episodeId, pageNumber(request))
    const base = paths.family.whoHasLooked(page.episode.id)
    return reply.render('family-records/views/who-has-looked.njk', {
      title: request.page.t('Who has looked at our record'),
      familyNav: navFor(request, page.episode.id, 'who-has-looked'),
      looks: page.looks,
      page: page.page,
      previousHref: page.page > 1 ? (page.page === 2 ? base : `${base}?page=${page.page - 1}`) : null,
      nextHref: page.hasNext ? `${base}?page=${page.page + 1}` : null,
    })
  })
}
