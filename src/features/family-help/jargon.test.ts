import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createViewEnvironment } from '../../plugins/views.ts'
import { GLOSSARY, JARGON_TERMS } from './glossary.ts'
import { linkJargon } from './jargon.ts'

describe('the jargon filter', () => {
  it('links whole words to the glossary, short forms exactly as written, the first time only', () => {
    const html = linkJargon('The SENCO asked CAMHS. The SENCO said camhs is busy. SENCOS and XCAMHS are not words.')
    assert.equal(
      html,
      'The <a class="govuk-link" href="/family/help/words#senco">SENCO</a> asked <a class="govuk-link" href="/family/help/words#camhs">CAMHS</a>. The SENCO said camhs is busy. SENCOS and XCAMHS are not words.',
    )
  })

  it('links plain words in any capitals, the longest phrase first', () => {
    assert.equal(linkJargon('Our Lead Professional sent the minutes.'), 'Our <a class="govuk-link" href="/family/help/words#lead-professional">Lead Professional</a> sent the <a class="govuk-link" href="/family/help/words#minutes">minutes</a>.')
    assert.equal(linkJargon('The team around the family met.'), 'The <a class="govuk-link" href="/family/help/words#taf">team around the family</a> met.')
  })

  it('leaves "10 minutes" alone (time, not a meeting\'s notes)', () => {
    assert.equal(linkJargon('It lasts 10 minutes.'), 'It lasts 10 minutes.')
  })

  it('escapes everything, including text that looks like a link or a script', () => {
    const html = linkJargon('<script>alert("x")</script> & <a href="javascript:1">CAMHS</a>')
    assert.equal(html.includes('<script'), false)
    assert.equal(html.includes('href="javascript'), false)
    assert.match(html, /&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt; &amp; &lt;a href=&quot;javascript:1&quot;&gt;<a class="govuk-link" href="\/family\/help\/words#camhs">CAMHS<\/a>&lt;\/a&gt;/)
  })

  it('links Welsh words on Welsh pages only, and mutated letters do not break words', () => {
    assert.equal(linkJargon('Mae’r cofnodion yn hwyr.', 'cy'), 'Mae’r <a class="govuk-link" href="/family/help/words#minutes">cofnodion</a> yn hwyr.')
    assert.equal(linkJargon('Mae’r cofnodion yn hwyr.', 'en'), 'Mae’r cofnodion yn hwyr.')
    assert.equal(linkJargon('caniatâd', 'cy'), '<a class="govuk-link" href="/family/help/words#consent">caniatâd</a>')
  })

  it('treats null and numbers as text', () => {
    assert.equal(linkJargon(null), '')
    assert.equal(linkJargon(undefined), '')
    assert.equal(linkJargon(42), '42')
  })

  it('is registered as a nunjucks filter that autoescaping does not escape twice', () => {
    const env = createViewEnvironment()
    const html = env.renderString('<p>{{ text | jargon(language) }}</p>', { text: 'Ask the GP & the HV', language: 'en' })
    assert.equal(html, '<p>Ask the <a class="govuk-link" href="/family/help/words#gp">GP</a> &amp; the <a class="govuk-link" href="/family/help/words#hv">HV</a></p>')
  })

  it('exports every term it links, each with a unique anchor and a meaning', () => {
    assert.ok(JARGON_TERMS.includes('SENCO') && JARGON_TERMS.includes('safeguarding'))
    const ids = GLOSSARY.map(entry => entry.id)
    assert.equal(new Set(ids).size, ids.length)
    for (const entry of GLOSSARY) {
      assert.match(entry.id, /^[a-z-]+$/)
      assert.ok(entry.meaning.length > 0)
      for (const term of [...(entry.exact ?? []), ...(entry.words ?? [])]) {
        assert.match(linkJargon(term), new RegExp(`#${entry.id}"`), `${term} links to #${entry.id}`)
      }
    }
  })
})
