/** Typed URL builders: no hand-built URLs in handlers or views. */

function withQuery(path: string, query: Record<string, string | number | boolean | undefined>): string {
  const search = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === false) continue
    search.set(key, value === true ? '1' : String(value))
  }
  const text = search.toString()
  return text ? `${path}?${text}` : path
}

/** Only a path on this site may be a return address (no open redirects). */
export function safeReturnPath(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 500) return undefined
  // Printable ASCII only: a control character could smuggle a header, and anything beyond ASCII cannot go in a
  // Location header at all (Node refuses it: a 500). Paths from this service are percent-encoded.
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || /[^\u0021-\u007e]/.test(value)) return undefined
  return value
}

export const paths = {
  home: () => '/',
  health: () => '/health',
  setup: () => '/setup',
  signIn: {
    page: (options: { returnTo?: string | undefined; timedOut?: boolean; held?: boolean } = {}) =>
      withQuery('/sign-in', { returnTo: safeReturnPath(options.returnTo), timedOut: options.timedOut, held: options.held }),
    secondFactor: () => '/sign-in/second-factor',
    setUpSecondFactor: () => '/sign-in/set-up-second-factor',
    recoveryCodes: () => '/sign-in/recovery-codes',
  },
  signOut: () => '/sign-out',
  forgotPassword: () => '/forgot-password',
  resetPassword: (token: string) => `/reset-password/${encodeURIComponent(token)}`,
  acceptInvitation: (token: string) => `/accept-invitation/${encodeURIComponent(token)}`,
  continueWork: () => '/continue',
  account: {
    overview: () => '/account',
    password: () => '/account/password',
    sessions: () => '/account/sessions',
    agency: () => '/account/agency',
    apiTokens: () => '/account/api-tokens',
    revokeApiToken: (tokenId: string) => `/account/api-tokens/${tokenId}/revoke`,
  },
  agencies: {
    directory: (query: { localityId?: string } = {}) => withQuery('/agencies', query),
  },
  admin: {
    home: () => '/admin',
    settings: () => '/admin/settings',
    localities: () => '/admin/localities',
    newLocality: () => '/admin/localities/new',
    locality: (localityId: string) => `/admin/localities/${localityId}`,
    agencies: (query: { kind?: string; localityId?: string } = {}) => withQuery('/admin/agencies', query),
    newAgency: () => '/admin/agencies/new',
    agency: (agencyId: string) => `/admin/agencies/${agencyId}`,
    users: (query: { page?: number; q?: string } = {}) => withQuery('/admin/users', query),
    inviteUser: () => '/admin/users/new',
    user: (userId: string) => `/admin/users/${userId}`,
    editUser: (userId: string) => `/admin/users/${userId}/edit`,
    resetSecondFactor: (userId: string) => `/admin/users/${userId}/reset-second-factor`,
    deactivateUser: (userId: string) => `/admin/users/${userId}/deactivate`,
    endUserSessions: (userId: string) => `/admin/users/${userId}/end-sessions`,
    resendInvitation: (userId: string) => `/admin/users/${userId}/resend-invitation`,
    outbox: (query: { page?: number } = {}) => withQuery('/admin/outbox', query),
    outboxMessage: (messageId: string) => `/admin/outbox/${messageId}`,
  },
  assessmentTemplates: {
    list: () => '/admin/assessment-templates',
    version: (templateVersionId: string) => `/admin/assessment-templates/${templateVersionId}`,
    newVersion: (templateVersionId: string) => `/admin/assessment-templates/${templateVersionId}/new-version`,
    copy: (templateVersionId: string) => `/admin/assessment-templates/${templateVersionId}/copy`,
  },
  episodes: {
    list: () => '/episodes',
    start: (query: { personId?: string; householdId?: string } = {}) => withQuery('/episodes/new', query),
    show: (episodeId: string) => `/episodes/${episodeId}`,
    checklist: (episodeId: string) => `/episodes/${episodeId}/checklist`,
    safeguarding: (episodeId: string, query: { from?: 'checklist' } = {}) => withQuery(`/episodes/${episodeId}/safeguarding`, query),
    referralOutcome: (episodeId: string, referralId: string) => `/episodes/${episodeId}/safeguarding/${referralId}/outcome`,
    consent: (episodeId: string) => `/episodes/${episodeId}/consent`,
    withdrawConsent: (episodeId: string, consentId: string) => `/episodes/${episodeId}/consent/${consentId}/withdraw`,
    consentForm: (episodeId: string) => `/episodes/${episodeId}/consent-form`,
    /** Served by the assessments feature. */
    assessment: (episodeId: string) => `/episodes/${episodeId}/assessment`,
    safeguardingContacts: () => '/admin/safeguarding-contacts',
  },
  /** Completing an assessment (outcome, sign-off, approval) and the family's copy: src/features/assessments/assessment-completion.* and family-copy.*. */
  assessmentCompletion: {
    outcome: (episodeId: string) => `/episodes/${episodeId}/assessment/outcome`,
    approval: (episodeId: string) => `/episodes/${episodeId}/assessment/approval`,
    awaitingApproval: () => '/assessments/awaiting-approval',
    familyCopy: (episodeId: string) => `/episodes/${episodeId}/assessment/family-copy`,
    familyCopyPdf: (episodeId: string) => `/episodes/${episodeId}/assessment/family-copy.pdf`,
    familyCopyGiven: (episodeId: string) => `/episodes/${episodeId}/assessment/family-copy/given`,
  },
  /** Recording the common assessment: src/features/assessments/assessments.*. */
  assessments: {
    overview: (episodeId: string) => `/episodes/${episodeId}/assessment`,
    start: (episodeId: string) => `/episodes/${episodeId}/assessment/start`,
    step: (episodeId: string, step: 'explain' | 'details' | 'conclusions' | 'solutions' | 'agreement') => `/episodes/${episodeId}/assessment/${step}`,
    domain: (episodeId: string, domainKey: string, subject: string) =>
      `/episodes/${episodeId}/assessment/domains/${encodeURIComponent(domainKey)}/${encodeURIComponent(subject)}`,
    element: (episodeId: string, elementKey: string, subject: string) =>
      `/episodes/${episodeId}/assessment/elements/${encodeURIComponent(elementKey)}/${encodeURIComponent(subject)}`,
    contributors: (episodeId: string) => `/episodes/${episodeId}/assessment/contributors`,
    contributionDone: (episodeId: string) => `/episodes/${episodeId}/assessment/contribution-done`,
  },
  /** The team around the family: src/features/team. */
  team: {
    show: (episodeId: string) => `/episodes/${episodeId}/team`,
    whoIsWho: (episodeId: string) => `/episodes/${episodeId}/who-is-who`,
    addPractitioner: (episodeId: string) => `/episodes/${episodeId}/team/practitioners/new`,
    practitionerLeaves: (episodeId: string, userId: string) => `/episodes/${episodeId}/team/practitioners/${userId}/leave`,
    addFamilyMember: (episodeId: string) => `/episodes/${episodeId}/team/family/new`,
    familyMemberLeaves: (episodeId: string, familyMemberId: string) => `/episodes/${episodeId}/team/family/${familyMemberId}/leave`,
    appointLead: (episodeId: string) => `/episodes/${episodeId}/team/lead/new`,
    handOver: (episodeId: string, leadId: string) => `/episodes/${episodeId}/team/lead/${leadId}/handover`,
    handover: (episodeId: string, handoverId: string) => `/episodes/${episodeId}/team/handovers/${handoverId}`,
    settings: () => '/admin/early-help-settings',
  },
  /** The family support plan: src/features/plans. */
  plans: {
    show: (episodeId: string) => `/episodes/${episodeId}/plan`,
    newNeed: (episodeId: string) => `/episodes/${episodeId}/plan/needs/new`,
    need: (episodeId: string, needId: string) => `/episodes/${episodeId}/plan/needs/${needId}`,
    removeNeed: (episodeId: string, needId: string) => `/episodes/${episodeId}/plan/needs/${needId}/remove`,
    newAction: (episodeId: string, query: { needId?: string } = {}) => withQuery(`/episodes/${episodeId}/plan/actions/new`, query),
    action: (episodeId: string, actionId: string) => `/episodes/${episodeId}/plan/actions/${actionId}`,
    ifNotAchieved: (episodeId: string) => `/episodes/${episodeId}/plan/if-not-achieved`,
    agree: (episodeId: string) => `/episodes/${episodeId}/plan/agree`,
    version: (episodeId: string, number: number) => `/episodes/${episodeId}/plan/versions/${number}`,
    signatures: (episodeId: string, number: number) => `/episodes/${episodeId}/plan/versions/${number}/signatures`,
    familyCopy: (episodeId: string) => `/episodes/${episodeId}/plan/family-copy`,
    familyCopyPdf: (episodeId: string) => `/episodes/${episodeId}/plan/family-copy.pdf`,
  },
  /** Team meetings, agendas, attendance and minutes: src/features/meetings. */
  meetings: {
    list: (episodeId: string) => `/episodes/${episodeId}/meetings`,
    bankHolidays: () => '/admin/bank-holidays',
    removeBankHoliday: () => '/admin/bank-holidays/remove',
    schedule: (episodeId: string) => `/episodes/${episodeId}/meetings/new`,
    show: (episodeId: string, meetingId: string) => `/episodes/${episodeId}/meetings/${meetingId}`,
    edit: (episodeId: string, meetingId: string) => `/episodes/${episodeId}/meetings/${meetingId}/edit`,
    cancel: (episodeId: string, meetingId: string) => `/episodes/${episodeId}/meetings/${meetingId}/cancel`,
    agenda: (episodeId: string, meetingId: string) => `/episodes/${episodeId}/meetings/${meetingId}/agenda`,
    attendance: (episodeId: string, meetingId: string) => `/episodes/${episodeId}/meetings/${meetingId}/attendance`,
    minutes: (episodeId: string, meetingId: string) => `/episodes/${episodeId}/meetings/${meetingId}/minutes`,
    minutesAction: (episodeId: string, meetingId: string) => `/episodes/${episodeId}/meetings/${meetingId}/minutes/actions`,
    approveMinutes: (episodeId: string, meetingId: string) => `/episodes/${episodeId}/meetings/${meetingId}/minutes/approval`,
  },
  /** Reviews and closure: src/features/reviews. */
  reviews: {
    list: (episodeId: string) => `/episodes/${episodeId}/reviews`,
    close: (episodeId: string) => `/episodes/${episodeId}/close`,
    record: (episodeId: string) => `/episodes/${episodeId}/reviews/new`,
    show: (episodeId: string, reviewId: string) => `/episodes/${episodeId}/reviews/${reviewId}`,
    cadence: (episodeId: string) => `/episodes/${episodeId}/reviews/cadence`,
    distanceTravelled: (episodeId: string) => `/episodes/${episodeId}/reviews/distance-travelled`,
    closureApproval: (episodeId: string) => `/episodes/${episodeId}/close/approval`,
    closuresAwaitingApproval: () => '/closures/awaiting-approval',
  },
  /** Case notes, documents and the chronology: src/features/records. */
  records: {
    chronology: (episodeId: string) => `/episodes/${episodeId}/chronology`,
    notes: (episodeId: string) => `/episodes/${episodeId}/notes`,
    documents: (episodeId: string) => `/episodes/${episodeId}/documents`,
    chronologyPrint: (episodeId: string) => `/episodes/${episodeId}/chronology/print`,
    newNote: (episodeId: string) => `/episodes/${episodeId}/notes/new`,
    newDocument: (episodeId: string) => `/episodes/${episodeId}/documents/new`,
    downloadDocument: (episodeId: string, documentId: string) => `/episodes/${episodeId}/documents/${documentId}/download`,
    removeDocument: (episodeId: string, documentId: string) => `/episodes/${episodeId}/documents/${documentId}/remove`,
    /** One person's chronology across every episode they are in. */
    personChronology: (personId: string) => `/people/${personId}/chronology`,
    personChronologyPrint: (personId: string) => `/people/${personId}/chronology/print`,
  },
  /** A practitioner's own work and the coordinator's dashboard: src/features/my-work. */
  myWork: {
    dashboard: () => '/early-help/dashboard',
  },
  people: {
    find: (query: Record<string, string | undefined> = {}) => withQuery('/people', query),
    register: (query: Record<string, string | undefined> = {}) => withQuery('/people/new', query),
    show: (personId: string) => `/people/${personId}`,
    edit: (personId: string) => `/people/${personId}/edit`,
    merge: (personId: string) => `/people/${personId}/merge`,
    mergeWith: (personId: string, otherPersonId: string) => `/people/${personId}/merge/${otherPersonId}`,
    undoMerge: (mergeId: string) => `/person-merges/${mergeId}/undo`,
    /** Identity protection (src/features/identity-protection): "do not disclose to" markers on a person's details. */
    protection: (personId: string) => `/people/${personId}/identity-protection`,
    endProtection: (personId: string) => `/people/${personId}/identity-protection/end`,
  },
  households: {
    create: (query: { personId?: string } = {}) => withQuery('/households/new', query),
    show: (householdId: string) => `/households/${householdId}`,
    addMember: (householdId: string) => `/households/${householdId}/members`,
    leave: (householdId: string, personId: string) => `/households/${householdId}/members/${personId}/leave`,
    newRelationship: (householdId: string) => `/households/${householdId}/relationships/new`,
  },
  /**
   * The family's own view (src/features/family-auth, family-pages, family-records, family-help). Everything a family
   * member sees is under /family; practitioners invite them from /episodes/:episodeId/family-access.
   */
  family: {
    // signing in (family-auth)
    signIn: (options: { returnTo?: string | undefined; timedOut?: boolean } = {}) =>
      withQuery('/family/sign-in', { returnTo: safeReturnPath(options.returnTo), timedOut: options.timedOut }),
    enterCode: () => '/family/sign-in/code',
    signOut: () => '/family/sign-out',
    account: () => '/family/account',
    endOtherSessions: () => '/family/account/sessions/end-others',
    language: () => '/family/language',
    /** Practitioner side: invite family members and end their access. */
    access: (episodeId: string) => `/episodes/${episodeId}/family-access`,
    invite: (episodeId: string) => `/episodes/${episodeId}/family-access/invite`,
    revoke: (episodeId: string, accountId: string) => `/episodes/${episodeId}/family-access/${accountId}/end`,
    // the family's pages (family-pages)
    home: () => '/family',
    episode: (episodeId: string) => `/family/episodes/${episodeId}`,
    team: (episodeId: string) => `/family/episodes/${episodeId}/team`,
    plan: (episodeId: string) => `/family/episodes/${episodeId}/plan`,
    action: (episodeId: string, actionId: string) => `/family/episodes/${episodeId}/plan/actions/${actionId}`,
    meetings: (episodeId: string) => `/family/episodes/${episodeId}/meetings`,
    meeting: (episodeId: string, meetingId: string) => `/family/episodes/${episodeId}/meetings/${meetingId}`,
    meetingCalendar: (episodeId: string, meetingId: string) => `/family/episodes/${episodeId}/meetings/${meetingId}/calendar.ics`,
    agendaItem: (episodeId: string, meetingId: string) => `/family/episodes/${episodeId}/meetings/${meetingId}/agenda`,
    whatIWantToSay: (episodeId: string, meetingId: string) => `/family/episodes/${episodeId}/meetings/${meetingId}/what-i-want-to-say`,
    askForSupporter: (episodeId: string) => `/family/episodes/${episodeId}/team/ask-for-a-supporter`,
    // the family's records (family-records)
    story: (episodeId: string) => `/family/episodes/${episodeId}/story`,
    scores: (episodeId: string) => `/family/episodes/${episodeId}/scores`,
    newScores: (episodeId: string) => `/family/episodes/${episodeId}/scores/new`,
    consent: (episodeId: string) => `/family/episodes/${episodeId}/consent`,
    withdraw: (episodeId: string, agencyId: string) => `/family/episodes/${episodeId}/consent/agencies/${agencyId}/withdraw`,
    whoHasLooked: (episodeId: string) => `/family/episodes/${episodeId}/who-has-looked`,
    /** A document marked for the family, from "our story so far". */
    document: (episodeId: string, documentId: string) => `/family/episodes/${episodeId}/story/documents/${documentId}`,
    // help and a young person's own views (family-help)
    help: () => '/family/help',
    helpTopic: (topic: string) => `/family/help/${encodeURIComponent(topic)}`,
    glossary: () => '/family/help/words',
    myViews: (episodeId: string) => `/family/episodes/${episodeId}/my-views`,
    /** What the family's young people chose to share with their parents and carers. */
    sharedViews: (episodeId: string) => `/family/episodes/${episodeId}/young-peoples-views`,
    /** Practitioner side: the young people's views, for the team. */
    teamViews: (episodeId: string) => `/episodes/${episodeId}/young-peoples-views`,
  },
  /** Break-glass, sharing without agreement and the agencies' lawful bases: src/features/break-glass. */
  breakGlass: {
    open: (episodeId: string) => `/episodes/${episodeId}/break-glass`,
    reviews: () => '/break-glass',
    reviewGrant: (grantId: string) => `/break-glass/openings/${grantId}/review`,
    reviewSharing: (sharingId: string) => `/break-glass/sharing/${sharingId}/review`,
    sharing: (episodeId: string) => `/episodes/${episodeId}/sharing-without-agreement`,
    endSharing: (episodeId: string, sharingId: string) => `/episodes/${episodeId}/sharing-without-agreement/${sharingId}/end`,
    lawfulBasis: (agencyId: string) => `/admin/agencies/${agencyId}/lawful-basis`,
  },
  audit: (query: Record<string, string | number | undefined> = {}) => withQuery('/audit', query),
  auditExport: (query: Record<string, string | number | undefined> = {}) => withQuery('/audit/export.csv', query),
  retention: {
    home: () => '/retention',
    refresh: () => '/retention/refresh',
    approve: (batchId: string) => `/retention/batches/${batchId}/approve`,
    batch: (batchId: string) => `/retention/batches/${batchId}`,
    newHold: (query: { kind?: 'episode' | 'person'; id?: string } = {}) => withQuery('/retention/holds/new', query),
    holds: () => '/retention/holds',
    releaseHold: (holdId: string) => `/retention/holds/${holdId}/release`,
    rules: () => '/admin/retention',
    disposals: () => '/retention/disposals',
  },
  /** Aggregate reports for managers and coordinators (src/features/reports): figures only, never a case record. */
  reports: {
    page: (query: Record<string, string | undefined> = {}) => withQuery('/reports', query),
    csv: (query: Record<string, string | undefined> = {}) => withQuery('/reports/export.csv', query),
    api: (query: Record<string, string | undefined> = {}) => withQuery('/api/v1/reports', query),
  },
  /** Panels (src/features/panels): administrators set them up; episodes are listed at them; their members read them. */
  panels: {
    mine: () => '/panels',
    episode: (episodeId: string) => `/episodes/${episodeId}/panels`,
    endListing: (episodeId: string, listingId: string) => `/episodes/${episodeId}/panels/${listingId}/end`,
    /** The episode's locality (whose coordinators see it). */
    locality: (episodeId: string) => `/episodes/${episodeId}/locality`,
    admin: () => '/admin/panels',
    newPanel: () => '/admin/panels/new',
    panel: (panelId: string) => `/admin/panels/${panelId}`,
    addMember: (panelId: string) => `/admin/panels/${panelId}/members`,
    removeMember: (panelId: string, userId: string) => `/admin/panels/${panelId}/members/${userId}/remove`,
  },
  subjectAccess: {
    page: (personId: string) => `/people/${personId}/subject-access`,
    json: (personId: string) => `/people/${personId}/subject-access.json`,
    pdf: (personId: string) => `/people/${personId}/subject-access.pdf`,
  },
  recordHistory: {
    person: (personId: string) => `/people/${personId}/history`,
    episode: (episodeId: string) => `/episodes/${episodeId}/history`,
    correctPerson: (personId: string) => `/people/${personId}/correct`,
    dispute: (episodeId: string) => `/episodes/${episodeId}/disputes/new`,
    familyDispute: (episodeId: string) => `/family/episodes/${episodeId}/disagree`,
  },
  api: {
    root: () => '/api/v1',
    openApi: () => '/api/v1/openapi.json',
  },
} as const
