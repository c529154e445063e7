import fs from 'node:fs'
import path from 'node:path'
import { po } from 'gettext-parser'

/**
 * English and Welsh for the family's own view. English is the source text (gettext style: the English sentence is
 * the key), so a page reads naturally in its template; Welsh comes from gettext catalogues in `src/locales/cy/*.po`,
 * which translators edit with any PO editor (Poedit, Weblate, Lokalise).
 *
 * Machine-drafted Welsh carries the standard `#, fuzzy` flag ("needs review" in every PO editor). It is shown to
 * families — a reviewed-later Welsh sentence serves a Welsh speaker better than English — and docs/welsh.md says how
 * a translator finds what still needs review.
 *
 * Placeholders are named in braces: t('The minutes of {date} are late.', { date }). Keep the braces in Welsh.
 */

export type Language = 'en' | 'cy'

export const LANGUAGES: readonly Language[] = ['en', 'cy']

export function isLanguage(value: unknown): value is Language {
  return value === 'en' || value === 'cy'
}

type Entry = { text: string; fuzzy: boolean; file: string }

const LOCALES_DIR = path.resolve(import.meta.dirname, '..', 'locales')

let welsh: Map<string, Entry> | undefined

/** Reads every catalogue once (at first use). A msgid in two files is an error: one sentence, one translation. */
export function welshCatalogue(): ReadonlyMap<string, Entry> {
  if (welsh) return welsh
  const entries = new Map<string, Entry>()
  const folder = path.join(LOCALES_DIR, 'cy')
  const files = fs.existsSync(folder) ? fs.readdirSync(folder).filter(name => name.endsWith('.po')).sort() : []
  for (const file of files) {
    const parsed = po.parse(fs.readFileSync(path.join(folder, file)))
    for (const context of Object.values(parsed.translations)) {
      for (const [msgid, item] of Object.entries(context)) {
        if (!msgid) continue // the header
        const text = item.msgstr[0] ?? ''
        if (!text) continue
        const previous = entries.get(msgid)
        if (previous && previous.text !== text) throw new Error(`Welsh catalogue: "${msgid}" is translated differently in ${previous.file} and ${file}`)
        entries.set(msgid, { text, fuzzy: /\bfuzzy\b/.test(item.comments?.flag ?? ''), file })
      }
    }
  }
  welsh = entries
  return entries
}

/** For tests: English sentences asked for in Welsh that have no Welsh yet (shown in English meanwhile). */
export const missingWelsh = new Set<string>()

export function translate(language: Language, text: string, values?: Record<string, string | number | null | undefined>): string {
  let result = text
  if (language === 'cy') {
    const entry = welshCatalogue().get(text)
    if (entry) result = entry.text
    else missingWelsh.add(text)
  }
  if (!values) return result
  return result.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = values[name]
    return value === undefined || value === null ? whole : String(value)
  })
}

export type Translate = (text: string, values?: Record<string, string | number | null | undefined>) => string

export function translator(language: Language): Translate {
  return (text, values) => translate(language, text, values)
}

const dateFormats: Record<Language, Intl.DateTimeFormat> = {
  en: new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' }),
  cy: new Intl.DateTimeFormat('cy-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' }),
}
const dateTimeFormats: Record<Language, Intl.DateTimeFormat> = {
  en: new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: 'numeric', minute: '2-digit', hourCycle: 'h12', timeZone: 'Europe/London' }),
  cy: new Intl.DateTimeFormat('cy-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', hour: 'numeric', minute: '2-digit', hour12: false, timeZone: 'Europe/London' }),
}

/** "4 January 2027" / "4 Ionawr 2027". Date-only strings (YYYY-MM-DD) are read as that day in the UK. */
export function formatDateIn(language: Language, value: Date | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return ''
  const date = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T12:00:00Z`) : new Date(value)
  return dateFormats[language].format(date)
}

/** "Monday 4 January 2027, 10:30am" / "Dydd Llun 4 Ionawr 2027, 10:30". */
export function formatDateTimeIn(language: Language, value: Date | string | null | undefined): string {
  if (value === null || value === undefined || value === '') return ''
  return dateTimeFormats[language].format(new Date(value)).replace(' at ', ', ')
}
