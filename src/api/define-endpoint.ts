import type { z } from 'zod'
import type { ApiEndpoint, Definition } from './api.endpoints.ts'

/**
 * Declares one /api/v1 endpoint: the definition is type-checked against its own params, query, body and response
 * schemas, then its types are erased for registration and the OpenAPI document (src/api/api.endpoints.ts).
 */
export function defineEndpoint<P extends z.ZodType = z.ZodUndefined, Q extends z.ZodType = z.ZodUndefined, B extends z.ZodType = z.ZodUndefined, R extends z.ZodType = z.ZodType>(
  definition: Definition<P, Q, B, R>,
): ApiEndpoint {
  return definition as unknown as ApiEndpoint
}
