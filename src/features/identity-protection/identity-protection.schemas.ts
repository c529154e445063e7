import { z } from 'zod'
import { csrfField, list, longText, uuid } from '../../lib/validation.ts'

export const PROTECTED_FIELDS = ['address', 'phone', 'email', 'school', 'whereabouts'] as const

/** "Do not disclose to": which details, withheld from whom (a person record or a family account), and why. */
export const protectForm = z
  .strictObject({
    ...csrfField,
    fields: list(z.enum(PROTECTED_FIELDS, { error: 'Select the details to withhold' })).refine(value => value.length > 0, { message: 'Select the details to withhold' }),
    withheldFrom: z
      .string({ error: 'Select who must not see them' })
      .regex(/^(person|account):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'Select who must not see them'),
    reason: longText('why these details must be withheld', { max: 2000 }),
    alsoWithhold: longText('other ways the details may be written', { max: 2000, required: false }).optional().transform(value => value ?? ''),
  })
  .superRefine((value, context) => {
    if (value.fields.includes('whereabouts') && value.alsoWithhold === '') {
      context.addIssue({ code: 'custom', path: ['alsoWithhold'], message: 'Enter where the person is now, so that it can be withheld' })
    }
  })

export type ProtectInput = z.infer<typeof protectForm>

export const endForm = z.strictObject({
  ...csrfField,
  protectionId: uuid('The protection'),
  endReason: longText('why the protection is no longer needed', { max: 2000 }),
})

export type EndInput = z.infer<typeof endForm>
