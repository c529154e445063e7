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
  assessmentApprovalRequired: Generated<boolean>
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

// --- people and families (src/features/people) ---

export type PersonsTable = {
  authorityId: string
  id: string
  givenNames: string
  familyName: string
  otherNames: Generated<string>
  dateOfBirth: string | null
  expectedDateOfBirth: string | null
  sex: string | null
  gender: string | null
  ethnicity: string | null
  firstLanguage: string | null
  interpreterNeeded: Generated<boolean>
  disability: string | null
  address: string | null
  postcode: string | null
  phone: string | null
  email: string | null
  schoolOrSetting: string | null
  uniquePupilNumber: string | null
  nhsNumber: string | null
  gpPractice: string | null
  searchName: string
  searchGiven: Generated<string>
  searchFamily: Generated<string>
  mergedIntoId: string | null
  createdByUserId: string | null
  createdAt: DefaultedTimestamp
  updatedAt: DefaultedTimestamp
  version: Generated<number>
}

export type HouseholdsTable = {
  authorityId: string
  id: string
  name: string
  address: string | null
  postcode: string | null
  createdByUserId: string | null
  createdAt: DefaultedTimestamp
  version: Generated<number>
}

export type HouseholdMembersTable = {
  authorityId: string
  householdId: string
  personId: string
  joinedAt: DefaultedTimestamp
  leftAt: Date | null
}

export type RelationshipKind =
  | 'mother'
  | 'father'
  | 'step_parent'
  | 'carer'
  | 'grandparent'
  | 'sibling'
  | 'half_sibling'
  | 'partner'
  | 'other'

export type RelationshipsTable = {
  authorityId: string
  id: string
  personId: string
  relatedPersonId: string
  kind: RelationshipKind
  description: string | null
  parentalResponsibility: Generated<boolean>
  createdAt: DefaultedTimestamp
}

export type PersonMergesTable = {
  authorityId: string
  id: string
  keptPersonId: string
  mergedPersonId: string
  reason: string
  moved: Json<Record<string, unknown>>
  mergedByUserId: string | null
  mergedAt: Timestamp
  undoneByUserId: string | null
  undoneAt: Date | null
}

// --- episodes of early help (src/features/episodes) ---

export type EpisodeStatus = 'identification' | 'checklist' | 'consent' | 'assessment' | 'support' | 'closed'

export type EpisodesTable = {
  authorityId: string
  id: string
  reference: string
  scope: 'child' | 'family'
  householdId: string | null
  localityId: string | null
  agencyId: string | null
  status: EpisodeStatus
  safeguardingFlag: Generated<boolean>
  outcome: string | null
  startedByUserId: string
  startedAt: Timestamp
  closedAt: Date | null
  templateVersionId: string | null
  version: Generated<number>
}

export type EpisodePeopleTable = {
  authorityId: string
  episodeId: string
  personId: string
  role: 'child' | 'adult'
}

export type EpisodeMembersTable = {
  authorityId: string
  episodeId: string
  userId: string
  agencyId: string | null
  role: 'owner' | 'member' | 'contributor'
  addedByUserId: string | null
  joinedAt: Timestamp
  leftAt: Date | null
}

export type EpisodeReferenceCountersTable = { authorityId: string; year: number; lastNumber: number }

export type ChecklistOutcome = 'no_further_action' | 'universal_services' | 'common_assessment' | 'safeguarding_referral'

export type ChecklistAnswerRecord = {
  key: string
  question: string
  answer: 'yes' | 'no' | 'not_sure'
  riskOfSignificantHarm: boolean
}

export type EpisodeChecklistsTable = {
  authorityId: string
  episodeId: string
  templateVersionId: string | null
  answers: Json<ChecklistAnswerRecord[]>
  outcome: ChecklistOutcome
  notes: Generated<string>
  recordedByUserId: string
  recordedAt: Timestamp
  version: Generated<number>
}

export type SafeguardingReferralsTable = {
  authorityId: string
  id: string
  episodeId: string
  referredTo: 'childrens_social_care' | 'police'
  concern: string
  referredAt: Timestamp
  method: 'phone' | 'online' | 'in_person'
  reference: string | null
  spokeTo: string | null
  outcome: string | null
  outcomeRecordedAt: Date | null
  outcomeRecordedByUserId: string | null
  recordedByUserId: string
  recordedAt: Timestamp
  version: Generated<number>
}

export type ConsentsTable = {
  authorityId: string
  id: string
  episodeId: string
  decision: 'given' | 'refused'
  giverKind: 'parent_carer' | 'other_adult' | 'young_person'
  giverPersonId: string | null
  giverName: string
  giverRelationship: string | null
  competenceBasis: 'fraser' | 'gillick' | null
  competenceJudgedBy: string | null
  competenceReasoning: string | null
  toAssess: boolean
  shareAgencyIds: Json<string[]>
  shareAgencyKinds: Json<string[]>
  method: 'in_person' | 'written' | 'verbal' | 'phone'
  givenOn: string
  refusalReason: string | null
  recordedByUserId: string
  recordedAt: Timestamp
  withdrawnOn: string | null
  withdrawalReason: string | null
  withdrawalRecordedByUserId: string | null
  withdrawalRecordedAt: Date | null
  version: Generated<number>
}

export type SafeguardingContactsTable = {
  authorityId: string
  socialCareName: string
  socialCarePhone: string | null
  socialCareHours: string | null
  outOfHoursPhone: string | null
  onlineReferralUrl: string | null
  policeNonEmergency: Generated<string>
  extraAdvice: Generated<string>
  updatedByUserId: string | null
  updatedAt: Timestamp
  version: Generated<number>
}

// --- assessments (src/features/assessments) ---

export type AssessmentTemplateVersionsTable = {
  authorityId: string
  id: string
  templateKey: string
  versionNumber: number
  name: string
  nation: 'england' | 'wales' | null
  content: Json<import('../features/assessments/template-content.ts').TemplateContent>
  changeSummary: Generated<string>
  basedOnVersionId: string | null
  createdByUserId: string | null
  createdAt: Timestamp
  retiredAt: Date | null
}

export type AssessmentStatus = 'in_progress' | 'awaiting_approval' | 'returned' | 'completed'
export type AssessmentOutcome = 'no_further_action' | 'single_agency' | 'multi_agency'

export type AssessmentsTable = {
  authorityId: string
  id: string
  episodeId: string
  templateVersionId: string
  status: AssessmentStatus
  assessorUserId: string
  assessorAgencyId: string | null
  explainedAt: string | null
  explanationNotes: string | null
  discussionDate: string | null
  reason: string | null
  present: string | null
  conclusions: string | null
  familyAgreement: 'agrees' | 'partly_agrees' | 'disagrees' | null
  differencesOfOpinion: string | null
  solutions: string | null
  familyCanDo: string | null
  agreedActions: string | null
  reviewDate: string | null
  outcome: AssessmentOutcome | null
  completionDate: string | null
  signedOffByUserId: string | null
  signedOffAt: Date | null
  approvedByUserId: string | null
  approvedAt: Date | null
  returnedByUserId: string | null
  returnedAt: Date | null
  returnComments: string | null
  createdAt: Timestamp
  updatedAt: Timestamp
  version: Generated<number>
}

export type AssessmentElementsTable = {
  authorityId: string
  assessmentId: string
  elementKey: string
  /** A child's person id (each-child domains) or 'family'. */
  subject: string
  notAssessed: Generated<boolean>
  strengths: string | null
  needs: string | null
  childWords: string | null
  parentWords: string | null
  practitionerScore: number | null
  familyScoreAdult: number | null
  familyScoreChild: 'red' | 'amber' | 'green' | null
  updatedByUserId: string
  updatedAt: Timestamp
  version: Generated<number>
}

export type AssessmentContributorsTable = {
  authorityId: string
  assessmentId: string
  userId: string
  elementKeys: Json<string[]>
  message: string | null
  invitedByUserId: string
  invitedAt: Timestamp
  completedAt: Date | null
}

export type AssessmentFamilyCopiesTable = {
  authorityId: string
  id: string
  assessmentId: string
  givenToPersonId: string | null
  givenToName: string
  format: 'pdf' | 'printed' | 'in_person'
  givenByUserId: string
  givenAt: Timestamp
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
  // people and families
  persons: PersonsTable
  households: HouseholdsTable
  householdMembers: HouseholdMembersTable
  relationships: RelationshipsTable
  personMerges: PersonMergesTable
  // episodes
  episodes: EpisodesTable
  episodePeople: EpisodePeopleTable
  episodeMembers: EpisodeMembersTable
  episodeReferenceCounters: EpisodeReferenceCountersTable
  episodeChecklists: EpisodeChecklistsTable
  safeguardingReferrals: SafeguardingReferralsTable
  consents: ConsentsTable
  safeguardingContacts: SafeguardingContactsTable
  // assessments
  assessmentTemplateVersions: AssessmentTemplateVersionsTable
  assessments: AssessmentsTable
  assessmentElements: AssessmentElementsTable
  assessmentContributors: AssessmentContributorsTable
  assessmentFamilyCopies: AssessmentFamilyCopiesTable
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
