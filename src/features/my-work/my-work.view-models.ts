import { formatDate, formatDateTime } from '../../plugins/views.ts'
import { paths } from '../../paths.ts'
import { LOOK_AHEAD_DAYS, type Dashboard, type MyWork } from './my-work.service.ts'

export type WorkItem = { text: string; href: string; context: string; dueText: string | null; tag: { text: string; classes: string } | null }

const OVERDUE = { text: 'Overdue', classes: 'govuk-tag--red' }
const DUE_SOON = { text: 'Due soon', classes: 'govuk-tag--yellow' }

function dueTag(overdue: boolean, dueOn: string, today: string) {
  if (overdue) return OVERDUE
  const days = (Date.parse(dueOn) - Date.parse(today)) / 86_400_000
  return days <= 2 ? DUE_SOON : null
}

const OWED_AS = { minute_taker: 'You are taking the minutes', chair: 'You chaired: approve and circulate them', lead_professional: 'You are the lead professional' }

/** The sections of the home page, each a short list of things to do that links to where it is done. */
export function myWorkSections(work: MyWork) {
  const handovers: WorkItem[] = work.handovers.map(item => ({
    text: `Acknowledge the handover from ${item.fromName}`,
    href: item.href,
    context: `${item.reference} · lead professional for ${item.scopeName}`,
    dueText: `asked on ${formatDate(item.requestedAt)}`,
    tag: { text: 'Waiting for you', classes: 'govuk-tag--blue' },
  }))
  const actions: WorkItem[] = work.actions.map(item => ({
    text: item.what,
    href: item.href,
    context: item.reference,
    dueText: item.overdue ? `was due on ${formatDate(item.dueOn)}` : `due on ${formatDate(item.dueOn)}`,
    tag: dueTag(item.overdue, item.dueOn, work.today),
  }))
  const minutes: WorkItem[] = work.minutes.map(item => ({
    text: `Minutes of the meeting on ${formatDate(item.meetingStartsAt)}`,
    href: item.href,
    context: `${item.episodeReference} · ${item.owedAs ? OWED_AS[item.owedAs] : ''}`,
    dueText: item.overdue ? `were due on ${formatDate(item.dueOn)}` : `due on ${formatDate(item.dueOn)}`,
    tag: dueTag(item.overdue, item.dueOn, work.today),
  }))
  const reviews: WorkItem[] = work.reviews.map(item => ({
    text: `Review the plan for ${item.reference}`,
    href: paths.reviews.list(item.episodeId),
    context: item.lastReviewOn ? `last reviewed on ${formatDate(item.lastReviewOn)}` : 'not reviewed yet',
    dueText: item.overdue ? `was due on ${formatDate(item.dueOn)}` : `due on ${formatDate(item.dueOn)}`,
    tag: dueTag(item.overdue, item.dueOn, work.today),
  }))
  const meetings: WorkItem[] = work.meetings.map(item => ({
    text: `Team meeting, ${formatDateTime(item.startsAt)}`,
    href: item.href,
    context: `${item.episodeReference} · ${item.venueName ?? (item.remoteLink ? 'online' : 'venue to be confirmed')}`,
    dueText: null,
    tag: null,
  }))
  const contributions: WorkItem[] = work.contributions.map(item => ({
    text: `Contribute to the assessment for ${item.reference}`,
    href: paths.assessments.overview(item.episodeId),
    context: `${item.elementCount} ${item.elementCount === 1 ? 'element' : 'elements'}${item.invitedByName ? `, asked by ${item.invitedByName}` : ''}`,
    dueText: `asked on ${formatDate(item.invitedAt)}`,
    tag: null,
  }))
  const withoutLead: WorkItem[] = work.withoutLead.map(item => ({
    text: `Appoint a lead professional for ${item.reference}`,
    href: paths.team.show(item.episodeId),
    context: 'The family has no single point of contact yet',
    dueText: null,
    tag: { text: 'No lead professional', classes: 'govuk-tag--orange' },
  }))
  const overdueCount = [...work.actions, ...work.minutes, ...work.reviews].filter(item => item.overdue).length
  return {
    overdueCount,
    sections: [
      { id: 'handovers', heading: 'Handovers waiting for you', items: handovers, empty: null },
      { id: 'actions', heading: 'Your actions', items: actions, empty: `You have no actions due in the next ${LOOK_AHEAD_DAYS} days.` },
      { id: 'minutes', heading: 'Minutes you owe', items: minutes, empty: 'You owe no minutes.' },
      { id: 'reviews', heading: 'Reviews due on episodes you lead', items: reviews, empty: `No reviews are due in the next ${LOOK_AHEAD_DAYS} days.` },
      { id: 'meetings', heading: `Your meetings in the next ${LOOK_AHEAD_DAYS} days`, items: meetings, empty: `You have no meetings in the next ${LOOK_AHEAD_DAYS} days.` },
      { id: 'contributions', heading: 'Assessments you were asked to contribute to', items: contributions, empty: null },
      { id: 'no-lead', heading: 'Episodes with no lead professional', items: withoutLead, empty: null },
    ].filter(section => section.items.length > 0 || section.empty !== null),
  }
}

export function dashboardSections(dashboard: Dashboard) {
  return [
    {
      id: 'no-lead',
      heading: 'No lead professional',
      hint: `Episodes in support with no lead professional for ${dashboard.noLeadAlertDays} days or more.`,
      items: dashboard.withoutLead.map(item => ({
        text: item.reference,
        href: item.href,
        context: item.neverHadLead ? 'No lead has been appointed' : 'The last lead professional’s period ended',
        dueText: `${item.daysWithoutLead} ${item.daysWithoutLead === 1 ? 'day' : 'days'} without a lead, since ${formatDate(item.noLeadSince)}`,
        tag: { text: 'No lead professional', classes: 'govuk-tag--red' },
      })),
      empty: 'Every episode in support has a lead professional.',
    },
    {
      id: 'overdue-minutes',
      heading: 'Overdue minutes',
      hint: 'Minutes not yet circulated after their due date.',
      items: dashboard.overdueMinutes.map(item => ({
        text: item.message ?? `Minutes of ${formatDate(item.meetingStartsAt)}`,
        href: item.href,
        context: item.episodeReference,
        dueText: null,
        tag: OVERDUE,
      })),
      empty: 'No minutes are overdue.',
    },
    {
      id: 'overdue-reviews',
      heading: 'Overdue reviews',
      hint: 'Episodes whose review date has passed.',
      items: dashboard.overdueReviews.map(item => ({
        text: item.reference,
        href: paths.reviews.list(item.episodeId),
        context: item.lastReviewOn ? `last reviewed on ${formatDate(item.lastReviewOn)}` : 'not reviewed yet',
        dueText: `was due on ${formatDate(item.dueOn)} (${item.daysOverdue} ${item.daysOverdue === 1 ? 'day' : 'days'} ago)`,
        tag: OVERDUE,
      })),
      empty: 'No reviews are overdue.',
    },
    {
      id: 'closures',
      heading: 'Closures waiting for a manager',
      hint: 'Closures the authority asks a manager to approve.',
      items: dashboard.closuresAwaitingApproval.map(item => ({
        text: item.reference,
        href: paths.reviews.close(item.episodeId),
        context: item.requestedByName ? `asked by ${item.requestedByName}` : '',
        dueText: `on ${formatDate(item.requestedAt)}`,
        tag: null,
      })),
      empty: 'No closures are waiting.',
    },
  ]
}
