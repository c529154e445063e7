import { createHash } from 'node:crypto'
import type { Kysely, Transaction } from 'kysely'
import type { Config } from '../../config.ts'
import type { Database } from '../../db/schema.ts'
import type { Clock } from '../../lib/clock.ts'
import { DomainRuleError, NotFoundError, UnauthenticatedError } from '../../lib/errors.ts'
import { isUuid, uuidv7 } from '../../lib/ids.ts'
import { DeniedWithin, type Access, type AccessRequest, type AuditNote } from '../../policy/access.ts'
import type { PractitionerActor, RequestContext } from '../../policy/actor.ts'
import type { Action } from '../../policy/policy.ts'
import { findEpisodeRelationship } from '../episodes/episodes.service.ts'
import { personCoordination } from '../panels/coordination.repository.ts'
import { findEpisodeSummary, type EpisodeSummary } from '../episodes/episode-summary.ts'
import * as repository from './records.repository.ts'
import { listDisputesFor, listDisputesForRecords } from '../records-history/record-history.repository.ts'
import { disputesByRecord } from '../records-history/dispute-api.ts'
import { readChronology, type RawEvent } from './chronology.repository.ts'
import { attachDisputes, canSeeRecord, disputableRecordsOf, filterChronology, type ChronologyEvent, type ShownChronologyEvent, type Viewer } from './chronology.ts'
import { deleteDocumentFile, readDocumentFile, writeDocumentFile, type DocumentFolder } from './document-storage.ts'
import { detectFileType, type AcceptedType } from './file-type.ts'
import { resolveVirusScanner, scanForViruses, type VirusScanner } from './virus-scan.ts'
import type { ChronologyFilter, DocumentInput, NoteInput, PersonChronologyFilter } from './records.schemas.ts'

export type { CaseNote, DocumentRecord } from './records.repository.ts'
export type { ChronologyEvent, ShownChronologyEvent } from './chronology.ts'

export type RecordsService = ReturnType<typeof createRecordsService>

/** An uploaded file as the route read it from the multipart stream. */
export type UploadedFile = { fileName: string; content: Buffer; truncated: boolean }

export type Loaded = { episode: EpisodeSummary; actor: PractitionerActor; viewer: Viewer; request: AccessRequest }

/** A person's record was merged into another: their chronology is the kept record's (the route redirects there). */
export class MergedPersonError extends NotFoundError {
  constructor(readonly keptPersonId: string) {
    super('This record was merged into another.')
  }
}

const CLOSED_MESSAGE = 'This episode is closed, so its records can be read but not changed'

/** The uploader's file name, cleaned for display and the download header; never used as a path. */
export function cleanFileName(original: string, type: AcceptedType): string {
  const base = original.split(/[\\/]/).pop() ?? ''
  const cleaned = base
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f-\u009f"<>:|?*]/g, '')
    .replace(/^[.\s]+|[.\s]+$/g, '')
    .slice(0, 150)
  const stem = cleaned.replace(/\.[^.]{1,10}$/, '') || 'document'
  return `${stem}.${type.extension}`
}

/** Content-Disposition for a download (RFC 6266): an ASCII fallback, and the real name as RFC 8187 `filename*`. */
export function contentDisposition(fileName: string): string {
  const fallback = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%;]/g, '_')
  const encoded = encodeURIComponent(fileName).replace(/['()*]/g, character => `%${character.charCodeAt(0).toString(16).toUpperCase()}`)
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encoded}`
}

/**
 * Case notes (with visibility), documents (content-checked, virus-scanned where ClamAV is installed, stored in the
 * database or a folder, downloads audited), and the chronology merged from every feature's records.
 */
export function createRecordsService(deps: { db: Kysely<Database>; clock: Clock; access: Access; config: Config }) {
  const { db, clock, access, config } = deps
  const scanner: VirusScanner | null = resolveVirusScanner(config.documents.virusScanner, config.documents.searchPath)
  const folder: DocumentFolder | null = config.documents.folder ? { root: config.documents.folder } : null

  function practitionerOf(context: RequestContext): PractitionerActor {
    const actor = context.actor
    if (actor.kind !== 'practitioner') throw new UnauthenticatedError('Sign in to continue.')
    return actor
  }

  /** Decides with the actor's relationship to the episode read in this transaction. Bad ids and other authorities' are 404. */
  async function load(trx: Transaction<Database>, context: RequestContext, action: Action, episodeId: string, recordType = 'episode', recordId?: string): Promise<Loaded> {
    const actor = practitionerOf(context)
    const authorityId = actor.authorityId
    if (!isUuid(episodeId)) throw new NotFoundError('There is no such episode.')
    const episode = await findEpisodeSummary(trx, authorityId, episodeId.toLowerCase())
    if (!episode) throw new NotFoundError('There is no such episode.')
    const relationship = await findEpisodeRelationship(trx, authorityId, episode.id, actor.userId)
    const request: AccessRequest = { action, resource: { authorityId, relationship }, recordType, recordId: recordId ?? episode.id }
    const decision = access.decide(actor, action, request.resource)
    if (!decision.allowed) throw new DeniedWithin(request, decision.reason)
    const viewer: Viewer = { userId: actor.userId, agencyIds: actor.agencyIds, seesEveryRecord: actor.roles.has('coordinator') && relationship.coordinatesArea === true }
    return { episode, actor, viewer, request }
  }

  async function withEpisode<T>(
    context: RequestContext,
    action: Action,
    episodeId: string,
    work: (trx: Transaction<Database>, loaded: Loaded, note: AuditNote) => Promise<T>,
    record: { type?: string; id?: string } = {},
  ): Promise<T> {
    return access.transaction(context, async trx => {
      const loaded = await load(trx, context, action, episodeId, record.type, record.id)
      const note: AuditNote = {}
      const result = await work(trx, loaded, note)
      await access.assertWithin(trx, context, loaded.request, note)
      return result
    })
  }

  /** Refuses (audited) when the actor may not do this on the episode; does nothing otherwise. */
  async function ensureAllowed(context: RequestContext, action: Action, episodeId: string): Promise<void> {
    await access.transaction(context, async trx => {
      await load(trx, context, action, episodeId)
    })
  }

  function refuseWhenClosed(episode: EpisodeSummary, field: string) {
    if (episode.status === 'closed') throw new DomainRuleError(CLOSED_MESSAGE, field)
  }

  async function actingAgency(trx: Transaction<Database>, actor: PractitionerActor, episodeId: string): Promise<string | null> {
    return actor.actingAgencyId ?? (await repository.findMemberAgency(trx, actor.authorityId, episodeId, actor.userId)) ?? actor.agencyIds[0] ?? null
  }

  // ---- case notes ------------------------------------------------------------------------------------------------

  async function notesPage(context: RequestContext, episodeId: string) {
    return withEpisode(context, 'note.view', episodeId, async (trx, { episode, actor, viewer }, note) => {
      const all = await repository.listCaseNotes(trx, actor.authorityId, episode.id)
      const notes = all.filter(item => canSeeRecord(viewer, { visibility: item.visibility, agencyId: item.authorAgencyId, authorUserId: item.authorUserId }))
      note.details = { page: 'notes', shown: notes.length }
      const agencyId = await actingAgency(trx, actor, episode.id)
      const agencyName = agencyId ? ((await repository.agencyNames(trx, actor.authorityId, [agencyId])).get(agencyId) ?? null) : null
      // The family's statements on the notes shown (one query for the page): each disputed note is marked.
      const disputes = await listDisputesFor(trx, actor.authorityId, episode.id, 'case_notes', notes.map(item => item.id))
      return { episode, notes, disputes, canAdd: episode.status !== 'closed', agencyName, today: clock.now() }
    })
  }

  async function addNote(context: RequestContext, episodeId: string, input: NoteInput): Promise<{ id: string }> {
    const id = uuidv7()
    return withEpisode(
      context,
      'note.add',
      episodeId,
      async (trx, { episode, actor }, note) => {
        refuseWhenClosed(episode, 'summary')
        if (input.personId !== null && !episode.children.some(child => child.personId === input.personId)) {
          throw new DomainRuleError('Select a child of this episode, or the whole family', 'personId')
        }
        const now = clock.now()
        if (input.occurredOn > now.toISOString().slice(0, 10)) throw new DomainRuleError('The date must be today or in the past', 'occurredOn-day')
        const authorAgencyId = await actingAgency(trx, actor, episode.id)
        if (input.visibility === 'agency' && authorAgencyId === null) {
          throw new DomainRuleError('You are not a member of an agency, so the note cannot be kept to your agency. Choose the team or the family', 'visibility')
        }
        await repository.insertCaseNote(trx, { authorityId: actor.authorityId, id, episodeId: episode.id, personId: input.personId, occurredOn: input.occurredOn, summary: input.summary, body: input.body, visibility: input.visibility, authorUserId: actor.userId, authorAgencyId, createdAt: now })
        note.details = { visibility: input.visibility }
        return { id }
      },
      { type: 'case-note', id },
    )
  }

  /** Notes for the API: the same visibility rule, each with the family's statements disagreeing with it. */
  async function listNotes(context: RequestContext, episodeId: string) {
    const page = await notesPage(context, episodeId)
    const byNote = disputesByRecord(page.disputes)
    return page.notes.map(item => ({ ...item, disputes: byNote.get(item.id) ?? [] }))
  }

  // ---- documents -------------------------------------------------------------------------------------------------

  async function documentsPage(context: RequestContext, episodeId: string) {
    return withEpisode(context, 'document.view', episodeId, async (trx, { episode, actor, viewer }, note) => {
      const all = await repository.listDocuments(trx, actor.authorityId, episode.id)
      const documents = all.filter(item => canSeeRecord(viewer, { visibility: item.visibility, agencyId: item.uploadedByAgencyId, authorUserId: item.uploadedByUserId }))
      note.details = { page: 'documents', shown: documents.length }
      return {
        episode,
        documents,
        canUpload: episode.status !== 'closed',
        canRemove: (document: repository.DocumentRecord) => document.removedAt === null && episode.status !== 'closed' && (viewer.seesEveryRecord || document.uploadedByUserId === actor.userId),
        scannerAvailable: scanner !== null,
        maxBytes: config.documents.maxBytes,
      }
    })
  }

  /**
   * Checks the file (size, type by content, virus scan) before anything is written, then stores it and its record in
   * one transaction (a folder file is written first and removed again if the transaction fails).
   */
  async function uploadDocument(context: RequestContext, episodeId: string, input: DocumentInput, file: UploadedFile | null): Promise<{ id: string }> {
    if (!file || (file.content.length === 0 && !file.truncated)) throw new DomainRuleError(file ? 'The selected file is empty' : 'Select a file to upload', 'file')
    if (file.truncated || file.content.length > config.documents.maxBytes) {
      throw new DomainRuleError(`The selected file must be smaller than ${Math.round(config.documents.maxBytes / (1024 * 1024))} MB`, 'file')
    }
    const type = detectFileType(file.content)
    if (!type) throw new DomainRuleError('The selected file must be a PDF, a JPEG or PNG image, a Word or Excel file, or an OpenDocument text or spreadsheet', 'file')
    // Access before the scan, so that someone with no access learns nothing about the file (the scan may take seconds
    // and runs outside the transaction; the decision is taken again around the write).
    await ensureAllowed(context, 'document.upload', episodeId)
    let scanStatus: 'not_scanned' | 'clean' = 'not_scanned'
    if (scanner) {
      const result = await scanForViruses(scanner, file.content)
      if (result.outcome === 'infected') {
        throw new DomainRuleError(`The selected file contains a virus (${result.signature}), so it was not uploaded. Tell the person who sent it to you`, 'file')
      }
      if (result.outcome === 'failed') throw new DomainRuleError('The selected file could not be checked for viruses, so it was not uploaded. Try again later', 'file')
      scanStatus = 'clean'
    }
    const id = uuidv7()
    const sha256 = createHash('sha256').update(file.content).digest('hex')
    const fileName = cleanFileName(file.fileName, type)
    let wroteFile = false
    try {
      return await withEpisode(
        context,
        'document.upload',
        episodeId,
        async (trx, { episode, actor }, note) => {
          refuseWhenClosed(episode, 'file')
          if (folder) {
            await writeDocumentFile(folder, actor.authorityId, id, file.content)
            wroteFile = true
          }
          await repository.insertDocument(trx, {
            authorityId: actor.authorityId,
            id,
            episodeId: episode.id,
            title: input.title,
            kind: input.kind,
            fileName,
            mediaType: type.mediaType,
            sizeBytes: file.content.length,
            sha256,
            visibility: input.visibility,
            storage: folder ? 'folder' : 'database',
            content: folder ? null : file.content,
            scanStatus,
            uploadedByUserId: actor.userId,
            uploadedByAgencyId: await actingAgency(trx, actor, episode.id),
            uploadedAt: clock.now(),
          })
          note.details = { mediaType: type.mediaType, sizeBytes: file.content.length, scanStatus, visibility: input.visibility }
          return { id }
        },
        { type: 'document', id },
      )
    } catch (error) {
      if (wroteFile && folder) {
        const actor = practitionerOf(context)
        await deleteDocumentFile(folder, actor.authorityId, id).catch(() => {})
      }
      throw error
    }
  }

  async function loadDocument(trx: Transaction<Database>, loaded: Loaded, documentId: string): Promise<repository.DocumentRecord> {
    if (!isUuid(documentId)) throw new NotFoundError('There is no such document.')
    const document = await repository.findDocument(trx, loaded.actor.authorityId, loaded.episode.id, documentId.toLowerCase())
    if (!document) throw new NotFoundError('There is no such document.')
    if (!canSeeRecord(loaded.viewer, { visibility: document.visibility, agencyId: document.uploadedByAgencyId, authorUserId: document.uploadedByUserId })) {
      throw new DeniedWithin({ ...loaded.request, recordType: 'document', recordId: document.id }, 'agency-only document of another agency')
    }
    return document
  }

  /** The bytes of a document, audited as a download. */
  async function downloadDocument(context: RequestContext, episodeId: string, documentId: string): Promise<{ document: repository.DocumentRecord; content: Buffer }> {
    return withEpisode(
      context,
      'document.view',
      episodeId,
      async (trx, loaded, note) => {
        const document = await loadDocument(trx, loaded, documentId)
        if (document.removedAt) throw new NotFoundError('This document was removed, so it can no longer be downloaded.')
        const content = document.storage === 'folder' && folder ? await readDocumentFile(folder, loaded.actor.authorityId, document.id) : await repository.readDocumentContent(trx, loaded.actor.authorityId, document.id)
        if (!content) throw new NotFoundError('The file of this document cannot be found. Tell your administrator.')
        note.recordId = document.id
        note.details = { download: true, sha256: document.sha256 }
        return { document, content: Buffer.from(content) }
      },
      { type: 'document', id: documentId },
    )
  }

  /** The document a removal is about, for the confirmation page (the uploader or a coordinator only). */
  async function removalPage(context: RequestContext, episodeId: string, documentId: string) {
    return withEpisode(
      context,
      'document.remove',
      episodeId,
      async (trx, loaded, note) => {
        const document = await loadDocument(trx, loaded, documentId)
        if (!loaded.viewer.seesEveryRecord && document.uploadedByUserId !== loaded.actor.userId) {
          throw new DeniedWithin({ ...loaded.request, recordType: 'document', recordId: document.id }, 'only the uploader or a coordinator removes a document')
        }
        note.recordId = document.id
        note.details = { page: 'remove' }
        return { episode: loaded.episode, document }
      },
      { type: 'document', id: documentId },
    )
  }

  /** Marks the document removed with the reason and erases its bytes (the record stays in the chronology). */
  async function removeDocument(context: RequestContext, episodeId: string, documentId: string, reason: string): Promise<void> {
    const erase = await withEpisode(
      context,
      'document.remove',
      episodeId,
      async (trx, loaded, note) => {
        const document = await loadDocument(trx, loaded, documentId)
        if (!loaded.viewer.seesEveryRecord && document.uploadedByUserId !== loaded.actor.userId) {
          throw new DeniedWithin({ ...loaded.request, recordType: 'document', recordId: document.id }, 'only the uploader or a coordinator removes a document')
        }
        refuseWhenClosed(loaded.episode, 'reason')
        await repository.lockDocument(trx, loaded.actor.authorityId, document.id)
        const removed = await repository.markDocumentRemoved(trx, loaded.actor.authorityId, document.id, { at: clock.now(), byUserId: loaded.actor.userId, reason })
        if (!removed) throw new DomainRuleError('This document has already been removed', 'reason')
        note.recordId = document.id
        note.details = { removed: true }
        return document.storage === 'folder' ? { authorityId: loaded.actor.authorityId, id: document.id } : null
      },
      { type: 'document', id: documentId },
    )
    if (erase && folder) await deleteDocumentFile(folder, erase.authorityId, erase.id)
  }

  async function listDocumentsForApi(context: RequestContext, episodeId: string) {
    return (await documentsPage(context, episodeId)).documents
  }

  // ---- the chronology --------------------------------------------------------------------------------------------

  /**
   * THE one path that builds chronology events, for one episode or many (a person's chronology): every feature's
   * records as raw events, filed under an agency, with names resolved and the episode each belongs to. Not filtered:
   * filterChronology applies visibility and the filter.
   */
  async function buildEvents(trx: Transaction<Database>, authorityId: string, episodes: readonly EpisodeSummary[]): Promise<ChronologyEvent[]> {
    const filed: (RawEvent & { episodeId: string; episodeReference: string })[] = []
    for (const episode of episodes) {
      const raw = await readChronology(trx, authorityId, episode.id, new Set(episode.children.map(child => child.personId)))
      const agencyOfUser = await repository.agenciesOfUsers(trx, authorityId, episode.id, raw.map(event => event.byUserId).filter((id): id is string => id !== null))
      for (const event of raw) {
        const agencyId = event.agencyId ?? (event.byUserId ? (agencyOfUser.get(event.byUserId) ?? null) : null)
        filed.push({ ...event, agencyId, episodeId: episode.id, episodeReference: episode.reference })
      }
    }
    const names = await repository.userNames(trx, authorityId, filed.map(event => event.byUserId).filter((id): id is string => id !== null))
    const agencies = await repository.agencyNames(trx, authorityId, filed.map(event => event.agencyId).filter((id): id is string => id !== null))
    return filed.map(event => ({
      ...event,
      by: event.byName ?? (event.byUserId ? (names.get(event.byUserId) ?? null) : null),
      agencyName: event.agencyId ? (agencies.get(event.agencyId) ?? null) : null,
    }))
  }

  /**
   * The family's statements about the records the shown events stand for (a case note, minutes, an assessment's
   * elements), read with one query for the page. Only shown events are asked about: nothing of a record the reader may
   * not see is read.
   */
  async function withDisputes(trx: Transaction<Database>, authorityId: string, events: readonly ChronologyEvent[]): Promise<ShownChronologyEvent[]> {
    const episodeIds = [...new Set(events.map(event => event.episodeId))]
    return attachDisputes(events, await listDisputesForRecords(trx, authorityId, episodeIds, disputableRecordsOf(events)))
  }

  /** The agencies of the events the reader may see, for the filter. */
  function agencyOptionsOf(visible: readonly ChronologyEvent[]): { id: string; name: string }[] {
    return [...new Map(visible.filter(event => event.agencyId && event.agencyName).map(event => [event.agencyId as string, event.agencyName as string])).entries()]
      .map(([id, name]) => ({ id, name }))
      .sort((a, b) => a.name.localeCompare(b.name))
  }

  async function chronology(context: RequestContext, episodeId: string, filter: ChronologyFilter) {
    return withEpisode(context, 'chronology.view', episodeId, async (trx, { episode, actor, viewer }, note) => {
      if (filter.personId !== null && !episode.children.some(child => child.personId === filter.personId)) {
        throw new DomainRuleError('Select a child of this episode', 'personId')
      }
      const all = await buildEvents(trx, actor.authorityId, [episode])
      const visible = filterChronology(all, { kinds: [], agencyId: null, personId: null }, viewer)
      const events = await withDisputes(trx, actor.authorityId, filterChronology(all, filter, viewer))
      note.details = { page: 'chronology', shown: events.length, ...(filter.personId ? { personId: filter.personId } : {}) }
      return { episode, events, agencyOptions: agencyOptionsOf(visible) }
    })
  }

  /**
   * One person's chronology across every episode they are in (re-referrals included): the episodes where the reader
   * may see the chronology (on the team, or a coordinator) are merged; the others are left out. Seeing none is refused
   * (audited); a bad id or another authority's person is 404. Audited as a read of the person.
   */
  async function personChronology(context: RequestContext, personId: string, filter: PersonChronologyFilter) {
    const actor = practitionerOf(context)
    const authorityId = actor.authorityId
    return access.transaction(context, async trx => {
      if (!isUuid(personId)) throw new NotFoundError('There is no such person.')
      const person = await repository.findChronologyPerson(trx, authorityId, personId.toLowerCase())
      if (!person) throw new NotFoundError('There is no such person.')
      if (person.mergedIntoId) throw new MergedPersonError(person.mergedIntoId)
      const memberships = await repository.listEpisodesOfPerson(trx, authorityId, person.id)
      const included: { summary: EpisodeSummary; membership: repository.PersonEpisode }[] = []
      for (const membership of memberships) {
        const relationship = await findEpisodeRelationship(trx, authorityId, membership.episodeId, actor.userId)
        if (!access.decide(actor, 'chronology.view', { authorityId, relationship }).allowed) continue
        const summary = await findEpisodeSummary(trx, authorityId, membership.episodeId)
        if (summary) included.push({ summary, membership })
      }
      // On the team of an episode about the person, for this action: at least one episode is open to the reader.
      const coordination = await personCoordination(trx, authorityId, person.id, actor.userId)
      const request: AccessRequest = { action: 'chronology.view', resource: { authorityId, relationship: { onTeam: included.length > 0, ...coordination } }, recordType: 'person', recordId: person.id }
      const decision = access.decide(actor, 'chronology.view', request.resource)
      if (!decision.allowed) throw new DeniedWithin(request, `${decision.reason}: none of this person’s ${memberships.length} episode(s) is open to you`)
      const viewer: Viewer = { userId: actor.userId, agencyIds: actor.agencyIds, seesEveryRecord: actor.roles.has('coordinator') && coordination.coordinatesArea }
      const all = await buildEvents(trx, authorityId, included.map(item => item.summary))
      const visible = filterChronology(all, { kinds: [], agencyId: null, personId: person.id }, viewer)
      const events = await withDisputes(trx, authorityId, filterChronology(all, { ...filter, personId: person.id }, viewer))
      const references = new Map(included.map(item => [item.summary.id, item.summary.reference]))
      const episodes = included.map(({ summary, membership }) => ({
        id: summary.id,
        reference: summary.reference,
        status: summary.status,
        role: membership.role,
        startedAt: membership.startedAt,
        closedAt: membership.closedAt,
        reReferral: membership.previousEpisodeId !== null,
        previousReference: membership.previousEpisodeId ? (references.get(membership.previousEpisodeId) ?? null) : null,
      }))
      const note: AuditNote = { details: { page: 'person-chronology', episodes: included.map(item => item.summary.id), hidden: memberships.length - included.length, shown: events.length } }
      await access.assertWithin(trx, context, request, note)
      return { person: { id: person.id, name: person.name }, episodes, hiddenEpisodes: memberships.length - included.length, events, agencyOptions: agencyOptionsOf(visible) }
    })
  }

  return { ensureAllowed, notesPage, addNote, listNotes, documentsPage, uploadDocument, downloadDocument, removalPage, removeDocument, listDocumentsForApi, chronology, personChronology, scannerAvailable: scanner !== null, maxBytes: config.documents.maxBytes }
}
