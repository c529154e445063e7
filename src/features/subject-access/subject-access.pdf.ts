import { renderFamilyCopyPdf } from '../assessments/family-copy.pdf.ts'
import type { Block } from '../assessments/family-copy.view-models.ts'
import { formatDate, formatDateTime } from '../../plugins/views.ts'
import type { SarExport, SarItem } from './subject-access.service.ts'

// The readable copy of a subject access export: the same content as the JSON file, as a tagged PDF with the embedded
// DejaVu font (the renderer the assessment family copy uses). Ids are left out where a name says who or what.

const HIDDEN = new Set(['id', 'content', 'authorityId'])
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/
const DAY = /^\d{4}-\d{2}-\d{2}$/

/** "givenNames" → "Given names"; "recordedByUserId" → "Recorded by". */
export function labelOf(column: string): string {
  const words = column
    .replace(/(UserId|AgencyId|PersonId|AccountId|Id)$/, '')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
  return words.charAt(0).toUpperCase() + words.slice(1)
}

function textOf(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'string') {
    if (TIME.test(value)) return formatDateTime(value)
    if (DAY.test(value)) return formatDate(value)
    return value
  }
  if (typeof value === 'boolean') return value ? 'Yes' : 'No'
  if (typeof value === 'number') return String(value)
  if (typeof value === 'object' && 'encoding' in value) return 'Included in the JSON file'
  return JSON.stringify(value)
}

function itemBlocks(item: SarItem): Block[] {
  const blocks: Block[] = [{ kind: 'heading', level: 3, text: item.label }]
  if (item.thirdParty.review) {
    blocks.push({ kind: 'pair', label: 'For redaction review', text: `This item ${item.thirdParty.reasons.join('; ')}.` })
  }
  for (const [column, value] of Object.entries(item.record)) {
    if (HIDDEN.has(column)) continue
    const named = item.names[column]
    const text = named ?? textOf(value)
    if (text === '' || (column.endsWith('Id') && !named && /^[0-9a-f-]{36}$/i.test(text))) continue
    blocks.push({ kind: 'pair', label: labelOf(column), text })
  }
  return blocks
}

function accessLine(item: SarItem): string {
  const record = item.record
  const who = String(record.actorName ?? record.familyAccountName ?? record.actorKind ?? '')
  const agency = record.agencyName ? ` (${String(record.agencyName)})` : ''
  return `${textOf(record.at)}: ${who}${agency}, ${String(record.action)}${record.outcome === 'denied' ? ' (refused)' : ''}${record.purpose ? `, purpose: ${String(record.purpose)}` : ''}`
}

function historyLine(item: SarItem): string {
  const record = item.record
  const who = item.names.changedByUserId ?? item.names.changedByFamilyAccountId ?? String(record.changedByKind)
  const what = record.operation === 'update' ? `${labelOf(String(record.field))} of ${String(record.tableName)} changed from "${textOf(record.oldValue)}" to "${textOf(record.newValue)}"` : `${String(record.tableName)} ${String(record.operation)}`
  const kind = record.kind === 'correction' ? ` (corrected: ${String(record.reason ?? '')})` : record.kind === 'disputed' ? ' (disputed)' : ''
  return `${textOf(record.at)}: ${who}: ${what}${kind}`
}

export function subjectAccessBlocks(sar: SarExport): { cover: Block[]; body: Block[] } {
  const cover: Block[] = [
    { kind: 'heading', level: 1, text: `Subject access request: ${sar.subject.name}` },
    { kind: 'pair', label: 'Held by', text: sar.authority },
    { kind: 'pair', label: 'Date of birth', text: sar.subject.dateOfBirth ? formatDate(sar.subject.dateOfBirth) : 'Not recorded' },
    { kind: 'pair', label: 'Exported', text: `${formatDateTime(sar.exportedAt)} by ${sar.exportedBy}` },
    {
      kind: 'pair',
      label: 'What this holds',
      text: `${sar.summary.items} items in ${sar.summary.episodes} episodes of early help; ${sar.summary.accessEvents} records of access. ${sar.summary.flaggedForRedactionReview} items are marked for redaction review.`,
    },
    { kind: 'heading', level: 2, text: 'Before you release this' },
    { kind: 'list', items: sar.notes },
  ]
  const body: Block[] = []
  for (const section of sar.sections) {
    body.push({ kind: 'heading', level: 2, text: section.title })
    if (section.items.length === 0) {
      body.push({ kind: 'paragraph', text: 'Nothing held.' })
      continue
    }
    if (section.key === 'access') {
      body.push({ kind: 'list', items: section.items.map(accessLine) })
      continue
    }
    if (section.key === 'history') {
      body.push({ kind: 'list', items: section.items.map(historyLine) })
      const flagged = section.items.filter(item => item.thirdParty.review)
      if (flagged.length) body.push({ kind: 'pair', label: 'For redaction review', text: `${flagged.length} changes name another person.` })
      continue
    }
    for (const item of section.items) body.push(...itemBlocks(item))
  }
  return { cover, body }
}

export function renderSubjectAccessPdf(sar: SarExport): Promise<Buffer> {
  const { cover, body } = subjectAccessBlocks(sar)
  return renderFamilyCopyPdf(
    { title: `Subject access request: ${sar.subject.name}`, subject: `Everything ${sar.authority} holds about ${sar.subject.name}`, draft: false, cover, body },
    { author: sar.exportedBy, createdAt: new Date(sar.exportedAt) },
  )
}
