import { z } from 'zod'
import { csrfField, emailAddress, text } from '../../lib/validation.ts'

const password = (message: string) => z.string({ error: message }).max(1000, 'Your password must be 256 characters or fewer')

export const signInForm = z.strictObject({
  ...csrfField,
  email: emailAddress(),
  password: password('Enter your password').refine(value => value.length > 0, 'Enter your password'),
  returnTo: z.string().max(500).optional(),
})

export const codeForm = z.strictObject({
  ...csrfField,
  code: text('the code', { max: 20, enterMessage: 'Enter the 6-digit code from your authenticator app' }),
})

export const forgotPasswordForm = z.strictObject({ ...csrfField, email: emailAddress() })

export const newPasswordForm = z
  .strictObject({
    ...csrfField,
    newPassword: password('Enter a new password').refine(value => value.length > 0, 'Enter a new password'),
    confirmPassword: password('Confirm your new password'),
  })
  .refine(value => value.newPassword === value.confirmPassword, { message: 'The passwords do not match', path: ['confirmPassword'] })

export const changePasswordForm = z
  .strictObject({
    ...csrfField,
    currentPassword: password('Enter your current password').refine(value => value.length > 0, 'Enter your current password'),
    newPassword: password('Enter a new password').refine(value => value.length > 0, 'Enter a new password'),
    confirmPassword: password('Confirm your new password'),
  })
  .refine(value => value.newPassword === value.confirmPassword, { message: 'The passwords do not match', path: ['confirmPassword'] })

export const agencyForm = z.strictObject({ ...csrfField, agencyId: z.string({ error: 'Choose an agency' }).max(40) })

export const heldFormAction = z.strictObject({ ...csrfField, heldFormId: z.string().max(100), action: z.enum(['discard']) })
