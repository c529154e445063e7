import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { Services } from '../../composition.ts'
import { DomainRuleError } from '../../lib/errors.ts'
import { PASSWORD_MIN_LENGTH } from '../../lib/passwords.ts'
import { csrfField, emailAddress, singleError, text, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { paths } from '../../paths.ts'

export const setupForm = z.strictObject({
  ...csrfField,
  setupCode: text('the set-up code', { max: 40 }),
  authorityName: text('the name of the authority', { max: 120 }),
  nation: z.enum(['england', 'wales'], { error: 'Select whether the authority is in England or Wales' }),
  adminName: text('your full name', { max: 120 }),
  adminEmail: emailAddress('your email address'),
  password: z.string({ error: 'Enter a password' }).max(1000, 'Your password must be 256 characters or fewer'),
})

export function registerSetupRoutes(app: FastifyInstance, services: Services, setupCode: string | undefined) {
  const { setup } = services

  function renderForm(reply: FastifyReply, values: Record<string, unknown> = {}, formErrors?: FormErrors) {
    return reply.render(
      'setup/views/setup.njk',
      { title: 'Set up OneStory', values, passwordMinLength: PASSWORD_MIN_LENGTH, ...formErrors },
      formErrors ? 400 : 200,
    )
  }

  app.get(paths.setup(), async (_request, reply) => {
    if (await setup.isSetUp()) return reply.redirect(paths.signIn.page(), 303)
    return renderForm(reply)
  })

  app.post(paths.setup(), async (request: FastifyRequest, reply) => {
    if (await setup.isSetUp()) return reply.redirect(paths.signIn.page(), 303)
    const parsed = setupForm.safeParse(request.body)
    const values = { ...(request.body as object), password: undefined, setupCode: undefined }
    if (!parsed.success) return renderForm(reply, values, toFormErrors(parsed.error))
    try {
      await setup.createFirstAuthority(request.context(), setupCode, parsed.data)
    } catch (error) {
      if (error instanceof DomainRuleError) return renderForm(reply, values, singleError(error.field ?? 'setupCode', error.message))
      throw error
    }
    return reply.redirect(paths.signIn.page({ returnTo: paths.admin.home() }), 303)
  })
}
