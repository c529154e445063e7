// The shape of an assessment template version: data, not code. Administrators edit it in the browser; an assessment
// renders with the version it started with.
//
// Compatibility: fields are only ever added, and added fields are optional, so every stored version stays readable.

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
  /** What the domain is about, in plain words (optional; shown above its elements). */
  description?: string
  elements: readonly TemplateElement[]
}>

/** A question of the pre-assessment checklist. One is marked as the risk-of-significant-harm question. */
export type ChecklistQuestion = Readonly<{
  key: string
  question: string
  hint?: string
  /** A "yes" here means the safeguarding path, not early help. */
  riskOfSignificantHarm?: boolean
  /** The domain the question is about, when it is about one (optional). */
  domainKey?: string
}>

/** Words a nation or authority uses for the parts of the process (optional: the English CAF words apply when absent). */
export type TemplateTerms = Readonly<{
  /** "team around the family" (England), "Team Around the Family" (Families First). */
  team?: string
  /** "lead professional" (England), "lead worker" (Families First). */
  leadProfessional?: string
  /** "support plan", "family plan". */
  plan?: string
}>

export type TemplateContent = Readonly<{
  /** What the form is called to families and practitioners ("early help assessment", "Families First assessment"). */
  assessmentName: string
  /** A plain-language explanation for the family's copy. */
  familyExplanation: string
  checklist: readonly ChecklistQuestion[]
  domains: readonly TemplateDomain[]
  terms?: TemplateTerms
}>

/** The risk-of-significant-harm question of a checklist (every valid template has exactly one). */
export function riskQuestionOf(content: TemplateContent): ChecklistQuestion | undefined {
  return content.checklist.find(question => question.riskOfSignificantHarm === true)
}

/** Every element of a template with its domain, in order. */
export function elementsOf(content: TemplateContent): { domain: TemplateDomain; element: TemplateElement }[] {
  return content.domains.flatMap(domain => domain.elements.map(element => ({ domain, element })))
}
