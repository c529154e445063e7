import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Browser, Response } from 'playwright-core'
import { crawl as crawlLinks, demoEpisodeUrl, familySignIn, goto, invite, pattern, signIn, UUID, type Actor } from './crawl.ts'
import { demoAccounts, launchBrowser, startServer, type RunningServer } from './harness.ts'

// Issue 7, script injection in the browser, every free-text field (docs/browser-tests.md). On the real demo server, as
// the demo practitioner, coordinator and administrator and as two family members (a parent and a young person):
//   1. crawl every page each of them can reach (links only, GET), noting every form with a free-text field;
//   2. put a payload with a unique marker into every text input and textarea of every such form and send it (a field
//      the server refuses falls back to a plain valid value, so the rest of the form is still stored);
//   3. crawl every page again, practitioner and family pages and their printable versions, and check that nothing ran.
// The browser contexts BYPASS the Content-Security-Policy and run JavaScript, so an unescaped payload would really run:
// the check is `window.__xss` (set up empty before any page script) staying empty, and no element in the page carrying
// an event handler, script or `javascript:` link the payloads would have created. The CSP is a second line of
// defence; this test checks the first one (escaping) on its own.

const MARKER = /__xss\.push\('(G\d+)'\)/g

function payload(marker: string): string {
  return `<img src=x onerror=__xss.push('${marker}')>"><script>__xss.push('${marker}')</script>'><svg onload=__xss.push('${marker}')>`
}
function shortPayload(marker: string): string {
  return `<img src=x onerror=__xss.push('${marker}')>`
}

/** What an unescaped payload would leave in the page, and which markers are shown as text or kept in a field. */
const INSPECT = `(() => {
  const found = []
  if (Array.isArray(window.__xss) && window.__xss.length > 0) found.push('script ran: ' + window.__xss.join(', '))
  if (!Array.isArray(window.__xss)) found.push('window.__xss was replaced: ' + String(window.__xss))
  for (const element of document.querySelectorAll('*')) {
    for (const attribute of element.attributes) {
      if (/^on/i.test(attribute.name) && attribute.value.includes('__xss')) found.push('<' + element.tagName.toLowerCase() + ' ' + attribute.name + '>')
      if (/^(href|src|action|formaction)$/i.test(attribute.name) && /^\\s*javascript:/i.test(attribute.value)) found.push('javascript: URL in ' + attribute.name)
    }
  }
  for (const script of document.querySelectorAll('script')) if ((script.textContent || '').includes('__xss')) found.push('<script> with the payload')
  const shown = (document.body ? document.body.innerText : '') + '\\n' +
    [...document.querySelectorAll('input, textarea')].map(e => e.value).join('\\n')
  const markers = [...new Set([...shown.matchAll(/__xss\\.push\\('(G\\d+)'\\)/g)].map(m => m[1]))]
  return { found, markers }
})()`

type Inspection = { found: string[]; markers: string[] }

function isInspection(value: unknown): value is Inspection {
  return typeof value === 'object' && value !== null && 'found' in value && 'markers' in value
}

/** A one-page PDF with nothing on it, for the document upload (its file name carries the payload). */
const TINY_PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n' +
    '3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
)

/** Forms never sent: signing in or out and account security (a separate anonymous pass sends the sign-in forms). */
const SKIP_FORM = /sign-out|sign-in|\/setup|forgot-password|reset-password|accept-invitation|\/account\/password|\/language|enter-code|second-factor/i
/** Forms that end, withdraw or remove something: sent last, so the others still find what they need. */
const ENDING_FORM = /close|withdraw|cancel|leave|remove|\/end$|revoke|handover|stop|sessions|approval|agree|signatures|\/consent$|reviews\/new$/i
/** Among those, the ones that may close the episode (a refused consent, a review deciding to close, closing): very last. */
function endingRank(action: string): number {
  if (/\/close$/.test(action)) return 3
  if (/\/consent$/.test(action)) return 2.5 // a refused consent closes the episode at once
  if (/reviews\/new$|close\/approval$/.test(action)) return 2
  return 1
}

type FieldInfo = {
  name: string
  id: string
  tag: string
  type: string
  inputMode: string
  checked: boolean
  value: string
  options: string[]
  /** The id of the conditional reveal the field is in, and (for a radio) the reveal it opens. */
  revealedBy: string
  controls: string
}

/** The little of a form control the test reads or sets (the project's TypeScript has no DOM library). */
type FormElement = {
  name?: string
  id: string
  tagName: string
  checked?: boolean
  value?: string
  options?: ArrayLike<{ value: string }>
  getAttribute: (name: string) => string | null
  closest: (selector: string) => { id: string } | null
  dispatchEvent: (event: object) => boolean
}

type FoundForm = { actor: Actor; pageUrl: string; action: string; method: string; key: string; textFields: string[] }

type Finding = { where: string; url: string; detail: string }

describe('browser: script typed into every free-text field is shown as text, never run', { timeout: 600_000 }, () => {
  let server: RunningServer
  let browser: Browser
  const findings: Finding[] = []
  const seenMarkers = new Set<string>()
  const sentMarkers = new Map<string, string>()
  const checkedPages = new Set<string>()

  before(async () => {
    ;[server, browser] = await Promise.all([startServer({ demo: true }), launchBrowser()])
  })
  after(async () => {
    await browser?.close()
    await server?.stop()
  })

  async function openActor(name: string): Promise<Actor> {
    const context = await browser.newContext({
      baseURL: server.baseUrl,
      bypassCSP: true,
      javaScriptEnabled: true,
      locale: 'en-GB',
      timezoneId: 'Europe/London',
      acceptDownloads: false,
    })
    context.setDefaultTimeout(15_000)
    await context.addInitScript('window.__xss = []')
    const page = await context.newPage()
    page.on('dialog', dialog => {
      findings.push({ where: name, url: page.url(), detail: `a ${dialog.type()} dialog opened: ${dialog.message()}` })
      void dialog.dismiss()
    })
    return { name, context, page, focus: [] }
  }

  async function inspect(actor: Actor, where: string): Promise<void> {
    const result: unknown = await actor.page.evaluate(INSPECT)
    assert.ok(isInspection(result))
    for (const marker of result.markers) seenMarkers.add(marker)
    for (const detail of result.found) findings.push({ where: `${actor.name}: ${where}`, url: actor.page.url(), detail })
  }

  /**
   * Every page an actor reaches by following links from `starts` (the shared crawler, crawl.ts), each checked; with
   * `forms`, every form with a free-text field is noted too.
   */
  async function crawl(actor: Actor, starts: string[], forms: FoundForm[] | undefined): Promise<number> {
    // Checking needs every image's error to have fired ('load'); finding the forms does not.
    return crawlLinks(actor, {
      baseUrl: server.baseUrl,
      starts,
      waitUntil: forms ? 'domcontentloaded' : 'load',
      onPage: async (key, response) => {
        checkedPages.add(`${actor.name} ${key}`)
        if (response.status() >= 500) findings.push({ where: actor.name, url: key, detail: `answered ${response.status()}` })
        await inspect(actor, `page ${key}`)
        if (!forms) return
        const pageForms: { action: string; method: string; text: string[] }[] = await actor.page.locator('form').evaluateAll(all =>
          all.map(f => {
            const here = (globalThis as unknown as { location: { href: string } }).location.href
            const inputs = Array.from((f as unknown as { querySelectorAll: (s: string) => ArrayLike<FormElement> }).querySelectorAll('textarea, input'))
            return {
              action: new URL(f.getAttribute('action') || here, here).href,
              method: (f.getAttribute('method') || 'get').toLowerCase(),
              text: inputs
                .filter(e => e.tagName === 'TEXTAREA' || ['text', 'search', 'tel', 'url', 'email'].includes((e.getAttribute('type') || 'text').toLowerCase()))
                .map(e => e.name ?? '')
                .filter(Boolean),
            }
          }),
        )
        for (const form of pageForms) {
          const action = new URL(form.action)
          if (form.text.length === 0 || SKIP_FORM.test(action.pathname)) continue
          // One form of each kind, whoever finds it first (the assessment's elements share one form).
          const formKey = `${form.method} ${pattern(new URL(action.pathname, server.baseUrl)).replace(/\/elements\/[^/]+\//, '/elements/:element/')}`
          if (forms.some(f => f.key === formKey)) continue
          forms.push({ actor, pageUrl: key, action: action.pathname, method: form.method, key: formKey, textFields: form.text })
        }
      },
    })
  }

  let markerCount = 0
  const newMarker = (field: string): string => {
    markerCount += 1
    const marker = `G${markerCount}`
    sentMarkers.set(marker, field)
    return marker
  }

  function isoDate(offsetDays: number): { day: string; month: string; year: string } {
    const date = new Date(Date.now() + offsetDays * 86_400_000)
    return { day: String(date.getUTCDate()), month: String(date.getUTCMonth() + 1), year: String(date.getUTCFullYear()) }
  }

  /** A plain valid value for a constrained field (by its name), or undefined for ordinary free text. */
  function plainValue(field: FieldInfo, n: number): string | undefined {
    const name = field.name.toLowerCase()
    if (field.type === 'email' || /email/.test(name)) return `xss.field${n}@example.com`
    if (field.type === 'tel' || /phone|mobile/.test(name)) return '07700 900123'
    if (/postcode/.test(name)) return 'NS1 1AA'
    const later = /end|finish|until/.test(name)
    if (/hour/.test(name)) return later ? '11' : '10'
    if (/minute(?!s)/.test(name)) return '30'
    if (/time/.test(name)) return later ? '11:30' : '10:30'
    if (field.type === 'url' || /url|website/.test(name)) return 'https://example.org/'
    if (field.inputMode === 'numeric' || /score|number|count|duration|weeks|age|amount|years|months|days/.test(name)) return '3'
    return undefined
  }

  /** Fills a form (the first on its page with that action) and sends it; several tries if fields are refused. */
  type Sent = { status: number; fields: number; kept: number; errors?: string; hiddenBehind: { name: string; index: number }[] }

  /** Fills a form (found on its page by its action) and sends it; several tries if fields are refused. */
  async function sendForm(form: FoundForm, forced: { name: string; index: number } | undefined = undefined): Promise<Sent> {
    const { actor } = form
    const payloadOf = new Map<string, string>() // field name → its marker
    const stage = new Map<string, number>() // field name → 0 payload, 1 short payload, 2 plain value
    const choice = new Map<string, number>() // radio/select/checkbox group → option index
    if (forced) choice.set(forced.name, forced.index)
    let hiddenBehind: { name: string; index: number }[] = []
    let dateOffset = 0
    const dateOffsets = [0, 14, -14, 60, -400]
    let status = 0
    let kept = 0
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await goto(actor, form.pageUrl)
      const index: number = await actor.page.locator('form').evaluateAll(
        (all, pathname) => {
          const here = (globalThis as unknown as { location: { href: string } }).location.href
          return all.findIndex(f => new URL(f.getAttribute('action') || here, here).pathname === pathname)
        },
        form.action,
      )
      const formLocator = actor.page.locator('form').nth(index)
      if (index < 0) {
        // The form is no longer on its page (e.g. what it acts on has ended): nothing to send.
        const main = (await actor.page.locator('main').innerText().catch(() => '')).replace(/\s+/g, ' ').slice(0, 300)
        return { status: 0, fields: payloadOf.size, kept: 0, errors: `the form is no longer on ${form.pageUrl}: ${main}`, hiddenBehind: [] }
      }
      const fields: FieldInfo[] = await formLocator.evaluate(f =>
        Array.from((f as unknown as { elements: ArrayLike<FormElement> }).elements)
          .filter(e => Boolean(e.name))
          .map(e => ({
            name: e.name ?? '',
            id: e.id,
            tag: e.tagName.toLowerCase(),
            type: (e.getAttribute('type') ?? (e.tagName === 'TEXTAREA' ? 'textarea' : 'text')).toLowerCase(),
            inputMode: e.getAttribute('inputmode') ?? '',
            checked: Boolean(e.checked),
            value: e.value ?? '',
            options: e.tagName === 'SELECT' && e.options ? Array.from(e.options).map(o => o.value) : [],
            revealedBy: e.closest('.govuk-radios__conditional')?.id ?? '',
            controls: e.getAttribute('data-aria-controls') ?? e.getAttribute('aria-controls') ?? '',
          })),
      )
      // Text fields a radio reveals (GOV.UK conditional reveals): the radio to choose in another round.
      hiddenBehind = []
      for (const field of fields.filter(f => f.revealedBy && f.type !== 'radio' && f.type !== 'checkbox')) {
        const radios = fields.filter(f => f.type === 'radio' && f.controls === field.revealedBy)
        const radio = radios[0]
        if (!radio) continue
        const index = fields.filter(f => f.name === radio.name).indexOf(radio)
        if (!hiddenBehind.some(h => h.name === radio.name && h.index === index)) hiddenBehind.push({ name: radio.name, index })
      }
      const values: { name: string; index: number; value?: string; check?: boolean }[] = []
      const groupIndex = new Map<string, number>()
      const files: { index: number; name: string; file: { name: string; mimeType: string; buffer: Buffer } }[] = []
      kept = 0
      for (const field of fields) {
        const position = groupIndex.get(field.name) ?? 0
        groupIndex.set(field.name, position + 1)
        if (field.type === 'file') {
          // The file's name is free text too: a document's name is shown on its pages.
          const fieldKey = `${field.name}#${position}`
          const marker = payloadOf.get(fieldKey) ?? newMarker(`${form.actor.name}: ${form.method.toUpperCase()} ${pattern(new URL(form.action, server.baseUrl))} ${field.name} (file name)`)
          payloadOf.set(fieldKey, marker)
          const name = (stage.get(fieldKey) ?? 0) === 0 ? `${shortPayload(marker)}.pdf` : `plain-${marker}.pdf`
          files.push({ index: position, name: field.name, file: { name, mimeType: 'application/pdf', buffer: TINY_PDF } })
          if (name.includes('<')) kept += 1
          continue
        }
        if (field.type === 'hidden' || field.type === 'password' || field.type === 'submit' || field.type === 'button') continue
        if (field.tag === 'select') {
          const options = field.options.filter(Boolean)
          const pick = choice.get(field.name) ?? (field.value ? -1 : 0)
          if (pick >= 0 && options.length > 0) values.push({ name: field.name, index: position, value: options[pick % options.length] })
          continue
        }
        if (field.type === 'radio') {
          const groupChecked = fields.some(f => f.name === field.name && f.checked)
          const pick = choice.get(field.name) ?? (groupChecked ? -1 : 0)
          if (pick === position || (pick >= 0 && pick % fields.filter(f => f.name === field.name).length === position)) {
            values.push({ name: field.name, index: position, check: true })
          }
          continue
        }
        if (field.type === 'checkbox') {
          const pick = choice.get(field.name)
          if (pick !== undefined && pick >= position) values.push({ name: field.name, index: position, check: true })
          continue
        }
        if (field.type === 'number') {
          values.push({ name: field.name, index: position, value: '3' })
          continue
        }
        const datePart = field.name.match(/-(day|month|year)$/)
        if (datePart) {
          const date = isoDate(dateOffsets[dateOffset % dateOffsets.length] ?? 0)
          values.push({ name: field.name, index: position, value: date[datePart[1] as 'day' | 'month' | 'year'] })
          continue
        }
        const fieldKey = `${field.name}#${position}`
        let marker = payloadOf.get(fieldKey)
        if (!marker) {
          marker = newMarker(`${form.actor.name}: ${form.method.toUpperCase()} ${pattern(new URL(form.action, server.baseUrl))} ${field.name}`)
          payloadOf.set(fieldKey, marker)
        }
        const plain = plainValue(field, markerCount)
        const level = stage.get(fieldKey) ?? 0
        let value: string
        if (level === 0) value = payload(marker)
        else if (plain === undefined) value = level === 1 ? shortPayload(marker) : `Plain words for field ${marker}`
        else value = plain === '3' ? (['3', '12', '1', '30'][level - 1] ?? '3') : plain
        if (value.includes(marker)) kept += 1
        values.push({ name: field.name, index: position, value })
      }
      await formLocator.evaluate((f, wanted) => {
        const byName = new Map<string, FormElement[]>()
        for (const e of Array.from((f as unknown as { elements: ArrayLike<FormElement> }).elements)) {
          if (e.name) byName.set(e.name, [...(byName.get(e.name) ?? []), e])
        }
        for (const item of wanted) {
          const element = byName.get(item.name)?.[item.index]
          if (!element) continue
          if (item.check) {
            element.checked = true
            element.dispatchEvent(new (globalThis as unknown as { Event: new (type: string, init: object) => object }).Event('change', { bubbles: true }))
          } else if (item.value !== undefined) {
            element.value = item.value
          }
        }
      }, values)
      for (const upload of files) {
        await formLocator.locator(`input[type="file"][name="${upload.name}"]`).nth(upload.index).setInputFiles(upload.file)
      }
      const submit = formLocator.locator('button[type="submit"], button:not([type]), input[type="submit"]').first()
      let response: Response | null = null
      try {
        // Sent as a person would, but without the browser's own checks (a test of the server's) and whether or not
        // the button is in view (a form inside a closed <details>).
        await formLocator.evaluate(f => {
          ;(f as unknown as { noValidate: boolean }).noValidate = true
        })
        ;[response] = await Promise.all([
          actor.page.waitForNavigation({ waitUntil: 'load' }),
          submit.evaluate(button => (button as unknown as { click: () => void }).click()),
        ])
      } catch (error) {
        findings.push({ where: `${actor.name}: sending ${form.key}`, url: actor.page.url(), detail: `did not lead to a page: ${String(error).slice(0, 200)}` })
        return { status: 0, fields: payloadOf.size, kept: 0, hiddenBehind: [] }
      }
      status = response?.status() ?? 0
      if (status >= 500) {
        const log = server.output().split('\n').filter(line => /error|Error/.test(line)).slice(-3).join('\n').slice(0, 1500)
        findings.push({ where: `${actor.name}: sending ${form.key}`, url: actor.page.url(), detail: `answered ${status}; the server's log: ${log}` })
      }
      checkedPages.add(`${actor.name} answer to ${form.key}`)
      await inspect(actor, `the answer to ${form.key} (try ${attempt + 1})`)
      if (status !== 400 && status !== 422 && status !== 409) break
      // Refused: move on each field the error summary names (payload → short payload → plain value; next option).
      const errorTargets: string[] = await actor.page
        .locator('.govuk-error-summary a[href^="#"]')
        .evaluateAll(links => links.map(a => (a.getAttribute('href') ?? '').slice(1)))
      if (errorTargets.length === 0) break
      for (const target of errorTargets) {
        const named = fields.filter(f => f.id === target || f.name === target || f.name.startsWith(`${target}-`) || target.startsWith(`${f.name}-`) || (f.id && target.startsWith(f.id)))
        const field = named[0] ?? fields.find(f => target.startsWith(f.name))
        if (!field) continue
        if (/-(day|month|year)$/.test(field.name)) dateOffset += 1
        else if (field.type === 'radio' || field.tag === 'select' || field.type === 'checkbox') choice.set(field.name, (choice.get(field.name) ?? 0) + 1)
        else {
          const keyed = [...payloadOf.keys()].filter(k => k.startsWith(`${field.name}#`))
          for (const k of keyed) stage.set(k, (stage.get(k) ?? 0) + 1)
        }
      }
    }
    const refused = status === 400 || status === 422 || status === 409
    const errors = refused ? await actor.page.locator('.govuk-error-summary__list').innerText().catch(() => '') : ''
    return { status, fields: payloadOf.size, kept, errors: errors.replace(/\s+/g, ' ').trim(), hiddenBehind }
  }

  it('sends a payload through every free-text field it can reach and finds none of them run on any page', async () => {
    const started = Date.now()
    const practitioner = await openActor('practitioner')
    const coordinator = await openActor('coordinator')
    const administrator = await openActor('administrator')
    const parent = await openActor('parent (family)')
    const youngPerson = await openActor('young person (family)')
    const anonymous = await openActor('anonymous')
    await signIn(practitioner, demoAccounts.practitioner)
    await signIn(coordinator, demoAccounts.coordinator)
    await signIn(administrator, demoAccounts.administrator)

    const marshUrl = await demoEpisodeUrl(practitioner, 'Tegan Marsh')
    const marshId = marshUrl.match(UUID)?.[0]
    assert.ok(marshId)
    await invite(practitioner, marshUrl, 'Karen Marsh', 'A parent or carer', 'karen.xss@example.com')
    await invite(practitioner, marshUrl, 'Tegan Marsh', 'A young person', 'tegan.xss@example.com')
    await familySignIn(parent, administrator, 'karen.xss@example.com')
    await familySignIn(youngPerson, administrator, 'tegan.xss@example.com')
    const familyHome = new URL(parent.page.url()).pathname
    assert.match(familyHome, /^\/family\/episodes\//)
    for (const actor of [practitioner, coordinator, parent, youngPerson]) actor.focus.push(marshId)

    // 1. Where the forms are.
    const forms: FoundForm[] = []
    const starts: [Actor, string[]][] = [
      [practitioner, [marshUrl, '/', '/episodes', '/people']],
      [coordinator, [marshUrl, '/']],
      [administrator, ['/admin', '/']],
      [parent, [familyHome, '/family/account']],
      [youngPerson, [familyHome, '/family/account']],
    ]
    // The actors crawl side by side (each in its own browser context), then their forms are sent side by side.
    const firstPages = (await Promise.all(starts.map(([actor, from]) => crawl(actor, from, forms)))).reduce((a, b) => a + b, 0)
    const discovered = Date.now()

    // 2. A payload in every free-text field of every form; the forms that end something last, one at a time.
    const sent: string[] = []
    let fieldsWithPayload = 0
    const send = async (form: FoundForm) => {
      const result = await sendForm(form)
      fieldsWithPayload += result.fields
      sent.push(`${form.actor.name}: ${form.key} → ${result.status} (${result.kept}/${result.fields} fields kept their payload)${result.errors ? ` — ${result.errors}` : ''}`)
      // Again for each radio that reveals further text fields (e.g. "not done" and why), choosing that radio.
      for (const forced of result.hiddenBehind) {
        const again = await sendForm(form, forced)
        fieldsWithPayload += again.fields
        sent.push(`${form.actor.name}: ${form.key} choosing ${forced.name} #${forced.index + 1} → ${again.status} (${again.kept}/${again.fields} fields kept their payload)${again.errors ? ` — ${again.errors}` : ''}`)
      }
    }
    const ordinary = forms.filter(form => !ENDING_FORM.test(form.action))
    await Promise.all(
      starts.map(async ([actor]) => {
        for (const form of ordinary.filter(f => f.actor === actor)) await send(form)
      }),
    )
    // What may close the episode goes very last: a closed episode's forms refuse changes.
    const ending = forms.filter(f => ENDING_FORM.test(f.action)).sort((a, b) => endingRank(a.action) - endingRank(b.action))
    for (const form of ending) await send(form)
    // The anonymous forms whose answers repeat what was typed (sign-in, forgotten password, the family's sign-in).
    const anonymousForms: FoundForm[] = []
    for (const pathname of ['/sign-in', '/forgot-password', '/family/sign-in']) {
      anonymousForms.push({ actor: anonymous, pageUrl: pathname, action: pathname, method: 'post', key: `anonymous post ${pathname}`, textFields: [] })
    }
    for (const form of anonymousForms) {
      const result = await sendForm(form)
      fieldsWithPayload += result.fields
      sent.push(`${form.actor.name}: ${form.key} → ${result.status} (${result.kept}/${result.fields} fields kept their payload)${result.errors ? ` — ${result.errors}` : ''}`)
    }
    const submitted = Date.now()

    // 3. Every page again, for everyone.
    const everyone: [Actor, string[]][] = [...starts, [anonymous, ['/', '/sign-in', '/forgot-password', '/family/sign-in']]]
    const secondPages = (await Promise.all(everyone.map(([actor, from]) => crawl(actor, from, undefined)))).reduce((a, b) => a + b, 0)
    const finished = Date.now()

    const distinctFields = new Set([...sentMarkers.values()].map(field => field.replace(/^[^:]+: /, ''))).size
    const unseen = [...sentMarkers].filter(([marker]) => !seenMarkers.has(marker)).map(([marker, field]) => `${marker} ${field}`)
    console.log(
      [
        `forms sent: ${forms.length + anonymousForms.length} (${sent.length} sendings); distinct free-text fields given a payload: ${distinctFields}; payloads sent: ${fieldsWithPayload}`,
        `pages checked: ${checkedPages.size} (first crawl ${firstPages}, after the payloads ${secondPages}, plus each form's answer)`,
        `payload markers shown back as text somewhere: ${seenMarkers.size} of ${sentMarkers.size}`,
        `time: crawl ${Math.round((discovered - started) / 1000)} s, forms ${Math.round((submitted - discovered) / 1000)} s, crawl again ${Math.round((finished - submitted) / 1000)} s`,
        ...sent.map(line => `  ${line}`),
        `markers never shown back (refused, or stored where no page shows it):`,
        ...unseen.map(line => `  ${line}`),
      ].join('\n'),
    )
    assert.ok(distinctFields >= 40, `only ${distinctFields} fields were given a payload: the crawl found too few forms`)
    assert.ok(seenMarkers.size >= 30, `only ${seenMarkers.size} payloads came back on a page: the check would prove little`)
    const text = findings.map(f => `  [${f.where}] ${f.url}\n    ${f.detail}`).join('\n')
    assert.equal(findings.length, 0, `${findings.length} problem(s):\n${text}`)
  })
})
