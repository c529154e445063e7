import type { Kysely, Transaction } from 'kysely'
import type { Database, RelationshipKind } from '../../db/schema.ts'
import type { Db } from '../../db/database.ts'
import type { Clock } from '../../lib/clock.ts'
import { ConflictError, DomainRuleError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../../lib/errors.ts'
import { isUuid, uuidv7 } from '../../lib/ids.ts'
import { DeniedWithin, type Access, type AuditNote } from '../../policy/access.ts'
import type { RequestContext } from '../../policy/actor.ts'
import type { Action, RecordRelationship } from '../../policy/policy.ts'
import { activeProtectionsOf } from '../identity-protection/identity-protection.repository.ts'
import * as repository from './people.repository.ts'
import { forenameAlternatives, postcodeDistrict, searchNamesOf, transposedDate } from './person-details.ts'

export type { EpisodeSummary, Household, HouseholdMember, LikelyPerson, Person, PersonDetails, Relationship } from './people.repository.ts'

/** Scores at or above this are shown as likely the same person (chosen from the measured precision and recall). */
export const MATCH_THRESHOLD = 0.7
export const MATCH_LIMIT = 10

export type PeopleService = ReturnType<typeof createPeopleService>

export type PersonSearch = { givenNames: string; familyName: string; dateOfBirth: string | null; postcode: string | null }

/** Someone else saved the record after this form was opened: nothing was changed; `current` is what is saved now. */
export class StalePersonError<T> extends ConflictError {
  constructor(
    message: string,
    readonly current: T,
  ) {
    super(message)
  }
}

/** Registering would likely duplicate these people: the practitioner must look at them first. */
export class PossibleDuplicatesError extends DomainRuleError {
  constructor(readonly candidates: repository.LikelyPerson[]) {
    super('This person may already be registered. Check the people below, or confirm that none of them is this person', 'confirmNew')
  }
}

/** The record was merged into another: links to it lead to the kept record. */
export class MergedRecordError extends NotFoundError {
  constructor(readonly keptPersonId: string) {
    super('This record was merged into another.')
  }
}

/** The query for the matcher, from what the practitioner typed. */
export function likelyPersonQuery(authorityId: string, search: PersonSearch, options: { excludePersonId?: string; threshold?: number; limit?: number } = {}): repository.LikelyPersonQuery {
  const names = searchNamesOf(search.givenNames, search.familyName)
  return {
    authorityId,
    given: names.searchGiven,
    family: names.searchFamily,
    givenAlternatives: names.searchGiven ? forenameAlternatives(names.searchGiven) : [],
    dateOfBirth: search.dateOfBirth,
    transposedDateOfBirth: search.dateOfBirth ? transposedDate(search.dateOfBirth) : null,
    postcode: search.postcode,
    district: postcodeDistrict(search.postcode),
    excludePersonId: options.excludePersonId,
    threshold: options.threshold ?? MATCH_THRESHOLD,
    limit: options.limit ?? MATCH_LIMIT,
  }
}

const RELATIONSHIP_KINDS: readonly RelationshipKind[] = ['mother', 'father', 'step_parent', 'carer', 'grandparent', 'sibling', 'half_sibling', 'partner', 'other']

/**
 * People and families, told once: the duplicate search, registration, households and relationships, and the
 * coordinator's reversible merge. Every read and write goes through the access layer. Records are confined to the
 * actor's authority; opening one needs a relationship to it (registrant, on the team of an episode about them, or a
 * coordinator), read from the database before the decision.
 */
export function createPeopleService(deps: { db: Kysely<Database>; clock: Clock; access: Access }) {
  const { db, clock, access } = deps

  function actorOf(context: RequestContext): { authorityId: string; userId: string | null } {
    const actor = context.actor
    if (actor.kind === 'anonymous') throw new UnauthenticatedError('Sign in to continue.')
    if (actor.authorityId === null) throw new ForbiddenError('You do not have access to this.')
    return { authorityId: actor.authorityId, userId: actor.kind === 'practitioner' ? actor.userId : null }
  }

  function notFound(): never {
    throw new NotFoundError('There is nothing at this address.')
  }

  /** The actor's relationship to a person, or 404 when there is no such person in their authority. */
  async function personAccess(db: Transaction<Database>, authorityId: string, userId: string | null, personId: string): Promise<{ relationship: RecordRelationship; mergedIntoId: string | null }> {
    if (!isUuid(personId)) notFound()
    const person = await repository.findPerson(db, authorityId, personId)
    if (!person) notFound()
    const relationship = userId ? await repository.personRelationship(db, authorityId, personId, userId) : { onTeam: false }
    return { relationship, mergedIntoId: person.mergedIntoId }
  }

  async function householdAccess(db: Transaction<Database>, authorityId: string, userId: string | null, householdId: string): Promise<RecordRelationship> {
    if (!isUuid(householdId)) notFound()
    const household = await repository.findHousehold(db, authorityId, householdId)
    if (!household) notFound()
    return userId ? repository.householdRelationship(db, authorityId, householdId, userId) : { onTeam: false }
  }

  /**
   * Decide → work → audit in one transaction. A record-level action names how to read the actor's relationship to the
   * record; it is read inside the same transaction, so what is decided is what the work sees.
   */
  function runOn<T>(
    context: RequestContext,
    action: Action,
    authorityId: string,
    record: { type: string; id: string | null; relationship?: (trx: Transaction<Database>) => Promise<RecordRelationship> },
    work: (trx: Transaction<Database>, note: AuditNote) => Promise<T>,
    options: { alsoNeeds?: Action } = {},
  ): Promise<T> {
    const relationshipOf = record.relationship
    if (!relationshipOf) {
      return access.run(context, { action, resource: { authorityId }, recordType: record.type, recordId: record.id }, work)
    }
    return access.transaction(context, async trx => {
      const request = { action, resource: { authorityId, relationship: await relationshipOf(trx) }, recordType: record.type, recordId: record.id }
      const decision = access.decide(context.actor, action, request.resource)
      if (!decision.allowed) throw new DeniedWithin(request, decision.reason)
      // A form for a change is shown only to someone who may make the change (a panel member reads, and is not shown it).
      if (options.alsoNeeds) {
        const change = access.decide(context.actor, options.alsoNeeds, request.resource)
        if (!change.allowed) throw new DeniedWithin({ ...request, action: options.alsoNeeds }, change.reason)
      }
      const note: AuditNote = {}
      const result = await work(trx, note)
      await access.assertWithin(trx, context, request, note)
      return result
    })
  }

  // ---- the duplicate search ------------------------------------------------------------------------------------

  /** Likely existing records: only what is needed to recognise someone leaves here. */
  async function search(context: RequestContext, input: PersonSearch) {
    const { authorityId } = actorOf(context)
    return runOn(context, 'person.search', authorityId, { type: 'person', id: null }, async (trx, note) => {
      const found = await repository.findLikelyPeople(trx, likelyPersonQuery(authorityId, input))
      note.details = { candidates: found.length, withDateOfBirth: input.dateOfBirth !== null, withPostcode: input.postcode !== null }
      return found
    })
  }

  // ---- people --------------------------------------------------------------------------------------------------

  async function register(context: RequestContext, input: repository.PersonDetails & { confirmedNew: boolean }): Promise<string> {
    const { authorityId, userId } = actorOf(context)
    return runOn(context, 'person.register', authorityId, { type: 'person', id: null }, async (trx, note) => {
      if (input.nhsNumber) {
        const holder = await repository.findPersonByNhsNumber(trx, authorityId, input.nhsNumber)
        if (holder) throw new DomainRuleError('Someone with this NHS number is already registered. Search for them and use their record', 'nhsNumber')
      }
      // Told once: the search runs again here, so that nobody registers a likely duplicate without having seen it.
      if (!input.confirmedNew) {
        const candidates = await repository.findLikelyPeople(
          trx,
          likelyPersonQuery(authorityId, { givenNames: input.givenNames, familyName: input.familyName, dateOfBirth: input.dateOfBirth ?? input.expectedDateOfBirth, postcode: input.postcode }),
        )
        if (candidates.length > 0) throw new PossibleDuplicatesError(candidates)
      }
      const { confirmedNew: _confirmed, ...details } = input
      const id = uuidv7(clock.now().getTime())
      await repository.insertPerson(trx, { ...details, ...searchNamesOf(input.givenNames, input.familyName), authorityId, id, createdByUserId: userId, at: clock.now() })
      note.recordId = id
      note.details = { change: 'registered', confirmedNoDuplicate: input.confirmedNew }
      return id
    })
  }

  /** The actor's relationship to a person that was not merged away (a merged one redirects to the kept record). */
  function relationshipToPerson(authorityId: string, userId: string | null, personId: string) {
    return async (trx: Transaction<Database>): Promise<RecordRelationship> => {
      const { relationship, mergedIntoId } = await personAccess(trx, authorityId, userId, personId)
      if (mergedIntoId) throw new MergedRecordError(await keptRecordOf(trx, authorityId, mergedIntoId))
      return relationship
    }
  }

  /** A person's record with their households, relationships, episodes and the merges into it. */
  /** A person's page; `toChange`: for the edit form, which also needs the right to change the person. */
  async function view(context: RequestContext, personId: string, options: { toChange?: boolean } = {}) {
    const { authorityId, userId } = actorOf(context)
    return runOn(context, 'person.view', authorityId, { type: 'person', id: personId, relationship: relationshipToPerson(authorityId, userId, personId) }, async (trx, note) => {
      if (options.toChange) note.details = { page: 'edit form' }
      const person = await repository.findPerson(trx, authorityId, personId)
      if (!person) notFound()
      const households = await repository.listHouseholdsOf(trx, authorityId, personId)
      const relationships = await repository.listRelationshipsAmong(trx, authorityId, [personId])
      const names = await repository.personNames(trx, authorityId, [...new Set(relationships.flatMap(r => [r.personId, r.relatedPersonId]))])
      const episodes = await repository.listPersonEpisodes(trx, authorityId, personId)
      const merges = await repository.listMergesInto(trx, authorityId, personId)
      // Identity protection: the "do not disclose to" markers shown beside the protected details.
      const protections = await activeProtectionsOf(trx, authorityId, personId)
      return { person, households, relationships, names, episodes, merges, protections }
    }, options.toChange ? { alsoNeeds: 'person.update' } : {})
  }

  /** Follows merged_into_id to the record that is kept now (a chain of merges ends at one). */
  async function keptRecordOf(db: Db, authorityId: string, personId: string): Promise<string> {
    let current = personId
    for (let step = 0; step < 20; step++) {
      const person = await repository.findPerson(db, authorityId, current)
      if (!person?.mergedIntoId) return current
      current = person.mergedIntoId
    }
    return current
  }

  async function update(context: RequestContext, personId: string, input: repository.PersonDetails & { version: number }) {
    const { authorityId, userId } = actorOf(context)
    return runOn(context, 'person.update', authorityId, { type: 'person', id: personId, relationship: relationshipToPerson(authorityId, userId, personId) }, async (trx, note) => {
      if (input.nhsNumber) {
        const holder = await repository.findPersonByNhsNumber(trx, authorityId, input.nhsNumber, personId)
        if (holder) throw new DomainRuleError('Another record has this NHS number. If it is the same person, ask a coordinator to merge the records', 'nhsNumber')
      }
      const { version, ...details } = input
      const saved = await repository.updatePerson(trx, authorityId, personId, version, { ...details, ...searchNamesOf(details.givenNames, details.familyName) }, clock.now())
      if (!saved) {
        const current = await repository.findPerson(trx, authorityId, personId)
        if (!current) notFound()
        throw new StalePersonError('Someone else changed this record after you opened this page', current)
      }
      note.details = { change: 'updated' }
    })
  }

  // ---- households ----------------------------------------------------------------------------------------------

  async function createHousehold(context: RequestContext, input: { name: string; address: string | null; postcode: string | null; firstPersonId: string | null }) {
    const { authorityId, userId } = actorOf(context)
    const firstPersonId = input.firstPersonId
    const relationship = firstPersonId
      ? async (trx: Transaction<Database>) => {
          const found = await personAccess(trx, authorityId, userId, firstPersonId)
          if (found.mergedIntoId) notFound()
          return found.relationship
        }
      : undefined
    // Starting a household around someone is a change to them; an empty household is a registration.
    const action: Action = input.firstPersonId ? 'person.update' : 'person.register'
    return runOn(context, action, authorityId, { type: 'household', id: null, ...(relationship ? { relationship } : {}) }, async (trx, note) => {
      const id = uuidv7(clock.now().getTime())
      await repository.insertHousehold(trx, { authorityId, id, name: input.name, address: input.address, postcode: input.postcode, createdByUserId: userId, at: clock.now() })
      if (input.firstPersonId) await repository.joinHousehold(trx, authorityId, id, input.firstPersonId, clock.now())
      note.recordId = id
      note.details = { change: 'created', firstPersonId: input.firstPersonId }
      return id
    })
  }

  /** The family overview: the household, its people (current and past), their relationships and episodes. */
  /** A household's page; `toChange`: for a form that changes it, which also needs the right to change it. */
  async function viewHousehold(context: RequestContext, householdId: string, options: { toChange?: boolean } = {}) {
    const { authorityId, userId } = actorOf(context)
    return runOn(context, 'person.view', authorityId, { type: 'household', id: householdId, relationship: trx => householdAccess(trx, authorityId, userId, householdId) }, async (trx, note) => {
      if (options.toChange) note.details = { page: 'relationship form' }
      const household = await repository.findHousehold(trx, authorityId, householdId)
      if (!household) notFound()
      const members = await repository.listHouseholdMembers(trx, authorityId, householdId)
      const memberIds = members.map(member => member.personId)
      const relationships = (await repository.listRelationshipsAmong(trx, authorityId, memberIds)).filter(
        r => memberIds.includes(r.personId) && memberIds.includes(r.relatedPersonId),
      )
      const episodes = await repository.listHouseholdEpisodes(trx, authorityId, householdId)
      return { household, members, relationships, episodes }
    }, options.toChange ? { alsoNeeds: 'person.update' } : {})
  }

  /** Adds a person (found by the search, or just registered) to a household. */
  async function addMember(context: RequestContext, householdId: string, personId: string) {
    const { authorityId, userId } = actorOf(context)
    return runOn(context, 'person.update', authorityId, { type: 'household', id: householdId, relationship: trx => householdAccess(trx, authorityId, userId, householdId) }, async (trx, note) => {
      if (!isUuid(personId)) notFound()
      const person = await repository.findPerson(trx, authorityId, personId)
      if (!person) throw new DomainRuleError('That person could not be found. Search again', 'personId')
      const target = person.mergedIntoId ?? person.id
      const joined = await repository.joinHousehold(trx, authorityId, householdId, target, clock.now())
      if (!joined) throw new DomainRuleError(`${person.givenNames} ${person.familyName} is already in this household`, 'personId')
      await repository.bumpHouseholdVersion(trx, authorityId, householdId)
      note.details = { change: 'member-added', personId: target }
    })
  }

  async function leaveHousehold(context: RequestContext, householdId: string, personId: string) {
    const { authorityId, userId } = actorOf(context)
    return runOn(context, 'person.update', authorityId, { type: 'household', id: householdId, relationship: trx => householdAccess(trx, authorityId, userId, householdId) }, async (trx, note) => {
      if (!isUuid(personId)) notFound()
      const left = await repository.leaveHousehold(trx, authorityId, householdId, personId, clock.now())
      if (!left) notFound()
      await repository.bumpHouseholdVersion(trx, authorityId, householdId)
      note.details = { change: 'member-left', personId }
    })
  }

  async function addRelationship(
    context: RequestContext,
    householdId: string,
    input: { personId: string; relatedPersonId: string; kind: RelationshipKind; parentalResponsibility: boolean; description: string | null },
  ) {
    const { authorityId, userId } = actorOf(context)
    return runOn(context, 'person.update', authorityId, { type: 'household', id: householdId, relationship: trx => householdAccess(trx, authorityId, userId, householdId) }, async (trx, note) => {
      if (!RELATIONSHIP_KINDS.includes(input.kind)) throw new DomainRuleError('Choose the relationship', 'kind')
      if (input.personId === input.relatedPersonId) throw new DomainRuleError('Choose two different people', 'relatedPersonId')
      const members = await repository.listHouseholdMembers(trx, authorityId, householdId)
      const current = new Set(members.filter(member => member.leftAt === null).map(member => member.personId))
      if (!current.has(input.personId)) throw new DomainRuleError('Choose a person in this household', 'personId')
      if (!current.has(input.relatedPersonId)) throw new DomainRuleError('Choose a person in this household', 'relatedPersonId')
      if (await repository.findRelationship(trx, authorityId, input.personId, input.relatedPersonId, input.kind)) {
        throw new DomainRuleError('This relationship is already recorded', 'kind')
      }
      const id = uuidv7(clock.now().getTime())
      await repository.insertRelationship(trx, {
        personId: input.personId,
        relatedPersonId: input.relatedPersonId,
        kind: input.kind,
        parentalResponsibility: input.parentalResponsibility,
        description: input.description,
        id,
        authorityId,
        at: clock.now(),
      })
      note.details = { change: 'relationship-added', relationshipId: id, kind: input.kind }
      return id
    })
  }

  // ---- merging duplicates --------------------------------------------------------------------------------------

  /** Likely other records of the same person, for the coordinator choosing what to merge. */
  async function mergeCandidates(context: RequestContext, personId: string) {
    const { authorityId } = actorOf(context)
    return runOn(context, 'person.merge', authorityId, { type: 'person', id: isUuid(personId) ? personId : null }, async trx => {
      if (!isUuid(personId)) notFound()
      const person = await repository.findPerson(trx, authorityId, personId)
      if (!person || person.mergedIntoId) notFound()
      const candidates = await repository.findLikelyPeople(
        trx,
        likelyPersonQuery(
          authorityId,
          { givenNames: person.givenNames, familyName: person.familyName, dateOfBirth: person.dateOfBirth ?? person.expectedDateOfBirth, postcode: person.postcode },
          { excludePersonId: personId, threshold: 0.6 },
        ),
      )
      return { person, candidates }
    })
  }

  /** Two records side by side. */
  async function compare(context: RequestContext, personId: string, otherPersonId: string) {
    const { authorityId } = actorOf(context)
    return runOn(context, 'person.merge', authorityId, { type: 'person', id: isUuid(personId) ? personId : null }, async (trx, note) => {
      if (!isUuid(personId) || !isUuid(otherPersonId) || personId === otherPersonId) notFound()
      const [first, second] = await Promise.all([repository.findPerson(trx, authorityId, personId), repository.findPerson(trx, authorityId, otherPersonId)])
      if (!first || !second || first.mergedIntoId || second.mergedIntoId) notFound()
      const households = async (id: string) => repository.listHouseholdsOf(trx, authorityId, id)
      note.details = { compared: otherPersonId }
      return { first: { person: first, households: await households(first.id) }, second: { person: second, households: await households(second.id) } }
    })
  }

  async function merge(context: RequestContext, input: { keptPersonId: string; mergedPersonId: string; reason: string }) {
    const { authorityId, userId } = actorOf(context)
    return runOn(context, 'person.merge', authorityId, { type: 'person', id: isUuid(input.keptPersonId) ? input.keptPersonId : null }, async (trx, note) => {
      if (!isUuid(input.keptPersonId) || !isUuid(input.mergedPersonId)) notFound()
      if (input.keptPersonId === input.mergedPersonId) throw new DomainRuleError('Choose two different records', 'keep')
      const kept = await repository.findPerson(trx, authorityId, input.keptPersonId)
      const merged = await repository.findPerson(trx, authorityId, input.mergedPersonId)
      if (!kept || !merged) notFound()
      if (kept.mergedIntoId || merged.mergedIntoId) throw new DomainRuleError('One of these records has already been merged. Start again from the kept record', 'keep')
      const moved = await repository.moveForMerge(trx, authorityId, kept.id, merged.id)
      await repository.setMergedInto(trx, authorityId, merged.id, kept.id, clock.now())
      const id = uuidv7(clock.now().getTime())
      await repository.insertMerge(trx, { authorityId, id, keptPersonId: kept.id, mergedPersonId: merged.id, reason: input.reason, moved, mergedByUserId: userId, at: clock.now() })
      note.details = {
        change: 'merged',
        mergeId: id,
        mergedPersonId: merged.id,
        moved: {
          householdMembers: moved.householdMembers.moved.length + moved.householdMembers.removed.length,
          relationships: moved.relationships.moved.length + moved.relationships.removed.length,
          episodePeople: moved.episodePeople.moved.length + moved.episodePeople.removed.length,
        },
      }
      return id
    })
  }

  async function undoMerge(context: RequestContext, mergeId: string) {
    const { authorityId, userId } = actorOf(context)
    return runOn(context, 'person.merge', authorityId, { type: 'person-merge', id: isUuid(mergeId) ? mergeId : null }, async (trx, note) => {
      if (!isUuid(mergeId)) notFound()
      const found = await repository.findMerge(trx, authorityId, mergeId)
      if (!found) notFound()
      if (found.undoneAt) throw new DomainRuleError('This merge has already been undone', 'main-content')
      const merged = await repository.findPerson(trx, authorityId, found.mergedPersonId)
      if (merged?.mergedIntoId !== found.keptPersonId) throw new DomainRuleError('This merge cannot be undone: the record has changed since', 'main-content')
      await repository.restoreAfterMerge(trx, authorityId, found.keptPersonId, found.mergedPersonId, found.moved)
      await repository.setMergedInto(trx, authorityId, found.mergedPersonId, null, clock.now())
      await repository.markMergeUndone(trx, authorityId, mergeId, userId, clock.now())
      note.details = { change: 'merge-undone', keptPersonId: found.keptPersonId, mergedPersonId: found.mergedPersonId }
      return found
    })
  }

  return {
    search,
    register,
    view,
    update,
    createHousehold,
    viewHousehold,
    addMember,
    leaveHousehold,
    addRelationship,
    mergeCandidates,
    compare,
    merge,
    undoMerge,
    keptRecordOf: (context: RequestContext, personId: string) => keptRecordOf(db, actorOf(context).authorityId, personId),
  }
}

