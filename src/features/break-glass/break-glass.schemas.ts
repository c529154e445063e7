import { z } from 'zod'
import { csrfField, longText } from '../../lib/validation.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

// Forms of break-glass, sharing without agreement and the agencies' lawful bases.

/** UK GDPR Article 6 lawful bases an agency may rely on for early help sharing. */
export const LAWFUL_BASES = {
  public_task: 'Public task (Article 6(1)(e))',
  legal_obligation: 'Legal obligation (Article 6(1)(c))',
  vital_interests: 'Vital interests (Article 6(1)(d))',
  recognised_legitimate_interest: 'Recognised legitimate interest: safeguarding (Article 6(1)(ea), Data (Use and Access) Act 2025)',
  legitimate_interests: 'Legitimate interests (Article 6(1)(f))',
  consent: 'Consent (Article 6(1)(a))',
} as const

/** The condition for special category data (UK GDPR Article 9 and DPA 2018 Schedule 1). */
export const SPECIAL_CATEGORY_CONDITIONS = {
  safeguarding_children: 'Safeguarding of children and individuals at risk (DPA 2018 Schedule 1 paragraph 18)',
  statutory_purposes: 'Statutory and government purposes (DPA 2018 Schedule 1 paragraph 6)',
  health_social_care: 'Health or social care (Article 9(2)(h), DPA 2018 Schedule 1 paragraph 2)',
  substantial_public_interest: 'Substantial public interest (Article 9(2)(g))',
  explicit_consent: 'Explicit consent (Article 9(2)(a))',
  none: 'No special category data is shared',
} as const

export type LawfulBasis = keyof typeof LAWFUL_BASES
export type SpecialCategoryCondition = keyof typeof SPECIAL_CATEGORY_CONDITIONS

export function lawfulBasisName(key: string): string {
  return (LAWFUL_BASES as Record<string, string>)[key] ?? key
}

export function specialCategoryName(key: string): string {
  return (SPECIAL_CATEGORY_CONDITIONS as Record<string, string>)[key] ?? key
}

const lawfulBasis = z.enum(Object.keys(LAWFUL_BASES) as [LawfulBasis, ...LawfulBasis[]], { error: 'Choose the lawful basis' })
const specialCategory = z.enum(Object.keys(SPECIAL_CATEGORY_CONDITIONS) as [SpecialCategoryCondition, ...SpecialCategoryCondition[]], {
  error: 'Choose the condition for special category data',
})
const yes = z.literal('yes').optional()
const versionField = z
  .string({ error: 'The form is missing its version. Reload the page and try again' })
  .regex(/^[0-9]{1,9}$/, 'The form’s version is not valid. Reload the page and try again')

/** Open an episode in an emergency. */
export const openForm = z
  .strictObject({
    ...csrfField,
    reason: longText('why you need to open this record now', { max: 2000 }),
    hideFromFamily: yes,
    hiddenReason: longText('why telling the family would put someone at risk', { max: 1000, required: false }).optional(),
  })
  .superRefine((form, ctx) => {
    if (form.reason.length > 0 && form.reason.length < 10) {
      ctx.addIssue({ code: 'custom', path: ['reason'], message: 'Say in a sentence why you need to open this record now' })
    }
    if (form.hideFromFamily === 'yes' && !form.hiddenReason) {
      ctx.addIssue({ code: 'custom', path: ['hiddenReason'], message: 'Enter why telling the family would put someone at risk' })
    }
  })
export type OpenInput = z.infer<typeof openForm>

/** A coordinator marks an emergency opening reviewed. */
export const reviewForm = z.strictObject({
  ...csrfField,
  version: versionField,
  note: longText('what you found', { max: 2000, required: false }).optional(),
  hideFromFamily: yes,
})
export type ReviewInput = z.infer<typeof reviewForm>

/** Record sharing with an agency without the family's agreement. */
export const sharingForm = z
  .strictObject({
    ...csrfField,
    agencyId: z.string({ error: 'Choose the agency' }).refine(value => UUID.test(value), { message: 'Choose the agency' }),
    reason: longText('why the information must be shared without the family’s agreement', { max: 2000 }),
    lawfulBasis,
    specialCategoryCondition: specialCategory,
    hideFromFamily: yes,
    hiddenReason: longText('why telling the family would put someone at risk', { max: 1000, required: false }).optional(),
  })
  .superRefine((form, ctx) => {
    if (form.hideFromFamily === 'yes' && !form.hiddenReason) {
      ctx.addIssue({ code: 'custom', path: ['hiddenReason'], message: 'Enter why telling the family would put someone at risk' })
    }
  })
export type SharingInput = z.infer<typeof sharingForm>

export const confirmForm = z.strictObject({ ...csrfField })

/** An administrator records an agency's lawful basis. */
export const lawfulBasisForm = z.strictObject({
  ...csrfField,
  version: versionField.or(z.literal('')).optional(),
  lawfulBasis,
  specialCategoryCondition: specialCategory,
  notes: longText('notes', { max: 2000, required: false }).optional(),
})
export type LawfulBasisInput = z.infer<typeof lawfulBasisForm>
