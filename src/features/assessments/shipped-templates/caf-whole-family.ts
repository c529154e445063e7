import type { TemplateContent, TemplateDomain } from '../template-content.ts'
import { CAF_STANDARD, STANDARD_CHECKLIST } from './caf-standard.ts'

// The whole-family variant (after Blackpool's family assessment): the standard CAF plus a domain about the adults of
// the household, assessed once for the family.

export const ADULTS: TemplateDomain = {
  key: 'adults',
  title: 'Adults in the family',
  scope: 'family',
  description: 'The parents, carers and other adults in the household: their health, daily life, work and hopes.',
  elements: [
    {
      key: 'adults-health',
      title: 'Adults’ health',
      prompts: [
        'Physical health, disability or long-term illness of any adult in the household',
        'Mental health and emotional well-being, and any support in place',
        'Use of drugs or alcohol, and its effect on family life',
        'Registered with a GP, and using the health services they need',
      ],
    },
    {
      key: 'family-routines',
      title: 'Family routines',
      prompts: [
        'Daily routines: getting up, meals, getting to school or work, bedtimes',
        'Keeping the home running: shopping, cleaning, laundry, paying bills',
        'Time spent together as a family',
        'What helps the routines work, and what gets in the way',
      ],
    },
    {
      key: 'employment-and-aspirations',
      title: 'Employment, training and aspirations',
      prompts: [
        'Work, volunteering, education or training of the adults',
        'Barriers to work: childcare, health, skills, confidence, transport',
        'What the adults hope for themselves and their family',
      ],
    },
    {
      key: 'offending',
      title: 'Offending',
      prompts: [
        'Any adult in the family involved with the police, courts, probation or prison',
        'The effect on the children and on family life',
        'Support the family is receiving, or needs',
      ],
    },
    {
      key: 'caring-responsibilities',
      title: 'Caring responsibilities',
      prompts: [
        'Anyone in the family who cares for an ill, disabled or older relative',
        'Children or young people who help to care for someone (young carers)',
        'The support carers receive, and breaks from caring',
      ],
    },
  ],
}

export const CAF_WHOLE_FAMILY: TemplateContent = {
  ...CAF_STANDARD,
  assessmentName: 'whole family assessment',
  familyExplanation:
    'A whole family assessment is a conversation with everyone in your family about what is going well and what ' +
    'could be better: for the children, and for the adults too, such as health, work, daily routines and caring for ' +
    'others. You only tell your story once: with your permission, the people who help your family can read it. ' +
    'Adults can score how things are going from 0 to 10, and children can use red, amber or green. If you do not ' +
    'agree with something, your view is written down too. You can say no, or change your mind at any time.',
  checklist: [
    ...STANDARD_CHECKLIST.filter(question => !question.riskOfSignificantHarm),
    {
      key: 'adults-concerns',
      question: 'Do you have concerns about the adults in the family?',
      hint: 'For example their health, daily routines, work, offending, or caring for someone.',
      domainKey: 'adults',
    },
    ...STANDARD_CHECKLIST.filter(question => question.riskOfSignificantHarm),
  ],
  domains: [...CAF_STANDARD.domains, ADULTS],
}
