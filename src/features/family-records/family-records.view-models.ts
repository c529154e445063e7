import type { Translate } from '../../lib/i18n.ts'
import { ADULT_SCORES, CHILD_SCORE_WORDS, CHILD_SCORES, type ScoreField } from './family-records.service.ts'

// Pure functions from the family records service's data to what the templates show, in the page's language.

/** Kinds of service a consent names, in plain words. */
const AGENCY_KIND_WORDS: Record<string, string> = {
  school: 'schools',
  early_years: 'nurseries and pre-schools',
  health_visiting: 'health visitors',
  school_nursing: 'school nurses',
  gp_practice: 'doctors’ surgeries (GPs)',
  camhs: 'mental health services for children and young people (CAMHS)',
  hospital: 'hospitals',
  social_care_front_door: 'children’s services',
  police: 'the police service',
  housing: 'housing services',
  youth_service: 'youth services',
  voluntary: 'charities and community groups',
  parent_advice: 'parent advice services',
  adult_services: 'services for adults',
  other: 'other services',
}

export function agencyKindsText(t: Translate, kinds: readonly string[]): string[] {
  return [...new Set(kinds.map(kind => AGENCY_KIND_WORDS[kind] ?? AGENCY_KIND_WORDS.other ?? ''))].filter(Boolean).map(words => t(words))
}

const CONSENT_METHODS: Record<string, string> = {
  in_person: 'Face to face',
  written: 'In writing',
  verbal: 'By saying so',
  phone: 'On the phone',
}

export function consentMethodText(t: Translate, method: string): string {
  return t(CONSENT_METHODS[method] ?? 'By saying so')
}

export type ScoreFormSection = {
  heading: string
  fields: { name: string; label: string; hint: string | null; items: { value: string; text: string; checked?: boolean; selected?: boolean }[]; error?: { text: string } }[]
}

/** The "add how things are now" form, grouped by area of life and child: a select (0 to 10) or red/amber/green radios. */
export function scoreFormSections(t: Translate, fields: readonly ScoreField[], young: boolean, values: Record<string, string>, fieldErrors: Record<string, { text: string }>): ScoreFormSection[] {
  const sections: ScoreFormSection[] = []
  for (const field of fields) {
    const heading = field.subjectName ? `${field.domainTitle}: ${field.subjectName}` : field.domainTitle
    let section = sections.at(-1)
    if (!section || section.heading !== heading) {
      section = { heading, fields: [] }
      sections.push(section)
    }
    const chosen = values[field.name] ?? ''
    const items = young
      ? CHILD_SCORES.map(score => ({ value: score, text: t(CHILD_SCORE_WORDS[score]), checked: chosen === score }))
      : [
          // Short options: the hint says what 0 and 10 mean (one sentence a select, easy to read and to hear).
          { value: '', text: t('Not now'), selected: chosen === '' },
          ...ADULT_SCORES.map(score => ({ value: score, text: score, selected: chosen === score })),
        ]
    section.fields.push({ name: field.name, label: field.elementTitle, hint: young ? null : t('0 is very hard. 10 is very good.'), items, error: fieldErrors[field.name] })
  }
  return sections
}
