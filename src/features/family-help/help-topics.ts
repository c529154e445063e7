/**
 * The help pages for families (reading age 11: short sentences, everyday words, "you" and "we"). English is the
 * source text; each sentence goes through t() in the template, so the Welsh is in src/locales/cy/family-help.po.
 * No personal data: these pages are open to anyone, signed in or not.
 */
export type HelpSection = { heading?: string; paragraphs?: string[]; list?: string[]; after?: string[] }

export type HelpTopic = { slug: string; title: string; summary: string; sections: HelpSection[] }

export const HELP_TOPICS: readonly HelpTopic[] = [
  {
    slug: 'early-help',
    title: 'What is early help?',
    summary: 'What early help is, and why you have been asked to take part.',
    sections: [
      {
        paragraphs: [
          'Early help is help for your family when you need it.',
          'It is for any family. It does not mean you have done something wrong.',
          'The aim is to help early, before small problems get bigger.',
          'You choose to take part. You can say no.',
        ],
      },
      {
        heading: 'What happens',
        list: [
          'Someone talks with you about what is going well and what is hard. This is called an assessment.',
          'You and the people who help you agree a plan.',
          'You meet to check the plan is working.',
          'When things are better, the help stops.',
        ],
      },
      {
        heading: 'What this website is for',
        paragraphs: [
          'Here you can see your plan, your team and your meetings.',
          'You can read the notes of each meeting when they are ready.',
          'You can add things you want to talk about.',
          'You can see who has looked at your family’s record.',
        ],
      },
    ],
  },
  {
    slug: 'team-around-the-family',
    title: 'What is a team around the family?',
    summary: 'Who is in your team, and what the lead professional does.',
    sections: [
      {
        paragraphs: [
          'A team around the family is the group of people who help your family.',
          'They might come from your child’s school, the doctor’s, the council or a charity.',
          'You are part of the team. So are your children, if they are old enough.',
        ],
      },
      {
        heading: 'The lead professional',
        paragraphs: [
          'One person in the team is your lead professional.',
          'They are your main contact. They make sure everyone does what they said they would do.',
          'You can say who you would like it to be.',
        ],
      },
      {
        heading: 'Who can see your information',
        paragraphs: [
          'The people in the team can see your family’s record, if you said yes to this.',
          'You can stop sharing with a service at any time. Go to “My consent”.',
          'You can see who has looked at your record.',
        ],
      },
    ],
  },
  {
    slug: 'meetings',
    title: 'What happens at a meeting',
    summary: 'Before, during and after a meeting about your family.',
    sections: [
      {
        paragraphs: ['Your team meets to talk about how things are going and to agree what to do next.', 'The meeting is about your family, so you should be there.'],
      },
      {
        heading: 'Before the meeting',
        list: [
          'You will be told the date, the time and where it is.',
          'You can ask for a different time or place if it does not suit you.',
          'You can add things to talk about. This list is called the agenda.',
          'You can write down what you want to say, so you do not forget.',
          'You can bring someone with you, such as a friend or an advocate.',
        ],
      },
      {
        heading: 'At the meeting',
        list: [
          'Someone will lead the meeting. They will say who everyone is.',
          'Everyone talks about what is going well and what is hard.',
          'You can speak, ask questions and say if you do not agree.',
          'If you do not understand a word, ask what it means.',
          'You can ask for a break.',
        ],
      },
      {
        heading: 'After the meeting',
        list: [
          'Someone writes down what was said and agreed. These notes are called the minutes.',
          'You will see the minutes here as soon as they are ready.',
          'If they are late, this website will tell you.',
          'If something in them is wrong, tell your lead professional.',
        ],
      },
    ],
  },
  {
    slug: 'your-rights',
    title: 'Your rights',
    summary: 'Saying yes or no, copies of your records, complaints, and getting help to have your say.',
    sections: [
      {
        heading: 'Saying yes, and changing your mind',
        paragraphs: [
          'We ask if we can share your information with the people who help you. This is called consent.',
          'You can change your mind at any time. Go to “My consent”, or talk to your lead professional.',
          'If a child may be in danger, we must still act to keep them safe.',
        ],
      },
      {
        heading: 'Copies of your records',
        paragraphs: [
          'You can ask for a copy of what is written about you. This is called a subject access request.',
          'It is free. We must answer within one month.',
          'Ask your lead professional, or write to the council.',
        ],
      },
      {
        heading: 'If you are not happy',
        paragraphs: [
          'Talk to your lead professional first, if you can.',
          'You can also make a complaint to the council. It will not stop your family getting help.',
          'If you are still not happy, you can ask the Ombudsman to look at it. They do not take sides.',
        ],
      },
      {
        heading: 'Help to have your say',
        list: [
          'You can bring a friend, a family member or an advocate to any meeting.',
          'You can ask for a meeting at a different time or place.',
          'You can ask for an interpreter, at no cost to you.',
          'You can ask for things in Welsh, in large print or in easy read.',
        ],
      },
    ],
  },
  {
    slug: 'who-is-who',
    title: 'Who is who',
    summary: 'The people you might meet, and what they do.',
    sections: [
      {
        list: [
          'Lead professional: your main contact, who keeps things on track.',
          'Family support worker: helps your family at home with day-to-day things.',
          'Social worker: works with families when a child needs more help to be safe and well.',
          'SENCO: the teacher at school who makes sure children get extra help to learn.',
          'Health visitor: a nurse for families with babies and young children.',
          'School nurse: a nurse who helps children at school stay well.',
          'GP: your family doctor.',
          'CAMHS worker: helps children and young people with their feelings and worries.',
          'Youth worker: helps young people with things that matter to them.',
          'Education welfare officer: helps when a child is missing school.',
          'Advocate: someone on your side, who helps you say what you want.',
        ],
        after: ['There is a list of words and what they mean, too.'],
      },
    ],
  },
]

export function helpTopic(slug: string): HelpTopic | undefined {
  return HELP_TOPICS.find(topic => topic.slug === slug)
}
