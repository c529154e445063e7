import type { Kysely, Transaction } from 'kysely'
import type { Database, ProtectedField } from '../../db/schema.ts'
import type { Clock } from '../../lib/clock.ts'
import { DomainRuleError, ForbiddenError, NotFoundError } from '../../lib/errors.ts'
import { isUuid, uuidv7 } from '../../lib/ids.ts'
import type { Access, AuditNote } from '../../policy/access.ts'
import type { RequestContext } from '../../policy/actor.ts'
import { personRelationship } from '../people/people.repository.ts'
import * as repository from './identity-protection.repository.ts'
import type { EndInput, ProtectInput } from './identity-protection.schemas.ts'

export type IdentityProtectionService = ReturnType<typeof createIdentityProtectionService>

/** Someone who may be named as the person a detail is withheld from. */
export type WithheldFromChoice = { value: string; name: string; hint: string }

export const FIELD_NAMES: Readonly<Record<ProtectedField, string>> = {
  address: 'Address',
  phone: 'Phone',
  email: 'Email',
  school: 'School or setting',
  whereabouts: 'Where they are now',
}

/**
 * Identity protection, the practitioner's side: mark a person's details "do not disclose to <person>" with a reason,
 * see the protections in force and those lifted, and lift one with a reason. Who may: the team of an episode about
 * the person, whoever registered them, and coordinators (action identity-protection.manage, audited; the audit names
 * which details and from whom, never the values). What the family then sees is decided in
 * identity-protection.redaction.ts.
 */
export function createIdentityProtectionService(deps: { db: Kysely<Database>; clock: Clock; access: Access }) {
  const { clock, access } = deps

  function practitionerOf(context: RequestContext) {
    const actor = context.actor
    if (actor.kind !== 'practitioner') throw new ForbiddenError('You do not have access to this.')
    return actor
  }

  /** Decide → work → audit in one transaction, on a person of the actor's authority (404 for anything else). */
  async function onPerson<T>(
    context: RequestContext,
    personId: string,
    work: (trx: Transaction<Database>, person: { id: string; name: string }, userId: string, note: AuditNote) => Promise<T>,
  ): Promise<T> {
    const actor = practitionerOf(context)
    if (!isUuid(personId)) throw new NotFoundError('There is nothing at this address.')
    return access.transaction(context, async trx => {
      const person = await repository.findPersonName(trx, actor.authorityId, personId)
      if (!person) throw new NotFoundError('There is nothing at this address.')
      const request = {
        action: 'identity-protection.manage' as const,
        resource: { authorityId: actor.authorityId, relationship: await personRelationship(trx, actor.authorityId, personId, actor.userId) },
        recordType: 'identity-protection',
        recordId: personId,
      }
      const decision = access.decide(actor, request.action, request.resource)
      if (!decision.allowed) await access.assertWithin(trx, context, request)
      const note: AuditNote = {}
      const result = await work(trx, { id: person.id, name: `${person.givenNames} ${person.familyName}` }, actor.userId, note)
      await access.assertWithin(trx, context, request, note)
      return result
    })
  }

  async function choicesFor(trx: Transaction<Database>, authorityId: string, personId: string): Promise<WithheldFromChoice[]> {
    const people = await repository.listConnectedPeople(trx, authorityId, personId)
    const accounts = await repository.listConnectedAccounts(trx, authorityId, personId)
    const accountOf = new Map(accounts.flatMap(account => (account.personId ? [[account.personId, account] as const] : [])))
    return [
      ...people.map(person => ({
        value: `person:${person.id}`,
        name: `${person.givenNames} ${person.familyName}`,
        hint: accountOf.has(person.id)
          ? 'Registered person with an account for the family’s own view: withheld from that account and any later one'
          : 'Registered person: withheld from any account they are given for the family’s own view, and from emails to them',
      })),
      ...accounts
        .filter(account => !account.personId || !people.some(person => person.id === account.personId))
        .map(account => ({
          value: `account:${account.id}`,
          name: account.name,
          hint: `Account for the family’s own view (${account.kind === 'young_person' ? 'young person' : 'parent or carer'}), not linked to a registered person`,
        })),
    ]
  }

  async function page(context: RequestContext, personId: string) {
    return onPerson(context, personId, async (trx, person, _userId, note) => {
      const authorityId = practitionerOf(context).authorityId
      note.details = { page: 'identity protection' }
      return { person, protections: await repository.listProtectionsOf(trx, authorityId, person.id), choices: await choicesFor(trx, authorityId, person.id) }
    })
  }

  async function protect(context: RequestContext, personId: string, input: ProtectInput): Promise<void> {
    return onPerson(context, personId, async (trx, person, userId, note) => {
      const authorityId = practitionerOf(context).authorityId
      const choice = (await choicesFor(trx, authorityId, person.id)).find(item => item.value === input.withheldFrom)
      if (!choice) throw new DomainRuleError('Select someone from the list', 'withheldFrom')
      const [kind, id] = input.withheldFrom.split(':') as ['person' | 'account', string]
      let fromPersonId: string | null = kind === 'person' ? id : null
      const fromAccountId: string | null = kind === 'account' ? id : null
      if (fromAccountId) fromPersonId = await repository.accountPerson(trx, authorityId, fromAccountId)
      const now = clock.now()
      const fields = [...new Set(input.fields)]
      for (const field of fields) {
        await repository.insertProtection(trx, {
          authorityId,
          id: uuidv7(now.getTime()),
          personId: person.id,
          field,
          withheldFromPersonId: fromPersonId,
          withheldFromAccountId: fromAccountId,
          withheldFromName: choice.name,
          reason: input.reason,
          alsoWithhold: input.alsoWithhold,
          createdByUserId: userId,
          createdAt: now,
        })
      }
      // What, and from whom; never the values.
      note.details = { change: 'details marked do not disclose', fields, withheldFromPersonId: fromPersonId, withheldFromAccountId: fromAccountId }
    })
  }

  async function end(context: RequestContext, personId: string, input: EndInput): Promise<void> {
    return onPerson(context, personId, async (trx, person, userId, note) => {
      const ended = await repository.endProtection(trx, practitionerOf(context).authorityId, person.id, input.protectionId, { byUserId: userId, at: clock.now(), reason: input.endReason })
      if (!ended) throw new DomainRuleError('This protection has already been lifted', 'endReason')
      note.details = { change: 'protection lifted', protectionId: input.protectionId }
    })
  }

  return { page, protect, end }
}
