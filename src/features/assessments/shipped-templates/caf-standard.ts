import type { ChecklistQuestion, TemplateContent, TemplateDomain } from '../template-content.ts'

// The standard Common Assessment Framework: 19 elements in 3 domains. Element names and the themes of each element
// follow the CAF guidance for practitioners (Guide for Service Managers and Practitioners, 2005/2006; see
// /work/shared/seeds/003_*.txt, "CAF assessment elements and domains"); the prompts are written in plain words from
// that guidance. Keys are stable slugs: assessments and Distance Travelled scores refer to them.

export const CHILD_DEVELOPMENT: TemplateDomain = {
  key: 'child-development',
  title: 'Development of the child or young person',
  scope: 'each-child',
  description: 'How well the child is developing, including their health and their progress in learning.',
  elements: [
    {
      key: 'general-health',
      title: 'General health',
      prompts: [
        'Any health conditions, illness or impairment, and how they affect everyday life',
        'Use of health services: registered with a GP and dentist, immunisations, developmental checks, eye and hearing tests',
        'Diet, exercise and sleep',
        'For babies and young children: feeding, sleeping and growth',
        'For older children: understanding of the risks of smoking, alcohol, drugs and sexual health',
      ],
    },
    {
      key: 'physical-development',
      title: 'Physical development',
      prompts: [
        'Getting about: mobility, and any aids the child uses',
        'Hearing and vision, and any sensory needs',
        'Fine motor skills (holding a pencil, doing up buttons) and gross motor skills (running, climbing, balance)',
        'Physical activity and exercise',
      ],
    },
    {
      key: 'speech-language-and-communication',
      title: 'Speech, language and communication',
      prompts: [
        'Ability to communicate with others effectively, confidently and in a way that suits the situation',
        'Understanding what others say, and making themselves understood',
        'The languages used at home, and whether an interpreter or signing is needed',
        'Non-verbal communication, and any stammer or speech difficulty',
        'For babies: babbling, listening and responding to voices',
      ],
    },
    {
      key: 'emotional-and-social-development',
      title: 'Emotional and social development',
      prompts: [
        'How the child feels and responds to others, and their early attachments',
        'Coping with change and stress, and self-control',
        'Mental health: worry, low mood, eating difficulties, self-harm',
        'How any disability affects their emotional development',
        'For babies: bonding with their parents or carers',
      ],
    },
    {
      key: 'behavioural-development',
      title: 'Behavioural development',
      prompts: [
        'Behaviour at home, at school or setting, and with friends',
        'Concentration, attention and being easily distracted or restless',
        'Impulsive or risky behaviour, aggression or violence',
        'Use of drugs or alcohol, anti-social behaviour or offending',
        'Age-appropriate sexual behaviour',
      ],
    },
    {
      key: 'identity',
      title: 'Identity, including self-esteem, self-image and social presentation',
      prompts: [
        'How the child sees themselves: confidence and self-esteem',
        'Knowledge of their own and their family’s history, and a sense of belonging',
        'Experience of discrimination because of race, religion, age, sex, sexuality or disability',
        'Understanding of how they come across to others: dress, appearance and hygiene suited to their age, culture and religion',
      ],
    },
    {
      key: 'family-and-social-relationships',
      title: 'Family and social relationships',
      prompts: [
        'Stable and affectionate relationships with parents, carers, brothers and sisters',
        'Making and keeping friendships, and relationships with other children and young people',
        'Any caring the child does for a family member (a young carer)',
        'Involvement in helping others, and belonging to groups',
      ],
    },
    {
      key: 'self-care-skills-and-independence',
      title: 'Self-care skills and independence',
      prompts: [
        'Practical skills for their age: dressing, feeding, washing, toileting',
        'Chances to gain confidence and do things away from the family',
        'For older children: managing money, travelling alone, preparing for independent living',
      ],
    },
    {
      key: 'understanding-reasoning-and-problem-solving',
      title: 'Understanding, reasoning and problem solving',
      prompts: [
        'Organising information, making connections and solving problems',
        'Being creative, exploring and experimenting',
        'For young children: imaginative play and interaction',
      ],
    },
    {
      key: 'participation-in-learning-education-and-employment',
      title: 'Participation in learning, education and employment',
      prompts: [
        'Attendance and engagement at school, college, an early years setting or work',
        'Support from adults for learning, and access to the right resources',
        'Exclusions, part-time timetables or being out of education',
        'For young people over 16: in education, employment or training',
      ],
    },
    {
      key: 'progress-and-achievement-in-learning',
      title: 'Progress and achievement in learning',
      prompts: [
        'Progress in basic and key skills, compared with what is expected for their age',
        'Any special educational needs, and the support in place',
        'Any disruption to learning (moves, illness, absence) and the help given',
        'Interest shown by the adults around them in their learning',
        'For young children: progress against developmental milestones, including language',
      ],
    },
    {
      key: 'aspirations',
      title: 'Aspirations',
      prompts: [
        'What the child hopes for and wants to do in the future',
        'Their confidence and their own view of their progress',
        'Motivation and perseverance',
        'Barriers that stand in the way of their hopes',
      ],
    },
  ],
}

export const PARENTS_AND_CARERS: TemplateDomain = {
  key: 'parents-and-carers',
  title: 'Parents and carers',
  scope: 'family',
  description: 'How well the child’s parents or carers are able to support their development and respond to their needs.',
  elements: [
    {
      key: 'basic-care-safety-and-protection',
      title: 'Basic care, ensuring safety and protection',
      prompts: [
        'Meeting the child’s physical needs: food, drink, warmth, clothing, hygiene, medical and dental care',
        'Keeping the child safe from danger and harm at home and elsewhere, including online',
        'Knowing who the child is with and where they are',
      ],
    },
    {
      key: 'emotional-warmth-and-stability',
      title: 'Emotional warmth and stability',
      prompts: [
        'A stable, affectionate family life where the child feels valued',
        'Praise, encouragement and comfort',
        'Secure attachments with the adults who care for the child',
        'Changes of carer or home, and how often they happen',
      ],
    },
    {
      key: 'guidance-boundaries-and-stimulation',
      title: 'Guidance, boundaries and stimulation',
      prompts: [
        'Clear and consistent boundaries, and fair, appropriate discipline',
        'Adults showing the behaviour they want to see',
        'Encouraging self-control without being over-protective',
        'Play, talk, reading and activities that help the child learn and develop',
      ],
    },
  ],
}

export const FAMILY_AND_ENVIRONMENT: TemplateDomain = {
  key: 'family-and-environment',
  title: 'Family and environmental',
  scope: 'family',
  description: 'How the wider family and the family’s surroundings affect the child and their parents or carers.',
  elements: [
    {
      key: 'family-history-functioning-and-well-being',
      title: 'Family history, functioning and well-being',
      prompts: [
        'Who lives in the household, and parents who live elsewhere',
        'Significant events: illness, bereavement, separation, moves',
        'Parents’ and carers’ physical and mental health, and any disability',
        'Domestic abuse, drug or alcohol use, or offending in the family',
        'The family’s culture, and how family members get on with each other',
      ],
    },
    {
      key: 'wider-family',
      title: 'Wider family',
      prompts: [
        'Relatives and friends who are important in the child’s life',
        'The support the wider family gives, or could give',
        'Any difficult relationships with the wider family',
      ],
    },
    {
      key: 'housing-employment-and-financial-considerations',
      title: 'Housing, employment and financial considerations',
      prompts: [
        'The home: space, repair, heating, water and sanitation, overcrowding, risk of losing it',
        'Work and training of the adults in the household',
        'Income, benefits and debt, and whether the family can afford essentials',
      ],
    },
    {
      key: 'social-and-community-elements-and-resources',
      title: 'Social and community elements and resources, including education',
      prompts: [
        'Local services the family uses or could use: schools, health, childcare, leisure, transport',
        'Friends and support in the community, or isolation',
        'Crime, anti-social behaviour or discrimination in the neighbourhood',
        'How connected the family feels to their community',
      ],
    },
  ],
}

export const STANDARD_CHECKLIST: readonly ChecklistQuestion[] = [
  {
    key: 'child-development-concerns',
    question: 'Do you have concerns about how the child or young person is developing?',
    hint: 'For example their health, speech, behaviour, emotional well-being, learning or attendance.',
    domainKey: 'child-development',
  },
  {
    key: 'parents-and-carers-concerns',
    question: 'Do you have concerns about how well the parents or carers are able to meet the child’s needs?',
    hint: 'For example basic care, keeping the child safe, warmth and stability, or boundaries.',
    domainKey: 'parents-and-carers',
  },
  {
    key: 'family-and-environment-concerns',
    question: 'Do you have concerns about the family’s circumstances or surroundings?',
    hint: 'For example housing, money, family relationships, or support in the community.',
    domainKey: 'family-and-environment',
  },
  {
    key: 'needs-beyond-one-service',
    question: 'Are the child’s needs more than your own service can meet on its own?',
    hint: 'If yes, a common assessment may help bring the right services together.',
  },
  {
    key: 'risk-of-significant-harm',
    question: 'Do you think the child or young person is at risk of significant harm?',
    hint: 'If yes, this is not early help. Refer to children’s social care or the police now, following your local safeguarding procedures.',
    riskOfSignificantHarm: true,
  },
]

export const CAF_STANDARD: TemplateContent = {
  assessmentName: 'common assessment',
  familyExplanation:
    'A common assessment is a conversation with you and your child about what is going well and what could be better. ' +
    'It looks at how your child is growing and learning, how you as parents or carers are able to help them, and what ' +
    'is happening in your family and your area. You only tell your story once: with your permission, the people who ' +
    'help your family can read it, so you do not have to repeat it. You can see everything written down, and if you ' +
    'do not agree with something, your view is written down too. You can say no, or change your mind at any time.',
  checklist: STANDARD_CHECKLIST,
  domains: [CHILD_DEVELOPMENT, PARENTS_AND_CARERS, FAMILY_AND_ENVIRONMENT],
  terms: { team: 'team around the family', leadProfessional: 'lead professional', plan: 'support plan' },
}
