import type { Role } from '../../db/schema.ts'
import { ROLE_NAMES, ROLES } from '../../policy/actor.ts'
import { paths } from '../../paths.ts'
import { AGENCY_KINDS, agencyKindName } from '../agencies/agency-kinds.ts'
import type { Agency, AuthoritySettings, UserDetail, UserListItem } from './admin.service.ts'
import { submittedValues } from '../../lib/validation.ts'

// Pure functions from service results to the arguments of GOV.UK macros. Nothing here sees a secret: the service
// returns account details without password hashes, authenticator secrets or recovery codes.

export type FormValues = Record<string, string | string[]>

/** What the browser sent, kept to show again: strings and lists of strings only. */
export { submittedValues }

export function listOf(value: string | string[] | undefined): string[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value : [value]
}

/** The version to carry in the form: what was sent if it is a number, otherwise what is saved. */
export function keptVersion(values: FormValues, saved: number): string {
  const sent = values.version
  return typeof sent === 'string' && /^[0-9]{1,9}$/.test(sent) ? sent : String(saved)
}

const STATUS_TAGS: Record<UserDetail['status'], { text: string; classes: string }> = {
  active: { text: 'Active', classes: 'govuk-tag--green' },
  invited: { text: 'Invited', classes: 'govuk-tag--blue' },
  deactivated: { text: 'Deactivated', classes: 'govuk-tag--grey' },
}

export function statusTag(status: UserDetail['status']) {
  return STATUS_TAGS[status]
}

export function roleNames(roles: readonly Role[]): string {
  return roles.map(role => ROLE_NAMES[role]).join(', ')
}

const ROLE_HINTS: Record<Role, string> = {
  administrator: 'Manages localities, agencies, accounts and settings',
  coordinator: 'Coordinates early help in a locality and can search the audit log',
  panel_member: 'Sits on multi-agency panels',
  manager: 'Manages practitioners and oversees their work',
  practitioner: 'Works with children and families',
}

export function roleItems(chosen: readonly string[]) {
  return ROLES.map(role => ({
    value: role,
    text: ROLE_NAMES[role],
    hint: { text: ROLE_HINTS[role] },
    checked: chosen.includes(role),
  }))
}

/** Active agencies, plus any inactive one already chosen (so that saving does not silently drop it). */
export function agencyItems(
  agencies: readonly { id: string; name: string; active: boolean }[],
  chosen: readonly string[],
) {
  return agencies
    .filter(agency => agency.active || chosen.includes(agency.id))
    .map(agency => ({
      value: agency.id,
      text: agency.active ? agency.name : `${agency.name} (inactive)`,
      checked: chosen.includes(agency.id),
    }))
}

export function kindItems(chosen: string | undefined, options: { placeholder: string }) {
  return [
    { value: '', text: options.placeholder, selected: !chosen },
    ...AGENCY_KINDS.map(kind => ({ value: kind.value, text: kind.name, selected: kind.value === chosen })),
  ]
}

export function localityItems(
  localities: readonly { id: string; name: string }[],
  chosen: string | undefined,
  placeholder: string,
) {
  return [
    { value: '', text: placeholder, selected: !chosen },
    ...localities.map(locality => ({ value: locality.id, text: locality.name, selected: locality.id === chosen })),
  ]
}

export function userRows(users: readonly UserListItem[]) {
  return users.map(user => [
    { html: `<a class="govuk-link" href="${escapeHtml(paths.admin.user(user.id))}">${escapeHtml(user.name)}</a>` },
    { text: user.email },
    { text: roleNames(user.roles) || 'None' },
    { html: `<strong class="govuk-tag ${STATUS_TAGS[user.status].classes}">${STATUS_TAGS[user.status].text}</strong>` },
  ])
}

export function localityRows(localities: readonly { id: string; name: string; agencyCount: number }[]) {
  return localities.map(locality => [
    { text: locality.name },
    { text: String(locality.agencyCount), format: 'numeric' },
    {
      html: `<a class="govuk-link" href="${escapeHtml(paths.admin.locality(locality.id))}">Rename<span class="govuk-visually-hidden"> ${escapeHtml(locality.name)}</span></a>`,
    },
  ])
}

export function agencyRows(agencies: readonly Agency[]) {
  return agencies.map(agency => [
    {
      html: `<a class="govuk-link" href="${escapeHtml(paths.admin.agency(agency.id))}">${escapeHtml(agency.name)}</a>`,
    },
    { text: agencyKindName(agency.kind) },
    { text: agency.localityName ?? 'The whole area' },
    {
      html: agency.active
        ? '<strong class="govuk-tag govuk-tag--green">Active</strong>'
        : '<strong class="govuk-tag govuk-tag--grey">Inactive</strong>',
    },
  ])
}

export function agencyValues(agency: Agency): FormValues {
  return {
    name: agency.name,
    kind: agency.kind,
    localityId: agency.localityId ?? '',
    description: agency.description,
    email: agency.email ?? '',
    phone: agency.phone ?? '',
    address: agency.address ?? '',
    active: agency.active ? 'yes' : 'no',
    version: String(agency.version),
  }
}

export function agencySummaryRows(agency: Agency) {
  return [
    { key: { text: 'Name' }, value: { text: agency.name } },
    { key: { text: 'Kind' }, value: { text: agencyKindName(agency.kind) } },
    { key: { text: 'Locality' }, value: { text: agency.localityName ?? 'The whole area' } },
    { key: { text: 'What the agency does' }, value: { text: agency.description } },
    { key: { text: 'Email' }, value: { text: agency.email ?? 'None' } },
    { key: { text: 'Phone' }, value: { text: agency.phone ?? 'None' } },
    { key: { text: 'Address' }, value: { text: agency.address ?? 'None' } },
    { key: { text: 'Active' }, value: { text: agency.active ? 'Yes' : 'No' } },
  ]
}

export function settingsValues(settings: AuthoritySettings): FormValues {
  return {
    authorityName: settings.name,
    singleSignOnIssuer: settings.singleSignOnIssuer ?? '',
    secondFactorRequired: settings.secondFactorRequired ? 'yes' : 'no',
    assessmentApprovalRequired: settings.assessmentApprovalRequired ? 'yes' : '',
    version: String(settings.version),
  }
}

export function settingsSummaryRows(settings: AuthoritySettings) {
  return [
    { key: { text: 'Authority name' }, value: { text: settings.name } },
    { key: { text: 'Single sign-on issuer URL' }, value: { text: settings.singleSignOnIssuer ?? 'None' } },
    { key: { text: 'Authenticator app required' }, value: { text: settings.secondFactorRequired ? 'Yes' : 'No' } },
    { key: { text: 'Assessments need a manager’s approval' }, value: { text: settings.assessmentApprovalRequired ? 'Yes' : 'No' } },
  ]
}

export function nationName(nation: AuthoritySettings['nation']): string {
  return nation === 'wales' ? 'Wales' : 'England'
}

/** What a coordinator coordinates: the named localities, or the whole authority when none is chosen. */
export function coordinatedText(user: UserDetail, localities: readonly { id: string; name: string }[]): string {
  if (user.coordinatorLocalityIds.length === 0) return 'The whole authority'
  return user.coordinatorLocalityIds.map(id => localities.find(locality => locality.id === id)?.name ?? 'A locality').join(', ')
}

/** The coordinator's localities as checkboxes (on the roles and agencies form). */
export function coordinatorLocalityItems(localities: readonly { id: string; name: string }[], chosen: readonly string[]) {
  return localities.map(locality => ({ value: locality.id, text: locality.name, checked: chosen.includes(locality.id) }))
}

export function userSummaryRows(
  user: UserDetail,
  agencies: readonly { id: string; name: string }[],
  localities: readonly { id: string; name: string }[] = [],
) {
  const agencyNames = user.agencyIds
    .map(id => agencies.find(agency => agency.id === id)?.name)
    .filter((name): name is string => !!name)
  const rows = [
    { key: { text: 'Name' }, value: { text: user.name } },
    { key: { text: 'Email address' }, value: { text: user.email } },
    {
      key: { text: 'Status' },
      value: {
        html: `<strong class="govuk-tag ${STATUS_TAGS[user.status].classes}">${STATUS_TAGS[user.status].text}</strong>`,
      },
    },
    {
      key: { text: 'Roles' },
      value: { text: roleNames(user.roles) || 'None' },
      actions: {
        items: [{ href: paths.admin.editUser(user.id), text: 'Change', visuallyHiddenText: 'roles and agencies' }],
      },
    },
    {
      key: { text: 'Agencies' },
      value: { text: agencyNames.join(', ') || 'None' },
      actions: {
        items: [{ href: paths.admin.editUser(user.id), text: 'Change', visuallyHiddenText: 'roles and agencies' }],
      },
    },
    ...(user.roles.includes('coordinator')
      ? [
          {
            key: { text: 'Localities they coordinate' },
            value: { text: coordinatedText(user, localities) },
            actions: {
              items: [{ href: paths.admin.editUser(user.id), text: 'Change', visuallyHiddenText: 'localities they coordinate' }],
            },
          },
        ]
      : []),
    { key: { text: 'Authenticator app' }, value: { text: user.secondFactorSetUp ? 'Set up' : 'Not set up' } },
    {
      key: { text: 'Signed in on' },
      value: { text: user.sessionCount === 1 ? '1 device' : `${user.sessionCount} devices` },
    },
    { key: { text: 'API tokens in use' }, value: { text: String(user.liveApiTokens) } },
    { key: { text: 'Invited or added' }, value: { text: formatDate(user.createdAt) } },
    { key: { text: 'Last signed in' }, value: { text: user.lastSignInAt ? formatDate(user.lastSignInAt) : 'Never' } },
  ]
  if (user.deactivatedAt) rows.push({ key: { text: 'Deactivated' }, value: { text: formatDate(user.deactivatedAt) } })
  return rows
}

export function userAccessSummaryRows(user: UserDetail, agencies: readonly { id: string; name: string }[]) {
  const names = user.agencyIds.map(id => agencies.find(agency => agency.id === id)?.name ?? 'An agency').join(', ')
  return [
    { key: { text: 'Roles' }, value: { text: roleNames(user.roles) || 'None' } },
    { key: { text: 'Agencies' }, value: { text: names || 'None' } },
  ]
}

/** GOV.UK pagination: first, last, and the pages around the current one, with ellipses between. */
export function pagination(page: number, pageCount: number, href: (page: number) => string) {
  if (pageCount <= 1) return null
  const shown = [...new Set([1, page - 1, page, page + 1, pageCount])]
    .filter(n => n >= 1 && n <= pageCount)
    .sort((a, b) => a - b)
  const items: ({ number: number; href: string; current: boolean } | { ellipsis: true })[] = []
  shown.forEach((n, index) => {
    const previous = shown[index - 1]
    if (previous !== undefined && n - previous > 1) items.push({ ellipsis: true })
    items.push({ number: n, href: href(n), current: n === page })
  })
  return {
    items,
    ...(page > 1 ? { previous: { href: href(page - 1) } } : {}),
    ...(page < pageCount ? { next: { href: href(page + 1) } } : {}),
  }
}

const dateFormat = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  timeZone: 'Europe/London',
})

function formatDate(value: Date): string {
  return dateFormat.format(new Date(value))
}

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    char => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  )
}
