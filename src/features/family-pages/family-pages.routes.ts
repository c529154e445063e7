import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { z } from 'zod'
import type { Services } from '../../composition.ts'
import { DomainRuleError } from '../../lib/errors.ts'
import { submittedText, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { requireFamily } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { familyNav, type FamilySection } from './family-episode.ts'
import { formatDateIn } from '../../lib/i18n.ts'
import { familyDisagreeHref } from '../records-history/family-dispute.routes.ts'
import { actionUpdateForm, agendaForm, beforeMeetingForm, supporterForm } from './family-pages.schemas.ts'
import { StaleFamilyEditError, type FamilyEpisodeContext } from './family-pages.service.ts'
import { actionRows, agencyKindSentence, familyKindName, meetingCard, meetingTitle, scopeText, supporterKindItems } from './family-pages.view-models.ts'
import { noticeFrom as noticeOf, withNotice } from '../../lib/notices.ts'

type EpisodeParams = { Params: { episodeId: string } }
type ActionParams = { Params: { episodeId: string; actionId: string } }
type MeetingParams = { Params: { episodeId: string; meetingId: string } }

const NOTICES: Record<string, string> = {
  'supporter-asked': 'We have sent your request. Your lead professional will talk to you about it.',
  done: 'Thank you. We have marked it as done and told the team.',
  commented: 'Thank you. The team can now see your comment.',
  'agenda-added': 'Thank you. We have added it to the agenda.',
  saved: 'Thank you. The team can now read what you want to say.',
}

/** The page's success banner, in the family member's language. */
function noticeFrom(request: FastifyRequest) {
  const notice = noticeOf(request, NOTICES)
  return notice ? { success: true, text: request.page.t(notice.text) } : undefined
}

/** The section links and the family member's own flags, for the layout. */
function navFor(request: FastifyRequest, page: FamilyEpisodeContext, current: FamilySection) {
  return familyNav(request.page.t, page.episodeId, current, { young: page.young })
}

/** Form errors with every message in the page's language. */
function translated(request: FastifyRequest, errors: FormErrors): FormErrors {
  const t = request.page.t
  return {
    errors: errors.errors.map(error => ({ ...error, text: t(error.text) })),
    fieldErrors: Object.fromEntries(Object.entries(errors.fieldErrors).map(([field, error]) => [field, { text: t(error.text) }])),
  }
}

function parse<T extends z.ZodType>(schema: T, request: FastifyRequest): { ok: true; value: z.output<T> } | { ok: false; errors: FormErrors } {
  const result = schema.safeParse(request.body ?? {})
  if (result.success) return { ok: true, value: result.data }
  return { ok: false, errors: translated(request, toFormErrors(result.error)) }
}

function ruleErrors(request: FastifyRequest, error: DomainRuleError, fallbackField: string): FormErrors {
  const field = error.field ?? fallbackField
  const text = request.page.t(error.message)
  return { errors: [{ text, href: `#${field}` }], fieldErrors: { [field]: { text } } }
}

export function registerFamilyPageRoutes(app: FastifyInstance, services: Services) {
  const service = services.familyPages
  const guard = { preHandler: requireFamily }

  // ---- the family's episodes -----------------------------------------------------------------------------------------

  app.get(paths.family.home(), guard, async (request, reply) => {
    const episodes = await service.listEpisodes(request.context())
    const only = episodes.length === 1 ? episodes[0] : undefined
    if (only) return reply.redirect(paths.family.episode(only.id), 303)
    const t = request.page.t
    return reply.render('family-pages/views/home.njk', {
      title: t('Your family’s support'),
      episodes: episodes.map(episode => ({ href: paths.family.episode(episode.id), reference: episode.reference, startedAt: episode.startedAt, closed: episode.status === 'closed' })),
    })
  })

  app.get<EpisodeParams>('/family/episodes/:episodeId', guard, async (request, reply) => {
    const data = await service.home(request.context(), request.params.episodeId)
    const t = request.page.t
    const id = data.page.episodeId
    return reply.render('family-pages/views/episode.njk', {
      title: t('Your family’s support'),
      familyNav: navFor(request, data.page, 'overview'),
      page: data.page,
      leads: data.leads.map(lead => ({ ...lead, scopeText: scopeText(t, lead.scope, data.leads.length) })),
      nextMeeting: data.nextMeeting ? meetingCard(t, request.page.language, id, data.nextMeeting) : null,
      lateActions: actionRows(t, request.page.language, id, data.lateActions),
      myOpenActions: actionRows(t, request.page.language, id, data.myOpenActions),
      lateMinutes: data.lateMinutes.map(item => ({ href: paths.family.meeting(id, item.meetingId), startsAt: item.startsAt, dueOn: item.dueOn })),
      latestMinutes: data.latestMinutes ? { href: paths.family.meeting(id, data.latestMinutes.id), startsAt: data.latestMinutes.startsAt } : null,
      links: {
        disagree: familyDisagreeHref(id),
        team: paths.family.team(id),
        plan: paths.family.plan(id),
        meetings: paths.family.meetings(id),
        story: paths.family.story(id),
        help: paths.family.help(),
      },
    })
  })

  // ---- our team ------------------------------------------------------------------------------------------------------

  app.get<EpisodeParams>('/family/episodes/:episodeId/team', guard, async (request, reply) => {
    const data = await service.team(request.context(), request.params.episodeId)
    const t = request.page.t
    return reply.render('family-pages/views/team.njk', {
      title: t('Our team'),
      familyNav: navFor(request, data.page, 'team'),
      page: data.page,
      notice: noticeFrom(request),
      leads: data.leads.map(lead => ({ ...lead, scopeText: scopeText(t, lead.scope, data.leads.length) })),
      practitioners: data.practitioners.map(person => ({ ...person, kindSentence: agencyKindSentence(t, person.agencyKind) })),
      familySide: data.familySide.map(person => ({ ...person, kindName: familyKindName(t, person.kind) })),
      askHref: paths.family.askForSupporter(data.page.episodeId),
    })
  })

  async function renderSupporterForm(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: Record<string, string>, formErrors: FormErrors | null, status = 200) {
    const data = await service.supporterForm(request.context(), request.params.episodeId)
    const t = request.page.t
    return reply.render(
      'family-pages/views/supporter.njk',
      {
        title: t('Ask for a supporter to join'),
        familyNav: navFor(request, data.page, 'team'),
        backLink: paths.family.team(data.page.episodeId),
        page: data.page,
        leadNames: data.leads.map(lead => lead.name),
        kindItems: supporterKindItems(t, values.kind),
        values,
        errors: formErrors?.errors ?? [],
        fieldErrors: formErrors?.fieldErrors ?? {},
        action: paths.family.askForSupporter(data.page.episodeId),
      },
      status,
    )
  }

  app.get<EpisodeParams>('/family/episodes/:episodeId/team/ask-for-a-supporter', guard, async (request, reply) => renderSupporterForm(request, reply, {}, null))

  app.post<EpisodeParams>('/family/episodes/:episodeId/team/ask-for-a-supporter', guard, async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = parse(supporterForm, request)
    if (!parsed.ok) return renderSupporterForm(request, reply, values, parsed.errors, 400)
    try {
      await service.askForSupporter(request.context(), request.params.episodeId, parsed.value)
    } catch (error) {
      if (error instanceof DomainRuleError) return renderSupporterForm(request, reply, values, ruleErrors(request, error, 'kind'), 422)
      throw error
    }
    return reply.redirect(withNotice(paths.family.team(request.params.episodeId), 'supporter-asked'), 303)
  })

  // ---- our plan ------------------------------------------------------------------------------------------------------

  app.get<EpisodeParams>('/family/episodes/:episodeId/plan', guard, async (request, reply) => {
    const data = await service.plan(request.context(), request.params.episodeId)
    const t = request.page.t
    const language = request.page.language
    const id = data.page.episodeId
    return reply.render('family-pages/views/plan.njk', {
      title: t('Our plan'),
      familyNav: navFor(request, data.page, 'plan'),
      page: data.page,
      needs: data.needs.map(need => ({ ...need, rows: actionRows(t, language, id, need.actions) })),
      otherRows: actionRows(t, language, id, data.otherActions),
      counts: data.counts,
      agreed: data.agreed,
      changedSinceAgreed: data.changedSinceAgreed,
    })
  })

  async function renderAction(request: FastifyRequest<ActionParams>, reply: FastifyReply, values: Record<string, string>, formErrors: FormErrors | null, status = 200) {
    const data = await service.action(request.context(), request.params.episodeId, request.params.actionId)
    const t = request.page.t
    const id = data.page.episodeId
    const [row] = actionRows(t, request.page.language, id, [data.action])
    return reply.render(
      'family-pages/views/action.njk',
      {
        title: data.action.what,
        familyNav: navFor(request, data.page, 'plan'),
        backLink: paths.family.plan(id),
        page: data.page,
        action: data.action,
        row,
        history: data.history,
        canMarkDone: data.action.mine && data.action.status !== 'done' && !data.page.closed,
        canComment: !data.page.closed,
        version: data.action.version,
        values,
        errors: formErrors?.errors ?? [],
        fieldErrors: formErrors?.fieldErrors ?? {},
        notice: noticeFrom(request),
        formAction: paths.family.action(id, data.action.id),
      },
      status,
    )
  }

  app.get<ActionParams>('/family/episodes/:episodeId/plan/actions/:actionId', guard, async (request, reply) => renderAction(request, reply, {}, null))

  app.post<ActionParams>('/family/episodes/:episodeId/plan/actions/:actionId', guard, async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = parse(actionUpdateForm, request)
    if (!parsed.ok) return renderAction(request, reply, values, parsed.errors, 400)
    try {
      const result = await service.updateAction(request.context(), request.params.episodeId, request.params.actionId, parsed.value)
      return reply.redirect(withNotice(paths.family.action(request.params.episodeId, request.params.actionId.toLowerCase()), result), 303)
    } catch (error) {
      if (error instanceof StaleFamilyEditError) {
        const text = request.page.t('Someone changed this action after you opened the page. Check how it is now, then send your comment again. We have kept what you wrote.')
        return renderAction(request, reply, { comment: values.comment ?? '' }, { errors: [{ text, href: '#comment' }], fieldErrors: { comment: { text } } }, 409)
      }
      if (error instanceof DomainRuleError) return renderAction(request, reply, values, ruleErrors(request, error, 'comment'), 422)
      throw error
    }
  })

  // ---- meetings ------------------------------------------------------------------------------------------------------

  app.get<EpisodeParams>('/family/episodes/:episodeId/meetings', guard, async (request, reply) => {
    const data = await service.meetings(request.context(), request.params.episodeId)
    const t = request.page.t
    const language = request.page.language
    const id = data.page.episodeId
    return reply.render('family-pages/views/meetings.njk', {
      title: t('Meetings'),
      familyNav: navFor(request, data.page, 'meetings'),
      page: data.page,
      upcoming: data.upcoming.map(meeting => meetingCard(t, language, id, meeting)),
      past: data.past.map(meeting => meetingCard(t, language, id, meeting)),
    })
  })

  async function renderMeeting(request: FastifyRequest<MeetingParams>, reply: FastifyReply, values: Record<string, string>, formErrors: FormErrors | null, status = 200) {
    const data = await service.meeting(request.context(), request.params.episodeId, request.params.meetingId)
    const t = request.page.t
    const language = request.page.language
    const id = data.page.episodeId
    return reply.render(
      'family-pages/views/meeting.njk',
      {
        title: meetingTitle(t, language, data.meeting),
        familyNav: navFor(request, data.page, 'meetings'),
        backLink: paths.family.meetings(id),
        page: data.page,
        meeting: meetingCard(t, language, id, data.meeting),
        invitees: data.invitees,
        agenda: data.agenda,
        minutes: data.minutes,
        actionRows: actionRows(t, language, id, data.actions),
        myView: data.myView,
        canAdd: data.canAdd,
        myDisputes: data.myDisputes.map(item => ({ when: request.page.t('You told us on {date}:', { date: formatDateIn(request.page.language, item.at) }), statement: item.statement })),
        disagreeHref: familyDisagreeHref(id, `meeting_minutes|${data.meeting.id}`),
        agendaAction: paths.family.agendaItem(id, data.meeting.id),
        whatIWantToSay: paths.family.whatIWantToSay(id, data.meeting.id),
        calendarHref: paths.family.meetingCalendar(id, data.meeting.id),
        values,
        errors: formErrors?.errors ?? [],
        fieldErrors: formErrors?.fieldErrors ?? {},
        notice: noticeFrom(request),
      },
      status,
    )
  }

  app.get<MeetingParams>('/family/episodes/:episodeId/meetings/:meetingId', guard, async (request, reply) => renderMeeting(request, reply, {}, null))

  app.get<MeetingParams>('/family/episodes/:episodeId/meetings/:meetingId/calendar.ics', guard, async (request, reply) => {
    const text = await service.calendar(request.context(), request.params.episodeId, request.params.meetingId, request.page.language)
    return reply
      .type('text/calendar; charset=utf-8')
      .header('content-disposition', 'attachment; filename="meeting.ics"')
      .header('x-content-type-options', 'nosniff')
      .send(text)
  })

  app.post<MeetingParams>('/family/episodes/:episodeId/meetings/:meetingId/agenda', guard, async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = parse(agendaForm, request)
    if (!parsed.ok) return renderMeeting(request, reply, values, parsed.errors, 400)
    try {
      await service.addAgendaItem(request.context(), request.params.episodeId, request.params.meetingId, parsed.value)
    } catch (error) {
      if (error instanceof DomainRuleError) return renderMeeting(request, reply, values, ruleErrors(request, error, 'text'), 422)
      throw error
    }
    return reply.redirect(withNotice(paths.family.meeting(request.params.episodeId, request.params.meetingId.toLowerCase()), 'agenda-added') + '#agenda', 303)
  })

  async function renderBeforeMeeting(request: FastifyRequest<MeetingParams>, reply: FastifyReply, values: Record<string, string> | null, formErrors: FormErrors | null, status = 200) {
    const data = await service.beforeMeeting(request.context(), request.params.episodeId, request.params.meetingId)
    const t = request.page.t
    const language = request.page.language
    const id = data.page.episodeId
    return reply.render(
      'family-pages/views/what-i-want-to-say.njk',
      {
        title: t('What I want to say'),
        familyNav: navFor(request, data.page, 'meetings'),
        backLink: paths.family.meeting(id, data.meeting.id),
        page: data.page,
        meeting: meetingCard(t, language, id, data.meeting),
        view: data.view,
        canEdit: data.canEdit,
        values: values ?? { goingWell: data.view?.goingWell ?? '', worrying: data.view?.worrying ?? '', wouldLike: data.view?.wouldLike ?? '' },
        version: data.view?.version ?? 0,
        errors: formErrors?.errors ?? [],
        fieldErrors: formErrors?.fieldErrors ?? {},
        formAction: paths.family.whatIWantToSay(id, data.meeting.id),
      },
      status,
    )
  }

  app.get<MeetingParams>('/family/episodes/:episodeId/meetings/:meetingId/what-i-want-to-say', guard, async (request, reply) => renderBeforeMeeting(request, reply, null, null))

  app.post<MeetingParams>('/family/episodes/:episodeId/meetings/:meetingId/what-i-want-to-say', guard, async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = parse(beforeMeetingForm, request)
    if (!parsed.ok) return renderBeforeMeeting(request, reply, values, parsed.errors, 400)
    try {
      await service.saveBeforeMeeting(request.context(), request.params.episodeId, request.params.meetingId, parsed.value)
    } catch (error) {
      if (error instanceof StaleFamilyEditError) {
        const text = request.page.t('You changed this on another page or device after you opened this one. Check what is saved now, then save again. We have kept what you wrote.')
        return renderBeforeMeeting(request, reply, values, { errors: [{ text, href: '#goingWell' }], fieldErrors: { goingWell: { text } } }, 409)
      }
      if (error instanceof DomainRuleError) return renderBeforeMeeting(request, reply, values, ruleErrors(request, error, 'goingWell'), 422)
      throw error
    }
    return reply.redirect(withNotice(paths.family.meeting(request.params.episodeId, request.params.meetingId.toLowerCase()), 'saved'), 303)
  })
}
