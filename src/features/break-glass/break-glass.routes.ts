import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../composition.ts'
import { ConflictError, DomainRuleError } from '../../lib/errors.ts'
import { singleError, submittedText, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { requireSignedIn } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import {
  LAWFUL_BASES,
  SPECIAL_CATEGORY_CONDITIONS,
  confirmForm,
  lawfulBasisForm,
  lawfulBasisName,
  openForm,
  reviewForm,
  sharingForm,
  specialCategoryName,
} from './break-glass.schemas.ts'
import { grantCards, sharingCards } from './break-glass.view-models.ts'
import { noticeFrom, withNotice } from '../../lib/notices.ts'

type EpisodeParams = { Params: { episodeId: string } }
type Values = Record<string, string>

const NOTICES: Record<string, string> = {
  reviewed: 'The emergency opening has been marked reviewed.',
  'sharing-reviewed': 'The decision to share without agreement has been marked reviewed.',
  recorded: 'Sharing without the family’s agreement has been recorded. The agency’s practitioners on the team can open the record again, and a manager has been told.',
  ended: 'Sharing without agreement has ended. If the family had stopped sharing with that agency, its practitioners can no longer open the record.',
  saved: 'The lawful basis has been saved.',
}

async function attempt(work: () => Promise<unknown>): Promise<DomainRuleError | ConflictError | undefined> {
  try {
    await work()
    return undefined
  } catch (error) {
    if (error instanceof DomainRuleError || error instanceof ConflictError) return error
    throw error
  }
}

function items(options: Record<string, string>, chosen: string | undefined) {
  return Object.entries(options).map(([value, text]) => ({ value, text, checked: value === chosen }))
}

/** Break-glass (emergency opening), the coordinator's review, sharing without agreement and agencies' lawful bases. */
export function registerBreakGlassRoutes(app: FastifyInstance, services: Services) {
  const signedIn = { preHandler: requireSignedIn(services.auth) }
  const service = services.breakGlass

  // ---- open an episode in an emergency ---------------------------------------------------------------------------

  async function renderOpen(request: FastifyRequest, reply: FastifyReply, episodeId: string, values: Values, formErrors?: FormErrors, status = 200) {
    const page = await service.openPage(request.context(), episodeId)
    if (page.alreadyAllowed && !formErrors) return reply.redirect(paths.episodes.show(episodeId), 303)
    return reply.render(
      'break-glass/views/open.njk',
      { title: 'Open this record in an emergency', episode: page.episode, hours: page.hours, action: paths.breakGlass.open(episodeId), values, ...(formErrors ?? {}) },
      status,
    )
  }

  app.get<EpisodeParams>(paths.breakGlass.open(':episodeId'), signedIn, async (request, reply) => renderOpen(request, reply, request.params.episodeId, {}))

  app.post<EpisodeParams>(paths.breakGlass.open(':episodeId'), signedIn, async (request, reply) => {
    const { episodeId } = request.params
    const values = submittedText(request.body)
    const parsed = openForm.safeParse(request.body)
    if (!parsed.success) return renderOpen(request, reply, episodeId, values, toFormErrors(parsed.error), 400)
    await service.open(request.context(), episodeId, parsed.data)
    return reply.redirect(paths.episodes.show(episodeId), 303)
  })

  // ---- the coordinator's review ------------------------------------------------------------------------------------

  async function renderReviews(request: FastifyRequest, reply: FastifyReply, formErrors?: FormErrors, status = 200) {
    const page = await service.reviewsPage(request.context())
    return reply.render(
      'break-glass/views/reviews.njk',
      {
        title: 'Break-glass review',
        notice: noticeFrom(request, NOTICES),
        waiting: grantCards(page.waiting, page.now, true),
        reviewed: grantCards(page.reviewed, page.now, false),
        sharing: sharingCards(page.sharing, true),
        ...(formErrors ?? {}),
      },
      status,
    )
  }

  app.get(paths.breakGlass.reviews(), signedIn, async (request, reply) => renderReviews(request, reply))

  app.post<{ Params: { grantId: string } }>(paths.breakGlass.reviewGrant(':grantId'), signedIn, async (request, reply) => {
    const parsed = reviewForm.safeParse(request.body)
    if (!parsed.success) return renderReviews(request, reply, toFormErrors(parsed.error), 400)
    const failure = await attempt(() => service.reviewGrant(request.context(), request.params.grantId, parsed.data))
    if (failure) return renderReviews(request, reply, singleError('note', failure.message), failure instanceof ConflictError ? 409 : 422)
    return reply.redirect(withNotice(paths.breakGlass.reviews(), 'reviewed'), 303)
  })

  app.post<{ Params: { sharingId: string } }>(paths.breakGlass.reviewSharing(':sharingId'), signedIn, async (request, reply) => {
    const parsed = confirmForm.safeParse(request.body)
    if (!parsed.success) return renderReviews(request, reply, toFormErrors(parsed.error), 400)
    const failure = await attempt(() => service.reviewSharing(request.context(), request.params.sharingId))
    if (failure) return renderReviews(request, reply, singleError('sharing', failure.message), 422)
    return reply.redirect(withNotice(paths.breakGlass.reviews(), 'sharing-reviewed'), 303)
  })

  // ---- sharing without agreement -----------------------------------------------------------------------------------

  async function renderSharing(request: FastifyRequest, reply: FastifyReply, episodeId: string, values: Values, formErrors?: FormErrors, status = 200) {
    const page = await service.sharingPage(request.context(), episodeId)
    return reply.render(
      'break-glass/views/sharing.njk',
      {
        title: 'Share without the family’s agreement',
        notice: noticeFrom(request, NOTICES),
        episode: page.episode,
        current: sharingCards(page.sharing, false),
        action: paths.breakGlass.sharing(episodeId),
        backHref: paths.episodes.show(episodeId),
        agencyItems: [
          { value: '', text: 'Choose an agency' },
          ...page.agencies.map(agency => ({ value: agency.id, text: `${agency.name}${agency.withdrawn ? ' (the family stopped sharing with it)' : ''}`, selected: agency.id === values.agencyId })),
        ],
        basisItems: items(LAWFUL_BASES, values.lawfulBasis),
        conditionItems: items(SPECIAL_CATEGORY_CONDITIONS, values.specialCategoryCondition),
        values,
        ...(formErrors ?? {}),
      },
      status,
    )
  }

  app.get<EpisodeParams>(paths.breakGlass.sharing(':episodeId'), signedIn, async (request, reply) => renderSharing(request, reply, request.params.episodeId, {}))

  app.post<EpisodeParams>(paths.breakGlass.sharing(':episodeId'), signedIn, async (request, reply) => {
    const { episodeId } = request.params
    const values = submittedText(request.body)
    const parsed = sharingForm.safeParse(request.body)
    if (!parsed.success) return renderSharing(request, reply, episodeId, values, toFormErrors(parsed.error), 400)
    const failure = await attempt(() => service.recordSharing(request.context(), episodeId, parsed.data))
    if (failure) return renderSharing(request, reply, episodeId, values, singleError(failure instanceof DomainRuleError ? (failure.field ?? 'reason') : 'reason', failure.message), 422)
    return reply.redirect(withNotice(paths.breakGlass.sharing(episodeId), 'recorded'), 303)
  })

  app.post<{ Params: { episodeId: string; sharingId: string } }>(paths.breakGlass.endSharing(':episodeId', ':sharingId'), signedIn, async (request, reply) => {
    const { episodeId, sharingId } = request.params
    const parsed = confirmForm.safeParse(request.body)
    if (!parsed.success) return renderSharing(request, reply, episodeId, {}, toFormErrors(parsed.error), 400)
    const failure = await attempt(() => service.endSharing(request.context(), episodeId, sharingId))
    if (failure) return renderSharing(request, reply, episodeId, {}, singleError('agencyId', failure.message), 422)
    return reply.redirect(withNotice(paths.breakGlass.sharing(episodeId), 'ended'), 303)
  })

  // ---- an agency's lawful basis (administrators) -------------------------------------------------------------------

  async function renderLawfulBasis(request: FastifyRequest, reply: FastifyReply, agencyId: string, values: Values | undefined, formErrors?: FormErrors, status = 200) {
    const page = await service.lawfulBasisPage(request.context(), agencyId)
    const shown: Values = values ?? {
      lawfulBasis: page.basis?.lawfulBasis ?? '',
      specialCategoryCondition: page.basis?.specialCategoryCondition ?? '',
      notes: page.basis?.notes ?? '',
      version: page.basis ? String(page.basis.version) : '',
    }
    return reply.render(
      'break-glass/views/lawful-basis.njk',
      {
        title: `Lawful basis for sharing: ${page.agency.name}`,
        notice: noticeFrom(request, NOTICES),
        agency: page.agency,
        current: page.basis
          ? { basis: lawfulBasisName(page.basis.lawfulBasis), condition: specialCategoryName(page.basis.specialCategoryCondition), by: page.basis.recordedByName ?? '', at: page.basis.recordedAt }
          : null,
        action: paths.breakGlass.lawfulBasis(agencyId),
        backHref: paths.admin.agency(agencyId),
        basisItems: items(LAWFUL_BASES, shown.lawfulBasis),
        conditionItems: items(SPECIAL_CATEGORY_CONDITIONS, shown.specialCategoryCondition),
        values: shown,
        ...(formErrors ?? {}),
      },
      status,
    )
  }

  app.get<{ Params: { agencyId: string } }>(paths.breakGlass.lawfulBasis(':agencyId'), signedIn, async (request, reply) => renderLawfulBasis(request, reply, request.params.agencyId, undefined))

  app.post<{ Params: { agencyId: string } }>(paths.breakGlass.lawfulBasis(':agencyId'), signedIn, async (request, reply) => {
    const { agencyId } = request.params
    const values = submittedText(request.body)
    const parsed = lawfulBasisForm.safeParse(request.body)
    if (!parsed.success) return renderLawfulBasis(request, reply, agencyId, values, toFormErrors(parsed.error), 400)
    const failure = await attempt(() => service.saveLawfulBasis(request.context(), agencyId, parsed.data))
    if (failure) return renderLawfulBasis(request, reply, agencyId, undefined, singleError('lawfulBasis', failure.message), failure instanceof ConflictError ? 409 : 422)
    return reply.redirect(withNotice(paths.breakGlass.lawfulBasis(agencyId), 'saved'), 303)
  })
}
