import { sql } from 'kysely'
import { newSecret, uuidv7 } from '../../src/lib/ids.ts'
import type { Role } from '../../src/db/schema.ts'
import type { TestApp } from './build-test-app.ts'
import { buildAgency, buildAuthority, buildLocality, buildUser, type TestUser } from './builders.ts'
import { insertPlanAction } from '../../src/features/plans/plan-actions.ts'

export const ALL_ROLES: Role[] = ['administrator', 'coordinator', 'panel_member', 'manager', 'practitioner']

export type AuthorityWorld = {
  authorityId: string
  name: string
  localityId: string
  agencyId: string
  /** Holds every role: the most powerful actor an authority can have. */
  superUser: TestUser
  practitioner: TestUser
  invitedUserId: string
  apiTokenId: string
  outboxMessageId: string
  /** A word that appears in every name of this authority's records, to spot leaks in responses. */
  marker: string
  /** Version 1 of the authority's standard CAF template (installed by buildAuthority), renamed to carry the marker. */
  templateVersionId: string
  /** People and families: a person registered by superUser, a second person, their household, and a merge into the first. */
  personId: string
  otherPersonId: string
  householdId: string
  mergeId: string
  /** An episode about a child of this authority (owner: superUser), with a consent and a safeguarding referral. */
  episodeId: string
  consentId: string
  referralId: string
  /** The child of that episode, and its common assessment (started by superUser) with one element recorded for the child. */
  episodeChildId: string
  assessmentId: string
  /** The plan (src/features/plans): a need and an action (owned by superUser) in that episode's plan, agreed as version 1. */
  planNeedId: string
  planActionId: string
  /** Records (src/features/records): a document on that episode, uploaded by superUser, visible to the team. */
  documentId: string
  /** The family's records (src/features/family-records): a document on that episode marked for the family. */
  familyDocumentId: string
  /** Meetings (src/features/meetings): a scheduled meeting of that episode (superUser invited), an agenda item and its minutes record. */
  meetingId: string
  /** Reviews (src/features/reviews): a completed review of that episode, recorded by superUser, with one score. */
  reviewId: string
  /** The team (src/features/team): a family member on the episode's team, superUser as its lead, a declined handover to practitioner. */
  familyMemberId: string
  leadId: string
  handoverId: string
  /** The family's own view: an active family account (the family member above, a parent) linked to the episode. */
  familyAccountId: string
  /** Panels (src/features/panels): a panel of the world's locality (nobody sits on it) and the episode listed at it by superUser. */
  panelId: string
  listingId: string
}

/** One authority with a record of every kind, every name carrying a marker word. */
export async function buildAuthorityWorld(t: TestApp, marker: string): Promise<AuthorityWorld> {
  const authority = await buildAuthority(t, { name: `${marker} Council` })
  const locality = await buildLocality(t, authority.id, `${marker} Riverside`)
  const agency = await buildAgency(t, authority.id, { name: `${marker} Primary School`, localityId: locality.id })
  const superUser = await buildUser(t, authority.id, { roles: ALL_ROLES, agencyIds: [agency.id], name: `${marker} Super`, email: `super.${marker.toLowerCase()}@example.org` })
  const practitioner = await buildUser(t, authority.id, { roles: ['practitioner'], agencyIds: [agency.id], name: `${marker} Practitioner`, email: `practitioner.${marker.toLowerCase()}@example.org` })
  const invited = await buildUser(t, authority.id, { status: 'invited', withTotp: false, name: `${marker} Invitee`, email: `invitee.${marker.toLowerCase()}@example.org` })
  const apiTokenId = uuidv7()
  await t.database.db
    .insertInto('apiTokens')
    .values({ authorityId: authority.id, id: apiTokenId, userId: superUser.id, name: `${marker} token`, tokenHash: newSecret(), prefix: 'abcd1234', createdAt: new Date() })
    .execute()
  const outboxMessageId = uuidv7()
  await t.database.db
    .insertInto('outbox')
    .values({ id: outboxMessageId, authorityId: authority.id, recipient: `invitee.${marker.toLowerCase()}@example.org`, subject: `${marker} subject`, bodyText: `${marker} body`, status: 'held', nextAttemptAt: new Date(), messageId: `<${outboxMessageId}@test>`, createdAt: new Date() })
    .execute()
  const template = await t.database.db
    .updateTable('assessmentTemplateVersions')
    .set({ name: `${marker} standard CAF` })
    .where('authorityId', '=', authority.id)
    .where('templateKey', '=', 'caf-standard')
    .returning('id')
    .executeTakeFirstOrThrow()
  const episode = await buildEpisodeRecords(t, authority.id, superUser.id, agency.id, marker, template.id)
  const people = await buildPeopleRecords(t, authority.id, superUser.id, marker)
  const team = await buildTeamRecords(t, authority.id, episode.episodeId, superUser.id, practitioner.id, agency.id, marker)
  const panel = await buildPanelRecords(t, authority.id, locality.id, episode.episodeId, superUser.id, marker)
  return { authorityId: authority.id, name: authority.name, localityId: locality.id, agencyId: agency.id, superUser, practitioner, invitedUserId: invited.id, apiTokenId, outboxMessageId, marker, templateVersionId: template.id, ...episode, ...people, ...team, ...panel }
}

/** A panel of the locality with nobody on it, and the episode listed at it (listed by `listedByUserId`). */
async function buildPanelRecords(t: TestApp, authorityId: string, localityId: string, episodeId: string, listedByUserId: string, marker: string) {
  const panelId = uuidv7()
  const listingId = uuidv7()
  const now = new Date()
  await t.database.db.insertInto('panels').values({ authorityId, id: panelId, name: `${marker} panel`, localityId, createdAt: now }).execute()
  await t.database.db.insertInto('panelListings').values({ authorityId, id: listingId, panelId, episodeId, reason: `${marker} needs rising`, listedByUserId, listedAt: now }).execute()
  return { panelId, listingId }
}

/** A child, an episode about them owned by `ownerId`, a consent and a safeguarding referral. */
async function buildEpisodeRecords(t: TestApp, authorityId: string, ownerId: string, agencyId: string, marker: string, templateVersionId: string) {
  const db = t.database.db
  const childId = uuidv7()
  await db
    .insertInto('persons')
    .values({ authorityId, id: childId, givenNames: `${marker}child`, familyName: marker, dateOfBirth: '2015-05-05', expectedDateOfBirth: null, sex: null, gender: null, ethnicity: null, firstLanguage: null, disability: null, address: null, postcode: null, phone: null, email: null, schoolOrSetting: null, uniquePupilNumber: null, nhsNumber: null, gpPractice: null, searchName: `${marker}child ${marker}`.toLowerCase(), mergedIntoId: null, createdByUserId: ownerId })
    .execute()
  const episodeId = uuidv7()
  const now = new Date()
  await db.insertInto('episodes').values({ authorityId, id: episodeId, reference: `EH-2026-${episodeId.slice(-6)}`, scope: 'child', householdId: null, localityId: null, agencyId, status: 'consent', outcome: null, startedByUserId: ownerId, startedAt: now, closedAt: null, templateVersionId }).execute()
  await db.insertInto('episodePeople').values({ authorityId, episodeId, personId: childId, role: 'child' }).execute()
  await db.insertInto('episodeMembers').values({ authorityId, episodeId, userId: ownerId, agencyId, role: 'owner', addedByUserId: ownerId, joinedAt: now, leftAt: null }).execute()
  const consentId = uuidv7()
  await db
    .insertInto('consents')
    .values({ authorityId, id: consentId, episodeId, decision: 'given', giverKind: 'other_adult', giverPersonId: null, giverName: `${marker} Carer`, giverRelationship: 'aunt', competenceBasis: null, competenceJudgedBy: null, competenceReasoning: null, toAssess: true, shareAgencyIds: '[]', shareAgencyKinds: '[]', method: 'in_person', givenOn: '2026-01-05', refusalReason: null, recordedByUserId: ownerId, recordedAt: now })
    .execute()
  const referralId = uuidv7()
  await db
    .insertInto('safeguardingReferrals')
    .values({ authorityId, id: referralId, episodeId, referredTo: 'childrens_social_care', concern: `${marker} concern`, referredAt: now, method: 'phone', reference: null, spokeTo: null, outcome: null, recordedByUserId: ownerId, recordedAt: now })
    .execute()
  const assessmentId = uuidv7()
  await db
    .insertInto('assessments')
    .values({ authorityId, id: assessmentId, episodeId, templateVersionId, status: 'in_progress', assessorUserId: ownerId, assessorAgencyId: agencyId, explainedAt: null, explanationNotes: null, discussionDate: null, reason: `${marker} reason`, present: null, conclusions: null, familyAgreement: null, differencesOfOpinion: null, solutions: null, familyCanDo: null, agreedActions: null, reviewDate: null, outcome: null, completionDate: null, signedOffByUserId: null, signedOffAt: null, approvedByUserId: null, approvedAt: null, returnedByUserId: null, returnedAt: null, returnComments: null, createdAt: now, updatedAt: now })
    .execute()
  await db
    .insertInto('assessmentElements')
    .values({ authorityId, assessmentId, elementKey: 'general-health', subject: childId, strengths: `${marker} strengths`, needs: null, childWords: null, parentWords: null, practitionerScore: 1, familyScoreAdult: null, familyScoreChild: null, updatedByUserId: ownerId, updatedAt: now })
    .execute()
  const plan = await buildPlanRecords(t, authorityId, episodeId, ownerId, marker)
  const documentId = await buildDocumentRecord(t, authorityId, episodeId, ownerId, agencyId, marker)
  const familyDocumentId = await buildDocumentRecord(t, authorityId, episodeId, ownerId, agencyId, marker, 'family')
  const meetingId = await buildMeetingRecords(t, authorityId, episodeId, ownerId, marker)
  const reviewId = await buildReviewRecord(t, authorityId, episodeId, ownerId, childId, marker)
  return { episodeId, consentId, referralId, episodeChildId: childId, assessmentId, ...plan, documentId, familyDocumentId, meetingId, reviewId }
}

/**
 * An episode in support (started 90 days ago) about a new child called `name` `familyName`, in a locality, with its
 * own child; `leadUser` (when given) owns it and is its lead professional, and `teamMates` are members of its team.
 */
export async function buildLocalityEpisode(
  t: TestApp,
  world: AuthorityWorld,
  options: { name: string; familyName: string; localityId: string | null; leadUser: TestUser | null; teamMates?: TestUser[]; status?: 'support' | 'closed' },
): Promise<{ id: string; childId: string; reference: string }> {
  const db = t.database.db
  const { authorityId } = world
  const status = options.status ?? 'support'
  const startedAt = new Date(t.clock.now().getTime() - 90 * 86_400_000)
  const childId = uuidv7()
  await db
    .insertInto('persons')
    .values({ authorityId, id: childId, givenNames: options.name, familyName: options.familyName, dateOfBirth: '2016-02-02', searchName: `${options.name} ${options.familyName}`.toLowerCase(), createdByUserId: world.superUser.id })
    .execute()
  const id = uuidv7()
  const reference = `EH-2026-${id.slice(-6).toUpperCase()}`
  await db
    .insertInto('episodes')
    .values({ authorityId, id, reference, scope: 'child', householdId: null, localityId: options.localityId, agencyId: world.agencyId, status, outcome: null, startedByUserId: world.superUser.id, startedAt, closedAt: status === 'closed' ? t.clock.now() : null, templateVersionId: world.templateVersionId })
    .execute()
  await db.insertInto('episodePeople').values({ authorityId, episodeId: id, personId: childId, role: 'child' }).execute()
  const lead = options.leadUser
  if (lead) {
    await db.insertInto('episodeMembers').values({ authorityId, episodeId: id, userId: lead.id, agencyId: world.agencyId, role: 'owner', addedByUserId: lead.id, joinedAt: startedAt, leftAt: null }).execute()
    for (const mate of options.teamMates ?? []) {
      await db.insertInto('episodeMembers').values({ authorityId, episodeId: id, userId: mate.id, agencyId: world.agencyId, role: 'member', addedByUserId: lead.id, joinedAt: startedAt, leftAt: null }).execute()
    }
    await db
      .insertInto('leadProfessionals')
      .values({ authorityId, id: uuidv7(), episodeId: id, scope: 'whole_family', userId: lead.id, agencyId: world.agencyId, appointedVia: 'team_meeting', meetingId: null, familyChose: true, familyPreference: null, appointedByUserId: lead.id, startedAt, endedAt: null, endedReason: null })
      .execute()
  }
  return { id, childId, reference }
}

/** Route parameters filled with the records of one authority; a test fails on a parameter it does not know. */
export function fillRoute(url: string, world: AuthorityWorld): string {
  return url.replace(/:(\w+)/g, (_match, name: string) => {
    switch (name) {
      case 'agencyId':
        return world.agencyId
      case 'localityId':
        return world.localityId
      case 'userId':
        return world.practitioner.id
      case 'tokenId':
        return world.apiTokenId
      case 'messageId':
        return world.outboxMessageId
      case 'templateVersionId':
        return world.templateVersionId
      case 'episodeId':
        return world.episodeId
      case 'consentId':
        return world.consentId
      case 'referralId':
        return world.referralId
      case 'personId':
        return world.personId
      case 'otherPersonId':
        return world.otherPersonId
      case 'householdId':
        return world.householdId
      case 'mergeId':
        return world.mergeId
      case 'domainKey':
        return 'child-development'
      case 'elementKey':
        return 'general-health'
      case 'needId':
        return world.planNeedId
      case 'actionId':
        return world.planActionId
      case 'versionNumber':
        return '1'
      case 'documentId':
        return world.documentId
      case 'familyDocumentId':
        return world.familyDocumentId
      case 'meetingId':
        return world.meetingId
      case 'reviewId':
        return world.reviewId
      case 'familyMemberId':
        return world.familyMemberId
      case 'leadId':
        return world.leadId
      case 'handoverId':
        return world.handoverId
      case 'accountId':
        return world.familyAccountId
      case 'panelId':
        return world.panelId
      case 'listingId':
        return world.listingId
      case 'subject':
        return world.episodeChildId
      case 'topic':
        return 'meetings'
      case 'grantId':
      case 'sharingId':
      // Retention batches and legal holds: none exist in the world either (their pages answer 404).
      case 'batchId':
      case 'holdId':
        // Break-glass openings and sharing without agreement: none exist in the world (their pages answer 404).
        return '0190a000-0000-7000-8000-000000000001'
      case 'token':
        return newSecret()
      default:
        throw new Error(`route ${url} has a parameter :${name} that test/helpers/world.ts does not know how to fill`)
    }
  })
}

const SNAPSHOT_TABLES: Record<string, string> = {
  authorities: 'select id, name, nation, is_demo, second_factor_required, single_sign_on_issuer, version from authorities where id = $1',
  localities: 'select * from localities where authority_id = $1',
  agencies: 'select * from agencies where authority_id = $1',
  users: 'select id, email, name, status, password_hash, totp_secret, totp_enabled_at, recovery_code_hashes, may_skip_second_factor, deactivated_at, version from users where authority_id = $1',
  user_roles: 'select * from user_roles where authority_id = $1',
  user_agencies: 'select * from user_agencies where authority_id = $1',
  api_tokens: 'select id, user_id, name, token_hash, prefix, revoked_at from api_tokens where authority_id = $1',
  account_tokens: 'select token_hash, user_id, purpose, used_at from account_tokens where authority_id = $1',
  outbox_messages: 'select id, recipient, subject, body_text from outbox where authority_id = $1',
  assessment_template_versions: 'select id, template_key, version_number, name, content::text, change_summary from assessment_template_versions where authority_id = $1',
  episodes: 'select id, reference, status, safeguarding_flag, outcome, version from episodes where authority_id = $1',
  episode_people: 'select episode_id, person_id, role from episode_people where authority_id = $1',
  episode_members: 'select episode_id, user_id, role, left_at from episode_members where authority_id = $1',
  episode_checklists: 'select episode_id, answers::text, outcome, version from episode_checklists where authority_id = $1',
  safeguarding_referrals: 'select id, episode_id, outcome, version from safeguarding_referrals where authority_id = $1',
  consents: 'select id, episode_id, decision, withdrawn_on, version from consents where authority_id = $1',
  safeguarding_contacts: 'select authority_id, social_care_name, social_care_phone, version from safeguarding_contacts where authority_id = $1',
  assessments: 'select id, episode_id, status, reason, conclusions, version from assessments where authority_id = $1',
  assessment_elements: 'select assessment_id, element_key, subject, strengths, practitioner_score, not_assessed, version from assessment_elements where authority_id = $1',
  assessment_contributors: 'select assessment_id, user_id, element_keys::text, completed_at from assessment_contributors where authority_id = $1',
  support_plans: 'select episode_id, if_not_achieved, agreed_version_number, changed_since_agreed, version from support_plans where authority_id = $1',
  plan_needs: 'select id, description, outcome_wanted, framework_outcomes::text, removed_at, version from plan_needs where authority_id = $1',
  plan_actions: 'select id, what, owner_name, due_on, status, not_done_reason, removed_at, version from plan_actions where authority_id = $1',
  plan_action_updates: 'select id, action_id, status, note from plan_action_updates where authority_id = $1',
  plan_versions: 'select id, number, content::text from plan_versions where authority_id = $1',
  plan_signatures: 'select id, plan_version_id, signer_name, method from plan_signatures where authority_id = $1',
  case_notes: 'select id, episode_id, summary, visibility from case_notes where authority_id = $1',
  family_team_members: 'select id, episode_id, name, kind, left_at, version from family_team_members where authority_id = $1',
  team_changes: 'select id, episode_id, change, member_name from team_changes where authority_id = $1',
  lead_professionals: 'select id, episode_id, scope, user_id, ended_at, version from lead_professionals where authority_id = $1',
  lead_handovers: 'select id, episode_id, status, version from lead_handovers where authority_id = $1',
  early_help_settings: 'select authority_id, max_team_practitioners, review_weeks, version from early_help_settings where authority_id = $1',
  documents: 'select id, episode_id, title, visibility, removed_at, removed_reason, content is null as erased from documents where authority_id = $1',
  meetings: 'select id, episode_id, status, starts_at, ics_sequence, chair_user_id, version from meetings where authority_id = $1',
  meeting_invitees: 'select id, meeting_id, name, attendance, removed_at from meeting_invitees where authority_id = $1',
  agenda_items: 'select id, meeting_id, text, removed_at from agenda_items where authority_id = $1',
  meeting_minutes: 'select meeting_id, status, due_on, discussion, version from meeting_minutes where authority_id = $1',
  bank_holidays: 'select holiday_on, title from bank_holidays where authority_id = $1',
  reviews: 'select id, episode_id, status, decision, family_views, version from reviews where authority_id = $1',
  distance_scores: 'select id, episode_id, occasion, element_key, subject, score from distance_scores where authority_id = $1',
  review_progress: 'select review_id, item_kind, item_id, progress from review_progress where authority_id = $1',
  episode_closures: 'select episode_id, reason, status, version from episode_closures where authority_id = $1',
  panels: 'select id, name, locality_id, active, version from panels where authority_id = $1',
  panel_members: 'select panel_id, user_id from panel_members where authority_id = $1',
  panel_listings: 'select id, panel_id, episode_id, reason, ended_at from panel_listings where authority_id = $1',
  coordinator_localities: 'select user_id, locality_id from coordinator_localities where authority_id = $1',
}

/** Everything an authority owns, in a stable textual form: equal snapshots mean nothing changed. */
export async function snapshotAuthority(t: TestApp, authorityId: string, options: { withAudit?: boolean } = {}): Promise<string> {
  const parts: string[] = []
  for (const [name, query] of Object.entries(SNAPSHOT_TABLES)) {
    const ordered = `select * from (${query.replace('$1', `'${authorityId}'`)}) as x order by 1, 2`
    const result = await sql.raw<Record<string, unknown>>(ordered).execute(t.database.db)
    parts.push(`${name}:${JSON.stringify(result.rows)}`)
  }
  if (options.withAudit) {
    const audit = await sql<{ count: number }>`select count(*)::int as count from audit_events where authority_id = ${authorityId}`.execute(t.database.db)
    parts.push(`audit:${audit.rows[0]?.count}`)
  }
  return parts.join('\n')
}

/** A person (registered by `registrantId`), a second person, a household with the first, and a merge of a third into the first. */
async function buildPeopleRecords(t: TestApp, authorityId: string, registrantId: string, marker: string) {
  const db = t.database.db
  const person = (given: string) => ({ authorityId, id: uuidv7(), givenNames: `${marker}${given}`, familyName: marker, searchName: `${marker}${given} ${marker}`.toLowerCase(), createdByUserId: registrantId })
  const [first, second, third] = [person('person'), person('other'), person('merged')]
  await db.insertInto('persons').values([first, second, { ...third, mergedIntoId: first.id }]).execute()
  const householdId = uuidv7()
  await db.insertInto('households').values({ authorityId, id: householdId, name: `${marker} household`, createdByUserId: registrantId }).execute()
  await db.insertInto('householdMembers').values({ authorityId, householdId, personId: first.id }).execute()
  const mergeId = uuidv7()
  const moved = { householdMembers: { moved: [], removed: [] }, relationships: { moved: [], removed: [] }, episodePeople: { moved: [], removed: [] } }
  await db.insertInto('personMerges').values({ authorityId, id: mergeId, keptPersonId: first.id, mergedPersonId: third.id, reason: `${marker} same person`, moved: JSON.stringify(moved), mergedByUserId: registrantId, mergedAt: new Date() }).execute()
  return { personId: first.id, otherPersonId: second.id, householdId, mergeId }
}

/** A small PDF attached to the episode (stored in the database), as the records feature stores an upload. */
/** A meeting of the episode next month, scheduled by `ownerId` who is invited, with an agenda item and its (draft) minutes. */
async function buildMeetingRecords(t: TestApp, authorityId: string, episodeId: string, ownerId: string, marker: string) {
  const db = t.database.db
  const now = new Date()
  const id = uuidv7()
  const startsAt = new Date(now.getTime() + 30 * 86_400_000)
  await db
    .insertInto('meetings')
    .values({ authorityId, id, episodeId, purpose: 'team_meeting', startsAt, endsAt: new Date(startsAt.getTime() + 3_600_000), venueName: `${marker} Family Hub`, venueAddress: null, neutralVenue: true, accessibilityNotes: null, remoteLink: null, status: 'scheduled', icsUid: `${id}@test`, chairUserId: ownerId, minuteTakerUserId: ownerId, scheduledByUserId: ownerId, createdAt: now, cancelledAt: null, cancelReason: null })
    .execute()
  await db.insertInto('meetingInvitees').values({ authorityId, id: uuidv7(), meetingId: id, userId: ownerId, familyTeamMemberId: null, name: `${marker} Super`, email: null, attendance: null, invitedAt: now, removedAt: null }).execute()
  await db.insertInto('agendaItems').values({ authorityId, id: uuidv7(), meetingId: id, text: `${marker} agenda item`, addedByUserId: ownerId, addedByFamilyTeamMemberId: null, addedByName: `${marker} Super`, addedAt: now, removedAt: null }).execute()
  await db.insertInto('meetingMinutes').values({ authorityId, meetingId: id, status: 'draft', dueOn: startsAt.toISOString().slice(0, 10), updatedAt: now }).execute()
  return id
}

async function buildDocumentRecord(t: TestApp, authorityId: string, episodeId: string, uploaderId: string, agencyId: string, marker: string, visibility: 'team' | 'family' = 'team') {
  const id = uuidv7()
  const content = Buffer.from(`%PDF-1.4\n% ${marker} letter\n%%EOF\n`)
  await t.database.db
    .insertInto('documents')
    .values({ authorityId, id, episodeId, title: `${marker} ${visibility === 'family' ? 'family leaflet' : 'letter'}`, kind: 'letter', fileName: `${marker}-${visibility === 'family' ? 'leaflet' : 'letter'}.pdf`, mediaType: 'application/pdf', sizeBytes: content.length, sha256: 'test', visibility, storage: 'database', content, scanStatus: 'not_scanned', uploadedByUserId: uploaderId, uploadedByAgencyId: agencyId, uploadedAt: new Date() })
    .execute()
  return id
}

/** A family member on the episode's team, superUser appointed lead professional (the family's choice), and a declined handover to `otherUserId`. */
async function buildTeamRecords(t: TestApp, authorityId: string, episodeId: string, leadUserId: string, otherUserId: string, agencyId: string, marker: string) {
  const db = t.database.db
  const now = new Date()
  const familyMemberId = uuidv7()
  await db
    .insertInto('familyTeamMembers')
    .values({ authorityId, id: familyMemberId, episodeId, personId: null, name: `${marker} Parent`, kind: 'family_member', relationship: 'Mum', organisation: null, email: null, phone: null, addedByUserId: leadUserId, joinedAt: now, leftAt: null, leftReason: null })
    .execute()
  const leadId = uuidv7()
  await db
    .insertInto('leadProfessionals')
    .values({ authorityId, id: leadId, episodeId, scope: 'whole_family', userId: leadUserId, agencyId, appointedVia: 'team_meeting', meetingId: null, familyChose: true, familyPreference: `${marker} choice`, appointedByUserId: leadUserId, startedAt: now, endedAt: null, endedReason: null })
    .execute()
  const handoverId = uuidv7()
  await db
    .insertInto('leadHandovers')
    .values({ authorityId, id: handoverId, episodeId, leadProfessionalId: leadId, scope: 'whole_family', fromUserId: leadUserId, toUserId: otherUserId, note: `${marker} handover note`, familyPreference: null, requestedByUserId: leadUserId, requestedAt: now, status: 'declined', respondedAt: now, responseNote: `${marker} declined` })
    .execute()
  const familyAccountId = uuidv7()
  await db
    .insertInto('familyAccounts')
    .values({ authorityId, id: familyAccountId, name: `${marker} Parent`, email: `parent.${marker.toLowerCase()}@example.org`, mobile: null, preferredChannel: 'email', kind: 'parent_carer', personId: null, status: 'active', invitedByUserId: leadUserId, invitedAt: now, firstSignedInAt: now, lastSignedInAt: now, revokedAt: null, revokedByUserId: null })
    .execute()
  await db
    .insertInto('familyAccountEpisodes')
    .values({ authorityId, accountId: familyAccountId, episodeId, familyTeamMemberId: familyMemberId, grantedByUserId: leadUserId, grantedAt: now, revokedAt: null, revokedByUserId: null })
    .execute()
  return { familyMemberId, leadId, handoverId, familyAccountId }
}

/** A completed review of the episode (decision: continue) with one Distance Travelled score for the child. */
async function buildReviewRecord(t: TestApp, authorityId: string, episodeId: string, recordedByUserId: string, childId: string, marker: string) {
  const db = t.database.db
  const now = new Date()
  const id = uuidv7()
  await db
    .insertInto('reviews')
    .values({ authorityId, id, episodeId, meetingId: null, heldOn: '2026-02-02', status: 'completed', summary: `${marker} review summary`, familyViews: `${marker} family views`, decision: 'continue', decisionReason: null, recordedByUserId, createdAt: now, completedAt: now })
    .execute()
  await db.insertInto('distanceScores').values({ authorityId, id: uuidv7(), episodeId, occasion: 'review', reviewId: id, elementKey: 'general-health', subject: childId, score: 1, recordedByUserId, recordedAt: now }).execute()
  return id
}

/** The plan of an episode: one need, one action owned by `ownerId` (entered the one way actions enter a plan), agreed as version 1. */
async function buildPlanRecords(t: TestApp, authorityId: string, episodeId: string, ownerId: string, marker: string) {
  const db = t.database.db
  const now = new Date()
  const planNeedId = uuidv7()
  await db.insertInto('supportPlans').values({ authorityId, episodeId, ifNotAchieved: `${marker} if not`, createdAt: now, updatedByUserId: ownerId, updatedAt: now }).execute()
  await db.insertInto('planNeeds').values({ authorityId, id: planNeedId, episodeId, description: `${marker} need`, outcomeWanted: `${marker} outcome`, frameworkOutcomes: JSON.stringify(['staying_safe']), position: 1, createdByUserId: ownerId, createdAt: now }).execute()
  const planActionId = await insertPlanAction(db, { authorityId, episodeId, needId: planNeedId, what: `${marker} action`, ownerKind: 'practitioner', ownerUserId: ownerId, ownerName: `${marker} Super`, dueOn: '2026-12-01', createdByUserId: ownerId, createdByName: `${marker} Super`, at: now })
  await db.insertInto('planVersions').values({ authorityId, id: uuidv7(), episodeId, number: 1, content: JSON.stringify({ needs: [], actions: [], ifNotAchieved: `${marker} if not` }), agreedByUserId: ownerId, agreedAt: now }).execute()
  await db.updateTable('supportPlans').set({ agreedVersionNumber: 1, changedSinceAgreed: false }).where('authorityId', '=', authorityId).where('episodeId', '=', episodeId).execute()
  return { planNeedId, planActionId }
}

/** The records of one family, owned by one practitioner (their lead professional, assessor and chair): every kind of record a route can name. */
export type RecordSet = Pick<
  AuthorityWorld,
  | 'personId'
  | 'otherPersonId'
  | 'householdId'
  | 'mergeId'
  | 'episodeId'
  | 'consentId'
  | 'referralId'
  | 'episodeChildId'
  | 'assessmentId'
  | 'planNeedId'
  | 'planActionId'
  | 'documentId'
  | 'familyDocumentId'
  | 'meetingId'
  | 'reviewId'
  | 'familyMemberId'
  | 'leadId'
  | 'handoverId'
  | 'familyAccountId'
>

/**
 * A second (or third) family in an existing authority, for tests that need a record a user is related to and one they
 * are not (test/access/matrix.test.ts). `ownerId` is on its team as its owner and lead; `otherUserId` declined a handover.
 */
export async function buildRecordSet(
  t: TestApp,
  world: Pick<AuthorityWorld, 'authorityId' | 'templateVersionId'>,
  options: { ownerId: string; otherUserId: string; agencyId: string; marker: string },
): Promise<RecordSet> {
  const episode = await buildEpisodeRecords(t, world.authorityId, options.ownerId, options.agencyId, options.marker, world.templateVersionId)
  const people = await buildPeopleRecords(t, world.authorityId, options.ownerId, options.marker)
  const team = await buildTeamRecords(t, world.authorityId, episode.episodeId, options.ownerId, options.otherUserId, options.agencyId, options.marker)
  return { ...episode, ...people, ...team }
}
