import type { Db } from '../../db/database.ts'
import { translate, type Language } from '../../lib/i18n.ts'
import type { FamilyActor } from '../../policy/actor.ts'
import type { NewEmail } from '../outbox/outbox.repository.ts'
import * as repository from './identity-protection.repository.ts'
import { addressTerms, buildMatcher, extraTerms, redactText, redactValue, WithheldFileError, type Matcher, type ProtectedTerm } from './redact.ts'

// The one place identity protection is enforced. Three callers, one rule:
// - every family page: withFamilyEpisode passes its result through redactForFamily (the reader is the family account);
// - the family's copies of the assessment and the plan (print view and PDF): redactFamilyCopy (the reader is anyone in
//   the family, so every protection about a person in the episode applies);
// - emails and text messages: enqueueEmail passes each message through redactOutgoingMessage (the reader is whoever
//   holds the recipient's address).

/** What a family reader sees instead of a protected detail. */
export const WITHHELD = '(withheld)'

export function withheldIn(language: Language): string {
  return translate(language, WITHHELD)
}

/** The values to find for each protection in force: the person's current details, their household, and the extras. */
export async function termsOf(db: Db, authorityId: string, protections: repository.ActiveProtection[]): Promise<ProtectedTerm[]> {
  const addressPeople = [...new Set(protections.filter(p => p.field === 'address').map(p => p.personId))]
  const households = await repository.currentHouseholdAddresses(db, authorityId, addressPeople)
  const terms: ProtectedTerm[] = []
  for (const protection of protections) {
    const { personId, field } = protection
    if (field === 'address') {
      terms.push(...addressTerms(personId, field, protection.address, protection.postcode))
      for (const household of households.filter(h => h.personId === personId)) terms.push(...addressTerms(personId, field, household.address, household.postcode))
    }
    if (field === 'phone' && protection.phone) terms.push({ personId, field, kind: 'phone', value: protection.phone })
    if (field === 'email' && protection.email) terms.push({ personId, field, kind: 'email', value: protection.email })
    if (field === 'school' && protection.schoolOrSetting) terms.push({ personId, field, kind: 'text', value: protection.schoolOrSetting })
    terms.push(...extraTerms(personId, field, protection.alsoWithhold))
  }
  return terms
}

async function matcherOf(db: Db, authorityId: string, protections: repository.ActiveProtection[]): Promise<Matcher> {
  return buildMatcher(await termsOf(db, authorityId, protections), protections)
}

/** What is withheld from a family account: protections naming the account, or the person record it is linked to. */
export async function matcherForFamilyAccount(db: Db, authorityId: string, accountId: string): Promise<Matcher> {
  const personId = await repository.accountPerson(db, authorityId, accountId)
  return matcherOf(db, authorityId, await repository.activeProtectionsAgainst(db, authorityId, { accountIds: [accountId], personIds: personId ? [personId] : [] }))
}

/** A family page's view-model as this family member may see it. */
export async function redactForFamily<T>(db: Db, actor: FamilyActor, value: T): Promise<T> {
  const matcher = await matcherForFamilyAccount(db, actor.authorityId, actor.accountId)
  return redactValue(value, matcher, withheldIn(actor.language))
}

/** A family copy (assessment or plan) of an episode: anyone in the family may read it, so every protection applies. */
export async function redactFamilyCopy<T>(db: Db, authorityId: string, episodeId: string, value: T): Promise<T> {
  const matcher = await matcherOf(db, authorityId, await repository.activeProtectionsInEpisode(db, authorityId, episodeId))
  return redactValue(value, matcher, WITHHELD)
}

/**
 * An email or text message as its recipient may see it: subject, body and text attachments (a calendar file)
 * redacted; an attachment whose text cannot be read is left out, and the body says so.
 */
export async function redactOutgoingMessage(db: Db, email: NewEmail): Promise<NewEmail> {
  if (!email.authorityId) return email
  const readers = await repository.readersOfContact(db, email.authorityId, email.recipient)
  const matcher = await matcherOf(db, email.authorityId, await repository.activeProtectionsAgainst(db, email.authorityId, readers))
  if (!matcher.any) return email
  const attachments: NonNullable<NewEmail['attachments']>[number][] = []
  let leftOut = 0
  for (const attachment of email.attachments ?? []) {
    try {
      attachments.push({ ...attachment, content: redactValue(attachment.content, matcher, WITHHELD) })
    } catch (error) {
      if (!(error instanceof WithheldFileError)) throw error
      leftOut++
    }
  }
  const note = leftOut ? '\n\nAn attachment was left out of this message. Ask your lead professional for a copy.' : ''
  return { ...email, subject: redactText(email.subject, matcher, WITHHELD), bodyText: redactText(email.bodyText, matcher, WITHHELD) + note, attachments }
}
