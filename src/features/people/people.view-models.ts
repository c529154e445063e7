import { formatNhsNumber } from '../../lib/nhs-number.ts'
import { paths } from '../../paths.ts'
import { genogramSvg } from './genogram.ts'
import { displayDate, postcodeDistrict } from './person-details.ts'
import type { EpisodeSummary, HouseholdMember, LikelyPerson, Person, Relationship } from './people.service.ts'
import { submittedText } from '../../lib/validation.ts'

// Pure functions from domain records to GOV.UK macro arguments.

type Row = { key: { text: string }; value: { text?: string; html?: string } }
export type FormValues = Record<string, string>

export const RELATIONSHIP_NAMES: Record<string, string> = {
  mother: 'Mother',
  father: 'Father',
  step_parent: 'Step-parent',
  carer: 'Carer',
  grandparent: 'Grandparent',
  sibling: 'Sibling',
  half_sibling: 'Half-sibling',
  partner: 'Partner',
  other: 'Other',
}

const SEX_NAMES: Record<string, string> = { female: 'Female', male: 'Male', not_known: 'Not known' }

export function fullName(person: { givenNames: string; familyName: string }): string {
  return `${person.givenNames} ${person.familyName}`
}

function bornText(person: { dateOfBirth: string | null; expectedDateOfBirth: string | null }): string {
  if (person.dateOfBirth) return displayDate(person.dateOfBirth) ?? ''
  if (person.expectedDateOfBirth) return `Expected ${displayDate(person.expectedDateOfBirth) ?? ''}`
  return 'Not known'
}

/** What a search result shows: only what is needed to recognise someone. */
export function candidateRows(candidates: LikelyPerson[]) {
  return candidates.map(candidate => ({
    id: candidate.id,
    name: fullName(candidate),
    born: bornText(candidate),
    district: postcodeDistrict(candidate.postcode) ?? 'Not known',
    school: candidate.schoolOrSetting ?? 'Not known',
    startHref: paths.episodes.start({ personId: candidate.id }),
    recordHref: paths.people.show(candidate.id),
  }))
}

export function personSummaryRows(person: Person): Row[] {
  const row = (key: string, value: string | null | undefined): Row => ({ key: { text: key }, value: { text: value && value.length > 0 ? value : 'Not recorded' } })
  return [
    row('Name', fullName(person)),
    row('Other or previous names', person.otherNames),
    row(person.expectedDateOfBirth && !person.dateOfBirth ? 'Expected date of birth' : 'Date of birth', bornText(person)),
    row('Sex', person.sex ? (SEX_NAMES[person.sex] ?? person.sex) : null),
    row('Gender', person.gender),
    row('Ethnicity', person.ethnicity),
    row('First language', person.firstLanguage),
    row('Needs an interpreter', person.interpreterNeeded ? 'Yes' : 'No'),
    row('Disability', person.disability),
    row('Address', [person.address, person.postcode].filter(Boolean).join('\n')),
    row('Phone', person.phone),
    row('Email', person.email),
    row('School or setting', person.schoolOrSetting),
    row('Unique pupil number', person.uniquePupilNumber),
    row('NHS number', person.nhsNumber ? formatNhsNumber(person.nhsNumber) : null),
    row('GP practice', person.gpPractice),
  ]
}

export function episodeRows(episodes: EpisodeSummary[]) {
  return episodes.map(episode => [
    { html: `<a class="govuk-link" href="${paths.episodes.show(episode.id)}">${escapeHtml(episode.reference)}</a>` },
    { text: episode.scope === 'family' ? 'Family' : 'Child' },
    { text: `${episode.status.charAt(0).toUpperCase()}${episode.status.slice(1)}${episode.safeguardingFlag ? ' (safeguarding referral)' : ''}` },
    { text: new Date(episode.startedAt).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' }) },
  ])
}

/** "Sarah Smith is the mother of Amy Smith (parental responsibility)", as table rows. */
export function relationshipRows(relationships: Relationship[], names: Map<string, string>) {
  return relationships.map(relationship => [
    { text: names.get(relationship.relatedPersonId) ?? 'Someone' },
    { text: `${RELATIONSHIP_NAMES[relationship.kind] ?? relationship.kind}${relationship.description ? ` (${relationship.description})` : ''}` },
    { text: names.get(relationship.personId) ?? 'Someone' },
    { text: relationship.parentalResponsibility ? 'Yes' : 'No' },
  ])
}

export function householdOverview(household: { name: string }, members: HouseholdMember[], relationships: Relationship[]) {
  const names = new Map(members.map(member => [member.personId, fullName(member)]))
  const svg = genogramSvg(
    `Family diagram: ${household.name}`,
    members.map(member => ({
      id: member.personId,
      name: fullName(member),
      born: member.dateOfBirth ? `born ${member.dateOfBirth.slice(0, 4)}` : member.expectedDateOfBirth ? `due ${member.expectedDateOfBirth.slice(0, 7)}` : null,
      sex: member.sex,
      left: member.leftAt !== null,
    })),
    relationships,
  )
  return { names, svg, relationshipRows: relationshipRows(relationships, names) }
}

export function personItems(members: HouseholdMember[], selected: string | undefined) {
  return [
    { value: '', text: 'Choose a person' },
    ...members.filter(member => member.leftAt === null).map(member => ({ value: member.personId, text: fullName(member), selected: member.personId === selected })),
  ]
}

export function dateValues(prefix: string, date: string | null): FormValues {
  if (!date) return {}
  const [year, month, day] = date.split('-')
  return { [`${prefix}-day`]: String(Number(day)), [`${prefix}-month`]: String(Number(month)), [`${prefix}-year`]: year ?? '' }
}

export function personValues(person: Person): FormValues {
  const text = (value: string | null) => value ?? ''
  return {
    givenNames: person.givenNames,
    familyName: person.familyName,
    otherNames: person.otherNames,
    ...dateValues('dateOfBirth', person.dateOfBirth),
    ...dateValues('expectedDateOfBirth', person.expectedDateOfBirth),
    sex: text(person.sex),
    gender: text(person.gender),
    ethnicity: text(person.ethnicity),
    firstLanguage: text(person.firstLanguage),
    interpreterNeeded: person.interpreterNeeded ? 'yes' : 'no',
    disability: text(person.disability),
    address: text(person.address),
    postcode: text(person.postcode),
    phone: text(person.phone),
    email: text(person.email),
    schoolOrSetting: text(person.schoolOrSetting),
    uniquePupilNumber: text(person.uniquePupilNumber),
    nhsNumber: person.nhsNumber ? formatNhsNumber(person.nhsNumber) : '',
    gpPractice: text(person.gpPractice),
    version: String(person.version),
  }
}

/** What was typed, kept for the form. */
export { submittedText as submittedValues }

export function compareRows(first: Person, second: Person) {
  const firstRows = personSummaryRows(first)
  const secondRows = personSummaryRows(second)
  return firstRows.map((row, index) => {
    const other = secondRows[index]?.value.text ?? ''
    const differs = (row.value.text ?? '') !== other
    return [{ text: row.key.text, classes: 'govuk-!-font-weight-bold' }, { text: `${row.value.text ?? ''}${differs ? ' *' : ''}` }, { text: `${other}${differs ? ' *' : ''}` }]
  })
}

function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}
