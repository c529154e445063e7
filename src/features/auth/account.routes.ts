import { routeRateLimit } from '../../plugins/route-rate-limit.ts'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../composition.ts'
import { DomainRuleError } from '../../lib/errors.ts'
import { PASSWORD_MIN_LENGTH } from '../../lib/passwords.ts'
import { singleError, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import type { PractitionerActor } from '../../policy/actor.ts'
import { ROLE_NAMES } from '../../policy/actor.ts'
import { requireSignedIn } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { agencyForm, changePasswordForm } from './auth.schemas.ts'

/** The signed-in practitioner's own account: password, sessions, acting agency. */
export function registerAccountRoutes(app: FastifyInstance, services: Services) {
  const { auth } = services
  const signedIn = { preHandler: requireSignedIn(auth) }

  app.get(paths.account.overview(), signedIn, async (request, reply) => {
    const actor = request.actor as PractitionerActor
    const sessions = await auth.sessionsOf(actor)
    const query = request.query as Record<string, string | undefined>
    const principal = request.session.state === 'signed-in' ? request.session.principal : null
    return reply.render('auth/views/account.njk', {
      title: 'Your account',
      name: actor.name,
      email: actor.email,
      roles: [...actor.roles].map(role => ROLE_NAMES[role]),
      agencies: principal ? await agencyChoices(actor) : [],
      actingAgencyId: actor.actingAgencyId,
      sessionCount: sessions.length,
      notice: noticeFor(query.done),
    })
  })

  async function agencyChoices(actor: PractitionerActor) {
    const agencies = await services.admin.agencyNames?.(actor)
    return (agencies ?? []).filter(agency => actor.agencyIds.includes(agency.id))
  }

  function renderPassword(reply: FastifyReply, formErrors?: FormErrors) {
    return reply.render('auth/views/change-password.njk', { title: 'Change your password', passwordMinLength: PASSWORD_MIN_LENGTH, backLink: paths.account.overview(), ...formErrors }, formErrors ? 400 : 200)
  }

  app.get(paths.account.password(), signedIn, async (_request, reply) => renderPassword(reply))

  app.post(paths.account.password(), { ...signedIn, preHandler: [requireSignedIn(auth), routeRateLimit(app, { max: 10, timeWindow: '1 minute' })] }, async (request: FastifyRequest, reply) => {
    const parsed = changePasswordForm.safeParse(request.body)
    if (!parsed.success) return renderPassword(reply, toFormErrors(parsed.error))
    try {
      await auth.changePassword(request.context(), request.sessionSecret ?? '', parsed.data.currentPassword, parsed.data.newPassword)
    } catch (error) {
      if (error instanceof DomainRuleError) return renderPassword(reply, singleError(error.field ?? 'newPassword', error.message))
      throw error
    }
    return reply.redirect(`${paths.account.overview()}?done=password`, 303)
  })

  app.post(paths.account.sessions(), signedIn, async (request, reply) => {
    await auth.endOtherSessions(request.context(), request.sessionSecret ?? '')
    return reply.redirect(`${paths.account.overview()}?done=sessions`, 303)
  })

  app.post(paths.account.agency(), signedIn, async (request, reply) => {
    const parsed = agencyForm.safeParse(request.body)
    if (!parsed.success) throw new DomainRuleError('Choose one of your agencies', 'agencyId')
    await auth.switchAgency(request.context(), request.sessionSecret ?? '', parsed.data.agencyId)
    return reply.redirect(`${paths.account.overview()}?done=agency`, 303)
  })
}

function noticeFor(done: string | undefined) {
  switch (done) {
    case 'password':
      return { success: true, text: 'Your password has been changed. You have been signed out everywhere else.' }
    case 'sessions':
      return { success: true, text: 'You have been signed out on every other device.' }
    case 'agency':
      return { success: true, text: 'You are now working for the agency you chose.' }
    default:
      return undefined
  }
}
