import type { Kysely } from 'kysely'
import type { Database } from '../../db/schema.ts'
import type { Clock } from '../../lib/clock.ts'
import { DomainRuleError } from '../../lib/errors.ts'
import { uuidv7 } from '../../lib/ids.ts'
import type { Access } from '../../policy/access.ts'
import type { RequestContext } from '../../policy/actor.ts'
import * as repository from './assessment-completion.repository.ts'
import { createAssessmentAccess } from './assessment-completion.service.ts'
import type { FamilyCopyGivenInput } from './assessment-completion.schemas.ts'
import { renderFamilyCopyPdf } from './family-copy.pdf.ts'
import { findTemplateVersion } from './templates.repository.ts'
import { familyCopyDocument, type FamilyCopyDocument } from './family-copy.view-models.ts'
import { redactFamilyCopy } from '../identity-protection/identity-protection.redaction.ts'
import { listDisputesFor } from '../records-history/record-history.repository.ts'

export type FamilyCopyService = ReturnType<typeof createFamilyCopyService>

/**
 * The family's copy of the assessment: the print view and the PDF (both audited as reads of the assessment, with the
 * kind of copy in the details), and recording the copy as given (to whom, how, when).
 */
export function createFamilyCopyService(deps: { db: Kysely<Database>; clock: Clock; access: Access }) {
  const { clock, access } = deps
  const assessments = createAssessmentAccess({ access })

  /** The document model both the print view and the PDF render. */
  async function document(context: RequestContext, episodeId: string, copy: 'print' | 'pdf'): Promise<{ document: FamilyCopyDocument; reference: string; assessorName: string | null }> {
    return assessments.withAssessment(
      context,
      'assessment.view',
      episodeId,
      async (trx, { episode, assessment, actor }, note) => {
        const authorityId = actor.authorityId
        const template = await findTemplateVersion(trx, authorityId, assessment.templateVersionId)
        if (!template) throw new DomainRuleError('The assessment’s template cannot be read, so its copy cannot be made. Ask your administrator.')
        const consents = await repository.listLiveSharingConsents(trx, authorityId, episodeId)
        const agencyIds = [...new Set(consents.flatMap(consent => consent.shareAgencyIds))]
        const names = await repository.agencyNames(trx, authorityId, agencyIds)
        const kinds = [...new Set(consents.flatMap(consent => consent.shareAgencyKinds))]
        const elements = await repository.listElements(trx, authorityId, assessment.id)
        // The family's statements disagreeing with its elements, for the whole copy with one query. The copy goes to the
        // parents, so a young person's own statements are left out (they stay on the team's pages and in their own view).
        const elementIds = elements.map(element => `${assessment.id}:${element.elementKey}:${element.subject}`)
        const disputes = await listDisputesFor(trx, authorityId, episode.id, 'assessment_elements', elementIds, { notByYoungPeople: true })
        note.details = { copy }
        return {
          // Identity protection: details withheld from anyone in the family are withheld from the family's copy.
          document: await redactFamilyCopy(trx, authorityId, episodeId, familyCopyDocument({
            reference: episode.reference,
            assessment,
            content: template.content,
            family: await repository.listEpisodeFamily(trx, authorityId, episodeId),
            elements,
            sharedWith: { agencies: agencyIds.map(id => names.get(id)).filter((name): name is string => name !== undefined), kinds },
            disputes,
          })),
          reference: episode.reference,
          assessorName: assessment.assessorName,
        }
      },
      { purpose: 'family copy' },
    )
  }

  async function printView(context: RequestContext, episodeId: string) {
    return document(context, episodeId, 'print')
  }

  /** The PDF bytes and a file name that carries only the episode reference. */
  async function pdf(context: RequestContext, episodeId: string): Promise<{ bytes: Buffer; fileName: string }> {
    const { document: copy, reference } = await document(context, episodeId, 'pdf')
    const bytes = await renderFamilyCopyPdf(copy, { author: 'OneStory', createdAt: clock.now() })
    return { bytes, fileName: `family-copy-${reference.replace(/[^A-Za-z0-9-]/g, '')}.pdf` }
  }

  /** Who can be named as having received the copy: the adults and children of the episode. */
  async function givenForm(context: RequestContext, episodeId: string) {
    return assessments.withAssessment(context, 'assessment.view', episodeId, async (trx, { episode, assessment, actor }, note) => {
      note.details = { page: 'family copy given' }
      return {
        episode,
        assessment,
        family: await repository.listEpisodeFamily(trx, actor.authorityId, episodeId),
        copies: await repository.listFamilyCopies(trx, actor.authorityId, assessment.id),
      }
    })
  }

  /** Records the family's copy as given. The person must be on the episode, or someone else named. */
  async function recordGiven(context: RequestContext, episodeId: string, input: FamilyCopyGivenInput): Promise<string> {
    return assessments.withAssessment(
      context,
      'assessment.edit',
      episodeId,
      async (trx, { assessment, actor }, note) => {
        const authorityId = actor.authorityId
        let givenToPersonId: string | null = null
        let givenToName: string
        if (input.givenTo === 'other') {
          givenToName = input.otherName ?? ''
        } else {
          const person = (await repository.listEpisodeFamily(trx, authorityId, episodeId)).find(member => member.personId === input.givenTo)
          if (!person) throw new DomainRuleError('Choose someone from this family, or “someone else” and their name', 'givenTo')
          givenToPersonId = person.personId
          givenToName = `${person.givenNames} ${person.familyName}`
        }
        const today = clock.now().toISOString().slice(0, 10)
        if (input.givenOn > today) throw new DomainRuleError('The date you gave the copy must be today or in the past', 'givenOn-day')
        const now = clock.now()
        const givenAt = input.givenOn === today ? now : new Date(`${input.givenOn}T12:00:00Z`)
        const id = uuidv7(now.getTime())
        await repository.insertFamilyCopy(trx, { authorityId, id, assessmentId: assessment.id, givenToPersonId, givenToName, format: input.format, givenByUserId: actor.userId, givenAt })
        note.details = { familyCopyId: id, format: input.format }
        return id
      },
      { purpose: 'family copy given' },
    )
  }

  return { printView, pdf, givenForm, recordGiven, ensureAllowed: assessments.ensureAllowed }
}
