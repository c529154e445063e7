import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Role } from '../db/schema.ts'
import type { Actor } from './actor.ts'
import { ACTIONS, decide, type Action, type RecordRelationship } from './policy.ts'

const AUTHORITY = '0190a000-0000-7000-8000-000000000001'
const OTHER = '0190a000-0000-7000-8000-000000000002'

function practitioner(roles: Role[], authorityId = AUTHORITY): Actor {
  return { kind: 'practitioner', userId: 'u1', authorityId, name: 'P', email: 'p@example.org', roles: new Set(roles), agencyIds: [], actingAgencyId: null, via: 'session' }
}

const ON_TEAM: RecordRelationship = { onTeam: true }
const CONTRIBUTOR: RecordRelationship = { onTeam: true, contributorOnly: true }
const STRANGER: RecordRelationship = { onTeam: false }
const CREATOR: RecordRelationship = { onTeam: false, createdByActor: true }
/** Access rule (b): the record is in a locality the user coordinates; listed at a panel the user sits on. */
const IN_AREA: RecordRelationship = { onTeam: false, coordinatesArea: true }
const AT_PANEL: RecordRelationship = { onTeam: false, listedAtPanel: true }

// [action, roles, relationship, allowed]
const CASES: Array<[Action, Role[], RecordRelationship | undefined, boolean]> = [
  ['episode.view', ['practitioner'], ON_TEAM, true],
  ['episode.view', ['practitioner'], CONTRIBUTOR, true],
  ['episode.view', ['practitioner'], STRANGER, false],
  ['episode.view', ['practitioner'], undefined, false],
  ['episode.view', ['administrator'], STRANGER, false],
  ['episode.view', ['manager'], STRANGER, false],
  ['episode.view', ['coordinator'], STRANGER, false],
  ['episode.view', ['coordinator'], IN_AREA, true],
  ['episode.update', ['coordinator'], IN_AREA, true],
  ['episode.view', ['practitioner'], IN_AREA, false],
  ['episode.view', ['coordinator'], { onTeam: false, coordinatesArea: true, agencyConsentWithdrawn: true }, true],
  ['episode.view', ['panel_member'], AT_PANEL, true],
  ['person.view', ['panel_member'], AT_PANEL, true],
  ['plan.view', ['panel_member'], AT_PANEL, true],
  ['episode.update', ['panel_member'], AT_PANEL, false],
  ['plan.edit', ['panel_member'], AT_PANEL, false],
  ['episode.view', ['panel_member'], STRANGER, false],
  ['episode.view', ['practitioner'], AT_PANEL, false],
  ['episode.view', ['manager'], IN_AREA, false],
  ['episode.update', ['practitioner'], CONTRIBUTOR, false],
  ['episode.update', ['practitioner'], ON_TEAM, true],
  ['assessment.edit', ['practitioner'], CONTRIBUTOR, true],
  ['assessment.sign-off', ['practitioner'], CONTRIBUTOR, false],
  ['person.view', ['practitioner'], CREATOR, true],
  ['person.view', ['practitioner'], STRANGER, false],
  ['episode.view', ['practitioner'], CREATOR, false],
  ['person.merge', ['practitioner'], undefined, false],
  ['person.merge', ['coordinator'], undefined, true],
  ['assessment.approve', ['manager'], { onTeam: false, managesAssessor: true }, true],
  ['assessment.approve', ['manager'], { onTeam: true, managesAssessor: false }, false],
  ['assessment.approve', ['practitioner'], { onTeam: true, managesAssessor: true }, false],
  ['assessment.approve', ['coordinator'], { onTeam: false, managesAssessor: false }, false],
]

describe('the access policy', () => {
  for (const [action, roles, relationship, allowed] of CASES) {
    it(`${allowed ? 'allows' : 'refuses'} ${action} to ${roles.join('+')} ${relationship ? JSON.stringify(relationship) : 'with no relationship'}`, () => {
      const resource = relationship ? { authorityId: AUTHORITY, relationship } : { authorityId: AUTHORITY }
      assert.equal(decide(practitioner(roles), action, resource).allowed, allowed)
    })
  }

  it('refuses every action across authorities, whatever the roles and relationship', () => {
    const everyone = practitioner(['administrator', 'coordinator', 'manager', 'panel_member', 'practitioner'], OTHER)
    for (const action of Object.keys(ACTIONS) as Action[]) {
      const decision = decide(everyone, action, { authorityId: AUTHORITY, ownerUserId: 'u1', relationship: { onTeam: true, createdByActor: true, managesAssessor: true } })
      assert.equal(decision.allowed, false, action)
    }
  })

  it('refuses every action to an anonymous actor', () => {
    for (const action of Object.keys(ACTIONS) as Action[]) {
      assert.equal(decide({ kind: 'anonymous' }, action, { authorityId: AUTHORITY, relationship: ON_TEAM }).allowed, false, action)
    }
  })
})

describe('docs/access-policy.md', () => {
  it('is the ACTIONS table as it stands (run npm run docs:policy after changing it)', async () => {
    const { readFileSync } = await import('node:fs')
    const { join } = await import('node:path')
    const { renderAccessPolicyDoc } = await import('./policy-doc.ts')
    assert.equal(readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'access-policy.md'), 'utf8'), renderAccessPolicyDoc())
  })
})
