import { z } from 'zod'
import { csrfField, list, longText, optionalText, text, uuid } from '../../lib/validation.ts'
import { dateFromParts } from '../episodes/episodes.schemas.ts'
import { apiDisputesSchema } from '../records-history/dispute-api.ts'

export const MEETING_PURPOSES = ['first_team_meeting', 'team_meeting', 'review'] as const
export const ATTENDANCE_VALUES = ['attended', 'apologies', 'did_not_attend'] as const

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const TIME = /^([01]?[0-9]|2[0-3])[:.]([0-5][0-9])$/

const versionField = z
  .string({ error: 'The form is missing its version. Reload the page and try again' })
  .regex(/^[0-9]{1,9}$/, 'The form’s version is not valid. Reload the page and try again')
  .transform(Number)

const emptyAsUndefined = (value: unknown) => (value === '' ? undefined : value)

/** A person picked from the team: a practitioner (`user:<id>`) or a family-side member (`family:<id>`). */
const teamPick = z.string().max(60).regex(/^(user|family):[0-9a-f-]{36}$/i, 'Select people from the list')

/** 'HH:MM' from '9:30', '09.30', '14:05'. */
function normaliseTime(value: string): string | null {
  const match = TIME.exec(value.trim())
  if (!match) return null
  return `${(match[1] ?? '').padStart(2, '0')}:${match[2]}`
}

export type ScheduleInput = {
  purpose: (typeof MEETING_PURPOSES)[number]
  date: string
  startTime: string
  endTime: string
  venueName: string | null
  venueAddress: string | null
  neutralVenue: boolean
  accessibilityNotes: string | null
  remoteLink: string | null
  inviteeUserIds: string[]
  inviteeFamilyIds: string[]
  chairUserId: string | null
  minuteTakerUserId: string | null
}

function isSafeLink(value: string): boolean {
  try {
    const url = new URL(value)
    return url.protocol === 'https:' && url.hostname.length > 0 && !/\s/.test(value)
  } catch {
    return false
  }
}

const scheduleFields = {
  ...csrfField,
  // Checked with the other answers below, so that every mistake is listed at once.
  purpose: z.string().max(40).optional(),
  'date-day': z.string().max(10).optional(),
  'date-month': z.string().max(10).optional(),
  'date-year': z.string().max(10).optional(),
  startTime: z.string().max(10).optional(),
  endTime: z.string().max(10).optional(),
  venueName: optionalText('the venue', 200),
  venueAddress: z.preprocess(emptyAsUndefined, longText('the venue’s address', { max: 1000 }).optional()).transform(value => value ?? null),
  neutralVenue: z.string().max(10).optional(),
  accessibilityNotes: z.preprocess(emptyAsUndefined, longText('the notes about access', { max: 2000 }).optional()).transform(value => value ?? null),
  remoteLink: optionalText('the remote link', 500),
  invitees: list(teamPick),
  chairUserId: z.preprocess(emptyAsUndefined, uuid('The chair').optional()),
  minuteTakerUserId: z.preprocess(emptyAsUndefined, uuid('The minute-taker').optional()),
}

type ScheduleFields = z.output<z.ZodObject<typeof scheduleFields>>
type Ctx = z.RefinementCtx

function toScheduleInput(form: ScheduleFields, ctx: Ctx): ScheduleInput {
  const purpose = MEETING_PURPOSES.find(value => value === form.purpose)
  if (!purpose) ctx.addIssue({ code: 'custom', message: 'Select what kind of meeting it is', path: ['purpose'] })
  const date = dateFromParts(form['date-day'], form['date-month'], form['date-year'], 'the date of the meeting')
  if (typeof date !== 'string') ctx.addIssue({ code: 'custom', message: date.error, path: ['date-day'] })
  const start = normaliseTime(form.startTime ?? '')
  if (!start) ctx.addIssue({ code: 'custom', message: form.startTime ? 'Enter the start time as hours and minutes, like 09:30 or 14:00' : 'Enter the start time', path: ['startTime'] })
  const end = normaliseTime(form.endTime ?? '')
  if (!end) ctx.addIssue({ code: 'custom', message: form.endTime ? 'Enter the end time as hours and minutes, like 10:30 or 15:00' : 'Enter the end time', path: ['endTime'] })
  else if (start && end <= start) ctx.addIssue({ code: 'custom', message: 'The end time must be after the start time', path: ['endTime'] })
  if (form.remoteLink !== null && !isSafeLink(form.remoteLink)) ctx.addIssue({ code: 'custom', message: 'Enter the remote link as a full web address starting with https://', path: ['remoteLink'] })
  if (form.neutralVenue !== 'yes' && form.neutralVenue !== 'no') ctx.addIssue({ code: 'custom', message: 'Select whether the venue is a neutral place for the family', path: ['neutralVenue'] })
  if (!form.venueName && !form.remoteLink) ctx.addIssue({ code: 'custom', message: 'Enter where the meeting is, or a remote link, or both', path: ['venueName'] })
  if (form.invitees.length === 0) ctx.addIssue({ code: 'custom', message: 'Select who to invite', path: ['invitees'] })
  const picks = [...new Set(form.invitees.map(value => value.toLowerCase()))]
  return {
    purpose: purpose ?? 'team_meeting',
    date: typeof date === 'string' ? date : '',
    startTime: start ?? '',
    endTime: end ?? '',
    venueName: form.venueName,
    venueAddress: form.venueAddress,
    neutralVenue: form.neutralVenue === 'yes',
    accessibilityNotes: form.accessibilityNotes,
    remoteLink: form.remoteLink,
    inviteeUserIds: picks.filter(value => value.startsWith('user:')).map(value => value.slice(5)),
    inviteeFamilyIds: picks.filter(value => value.startsWith('family:')).map(value => value.slice(7)),
    chairUserId: form.chairUserId?.toLowerCase() ?? null,
    minuteTakerUserId: form.minuteTakerUserId?.toLowerCase() ?? null,
  }
}

export const scheduleForm = z.strictObject(scheduleFields).transform(toScheduleInput)

export const editMeetingForm = z
  .strictObject({ ...scheduleFields, version: versionField })
  .transform((form, ctx) => ({ ...toScheduleInput(form, ctx), version: form.version }))

export type EditMeetingInput = ScheduleInput & { version: number }

export const cancelForm = z
  .strictObject({ ...csrfField, reason: longText('why the meeting is cancelled', { max: 1000 }), version: versionField })
  .transform(({ _csrf, ...rest }) => rest)

export type CancelInput = { reason: string; version: number }

export const agendaForm = z
  .strictObject({
    ...csrfField,
    text: longText('the agenda item', { max: 1000 }),
    raisedBy: z.preprocess(emptyAsUndefined, z.string().max(60).regex(/^(me|family:[0-9a-f-]{36})$/i, 'Select who the item is from').optional()),
  })
  .transform(({ _csrf, raisedBy, ...rest }) => ({ ...rest, onBehalfOfFamilyId: raisedBy?.startsWith('family:') ? raisedBy.slice(7).toLowerCase() : null }))

export type AgendaInput = { text: string; onBehalfOfFamilyId: string | null }

export type AttendanceInput = {
  attendance: { inviteeId: string; attendance: (typeof ATTENDANCE_VALUES)[number] }[]
  chairUserId: string | null
  minuteTakerUserId: string | null
  version: number
}

/** The attendance form for a meeting's invitees: one `attendance-<inviteeId>` radio group each. */
export function attendanceForm(inviteeIds: string[]) {
  const fields: Record<string, z.ZodType<(typeof ATTENDANCE_VALUES)[number]>> = {}
  for (const id of inviteeIds) fields[`attendance-${id}`] = z.enum(ATTENDANCE_VALUES, { error: 'Select whether they attended, sent apologies or did not attend' })
  return z
    .strictObject({
      ...csrfField,
      ...fields,
      chairUserId: z.preprocess(emptyAsUndefined, uuid('The chair').optional()),
      minuteTakerUserId: z.preprocess(emptyAsUndefined, uuid('The minute-taker').optional()),
      version: versionField,
    })
    .transform((form, ctx): AttendanceInput => {
      if (!form.chairUserId) ctx.addIssue({ code: 'custom', message: 'Select who chaired the meeting', path: ['chairUserId'] })
      if (!form.minuteTakerUserId) ctx.addIssue({ code: 'custom', message: 'Select who took the minutes', path: ['minuteTakerUserId'] })
      const values = form as unknown as Record<string, string>
      return {
        attendance: inviteeIds.map(inviteeId => ({ inviteeId, attendance: values[`attendance-${inviteeId}`] as (typeof ATTENDANCE_VALUES)[number] })),
        chairUserId: form.chairUserId?.toLowerCase() ?? null,
        minuteTakerUserId: form.minuteTakerUserId?.toLowerCase() ?? null,
        version: form.version,
      }
    })
}

export const minutesForm = z
  .strictObject({
    ...csrfField,
    discussion: longText('what was discussed', { max: 20_000, required: false }),
    decisions: longText('the decisions', { max: 20_000, required: false }),
    familyViews: longText('the family’s views', { max: 20_000, required: false }),
    intent: z.enum(['save', 'submit'], { error: 'Choose to save the draft or send it to the chair' }),
    version: versionField,
  })
  .transform(({ _csrf, ...rest }, ctx) => {
    if (rest.intent === 'submit' && !rest.discussion && !rest.decisions) {
      ctx.addIssue({ code: 'custom', message: 'Enter what was discussed or decided before sending the minutes to the chair', path: ['discussion'] })
    }
    return rest
  })

export type MinutesInput = { discussion: string; decisions: string; familyViews: string; intent: 'save' | 'submit'; version: number }

export type MinutesActionInput = { what: string; owner: { kind: 'user' | 'family' | 'agency'; id: string }; dueOn: string }

export const minutesActionForm = z
  .strictObject({
    ...csrfField,
    what: longText('what will be done', { max: 1000 }),
    owner: z.string({ error: 'Select who will do it' }).max(60).regex(/^(user|family|agency):[0-9a-f-]{36}$/i, 'Select who will do it'),
    'dueOn-day': z.string().max(10).optional(),
    'dueOn-month': z.string().max(10).optional(),
    'dueOn-year': z.string().max(10).optional(),
  })
  .transform((form, ctx): MinutesActionInput => {
    const dueOn = dateFromParts(form['dueOn-day'], form['dueOn-month'], form['dueOn-year'], 'the date it will be done by')
    if (typeof dueOn !== 'string') ctx.addIssue({ code: 'custom', message: dueOn.error, path: ['dueOn-day'] })
    const [kind, id] = form.owner.toLowerCase().split(':') as ['user' | 'family' | 'agency', string]
    return { what: form.what, owner: { kind, id }, dueOn: typeof dueOn === 'string' ? dueOn : '' }
  })

export const approvalForm = z
  .strictObject({ ...csrfField, intent: z.enum(['approve', 'return'], { error: 'Choose to approve the minutes or return them' }), version: versionField })
  .transform(({ _csrf, ...rest }) => rest)

export const bankHolidayForm = z
  .strictObject({
    ...csrfField,
    'holidayOn-day': z.string().max(10).optional(),
    'holidayOn-month': z.string().max(10).optional(),
    'holidayOn-year': z.string().max(10).optional(),
    title: text('the name of the bank holiday', { max: 100 }),
  })
  .transform((form, ctx) => {
    const holidayOn = dateFromParts(form['holidayOn-day'], form['holidayOn-month'], form['holidayOn-year'], 'the date of the bank holiday')
    if (typeof holidayOn !== 'string') ctx.addIssue({ code: 'custom', message: holidayOn.error, path: ['holidayOn-day'] })
    return { holidayOn: typeof holidayOn === 'string' ? holidayOn : '', title: form.title }
  })

export const removeBankHolidayForm = z
  .strictObject({ ...csrfField, holidayOn: z.string({ error: 'Choose a bank holiday to remove' }).regex(/^\d{4}-\d{2}-\d{2}$/, 'Choose a bank holiday to remove') })
  .transform(({ _csrf, ...rest }) => rest)

// ---- API ---------------------------------------------------------------------------------------------------------

const apiId = (description: string) =>
  z
    .string()
    .regex(UUID)
    .transform(value => value.toLowerCase())
    .meta({ description, format: 'uuid' })

const apiDate = (description: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use a date like 2027-03-03')
    .refine(value => typeof dateFromParts(value.slice(8, 10), value.slice(5, 7), value.slice(0, 4), 'the date') === 'string', 'Not a real date')
    .meta({ description, format: 'date' })

const apiTime = (description: string) => z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/, 'Use a time like 09:30').meta({ description })

const apiText = (max: number) =>
  z
    .string()
    .max(max)
    .refine(value => value.isWellFormed() && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value), 'Contains characters that are not allowed')
    .transform(value => value.trim())

export const meetingListParams = z.strictObject({ episodeId: apiId('The episode’s identifier.') })
export const meetingParams = z.strictObject({ episodeId: apiId('The episode’s identifier.'), meetingId: apiId('The meeting’s identifier.') })

export const newMeetingBody = z
  .strictObject({
    purpose: z.enum(MEETING_PURPOSES),
    date: apiDate('The UK date of the meeting.'),
    startTime: apiTime('Start, UK time (24-hour HH:MM).'),
    endTime: apiTime('End, UK time (24-hour HH:MM).'),
    venueName: apiText(200).nullable().optional(),
    venueAddress: apiText(1000).nullable().optional(),
    neutralVenue: z.boolean().default(false).meta({ description: 'Whether the venue is a neutral place for the family (not, say, a school office).' }),
    accessibilityNotes: apiText(2000).nullable().optional(),
    remoteLink: z.string().max(500).refine(isSafeLink, 'Use an https:// link').nullable().optional(),
    inviteeUserIds: z.array(apiId('A practitioner on the team.')).max(50).default([]),
    inviteeFamilyTeamMemberIds: z.array(apiId('A family member or supporter on the team.')).max(50).default([]),
    chairUserId: apiId('The chair.').nullable().optional(),
    minuteTakerUserId: apiId('The minute-taker.').nullable().optional(),
  })
  .superRefine((body, ctx) => {
    if (body.endTime <= body.startTime) ctx.addIssue({ code: 'custom', message: 'The end time must be after the start time', path: ['endTime'] })
    if (!body.venueName && !body.remoteLink) ctx.addIssue({ code: 'custom', message: 'Give a venue, a remote link or both', path: ['venueName'] })
    if (body.inviteeUserIds.length + body.inviteeFamilyTeamMemberIds.length === 0) ctx.addIssue({ code: 'custom', message: 'Invite at least one person', path: ['inviteeUserIds'] })
  })
  .transform(
    (body): ScheduleInput => ({
      purpose: body.purpose,
      date: body.date,
      startTime: body.startTime,
      endTime: body.endTime,
      venueName: body.venueName || null,
      venueAddress: body.venueAddress || null,
      neutralVenue: body.neutralVenue,
      accessibilityNotes: body.accessibilityNotes || null,
      remoteLink: body.remoteLink || null,
      inviteeUserIds: [...new Set(body.inviteeUserIds)],
      inviteeFamilyIds: [...new Set(body.inviteeFamilyTeamMemberIds)],
      chairUserId: body.chairUserId ?? null,
      minuteTakerUserId: body.minuteTakerUserId ?? null,
    }),
  )

export const attendanceBody = z.strictObject({
  attendance: z
    .array(z.strictObject({ inviteeId: apiId('An invitee.'), attendance: z.enum(ATTENDANCE_VALUES) }))
    .min(1)
    .max(60),
  chairUserId: apiId('Who chaired the meeting.'),
  minuteTakerUserId: apiId('Who took the minutes.'),
  version: z.number().int().min(1).optional().meta({ description: 'The meeting’s version you read; a stale one is refused with 409.' }),
})

export const minutesBody = z.strictObject({
  discussion: apiText(20_000).default(''),
  decisions: apiText(20_000).default(''),
  familyViews: apiText(20_000).default(''),
  submitForApproval: z.boolean().default(false).meta({ description: 'Send the minutes to the chair for approval.' }),
  actions: z
    .array(
      z.strictObject({
        what: apiText(1000).refine(value => value.length > 0, 'Say what will be done'),
        ownerUserId: apiId('A practitioner on the team.').optional(),
        ownerFamilyTeamMemberId: apiId('A family member on the team.').optional(),
        ownerAgencyId: apiId('An agency.').optional(),
        dueOn: apiDate('Done by.'),
      }),
    )
    .max(30)
    .default([])
    .meta({ description: 'New actions agreed in the meeting: each goes straight into the family’s plan.' }),
  version: z.number().int().min(1).optional(),
})

const minutesSchema = z.object({
  status: z.enum(['draft', 'awaiting_approval', 'approved', 'circulated']),
  dueOn: z.string().meta({ format: 'date' }),
  overdue: z.boolean(),
  discussion: z.string(),
  decisions: z.string(),
  familyViews: z.string(),
  approvedAt: z.string().nullable(),
  circulatedAt: z.string().nullable(),
  version: z.number(),
  disputes: apiDisputesSchema,
})

export const meetingSchema = z.object({
  id: z.string().meta({ format: 'uuid' }),
  episodeId: z.string().meta({ format: 'uuid' }),
  purpose: z.enum(MEETING_PURPOSES),
  status: z.enum(['scheduled', 'cancelled', 'held']),
  startsAt: z.string().meta({ format: 'date-time' }),
  endsAt: z.string().meta({ format: 'date-time' }),
  venueName: z.string().nullable(),
  venueAddress: z.string().nullable(),
  neutralVenue: z.boolean(),
  accessibilityNotes: z.string().nullable(),
  remoteLink: z.string().nullable(),
  chairUserId: z.string().nullable(),
  minuteTakerUserId: z.string().nullable(),
  calendar: z.object({ uid: z.string(), sequence: z.number() }),
  invitees: z.array(
    z.object({
      id: z.string(),
      userId: z.string().nullable(),
      familyTeamMemberId: z.string().nullable(),
      name: z.string(),
      attendance: z.enum(ATTENDANCE_VALUES).nullable(),
    }),
  ),
  agenda: z.array(z.object({ id: z.string(), text: z.string(), addedBy: z.string(), fromFamily: z.boolean(), addedAt: z.string() })),
  minutes: minutesSchema.nullable(),
  version: z.number(),
})

export const meetingListSchema = z.object({ items: z.array(meetingSchema) })
