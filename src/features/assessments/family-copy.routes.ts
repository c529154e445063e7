import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../composition.ts'
import { DomainRuleError } from '../../lib/errors.ts'
import { singleError, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { requireSignedIn } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { dateInputItems, dateInputValues } from '../../lib/dates.ts'
import { familyCopyGivenForm } from './assessment-completion.schemas.ts'
import { copyRows, COPY_FORMAT_NAMES, submitted } from './assessment-completion.view-models.ts'

type EpisodeParams = { Params: { episodeId: string } }
type Values = Record<string, string | undefined>

/** The family's copy: the print view, the PDF, and recording the copy as given. */
export function registerFamilyCopyRoutes(app: FastifyInstance, services: Services) {
  const { familyCopies, auth } = services
  const signedIn = { preHandler: requireSignedIn(auth) }

  app.get<EpisodeParams>('/episodes/:episodeId/assessment/family-copy', signedIn, async (request, reply) => {
    const { document } = await familyCopies.printView(request.context(), request.params.episodeId)
    reply.header('cache-control', 'no-store')
    return reply.render('assessments/views/family-copy-print.njk', {
      title: document.title,
      document,
      backLink: paths.assessmentCompletion.outcome(request.params.episodeId),
      pdfHref: paths.assessmentCompletion.familyCopyPdf(request.params.episodeId),
    })
  })

  app.get<EpisodeParams>('/episodes/:episodeId/assessment/family-copy.pdf', signedIn, async (request, reply) => {
    const { bytes, fileName } = await familyCopies.pdf(request.context(), request.params.episodeId)
    return reply
      .header('content-type', 'application/pdf')
      .header('content-disposition', `attachment; filename="${fileName}"`)
      .header('cache-control', 'no-store')
      .send(bytes)
  })

  async function renderGiven(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: Values | null, formErrors?: FormErrors, status?: number) {
    const { episode, family, copies } = await familyCopies.givenForm(request.context(), request.params.episodeId)
    const today = new Date().toISOString().slice(0, 10)
    const shown: Values = values ?? { format: 'printed', ...dateInputValues('givenOn', today) }
    const people = family.map(person => ({
      value: person.personId,
      text: `${person.givenNames} ${person.familyName}`,
      hint: { text: person.role === 'child' ? 'Child or young person' : 'Adult in the family' },
      checked: shown.givenTo === person.personId,
    }))
    return reply.render(
      'assessments/views/family-copy-given.njk',
      {
        title: `Record the family’s copy as given: ${episode.reference}`,
        backLink: paths.assessmentCompletion.outcome(episode.id),
        reference: episode.reference,
        action: paths.assessmentCompletion.familyCopyGiven(episode.id),
        values: shown,
        people,
        otherChecked: shown.givenTo === 'other',
        formatItems: Object.entries(COPY_FORMAT_NAMES).map(([value, text]) => ({ value, text, checked: shown.format === value })),
        dateItems: dateInputItems('givenOn', shown, Boolean(formErrors?.fieldErrors['givenOn-day'])),
        copies: copyRows(copies),
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/assessment/family-copy/given', signedIn, async (request, reply) => renderGiven(request, reply, null))

  app.post<EpisodeParams>('/episodes/:episodeId/assessment/family-copy/given', signedIn, async (request, reply) => {
    const { episodeId } = request.params
    await familyCopies.ensureAllowed(request.context(), 'assessment.edit', episodeId)
    const values = submitted(request.body)
    const parsed = familyCopyGivenForm.safeParse(request.body)
    if (!parsed.success) return renderGiven(request, reply, values, toFormErrors(parsed.error))
    try {
      await familyCopies.recordGiven(request.context(), episodeId, parsed.data)
    } catch (error) {
      if (error instanceof DomainRuleError) return renderGiven(request, reply, values, singleError(error.field ?? 'givenTo', error.message), 422)
      throw error
    }
    return reply.redirect(`${paths.assessmentCompletion.outcome(episodeId)}?done=copy-given`, 303)
  })
}
