import { z } from 'zod'
import { csrfField, emailAddress, text, uuid } from '../../lib/validation.ts'
import { ukMobile } from './sms.ts'

// Forms of family access. Messages on the family's own forms are plain English sentences that have Welsh in
// src/locales/cy/family-auth.po (the routes translate them).

export type Contact = { email: string } | { mobile: string }

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/** An email address or a UK mobile number, as a family member would type it. */
export function parseContact(value: string): Contact | null {
  const trimmed = value.trim()
  if (trimmed.includes('@')) return EMAIL.test(trimmed) && trimmed.length <= 254 ? { email: trimmed.toLowerCase() } : null
  const mobile = ukMobile(trimmed)
  return mobile ? { mobile } : null
}

export const CONTACT_MESSAGES = {
  empty: 'Enter your email address or mobile number',
  invalid: 'Enter an email address like name@example.com, or a UK mobile number like 07700 900123',
  code: 'Enter the code we sent you. It has 6 numbers, like 123456',
} as const

export const signInForm = z.strictObject({
  ...csrfField,
  contact: z
    .string({ error: CONTACT_MESSAGES.empty })
    .max(300, CONTACT_MESSAGES.invalid)
    .refine(value => value.trim().length > 0, CONTACT_MESSAGES.empty)
    .refine(value => value.trim().length === 0 || (value.isWellFormed() && parseContact(value) !== null), CONTACT_MESSAGES.invalid)
    .transform(value => parseContact(value) as Contact),
  returnTo: z.string().max(500).optional(),
})

export const codeForm = z.strictObject({
  ...csrfField,
  code: z
    .string({ error: CONTACT_MESSAGES.code })
    .max(50, CONTACT_MESSAGES.code)
    .transform(value => value.replace(/[\s-]/g, ''))
    .refine(value => /^\d{6}$/.test(value), CONTACT_MESSAGES.code),
})

export const languageForm = z.strictObject({
  ...csrfField,
  language: z.enum(['en', 'cy'], { error: 'Choose English or Cymraeg' }),
  returnTo: z.string().max(500).optional(),
})

export const endOthersForm = z.strictObject({ ...csrfField })
export const signOutForm = z.strictObject({ ...csrfField })

// ---- the practitioner's invitation ------------------------------------------------------------------------------

export const inviteForm = z
  .strictObject({
    ...csrfField,
    memberId: uuid('The family member').or(z.literal('')).refine(value => value !== '', 'Choose who to invite'),
    kind: z.enum(['parent_carer', 'young_person'], { error: 'Choose whether they are a parent or carer, or a young person' }),
    parentalResponsibility: z.literal('yes').optional(),
    judgedCompetent: z.literal('yes').optional(),
    judgedBy: text('who judged them competent', { max: 200, required: false }).optional(),
    channel: z.enum(['email', 'sms'], { error: 'Choose how to send the invitation' }),
    email: z.union([z.literal(''), emailAddress()]).optional(),
    mobile: z.string().max(40).optional(),
    language: z.enum(['en', 'cy'], { error: 'Choose the language they want' }),
  })
  .superRefine((value, context) => {
    if (value.kind === 'parent_carer' && value.parentalResponsibility !== 'yes') {
      context.addIssue({ code: 'custom', path: ['parentalResponsibility'], message: 'Confirm that they have parental responsibility, or that they are the child’s carer' })
    }
    if (value.channel === 'email' && !value.email) context.addIssue({ code: 'custom', path: ['email'], message: 'Enter their email address' })
    if (value.channel === 'sms') {
      if (!value.mobile?.trim()) context.addIssue({ code: 'custom', path: ['mobile'], message: 'Enter their mobile number' })
      else if (!ukMobile(value.mobile)) context.addIssue({ code: 'custom', path: ['mobile'], message: 'Enter a UK mobile number, like 07700 900123' })
    }
    if (value.kind === 'young_person' && value.judgedCompetent === 'yes' && !value.judgedBy) {
      context.addIssue({ code: 'custom', path: ['judgedBy'], message: 'Enter who judged them competent, and their role' })
    }
  })
  .transform(value => ({
    memberId: value.memberId,
    kind: value.kind,
    judgedCompetent: value.judgedCompetent === 'yes',
    judgedBy: value.judgedBy || null,
    channel: value.channel,
    contact: (value.channel === 'email' ? { email: value.email ?? '' } : { mobile: ukMobile(value.mobile ?? '') ?? '' }) as Contact,
    language: value.language,
  }))

export type InviteInput = z.infer<typeof inviteForm>

export const endAccessForm = z.strictObject({ ...csrfField, confirm: z.literal('yes', { error: 'Confirm that their access should end' }) })
