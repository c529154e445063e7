import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { CAF_STANDARD } from './shipped-templates/caf-standard.ts'
import {
  editTemplateContent,
  elementField,
  initialEditValues,
  NEW_QUESTION_FIELD,
  newElementField,
  questionField,
  uniqueSlug,
  type EditBase,
} from './templates.editor.ts'

// The content editing of "make a new version", as a pure function: form fields + the version edited → new content or
// errors.

const base: EditBase = { name: 'Common Assessment Framework (standard)', content: CAF_STANDARD }

function form(changes: Record<string, string | undefined>): Record<string, string> {
  const values: Record<string, string> = { ...initialEditValues(base, 1), changeSummary: 'Local changes', _csrf: 'token' }
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) delete values[key]
    else values[key] = value
  }
  return values
}

function edited(changes: Record<string, string | undefined>, usedKeys?: Set<string>) {
  const result = editTemplateContent(base, form(changes), usedKeys ? { usedKeys } : {})
  if (!result.ok) assert.fail(`expected a valid edit, got ${result.errors.errors.map(error => error.text).join('; ')}`)
  return result.edit
}

function refused(changes: Record<string, string | undefined>) {
  const result = editTemplateContent(base, form(changes))
  assert.equal(result.ok, false, 'expected errors')
  return result.ok ? assert.fail('unreachable') : result.errors
}

describe('template content editing', () => {
  it('renames an element, edits its prompts one a line, keeps its key', () => {
    const edit = edited({
      [elementField('child-development', 'general-health', 'title')]: 'Health and well-being',
      [elementField('child-development', 'general-health', 'prompts')]: '  First prompt \r\n\n Second prompt\n',
    })
    const element = edit.content.domains[0]?.elements[0]
    assert.deepEqual(element, { key: 'general-health', title: 'Health and well-being', prompts: ['First prompt', 'Second prompt'] })
    assert.equal(edit.expectedLatestVersion, 1)
    assert.equal(edit.changeSummary, 'Local changes')
  })

  it('removes an element and adds one with a unique slug key, at the end of its domain', () => {
    const edit = edited(
      {
        [elementField('family-and-environment', 'wider-family', 'remove')]: 'yes',
        [newElementField('family-and-environment', 'title')]: 'Young carers’ support & respite',
        [newElementField('family-and-environment', 'prompts')]: 'Who helps the carer\nBreaks from caring',
      },
      new Set(['young-carers-support-respite']),
    )
    const domain = edit.content.domains.find(d => d.key === 'family-and-environment')
    assert.ok(domain)
    assert.deepEqual(
      domain.elements.map(e => e.key),
      ['family-history-functioning-and-well-being', 'housing-employment-and-financial-considerations', 'social-and-community-elements-and-resources', 'young-carers-support-respite-2'],
    )
    assert.deepEqual(domain.elements.at(-1)?.prompts, ['Who helps the carer', 'Breaks from caring'])
    // Everything else is as it was.
    assert.equal(edit.content.domains[0]?.elements.length, 12)
    assert.deepEqual(edit.content.checklist, CAF_STANDARD.checklist)
  })

  it('adds a checklist question before the risk question, and removes another', () => {
    const edit = edited({
      [NEW_QUESTION_FIELD]: 'Is the child a young carer?',
      newQuestion__hint: 'Caring for a parent or sibling',
      [questionField('needs-beyond-one-service', 'remove')]: 'yes',
    })
    const keys = edit.content.checklist.map(q => q.key)
    assert.deepEqual(keys, ['child-development-concerns', 'parents-and-carers-concerns', 'family-and-environment-concerns', 'is-the-child-a-young-carer', 'risk-of-significant-harm'])
    assert.equal(edit.content.checklist.filter(q => q.riskOfSignificantHarm).length, 1)
    assert.equal(edit.content.checklist[3]?.hint, 'Caring for a parent or sibling')
  })

  it('lets the risk question be reworded but never removed', () => {
    const reworded = edited({ [questionField('risk-of-significant-harm', 'question')]: 'Is the child at risk of significant harm?' })
    assert.equal(reworded.content.checklist.at(-1)?.question, 'Is the child at risk of significant harm?')
    assert.equal(reworded.content.checklist.at(-1)?.riskOfSignificantHarm, true)
    const errors = refused({ [questionField('risk-of-significant-harm', 'remove')]: 'yes' })
    assert.match(errors.fieldErrors[questionField('risk-of-significant-harm', 'question')]?.text ?? '', /cannot remove the question about risk of significant harm/)
    assert.equal(errors.errors[0]?.href, `#${questionField('risk-of-significant-harm', 'question')}`)
  })

  it('refuses empty names, empty domains, duplicate names, prompts without a name, and no change at all', () => {
    const blank = refused({ [elementField('child-development', 'aspirations', 'title')]: '  ' })
    assert.match(blank.fieldErrors[elementField('child-development', 'aspirations', 'title')]?.text ?? '', /^Enter a name for the element Aspirations/)

    const emptied = refused({
      [elementField('parents-and-carers', 'basic-care-safety-and-protection', 'remove')]: 'yes',
      [elementField('parents-and-carers', 'emotional-warmth-and-stability', 'remove')]: 'yes',
      [elementField('parents-and-carers', 'guidance-boundaries-and-stimulation', 'remove')]: 'yes',
    })
    assert.match(emptied.errors.map(e => e.text).join(), /Keep at least one element in Parents and carers/)

    const duplicate = refused({ [newElementField('child-development', 'title')]: 'wider  family' })
    assert.match(duplicate.fieldErrors[newElementField('child-development', 'title')]?.text ?? '', /There is already an element called wider {2}family/)

    const orphan = refused({ [newElementField('child-development', 'prompts')]: 'A prompt' })
    assert.match(orphan.fieldErrors[newElementField('child-development', 'title')]?.text ?? '', /Enter a name for the new element/)

    const unchanged = refused({})
    assert.match(unchanged.errors[0]?.text ?? '', /You have not changed anything/)

    const noSummary = refused({ changeSummary: '', name: 'New name' })
    assert.match(noSummary.fieldErrors.changeSummary?.text ?? '', /Enter what you changed and why/)
  })

  it('refuses unknown fields, missing fields and over-long prompts', () => {
    const unknown = editTemplateContent(base, { ...form({}), element__nope__nope__title: 'x' })
    assert.equal(unknown.ok, false)
    const missing = refused({ [elementField('child-development', 'identity', 'prompts')]: undefined })
    assert.ok(missing.fieldErrors[elementField('child-development', 'identity', 'prompts')])
    const long = refused({ [elementField('child-development', 'identity', 'prompts')]: 'x'.repeat(301) })
    assert.match(long.errors[0]?.text ?? '', /300 characters or fewer/)
    const many = refused({ [elementField('child-development', 'identity', 'prompts')]: Array.from({ length: 21 }, (_v, i) => `Prompt ${i}`).join('\n') })
    assert.match(many.errors[0]?.text ?? '', /up to 20 prompts/)
    const array = editTemplateContent(base, { ...form({}), name: ['a', 'b'] })
    assert.equal(array.ok, false)
  })

  it('makes slugs from titles', () => {
    const taken = new Set(['aspirations'])
    assert.equal(uniqueSlug('Aspirations', taken, 'element'), 'aspirations-2')
    assert.equal(uniqueSlug('Aspirations', taken, 'element'), 'aspirations-3')
    assert.equal(uniqueSlug('  Crème brûlée — the “best” ', taken, 'element'), 'creme-brulee-the-best')
    assert.equal(uniqueSlug('!!!', taken, 'element'), 'element')
    assert.match(uniqueSlug('a '.repeat(80), taken, 'element'), /^[a-z0-9]+(-[a-z0-9]+)*$/)
  })
})
