import type { ApiEndpoint } from '../../api/api.endpoints.ts'
import { noQuery } from '../../api/api.schemas.ts'
import { apiChronologyQuery, chronologySchema, documentListSchema, newNoteBody, noteListSchema, noteSchema, recordsEpisodeParams, type DocumentKind } from './records.schemas.ts'
import type { CaseNote, DocumentRecord } from './records.service.ts'
import { apiDisputes } from '../records-history/dispute-api.ts'
import type { DisputeRow } from '../records-history/record-history.repository.ts'
import { defineEndpoint } from '../../api/define-endpoint.ts'

// /api/v1: the chronology, case notes and the list of documents. Same services and the same visibility rules as the
// pages. Registered in src/api/api.endpoints.ts.

function noteView(note: CaseNote & { disputes: DisputeRow[] }) {
  return { ...note, createdAt: note.createdAt.toISOString(), disputes: apiDisputes(note.disputes) }
}

function documentView(document: DocumentRecord) {
  return {
    id: document.id,
    title: document.title,
    kind: document.kind as DocumentKind,
    fileName: document.fileName,
    mediaType: document.mediaType,
    sizeBytes: document.sizeBytes,
    sha256: document.sha256,
    visibility: document.visibility,
    scanStatus: document.scanStatus,
    uploadedBy: document.uploadedByName,
    uploadedAt: document.uploadedAt.toISOString(),
    removedAt: document.removedAt ? document.removedAt.toISOString() : null,
    removedReason: document.removedReason,
  }
}

export const recordsEndpoints: readonly ApiEndpoint[] = [
  defineEndpoint({
    method: 'GET',
    path: '/episodes/{episodeId}/chronology',
    operationId: 'getChronology',
    summary: 'The chronology of a family or a child',
    description:
      'Every event recorded about the episode by every agency (consent, checklist, referrals, assessment, team and lead professional changes, meetings and minutes, plan, reviews and closure, case notes and documents), newest first. Filter by kind, by the agency that recorded it, or by child (that child’s events and the whole family’s). Notes and documents kept to another agency are left out. Each read is audited.',
    tag: 'Records',
    action: 'chronology.view',
    recordType: 'episode',
    params: recordsEpisodeParams,
    query: apiChronologyQuery,
    authorize: ({ services, context, params }) => services.records.ensureAllowed(context, 'chronology.view', params.episodeId),
    success: { status: 200, description: 'The chronology.', schema: chronologySchema },
    handle: async ({ services, context, params, query }) => {
      const { episode, events } = await services.records.chronology(context, params.episodeId, { kinds: query.kind ?? [], agencyId: query.agencyId ?? null, personId: query.personId ?? null })
      return {
        episodeId: episode.id,
        reference: episode.reference,
        items: events.map(event => ({
          kind: event.kind,
          on: event.on,
          at: event.at ? event.at.toISOString() : null,
          title: event.title,
          detail: event.detail,
          by: event.by,
          agencyId: event.agencyId,
          agencyName: event.agencyName,
          personId: event.personId,
          visibility: event.visibility,
          disputes: apiDisputes(event.disputes),
        })),
      }
    },
  }),
  defineEndpoint({
    method: 'GET',
    path: '/episodes/{episodeId}/notes',
    operationId: 'listCaseNotes',
    summary: 'Case notes of an episode',
    description:
      'The case notes you may read, newest first (agency-only notes only to the author’s agency and coordinators), each with the family’s statements disagreeing with it (`disputes`, empty when none: the note itself is never changed). Each read is audited.',
    tag: 'Records',
    action: 'note.view',
    recordType: 'episode',
    params: recordsEpisodeParams,
    query: noQuery,
    authorize: ({ services, context, params }) => services.records.ensureAllowed(context, 'note.view', params.episodeId),
    success: { status: 200, description: 'The case notes.', schema: noteListSchema },
    handle: async ({ services, context, params }) => ({ items: (await services.records.listNotes(context, params.episodeId)).map(noteView) }),
  }),
  defineEndpoint({
    method: 'POST',
    path: '/episodes/{episodeId}/notes',
    operationId: 'addCaseNote',
    summary: 'Write a case note',
    description:
      'Adds a case note: the day, a summary, the note, the child it is about (or none for the whole family) and who may read it (team, agency, family). Refused (422) on a closed episode, for a child not on the episode, or for a day in the future.',
    tag: 'Records',
    action: 'note.add',
    recordType: 'case-note',
    params: recordsEpisodeParams,
    query: noQuery,
    body: newNoteBody,
    authorize: ({ services, context, params }) => services.records.ensureAllowed(context, 'note.add', params.episodeId),
    success: { status: 201, description: 'The note was saved.', schema: noteSchema },
    handle: async ({ services, context, params, body }) => {
      const { id } = await services.records.addNote(context, params.episodeId, body)
      const note = (await services.records.listNotes(context, params.episodeId)).find(item => item.id === id)
      if (!note) throw new Error('the note just written was not found')
      return noteView(note)
    },
  }),
  defineEndpoint({
    method: 'GET',
    path: '/episodes/{episodeId}/documents',
    operationId: 'listDocuments',
    summary: 'Documents of an episode',
    description: 'The documents you may see (details, not the files; download them from the page, where each download is audited), removed ones with the reason.',
    tag: 'Records',
    action: 'document.view',
    recordType: 'episode',
    params: recordsEpisodeParams,
    query: noQuery,
    authorize: ({ services, context, params }) => services.records.ensureAllowed(context, 'document.view', params.episodeId),
    success: { status: 200, description: 'The documents.', schema: documentListSchema },
    handle: async ({ services, context, params }) => ({ items: (await services.records.listDocumentsForApi(context, params.episodeId)).map(documentView) }),
  }),
]
