import type { TemplateContent } from '../template-content.ts'
import { CAF_STANDARD } from './caf-standard.ts'
import { CAF_WHOLE_FAMILY } from './caf-whole-family.ts'
import { WALES_FAMILIES_FIRST } from './wales-families-first.ts'

/** A template OneStory ships: every authority gets version 1 of each (installShippedTemplates). */
export type ShippedTemplate = Readonly<{
  templateKey: string
  name: string
  nation: 'england' | 'wales' | null
  content: TemplateContent
}>

export const SHIPPED_TEMPLATES: readonly ShippedTemplate[] = [
  { templateKey: 'caf-standard', name: 'Common Assessment Framework (standard)', nation: 'england', content: CAF_STANDARD },
  { templateKey: 'caf-whole-family', name: 'Whole family assessment', nation: 'england', content: CAF_WHOLE_FAMILY },
  { templateKey: 'wales-families-first', name: 'Families First assessment (Wales)', nation: 'wales', content: WALES_FAMILIES_FIRST },
]

export const SHIPPED_TEMPLATE_KEYS: readonly string[] = SHIPPED_TEMPLATES.map(template => template.templateKey)
