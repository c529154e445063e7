import type { Kysely, Transaction } from 'kysely'
import type { Config } from '../../config.ts'
import type { Database, Role } from '../../db/schema.ts'
import type { Clock } from '../../lib/clock.ts'
import {
  ConflictError,
  DomainRuleError,
  ForbiddenError,
  NotFoundError,
  UnauthenticatedError,
} from '../../lib/errors.ts'
import { isUuid, uuidv7 } from '../../lib/ids.ts'
import type { PractitionerActor, RequestContext } from '../../policy/actor.ts'
import type { Access, AuditNote } from '../../policy/access.ts'
import type { Action } from '../../policy/policy.ts'
import type { AuthService } from '../auth/auth.service.ts'
import * as repository from './admin.repository.ts'
import type { AgencyInput, InviteInput, SettingsInput } from './admin.schemas.ts'

export type { Agency, AuthoritySettings, Locality, UserDetail, UserListItem } from './admin.repository.ts'

export const USERS_PER_PAGE = 25

/** Someone else saved the record after this form was opened: nothing was changed; `current` is what is saved now. */
export class StaleEditError<T> extends ConflictError {
  constructor(
    message: string,
    readonly current: T,
  ) {
    super(message)
  }
}

export type AdminService = ReturnType<typeof createAdminService>

type Work<T> = (trx: Transaction<Database>, note: AuditNote, authorityId: string) => Promise<T>

/**
 * Administration of one authority: its settings, localities, agencies and practitioner accounts. Every operation goes
 * through the access layer; every query is confined to the actor's own authority, so an id of another authority is
 * simply not found.
 */
export function createAdminService(deps: {
  db: Kysely<Database>
  config: Config
  clock: Clock
  access: Access
  auth: AuthService
}) {
  const { access, clock, auth } = deps

  function authorityOf(context: RequestContext): string {
    const actor = context.actor
    if (actor.kind === 'anonymous') throw new UnauthenticatedError('Sign in to continue.')
    if (actor.authorityId === null) throw new ForbiddenError('You do not have access to this.')
    return actor.authorityId
  }

  function run<T>(
    context: RequestContext,
    action: Action,
    record: { type: string; id?: string } | null,
    work: Work<T>,
  ): Promise<T> {
    const authorityId = authorityOf(context)
    const recordId = record?.id !== undefined && isUuid(record.id) ? record.id : null
    return access.run(
      context,
      { action, resource: { authorityId }, ...(record ? { recordType: record.type, recordId } : {}) },
      (trx, note) => {
        // A malformed id is a page that does not exist, found only after the role check.
        if (record?.id !== undefined && recordId === null) throw new NotFoundError('There is nothing at this address.')
        return work(trx, note, authorityId)
      },
    )
  }

  function actingUserId(context: RequestContext): string | null {
    return context.actor.kind === 'practitioner' ? context.actor.userId : null
  }

  /**
   * Refuses (and audits) an actor who may not do this at all, before anything they sent is read: a wrong role gets
   * 403 whatever the form contains.
   */
  async function ensureAllowed(context: RequestContext, action: Action): Promise<void> {
    const authorityId = authorityOf(context)
    if (!access.decide(context.actor, action, { authorityId }).allowed) {
      await access.run(context, { action, resource: { authorityId } }, async () => undefined)
    }
  }

  // ---- overview and settings -----------------------------------------------------------------------------------

  async function overview(context: RequestContext) {
    return run(context, 'admin.overview', null, (trx, _note, authorityId) => repository.countOverview(trx, authorityId))
  }

  async function settings(context: RequestContext) {
    return run(context, 'authority.configure', null, async (trx, _note, authorityId) => {
      const found = await repository.findAuthority(trx, authorityId)
      if (!found) throw new NotFoundError('There is nothing at this address.')
      return found
    })
  }

  async function updateSettings(context: RequestContext, input: SettingsInput) {
    const authorityId = authorityOf(context)
    return run(context, 'authority.configure', { type: 'authority', id: authorityId }, async (trx, note) => {
      if (!input.secondFactorRequired && input.singleSignOnIssuer === null) {
        throw new DomainRuleError(
          'Practitioners must use an authenticator app unless they sign in through your own single sign-on service. Enter its issuer URL first, or keep the authenticator app switched on',
          'secondFactorRequired',
        )
      }
      const saved = await repository.updateAuthority(trx, authorityId, input.version, {
        name: input.authorityName,
        singleSignOnIssuer: input.singleSignOnIssuer,
        secondFactorRequired: input.secondFactorRequired,
        assessmentApprovalRequired: input.assessmentApprovalRequired,
      })
      if (!saved) {
        const current = await repository.findAuthority(trx, authorityId)
        if (!current) throw new NotFoundError('There is nothing at this address.')
        throw new StaleEditError('Someone else changed these settings after you opened this page', current)
      }
      note.details = {
        secondFactorRequired: input.secondFactorRequired,
        singleSignOn: input.singleSignOnIssuer !== null,
        assessmentApprovalRequired: input.assessmentApprovalRequired,
      }
    })
  }

  // ---- localities ----------------------------------------------------------------------------------------------

  async function listLocalities(context: RequestContext) {
    return run(context, 'locality.manage', null, (trx, _note, authorityId) =>
      repository.listLocalities(trx, authorityId),
    )
  }

  async function findLocality(context: RequestContext, localityId: string) {
    return run(context, 'locality.manage', { type: 'locality', id: localityId }, async (trx, _note, authorityId) => {
      const locality = await repository.findLocality(trx, authorityId, localityId)
      if (!locality) throw new NotFoundError('There is nothing at this address.')
      return locality
    })
  }

  function localityTaken(name: string) {
    return new DomainRuleError(`There is already a locality called ${name}. Enter a different name`, 'name')
  }

  async function addLocality(context: RequestContext, input: { name: string }) {
    return run(context, 'locality.manage', { type: 'locality' }, async (trx, note, authorityId) => {
      const id = uuidv7(clock.now().getTime())
      try {
        await repository.insertLocality(trx, { authorityId, id, name: input.name, at: clock.now() })
      } catch (error) {
        if (repository.isUniqueViolation(error, 'localities_name_uq')) throw localityTaken(input.name)
        throw error
      }
      note.recordId = id
      note.details = { change: 'added' }
      return id
    })
  }

  async function renameLocality(context: RequestContext, localityId: string, input: { name: string; version: number }) {
    return run(context, 'locality.manage', { type: 'locality', id: localityId }, async (trx, note, authorityId) => {
      let saved: boolean
      try {
        saved = await repository.renameLocality(trx, authorityId, localityId, input.version, input.name)
      } catch (error) {
        if (repository.isUniqueViolation(error, 'localities_name_uq')) throw localityTaken(input.name)
        throw error
      }
      if (!saved) {
        const current = await repository.findLocality(trx, authorityId, localityId)
        if (!current) throw new NotFoundError('There is nothing at this address.')
        throw new StaleEditError(
          `Someone else changed this locality after you opened this page. It is now called ${current.name}`,
          current,
        )
      }
      note.details = { change: 'renamed' }
    })
  }

  // ---- agencies ------------------------------------------------------------------------------------------------

  async function listAgencies(
    context: RequestContext,
    filter: { kind?: string | undefined; localityId?: string | undefined },
  ) {
    return run(context, 'agency.manage', null, async (trx, _note, authorityId) => ({
      agencies: await repository.listAgencies(trx, authorityId, filter),
      localities: await repository.listLocalities(trx, authorityId),
    }))
  }

  /** What the agency form needs to offer: the authority's localities. */
  async function agencyFormChoices(context: RequestContext) {
    return run(context, 'agency.manage', null, async (trx, _note, authorityId) => ({
      localities: await repository.listLocalities(trx, authorityId),
    }))
  }

  async function findAgency(context: RequestContext, agencyId: string) {
    return run(context, 'agency.manage', { type: 'agency', id: agencyId }, async (trx, _note, authorityId) => {
      const agency = await repository.findAgency(trx, authorityId, agencyId)
      if (!agency) throw new NotFoundError('There is nothing at this address.')
      return { agency, localities: await repository.listLocalities(trx, authorityId) }
    })
  }

  async function checkLocality(trx: Transaction<Database>, authorityId: string, localityId: string | null) {
    if (localityId !== null && !(await repository.findLocality(trx, authorityId, localityId))) {
      throw new DomainRuleError('Choose a locality from the list', 'localityId')
    }
  }

  function agencyTaken(name: string) {
    return new DomainRuleError(`There is already an agency called ${name}. Enter a different name`, 'name')
  }

  function agencyChanges(input: AgencyInput): repository.AgencyChanges {
    return {
      name: input.name,
      kind: input.kind,
      localityId: input.localityId,
      description: input.description,
      email: input.email,
      phone: input.phone,
      address: input.address,
      active: input.active,
    }
  }

  async function addAgency(context: RequestContext, input: AgencyInput) {
    return run(context, 'agency.manage', { type: 'agency' }, async (trx, note, authorityId) => {
      await checkLocality(trx, authorityId, input.localityId)
      const id = uuidv7(clock.now().getTime())
      try {
        await repository.insertAgency(trx, { ...agencyChanges(input), authorityId, id, at: clock.now() })
      } catch (error) {
        if (repository.isUniqueViolation(error, 'agencies_name_uq')) throw agencyTaken(input.name)
        throw error
      }
      note.recordId = id
      note.details = { change: 'added' }
      return id
    })
  }

  async function updateAgency(context: RequestContext, agencyId: string, input: AgencyInput & { version: number }) {
    return run(context, 'agency.manage', { type: 'agency', id: agencyId }, async (trx, note, authorityId) => {
      if (!(await repository.findAgency(trx, authorityId, agencyId)))
        throw new NotFoundError('There is nothing at this address.')
      await checkLocality(trx, authorityId, input.localityId)
      let saved: boolean
      try {
        saved = await repository.updateAgency(trx, authorityId, agencyId, input.version, agencyChanges(input))
      } catch (error) {
        if (repository.isUniqueViolation(error, 'agencies_name_uq')) throw agencyTaken(input.name)
        throw error
      }
      if (!saved) {
        const current = await repository.findAgency(trx, authorityId, agencyId)
        if (!current) throw new NotFoundError('There is nothing at this address.')
        throw new StaleEditError('Someone else changed this agency after you opened this page', current)
      }
      note.details = { change: 'changed', active: input.active }
    })
  }

  /** The agencies of the actor's authority, id and name only (for choosing an acting agency). */
  async function agencyNames(actor: PractitionerActor): Promise<{ id: string; name: string }[]> {
    const context: RequestContext = { actor, ip: null, requestId: 'agency-names' }
    return run(context, 'agency.list', null, async (trx, _note, authorityId) =>
      (await repository.agencyNames(trx, authorityId)).map(agency => ({ id: agency.id, name: agency.name })),
    )
  }

  // ---- practitioner accounts -----------------------------------------------------------------------------------

  async function listUsers(context: RequestContext, options: { page: number; search: string }) {
    return run(context, 'user.list', { type: 'user' }, async (trx, note, authorityId) => {
      const search = options.search || undefined
      let page = options.page
      let result = await repository.listUsers(trx, authorityId, {
        search,
        limit: USERS_PER_PAGE,
        offset: (page - 1) * USERS_PER_PAGE,
      })
      const pageCount = Math.max(1, Math.ceil(result.total / USERS_PER_PAGE))
      if (page > pageCount) {
        page = pageCount
        result = await repository.listUsers(trx, authorityId, {
          search,
          limit: USERS_PER_PAGE,
          offset: (page - 1) * USERS_PER_PAGE,
        })
      }
      // What was searched for is not recorded: it may be a person's name.
      note.details = { page, searched: search !== undefined, shown: result.users.length }
      return { ...result, page, pageCount }
    })
  }

  /** An account with the names of the authority's agencies (to show theirs, or to offer all of them). */
  async function findUser(context: RequestContext, userId: string) {
    return run(context, 'user.view', { type: 'user', id: userId }, async (trx, _note, authorityId) => {
      const user = await repository.findUser(trx, authorityId, userId)
      if (!user) throw new NotFoundError('There is nothing at this address.')
      return {
        user,
        agencies: await repository.agencyNames(trx, authorityId),
        localities: (await repository.listLocalities(trx, authorityId)).map(locality => ({ id: locality.id, name: locality.name })),
      }
    })
  }

  async function inviteFormChoices(context: RequestContext) {
    return run(context, 'user.manage', null, async (trx, _note, authorityId) => ({
      agencies: await repository.agencyNames(trx, authorityId),
    }))
  }

  /** Every agency must be one of the authority's; a new membership must be of an active agency. */
  async function checkAgencies(
    trx: Transaction<Database>,
    authorityId: string,
    agencyIds: readonly string[],
    kept: readonly string[] = [],
  ) {
    const found = await repository.findAgencyStates(trx, authorityId, agencyIds)
    const usable = found.filter(agency => agency.active || kept.includes(agency.id))
    if (usable.length !== agencyIds.length) throw new DomainRuleError('Choose agencies from the list', 'agencyIds')
  }

  function emailTaken() {
    return new DomainRuleError(
      'There is already a OneStory account with this email address. Enter a different email address',
      'email',
    )
  }

  async function inviteUser(context: RequestContext, input: InviteInput) {
    return run(context, 'user.manage', { type: 'user' }, async (trx, note, authorityId) => {
      await checkAgencies(trx, authorityId, input.agencyIds)
      if (await repository.emailInUse(trx, input.email)) throw emailTaken()
      const authority = await repository.findAuthority(trx, authorityId)
      if (!authority) throw new NotFoundError('There is nothing at this address.')
      const userId = uuidv7(clock.now().getTime())
      const now = clock.now()
      try {
        await repository.insertInvitedUser(trx, {
          authorityId,
          id: userId,
          name: input.name,
          email: input.email,
          at: now,
        })
      } catch (error) {
        if (repository.isUniqueViolation(error, 'users_email_uq')) throw emailTaken()
        throw error
      }
      await repository.replaceRoles(trx, authorityId, userId, input.roles)
      await repository.replaceAgencies(trx, authorityId, userId, input.agencyIds, now)
      await auth.issueInvitation(trx, { authorityId, userId, email: input.email, authorityName: authority.name })
      note.recordId = userId
      note.details = { change: 'invited', roles: input.roles, agencyIds: input.agencyIds }
      return userId
    })
  }

  async function resendInvitation(context: RequestContext, userId: string) {
    return run(context, 'user.manage', { type: 'user', id: userId }, async (trx, note, authorityId) => {
      const user = await repository.findUser(trx, authorityId, userId)
      if (!user) throw new NotFoundError('There is nothing at this address.')
      if (user.status !== 'invited') {
        throw new DomainRuleError(
          'This person has already set up their account, or it has been deactivated: there is no invitation to send',
        )
      }
      const authority = await repository.findAuthority(trx, authorityId)
      if (!authority) throw new NotFoundError('There is nothing at this address.')
      await auth.issueInvitation(trx, { authorityId, userId, email: user.email, authorityName: authority.name })
      note.details = { change: 'invitation sent again' }
    })
  }

  async function updateUserAccess(
    context: RequestContext,
    userId: string,
    input: { roles: Role[]; agencyIds: string[]; coordinatorLocalityIds?: string[]; version: number },
  ) {
    return run(context, 'user.manage', { type: 'user', id: userId }, async (trx, note, authorityId) => {
      const user = await repository.findUser(trx, authorityId, userId)
      if (!user) throw new NotFoundError('There is nothing at this address.')
      if (
        userId === actingUserId(context) &&
        user.roles.includes('administrator') &&
        !input.roles.includes('administrator')
      ) {
        throw new DomainRuleError(
          'You cannot remove your own administrator role. Ask another administrator to do it',
          'roles',
        )
      }
      await checkAgencies(trx, authorityId, input.agencyIds, user.agencyIds)
      // Access rule (b): the localities a coordinator coordinates (none: the whole authority); kept only with the role.
      const coordinatorLocalityIds = input.roles.includes('coordinator') ? (input.coordinatorLocalityIds ?? user.coordinatorLocalityIds) : []
      const localities = new Set((await repository.listLocalities(trx, authorityId)).map(locality => locality.id))
      if (coordinatorLocalityIds.some(id => !localities.has(id))) {
        throw new DomainRuleError('Choose localities from the list', 'coordinatorLocalityIds')
      }
      if (!(await repository.claimUserVersion(trx, authorityId, userId, input.version))) {
        throw new StaleEditError('Someone else changed this account after you opened this page', user)
      }
      await repository.replaceRoles(trx, authorityId, userId, input.roles)
      await repository.replaceAgencies(trx, authorityId, userId, input.agencyIds, clock.now())
      await repository.moveActingAgencies(trx, authorityId, userId, input.agencyIds)
      await repository.replaceCoordinatorLocalities(trx, authorityId, userId, coordinatorLocalityIds)
      note.details = {
        change: 'roles and agencies',
        roles: input.roles,
        agencyIds: input.agencyIds,
        coordinatorLocalityIds,
        previousCoordinatorLocalityIds: user.coordinatorLocalityIds,
      }
    })
  }

  async function deactivateUser(context: RequestContext, userId: string) {
    return run(context, 'user.manage', { type: 'user', id: userId }, async (trx, note, authorityId) => {
      const user = await repository.findUser(trx, authorityId, userId)
      if (!user) throw new NotFoundError('There is nothing at this address.')
      if (userId === actingUserId(context)) {
        throw new DomainRuleError(
          'You cannot deactivate your own account. Ask another administrator to do it',
          'confirm',
        )
      }
      if (user.status === 'deactivated')
        throw new DomainRuleError('This account has already been deactivated', 'confirm')
      const now = clock.now()
      // Access ends at once: the account, its sessions, its API tokens and any link still waiting to be used.
      await repository.markDeactivated(trx, authorityId, userId, now)
      const sessionsEnded = await repository.deleteSessionsOfUser(trx, authorityId, userId)
      const apiTokensRevoked = await repository.revokeApiTokensOfUser(trx, authorityId, userId, now)
      await repository.expireAccountLinksOfUser(trx, authorityId, userId, now)
      note.details = { change: 'deactivated', sessionsEnded, apiTokensRevoked }
    })
  }

  async function endUserSessions(context: RequestContext, userId: string) {
    return run(context, 'user.manage', { type: 'user', id: userId }, async (trx, note, authorityId) => {
      if (!(await repository.findUser(trx, authorityId, userId)))
        throw new NotFoundError('There is nothing at this address.')
      const sessionsEnded = await repository.deleteSessionsOfUser(trx, authorityId, userId)
      note.details = { change: 'sessions ended', sessionsEnded }
      return sessionsEnded
    })
  }

  async function resetSecondFactor(context: RequestContext, userId: string) {
    return run(context, 'user.manage', { type: 'user', id: userId }, async (trx, note, authorityId) => {
      if (!(await repository.findUser(trx, authorityId, userId)))
        throw new NotFoundError('There is nothing at this address.')
      if (userId === actingUserId(context)) {
        throw new DomainRuleError(
          'You cannot reset your own authenticator app. Ask another administrator to do it',
          'confirm',
        )
      }
      await repository.clearSecondFactor(trx, authorityId, userId)
      // Whoever holds a session made with the old authenticator has to sign in again.
      const sessionsEnded = await repository.deleteSessionsOfUser(trx, authorityId, userId)
      note.details = { change: 'second factor reset', sessionsEnded }
    })
  }

  return {
    ensureAllowed,
    overview,
    settings,
    updateSettings,
    listLocalities,
    findLocality,
    addLocality,
    renameLocality,
    listAgencies,
    agencyFormChoices,
    findAgency,
    addAgency,
    updateAgency,
    agencyNames,
    listUsers,
    findUser,
    inviteFormChoices,
    inviteUser,
    resendInvitation,
    updateUserAccess,
    deactivateUser,
    endUserSessions,
    resetSecondFactor,
  }
}
