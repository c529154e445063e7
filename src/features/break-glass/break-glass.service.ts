import type { Kysely, Transaction } from 'kysely'
import type { Config } from '../../config.ts'
import type { Database } from '../../db/schema.ts'
import type { Db } from '../../db/database.ts'
import type { Access } from '../../policy/access.ts'
import type { PractitionerActor, RequestContext } from '../../policy/actor.ts'
import { addMinutes, type Clock } from '../../lib/clock.ts'
import { ConflictError, DomainRuleError, ForbiddenError, NotFoundError } from '../../lib/errors.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { paths } from '../../paths.ts'
import { findEpisodeRelationship } from '../episodes/episodes.service.ts'
import { enqueueEmail } from '../outbox/emails.ts'
import * as repository from './break-glass.repository.ts'
import { lawfulBasisName, specialCategoryName, type LawfulBasisInput, type OpenInput, type ReviewInput, type SharingInput } from './break-glass.schemas.ts'

// Break-glass: a practitioner with a safeguarding need opens an episode they have no right to, giving a reason; the
// grant lets them read it for config.breakGlassHours (the policy honours RecordRelationship.breakGlassUntil for reading
// only, and every audit event under it is marked 'break-glass'); the coordinators are emailed and review it.
// Sharing without agreement: the lead professional (or a coordinator) records that an agency is given the information
// without the family's agreement (reason, lawful basis); the agency's withdrawal is then overridden; a manager is told.
// Lawful basis per agency: recorded by administrators.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function checkId(id: string): void {
  if (!UUID.test(id)) throw new NotFoundError('Page not found')
}

function practitionerOf(context: RequestContext): PractitionerActor {
  if (context.actor.kind !== 'practitioner') throw new ForbiddenError('You do not have access to this.')
  return context.actor
}

/** Sharing without agreement the family may be shown (not hidden because telling them would put someone at risk). */
export async function listSharingShownToFamily(db: Db, authorityId: string, episodeId: string) {
  return repository.listSharingForFamily(db, authorityId, episodeId)
}

export function createBreakGlassService(deps: { db: Kysely<Database>; config: Config; clock: Clock; access: Access }) {
  const { access, clock, config } = deps
  const mailOptions = () => ({ at: clock.now(), smtpConfigured: config.smtpUrl !== undefined, domain: new URL(config.baseUrl).hostname })

  async function episodeOrNotFound(trx: Transaction<Database>, authorityId: string, episodeId: string) {
    checkId(episodeId)
    const episode = await repository.findEpisodeHeader(trx, authorityId, episodeId)
    if (!episode) throw new NotFoundError('Page not found')
    return episode
  }

  // ---- break-glass ----------------------------------------------------------------------------------------------------

  /** The emergency form. Someone who may already read the episode is told so (and sent to it by the page). */
  async function openPage(context: RequestContext, episodeId: string) {
    const actor = practitionerOf(context)
    return access.transaction(context, async trx => {
      const episode = await episodeOrNotFound(trx, actor.authorityId, episodeId)
      const relationship = await findEpisodeRelationship(trx, actor.authorityId, episodeId, actor.userId)
      const alreadyAllowed = access.decide(actor, 'episode.view', { authorityId: actor.authorityId, relationship }).allowed
      // Audited without the episode id: the form shows only the episode's reference, nothing the family need see.
      await access.assertWithin(trx, context, { action: 'break-glass.open', resource: { authorityId: actor.authorityId }, recordType: 'episode', recordId: episodeId }, { details: { page: 'emergency opening form', alreadyAllowed } })
      return { episode, alreadyAllowed, hours: config.breakGlassHours }
    })
  }

  /** Opens the episode in an emergency: a grant for config.breakGlassHours, the coordinators emailed. */
  async function open(context: RequestContext, episodeId: string, input: OpenInput): Promise<{ opened: boolean }> {
    const actor = practitionerOf(context)
    const now = clock.now()
    return access.transaction(context, async trx => {
      const episode = await episodeOrNotFound(trx, actor.authorityId, episodeId)
      const relationship = await findEpisodeRelationship(trx, actor.authorityId, episodeId, actor.userId)
      if (access.decide(actor, 'episode.view', { authorityId: actor.authorityId, relationship }).allowed) return { opened: false }
      const id = uuidv7(now.getTime())
      const expiresAt = addMinutes(now, config.breakGlassHours * 60)
      const hidden = input.hideFromFamily === 'yes'
      await access.assertWithin(
        trx,
        context,
        { action: 'break-glass.open', resource: { authorityId: actor.authorityId }, recordType: 'break-glass-grant', recordId: id, episodeId, purpose: 'break-glass' },
        { details: { expiresAt: expiresAt.toISOString(), hiddenFromFamily: hidden, consentWithdrawn: relationship.agencyConsentWithdrawn === true } },
      )
      await repository.insertGrant(trx, {
        authorityId: actor.authorityId,
        id,
        episodeId,
        userId: actor.userId,
        agencyId: actor.actingAgencyId,
        reason: input.reason,
        openedAt: now,
        expiresAt,
        hiddenFromFamily: hidden,
        hiddenReason: hidden ? (input.hiddenReason ?? null) : null,
      })
      for (const coordinator of await repository.listCoordinatorContacts(trx, actor.authorityId, episodeId)) {
        await enqueueEmail(
          trx,
          {
            authorityId: actor.authorityId,
            recipient: coordinator.email,
            subject: 'A record was opened in an emergency (break-glass): please review',
            bodyText: [
              `${actor.name} opened early help episode ${episode.reference} in an emergency. They were not on its team, or the family had stopped sharing with their agency.`,
              '',
              `They gave a reason, and can read the record until ${expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC. Everything they open is marked in the audit.`,
              '',
              'Please review it: read the reason and what they opened, then mark it reviewed.',
              `${config.baseUrl}${paths.breakGlass.reviews()}`,
            ].join('\n'),
          },
          mailOptions(),
        )
      }
      return { opened: true }
    })
  }

  /** The coordinator's review list: emergency openings and sharing without agreement waiting for review. */
  async function reviewsPage(context: RequestContext) {
    const actor = practitionerOf(context)
    return access.run(context, { action: 'break-glass.review', resource: { authorityId: actor.authorityId }, recordType: 'break-glass-reviews' }, async trx => ({
      waiting: await repository.listGrants(trx, actor.authorityId, false, 200),
      reviewed: await repository.listGrants(trx, actor.authorityId, true, 25),
      sharing: await repository.listUnreviewedSharing(trx, actor.authorityId, 200),
      now: clock.now(),
    }))
  }

  /** For the dashboard: how many emergency openings and sharing decisions wait for a coordinator's review. */
  async function waitingCount(context: RequestContext): Promise<number> {
    const actor = practitionerOf(context)
    return access.run(context, { action: 'break-glass.review', resource: { authorityId: actor.authorityId } }, async trx => {
      const grants = await repository.listGrants(trx, actor.authorityId, false, 1000)
      const sharing = await repository.listUnreviewedSharing(trx, actor.authorityId, 1000)
      return grants.length + sharing.length
    })
  }

  async function reviewGrant(context: RequestContext, grantId: string, input: ReviewInput): Promise<void> {
    const actor = practitionerOf(context)
    await access.transaction(context, async trx => {
      checkId(grantId)
      // Refused before looking: whether an opening exists is itself for coordinators only.
      await access.assertWithin(trx, context, { action: 'break-glass.review', resource: { authorityId: actor.authorityId }, recordType: 'break-glass-grant', recordId: grantId })
      const grant = await repository.findGrant(trx, actor.authorityId, grantId)
      if (!grant) throw new NotFoundError('Page not found')
      if (grant.reviewedAt) throw new DomainRuleError('This emergency opening has already been reviewed.')
      const hide = grant.hiddenFromFamily || input.hideFromFamily === 'yes'
      const saved = await repository.markGrantReviewed(trx, actor.authorityId, grantId, {
        version: Number(input.version),
        reviewedAt: clock.now(),
        reviewedByUserId: actor.userId,
        reviewNote: input.note ? input.note : null,
        hiddenFromFamily: hide,
      })
      if (!saved) throw new ConflictError('Someone else reviewed or changed this emergency opening. Reload the page to see it.')
    })
  }

  async function reviewSharing(context: RequestContext, sharingId: string): Promise<void> {
    const actor = practitionerOf(context)
    await access.transaction(context, async trx => {
      checkId(sharingId)
      await access.assertWithin(trx, context, { action: 'break-glass.review', resource: { authorityId: actor.authorityId }, recordType: 'sharing-without-agreement', recordId: sharingId })
      const sharing = await repository.findSharing(trx, actor.authorityId, sharingId)
      if (!sharing) throw new NotFoundError('Page not found')
      if (!(await repository.markSharingReviewed(trx, actor.authorityId, sharingId, clock.now(), actor.userId))) {
        throw new DomainRuleError('This has already been reviewed.')
      }
    })
  }

  // ---- sharing without agreement ---------------------------------------------------------------------------------------

  async function sharingPage(context: RequestContext, episodeId: string) {
    const actor = practitionerOf(context)
    return access.transaction(context, async trx => {
      const episode = await episodeOrNotFound(trx, actor.authorityId, episodeId)
      const relationship = await findEpisodeRelationship(trx, actor.authorityId, episodeId, actor.userId)
      await access.assertWithin(trx, context, { action: 'sharing-without-agreement.record', resource: { authorityId: actor.authorityId, relationship }, recordType: 'episode', recordId: episodeId }, { details: { page: 'sharing without agreement' } })
      return { episode, sharing: await repository.listEpisodeSharing(trx, actor.authorityId, episodeId), agencies: await repository.listTeamAgencies(trx, actor.authorityId, episodeId) }
    })
  }

  async function recordSharing(context: RequestContext, episodeId: string, input: SharingInput): Promise<void> {
    const actor = practitionerOf(context)
    const now = clock.now()
    await access.transaction(context, async trx => {
      const episode = await episodeOrNotFound(trx, actor.authorityId, episodeId)
      const relationship = await findEpisodeRelationship(trx, actor.authorityId, episodeId, actor.userId)
      const id = uuidv7(now.getTime())
      const hidden = input.hideFromFamily === 'yes'
      await access.assertWithin(
        trx,
        context,
        { action: 'sharing-without-agreement.record', resource: { authorityId: actor.authorityId, relationship }, recordType: 'sharing-without-agreement', recordId: id, purpose: 'safeguarding' },
        { details: { agencyId: input.agencyId, lawfulBasis: input.lawfulBasis, specialCategoryCondition: input.specialCategoryCondition, hiddenFromFamily: hidden } },
      )
      const agencies = await repository.listTeamAgencies(trx, actor.authorityId, episodeId)
      const agency = agencies.find(candidate => candidate.id === input.agencyId)
      if (!agency) throw new DomainRuleError('Choose an agency on the team around the family', 'agencyId')
      const current = await repository.listEpisodeSharing(trx, actor.authorityId, episodeId)
      if (current.some(sharing => sharing.agencyId === agency.id && sharing.endedAt === null)) {
        throw new DomainRuleError(`Sharing with ${agency.name} without the family’s agreement is already recorded`, 'agencyId')
      }
      await repository.insertSharing(trx, {
        authorityId: actor.authorityId,
        id,
        episodeId,
        agencyId: agency.id,
        reason: input.reason,
        lawfulBasis: input.lawfulBasis,
        specialCategoryCondition: input.specialCategoryCondition,
        recordedByUserId: actor.userId,
        recordedAt: now,
        hiddenFromFamily: hidden,
        hiddenReason: hidden ? (input.hiddenReason ?? null) : null,
      })
      // A manager is told: the managers of the recorder's agency, else the coordinators.
      const managers = actor.actingAgencyId ? await repository.listAgencyManagerContacts(trx, actor.authorityId, actor.actingAgencyId) : []
      const recipients = managers.length > 0 ? managers : await repository.listCoordinatorContacts(trx, actor.authorityId, episodeId)
      for (const recipient of recipients) {
        await enqueueEmail(
          trx,
          {
            authorityId: actor.authorityId,
            recipient: recipient.email,
            subject: 'Information shared without the family’s agreement',
            bodyText: [
              `${actor.name} recorded that information in early help episode ${episode.reference} is shared with ${agency.name} without the family’s agreement, to keep a child safe.`,
              '',
              `Lawful basis: ${lawfulBasisName(input.lawfulBasis)}. Special category condition: ${specialCategoryName(input.specialCategoryCondition)}.`,
              hidden ? 'They recorded that telling the family would put someone at risk, so the family will not be shown it.' : 'The family will see that this information is shared.',
              '',
              'The reason is recorded in OneStory. See the decisions waiting for review:',
              `${config.baseUrl}${paths.breakGlass.reviews()}`,
            ].join('\n'),
          },
          mailOptions(),
        )
      }
    })
  }

  async function endSharing(context: RequestContext, episodeId: string, sharingId: string): Promise<void> {
    const actor = practitionerOf(context)
    await access.transaction(context, async trx => {
      await episodeOrNotFound(trx, actor.authorityId, episodeId)
      checkId(sharingId)
      const relationship = await findEpisodeRelationship(trx, actor.authorityId, episodeId, actor.userId)
      await access.assertWithin(trx, context, { action: 'sharing-without-agreement.record', resource: { authorityId: actor.authorityId, relationship }, recordType: 'sharing-without-agreement', recordId: sharingId }, { details: { ended: true } })
      const sharing = await repository.findSharing(trx, actor.authorityId, sharingId)
      if (!sharing || sharing.episodeId !== episodeId) throw new NotFoundError('Page not found')
      if (!(await repository.endSharing(trx, actor.authorityId, sharingId, clock.now(), actor.userId))) throw new DomainRuleError('This sharing has already ended.')
    })
  }

  // ---- lawful basis per agency ---------------------------------------------------------------------------------------

  async function lawfulBasisPage(context: RequestContext, agencyId: string) {
    const actor = practitionerOf(context)
    return access.transaction(context, async trx => {
      checkId(agencyId)
      const agency = await repository.findAgency(trx, actor.authorityId, agencyId)
      if (!agency) throw new NotFoundError('Page not found')
      await access.assertWithin(trx, context, { action: 'agency.manage', resource: { authorityId: actor.authorityId }, recordType: 'agency-lawful-basis', recordId: agencyId })
      const basis = await repository.findLawfulBasis(trx, actor.authorityId, agencyId)
      return { agency, basis: basis ? { ...basis, recordedAt: new Date(basis.recordedAt) } : undefined }
    })
  }

  async function saveLawfulBasis(context: RequestContext, agencyId: string, input: LawfulBasisInput): Promise<void> {
    const actor = practitionerOf(context)
    await access.transaction(context, async trx => {
      checkId(agencyId)
      const agency = await repository.findAgency(trx, actor.authorityId, agencyId)
      if (!agency) throw new NotFoundError('Page not found')
      await access.assertWithin(trx, context, { action: 'agency.manage', resource: { authorityId: actor.authorityId }, recordType: 'agency-lawful-basis', recordId: agencyId }, { details: { lawfulBasis: input.lawfulBasis, specialCategoryCondition: input.specialCategoryCondition } })
      const version = input.version ? Number(input.version) : null
      const saved = await repository.saveLawfulBasis(
        trx,
        { authorityId: actor.authorityId, agencyId, lawfulBasis: input.lawfulBasis, specialCategoryCondition: input.specialCategoryCondition, notes: input.notes ?? '', recordedByUserId: actor.userId, recordedAt: clock.now() },
        version,
      )
      if (!saved) throw new ConflictError('Someone else changed this agency’s lawful basis. Reload the page to see it.')
    })
  }

  return { openPage, open, reviewsPage, waitingCount, reviewGrant, reviewSharing, sharingPage, recordSharing, endSharing, lawfulBasisPage, saveLawfulBasis }
}

export type BreakGlassService = ReturnType<typeof createBreakGlassService>
