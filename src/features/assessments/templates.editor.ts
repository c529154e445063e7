import { isDeepStrictEqual } from 'node:util'
import { z } from 'zod'
import { csrfField, longText, text, type FormErrors } from '../../lib/validation.ts'
import type { ChecklistQuestion, TemplateContent, TemplateDomain, TemplateElement } from './template-content.ts'

// "Make a new version": the form's fields and the version it edits → the new content, or the errors to show. Pure: no
// database, no HTTP. Field names are flat (formbody parses with node:querystring, which does not nest brackets):
//   name, assessmentName, familyExplanation, changeSummary, expectedLatestVersion
//   domain__<domainKey>__title
//   element__<domainKey>__<elementKey>__title | __prompts (one prompt a line) | __remove (yes)
//   newElement__<domainKey>__title | __prompts
//   question__<questionKey>__question | __hint | __remove (yes)
//   newQuestion__question | newQuestion__hint
// Keys are slugs (a-z, 0-9, single hyphens), so "__" never occurs inside one.

export const MAX_PROMPTS = 20
export const MAX_PROMPT_LENGTH = 300

export const domainTitleField = (domainKey: string) => `domain__${domainKey}__title`
export const elementField = (domainKey: string, elementKey: string, part: 'title' | 'prompts' | 'remove') =>
  `element__${domainKey}__${elementKey}__${part}`
export const newElementField = (domainKey: string, part: 'title' | 'prompts') => `newElement__${domainKey}__${part}`
export const questionField = (questionKey: string, part: 'question' | 'hint' | 'remove') => `question__${questionKey}__${part}`
export const NEW_QUESTION_FIELD = 'newQuestion__question'
export const NEW_QUESTION_HINT_FIELD = 'newQuestion__hint'

/** What the editor is editing: a version's name and content. */
export type EditBase = Readonly<{ name: string; content: TemplateContent }>

/** A valid edit: what the new version will hold. */
export type TemplateEdit = Readonly<{
  name: string
  changeSummary: string
  content: TemplateContent
  /** The newest version number of the family when the editor was opened (the new one is this + 1). */
  expectedLatestVersion: number
}>

export type EditResult = { ok: true; edit: TemplateEdit } | { ok: false; errors: FormErrors }

const RELOAD = 'This form is out of date. Reload the page and try again'

const removeBox = z.enum(['yes'], { error: RELOAD }).optional()

/** The form's schema, built from the version it edits: any field that version does not have is refused. */
export function templateEditForm(base: EditBase) {
  const shape: Record<string, z.ZodType> = {
    ...csrfField,
    expectedLatestVersion: z.string({ error: RELOAD }).regex(/^[0-9]{1,9}$/, RELOAD).transform(Number),
    name: text('the template name', { max: 100 }),
    assessmentName: text('what the assessment is called', { max: 100 }),
    familyExplanation: longText('the explanation for families', { max: 3000 }),
    changeSummary: longText('what you changed and why', { max: 1000 }),
    [NEW_QUESTION_FIELD]: text('the new question', { max: 300, required: false }).optional(),
    [NEW_QUESTION_HINT_FIELD]: text('the hint for the new question', { max: 300, required: false }).optional(),
  }
  for (const domain of base.content.domains) {
    shape[domainTitleField(domain.key)] = text(`the name of the domain ${domain.title}`, { max: 150, enterMessage: `Enter a name for the domain ${domain.title}` })
    shape[newElementField(domain.key, 'title')] = text('the name of the new element', { max: 150, required: false }).optional()
    shape[newElementField(domain.key, 'prompts')] = longText('the prompts of the new element', { max: 8000, required: false }).optional()
    for (const element of domain.elements) {
      shape[elementField(domain.key, element.key, 'title')] = text(`the name of ${element.title}`, { max: 150, required: false })
      shape[elementField(domain.key, element.key, 'prompts')] = longText(`the prompts of ${element.title}`, { max: 8000, required: false })
      shape[elementField(domain.key, element.key, 'remove')] = removeBox
    }
  }
  for (const question of base.content.checklist) {
    shape[questionField(question.key, 'question')] = text('the question', { max: 300, required: false })
    shape[questionField(question.key, 'hint')] = text('the hint', { max: 300, required: false }).optional()
    shape[questionField(question.key, 'remove')] = removeBox
  }
  return z.strictObject(shape)
}

/** The form's fields as they are when the editor opens on a version. */
export function initialEditValues(base: EditBase, latestVersionNumber: number): Record<string, string> {
  const values: Record<string, string> = {
    expectedLatestVersion: String(latestVersionNumber),
    name: base.name,
    assessmentName: base.content.assessmentName,
    familyExplanation: base.content.familyExplanation,
    changeSummary: '',
  }
  for (const domain of base.content.domains) {
    values[domainTitleField(domain.key)] = domain.title
    for (const element of domain.elements) {
      values[elementField(domain.key, element.key, 'title')] = element.title
      values[elementField(domain.key, element.key, 'prompts')] = element.prompts.join('\n')
    }
  }
  for (const question of base.content.checklist) {
    values[questionField(question.key, 'question')] = question.question
    values[questionField(question.key, 'hint')] = question.hint ?? ''
  }
  return values
}

/** A key made from a title: lower-case words joined by hyphens, unique among `taken` (which it joins). */
export function uniqueSlug(title: string, taken: Set<string>, fallback: string): string {
  let base = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  if (base.length > 60) base = base.slice(0, 60).replace(/-[^-]*$/, '') || base.slice(0, 60)
  base = base.replace(/-+$/g, '') || fallback
  let candidate = base
  for (let n = 2; taken.has(candidate); n++) candidate = `${base}-${n}`
  taken.add(candidate)
  return candidate
}

function promptLines(value: string): string[] {
  return value
    .split('\n')
    .map(line => line.trim())
    .filter(line => line.length > 0)
}

class Errors {
  readonly list: FormErrors = { errors: [], fieldErrors: {} }
  add(field: string, message: string): void {
    if (field in this.list.fieldErrors) return
    this.list.fieldErrors[field] = { text: message }
    this.list.errors.push({ text: message, href: `#${field}` })
  }
  addGeneral(message: string): void {
    this.list.errors.push({ text: message, href: '#main-content' })
  }
  get empty(): boolean {
    return this.list.errors.length === 0
  }
}

function checkPrompts(errors: Errors, field: string, prompts: string[], what: string): void {
  if (prompts.length > MAX_PROMPTS) errors.add(field, `${what} can have up to ${MAX_PROMPTS} prompts. Remove some lines`)
  else if (prompts.some(prompt => prompt.length > MAX_PROMPT_LENGTH)) {
    errors.add(field, `Each prompt of ${what} must be ${MAX_PROMPT_LENGTH} characters or fewer (one prompt a line)`)
  }
}

/**
 * Applies the editor's fields to the version it edits. `usedKeys`: every element and question key the template family
 * has ever used, so that a new element never takes a key that once meant something else.
 */
export function editTemplateContent(base: EditBase, body: unknown, options: { usedKeys?: ReadonlySet<string> } = {}): EditResult {
  const parsed = templateEditForm(base).safeParse(body ?? {})
  if (!parsed.success) return { ok: false, errors: zodErrors(parsed.error) }
  const fields = parsed.data as Record<string, unknown>
  const value = (name: string): string => {
    const found = fields[name]
    return typeof found === 'string' ? found : ''
  }
  const errors = new Errors()
  const taken = new Set<string>(options.usedKeys ?? [])
  for (const domain of base.content.domains) for (const element of domain.elements) taken.add(element.key)
  for (const question of base.content.checklist) taken.add(question.key)

  const titles = new Map<string, string>()
  function checkTitle(field: string, title: string): void {
    const normalised = title.toLowerCase().replace(/\s+/g, ' ')
    if (titles.has(normalised)) errors.add(field, `There is already an element called ${title}. Enter a different name`)
    titles.set(normalised, field)
  }

  // Existing elements claim their names first, so a clash is reported on the new element.
  const newTitles: { field: string; title: string }[] = []
  const domains: TemplateDomain[] = base.content.domains.map(domain => {
    const domainTitle = value(domainTitleField(domain.key))
    const elements: TemplateElement[] = []
    for (const element of domain.elements) {
      if (fields[elementField(domain.key, element.key, 'remove')] === 'yes') continue
      const titleField = elementField(domain.key, element.key, 'title')
      const promptsField = elementField(domain.key, element.key, 'prompts')
      const title = value(titleField)
      if (title === '') errors.add(titleField, `Enter a name for the element ${element.title}, or tick ‘Remove this element’`)
      else checkTitle(titleField, title)
      const prompts = promptLines(value(promptsField))
      checkPrompts(errors, promptsField, prompts, title || element.title)
      elements.push({ ...element, title, prompts })
    }
    const newTitleField = newElementField(domain.key, 'title')
    const newPromptsField = newElementField(domain.key, 'prompts')
    const newTitle = value(newTitleField)
    const newPrompts = promptLines(value(newPromptsField))
    if (newTitle !== '') {
      newTitles.push({ field: newTitleField, title: newTitle })
      checkPrompts(errors, newPromptsField, newPrompts, newTitle)
      elements.push({ key: uniqueSlug(newTitle, taken, 'element'), title: newTitle, prompts: newPrompts })
    } else if (newPrompts.length > 0) {
      errors.add(newTitleField, `Enter a name for the new element in ${domainTitle || domain.title}, or clear its prompts`)
    }
    if (elements.length === 0) {
      const first = domain.elements[0]
      const field = first ? elementField(domain.key, first.key, 'remove') : newTitleField
      errors.add(field, `Keep at least one element in ${domainTitle || domain.title}, or add a new one`)
    }
    return { ...domain, title: domainTitle, elements }
  })

  for (const added of newTitles) checkTitle(added.field, added.title)

  const checklist: ChecklistQuestion[] = []
  for (const question of base.content.checklist) {
    const questionText = value(questionField(question.key, 'question'))
    if (fields[questionField(question.key, 'remove')] === 'yes') {
      if (question.riskOfSignificantHarm) {
        // Linked to the question itself: the form offers no box to remove this one.
        errors.add(
          questionField(question.key, 'question'),
          'You cannot remove the question about risk of significant harm. Every checklist must ask it, so that a child at risk is referred to children’s social care or the police at once',
        )
      }
      continue
    }
    if (questionText === '') errors.add(questionField(question.key, 'question'), `Enter the question, or tick ‘Remove this question’`)
    const hint = value(questionField(question.key, 'hint'))
    const { hint: _oldHint, ...withoutHint } = question
    checklist.push(hint ? { ...question, question: questionText, hint } : { ...withoutHint, question: questionText })
  }
  const newQuestion = value(NEW_QUESTION_FIELD)
  const newHint = value(NEW_QUESTION_HINT_FIELD)
  if (newQuestion !== '') {
    const added: ChecklistQuestion = { key: uniqueSlug(newQuestion, taken, 'question'), question: newQuestion, ...(newHint ? { hint: newHint } : {}) }
    // New questions go before the risk question, which stays last.
    const riskAt = checklist.findIndex(question => question.riskOfSignificantHarm)
    checklist.splice(riskAt === -1 ? checklist.length : riskAt, 0, added)
  } else if (newHint !== '') {
    errors.add(NEW_QUESTION_FIELD, 'Enter the new question, or clear its hint')
  }
  if (checklist.filter(question => question.riskOfSignificantHarm).length !== 1) {
    errors.addGeneral('The checklist must have exactly one question about risk of significant harm')
  }

  if (!errors.empty) return { ok: false, errors: errors.list }
  const content: TemplateContent = {
    ...base.content,
    assessmentName: value('assessmentName'),
    familyExplanation: value('familyExplanation'),
    checklist,
    domains,
  }
  const name = value('name')
  if (name === base.name && isDeepStrictEqual(content, base.content)) {
    errors.addGeneral('You have not changed anything. Make a change, or go back to the template')
    return { ok: false, errors: errors.list }
  }
  return { ok: true, edit: { name, changeSummary: value('changeSummary'), content, expectedLatestVersion: Number(fields.expectedLatestVersion) } }
}

/** Zod's issues as GOV.UK errors, in the order of the form; an unknown field names itself briefly. */
function zodErrors(error: z.ZodError): FormErrors {
  const errors = new Errors()
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) errors.addGeneral(`The form contained a field it does not accept (${key.slice(0, 40)}). Reload the page and try again`)
      continue
    }
    const field = String(issue.path[0] ?? '')
    const message = issue.code === 'invalid_type' && issue.input === undefined ? `${issue.message.replace(/ must be text$/, ' is missing')}` : issue.message
    if (field) errors.add(field, message)
    else errors.addGeneral(message)
  }
  return errors.list
}
