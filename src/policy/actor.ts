import type { Role } from '../db/schema.ts'

export type PractitionerActor = Readonly<{
  kind: 'practitioner'
  userId: string
  authorityId: string
  name: string
  email: string
  roles: ReadonlySet<Role>
  agencyIds: readonly string[]
  actingAgencyId: string | null
  /** How the request was authenticated: a browser session or a personal API token. */
  via: 'session' | 'api-token'
}>

/**
 * A parent, carer or young person signed in to the family's own view (one-time code). They reach only the episodes
 * their account is linked to, and only what is marked for the family; never a practitioner route.
 */
export type FamilyActor = Readonly<{
  kind: 'family'
  accountId: string
  authorityId: string
  name: string
  accountKind: 'parent_carer' | 'young_person'
  language: 'en' | 'cy'
  /** The episodes this account is linked to now (revoked links are gone). */
  episodeIds: readonly string[]
  /** The public id of this session (for "sign out everywhere else"). */
  sessionPublicId: string
}>

export type AnonymousActor = Readonly<{ kind: 'anonymous' }>

/** Scheduled jobs and the command line act as the system, always for one named authority. */
export type SystemActor = Readonly<{ kind: 'system'; authorityId: string | null; name: string }>

export type Actor = PractitionerActor | FamilyActor | AnonymousActor | SystemActor

/** Who is asking, from where: passed to every service call. */
export type RequestContext = Readonly<{ actor: Actor; ip: string | null; requestId: string }>

export const ROLES: readonly Role[] = ['administrator', 'coordinator', 'panel_member', 'manager', 'practitioner']

export const ROLE_NAMES: Record<Role, string> = {
  administrator: 'Administrator',
  coordinator: 'Coordinator',
  panel_member: 'Panel member',
  manager: 'Manager',
  practitioner: 'Practitioner',
}

export function actorAuthorityId(actor: Actor): string | null {
  return actor.kind === 'anonymous' ? null : actor.authorityId
}
