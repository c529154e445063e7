import type { OutcomesFrameworkKey } from '../../db/schema.ts'

// The outcomes frameworks a plan's needs map to, as data. An authority chooses one in its early-help settings
// (src/features/team/early-help-settings.ts); a need stores the keys of the outcomes it serves, and an agreed version
// of the plan stores the titles as they were, so a later change of framework never rewrites what was agreed.
//
// Sources:
// - Every Child Matters: Change for Children (HM Government, 2004), the five outcomes of the Children Act 2004, s.10(2).
// - Wales: Children and Young People: Rights to Action (Welsh Assembly Government, 2004), the seven core aims, based on
//   the UN Convention on the Rights of the Child and used by Families First.

export type FrameworkOutcome = Readonly<{
  key: string
  /** The outcome as the framework names it. */
  title: string
  /** The same in plain words, for the family's copy of the plan. */
  familyWords: string
}>

export type OutcomesFramework = Readonly<{ key: OutcomesFrameworkKey; name: string; outcomes: readonly FrameworkOutcome[] }>

export const OUTCOME_FRAMEWORKS: Readonly<Record<OutcomesFrameworkKey, OutcomesFramework>> = {
  every_child_matters: {
    key: 'every_child_matters',
    name: 'Every Child Matters',
    outcomes: [
      { key: 'being_healthy', title: 'Be healthy', familyWords: 'Being healthy in body and mind' },
      { key: 'staying_safe', title: 'Stay safe', familyWords: 'Being safe and looked after' },
      { key: 'enjoying_and_achieving', title: 'Enjoy and achieve', familyWords: 'Enjoying life and doing well at school or nursery' },
      { key: 'making_a_positive_contribution', title: 'Make a positive contribution', familyWords: 'Getting on with others and taking part' },
      { key: 'achieving_economic_wellbeing', title: 'Achieve economic well-being', familyWords: 'Having enough money, a good home and a good start for the future' },
    ],
  },
  wales_core_aims: {
    key: 'wales_core_aims',
    name: 'Wales: the seven core aims for children and young people',
    outcomes: [
      { key: 'flying_start', title: 'Have a flying start in life', familyWords: 'A good start in life' },
      { key: 'learning', title: 'Have a comprehensive range of education and learning opportunities', familyWords: 'Learning, at school and beyond' },
      { key: 'health', title: 'Enjoy the best possible health and are free from abuse, victimisation and exploitation', familyWords: 'Being healthy and safe from harm' },
      { key: 'play', title: 'Have access to play, leisure, sporting and cultural activities', familyWords: 'Play, sport and things to enjoy' },
      { key: 'listened_to', title: 'Are listened to, treated with respect, and have their race and cultural identity recognised', familyWords: 'Being listened to and respected for who you are' },
      { key: 'safe_home', title: 'Have a safe home and a community which supports physical and emotional wellbeing', familyWords: 'A safe home and a community that helps' },
      { key: 'not_disadvantaged_by_poverty', title: 'Are not disadvantaged by poverty', familyWords: 'Not missing out because money is short' },
    ],
  },
}

export function outcomesFramework(key: OutcomesFrameworkKey): OutcomesFramework {
  return OUTCOME_FRAMEWORKS[key]
}

/** The outcomes of a framework for the given keys, in the framework's order; unknown keys (another framework's) are kept by key. */
export function outcomesFor(framework: OutcomesFramework, keys: readonly string[]): FrameworkOutcome[] {
  const known = framework.outcomes.filter(outcome => keys.includes(outcome.key))
  const others = keys.filter(key => !framework.outcomes.some(outcome => outcome.key === key))
  const fromOther = others.map(key => {
    for (const other of Object.values(OUTCOME_FRAMEWORKS)) {
      const found = other.outcomes.find(outcome => outcome.key === key)
      if (found) return found
    }
    return { key, title: key, familyWords: key }
  })
  return [...known, ...fromOther]
}
