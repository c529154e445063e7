import type { Role } from '../db/schema.ts'
import type { Actor } from './actor.ts'

/**
 * The single authorisation seam. Every domain operation names one of these actions; the table below is the
 * whole of the function-level policy and is what docs/access-policy.md documents.
 */
export const ACTIONS = {
  'authority.view': { roles: 'any', personalData: false, description: 'See the authority name and settings' },
  'admin.overview': { roles: ['administrator'], personalData: false, description: 'See the administration overview (counts only)' },
  'authority.configure': { roles: ['administrator'], personalData: false, description: 'Change authority settings' },
  'locality.list': { roles: 'any', personalData: false, description: 'List localities' },
  'locality.manage': { roles: ['administrator'], personalData: false, description: 'Add and rename localities' },
  'agency.list': { roles: 'any', personalData: false, description: 'Read the agency directory' },
  'agency.manage': { roles: ['administrator'], personalData: false, description: 'Add and change agencies' },
  'user.list': { roles: ['administrator'], personalData: true, description: 'List practitioner accounts' },
  'user.view': { roles: ['administrator'], personalData: true, description: 'See a practitioner account' },
  'user.manage': {
    roles: ['administrator'],
    personalData: true,
    description: 'Invite, change roles and agencies, deactivate, end sessions',
  },
  'account.self': { roles: 'any', personalData: true, description: 'Manage your own account, password, second factor' },
  'api-token.manage-own': { roles: 'any', personalData: false, description: 'Create and revoke your own API tokens' },
  'audit.search': { roles: ['coordinator'], personalData: true, description: 'Search the audit log' },
  'outbox.read': { roles: ['administrator'], personalData: true, description: 'Read the email outbox' },
} as const satisfies Record<string, { roles: readonly Role[] | 'any'; personalData: boolean; description: string }>

export type Action = keyof typeof ACTIONS

/** What the operation touches: always the authority that owns it, and the user it belongs to where relevant. */
export type Resource = Readonly<{ authorityId: string; ownerUserId?: string }>

export type Decision = Readonly<{ allowed: true } | { allowed: false; reason: string }>

const ALLOW: Decision = { allowed: true }

export function decide(actor: Actor, action: Action, resource: Resource): Decision {
  try {
    return decideUnsafe(actor, action, resource)
  } catch {
    // Fail closed: an exception inside the policy denies (ASVS 16.5.3).
    return { allowed: false, reason: 'policy error' }
  }
}

function decideUnsafe(actor: Actor, action: Action, resource: Resource): Decision {
  if (actor.kind === 'anonymous') return { allowed: false, reason: 'not signed in' }
  if (actor.authorityId !== resource.authorityId) return { allowed: false, reason: 'another authority' }
  if (actor.kind === 'system') return ALLOW
  const rule = ACTIONS[action]
  if (action === 'account.self' || action === 'api-token.manage-own') {
    return resource.ownerUserId === actor.userId ? ALLOW : { allowed: false, reason: 'not your account' }
  }
  if (rule.roles === 'any') return ALLOW
  const permitted: readonly Role[] = rule.roles
  return permitted.some(role => actor.roles.has(role)) ? ALLOW : { allowed: false, reason: `needs role ${permitted.join(' or ')}` }
}

export function can(actor: Actor, action: Action, resource: Resource): boolean {
  return decide(actor, action, resource).allowed
}
