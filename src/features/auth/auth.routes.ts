import { routeRateLimit } from '../../plugins/route-rate-limit.ts'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import QRCode from 'qrcode'
import type { Services } from '../../composition.ts'
import { DomainRuleError } from '../../lib/errors.ts'
import { PASSWORD_MIN_LENGTH } from '../../lib/passwords.ts'
import { singleError, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { paths, safeReturnPath } from '../../paths.ts'
import { codeForm, forgotPasswordForm, heldFormAction, newPasswordForm, signInForm } from './auth.schemas.ts'

const GENERIC_FAILURE =
  'Enter a correct email address and password. After several wrong attempts an account is locked for a while: wait, or reset your password.'

/** Sign-in, the second factor, sign-out, password reset, invitations, and carrying on after a timeout. */
export function registerAuthRoutes(app: FastifyInstance, services: Services) {
  const { auth, setup } = services
  const signInLimit = routeRateLimit(app, { max: 20, timeWindow: '1 minute' })

  function renderSignIn(reply: FastifyReply, request: FastifyRequest, values: Record<string, unknown>, formErrors?: FormErrors, status?: number) {
    const query = request.query as Record<string, string | undefined>
    return reply.render(
      'auth/views/sign-in.njk',
      {
        title: 'Sign in',
        values,
        returnTo: safeReturnPath(values.returnTo ?? query.returnTo),
        timedOut: query.timedOut === '1',
        held: query.held === '1',
        reset: query.reset === '1',
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get(paths.signIn.page(), async (request, reply) => {
    if (!(await setup.isSetUp())) return reply.redirect(paths.setup(), 303)
    if (request.actor.kind === 'practitioner') return reply.redirect(paths.home(), 303)
    return renderSignIn(reply, request, {})
  })

  app.post(paths.signIn.page(), { preHandler: signInLimit }, async (request, reply) => {
    const parsed = signInForm.safeParse(request.body)
    const body = (request.body ?? {}) as Record<string, unknown>
    const values = { email: typeof body.email === 'string' ? body.email : '', returnTo: body.returnTo }
    if (!parsed.success) return renderSignIn(reply, request, values, toFormErrors(parsed.error))
    const result = await auth.signIn(request.context(), parsed.data.email, parsed.data.password)
    if (result.outcome === 'failed') return renderSignIn(reply, request, values, singleError('email', GENERIC_FAILURE), 401)
    // A new session id at every sign-in: any id planted before sign-in is worthless (session fixation).
    if (request.sessionSecret) await auth.signOut(request.context(), request.sessionSecret)
    reply.startSession(result.sessionSecret, result)
    if (result.outcome === 'second-factor-needed') {
      const state = await auth.resolveSession(result.sessionSecret)
      const enrolled = state.state === 'second-factor-needed' && state.enrolled
      return reply.redirect(withReturn(enrolled ? paths.signIn.secondFactor() : paths.signIn.setUpSecondFactor(), parsed.data.returnTo), 303)
    }
    return reply.redirect(await afterSignIn(result, parsed.data.returnTo), 303)
  })

  async function afterSignIn(user: { authorityId: string; userId: string }, returnTo: unknown): Promise<string> {
    const held = await auth.heldForms(user)
    if (held.length > 0) return paths.continueWork()
    return safeReturnPath(returnTo) ?? paths.home()
  }

  function pendingPrincipal(request: FastifyRequest) {
    return request.session.state === 'second-factor-needed' ? request.session.principal : null
  }

  app.get(paths.signIn.secondFactor(), async (request, reply) => {
    const principal = pendingPrincipal(request)
    if (!principal) return reply.redirect(paths.signIn.page(), 303)
    return reply.render('auth/views/second-factor.njk', { title: 'Enter the code from your authenticator app', returnTo: safeReturnPath((request.query as Record<string, unknown>).returnTo) })
  })

  app.post(paths.signIn.secondFactor(), { preHandler: signInLimit }, async (request, reply) => {
    const principal = pendingPrincipal(request)
    if (!principal || !request.sessionSecret) return reply.redirect(paths.signIn.page(), 303)
    const returnTo = safeReturnPath((request.query as Record<string, unknown>).returnTo)
    const render = (formErrors: FormErrors) =>
      reply.render('auth/views/second-factor.njk', { title: 'Enter the code from your authenticator app', returnTo, ...formErrors }, 400)
    const parsed = codeForm.safeParse(request.body)
    if (!parsed.success) return render(toFormErrors(parsed.error))
    try {
      const result = await auth.verifySecondFactor(request.context(), request.sessionSecret, principal, parsed.data.code)
      reply.startSession(result.sessionSecret, principal)
      return reply.redirect(await afterSignIn(principal, returnTo), 303)
    } catch (error) {
      if (error instanceof DomainRuleError) return render(singleError('code', error.message))
      throw error
    }
  })

  async function renderEnrolment(request: FastifyRequest, reply: FastifyReply, formErrors?: FormErrors) {
    const principal = pendingPrincipal(request)
    if (!principal) return reply.redirect(paths.signIn.page(), 303)
    const enrolment = await auth.beginSecondFactorEnrolment(principal)
    const qrSvg = await QRCode.toString(enrolment.uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' })
    return reply.render(
      'auth/views/set-up-second-factor.njk',
      { title: 'Set up an authenticator app', secret: enrolment.secret.replace(/(.{4})/g, '$1 ').trim(), qrSvg, ...formErrors },
      formErrors ? 400 : 200,
    )
  }

  app.get(paths.signIn.setUpSecondFactor(), async (request, reply) => {
    const principal = pendingPrincipal(request)
    if (!principal) return reply.redirect(paths.signIn.page(), 303)
    if (principal.user.totpEnabled) return reply.redirect(paths.signIn.secondFactor(), 303)
    return renderEnrolment(request, reply)
  })

  app.post(paths.signIn.setUpSecondFactor(), { preHandler: signInLimit }, async (request, reply) => {
    const principal = pendingPrincipal(request)
    if (!principal || !request.sessionSecret) return reply.redirect(paths.signIn.page(), 303)
    const parsed = codeForm.safeParse(request.body)
    if (!parsed.success) return renderEnrolment(request, reply, toFormErrors(parsed.error))
    try {
      const result = await auth.completeSecondFactorEnrolment(request.context(), request.sessionSecret, principal, parsed.data.code)
      reply.startSession(result.sessionSecret, principal)
      const held = await auth.heldForms(principal)
      return reply.render('auth/views/recovery-codes.njk', {
        title: 'Save your recovery codes',
        recoveryCodes: result.recoveryCodes,
        next: held.length > 0 ? paths.continueWork() : paths.home(),
        user: { name: principal.user.name, agencyName: principal.actingAgencyName },
      })
    } catch (error) {
      if (error instanceof DomainRuleError) return renderEnrolment(request, reply, singleError('code', error.message))
      throw error
    }
  })

  app.post(paths.signOut(), async (request, reply) => {
    await auth.signOut(request.context(), request.sessionSecret)
    reply.endSession()
    reply.header('clear-site-data', '"cache", "storage"')
    return reply.render('auth/views/signed-out.njk', { title: 'You have signed out', user: null, navigation: [] })
  })

  app.get(paths.forgotPassword(), async (_request, reply) => reply.render('auth/views/forgot-password.njk', { title: 'Reset your password', values: {} }))

  app.post(paths.forgotPassword(), { preHandler: routeRateLimit(app, { max: 5, timeWindow: '1 minute' }) }, async (request, reply) => {
    const parsed = forgotPasswordForm.safeParse(request.body)
    if (!parsed.success) {
      return reply.render('auth/views/forgot-password.njk', { title: 'Reset your password', values: request.body, ...toFormErrors(parsed.error) }, 400)
    }
    await auth.requestPasswordReset(request.context(), parsed.data.email)
    return reply.render('auth/views/check-email.njk', { title: 'Check your email' })
  })

  function renderNewPassword(reply: FastifyReply, template: string, title: string, token: string, formErrors?: FormErrors) {
    return reply.render(template, { title, token, passwordMinLength: PASSWORD_MIN_LENGTH, ...formErrors }, formErrors ? 400 : 200)
  }

  app.get<{ Params: { token: string } }>('/reset-password/:token', async (request, reply) => {
    const link = await auth.findResetLink(request.params.token)
    if (!link) return reply.render('auth/views/link-expired.njk', { title: 'This link has expired', reason: 'reset' }, 410)
    return renderNewPassword(reply, 'auth/views/reset-password.njk', 'Choose a new password', request.params.token)
  })

  app.post<{ Params: { token: string } }>('/reset-password/:token', { preHandler: signInLimit }, async (request, reply) => {
    const parsed = newPasswordForm.safeParse(request.body)
    const { token } = request.params
    if (!parsed.success) return renderNewPassword(reply, 'auth/views/reset-password.njk', 'Choose a new password', token, toFormErrors(parsed.error))
    try {
      await auth.resetPassword(request.context(), token, parsed.data.newPassword)
    } catch (error) {
      if (error instanceof DomainRuleError) {
        if (!error.field) return reply.render('auth/views/link-expired.njk', { title: 'This link has expired', reason: 'reset' }, 410)
        return renderNewPassword(reply, 'auth/views/reset-password.njk', 'Choose a new password', token, singleError(error.field, error.message))
      }
      throw error
    }
    reply.endSession()
    return reply.redirect(`${paths.signIn.page()}?reset=1`, 303)
  })

  app.get<{ Params: { token: string } }>('/accept-invitation/:token', async (request, reply) => {
    const invitation = await auth.findInvitation(request.params.token)
    if (!invitation || invitation.status !== 'invited') {
      return reply.render('auth/views/link-expired.njk', { title: 'This invitation has expired', reason: 'invitation' }, 410)
    }
    return reply.render('auth/views/accept-invitation.njk', { title: 'Set up your account', token: request.params.token, name: invitation.name, email: invitation.email, passwordMinLength: PASSWORD_MIN_LENGTH })
  })

  app.post<{ Params: { token: string } }>('/accept-invitation/:token', { preHandler: signInLimit }, async (request, reply) => {
    const { token } = request.params
    const invitation = await auth.findInvitation(token)
    if (!invitation || invitation.status !== 'invited') {
      return reply.render('auth/views/link-expired.njk', { title: 'This invitation has expired', reason: 'invitation' }, 410)
    }
    const render = (formErrors: FormErrors) =>
      reply.render('auth/views/accept-invitation.njk', { title: 'Set up your account', token, name: invitation.name, email: invitation.email, passwordMinLength: PASSWORD_MIN_LENGTH, ...formErrors }, 400)
    const parsed = newPasswordForm.safeParse(request.body)
    if (!parsed.success) return render(toFormErrors(parsed.error))
    try {
      await auth.acceptInvitation(request.context(), token, parsed.data.newPassword)
    } catch (error) {
      if (error instanceof DomainRuleError) return render(singleError(error.field ?? 'newPassword', error.message))
      throw error
    }
    return reply.redirect(paths.signIn.page(), 303)
  })

  // After a timeout: what the user had typed, kept for them, to send again or to discard.
  app.get(paths.continueWork(), async (request, reply) => {
    if (request.actor.kind !== 'practitioner') return reply.redirect(paths.signIn.page({ returnTo: paths.continueWork() }), 303)
    const held = await auth.heldForms(request.actor)
    if (held.length === 0) return reply.redirect(paths.home(), 303)
    return reply.render('auth/views/continue.njk', {
      title: 'Carry on where you left off',
      heldForms: held.map(form => ({
        id: form.idHash,
        url: form.url,
        createdAt: form.createdAt,
        fields: Object.entries(form.fields).map(([name, value]) => ({ name, values: Array.isArray(value) ? value : [value] })),
      })),
    })
  })

  app.post(paths.continueWork(), async (request, reply) => {
    if (request.actor.kind !== 'practitioner') return reply.redirect(paths.signIn.page(), 303)
    const parsed = heldFormAction.safeParse(request.body)
    if (parsed.success) await auth.releaseHeldForm(request.actor, parsed.data.heldFormId)
    return reply.redirect(paths.continueWork(), 303)
  })
}

function withReturn(path: string, returnTo: unknown): string {
  const safe = safeReturnPath(returnTo)
  return safe ? `${path}?returnTo=${encodeURIComponent(safe)}` : path
}
