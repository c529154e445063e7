import { randomInt } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import { recordAuditEvent } from '../../audit/audit.ts'
import type { Config } from '../../config.ts'
import type { Database, FamilyLanguage } from '../../db/schema.ts'
import type { Clock } from '../../lib/clock.ts'
import { DomainRuleError, NotFoundError, UnauthenticatedError } from '../../lib/errors.ts'
import { hashSecret, isUuid, newSecret, safeEqual, uuidv7 } from '../../lib/ids.ts'
import { DeniedWithin, type Access, type AccessRequest, type AuditNote } from '../../policy/access.ts'
import type { FamilyActor, PractitionerActor, RequestContext } from '../../policy/actor.ts'
import { paths } from '../../paths.ts'
import { formatDateTime } from '../../plugins/views.ts'
import { findEpisodeRelationship } from '../episodes/episodes.service.ts'
import { findEpisodeSummary, type EpisodeSummary } from '../episodes/episode-summary.ts'
import { enqueueEmail } from '../outbox/emails.ts'
import { readEarlyHelpSettings } from '../team/early-help-settings.ts'
import { endFamilySession, startFamilySession } from './family-session.ts'
import { codeEmail, codeText, invitationEmail, invitationText, newDeviceEmail } from './family-auth.messages.ts'
import * as repository from './family-auth.repository.ts'
import type { Contact, InviteInput } from './family-auth.schemas.ts'
import { createSmsSender, type SmsSender } from './sms.ts'

export type FamilyAuthService = ReturnType<typeof createFamilyAuthService>

/** One-time codes: 6 digits, 10 minutes, single use, 5 wrong tries, 5 codes an account an hour. */
export const CODE_RULES = { digits: 6, lifeMinutes: 10, maxAttempts: 5, maxPerHour: 5 } as const

export type SignInDevice = { deviceSecret: string | undefined; label: string; ip: string | null }

export type VerifyResult =
  | { outcome: 'failed' }
  | { outcome: 'signed-in'; sessionSecret: string; deviceSecret: string; language: FamilyLanguage }

export type AccessRow = {
  member: repository.FamilySideMember | null
  access: repository.EpisodeAccess | null
}

function codeHash(codeId: string, code: string): string {
  return hashSecret(`family-code:${codeId}:${code}`)
}

function newCode(): string {
  return String(randomInt(0, 10 ** CODE_RULES.digits)).padStart(CODE_RULES.digits, '0')
}

/** Age in whole years on `today` (YYYY-MM-DD dates, UK calendar). */
export function ageOn(dateOfBirth: string, today: Date): number {
  const [y, m, d] = dateOfBirth.split('-').map(Number) as [number, number, number]
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(today).split('-').map(Number) as [number, number, number]
  let age = parts[0] - y
  if (parts[1] < m || (parts[1] === m && parts[2] < d)) age--
  return age
}

/** For an audit event about an account before it has a session: the account is the actor. */
function accountActor(account: repository.FamilyAccount): FamilyActor {
  return {
    kind: 'family',
    accountId: account.id,
    authorityId: account.authorityId,
    name: account.name,
    accountKind: account.kind,
    language: account.language,
    episodeIds: [],
    sessionPublicId: '',
  }
}

/**
 * Family access: the practitioner's side (invite a family member by email or mobile, end their access), signing in
 * with a one-time code (no enumeration: every contact gets the same answer), new-device notices to the lead
 * professional, and the family member's own account (language, devices, sign out everywhere else).
 */
export function createFamilyAuthService(deps: { db: Kysely<Database>; clock: Clock; access: Access; config: Config; sms?: SmsSender }) {
  const { db, clock, access, config } = deps
  const sms = deps.sms ?? createSmsSender(config, clock)
  const mailOptions = () => ({ at: clock.now(), smtpConfigured: config.smtpUrl !== undefined, domain: new URL(config.baseUrl).hostname })
  const signInUrl = () => `${config.baseUrl}${paths.family.signIn()}`

  // ---- signing in ---------------------------------------------------------------------------------------------

  /**
   * Sends a code to every account with this contact that may sign in (usually one). The caller shows the same page
   * whatever happened. Returns the code only for a demo authority (shown on the page there, labelled), and the sends
   * that failed at the text message provider (for the log).
   */
  async function requestCode(context: RequestContext, contact: Contact): Promise<{ demoCode: string | null; failures: string[] }> {
    const accounts = await repository.findSignInAccounts(db, contact)
    let demoCode: string | null = null
    const failures: string[] = []
    for (const account of accounts) {
      const asAccount: RequestContext = { ...context, actor: accountActor(account) }
      const now = clock.now()
      const afterCommit = await db.transaction().execute(async trx => {
        const recent = await repository.countCodesSince(trx, account.authorityId, account.id, new Date(now.getTime() - 3_600_000))
        if (recent >= CODE_RULES.maxPerHour) {
          await recordAuditEvent(trx, asAccount, { authorityId: account.authorityId, action: 'family.sign-in-code', outcome: 'denied', recordType: 'family_account', recordId: account.id, details: { reason: 'too many codes in an hour' } }, now)
          return null
        }
        await repository.expireLiveCodes(trx, account.authorityId, account.id, now)
        const id = uuidv7(now.getTime())
        const code = newCode()
        const channel = account.preferredChannel === 'sms' && account.mobile ? 'sms' : account.email ? 'email' : 'sms'
        await repository.insertCode(trx, {
          authorityId: account.authorityId,
          id,
          accountId: account.id,
          codeHash: codeHash(id, code),
          channel,
          at: now,
          expiresAt: new Date(now.getTime() + CODE_RULES.lifeMinutes * 60_000),
          ip: context.ip,
        })
        let send = async () => {}
        if (channel === 'email' && account.email) {
          await enqueueEmail(trx, { authorityId: account.authorityId, recipient: account.email, ...codeEmail(account.language, { name: account.name, code }) }, mailOptions())
        } else if (account.mobile) {
          send = await sms.prepare(trx, { authorityId: account.authorityId, phoneNumber: account.mobile, text: codeText(account.language, { code }), reference: id })
        }
        await recordAuditEvent(trx, asAccount, { authorityId: account.authorityId, action: 'family.sign-in-code', outcome: 'allowed', recordType: 'family_account', recordId: account.id, details: { channel } }, now)
        if (account.isDemo) demoCode = code
        return send
      })
      if (afterCommit) {
        try {
          await afterCommit()
        } catch (error) {
          failures.push((error as Error).message)
        }
      }
    }
    return { demoCode, failures }
  }

  /** Checks a code against the live code of each account with this contact. Every failure looks the same. */
  async function verifyCode(context: RequestContext, contact: Contact, code: string, device: SignInDevice): Promise<VerifyResult> {
    const accounts = await repository.findSignInAccounts(db, contact)
    for (const account of accounts) {
      const asAccount: RequestContext = { ...context, actor: accountActor(account) }
      const result = await db.transaction().execute(async trx => {
        const now = clock.now()
        const live = await repository.lockLiveCode(trx, account.authorityId, account.id, now, CODE_RULES.maxAttempts)
        if (!live) return null
        if (!safeEqual(codeHash(live.id, code), live.codeHash)) {
          const attempts = await repository.countWrongAttempt(trx, account.authorityId, live.id)
          await recordAuditEvent(trx, asAccount, { authorityId: account.authorityId, action: 'family.sign-in', outcome: 'denied', recordType: 'family_account', recordId: account.id, details: { reason: 'wrong code', attempts } }, now)
          return null
        }
        if (!(await repository.useCode(trx, account.authorityId, live.id, now))) return null
        await repository.markSignedIn(trx, account.authorityId, account.id, now)
        const deviceSecret = device.deviceSecret && device.deviceSecret.length <= 100 ? device.deviceSecret : newSecret()
        const firstTime = (await repository.countDevices(trx, account.authorityId, account.id)) === 0
        const isNew = await repository.rememberDevice(trx, { authorityId: account.authorityId, accountId: account.id, deviceHash: hashSecret(`family-device:${deviceSecret}`), label: device.label, at: now })
        if (isNew) {
          const leads = await repository.listLeadsForAccount(trx, account.authorityId, account.id)
          const seen = new Set<string>()
          for (const lead of leads) {
            if (seen.has(`${lead.userId}:${lead.episodeId}`)) continue
            seen.add(`${lead.userId}:${lead.episodeId}`)
            const email = newDeviceEmail({ familyName: account.name, device: device.label, at: formatDateTime(now), accessUrl: `${config.baseUrl}${paths.family.access(lead.episodeId)}`, firstTime })
            await enqueueEmail(trx, { authorityId: account.authorityId, recipient: lead.email, ...email }, mailOptions())
          }
        }
        const session = await startFamilySession(trx, clock, { authorityId: account.authorityId, accountId: account.id }, { deviceLabel: device.label, ip: device.ip })
        await recordAuditEvent(
          trx,
          { ...asAccount, actor: { ...accountActor(account), sessionPublicId: session.publicId } },
          { authorityId: account.authorityId, action: 'family.sign-in', outcome: 'allowed', recordType: 'family_account', recordId: account.id, details: { newDevice: isNew } },
          now,
        )
        return { outcome: 'signed-in' as const, sessionSecret: session.secret, deviceSecret, language: account.language }
      })
      if (result) return result
    }
    return { outcome: 'failed' }
  }

  async function recordSignOut(context: RequestContext): Promise<void> {
    const actor = context.actor
    if (actor.kind !== 'family') return
    await recordAuditEvent(db, context, { authorityId: actor.authorityId, action: 'family.sign-out', outcome: 'allowed', recordType: 'family_account', recordId: actor.accountId }, clock.now())
  }

  // ---- the family member's own account ------------------------------------------------------------------------

  function familyOf(context: RequestContext): FamilyActor {
    const actor = context.actor
    if (actor.kind !== 'family') throw new UnauthenticatedError('Sign in to continue.')
    return actor
  }

  function accountRequest(actor: FamilyActor): AccessRequest {
    return { action: 'family.account', resource: { authorityId: actor.authorityId }, recordType: 'family_account', recordId: actor.accountId }
  }

  async function accountPage(context: RequestContext) {
    const actor = familyOf(context)
    return access.run(context, accountRequest(actor), async trx => {
      const account = await repository.findAccount(trx, actor.authorityId, actor.accountId)
      if (!account) throw new NotFoundError('There is no such page.')
      const sessions = await repository.listSessions(trx, actor.authorityId, actor.accountId)
      return { account, sessions: sessions.map(session => ({ ...session, current: session.publicId === actor.sessionPublicId })) }
    })
  }

  /** Ends every other session of the account (another phone, a shared computer). Returns how many ended. */
  async function endOtherSessions(context: RequestContext): Promise<number> {
    const actor = familyOf(context)
    return access.run(context, accountRequest(actor), async (trx, note) => {
      const ended = await repository.deleteSessionsExcept(trx, actor.authorityId, actor.accountId, actor.sessionPublicId)
      note.details = { endedSessions: ended }
      return ended
    })
  }

  async function saveLanguage(context: RequestContext, language: FamilyLanguage): Promise<void> {
    const actor = familyOf(context)
    await access.run(context, accountRequest(actor), async (trx, note) => {
      await repository.setLanguage(trx, actor.authorityId, actor.accountId, language)
      note.details = { language }
    })
  }

  // ---- the practitioner's side --------------------------------------------------------------------------------

  function practitionerOf(context: RequestContext): PractitionerActor {
    const actor = context.actor
    if (actor.kind !== 'practitioner') throw new UnauthenticatedError('Sign in to continue.')
    return actor
  }

  type Work<T> = (trx: Transaction<Database>, summary: EpisodeSummary, actor: PractitionerActor, note: AuditNote) => Promise<T>

  /** Decide (family-access.manage, on the team) → work → audit in one transaction; 404 for a bad or foreign id. */
  async function withEpisode<T>(context: RequestContext, episodeId: string, work: Work<T>, options: { recordType?: string; recordId?: string } = {}): Promise<T> {
    const actor = practitionerOf(context)
    if (!isUuid(episodeId)) throw new NotFoundError('There is no such episode.')
    return access.transaction(context, async trx => {
      const summary = await findEpisodeSummary(trx, actor.authorityId, episodeId)
      if (!summary) throw new NotFoundError('There is no such episode.')
      const relationship = await findEpisodeRelationship(trx, actor.authorityId, episodeId, actor.userId)
      const request: AccessRequest = {
        action: 'family-access.manage',
        resource: { authorityId: actor.authorityId, relationship },
        recordType: options.recordType ?? 'episode',
        recordId: options.recordId ?? episodeId,
        episodeId,
      }
      const decision = access.decide(actor, 'family-access.manage', request.resource)
      if (!decision.allowed) throw new DeniedWithin(request, decision.reason)
      const note: AuditNote = {}
      const result = await work(trx, summary, actor, note)
      await access.assertWithin(trx, context, request, note)
      return result
    })
  }

  async function accessRows(trx: Transaction<Database>, authorityId: string, episodeId: string): Promise<AccessRow[]> {
    const members = await repository.listFamilySideMembers(trx, authorityId, episodeId)
    const links = await repository.listEpisodeAccess(trx, authorityId, episodeId)
    const rows: AccessRow[] = members.map(member => ({ member, access: links.find(link => link.familyTeamMemberId === member.id) ?? null }))
    for (const link of links) {
      if (!rows.some(row => row.access === link)) rows.push({ member: null, access: link })
    }
    return rows
  }

  async function accessPage(context: RequestContext, episodeId: string) {
    return withEpisode(context, episodeId, async (trx, summary, actor) => {
      const rows = await accessRows(trx, actor.authorityId, episodeId)
      const settings = await readEarlyHelpSettings(trx, actor.authorityId)
      return { summary, rows, youngPersonMinAge: settings.youngPersonMinAge }
    })
  }

  /** The invitation form: the family members on the team who have no access now. */
  async function invitePage(context: RequestContext, episodeId: string) {
    return withEpisode(context, episodeId, async (trx, summary, actor) => {
      const rows = await accessRows(trx, actor.authorityId, episodeId)
      const settings = await readEarlyHelpSettings(trx, actor.authorityId)
      const now = clock.now()
      const members = rows
        .filter(row => row.member !== null && (row.access === null || row.access.revokedAt !== null))
        .map(row => {
          const member = row.member as repository.FamilySideMember
          return { ...member, age: member.dateOfBirth ? ageOn(member.dateOfBirth, now) : null }
        })
      return { summary, members, youngPersonMinAge: settings.youngPersonMinAge, closed: summary.status === 'closed' }
    })
  }

  async function invite(context: RequestContext, episodeId: string, input: InviteInput): Promise<{ accountId: string }> {
    let afterCommit: () => Promise<void> = async () => {}
    const result = await withEpisode(context, episodeId, async (trx, summary, actor, note) => {
      if (summary.status === 'closed') throw new DomainRuleError('This episode is closed. Nobody new can be given access to it.', 'memberId')
      const members = await repository.listFamilySideMembers(trx, actor.authorityId, episodeId)
      const member = members.find(candidate => candidate.id === input.memberId)
      if (!member) throw new DomainRuleError('Choose a family member who is on the team now', 'memberId')
      const now = clock.now()
      const settings = await readEarlyHelpSettings(trx, actor.authorityId)
      if (input.kind === 'young_person') {
        const age = member.dateOfBirth ? ageOn(member.dateOfBirth, now) : null
        if ((age === null || age < settings.youngPersonMinAge) && !input.judgedCompetent) {
          throw new DomainRuleError(
            age === null
              ? `Their date of birth is not recorded. Young people can be invited from age ${settings.youngPersonMinAge}, or younger if someone has judged them competent: say who`
              : `They are ${age}. Young people can be invited from age ${settings.youngPersonMinAge}, or younger if someone has judged them competent: say who`,
            'judgedCompetent',
          )
        }
      }
      let account = await repository.findAccountByContact(trx, actor.authorityId, input.contact)
      let accountId: string
      if (account) {
        accountId = account.id
        await repository.reinviteAccount(trx, { authorityId: actor.authorityId, id: accountId, language: input.language, kind: input.kind, personId: member.personId, invitedByUserId: actor.userId, at: now })
      } else {
        accountId = uuidv7(now.getTime())
        await repository.insertAccount(trx, {
          authorityId: actor.authorityId,
          id: accountId,
          name: member.name,
          email: 'email' in input.contact ? input.contact.email : null,
          mobile: 'mobile' in input.contact ? input.contact.mobile : null,
          preferredChannel: input.channel,
          language: input.language,
          kind: input.kind,
          personId: member.personId,
          invitedByUserId: actor.userId,
          at: now,
        })
        account = await repository.findAccount(trx, actor.authorityId, accountId)
      }
      const link = await repository.findLink(trx, actor.authorityId, accountId, episodeId)
      if (link && link.revokedAt === null) throw new DomainRuleError('Someone with this email address or mobile number can already see this family’s record', input.channel === 'email' ? 'email' : 'mobile')
      await repository.grantLink(trx, { authorityId: actor.authorityId, accountId, episodeId, familyTeamMemberId: member.id, byUserId: actor.userId, at: now, existing: link !== undefined })
      const inviter = await repository.findInviter(trx, actor.authorityId, actor.userId, actor.actingAgencyId)
      if ('email' in input.contact) {
        const email = invitationEmail(input.language, { name: account?.name ?? member.name, inviter: inviter.name, agency: inviter.agencyName, authority: inviter.authorityName, signInUrl: signInUrl() })
        await enqueueEmail(trx, { authorityId: actor.authorityId, recipient: input.contact.email, ...email }, mailOptions())
      } else {
        afterCommit = await sms.prepare(trx, { authorityId: actor.authorityId, phoneNumber: input.contact.mobile, text: invitationText(input.language, { inviter: inviter.name, signInUrl: signInUrl() }) })
      }
      note.recordId = accountId
      note.details = {
        kind: input.kind,
        channel: input.channel,
        language: input.language,
        familyTeamMemberId: member.id,
        ...(input.kind === 'young_person' && input.judgedCompetent ? { judgedCompetentBy: input.judgedBy } : {}),
      }
      return { accountId }
    }, { recordType: 'family_account' })
    try {
      await afterCommit()
    } catch {
      // The invitation stands; the text can be sent again by inviting again. Nothing personal is logged.
    }
    return result
  }

  async function endAccessPage(context: RequestContext, episodeId: string, accountId: string) {
    if (!isUuid(accountId)) throw new NotFoundError('There is no such family member.')
    return withEpisode(context, episodeId, async (trx, summary, actor) => {
      const links = await repository.listEpisodeAccess(trx, actor.authorityId, episodeId)
      const link = links.find(candidate => candidate.accountId === accountId && candidate.revokedAt === null)
      if (!link) throw new NotFoundError('There is no such family member with access to this record.')
      return { summary, link }
    }, { recordType: 'family_account', recordId: accountId })
  }

  /** Ends the account's access to this episode; with no other episode left, the account is revoked and signed out. */
  async function endAccess(context: RequestContext, episodeId: string, accountId: string): Promise<{ accountRevoked: boolean }> {
    if (!isUuid(accountId)) throw new NotFoundError('There is no such family member.')
    return withEpisode(context, episodeId, async (trx, _summary, actor, note) => {
      const now = clock.now()
      const ended = await repository.revokeLink(trx, { authorityId: actor.authorityId, accountId, episodeId, byUserId: actor.userId, at: now })
      if (!ended) throw new NotFoundError('There is no such family member with access to this record.')
      const remaining = await repository.countLiveLinks(trx, actor.authorityId, accountId)
      let endedSessions = 0
      if (remaining === 0) {
        await repository.revokeAccount(trx, { authorityId: actor.authorityId, accountId, byUserId: actor.userId, at: now })
        endedSessions = await repository.deleteSessionsExcept(trx, actor.authorityId, accountId, null)
      }
      note.details = { accountRevoked: remaining === 0, endedSessions }
      return { accountRevoked: remaining === 0 }
    }, { recordType: 'family_account', recordId: accountId })
  }

    /** Ends one family session (sign out; a session planted before sign-in). */
  async function endSession(secret: string): Promise<void> {
    await endFamilySession(db, secret)
  }

  return { cookieSecure: config.session.cookieSecure, endSession, requestCode, verifyCode, recordSignOut, accountPage, endOtherSessions, saveLanguage, accessPage, invitePage, invite, endAccessPage, endAccess, smsLive: sms.live }
}
