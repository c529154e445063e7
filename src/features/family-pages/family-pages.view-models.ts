import type { FamilyTeamMemberKind } from '../../db/schema.ts'
import { formatDateIn, formatDateTimeIn, type Language, type Translate } from '../../lib/i18n.ts'
import { paths } from '../../paths.ts'
import type { ActionView, MeetingSummary } from './family-pages.service.ts'

// Pure functions from the family service's data to what the family's templates show, in the page's language.

/** What each kind of agency does, in plain words (the agency's own description is shown beside it). */
const AGENCY_KIND_SENTENCES: Record<string, string> = {
  school: 'A school teaches children. Staff can help with learning, behaviour and getting to school.',
  early_years: 'A nursery or pre-school looks after young children and helps them learn and play.',
  health_visiting: 'Health visitors are nurses who help families with babies and young children.',
  school_nursing: 'School nurses help children and young people stay healthy.',
  gp_practice: 'Your doctor’s surgery looks after your family’s health.',
  camhs: 'This service helps children and young people with their feelings and mental health.',
  hospital: 'A hospital gives health care and treatment.',
  social_care_front_door: 'This team decides how children’s services can help when someone is worried about a child.',
  police: 'The police help keep people safe.',
  housing: 'This service helps with your home and where you live.',
  youth_service: 'A youth service runs clubs and support for young people.',
  voluntary: 'A charity or community group that helps families.',
  parent_advice: 'A parent advice service gives free advice to parents and can come to meetings with you.',
  adult_services: 'This service helps adults who need care or support.',
  other: 'A service that helps your family.',
}

export function agencyKindSentence(t: Translate, kind: string | null): string | null {
  if (!kind) return null
  const sentence = AGENCY_KIND_SENTENCES[kind] ?? AGENCY_KIND_SENTENCES.other
  return sentence ? t(sentence) : null
}

const FAMILY_KINDS: Record<FamilyTeamMemberKind, string> = {
  family_member: 'Family member',
  advocate: 'Advocate',
  parent_advice: 'Parent advice service',
  friend: 'Friend or relative',
  other_supporter: 'Supporter',
}

export function familyKindName(t: Translate, kind: FamilyTeamMemberKind): string {
  return t(FAMILY_KINDS[kind])
}

export function scopeText(t: Translate, scope: 'whole_family' | 'adults' | 'children', leadCount: number): string {
  if (leadCount <= 1 && scope === 'whole_family') return t('Your lead professional')
  if (scope === 'adults') return t('Lead professional for the adults')
  if (scope === 'children') return t('Lead professional for the children')
  return t('Lead professional for the whole family')
}

export function supporterKindItems(t: Translate, chosen: string | undefined) {
  return [
    { value: 'advocate', text: t('An advocate'), hint: { text: t('Someone whose job is to help you say what you think and make sure you are heard.') } },
    { value: 'friend', text: t('A friend or relative'), hint: { text: t('Someone you know and trust.') } },
    { value: 'parent_advice', text: t('A parent advice service'), hint: { text: t('Free, independent advice for parents. They can come to meetings with you.') } },
    { value: 'other_supporter', text: t('Someone else') },
  ].map(item => ({ ...item, checked: item.value === chosen }))
}

const STATUS_TAGS: Record<string, { text: string; classes: string }> = {
  done: { text: 'Done', classes: 'govuk-tag--green' },
  late: { text: 'Late', classes: 'govuk-tag--red' },
  not_started: { text: 'Not started', classes: 'govuk-tag--grey' },
  in_progress: { text: 'Started', classes: 'govuk-tag--blue' },
  not_done: { text: 'Not done', classes: 'govuk-tag--orange' },
}

export function statusTag(t: Translate, action: Pick<ActionView, 'status' | 'late'>) {
  const tag = STATUS_TAGS[action.late ? 'late' : action.status] ?? { text: action.status, classes: 'govuk-tag--grey' }
  return { text: t(tag.text), classes: tag.classes }
}

export type ActionRow = {
  id: string
  href: string
  what: string
  who: string
  mine: boolean
  dueText: string
  late: boolean
  tag: { text: string; classes: string }
}

export function actionRows(t: Translate, language: Language, episodeId: string, actions: ActionView[]): ActionRow[] {
  return actions.map(action => ({
    id: action.id,
    href: paths.family.action(episodeId, action.id),
    what: action.what,
    who: action.mine ? t('You') : action.ownerName,
    mine: action.mine,
    dueText:
      action.status === 'done' && action.completedOn
        ? t('Done on {date}', { date: formatDateIn(language, action.completedOn) })
        : action.late
          ? t('Was due by {date}', { date: formatDateIn(language, action.dueOn) })
          : t('By {date}', { date: formatDateIn(language, action.dueOn) }),
    late: action.late,
    tag: statusTag(t, action),
  }))
}

const PURPOSES = { first_team_meeting: 'First team meeting', team_meeting: 'Team meeting', review: 'Review meeting' } as const

export function meetingTitle(t: Translate, language: Language, meeting: Pick<MeetingSummary, 'purpose' | 'startsAt'>): string {
  return t('{purpose} on {date}', { purpose: t(PURPOSES[meeting.purpose]), date: formatDateIn(language, meeting.startsAt) })
}

const timeFormats: Record<Language, Intl.DateTimeFormat> = {
  en: new Intl.DateTimeFormat('en-GB', { hour: 'numeric', minute: '2-digit', hourCycle: 'h12', timeZone: 'Europe/London' }),
  cy: new Intl.DateTimeFormat('cy-GB', { hour: 'numeric', minute: '2-digit', hour12: false, timeZone: 'Europe/London' }),
}

export type MeetingCard = {
  id: string
  href: string
  title: string
  when: string
  venueName: string | null
  venueAddress: string | null
  neutralVenue: boolean
  accessibilityNotes: string | null
  remoteLink: string | null
  cancelled: boolean
  cancelReason: string | null
  upcoming: boolean
  minutesReady: boolean
  minutesLate: boolean
  minutesText: string | null
}

export function meetingCard(t: Translate, language: Language, episodeId: string, meeting: MeetingSummary): MeetingCard {
  const when = t('{start} to {end}', { start: formatDateTimeIn(language, meeting.startsAt), end: timeFormats[language].format(meeting.endsAt).replace(' ', '') })
  let minutesText: string | null = null
  if (meeting.status === 'cancelled') minutesText = null
  else if (meeting.minutesReady) minutesText = t('The minutes are ready to read.')
  else if (meeting.minutesLate && meeting.minutesDueOn) minutesText = t('The minutes are late. They were due on {date}.', { date: formatDateIn(language, meeting.minutesDueOn) })
  else if (!meeting.upcoming && meeting.minutesDueOn) minutesText = t('The minutes are being written. They are due by {date}.', { date: formatDateIn(language, meeting.minutesDueOn) })
  return {
    id: meeting.id,
    href: paths.family.meeting(episodeId, meeting.id),
    title: meetingTitle(t, language, meeting),
    when,
    venueName: meeting.venueName,
    venueAddress: meeting.venueAddress,
    neutralVenue: meeting.neutralVenue,
    accessibilityNotes: meeting.accessibilityNotes,
    remoteLink: safeLink(meeting.remoteLink),
    cancelled: meeting.status === 'cancelled',
    cancelReason: meeting.cancelReason,
    upcoming: meeting.upcoming,
    minutesReady: meeting.minutesReady,
    minutesLate: meeting.minutesLate,
    minutesText,
  }
}

/** Only http(s) links become links; anything else is shown as text by the template. */
function safeLink(link: string | null): string | null {
  if (!link) return null
  return /^https?:\/\//i.test(link) ? link : null
}
