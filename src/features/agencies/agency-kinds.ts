/** The kinds of agency a partnership works with, in the order the directory shows them. */
export const AGENCY_KINDS = [
  { value: 'school', name: 'School', plural: 'Schools' },
  { value: 'early_years', name: 'Early years setting', plural: 'Early years settings' },
  { value: 'health_visiting', name: 'Health visiting', plural: 'Health visiting' },
  { value: 'school_nursing', name: 'School nursing', plural: 'School nursing' },
  { value: 'gp_practice', name: 'GP practice', plural: 'GP practices' },
  {
    value: 'camhs',
    name: 'CAMHS (children and young people’s mental health)',
    plural: 'CAMHS (children and young people’s mental health)',
  },
  { value: 'hospital', name: 'Hospital', plural: 'Hospitals' },
  {
    value: 'social_care_front_door',
    name: 'Children’s social care front door',
    plural: 'Children’s social care front door',
  },
  { value: 'police', name: 'Police', plural: 'Police' },
  { value: 'housing', name: 'Housing', plural: 'Housing' },
  { value: 'youth_service', name: 'Youth service', plural: 'Youth services' },
  { value: 'voluntary', name: 'Voluntary organisation', plural: 'Voluntary organisations' },
  { value: 'parent_advice', name: 'Parent advice service', plural: 'Parent advice services' },
  { value: 'adult_services', name: 'Adult services', plural: 'Adult services' },
  { value: 'other', name: 'Other', plural: 'Other services' },
] as const

export type AgencyKind = (typeof AGENCY_KINDS)[number]['value']

export const AGENCY_KIND_VALUES = AGENCY_KINDS.map(kind => kind.value) as [AgencyKind, ...AgencyKind[]]

export function isAgencyKind(value: unknown): value is AgencyKind {
  return typeof value === 'string' && (AGENCY_KIND_VALUES as readonly string[]).includes(value)
}

/** The name to show for a stored kind; an unknown stored value is shown as "Other" rather than as a code. */
export function agencyKindName(kind: string): string {
  return AGENCY_KINDS.find(item => item.value === kind)?.name ?? 'Other'
}

export function agencyKindPlural(kind: string): string {
  return AGENCY_KINDS.find(item => item.value === kind)?.plural ?? 'Other services'
}

/** Sorts by the directory's order of kinds. */
export function agencyKindOrder(kind: string): number {
  const index = AGENCY_KIND_VALUES.indexOf(kind as AgencyKind)
  return index === -1 ? AGENCY_KIND_VALUES.length : index
}
