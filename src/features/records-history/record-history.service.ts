import type { Kysely, Transaction } from 'kysely'
import type { Config } from '../../config.ts'
import type { Database } from '../../db/schema.ts'
import type { Clock } from '../../lib/clock.ts'
import { isUuid } from '../../lib/ids.ts'
import { ConflictError, DomainRuleError, NotFoundError, UnauthenticatedError } from '../../lib/errors.ts'
import type { Access } from '../../policy/access.ts'
import type { PractitionerActor, RequestContext } from '../../policy/actor.ts'
import { findEpisodeRelationship } from '../episodes/episodes.repository.ts'
import { findEpisodeSummary, type EpisodeSummary } from '../episodes/episode-summary.ts'
import { personRelationship } from '../people/people.repository.ts'
import { searchNamesOf } from '../people/person-details.ts'
import { withFamilyEpisode } from '../family-pages/family-episode.ts'
import { findEpisodeOwner } from '../family-pages/family-pages.repository.ts'
import { findTemplateVersion } from '../assessments/templates.repository.ts'
import { elementsOf } from '../assessments/template-content.ts'
import { listCurrentLeads } from '../team/team.repository.ts'
import { enqueueEmail } from '../outbox/emails.ts'
import { paths } from '../../paths.ts'
import * as repository from './record-history.repository.ts'
import { setCorrection } from './transaction-actor.repository.ts'
import type { CorrectableField, Disputable, DisputeRow, HistoryEntry } from './record-history.repository.ts'

// The history of every change (written by the record_history trigger), rectification of a person's details with a
// reason (the old value stays, marked corrected), and the family's statements disagreeing with a professional opinion
// (attached, never an overwrite).

export const HISTORY_LIMIT = 500

export const CORRECTABLE_FIELDS: Readonly<Record<CorrectableField, string>> = {
  givenNames: 'Given names',
  familyName: 'Family name',
  otherNames: 'Other names',
  dateOfBirth: 'Date of birth',
  sex: 'Sex',
  gender: 'Gender',
  ethnicity: 'Ethnicity',
  firstLanguage: 'First language',
  disability: 'Disability',
  address: 'Address',
  postcode: 'Postcode',
  phone: 'Phone',
  email: 'Email',
  schoolOrSetting: 'School or setting',
  uniquePupilNumber: 'Unique pupil number',
  nhsNumber: 'NHS number',
  gpPractice: 'GP practice',
}

export type PersonHistoryPage = { person: { id: string; name: string; version: number; values: Record<string, string> }; entries: HistoryEntry[] }
export type EpisodeHistoryPage = { episode: EpisodeSummary; entries: HistoryEntry[]; disputes: DisputeRow[]; disputable: Disputable[] }

/** A record a family member may disagree with, in the parts a family page words in its own language. */
export type FamilyDisputable = { value: string; kind: 'minutes' | 'note' | 'assessment'; on: Date | string | null; title: string | null; about: string | null }
export type FamilyDisputePage = {
  episode: EpisodeSummary
  young: boolean
  items: FamilyDisputable[]
  /** This family member's own earlier statements, with the record they are about (null when the family can no longer see it). */
  earlier: { statement: string; at: Date; record: FamilyDisputable | null }[]
}

export type RecordHistoryService = ReturnType<typeof createRecordHistoryService>

export function createRecordHistoryService(deps: { db: Kysely<Database>; config: Config; clock: Clock; access: Access }) {
  const { access, clock } = deps

  function practitionerOf(context: RequestContext): PractitionerActor {
    if (context.actor.kind !== 'practitioner') throw new UnauthenticatedError()
    return context.actor
  }

  async function personHistory(context: RequestContext, personId: string): Promise<PersonHistoryPage> {
    const actor = practitionerOf(context)
    if (!isUuid(personId)) throw new NotFoundError()
    return access.transaction(context, async trx => {
      const person = await repository.findPersonForCorrection(trx, actor.authorityId, personId)
      if (!person) throw new NotFoundError()
      const relationship = await personRelationship(trx, actor.authorityId, personId, actor.userId)
      await access.assertWithin(trx, context, { action: 'history.view', resource: { authorityId: actor.authorityId, relationship }, recordType: 'person', recordId: personId })
      const values: Record<string, string> = {}
      for (const field of Object.keys(CORRECTABLE_FIELDS) as CorrectableField[]) values[field] = String(person[field] ?? '')
      return {
        person: { id: person.id, name: `${person.givenNames} ${person.familyName}`, version: person.version, values },
        entries: await repository.personHistory(trx, actor.authorityId, personId, HISTORY_LIMIT),
      }
    })
  }

  async function episodeHistory(context: RequestContext, episodeId: string): Promise<EpisodeHistoryPage> {
    const actor = practitionerOf(context)
    if (!isUuid(episodeId)) throw new NotFoundError()
    return access.transaction(context, async trx => {
      const episode = await findEpisodeSummary(trx, actor.authorityId, episodeId)
      if (!episode) throw new NotFoundError()
      const relationship = await findEpisodeRelationship(trx, actor.authorityId, episodeId, actor.userId)
      await access.assertWithin(trx, context, { action: 'history.view', resource: { authorityId: actor.authorityId, relationship }, recordType: 'episode', recordId: episodeId })
      const agencyOnly = await repository.agencyOnlyRecords(trx, actor.authorityId, episodeId)
      const entries = (await repository.episodeHistory(trx, actor.authorityId, episodeId, HISTORY_LIMIT)).map(entry => {
        // Agency-only notes and documents: other agencies see that they changed, never what they say.
        const agency = agencyOnly.get(entry.recordId)
        if (agencyOnly.has(entry.recordId) && agency !== actor.actingAgencyId) return { ...entry, oldValue: null, newValue: null, field: entry.field ? 'an agency-only field' : null }
        return entry
      })
      return {
        episode,
        entries,
        disputes: await repository.listDisputes(trx, actor.authorityId, episodeId),
        disputable: await repository.disputableRecords(trx, actor.authorityId, episodeId),
      }
    })
  }

  /** Rectification: one field of a person's details, with the reason; stale versions are refused. */
  async function correctPerson(context: RequestContext, personId: string, input: { field: CorrectableField; value: string; reason: string; version: number }): Promise<void> {
    const actor = practitionerOf(context)
    if (!isUuid(personId)) throw new NotFoundError()
    await access.transaction(context, async trx => {
      const person = await repository.findPersonForCorrection(trx, actor.authorityId, personId)
      if (!person) throw new NotFoundError()
      const relationship = await personRelationship(trx, actor.authorityId, personId, actor.userId)
      await access.assertWithin(
        trx,
        context,
        { action: 'record.correct', resource: { authorityId: actor.authorityId, relationship }, recordType: 'person', recordId: personId, purpose: 'rectification' },
        { details: { field: input.field } },
      )
      const value = input.value.trim() === '' ? null : input.value.trim()
      if ((input.field === 'givenNames' || input.field === 'familyName') && value === null) throw new DomainRuleError('Enter the correct value', 'value')
      if (String(person[input.field] ?? '') === (value ?? '')) throw new DomainRuleError('The new value is the same as the one recorded', 'value')
      const names = input.field === 'givenNames' || input.field === 'familyName'
        ? searchNamesOf(input.field === 'givenNames' ? (value ?? '') : person.givenNames, input.field === 'familyName' ? (value ?? '') : person.familyName)
        : null
      await setCorrection(trx, input.reason)
      const updated = await repository.updatePersonField(trx, actor.authorityId, personId, input.version, input.field, value, names)
      await setCorrection(trx, null)
      if (!updated) throw new ConflictError('Someone else changed this record since you opened it. Check the history and try again.')
    })
  }

  /** A practitioner records the family's statement disagreeing with an opinion (said in person, by letter …). */
  async function recordDispute(context: RequestContext, episodeId: string, input: { record: string; statement: string; byName: string }): Promise<void> {
    const actor = practitionerOf(context)
    if (!isUuid(episodeId)) throw new NotFoundError()
    await access.transaction(context, async trx => {
      const episode = await findEpisodeSummary(trx, actor.authorityId, episodeId)
      if (!episode) throw new NotFoundError()
      const relationship = await findEpisodeRelationship(trx, actor.authorityId, episodeId, actor.userId)
      await access.assertWithin(trx, context, { action: 'record.dispute', resource: { authorityId: actor.authorityId, relationship }, recordType: 'episode', recordId: episodeId })
      const record = (await repository.disputableRecords(trx, actor.authorityId, episodeId)).find(item => `${item.tableName}|${item.recordId}` === input.record)
      if (!record) throw new DomainRuleError('Choose what the family disagrees with', 'record')
      await repository.insertDispute(trx, {
        authorityId: actor.authorityId, episodeId, record, statement: input.statement, byKind: 'practitioner', byUserId: actor.userId, byFamilyAccountId: null,
        byName: input.byName, at: clock.now(), requestId: context.requestId,
      })
    })
  }

  /**
   * The family's "I disagree with this" page: what a family member may disagree with (only what the family can see:
   * circulated minutes, completed assessments, notes marked for the family), with what an assessment element is about
   * in words a family reads, and what this family member has told the team before (their own statements only).
   */
  async function familyDisputePage(context: RequestContext, episodeId: string): Promise<FamilyDisputePage> {
    return withFamilyEpisode(access, context, episodeId, { action: 'family.view', recordType: 'episode', recordId: episodeId }, async (trx, episode, actor, note) => {
      const records = (await repository.disputableRecords(trx, actor.authorityId, episodeId)).filter(item => item.familyCanSee)
      const titles = await elementTitles(trx, actor.authorityId, episodeId, records)
      const childName = new Map(episode.children.map(child => [child.personId, child.name]))
      const items: FamilyDisputable[] = records.map(record => {
        const value = `${record.tableName}|${record.recordId}`
        if (record.tableName === 'meeting_minutes') return { value, kind: 'minutes', on: record.on, title: null, about: null }
        if (record.tableName === 'case_notes') return { value, kind: 'note', on: record.on, title: record.summary, about: null }
        const [assessmentId = '', elementKey = '', subject = ''] = record.recordId.split(':')
        const title = titles.get(`${assessmentId}:${elementKey}`) ?? elementKey.replace(/-/g, ' ')
        return { value, kind: 'assessment', on: null, title, about: subject === 'family' ? null : (childName.get(subject) ?? null) }
      })
      const earlier = await repository.listFamilyAccountDisputes(trx, actor.authorityId, episodeId, actor.accountId)
      const byValue = new Map(items.map(item => [item.value, item]))
      note.details = { page: 'disagree', records: items.length }
      return {
        episode,
        young: actor.accountKind === 'young_person',
        items,
        earlier: earlier.map(row => ({ statement: row.statement, at: row.at, record: byValue.get(`${row.tableName}|${row.recordId}`) ?? null })),
      }
    })
  }

  /** Element titles from the template version each assessment was recorded with, keyed `assessmentId:elementKey`. */
  async function elementTitles(trx: Transaction<Database>, authorityId: string, episodeId: string, records: Disputable[]): Promise<Map<string, string>> {
    const titles = new Map<string, string>()
    if (!records.some(record => record.tableName === 'assessment_elements')) return titles
    for (const [assessmentId, versionId] of await repository.assessmentTemplateVersions(trx, authorityId, episodeId)) {
      const template = await findTemplateVersion(trx, authorityId, versionId)
      if (!template) continue
      for (const { element } of elementsOf(template.content)) titles.set(`${assessmentId}:${element.key}`, element.title)
    }
    return titles
  }

  /**
   * A family member disagrees with something the team wrote: their statement is attached to the record (never an
   * overwrite), the record's history carries a 'disputed' entry, and the episode's lead professional(s) — or, with
   * none, the practitioner who started the support — are told by email in the same transaction. The email names the
   * episode only: nothing of the record or of the statement. Allowed after the support has ended too: a family's
   * right to have its disagreement kept with the record does not end with the support.
   */
  async function familyDispute(context: RequestContext, episodeId: string, input: { record: string; statement: string }): Promise<void> {
    await withFamilyEpisode(access, context, episodeId, { action: 'family.contribute', recordType: 'episode', recordId: episodeId }, async (trx, episode, actor, note) => {
      const record = (await repository.disputableRecords(trx, actor.authorityId, episodeId)).find(item => item.familyCanSee && `${item.tableName}|${item.recordId}` === input.record)
      if (!record) throw new DomainRuleError('Choose what you disagree with.', 'record')
      await repository.insertDispute(trx, {
        authorityId: actor.authorityId, episodeId, record, statement: input.statement, byKind: 'family', byUserId: null, byFamilyAccountId: actor.accountId,
        byName: actor.name, at: clock.now(), requestId: context.requestId,
      })
      const leads = await listCurrentLeads(trx, actor.authorityId, episodeId)
      const owner = leads.length === 0 ? await findEpisodeOwner(trx, actor.authorityId, episodeId) : undefined
      const recipients = new Map<string, string>()
      for (const person of leads.length > 0 ? leads : owner ? [owner] : []) if (!recipients.has(person.email)) recipients.set(person.email, person.name)
      for (const [email, name] of recipients) {
        await enqueueEmail(
          trx,
          {
            authorityId: actor.authorityId,
            recipient: email,
            subject: `A family member disagrees with a record (${episode.reference})`,
            bodyText: [
              `Dear ${name},`,
              '',
              `A family member has added a statement disagreeing with a record on episode ${episode.reference}. Sign in to see it:`,
              `${deps.config.baseUrl}${paths.recordHistory.episode(episode.id)}`,
            ].join('\n'),
          },
          { at: clock.now(), smtpConfigured: deps.config.smtpUrl !== undefined, domain: new URL(deps.config.baseUrl).hostname },
        )
      }
      note.details = { change: 'family disputed a record', tableName: record.tableName, disputedRecordId: record.recordId, emails: recipients.size }
    })
  }

  return { personHistory, episodeHistory, correctPerson, recordDispute, familyDisputePage, familyDispute }
}
