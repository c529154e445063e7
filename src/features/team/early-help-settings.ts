import type { Db } from '../../db/database.ts'
import type { OutcomesFrameworkKey } from '../../db/schema.ts'

/** An authority's settings for early help; an authority that never changed them has the defaults. */
export type EarlyHelpSettings = {
  maxTeamPractitioners: number
  noLeadAlertDays: number
  minutesDueWorkingDays: number
  reviewWeeks: number
  closureApprovalRequired: boolean
  outcomesFramework: OutcomesFrameworkKey
  /** Young people this age or over may be invited to the family's own view. */
  youngPersonMinAge: number
  version: number
}

export const DEFAULT_EARLY_HELP_SETTINGS: EarlyHelpSettings = {
  maxTeamPractitioners: 6,
  noLeadAlertDays: 10,
  minutesDueWorkingDays: 5,
  reviewWeeks: 6,
  closureApprovalRequired: false,
  outcomesFramework: 'every_child_matters',
  youngPersonMinAge: 12,
  version: 0,
}

export async function readEarlyHelpSettings(db: Db, authorityId: string): Promise<EarlyHelpSettings> {
  const row = await db
    .selectFrom('earlyHelpSettings')
    .select(['maxTeamPractitioners', 'noLeadAlertDays', 'minutesDueWorkingDays', 'reviewWeeks', 'closureApprovalRequired', 'outcomesFramework', 'youngPersonMinAge', 'version'])
    .where('authorityId', '=', authorityId)
    .executeTakeFirst()
  if (row) return row
  const authority = await db.selectFrom('authorities').select('nation').where('id', '=', authorityId).executeTakeFirst()
  // Welsh authorities plan against the seven core aims unless they choose otherwise.
  return { ...DEFAULT_EARLY_HELP_SETTINGS, outcomesFramework: authority?.nation === 'wales' ? 'wales_core_aims' : 'every_child_matters' }
}
