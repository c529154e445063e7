import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely'

// Hand-written table types (camelCase through CamelCasePlugin). src/db/schema.test.ts compares them with
// information_schema after migrating, so a migration and these types cannot drift apart.

type Timestamp = ColumnType<Date, Date | string, Date | string>
type DefaultedTimestamp = ColumnType<Date, Date | string | undefined, Date | string>
type Json<T> = ColumnType<T, string, string>

export type SystemSettingsTable = { key: string; value: string }

export type AuthoritiesTable = {
  id: string
  name: string
  nation: 'england' | 'wales'
  isDemo: Generated<boolean>
  secondFactorRequired: Generated<boolean>
  singleSignOnIssuer: string | null
  createdAt: DefaultedTimestamp
  version: Generated<number>
}

export type LocalitiesTable = {
  authorityId: string
  id: string
  name: string
  createdAt: DefaultedTimestamp
  version: Generated<number>
}

export type AgenciesTable = {
  authorityId: string
  id: string
  name: string
  kind: string
  localityId: string | null
  description: Generated<string>
  email: string | null
  phone: string | null
  address: string | null
  active: Generated<boolean>
  createdAt: DefaultedTimestamp
  version: Generated<number>
}

export type UsersTable = {
  authorityId: string
  id: string
  email: string
  name: string
  status: 'invited' | 'active' | 'deactivated'
  passwordHash: string | null
  totpSecret: string | null
  totpEnabledAt: Date | null
  totpLastStep: number | null
  recoveryCodeHashes: ColumnType<string[], string | undefined, string>
  maySkipSecondFactor: Generated<boolean>
  failedSignIns: Generated<number>
  lockedUntil: Date | null
  passwordChangedAt: Date | null
  lastSignInAt: Date | null
  createdAt: DefaultedTimestamp
  deactivatedAt: Date | null
  version: Generated<number>
}

export type Role = 'administrator' | 'coordinator' | 'panel_member' | 'manager' | 'practitioner'

export type UserRolesTable = { authorityId: string; userId: string; role: Role }

export type UserAgenciesTable = { authorityId: string; userId: string; agencyId: string; createdAt: DefaultedTimestamp }

export type SessionsTable = {
  idHash: string
  authorityId: string
  userId: string
  actingAgencyId: string | null
  secondFactorAt: Date | null
  createdAt: Timestamp
  lastSeenAt: Timestamp
  ip: string | null
}

export type HeldFormsTable = {
  idHash: string
  authorityId: string
  userId: string
  url: string
  fields: Json<Record<string, string | string[]>>
  createdAt: Timestamp
  expiresAt: Timestamp
}

export type AccountTokensTable = {
  tokenHash: string
  authorityId: string
  userId: string
  purpose: 'invitation' | 'password_reset'
  createdAt: Timestamp
  expiresAt: Timestamp
  usedAt: Date | null
}

export type ApiTokensTable = {
  authorityId: string
  id: string
  userId: string
  name: string
  tokenHash: string
  prefix: string
  createdAt: Timestamp
  lastUsedAt: Date | null
  revokedAt: Date | null
}

export type OutboxTable = {
  id: string
  authorityId: string | null
  recipient: string
  subject: string
  bodyText: string
  status: 'pending' | 'sending' | 'sent' | 'held' | 'failed'
  attempts: Generated<number>
  nextAttemptAt: Timestamp
  claimedUntil: Date | null
  lastError: string | null
  messageId: string
  createdAt: Timestamp
  sentAt: Date | null
}

export type AuditEventsTable = {
  authorityId: string
  id: string
  at: Timestamp
  actorKind: string
  actorUserId: string | null
  actorAgencyId: string | null
  action: string
  outcome: 'allowed' | 'denied'
  recordType: string | null
  recordId: string | null
  purpose: string | null
  ip: string | null
  requestId: string | null
  details: ColumnType<Record<string, unknown>, string | undefined, never>
}

export type Database = {
  systemSettings: SystemSettingsTable
  authorities: AuthoritiesTable
  localities: LocalitiesTable
  agencies: AgenciesTable
  users: UsersTable
  userRoles: UserRolesTable
  userAgencies: UserAgenciesTable
  sessions: SessionsTable
  heldForms: HeldFormsTable
  accountTokens: AccountTokensTable
  apiTokens: ApiTokensTable
  outbox: OutboxTable
  auditEvents: AuditEventsTable
}

export type UserRow = Selectable<UsersTable>
export type NewUserRow = Insertable<UsersTable>
export type UserUpdate = Updateable<UsersTable>
export type AgencyRow = Selectable<AgenciesTable>
export type LocalityRow = Selectable<LocalitiesTable>
export type AuthorityRow = Selectable<AuthoritiesTable>
export type SessionRow = Selectable<SessionsTable>
export type OutboxRow = Selectable<OutboxTable>
export type AuditEventRow = Selectable<AuditEventsTable>
export type ApiTokenRow = Selectable<ApiTokensTable>
