import multipart, { type MultipartFile } from '@fastify/multipart'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../composition.ts'
import { DomainRuleError } from '../../lib/errors.ts'
import { singleError, submittedText, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { requireSignedIn } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { episodeNav } from '../episodes/episode-summary.ts'
import { chronologyQuery, documentForm, noteForm, personChronologyQuery, removeDocumentForm, type ChronologyFilter, type PersonChronologyFilter } from './records.schemas.ts'
import { contentDisposition, MergedPersonError, type UploadedFile } from './records.service.ts'
import {
  agencyItems,
  childItems,
  dateItems,
  documentKindItems,
  documentRows,
  filterDescription,
  filterQuery,
  formatSize,
  kindItems,
  noteCards,
  personEpisodeRows,
  personItems,
  timelineItems,
  todayParts,
  visibilityItems,
} from './records.view-models.ts'
import type { DisputeRow } from '../records-history/record-history.repository.ts'
import { disputeNoticesByRecord } from '../records-history/record-history.view-models.ts'
import { noticeFrom } from '../../lib/notices.ts'

type EpisodeParams = { Params: { episodeId: string } }
type DocumentParams = { Params: { episodeId: string; documentId: string } }
type PersonParams = { Params: { personId: string } }
type Values = Record<string, string>

/** Each note card with the family's statements about it (the "Disputed" marker). */
function withDisputes<T extends { id: string }>(cards: T[], disputes: DisputeRow[]) {
  const byNote = disputeNoticesByRecord(disputes)
  return cards.map(card => ({ ...card, disputes: byNote.get(card.id) ?? [] }))
}

const NOTICES: Record<string, string> = {
  'note-added': 'Your case note has been saved.',
  uploaded: 'The document has been uploaded.',
  removed: 'The document has been removed. Its record and your reason stay in the chronology.',
}

/** The file of an upload, read from the multipart stream by onFile (the form's text fields go to request.body). */
const uploads = new WeakMap<FastifyRequest, UploadedFile>()

/** Case notes, documents and the chronology of an episode. */
export function registerRecordsRoutes(app: FastifyInstance, services: Services) {
  const { records, auth } = services
  const signedIn = { preHandler: requireSignedIn(auth) }

  // ---- case notes ------------------------------------------------------------------------------------------------

  app.get<EpisodeParams>('/episodes/:episodeId/notes', signedIn, async (request, reply) => {
    const page = await records.notesPage(request.context(), request.params.episodeId)
    return reply.render('records/views/notes.njk', {
      title: `Case notes: ${page.episode.reference}`,
      episodeNav: episodeNav(page.episode, 'notes'),
      notice: noticeFrom(request, NOTICES),
      notes: withDisputes(noteCards(page.notes, page.episode), page.disputes),
      canAdd: page.canAdd,
      newNoteHref: paths.records.newNote(page.episode.id),
    })
  })

  async function renderNoteForm(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: Values | null, formErrors?: FormErrors, status?: number) {
    const page = await records.notesPage(request.context(), request.params.episodeId)
    const shown: Values = values ?? (todayParts('occurredOn', page.today) as Values)
    return reply.render(
      'records/views/note-form.njk',
      {
        title: 'Write a case note',
        backLink: paths.records.notes(page.episode.id),
        episodeNav: episodeNav(page.episode, 'notes'),
        action: paths.records.newNote(page.episode.id),
        closed: !page.canAdd,
        values: shown,
        dateItems: dateItems('occurredOn', shown, Boolean(formErrors?.fieldErrors['occurredOn-day'])),
        childItems: childItems(page.episode, shown),
        visibilityItems: visibilityItems(shown, page.agencyName),
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/notes/new', signedIn, async (request, reply) => {
    await records.ensureAllowed(request.context(), 'note.add', request.params.episodeId)
    return renderNoteForm(request, reply, null)
  })

  app.post<EpisodeParams>('/episodes/:episodeId/notes/new', signedIn, async (request, reply) => {
    const { episodeId } = request.params
    await records.ensureAllowed(request.context(), 'note.add', episodeId)
    const values = submittedText(request.body)
    const parsed = noteForm.safeParse(request.body ?? {})
    if (!parsed.success) return renderNoteForm(request, reply, values, toFormErrors(parsed.error))
    try {
      await records.addNote(request.context(), episodeId, parsed.data)
    } catch (error) {
      if (error instanceof DomainRuleError) return renderNoteForm(request, reply, values, singleError(error.field ?? 'summary', error.message), 422)
      throw error
    }
    return reply.redirect(`${paths.records.notes(episodeId)}?done=note-added`, 303)
  })

  // ---- documents -------------------------------------------------------------------------------------------------

  app.get<EpisodeParams>('/episodes/:episodeId/documents', signedIn, async (request, reply) => {
    const page = await records.documentsPage(request.context(), request.params.episodeId)
    return reply.render('records/views/documents.njk', {
      title: `Documents: ${page.episode.reference}`,
      episodeNav: episodeNav(page.episode, 'documents'),
      notice: noticeFrom(request, NOTICES),
      rows: documentRows(page.documents, page.episode.id, page.canRemove),
      count: page.documents.length,
      canUpload: page.canUpload,
      uploadHref: paths.records.newDocument(page.episode.id),
      scannerAvailable: page.scannerAvailable,
    })
  })

  async function renderUpload(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: Values | null, formErrors?: FormErrors, status?: number) {
    const page = await records.documentsPage(request.context(), request.params.episodeId)
    const shown: Values = values ?? {}
    return reply.render(
      'records/views/document-form.njk',
      {
        title: 'Upload a document',
        backLink: paths.records.documents(page.episode.id),
        episodeNav: episodeNav(page.episode, 'documents'),
        action: paths.records.newDocument(page.episode.id),
        closed: !page.canUpload,
        values: shown,
        maxSize: formatSize(page.maxBytes),
        scannerAvailable: page.scannerAvailable,
        kindItems: documentKindItems(shown),
        visibilityItems: visibilityItems(shown, null),
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/documents/new', signedIn, async (request, reply) => {
    await records.ensureAllowed(request.context(), 'document.upload', request.params.episodeId)
    return renderUpload(request, reply, null)
  })

  // The upload reads multipart/form-data, only here. Access is decided before the body is read; the file is held in
  // memory (up to the configured limit) until the service has checked it.
  const maxBytes = records.maxBytes
  void app.register(async scope => {
    scope.addHook('preValidation', async (request: FastifyRequest<EpisodeParams>) => {
      if (request.actor.kind !== 'practitioner') return // requireSignedIn answers (and holds the form)
      await records.ensureAllowed(request.context(), 'document.upload', request.params.episodeId)
    })
    await scope.register(multipart, {
      attachFieldsToBody: 'keyValues',
      throwFileSizeLimit: false,
      limits: { fileSize: maxBytes, files: 1, fields: 10, fieldSize: 10_000, parts: 12, headerPairs: 50 },
      async onFile(this: FastifyRequest, part: MultipartFile) {
        const chunks: Buffer[] = []
        for await (const chunk of part.file) chunks.push(chunk as Buffer)
        if (part.fieldname === 'file' && part.filename) {
          uploads.set(this, { fileName: part.filename, content: Buffer.concat(chunks), truncated: part.file.truncated })
        }
      },
    })
    scope.post<EpisodeParams>('/episodes/:episodeId/documents/new', signedIn, async (request, reply) => {
      const { episodeId } = request.params
      const values = submittedText(request.body)
      const parsed = documentForm.safeParse(request.body ?? {})
      if (!parsed.success) return renderUpload(request, reply, values, toFormErrors(parsed.error))
      try {
        await records.uploadDocument(request.context(), episodeId, parsed.data, uploads.get(request) ?? null)
      } catch (error) {
        if (error instanceof DomainRuleError) return renderUpload(request, reply, values, singleError(error.field ?? 'file', error.message), 422)
        throw error
      }
      return reply.redirect(`${paths.records.documents(episodeId)}?done=uploaded`, 303)
    })
  })

  app.get<DocumentParams>('/episodes/:episodeId/documents/:documentId/download', signedIn, async (request, reply) => {
    const { document, content } = await records.downloadDocument(request.context(), request.params.episodeId, request.params.documentId)
    return reply
      .header('content-type', document.mediaType)
      .header('content-disposition', contentDisposition(document.fileName))
      .header('content-length', String(content.length))
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', "default-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; sandbox")
      .header('cache-control', 'no-store')
      .send(content)
  })

  async function renderRemove(request: FastifyRequest<DocumentParams>, reply: FastifyReply, values: Values | null, formErrors?: FormErrors, status?: number) {
    const { episode, document } = await records.removalPage(request.context(), request.params.episodeId, request.params.documentId)
    return reply.render(
      'records/views/document-remove.njk',
      {
        title: `Remove ${document.title}`,
        backLink: paths.records.documents(episode.id),
        episodeNav: episodeNav(episode, 'documents'),
        action: paths.records.removeDocument(episode.id, document.id),
        documentTitle: document.title,
        alreadyRemoved: document.removedAt !== null,
        closed: episode.status === 'closed',
        values: values ?? {},
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<DocumentParams>('/episodes/:episodeId/documents/:documentId/remove', signedIn, async (request, reply) => renderRemove(request, reply, null))

  app.post<DocumentParams>('/episodes/:episodeId/documents/:documentId/remove', signedIn, async (request, reply) => {
    const { episodeId, documentId } = request.params
    await records.removalPage(request.context(), episodeId, documentId)
    const values = submittedText(request.body)
    const parsed = removeDocumentForm.safeParse(request.body ?? {})
    if (!parsed.success) return renderRemove(request, reply, values, toFormErrors(parsed.error))
    try {
      await records.removeDocument(request.context(), episodeId, documentId, parsed.data.reason)
    } catch (error) {
      if (error instanceof DomainRuleError) return renderRemove(request, reply, values, singleError(error.field ?? 'reason', error.message), 422)
      throw error
    }
    return reply.redirect(`${paths.records.documents(episodeId)}?done=removed`, 303)
  })

  // ---- the chronology --------------------------------------------------------------------------------------------

  async function renderChronology(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, print: boolean) {
    const parsed = chronologyQuery.safeParse(request.query ?? {})
    const filter: ChronologyFilter = parsed.success ? parsed.data : { kinds: [], agencyId: null, personId: null }
    const formErrors = parsed.success ? undefined : toFormErrors(parsed.error)
    let data: Awaited<ReturnType<typeof records.chronology>>
    let ruleError: FormErrors | undefined
    try {
      data = await records.chronology(request.context(), request.params.episodeId, filter)
    } catch (error) {
      if (!(error instanceof DomainRuleError)) throw error
      ruleError = singleError(error.field ?? 'personId', error.message)
      data = await records.chronology(request.context(), request.params.episodeId, { ...filter, personId: null })
    }
    const { episode, events, agencyOptions } = data
    const errors = formErrors ?? ruleError
    const query = filterQuery(filter)
    return reply.render(
      print ? 'records/views/chronology-print.njk' : 'records/views/chronology.njk',
      {
        title: `Chronology: ${episode.reference}`,
        episodeNav: episodeNav(episode, 'chronology'),
        backLink: print ? `${paths.records.chronology(episode.id)}${query}` : undefined,
        action: paths.records.chronology(episode.id),
        printHref: `${paths.records.chronologyPrint(episode.id)}${query}`,
        clearHref: paths.records.chronology(episode.id),
        items: timelineItems(events, episode.children),
        count: events.length,
        filtered: filter.kinds.length > 0 || filter.agencyId !== null || filter.personId !== null,
        description: filterDescription(filter, episode.children, agencyOptions),
        kindItems: kindItems(filter),
        agencyItems: agencyItems(agencyOptions, filter),
        personItems: personItems(episode, filter),
        showPeople: episode.children.length > 0,
        ...errors,
      },
      errors ? 400 : 200,
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/chronology', signedIn, async (request, reply) => renderChronology(request, reply, false))
  app.get<EpisodeParams>('/episodes/:episodeId/chronology/print', signedIn, async (request, reply) => renderChronology(request, reply, true))

  // ---- one person's chronology, across every episode they are in --------------------------------------------------

  async function renderPersonChronology(request: FastifyRequest<PersonParams>, reply: FastifyReply, print: boolean) {
    const parsed = personChronologyQuery.safeParse(request.query ?? {})
    const filter: PersonChronologyFilter = parsed.success ? parsed.data : { kinds: [], agencyId: null }
    const formErrors = parsed.success ? undefined : toFormErrors(parsed.error)
    let data: Awaited<ReturnType<typeof records.personChronology>>
    try {
      data = await records.personChronology(request.context(), request.params.personId, filter)
    } catch (error) {
      if (error instanceof MergedPersonError) {
        const target = print ? paths.records.personChronologyPrint(error.keptPersonId) : paths.records.personChronology(error.keptPersonId)
        return reply.redirect(target, 301)
      }
      throw error
    }
    const { person, episodes, hiddenEpisodes, events, agencyOptions } = data
    const full: ChronologyFilter = { ...filter, personId: person.id }
    const query = filterQuery({ ...filter, personId: null })
    return reply.render(
      print ? 'records/views/person-chronology-print.njk' : 'records/views/person-chronology.njk',
      {
        title: `Chronology: ${person.name}`,
        person,
        backLink: print ? `${paths.records.personChronology(person.id)}${query}` : paths.people.show(person.id),
        action: paths.records.personChronology(person.id),
        printHref: `${paths.records.personChronologyPrint(person.id)}${query}`,
        clearHref: paths.records.personChronology(person.id),
        episodeRows: personEpisodeRows(episodes),
        episodeReferences: episodes.map(episode => episode.reference).join(', '),
        hiddenEpisodes,
        items: timelineItems(events, [{ personId: person.id, name: person.name }], { showEpisode: true }),
        count: events.length,
        filtered: filter.kinds.length > 0 || filter.agencyId !== null,
        description: filterDescription(full, [{ personId: person.id, name: person.name }], agencyOptions),
        kindItems: kindItems(full),
        agencyItems: agencyItems(agencyOptions, full),
        ...formErrors,
      },
      formErrors ? 400 : 200,
    )
  }

  app.get<PersonParams>('/people/:personId/chronology', signedIn, async (request, reply) => renderPersonChronology(request, reply, false))
  app.get<PersonParams>('/people/:personId/chronology/print', signedIn, async (request, reply) => renderPersonChronology(request, reply, true))
}
