import { ACTIONS } from './policy.ts'

const RECORD_RULES: Record<string, string> = {
  team: 'on the team',
  'team-or-creator': 'on the team, or registered the person',
  manager: 'manages an agency of the assessor',
}

/** docs/access-policy.md, written from the ACTIONS table so that the document cannot drift from the code. */
export function renderAccessPolicyDoc(): string {
  const rows = Object.entries(ACTIONS).map(([action, rule]) => {
    const roles = rule.roles === 'any' ? 'any signed-in role' : rule.roles.join(', ')
    const record = 'record' in rule ? RECORD_RULES[rule.record] : '—'
    const contributors = 'record' in rule ? ('contributors' in rule && rule.contributors ? 'yes' : 'no') : '—'
    return `| \`${action}\` | ${rule.description} | ${roles} | ${record} | ${contributors} | ${rule.personalData ? 'yes' : 'no'} |`
  })
  return `# The access policy

Generated from \`ACTIONS\` in \`src/policy/policy.ts\` by \`npm run docs:policy\`; a test fails when this file is out of date.

Every operation of a service names one action. \`decide(actor, action, resource)\` allows it only when:
1. the actor is signed in and belongs to the authority that owns the record (another authority's record is simply not
   found: every query filters by \`authority_id\`);
2. the actor holds one of the action's roles;
3. for a record-level action, the actor's relationship to the record — read from the database in the same
   transaction — satisfies the rule. A coordinator sees the records of the localities they coordinate (all of the
   authority's when an administrator chose no locality for them); a panel member reads (never changes) an episode and
   its people while it is listed at a panel they sit on. Both are audited like anyone. An assessment contributor counts
   as on the team only where the table says so, and then only for their elements. An emergency (break-glass) grant
   lets its holder read an episode for a few hours (docs/break-glass.md). The family's withdrawal of consent, or the
   lack of an agreement an agency's lawful basis needs, refuses that agency's practitioners (never a safeguarding
   referral); see docs/data-protection.md.

An exception inside the policy denies. Allowed operations on personal data, and every refusal, write an audit event;
an allowed write and its audit event are one transaction.

| Action | What it allows | Roles | Record-level rule | Contributors | Personal data (audited) |
|---|---|---|---|---|---|
${rows.join('\n')}
`
}
