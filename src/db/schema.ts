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
  /** The episode the event was about, where there is one (what a family's "who has looked" reads). */
  episodeId: string | null
  actorFamilyAccountId: string | null
  // --- the tamper-evident chain (src/audit/audit-chain.ts, migration 2026-12-06-02): set by the database at commit ---
  /** 1, 2, 3 … per authority, in commit order; null only until the inserting transaction commits. */
  seq: ColumnType<number | null, never, never>
  /** SHA-256 (hex) of the previous event's hash and this event's canonical encoding. */
  hash: ColumnType<string | null, never, never>
  /** The practitioner's roles when they acted (sorted), e.g. {coordinator,practitioner}; null for other actors. */
  actorRoles: string[] | null
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
  /** Set when retention anonymised the record (src/features/retention). */
  anonymisedAt: Generated<Date | null>
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
  reviewWeeks: number | null
  nextReviewOn: string | null
  previousEpisodeId: string | null
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
  teamRole: string | null
  leftReason: string | null
  leftByUserId: string | null
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

// --- team around the family (src/features/team) ---

export type OutcomesFrameworkKey = 'every_child_matters' | 'wales_core_aims'

export type EarlyHelpSettingsTable = {
  authorityId: string
  maxTeamPractitioners: Generated<number>
  noLeadAlertDays: Generated<number>
  minutesDueWorkingDays: Generated<number>
  reviewWeeks: Generated<number>
  closureApprovalRequired: Generated<boolean>
  outcomesFramework: ColumnType<OutcomesFrameworkKey, OutcomesFrameworkKey | undefined, OutcomesFrameworkKey>
  updatedByUserId: string | null
  updatedAt: Date | null
  version: Generated<number>
  youngPersonMinAge: Generated<number>
}

export type FamilyTeamMemberKind = 'family_member' | 'advocate' | 'parent_advice' | 'friend' | 'other_supporter'

export type FamilyTeamMembersTable = {
  authorityId: string
  id: string
  episodeId: string
  personId: string | null
  name: string
  kind: FamilyTeamMemberKind
  relationship: string | null
  organisation: string | null
  email: string | null
  phone: string | null
  addedByUserId: string
  joinedAt: Timestamp
  leftAt: Date | null
  leftReason: string | null
  version: Generated<number>
}

export type TeamChangesTable = {
  authorityId: string
  id: string
  episodeId: string
  change: 'joined' | 'left' | 'role_changed'
  userId: string | null
  familyTeamMemberId: string | null
  memberName: string
  detail: string | null
  byUserId: string | null
  at: Timestamp
}

export type LeadScope = 'whole_family' | 'adults' | 'children'

export type LeadProfessionalsTable = {
  authorityId: string
  id: string
  episodeId: string
  scope: LeadScope
  userId: string
  agencyId: string | null
  appointedVia: 'team_meeting' | 'panel' | 'handover' | 'other'
  meetingId: string | null
  familyChose: Generated<boolean>
  familyPreference: string | null
  appointedByUserId: string
  startedAt: Timestamp
  endedAt: Date | null
  endedReason: string | null
  version: Generated<number>
}

export type LeadHandoversTable = {
  authorityId: string
  id: string
  episodeId: string
  leadProfessionalId: string
  scope: LeadScope
  fromUserId: string
  toUserId: string
  note: string
  familyChose: Generated<boolean>
  familyPreference: string | null
  requestedByUserId: string
  requestedAt: Timestamp
  status: 'pending' | 'acknowledged' | 'declined' | 'cancelled'
  respondedAt: Date | null
  responseNote: string | null
  version: Generated<number>
}

// --- family support plan (src/features/plans) ---

export type SupportPlansTable = {
  authorityId: string
  episodeId: string
  ifNotAchieved: Generated<string>
  agreedVersionNumber: Generated<number>
  changedSinceAgreed: Generated<boolean>
  createdAt: Timestamp
  updatedByUserId: string
  updatedAt: Timestamp
  version: Generated<number>
}

export type PlanNeedsTable = {
  authorityId: string
  id: string
  episodeId: string
  description: string
  assessmentId: string | null
  elementKey: string | null
  subject: string | null
  outcomeWanted: string
  frameworkOutcomes: ColumnType<string[], string | undefined, string>
  position: number
  createdByUserId: string
  createdAt: Timestamp
  removedAt: Date | null
  version: Generated<number>
}

export type PlanActionStatus = 'not_started' | 'in_progress' | 'done' | 'not_done'
export type PlanActionOwnerKind = 'practitioner' | 'agency' | 'family_member'

export type PlanActionsTable = {
  authorityId: string
  id: string
  episodeId: string
  needId: string | null
  what: string
  ownerKind: PlanActionOwnerKind
  ownerUserId: string | null
  ownerAgencyId: string | null
  ownerFamilyTeamMemberId: string | null
  ownerName: string
  dueOn: string
  status: PlanActionStatus
  notDoneReason: string | null
  completedOn: string | null
  sourceMeetingId: string | null
  sourceReviewId: string | null
  createdByUserId: string
  createdAt: Timestamp
  updatedAt: Timestamp
  removedAt: Date | null
  version: Generated<number>
}

export type PlanActionUpdatesTable = {
  authorityId: string
  id: string
  actionId: string
  episodeId: string
  status: PlanActionStatus | null
  note: string | null
  byUserId: string | null
  byFamilyTeamMemberId: string | null
  byName: string
  at: Timestamp
  byFamilyAccountId: string | null
}

export type PlanVersionsTable = {
  authorityId: string
  id: string
  episodeId: string
  number: number
  content: Json<unknown>
  changeSummary: Generated<string>
  agreedByUserId: string
  agreedAt: Timestamp
}

export type PlanSignaturesTable = {
  authorityId: string
  id: string
  planVersionId: string
  signerKind: 'practitioner' | 'family_member' | 'supporter'
  userId: string | null
  familyTeamMemberId: string | null
  signerName: string
  method: 'on_screen' | 'in_person' | 'on_paper' | 'verbal' | 'email'
  signedOn: string
  recordedByUserId: string
  recordedAt: Timestamp
}

// --- meetings (src/features/meetings) ---

export type BankHolidaysTable = {
  authorityId: string
  holidayOn: string
  title: string
  addedByUserId: string
  addedAt: Timestamp
}

export type MeetingsTable = {
  authorityId: string
  id: string
  episodeId: string
  purpose: 'first_team_meeting' | 'team_meeting' | 'review'
  startsAt: Timestamp
  endsAt: Timestamp
  venueName: string | null
  venueAddress: string | null
  neutralVenue: Generated<boolean>
  accessibilityNotes: string | null
  remoteLink: string | null
  status: 'scheduled' | 'cancelled' | 'held'
  icsUid: string
  icsSequence: Generated<number>
  chairUserId: string | null
  minuteTakerUserId: string | null
  scheduledByUserId: string
  createdAt: Timestamp
  cancelledAt: Date | null
  cancelReason: string | null
  version: Generated<number>
}

export type MeetingInviteesTable = {
  authorityId: string
  id: string
  meetingId: string
  userId: string | null
  familyTeamMemberId: string | null
  name: string
  email: string | null
  attendance: 'attended' | 'apologies' | 'did_not_attend' | null
  invitedAt: Timestamp
  removedAt: Date | null
}

export type AgendaItemsTable = {
  authorityId: string
  id: string
  meetingId: string
  text: string
  addedByUserId: string | null
  addedByFamilyTeamMemberId: string | null
  addedByName: string
  addedAt: Timestamp
  removedAt: Date | null
  addedByFamilyAccountId: string | null
}

export type MinutesStatus = 'draft' | 'awaiting_approval' | 'approved' | 'circulated'

export type MeetingMinutesTable = {
  authorityId: string
  meetingId: string
  discussion: Generated<string>
  decisions: Generated<string>
  familyViews: Generated<string>
  status: MinutesStatus
  dueOn: string
  draftedByUserId: string | null
  submittedAt: Date | null
  approvedByUserId: string | null
  approvedAt: Date | null
  circulatedAt: Date | null
  updatedAt: Timestamp
  version: Generated<number>
}

export type OutboxAttachmentsTable = {
  outboxId: string
  position: number
  fileName: string
  contentType: string
  content: Uint8Array
}

// --- reviews and closure (src/features/reviews) ---

export type ReviewDecision = 'continue' | 'revise_plan' | 'step_up_panel' | 'step_up_social_care' | 'close'

export type ReviewsTable = {
  authorityId: string
  id: string
  episodeId: string
  meetingId: string | null
  heldOn: string
  status: 'draft' | 'completed'
  summary: Generated<string>
  familyViews: Generated<string>
  decision: ReviewDecision | null
  decisionReason: string | null
  recordedByUserId: string
  createdAt: Timestamp
  completedAt: Date | null
  version: Generated<number>
}

export type DistanceScoresTable = {
  authorityId: string
  id: string
  episodeId: string
  occasion: 'review' | 'closure'
  reviewId: string | null
  elementKey: string
  subject: string
  score: number
  recordedByUserId: string
  recordedAt: Timestamp
}

export type ReviewProgressTable = {
  authorityId: string
  reviewId: string
  itemKind: 'action' | 'need'
  itemId: string
  progress: string
  comment: string | null
}

export type ClosureReason = 'needs_met' | 'stepped_up_social_care' | 'consent_withdrawn' | 'moved_out_of_area' | 'disengaged' | 'other'

export type EpisodeClosuresTable = {
  authorityId: string
  episodeId: string
  reason: ClosureReason
  reasonDetail: string | null
  summaryForFamily: string
  status: 'awaiting_approval' | 'returned' | 'closed'
  requestedByUserId: string
  requestedAt: Timestamp
  decidedByUserId: string | null
  decidedAt: Date | null
  returnComment: string | null
  version: Generated<number>
}

// --- case notes, documents and the chronology (src/features/records) ---

export type RecordVisibility = 'team' | 'agency' | 'family'

export type CaseNotesTable = {
  authorityId: string
  id: string
  episodeId: string
  personId: string | null
  occurredOn: string
  summary: string
  body: string
  visibility: RecordVisibility
  authorUserId: string
  authorAgencyId: string | null
  createdAt: Timestamp
}

export type DocumentsTable = {
  authorityId: string
  id: string
  episodeId: string
  title: string
  kind: string
  fileName: string
  mediaType: string
  sizeBytes: number
  sha256: string
  visibility: RecordVisibility
  storage: 'database' | 'folder'
  content: Uint8Array | null
  scanStatus: 'not_scanned' | 'clean'
  uploadedByUserId: string
  uploadedByAgencyId: string | null
  uploadedAt: Timestamp
  removedAt: Date | null
  removedByUserId: string | null
  removedReason: string | null
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
  // team around the family
  earlyHelpSettings: EarlyHelpSettingsTable
  familyTeamMembers: FamilyTeamMembersTable
  teamChanges: TeamChangesTable
  leadProfessionals: LeadProfessionalsTable
  leadHandovers: LeadHandoversTable
  // family support plan
  supportPlans: SupportPlansTable
  planNeeds: PlanNeedsTable
  planActions: PlanActionsTable
  planActionUpdates: PlanActionUpdatesTable
  planVersions: PlanVersionsTable
  planSignatures: PlanSignaturesTable
  // meetings
  bankHolidays: BankHolidaysTable
  meetings: MeetingsTable
  meetingInvitees: MeetingInviteesTable
  agendaItems: AgendaItemsTable
  meetingMinutes: MeetingMinutesTable
  outboxAttachments: OutboxAttachmentsTable
  // reviews and closure
  reviews: ReviewsTable
  distanceScores: DistanceScoresTable
  reviewProgress: ReviewProgressTable
  episodeClosures: EpisodeClosuresTable
  // case notes and documents
  caseNotes: CaseNotesTable
  documents: DocumentsTable
  // the family's own view
  familyAccounts: FamilyAccountsTable
  familyAccountEpisodes: FamilyAccountEpisodesTable
  familySignInCodes: FamilySignInCodesTable
  familySessions: FamilySessionsTable
  familyDevices: FamilyDevicesTable
  familyViews: FamilyViewsTable
  familyScores: FamilyScoresTable
  consentAgencyWithdrawals: ConsentAgencyWithdrawalsTable
  // retention (src/features/retention)
  retentionRules: RetentionRulesTable
  retentionHolds: RetentionHoldsTable
  retentionBatches: RetentionBatchesTable
  retentionBatchItems: RetentionBatchItemsTable
  // break-glass and sharing without agreement (src/features/break-glass)
  breakGlassGrants: BreakGlassGrantsTable
  sharingWithoutAgreement: SharingWithoutAgreementTable
  agencyLawfulBases: AgencyLawfulBasesTable
  // identity protection (src/features/identity-protection)
  identityProtections: IdentityProtectionsTable
  // record history, rectification and disputes (src/features/records-history)
  recordHistory: RecordHistoryTable
  recordDisputes: RecordDisputesTable
  // coordinators' localities and panels (src/features/panels)
  coordinatorLocalities: CoordinatorLocalitiesTable
  panels: PanelsTable
  panelMembers: PanelMembersTable
  panelListings: PanelListingsTable
}

// --- coordinators' localities and panels (src/features/panels): access rule (b) ---

/** A coordinator with no row coordinates the whole authority. */
export type CoordinatorLocalitiesTable = { authorityId: string; userId: string; localityId: string }

export type PanelsTable = {
  authorityId: string
  id: string
  name: string
  localityId: string | null
  active: Generated<boolean>
  createdAt: Timestamp
  version: Generated<number>
}

export type PanelMembersTable = { authorityId: string; panelId: string; userId: string; addedByUserId: string; addedAt: Timestamp }

export type PanelListingsTable = {
  authorityId: string
  id: string
  panelId: string
  episodeId: string
  reason: string
  listedByUserId: string
  listedAt: Timestamp
  endedAt: Date | null
  endedByUserId: string | null
}

// --- the family's own view (src/features/family*) ---

export type FamilyLanguage = 'en' | 'cy'
export type FamilyAccountKind = 'parent_carer' | 'young_person'

export type FamilyAccountsTable = {
  authorityId: string
  id: string
  name: string
  email: string | null
  mobile: string | null
  preferredChannel: 'email' | 'sms'
  language: Generated<FamilyLanguage>
  kind: FamilyAccountKind
  personId: string | null
  status: 'invited' | 'active' | 'revoked'
  invitedByUserId: string
  invitedAt: Timestamp
  firstSignedInAt: Date | null
  lastSignedInAt: Date | null
  revokedAt: Date | null
  revokedByUserId: string | null
  version: Generated<number>
}

export type FamilyAccountEpisodesTable = {
  authorityId: string
  accountId: string
  episodeId: string
  familyTeamMemberId: string | null
  grantedByUserId: string
  grantedAt: Timestamp
  revokedAt: Date | null
  revokedByUserId: string | null
}

export type FamilySignInCodesTable = {
  authorityId: string
  id: string
  accountId: string
  codeHash: string
  channel: 'email' | 'sms'
  createdAt: Timestamp
  expiresAt: Timestamp
  attempts: Generated<number>
  usedAt: Date | null
  ip: string | null
}

export type FamilySessionsTable = {
  idHash: string
  authorityId: string
  accountId: string
  publicId: string
  deviceLabel: Generated<string>
  createdAt: Timestamp
  lastSeenAt: Timestamp
  ip: string | null
}

export type FamilyDevicesTable = {
  authorityId: string
  accountId: string
  deviceHash: string
  label: Generated<string>
  firstSeenAt: Timestamp
  lastSeenAt: Timestamp
}

export type FamilyViewsTable = {
  authorityId: string
  id: string
  episodeId: string
  accountId: string
  meetingId: string | null
  kind: 'young_person' | 'before_meeting'
  goingWell: Generated<string>
  worrying: Generated<string>
  wouldLike: Generated<string>
  sharedWithFamily: Generated<boolean>
  sharedWithTeam: Generated<boolean>
  createdAt: Timestamp
  updatedAt: Timestamp
  version: Generated<number>
}

export type FamilyScoresTable = {
  authorityId: string
  id: string
  episodeId: string
  accountId: string
  elementKey: string
  subject: string
  scoreAdult: number | null
  scoreChild: 'red' | 'amber' | 'green' | null
  recordedAt: Timestamp
}

export type ConsentAgencyWithdrawalsTable = {
  authorityId: string
  id: string
  episodeId: string
  agencyId: string
  withdrawnAt: Timestamp
  byFamilyAccountId: string | null
  byUserId: string | null
  byName: string
  reason: Generated<string>
  endedAt: Date | null
  endedByUserId: string | null
}

// --- record history, rectification and disputes (src/features/records-history) ---

export type RecordHistoryTable = {
  authorityId: string
  id: Generated<string>
  seq: Generated<number>
  tableName: string
  recordId: string
  episodeId: string | null
  personId: string | null
  operation: 'insert' | 'update' | 'delete' | 'dispute'
  field: string | null
  oldValue: string | null
  newValue: string | null
  kind: 'change' | 'correction' | 'disputed'
  reason: string | null
  changedByKind: string
  changedByUserId: string | null
  changedByFamilyAccountId: string | null
  requestId: string | null
  at: Timestamp
}

export type DisputableTable = 'assessment_elements' | 'meeting_minutes' | 'case_notes'

export type RecordDisputesTable = {
  authorityId: string
  id: string
  episodeId: string
  tableName: DisputableTable
  recordId: string
  recordLabel: string
  statement: string
  byKind: 'family' | 'practitioner'
  byFamilyAccountId: string | null
  byUserId: string | null
  byName: string
  at: Timestamp
}

// --- identity protection (src/features/identity-protection) ---

export type ProtectedField = 'address' | 'phone' | 'email' | 'school' | 'whereabouts'

export type IdentityProtectionsTable = {
  authorityId: string
  id: string
  personId: string
  field: ProtectedField
  withheldFromPersonId: string | null
  withheldFromAccountId: string | null
  withheldFromName: string
  reason: string
  alsoWithhold: Generated<string>
  createdByUserId: string
  createdAt: Timestamp
  endedAt: Date | null
  endedByUserId: string | null
  endReason: string | null
}

// --- break-glass and sharing without agreement (src/features/break-glass) ---

export type BreakGlassGrantsTable = {
  authorityId: string
  id: string
  episodeId: string
  userId: string
  agencyId: string | null
  reason: string
  openedAt: Timestamp
  expiresAt: Timestamp
  hiddenFromFamily: Generated<boolean>
  hiddenReason: string | null
  reviewedAt: Date | null
  reviewedByUserId: string | null
  reviewNote: string | null
  version: Generated<number>
}

export type SharingWithoutAgreementTable = {
  authorityId: string
  id: string
  episodeId: string
  agencyId: string
  reason: string
  lawfulBasis: string
  specialCategoryCondition: string
  recordedByUserId: string
  recordedAt: Timestamp
  hiddenFromFamily: Generated<boolean>
  hiddenReason: string | null
  endedAt: Date | null
  endedByUserId: string | null
  reviewedAt: Date | null
  reviewedByUserId: string | null
}

export type AgencyLawfulBasesTable = {
  authorityId: string
  agencyId: string
  lawfulBasis: string
  specialCategoryCondition: string
  notes: Generated<string>
  recordedByUserId: string
  recordedAt: Timestamp
  version: Generated<number>
}

// --- retention (src/features/retention) ---

export type RetentionRecordType = 'episode' | 'episode_safeguarding' | 'person'
export type RetentionSubjectKind = 'episode' | 'person'

export type RetentionRulesTable = {
  authorityId: string
  recordType: RetentionRecordType
  yearsAfter: number
  untilAge: number | null
  updatedByUserId: string | null
  updatedAt: Timestamp
  version: Generated<number>
}

export type RetentionHoldsTable = {
  authorityId: string
  id: string
  subjectKind: RetentionSubjectKind
  subjectId: string
  reason: string
  placedByUserId: string
  placedAt: Timestamp
  releasedAt: Date | null
  releasedByUserId: string | null
  releaseReason: string | null
}

export type RetentionBatchesTable = {
  authorityId: string
  id: string
  status: 'proposed' | 'approved' | 'completed'
  listedAt: Timestamp
  approvedByUserId: string | null
  approvedAt: Date | null
  completedAt: Date | null
  version: Generated<number>
}

export type RetentionBatchItemsTable = {
  authorityId: string
  batchId: string
  subjectKind: RetentionSubjectKind
  subjectId: string
  recordType: RetentionRecordType
  label: string | null
  dueOn: string
  disposition: 'delete' | 'anonymise'
  outcome: Generated<'pending' | 'disposed' | 'held' | 'not_due' | 'gone'>
  disposedAt: Date | null
  details: Json<Record<string, unknown>>
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
