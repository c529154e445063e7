import type { TemplateContent, TemplateDomain } from '../template-content.ts'
import { CHILD_DEVELOPMENT, FAMILY_AND_ENVIRONMENT, PARENTS_AND_CARERS } from './caf-standard.ts'
import { ADULTS } from './caf-whole-family.ts'

// Wales: the Families First assessment, based on the Joint Assessment Family Framework (JAFF). The same elements and
// keys as the whole-family CAF (so scores compare), in Families First words: "what matters" conversations with the
// whole family, a Team Around the Family, a lead worker and a family plan.

function whatMatters(domain: TemplateDomain, title: string, description: string, prompt: string): TemplateDomain {
  return { ...domain, title, description, elements: domain.elements.map(element => ({ ...element, prompts: [prompt, ...element.prompts] })) }
}

export const WALES_FAMILIES_FIRST: TemplateContent = {
  assessmentName: 'Families First assessment',
  familyExplanation:
    'A Families First assessment is a conversation about what matters to your family: what is going well, what you ' +
    'would like to change, and what help would make a difference. It follows the Joint Assessment Family Framework, ' +
    'so your whole family is asked once and you do not have to repeat your story to each service. With your ' +
    'permission, a Team Around the Family of the people who can help meets with you to agree a family plan, and a ' +
    'lead worker keeps in touch with you. You can see everything written down, add your own views, and say no or ' +
    'change your mind at any time. You can have this conversation in Welsh or English.',
  checklist: [
    {
      key: 'child-development-concerns',
      question: 'Is there something about how the child or young person is growing, learning or feeling that matters to them or worries you?',
      hint: 'For example their health, speech, behaviour, emotional well-being, learning or attendance.',
      domainKey: 'child-development',
    },
    {
      key: 'parents-and-carers-concerns',
      question: 'Do the parents or carers need support to meet the child’s needs?',
      hint: 'For example basic care, keeping the child safe, warmth and stability, or boundaries.',
      domainKey: 'parents-and-carers',
    },
    {
      key: 'family-and-environment-concerns',
      question: 'Is there something about the family’s circumstances or community that matters to them or worries you?',
      hint: 'For example housing, money, family relationships, or support nearby.',
      domainKey: 'family-and-environment',
    },
    {
      key: 'adults-concerns',
      question: 'Do the adults in the family need support for themselves?',
      hint: 'For example their health, daily routines, work, offending, or caring for someone.',
      domainKey: 'adults',
    },
    {
      key: 'needs-beyond-one-service',
      question: 'Would the family benefit from a Team Around the Family of more than one service?',
      hint: 'If yes, a Families First assessment can bring the right services together with the family.',
    },
    {
      key: 'risk-of-significant-harm',
      question: 'Do you think the child or young person is at risk of significant harm?',
      hint: 'If yes, this is not Families First support. Report it to children’s social services or the police now, following the Wales Safeguarding Procedures.',
      riskOfSignificantHarm: true,
    },
  ],
  domains: [
    whatMatters(
      CHILD_DEVELOPMENT,
      'The child or young person: what matters to them',
      'How the child is growing, learning and feeling, in their own words as far as possible.',
      'What matters to the child or young person about this, in their own words',
    ),
    whatMatters(
      PARENTS_AND_CARERS,
      'Parenting: what matters to the parents and carers',
      'What parents and carers do well, and what would help them care for their children.',
      'What matters to the parents or carers about this, and what they would like to change',
    ),
    whatMatters(
      FAMILY_AND_ENVIRONMENT,
      'The family and community: what matters to the family',
      'The family’s history, relationships, home, money and community.',
      'What matters to the family about this, and what they would like to change',
    ),
    whatMatters(
      ADULTS,
      'The adults in the family: what matters to them',
      'The health, daily life, work and hopes of the adults in the family.',
      'What matters to the adults about this, and what they would like to change',
    ),
  ],
  terms: { team: 'Team Around the Family', leadProfessional: 'lead worker', plan: 'family plan' },
}
