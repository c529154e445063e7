// The shape of an assessment template version: data, not code. Administrators edit it in the browser; an assessment
// renders with the version it started with.

/** Whose needs a domain is about: each child of the episode separately, or the family as a whole (shared by siblings). */
export type DomainScope = 'each-child' | 'family'

export type TemplateElement = Readonly<{
  /** Stable within the template family: assessments and the Distance Travelled scores refer to it. */
  key: string
  title: string
  /** The guidance prompts shown to the practitioner while assessing the element. */
  prompts: readonly string[]
}>

export type TemplateDomain = Readonly<{
  key: string
  title: string
  scope: DomainScope
  elements: readonly TemplateElement[]
}>

/** A question of the pre-assessment checklist. One is marked as the risk-of-significant-harm question. */
export type ChecklistQuestion = Readonly<{
  key: string
  question: string
  hint?: string
  /** A "yes" here means the safeguarding path, not early help. */
  riskOfSignificantHarm?: boolean
}>

export type TemplateContent = Readonly<{
  /** What the form is called to families and practitioners ("early help assessment", "Families First assessment"). */
  assessmentName: string
  /** A plain-language explanation for the family's copy. */
  familyExplanation: string
  checklist: readonly ChecklistQuestion[]
  domains: readonly TemplateDomain[]
}>
