import type { LeadScope } from '../../db/schema.ts'
import { paths } from '../../paths.ts'
import { formatDate, formatDateTime } from '../../plugins/views.ts'
import { KIND_NAMES, SCOPE_NAMES, type FamilyTeamMember, type Handover, type LeadProfessional, type TeamChange, type TeamPage, type TeamPractitioner } from './team.service.ts'

// Pure functions from the team's records to GOV.UK macro arguments.

type Cell = { text?: string; html?: string; classes?: string }

function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

export const SCOPE_HEADINGS: Record<LeadScope, string> = { whole_family: 'Lead professional for the whole family', children: 'Lead professional for the children', adults: 'Lead professional for the adults' }

export const APPOINTED_VIA_NAMES: Record<LeadProfessional['appointedVia'], string> = {
  team_meeting: 'at a team meeting',
  panel: 'by a panel',
  handover: 'by handover',
  other: 'another way',
}

export const HANDOVER_STATUS_NAMES: Record<Handover['status'], { text: string; classes: string }> = {
  pending: { text: 'Waiting to be acknowledged', classes: 'govuk-tag--yellow' },
  acknowledged: { text: 'Acknowledged', classes: 'govuk-tag--green' },
  declined: { text: 'Declined', classes: 'govuk-tag--red' },
  cancelled: { text: 'Cancelled', classes: 'govuk-tag--grey' },
}

/** "The family chose Sam: “…”", or what the record says when they did not. */
export function familyChoiceText(lead: { name?: string; familyChose: boolean; familyPreference: string | null }, name: string): string {
  if (lead.familyChose) return `The family chose ${name}${lead.familyPreference ? `: “${lead.familyPreference}”` : '.'}`
  return lead.familyPreference ? `The family did not choose the lead professional. What they said: “${lead.familyPreference}”` : 'The family did not choose the lead professional.'
}

export function leadCards(leads: LeadProfessional[], handovers: Handover[], page: { closed: boolean; episodeId: string }) {
  return leads.map(lead => {
    const pending = handovers.find(handover => handover.leadProfessionalId === lead.id && handover.status === 'pending')
    return {
      heading: SCOPE_HEADINGS[lead.scope],
      name: lead.name,
      rows: [
        { key: { text: 'Lead professional' }, value: { text: `${lead.name}${lead.agencyName ? `, ${lead.agencyName}` : ''}` } },
        { key: { text: 'Since' }, value: { text: formatDate(lead.startedAt) } },
        { key: { text: 'Appointed' }, value: { text: `${APPOINTED_VIA_NAMES[lead.appointedVia]}${lead.appointedByName ? ` (recorded by ${lead.appointedByName})` : ''}` } },
        { key: { text: 'The family’s choice' }, value: { text: familyChoiceText(lead, lead.name) } },
        ...(pending
          ? [{ key: { text: 'Handover' }, value: { html: `Waiting for ${escapeHtml(pending.toName)} to acknowledge. <a class="govuk-link" href="${paths.team.handover(page.episodeId, pending.id)}">See the handover</a>` } }]
          : []),
      ],
      handOverHref: page.closed || pending ? null : paths.team.handOver(page.episodeId, lead.id),
    }
  })
}

export function practitionerRows(practitioners: TeamPractitioner[], leads: LeadProfessional[], page: { closed: boolean; episodeId: string }): Cell[][] {
  return practitioners.map(member => {
    const lead = leads.find(item => item.userId === member.userId)
    return [
      { html: `${escapeHtml(member.name)}${lead ? ` <strong class="govuk-tag govuk-tag--blue">Lead professional</strong>` : ''}` },
      { text: member.teamRole ?? '—' },
      { text: member.agencyName ?? '—' },
      { text: formatDate(member.joinedAt) },
      page.closed
        ? { text: '' }
        : { html: `<a class="govuk-link" href="${paths.team.practitionerLeaves(page.episodeId, member.userId)}">Record leaving<span class="govuk-visually-hidden"> for ${escapeHtml(member.name)}</span></a>` },
    ]
  })
}

export function familyRows(family: FamilyTeamMember[], page: { closed: boolean; episodeId: string }): Cell[][] {
  return family.map(member => [
    { text: member.name },
    { text: [KIND_NAMES[member.kind], member.relationship].filter(Boolean).join(': ') },
    { text: member.organisation ?? '—' },
    { text: formatDate(member.joinedAt) },
    page.closed
      ? { text: '' }
      : { html: `<a class="govuk-link" href="${paths.team.familyMemberLeaves(page.episodeId, member.id)}">Record leaving<span class="govuk-visually-hidden"> for ${escapeHtml(member.name)}</span></a>` },
  ])
}

const CHANGE_NAMES: Record<TeamChange['change'], string> = { joined: 'Joined', left: 'Left', role_changed: 'Role changed' }

export function historyRows(changes: TeamChange[], leads: LeadProfessional[]): Cell[][] {
  const events: { at: Date; cells: Cell[] }[] = changes.map(change => ({
    at: change.at,
    cells: [{ text: formatDateTime(change.at) }, { text: change.memberName }, { text: CHANGE_NAMES[change.change] }, { text: change.detail ?? '' }, { text: change.byName ?? '' }],
  }))
  for (const lead of leads) {
    events.push({
      at: lead.startedAt,
      cells: [{ text: formatDateTime(lead.startedAt) }, { text: lead.name }, { text: 'Became lead professional' }, { text: `For ${SCOPE_NAMES[lead.scope]}, ${APPOINTED_VIA_NAMES[lead.appointedVia]}` }, { text: lead.appointedByName ?? '' }],
    })
    if (lead.endedAt) {
      events.push({
        at: lead.endedAt,
        cells: [{ text: formatDateTime(lead.endedAt) }, { text: lead.name }, { text: 'Stopped being lead professional' }, { text: lead.endedReason ?? '' }, { text: '' }],
      })
    }
  }
  return events.sort((a, b) => b.at.getTime() - a.at.getTime()).map(event => event.cells)
}

export function formerRows(page: TeamPage): Cell[][] {
  return [
    ...page.formerPractitioners.map(member => ({ at: member.leftAt, cells: [{ text: member.name }, { text: member.agencyName ?? '—' }, { text: `${formatDate(member.joinedAt)} to ${formatDate(member.leftAt)}` }, { text: member.leftReason ?? '' }] })),
    ...page.formerFamily.map(member => ({ at: member.leftAt, cells: [{ text: member.name }, { text: KIND_NAMES[member.kind] }, { text: `${formatDate(member.joinedAt)} to ${formatDate(member.leftAt)}` }, { text: member.leftReason ?? '' }] })),
  ]
    .sort((a, b) => (b.at?.getTime() ?? 0) - (a.at?.getTime() ?? 0))
    .map(row => row.cells)
}

export function sizeWarning(page: TeamPage): string | null {
  if (!page.overSize) return null
  return `This team has ${page.practitioners.length} practitioners. Families find smaller teams easier: your authority suggests no more than ${page.settings.maxTeamPractitioners}. Could someone leave the team, or attend only when needed?`
}

/** The "who is who" cards: one per person, in words a family understands. */
export function whoIsWhoCards(page: TeamPage) {
  const leadsOf = (userId: string) => page.currentLeads.filter(lead => lead.userId === userId)
  const practitioners = page.practitioners.map(member => {
    const leads = leadsOf(member.userId)
    const contact = [member.email, member.agencyPhone ? `${member.agencyName ?? 'Agency'}: ${member.agencyPhone}` : null, member.agencyEmail].filter((item): item is string => Boolean(item))
    return {
      name: member.name,
      lead: leads.length > 0 ? `Lead professional for ${leads.map(lead => SCOPE_NAMES[lead.scope]).join(' and ')}` : null,
      rows: [
        { key: { text: 'What they do for the family' }, value: { text: member.teamRole ?? 'Not recorded yet' } },
        { key: { text: 'Works for' }, value: { text: member.agencyName ?? 'Not recorded' } },
        ...(member.agencyName ? [{ key: { text: `What ${member.agencyName} does` }, value: { text: member.agencyDescription?.trim() || 'No description yet' } }] : []),
        { key: { text: 'How to contact them' }, value: { html: contact.map(escapeHtml).join('<br>') || 'Ask the lead professional' } },
      ],
    }
  })
  const family = page.family.map(member => ({
    name: member.name,
    lead: null,
    rows: [
      { key: { text: 'Who they are' }, value: { text: [KIND_NAMES[member.kind], member.relationship].filter(Boolean).join(': ') } },
      ...(member.organisation ? [{ key: { text: 'Organisation' }, value: { text: member.organisation } }] : []),
      { key: { text: 'How to contact them' }, value: { html: [member.email, member.phone].filter((item): item is string => Boolean(item)).map(escapeHtml).join('<br>') || 'Not recorded' } },
    ],
  }))
  return { practitioners, family }
}

export function handoverRows(handover: Handover) {
  return [
    { key: { text: 'For' }, value: { text: SCOPE_NAMES[handover.scope] } },
    { key: { text: 'From' }, value: { text: handover.fromName } },
    { key: { text: 'To' }, value: { text: handover.toName } },
    { key: { text: 'Asked' }, value: { text: `${formatDateTime(handover.requestedAt)}${handover.requestedByName ? ` by ${handover.requestedByName}` : ''}` } },
    { key: { text: 'Handover note' }, value: { text: handover.note } },
    { key: { text: 'The family’s choice' }, value: { text: familyChoiceText(handover, handover.toName) } },
    { key: { text: 'Status' }, value: { html: `<strong class="govuk-tag ${HANDOVER_STATUS_NAMES[handover.status].classes}">${HANDOVER_STATUS_NAMES[handover.status].text}</strong>` } },
    ...(handover.respondedAt ? [{ key: { text: 'Answered' }, value: { text: formatDateTime(handover.respondedAt) } }] : []),
    ...(handover.responseNote ? [{ key: { text: 'Note with the answer' }, value: { text: handover.responseNote } }] : []),
  ]
}

export function handoverListRows(handovers: Handover[], episodeId: string): Cell[][] {
  return handovers.map(handover => [
    { html: `<a class="govuk-link" href="${paths.team.handover(episodeId, handover.id)}">${escapeHtml(formatDate(handover.requestedAt))}</a>` },
    { text: `${handover.fromName} to ${handover.toName}` },
    { text: SCOPE_NAMES[handover.scope] },
    { html: `<strong class="govuk-tag ${HANDOVER_STATUS_NAMES[handover.status].classes}">${HANDOVER_STATUS_NAMES[handover.status].text}</strong>` },
  ])
}

export const FAMILY_KIND_ITEMS = (Object.keys(KIND_NAMES) as FamilyTeamMember['kind'][]).map(kind => ({
  value: kind,
  text: KIND_NAMES[kind],
  hint: {
    text: {
      family_member: 'A parent, carer, child or young person, or other relative',
      advocate: 'An independent advocate who supports the family',
      parent_advice: 'A parent advice or parent partnership service',
      friend: 'A friend or neighbour the family wants there',
      other_supporter: 'Someone else the family asked to support them',
    }[kind],
  },
}))
