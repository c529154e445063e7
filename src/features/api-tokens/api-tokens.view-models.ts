import { paths } from '../../paths.ts'

export type ApiTokenListItem = {
  id: string
  name: string
  prefix: string
  createdAt: Date
  lastUsedAt: Date | null
  revokedAt: Date | null
}

/** One row of the token table: only the prefix is ever shown, never the token or its hash. */
export function apiTokenRow(token: ApiTokenListItem) {
  return {
    id: token.id,
    name: token.name,
    shownPrefix: `os_${token.prefix}_…`,
    createdAt: token.createdAt,
    lastUsedAt: token.lastUsedAt,
    revokedAt: token.revokedAt,
    status: token.revokedAt ? { text: 'Revoked', classes: 'govuk-tag--grey' } : { text: 'Active', classes: 'govuk-tag--green' },
    revokeAction: token.revokedAt ? null : paths.account.revokeApiToken(token.id),
  }
}
