import type { ChecklistQuestion } from '../assessments/template-content.ts'

/**
 * The standard pre-assessment checklist, used only while the authority has no assessment template installed (the
 * templates feature installs them for every authority; each template version carries its own checklist).
 */
export const DEFAULT_CHECKLIST: readonly ChecklistQuestion[] = [
  {
    key: 'development',
    question: 'Are you worried about the child’s health, development, learning or behaviour?',
    hint: 'For example speech and language, emotional well-being, attendance or progress at school',
  },
  {
    key: 'parenting',
    question: 'Are you worried about how well the parents or carers can meet the child’s needs?',
    hint: 'Basic care, safety, warmth and stability, guidance and boundaries',
  },
  {
    key: 'family-environment',
    question: 'Are you worried about the family’s circumstances or surroundings?',
    hint: 'Housing, money, work, family relationships, support from the wider family and community',
  },
  {
    key: 'more-than-one-agency',
    question: 'Would the child or family be better helped by more than one agency working together?',
  },
  {
    key: 'risk-of-significant-harm',
    question: 'Do you think the child is at risk of significant harm?',
    hint: 'If yes, this is not early help: refer to children’s social care or the police now',
    riskOfSignificantHarm: true,
  },
]
