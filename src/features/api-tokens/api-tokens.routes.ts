import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../composition.ts'
import { toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { requireSignedIn } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { API_TOKEN_NAME_MAX, createApiTokenForm, revokeApiTokenForm } from './api-tokens.schemas.ts'
import { apiTokenRow } from './api-tokens.view-models.ts'

/** The signed-in practitioner's personal API tokens: list, create (shown once), revoke. */
export function registerApiTokenRoutes(app: FastifyInstance, services: Services) {
  const { apiTokens } = services
  const signedIn = { preHandler: requireSignedIn(services.auth) }

  async function renderList(request: FastifyRequest, reply: FastifyReply, form?: { values: { name: string }; formErrors: FormErrors }) {
    const tokens = await apiTokens.listOwn(request.context())
    const query = (request.query ?? {}) as Record<string, unknown>
    return reply.render(
      'api-tokens/views/list.njk',
      {
        title: 'API tokens',
        backLink: paths.account.overview(),
        action: paths.account.apiTokens(),
        apiRoot: paths.api.root(),
        openApi: paths.api.openApi(),
        nameMax: API_TOKEN_NAME_MAX,
        tokens: tokens.map(apiTokenRow),
        values: form?.values ?? { name: '' },
        notice: form ? undefined : noticeFor(query.done),
        ...form?.formErrors,
      },
      form ? 400 : 200,
    )
  }

  app.get(paths.account.apiTokens(), signedIn, async (request, reply) => renderList(request, reply))

  app.post(paths.account.apiTokens(), signedIn, async (request, reply) => {
    const parsed = createApiTokenForm.safeParse(request.body)
    if (!parsed.success) {
      const body = (request.body ?? {}) as Record<string, unknown>
      const name = typeof body.name === 'string' ? body.name.slice(0, API_TOKEN_NAME_MAX * 2) : ''
      return renderList(request, reply, { values: { name }, formErrors: toFormErrors(parsed.error) })
    }
    const created = await apiTokens.create(request.context(), parsed.data.name)
    // The token is shown on this response and never again: it is not stored, so it cannot go through a redirect.
    return reply.render('api-tokens/views/created.njk', {
      title: 'Your new API token',
      name: created.name,
      token: created.token,
      next: paths.account.apiTokens(),
      apiRoot: paths.api.root(),
    }, 201)
  })

  app.post<{ Params: { tokenId: string } }>(paths.account.revokeApiToken(':tokenId'), signedIn, async (request, reply) => {
    const parsed = revokeApiTokenForm.safeParse(request.body)
    if (!parsed.success) {
      return reply.render(
        'error.njk',
        { title: 'Sorry, there is a problem with the form', paragraphs: ['Use the Revoke button on the API tokens page. Nothing has been changed.'], link: { href: paths.account.apiTokens(), text: 'Go to your API tokens' } },
        400,
      )
    }
    await apiTokens.revoke(request.context(), request.params.tokenId)
    return reply.redirect(`${paths.account.apiTokens()}?done=revoked`, 303)
  })
}

function noticeFor(done: unknown) {
  return done === 'revoked' ? { success: true, text: 'The API token has been revoked. Anything using it can no longer reach OneStory.' } : undefined
}
