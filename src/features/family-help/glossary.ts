/**
 * The words families told researchers they did not understand, explained in plain words (reading age 11). English is
 * the source text; the Welsh is in src/locales/cy/family-help.po. `/family/help/words#<id>` is each word's address,
 * and the `jargon` filter (jargon.ts) links these words wherever family pages show free text.
 */
export type GlossaryEntry = {
  /** The anchor on the words page: `/family/help/words#camhs`. */
  id: string
  /** How the word is shown as a heading. */
  term: string
  /** What the letters stand for (for a short form), in English; Welsh through the catalogue. */
  standsFor?: string
  /** Short sentences, each through t(). */
  meaning: string[]
  /** Written exactly like this (short forms: CAMHS, not "camhs"). */
  exact?: string[]
  /** Any capitals (plain words: "Safeguarding" or "safeguarding"). */
  words?: string[]
  /** Welsh words for the same thing, linked on Welsh pages (any capitals). */
  welsh?: string[]
}

export const GLOSSARY: readonly GlossaryEntry[] = [
  { id: 'advocate', term: 'Advocate', meaning: ['Someone who is on your side.', 'They help you say what you want, and make sure you are heard.', 'You can ask for one at any time.'], words: ['advocate', 'advocates'], welsh: ['eiriolwr', 'eiriolwyr'] },
  { id: 'agenda', term: 'Agenda', meaning: ['The list of things to talk about at a meeting.', 'You can add things to it.'], words: ['agenda', 'agendas'] },
  { id: 'assessment', term: 'Assessment', meaning: ['A way of finding out, with you, what is going well and what help you need.'], words: ['assessment', 'assessments'], welsh: ['asesiad', 'asesiadau'] },
  { id: 'caf', term: 'CAF', standsFor: 'Common Assessment Framework', meaning: ['An older name for an early help assessment.'], exact: ['CAF'] },
  { id: 'camhs', term: 'CAMHS', standsFor: 'Child and Adolescent Mental Health Services', meaning: ['The NHS team that helps children and young people with their feelings and worries.'], exact: ['CAMHS'] },
  { id: 'cin', term: 'CIN', standsFor: 'Child in need', meaning: ['A child who needs help from a social worker to be safe and well.'], exact: ['CIN'] },
  { id: 'consent', term: 'Consent', meaning: ['Saying yes to something, when you know what it means.', 'You can change your mind.'], words: ['consent'], welsh: ['caniatâd'] },
  { id: 'cp', term: 'CP', standsFor: 'Child protection', meaning: ['What social workers do when they think a child may be hurt or is not safe.'], exact: ['CP'] },
  { id: 'distance-travelled', term: 'DT', standsFor: 'Distance Travelled', meaning: ['Scores that show how much things have changed since your help began.'], exact: ['DT'], words: ['distance travelled'], welsh: ['pellter a deithiwyd'] },
  { id: 'early-help', term: 'Early help', meaning: ['Help for a family early on, before problems get bigger.', 'You choose to take part.'], words: ['early help'], welsh: ['cymorth cynnar'] },
  { id: 'eha', term: 'EHA', standsFor: 'Early help assessment', meaning: ['A way of finding out, with you, what is going well and what help your family needs.'], exact: ['EHA'] },
  { id: 'ehcp', term: 'EHCP', standsFor: 'Education, Health and Care Plan', meaning: ['A plan for a child who needs a lot of extra help at school.', 'The law says the child must get the help in the plan.'], exact: ['EHCP'] },
  { id: 'ewo', term: 'EWO', standsFor: 'Education welfare officer', meaning: ['Someone who helps when a child is missing school.'], exact: ['EWO'] },
  { id: 'gp', term: 'GP', standsFor: 'General practitioner', meaning: ['Your family doctor.'], exact: ['GP'] },
  { id: 'hv', term: 'HV', standsFor: 'Health visitor', meaning: ['A nurse who helps families with babies and children under 5.'], exact: ['HV'] },
  { id: 'lead-professional', term: 'LP', standsFor: 'Lead professional', meaning: ['The one person on the team who keeps things on track.', 'They are your main contact.'], exact: ['LP'], words: ['lead professional', 'lead professionals'], welsh: ['gweithiwr proffesiynol arweiniol'] },
  { id: 'mash', term: 'MASH', standsFor: 'Multi-Agency Safeguarding Hub', meaning: ['A team of police, health and social care staff.', 'They share what they know to keep children safe.'], exact: ['MASH'] },
  { id: 'minutes', term: 'Minutes', meaning: ['The notes of what was said and agreed at a meeting.', 'You should get a copy.'], words: ['minutes'], welsh: ['cofnodion'] },
  { id: 'parental-responsibility', term: 'Parental responsibility', meaning: ['The rights and duties a parent has for their child, by law.'], words: ['parental responsibility'], welsh: ['cyfrifoldeb rhiant'] },
  { id: 'pru', term: 'PRU', standsFor: 'Pupil referral unit', meaning: ['A small school for children who cannot go to their usual school for a while.'], exact: ['PRU'] },
  { id: 'referral', term: 'Referral', meaning: ['Asking another service to help.'], words: ['referral', 'referrals'], welsh: ['atgyfeiriad', 'atgyfeiriadau'] },
  { id: 'review', term: 'Review', meaning: ['A meeting to check how the plan is going.', 'The plan can change after it.'], words: ['review', 'reviews'], welsh: ['adolygiad', 'adolygiadau'] },
  { id: 'safeguarding', term: 'Safeguarding', meaning: ['Keeping children safe from harm.'], words: ['safeguarding'], welsh: ['diogelu'] },
  { id: 'salt', term: 'SALT', standsFor: 'Speech and language therapy', meaning: ['Help for a child with talking and understanding.', 'It can also help with eating and drinking.'], exact: ['SALT'] },
  { id: 'sen', term: 'SEN', standsFor: 'Special educational needs', meaning: ['When a child needs more help to learn than most children of the same age.'], exact: ['SEN'] },
  { id: 'senco', term: 'SENCO', standsFor: 'Special educational needs co-ordinator', meaning: ['The teacher at school who makes sure children get extra help to learn.'], exact: ['SENCO', 'SENCo'] },
  { id: 'send', term: 'SEND', standsFor: 'Special educational needs and disabilities', meaning: ['Like SEN, and it also covers children with a disability.'], exact: ['SEND'] },
  { id: 'subject-access-request', term: 'Subject access request', meaning: ['Asking for a copy of what is written about you.', 'It is free.', 'They must answer within one month.'], words: ['subject access request'], welsh: ['cais gwrthrych am wybodaeth'] },
  { id: 'tac', term: 'TAC', standsFor: 'Team Around the Child', meaning: ['Like a team around the family, but about one child.'], exact: ['TAC'] },
  { id: 'taf', term: 'TAF', standsFor: 'Team Around the Family', meaning: ['The people who work with your family to help.', 'You are part of this team.'], exact: ['TAF'], words: ['team around the family'], welsh: ['tîm o amgylch y teulu'] },
]

/** Every word the jargon filter links, for the other family pages (and their tests). */
export const JARGON_TERMS: readonly string[] = GLOSSARY.flatMap(entry => [...(entry.exact ?? []), ...(entry.words ?? [])])

export function glossaryEntry(id: string): GlossaryEntry | undefined {
  return GLOSSARY.find(entry => entry.id === id)
}
