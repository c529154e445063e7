import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../composition.ts'
import { DomainRuleError } from '../../lib/errors.ts'
import { translator, type Language } from '../../lib/i18n.ts'
import { singleError, submittedText, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { requireFamily, requireSignedIn } from '../../plugins/session.ts'
import { routeRateLimit } from '../../plugins/route-rate-limit.ts'
import { formatDate, formatDateTime } from '../../plugins/views.ts'
import { paths, safeReturnPath } from '../../paths.ts'
import { episodeNav } from '../episodes/episode-summary.ts'
import { deviceLabel } from './family-auth.messages.ts'
import { codeForm, endAccessForm, endOthersForm, inviteForm, languageForm, parseContact, signInForm, signOutForm, type Contact } from './family-auth.schemas.ts'
import type { AccessRow } from './family-auth.service.ts'

type EpisodeParams = { Params: { episodeId: string } }
type AccountParams = { Params: { episodeId: string; accountId: string } }
type Values = Record<string, string>

const PENDING_MINUTES = 15

/** Translates a form's errors for a family page (the messages are English sentences with Welsh in the catalogue). */
function translated(language: Language, formErrors: FormErrors): FormErrors {
  const t = translator(language)
  return {
    errors: formErrors.errors.map(error => ({ ...error, text: t(error.text) })),
    fieldErrors: Object.fromEntries(Object.entries(formErrors.fieldErrors).map(([field, value]) => [field, { text: t(value.text) }])),
  }
}

function contactText(contact: Contact): string {
  return 'email' in contact ? contact.email : contact.mobile
}

/** Family access: signing in with a one-time code, the family member's account, and the practitioner's invitations. */
export function registerFamilyAuthRoutes(app: FastifyInstance, services: Services) {
  const { familyAuth, auth } = services
  const prefix = familyAuth.cookieSecure ? '__Host-' : ''
  const cookies = { pending: `${prefix}onestory-family-pending`, device: `${prefix}onestory-family-device` }
  const cookieOptions = { path: '/', httpOnly: true, secure: familyAuth.cookieSecure, sameSite: 'lax' as const }
  // Per IP, on top of the per-account limits in the service (5 codes an hour, 5 tries a code).
  const signInLimit = routeRateLimit(app, { max: 20, timeWindow: '1 minute' })
  const signedIn = { preHandler: requireSignedIn(auth) }
  const family = { preHandler: requireFamily }

  function pendingOf(request: FastifyRequest): { contact: Contact; demoCode: string | null; returnTo: string | undefined } | null {
    const raw = request.cookies[cookies.pending]
    if (!raw || raw.length > 1000) return null
    try {
      const value = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as { c?: unknown; d?: unknown; r?: unknown }
      const contact = typeof value.c === 'string' ? parseContact(value.c) : null
      if (!contact) return null
      const demoCode = typeof value.d === 'string' && /^\d{6}$/.test(value.d) ? value.d : null
      return { contact, demoCode, returnTo: safeReturnPath(value.r) }
    } catch {
      return null
    }
  }

  function setPending(reply: FastifyReply, contact: Contact, demoCode: string | null, returnTo: string | undefined) {
    const value = Buffer.from(JSON.stringify({ c: contactText(contact), d: demoCode ?? undefined, r: returnTo })).toString('base64url')
    reply.setCookie(cookies.pending, value, { ...cookieOptions, maxAge: PENDING_MINUTES * 60 })
  }

  // ---- signing in ---------------------------------------------------------------------------------------------

  function renderSignIn(request: FastifyRequest, reply: FastifyReply, values: Values, formErrors?: FormErrors) {
    const query = (request.query ?? {}) as Record<string, unknown>
    const t = request.page.t
    const notice = query.signedOut === '1'
      ? { success: true, text: t('You have signed out.') }
      : query.timedOut === '1'
        ? { text: t('We signed you out because you had not done anything for a while. This keeps your family’s information safe. Sign in again to carry on.') }
        : query.again === '1'
          ? { text: t('Your code has run out. Type in your email address or mobile number again and we will send you a new code.') }
          : undefined
    return reply.render(
      'family-auth/views/sign-in.njk',
      {
        title: t('Sign in'),
        values: { ...values, returnTo: safeReturnPath(values.returnTo ?? query.returnTo) ?? '' },
        notice,
        practitionerSignedIn: request.actor.kind === 'practitioner',
        ...(formErrors ? translated(request.page.language, formErrors) : {}),
      },
      formErrors ? 400 : 200,
    )
  }

  app.get(paths.family.signIn(), async (request, reply) => {
    if (request.actor.kind === 'family') return reply.redirect(paths.family.home(), 303)
    return renderSignIn(request, reply, {})
  })

  app.post(paths.family.signIn(), { preHandler: signInLimit }, async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = signInForm.safeParse(request.body)
    if (!parsed.success) return renderSignIn(request, reply, values, toFormErrors(parsed.error))
    const { demoCode, failures } = await familyAuth.requestCode(request.context(), parsed.data.contact)
    for (const failure of failures) request.log.warn({ event: 'family-code-not-sent' }, failure)
    setPending(reply, parsed.data.contact, demoCode, safeReturnPath(parsed.data.returnTo))
    return reply.redirect(paths.family.enterCode(), 303)
  })

  function renderCode(request: FastifyRequest, reply: FastifyReply, pending: NonNullable<ReturnType<typeof pendingOf>>, formErrors?: FormErrors, status?: number) {
    const t = request.page.t
    return reply.render(
      'family-auth/views/code.njk',
      {
        title: t('Check your messages'),
        contact: contactText(pending.contact),
        byText: 'mobile' in pending.contact,
        demoCode: pending.demoCode,
        backLink: paths.family.signIn(),
        ...(formErrors ? translated(request.page.language, formErrors) : {}),
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get(paths.family.enterCode(), async (request, reply) => {
    const pending = pendingOf(request)
    if (!pending) return reply.redirect(`${paths.family.signIn()}?again=1`, 303)
    return renderCode(request, reply, pending)
  })

  app.post(paths.family.enterCode(), { preHandler: signInLimit }, async (request, reply) => {
    const pending = pendingOf(request)
    if (!pending) return reply.redirect(`${paths.family.signIn()}?again=1`, 303)
    const parsed = codeForm.safeParse(request.body)
    if (!parsed.success) return renderCode(request, reply, pending, toFormErrors(parsed.error))
    const result = await familyAuth.verifyCode(request.context(), pending.contact, parsed.data.code, {
      deviceSecret: request.cookies[cookies.device],
      label: deviceLabel(request.headers['user-agent']),
      ip: request.ip ?? null,
    })
    if (result.outcome === 'failed') {
      return renderCode(request, reply, pending, singleError('code', 'That code is not right, or it has run out. Check the code, or get a new one. After 5 wrong tries you need a new code.'), 401)
    }
    // A new session id at every sign-in (a family session planted before sign-in is worthless).
    if (request.familySessionSecret) await familyAuth.endSession(request.familySessionSecret)
    reply.clearCookie(cookies.pending, { path: '/' })
    reply.setCookie(cookies.device, result.deviceSecret, { ...cookieOptions, maxAge: 400 * 24 * 3600 })
    reply.startFamilySession(result.sessionSecret)
    reply.setLanguageCookie(result.language)
    return reply.redirect(pending.returnTo?.startsWith('/family') ? pending.returnTo : paths.family.home(), 303)
  })

  app.post(paths.family.signOut(), async (request, reply) => {
    const parsed = signOutForm.safeParse(request.body)
    if (!parsed.success) return renderFamilyError(request, reply)
    await familyAuth.recordSignOut(request.context())
    if (request.familySessionSecret) await familyAuth.endSession(request.familySessionSecret)
    reply.endFamilySession()
    return reply.redirect(`${paths.family.signIn()}?signedOut=1`, 303)
  })

  function renderFamilyError(request: FastifyRequest, reply: FastifyReply) {
    return reply.render('family-error.njk', { title: 'Sorry, there is a problem with the form', paragraphs: ['Go back, reload the page and try again.'] }, 400)
  }

  // ---- language -----------------------------------------------------------------------------------------------

  app.post(paths.family.language(), async (request, reply) => {
    const parsed = languageForm.safeParse(request.body)
    if (!parsed.success) return renderFamilyError(request, reply)
    reply.setLanguageCookie(parsed.data.language)
    if (request.actor.kind === 'family') await familyAuth.saveLanguage(request.context(), parsed.data.language)
    const returnTo = safeReturnPath(parsed.data.returnTo)
    return reply.redirect(returnTo?.startsWith('/family') ? returnTo : paths.family.home(), 303)
  })

  // ---- the family member's account ----------------------------------------------------------------------------

  app.get(paths.family.account(), family, async (request, reply) => {
    const { account, sessions } = await familyAuth.accountPage(request.context())
    const t = request.page.t
    const done = (request.query as Record<string, unknown> | undefined)?.done
    return reply.render('family-auth/views/account.njk', {
      title: t('Your account'),
      account: {
        name: account.name,
        contact: account.preferredChannel === 'sms' && account.mobile ? account.mobile : (account.email ?? account.mobile ?? ''),
        byText: account.preferredChannel === 'sms' && account.mobile !== null,
        language: account.language,
      },
      sessions: sessions.map(session => ({ device: session.deviceLabel || t('A web browser'), signedInAt: session.createdAt, lastSeenAt: session.lastSeenAt, current: session.current })),
      others: sessions.filter(session => !session.current).length,
      notice: done === 'ended' ? { success: true, text: t('You have been signed out everywhere else.') } : undefined,
    })
  })

  app.post(paths.family.endOtherSessions(), family, async (request, reply) => {
    const parsed = endOthersForm.safeParse(request.body)
    if (!parsed.success) return renderFamilyError(request, reply)
    await familyAuth.endOtherSessions(request.context())
    return reply.redirect(`${paths.family.account()}?done=ended`, 303)
  })

  // ---- the practitioner's side: who in the family can sign in -------------------------------------------------

  app.get<EpisodeParams>('/episodes/:episodeId/family-access', signedIn, async (request, reply) => {
    const page = await familyAuth.accessPage(request.context(), request.params.episodeId)
    const done = (request.query as Record<string, unknown> | undefined)?.done
    const notices: Record<string, string> = {
      invited: 'The invitation has been sent. They can sign in with a code sent to the email address or mobile number you gave.',
      ended: 'Their access has ended. They cannot see this family’s record any more, and any session they had open for it has ended.',
    }
    return reply.render('family-auth/views/access.njk', {
      title: 'Family access',
      episodeNav: episodeNav(page.summary, 'team'),
      rows: page.rows.map(row => accessRowView(page.summary.id, row)),
      closed: page.summary.status === 'closed',
      inviteHref: paths.family.invite(page.summary.id),
      teamHref: paths.team.show(page.summary.id),
      youngPersonMinAge: page.youngPersonMinAge,
      notice: typeof done === 'string' && notices[done] ? { success: true, text: notices[done] } : undefined,
    })
  })

  async function renderInvite(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: Values, formErrors?: FormErrors, status?: number) {
    const page = await familyAuth.invitePage(request.context(), request.params.episodeId)
    const query = (request.query ?? {}) as Record<string, unknown>
    const chosen = values.memberId ?? (typeof query.member === 'string' ? query.member : '')
    return reply.render(
      'family-auth/views/invite.njk',
      {
        title: 'Invite a family member to see their record',
        episodeNav: episodeNav(page.summary, 'team'),
        action: paths.family.invite(page.summary.id),
        backLink: paths.family.access(page.summary.id),
        closed: page.closed,
        youngPersonMinAge: page.youngPersonMinAge,
        memberItems: page.members.map(member => ({
          value: member.id,
          text: member.name,
          hint: { text: [member.relationship, member.age !== null ? `Age ${member.age}` : null, member.email ?? member.phone].filter(Boolean).join(' · ') || undefined },
          checked: chosen === member.id,
        })),
        values: { channel: 'email', language: 'en', ...values },
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/family-access/invite', signedIn, async (request, reply) => renderInvite(request, reply, {}))

  app.post<EpisodeParams>('/episodes/:episodeId/family-access/invite', signedIn, async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = inviteForm.safeParse(request.body)
    if (!parsed.success) return renderInvite(request, reply, values, toFormErrors(parsed.error))
    try {
      await familyAuth.invite(request.context(), request.params.episodeId, parsed.data)
    } catch (error) {
      if (error instanceof DomainRuleError) return renderInvite(request, reply, values, singleError(error.field ?? 'memberId', error.message))
      throw error
    }
    return reply.redirect(`${paths.family.access(request.params.episodeId)}?done=invited`, 303)
  })

  async function renderEnd(request: FastifyRequest<AccountParams>, reply: FastifyReply, formErrors?: FormErrors) {
    const page = await familyAuth.endAccessPage(request.context(), request.params.episodeId, request.params.accountId)
    return reply.render(
      'family-auth/views/end.njk',
      {
        title: `End ${page.link.name}’s access`,
        name: page.link.name,
        episodeNav: episodeNav(page.summary, 'team'),
        action: paths.family.revoke(page.summary.id, page.link.accountId),
        backLink: paths.family.access(page.summary.id),
        ...formErrors,
      },
      formErrors ? 400 : 200,
    )
  }

  app.get<AccountParams>('/episodes/:episodeId/family-access/:accountId/end', signedIn, async (request, reply) => renderEnd(request, reply))

  app.post<AccountParams>('/episodes/:episodeId/family-access/:accountId/end', signedIn, async (request, reply) => {
    const parsed = endAccessForm.safeParse(request.body)
    if (!parsed.success) return renderEnd(request, reply, toFormErrors(parsed.error))
    await familyAuth.endAccess(request.context(), request.params.episodeId, request.params.accountId)
    return reply.redirect(`${paths.family.access(request.params.episodeId)}?done=ended`, 303)
  })
}

const KIND_NAMES = { parent_carer: 'Parent or carer', young_person: 'Young person' } as const

function accessRowView(episodeId: string, row: AccessRow) {
  const link = row.access
  const name = row.member?.name ?? link?.name ?? ''
  let status: { text: string; classes: string }
  let detail = ''
  if (!link || link.revokedAt !== null) {
    status = link ? { text: 'Access ended', classes: 'govuk-tag--grey' } : { text: 'Not invited', classes: 'govuk-tag--grey' }
    if (link?.revokedAt) detail = `Ended ${formatDate(link.revokedAt)}`
  } else if (link.status === 'active') {
    status = { text: 'Can sign in', classes: 'govuk-tag--green' }
    detail = link.lastSignedInAt ? `Last signed in ${formatDateTime(link.lastSignedInAt)}` : ''
  } else {
    status = { text: 'Invited', classes: 'govuk-tag--blue' }
    detail = `Invited ${formatDate(link.grantedAt)}${link.grantedByName ? ` by ${link.grantedByName}` : ''}. Not signed in yet.`
  }
  const contact = link ? `${link.preferredChannel === 'sms' ? 'Text' : 'Email'}: ${link.preferredChannel === 'sms' ? link.mobile : link.email}` : (row.member?.email ?? row.member?.phone ?? '')
  const live = link !== null && link.revokedAt === null
  return {
    name,
    relationship: row.member?.relationship ?? '',
    kind: link ? KIND_NAMES[link.kind] : '',
    language: link ? (link.language === 'cy' ? 'Welsh' : 'English') : '',
    contact,
    status,
    detail,
    action: live
      ? { href: paths.family.revoke(episodeId, link.accountId), text: 'End access', hidden: `for ${name}` }
      : row.member
        ? { href: `${paths.family.invite(episodeId)}?member=${row.member.id}`, text: link ? 'Invite again' : 'Invite', hidden: name }
        : null,
  }
}
