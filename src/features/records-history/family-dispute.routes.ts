import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Services } from '../../composition.ts'
import { DomainRuleError } from '../../lib/errors.ts'
import { formatDateIn, type Language, type Translate } from '../../lib/i18n.ts'
import { submittedText, toFormErrors, type FormErrors } from '../../lib/validation.ts'
import { requireFamily } from '../../plugins/session.ts'
import { paths } from '../../paths.ts'
import { familyNav } from '../family-pages/family-episode.ts'
import { FAMILY_STATEMENT_MAX, familyDisputeForm } from './record-history.schemas.ts'
import type { FamilyDisputable } from './record-history.service.ts'

type EpisodeParams = { Params: { episodeId: string } }

/** What a record is, in the words of the family's page. */
export function familyRecordLabel(t: Translate, language: Language, item: FamilyDisputable): string {
  if (item.kind === 'minutes') return t('Notes from the meeting on {date}', { date: formatDateIn(language, item.on) })
  if (item.kind === 'note') return t('A note from {date}: {summary}', { date: formatDateIn(language, item.on), summary: item.title ?? '' })
  if (item.about) return t('What we wrote about {name}: {title}', { name: item.about, title: item.title ?? '' })
  return t('What we wrote about: {title}', { title: item.title ?? '' })
}

/** The link to the family's "I disagree with this" page, with a record chosen already (the minutes of a meeting …). */
export function familyDisagreeHref(episodeId: string, record?: string): string {
  return record ? `${paths.recordHistory.familyDispute(episodeId)}?record=${encodeURIComponent(record)}` : paths.recordHistory.familyDispute(episodeId)
}

function query(request: FastifyRequest): Record<string, unknown> {
  return (request.query as Record<string, unknown> | undefined) ?? {}
}

/** Form errors with every message in the page's language. */
function translated(request: FastifyRequest, errors: FormErrors): FormErrors {
  const t = request.page.t
  return {
    errors: errors.errors.map(error => ({ ...error, text: t(error.text) })),
    fieldErrors: Object.fromEntries(Object.entries(errors.fieldErrors).map(([field, error]) => [field, { text: t(error.text) }])),
  }
}

/**
 * The family's "Tell us if you disagree with something we wrote" page (issue 6, rectification): a family member
 * chooses a record they can see and writes what they think is right. Nothing the team wrote is changed: the
 * statement is attached, the record is marked disputed, and the lead professional is told.
 */
export function registerFamilyDisputeRoutes(app: FastifyInstance, services: Services) {
  const { recordHistory } = services
  const guard = { preHandler: requireFamily }

  async function render(request: FastifyRequest<EpisodeParams>, reply: FastifyReply, values: Record<string, string>, formErrors: FormErrors | null, status = 200) {
    const data = await recordHistory.familyDisputePage(request.context(), request.params.episodeId)
    const t = request.page.t
    const language = request.page.language
    const id = data.episode.id
    const chosen = values.record ?? (typeof query(request).record === 'string' ? String(query(request).record) : '')
    return reply.render(
      'records-history/views/family-disagree.njk',
      {
        title: t('Tell us if you disagree with something we wrote'),
        familyNav: familyNav(t, id, 'disagree', { young: data.young }),
        backLink: paths.family.episode(id),
        reference: data.episode.reference,
        notice: query(request).sent === '1' && status === 200 ? { success: true, text: t('We have added your words to the record. Your lead professional has been told.') } : undefined,
        recordItems: data.items.map(item => ({ value: item.value, text: familyRecordLabel(t, language, item), checked: item.value === chosen })),
        earlier: data.earlier.map(item => ({
          label: item.record ? familyRecordLabel(t, language, item.record) : t('Something we wrote'),
          when: t('You told us on {date}:', { date: formatDateIn(language, item.at) }),
          statement: item.statement,
        })),
        maxLength: FAMILY_STATEMENT_MAX,
        action: paths.recordHistory.familyDispute(id),
        values,
        errors: formErrors?.errors ?? [],
        fieldErrors: formErrors?.fieldErrors ?? {},
      },
      status,
    )
  }

  app.get<EpisodeParams>('/family/episodes/:episodeId/disagree', guard, async (request, reply) => render(request, reply, {}, null))

  app.post<EpisodeParams>('/family/episodes/:episodeId/disagree', guard, async (request, reply) => {
    const values = submittedText(request.body)
    const parsed = familyDisputeForm.safeParse(request.body ?? {})
    if (!parsed.success) return render(request, reply, values, translated(request, toFormErrors(parsed.error)), 400)
    try {
      await recordHistory.familyDispute(request.context(), request.params.episodeId, parsed.data)
    } catch (error) {
      if (error instanceof DomainRuleError) {
        const field = error.field ?? 'record'
        const text = request.page.t(error.message)
        return render(request, reply, values, { errors: [{ text, href: `#${field}` }], fieldErrors: { [field]: { text } } }, 400)
      }
      throw error
    }
    return reply.redirect(`${paths.recordHistory.familyDispute(request.params.episodeId.toLowerCase())}?sent=1`, 303)
  })
}
