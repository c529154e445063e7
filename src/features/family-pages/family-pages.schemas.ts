import { z } from 'zod'
import { csrfField } from '../../lib/validation.ts'

// The family's forms. Every message is a whole English sentence that has Welsh in src/locales/cy/family-pages.po
// (the routes put them through t()), so the messages are written here rather than built from a label.

const CONTROL_SINGLE_LINE = /[\u0000-\u001f\u007f\ufffd]/
const CONTROL_MULTI_LINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\ufffd]/

const NOT_ALLOWED = 'What you wrote has characters we cannot keep. Take them out and try again.'

export function words(options: { max: number; multiLine: boolean; empty?: string; tooLong: string }) {
  const control = options.multiLine ? CONTROL_MULTI_LINE : CONTROL_SINGLE_LINE
  const base = z
    .string({ error: options.empty ?? NOT_ALLOWED })
    .optional()
    .transform(value => value ?? '')
    .refine(value => value.isWellFormed() && !control.test(value), { message: NOT_ALLOWED })
    .transform(value => value.replace(/\r\n/g, '\n').trim())
    .refine(value => value.length <= options.max, { message: options.tooLong })
  const empty = options.empty
  return empty === undefined ? base : base.refine(value => value.length > 0, { message: empty })
}

const version = z.coerce
  .number({ error: 'Reload the page and try again.' })
  .int({ message: 'Reload the page and try again.' })
  .min(0, { message: 'Reload the page and try again.' })
  .max(2_147_483_647, { message: 'Reload the page and try again.' })

export const supporterForm = z.strictObject({
  ...csrfField,
  kind: z.enum(['advocate', 'friend', 'parent_advice', 'other_supporter'], { error: 'Choose who you would like to join.' }),
  supporterName: words({ max: 200, multiLine: false, tooLong: 'Their name must be 200 characters or fewer.' }),
  contact: words({ max: 200, multiLine: false, tooLong: 'How to reach them must be 200 characters or fewer.' }),
  why: words({ max: 2000, multiLine: true, tooLong: 'What you want to tell us must be 2,000 characters or fewer.' }),
})
export type SupporterInput = z.output<typeof supporterForm>

export const actionUpdateForm = z
  .strictObject({
    ...csrfField,
    intent: z.enum(['done', 'comment'], { error: 'Reload the page and try again.' }),
    comment: words({ max: 2000, multiLine: true, tooLong: 'Your comment must be 2,000 characters or fewer.' }),
    version,
  })
  .refine(value => value.intent === 'done' || value.comment.length > 0, { message: 'Write your comment.', path: ['comment'] })
export type ActionUpdateInput = z.output<typeof actionUpdateForm>

export const agendaForm = z.strictObject({
  ...csrfField,
  text: words({ max: 500, multiLine: true, empty: 'Write what you would like to talk about.', tooLong: 'What you would like to talk about must be 500 characters or fewer.' }),
})
export type AgendaInput = z.output<typeof agendaForm>

export const beforeMeetingForm = z
  .strictObject({
    ...csrfField,
    goingWell: words({ max: 4000, multiLine: true, tooLong: 'This answer must be 4,000 characters or fewer.' }),
    worrying: words({ max: 4000, multiLine: true, tooLong: 'This answer must be 4,000 characters or fewer.' }),
    wouldLike: words({ max: 4000, multiLine: true, tooLong: 'This answer must be 4,000 characters or fewer.' }),
    version,
  })
  .refine(value => value.goingWell.length + value.worrying.length + value.wouldLike.length > 0, { message: 'Write something in at least one box.', path: ['goingWell'] })
export type BeforeMeetingInput = z.output<typeof beforeMeetingForm>
