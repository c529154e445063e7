import path from 'node:path'
import { z } from 'zod'

/**
 * The only reader of process.env. Every key is documented in README.md's configuration table.
 */
const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('localhost'),
  DATABASE_URL: z.string().url('DATABASE_URL must be a postgres:// URL').optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  BASE_URL: z.string().url('BASE_URL must be an absolute URL, for example https://onestory.example.gov.uk').optional(),
  SESSION_IDLE_MINUTES: z.coerce.number().int().min(2).max(240).default(30),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).max(24).default(12),
  COOKIE_SECURE: z.enum(['true', 'false']).optional(),
  SMTP_URL: z.string().url('SMTP_URL must look like smtp://user:pass@host:587').optional(),
  MAIL_FROM: z.string().min(3).default('OneStory <no-reply@onestory.invalid>'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TRUST_PROXY: z.string().optional(),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(300),
  SIGN_IN_ATTEMPTS_BEFORE_LOCKOUT: z.coerce.number().int().min(3).max(50).default(5),
  LOCKOUT_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  DEMO: z.enum(['true', 'false']).default('false'),
  BENCHMARK_ROUTES: z.enum(['true', 'false']).default('false'),
  BENCHMARK_AUDIT_OFF: z.enum(['true', 'false']).default('false'),
  NODE_ENV: z.string().default('development'),
  DOCUMENTS_FOLDER: z.string().min(1).optional(),
  DOCUMENT_MAX_MB: z.coerce.number().int().min(1).max(100).default(10),
  VIRUS_SCANNER: z.string().min(1).default('auto'),
  PATH: z.string().optional(),
  FAMILY_SESSION_IDLE_MINUTES: z.coerce.number().int().min(2).max(120).default(15),
  FAMILY_SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).max(12).default(4),
  BREAK_GLASS_HOURS: z.coerce.number().int().min(1).max(24).default(4),
  NOTIFY_BASE_URL: z.string().url('NOTIFY_BASE_URL must be an absolute URL, for example https://api.notifications.service.gov.uk').optional(),
  NOTIFY_API_KEY: z.string().min(74, 'NOTIFY_API_KEY must be a GOV.UK Notify API key (name-serviceid-secret)').optional(),
  NOTIFY_SMS_TEMPLATE_ID: z.string().uuid('NOTIFY_SMS_TEMPLATE_ID must be the id of a Notify text message template').optional(),
})

export type Config = Readonly<{
  port: number
  host: string
  databaseUrl: string | undefined
  dataDir: string
  baseUrl: string
  session: Readonly<{ idleMinutes: number; absoluteHours: number; cookieSecure: boolean }>
  smtpUrl: string | undefined
  mailFrom: string
  logLevel: string
  trustProxy: string | boolean
  rateLimitPerMinute: number
  signIn: Readonly<{ attemptsBeforeLockout: number; lockoutMinutes: number }>
  demo: boolean
  /** Extra routes for `npm run bench` only (the ceiling page); never set in production. */
  benchmarkRoutes: boolean
  /** npm run bench only, and only with benchmarkRoutes: pages without audit events, to measure the audit's cost. */
  benchmarkAuditOff: boolean
  production: boolean
  /**
   * Documents (src/features/records): `folder` stores uploads as files named by id (unset: in the database);
   * `virusScanner` is 'auto' (clamdscan or clamscan found on `searchPath`), 'off', or the path of one of them.
   */
  documents: Readonly<{ folder: string | undefined; maxBytes: number; virusScanner: string; searchPath: string }>
  /** The family's own view: shorter sessions than practitioners'. */
  familySession: Readonly<{ idleMinutes: number; absoluteHours: number }>
  /** How long an emergency (break-glass) opening of an episode lets the practitioner read it (src/features/break-glass). */
  breakGlassHours: number
  /**
   * Text messages for family sign-in codes through a GOV.UK Notify-compatible HTTP interface. Unset: codes that would
   * go by text are kept in the outbox (development and tests).
   */
  sms: Readonly<{ baseUrl: string; apiKey: string; templateId: string }> | undefined
}>

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const parsed = envSchema.safeParse(env)
  if (!parsed.success) {
    const lines = parsed.error.issues.map(issue => `  ${issue.path.join('.')}: ${issue.message}`)
    throw new ConfigError(`OneStory cannot start: the configuration is not valid.\n${lines.join('\n')}`)
  }
  const e = parsed.data
  const demo = e.DEMO === 'true'
  const port = e.PORT
  const baseUrl = (e.BASE_URL ?? `http://${e.HOST}:${port}`).replace(/\/$/, '')
  // Secure (and __Host-) cookies everywhere except plain-http development on this machine.
  const localDevelopment = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/.test(baseUrl)
  const cookieSecure = e.COOKIE_SECURE === undefined ? !localDevelopment : e.COOKIE_SECURE === 'true'
  const config: Config = {
    port,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(demo && env.DATA_DIR === undefined ? './data-demo' : e.DATA_DIR),
    baseUrl,
    session: {
      idleMinutes: e.SESSION_IDLE_MINUTES,
      absoluteHours: e.SESSION_ABSOLUTE_HOURS,
      cookieSecure,
    },
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    logLevel: e.LOG_LEVEL,
    trustProxy: e.TRUST_PROXY === undefined ? false : e.TRUST_PROXY === 'true' ? true : e.TRUST_PROXY,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    signIn: { attemptsBeforeLockout: e.SIGN_IN_ATTEMPTS_BEFORE_LOCKOUT, lockoutMinutes: e.LOCKOUT_MINUTES },
    demo,
    benchmarkRoutes: e.BENCHMARK_ROUTES === 'true',
    benchmarkAuditOff: e.BENCHMARK_ROUTES === 'true' && e.BENCHMARK_AUDIT_OFF === 'true',
    production: e.NODE_ENV === 'production',
    documents: {
      folder: e.DOCUMENTS_FOLDER === undefined ? undefined : path.resolve(e.DOCUMENTS_FOLDER),
      maxBytes: e.DOCUMENT_MAX_MB * 1024 * 1024,
      virusScanner: e.VIRUS_SCANNER,
      searchPath: e.PATH ?? '',
    },
    familySession: { idleMinutes: e.FAMILY_SESSION_IDLE_MINUTES, absoluteHours: e.FAMILY_SESSION_ABSOLUTE_HOURS },
    breakGlassHours: e.BREAK_GLASS_HOURS,
    sms:
      e.NOTIFY_API_KEY && e.NOTIFY_SMS_TEMPLATE_ID
        ? { baseUrl: (e.NOTIFY_BASE_URL ?? 'https://api.notifications.service.gov.uk').replace(/\/$/, ''), apiKey: e.NOTIFY_API_KEY, templateId: e.NOTIFY_SMS_TEMPLATE_ID }
        : undefined,
    ...overrides,
  }
  return Object.freeze(config)
}
