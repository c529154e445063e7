import { z } from 'zod'
import { csrfField, longText, text, uuid } from '../../lib/validation.ts'

// Forms of panels: the administrators' panel forms, and listing an episode at a panel.

const RELOAD = 'This form is out of date. Reload the page and try again'

const version = z
  .string({ error: RELOAD })
  .regex(/^[0-9]{1,9}$/, RELOAD)
  .transform(Number)

const panelName = text('the panel name', { max: 150 })

/** The panel's locality: '' for the whole authority. */
const localityId = z
  .union([z.literal(''), uuid()], { error: 'Choose a locality from the list' })
  .optional()
  .transform(value => (value ? value : null))

export const newPanelForm = z.strictObject({ ...csrfField, name: panelName, localityId })
export type NewPanelInput = z.infer<typeof newPanelForm>

export const editPanelForm = z.strictObject({
  ...csrfField,
  name: panelName,
  localityId,
  active: z.enum(['yes', 'no'], { error: 'Choose whether the panel is active' }).transform(value => value === 'yes'),
  version,
})
export type EditPanelInput = z.infer<typeof editPanelForm>

export const addMemberForm = z.strictObject({
  ...csrfField,
  userId: z.string({ error: 'Choose who to add' }).refine(value => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value), { message: 'Choose who to add' }),
})

export const listEpisodeForm = z.strictObject({
  ...csrfField,
  panelId: z.string({ error: 'Choose a panel' }).refine(value => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value), { message: 'Choose a panel' }),
  reason: longText('why the episode should go to the panel', { max: 2000 }),
})
export type ListEpisodeInput = z.infer<typeof listEpisodeForm>

export const buttonForm = z.strictObject({ ...csrfField })

/** Moving an episode to another locality (its coordinators change): a locality of the authority, and the version seen. */
export const episodeLocalityForm = z.strictObject({
  ...csrfField,
  localityId: z.string({ error: 'Choose the locality the family lives in now' }).refine(value => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value), {
    message: 'Choose the locality the family lives in now',
  }),
  version,
})
export type EpisodeLocalityInput = z.infer<typeof episodeLocalityForm>

// ---- API (/api/v1, src/features/panels/panels.api.ts) ----------------------------------------------------------------

const apiId = (description: string) =>
  z
    .string()
    .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/)
    .transform(value => value.toLowerCase())
    .meta({ description, format: 'uuid' })

export const panelParams = z.strictObject({ panelId: apiId('The panel’s identifier.') })
export const panelEpisodeParams = z.strictObject({ episodeId: apiId('The episode’s identifier.') })
export const panelListingParams = z.strictObject({ episodeId: apiId('The episode’s identifier.'), listingId: apiId('The listing’s identifier.') })

/** Listing an episode at a panel: the same rules as the form (a panel of the list, a reason of up to 2,000 characters). */
export const listEpisodeBody = z.strictObject({
  panelId: z
    .string({ error: 'Choose a panel' })
    .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'Choose a panel')
    .transform(value => value.toLowerCase())
    .meta({ description: 'An active panel of your authority (GET /episodes/{episodeId}/panel-listings lists them).', format: 'uuid' }),
  reason: longText('why the episode should go to the panel', { max: 2000 }).meta({ description: 'Why the episode should go to the panel (required, up to 2,000 characters).', maxLength: 2000 }),
})

/** Taking an episode off a panel: said on purpose, so that an empty or mistaken request ends nothing. */
export const endListingBody = z.strictObject({
  confirm: z.literal(true, { error: 'Send "confirm": true to take the episode off the panel' }).meta({ description: 'Must be true.' }),
})

/** Moving an episode to another locality: a locality of the authority, and the episode version you read. */
export const episodeLocalityBody = z.strictObject({
  localityId: z
    .string({ error: 'Choose the locality the family lives in now' })
    .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'Choose the locality the family lives in now')
    .transform(value => value.toLowerCase())
    .meta({ description: 'A locality of your authority (GET /localities), not the one the episode is in now.', format: 'uuid' }),
  version: z.int({ error: 'Send the episode version you read, a whole number' }).min(1).max(999_999_999).meta({ description: 'The episode version you read (GET /episodes/{episodeId}/locality); a stale version is refused with 409.' }),
})

const dateTime = z.iso.datetime()
const uuidOut = z.string().meta({ format: 'uuid' })

const panelMemberSchema = z.object({
  userId: uuidOut,
  name: z.string(),
  hasPanelMemberRole: z.boolean().meta({ description: 'Without the panel member role they do not see what is listed.' }),
})

const panelSchema = z.object({
  id: uuidOut,
  name: z.string(),
  localityId: uuidOut.nullable().meta({ description: 'Null: the whole authority.' }),
  localityName: z.string().nullable(),
  active: z.boolean(),
  listedCount: z.int().min(0).meta({ description: 'Episodes listed at it now.' }),
  members: z.array(panelMemberSchema).optional().meta({ description: 'Who sits on it: administrators only.' }),
})

export const panelListSchema = z.object({
  view: z.enum(['administrator', 'panel member']).meta({ description: 'administrator: every panel of the authority, with its members; panel member: the active panels you sit on.' }),
  items: z.array(panelSchema),
})

export const panelListingsSchema = z.object({
  panel: panelSchema.omit({ members: true }),
  items: z.array(
    z.object({
      listingId: uuidOut,
      episodeId: uuidOut,
      reference: z.string(),
      listedAt: dateTime,
      listedBy: z.string().nullable(),
      reason: z.string(),
    }),
  ),
})

const listingSchema = z.object({
  id: uuidOut,
  panelId: uuidOut,
  panelName: z.string(),
  episodeId: uuidOut,
  reason: z.string(),
  listedBy: z.string().nullable(),
  listedAt: dateTime,
  endedAt: dateTime.nullable(),
  endedBy: z.string().nullable(),
})
export { listingSchema as panelListingSchema }

export const episodeListingsSchema = z.object({
  episodeId: uuidOut,
  reference: z.string(),
  status: z.string(),
  listings: z.array(listingSchema).meta({ description: 'Current listings first, then past ones, most recent first.' }),
  panels: z.array(z.object({ id: uuidOut, name: z.string(), localityName: z.string().nullable() })).meta({ description: 'The active panels it may be listed at.' }),
})

export const episodeLocalitySchema = z.object({
  episodeId: uuidOut,
  reference: z.string(),
  status: z.string(),
  localityId: uuidOut.nullable(),
  localityName: z.string().nullable(),
  version: z.int().meta({ description: 'Send it back with PUT to change the locality.' }),
  localities: z.array(z.object({ id: uuidOut, name: z.string() })).meta({ description: 'The localities of your authority.' }),
})

export const movedEpisodeSchema = z.object({
  episodeId: uuidOut,
  localityId: uuidOut,
  localityName: z.string(),
  version: z.int(),
  stillVisibleToYou: z.boolean().meta({ description: 'False when you coordinate the old locality only: you no longer see the episode.' }),
})
