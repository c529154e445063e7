import type { ProtectedField } from '../../db/schema.ts'
import type { ProtectionRecord } from './identity-protection.repository.ts'
import { FIELD_NAMES, type WithheldFromChoice } from './identity-protection.service.ts'

// Pure functions from identity protection's data to what the practitioner's pages show.

function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

type SummaryRow = { key: { text: string }; value: { text?: string; html?: string } }

/** Which row of the person's summary list shows each protected detail. */
const ROW_OF_FIELD: Readonly<Record<Exclude<ProtectedField, 'whereabouts'>, string>> = {
  address: 'Address',
  phone: 'Phone',
  email: 'Email',
  school: 'School or setting',
}

function markerHtml(names: string[]): string {
  return `<strong class="govuk-tag govuk-tag--red onestory-protection-marker">Do not disclose to ${escapeHtml(names.join(', '))}</strong>`
}

/**
 * The person's summary rows with a "Do not disclose to …" marker beside each protected detail, and a row for
 * "where they are now" when that is protected (its value is kept on the identity protection page only).
 */
export function withProtectionMarkers(rows: SummaryRow[], protections: { field: ProtectedField; withheldFromName: string }[], href: string): SummaryRow[] {
  if (protections.length === 0) return rows
  const namesOf = (field: ProtectedField) => [...new Set(protections.filter(p => p.field === field).map(p => p.withheldFromName))]
  const marked = rows.map(row => {
    const field = (Object.entries(ROW_OF_FIELD) as [ProtectedField, string][]).find(([, key]) => key === row.key.text)?.[0]
    const names = field ? namesOf(field) : []
    if (!names.length) return row
    const value = row.value.html ?? escapeHtml(row.value.text ?? '')
    return { ...row, value: { html: `<span class="onestory-preserve-lines">${value}</span><br>${markerHtml(names)}` } }
  })
  const whereabouts = namesOf('whereabouts')
  if (whereabouts.length) {
    marked.push({ key: { text: FIELD_NAMES.whereabouts }, value: { html: `<a class="govuk-link" href="${escapeHtml(href)}">Recorded on the identity protection page</a><br>${markerHtml(whereabouts)}` } })
  }
  return marked
}

const dateTime = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', hour: 'numeric', minute: '2-digit', hourCycle: 'h12', timeZone: 'Europe/London' })

export function protectionRows(protections: ProtectionRecord[]) {
  return protections.map(protection => ({
    id: protection.id,
    field: FIELD_NAMES[protection.field],
    withheldFrom: protection.withheldFromName,
    kind: protection.withheldFromAccountId ? 'family account' : 'registered person',
    reason: protection.reason,
    alsoWithhold: protection.alsoWithhold,
    created: `${dateTime.format(protection.createdAt)}${protection.createdByName ? ` by ${protection.createdByName}` : ''}`,
    ended: protection.endedAt ? `${dateTime.format(protection.endedAt)}${protection.endedByName ? ` by ${protection.endedByName}` : ''}` : null,
    endReason: protection.endReason,
  }))
}

export function fieldItems(chosen: string[]) {
  return (Object.entries(FIELD_NAMES) as [ProtectedField, string][]).map(([value, text]) => ({
    value,
    text,
    checked: chosen.includes(value),
    ...(value === 'whereabouts' ? { hint: { text: 'For example a refuge, a relative’s home or a new town. Write it in the box below.' } } : {}),
  }))
}

export function withheldFromItems(choices: WithheldFromChoice[], chosen: string | undefined) {
  return choices.map(choice => ({ value: choice.value, text: choice.name, hint: { text: choice.hint }, checked: choice.value === chosen }))
}
