import { createHmac } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'
import type { AuthService, SessionState } from '../features/auth/auth.service.ts'
import type { FamilySessionState } from '../features/family-auth/family-session.ts'
import { newSecret, safeEqual } from '../lib/ids.ts'
import type { Actor, RequestContext } from '../policy/actor.ts'
import { paths } from '../paths.ts'

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor
    session: SessionState
    sessionSecret: string | undefined
    /** The family's own view: a family member's session (separate cookie, shorter timeouts). */
    familySession: FamilySessionState
    familySessionSecret: string | undefined
    csrfToken: string
    context: () => RequestContext
  }
}

export type CookieNames = { session: string; csrf: string; lastUser: string; family: string; language: string }

export function cookieNames(config: Config): CookieNames {
  const prefix = config.session.cookieSecure ? '__Host-' : ''
  return {
    session: `${prefix}onestory-session`,
    csrf: `${prefix}onestory-csrf`,
    lastUser: `${prefix}onestory-user`,
    family: `${prefix}onestory-family`,
    language: `${prefix}onestory-language`,
  }
}

const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/**
 * Sessions (server-side, in the database) and CSRF protection (a per-browser secret cookie; forms carry its HMAC).
 * The CSRF check runs before anything reads the body into the domain, and does not depend on the session, so a form
 * posted after the session has ended can still be proven genuine and held for the user.
 */
export const sessionPlugin = fp(
  async function sessionPlugin(
    app: FastifyInstance,
    options: { config: Config; auth: AuthService; cookieKey: string; resolveFamilySession: (secret: string | undefined) => Promise<FamilySessionState> },
  ) {
    const { config, auth, cookieKey, resolveFamilySession } = options
    const names = cookieNames(config)
    const cookieOptions = { path: '/', httpOnly: true, secure: config.session.cookieSecure, sameSite: 'lax' as const }

    app.decorateRequest('actor', null as never)
    app.decorateRequest('session', null as never)
    app.decorateRequest('sessionSecret', undefined)
    app.decorateRequest('familySession', null as never)
    app.decorateRequest('familySessionSecret', undefined)
    app.decorateRequest('csrfToken', '')
    app.decorateRequest('context', function (this: FastifyRequest): RequestContext {
      return { actor: this.actor, ip: this.ip ?? null, requestId: String(this.id) }
    })

    function csrfFor(secret: string): string {
      return createHmac('sha256', cookieKey).update(`csrf:${secret}`).digest('base64url')
    }

    app.addHook('onRequest', async (request, reply) => {
      request.actor = { kind: 'anonymous' }
      request.session = { state: 'none' }
      request.familySession = { state: 'none' }
      if (request.url.startsWith('/assets/')) return
      let csrfSecret = request.cookies[names.csrf]
      if (!csrfSecret || csrfSecret.length > 100) {
        csrfSecret = newSecret()
        reply.setCookie(names.csrf, csrfSecret, cookieOptions)
        request.cookies[names.csrf] = csrfSecret
      }
      request.csrfToken = csrfFor(csrfSecret)
      if (request.headers.authorization) return // API tokens are resolved by the API plugin
      const sessionSecret = request.cookies[names.session]
      request.sessionSecret = sessionSecret
      request.session = await auth.resolveSession(sessionSecret)
      if (request.session.state === 'signed-in') request.actor = request.session.actor
      else if (request.session.state === 'expired' || (sessionSecret && request.session.state === 'none')) {
        reply.clearCookie(names.session, { path: '/' })
      }
      // A family member's session is only looked at when no practitioner is signed in on this browser.
      const familySecret = request.cookies[names.family]
      request.familySessionSecret = familySecret
      if (familySecret && request.actor.kind === 'anonymous') {
        request.familySession = await resolveFamilySession(familySecret)
        if (request.familySession.state === 'signed-in') request.actor = request.familySession.actor
        else reply.clearCookie(names.family, { path: '/' })
      }
    })

    app.addHook('preHandler', async (request, reply) => {
      if (!UNSAFE_METHODS.has(request.method) || request.headers.authorization) return
      const body = request.body as Record<string, unknown> | undefined
      const sent = (typeof body === 'object' && body !== null && typeof body._csrf === 'string' ? body._csrf : undefined) ??
        (typeof request.headers['x-csrf-token'] === 'string' ? request.headers['x-csrf-token'] : undefined)
      if (sent && safeEqual(sent, request.csrfToken) && body && typeof body._held === 'string') {
        // A form sent again from "carry on where you left off": remove the marker before the handler validates it,
        // and forget the held copy once the send succeeds.
        const heldFormId = body._held
        delete body._held
        reply.raw.once('finish', () => {
          if (reply.statusCode < 400 && request.actor.kind === 'practitioner') void auth.releaseHeldForm(request.actor, heldFormId).catch(() => {})
        })
      }
      if (!sent || !safeEqual(sent, request.csrfToken)) {
        request.log.warn({ event: 'csrf-rejected' }, 'CSRF token missing or wrong')
        if (request.url.startsWith('/api/')) {
          return reply
            .code(403)
            .type('application/problem+json')
            .send({ type: 'about:blank', title: 'Forbidden', status: 403, detail: 'The CSRF token is missing or wrong. Send the X-CSRF-Token header, or use an API token.' })
        }
        const familyPage = request.url === '/family' || request.url.startsWith('/family/')
        return reply.render(
          familyPage ? 'family-error.njk' : 'error.njk',
          {
            title: 'Sorry, there is a problem with the form',
            paragraphs: [
              'The form could not be sent because it had expired or was not sent from this service. Nothing has been changed.',
              'Go back, reload the page and try again.',
            ],
          },
          403,
        )
      }
    })

    app.decorateReply('startSession', function (this: FastifyReply, secret: string, user: { authorityId: string; userId: string }) {
      this.setCookie(names.session, secret, cookieOptions)
      this.setCookie(names.lastUser, signLastUser(cookieKey, user), cookieOptions)
      return this
    })
    app.decorateReply('endSession', function (this: FastifyReply) {
      this.clearCookie(names.session, { path: '/' })
      this.clearCookie(names.lastUser, { path: '/' })
      return this
    })
    app.decorateReply('startFamilySession', function (this: FastifyReply, secret: string) {
      this.setCookie(names.family, secret, cookieOptions)
      return this
    })
    app.decorateReply('endFamilySession', function (this: FastifyReply) {
      this.clearCookie(names.family, { path: '/' })
      return this
    })
    app.decorateReply('setLanguageCookie', function (this: FastifyReply, language: 'en' | 'cy') {
      this.setCookie(names.language, language, { ...cookieOptions, maxAge: 365 * 24 * 3600 })
      return this
    })
    app.decorateRequest('languageCookie', function (this: FastifyRequest) {
      const value = this.cookies[names.language]
      return value === 'cy' || value === 'en' ? value : undefined
    })
    app.decorateRequest('lastUser', function (this: FastifyRequest) {
      return verifyLastUser(cookieKey, this.cookies[names.lastUser])
    })
  },
  { name: 'session' },
)

declare module 'fastify' {
  interface FastifyReply {
    startSession: (secret: string, user: { authorityId: string; userId: string }) => FastifyReply
    endSession: () => FastifyReply
    startFamilySession: (secret: string) => FastifyReply
    endFamilySession: () => FastifyReply
    setLanguageCookie: (language: 'en' | 'cy') => FastifyReply
  }
  interface FastifyRequest {
    lastUser: () => { authorityId: string; userId: string } | null
    /** The language chosen on this browser before signing in (the family's own view). */
    languageCookie: () => 'en' | 'cy' | undefined
  }
}

/** Says which user last signed in on this browser, so a form posted after a timeout is kept for them alone. */
function signLastUser(key: string, user: { authorityId: string; userId: string }): string {
  const value = `${user.authorityId}.${user.userId}`
  return `${value}.${createHmac('sha256', key).update(`user:${value}`).digest('base64url')}`
}

function verifyLastUser(key: string, cookie: string | undefined): { authorityId: string; userId: string } | null {
  if (!cookie || cookie.length > 200) return null
  const [authorityId, userId, signature] = cookie.split('.')
  if (!authorityId || !userId || !signature) return null
  const expected = createHmac('sha256', key).update(`user:${authorityId}.${userId}`).digest('base64url')
  return safeEqual(signature, expected) ? { authorityId, userId } : null
}

/** Route guard: a fully signed-in practitioner. Keeps a form posted after the session ended, then asks to sign in. */
/**
 * Signed in first (else to sign-in), then the action's role (else 403, audited by the service's `ensureAllowed`) before
 * anything the request sent is looked at: `const allowed = requireAction(auth, service.ensureAllowed)`, then
 * `app.get(path, allowed('some.action'), handler)`.
 */
export function requireAction<A extends string>(auth: AuthService, ensureAllowed: (context: RequestContext, action: A) => Promise<void>) {
  const signedIn = requireSignedIn(auth)
  return (action: A) => ({ preHandler: [signedIn, async (request: FastifyRequest) => ensureAllowed(request.context(), action)] })
}

export function requireSignedIn(auth: AuthService) {
  return async function requireSignedInGuard(request: FastifyRequest, reply: FastifyReply) {
    if (request.actor.kind === 'practitioner') return
    if (request.session.state === 'second-factor-needed') {
      return reply.redirect(request.session.enrolled ? paths.signIn.secondFactor() : paths.signIn.setUpSecondFactor(), 303)
    }
    const returnTo = request.method === 'GET' ? request.url : undefined
    if (request.method === 'POST') {
      const held = request.lastUser()
      const body = request.body
      if (held && body && typeof body === 'object') {
        const fields: Record<string, string | string[]> = {}
        for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
          if (key === '_csrf') continue
          if (typeof value === 'string') fields[key] = value
          else if (Array.isArray(value)) fields[key] = value.filter((item): item is string => typeof item === 'string')
        }
        await auth.holdForm(held, request.url, fields)
        return reply.redirect(paths.signIn.page({ timedOut: true, held: true }), 303)
      }
    }
    return reply.redirect(paths.signIn.page({ returnTo, timedOut: request.session.state === 'expired' }), 303)
  }
}

/**
 * Route guard for the family's own view: a signed-in family member. Anyone else (a practitioner too) is sent to the
 * family sign-in page; a practitioner never reaches a family page through their own session.
 */
export async function requireFamily(request: FastifyRequest, reply: FastifyReply) {
  if (request.actor.kind === 'family') return
  const returnTo = request.method === 'GET' ? request.url : undefined
  return reply.redirect(paths.family.signIn({ returnTo, timedOut: request.familySession.state === 'expired' }), 303)
}
