import type { Kysely } from 'kysely'
import type { Config } from '../../config.ts'
import type { Database } from '../../db/schema.ts'
import type { Clock } from '../../lib/clock.ts'
import { DomainRuleError, ForbiddenError } from '../../lib/errors.ts'
import { newSecret, safeEqual, uuidv7 } from '../../lib/ids.ts'
import { hashPassword, passwordProblem } from '../../lib/passwords.ts'
import type { Access } from '../../policy/access.ts'
import type { RequestContext } from '../../policy/actor.ts'
import * as repository from './setup.repository.ts'
import { installShippedTemplates } from '../assessments/templates.service.ts'

export type SetupInput = {
  setupCode: string
  authorityName: string
  nation: 'england' | 'wales'
  adminName: string
  adminEmail: string
  password: string
}

/** The key that signs CSRF tokens and the last-user cookie: made once, kept in the database for every instance. */
export async function loadCookieKey(db: Kysely<Database>): Promise<string> {
  await repository.insertSettingIfAbsent(db, 'cookie_key', newSecret(32))
  const key = await repository.findSetting(db, 'cookie_key')
  if (!key) throw new Error('cookie key missing')
  return key
}

/** A fresh set-up code: 12 characters from an unambiguous alphabet, easy to copy from the server log. */
export function newSetupCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'
  const bytes = Buffer.from(newSecret(24), 'base64url')
  const chars = Array.from(bytes.subarray(0, 12), byte => alphabet[byte % alphabet.length])
  return `${chars.slice(0, 4).join('')}-${chars.slice(4, 8).join('')}-${chars.slice(8, 12).join('')}`
}

export type SetupService = ReturnType<typeof createSetupService>

export function createSetupService(deps: { db: Kysely<Database>; config: Config; clock: Clock; access: Access }) {
  const { db } = deps

  async function isSetUp(): Promise<boolean> {
    return (await repository.countAuthorities(db)) > 0
  }

  /** Creates the authority and its first administrator; only while the system is empty, only with the set-up code. */
  async function createFirstAuthority(context: RequestContext, expectedCode: string | undefined, input: SetupInput) {
    if (!expectedCode) throw new ForbiddenError('This OneStory has already been set up.')
    if (!safeEqual(input.setupCode.trim().toUpperCase(), expectedCode)) {
      throw new DomainRuleError('The set-up code is not correct. Copy it from the message OneStory printed when it started', 'setupCode')
    }
    const problem = passwordProblem(input.password, { email: input.adminEmail })
    if (problem) throw new DomainRuleError(problem, 'password')
    const passwordHash = await hashPassword(input.password)
    const authorityId = uuidv7()
    const userId = uuidv7()
    await db.transaction().execute(async trx => {
      // Re-checked inside the transaction: two people racing to claim a fresh system cannot both succeed.
      await repository.lockAuthorities(trx)
      if ((await repository.countAuthorities(trx)) > 0) throw new ForbiddenError('This OneStory has already been set up.')
      await repository.insertAuthority(trx, { id: authorityId, name: input.authorityName, nation: input.nation, isDemo: false })
      await repository.insertUser(trx, {
        authorityId,
        id: userId,
        email: input.adminEmail,
        name: input.adminName,
        status: 'active',
        passwordHash,
      })
      await repository.insertUserRoles(trx, authorityId, userId, ['administrator'])
      await installShippedTemplates(trx, authorityId, deps.clock.now())
      await deps.access.assertWithin(
        trx,
        { ...context, actor: { kind: 'system', authorityId, name: 'set-up' } },
        { action: 'authority.configure', resource: { authorityId }, recordType: 'authority', recordId: authorityId },
        { details: { event: 'first authority created', administrator: userId } },
      )
    })
    return { authorityId, userId }
  }

  return { isSetUp, createFirstAuthority }
}
