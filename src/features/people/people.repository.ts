import { sql, type Selectable } from 'kysely'
import type { Db } from '../../db/database.ts'
import type { PersonsTable, RelationshipKind } from '../../db/schema.ts'
import type { PersonDetailsInput } from './people.schemas.ts'
import { householdCoordination, personCoordination } from '../panels/coordination.repository.ts'
import { membershipCounts } from '../episodes/sharing.repository.ts'

// All Kysely code for people, households, relationships and merges. Every query names the authority it works in, so
// an id of another authority is simply not found.

// ---- people ----------------------------------------------------------------------------------------------------

export type Person = Omit<Selectable<PersonsTable>, 'authorityId' | 'searchName' | 'searchGiven' | 'searchFamily' | 'anonymisedAt'>

/** Everything a practitioner records about a person: the fields the registration and edit forms validate. */
export type PersonDetails = PersonDetailsInput

export type SearchColumns = { searchName: string; searchGiven: string; searchFamily: string }

const PERSON_COLUMNS = [
  'id',
  'givenNames',
  'familyName',
  'otherNames',
  'dateOfBirth',
  'expectedDateOfBirth',
  'sex',
  'gender',
  'ethnicity',
  'firstLanguage',
  'interpreterNeeded',
  'disability',
  'address',
  'postcode',
  'phone',
  'email',
  'schoolOrSetting',
  'uniquePupilNumber',
  'nhsNumber',
  'gpPractice',
  'mergedIntoId',
  'createdByUserId',
  'createdAt',
  'updatedAt',
  'version',
] as const

export async function insertPerson(
  db: Db,
  row: PersonDetails & SearchColumns & { authorityId: string; id: string; createdByUserId: string | null; at: Date },
): Promise<void> {
  const { at, ...values } = row
  await db.insertInto('persons').values({ ...values, createdAt: at, updatedAt: at }).execute()
}

export async function findPerson(db: Db, authorityId: string, personId: string): Promise<Person | undefined> {
  return db.selectFrom('persons').select(PERSON_COLUMNS).where('authorityId', '=', authorityId).where('id', '=', personId).executeTakeFirst()
}

/** Changes a person only if nobody else has since the given version; true when it did. */
export async function updatePerson(
  db: Db,
  authorityId: string,
  personId: string,
  version: number,
  changes: PersonDetails & SearchColumns,
  at: Date,
): Promise<boolean> {
  const result = await db
    .updateTable('persons')
    .set({ ...changes, updatedAt: at, version: sql<number>`version + 1` })
    .where('authorityId', '=', authorityId)
    .where('id', '=', personId)
    .where('version', '=', version)
    .where('mergedIntoId', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

/** Another record (not merged away) with this NHS number. */
export async function findPersonByNhsNumber(db: Db, authorityId: string, nhsNumber: string, exceptId?: string) {
  let query = db
    .selectFrom('persons')
    .select(['id', 'givenNames', 'familyName'])
    .where('authorityId', '=', authorityId)
    .where('nhsNumber', '=', nhsNumber)
    .where('mergedIntoId', 'is', null)
  if (exceptId) query = query.where('id', '<>', exceptId)
  return query.executeTakeFirst()
}

/** What the actor is to a person: on the team of an episode about them (or their household), or their registrant. */
export async function personRelationship(db: Db, authorityId: string, personId: string, userId: string) {
  const row = await sql<{ member: boolean; fullMember: boolean; creator: boolean }>`
    with memberships as (
      select m.role from episode_people ep
        join episode_members m on m.authority_id = ep.authority_id and m.episode_id = ep.episode_id
       where ep.authority_id = ${authorityId} and ep.person_id = ${personId} and m.user_id = ${userId} and m.left_at is null and ${notWithdrawn}
      union all
      select m.role from household_members hm
        join episodes e on e.authority_id = hm.authority_id and e.household_id = hm.household_id
        join episode_members m on m.authority_id = e.authority_id and m.episode_id = e.id
       where hm.authority_id = ${authorityId} and hm.person_id = ${personId} and hm.left_at is null
         and m.user_id = ${userId} and m.left_at is null and ${notWithdrawn}
    )
    select exists(select 1 from memberships) as member,
           exists(select 1 from memberships where role <> 'contributor') as full_member,
           exists(select 1 from persons where authority_id = ${authorityId} and id = ${personId} and created_by_user_id = ${userId}) as creator
  `.execute(db)
  const found = row.rows[0]
  return {
    onTeam: found?.member === true,
    contributorOnly: found?.member === true && found.fullMember !== true,
    createdByActor: found?.creator === true,
    ...(await personCoordination(db, authorityId, personId, userId)),
    ...(found?.member === true ? {} : await personBreakGlass(db, authorityId, personId, userId)),
  }
}

/** Break-glass (src/features/break-glass): the latest emergency grant of this user on an episode about the person. */
async function personBreakGlass(db: Db, authorityId: string, personId: string, userId: string): Promise<{ breakGlassUntil?: Date }> {
  const row = await sql<{ until: Date | string | null }>`
    select max(g.expires_at) as until from break_glass_grants g
      join episode_people ep on ep.authority_id = g.authority_id and ep.episode_id = g.episode_id
     where g.authority_id = ${authorityId} and g.user_id = ${userId} and ep.person_id = ${personId}
  `.execute(db)
  const until = row.rows[0]?.until
  return until ? { breakGlassUntil: new Date(until) } : {}
}

/**
 * A membership counts only while the family has not withdrawn consent to share with the member's agency, and, for an
 * agency whose lawful basis is consent, while a current agreement names it (sharing without agreement overrides both).
 */
const notWithdrawn = membershipCounts

// ---- the duplicate search --------------------------------------------------------------------------------------

export type LikelyPersonQuery = {
  authorityId: string
  /** Normalised first forename and family name (either may be ''). */
  given: string
  family: string
  /** The forename and its nickname group, normalised. */
  givenAlternatives: string[]
  dateOfBirth: string | null
  transposedDateOfBirth: string | null
  postcode: string | null
  district: string | null
  excludePersonId?: string | undefined
  threshold: number
  limit: number
}

/** pg_trgm's % threshold for name candidates (this transaction only). */
const CANDIDATE_SIMILARITY = 0.5

export type LikelyPerson = {
  id: string
  givenNames: string
  familyName: string
  dateOfBirth: string | null
  expectedDateOfBirth: string | null
  postcode: string | null
  schoolOrSetting: string | null
  score: number
}

/**
 * People who are probably the one described: a scored ranking in SQL. Candidates come from the indexes (trigram
 * similarity on the whole name, its swapped and nickname forms; double metaphone of family name and forename, either
 * way round; the same or day/month-transposed date of birth; the same postcode). Each is scored:
 *   name     = best of sqrt(forename × family name), the same swapped, and whole-name trigram similarity, where a part
 *              scores its trigram similarity (best over nicknames), or 0.8 when it sounds the same
 *   birth    = 1 same date, 0.8 day and month swapped, 0.6 same day and month a year out, 0.4 same year and month,
 *              0.5 when either is unknown, else 0
 *   postcode = 1 same, 0.5 same district or either unknown, else 0
 *   score    = 0.6 name + 0.3 birth + 0.1 postcode
 * and kept at or above the threshold, best first.
 */
export async function findLikelyPeople(db: Db, query: LikelyPersonQuery): Promise<LikelyPerson[]> {
  if (!db.isTransaction) return db.transaction().execute(trx => findLikelyPeople(trx, query))
  // Candidates by whole-name trigrams need a stricter similarity than pg_trgm's default 0.3, or common names pull in
  // thousands of rows to score; typos that fall below it are still found by sound, birth date or postcode.
  await sql`select set_config('pg_trgm.similarity_threshold', ${String(CANDIDATE_SIMILARITY)}, true)`.execute(db)
  const full = `${query.given} ${query.family}`.trim()
  const swapped = `${query.family} ${query.given}`.trim()
  const nicknameNames = query.givenAlternatives.filter(name => name !== query.given).slice(0, 8).map(name => `${name} ${query.family}`.trim())
  const trigramNames = [...new Set([full, swapped, ...nicknameNames])].filter(name => name.length > 0)
  const alternatives = query.givenAlternatives.length > 0 ? query.givenAlternatives : [query.given]
  // Each way of being a candidate is its own index-friendly branch (a union), so that the planner never falls back to
  // scanning everyone to evaluate the OR of them.
  // Anonymised people (retention, src/features/retention) are never found: their record is kept only for the audit trail.
  const where = sql`authority_id = ${query.authorityId} and merged_into_id is null and anonymised_at is null`
  const branches = trigramNames.map(name => sql`select id from persons where ${where} and search_name % ${name}`)
  if (query.given && query.family) {
    branches.push(sql`select id from persons where ${where} and dmetaphone(search_family) = dmetaphone(${query.family}) and dmetaphone(search_given) = dmetaphone(${query.given})`)
    branches.push(sql`select id from persons where ${where} and dmetaphone(search_family) = dmetaphone(${query.given}) and dmetaphone(search_given) = dmetaphone(${query.family})`)
  }
  if (query.dateOfBirth) branches.push(sql`select id from persons where ${where} and date_of_birth = ${query.dateOfBirth}::date`)
  if (query.transposedDateOfBirth) branches.push(sql`select id from persons where ${where} and date_of_birth = ${query.transposedDateOfBirth}::date`)
  if (query.postcode) branches.push(sql`select id from persons where ${where} and postcode = ${query.postcode}`)
  const exclude = query.excludePersonId ? sql`and p.id <> ${query.excludePersonId}` : sql``
  const dob = query.dateOfBirth
  const statement = sql<LikelyPerson>`
    with candidate_ids as (${branches.length > 0 ? sql.join(branches, sql` union `) : sql`select null::uuid as id where false`}),
    candidates as materialized (
      select p.id, p.given_names, p.family_name, p.date_of_birth, p.expected_date_of_birth, p.postcode,
             p.school_or_setting, p.search_name, p.search_given, p.search_family,
             coalesce(p.date_of_birth, p.expected_date_of_birth) as born
        from candidate_ids
        join persons p on p.authority_id = ${query.authorityId} and p.id = candidate_ids.id
       where true ${exclude}
    ),
    parts as (
      select c.*,
             greatest(
               (select max(similarity(c.search_given, a)) from unnest(${alternatives}::text[]) as a),
               case when ${query.given} <> '' and dmetaphone(c.search_given) = dmetaphone(${query.given}) then 0.8 else 0 end
             ) as given_score,
             greatest(
               similarity(c.search_family, ${query.family}),
               case when ${query.family} <> '' and dmetaphone(c.search_family) = dmetaphone(${query.family}) then 0.8 else 0 end
             ) as family_score,
             greatest(similarity(c.search_given, ${query.family}),
               case when ${query.family} <> '' and dmetaphone(c.search_given) = dmetaphone(${query.family}) then 0.8 else 0 end) as given_as_family,
             greatest(similarity(c.search_family, ${query.given}),
               case when ${query.given} <> '' and dmetaphone(c.search_family) = dmetaphone(${query.given}) then 0.8 else 0 end) as family_as_given,
             similarity(c.search_name, ${full}) as whole_score
        from candidates c
    ),
    scored as (
      select parts.*,
             0.6 * greatest(sqrt(given_score * family_score), sqrt(given_as_family * family_as_given), whole_score)
             + 0.3 * (case
                 when ${dob}::date is null or born is null then 0.5
                 when born = ${dob}::date then 1
                 when born = ${query.transposedDateOfBirth}::date then 0.8
                 when extract(month from born) = extract(month from ${dob}::date) and extract(day from born) = extract(day from ${dob}::date)
                      and abs(extract(year from born) - extract(year from ${dob}::date)) = 1 then 0.6
                 when date_trunc('month', born) = date_trunc('month', ${dob}::date) then 0.4
                 else 0 end)
             + 0.1 * (case
                 when ${query.postcode}::text is null or postcode is null then 0.5
                 when postcode = ${query.postcode} then 1
                 when split_part(postcode, ' ', 1) = ${query.district} then 0.5
                 else 0 end) as score
        from parts
    )
    select id, given_names, family_name, date_of_birth, expected_date_of_birth, postcode, school_or_setting,
           round(score::numeric, 3)::float8 as score
      from scored
     where score >= ${query.threshold}
     order by score desc, family_name, given_names, id
     limit ${query.limit}
  `
  const result = await statement.execute(db)
  return result.rows.map(row => ({ ...row, score: Number(row.score) }))
}

// ---- households ------------------------------------------------------------------------------------------------

export type Household = {
  id: string
  name: string
  address: string | null
  postcode: string | null
  createdByUserId: string | null
  version: number
}

export async function insertHousehold(
  db: Db,
  row: { authorityId: string; id: string; name: string; address: string | null; postcode: string | null; createdByUserId: string | null; at: Date },
): Promise<void> {
  const { at, ...values } = row
  await db.insertInto('households').values({ ...values, createdAt: at }).execute()
}

export async function findHousehold(db: Db, authorityId: string, householdId: string): Promise<Household | undefined> {
  return db
    .selectFrom('households')
    .select(['id', 'name', 'address', 'postcode', 'createdByUserId', 'version'])
    .where('authorityId', '=', authorityId)
    .where('id', '=', householdId)
    .executeTakeFirst()
}

/** What the actor is to a household: on the team of an episode for it or about a member, or its creator. */
export async function householdRelationship(db: Db, authorityId: string, householdId: string, userId: string) {
  const row = await sql<{ member: boolean; fullMember: boolean; creator: boolean }>`
    with memberships as (
      select m.role from episodes e
        join episode_members m on m.authority_id = e.authority_id and m.episode_id = e.id
       where e.authority_id = ${authorityId} and e.household_id = ${householdId} and m.user_id = ${userId} and m.left_at is null and ${notWithdrawn}
      union all
      select m.role from household_members hm
        join episode_people ep on ep.authority_id = hm.authority_id and ep.person_id = hm.person_id
        join episode_members m on m.authority_id = ep.authority_id and m.episode_id = ep.episode_id
       where hm.authority_id = ${authorityId} and hm.household_id = ${householdId} and hm.left_at is null
         and m.user_id = ${userId} and m.left_at is null and ${notWithdrawn}
    )
    select exists(select 1 from memberships) as member,
           exists(select 1 from memberships where role <> 'contributor') as full_member,
           exists(select 1 from households where authority_id = ${authorityId} and id = ${householdId} and created_by_user_id = ${userId}) as creator
  `.execute(db)
  const found = row.rows[0]
  return {
    onTeam: found?.member === true,
    contributorOnly: found?.member === true && found.fullMember !== true,
    createdByActor: found?.creator === true,
    ...(await householdCoordination(db, authorityId, householdId, userId)),
  }
}

export type HouseholdMember = {
  personId: string
  givenNames: string
  familyName: string
  dateOfBirth: string | null
  expectedDateOfBirth: string | null
  sex: string | null
  joinedAt: Date
  leftAt: Date | null
}

export async function listHouseholdMembers(db: Db, authorityId: string, householdId: string): Promise<HouseholdMember[]> {
  return db
    .selectFrom('householdMembers as hm')
    .innerJoin('persons as p', join => join.onRef('p.authorityId', '=', 'hm.authorityId').onRef('p.id', '=', 'hm.personId'))
    .select(['hm.personId', 'p.givenNames', 'p.familyName', 'p.dateOfBirth', 'p.expectedDateOfBirth', 'p.sex', 'hm.joinedAt', 'hm.leftAt'])
    .where('hm.authorityId', '=', authorityId)
    .where('hm.householdId', '=', householdId)
    .orderBy('hm.leftAt', ob => ob.asc().nullsFirst())
    .orderBy('p.dateOfBirth', 'asc')
    .orderBy('p.familyName')
    .execute()
}

export type PersonHousehold = { householdId: string; name: string; postcode: string | null; joinedAt: Date; leftAt: Date | null }

export async function listHouseholdsOf(db: Db, authorityId: string, personId: string): Promise<PersonHousehold[]> {
  return db
    .selectFrom('householdMembers as hm')
    .innerJoin('households as h', join => join.onRef('h.authorityId', '=', 'hm.authorityId').onRef('h.id', '=', 'hm.householdId'))
    .select(['hm.householdId', 'h.name', 'h.postcode', 'hm.joinedAt', 'hm.leftAt'])
    .where('hm.authorityId', '=', authorityId)
    .where('hm.personId', '=', personId)
    .orderBy('hm.leftAt', ob => ob.asc().nullsFirst())
    .orderBy('hm.joinedAt')
    .execute()
}

/** Adds a person to a household, or brings them back if they had left; false if they are already a current member. */
export async function joinHousehold(db: Db, authorityId: string, householdId: string, personId: string, at: Date): Promise<boolean> {
  const existing = await db
    .selectFrom('householdMembers')
    .select(['leftAt'])
    .where('authorityId', '=', authorityId)
    .where('householdId', '=', householdId)
    .where('personId', '=', personId)
    .executeTakeFirst()
  if (existing && existing.leftAt === null) return false
  if (existing) {
    await db
      .updateTable('householdMembers')
      .set({ joinedAt: at, leftAt: null })
      .where('authorityId', '=', authorityId)
      .where('householdId', '=', householdId)
      .where('personId', '=', personId)
      .execute()
    return true
  }
  await db.insertInto('householdMembers').values({ authorityId, householdId, personId, joinedAt: at }).execute()
  return true
}

/** Records that a person left (the row stays as history); false when they were not a current member. */
export async function leaveHousehold(db: Db, authorityId: string, householdId: string, personId: string, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('householdMembers')
    .set({ leftAt: at })
    .where('authorityId', '=', authorityId)
    .where('householdId', '=', householdId)
    .where('personId', '=', personId)
    .where('leftAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

export async function bumpHouseholdVersion(db: Db, authorityId: string, householdId: string): Promise<void> {
  await db.updateTable('households').set({ version: sql<number>`version + 1` }).where('authorityId', '=', authorityId).where('id', '=', householdId).execute()
}

// ---- relationships ---------------------------------------------------------------------------------------------

export type Relationship = {
  id: string
  personId: string
  relatedPersonId: string
  kind: RelationshipKind
  description: string | null
  parentalResponsibility: boolean
}

export async function insertRelationship(db: Db, row: Relationship & { authorityId: string; at: Date }): Promise<void> {
  const { at, ...values } = row
  await db.insertInto('relationships').values({ ...values, createdAt: at }).execute()
}

export async function findRelationship(db: Db, authorityId: string, personId: string, relatedPersonId: string, kind: RelationshipKind) {
  return db
    .selectFrom('relationships')
    .select(['id'])
    .where('authorityId', '=', authorityId)
    .where('personId', '=', personId)
    .where('relatedPersonId', '=', relatedPersonId)
    .where('kind', '=', kind)
    .executeTakeFirst()
}

/** Relationships touching any of these people (either side). */
export async function listRelationshipsAmong(db: Db, authorityId: string, personIds: string[]): Promise<Relationship[]> {
  if (personIds.length === 0) return []
  return db
    .selectFrom('relationships')
    .select(['id', 'personId', 'relatedPersonId', 'kind', 'description', 'parentalResponsibility'])
    .where('authorityId', '=', authorityId)
    .where(eb => eb.or([eb('personId', 'in', personIds), eb('relatedPersonId', 'in', personIds)]))
    .orderBy('createdAt')
    .orderBy('id')
    .execute()
}

export async function personNames(db: Db, authorityId: string, personIds: string[]) {
  if (personIds.length === 0) return []
  return db
    .selectFrom('persons')
    .select(['id', 'givenNames', 'familyName'])
    .where('authorityId', '=', authorityId)
    .where('id', 'in', personIds)
    .execute()
}

// ---- episodes (read only: the episodes feature owns them) ------------------------------------------------------

export type EpisodeSummary = { id: string; reference: string; status: string; scope: string; startedAt: Date; safeguardingFlag: boolean }

/** Episodes for a household or about any of its members (current or past). */
export async function listHouseholdEpisodes(db: Db, authorityId: string, householdId: string): Promise<EpisodeSummary[]> {
  return db
    .selectFrom('episodes as e')
    .select(['e.id', 'e.reference', 'e.status', 'e.scope', 'e.startedAt', 'e.safeguardingFlag'])
    .where('e.authorityId', '=', authorityId)
    .where(eb =>
      eb.or([
        eb('e.householdId', '=', householdId),
        eb.exists(
          eb
            .selectFrom('episodePeople as ep')
            .innerJoin('householdMembers as hm', join => join.onRef('hm.authorityId', '=', 'ep.authorityId').onRef('hm.personId', '=', 'ep.personId'))
            .select(sql`1`.as('one'))
            .whereRef('ep.authorityId', '=', 'e.authorityId')
            .whereRef('ep.episodeId', '=', 'e.id')
            .where('hm.householdId', '=', householdId),
        ),
      ]),
    )
    .orderBy('e.startedAt', 'desc')
    .execute()
}

export async function listPersonEpisodes(db: Db, authorityId: string, personId: string): Promise<EpisodeSummary[]> {
  return db
    .selectFrom('episodes as e')
    .innerJoin('episodePeople as ep', join => join.onRef('ep.authorityId', '=', 'e.authorityId').onRef('ep.episodeId', '=', 'e.id'))
    .select(['e.id', 'e.reference', 'e.status', 'e.scope', 'e.startedAt', 'e.safeguardingFlag'])
    .where('e.authorityId', '=', authorityId)
    .where('ep.personId', '=', personId)
    .orderBy('e.startedAt', 'desc')
    .execute()
}

// ---- merges ----------------------------------------------------------------------------------------------------

/** Exactly what a merge moved or removed, so that undoing it puts each row back. */
export type MergeMoves = {
  householdMembers: { moved: { householdId: string }[]; removed: { householdId: string; joinedAt: string; leftAt: string | null }[] }
  relationships: {
    moved: { id: string; column: 'personId' | 'relatedPersonId' }[]
    removed: (Relationship & { createdAt: string })[]
  }
  episodePeople: { moved: { episodeId: string }[]; removed: { episodeId: string; role: 'child' | 'adult' }[] }
}

/** Moves the merged record's memberships, relationships and episode rows to the kept record; returns what moved. */
export async function moveForMerge(db: Db, authorityId: string, keptId: string, mergedId: string): Promise<MergeMoves> {
  const moves: MergeMoves = {
    householdMembers: { moved: [], removed: [] },
    relationships: { moved: [], removed: [] },
    episodePeople: { moved: [], removed: [] },
  }
  const memberships = await db
    .selectFrom('householdMembers')
    .select(['householdId', 'joinedAt', 'leftAt'])
    .where('authorityId', '=', authorityId)
    .where('personId', '=', mergedId)
    .execute()
  const keptHouseholds = new Set(
    (await db.selectFrom('householdMembers').select('householdId').where('authorityId', '=', authorityId).where('personId', '=', keptId).execute()).map(row => row.householdId),
  )
  for (const membership of memberships) {
    const where = db
      .deleteFrom('householdMembers')
      .where('authorityId', '=', authorityId)
      .where('householdId', '=', membership.householdId)
      .where('personId', '=', mergedId)
    if (keptHouseholds.has(membership.householdId)) {
      await where.execute()
      moves.householdMembers.removed.push({
        householdId: membership.householdId,
        joinedAt: new Date(membership.joinedAt).toISOString(),
        leftAt: membership.leftAt ? new Date(membership.leftAt).toISOString() : null,
      })
    } else {
      await db
        .updateTable('householdMembers')
        .set({ personId: keptId })
        .where('authorityId', '=', authorityId)
        .where('householdId', '=', membership.householdId)
        .where('personId', '=', mergedId)
        .execute()
      moves.householdMembers.moved.push({ householdId: membership.householdId })
    }
  }

  const relationships = await db
    .selectFrom('relationships')
    .select(['id', 'personId', 'relatedPersonId', 'kind', 'description', 'parentalResponsibility', 'createdAt'])
    .where('authorityId', '=', authorityId)
    .where(eb => eb.or([eb('personId', '=', mergedId), eb('relatedPersonId', '=', mergedId)]))
    .execute()
  for (const relationship of relationships) {
    const other = relationship.personId === mergedId ? relationship.relatedPersonId : relationship.personId
    if (other === keptId) {
      // A relationship between the two records of one person means nothing once they are one: kept aside for undo.
      await db.deleteFrom('relationships').where('authorityId', '=', authorityId).where('id', '=', relationship.id).execute()
      moves.relationships.removed.push({ ...relationship, createdAt: new Date(relationship.createdAt).toISOString() })
      continue
    }
    const column = relationship.personId === mergedId ? 'personId' : 'relatedPersonId'
    await db.updateTable('relationships').set({ [column]: keptId }).where('authorityId', '=', authorityId).where('id', '=', relationship.id).execute()
    moves.relationships.moved.push({ id: relationship.id, column })
  }

  const episodeRows = await db.selectFrom('episodePeople').select(['episodeId', 'role']).where('authorityId', '=', authorityId).where('personId', '=', mergedId).execute()
  const keptEpisodes = new Set(
    (await db.selectFrom('episodePeople').select('episodeId').where('authorityId', '=', authorityId).where('personId', '=', keptId).execute()).map(row => row.episodeId),
  )
  for (const row of episodeRows) {
    if (keptEpisodes.has(row.episodeId)) {
      await db.deleteFrom('episodePeople').where('authorityId', '=', authorityId).where('episodeId', '=', row.episodeId).where('personId', '=', mergedId).execute()
      moves.episodePeople.removed.push({ episodeId: row.episodeId, role: row.role })
    } else {
      await db
        .updateTable('episodePeople')
        .set({ personId: keptId })
        .where('authorityId', '=', authorityId)
        .where('episodeId', '=', row.episodeId)
        .where('personId', '=', mergedId)
        .execute()
      moves.episodePeople.moved.push({ episodeId: row.episodeId })
    }
  }
  return moves
}

/** Puts back what a merge moved: the exact rows, by their keys. */
export async function restoreAfterMerge(db: Db, authorityId: string, keptId: string, mergedId: string, moves: MergeMoves): Promise<void> {
  for (const { householdId } of moves.householdMembers.moved) {
    await db
      .updateTable('householdMembers')
      .set({ personId: mergedId })
      .where('authorityId', '=', authorityId)
      .where('householdId', '=', householdId)
      .where('personId', '=', keptId)
      .execute()
  }
  for (const row of moves.householdMembers.removed) {
    await db
      .insertInto('householdMembers')
      .values({ authorityId, householdId: row.householdId, personId: mergedId, joinedAt: row.joinedAt, leftAt: row.leftAt ? new Date(row.leftAt) : null })
      .execute()
  }
  for (const { id, column } of moves.relationships.moved) {
    await db.updateTable('relationships').set({ [column]: mergedId }).where('authorityId', '=', authorityId).where('id', '=', id).execute()
  }
  for (const row of moves.relationships.removed) {
    await db.insertInto('relationships').values({ ...row, authorityId }).execute()
  }
  for (const { episodeId } of moves.episodePeople.moved) {
    await db
      .updateTable('episodePeople')
      .set({ personId: mergedId })
      .where('authorityId', '=', authorityId)
      .where('episodeId', '=', episodeId)
      .where('personId', '=', keptId)
      .execute()
  }
  for (const row of moves.episodePeople.removed) {
    await db.insertInto('episodePeople').values({ authorityId, episodeId: row.episodeId, personId: mergedId, role: row.role }).execute()
  }
}

export async function setMergedInto(db: Db, authorityId: string, personId: string, mergedIntoId: string | null, at: Date): Promise<void> {
  await db
    .updateTable('persons')
    .set({ mergedIntoId, updatedAt: at, version: sql<number>`version + 1` })
    .where('authorityId', '=', authorityId)
    .where('id', '=', personId)
    .execute()
}

export type PersonMerge = {
  id: string
  keptPersonId: string
  mergedPersonId: string
  reason: string
  moved: MergeMoves
  mergedAt: Date
  undoneAt: Date | null
}

export async function insertMerge(
  db: Db,
  row: { authorityId: string; id: string; keptPersonId: string; mergedPersonId: string; reason: string; moved: MergeMoves; mergedByUserId: string | null; at: Date },
): Promise<void> {
  const { at, moved, ...values } = row
  await db.insertInto('personMerges').values({ ...values, moved: JSON.stringify(moved), mergedAt: at }).execute()
}

export async function findMerge(db: Db, authorityId: string, mergeId: string): Promise<PersonMerge | undefined> {
  const row = await db
    .selectFrom('personMerges')
    .select(['id', 'keptPersonId', 'mergedPersonId', 'reason', 'moved', 'mergedAt', 'undoneAt'])
    .where('authorityId', '=', authorityId)
    .where('id', '=', mergeId)
    .executeTakeFirst()
  return row ? { ...row, moved: parseMoves(row.moved) } : undefined
}

export async function listMergesInto(db: Db, authorityId: string, keptPersonId: string) {
  return db
    .selectFrom('personMerges as m')
    .innerJoin('persons as p', join => join.onRef('p.authorityId', '=', 'm.authorityId').onRef('p.id', '=', 'm.mergedPersonId'))
    .select(['m.id', 'm.mergedPersonId', 'm.reason', 'm.mergedAt', 'p.givenNames', 'p.familyName'])
    .where('m.authorityId', '=', authorityId)
    .where('m.keptPersonId', '=', keptPersonId)
    .where('m.undoneAt', 'is', null)
    .orderBy('m.mergedAt', 'desc')
    .execute()
}

export async function markMergeUndone(db: Db, authorityId: string, mergeId: string, userId: string | null, at: Date): Promise<boolean> {
  const result = await db
    .updateTable('personMerges')
    .set({ undoneAt: at, undoneByUserId: userId })
    .where('authorityId', '=', authorityId)
    .where('id', '=', mergeId)
    .where('undoneAt', 'is', null)
    .executeTakeFirst()
  return Number(result.numUpdatedRows) === 1
}

function parseMoves(value: unknown): MergeMoves {
  const moves = (typeof value === 'string' ? JSON.parse(value) : value) as MergeMoves
  return moves
}
