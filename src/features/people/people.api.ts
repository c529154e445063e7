import type { z } from 'zod'
import type { ApiEndpoint } from '../../api/api.endpoints.ts'
import { noQuery } from '../../api/api.schemas.ts'
import { postcodeDistrict, normalisePostcode } from './person-details.ts'
import { newPersonBody, personCandidateListSchema, personParams, personSchema, personSearchApiQuery } from './people.schemas.ts'
import type { LikelyPerson, Person } from './people.service.ts'
import { defineEndpoint } from '../../api/define-endpoint.ts'

// /api/v1/people: the duplicate search, registration and one person's record, through the same service as the pages.
// Registered in src/api/api.endpoints.ts.

function candidateView(candidate: LikelyPerson): z.input<typeof personCandidateListSchema>['items'][number] {
  return {
    id: candidate.id,
    name: `${candidate.givenNames} ${candidate.familyName}`,
    dateOfBirth: candidate.dateOfBirth,
    expectedDateOfBirth: candidate.expectedDateOfBirth,
    postcodeDistrict: postcodeDistrict(candidate.postcode),
    schoolOrSetting: candidate.schoolOrSetting,
    score: candidate.score,
  }
}

function personView(person: Person): z.input<typeof personSchema> {
  return {
    id: person.id,
    givenNames: person.givenNames,
    familyName: person.familyName,
    otherNames: person.otherNames,
    dateOfBirth: person.dateOfBirth,
    expectedDateOfBirth: person.expectedDateOfBirth,
    sex: person.sex,
    gender: person.gender,
    ethnicity: person.ethnicity,
    firstLanguage: person.firstLanguage,
    interpreterNeeded: person.interpreterNeeded,
    disability: person.disability,
    address: person.address,
    postcode: person.postcode,
    phone: person.phone,
    email: person.email,
    schoolOrSetting: person.schoolOrSetting,
    uniquePupilNumber: person.uniquePupilNumber,
    nhsNumber: person.nhsNumber,
    gpPractice: person.gpPractice,
    version: person.version,
    createdAt: new Date(person.createdAt).toISOString(),
    updatedAt: new Date(person.updatedAt).toISOString(),
  }
}

/** "Jon Smyth" → forenames "Jon", family name "Smyth" (the last word is the family name). */
function splitName(name: string): { givenNames: string; familyName: string } {
  const words = name.trim().split(/\s+/)
  if (words.length === 1) return { givenNames: '', familyName: words[0] ?? '' }
  return { givenNames: words.slice(0, -1).join(' '), familyName: words[words.length - 1] ?? '' }
}

export const peopleEndpoints: readonly ApiEndpoint[] = [
  defineEndpoint({
    method: 'GET',
    path: '/people',
    operationId: 'searchPeople',
    summary: 'Find likely existing records of a person',
    description:
      'The duplicate search that comes before registering anyone (tell it once): similar names with typos, swapped names, nicknames and sound-alikes, the same or day/month-swapped date of birth, the same postcode, scored and ranked. Only what is needed to recognise someone is returned. Audited.',
    tag: 'People',
    action: 'person.search',
    recordType: 'person',
    query: personSearchApiQuery,
    success: { status: 200, description: 'Likely matches, best first (at most 10).', schema: personCandidateListSchema },
    handle: async ({ services, context, query }) => {
      const found = await services.people.search(context, { ...splitName(query.name), dateOfBirth: query.dateOfBirth ?? null, postcode: query.postcode ?? null })
      return { items: found.map(candidateView) }
    },
  }),
  defineEndpoint({
    method: 'POST',
    path: '/people',
    operationId: 'registerPerson',
    summary: 'Register a person',
    description:
      'Registers a child, young person or adult. Search first (GET /people). If likely existing records are found and `confirmNoDuplicate` is not true, nothing is saved and the answer is 422 with an error on `confirmNoDuplicate`; an NHS number already registered is refused with 422 whatever is confirmed.',
    tag: 'People',
    action: 'person.register',
    recordType: 'person',
    query: noQuery,
    body: newPersonBody,
    success: { status: 201, description: 'The person was registered.', schema: personSchema },
    handle: async ({ services, context, body }) => {
      {
        const personId = await services.people.register(context, {
          givenNames: body.givenNames,
          familyName: body.familyName,
          otherNames: body.otherNames ?? '',
          dateOfBirth: body.dateOfBirth ?? null,
          expectedDateOfBirth: body.expectedDateOfBirth ?? null,
          sex: body.sex ?? null,
          gender: body.gender ?? null,
          ethnicity: body.ethnicity ?? null,
          firstLanguage: body.firstLanguage ?? null,
          interpreterNeeded: body.interpreterNeeded ?? false,
          disability: body.disability ?? null,
          address: body.address ?? null,
          postcode: body.postcode ? normalisePostcode(body.postcode) : null,
          phone: body.phone ?? null,
          email: body.email ? body.email.toLowerCase() : null,
          schoolOrSetting: body.schoolOrSetting ?? null,
          uniquePupilNumber: body.uniquePupilNumber ? body.uniquePupilNumber.toUpperCase() : null,
          nhsNumber: body.nhsNumber ?? null,
          gpPractice: body.gpPractice ?? null,
          confirmedNew: body.confirmNoDuplicate === true,
        })
        return personView((await services.people.view(context, personId)).person)
      }
    },
  }),
  defineEndpoint({
    method: 'GET',
    path: '/people/{personId}',
    operationId: 'getPerson',
    summary: 'One person',
    description:
      'A person’s full record. Needs a relationship to them: their registrant, on the team of an episode about them, or a coordinator; a refusal is audited. A merged record is not found: use the kept record.',
    tag: 'People',
    action: 'person.view',
    recordType: 'person',
    params: personParams,
    query: noQuery,
    success: { status: 200, description: 'The person.', schema: personSchema },
    handle: async ({ services, context, params }) => personView((await services.people.view(context, params.personId)).person),
  }),
]
