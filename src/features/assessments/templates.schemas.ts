import { z } from 'zod'
import { csrfField, text } from '../../lib/validation.ts'
import type { TemplateContent } from './template-content.ts'

// Schemas of assessment templates: the stored content (checked whenever a version is read), the API responses, and the
// small forms. The large "make a new version" form is built from the version it edits (templates.editor.ts).

export const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/

const slug = z.string().max(80).regex(SLUG)

const elementSchema = z.object({
  key: slug.meta({ description: 'Stable key of the element within the template family.' }),
  title: z.string(),
  prompts: z.array(z.string()).meta({ description: 'Guidance prompts shown while assessing the element.' }),
})

const domainSchema = z.object({
  key: slug,
  title: z.string(),
  scope: z.enum(['each-child', 'family']).meta({ description: 'each-child: assessed for each child; family: once for the family.' }),
  description: z.string().optional(),
  elements: z.array(elementSchema),
})

const checklistQuestionSchema = z.object({
  key: slug,
  question: z.string(),
  hint: z.string().optional(),
  riskOfSignificantHarm: z.boolean().optional().meta({ description: 'A yes means the safeguarding path, not early help.' }),
  domainKey: slug.optional(),
})

/** TemplateContent as stored and as the API gives it. */
export const templateContentSchema = z.object({
  assessmentName: z.string(),
  familyExplanation: z.string(),
  checklist: z.array(checklistQuestionSchema),
  domains: z.array(domainSchema),
  terms: z
    .object({ team: z.string().optional(), leadProfessional: z.string().optional(), plan: z.string().optional() })
    .optional(),
}) satisfies z.ZodType<TemplateContent>

// ---- API ------------------------------------------------------------------------------------------------------------

const isoTime = z.string().meta({ format: 'date-time' })

export const templateVersionParams = z.strictObject({
  templateVersionId: z
    .string()
    .regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/)
    .transform(value => value.toLowerCase())
    .meta({ description: 'The template version’s identifier.', format: 'uuid' }),
})

const versionSummarySchema = z.object({
  id: z.string().meta({ format: 'uuid' }),
  versionNumber: z.number().int(),
  name: z.string(),
  changeSummary: z.string(),
  basedOnVersionId: z.string().nullable(),
  createdAt: isoTime,
})

export const apiTemplateVersionSchema = z
  .object({
    id: z.string().meta({ format: 'uuid' }),
    templateKey: z.string().meta({ description: 'Stable key of the template family.' }),
    versionNumber: z.number().int(),
    name: z.string(),
    nation: z.enum(['england', 'wales']).nullable(),
    changeSummary: z.string(),
    basedOnVersionId: z.string().nullable(),
    createdAt: isoTime,
    content: templateContentSchema,
  })

export const apiTemplateFamilyListSchema = z
  .object({
    items: z.array(
      z.object({
        templateKey: z.string(),
        latest: apiTemplateVersionSchema,
        versions: z.array(versionSummarySchema).meta({ description: 'Every version, newest first.' }),
      }),
    ),
  })

export type ApiTemplateVersion = z.input<typeof apiTemplateVersionSchema>

// ---- forms ----------------------------------------------------------------------------------------------------------

export const copyTemplateForm = z.strictObject({
  ...csrfField,
  name: text('a name for the new template', { max: 100 }),
})
