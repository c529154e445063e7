import type { Language } from '../../lib/i18n.ts'
import { paths } from '../../paths.ts'
import { GLOSSARY } from './glossary.ts'

/**
 * The `jargon` filter: `{{ note.text | jargon(language) }}` escapes free text and links each word the glossary
 * explains (whole words only; the first time it appears in the text) to `/family/help/words#<id>`. Short forms match
 * exactly as written (CAMHS, not "camhs"); plain words in any capitals. Welsh pages link the Welsh words too.
 * "minutes" after a number ("10 minutes") is time, not a meeting's notes, and is left alone.
 */

type Matcher = { pattern: RegExp; id: string }

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

// Letters of English and Welsh (â, ŵ, ŷ …): a "whole word" is not next to one of these or a digit.
const WORD_CHAR = '[\\p{L}\\p{N}]'

function buildMatcher(language: Language): { regex: RegExp; ids: Map<string, string> } {
  const alternatives: { text: string; caseSensitive: boolean; id: string }[] = []
  for (const entry of GLOSSARY) {
    for (const text of entry.exact ?? []) alternatives.push({ text, caseSensitive: true, id: entry.id })
    for (const text of entry.words ?? []) alternatives.push({ text, caseSensitive: false, id: entry.id })
    if (language === 'cy') for (const text of entry.welsh ?? []) alternatives.push({ text, caseSensitive: false, id: entry.id })
  }
  // Longest first, so "lead professionals" wins over "lead professional".
  alternatives.sort((a, b) => b.text.length - a.text.length)
  const ids = new Map<string, string>()
  const parts = alternatives.map((alternative, index) => {
    const name = `t${index}`
    ids.set(name, alternative.id)
    const body = alternative.caseSensitive ? escapeRegExp(alternative.text) : caseless(alternative.text)
    return `(?<${name}>${body})`
  })
  const regex = new RegExp(`(?<!${WORD_CHAR})(?:${parts.join('|')})(?!${WORD_CHAR})`, 'gu')
  return { regex, ids }
}

/** A case-insensitive piece inside a case-sensitive regular expression; spaces match any run of spaces. */
function caseless(text: string): string {
  return [...text]
    .map(char => {
      if (char === ' ') return '\\s+'
      const lower = char.toLocaleLowerCase('en')
      const upper = char.toLocaleUpperCase('en')
      return lower === upper ? escapeRegExp(char) : `[${escapeRegExp(lower)}${escapeRegExp(upper)}]`
    })
    .join('')
}

const matchers: Partial<Record<Language, { regex: RegExp; ids: Map<string, string> }>> = {}

function matcherFor(language: Language) {
  const existing = matchers[language]
  if (existing) return existing
  const built = buildMatcher(language)
  matchers[language] = built
  return built
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, char => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char)
}

/** The glossary's address for a word: `/family/help/words#camhs`. */
export function glossaryHref(id: string): string {
  return `${paths.family.glossary()}#${id}`
}

/** Escaped HTML with the glossary's words linked. Safe to mark as safe: every character of the input is escaped. */
export function linkJargon(value: unknown, language: Language = 'en'): string {
  if (value === null || value === undefined) return ''
  const text = String(value)
  const { regex, ids } = matcherFor(language === 'cy' ? 'cy' : 'en')
  const linked = new Set<string>()
  let html = ''
  let last = 0
  regex.lastIndex = 0
  for (const match of text.matchAll(regex)) {
    const index = match.index
    const name = Object.entries(match.groups ?? {}).find(([, found]) => found !== undefined)?.[0]
    const id = name ? ids.get(name) : undefined
    if (!id || linked.has(id)) continue
    if (id === 'minutes' && /\d\s*$/.test(text.slice(0, index))) continue
    linked.add(id)
    html += escapeHtml(text.slice(last, index))
    html += `<a class="govuk-link" href="${glossaryHref(id)}">${escapeHtml(match[0])}</a>`
    last = index + match[0].length
  }
  return html + escapeHtml(text.slice(last))
}
