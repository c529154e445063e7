import { hash, verify } from '@node-rs/argon2'
import { dictionary } from '@zxcvbn-ts/language-common'

/**
 * argon2id with OWASP's second recommended profile (m=19 MiB, t=2, p=1): about 30 ms here, so a burst of
 * sign-ins cannot starve the event loop (the native hash runs off the main thread).
 */
const ARGON2_OPTIONS = { algorithm: 2 /* Argon2id */, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const

export const PASSWORD_MIN_LENGTH = 12
export const PASSWORD_MAX_LENGTH = 256

const COMMON_PASSWORDS: ReadonlySet<string> = new Set(dictionary.passwords.map((word: string) => word.toLowerCase()))

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS)
}

export async function verifyPassword(passwordHash: string | null, password: string): Promise<boolean> {
  if (!passwordHash) {
    // Spend the same time as a real check so that response time does not reveal whether an account exists.
    await hash(password, ARGON2_OPTIONS)
    return false
  }
  try {
    return await verify(passwordHash, password)
  } catch {
    return false
  }
}

/**
 * NCSC and ASVS 6.2: length over complexity, no composition rules, common and context-specific passwords refused.
 * Returns the message to show, or null when the password is acceptable.
 */
export function passwordProblem(password: string, context: { email?: string; name?: string } = {}): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) {
    return `Your password must be at least ${PASSWORD_MIN_LENGTH} characters. Three random words work well`
  }
  if (password.length > PASSWORD_MAX_LENGTH) return `Your password must be ${PASSWORD_MAX_LENGTH} characters or fewer`
  const lower = password.toLowerCase()
  if (COMMON_PASSWORDS.has(lower) || /^(.)\1+$/.test(password) || isSequence(lower)) {
    return 'This password is too easy to guess because many people use it. Choose a different one'
  }
  const emailName = context.email?.split('@')[0]?.toLowerCase()
  if ((emailName && emailName.length >= 4 && lower.includes(emailName)) || lower.includes('onestory')) {
    return 'Your password must not contain your email address or the name of this service'
  }
  return null
}

function isSequence(value: string): boolean {
  const sequences = ['0123456789012345678901234567890', 'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz', 'qwertyuiopasdfghjklzxcvbnm']
  return sequences.some(sequence => sequence.includes(value))
}
