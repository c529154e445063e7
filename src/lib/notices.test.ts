import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { FastifyRequest } from 'fastify'
import { noticeFrom, withNotice } from './notices.ts'

const NOTICES = { saved: 'The panel has been saved.' }
const asked = (done: unknown) => ({ query: { done } }) as unknown as FastifyRequest

describe('the success banner after a change', () => {
  it('shows the page\'s own message for its code', () => {
    assert.deepEqual(noticeFrom(asked('saved'), NOTICES), { success: true, text: 'The panel has been saved.' })
  })

  it('shows nothing for an unknown code, a property every object has, or a code that is not text', () => {
    for (const done of ['nope', '__proto__', 'constructor', 'toString', 'hasOwnProperty', ['saved'], undefined]) {
      assert.equal(noticeFrom(asked(done), NOTICES), undefined, String(done))
    }
    assert.equal(noticeFrom({ query: undefined } as unknown as FastifyRequest, NOTICES), undefined)
  })

  it('adds the code to the page address, after any query it already has', () => {
    assert.equal(withNotice('/episodes/1/panels', 'listed'), '/episodes/1/panels?done=listed')
    assert.equal(withNotice('/admin/users?page=2', 'saved'), '/admin/users?page=2&done=saved')
  })
})
