import { randomBytes } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Config } from '../../config.ts'
import type { Database } from '../../db/schema.ts'
import { recordAuditEvent } from '../../audit/audit.ts'
import type { Clock } from '../../lib/clock.ts'
import { NotFoundError, UnauthenticatedError } from '../../lib/errors.ts'
import { hashSecret, isUuid, newSecret, uuidv7 } from '../../lib/ids.ts'
import type { Access } from '../../policy/access.ts'
import type { PractitionerActor, RequestContext } from '../../policy/actor.ts'
import type { AuthService } from '../auth/auth.service.ts'
import * as repository from './api-tokens.repository.ts'

/** `os_<8 hex prefix>_<43 base64url characters: 256 bits>`. The prefix identifies a token to its owner; the whole is the secret. */
const TOKEN_PATTERN = /^os_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/
const TOUCH_AFTER_MS = 60_000

export type ApiTokenService = ReturnType<typeof createApiTokenService>

export type TokenAuthentication =
  | { outcome: 'authenticated'; actor: PractitionerActor }
  | { outcome: 'refused'; reason: 'malformed' | 'unknown' | 'revoked' | 'inactive-user' }

/** Shown once, straight after creation: the token itself is never stored or shown again. */
export type CreatedApiToken = { id: string; name: string; token: string; prefix: string }

/**
 * Personal API tokens: created and revoked by their owner from a fully signed-in browser session, stored only as a
 * SHA-256 hash, and resolved into the owner's actor on each API request.
 */
export function createApiTokenService(deps: { db: Kysely<Database>; config: Config; clock: Clock; access: Access; auth: AuthService }) {
  const { db, clock, access, auth } = deps

  function ownerOf(context: RequestContext): PractitionerActor {
    const actor = context.actor
    if (actor.kind !== 'practitioner') throw new UnauthenticatedError('Sign in to manage your API tokens.')
    return actor
  }

  function resourceOf(actor: PractitionerActor) {
    return { authorityId: actor.authorityId, ownerUserId: actor.userId }
  }

  async function listOwn(context: RequestContext): Promise<repository.ApiTokenSummary[]> {
    const actor = ownerOf(context)
    return access.run(context, { action: 'api-token.manage-own', resource: resourceOf(actor), recordType: 'api-token', purpose: 'list' }, trx =>
      repository.listApiTokensOfUser(trx, actor.authorityId, actor.userId),
    )
  }

  async function create(context: RequestContext, name: string): Promise<CreatedApiToken> {
    const actor = ownerOf(context)
    if (actor.via !== 'session') throw new UnauthenticatedError('API tokens are created from a signed-in browser session.')
    const id = uuidv7(clock.now().getTime())
    const prefix = randomBytes(4).toString('hex')
    const token = `os_${prefix}_${newSecret(32)}`
    await access.run(context, { action: 'api-token.manage-own', resource: resourceOf(actor), recordType: 'api-token', recordId: id, purpose: 'create' }, async (trx, note) => {
      await repository.insertApiToken(trx, { authorityId: actor.authorityId, id, userId: actor.userId, name, tokenHash: hashSecret(token), prefix, at: clock.now() })
      note.details = { prefix }
    })
    return { id, name, token, prefix }
  }

  /** Revokes one of the actor's own tokens. Another user's token, or another authority's, is not found. */
  async function revoke(context: RequestContext, tokenId: string): Promise<{ name: string; alreadyRevoked: boolean }> {
    const actor = ownerOf(context)
    if (!isUuid(tokenId)) throw new NotFoundError('There is no such API token.')
    return access.run(
      context,
      { action: 'api-token.manage-own', resource: resourceOf(actor), recordType: 'api-token', recordId: tokenId, purpose: 'revoke' },
      async trx => {
        const token = await repository.findApiTokenOfUser(trx, actor.authorityId, actor.userId, tokenId)
        if (!token) throw new NotFoundError('There is no such API token.')
        const changed = await repository.revokeApiToken(trx, actor.authorityId, actor.userId, tokenId, clock.now())
        return { name: token.name, alreadyRevoked: changed === 0 }
      },
    )
  }

  /**
   * Resolves `Authorization: Bearer os_…` into the token owner's actor: the token must be known and not revoked, its
   * user active and its authority present. Use is recorded at most once a minute.
   *
   * By design an API token does not ask for the second factor (TOTP): it can only be created from a fully signed-in
   * session — password and second factor done — and it is itself a 256-bit secret that the owner can revoke at once.
   */
  async function authenticate(context: Pick<RequestContext, 'ip' | 'requestId'>, token: string): Promise<TokenAuthentication> {
    if (!TOKEN_PATTERN.test(token)) return { outcome: 'refused', reason: 'malformed' }
    const principal = await repository.findTokenPrincipal(db, hashSecret(token))
    if (!principal) return { outcome: 'refused', reason: 'unknown' }
    const actor = auth.toActor(principal, 'api-token')
    const refusal = principal.revokedAt !== null ? 'revoked' : principal.user.status !== 'active' ? 'inactive-user' : null
    const now = clock.now()
    if (refusal) {
      await recordAuditEvent(
        db,
        { ...context, actor },
        { authorityId: principal.authorityId, action: 'api-token.use', outcome: 'denied', recordType: 'api-token', recordId: principal.tokenId, details: { reason: refusal } },
        now,
      )
      return { outcome: 'refused', reason: refusal }
    }
    if (principal.lastUsedAt === null || now.getTime() - principal.lastUsedAt.getTime() > TOUCH_AFTER_MS) {
      await repository.touchApiToken(db, principal.authorityId, principal.tokenId, now)
    }
    return { outcome: 'authenticated', actor }
  }

  return { listOwn, create, revoke, authenticate }
}
