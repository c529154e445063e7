import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../composition.ts'
import { DomainRuleError } from '../../lib/errors.ts'
import { singleError, submittedValues, toFormErrors, type FormErrors, type SubmittedValues } from '../../lib/validation.ts'
import { requireSignedIn } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { endForm, protectForm } from './identity-protection.schemas.ts'
import { fieldItems, protectionRows, withheldFromItems } from './identity-protection.view-models.ts'

type PersonParams = { Params: { personId: string } }

const listOf = (value: string | string[] | undefined): string[] => (value === undefined ? [] : Array.isArray(value) ? value : [value])
const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value)

/** Identity protection: a person's "do not disclose to" markers, adding them and lifting them (practitioners). */
export function registerIdentityProtectionRoutes(app: FastifyInstance, services: Services) {
  const { identityProtection, auth } = services
  const signedIn = { preHandler: requireSignedIn(auth) }

  async function render(request: FastifyRequest<PersonParams>, reply: FastifyReply, values: SubmittedValues, extra: { formErrors?: FormErrors; endErrors?: FormErrors; status?: number } = {}) {
    const { person, protections, choices } = await identityProtection.page(request.context(), request.params.personId)
    const rows = protectionRows(protections)
    const done = (request.query as Record<string, unknown> | undefined)?.done
    const errors = extra.formErrors ?? extra.endErrors
    return reply.render(
      'identity-protection/views/protection.njk',
      {
        title: `Identity protection: ${person.name}`,
        backLink: paths.people.show(person.id),
        person,
        active: rows.filter(row => row.ended === null),
        ended: rows.filter(row => row.ended !== null),
        action: paths.people.protection(person.id),
        endAction: paths.people.endProtection(person.id),
        fieldItems: fieldItems(listOf(values.fields)),
        withheldFromItems: withheldFromItems(choices, first(values.withheldFrom)),
        values: { reason: first(values.reason) ?? '', alsoWithhold: first(values.alsoWithhold) ?? '', endReason: first(values.endReason) ?? '', protectionId: first(values.protectionId) ?? '' },
        notice: done === 'protected' ? 'The details are marked. They are withheld from the family’s own view, family copies and emails to that person.' : done === 'lifted' ? 'The protection has been lifted.' : null,
        errors: errors?.errors,
        fieldErrors: extra.formErrors?.fieldErrors ?? {},
        endFieldErrors: extra.endErrors?.fieldErrors ?? {},
      },
      extra.status ?? (errors ? 400 : 200),
    )
  }

  app.get<PersonParams>('/people/:personId/identity-protection', signedIn, async (request, reply) => render(request, reply, {}))

  app.post<PersonParams>('/people/:personId/identity-protection', signedIn, async (request, reply) => {
    const values = submittedValues(request.body)
    const parsed = protectForm.safeParse(request.body)
    if (!parsed.success) return render(request, reply, values, { formErrors: toFormErrors(parsed.error) })
    try {
      await identityProtection.protect(request.context(), request.params.personId, parsed.data)
    } catch (error) {
      if (error instanceof DomainRuleError) return render(request, reply, values, { formErrors: singleError(error.field ?? 'withheldFrom', error.message), status: 422 })
      throw error
    }
    return reply.redirect(`${paths.people.protection(request.params.personId)}?done=protected`, 303)
  })

  app.post<PersonParams>('/people/:personId/identity-protection/end', signedIn, async (request, reply) => {
    const values = submittedValues(request.body)
    const parsed = endForm.safeParse(request.body)
    if (!parsed.success) return render(request, reply, values, { endErrors: toFormErrors(parsed.error) })
    try {
      await identityProtection.end(request.context(), request.params.personId, parsed.data)
    } catch (error) {
      if (error instanceof DomainRuleError) return render(request, reply, values, { endErrors: singleError('endReason', error.message), status: 422 })
      throw error
    }
    return reply.redirect(`${paths.people.protection(request.params.personId)}?done=lifted`, 303)
  })
}
