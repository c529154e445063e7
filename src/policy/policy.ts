import type { Role } from '../db/schema.ts'
import type { Actor } from './actor.ts'

/**
 * The single authorisation seam. Every domain operation names one of these actions; the table below is the
 * whole of the function-level policy and is what docs/access-policy.md documents.
 */
export const ACTIONS = {
  'authority.view': { roles: 'any', personalData: false, description: 'See the authority name and settings' },
  'admin.overview': { roles: ['administrator'], personalData: false, description: 'See the administration overview (counts only)' },
  'authority.configure': { roles: ['administrator'], personalData: false, description: 'Change authority settings' },
  'locality.list': { roles: 'any', personalData: false, description: 'List localities' },
  'locality.manage': { roles: ['administrator'], personalData: false, description: 'Add and rename localities' },
  'agency.list': { roles: 'any', personalData: false, description: 'Read the agency directory' },
  'agency.manage': { roles: ['administrator'], personalData: false, description: 'Add and change agencies' },
  'user.list': { roles: ['administrator'], personalData: true, description: 'List practitioner accounts' },
  'user.view': { roles: ['administrator'], personalData: true, description: 'See a practitioner account' },
  'user.manage': {
    roles: ['administrator'],
    personalData: true,
    description: 'Invite, change roles and agencies, deactivate, end sessions',
  },
  'account.self': { roles: 'any', personalData: true, description: 'Manage your own account, password, second factor' },
  'api-token.manage-own': { roles: 'any', personalData: false, description: 'Create and revoke your own API tokens' },
  'audit.search': { roles: ['coordinator'], personalData: true, description: 'Search the audit log' },
  'outbox.read': { roles: ['administrator'], personalData: true, description: 'Read the email outbox' },

  // People and families. Searching shows only what is needed to recognise a person (tell it once); opening a record
  // needs a relationship to it.
  'person.search': { roles: 'any', personalData: true, description: 'Search for a person before registering them' },
  'person.register': { roles: 'any', personalData: true, description: 'Register a child, young person or adult' },
  'person.view': { roles: 'any', personalData: true, record: 'team-or-creator', description: 'See a person and their family' },
  'person.update': { roles: 'any', personalData: true, record: 'team-or-creator', description: 'Change a person, their household and relationships' },
  'person.merge': { roles: ['coordinator'], personalData: true, description: 'Merge two records of the same person, or undo a merge' },

  // Episodes of early help.
  'episode.start': { roles: 'any', personalData: true, description: 'Start an episode of early help' },
  'episode.list-own': { roles: 'any', personalData: true, description: 'List the episodes you work on' },
  'episode.view': { roles: 'any', personalData: true, record: 'team', contributors: true, description: 'See an episode' },
  'episode.update': { roles: 'any', personalData: true, record: 'team', description: 'Record the checklist, consent and outcome of an episode' },
  'episode.locality': {
    roles: 'any',
    personalData: true,
    record: 'team',
    lead: true,
    description: 'Lead professional or coordinator: move an episode to the locality the family lives in now (its coordinators change)',
  },
  'episode.refer-safeguarding': {
    roles: 'any',
    personalData: true,
    record: 'team',
    contributors: true,
    safeguarding: true,
    description: 'Record a referral to children\'s social care or the police (never blocked by withdrawn consent)',
  },

  // Common assessments.
  'assessment-template.list': { roles: 'any', personalData: false, description: 'See assessment templates' },
  'assessment-template.manage': { roles: ['administrator'], personalData: false, description: 'Make new versions of assessment templates' },
  'assessment.view': { roles: 'any', personalData: true, record: 'team', contributors: true, description: 'See an assessment' },
  'assessment.edit': { roles: 'any', personalData: true, record: 'team', contributors: true, description: 'Record an assessment (contributors: their elements only)' },
  'assessment.sign-off': { roles: 'any', personalData: true, record: 'team', description: 'Sign off an assessment as its assessor' },
  'assessment.approve': { roles: ['manager'], personalData: true, record: 'manager', description: 'Approve or return an assessment as the assessor\'s manager' },
  'assessment.approval-list': { roles: ['manager'], personalData: true, description: 'List the assessments waiting for your approval as a manager' },

  // The team around the family (src/features/team).
  'early-help-settings.manage': { roles: ['administrator'], personalData: false, description: 'Set team size, review cadence, minutes deadline, outcomes framework and closure approval' },
  'team.view': { roles: 'any', personalData: true, record: 'team', description: 'See the team, its history and who is who' },
  'team.manage': { roles: 'any', personalData: true, record: 'team', description: 'Add people to the team or record that they left' },
  'lead.appoint': { roles: 'any', personalData: true, record: 'team', description: 'Appoint a lead professional, recording the family\'s choice' },
  'lead.handover': { roles: 'any', personalData: true, record: 'team', description: 'Hand over to a new lead professional, or acknowledge a handover' },
  'early-help.dashboard': { roles: ['coordinator'], personalData: true, description: 'See episodes with no lead professional, overdue minutes and overdue reviews' },

  // The family support plan (src/features/plans).
  'plan.view': { roles: 'any', personalData: true, record: 'team', description: 'See the family support plan and its agreed versions' },
  'plan.edit': { roles: 'any', personalData: true, record: 'team', description: 'Change needs, outcomes and actions, and record progress' },
  'plan.agree': { roles: 'any', personalData: true, record: 'team', description: 'Record that a version of the plan was agreed, and who signed it' },

  // Team meetings (src/features/meetings).
  'bank-holiday.manage': { roles: ['administrator'], personalData: false, description: 'Add future bank holidays for working-day deadlines' },
  'meeting.view': { roles: 'any', personalData: true, record: 'team', description: 'See meetings, agendas, attendance and minutes' },
  'meeting.manage': { roles: 'any', personalData: true, record: 'team', description: 'Schedule, change or cancel a meeting and invite people' },
  'meeting.agenda': { roles: 'any', personalData: true, record: 'team', description: 'Add an item to a meeting\'s agenda' },
  'meeting.minutes': { roles: 'any', personalData: true, record: 'team', description: 'Record attendance and draft minutes' },
  'meeting.approve-minutes': { roles: 'any', personalData: true, record: 'team', description: 'Approve and circulate minutes as the meeting\'s chair' },

  // Reviews and closure (src/features/reviews).
  'review.view': { roles: 'any', personalData: true, record: 'team', description: 'See reviews and Distance Travelled scores' },
  'review.record': { roles: 'any', personalData: true, record: 'team', description: 'Record a review, its scores and its decision; set the review cadence' },
  'episode.close': { roles: 'any', personalData: true, record: 'team', description: 'Close an episode (or ask a manager to approve its closure)' },
  'episode.approve-closure': { roles: ['manager'], personalData: true, record: 'manager', description: 'Approve or return a closure as the lead professional\'s manager' },
  'closure.approval-list': { roles: ['manager'], personalData: true, description: 'List the closures waiting for your approval as a manager' },

  // Case notes, documents and the chronology (src/features/records).
  'chronology.view': { roles: 'any', personalData: true, record: 'team', description: 'See the merged chronology of a child or family' },
  'note.view': { roles: 'any', personalData: true, record: 'team', description: 'Read case notes (agency-only notes: the author\'s agency only)' },
  'note.add': { roles: 'any', personalData: true, record: 'team', description: 'Write a case note' },
  'document.view': { roles: 'any', personalData: true, record: 'team', description: 'See and download documents (agency-only ones: the uploader\'s agency only)' },
  'document.upload': { roles: 'any', personalData: true, record: 'team', description: 'Attach a document to an episode' },
  'document.remove': { roles: 'any', personalData: true, record: 'team', description: 'Remove a document you uploaded, with a reason' },

  // A practitioner's own work (src/features/my-work).
  'work.list-own': { roles: 'any', personalData: true, description: 'See your own actions, minutes, reviews, meetings and invitations' },

  // The family's own view (src/features/family*): practitioners invite; family members act only on their own family.
  'family-access.manage': { roles: 'any', personalData: true, record: 'team', description: 'Invite family members to the family\'s own view, or end their access' },
  'identity-protection.manage': { roles: 'any', personalData: true, record: 'team-or-creator', description: 'Mark a person\'s address or other detail "do not disclose to" a family member, or lift it' },
  'family.view': { roles: 'any', audience: 'family', personalData: true, record: 'family', description: 'Family: see our team, plan, meetings, minutes, story, scores, consent and who has looked' },
  'family.contribute': { roles: 'any', audience: 'family', personalData: true, record: 'family', description: 'Family: add agenda items, views and scores; mark our own actions done or comment' },
  'family.consent': { roles: 'any', audience: 'family', personalData: true, record: 'family', description: 'Family: withdraw consent to share with an agency' },
  'family.account': { roles: 'any', audience: 'family', personalData: true, description: 'Family: our own account, language and signed-in devices' },

  // Break-glass and sharing without agreement (src/features/break-glass).
  'break-glass.open': {
    roles: ['practitioner', 'manager', 'panel_member', 'coordinator'],
    personalData: true,
    description: 'Open an episode you have no right to, for a safeguarding need, giving a reason: read-only for a few hours, reviewed by a coordinator',
  },
  'break-glass.review': { roles: ['coordinator'], personalData: true, description: 'See emergency (break-glass) openings and sharing without agreement, and mark them reviewed' },
  'sharing-without-agreement.record': {
    roles: 'any',
    personalData: true,
    record: 'team',
    lead: true,
    safeguarding: true,
    description: 'Lead professional or coordinator: record that an agency is given the information without the family\'s agreement, or end it',
  },

  // Record history, rectification, disputes and subject access (src/features/records-history, src/features/subject-access).
  'history.view': { roles: 'any', personalData: true, record: 'team-or-creator', description: 'See the history of changes to a person\'s or an episode\'s records' },
  'record.correct': { roles: 'any', personalData: true, record: 'team-or-creator', description: 'Correct a person\'s details with a reason (rectification; the old value stays in the history)' },
  'record.dispute': { roles: 'any', personalData: true, record: 'team', description: 'Attach the family\'s statement disagreeing with an assessment, minutes or a case note' },
  'sar.export': { roles: ['coordinator'], personalData: true, description: 'Export everything held about a person for a subject access request' },

  // Retention (src/features/retention, docs/retention.md).
  'retention.configure': { roles: ['administrator'], personalData: false, description: 'Set how long closed episodes and people in no episode are kept' },
  'retention.review': { roles: ['coordinator'], personalData: true, description: 'See the records due for disposal and the legal holds' },
  'retention.approve': { roles: ['coordinator'], personalData: true, description: 'Approve a batch of records for deletion or anonymisation' },
  'retention.hold': { roles: ['coordinator'], personalData: true, description: 'Place or release a legal hold that stops an episode or person being disposed of' },
  'retention.dispose': { roles: ['coordinator'], personalData: true, description: 'Delete an approved episode or anonymise a person (the disposal is audited, never its content)' },

  // Panels (src/features/panels, docs/panels.md): access rule (b). Administrators set panels up and choose who sits on
  // them; the lead professional (or a coordinator of the episode's area) lists an episode at a panel; its members read it.
  'panel.manage': { roles: ['administrator'], personalData: false, description: 'Add, rename and deactivate panels, choose their locality and who sits on them' },
  'panel.list-episode': { roles: 'any', personalData: true, record: 'team', lead: true, description: 'Lead professional or coordinator: list an episode at a panel, or take it off' },
  'panel.view': { roles: ['panel_member'], personalData: true, description: 'See the episodes listed at your panels' },

  // Aggregate reports (src/features/reports, docs/reports.md): counts and averages only, never a case record.
  'reports.view': { roles: ['manager', 'coordinator'], personalData: false, description: 'See aggregate reports (counts, no case records; small numbers suppressed)' },
} as const satisfies Record<
  string,
  {
    roles: readonly Role[] | 'any'
    personalData: boolean
    description: string
    /** Record-level rule: the actor needs this relationship to the record (established by the service). */
    record?: 'team' | 'team-or-creator' | 'manager' | 'family'
    /** Whether an assessment contributor (a member limited to named elements) counts as on the team. */
    contributors?: boolean
    /** Family actions: only a signed-in family member may do them, and no family member may do anything else. */
    audience?: 'family'
    /** A safeguarding action: never blocked by consent the family withdrew (2024 information-sharing advice). */
    safeguarding?: boolean
    /** Only the episode's lead professional (on its team) or a coordinator. */
    lead?: boolean
  }
>

export type Action = keyof typeof ACTIONS

/**
 * What the actor is to a record, read from the database by the service inside the same transaction. Record-level
 * actions are refused when it is missing (fail closed).
 */
export type RecordRelationship = Readonly<{
  /** On the episode's team (or, for a person, on the team of an episode about them). */
  onTeam: boolean
  /** On the team only as a contributor to named assessment elements. */
  contributorOnly?: boolean
  /** Registered the person (before any episode exists). */
  createdByActor?: boolean
  /** Manages an agency the responsible practitioner works for (the assessor; for a closure, the lead professional). */
  managesAssessor?: boolean
  /** The family withdrew consent to share with the agency the practitioner is on the team for. */
  agencyConsentWithdrawn?: boolean
  /** The practitioner's agency relies on consent to share, and no current agreement of the family names it. */
  agencyNotAgreed?: boolean
  /** A family account linked to this episode now (family actions). */
  familyMember?: boolean
  /** The episode the record belongs to: the audit event carries it, so the family can see who has looked. */
  episodeId?: string
  /**
   * The actor opened this episode in an emergency (break-glass) and the grant runs until then. The policy honours it
   * only for reading (BREAK_GLASS_READS) and only while it runs; every audit event under it is marked 'break-glass'.
   */
  breakGlassUntil?: Date
  /** The lead professional or a coordinator recorded sharing with the actor's agency without the family's agreement. */
  sharedWithoutAgreement?: boolean
  /** One of the episode's current lead professionals. */
  leadProfessional?: boolean
  /**
   * Access rule (b): the record belongs to a locality the user coordinates (or they coordinate the whole authority).
   * Counts only with the coordinator role.
   */
  coordinatesArea?: boolean
  /** Access rule (b): the episode is listed now at a panel the user sits on. Counts only with the panel member role, for reading. */
  listedAtPanel?: boolean
}>

/** What an emergency (break-glass) grant lets its holder do: read the episode and its people, never change them. */
export const BREAK_GLASS_READS: ReadonlySet<Action> = new Set<Action>([
  'person.view',
  'episode.view',
  'assessment.view',
  'team.view',
  'plan.view',
  'meeting.view',
  'review.view',
  'chronology.view',
  'note.view',
  'document.view',
])

/** Whether an emergency (break-glass) grant is what lets the actor do this now (the audit event is then marked). */
export function underBreakGlass(action: Action, relationship: RecordRelationship | undefined, now: Date): boolean {
  return relationship?.breakGlassUntil !== undefined && relationship.breakGlassUntil.getTime() > now.getTime() && BREAK_GLASS_READS.has(action)
}

/** What the operation touches: always the authority that owns it, and the user it belongs to where relevant. */
export type Resource = Readonly<{ authorityId: string; ownerUserId?: string; relationship?: RecordRelationship }>

/**
 * What a panel member may do with an episode listed at their panel: read it (the same reads as an emergency grant),
 * never change it; the panel's decisions are recorded by the team or the coordinator.
 */
export const PANEL_READS: ReadonlySet<Action> = BREAK_GLASS_READS

/** A coordinator of the record's locality (or of the whole authority) sees it without being on its team (audited like any). */
function coordinates(roles: ReadonlySet<Role>, relationship: RecordRelationship): boolean {
  return roles.has('coordinator') && relationship.coordinatesArea === true
}

export type Decision = Readonly<{ allowed: true } | { allowed: false; reason: string }>

const ALLOW: Decision = { allowed: true }

export function decide(actor: Actor, action: Action, resource: Resource, now: Date = new Date()): Decision {
  try {
    return decideUnsafe(actor, action, resource, now)
  } catch {
    // Fail closed: an exception inside the policy denies (ASVS 16.5.3).
    return { allowed: false, reason: 'policy error' }
  }
}

function decideUnsafe(actor: Actor, action: Action, resource: Resource, now: Date): Decision {
  if (actor.kind === 'anonymous') return { allowed: false, reason: 'not signed in' }
  if (actor.authorityId !== resource.authorityId) return { allowed: false, reason: 'another authority' }
  if (actor.kind === 'system') return ALLOW
  const rule: ActionRule = ACTIONS[action]
  if (actor.kind === 'family') {
    if (rule.audience !== 'family') return { allowed: false, reason: 'not open to family members' }
    if (rule.record === 'family') return resource.relationship?.familyMember === true ? ALLOW : { allowed: false, reason: 'not this family\'s record' }
    return ALLOW
  }
  if (rule.audience === 'family') return { allowed: false, reason: 'only for family members' }
  if (action === 'account.self' || action === 'api-token.manage-own') {
    return resource.ownerUserId === actor.userId ? ALLOW : { allowed: false, reason: 'not your account' }
  }
  if (rule.roles !== 'any') {
    const permitted: readonly Role[] = rule.roles
    if (!permitted.some(role => actor.roles.has(role))) return { allowed: false, reason: `needs role ${permitted.join(' or ')}` }
  }
  if (!rule.record) return ALLOW
  const relationship = resource.relationship
  // A panel member reads an episode (and its people) while it is listed at their panel.
  if (actor.roles.has('panel_member') && relationship?.listedAtPanel === true && PANEL_READS.has(action) && rule.record !== 'manager') return ALLOW
  return decideRecord(actor.roles, rule, rule.record, relationship, underBreakGlass(action, relationship, now))
}

type ActionRule = {
  roles: readonly Role[] | 'any'
  record?: 'team' | 'team-or-creator' | 'manager' | 'family'
  contributors?: boolean
  audience?: 'family'
  safeguarding?: boolean
  lead?: boolean
}

function decideRecord(
  roles: ReadonlySet<Role>,
  rule: ActionRule,
  record: 'team' | 'team-or-creator' | 'manager' | 'family',
  relationship: RecordRelationship | undefined,
  breakGlass = false,
): Decision {
  if (!relationship) return { allowed: false, reason: 'relationship to the record not established' }
  if (record === 'family') return { allowed: false, reason: 'only for family members' }
  // Break-glass (reading only, while the grant runs) counts as on the team, withdrawn consent notwithstanding.
  if (breakGlass) return ALLOW
  if (
    relationship.agencyConsentWithdrawn &&
    rule.safeguarding !== true &&
    relationship.sharedWithoutAgreement !== true &&
    !coordinates(roles, relationship)
  ) {
    return { allowed: false, reason: 'the family withdrew consent to share with your agency' }
  }
  if (
    relationship.agencyNotAgreed &&
    rule.safeguarding !== true &&
    relationship.sharedWithoutAgreement !== true &&
    !coordinates(roles, relationship)
  ) {
    return { allowed: false, reason: 'your agency relies on consent to share, and the family has not agreed to share with it' }
  }
  if (record === 'manager') {
    return relationship.managesAssessor ? ALLOW : { allowed: false, reason: 'not the manager of this assessor' }
  }
  if (coordinates(roles, relationship)) return ALLOW
  if (rule.lead === true && !(relationship.onTeam && relationship.leadProfessional === true)) {
    return { allowed: false, reason: 'only the lead professional or a coordinator' }
  }
  if (relationship.onTeam && (!relationship.contributorOnly || rule.contributors === true)) return ALLOW
  if (record === 'team-or-creator' && relationship.createdByActor) return ALLOW
  return { allowed: false, reason: relationship.onTeam ? 'contributors may not do this' : 'not on the team' }
}

export function can(actor: Actor, action: Action, resource: Resource): boolean {
  return decide(actor, action, resource).allowed
}
