import type { Db } from '../../db/database.ts'
import type { MinutesStatus } from '../../db/schema.ts'
import { paths } from '../../paths.ts'
import { ukDateOf } from '../../lib/dates.ts'
import { readEarlyHelpSettings } from '../team/early-help-settings.ts'
import { ENGLAND_AND_WALES_BANK_HOLIDAYS } from './bank-holidays.ts'
import { workingDaysAfter } from './working-days.ts'

// Deadlines and task lists for meetings, for "my work", the coordinator's dashboard and the family: when minutes are
// due, which are late, which a practitioner owes, and which meetings are coming up. Each takes the database (or the
// caller's transaction) and filters by authority; callers do their own access check and audit.

export { workingDaysAfter } from './working-days.ts'

/** The England and Wales bank holidays shipped with OneStory plus those the authority's administrators added. */
export async function loadBankHolidays(db: Db, authorityId: string): Promise<Set<string>> {
  const added = await db.selectFrom('bankHolidays').select('holidayOn').where('authorityId', '=', authorityId).execute()
  return new Set([...ENGLAND_AND_WALES_BANK_HOLIDAYS.map(holiday => holiday.date), ...added.map(row => String(row.holidayOn))])
}

/** When the minutes of a meeting starting at `startsAt` are due: the authority's number of working days after its UK date. */
export async function minutesDueOn(db: Db, authorityId: string, startsAt: Date): Promise<string> {
  const settings = await readEarlyHelpSettings(db, authorityId)
  return workingDaysAfter(ukDateOf(startsAt), settings.minutesDueWorkingDays, await loadBankHolidays(db, authorityId))
}

const dayMonth = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', timeZone: 'Europe/London' })
const dayMonthYear = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' })

/**
 * What families and practitioners read about late minutes: "The minutes of 3 March are late. They were due on 10 March."
 * The year is added when the dates are not in the same year as `today`.
 */
export function lateMinutesMessage(meetingStartsAt: Date, dueOn: string, today: string): string {
  const due = new Date(`${dueOn}T12:00:00Z`)
  const sameYear = ukDateOf(meetingStartsAt).slice(0, 4) === today.slice(0, 4) && dueOn.slice(0, 4) === today.slice(0, 4)
  const format = sameYear ? dayMonth : dayMonthYear
  return `The minutes of ${format.format(meetingStartsAt)} are late. They were due on ${format.format(due)}.`
}

export type MinutesTask = {
  meetingId: string
  episodeId: string
  episodeReference: string
  meetingStartsAt: Date
  dueOn: string
  status: MinutesStatus
  minuteTakerUserId: string | null
  chairUserId: string | null
  overdue: boolean
  /** What this person has to do: write them (the minute-taker), approve them (the chair), or see that they come (the lead). */
  owedAs: 'minute_taker' | 'chair' | 'lead_professional' | null
  message: string | null
  href: string
}

function todayOf(today: Date | string): string {
  return typeof today === 'string' ? today : ukDateOf(today)
}

function openMinutes(db: Db, authorityId: string) {
  return db
    .selectFrom('meetingMinutes')
    .innerJoin('meetings', join => join.onRef('meetings.authorityId', '=', 'meetingMinutes.authorityId').onRef('meetings.id', '=', 'meetingMinutes.meetingId'))
    .innerJoin('episodes', join => join.onRef('episodes.authorityId', '=', 'meetings.authorityId').onRef('episodes.id', '=', 'meetings.episodeId'))
    .select([
      'meetings.id as meetingId',
      'meetings.episodeId',
      'episodes.reference as episodeReference',
      'meetings.startsAt as meetingStartsAt',
      'meetingMinutes.dueOn',
      'meetingMinutes.status',
      'meetings.minuteTakerUserId',
      'meetings.chairUserId',
    ])
    .where('meetingMinutes.authorityId', '=', authorityId)
    .where('meetingMinutes.status', '<>', 'circulated')
    .where('meetings.status', '<>', 'cancelled')
    .where('episodes.status', '<>', 'closed')
}

type OpenMinutesRow = {
  meetingId: string
  episodeId: string
  episodeReference: string
  meetingStartsAt: Date
  dueOn: string
  status: MinutesStatus
  minuteTakerUserId: string | null
  chairUserId: string | null
}

function task(row: OpenMinutesRow, today: string, owedAs: MinutesTask['owedAs']): MinutesTask {
  const dueOn = String(row.dueOn)
  const overdue = dueOn < today
  return {
    ...row,
    dueOn,
    overdue,
    owedAs,
    message: overdue ? lateMinutesMessage(row.meetingStartsAt, dueOn, today) : null,
    // The chair goes straight to the approval page; everyone else to the minutes.
    href: owedAs === 'chair' ? paths.meetings.approveMinutes(row.episodeId, row.meetingId) : paths.meetings.minutes(row.episodeId, row.meetingId),
  }
}

/**
 * The authority's minutes (or, with `episodeId`, one episode's) past their due date and not yet circulated (meetings not
 * cancelled, episodes open), oldest due first.
 */
export async function listOverdueMinutes(db: Db, authorityId: string, today: Date | string, options: { episodeId?: string } = {}): Promise<MinutesTask[]> {
  const day = todayOf(today)
  let query = openMinutes(db, authorityId).where('meetingMinutes.dueOn', '<', day)
  if (options.episodeId) query = query.where('meetings.episodeId', '=', options.episodeId)
  const rows = await query.orderBy('meetingMinutes.dueOn').orderBy('meetings.startsAt').execute()
  return rows.map(row => task(row, day, null))
}

/**
 * Minutes a practitioner owes, for meetings that have started: as minute-taker (drafts), as chair (awaiting their
 * approval), or as a lead professional of the episode (any not circulated, so nothing is forgotten). Each once,
 * overdue first, then by due date.
 */
export async function listMinutesOwedBy(db: Db, authorityId: string, userId: string, today: Date | string): Promise<MinutesTask[]> {
  const day = todayOf(today)
  const now = typeof today === 'string' ? new Date(`${today}T23:59:59Z`) : today
  const leads = await db.selectFrom('leadProfessionals').select('episodeId').where('authorityId', '=', authorityId).where('userId', '=', userId).where('endedAt', 'is', null).execute()
  const leadEpisodes = new Set(leads.map(row => row.episodeId))
  const rows = await openMinutes(db, authorityId)
    .where('meetings.startsAt', '<=', now)
    .where(eb =>
      eb.or([
        eb('meetings.minuteTakerUserId', '=', userId),
        eb('meetings.chairUserId', '=', userId),
        ...(leadEpisodes.size > 0 ? [eb('meetings.episodeId', 'in', [...leadEpisodes])] : []),
      ]),
    )
    .orderBy('meetingMinutes.dueOn')
    .execute()
  const tasks = rows.map(row => {
    const owedAs: MinutesTask['owedAs'] =
      row.status === 'awaiting_approval' && row.chairUserId === userId
        ? 'chair'
        : row.status !== 'awaiting_approval' && row.minuteTakerUserId === userId
          ? 'minute_taker'
          : leadEpisodes.has(row.episodeId)
            ? 'lead_professional'
            : null
    return task(row, day, owedAs)
  })
  return tasks.filter(item => item.owedAs !== null).sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.dueOn.localeCompare(b.dueOn))
}

export type UpcomingMeeting = {
  meetingId: string
  episodeId: string
  episodeReference: string
  startsAt: Date
  endsAt: Date
  venueName: string | null
  remoteLink: string | null
  href: string
}

/** Scheduled meetings a practitioner is invited to, starting from `from` up to `days` days later, soonest first. */
export async function listUpcomingMeetingsFor(db: Db, authorityId: string, userId: string, from: Date, days: number): Promise<UpcomingMeeting[]> {
  const until = new Date(from.getTime() + days * 86_400_000)
  const rows = await db
    .selectFrom('meetings')
    .innerJoin('meetingInvitees', join =>
      join.onRef('meetingInvitees.authorityId', '=', 'meetings.authorityId').onRef('meetingInvitees.meetingId', '=', 'meetings.id'),
    )
    .innerJoin('episodes', join => join.onRef('episodes.authorityId', '=', 'meetings.authorityId').onRef('episodes.id', '=', 'meetings.episodeId'))
    .select([
      'meetings.id as meetingId',
      'meetings.episodeId',
      'episodes.reference as episodeReference',
      'meetings.startsAt',
      'meetings.endsAt',
      'meetings.venueName',
      'meetings.remoteLink',
    ])
    .where('meetings.authorityId', '=', authorityId)
    .where('meetings.status', '=', 'scheduled')
    .where('meetings.startsAt', '>=', from)
    .where('meetings.startsAt', '<', until)
    .where('meetingInvitees.userId', '=', userId)
    .where('meetingInvitees.removedAt', 'is', null)
    .where('episodes.status', '<>', 'closed')
    .orderBy('meetings.startsAt')
    .execute()
  return rows.map(row => ({ ...row, href: paths.meetings.show(row.episodeId, row.meetingId) }))
}
