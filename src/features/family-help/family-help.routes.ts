import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../composition.ts'
import { NotFoundError } from '../../lib/errors.ts'
import type { Translate } from '../../lib/i18n.ts'
import { submittedText, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { requireFamily, requireSignedIn } from '../../plugins/session.ts'
import { formatDateTime } from '../../plugins/views.ts'
import { paths } from '../../paths.ts'
import { episodeNav } from '../episodes/episode-summary.ts'
import { familyNav } from '../family-pages/family-episode.ts'
import { GLOSSARY } from './glossary.ts'
import { HELP_TOPICS, helpTopic } from './help-topics.ts'
import { myViewsForm, VIEWS_MAX } from './family-help.schemas.ts'
import { StaleViewsError, type YoungPersonViews } from './family-help.service.ts'

type EpisodeParams = { Params: { episodeId: string } }
type Values = { goingWell: string; worrying: string; wouldLike: string; share: boolean; version: string }

/** Error messages through the family's catalogue; a field the form does not have is one plain sentence. */
function translated(t: Translate, formErrors: FormErrors): FormErrors {
  const unknownField = 'The form had something we did not expect. Go back and try again.'
  return {
    errors: formErrors.errors.map(error => ({ href: error.href, text: t(error.href === '#main-content' ? unknownField : error.text) })),
    fieldErrors: Object.fromEntries(Object.entries(formErrors.fieldErrors).map(([field, error]) => [field, { text: t(field === '' ? unknownField : error.text) }])),
  }
}

function valuesOf(views: YoungPersonViews | undefined): Values {
  return {
    goingWell: views?.goingWell ?? '',
    worrying: views?.worrying ?? '',
    wouldLike: views?.wouldLike ?? '',
    share: views?.sharedWithFamily ?? false,
    version: views ? String(views.version) : '',
  }
}

export function registerFamilyHelpRoutes(app: FastifyInstance, services: Services) {
  const { familyHelp, auth } = services

  // ---- help: open to anyone (no personal data), in the language of the page ---------------------------------------

  app.get('/family/help', async (request, reply) => {
    const t = request.page.t
    return reply.render('family-help/views/help.njk', {
      title: t('Help'),
      topics: HELP_TOPICS.map(topic => ({ href: paths.family.helpTopic(topic.slug), title: topic.title, summary: topic.summary })),
      glossaryHref: paths.family.glossary(),
    })
  })

  app.get('/family/help/words', async (request, reply) => {
    const t = request.page.t
    return reply.render('family-help/views/glossary.njk', { title: t('What words mean'), entries: GLOSSARY, backLink: paths.family.help() })
  })

  app.get<{ Params: { topic: string } }>('/family/help/:topic', async (request, reply) => {
    const topic = helpTopic(request.params.topic)
    if (!topic) throw new NotFoundError('There is no such page.')
    return reply.render('family-help/views/topic.njk', {
      title: request.page.t(topic.title),
      topic,
      backLink: paths.family.help(),
      glossaryHref: paths.family.glossary(),
      others: HELP_TOPICS.filter(other => other.slug !== topic.slug).map(other => ({ href: paths.family.helpTopic(other.slug), title: other.title })),
    })
  })

  // ---- a young person's own views ---------------------------------------------------------------------------------

  async function renderMyViews(
    request: FastifyRequest<EpisodeParams>,
    reply: FastifyReply,
    values: Values | undefined,
    formErrors: FormErrors | undefined,
    status: number,
    saved?: YoungPersonViews,
  ) {
    const t = request.page.t
    const page = await familyHelp.myViews(request.context(), request.params.episodeId)
    const episodeId = page.episode.id
    const query = request.query as Record<string, unknown> | undefined
    return reply.render(
      'family-help/views/my-views.njk',
      {
        title: t('My views'),
        familyNav: familyNav(t, episodeId, 'my-views', { young: true }),
        action: paths.family.myViews(episodeId),
        values: values ?? valuesOf(page.views),
        updatedAt: page.views?.updatedAt,
        saved: status === 409 ? (saved ?? page.views) : undefined,
        maxLength: VIEWS_MAX,
        ...(formErrors ? translated(t, formErrors) : {}),
        notice: query?.done === 'saved' ? { success: true, text: t('Your views are saved. Your team can read them.') } : undefined,
      },
      status,
    )
  }

  app.get<EpisodeParams>('/family/episodes/:episodeId/my-views', { preHandler: requireFamily }, async (request, reply) => {
    return renderMyViews(request, reply, undefined, undefined, 200)
  })

  app.post<EpisodeParams>('/family/episodes/:episodeId/my-views', { preHandler: requireFamily }, async (request, reply) => {
    const parsed = myViewsForm.safeParse(request.body)
    if (!parsed.success) {
      const typed = submittedText(request.body)
      const values: Values = {
        goingWell: typed.goingWell ?? '',
        worrying: typed.worrying ?? '',
        wouldLike: typed.wouldLike ?? '',
        share: typed.share === 'yes',
        version: /^\d{1,9}$/.test(typed.version ?? '') ? (typed.version ?? '') : '',
      }
      return renderMyViews(request, reply, values, toFormErrors(parsed.error), 400)
    }
    const form = parsed.data
    const input = { goingWell: form.goingWell, worrying: form.worrying, wouldLike: form.wouldLike, sharedWithFamily: form.share === 'yes' }
    try {
      await familyHelp.saveMyViews(request.context(), request.params.episodeId, input, form.version === undefined ? null : Number(form.version))
    } catch (error) {
      if (!(error instanceof StaleViewsError)) throw error
      const t = request.page.t
      const values: Values = { ...input, share: input.sharedWithFamily, version: error.saved ? String(error.saved.version) : '' }
      const message = t('You changed your views on another phone or computer since you opened this page. Check what is saved now, below, then save again.')
      return renderMyViews(request, reply, values, { errors: [{ text: message, href: '#goingWell' }], fieldErrors: {} }, 409, error.saved)
    }
    return reply.redirect(`${paths.family.myViews(request.params.episodeId)}?done=saved`, 303)
  })

  // What the young people chose to share, for their parents and carers (and each other).
  app.get<EpisodeParams>('/family/episodes/:episodeId/young-peoples-views', { preHandler: requireFamily }, async (request, reply) => {
    const t = request.page.t
    const page = await familyHelp.sharedViews(request.context(), request.params.episodeId)
    const young = request.page.familyUser?.young ?? false
    return reply.render('family-help/views/shared-views.njk', {
      title: t('What our young people said'),
      familyNav: familyNav(t, page.episode.id, 'overview', { young }),
      views: page.views,
    })
  })

  // ---- the team's page (practitioners) ----------------------------------------------------------------------------

  app.get<EpisodeParams>('/episodes/:episodeId/young-peoples-views', { preHandler: requireSignedIn(auth) }, async (request, reply) => {
    const page = await familyHelp.teamViews(request.context(), request.params.episodeId)
    return reply.render('family-help/views/team-views.njk', {
      title: 'Young people’s views',
      episodeNav: episodeNav(page.episode, 'team'),
      backLink: paths.team.show(page.episode.id),
      views: page.views.map(views => ({ ...views, updated: formatDateTime(views.updatedAt) })),
    })
  })
}
