import { ROLE_NAMES } from '../../policy/actor.ts'
import { ACTIONS } from '../../policy/policy.ts'
import type { AuditEntry } from './audit-log.repository.ts'
import type { AuditQueryValues } from './audit-log.schemas.ts'

/** Events the authentication flows record outside the policy table (src/features/auth/auth.service.ts). */
export const AUTHENTICATION_ACTIONS: Record<string, string> = {
  'sign-in': 'Sign in',
  'sign-out': 'Sign out',
  'second-factor.enrol': 'Set up an authenticator app',
  'second-factor.verify': 'Enter an authenticator code',
  'password-reset.request': 'Ask for a password reset link',
  'password-reset.complete': 'Reset a password',
  'invitation.accept': 'Accept an invitation',
}

type Option = { value: string; text: string; selected?: boolean }

function withSelected(options: Option[], selected: string, anyText: string): Option[] {
  const items = [{ value: '', text: anyText }, ...options]
  // A value from a bookmarked link that is not (or no longer) in the list stays visible and selected.
  if (selected && !items.some(item => item.value === selected)) items.push({ value: selected, text: selected })
  return items.map(item => (item.value === selected ? { ...item, selected: true } : item))
}

export function filterFormItems(
  values: AuditQueryValues,
  people: { id: string; name: string; status: string }[],
  recordTypes: string[],
) {
  const actions = [
    ...Object.entries(AUTHENTICATION_ACTIONS).map(([value, description]) => ({
      value,
      text: `${value}: ${description}`,
    })),
    ...Object.entries(ACTIONS).map(([value, rule]) => ({ value, text: `${value}: ${rule.description}` })),
  ].sort((a, b) => a.value.localeCompare(b.value))
  return {
    people: withSelected(
      people.map(person => ({
        value: person.id,
        text: person.status === 'active' ? person.name : `${person.name} (${person.status})`,
      })),
      values.userId.toLowerCase(),
      'Anyone',
    ),
    actions: withSelected(actions, values.action, 'Any action'),
    recordTypes: withSelected(
      recordTypes.map(type => ({ value: type, text: type })),
      values.recordType,
      'Any type of record',
    ),
    outcomes: withSelected(
      [
        { value: 'allowed', text: 'Allowed' },
        { value: 'denied', text: 'Denied' },
      ],
      values.outcome,
      'Allowed or denied',
    ),
  }
}

const ukTime = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/London',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hourCycle: 'h23',
})

/** "3 Mar 2026, 14:05:09" in UK time: an audit trail needs the seconds. */
export function ukDateTime(value: Date): string {
  return ukTime.format(value)
}

export function whoDid(event: Pick<AuditEntry, 'actorKind' | 'actorName'>): string {
  if (event.actorKind === 'system') return 'OneStory (automatic)'
  return event.actorName ?? 'Unknown person'
}

/** The roles the practitioner held when they acted, in words ("Coordinator, Practitioner"). */
export function rolesText(roles: readonly string[] | null): string {
  return (roles ?? []).map(role => (role in ROLE_NAMES ? ROLE_NAMES[role as keyof typeof ROLE_NAMES] : role)).join(', ')
}

export function auditRow(event: AuditEntry) {
  return {
    roles: rolesText(event.actorRoles),
    at: event.at.toISOString(),
    time: ukDateTime(event.at),
    who: whoDid(event),
    agency: event.actingAgencyName ?? '',
    action: event.action,
    outcome:
      event.outcome === 'allowed'
        ? { text: 'Allowed', classes: 'govuk-tag--green' }
        : { text: 'Denied', classes: 'govuk-tag--red' },
    recordType: event.recordType ?? '',
    recordId: event.recordId ?? '',
    ip: event.ip ?? '',
  }
}

/** GOV.UK date input items for one date, with the parts at fault marked. */
export function dateItems(values: AuditQueryValues, name: 'from' | 'to', partsInError: string[]) {
  return (['day', 'month', 'year'] as const).map(part => ({
    name: part,
    label: part === 'day' ? 'Day' : part === 'month' ? 'Month' : 'Year',
    value: values[`${name}-${part}`],
    classes: `${part === 'year' ? 'govuk-input--width-4' : 'govuk-input--width-2'}${partsInError.includes(part) ? ' govuk-input--error' : ''}`,
  }))
}
