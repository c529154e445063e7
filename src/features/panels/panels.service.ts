import type { Kysely, Transaction } from 'kysely'
import type { Config } from '../../config.ts'
import type { Database } from '../../db/schema.ts'
import type { Db } from '../../db/database.ts'
import { DeniedWithin, type Access, type AccessRequest } from '../../policy/access.ts'
import type { PractitionerActor, RequestContext } from '../../policy/actor.ts'
import type { RecordRelationship } from '../../policy/policy.ts'
import type { Clock } from '../../lib/clock.ts'
import { ConflictError, DomainRuleError, ForbiddenError, NotFoundError } from '../../lib/errors.ts'
import { isUuid, uuidv7 } from '../../lib/ids.ts'
import { paths } from '../../paths.ts'
import { findEpisodeRelationship } from '../episodes/episodes.repository.ts'
import { enqueueEmail } from '../outbox/emails.ts'
import * as repository from './panels.repository.ts'
import type { EditPanelInput, EpisodeLocalityInput, ListEpisodeInput, NewPanelInput } from './panels.schemas.ts'

export type { ListingRow, MemberRow, PanelRow } from './panels.repository.ts'

// Panels (access rule (b) of issue 6, docs/panels.md). Administrators set panels up and choose who sits on them
// ('panel.manage'); the lead professional, or a coordinator of the episode's area, lists an episode at a panel and takes
// it off ('panel.list-episode'); a panel member sees what is listed at their panels ('panel.view') and may then read
// those episodes (the policy's PANEL_READS, through RecordRelationship.listedAtPanel).

/** Someone else saved the panel after the form was opened: nothing changed; `current` is what is saved now. */
export class StalePanelError extends ConflictError {
  constructor(
    message: string,
    readonly current: repository.PanelRow,
  ) {
    super(message)
  }
}

/** Someone else changed the episode after its locality was read: nothing changed. */
export class StaleEpisodeLocalityError extends ConflictError {}

const NOT_FOUND = 'There is nothing at this address.'

function practitionerOf(context: RequestContext): PractitionerActor {
  if (context.actor.kind !== 'practitioner') throw new ForbiddenError('You do not have access to this.')
  return context.actor
}

/** For the episode page (read in its own audited transaction): the panels the episode is listed at now. */
export function currentPanelNames(db: Db, authorityId: string, episodeId: string): Promise<string[]> {
  return repository.currentPanelNames(db, authorityId, episodeId)
}

/** For the episode page (read in its own audited transaction): the episode's locality, if it has one. */
export async function episodeLocalityName(db: Db, authorityId: string, episodeId: string): Promise<string | null> {
  return (await repository.findEpisodeLocality(db, authorityId, episodeId))?.localityName ?? null
}

export function createPanelService(deps: { db: Kysely<Database>; config: Config; clock: Clock; access: Access }) {
  const { access, clock, config } = deps
  const mailOptions = () => ({ at: clock.now(), smtpConfigured: config.smtpUrl !== undefined, domain: new URL(config.baseUrl).hostname })

  /** Refuses (and audits) an actor without the action's role before anything they sent is read. */
  async function ensureAllowed(context: RequestContext, action: 'panel.manage' | 'panel.view'): Promise<void> {
    const actor = practitionerOf(context)
    if (!access.decide(actor, action, { authorityId: actor.authorityId }).allowed) {
      await access.run(context, { action, resource: { authorityId: actor.authorityId } }, async () => undefined)
    }
  }

  // ---- administrators -------------------------------------------------------------------------------------------------

  function manage<T>(context: RequestContext, panelId: string | null, work: (trx: Transaction<Database>, authorityId: string, note: { recordId?: string | null; details?: Record<string, unknown> }) => Promise<T>) {
    const actor = practitionerOf(context)
    const validId = panelId === null || isUuid(panelId)
    return access.run(context, { action: 'panel.manage', resource: { authorityId: actor.authorityId }, recordType: 'panel', recordId: panelId !== null && validId ? panelId : null }, (trx, note) => {
      if (!validId) throw new NotFoundError(NOT_FOUND)
      return work(trx, actor.authorityId, note)
    })
  }

  async function panelOrNotFound(trx: Db, authorityId: string, panelId: string) {
    const panel = await repository.findPanel(trx, authorityId, panelId)
    if (!panel) throw new NotFoundError(NOT_FOUND)
    return panel
  }

  async function checkLocality(trx: Db, authorityId: string, localityId: string | null) {
    if (localityId !== null && !(await repository.localityExists(trx, authorityId, localityId))) throw new DomainRuleError('Choose a locality from the list', 'localityId')
  }

  function nameTaken(name: string) {
    return new DomainRuleError(`There is already a panel called ${name}. Enter a different name`, 'name')
  }

  async function listPanels(context: RequestContext) {
    return manage(context, null, async (trx, authorityId) => repository.listPanels(trx, authorityId))
  }

  async function newPanelChoices(context: RequestContext) {
    return manage(context, null, async (trx, authorityId) => ({ localities: await repository.listLocalities(trx, authorityId) }))
  }

  async function createPanel(context: RequestContext, input: NewPanelInput): Promise<string> {
    return manage(context, null, async (trx, authorityId, note) => {
      await checkLocality(trx, authorityId, input.localityId)
      if (await repository.panelNameTaken(trx, authorityId, input.name)) throw nameTaken(input.name)
      const id = uuidv7(clock.now().getTime())
      try {
        await repository.insertPanel(trx, { authorityId, id, name: input.name, localityId: input.localityId, at: clock.now() })
      } catch (error) {
        if (repository.isUniqueViolation(error, 'panels_name_unique')) throw nameTaken(input.name)
        throw error
      }
      note.recordId = id
      note.details = { change: 'added', localityId: input.localityId }
      return id
    })
  }

  async function panelPage(context: RequestContext, panelId: string) {
    return manage(context, panelId, async (trx, authorityId) => {
      const panel = await panelOrNotFound(trx, authorityId, panelId)
      const members = await repository.listMembers(trx, authorityId, panelId)
      const memberIds = new Set(members.map(member => member.userId))
      const candidates = (await repository.listActiveUsers(trx, authorityId)).filter(user => !memberIds.has(user.id))
      return { panel, members, candidates, localities: await repository.listLocalities(trx, authorityId) }
    })
  }

  async function updatePanel(context: RequestContext, panelId: string, input: EditPanelInput): Promise<void> {
    await manage(context, panelId, async (trx, authorityId, note) => {
      const panel = await panelOrNotFound(trx, authorityId, panelId)
      await checkLocality(trx, authorityId, input.localityId)
      if (await repository.panelNameTaken(trx, authorityId, input.name, panelId)) throw nameTaken(input.name)
      let saved: boolean
      try {
        saved = await repository.updatePanel(trx, authorityId, panelId, input.version, { name: input.name, localityId: input.localityId, active: input.active })
      } catch (error) {
        if (repository.isUniqueViolation(error, 'panels_name_unique')) throw nameTaken(input.name)
        throw error
      }
      if (!saved) throw new StalePanelError('Someone else changed this panel after you opened this page', await panelOrNotFound(trx, authorityId, panelId))
      // Deactivating a panel stops its members reading what is listed at it (the policy reads only active panels).
      note.details = { change: 'changed', renamed: panel.name !== input.name, localityId: input.localityId, active: input.active, wasActive: panel.active }
    })
  }

  /** Adds a member (a permission change: audited with who was added). Says whether they hold the panel member role. */
  async function addMember(context: RequestContext, panelId: string, userId: string): Promise<{ hasPanelRole: boolean }> {
    const actor = practitionerOf(context)
    return manage(context, panelId, async (trx, authorityId, note) => {
      await panelOrNotFound(trx, authorityId, panelId)
      const user = isUuid(userId) ? await repository.findActiveUser(trx, authorityId, userId) : undefined
      if (!user) throw new DomainRuleError('Choose who to add from the list', 'userId')
      if (!(await repository.insertMember(trx, { authorityId, panelId, userId, addedByUserId: actor.userId, addedAt: clock.now() }))) {
        throw new DomainRuleError(`${user.name} already sits on this panel`, 'userId')
      }
      note.details = { change: 'member added', userId, hasPanelMemberRole: user.hasPanelRole }
      return { hasPanelRole: user.hasPanelRole }
    })
  }

  async function removeMember(context: RequestContext, panelId: string, userId: string): Promise<void> {
    await manage(context, panelId, async (trx, authorityId, note) => {
      await panelOrNotFound(trx, authorityId, panelId)
      if (!isUuid(userId) || !(await repository.deleteMember(trx, authorityId, panelId, userId))) throw new NotFoundError(NOT_FOUND)
      note.details = { change: 'member removed', userId }
    })
  }

  // ---- listing an episode at a panel -----------------------------------------------------------------------------

  async function episodeOrNotFound(trx: Db, authorityId: string, episodeId: string) {
    if (!isUuid(episodeId)) throw new NotFoundError(NOT_FOUND)
    const episode = await repository.findEpisodeHeader(trx, authorityId, episodeId)
    if (!episode) throw new NotFoundError(NOT_FOUND)
    return episode
  }

  async function relationshipOf(trx: Db, actor: PractitionerActor, episodeId: string): Promise<RecordRelationship> {
    return findEpisodeRelationship(trx, actor.authorityId, episodeId, actor.userId)
  }

  /**
   * Refuses (and audits) an actor who may not do `action` to the episode, before anything they sent is read (the API's
   * record-level check). An episode of another authority, or none, is not found. The operation itself audits the work.
   */
  async function ensureEpisodeAllowed(context: RequestContext, action: 'panel.list-episode' | 'episode.locality', episodeId: string): Promise<void> {
    const actor = practitionerOf(context)
    await access.transaction(context, async trx => {
      await episodeOrNotFound(trx, actor.authorityId, episodeId)
      const relationship = await relationshipOf(trx, actor, episodeId)
      const request: AccessRequest = { action, resource: { authorityId: actor.authorityId, relationship }, recordType: 'episode', recordId: episodeId, episodeId }
      const decision = access.decide(actor, action, request.resource)
      if (!decision.allowed) throw new DeniedWithin(request, decision.reason)
    })
  }

  /** The episode's listings and the active panels it may be listed at. */
  async function episodePage(context: RequestContext, episodeId: string) {
    const actor = practitionerOf(context)
    return access.transaction(context, async trx => {
      const episode = await episodeOrNotFound(trx, actor.authorityId, episodeId)
      const relationship = await relationshipOf(trx, actor, episodeId)
      await access.assertWithin(trx, context, { action: 'panel.list-episode', resource: { authorityId: actor.authorityId, relationship }, recordType: 'episode', recordId: episodeId, episodeId }, { details: { page: 'panel listings' } })
      const panels = (await repository.listPanels(trx, actor.authorityId)).filter(panel => panel.active)
      return { episode, listings: await repository.listEpisodeListings(trx, actor.authorityId, episodeId), panels }
    })
  }

  /** Lists the episode at a panel, and emails the panel's members (no child's name in the email). */
  async function listEpisode(context: RequestContext, episodeId: string, input: ListEpisodeInput): Promise<repository.ListingRow> {
    const actor = practitionerOf(context)
    const now = clock.now()
    return access.transaction(context, async trx => {
      const episode = await episodeOrNotFound(trx, actor.authorityId, episodeId)
      const relationship = await relationshipOf(trx, actor, episodeId)
      const id = uuidv7(now.getTime())
      await access.assertWithin(
        trx,
        context,
        { action: 'panel.list-episode', resource: { authorityId: actor.authorityId, relationship }, recordType: 'episode', recordId: episodeId, episodeId },
        { details: { change: 'listed', panelId: input.panelId, listingId: id } },
      )
      await repository.lockEpisode(trx, actor.authorityId, episodeId)
      if (episode.status === 'closed') throw new DomainRuleError('This episode has ended: it cannot be listed at a panel', 'panelId')
      const panel = await repository.findPanel(trx, actor.authorityId, input.panelId)
      if (!panel || !panel.active) throw new DomainRuleError('Choose a panel from the list', 'panelId')
      if (await repository.isListedNow(trx, actor.authorityId, panel.id, episodeId)) {
        throw new DomainRuleError(`This episode is already listed at ${panel.name}`, 'panelId')
      }
      await repository.insertListing(trx, { authorityId: actor.authorityId, id, panelId: panel.id, episodeId, reason: input.reason, listedByUserId: actor.userId, listedAt: now })
      for (const member of await repository.listMemberContacts(trx, actor.authorityId, panel.id)) {
        await enqueueEmail(
          trx,
          {
            authorityId: actor.authorityId,
            recipient: member.email,
            subject: `An episode has been listed at ${panel.name}`,
            bodyText: [`An episode has been listed at ${panel.name}. Sign in to see it.`, '', `${config.baseUrl}${paths.panels.mine()}`].join('\n'),
          },
          mailOptions(),
        )
      }
      const listing = await repository.findListing(trx, actor.authorityId, id)
      if (!listing) throw new Error('the listing just stored was not found')
      return listing
    })
  }

  async function endListing(context: RequestContext, episodeId: string, listingId: string): Promise<repository.ListingRow> {
    const actor = practitionerOf(context)
    return access.transaction(context, async trx => {
      await episodeOrNotFound(trx, actor.authorityId, episodeId)
      const relationship = await relationshipOf(trx, actor, episodeId)
      // Refused before looking: whether a listing exists is for those who may list the episode.
      await access.assertWithin(
        trx,
        context,
        { action: 'panel.list-episode', resource: { authorityId: actor.authorityId, relationship }, recordType: 'episode', recordId: episodeId, episodeId },
        { details: { change: 'taken off', listingId: isUuid(listingId) ? listingId : null } },
      )
      if (!isUuid(listingId)) throw new NotFoundError(NOT_FOUND)
      const listing = await repository.findListing(trx, actor.authorityId, listingId)
      if (!listing || listing.episodeId !== episodeId) throw new NotFoundError(NOT_FOUND)
      if (listing.endedAt !== null || !(await repository.endListing(trx, actor.authorityId, listingId, clock.now(), actor.userId))) {
        throw new DomainRuleError(`This episode has already been taken off ${listing.panelName}`, 'panelId')
      }
      return (await repository.findListing(trx, actor.authorityId, listingId)) ?? listing
    })
  }

  // ---- the episode's locality ------------------------------------------------------------------------------------

  /** The episode's locality and the authority's localities, for the lead professional or a coordinator of its area. */
  async function localityPage(context: RequestContext, episodeId: string) {
    const actor = practitionerOf(context)
    return access.transaction(context, async trx => {
      const episode = await episodeOrNotFound(trx, actor.authorityId, episodeId)
      const relationship = await relationshipOf(trx, actor, episodeId)
      await access.assertWithin(trx, context, { action: 'episode.locality', resource: { authorityId: actor.authorityId, relationship }, recordType: 'episode', recordId: episodeId, episodeId }, { details: { page: 'locality' } })
      const locality = await repository.findEpisodeLocality(trx, actor.authorityId, episodeId)
      if (!locality) throw new NotFoundError(NOT_FOUND)
      return { episode, locality, localities: await repository.listLocalities(trx, actor.authorityId) }
    })
  }

  /**
   * Moves the episode to another locality (the family moved): the coordinators of the new locality see it, those of the
   * old one no longer do. Says whether the mover can still see the episode (a coordinator of the old locality cannot).
   */
  async function moveEpisode(
    context: RequestContext,
    episodeId: string,
    input: EpisodeLocalityInput,
  ): Promise<{ stillVisible: boolean; localityId: string; localityName: string; version: number }> {
    const actor = practitionerOf(context)
    const localityId = input.localityId.toLowerCase()
    return access.transaction(context, async trx => {
      const episode = await episodeOrNotFound(trx, actor.authorityId, episodeId)
      const relationship = await relationshipOf(trx, actor, episodeId)
      const before = await repository.findEpisodeLocality(trx, actor.authorityId, episodeId)
      if (!before) throw new NotFoundError(NOT_FOUND)
      await access.assertWithin(
        trx,
        context,
        { action: 'episode.locality', resource: { authorityId: actor.authorityId, relationship }, recordType: 'episode', recordId: episodeId, episodeId },
        { details: { change: 'locality', from: before.localityId, to: localityId } },
      )
      if (episode.status === 'closed') throw new DomainRuleError('This episode has ended: its locality cannot change', 'localityId')
      const localities = await repository.listLocalities(trx, actor.authorityId)
      const chosen = localities.find(locality => locality.id === localityId)
      if (!chosen) throw new DomainRuleError('Choose the locality the family lives in now', 'localityId')
      if (before.localityId === localityId) throw new DomainRuleError('The episode is already in this locality: choose another, or go back', 'localityId')
      if (!(await repository.setEpisodeLocality(trx, actor.authorityId, episodeId, localityId, input.version))) {
        // The form shows it as an error on the locality (400); the API answers 409.
        throw new StaleEpisodeLocalityError('Someone else changed this episode after you opened this page. Check the locality and save again')
      }
      const after = await relationshipOf(trx, actor, episodeId)
      return {
        stillVisible: access.decide(actor, 'episode.view', { authorityId: actor.authorityId, relationship: after }).allowed,
        localityId,
        localityName: chosen.name,
        version: input.version + 1,
      }
    })
  }

  // ---- panel members ---------------------------------------------------------------------------------------------

  /** The active panels the signed-in member sits on, each with what is listed at it now. */
  async function myPanels(context: RequestContext) {
    const actor = practitionerOf(context)
    return access.run(context, { action: 'panel.view', resource: { authorityId: actor.authorityId }, recordType: 'panel' }, async (trx, note) => {
      const panels = await repository.listPanelsOf(trx, actor.authorityId, actor.userId)
      const listings = await repository.listCurrentListingsAt(trx, actor.authorityId, panels.map(panel => panel.id))
      note.details = { panels: panels.length, listings: listings.length }
      return panels.map(panel => ({ ...panel, listings: listings.filter(listing => listing.panelId === panel.id) }))
    })
  }

  // ---- the API's panel views (src/features/panels/panels.api.ts) -------------------------------------------------------

  /**
   * The panels the caller may see: an administrator every panel of the authority with who sits on it (as their panels
   * page, panel.manage); anyone else the active panels they sit on (as the panel member's page, panel.view: refused and
   * audited without the panel member role).
   */
  async function panelsFor(context: RequestContext) {
    const actor = practitionerOf(context)
    if (access.decide(actor, 'panel.manage', { authorityId: actor.authorityId }).allowed) {
      const panels = await manage(context, null, async (trx, authorityId) => {
        const members = await repository.listAllMembers(trx, authorityId)
        return (await repository.listPanels(trx, authorityId)).map(panel => ({ ...panel, members: members.filter(member => member.panelId === panel.id) }))
      })
      return { view: 'administrator' as const, panels }
    }
    const mine = await myPanels(context)
    return { view: 'panel member' as const, panels: mine.map(panel => ({ ...panel, active: true, listedCount: panel.listings.length })) }
  }

  /**
   * What is listed now at one panel. A panel member who sits on it (while it is active) sees every listing, audited as
   * their panels page is (panel.view, record type panel); a coordinator sees the listings of the episodes they may list
   * (those of their area, or that they lead), each audited as the episode's panels page is (panel.list-episode). Anyone
   * else is refused (403, audited); a panel of another authority, or none, is not found.
   */
  async function panelListings(context: RequestContext, panelId: string) {
    const actor = practitionerOf(context)
    const panelRequest: AccessRequest = { action: 'panel.view', resource: { authorityId: actor.authorityId }, recordType: 'panel', recordId: isUuid(panelId) ? panelId : null }
    const member = actor.roles.has('panel_member')
    const coordinator = actor.roles.has('coordinator')
    if (!member && !coordinator) {
      // Refused and audited by the access layer (panel.view needs the panel member role) before anything is read.
      await access.run(context, panelRequest, async () => undefined)
      throw new ForbiddenError('You do not have access to this.')
    }
    return access.transaction(context, async trx => {
      const panel = isUuid(panelId) ? await repository.findPanel(trx, actor.authorityId, panelId) : undefined
      if (!panel) throw new NotFoundError(NOT_FOUND)
      const listings = await repository.listCurrentListingsAt(trx, actor.authorityId, [panel.id])
      if (member && panel.active && (await repository.sitsOn(trx, actor.authorityId, panel.id, actor.userId))) {
        await access.assertWithin(trx, context, panelRequest, { details: { panels: 1, listings: listings.length } })
        return { panel, listings }
      }
      if (!coordinator) throw new DeniedWithin(panelRequest, panel.active ? 'not on this panel' : 'the panel is not active')
      const shown: typeof listings = []
      for (const listing of listings) {
        const relationship = await relationshipOf(trx, actor, listing.episodeId)
        const resource = { authorityId: actor.authorityId, relationship }
        if (!access.decide(actor, 'panel.list-episode', resource).allowed) continue
        await access.assertWithin(trx, context, { action: 'panel.list-episode', resource, recordType: 'episode', recordId: listing.episodeId, episodeId: listing.episodeId }, { details: { page: 'panel listings', panelId: panel.id } })
        shown.push(listing)
      }
      return { panel, listings: shown }
    })
  }

  return { ensureAllowed, ensureEpisodeAllowed, panelsFor, panelListings, listPanels, newPanelChoices, createPanel, panelPage, updatePanel, addMember, removeMember, episodePage, listEpisode, endListing, localityPage, moveEpisode, myPanels }
}

export type PanelService = ReturnType<typeof createPanelService>
