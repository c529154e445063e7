import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { databaseKinds, openTestDatabase } from '../../../test/helpers/database.ts'
import type { OpenDatabase } from '../../db/database.ts'
import { uuidv7 } from '../../lib/ids.ts'
import { findLikelyPeople, insertPerson, type PersonDetails } from './people.repository.ts'
import { likelyPersonQuery, MATCH_THRESHOLD } from './people.service.ts'
import { isoDate, searchNamesOf, transposedDate, NICKNAME_GROUPS } from './person-details.ts'

// Duplicate-matching quality on a generated set (fixed seed): base people, near-duplicate searches for them (typos,
// swapped names, nicknames, a missing date of birth, a new postcode, day and month transposed), and distinct people
// who share a surname, a date of birth or a whole name (siblings, twins, namesakes). Precision and recall are counted
// over what the matcher returns at the threshold.

function random(seed: number) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const FORENAMES = [
  'William', 'Elizabeth', 'James', 'Katherine', 'Samuel', 'Alexander', 'Michael', 'Thomas', 'Rebecca', 'John', 'Robert',
  'Margaret', 'Charlotte', 'Daniel', 'Joseph', 'Christopher', 'Matthew', 'Benjamin', 'Olivia', 'Amelia', 'Isla', 'Ava',
  'Mia', 'Grace', 'Freya', 'Lily', 'Emily', 'Poppy', 'Ruby', 'Evie', 'Noah', 'Oscar', 'George', 'Arthur', 'Leo', 'Harry',
  'Jacob', 'Oliver', 'Muhammad', 'Theodore', 'Aisha', 'Zara', 'Priya', 'Amir', 'Fatima', 'Kacper', 'Zofia', 'Chidi',
  'Ngozi', 'Siobhan', 'Ciaran', 'Rhys', 'Cerys', 'Dylan', 'Megan', 'Connor', 'Niamh', 'Jessica', 'Victoria', 'Edward',
]
const SURNAMES = [
  'Smith', 'Jones', 'Taylor', 'Brown', 'Williams', 'Wilson', 'Johnson', 'Davies', 'Patel', 'Robinson', 'Wright',
  'Thompson', 'Evans', 'Walker', 'White', 'Roberts', 'Green', 'Hall', 'Thomas', 'Clarke', 'Jackson', 'Wood', 'Harris',
  'Edwards', 'Turner', 'Martin', 'Cooper', 'Hill', 'Ward', 'Hughes', 'Moore', 'Clark', 'King', 'Harrison', 'Lewis',
  'Baker', 'Lee', 'Allen', 'Morris', 'Khan', 'Scott', 'Watson', 'Davis', 'Parker', 'James', 'Bennett', 'Young',
  'Phillips', 'Richardson', 'Mitchell', 'Kowalski', 'Okafor', 'Nguyen', 'Begum', 'Ali', 'Murphy', "O'Brien", 'McDonald',
]
const OUTWARD = ['LS1', 'LS6', 'LS11', 'BD3', 'BD7', 'HX1', 'WF1', 'WF10', 'HD1', 'YO1', 'S10', 'M14']

type Generated = { id: string; given: string; family: string; dateOfBirth: string; postcode: string }
type Query = { truth: string | null; kind: string; givenNames: string; familyName: string; dateOfBirth: string | null; postcode: string | null }

function generate(seed: number) {
  const next = random(seed)
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T
  const postcode = () => `${pick(OUTWARD)} ${Math.floor(next() * 10)}${pick('ABDEFGHJLNPQRSTUWXYZ'.split(''))}${pick('ABDEFGHJLNPQRSTUWXYZ'.split(''))}`
  const birthDate = () => isoDate(2004 + Math.floor(next() * 21), 1 + Math.floor(next() * 12), 1 + Math.floor(next() * 28)) ?? '2015-01-01'
  const people: Generated[] = []
  const person = (given: string, family: string, dateOfBirth: string, code: string) => {
    const generated = { id: uuidv7(), given, family, dateOfBirth, postcode: code }
    people.push(generated)
    return generated
  }
  const typo = (word: string) => {
    if (word.length < 4) return word + pick(['e', 'y', 'h'])
    const at = 1 + Math.floor(next() * (word.length - 2))
    const kind = Math.floor(next() * 3)
    if (kind === 0) return word.slice(0, at) + word.slice(at + 1) // a letter missed
    if (kind === 1) return word.slice(0, at) + (word[at + 1] ?? '') + (word[at] ?? '') + word.slice(at + 2) // two swapped
    return word.slice(0, at) + pick('aeiouy'.split('')) + word.slice(at + 1) // a vowel wrong
  }
  const nickname = (given: string) => {
    const group = NICKNAME_GROUPS.find(names => names[0] === given.toLowerCase())
    const short = group ? group[1 + Math.floor(next() * (group.length - 1))] : undefined
    return short ? short.charAt(0).toUpperCase() + short.slice(1) : null
  }

  const bases: Generated[] = []
  for (let index = 0; index < 300; index++) bases.push(person(pick(FORENAMES), pick(SURNAMES), birthDate(), postcode()))
  // Distinct people who look alike: a sibling (same surname and postcode), a twin (same surname, birthday and
  // postcode), a namesake (same name, another birthday and address).
  for (const base of bases.slice(0, 120)) {
    const roll = next()
    if (roll < 0.4) person(pick(FORENAMES.filter(name => name !== base.given)), base.family, birthDate(), base.postcode)
    else if (roll < 0.7) person(pick(FORENAMES.filter(name => name !== base.given)), base.family, base.dateOfBirth, base.postcode)
    else person(base.given, base.family, birthDate(), postcode())
  }

  const queries: Query[] = []
  const kinds = ['forename typo', 'surname typo', 'swapped names', 'nickname', 'no date of birth', 'moved house', 'day and month transposed', 'exact', 'typo and moved', 'nickname, no date of birth']
  bases.forEach((base, index) => {
    const kind = kinds[index % kinds.length] ?? 'exact'
    let query: Query = { truth: base.id, kind, givenNames: base.given, familyName: base.family, dateOfBirth: base.dateOfBirth, postcode: base.postcode }
    switch (kind) {
      case 'forename typo':
        query.givenNames = typo(base.given)
        break
      case 'surname typo':
        query.familyName = typo(base.family)
        break
      case 'swapped names':
        query = { ...query, givenNames: base.family, familyName: base.given }
        break
      case 'nickname':
        query.givenNames = nickname(base.given) ?? typo(base.given)
        break
      case 'no date of birth':
        query.dateOfBirth = null
        break
      case 'moved house':
        query.postcode = postcode()
        break
      case 'day and month transposed':
        query.dateOfBirth = transposedDate(base.dateOfBirth) ?? base.dateOfBirth
        break
      case 'typo and moved':
        query = { ...query, givenNames: typo(base.given), postcode: postcode() }
        break
      case 'nickname, no date of birth':
        query = { ...query, givenNames: nickname(base.given) ?? base.given, dateOfBirth: null }
        break
    }
    queries.push(query)
  })
  // Searches for people who are not registered, though others share their surname and birthday or postcode.
  for (let index = 0; index < 100; index++) {
    const base = pick(bases)
    const given = pick(FORENAMES.filter(name => name !== base.given && !people.some(p => p.given === name && p.family === base.family)))
    queries.push({ truth: null, kind: 'not registered', givenNames: given, familyName: base.family, dateOfBirth: next() < 0.5 ? base.dateOfBirth : birthDate(), postcode: next() < 0.5 ? base.postcode : postcode() })
  }
  return { people, queries }
}

const NO_DETAILS: Omit<PersonDetails, 'givenNames' | 'familyName' | 'dateOfBirth' | 'postcode'> = {
  otherNames: '', expectedDateOfBirth: null, sex: null, gender: null, ethnicity: null, firstLanguage: null, interpreterNeeded: false,
  disability: null, address: null, phone: null, email: null, schoolOrSetting: null, uniquePupilNumber: null, nhsNumber: null, gpPractice: null,
}

for (const kind of databaseKinds()) {
  describe(`duplicate matching quality (${kind})`, () => {
    let database: OpenDatabase
    const authorityId = uuidv7()
    const { people, queries } = generate(20261125)

    before(async () => {
      database = await openTestDatabase(kind)
      await database.db.insertInto('authorities').values({ id: authorityId, name: 'Matching Council', nation: 'england' }).execute()
      const at = new Date()
      for (const person of people) {
        await insertPerson(database.db, {
          ...NO_DETAILS,
          givenNames: person.given,
          familyName: person.family,
          dateOfBirth: person.dateOfBirth,
          postcode: person.postcode,
          ...searchNamesOf(person.given, person.family),
          authorityId,
          id: person.id,
          createdByUserId: null,
          at,
        })
      }
    })
    after(() => database.close())

    it('finds near-duplicates and leaves distinct people out, at honest floors', async () => {
      let truePositives = 0
      let falsePositives = 0
      let falseNegatives = 0
      const missedByKind = new Map<string, number>()
      for (const query of queries) {
        const found = await findLikelyPeople(
          database.db,
          likelyPersonQuery(authorityId, { givenNames: query.givenNames, familyName: query.familyName, dateOfBirth: query.dateOfBirth, postcode: query.postcode }),
        )
        const hit = query.truth !== null && found.some(candidate => candidate.id === query.truth)
        if (hit) truePositives++
        else if (query.truth !== null) {
          falseNegatives++
          missedByKind.set(query.kind, (missedByKind.get(query.kind) ?? 0) + 1)
        }
        falsePositives += found.filter(candidate => candidate.id !== query.truth).length
      }
      const precision = truePositives / Math.max(1, truePositives + falsePositives)
      const recall = truePositives / Math.max(1, truePositives + falseNegatives)
      const missed = [...missedByKind.entries()].map(([name, count]) => `${name} ${count}`).join(', ') || 'none'
      process.stdout.write(
        `# duplicate matching (${kind}): precision ${precision.toFixed(3)} recall ${recall.toFixed(3)} at threshold ${MATCH_THRESHOLD} ` +
          `(${people.length} people, ${queries.length} searches; true ${truePositives}, false ${falsePositives}, missed ${falseNegatives}: ${missed})\n`,
      )
      assert.ok(recall >= 0.93, `recall ${recall}`)
      assert.ok(precision >= 0.9, `precision ${precision}`)
    })
  })
}
