import type { Kysely } from 'kysely'
import type { Config } from '../../config.ts'
import type { Database } from '../../db/schema.ts'
import { recordAuditEvent } from '../../audit/audit.ts'
import { addMinutes, type Clock } from '../../lib/clock.ts'
import { DomainRuleError, UnauthenticatedError } from '../../lib/errors.ts'
import { hashSecret, newSecret, safeEqual } from '../../lib/ids.ts'
import { hashPassword, passwordProblem, verifyPassword } from '../../lib/passwords.ts'
import { hashRecoveryCode, matchTotpStep, newRecoveryCodes, newTotpSecret, totpUri } from '../../lib/totp.ts'
import type { Access } from '../../policy/access.ts'
import type { PractitionerActor, RequestContext } from '../../policy/actor.ts'
import { enqueueEmail } from '../outbox/emails.ts'
import * as repository from './auth.repository.ts'
import type { SessionPrincipal } from './auth.repository.ts'

export type SessionState =
  | { state: 'none' }
  | { state: 'expired'; authorityId: string; userId: string }
  | { state: 'second-factor-needed'; principal: SessionPrincipal; enrolled: boolean }
  | { state: 'signed-in'; principal: SessionPrincipal; actor: PractitionerActor }

export type SignInResult =
  | { outcome: 'signed-in' | 'second-factor-needed'; sessionSecret: string; authorityId: string; userId: string }
  | { outcome: 'failed' }

const TOUCH_AFTER_MS = 60_000
const RESET_LINK_MINUTES = 60
const INVITATION_LINK_DAYS = 7
const HELD_FORM_HOURS = 24

export type AuthService = ReturnType<typeof createAuthService>

export function createAuthService(deps: { db: Kysely<Database>; access: Access; clock: Clock; config: Config }) {
  const { db, access, clock, config } = deps
  const mailOptions = () => ({ at: clock.now(), smtpConfigured: config.smtpUrl !== undefined, domain: new URL(config.baseUrl).hostname })

  function secondFactorNeeded(principal: SessionPrincipal): boolean {
    if (!principal.authority.secondFactorRequired) return false
    if (principal.user.maySkipSecondFactor && principal.authority.isDemo) return false
    return true
  }

  function toActor(principal: SessionPrincipal, via: 'session' | 'api-token'): PractitionerActor {
    return {
      kind: 'practitioner',
      userId: principal.userId,
      authorityId: principal.authorityId,
      name: principal.user.name,
      email: principal.user.email,
      roles: new Set(principal.user.roles),
      agencyIds: principal.user.agencyIds,
      actingAgencyId: principal.actingAgencyId,
      via,
    }
  }

  /** Resolves a session cookie on every request; enforces idle and absolute timeouts on the server. */
  async function resolveSession(sessionSecret: string | undefined): Promise<SessionState> {
    if (!sessionSecret || sessionSecret.length > 100) return { state: 'none' }
    const idHash = hashSecret(sessionSecret)
    const principal = await repository.findSessionPrincipal(db, idHash)
    if (!principal) return { state: 'none' }
    const now = clock.now()
    const idleExpired = now.getTime() - principal.lastSeenAt.getTime() > config.session.idleMinutes * 60_000
    const absoluteExpired = now.getTime() - principal.createdAt.getTime() > config.session.absoluteHours * 3_600_000
    if (idleExpired || absoluteExpired || principal.user.status !== 'active') {
      await repository.deleteSession(db, idHash)
      return { state: 'expired', authorityId: principal.authorityId, userId: principal.userId }
    }
    if (now.getTime() - principal.lastSeenAt.getTime() > TOUCH_AFTER_MS) {
      await repository.touchSession(db, idHash, now)
    }
    if (principal.secondFactorAt === null && secondFactorNeeded(principal)) {
      return { state: 'second-factor-needed', principal, enrolled: principal.user.totpEnabled }
    }
    return { state: 'signed-in', principal, actor: toActor(principal, 'session') }
  }

  async function auditAuthentication(
    context: RequestContext,
    authorityId: string,
    userId: string,
    action: string,
    outcome: 'allowed' | 'denied',
    details: Record<string, unknown> = {},
  ) {
    const asUser: RequestContext = {
      ...context,
      actor: {
        kind: 'practitioner',
        userId,
        authorityId,
        name: '',
        email: '',
        roles: new Set(),
        agencyIds: [],
        actingAgencyId: null,
        via: 'session',
      },
    }
    await recordAuditEvent(db, asUser, { authorityId, action, outcome, recordType: 'user', recordId: userId, details }, clock.now())
  }

  /** Password check with lockout. Every failure looks the same to the caller, whatever the reason. */
  async function signIn(context: RequestContext, email: string, password: string): Promise<SignInResult> {
    const account = await repository.findAccountByEmail(db, email)
    const now = clock.now()
    const passwordMatches = await verifyPassword(account?.passwordHash ?? null, password)
    if (!account) return { outcome: 'failed' }
    if (account.status !== 'active') {
      await auditAuthentication(context, account.authorityId, account.id, 'sign-in', 'denied', { reason: account.status })
      return { outcome: 'failed' }
    }
    if (account.lockedUntil && account.lockedUntil > now) {
      await auditAuthentication(context, account.authorityId, account.id, 'sign-in', 'denied', { reason: 'locked' })
      return { outcome: 'failed' }
    }
    if (!passwordMatches) {
      const lockedAccount = account.lockedUntil !== null && account.lockedUntil <= now
      if (lockedAccount) await repository.updateAccount(db, account.authorityId, account.id, { failedSignIns: 0, lockedUntil: null })
      await repository.recordFailedSignIn(
        db,
        account.authorityId,
        account.id,
        config.signIn.attemptsBeforeLockout,
        addMinutes(now, config.signIn.lockoutMinutes),
      )
      await auditAuthentication(context, account.authorityId, account.id, 'sign-in', 'denied', { reason: 'wrong password' })
      return { outcome: 'failed' }
    }
    const sessionSecret = newSecret()
    await db.transaction().execute(async trx => {
      await repository.recordSuccessfulSignIn(trx, account.authorityId, account.id, now)
      await repository.insertSession(trx, {
        idHash: hashSecret(sessionSecret),
        authorityId: account.authorityId,
        userId: account.id,
        actingAgencyId: account.firstAgencyId,
        at: now,
        ip: context.ip,
        secondFactorAt: null,
      })
    })
    const state = await resolveSession(sessionSecret)
    if (state.state === 'signed-in') {
      await auditAuthentication(context, account.authorityId, account.id, 'sign-in', 'allowed', { secondFactor: 'not required' })
      return { outcome: 'signed-in', sessionSecret, authorityId: account.authorityId, userId: account.id }
    }
    return { outcome: 'second-factor-needed', sessionSecret, authorityId: account.authorityId, userId: account.id }
  }

  /** Starts (or restarts) authenticator set-up for a signed-in-by-password user who has none yet. */
  async function beginSecondFactorEnrolment(principal: SessionPrincipal) {
    const account = await repository.findAccountById(db, principal.authorityId, principal.userId)
    if (!account) throw new UnauthenticatedError('Sign in again.')
    if (account.totpEnabledAt) throw new DomainRuleError('You have already set up an authenticator app.')
    let secret = account.totpSecret
    if (!secret) {
      secret = newTotpSecret()
      await repository.updateAccount(db, principal.authorityId, principal.userId, { totpSecret: secret })
    }
    return { secret, uri: totpUri(secret, account.email, `OneStory ${principal.authority.name}`) }
  }

  /**
   * Confirms a code from the new authenticator, completes sign-in with a fresh session id, and returns the recovery
   * codes to show once.
   */
  async function completeSecondFactorEnrolment(context: RequestContext, sessionSecret: string, principal: SessionPrincipal, code: string) {
    const account = await repository.findAccountById(db, principal.authorityId, principal.userId)
    if (!account?.totpSecret || account.totpEnabledAt) throw new DomainRuleError('Start setting up your authenticator app again.')
    const now = clock.now()
    const step = matchTotpStep(account.totpSecret, code.replace(/\s/g, ''), now)
    if (step === null) throw new DomainRuleError('The code is not correct. Check the code in your authenticator app and try again', 'code')
    const recoveryCodes = newRecoveryCodes()
    const newSessionSecret = newSecret()
    await db.transaction().execute(async trx => {
      await repository.updateAccount(trx, principal.authorityId, principal.userId, {
        totpEnabledAt: now,
        totpLastStep: step,
        recoveryCodeHashes: recoveryCodes.map(hashRecoveryCode),
      })
      await repository.markSecondFactorDone(trx, hashSecret(sessionSecret), hashSecret(newSessionSecret), now)
    })
    await auditAuthentication(context, principal.authorityId, principal.userId, 'second-factor.enrol', 'allowed')
    return { sessionSecret: newSessionSecret, recoveryCodes }
  }

  /** Checks a TOTP or recovery code; on success the session id is replaced (ASVS 7.2.4). */
  async function verifySecondFactor(context: RequestContext, sessionSecret: string, principal: SessionPrincipal, code: string) {
    const account = await repository.findAccountById(db, principal.authorityId, principal.userId)
    if (!account?.totpSecret || !account.totpEnabledAt) throw new UnauthenticatedError('Sign in again.')
    const now = clock.now()
    if (account.lockedUntil && account.lockedUntil > now) {
      await auditAuthentication(context, account.authorityId, account.id, 'second-factor.verify', 'denied', { reason: 'locked' })
      throw new DomainRuleError('The code is not correct. Check the code in your authenticator app and try again', 'code')
    }
    const cleaned = code.replace(/\s/g, '')
    let accepted = false
    let method = 'authenticator'
    const step = matchTotpStep(account.totpSecret, cleaned, now)
    if (step !== null) {
      accepted = await repository.claimTotpStep(db, account.authorityId, account.id, step)
    } else if (/^[0-9a-f]{5}-?[0-9a-f]{5}$/i.test(cleaned)) {
      const codeHash = hashRecoveryCode(cleaned.replace('-', '').replace(/^(.{5})/, '$1-'))
      const remaining = account.recoveryCodeHashes.filter(stored => !safeEqual(stored, codeHash))
      if (remaining.length < account.recoveryCodeHashes.length) {
        await repository.updateAccount(db, account.authorityId, account.id, { recoveryCodeHashes: remaining })
        accepted = true
        method = 'recovery code'
      }
    }
    if (!accepted) {
      await repository.recordFailedSignIn(
        db,
        account.authorityId,
        account.id,
        config.signIn.attemptsBeforeLockout,
        addMinutes(now, config.signIn.lockoutMinutes),
      )
      await auditAuthentication(context, account.authorityId, account.id, 'second-factor.verify', 'denied')
      throw new DomainRuleError('The code is not correct. Check the code in your authenticator app and try again', 'code')
    }
    const newSessionSecret = newSecret()
    await db.transaction().execute(async trx => {
      await repository.recordSuccessfulSignIn(trx, account.authorityId, account.id, now)
      await repository.markSecondFactorDone(trx, hashSecret(sessionSecret), hashSecret(newSessionSecret), now)
    })
    await auditAuthentication(context, account.authorityId, account.id, 'sign-in', 'allowed', { secondFactor: method })
    const remainingRecoveryCodes = method === 'recovery code' ? account.recoveryCodeHashes.length - 1 : undefined
    return { sessionSecret: newSessionSecret, remainingRecoveryCodes }
  }

  async function signOut(context: RequestContext, sessionSecret: string | undefined) {
    if (!sessionSecret) return
    const state = await resolveSession(sessionSecret)
    await repository.deleteSession(db, hashSecret(sessionSecret))
    if (state.state === 'signed-in' || state.state === 'second-factor-needed') {
      await auditAuthentication(context, state.principal.authorityId, state.principal.userId, 'sign-out', 'allowed')
    }
  }

  async function changePassword(context: RequestContext, sessionSecret: string, currentPassword: string, newPassword: string) {
    const actor = context.actor
    if (actor.kind !== 'practitioner') throw new UnauthenticatedError('Sign in again.')
    const account = await repository.findAccountById(db, actor.authorityId, actor.userId)
    if (!account) throw new UnauthenticatedError('Sign in again.')
    if (!(await verifyPassword(account.passwordHash, currentPassword))) {
      throw new DomainRuleError('Your current password is not correct', 'currentPassword')
    }
    const problem = passwordProblem(newPassword, { email: account.email })
    if (problem) throw new DomainRuleError(problem, 'newPassword')
    const passwordHash = await hashPassword(newPassword)
    await access.run(
      context,
      { action: 'account.self', resource: { authorityId: actor.authorityId, ownerUserId: actor.userId }, recordType: 'user', recordId: actor.userId },
      async (trx, note) => {
        await repository.updateAccount(trx, actor.authorityId, actor.userId, { passwordHash, passwordChangedAt: clock.now() })
        const ended = await repository.deleteSessionsOfUser(trx, actor.authorityId, actor.userId, hashSecret(sessionSecret))
        note.details = { change: 'password', otherSessionsEnded: ended }
      },
    )
  }

  /** Always answers the same way; sends a single-use link only to an active account. */
  async function requestPasswordReset(context: RequestContext, email: string) {
    const account = await repository.findAccountByEmail(db, email)
    if (!account || account.status !== 'active') return
    const token = newSecret()
    const now = clock.now()
    await db.transaction().execute(async trx => {
      await repository.invalidateAccountTokens(trx, account.authorityId, account.id, 'password_reset', now)
      await repository.insertAccountToken(trx, {
        tokenHash: hashSecret(token),
        authorityId: account.authorityId,
        userId: account.id,
        purpose: 'password_reset',
        at: now,
        expiresAt: addMinutes(now, RESET_LINK_MINUTES),
      })
      await enqueueEmail(
        trx,
        {
          authorityId: account.authorityId,
          recipient: account.email,
          subject: 'Reset your OneStory password',
          bodyText: [
            'Someone asked to reset the password for your OneStory account.',
            '',
            `Use this link within ${RESET_LINK_MINUTES} minutes to choose a new password. It works once.`,
            `${config.baseUrl}/reset-password/${token}`,
            '',
            'If this was not you, you can ignore this email: your password has not changed.',
          ].join('\n'),
        },
        mailOptions(),
      )
    })
    await auditAuthentication(context, account.authorityId, account.id, 'password-reset.request', 'allowed')
  }

  async function findResetLink(token: string) {
    return repository.findLiveAccountToken(db, hashSecret(token), 'password_reset', clock.now())
  }

  /** Sets the new password and ends every session. The second factor is still asked for at the next sign-in. */
  async function resetPassword(context: RequestContext, token: string, newPassword: string) {
    const link = await findResetLink(token)
    if (!link) throw new DomainRuleError('This link has expired or has already been used. Ask for a new one.')
    const problem = passwordProblem(newPassword, { email: link.email })
    if (problem) throw new DomainRuleError(problem, 'newPassword')
    const passwordHash = await hashPassword(newPassword)
    const now = clock.now()
    await db.transaction().execute(async trx => {
      const claimed = await repository.consumeAccountToken(trx, hashSecret(token), 'password_reset', now)
      if (!claimed) throw new DomainRuleError('This link has expired or has already been used. Ask for a new one.')
      await repository.updateAccount(trx, claimed.authorityId, claimed.userId, {
        passwordHash,
        passwordChangedAt: now,
        failedSignIns: 0,
        lockedUntil: null,
      })
      await repository.deleteSessionsOfUser(trx, claimed.authorityId, claimed.userId)
    })
    await auditAuthentication(context, link.authorityId, link.userId, 'password-reset.complete', 'allowed')
  }

  async function findInvitation(token: string) {
    return repository.findLiveAccountToken(db, hashSecret(token), 'invitation', clock.now())
  }

  async function acceptInvitation(context: RequestContext, token: string, newPassword: string) {
    const invitation = await findInvitation(token)
    if (!invitation || invitation.status !== 'invited') {
      throw new DomainRuleError('This invitation has expired or has already been used. Ask your administrator for a new one.')
    }
    const problem = passwordProblem(newPassword, { email: invitation.email })
    if (problem) throw new DomainRuleError(problem, 'newPassword')
    const passwordHash = await hashPassword(newPassword)
    const now = clock.now()
    await db.transaction().execute(async trx => {
      const claimed = await repository.consumeAccountToken(trx, hashSecret(token), 'invitation', now)
      if (!claimed) throw new DomainRuleError('This invitation has expired or has already been used. Ask your administrator for a new one.')
      await repository.updateAccount(trx, claimed.authorityId, claimed.userId, { passwordHash, passwordChangedAt: now, status: 'active' })
    })
    await auditAuthentication(context, invitation.authorityId, invitation.userId, 'invitation.accept', 'allowed')
    return { email: invitation.email }
  }

  /** Creates the invitation link and its email inside the administrator's transaction. */
  async function issueInvitation(trx: Parameters<typeof repository.insertAccountToken>[0], user: { authorityId: string; userId: string; email: string; authorityName: string }) {
    const token = newSecret()
    const now = clock.now()
    await repository.invalidateAccountTokens(trx, user.authorityId, user.userId, 'invitation', now)
    await repository.insertAccountToken(trx, {
      tokenHash: hashSecret(token),
      authorityId: user.authorityId,
      userId: user.userId,
      purpose: 'invitation',
      at: now,
      expiresAt: addMinutes(now, INVITATION_LINK_DAYS * 24 * 60),
    })
    await enqueueEmail(
      trx,
      {
        authorityId: user.authorityId,
        recipient: user.email,
        subject: `You have been invited to OneStory (${user.authorityName})`,
        bodyText: [
          `You have been given an account on OneStory, the early help system used by ${user.authorityName}.`,
          '',
          `Use this link within ${INVITATION_LINK_DAYS} days to choose your password and set up your account. It works once.`,
          `${config.baseUrl}/accept-invitation/${token}`,
        ].join('\n'),
      },
      mailOptions(),
    )
  }

  /** Keeps what was typed into a form whose session had ended, for this user only, for a day. */
  async function holdForm(held: { authorityId: string; userId: string }, url: string, fields: Record<string, string | string[]>) {
    if (!(await repository.findUserExists(db, held.authorityId, held.userId))) return
    const now = clock.now()
    await repository.insertHeldForm(db, {
      idHash: hashSecret(newSecret()),
      authorityId: held.authorityId,
      userId: held.userId,
      url,
      fields,
      at: now,
      expiresAt: addMinutes(now, HELD_FORM_HOURS * 60),
    })
  }

  async function heldForms(user: { authorityId: string; userId: string }) {
    return repository.listHeldForms(db, user.authorityId, user.userId, clock.now())
  }

  async function releaseHeldForm(actor: { authorityId: string; userId: string }, idHash: string) {
    return (await repository.deleteHeldForm(db, actor.authorityId, actor.userId, idHash)) === 1
  }

  async function sessionsOf(actor: PractitionerActor) {
    return repository.listSessionsOfUser(db, actor.authorityId, actor.userId)
  }

  async function endOtherSessions(context: RequestContext, sessionSecret: string) {
    const actor = context.actor
    if (actor.kind !== 'practitioner') throw new UnauthenticatedError('Sign in again.')
    return access.run(
      context,
      { action: 'account.self', resource: { authorityId: actor.authorityId, ownerUserId: actor.userId }, recordType: 'user', recordId: actor.userId },
      async (trx, note) => {
        const ended = await repository.deleteSessionsOfUser(trx, actor.authorityId, actor.userId, hashSecret(sessionSecret))
        note.details = { otherSessionsEnded: ended }
        return ended
      },
    )
  }

  async function switchAgency(context: RequestContext, sessionSecret: string, agencyId: string) {
    const actor = context.actor
    if (actor.kind !== 'practitioner' || !actor.agencyIds.includes(agencyId)) {
      throw new DomainRuleError('Choose one of your agencies', 'agencyId')
    }
    await repository.setActingAgency(db, hashSecret(sessionSecret), agencyId)
  }

  async function sweepExpired() {
    const now = clock.now()
    const sessions = await repository.deleteExpiredSessions(
      db,
      addMinutes(now, -config.session.idleMinutes),
      addMinutes(now, -config.session.absoluteHours * 60),
    )
    const forms = await repository.deleteExpiredHeldForms(db, now)
    return { sessions, forms }
  }

  return {
    resolveSession,
    toActor,
    signIn,
    beginSecondFactorEnrolment,
    completeSecondFactorEnrolment,
    verifySecondFactor,
    signOut,
    changePassword,
    requestPasswordReset,
    findResetLink,
    resetPassword,
    findInvitation,
    acceptInvitation,
    issueInvitation,
    holdForm,
    heldForms,
    releaseHeldForm,
    sessionsOf,
    endOtherSessions,
    switchAgency,
    sweepExpired,
  }
}
