import fs from 'node:fs'
import path from 'node:path'
import querystring from 'node:querystring'
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify'
import cookie from '@fastify/cookie'
import formbody from '@fastify/formbody'
import helmet from '@fastify/helmet'
import rateLimit from '@fastify/rate-limit'
import fastifyStatic from '@fastify/static'
import type { Config } from './config.ts'
import type { OpenDatabase } from './db/database.ts'
import { composeServices, type Services } from './composition.ts'
import { DomainError, DomainRuleError } from './lib/errors.ts'
import { systemClock, type Clock } from './lib/clock.ts'
import { uuidv7 } from './lib/ids.ts'
import { createViewEnvironment, GOVUK_DIST, govukInlineScriptHash, MOJ_ROOT, renderWith, type Navigation } from './plugins/views.ts'
import { sessionPlugin } from './plugins/session.ts'
import { routeRateLimit } from './plugins/route-rate-limit.ts'
import { resolveFamilySession } from './features/family-auth/family-session.ts'
import { translator } from './lib/i18n.ts'
import { loadCookieKey } from './features/setup/setup.service.ts'
import { registerHealthRoutes } from './features/health/health.routes.ts'
import { registerSetupRoutes } from './features/setup/setup.routes.ts'
import { registerAuthRoutes } from './features/auth/auth.routes.ts'
import { registerAccountRoutes } from './features/auth/account.routes.ts'
import { registerHomeRoutes } from './features/home/home.routes.ts'
import { registerMyWorkRoutes } from './features/my-work/my-work.routes.ts'
import { registerAdminRoutes } from './features/admin/admin.routes.ts'
import { registerAgencyDirectoryRoutes } from './features/agencies/agencies.routes.ts'
import { registerAuditLogRoutes } from './features/audit-log/audit-log.routes.ts'
import { registerOutboxRoutes } from './features/outbox/outbox.routes.ts'
import { registerApiTokenRoutes } from './features/api-tokens/api-tokens.routes.ts'
import { registerAssessmentTemplateRoutes } from './features/assessments/templates.routes.ts'
import { installShippedTemplatesWhereMissing } from './features/assessments/templates.service.ts'
import { registerEpisodeRoutes } from './features/episodes/episodes.routes.ts'
import { registerPeopleRoutes } from './features/people/people.routes.ts'
import { registerAssessmentRoutes } from './features/assessments/assessments.routes.ts'
import { registerAssessmentCompletionRoutes } from './features/assessments/assessment-completion.routes.ts'
import { registerFamilyCopyRoutes } from './features/assessments/family-copy.routes.ts'
import { registerIdentityProtectionRoutes } from './features/identity-protection/identity-protection.routes.ts'
import { registerMeetingRoutes } from './features/meetings/meetings.routes.ts'
import { registerPlanRoutes } from './features/plans/plans.routes.ts'
import { registerReviewRoutes } from './features/reviews/reviews.routes.ts'
import { registerRecordsRoutes } from './features/records/records.routes.ts'
import { registerTeamRoutes } from './features/team/team.routes.ts'
import { registerFamilyHelpRoutes } from './features/family-help/family-help.routes.ts'
import { registerFamilyAuthRoutes } from './features/family-auth/family-auth.routes.ts'
import { registerFamilyPageRoutes } from './features/family-pages/family-pages.routes.ts'
import { registerFamilyRecordRoutes } from './features/family-records/family-records.routes.ts'
import { registerBreakGlassRoutes } from './features/break-glass/break-glass.routes.ts'
import { registerSubjectAccessRoutes } from './features/subject-access/subject-access.routes.ts'
import { registerRecordHistoryRoutes } from './features/records-history/record-history.routes.ts'
import { registerRetentionRoutes } from './features/retention/retention.routes.ts'
import { registerReportRoutes } from './features/reports/reports.routes.ts'
import { registerPanelRoutes } from './features/panels/panels.routes.ts'
import { registerApi } from './api/api.ts'
import { registerBenchRoutes } from './features/bench/bench.routes.ts'
import { paths } from './paths.ts'

export type AppDependencies = {
  config: Config
  database: OpenDatabase
  clock?: Clock
  /** Printed at start while no authority exists; whoever knows it may create the first one. */
  setupCode?: string
  /** Where logs go (standard output when absent). */
  logStream?: NodeJS.WritableStream
}

export type RouteEntry = { method: string; url: string }

/** The running app: its services, and the inventory of every route it serves (for the access and fuzz tests). */
export type App = FastifyInstance & { services: Services; routeInventory: RouteEntry[] }

const FORM_BODY_LIMIT = 256 * 1024
const JSON_BODY_LIMIT = 1024 * 1024

export async function buildApp(deps: AppDependencies): Promise<App> {
  const { config, database } = deps
  const clock = deps.clock ?? systemClock
  const app = Fastify({
    logger:
      config.logLevel === 'silent'
        ? false
        : {
            level: config.logLevel,
            ...(deps.logStream ? { stream: deps.logStream } : {}),
            // Request logs carry method, route and status: never bodies, cookies, tokens or query strings.
            serializers: {
              req: request => ({ method: request.method, url: request.routeOptions?.url ?? 'unmatched', ip: request.ip }),
              res: reply => ({ statusCode: reply.statusCode }),
            },
          },
    genReqId: () => uuidv7(),
    requestIdHeader: false,
    trustProxy: config.trustProxy,
    bodyLimit: JSON_BODY_LIMIT,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 200 },
    // The router refuses a malformed percent-encoding or an over-long path segment before any hook or error handler.
    frameworkErrors: (error, request, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      if (isApi(request)) {
        // An identifier that long is not an identifier: not found, as for any malformed id.
        return tooLong ? problem(reply, 404, 'Not Found', 'There is nothing at this address.') : problem(reply, 400, 'Bad Request', 'The address is not valid.')
      }
      const plain = reply as FastifyReply
      return plain.code(tooLong ? 404 : 400).type('text/plain; charset=utf-8').send(tooLong ? 'Page not found' : 'The address is not valid.')
    },
  }) as unknown as App

  const services = composeServices({ db: database.db, config, clock })
  app.decorate('services', services)
  const routeInventory: RouteEntry[] = []
  app.decorate('routeInventory', routeInventory)
  app.addHook('onRoute', route => {
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    for (const method of methods) {
      if (method === 'HEAD' || route.url.startsWith('/assets/')) continue
      routeInventory.push({ method, url: route.url })
    }
  })
  const cookieKey = await loadCookieKey(database.db)
  // Authorities created before the shipped assessment templates existed get them now (one query when none is missing).
  await installShippedTemplatesWhereMissing(database.db, clock.now())
  const views = createViewEnvironment()

  await app.register(cookie)
  await app.register(formbody, {
    bodyLimit: FORM_BODY_LIMIT,
    parser: body => querystring.parse(body) as Record<string, unknown>,
  })
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", govukInlineScriptHash()],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  })
  await app.register(rateLimit, {
    max: config.rateLimitPerMinute,
    timeWindow: '1 minute',
    allowList: request => request.url.startsWith('/assets/') || request.url === paths.health(),
    // request.ip is undefined once the client has gone (a request still queued when its socket closed).
    keyGenerator: request => request.ip ?? request.socket?.remoteAddress ?? 'unknown',
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      error: 'Too Many Requests',
      message: `Too many requests. Try again in ${Math.ceil(context.ttl / 1000)} seconds.`,
    }),
  })
  // GOV.UK Frontend's stylesheet without its @font-face rules: the GDS Transport typeface is for GOV.UK services only
  // (a council's service is not one), so pages use GOV.UK Frontend's own fallback (Arial) and ask for no font files.
  const govukStylesheet = fs.readFileSync(path.join(GOVUK_DIST, 'govuk', 'govuk-frontend.min.css'), 'utf8').replace(/@font-face\{[^}]*\}/g, '')
  app.get('/assets/govuk/govuk-frontend.min.css', async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=86400').send(govukStylesheet),
  )
  await app.register(fastifyStatic, {
    root: path.join(GOVUK_DIST, 'govuk'),
    prefix: '/assets/govuk/',
    allowedPath: pathName => !pathName.endsWith('.njk') && !pathName.endsWith('.scss') && !pathName.endsWith('.json') || pathName.endsWith('manifest.json'),
    maxAge: '1d',
  })
  await app.register(fastifyStatic, { root: path.join(MOJ_ROOT, 'moj'), prefix: '/assets/moj/', decorateReply: false, maxAge: '1d' })
  await app.register(fastifyStatic, { root: path.join(import.meta.dirname, 'assets'), prefix: '/assets/', decorateReply: false, maxAge: '1h' })

  app.decorateReply('render', renderWith(views))
  app.decorateRequest('page', null as unknown as FastifyRequest['page'])
  await app.register(sessionPlugin, {
    config,
    auth: services.auth,
    cookieKey,
    resolveFamilySession: secret => resolveFamilySession(database.db, config, clock, secret),
  })

  app.addHook('onRequest', async request => {
    const actor = request.actor
    const principal = request.session.state === 'signed-in' ? request.session.principal : null
    // Family pages are in the family member's language (stored on their account, or chosen on this browser before
    // signing in); practitioner pages are in English.
    const language = actor.kind === 'family' ? actor.language : request.url.startsWith('/family') ? (request.languageCookie() ?? 'en') : 'en'
    request.page = {
      csrfToken: request.csrfToken,
      user: principal ? { name: principal.user.name, agencyName: principal.actingAgencyName } : null,
      authorityName: principal?.authority.name ?? null,
      demo: config.demo || (principal?.authority.isDemo ?? false),
      navigation: actor.kind === 'practitioner' ? navigationFor(actor.roles, request.url) : [],
      currentPath: request.url,
      language,
      t: translator(language),
      familyUser: actor.kind === 'family' ? { name: actor.name, young: actor.accountKind === 'young_person' } : null,
    }
  })

  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.url.startsWith('/assets/')) {
      // Personal data must never sit in a shared browser cache (schools, libraries, family computers).
      reply.header('cache-control', 'no-store')
    }
    return payload
  })

  // Before the routes: each route takes the error handler in force when it is registered (Fastify), so a handler set
  // after them would leave every page's 403/404/422 as Fastify's default JSON.
  app.setErrorHandler((error: FastifyError | DomainError, request, reply) => {
    if (error instanceof DomainError) {
      if (error.status === 401) {
        if (isApi(request)) return problem(reply, 401, 'Unauthorized', 'Sign in, or send a valid API token.')
        return reply.redirect(isFamilyPage(request) ? paths.family.signIn() : paths.signIn.page(), 303)
      }
      if (error.status >= 500) request.log.error({ err: safeError(error) }, 'service unavailable')
      if (isApi(request)) {
        const extra = error instanceof DomainRuleError && error.field ? { errors: [{ field: error.field, message: error.message }] } : {}
        return problem(reply, error.status, error.title, error.message, extra)
      }
      if (isFamilyPage(request)) {
        return reply.render('family-error.njk', { title: error.title, paragraphs: [error.message], link: { href: paths.family.home(), text: 'Go to your family\'s home page' } }, error.status)
      }
      return reply.render('error.njk', { title: error.title, paragraphs: [error.message], link: { href: '/', text: 'Go to the home page' }, breakGlassHref: breakGlassOffer(request, error.status) }, error.status)
    }
    const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500
    if (status === 500) {
      if (isDatabaseUnavailable(error)) {
        request.log.error({ err: { message: error.message, code: error.code } }, 'database unavailable')
        reply.header('retry-after', '30')
        if (isApi(request)) return problem(reply, 503, 'Service Unavailable', 'The database is not reachable. Try again shortly.')
        return reply.render('error.njk', { title: 'Sorry, the service is unavailable', paragraphs: ['You will be able to use the service again shortly. Nothing you have saved has been lost.'] }, 503)
      }
      request.log.error({ err: safeError(error) }, 'unexpected error')
      if (isApi(request)) return problem(reply, 500, 'Internal Server Error', 'Something went wrong. It has been logged.')
      return reply.render('error.njk', { title: 'Sorry, there is a problem with the service', paragraphs: ['Try again later. Nothing has been changed.'] }, 500)
    }
    request.log.info({ event: 'bad-request', code: error.code, status }, 'request refused')
    const detail = clientErrorText(error, status)
    if (isApi(request)) return problem(reply, status, httpTitle(status), detail)
    return reply.render('error.njk', { title: httpTitle(status), paragraphs: [detail, 'Nothing has been changed.'] }, status)
  })

  registerHealthRoutes(app, database)
  registerSetupRoutes(app, services, deps.setupCode)
  registerAuthRoutes(app, services)
  registerAccountRoutes(app, services)
  registerHomeRoutes(app, services)
  registerMyWorkRoutes(app, services)
  registerAdminRoutes(app, services)
  registerAgencyDirectoryRoutes(app, services)
  registerAuditLogRoutes(app, services)
  registerOutboxRoutes(app, services)
  registerApiTokenRoutes(app, services)
  registerAssessmentTemplateRoutes(app, services)
  registerEpisodeRoutes(app, services)
  registerPeopleRoutes(app, services)
  registerAssessmentRoutes(app, services)
  registerAssessmentCompletionRoutes(app, services)
  registerFamilyCopyRoutes(app, services)
  registerMeetingRoutes(app, services)
  registerIdentityProtectionRoutes(app, services)
  registerPlanRoutes(app, services)
  registerReviewRoutes(app, services)
  registerRecordsRoutes(app, services)
  registerTeamRoutes(app, services)
  registerFamilyHelpRoutes(app, services)
  registerFamilyAuthRoutes(app, services)
  registerFamilyPageRoutes(app, services)
  registerFamilyRecordRoutes(app, services)
  registerBreakGlassRoutes(app, services)
  registerSubjectAccessRoutes(app, services)
  registerRecordHistoryRoutes(app, services)
  registerRetentionRoutes(app, services)
  registerReportRoutes(app, services)
  registerPanelRoutes(app, services)
  await app.register(async api => registerApi(api, services), { prefix: '/api/v1' })
  if (config.benchmarkRoutes) registerBenchRoutes(app)

  app.setNotFoundHandler(
    { preHandler: routeRateLimit(app, { max: 60, timeWindow: '1 minute' }) },
    (request: FastifyRequest, reply: FastifyReply) => {
      if (isApi(request)) return problem(reply, 404, 'Not Found', 'There is nothing at this address.')
      if (isFamilyPage(request)) return reply.render('family-error.njk', { title: 'Page not found', paragraphs: ['If you typed the web address, check it is correct.'] }, 404)
      return reply.render('error.njk', { title: 'Page not found', paragraphs: ['If you typed the web address, check it is correct.'] }, 404)
    },
  )

  return app
}

/** What of an error may be logged: never a database error's detail, which can quote the values of a row. */
function safeError(error: Error & { code?: string }) {
  return { type: error.name, code: error.code, message: error.message.slice(0, 300), stack: error.stack?.split('\n').slice(1, 8).join('\n') }
}

/** A practitioner refused an episode's page may open it in an emergency (src/features/break-glass). */
function breakGlassOffer(request: FastifyRequest, status: number): string | null {
  if (status !== 403 || request.method !== 'GET' || request.actor.kind !== 'practitioner') return null
  const match = /^\/episodes\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(\/|$|\?)/i.exec(request.url)
  return match?.[1] && !request.url.includes('/break-glass') ? paths.breakGlass.open(match[1]) : null
}

function isFamilyPage(request: FastifyRequest): boolean {
  return request.url === '/family' || request.url.startsWith('/family/') || request.url.startsWith('/family?')
}

function isApi(request: FastifyRequest): boolean {
  return request.url.startsWith('/api/')
}

export function problem(reply: FastifyReply, status: number, title: string, detail: string, extra: Record<string, unknown> = {}) {
  return reply.code(status).type('application/problem+json; charset=utf-8').send({ type: 'about:blank', title, status, detail, ...extra })
}

function clientErrorText(error: FastifyError, status: number): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'What you sent is too large.'
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'What you sent is in a format this address does not accept.'
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The request body is empty but should be JSON.'
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    default:
      if (status === 400 && error instanceof SyntaxError) return 'The request body is not valid JSON.'
      if (status === 429) return error.message
      return status === 400 ? 'The request could not be understood.' : 'The request could not be completed.'
  }
}

function httpTitle(status: number): string {
  const titles: Record<number, string> = {
    400: 'Bad Request',
    403: 'Forbidden',
    404: 'Not Found',
    405: 'Method Not Allowed',
    406: 'Not Acceptable',
    409: 'Conflict',
    413: 'Content Too Large',
    414: 'URI Too Long',
    415: 'Unsupported Media Type',
    422: 'Unprocessable Content',
    429: 'Too Many Requests',
  }
  return titles[status] ?? 'There is a problem'
}

function isDatabaseUnavailable(error: { code?: string; message?: string }): boolean {
  const code = error.code ?? ''
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', '57P01', '57P03', '08006', '08001', '08003'].includes(code) ||
    /Connection terminated|timeout exceeded when trying to connect|PGlite is closed/i.test(error.message ?? '')
  )
}

function navigationFor(roles: ReadonlySet<string>, url: string): Navigation {
  const items: { text: string; href: string }[] = [
    { text: 'Home', href: paths.home() },
    { text: 'Episodes', href: paths.episodes.list() },
    { text: 'People', href: paths.people.find() },
    { text: 'Agencies', href: paths.agencies.directory() },
  ]
  if (roles.has('coordinator')) items.push({ text: 'Audit log', href: paths.audit() })
  if (roles.has('manager') || roles.has('coordinator')) items.push({ text: 'Reports', href: paths.reports.page() })
  if (roles.has('panel_member')) items.push({ text: 'Panels', href: paths.panels.mine() })
  if (roles.has('administrator')) items.push({ text: 'Administration', href: paths.admin.home() })
  const current = url.split('?')[0] ?? ''
  return items.map(item => ({ ...item, active: item.href === '/' ? current === '/' : current.startsWith(item.href) }))
}
