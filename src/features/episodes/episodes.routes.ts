import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../composition.ts'
import { DomainRuleError } from '../../lib/errors.ts'
import { singleError, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { requireAction, requireSignedIn } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { formatDate } from '../../plugins/views.ts'
import {
  checklistForm,
  consentForm,
  contactsForm,
  referralForm,
  referralOutcomeForm,
  startForm,
  startQuery,
  withdrawForm,
} from './episodes.schemas.ts'
import { episodeNav, type EpisodeSummary } from './episode-summary.ts'
import { StaleEpisodeEditError, type ChecklistRecord, type EpisodeDetail } from './episodes.service.ts'
import {
  ANSWER_NAMES,
  agencyKindItems,
  birthText,
  checklistQuestionsView,
  consentPurposes,
  consentRows,
  contactsView,
  episodeListRows,
  OUTCOME_NAMES,
  personName,
  referralRows,
  statusTag,
  submitted,
  taskListItems,
} from './episodes.view-models.ts'
import { noticeFrom, withNotice } from '../../lib/notices.ts'

type EpisodeParams = { Params: { episodeId: string } }
type Values = Record<string, string | string[]>

const NOTICES: Record<string, string> = {
  started: 'The episode has been started. You are its owner.',
  'started-no-template': 'The episode has been started. No assessment template is installed for your authority yet, so the standard checklist questions will be used. Ask your administrator to install the assessment templates.',
  checklist: 'The checklist has been saved.',
  referral: 'The referral has been recorded and the episode is flagged for safeguarding.',
  'referral-outcome': 'The outcome of the referral has been saved.',
  consent: 'Consent has been recorded.',
  refused: 'The refusal has been recorded. The episode has ended with the outcome “consent refused”.',
  withdrawn: 'The withdrawal has been recorded and takes effect now.',
  contacts: 'The safeguarding contacts have been saved.',
  moved: 'The episode has moved to the new locality. Its coordinators can now see it; those of the old locality no longer can.',
}

/** A rule broken or a stale version: shown on the form; anything else propagates. */
async function attempt<T>(work: () => Promise<T>): Promise<{ ok: T } | { failure: DomainRuleError | StaleEpisodeEditError<unknown> }> {
  try {
    return { ok: await work() }
  } catch (error) {
    if (error instanceof DomainRuleError || error instanceof StaleEpisodeEditError) return { failure: error }
    throw error
  }
}

function failureErrors(failure: DomainRuleError | StaleEpisodeEditError<unknown>, staleField = 'main-content'): FormErrors {
  if (failure instanceof StaleEpisodeEditError) return singleError(staleField, `${failure.message}. What is saved now is shown below: check your answers and save again`)
  return singleError(failure.field ?? 'main-content', failure.message)
}

/** What every episode page shows about the episode at the top. */
function episodeSummaryOf(detail: EpisodeDetail): EpisodeSummary {
  const { episode } = detail
  return {
    id: episode.id,
    reference: episode.reference,
    scope: episode.scope,
    status: episode.status,
    householdId: episode.householdId,
    safeguardingFlag: episode.safeguardingFlag,
    children: detail.people.filter(person => person.role === 'child').map(person => ({ personId: person.id, name: personName(person), dateOfBirth: person.dateOfBirth })),
    adults: detail.people.filter(person => person.role === 'adult').map(person => ({ personId: person.id, name: personName(person) })),
  }
}

function episodeHeader(detail: EpisodeDetail) {
  const children = detail.people.filter(person => person.role === 'child')
  return {
    episodeId: detail.episode.id,
    reference: detail.episode.reference,
    childrenNames: children.map(personName).join(', '),
    safeguardingFlag: detail.episode.safeguardingFlag,
    referralCount: detail.referrals.length,
    safeguardingHref: paths.episodes.safeguarding(detail.episode.id),
    showHref: paths.episodes.show(detail.episode.id),
  }
}

/** Episodes of early help: start, the episode page, checklist, safeguarding path, consent, and the contacts page. */
export function registerEpisodeRoutes(app: FastifyInstance, services: Services) {
  const { episodes, auth } = services
  const signedIn = { preHandler: requireSignedIn(auth) }

  // ---- my episodes ---------------------------------------------------------------------------------------------

  app.get(paths.episodes.list(), signedIn, async (request, reply) => {
    const items = await episodes.listMine(request.context())
    return reply.render('episodes/views/list.njk', { title: 'My episodes', rows: episodeListRows(items), count: items.length })
  })

  // ---- start ---------------------------------------------------------------------------------------------------

  async function renderStart(request: FastifyRequest, reply: FastifyReply, query: { personId?: string | undefined; householdId?: string | undefined }, values: Values, formErrors?: FormErrors, status?: number) {
    const choice = await episodes.startChoice(request.context(), query)
    const chosenChildren = Array.isArray(values.childIds) ? values.childIds : values.childIds ? [values.childIds] : null
    const chosenAdults = Array.isArray(values.adultIds) ? values.adultIds : values.adultIds ? [values.adultIds] : null
    return reply.render(
      'episodes/views/start.njk',
      {
        title: choice.household ? `Start an episode for the ${choice.household.name} family` : `Start an episode for ${choice.person ? personName(choice.person) : ''}`,
        backLink: paths.episodes.list(),
        action: paths.episodes.start(),
        person: choice.person ? { id: choice.person.id, name: personName(choice.person), born: birthText(choice.person) } : null,
        household: choice.household,
        childItems: choice.members.map(member => ({
          value: member.id,
          text: personName(member),
          hint: { text: birthText(member) },
          checked: chosenChildren ? chosenChildren.includes(member.id) : member.likelyChild,
        })),
        adultItems: choice.members.map(member => ({
          value: member.id,
          text: personName(member),
          hint: { text: birthText(member) },
          checked: chosenAdults ? chosenAdults.includes(member.id) : !member.likelyChild,
        })),
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get(paths.episodes.start(), signedIn, async (request, reply) => {
    const query = startQuery.safeParse(request.query ?? {})
    if (!query.success || (!query.data.personId && !query.data.householdId)) {
      return reply.render('episodes/views/start-from.njk', { title: 'Start an episode of early help', backLink: paths.episodes.list() }, query.success ? 200 : 400)
    }
    return renderStart(request, reply, query.data, {})
  })

  app.post(paths.episodes.start(), signedIn, async (request, reply) => {
    const values = submitted(request.body)
    const parsed = startForm.safeParse(request.body)
    const query = { personId: typeof values.personId === 'string' ? values.personId : undefined, householdId: typeof values.householdId === 'string' ? values.householdId : undefined }
    const subjectKnown = startQuery.safeParse({ personId: query.personId ?? '', householdId: query.householdId ?? '' })
    if (!parsed.success) {
      if (!subjectKnown.success || (!query.personId && !query.householdId)) {
        return reply.render('episodes/views/start-from.njk', { title: 'Start an episode of early help', backLink: paths.episodes.list(), ...toFormErrors(parsed.error) }, 400)
      }
      return renderStart(request, reply, subjectKnown.data, values, toFormErrors(parsed.error))
    }
    const result = await attempt(() => episodes.start(request.context(), parsed.data))
    if ('failure' in result) return renderStart(request, reply, parsed.data, values, failureErrors(result.failure), 400)
    return reply.redirect(withNotice(paths.episodes.show(result.ok.id), result.ok.templateMissing ? 'started-no-template' : 'started'), 303)
  })

  // ---- the episode page ----------------------------------------------------------------------------------------

  app.get<EpisodeParams>('/episodes/:episodeId', signedIn, async (request, reply) => {
    const detail = await episodes.view(request.context(), request.params.episodeId)
    const { episode } = detail
    return reply.render('episodes/views/show.njk', {
      title: `Episode ${episode.reference}`,
      notice: noticeFrom(request, NOTICES),
      header: episodeHeader(detail),
      episodeNav: { ...episodeNav(episodeSummaryOf(detail), 'overview', { panels: detail.panels.mayList }), safeguardingFlag: false },
      status: statusTag(episode.status, episode.outcome),
      closed: episode.status === 'closed',
      scope: episode.scope,
      householdName: episode.householdName,
      // Each person links to their own record (details, household, history, identity protection, subject access).
      children: detail.people.filter(person => person.role === 'child').map(person => ({ name: personName(person), born: birthText(person), href: paths.people.show(person.id) })),
      adults: detail.people.filter(person => person.role === 'adult').map(person => ({ name: personName(person), born: birthText(person), href: paths.people.show(person.id) })),
      summaryRows: [
        { key: { text: 'Reference' }, value: { text: episode.reference } },
        { key: { text: 'Status' }, value: { text: statusTag(episode.status, episode.outcome).text } },
        { key: { text: 'Started' }, value: { text: `${formatDate(episode.startedAt)} by ${episode.startedByName ?? 'unknown'}${episode.agencyName ? `, ${episode.agencyName}` : ''}` } },
        { key: { text: 'Assessment form' }, value: { text: detail.template ? `${detail.template.name}, version ${detail.template.versionNumber}` : 'No template installed yet: ask your administrator' } },
        {
          key: { text: 'Locality' },
          value: { text: detail.locality.name ?? 'None: only coordinators of the whole authority see it' },
          ...(detail.locality.mayChange && episode.status !== 'closed'
            ? { actions: { items: [{ href: paths.panels.locality(episode.id), text: 'Change', visuallyHiddenText: 'the locality' }] } }
            : {}),
        },
        ...(detail.panels.listedAt.length > 0 ? [{ key: { text: 'Listed at' }, value: { text: detail.panels.listedAt.join(', ') } }] : []),
      ],
      previousEpisode: detail.previousEpisode
        ? { reference: detail.previousEpisode.reference, closedOn: formatDate(detail.previousEpisode.closedAt), href: paths.episodes.show(detail.previousEpisode.id) }
        : null,
      members: detail.members.map(member => [{ text: member.name }, { text: member.agencyName ?? '—' }, { text: member.role === 'owner' ? 'Owner' : member.role === 'contributor' ? 'Contributor' : 'Member' }]),
      tasks: taskListItems(detail),
      referrals: detail.referrals.map(referral => ({ rows: referralRows(referral, episode.id), heading: `Referral to ${referral.referredTo === 'police' ? 'the police' : 'children’s social care'}` })),
      consents: detail.consents.map(consent => ({
        rows: consentRows(consent, detail.agencyNames),
        withdrawHref: consent.decision === 'given' && !consent.withdrawnOn && episode.status !== 'closed' ? paths.episodes.withdrawConsent(episode.id, consent.id) : null,
        withdrawn: consent.withdrawnOn !== null,
      })),
      consentToAssess: detail.consentToAssess,
      consentFormHref: paths.episodes.consentForm(episode.id),
      contacts: contactsView(detail.contacts),
      // Retention (src/features/retention): a coordinator may place a legal hold that stops the episode's disposal.
      legalHoldHref: request.actor.kind === 'practitioner' && request.actor.roles.has('coordinator') ? paths.retention.newHold({ kind: 'episode', id: episode.id }) : null,
    })
  })

  // ---- checklist -----------------------------------------------------------------------------------------------

  async function renderChecklist(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: Values | null, page: { formErrors?: FormErrors; conflict?: ChecklistRecord | undefined; status?: number } = {}) {
    const { detail, questions, fromTemplate } = await episodes.checklistForm(request.context(), request.params.episodeId)
    const saved = page.conflict ?? detail.checklist
    const shown: Values =
      values ??
      (detail.checklist
        ? Object.fromEntries([
            ...questions.map((question, index): [string, string] => [`q${index + 1}`, detail.checklist?.answers.find(answer => answer.key === question.key)?.answer ?? '']),
            ['outcome', detail.checklist.outcome],
            ['notes', detail.checklist.notes],
          ])
        : {})
    return reply.render(
      'episodes/views/checklist.njk',
      {
        title: 'Pre-assessment checklist',
        backLink: paths.episodes.show(detail.episode.id),
        header: episodeHeader(detail),
        action: paths.episodes.checklist(detail.episode.id),
        fromTemplate,
        questions: checklistQuestionsView(questions, shown, page.formErrors?.fieldErrors),
        version: String(saved?.version ?? 0),
        values: shown,
        outcomeItems: (['common_assessment', 'universal_services', 'no_further_action', 'safeguarding_referral'] as const).map(outcome => ({
          value: outcome,
          text: OUTCOME_NAMES[outcome],
          hint: { text: OUTCOME_HINTS[outcome] },
          checked: shown.outcome === outcome,
        })),
        conflict: page.conflict
          ? {
              rows: [
                ...page.conflict.answers.map(answer => ({ key: { text: answer.question }, value: { text: ANSWER_NAMES[answer.answer] ?? answer.answer } })),
                { key: { text: 'Outcome' }, value: { text: OUTCOME_NAMES[page.conflict.outcome] ?? page.conflict.outcome } },
                { key: { text: 'Saved by' }, value: { text: page.conflict.recordedByName ?? 'Unknown' } },
              ],
            }
          : undefined,
        ...page.formErrors,
      },
      page.status ?? (page.formErrors ? 400 : 200),
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/checklist', signedIn, async (request, reply) => renderChecklist(request, reply, null))

  app.post<EpisodeParams>('/episodes/:episodeId/checklist', signedIn, async (request, reply) => {
    const values = submitted(request.body)
    // The form says how many questions it showed (from the template); the service refuses a count that does not match.
    const count = typeof values.questionCount === 'string' && /^[0-9]{1,2}$/.test(values.questionCount) ? Math.max(1, Number(values.questionCount)) : 1
    const parsed = checklistForm(count).safeParse(request.body)
    if (!parsed.success) return renderChecklist(request, reply, values, { formErrors: toFormErrors(parsed.error) })
    const result = await attempt(() => episodes.saveChecklist(request.context(), request.params.episodeId, parsed.data))
    if ('failure' in result) {
      const failure = result.failure
      if (failure instanceof StaleEpisodeEditError) {
        return renderChecklist(request, reply, values, { formErrors: failureErrors(failure), conflict: failure.current as ChecklistRecord | undefined, status: 409 })
      }
      return renderChecklist(request, reply, values, { formErrors: failureErrors(failure) })
    }
    if (result.ok.needsReferral) return reply.redirect(paths.episodes.safeguarding(request.params.episodeId, { from: 'checklist' }), 303)
    return reply.redirect(withNotice(paths.episodes.show(request.params.episodeId), 'checklist'), 303)
  })

  // ---- safeguarding path ---------------------------------------------------------------------------------------

  async function renderReferral(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: Values, formErrors?: FormErrors) {
    const detail = await episodes.view(request.context(), request.params.episodeId, 'safeguarding')
    const fromChecklist = (request.query as Record<string, unknown> | undefined)?.from === 'checklist'
    return reply.render(
      'episodes/views/safeguarding.njk',
      {
        title: 'Refer a child at risk of significant harm',
        backLink: paths.episodes.show(detail.episode.id),
        header: episodeHeader(detail),
        action: paths.episodes.safeguarding(detail.episode.id),
        fromChecklist,
        contacts: contactsView(detail.contacts),
        values,
        referredToItems: [
          { value: 'childrens_social_care', text: 'Children’s social care', checked: values.referredTo === 'childrens_social_care' },
          { value: 'police', text: 'Police', checked: values.referredTo === 'police' },
        ],
        methodItems: [
          { value: 'phone', text: 'Phone', checked: values.method === 'phone' },
          { value: 'online', text: 'Online form', checked: values.method === 'online' },
          { value: 'in_person', text: 'In person', checked: values.method === 'in_person' },
        ],
        ...formErrors,
      },
      formErrors ? 400 : 200,
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/safeguarding', signedIn, async (request, reply) => renderReferral(request, reply, {}))

  app.post<EpisodeParams>('/episodes/:episodeId/safeguarding', signedIn, async (request, reply) => {
    const values = submitted(request.body)
    const parsed = referralForm.safeParse(request.body)
    if (!parsed.success) return renderReferral(request, reply, values, toFormErrors(parsed.error))
    const result = await attempt(() => episodes.recordReferral(request.context(), request.params.episodeId, parsed.data))
    if ('failure' in result) return renderReferral(request, reply, values, failureErrors(result.failure))
    return reply.redirect(withNotice(paths.episodes.show(request.params.episodeId), 'referral'), 303)
  })

  type ReferralParams = { Params: { episodeId: string; referralId: string } }

  async function renderReferralOutcome(request: FastifyRequest<ReferralParams>, reply: FastifyReply, values: Values | null, formErrors?: FormErrors, status?: number) {
    const { detail, referral } = await episodes.referralOutcomeForm(request.context(), request.params.episodeId, request.params.referralId)
    return reply.render(
      'episodes/views/referral-outcome.njk',
      {
        title: 'What happened after the referral',
        backLink: paths.episodes.show(detail.episode.id),
        header: episodeHeader(detail),
        action: paths.episodes.referralOutcome(detail.episode.id, referral.id),
        referralRows: referralRows(referral, detail.episode.id).filter(row => row.key.text !== 'Outcome'),
        values: values ? { ...values, version: String(referral.version) } : { outcome: referral.outcome ?? '', reference: referral.reference ?? '', version: String(referral.version) },
        savedOutcome: status === 409 ? (referral.outcome ?? 'No outcome recorded') : null,
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<ReferralParams>('/episodes/:episodeId/safeguarding/:referralId/outcome', signedIn, async (request, reply) => renderReferralOutcome(request, reply, null))

  app.post<ReferralParams>('/episodes/:episodeId/safeguarding/:referralId/outcome', signedIn, async (request, reply) => {
    const values = submitted(request.body)
    const parsed = referralOutcomeForm.safeParse(request.body)
    if (!parsed.success) return renderReferralOutcome(request, reply, values, toFormErrors(parsed.error))
    const result = await attempt(() => episodes.recordReferralOutcome(request.context(), request.params.episodeId, request.params.referralId, parsed.data))
    if ('failure' in result) {
      return renderReferralOutcome(request, reply, values, failureErrors(result.failure, 'outcome'), result.failure instanceof StaleEpisodeEditError ? 409 : 400)
    }
    return reply.redirect(withNotice(paths.episodes.show(request.params.episodeId), 'referral-outcome'), 303)
  })

  // ---- consent -------------------------------------------------------------------------------------------------

  async function renderConsent(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: Values, formErrors?: FormErrors) {
    const { detail, children, parents, agencies } = await episodes.consentForm(request.context(), request.params.episodeId)
    const list = (name: string) => (Array.isArray(values[name]) ? (values[name] as string[]) : typeof values[name] === 'string' ? [values[name] as string] : [])
    return reply.render(
      'episodes/views/consent.njk',
      {
        title: 'Record consent',
        backLink: paths.episodes.show(detail.episode.id),
        header: episodeHeader(detail),
        action: paths.episodes.consent(detail.episode.id),
        consentFormHref: paths.episodes.consentForm(detail.episode.id),
        values,
        parentItems: [{ value: '', text: parents.length ? 'Choose a parent or carer' : 'No one is recorded with parental responsibility' }, ...parents.map(parent => ({ value: parent.id, text: `${parent.name} (${parent.description})`, selected: values.parentPersonId === parent.id }))],
        youngPersonItems: [{ value: '', text: 'Choose the young person' }, ...children.map(child => ({ value: child.id, text: personName(child), selected: values.youngPersonId === child.id }))],
        agencyItems: agencies.map(agency => ({ value: agency.id, text: agency.name, checked: list('shareAgencyIds').includes(agency.id) })),
        kindItems: agencyKindItems(list('shareAgencyKinds')),
        ...formErrors,
      },
      formErrors ? 400 : 200,
    )
  }

  app.get<EpisodeParams>('/episodes/:episodeId/consent', signedIn, async (request, reply) => renderConsent(request, reply, {}))

  app.post<EpisodeParams>('/episodes/:episodeId/consent', signedIn, async (request, reply) => {
    const values = submitted(request.body)
    const parsed = consentForm.safeParse(request.body)
    if (!parsed.success) return renderConsent(request, reply, values, toFormErrors(parsed.error))
    const result = await attempt(() => episodes.recordConsent(request.context(), request.params.episodeId, parsed.data))
    if ('failure' in result) return renderConsent(request, reply, values, failureErrors(result.failure))
    return reply.redirect(withNotice(paths.episodes.show(request.params.episodeId), result.ok.ended ? 'refused' : 'consent'), 303)
  })

  type ConsentParams = { Params: { episodeId: string; consentId: string } }

  async function renderWithdraw(request: FastifyRequest<ConsentParams>, reply: FastifyReply, values: Values, formErrors?: FormErrors, status?: number) {
    const { detail, consent } = await episodes.withdrawalForm(request.context(), request.params.episodeId, request.params.consentId)
    return reply.render(
      'episodes/views/withdraw.njk',
      {
        title: 'Record that consent was withdrawn',
        backLink: paths.episodes.show(detail.episode.id),
        header: episodeHeader(detail),
        action: paths.episodes.withdrawConsent(detail.episode.id, consent.id),
        consentRows: consentRows(consent, detail.agencyNames),
        alreadyWithdrawn: consent.withdrawnOn !== null,
        values: { ...values, version: String(consent.version) },
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get<ConsentParams>('/episodes/:episodeId/consent/:consentId/withdraw', signedIn, async (request, reply) => renderWithdraw(request, reply, {}))

  app.post<ConsentParams>('/episodes/:episodeId/consent/:consentId/withdraw', signedIn, async (request, reply) => {
    const values = submitted(request.body)
    const parsed = withdrawForm.safeParse(request.body)
    if (!parsed.success) return renderWithdraw(request, reply, values, toFormErrors(parsed.error))
    const result = await attempt(() => episodes.withdrawConsent(request.context(), request.params.episodeId, request.params.consentId, parsed.data))
    if ('failure' in result) return renderWithdraw(request, reply, values, failureErrors(result.failure, 'reason'), result.failure instanceof StaleEpisodeEditError ? 409 : 400)
    return reply.redirect(withNotice(paths.episodes.show(request.params.episodeId), 'withdrawn'), 303)
  })

  /** The consent form to print and sign: what the family is agreeing to, in plain words. */
  app.get<EpisodeParams>('/episodes/:episodeId/consent-form', signedIn, async (request, reply) => {
    const { detail, parents, agencies } = await episodes.consentForm(request.context(), request.params.episodeId)
    const children = detail.people.filter(person => person.role === 'child')
    return reply.render('episodes/views/consent-print.njk', {
      title: `Consent form – ${detail.episode.reference}`,
      backLink: paths.episodes.show(detail.episode.id),
      reference: detail.episode.reference,
      assessmentName: detail.template?.name ?? 'early help assessment',
      children: children.map(child => ({ name: personName(child), born: birthText(child) })),
      parents: parents.map(parent => parent.name),
      agencies: agencies.map(agency => agency.name),
      recorded: detail.consents.filter(consent => consent.decision === 'given' && !consent.withdrawnOn).map(consent => ({ who: consent.giverName, purposes: consentPurposes(consent, detail.agencyNames), on: formatDate(consent.givenOn) })),
    })
  })

  // ---- safeguarding contacts (administrators) ------------------------------------------------------------------

  const adminOnly = requireAction(auth, episodes.ensureAllowed)('authority.configure')

  async function renderContacts(request: FastifyRequest, reply: FastifyReply, values: Values | null, formErrors?: FormErrors, status?: number) {
    const saved = await episodes.contactsForEditing(request.context())
    const shown: Values = values
      ? { ...values, version: String(saved?.version ?? 0) }
      : {
          version: String(saved?.version ?? 0),
          socialCareName: saved?.socialCareName ?? 'Children’s services front door',
          socialCarePhone: saved?.socialCarePhone ?? '',
          socialCareHours: saved?.socialCareHours ?? '',
          outOfHoursPhone: saved?.outOfHoursPhone ?? '',
          onlineReferralUrl: saved?.onlineReferralUrl ?? '',
          policeNonEmergency: saved?.policeNonEmergency ?? '101',
          extraAdvice: saved?.extraAdvice ?? '',
        }
    return reply.render(
      'episodes/views/contacts-admin.njk',
      {
        title: 'Safeguarding contacts',
        backLink: paths.admin.home(),
        action: paths.episodes.safeguardingContacts(),
        notice: noticeFrom(request, NOTICES),
        values: shown,
        configured: saved !== undefined,
        conflict: status === 409 && saved ? contactsView(saved) : null,
        ...formErrors,
      },
      status ?? (formErrors ? 400 : 200),
    )
  }

  app.get(paths.episodes.safeguardingContacts(), adminOnly, async (request, reply) => renderContacts(request, reply, null))

  app.post(paths.episodes.safeguardingContacts(), adminOnly, async (request, reply) => {
    const values = submitted(request.body)
    const parsed = contactsForm.safeParse(request.body)
    if (!parsed.success) return renderContacts(request, reply, values, toFormErrors(parsed.error))
    const result = await attempt(() => episodes.saveContacts(request.context(), parsed.data))
    if ('failure' in result) return renderContacts(request, reply, values, failureErrors(result.failure, 'socialCareName'), result.failure instanceof StaleEpisodeEditError ? 409 : 400)
    return reply.redirect(withNotice(paths.episodes.safeguardingContacts(), 'contacts'), 303)
  })
}

const OUTCOME_HINTS: Record<string, string> = {
  common_assessment: 'Needs are more than one service can meet: do a common assessment with the family',
  universal_services: 'Needs can be met by universal services such as school or health visiting',
  no_further_action: 'No additional needs were found',
  safeguarding_referral: 'The child is at risk of significant harm: refer to children’s social care or the police now',
}

