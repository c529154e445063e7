import assert from 'node:assert/strict'
import { load, type CheerioAPI } from 'cheerio'
import type { LightMyRequestResponse } from 'fastify'
import { errorSummary, type Browser } from './build-test-app.ts'

// Walking the site as a browser does, for the journey tests: pages are read with cheerio, links are the ones the
// pages show, and forms are posted with every field the browser would send (hidden fields and CSRF included).

export type Fields = Record<string, string | string[]>
export type Change = string | string[] | null

/** The text of a page's main content, whitespace collapsed. */
export function textOf(html: string, selector = 'main'): string {
  const $ = load(html)
  return $(selector).text().replace(/\s+/g, ' ').trim()
}

/** The href of the first link whose text matches. */
export function linkTo(html: string, text: RegExp): string {
  const $ = load(html)
  const link = $('a[href]').filter((_i, element) => text.test($(element).text().replace(/\s+/g, ' ')))
  const href = link.first().attr('href')
  assert.ok(href, `the page offers a link matching ${text}: ${textOf(html).slice(0, 300)}`)
  return href
}

/** The form (method get or post) whose submit button says `button`. */
export function formWithButton($: CheerioAPI, button: RegExp) {
  const form = $('form').filter((_i, element) => $(element).find('button').filter((_j, b) => button.test($(b).text())).length > 0)
  assert.ok(form.length > 0, `a form with a button ${button}`)
  return form.first()
}

/** What a browser would send for that form as it stands, then the changes (null removes a field). */
export function formFields(html: string, button: RegExp, changes: Record<string, Change> = {}): { action: string; method: string; fields: Fields } {
  const $ = load(html)
  const form = formWithButton($, button)
  const fields: Fields = {}
  const add = (name: string, value: string) => {
    const existing = fields[name]
    fields[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value]
  }
  form.find('input, textarea, select').each((_i, element) => {
    const $element = $(element)
    const name = $element.attr('name')
    if (!name) return
    if (element.tagName === 'select') {
      const selected = $element.find('option[selected]').first()
      add(name, String((selected.length ? selected : $element.find('option').first()).attr('value') ?? ''))
      return
    }
    if (element.tagName === 'textarea') return add(name, $element.text())
    const type = $element.attr('type')
    if (type === 'checkbox' || type === 'radio') {
      if ($element.attr('checked') !== undefined) add(name, String($element.attr('value') ?? 'on'))
      return
    }
    add(name, String($element.attr('value') ?? ''))
  })
  // The button that was pressed is sent too, when it has a name (forms with two buttons tell them apart this way).
  const pressed = form.find('button').filter((_j, b) => button.test($(b).text())).first()
  const pressedName = pressed.attr('name')
  if (pressedName) add(pressedName, String(pressed.attr('value') ?? ''))
  for (const [name, value] of Object.entries(changes)) {
    if (value === null) delete fields[name]
    else fields[name] = value
  }
  return { action: form.attr('action') ?? '', method: (form.attr('method') ?? 'get').toLowerCase(), fields }
}

/** Fills and sends the form with that button, as the browser would. */
export async function submit(browser: Browser, page: LightMyRequestResponse, button: RegExp, changes: Record<string, Change> = {}): Promise<LightMyRequestResponse> {
  const { action, method, fields } = formFields(page.body, button, changes)
  if (method === 'get') {
    const query = new URLSearchParams()
    for (const [name, value] of Object.entries(fields)) for (const item of Array.isArray(value) ? value : [value]) query.append(name, item)
    return browser.get(`${action}?${query.toString()}`)
  }
  return browser.post(action, fields)
}

/** The value of the radio, checkbox or option of `name` whose label (or option text) matches. */
export function choice(html: string, name: string, label: RegExp): string {
  const $ = load(html)
  const options = $(`select[name="${name}"] option`).filter((_i, element) => label.test($(element).text()))
  if (options.length) return String(options.first().attr('value'))
  const inputs = $(`input[name="${name}"]`).filter((_i, element) => label.test($(`label[for="${$(element).attr('id')}"]`).text()))
  assert.ok(inputs.length > 0, `a choice for ${name} labelled ${label}`)
  return String(inputs.first().attr('value'))
}

/** The name of the radios in the fieldset whose legend matches (checklist questions are named q1, q2…). */
export function radiosNamed(html: string, legend: RegExp): string[] {
  const $ = load(html)
  return $('fieldset')
    .filter((_i, element) => legend.test($(element).children('legend').text()))
    .map((_i, element) => $(element).find('input[type="radio"]').first().attr('name'))
    .get()
}

/** Follows a 303 and checks the page it leads to is a 200. */
export async function arrive(browser: Browser, response: LightMyRequestResponse, what: string): Promise<LightMyRequestResponse> {
  assert.equal(response.statusCode, 303, `${what}: expected a redirect, got ${response.statusCode}: ${errorSummary(response.body).join(' | ') || textOf(response.body).slice(0, 300)}`)
  const page = await browser.follow(response)
  assert.equal(page.statusCode, 200, `${what}: the page after the redirect`)
  return page
}

export const idFrom = (location: unknown) => String(location).split('?')[0]?.split('/').pop() ?? ''
