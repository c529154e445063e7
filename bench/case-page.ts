import type { OpenDatabase } from '../src/db/database.ts'
import { insertPlanAction } from '../src/features/plans/plan-actions.ts'
import { uuidv7 } from '../src/lib/ids.ts'

// The case page for the benchmark (issue 6: what auditing costs): an episode about a child, with the benchmark's
// practitioner as its owner (on the team), a consent, and an agreed support plan with needs and actions. Its plan page
// reads personal data through the access layer, so every request writes (and seals) one audit event.

const NEEDS = 4
const ACTIONS_PER_NEED = 3

export async function seedBenchCase(database: OpenDatabase, practitionerEmail: string): Promise<{ episodeId: string }> {
  const { db } = database
  const owner = await db
    .selectFrom('users')
    .innerJoin('userAgencies', join => join.onRef('userAgencies.userId', '=', 'users.id').onRef('userAgencies.authorityId', '=', 'users.authorityId'))
    .select(['users.authorityId', 'users.id', 'users.name', 'userAgencies.agencyId'])
    .where('users.email', '=', practitionerEmail)
    .executeTakeFirstOrThrow()
  const { authorityId, agencyId } = owner
  const now = new Date()
  const childId = uuidv7()
  await db
    .insertInto('persons')
    .values({ authorityId, id: childId, givenNames: 'Bench', familyName: 'Child', dateOfBirth: '2016-04-04', expectedDateOfBirth: null, sex: null, gender: null, ethnicity: null, firstLanguage: null, disability: null, address: null, postcode: null, phone: null, email: null, schoolOrSetting: null, uniquePupilNumber: null, nhsNumber: null, gpPractice: null, searchName: 'bench child', mergedIntoId: null, createdByUserId: owner.id })
    .execute()
  const episodeId = uuidv7()
  await db.insertInto('episodes').values({ authorityId, id: episodeId, reference: `EH-2026-${episodeId.slice(-6)}`, scope: 'child', householdId: null, localityId: null, agencyId, status: 'consent', outcome: null, startedByUserId: owner.id, startedAt: now, closedAt: null, templateVersionId: null }).execute()
  await db.insertInto('episodePeople').values({ authorityId, episodeId, personId: childId, role: 'child' }).execute()
  await db.insertInto('episodeMembers').values({ authorityId, episodeId, userId: owner.id, agencyId, role: 'owner', addedByUserId: owner.id, joinedAt: now, leftAt: null }).execute()
  await db
    .insertInto('consents')
    .values({ authorityId, id: uuidv7(), episodeId, decision: 'given', giverKind: 'other_adult', giverPersonId: null, giverName: 'Bench Carer', giverRelationship: 'aunt', competenceBasis: null, competenceJudgedBy: null, competenceReasoning: null, toAssess: true, shareAgencyIds: '[]', shareAgencyKinds: '[]', method: 'in_person', givenOn: '2026-01-05', refusalReason: null, recordedByUserId: owner.id, recordedAt: now })
    .execute()
  await db.insertInto('supportPlans').values({ authorityId, episodeId, ifNotAchieved: 'We will meet again and think about other help.', createdAt: now, updatedByUserId: owner.id, updatedAt: now }).execute()
  for (let need = 1; need <= NEEDS; need++) {
    const needId = uuidv7()
    await db.insertInto('planNeeds').values({ authorityId, id: needId, episodeId, description: `Need ${need}: getting to school on time`, outcomeWanted: 'Attendance above 95%', frameworkOutcomes: JSON.stringify(['staying_safe']), position: need, createdByUserId: owner.id, createdAt: now }).execute()
    for (let action = 1; action <= ACTIONS_PER_NEED; action++) {
      await insertPlanAction(db, { authorityId, episodeId, needId, what: `Action ${need}.${action}: a morning routine chart`, ownerKind: 'practitioner', ownerUserId: owner.id, ownerName: owner.name, dueOn: '2026-12-01', createdByUserId: owner.id, createdByName: owner.name, at: now })
    }
  }
  await db.insertInto('planVersions').values({ authorityId, id: uuidv7(), episodeId, number: 1, content: JSON.stringify({ needs: [], actions: [], ifNotAchieved: '' }), agreedByUserId: owner.id, agreedAt: now }).execute()
  await db.updateTable('supportPlans').set({ agreedVersionNumber: 1, changedSinceAgreed: false }).where('authorityId', '=', authorityId).where('episodeId', '=', episodeId).execute()
  return { episodeId }
}
