import { sql } from 'kysely'

// Rule (c) of issue 6 in SQL, for a team membership aliased `m` (episode_members): whether the family's agreement to
// share covers the member's agency. One definition, used by the episode's and the person's record relationships.

/** The family withdrew consent to share with the member's agency (docs/family-view.md, "stop sharing"). */
export const agencyWithdrawn = sql<boolean>`exists (
  select 1 from consent_agency_withdrawals w
   where w.authority_id = m.authority_id and w.episode_id = m.episode_id and w.agency_id = m.agency_id and w.ended_at is null)`

/** The lead professional or a coordinator recorded sharing with the member's agency without the family's agreement. */
export const sharedWithoutAgreement = sql<boolean>`exists (
  select 1 from sharing_without_agreement s
   where s.authority_id = m.authority_id and s.episode_id = m.episode_id and s.agency_id = m.agency_id and s.ended_at is null)`

/**
 * The member's agency relies on consent as its lawful basis for early help sharing (recorded by administrators), and
 * no current agreement of the family names it or its kind of agency (2024 information-sharing advice: other bases do
 * not need one).
 */
export const agencyNotAgreed = sql<boolean>`(exists (
  select 1 from agency_lawful_bases b
   where b.authority_id = m.authority_id and b.agency_id = m.agency_id and b.lawful_basis = 'consent')
  and not exists (
  select 1 from consents c
   where c.authority_id = m.authority_id and c.episode_id = m.episode_id and c.decision = 'given' and c.withdrawn_on is null
     and (c.share_agency_ids ? m.agency_id::text
          or c.share_agency_kinds ? (select a.kind from agencies a where a.authority_id = m.authority_id and a.id = m.agency_id))))`

/** The membership counts: the agreement covers the agency, or sharing without agreement overrides it. */
export const membershipCounts = sql<boolean>`(${sharedWithoutAgreement} or (not ${agencyWithdrawn} and not ${agencyNotAgreed}))`
