import type { Kysely } from 'kysely'
import type { Config } from '../../config.ts'
import type { Database } from '../../db/schema.ts'
import type { Db } from '../../db/database.ts'
import type { Clock } from '../../lib/clock.ts'
import { isUuid } from '../../lib/ids.ts'
import { NotFoundError, UnauthenticatedError } from '../../lib/errors.ts'
import type { Access } from '../../policy/access.ts'
import type { PractitionerActor, RequestContext } from '../../policy/actor.ts'
import { readDocumentFile } from '../records/document-storage.ts'
import * as repository from './subject-access.repository.ts'
import type { Row } from './subject-access.repository.ts'

// Subject access (UK GDPR Art. 15): everything OneStory holds about a named person, as JSON and as a readable PDF,
// with items that name or are about other people flagged for redaction review. The export itself is audited
// (action sar.export, with the format and the counts; never the content).

/** Documents up to this size have their content in the JSON file (base64); larger ones are listed. */
export const SAR_DOCUMENT_CONTENT_LIMIT = 2 * 1024 * 1024

export type ThirdParty = { review: boolean; people: string[]; reasons: string[] }
export type SarItem = {
  type: string
  label: string
  id: string
  episodeId: string | null
  record: Record<string, unknown>
  /** Names for the ids in the record (users, agencies, people, family accounts). */
  names: Record<string, string>
  thirdParty: ThirdParty
}
export type SarSection = { key: string; title: string; items: SarItem[] }
export type SarExport = {
  format: 'onestory-subject-access/1'
  authority: string
  subject: { id: string; name: string; dateOfBirth: string | null }
  exportedAt: string
  exportedBy: string
  notes: string[]
  summary: { items: number; flaggedForRedactionReview: number; episodes: number; accessEvents: number }
  sections: SarSection[]
}

/** Tables read by episode id, in the order the export shows them, with the label of one of their rows. */
const EPISODE_TABLES: ReadonlyArray<readonly [string, string]> = [
  ['episode_people', 'Person in the episode'],
  ['episode_members', 'Practitioner on the team'],
  ['family_team_members', 'Family member or supporter on the team'],
  ['lead_professionals', 'Lead professional'],
  ['lead_handovers', 'Lead professional handover'],
  ['team_changes', 'Team change'],
  ['episode_checklists', 'Identification checklist'],
  ['consents', 'Consent'],
  ['consent_agency_withdrawals', 'Sharing stopped with an agency'],
  ['safeguarding_referrals', 'Safeguarding referral'],
  ['assessments', 'Assessment'],
  ['support_plans', 'Family support plan'],
  ['plan_needs', 'Plan need'],
  ['plan_actions', 'Plan action'],
  ['plan_action_updates', 'Plan action progress'],
  ['plan_versions', 'Agreed plan version'],
  ['meetings', 'Meeting'],
  ['reviews', 'Review'],
  ['distance_scores', 'Distance Travelled score'],
  ['episode_closures', 'Closure'],
  ['case_notes', 'Case note'],
  ['family_views', 'Family views'],
  ['family_scores', 'Family score'],
  ['record_disputes', 'Disagreement recorded'],
]

/** Tables read through a parent: [table, parent column, parent table, label]. */
const CHILD_TABLES: ReadonlyArray<readonly [string, string, string, string]> = [
  ['assessment_elements', 'assessment_id', 'assessments', 'Assessment element'],
  ['assessment_contributors', 'assessment_id', 'assessments', 'Assessment contributor'],
  ['assessment_family_copies', 'assessment_id', 'assessments', 'Family copy of an assessment given'],
  ['plan_signatures', 'plan_version_id', 'plan_versions', 'Plan signature'],
  ['meeting_invitees', 'meeting_id', 'meetings', 'Meeting invitee'],
  ['agenda_items', 'meeting_id', 'meetings', 'Agenda item'],
  ['meeting_minutes', 'meeting_id', 'meetings', 'Meeting minutes'],
  ['review_progress', 'review_id', 'reviews', 'Review progress'],
]

/** Key columns of the tables without an id column. */
const KEYS: Record<string, readonly string[]> = {
  household_members: ['householdId', 'personId'],
  episode_people: ['episodeId', 'personId'],
  episode_members: ['episodeId', 'userId'],
  episode_checklists: ['episodeId'],
  support_plans: ['episodeId'],
  episode_closures: ['episodeId'],
  assessment_elements: ['assessmentId', 'elementKey', 'subject'],
  assessment_contributors: ['assessmentId', 'userId'],
  meeting_minutes: ['meetingId'],
  review_progress: ['reviewId', 'itemKind', 'itemId'],
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

function plain(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString()
  if (value instanceof Uint8Array) return { encoding: 'base64', data: Buffer.from(value).toString('base64') }
  return value
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

type Matcher = { name: string; patterns: RegExp[] }

/** Everything about one person, gathered in one transaction. */
export async function gatherSubjectAccess(
  db: Db,
  options: { authorityId: string; personId: string; exportedBy: string; at: Date; documentsFolder: string | undefined },
): Promise<SarExport | undefined> {
  const { authorityId, personId } = options
  if (!isUuid(personId)) return undefined
  const subject = await repository.findSubject(db, authorityId, personId)
  if (!subject || subject.mergedIntoId) return undefined
  const names = await repository.nameMaps(db, authorityId)
  const persons = await repository.personRecords(db, authorityId, personId)
  const subjectIds = persons.map(row => String(row.id))
  const subjectName = `${String(subject.givenNames)} ${String(subject.familyName)}`

  const memberships = await repository.rowsWhere(db, authorityId, 'household_members', 'person_id', subjectIds)
  const householdIds = [...new Set(memberships.map(row => String(row.householdId)))]
  const households = await repository.rowsWhere(db, authorityId, 'households', 'id', householdIds)
  const householdMembers = await repository.rowsWhere(db, authorityId, 'household_members', 'household_id', householdIds)
  const relationships = await repository.relationshipsOf(db, authorityId, subjectIds)
  const inEpisodes = await repository.rowsWhere(db, authorityId, 'episode_people', 'person_id', subjectIds)
  const episodeRows = [
    ...(await repository.rowsWhere(db, authorityId, 'episodes', 'id', [...new Set(inEpisodes.map(row => String(row.episodeId)))])),
    ...(await repository.rowsWhere(db, authorityId, 'episodes', 'household_id', householdIds)),
  ]
  const episodes = [...new Map(episodeRows.map(row => [String(row.id), row])).values()]
  const episodeIds = episodes.map(row => String(row.id))
  const familyAccounts = await repository.rowsWhere(db, authorityId, 'family_accounts', 'person_id', subjectIds, [
    'id', 'name', 'email', 'mobile', 'preferred_channel', 'language', 'kind', 'person_id', 'status', 'invited_by_user_id', 'invited_at',
    'first_signed_in_at', 'last_signed_in_at', 'revoked_at', 'revoked_by_user_id',
  ])

  const byEpisode = new Map<string, Row[]>()
  for (const [table] of EPISODE_TABLES) byEpisode.set(table, await repository.rowsWhere(db, authorityId, table, 'episode_id', episodeIds))
  const children = new Map<string, Row[]>()
  for (const [table, column, parent] of CHILD_TABLES) {
    const parentIds = (byEpisode.get(parent) ?? []).map(row => String(row.id))
    children.set(table, await repository.rowsWhere(db, authorityId, table, column, parentIds))
  }
  const documents = await repository.documentsOf(db, authorityId, episodeIds, SAR_DOCUMENT_CONTENT_LIMIT)
  for (const document of documents) {
    if (document.storage === 'folder' && options.documentsFolder && Number(document.sizeBytes) <= SAR_DOCUMENT_CONTENT_LIMIT) {
      const content = await readDocumentFile({ root: options.documentsFolder }, authorityId, String(document.id))
      if (content) document.content = content
    }
    if (document.content === null || document.content === undefined) delete document.content
  }
  const history = await repository.historyOf(db, authorityId, subjectIds, episodeIds)
  const access = await repository.accessOf(db, authorityId, subjectIds, episodeIds)

  // The other people: everyone in the same episodes, households and relationships, and the family-side team members.
  const otherIds = new Set<string>()
  for (const row of [...(byEpisode.get('episode_people') ?? []), ...householdMembers]) otherIds.add(String(row.personId))
  for (const row of relationships) {
    otherIds.add(String(row.personId))
    otherIds.add(String(row.relatedPersonId))
  }
  for (const id of subjectIds) otherIds.delete(id)
  const others = await repository.peopleNamed(db, authorityId, [...otherIds])
  const personNames = new Map<string, string>([[personId, subjectName]])
  for (const person of persons) personNames.set(String(person.id), `${String(person.givenNames)} ${String(person.familyName)}`)
  for (const other of others) personNames.set(other.id, `${other.givenNames} ${other.familyName}`)
  const subjectFirst = String(subject.givenNames).split(/\s+/)[0]?.toLowerCase() ?? ''
  // A forename alone is matched too, unless it is the subject's own or a family name here (it would match everything).
  const familyNames = new Set([String(subject.familyName), ...others.map(other => other.familyName)].map(name => name.toLowerCase()))
  const matcherOf = (fullName: string): Matcher | null => {
    const full = fullName.trim()
    if (!full || full.toLowerCase() === subjectName.toLowerCase()) return null
    const patterns = [new RegExp(`\\b${escapeRegExp(full)}\\b`, 'iu')]
    const first = full.split(/\s+/)[0] ?? ''
    if (first.length >= 3 && first.toLowerCase() !== subjectFirst && !familyNames.has(first.toLowerCase())) patterns.push(new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(first)}(?![\\p{L}\\p{N}])`, 'iu'))
    return { name: full, patterns }
  }
  const matchers: Matcher[] = []
  for (const other of others) {
    const matcher = matcherOf(`${other.givenNames} ${other.familyName}`)
    if (matcher) matchers.push(matcher)
  }
  for (const member of byEpisode.get('family_team_members') ?? []) {
    if (member.personId && subjectIds.includes(String(member.personId))) continue
    const matcher = matcherOf(String(member.name))
    if (matcher && !matchers.some(known => known.name.toLowerCase() === matcher.name.toLowerCase())) matchers.push(matcher)
  }
  const otherPersonNames = new Map(others.map(other => [other.id, `${other.givenNames} ${other.familyName}`]))

  function thirdPartyOf(record: Record<string, unknown>): ThirdParty {
    const people = new Set<string>()
    const reasons: string[] = []
    for (const [column, value] of Object.entries(record)) {
      if (typeof value === 'string' && UUID.test(value)) {
        const other = otherPersonNames.get(value)
        if (other && /person|subject/i.test(column)) {
          people.add(other)
          reasons.push(`is about ${other} (${column})`)
        }
        continue
      }
      if (value === null || value === undefined || typeof value === 'number' || typeof value === 'boolean') continue
      if (column === 'content') continue
      const text = typeof value === 'string' ? value : JSON.stringify(value)
      for (const matcher of matchers) {
        if (matcher.patterns.some(pattern => pattern.test(text))) {
          if (!people.has(matcher.name)) reasons.push(`names ${matcher.name} (${column})`)
          people.add(matcher.name)
        }
      }
    }
    return { review: people.size > 0, people: [...people], reasons }
  }

  function namesOf(record: Record<string, unknown>): Record<string, string> {
    const found: Record<string, string> = {}
    for (const [column, value] of Object.entries(record)) {
      if (typeof value !== 'string' || !UUID.test(value)) continue
      const name = /agency/i.test(column)
        ? names.agencies.get(value)
        : /familyaccount|accountid/i.test(column)
          ? names.familyAccounts.get(value)
          : /user/i.test(column)
            ? names.users.get(value)
            : /person|subject/i.test(column)
              ? personNames.get(value)
              : undefined
      if (name) found[column] = name
    }
    return found
  }

  function item(type: string, label: string, row: Row, flag = true): SarItem {
    const record: Record<string, unknown> = {}
    for (const [column, value] of Object.entries(row)) if (column !== 'authorityId') record[column] = plain(value)
    const keys = KEYS[type]
    const id = keys ? keys.map(key => String(row[key])).join(':') : String(row.id)
    const episodeId = typeof row.episodeId === 'string' ? row.episodeId : type === 'episodes' ? String(row.id) : null
    return { type, label, id, episodeId, record, names: namesOf(record), thirdParty: flag ? thirdPartyOf(record) : { review: false, people: [], reasons: [] } }
  }

  const sections: SarSection[] = []
  sections.push({
    key: 'person',
    title: 'Person record',
    items: persons.map(row => {
      const { searchName: _name, searchGiven: _given, searchFamily: _family, ...rest } = row
      return item('persons', row.id === personId ? 'Person record' : 'A duplicate record merged into this one', rest, false)
    }),
  })
  sections.push({
    key: 'households',
    title: 'Households and relationships',
    items: [
      ...households.map(row => item('households', 'Household', row)),
      ...householdMembers.map(row => item('household_members', 'Household member', row)),
      ...relationships.map(row => item('relationships', 'Relationship', row)),
    ],
  })
  if (familyAccounts.length) sections.push({ key: 'family-accounts', title: 'Family view accounts', items: familyAccounts.map(row => item('family_accounts', 'Family view account', row, false)) })
  for (const episode of episodes) {
    const id = String(episode.id)
    const items: SarItem[] = [item('episodes', 'Episode of early help', episode)]
    const ofEpisode = (rows: Row[]) => rows.filter(row => String(row.episodeId) === id)
    for (const [table, label] of EPISODE_TABLES) {
      items.push(...ofEpisode(byEpisode.get(table) ?? []).map(row => item(table, label, row)))
      for (const [child, column, parent, childLabel] of CHILD_TABLES) {
        if (parent !== table) continue
        const parentIds = new Set(ofEpisode(byEpisode.get(table) ?? []).map(row => String(row.id)))
        items.push(...(children.get(child) ?? []).filter(row => parentIds.has(String(row[camel(column)]))).map(row => item(child, childLabel, row)))
      }
    }
    items.push(...ofEpisode(documents).map(row => item('documents', 'Document', row)))
    sections.push({ key: `episode-${id}`, title: `Episode ${String(episode.reference)}`, items })
  }
  sections.push({ key: 'history', title: 'History of changes to these records', items: history.map(row => item('record_history', 'Change', row)) })
  sections.push({ key: 'access', title: 'Who has accessed these records', items: access.map(row => item('audit_events', 'Access', row, false)) })

  const all = sections.flatMap(section => section.items)
  return {
    format: 'onestory-subject-access/1',
    authority: await repository.authorityName(db, authorityId),
    subject: { id: personId, name: subjectName, dateOfBirth: (subject.dateOfBirth as string | null) ?? null },
    exportedAt: options.at.toISOString(),
    exportedBy: options.exportedBy,
    notes: [
      'Items marked for redaction review name or are about another person (a family member, a relative or someone else in the same episode). Check each before release: remove what is about the other person unless they agree or it is reasonable to release it without their agreement.',
      'Practitioners are named as they acted in their professional role; their names are not flagged.',
      `Document content is included (base64) for files up to ${SAR_DOCUMENT_CONTENT_LIMIT / 1024 / 1024} MB; larger files are listed and must be added by hand.`,
      'Who has accessed these records: every read and change recorded in the audit log about this person or an episode they are in.',
    ],
    summary: {
      items: all.length,
      flaggedForRedactionReview: all.filter(entry => entry.thirdParty.review).length,
      episodes: episodes.length,
      accessEvents: access.length,
    },
    sections,
  }
}

function camel(column: string): string {
  return column.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase())
}

export type SubjectAccessService = ReturnType<typeof createSubjectAccessService>

export function createSubjectAccessService(deps: { db: Kysely<Database>; config: Config; clock: Clock; access: Access }) {
  const { access, clock, config } = deps

  function practitionerOf(context: RequestContext): PractitionerActor {
    if (context.actor.kind !== 'practitioner') throw new UnauthenticatedError()
    return context.actor
  }

  /** Gathers the export for a coordinator; audited as sar.export with the format and the counts. */
  async function exportFor(context: RequestContext, personId: string, format: 'summary' | 'json' | 'pdf'): Promise<SarExport> {
    const actor = practitionerOf(context)
    if (!isUuid(personId)) throw new NotFoundError()
    return access.run(context, { action: 'sar.export', resource: { authorityId: actor.authorityId }, recordType: 'person', recordId: personId }, async (trx, note) => {
      const found = await gatherSubjectAccess(trx, {
        authorityId: actor.authorityId,
        personId,
        exportedBy: actor.name,
        at: clock.now(),
        documentsFolder: config.documents.folder,
      })
      if (!found) throw new NotFoundError()
      note.details = { format, items: found.summary.items, flaggedForRedactionReview: found.summary.flaggedForRedactionReview }
      return found
    })
  }

  return { exportFor }
}
