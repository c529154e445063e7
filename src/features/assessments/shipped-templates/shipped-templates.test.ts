import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { templateContentSchema, SLUG } from '../templates.schemas.ts'
import { elementsOf, riskQuestionOf } from '../template-content.ts'
import { SHIPPED_TEMPLATES } from './index.ts'

describe('shipped assessment templates', () => {
  it('are valid content with stable slug keys, unique within each template, and one risk question each', () => {
    for (const template of SHIPPED_TEMPLATES) {
      assert.doesNotThrow(() => templateContentSchema.parse(template.content), template.templateKey)
      const keys = elementsOf(template.content).map(({ element }) => element.key)
      assert.equal(new Set(keys).size, keys.length, `${template.templateKey}: element keys are unique`)
      for (const key of keys) assert.match(key, SLUG)
      assert.equal(template.content.checklist.filter(q => q.riskOfSignificantHarm).length, 1, template.templateKey)
      assert.ok(riskQuestionOf(template.content))
      for (const { element } of elementsOf(template.content)) assert.ok(element.prompts.length >= 2, `${template.templateKey}/${element.key} has prompts`)
    }
  })

  it('the standard CAF has the 19 elements in 3 domains', () => {
    const caf = SHIPPED_TEMPLATES.find(t => t.templateKey === 'caf-standard')
    assert.ok(caf)
    assert.deepEqual(
      caf.content.domains.map(d => [d.key, d.scope, d.elements.length]),
      [
        ['child-development', 'each-child', 12],
        ['parents-and-carers', 'family', 3],
        ['family-and-environment', 'family', 4],
      ],
    )
    assert.equal(caf.content.assessmentName, 'common assessment')
    const domainQuestions = caf.content.checklist.filter(q => q.domainKey).map(q => q.domainKey)
    assert.deepEqual(domainQuestions, ['child-development', 'parents-and-carers', 'family-and-environment'])
  })

  it('the whole-family and Wales variants add the adults domain; Wales uses Families First words', () => {
    const whole = SHIPPED_TEMPLATES.find(t => t.templateKey === 'caf-whole-family')
    const wales = SHIPPED_TEMPLATES.find(t => t.templateKey === 'wales-families-first')
    assert.ok(whole && wales)
    for (const template of [whole, wales]) {
      const adults = template.content.domains.find(d => d.key === 'adults')
      assert.deepEqual(adults?.elements.map(e => e.key), ['adults-health', 'family-routines', 'employment-and-aspirations', 'offending', 'caring-responsibilities'])
      assert.equal(adults?.scope, 'family')
      assert.equal(elementsOf(template.content).length, 24)
    }
    assert.equal(wales.nation, 'wales')
    assert.equal(wales.content.assessmentName, 'Families First assessment')
    assert.equal(wales.content.terms?.team, 'Team Around the Family')
    assert.match(JSON.stringify(wales.content), /what matters/i)
    assert.match(wales.content.familyExplanation, /Joint Assessment Family Framework/)
  })
})
