import { z } from 'zod'

// The family's statements disagreeing with a record, as the /api/v1 responses carry them beside the record (case
// notes, minutes, assessment elements, chronology events). A leaf module: zod and plain types only, so that any
// feature's schemas may import it without an import cycle.

export const apiDisputeSchema = z
  .object({
    statement: z.string().meta({ description: 'The family’s statement, as they wrote it (or as the team recorded it).' }),
    madeAt: z.string().meta({ format: 'date-time', description: 'When the statement was made.' }),
    madeBy: z.string().meta({ description: 'Who made it: the family member’s name as the record’s page shows it.' }),
    recordedBy: z.enum(['family', 'team']).meta({ description: '"family": written by the family member in their own view; "team": a statement the family gave the team, recorded by a practitioner.' }),
  })
  .meta({ description: 'A statement from the family disagreeing with this record. The record itself is never changed.' })

export const apiDisputesSchema = z
  .array(apiDisputeSchema)
  .meta({ description: 'The family’s statements disagreeing with this record ("Disputed" on its page), oldest first; empty when nobody disputes it.' })

export type ApiDispute = z.input<typeof apiDisputeSchema>

/** The fields of a dispute row the API shows (src/features/records-history/record-history.repository.ts DisputeRow). */
type DisputeFields = { statement: string; byName: string; byKind: 'family' | 'practitioner'; at: Date }

export function apiDisputes(disputes: readonly DisputeFields[]): ApiDispute[] {
  return disputes.map(dispute => ({ statement: dispute.statement, madeAt: dispute.at.toISOString(), madeBy: dispute.byName, recordedBy: dispute.byKind === 'family' ? 'family' : 'team' }))
}

/** Each record's statements keyed by record id, for a list (one query for the page, grouped here). */
export function disputesByRecord<T extends DisputeFields & { recordId: string }>(disputes: readonly T[]): Map<string, T[]> {
  const byRecord = new Map<string, T[]>()
  for (const dispute of disputes) byRecord.set(dispute.recordId, [...(byRecord.get(dispute.recordId) ?? []), dispute])
  return byRecord
}
