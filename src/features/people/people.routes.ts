import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../composition.ts'
import { DomainRuleError } from '../../lib/errors.ts'
import { singleError, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { requireSignedIn } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import {
  addMemberForm,
  buttonForm,
  editPersonForm,
  ETHNICITIES,
  householdForm,
  mergeForm,
  personSearchQuery,
  registerPersonForm,
  registerPrefillQuery,
  RELATIONSHIP_KINDS,
  relationshipForm,
} from './people.schemas.ts'
import { withProtectionMarkers } from '../identity-protection/identity-protection.view-models.ts'
import { MergedRecordError, PossibleDuplicatesError, StalePersonError, type LikelyPerson, type Person } from './people.service.ts'
import {
  candidateRows,
  compareRows,
  dateValues,
  episodeRows,
  fullName,
  householdOverview,
  personItems,
  personSummaryRows,
  personValues,
  RELATIONSHIP_NAMES,
  relationshipRows,
  submittedValues,
  type FormValues,
} from './people.view-models.ts'

type Params<K extends string> = { Params: Record<K, string> }

function today(request: FastifyRequest & { server: FastifyInstance }): string {
  void request
  return new Date().toISOString().slice(0, 10)
}

const ethnicityItems = (selected: string | undefined) => [
  { value: '', text: 'Choose an ethnic group' },
  ...ETHNICITIES.map(value => ({ value, text: value, selected: value === selected })),
]

const kindItems = (selected: string | undefined) => RELATIONSHIP_KINDS.map(value => ({ value, text: RELATIONSHIP_NAMES[value] ?? value, checked: value === selected }))

/** People and families: the search that starts registration, person records, households, relationships and merges. */
export function registerPeopleRoutes(app: FastifyInstance, services: Services) {
  const { people, auth } = services
  const signedIn = { preHandler: [requireSignedIn(auth)] }
  const dateToday = (request: FastifyRequest) => today(request as FastifyRequest & { server: FastifyInstance })

  /** Links to a merged record lead to the record kept. */
  async function orMerged(reply: FastifyReply, work: () => Promise<unknown>) {
    try {
      return await work()
    } catch (error) {
      if (error instanceof MergedRecordError) return reply.redirect(paths.people.show(error.keptPersonId), 301)
      throw error
    }
  }

  // ---- find (tell it once) -------------------------------------------------------------------------------------

  app.get(paths.people.find(), signedIn, async (request, reply) => {
    const raw = (request.query ?? {}) as Record<string, unknown>
    const values = submittedValues(raw)
    const searched = 'givenNames' in raw || 'familyName' in raw
    const householdId = typeof raw.householdId === 'string' ? raw.householdId : ''
    const page = (extra: Record<string, unknown>, status = 200) =>
      reply.render('people/views/find.njk', { title: 'Find or register a person', values, householdId, csrfToken: request.page.csrfToken, ...extra }, status)
    if (!searched) return page({})
    const parsed = personSearchQuery.safeParse(raw)
    if (!parsed.success) return page(toFormErrors(parsed.error), 400)
    const search = parsed.data
    const candidates: LikelyPerson[] = await people.search(request.context(), search)
    const prefill = {
      givenNames: search.givenNames || undefined,
      familyName: search.familyName || undefined,
      dateOfBirth: search.dateOfBirth ?? undefined,
      postcode: search.postcode ?? undefined,
      householdId: search.householdId ?? undefined,
    }
    return page({
      searched: true,
      candidates: candidateRows(candidates),
      addMemberAction: search.householdId ? paths.households.addMember(search.householdId) : null,
      registerHref: paths.people.register({ ...prefill, confirmed: candidates.length > 0 ? '1' : undefined }),
    })
  })

  // ---- register ------------------------------------------------------------------------------------------------

  function renderRegister(reply: FastifyReply, values: FormValues, extra: { formErrors?: FormErrors; candidates?: LikelyPerson[]; confirmed?: boolean } = {}, status = 200) {
    return reply.render(
      'people/views/person-form.njk',
      {
        title: 'Register a person',
        backLink: paths.people.find(),
        action: paths.people.register(),
        values,
        ethnicityItems: ethnicityItems(values.ethnicity),
        candidates: extra.candidates ? candidateRows(extra.candidates) : null,
        showConfirm: extra.confirmed === true || (extra.candidates?.length ?? 0) > 0,
        ...extra.formErrors,
      },
      status,
    )
  }

  app.get(paths.people.register(), signedIn, async (request, reply) => {
    const prefill = registerPrefillQuery.safeParse(request.query ?? {})
    const data = prefill.success ? prefill.data : {}
    // Registration starts with a search: without one, go and search first.
    if (!data.familyName && !data.givenNames) return reply.redirect(paths.people.find(), 303)
    const values: FormValues = {
      givenNames: data.givenNames ?? '',
      familyName: data.familyName ?? '',
      postcode: data.postcode ?? '',
      householdId: data.householdId ?? '',
      confirmNew: data.confirmed ? 'yes' : '',
      ...dateValues('dateOfBirth', data.dateOfBirth ?? null),
    }
    return renderRegister(reply, values, { confirmed: data.confirmed === '1' })
  })

  app.post(paths.people.register(), signedIn, async (request, reply) => {
    const values = submittedValues(request.body)
    const parsed = registerPersonForm(dateToday(request)).safeParse(request.body)
    if (!parsed.success) return renderRegister(reply, values, { formErrors: toFormErrors(parsed.error), confirmed: values.confirmNew === 'yes' }, 400)
    const { householdId, ...input } = parsed.data
    try {
      const personId = await people.register(request.context(), input)
      if (householdId) {
        await people.addMember(request.context(), householdId, personId)
        return reply.redirect(paths.households.show(householdId), 303)
      }
      return reply.redirect(paths.people.show(personId), 303)
    } catch (error) {
      if (error instanceof PossibleDuplicatesError) {
        return renderRegister(reply, { ...values, confirmNew: '' }, { formErrors: singleError('confirmNew', error.message), candidates: error.candidates }, 409)
      }
      if (error instanceof DomainRuleError) return renderRegister(reply, values, { formErrors: singleError(error.field ?? 'main-content', error.message) }, 422)
      throw error
    }
  })

  // ---- a person ------------------------------------------------------------------------------------------------

  app.get<Params<'personId'>>('/people/:personId', signedIn, async (request, reply) =>
    orMerged(reply, async () => {
      const found = await people.view(request.context(), request.params.personId)
      const { person } = found
      const names = new Map(found.names.map(name => [name.id, fullName(name)]))
      const actor = request.actor
      return reply.render('people/views/person.njk', {
        title: fullName(person),
        person: { id: person.id, name: fullName(person) },
        rows: withProtectionMarkers(personSummaryRows(person), found.protections, paths.people.protection(person.id)),
        protectionHref: paths.people.protection(person.id),
        protectedCount: found.protections.length,
        households: found.households.map(household => ({
          href: paths.households.show(household.householdId),
          name: household.name,
          left: household.leftAt !== null,
        })),
        relationships: relationshipRows(found.relationships, names),
        episodes: episodeRows(found.episodes),
        chronologyHref: paths.records.personChronology(person.id),
        merges: found.merges.map(merge => ({ id: merge.id, name: fullName(merge), reason: merge.reason, undoAction: paths.people.undoMerge(merge.id) })),
        editHref: paths.people.edit(person.id),
        startHref: paths.episodes.start({ personId: person.id }),
        newHouseholdHref: paths.households.create({ personId: person.id }),
        mergeHref: actor.kind === 'practitioner' && actor.roles.has('coordinator') ? paths.people.merge(person.id) : null,
        // Retention (src/features/retention): a coordinator may place a legal hold that stops the person's anonymisation.
        legalHoldHref: actor.kind === 'practitioner' && actor.roles.has('coordinator') ? paths.retention.newHold({ kind: 'person', id: person.id }) : null,
        notice: (request.query as Record<string, unknown>)?.done === 'undone' ? 'The merge has been undone. Both records are back as they were.' : null,
      })
    }),
  )

  function renderEdit(reply: FastifyReply, person: Person, values: FormValues, extra: { formErrors?: FormErrors; conflict?: unknown } = {}, status = 200) {
    return reply.render(
      'people/views/person-form.njk',
      {
        title: `Change ${fullName(person)}’s details`,
        backLink: paths.people.show(person.id),
        action: paths.people.edit(person.id),
        editing: true,
        values,
        ethnicityItems: ethnicityItems(values.ethnicity),
        conflict: extra.conflict,
        ...extra.formErrors,
      },
      status,
    )
  }

  app.get<Params<'personId'>>('/people/:personId/edit', signedIn, async (request, reply) =>
    orMerged(reply, async () => {
      const { person } = await people.view(request.context(), request.params.personId, { toChange: true })
      return renderEdit(reply, person, personValues(person))
    }),
  )

  app.post<Params<'personId'>>('/people/:personId/edit', signedIn, async (request, reply) =>
    orMerged(reply, async () => {
      const values = submittedValues(request.body)
      const parsed = editPersonForm(dateToday(request)).safeParse(request.body)
      if (!parsed.success) {
        const { person } = await people.view(request.context(), request.params.personId)
        return renderEdit(reply, person, values, { formErrors: toFormErrors(parsed.error) }, 400)
      }
      try {
        await people.update(request.context(), request.params.personId, parsed.data)
      } catch (error) {
        if (error instanceof StalePersonError) {
          const current = error.current as Person
          return renderEdit(
            reply,
            current,
            { ...values, version: String(current.version) },
            {
              formErrors: singleError('givenNames', `${error.message}. What is saved now is shown below: check your answers and save again`),
              conflict: { rows: personSummaryRows(current) },
            },
            409,
          )
        }
        if (error instanceof DomainRuleError) {
          const { person } = await people.view(request.context(), request.params.personId)
          return renderEdit(reply, person, values, { formErrors: singleError(error.field ?? 'main-content', error.message) }, 422)
        }
        throw error
      }
      return reply.redirect(paths.people.show(request.params.personId), 303)
    }),
  )

  // ---- households ----------------------------------------------------------------------------------------------

  function renderHouseholdForm(reply: FastifyReply, values: FormValues, formErrors?: FormErrors, status = 200) {
    return reply.render('people/views/household-form.njk', { title: 'Add a household', backLink: paths.people.find(), action: paths.households.create(), values, ...formErrors }, status)
  }

  app.get(paths.households.create(), signedIn, async (request, reply) => {
    const personId = (request.query as Record<string, unknown>)?.personId
    return renderHouseholdForm(reply, { personId: typeof personId === 'string' ? personId.slice(0, 40) : '' })
  })

  app.post(paths.households.create(), signedIn, async (request, reply) => {
    const values = submittedValues(request.body)
    const parsed = householdForm.safeParse(request.body)
    if (!parsed.success) return renderHouseholdForm(reply, values, toFormErrors(parsed.error), 400)
    const { name, address, postcode, personId } = parsed.data
    const householdId = await people.createHousehold(request.context(), { name, address, postcode, firstPersonId: personId })
    return reply.redirect(paths.households.show(householdId), 303)
  })

  app.get<Params<'householdId'>>('/households/:householdId', signedIn, async (request, reply) => {
    const { household, members, relationships, episodes } = await people.viewHousehold(request.context(), request.params.householdId)
    const overview = householdOverview(household, members, relationships)
    return reply.render('people/views/household.njk', {
      title: household.name,
      household: { id: household.id, name: household.name, address: household.address, postcode: household.postcode },
      members: members.map(member => ({
        name: fullName(member),
        href: paths.people.show(member.personId),
        born: member.dateOfBirth ?? (member.expectedDateOfBirth ? `expected ${member.expectedDateOfBirth}` : 'not known'),
        left: member.leftAt !== null,
        leaveAction: paths.households.leave(household.id, member.personId),
      })),
      svg: overview.svg,
      relationships: overview.relationshipRows,
      episodes: episodeRows(episodes),
      addPersonHref: paths.people.find({ householdId: household.id }),
      relationshipHref: paths.households.newRelationship(household.id),
      startHref: paths.episodes.start({ householdId: household.id }),
    })
  })

  app.post<Params<'householdId'>>('/households/:householdId/members', signedIn, async (request, reply) => {
    const parsed = addMemberForm.safeParse(request.body)
    if (!parsed.success) {
      // Whoever may not change the household is refused (and audited) before being told what was wrong with the form.
      await people.viewHousehold(request.context(), request.params.householdId)
      return reply.render('error.njk', { title: 'There is a problem', paragraphs: ['Choose a person to add. Nothing has been changed.'] }, 400)
    }
    try {
      await people.addMember(request.context(), request.params.householdId, parsed.data.personId)
    } catch (error) {
      if (error instanceof DomainRuleError) return reply.render('error.njk', { title: 'There is a problem', paragraphs: [error.message], link: { href: paths.households.show(request.params.householdId), text: 'Go back to the household' } }, 422)
      throw error
    }
    return reply.redirect(paths.households.show(request.params.householdId), 303)
  })

  app.post<Params<'householdId' | 'personId'>>('/households/:householdId/members/:personId/leave', signedIn, async (request, reply) => {
    const parsed = buttonForm.safeParse(request.body)
    if (!parsed.success) return reply.render('error.njk', { title: 'There is a problem', paragraphs: ['Reload the page and try again.'] }, 400)
    await people.leaveHousehold(request.context(), request.params.householdId, request.params.personId)
    return reply.redirect(paths.households.show(request.params.householdId), 303)
  })

  async function renderRelationshipForm(request: FastifyRequest<Params<'householdId'>>, reply: FastifyReply, values: FormValues, formErrors?: FormErrors, status = 200) {
    const { household, members } = await people.viewHousehold(request.context(), request.params.householdId, { toChange: true })
    return reply.render(
      'people/views/relationship-form.njk',
      {
        title: 'Add a relationship',
        backLink: paths.households.show(household.id),
        action: paths.households.newRelationship(household.id),
        values,
        personItems: personItems(members, values.personId),
        relatedItems: personItems(members, values.relatedPersonId),
        kindItems: kindItems(values.kind),
        ...formErrors,
      },
      status,
    )
  }

  app.get<Params<'householdId'>>('/households/:householdId/relationships/new', signedIn, async (request, reply) => renderRelationshipForm(request, reply, {}))

  app.post<Params<'householdId'>>('/households/:householdId/relationships/new', signedIn, async (request, reply) => {
    const values = submittedValues(request.body)
    const parsed = relationshipForm.safeParse(request.body)
    if (!parsed.success) return renderRelationshipForm(request, reply, values, toFormErrors(parsed.error), 400)
    try {
      const { _csrf: _token, ...relationship } = parsed.data
      await people.addRelationship(request.context(), request.params.householdId, relationship)
    } catch (error) {
      if (error instanceof DomainRuleError) return renderRelationshipForm(request, reply, values, singleError(error.field ?? 'main-content', error.message), 422)
      throw error
    }
    return reply.redirect(paths.households.show(request.params.householdId), 303)
  })

  // ---- merging (coordinators) ----------------------------------------------------------------------------------

  app.get<Params<'personId'>>('/people/:personId/merge', signedIn, async (request, reply) => {
    const { person, candidates } = await people.mergeCandidates(request.context(), request.params.personId)
    return reply.render('people/views/merge-choose.njk', {
      title: `Records that may be ${fullName(person)}`,
      backLink: paths.people.show(person.id),
      candidates: candidateRows(candidates).map(candidate => ({ ...candidate, compareHref: paths.people.mergeWith(person.id, candidate.id) })),
    })
  })

  async function renderCompare(request: FastifyRequest<Params<'personId' | 'otherPersonId'>>, reply: FastifyReply, values: FormValues, formErrors?: FormErrors, status = 200) {
    const { first, second } = await people.compare(request.context(), request.params.personId, request.params.otherPersonId)
    return reply.render(
      'people/views/merge-compare.njk',
      {
        title: 'Merge two records of the same person',
        backLink: paths.people.merge(first.person.id),
        action: paths.people.mergeWith(first.person.id, second.person.id),
        values,
        firstName: fullName(first.person),
        secondName: fullName(second.person),
        rows: compareRows(first.person, second.person),
        ...formErrors,
      },
      status,
    )
  }

  app.get<Params<'personId' | 'otherPersonId'>>('/people/:personId/merge/:otherPersonId', signedIn, async (request, reply) => renderCompare(request, reply, {}))

  app.post<Params<'personId' | 'otherPersonId'>>('/people/:personId/merge/:otherPersonId', signedIn, async (request, reply) => {
    const values = submittedValues(request.body)
    const parsed = mergeForm.safeParse(request.body)
    if (!parsed.success) return renderCompare(request, reply, values, toFormErrors(parsed.error), 400)
    const [keptPersonId, mergedPersonId] =
      parsed.data.keep === 'first' ? [request.params.personId, request.params.otherPersonId] : [request.params.otherPersonId, request.params.personId]
    try {
      await people.merge(request.context(), { keptPersonId, mergedPersonId, reason: parsed.data.reason })
    } catch (error) {
      if (error instanceof DomainRuleError) return renderCompare(request, reply, values, singleError(error.field ?? 'keep', error.message), 422)
      throw error
    }
    return reply.redirect(paths.people.show(keptPersonId), 303)
  })

  app.post<Params<'mergeId'>>('/person-merges/:mergeId/undo', signedIn, async (request, reply) => {
    const parsed = buttonForm.safeParse(request.body)
    if (!parsed.success) return reply.render('error.njk', { title: 'There is a problem', paragraphs: ['Reload the page and try again.'] }, 400)
    try {
      const merge = await people.undoMerge(request.context(), request.params.mergeId)
      return reply.redirect(`${paths.people.show(merge.keptPersonId)}?done=undone`, 303)
    } catch (error) {
      if (error instanceof DomainRuleError) return reply.render('error.njk', { title: 'This cannot be done', paragraphs: [error.message] }, 422)
      throw error
    }
  })
}
