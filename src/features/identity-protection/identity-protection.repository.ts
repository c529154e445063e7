import type { Db } from '../../db/database.ts'
import type { ProtectedField } from '../../db/schema.ts'

// All Kysely code of identity protection. Every query names the authority.

export type ProtectionRecord = {
  id: string
  personId: string
  field: ProtectedField
  withheldFromPersonId: string | null
  withheldFromAccountId: string | null
  withheldFromName: string
  reason: string
  alsoWithhold: string
  createdByName: string | null
  createdAt: Date
  endedAt: Date | null
  endedByName: string | null
  endReason: string | null
}

/** A protection in force, with the current values of the protected person's details. */
export type ActiveProtection = {
  id: string
  personId: string
  field: ProtectedField
  alsoWithhold: string
  address: string | null
  postcode: string | null
  phone: string | null
  email: string | null
  schoolOrSetting: string | null
}

export async function findPersonName(db: Db, authorityId: string, personId: string): Promise<{ id: string; givenNames: string; familyName: string } | undefined> {
  return db.selectFrom('persons').select(['id', 'givenNames', 'familyName']).where('authorityId', '=', authorityId).where('id', '=', personId).executeTakeFirst()
}

export async function listProtectionsOf(db: Db, authorityId: string, personId: string): Promise<ProtectionRecord[]> {
  return db
    .selectFrom('identityProtections as p')
    .leftJoin('users as c', join => join.onRef('c.authorityId', '=', 'p.authorityId').onRef('c.id', '=', 'p.createdByUserId'))
    .leftJoin('users as e', join => join.onRef('e.authorityId', '=', 'p.authorityId').onRef('e.id', '=', 'p.endedByUserId'))
    .select([
      'p.id',
      'p.personId',
      'p.field',
      'p.withheldFromPersonId',
      'p.withheldFromAccountId',
      'p.withheldFromName',
      'p.reason',
      'p.alsoWithhold',
      'c.name as createdByName',
      'p.createdAt',
      'p.endedAt',
      'e.name as endedByName',
      'p.endReason',
    ])
    .where('p.authorityId', '=', authorityId)
    .where('p.personId', '=', personId)
    .orderBy('p.endedAt', 'desc')
    .orderBy('p.createdAt', 'desc')
    .execute()
}

export type NewProtection = {
  authorityId: string
  id: string
  personId: string
  field: ProtectedField
  withheldFromPersonId: string | null
  withheldFromAccountId: string | null
  withheldFromName: string
  reason: string
  alsoWithhold: string
  createdByUserId: string
  createdAt: Date
}

export async function insertProtection(db: Db, row: NewProtection): Promise<void> {
  await db.insertInto('identityProtections').values(row).execute()
}

/** Lifts a protection still in force; false when there is none (already lifted, or another person's). */
export async function endProtection(db: Db, authorityId: string, personId: string, id: string, end: { byUserId: string; at: Date; reason: string }): Promise<boolean> {
  const result = await db
    .updateTable('identityProtections')
    .set({ endedAt: end.at, endedByUserId: end.byUserId, endReason: end.reason })
    .where('authorityId', '=', authorityId)
    .where('personId', '=', personId)
    .where('id', '=', id)
    .where('endedAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) > 0
}

export type CandidatePerson = { id: string; givenNames: string; familyName: string }
export type CandidateAccount = { id: string; name: string; personId: string | null; kind: 'parent_carer' | 'young_person' }

/** People connected to the person: in an episode with them, related to them, or in a household with them (now). */
export async function listConnectedPeople(db: Db, authorityId: string, personId: string): Promise<CandidatePerson[]> {
  const episodeIds = db.selectFrom('episodePeople').select('episodeId').where('authorityId', '=', authorityId).where('personId', '=', personId)
  const householdIds = db.selectFrom('householdMembers').select('householdId').where('authorityId', '=', authorityId).where('personId', '=', personId).where('leftAt', 'is', null)
  return db
    .selectFrom('persons')
    .select(['id', 'givenNames', 'familyName'])
    .where('authorityId', '=', authorityId)
    .where('id', '<>', personId)
    .where('mergedIntoId', 'is', null)
    .where(eb =>
      eb.or([
        eb('id', 'in', db.selectFrom('episodePeople').select('personId').where('authorityId', '=', authorityId).where('episodeId', 'in', episodeIds)),
        eb('id', 'in', db.selectFrom('relationships').select('relatedPersonId').where('authorityId', '=', authorityId).where('personId', '=', personId)),
        eb('id', 'in', db.selectFrom('relationships').select('personId').where('authorityId', '=', authorityId).where('relatedPersonId', '=', personId)),
        eb('id', 'in', db.selectFrom('householdMembers').select('personId').where('authorityId', '=', authorityId).where('householdId', 'in', householdIds).where('leftAt', 'is', null)),
      ]),
    )
    .orderBy('familyName')
    .orderBy('givenNames')
    .execute()
}

/** Family accounts (not revoked) linked to an episode the person is in: who could read about them in the family's view. */
export async function listConnectedAccounts(db: Db, authorityId: string, personId: string): Promise<CandidateAccount[]> {
  const episodeIds = db.selectFrom('episodePeople').select('episodeId').where('authorityId', '=', authorityId).where('personId', '=', personId)
  return db
    .selectFrom('familyAccounts')
    .select(['id', 'name', 'personId', 'kind'])
    .where('authorityId', '=', authorityId)
    .where('status', '<>', 'revoked')
    .where(eb => eb.or([eb('personId', 'is', null), eb('personId', '<>', personId)]))
    .where('id', 'in', db.selectFrom('familyAccountEpisodes').select('accountId').where('authorityId', '=', authorityId).where('revokedAt', 'is', null).where('episodeId', 'in', episodeIds))
    .orderBy('name')
    .execute()
}

const ACTIVE_COLUMNS = ['p.id', 'p.personId', 'p.field', 'p.alsoWithhold', 's.address', 's.postcode', 's.phone', 's.email', 's.schoolOrSetting'] as const

/** Protections in force against any of these readers (family accounts, or person records of family members). */
export async function activeProtectionsAgainst(db: Db, authorityId: string, readers: { accountIds: string[]; personIds: string[] }): Promise<ActiveProtection[]> {
  if (readers.accountIds.length === 0 && readers.personIds.length === 0) return []
  return db
    .selectFrom('identityProtections as p')
    .innerJoin('persons as s', join => join.onRef('s.authorityId', '=', 'p.authorityId').onRef('s.id', '=', 'p.personId'))
    .select(ACTIVE_COLUMNS)
    .where('p.authorityId', '=', authorityId)
    .where('p.endedAt', 'is', null)
    .where(eb => {
      const ors = []
      if (readers.accountIds.length) ors.push(eb('p.withheldFromAccountId', 'in', readers.accountIds))
      if (readers.personIds.length) ors.push(eb('p.withheldFromPersonId', 'in', readers.personIds))
      return eb.or(ors)
    })
    .execute()
}

/** Every protection in force about a person in the episode, whoever it is withheld from (for the family's copies). */
export async function activeProtectionsInEpisode(db: Db, authorityId: string, episodeId: string): Promise<ActiveProtection[]> {
  return db
    .selectFrom('identityProtections as p')
    .innerJoin('persons as s', join => join.onRef('s.authorityId', '=', 'p.authorityId').onRef('s.id', '=', 'p.personId'))
    .select(ACTIVE_COLUMNS)
    .where('p.authorityId', '=', authorityId)
    .where('p.endedAt', 'is', null)
    .where('p.personId', 'in', db.selectFrom('episodePeople').select('personId').where('authorityId', '=', authorityId).where('episodeId', '=', episodeId))
    .execute()
}

/** Active protections of one person (the markers beside their details on the practitioner's page). */
export async function activeProtectionsOf(db: Db, authorityId: string, personId: string): Promise<{ field: ProtectedField; withheldFromName: string }[]> {
  return db
    .selectFrom('identityProtections')
    .select(['field', 'withheldFromName'])
    .where('authorityId', '=', authorityId)
    .where('personId', '=', personId)
    .where('endedAt', 'is', null)
    .orderBy('createdAt')
    .execute()
}

/** The addresses of the households a person lives in now (an address protection covers them too). */
export async function currentHouseholdAddresses(db: Db, authorityId: string, personIds: string[]): Promise<{ personId: string; address: string | null; postcode: string | null }[]> {
  if (personIds.length === 0) return []
  return db
    .selectFrom('householdMembers as m')
    .innerJoin('households as h', join => join.onRef('h.authorityId', '=', 'm.authorityId').onRef('h.id', '=', 'm.householdId'))
    .select(['m.personId', 'h.address', 'h.postcode'])
    .where('m.authorityId', '=', authorityId)
    .where('m.personId', 'in', personIds)
    .where('m.leftAt', 'is', null)
    .execute()
}

export async function accountPerson(db: Db, authorityId: string, accountId: string): Promise<string | null> {
  const row = await db.selectFrom('familyAccounts').select('personId').where('authorityId', '=', authorityId).where('id', '=', accountId).executeTakeFirst()
  return row?.personId ?? null
}

/**
 * Who an email or text message goes to, as readers: family accounts with that email or mobile, and person records
 * with it (the person's own record, or a family team member linked to a person).
 */
export async function readersOfContact(db: Db, authorityId: string, contact: string): Promise<{ accountIds: string[]; personIds: string[] }> {
  const value = contact.trim().toLowerCase()
  if (value === '') return { accountIds: [], personIds: [] }
  const accounts = await db
    .selectFrom('familyAccounts')
    .select(['id', 'personId'])
    .where('authorityId', '=', authorityId)
    .where(eb => eb.or([eb('email', '=', value), eb('mobile', '=', contact.trim())]))
    .execute()
  const members = await db
    .selectFrom('familyTeamMembers')
    .select('personId')
    .where('authorityId', '=', authorityId)
    .where('personId', 'is not', null)
    .where(eb => eb(eb.fn('lower', ['email']), '=', value))
    .execute()
  const people = await db
    .selectFrom('persons')
    .select('id')
    .where('authorityId', '=', authorityId)
    .where(eb => eb(eb.fn('lower', ['email']), '=', value))
    .execute()
  return {
    accountIds: accounts.map(account => account.id),
    personIds: [...new Set([...accounts.flatMap(account => (account.personId ? [account.personId] : [])), ...members.flatMap(member => (member.personId ? [member.personId] : [])), ...people.map(person => person.id)])],
  }
}
