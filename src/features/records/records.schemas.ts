import { z } from 'zod'
import { csrfField, longText, text, uuid } from '../../lib/validation.ts'
import { dateFromParts } from '../episodes/episodes.schemas.ts'
import type { RecordVisibility } from '../../db/schema.ts'
import { apiDisputesSchema } from '../records-history/dispute-api.ts'

// Forms, queries and API bodies for case notes, documents and the chronology.

export const VISIBILITIES = ['team', 'agency', 'family'] as const satisfies readonly RecordVisibility[]

export const VISIBILITY_NAMES: Record<RecordVisibility, string> = {
  team: 'The team',
  agency: 'My agency only',
  family: 'Visible to the family',
}

export const DOCUMENT_KINDS = ['specialist_report', 'letter', 'signed_plan', 'minutes', 'assessment', 'photo', 'other'] as const
export type DocumentKind = (typeof DOCUMENT_KINDS)[number]

export const DOCUMENT_KIND_NAMES: Record<DocumentKind, string> = {
  specialist_report: 'Specialist report',
  letter: 'Letter',
  signed_plan: 'Signed plan',
  minutes: 'Minutes',
  assessment: 'Assessment',
  photo: 'Photo or scan',
  other: 'Something else',
}

export const CHRONOLOGY_KINDS = ['consent', 'checklist', 'referral', 'assessment', 'team', 'lead', 'meeting', 'plan', 'review', 'note', 'document'] as const
export type ChronologyKind = (typeof CHRONOLOGY_KINDS)[number]

export const CHRONOLOGY_KIND_NAMES: Record<ChronologyKind, string> = {
  consent: 'Consent',
  checklist: 'Checklist',
  referral: 'Safeguarding referrals',
  assessment: 'Assessment',
  team: 'Team changes',
  lead: 'Lead professional',
  meeting: 'Meetings and minutes',
  plan: 'Plan',
  review: 'Reviews and closure',
  note: 'Case notes',
  document: 'Documents',
}

// ---- service inputs ----------------------------------------------------------------------------------------------

export type NoteInput = { occurredOn: string; summary: string; body: string; personId: string | null; visibility: RecordVisibility }
export type DocumentInput = { title: string; kind: DocumentKind; visibility: RecordVisibility }
export type ChronologyFilter = { kinds: ChronologyKind[]; agencyId: string | null; personId: string | null }
/** A person's chronology: the person is given by the address; kinds and agency as for an episode. */
export type PersonChronologyFilter = Omit<ChronologyFilter, 'personId'>

// ---- forms -------------------------------------------------------------------------------------------------------

const dayPart = z.string().max(10).optional()
const noChild = 'family'

export const noteForm = z
  .strictObject({
    ...csrfField,
    'occurredOn-day': dayPart,
    'occurredOn-month': dayPart,
    'occurredOn-year': dayPart,
    summary: text('a summary', { max: 200 }),
    body: longText('the note', { max: 20_000 }),
    personId: z.union([z.literal(noChild), uuid('The child')], { error: 'Select who the note is about' }),
    visibility: z.enum(VISIBILITIES, { error: 'Select who may read the note' }),
  })
  .transform((form, ctx): NoteInput => {
    const date = dateFromParts(form['occurredOn-day'], form['occurredOn-month'], form['occurredOn-year'], 'the date')
    let occurredOn = ''
    if (typeof date === 'string') occurredOn = date
    else ctx.addIssue({ code: 'custom', message: date.error, path: ['occurredOn-day'] })
    return {
      occurredOn,
      summary: form.summary,
      body: form.body,
      personId: form.personId === noChild ? null : form.personId.toLowerCase(),
      visibility: form.visibility,
    }
  })

/** The text fields of the upload form (the file arrives separately, read from the multipart stream). */
export const documentForm = z
  .strictObject({
    ...csrfField,
    title: text('a title for the document', { max: 200 }),
    kind: z.enum(DOCUMENT_KINDS, { error: 'Select what kind of document it is' }),
    visibility: z.enum(VISIBILITIES, { error: 'Select who may see the document' }),
  })
  .transform(({ _csrf, ...rest }): DocumentInput => rest)

export const removeDocumentForm = z
  .strictObject({
    ...csrfField,
    reason: longText('why you are removing the document', { max: 2000 }),
  })
  .transform(({ reason }) => ({ reason }))

const oneOrMany = <T extends z.ZodType>(item: T) =>
  z.preprocess(value => (value === undefined || value === '' ? [] : Array.isArray(value) ? value : [value]), z.array(item).max(CHRONOLOGY_KINDS.length))

const filterFields = {
  kind: oneOrMany(z.enum(CHRONOLOGY_KINDS, { error: 'Select kinds of event from the list' })),
  agencyId: z.preprocess(value => (value === '' ? undefined : value), uuid('The agency').optional()),
}

/** The chronology's filters (GET query). */
export const chronologyQuery = z
  .strictObject({
    ...filterFields,
    personId: z.preprocess(value => (value === '' ? undefined : value), uuid('The child').optional()),
  })
  .transform(
    (query): ChronologyFilter => ({
      kinds: [...new Set(query.kind)],
      agencyId: query.agencyId?.toLowerCase() ?? null,
      personId: query.personId?.toLowerCase() ?? null,
    }),
  )

/** A person's chronology's filters (GET query): kinds and agency; the person is in the address. */
export const personChronologyQuery = z.strictObject(filterFields).transform(
  (query): PersonChronologyFilter => ({
    kinds: [...new Set(query.kind)],
    agencyId: query.agencyId?.toLowerCase() ?? null,
  }),
)

export const documentParams = z.strictObject({ episodeId: z.string(), documentId: z.string() })

// ---- API ---------------------------------------------------------------------------------------------------------

const apiId = (description: string) =>
  z
    .string()
    .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/)
    .transform(value => value.toLowerCase())
    .meta({ description, format: 'uuid' })

export const recordsEpisodeParams = z.strictObject({ episodeId: apiId('The episode’s identifier.') })

const isoDate = z
  .string()
  .regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, 'Use the date format YYYY-MM-DD')
  .refine(value => !Number.isNaN(new Date(`${value}T00:00:00Z`).getTime()) && new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value, 'Not a real date')

const visibilitySchema = z.enum(VISIBILITIES).meta({ description: 'team: everyone on the team; agency: the author’s agency only (and coordinators); family: the team and the family.' })

export const newNoteBody = z
  .strictObject({
    occurredOn: isoDate.meta({ description: 'The day the note is about (YYYY-MM-DD), today or earlier.' }),
    summary: text('summary', { max: 200 }),
    body: longText('body', { max: 20_000 }),
    personId: apiId('The child the note is about; leave out for the whole family.').optional(),
    visibility: visibilitySchema,
  })
  .transform((body): NoteInput => ({ ...body, personId: body.personId ?? null }))

export const apiChronologyQuery = z.strictObject({
  kind: z
    .preprocess(value => (value === undefined ? undefined : Array.isArray(value) ? value : String(value).split(',')), z.array(z.enum(CHRONOLOGY_KINDS)).max(CHRONOLOGY_KINDS.length).optional())
    .meta({ description: 'Only these kinds of event (comma-separated, or repeated).' }),
  agencyId: apiId('Only events recorded by this agency.').optional(),
  personId: apiId('One child’s chronology: events about this child and about the whole family.').optional(),
})

export const noteSchema = z.object({
  id: z.string(),
  episodeId: z.string(),
  occurredOn: z.string(),
  summary: z.string(),
  body: z.string(),
  personId: z.string().nullable(),
  visibility: z.enum(VISIBILITIES),
  authorUserId: z.string(),
  authorName: z.string(),
  authorAgencyId: z.string().nullable(),
  authorAgencyName: z.string().nullable(),
  createdAt: z.string(),
  disputes: apiDisputesSchema,
})
export const noteListSchema = z.object({ items: z.array(noteSchema) })

export const chronologyEventSchema = z.object({
  kind: z.enum(CHRONOLOGY_KINDS),
  on: z.string().meta({ description: 'The day (YYYY-MM-DD).' }),
  at: z.string().nullable().meta({ description: 'The moment, when it is known.' }),
  title: z.string(),
  detail: z.string().nullable(),
  by: z.string().nullable(),
  agencyId: z.string().nullable(),
  agencyName: z.string().nullable(),
  personId: z.string().nullable(),
  visibility: z.enum(VISIBILITIES).nullable(),
  disputes: apiDisputesSchema.meta({
    description: 'For an entry that stands for a case note, minutes or an assessment: the family’s statements disagreeing with that record (for an assessment, with any of its elements), oldest first; otherwise empty.',
  }),
})
export const chronologySchema = z.object({ episodeId: z.string(), reference: z.string(), items: z.array(chronologyEventSchema) })

export const documentSchema = z.object({
  id: z.string(),
  title: z.string(),
  kind: z.enum(DOCUMENT_KINDS),
  fileName: z.string(),
  mediaType: z.string(),
  sizeBytes: z.number(),
  sha256: z.string(),
  visibility: z.enum(VISIBILITIES),
  scanStatus: z.enum(['not_scanned', 'clean']),
  uploadedBy: z.string(),
  uploadedAt: z.string(),
  removedAt: z.string().nullable(),
  removedReason: z.string().nullable(),
})
export const documentListSchema = z.object({ items: z.array(documentSchema) })
