import { z } from 'zod'
import { csrfField } from '../../lib/validation.ts'

const NOT_ALLOWED = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/
export const VIEWS_MAX = 5000

/** One of the three boxes: optional, trimmed, bounded; every message is a sentence in the family's catalogue. */
function viewsBox() {
  return z.preprocess(
    value => value ?? '',
    z
      .string({ error: 'Something went wrong with this box. Go back and try again.' })
      .refine(value => !NOT_ALLOWED.test(value), { message: 'This has characters we cannot save. Take them out and try again.' })
      .transform(value => value.replace(/\r\n/g, '\n').trim())
      .refine(value => value.length <= VIEWS_MAX, { message: 'Write 5,000 characters or fewer.' }),
  )
}

export const myViewsForm = z
  .strictObject({
    ...csrfField,
    goingWell: viewsBox(),
    worrying: viewsBox(),
    wouldLike: viewsBox(),
    share: z.enum(['yes'], { error: 'Something went wrong with this box. Go back and try again.' }).optional(),
    version: z
      .string({ error: 'Something went wrong. Go back and try again.' })
      .regex(/^\d{1,9}$/, { message: 'Something went wrong. Go back and try again.' })
      .optional(),
  })
  .refine(form => form.goingWell !== '' || form.worrying !== '' || form.wouldLike !== '', { message: 'Write something in at least one box.', path: ['goingWell'] })

export type MyViewsForm = z.infer<typeof myViewsForm>
