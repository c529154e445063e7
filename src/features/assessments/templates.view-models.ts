import type { FieldError } from '../../lib/validation.ts'
import { paths } from '../../paths.ts'
import type { TemplateContent } from './template-content.ts'
import {
  domainTitleField,
  elementField,
  NEW_QUESTION_FIELD,
  NEW_QUESTION_HINT_FIELD,
  newElementField,
  questionField,
} from './templates.editor.ts'
import type { TemplateFamily, TemplateVersion, TemplateVersionSummary } from './templates.service.ts'
import { submittedText } from '../../lib/validation.ts'

// Pure functions from template versions to what the pages show (GOV.UK macro arguments and plain view-models).

const dateFormat = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' })

export function formatDate(value: Date): string {
  return dateFormat.format(new Date(value))
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, char => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char)
}

export function nationName(nation: 'england' | 'wales' | null): string {
  return nation === 'wales' ? 'Wales' : nation === 'england' ? 'England' : 'Any'
}

function elementCount(content: TemplateContent): number {
  return content.domains.reduce((sum, domain) => sum + domain.elements.length, 0)
}

function plural(count: number, one: string, many: string): string {
  return `${count} ${count === 1 ? one : many}`
}

/** The families table of the list page. */
export function familyRows(families: readonly TemplateFamily[]) {
  return families.map(family => [
    { html: `<a class="govuk-link" href="${escapeHtml(paths.assessmentTemplates.version(family.latest.id))}">${escapeHtml(family.latest.name)}</a>` },
    { text: `Version ${family.latest.versionNumber}` },
    { text: nationName(family.latest.nation) },
    {
      text: `${plural(family.latest.content.domains.length, 'domain', 'domains')}, ${plural(elementCount(family.latest.content), 'element', 'elements')}`,
    },
    { text: formatDate(family.latest.createdAt) },
  ])
}

/** The versions table of a family: newest first, the one on show marked. */
export function versionRows(versions: readonly TemplateVersionSummary[], currentId: string) {
  const numbers = new Map(versions.map(version => [version.id, version.versionNumber]))
  return versions.map(version => {
    const label = `Version ${version.versionNumber}`
    const based = version.basedOnVersionId
      ? numbers.has(version.basedOnVersionId)
        ? `Based on version ${numbers.get(version.basedOnVersionId)}`
        : 'Copied from another template'
      : 'Shipped with OneStory'
    return [
      version.id === currentId
        ? { html: `<strong>${escapeHtml(label)}</strong> <span class="govuk-visually-hidden">(shown on this page)</span>` }
        : { html: `<a class="govuk-link" href="${escapeHtml(paths.assessmentTemplates.version(version.id))}">${escapeHtml(label)}</a>` },
      { text: version.name },
      { text: version.changeSummary || '–' },
      { text: based },
      { text: formatDate(version.createdAt) },
    ]
  })
}

export function versionSummaryRows(version: TemplateVersion, latestVersionNumber: number) {
  const rows = [
    { key: { text: 'Version' }, value: { text: version.versionNumber === latestVersionNumber ? `${version.versionNumber} (the newest)` : `${version.versionNumber} (version ${latestVersionNumber} is newer)` } },
    { key: { text: 'What the assessment is called' }, value: { text: version.content.assessmentName } },
    { key: { text: 'Nation' }, value: { text: nationName(version.nation) } },
    { key: { text: 'Made' }, value: { text: formatDate(version.createdAt) } },
    { key: { text: 'What changed' }, value: { text: version.changeSummary || '–' } },
    { key: { text: 'Template key' }, value: { text: version.templateKey } },
  ]
  if (version.content.terms?.team) rows.push({ key: { text: 'The team is called' }, value: { text: version.content.terms.team } })
  if (version.content.terms?.leadProfessional) {
    rows.push({ key: { text: 'The lead professional is called' }, value: { text: version.content.terms.leadProfessional } })
  }
  return rows
}

function scopeText(scope: 'each-child' | 'family'): string {
  return scope === 'each-child' ? 'Assessed for each child' : 'Assessed once for the family'
}

/** Every domain, element and prompt of a version, for reading. */
export function contentView(content: TemplateContent) {
  return {
    familyExplanation: content.familyExplanation,
    domains: content.domains.map(domain => ({
      title: domain.title,
      description: domain.description ?? null,
      scope: scopeText(domain.scope),
      elements: domain.elements.map(element => ({ title: element.title, key: element.key, prompts: element.prompts })),
    })),
    checklist: content.checklist.map(question => ({
      question: question.question,
      hint: question.hint ?? null,
      risk: question.riskOfSignificantHarm === true,
    })),
  }
}

type Values = Readonly<Record<string, unknown>>
type FieldErrors = Readonly<Record<string, { text: string }>>

function valueOf(values: Values, name: string): string {
  const value = values[name]
  return typeof value === 'string' ? value : ''
}

/** A form field for a GOV.UK macro: id and name are the same flat field name. */
function field(values: Values, errors: FieldErrors, name: string) {
  return { id: name, name, value: valueOf(values, name), errorMessage: errors[name] }
}

/** The "make a new version" editor, built from the version it edits and the answers so far. */
export function editorView(content: TemplateContent, values: Values, errors: FieldErrors) {
  return {
    domains: content.domains.map(domain => ({
      key: domain.key,
      originalTitle: domain.title,
      scope: scopeText(domain.scope),
      title: field(values, errors, domainTitleField(domain.key)),
      elements: domain.elements.map(element => {
        const remove = elementField(domain.key, element.key, 'remove')
        return {
          key: element.key,
          originalTitle: element.title,
          title: field(values, errors, elementField(domain.key, element.key, 'title')),
          prompts: field(values, errors, elementField(domain.key, element.key, 'prompts')),
          remove: { id: remove, name: remove, checked: valueOf(values, remove) === 'yes', errorMessage: errors[remove] },
        }
      }),
      newTitle: field(values, errors, newElementField(domain.key, 'title')),
      newPrompts: field(values, errors, newElementField(domain.key, 'prompts')),
    })),
    checklist: content.checklist.map((question, index) => {
      const remove = questionField(question.key, 'remove')
      return {
        number: index + 1,
        risk: question.riskOfSignificantHarm === true,
        question: field(values, errors, questionField(question.key, 'question')),
        hint: field(values, errors, questionField(question.key, 'hint')),
        remove: { id: remove, name: remove, checked: valueOf(values, remove) === 'yes', errorMessage: errors[remove] },
      }
    }),
    newQuestion: field(values, errors, NEW_QUESTION_FIELD),
    newQuestionHint: field(values, errors, NEW_QUESTION_HINT_FIELD),
    name: field(values, errors, 'name'),
    assessmentName: field(values, errors, 'assessmentName'),
    familyExplanation: field(values, errors, 'familyExplanation'),
    changeSummary: field(values, errors, 'changeSummary'),
    expectedLatestVersion: valueOf(values, 'expectedLatestVersion'),
  }
}

/** Submitted form values, kept for re-display: strings only (a repeated field keeps its first value). */
export { submittedText as submittedValues }

export type { FieldError }
