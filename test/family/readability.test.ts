import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { load } from 'cheerio'
import { fleschKincaid } from 'flesch-kincaid'
import { syllable } from 'syllable'
import type { LightMyRequestResponse } from 'fastify'
import { missingWelsh } from '../../src/lib/i18n.ts'
import { cookieNames } from '../../src/plugins/session.ts'
import { databaseKinds } from '../helpers/database.ts'
import { Browser, buildTestApp, type TestApp } from '../helpers/build-test-app.ts'
import { signInFamily } from '../helpers/builders.ts'
import { buildAuthorityWorld, fillRoute, type AuthorityWorld } from '../helpers/world.ts'
import { enrichForFamily } from './family-world.ts'
import { HELP_TOPICS } from '../../src/features/family-help/help-topics.ts'

/**
 * Plain words, checked (issue 5): every GET page under /family — found in app.routeInventory, so pages added later
 * are covered without editing this file — rendered for a family of a rich world, the text of its <main> scored
 * with Flesch–Kincaid (grade 6 = reading age 11 at most), and the same pages in Welsh with every sentence translated.
 * It prints a table of the figures per page.
 */

export const MAX_GRADE = 6

type Reader = 'parent' | 'young person' | 'signed out'

/** The family-facing words of a page: its <main>, without navigation, hidden form fields or the "skip" link. */
export function mainText(html: string): string {
  const $ = load(html)
  const main = $('main').first().clone()
  main.find('nav, script, style, input[type="hidden"], .govuk-visually-hidden, .govuk-skip-link').remove()
  // Each block is a sentence of its own for the formula: a heading, a list item or a table cell rarely ends with a full stop.
  main.find('h1, h2, h3, h4, p, li, td, th, dt, dd, label, legend, button, .govuk-hint, .govuk-error-message, .govuk-tag, caption, summary, a.govuk-button').each((_i, element) => {
    const node = $(element)
    node.append(' ¶ ')
  })
  return main.text().replace(/\s+/g, ' ').trim()
}

export type Figures = { words: number; sentences: number; syllables: number; grade: number }

export function readability(text: string): Figures {
  const sentences = text
    .split(/¶|(?<=[.!?])\s+/)
    .map(sentence => sentence.trim())
    .filter(sentence => /\p{L}/u.test(sentence))
  const words = sentences.flatMap(sentence => sentence.split(/\s+/)).map(word => word.replace(/[^\p{L}\p{N}'’-]/gu, '')).filter(word => /\p{L}/u.test(word))
  const syllables = words.reduce((sum, word) => sum + Math.max(1, syllable(word)), 0)
  if (words.length === 0) return { words: 0, sentences: 0, syllables: 0, grade: 0 }
  const grade = fleschKincaid({ sentence: Math.max(1, sentences.length), word: words.length, syllable: syllables })
  return { words: words.length, sentences: sentences.length, syllables, grade: Math.round(grade * 10) / 10 }
}

function isHtml(response: LightMyRequestResponse): boolean {
  return String(response.headers['content-type'] ?? '').startsWith('text/html')
}

for (const kind of databaseKinds()) {
  describe(`plain words and Welsh on every family page (${kind})`, () => {
    let t: TestApp
    let world: AuthorityWorld
    const readers = new Map<Reader, Browser>()
    let youngPersonId = ''

    before(async () => {
      t = await buildTestApp(kind)
      world = await buildAuthorityWorld(t, 'Read')
      youngPersonId = (await enrichForFamily(t, world)).youngPersonId
    })
    after(() => t.close())

    async function signInEveryone(language: 'en' | 'cy') {
      await t.database.db.updateTable('familyAccounts').set({ language }).where('authorityId', '=', world.authorityId).execute()
      readers.set('parent', await signInFamily(t, { authorityId: world.authorityId, accountId: world.familyAccountId }))
      readers.set('young person', await signInFamily(t, { authorityId: world.authorityId, accountId: youngPersonId }))
      const anonymous = new Browser(t.app)
      anonymous.cookies.set(cookieNames(t.config).language, language)
      readers.set('signed out', anonymous)
    }

    /** Every GET route under /family; the help topics, one route, are each a page of their own. */
    function familyPages(): string[] {
      const urls = t.app.routeInventory.filter(route => route.method === 'GET' && (route.url === '/family' || route.url.startsWith('/family/'))).map(route => route.url)
      const pages = urls.flatMap(url => (url === '/family/help/:topic' ? HELP_TOPICS.map(topic => `/family/help/${topic.slug}`) : [url]))
      return [...new Set(pages)].sort()
    }

    /** The page as the first reader it is for: a parent, else the young person (their own pages), else signed out. */
    async function render(url: string): Promise<{ reader: Reader; response: LightMyRequestResponse } | { skipped: string }> {
      const filled = fillRoute(url, world)
      const answers: string[] = []
      for (const reader of ['parent', 'young person', 'signed out'] as const) {
        const browser = readers.get(reader)
        assert.ok(browser)
        missingWelsh.clear() // only the words of the page that is shown count, not a refusal on the way
        const response = await browser.get(filled)
        if (response.statusCode === 200 && isHtml(response)) return { reader, response }
        if (response.statusCode === 200) return { skipped: `not a page (${String(response.headers['content-type']).split(';')[0]})` }
        answers.push(`${reader} ${response.statusCode}${response.headers.location ? ` to ${String(response.headers.location).replace(world.episodeId, ':episodeId')}` : ''}`)
      }
      return { skipped: answers.join(', ') }
    }

    it('scores the words of every family page at reading age 11 or below (Flesch–Kincaid grade 6)', async () => {
      await signInEveryone('en')
      const rows: string[] = []
      const failures: string[] = []
      const pages = familyPages()
      assert.ok(pages.length >= 5, `found only ${pages.length} family pages`)
      for (const url of pages) {
        const result = await render(url)
        if ('skipped' in result) {
          rows.push(`| ${url} | — | — | — | — | ${result.skipped} |`)
          continue
        }
        const figures = readability(mainText(result.response.body))
        const ok = figures.grade <= MAX_GRADE
        rows.push(`| ${url} | ${result.reader} | ${figures.words} | ${figures.sentences} | ${figures.grade.toFixed(1)} | ${ok ? 'ok' : 'TOO HARD'} |`)
        if (!ok) failures.push(`${url}: grade ${figures.grade.toFixed(1)}`)
      }
      process.stdout.write(`Readability of the family pages (Flesch–Kincaid grade; 6 = reading age 11)\n| page | read as | words | sentences | grade | |\n${rows.join('\n')}\n`)
      assert.deepEqual(failures, [], `family pages above grade ${MAX_GRADE}`)
    })

    it('shows every family page in Welsh, with <html lang="cy"> and every sentence translated', async () => {
      await signInEveryone('cy')
      const problems: string[] = []
      let checked = 0
      for (const url of familyPages()) {
        const result = await render(url)
        if ('skipped' in result) continue
        checked++
        const lang = load(result.response.body)('html').attr('lang')
        if (lang !== 'cy') problems.push(`${url}: <html lang="${lang}">`)
        for (const sentence of missingWelsh) problems.push(`${url}: no Welsh for "${sentence}"`)
      }
      // The pages a family member meets when something is wrong: not found, and a young person's page refused to a parent.
      for (const [url, reader, status] of [[`/family/episodes/${world.episodeId}/nothing-here`, 'parent', 404], [`/family/episodes/not-an-id`, 'parent', 404], [`/family/episodes/${world.episodeId}/my-views`, 'parent', 403]] as const) {
        missingWelsh.clear()
        const browser = readers.get(reader)
        assert.ok(browser)
        const response = await browser.get(url)
        assert.equal(response.statusCode, status, url)
        checked++
        const lang = load(response.body)('html').attr('lang')
        if (lang !== 'cy') problems.push(`${status} page: <html lang="${lang}">`)
        for (const sentence of missingWelsh) problems.push(`${status} page: no Welsh for "${sentence}"`)
      }
      process.stdout.write(`Welsh: ${checked} family pages rendered, ${problems.length} problems\n${problems.join('\n')}\n`)
      assert.deepEqual(problems, [])
    })
  })
}
