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
