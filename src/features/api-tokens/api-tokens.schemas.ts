import { z } from 'zod'
import { csrfField, text } from '../../lib/validation.ts'

export const API_TOKEN_NAME_MAX = 100

/** Creating a token: a name that says what it is for, so that its owner knows which one to revoke. */
export const createApiTokenForm = z.strictObject({
  ...csrfField,
  name: text('the token name', { max: API_TOKEN_NAME_MAX, enterMessage: 'Enter a name for the token, like “Monthly report script”' }),
})

/** Revoking: the button's form says so explicitly, so that a stray or forged-looking post with other fields changes nothing. */
export const revokeApiTokenForm = z.strictObject({ ...csrfField, confirm: z.literal('yes', { error: 'Use the Revoke button to revoke a token' }) })
