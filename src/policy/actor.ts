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

export type AnonymousActor = Readonly<{ kind: 'anonymous' }>

/** Scheduled jobs and the command line act as the system, always for one named authority. */
export type SystemActor = Readonly<{ kind: 'system'; authorityId: string | null; name: string }>

export type Actor = PractitionerActor | AnonymousActor | SystemActor

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
