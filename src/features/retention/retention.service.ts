import type { Kysely, Transaction } from 'kysely'
import type { Config } from '../../config.ts'
import type { Database, RetentionRecordType, RetentionSubjectKind } from '../../db/schema.ts'
import type { Clock } from '../../lib/clock.ts'
import { ConflictError, DomainRuleError, NotFoundError, UnauthenticatedError } from '../../lib/errors.ts'
import { uuidv7 } from '../../lib/ids.ts'
import type { Access } from '../../policy/access.ts'
import type { RequestContext } from '../../policy/actor.ts'
import type { Action } from '../../policy/policy.ts'
import * as disposal from './retention-disposal.repository.ts'
import * as repository from './retention.repository.ts'
import { DEFAULT_RULES, RECORD_TYPES, RECORD_TYPE_NAMES, episodeDueOn, isoDay, personDueOn, type RetentionRule } from './retention-rules.ts'

export type RetentionService = ReturnType<typeof createRetentionService>

export type RuleView = RetentionRule & { version: number | null; saved: boolean }

export type ListingReport = { authorityId: string; batchId: string | null; due: number; added: number; removed: number }
export type DisposalReport = { disposed: number; held: number; notDue: number; gone: number }

function authorityOf(context: RequestContext): string {
  const actor = context.actor
  if (actor.kind === 'anonymous' || !actor.authorityId) throw new UnauthenticatedError()
  return actor.authorityId
}

function userOf(context: RequestContext): string | null {
  return context.actor.kind === 'practitioner' ? context.actor.userId : null
}

/**
 * Retention (docs/retention.md): the rules (administrators), the scheduled listing of what is due, a coordinator's
 * approval of a batch, legal holds, and the disposal itself — each item in its own transaction, re-checked (still
 * due, not held) at the moment of disposal, and audited with what was removed but never its content.
 */
export function createRetentionService(deps: { db: Kysely<Database>; config: Config; clock: Clock; access: Access }) {
  const { db, access, clock } = deps

  async function rulesOf(trx: Kysely<Database> | Transaction<Database>, authorityId: string): Promise<Record<RetentionRecordType, RuleView>> {
    const saved = new Map((await repository.savedRules(trx, authorityId)).map(rule => [rule.recordType, rule]))
    const rules = {} as Record<RetentionRecordType, RuleView>
    for (const type of RECORD_TYPES) {
      const row = saved.get(type)
      rules[type] = row ? { recordType: type, yearsAfter: row.yearsAfter, untilAge: row.untilAge, version: row.version, saved: true } : { ...DEFAULT_RULES[type], version: null, saved: false }
    }
    return rules
  }

  /** Everything due today or earlier under the authority's rules, not held and not already disposed of. */
  async function dueItems(trx: Transaction<Database>, authorityId: string, now: Date): Promise<repository.DueItem[]> {
    const today = isoDay(now)
    const rules = await rulesOf(trx, authorityId)
    const held = await repository.heldSubjects(trx, authorityId)
    const disposed = await repository.disposedSubjects(trx, authorityId)
    const people = await repository.peopleOfEpisodes(trx, authorityId)
    const due: repository.DueItem[] = []
    for (const episode of await repository.closedEpisodes(trx, authorityId)) {
      if (disposed.has(episode.id)) continue
      const recordType: RetentionRecordType = episode.safeguarding ? 'episode_safeguarding' : 'episode'
      const dueOn = episodeDueOn(rules[recordType], isoDay(episode.closedAt), episode.children)
      if (dueOn > today) continue
      if (held.has(episode.id) || (people.get(episode.id) ?? []).some(person => held.has(person))) continue
      due.push({ subjectKind: 'episode', subjectId: episode.id, recordType, label: episode.reference, dueOn, disposition: 'delete' })
    }
    const inEpisodes = await disposal.peopleInEpisodes(trx, authorityId)
    for (const person of await repository.peopleInNoEpisode(trx, authorityId)) {
      if (disposed.has(person.id) || held.has(person.id) || inEpisodes.has(person.id)) continue
      const dueOn = personDueOn(rules.person, isoDay(person.lastChangedAt))
      if (dueOn > today) continue
      due.push({ subjectKind: 'person', subjectId: person.id, recordType: 'person', label: person.name, dueOn, disposition: 'anonymise' })
    }
    return due
  }

  /**
   * The scheduled listing for one authority: the proposed batch is brought in line with what is due now (items added
   * and removed; its version moves so an approval of an older list is refused). Nothing due and no batch: nothing.
   * A second run with nothing changed changes nothing.
   */
  async function listDue(authorityId: string): Promise<ListingReport> {
    return db.transaction().execute(async trx => {
      await repository.lockAuthority(trx, authorityId)
      const now = clock.now()
      const due = await dueItems(trx, authorityId, now)
      const batch = await repository.proposedBatch(trx, authorityId)
      if (!batch) {
        if (due.length === 0) return { authorityId, batchId: null, due: 0, added: 0, removed: 0 }
        const batchId = uuidv7(now.getTime())
        await repository.createBatch(trx, authorityId, batchId, now)
        await repository.replaceItems(trx, authorityId, batchId, [], due)
        return { authorityId, batchId, due: due.length, added: due.length, removed: 0 }
      }
      const existing = await repository.batchItems(trx, authorityId, batch.id)
      const dueIds = new Set(due.map(item => item.subjectId))
      const existingIds = new Set(existing.map(item => item.subjectId))
      const remove = existing.filter(item => !dueIds.has(item.subjectId)).map(item => item.subjectId)
      const insert = due.filter(item => !existingIds.has(item.subjectId))
      if (due.length === 0) {
        await repository.deleteBatch(trx, authorityId, batch.id)
        return { authorityId, batchId: null, due: 0, added: 0, removed: remove.length }
      }
      if (remove.length > 0 || insert.length > 0) {
        await repository.replaceItems(trx, authorityId, batch.id, remove, insert)
        await repository.touchBatch(trx, authorityId, batch.id, now)
      }
      return { authorityId, batchId: batch.id, due: due.length, added: insert.length, removed: remove.length }
    })
  }

  /** Disposes of one item (its own transaction): re-checked, then deleted or anonymised, then audited. */
  async function disposeItem(context: RequestContext, authorityId: string, batch: { id: string; approvedByUserId: string | null; approvedAt: Date | null }): Promise<'disposed' | 'held' | 'not_due' | 'gone' | null> {
    return access.transaction(context, async trx => {
      await repository.lockAuthority(trx, authorityId)
      const item = await repository.lockPendingItem(trx, authorityId, batch.id)
      if (!item) return null
      const now = clock.now()
      const held = await repository.heldSubjects(trx, authorityId)
      const stillDue = new Set((await dueItems(trx, authorityId, now)).map(due => due.subjectId))
      const base = { batchId: batch.id, approvedByUserId: batch.approvedByUserId, approvedAt: batch.approvedAt?.toISOString() ?? null, rule: item.recordType, dueOn: item.dueOn }
      let outcome: 'disposed' | 'held' | 'not_due' | 'gone'
      let details: Record<string, unknown> = {}
      if (item.subjectKind === 'episode') {
        const episode = await repository.lockEpisode(trx, authorityId, item.subjectId)
        const people = (await repository.peopleOfEpisodes(trx, authorityId)).get(item.subjectId) ?? []
        if (!episode) outcome = 'gone'
        else if (held.has(episode.id) || people.some(person => held.has(person))) outcome = 'held'
        else if (!stillDue.has(episode.id)) outcome = 'not_due'
        else {
          const removed = await disposal.deleteEpisode(trx, authorityId, episode.id)
          let peopleAnonymised = 0
          const anonymisedRows: Record<string, number> = {}
          for (const personId of removed.people) {
            if (held.has(personId)) continue
            if (await disposal.personInAnyEpisode(trx, authorityId, personId)) continue
            const person = await repository.lockPerson(trx, authorityId, personId)
            if (!person || person.anonymisedAt || person.mergedIntoId) continue
            const result = await disposal.anonymisePerson(trx, authorityId, personId, now)
            peopleAnonymised += result.people
            for (const [table, count] of Object.entries(result.rowsDeleted)) anonymisedRows[table] = (anonymisedRows[table] ?? 0) + count
          }
          let familyAccountsClosed = 0
          for (const accountId of removed.familyAccounts) if (await disposal.closeFamilyAccount(trx, authorityId, accountId)) familyAccountsClosed++
          outcome = 'disposed'
          details = { rowsDeleted: removed.rowsDeleted, peopleAnonymised, rowsDeletedWithPeople: anonymisedRows, familyAccountsClosed }
        }
      } else {
        const person = await repository.lockPerson(trx, authorityId, item.subjectId)
        if (!person || person.anonymisedAt) outcome = 'gone'
        else if (held.has(person.id)) outcome = 'held'
        else if (!stillDue.has(person.id) || (await disposal.personInAnyEpisode(trx, authorityId, person.id))) outcome = 'not_due'
        else {
          const result = await disposal.anonymisePerson(trx, authorityId, person.id, now)
          outcome = 'disposed'
          details = { peopleAnonymised: result.people, rowsDeleted: result.rowsDeleted }
        }
      }
      await repository.settleItem(trx, item, outcome, now, details, outcome === 'disposed' && item.subjectKind === 'person')
      await access.assertWithin(
        trx,
        context,
        {
          action: 'retention.dispose',
          resource: { authorityId },
          recordType: item.subjectKind,
          recordId: item.subjectId,
          ...(item.subjectKind === 'episode' ? { episodeId: item.subjectId } : {}),
        },
        { details: { ...base, outcome, disposition: item.disposition, ...details } },
      )
      await repository.completeBatchIfDone(trx, authorityId, batch.id, now)
      return outcome
    })
  }

  async function disposeBatch(context: RequestContext, authorityId: string, batchId: string): Promise<DisposalReport> {
    const report: DisposalReport = { disposed: 0, held: 0, notDue: 0, gone: 0 }
    const batch = await repository.findBatch(db, authorityId, batchId)
    if (!batch || batch.status !== 'approved') return report
    for (;;) {
      const outcome = await disposeItem(context, authorityId, batch)
      if (outcome === null) break
      if (outcome === 'disposed') report.disposed++
      else if (outcome === 'held') report.held++
      else if (outcome === 'not_due') report.notDue++
      else report.gone++
    }
    // A batch whose items were all settled by an earlier, interrupted run.
    await db.transaction().execute(trx => repository.completeBatchIfDone(trx, authorityId, batchId, clock.now()))
    return report
  }

  function systemContext(authorityId: string): RequestContext {
    return { actor: { kind: 'system', authorityId, name: 'retention job' }, ip: null, requestId: `job-retention-${clock.now().toISOString()}` }
  }

  return {
    rulesOf: (authorityId: string) => rulesOf(db, authorityId),

    /** The scheduled job: for every authority, finish approved batches (after a crash), then list what is due. */
    async runScheduled(): Promise<{ listings: ListingReport[]; disposals: DisposalReport }> {
      const listings: ListingReport[] = []
      const disposals: DisposalReport = { disposed: 0, held: 0, notDue: 0, gone: 0 }
      for (const authorityId of await repository.authorityIds(db)) {
        for (const batchId of await repository.batchesWithPendingItems(db, authorityId)) {
          const report = await disposeBatch(systemContext(authorityId), authorityId, batchId)
          disposals.disposed += report.disposed
          disposals.held += report.held
          disposals.notDue += report.notDue
          disposals.gone += report.gone
        }
        listings.push(await listDue(authorityId))
      }
      return { listings, disposals }
    },

    /** A coordinator asks for the list now rather than waiting for the job. */
    async refresh(context: RequestContext): Promise<ListingReport> {
      const authorityId = authorityOf(context)
      await access.run(context, { action: 'retention.review', resource: { authorityId }, purpose: 'list records due for disposal' }, async () => undefined)
      return listDue(authorityId)
    },

    async overview(context: RequestContext) {
      const authorityId = authorityOf(context)
      return access.run(context, { action: 'retention.review', resource: { authorityId }, recordType: 'retention' }, async trx => {
        const rules = await rulesOf(trx, authorityId)
        const proposed = await repository.proposedBatch(trx, authorityId)
        const items = proposed ? await repository.batchItems(trx, authorityId, proposed.id) : []
        const holds = await repository.activeHolds(trx, authorityId)
        const holdLabels = new Map<string, string>()
        for (const hold of holds) {
          if (hold.subjectKind === 'episode') holdLabels.set(hold.id, (await repository.findEpisodeLabel(trx, authorityId, hold.subjectId))?.reference ?? 'An episode no longer held here')
          else {
            const person = await repository.findPersonLabel(trx, authorityId, hold.subjectId)
            holdLabels.set(hold.id, person ? `${person.givenNames} ${person.familyName}` : 'A person no longer held here')
          }
        }
        const batches = await repository.recentBatches(trx, authorityId)
        const batchCounts = new Map<string, Record<string, number>>()
        for (const batch of batches) {
          const counts: Record<string, number> = {}
          for (const item of await repository.batchItems(trx, authorityId, batch.id)) counts[item.outcome] = (counts[item.outcome] ?? 0) + 1
          batchCounts.set(batch.id, counts)
        }
        const names = await repository.userNames(trx, authorityId, [...holds.map(hold => hold.placedByUserId), ...batches.flatMap(batch => (batch.approvedByUserId ? [batch.approvedByUserId] : []))])
        return { rules, proposed: proposed ?? null, items, holds, holdLabels, batches, batchCounts, names }
      })
    },

    async batch(context: RequestContext, batchId: string) {
      const authorityId = authorityOf(context)
      return access.run(context, { action: 'retention.review', resource: { authorityId }, recordType: 'retention_batch', recordId: batchId }, async trx => {
        const batch = await repository.findBatch(trx, authorityId, batchId)
        if (!batch) throw new NotFoundError()
        const items = await repository.batchItems(trx, authorityId, batchId)
        const names = await repository.userNames(trx, authorityId, batch.approvedByUserId ? [batch.approvedByUserId] : [])
        return { batch, items, approvedBy: batch.approvedByUserId ? (names.get(batch.approvedByUserId) ?? null) : null }
      })
    },

    /** Approve the proposed batch as the coordinator saw it (version), then dispose of it item by item. */
    async approve(context: RequestContext, batchId: string, version: number): Promise<DisposalReport> {
      const authorityId = authorityOf(context)
      const userId = userOf(context)
      await access.transaction(context, async trx => {
        await repository.lockAuthority(trx, authorityId)
        const batch = await repository.findBatch(trx, authorityId, batchId)
        if (!batch) throw new NotFoundError()
        await access.assertWithin(trx, context, { action: 'retention.approve', resource: { authorityId }, recordType: 'retention_batch', recordId: batchId }, { details: { version } })
        if (!userId) throw new DomainRuleError('Only a coordinator can approve a disposal.', 'batch')
        if (!(await repository.approveBatch(trx, authorityId, batchId, version, userId, clock.now()))) {
          throw new ConflictError('The list changed since you opened it (or was already approved). Check it again before approving.')
        }
      })
      return disposeBatch(context, authorityId, batchId)
    },

    async placeHold(context: RequestContext, input: { kind: RetentionSubjectKind; subjectId?: string | undefined; reference?: string | undefined; reason: string }): Promise<string> {
      const authorityId = authorityOf(context)
      const userId = userOf(context)
      return access.transaction(context, async trx => {
        let subjectId: string | undefined
        if (input.kind === 'episode') {
          const episode = input.subjectId ? await repository.findEpisodeLabel(trx, authorityId, input.subjectId) : input.reference ? await repository.findEpisodeByReference(trx, authorityId, input.reference) : undefined
          if (!episode) throw new DomainRuleError('There is no episode with this reference. Check it and try again.', 'reference')
          subjectId = episode.id
        } else {
          const person = input.subjectId ? await repository.findPersonLabel(trx, authorityId, input.subjectId) : undefined
          if (!person || person.anonymisedAt) throw new NotFoundError()
          subjectId = person.id
        }
        const id = uuidv7(clock.now().getTime())
        await access.assertWithin(trx, context, { action: 'retention.hold', resource: { authorityId }, recordType: input.kind, recordId: subjectId, ...(input.kind === 'episode' ? { episodeId: subjectId } : {}) }, { details: { hold: 'placed', holdId: id } })
        if (!userId) throw new DomainRuleError('Only a coordinator can place a legal hold.', 'reason')
        await repository.insertHold(trx, { authorityId, id, subjectKind: input.kind, subjectId, reason: input.reason, placedByUserId: userId, placedAt: clock.now() })
        return id
      })
    },

    async releaseHold(context: RequestContext, holdId: string, reason: string): Promise<void> {
      const authorityId = authorityOf(context)
      const userId = userOf(context)
      await access.transaction(context, async trx => {
        const hold = await repository.findHold(trx, authorityId, holdId)
        if (!hold) throw new NotFoundError()
        await access.assertWithin(trx, context, { action: 'retention.hold', resource: { authorityId }, recordType: hold.subjectKind, recordId: hold.subjectId }, { details: { hold: 'released', holdId } })
        if (!userId || !(await repository.releaseHold(trx, authorityId, holdId, userId, reason, clock.now()))) throw new ConflictError('This hold was already released.')
      })
    },

    async holdSubject(context: RequestContext, kind: RetentionSubjectKind, subjectId: string): Promise<string> {
      const authorityId = authorityOf(context)
      return access.run(context, { action: 'retention.review', resource: { authorityId }, recordType: kind, recordId: subjectId }, async trx => {
        if (kind === 'episode') {
          const episode = await repository.findEpisodeLabel(trx, authorityId, subjectId)
          if (!episode) throw new NotFoundError()
          return `episode ${episode.reference}`
        }
        const person = await repository.findPersonLabel(trx, authorityId, subjectId)
        if (!person || person.anonymisedAt) throw new NotFoundError()
        return `${person.givenNames} ${person.familyName}`
      })
    },

    async rules(context: RequestContext): Promise<Record<RetentionRecordType, RuleView>> {
      const authorityId = authorityOf(context)
      return access.run(context, { action: 'retention.configure', resource: { authorityId } }, trx => rulesOf(trx, authorityId))
    },

    async saveRules(context: RequestContext, rules: RetentionRule[]): Promise<void> {
      const authorityId = authorityOf(context)
      const userId = userOf(context)
      await access.run(context, { action: 'retention.configure', resource: { authorityId }, recordType: 'retention_rules', purpose: 'change retention periods' }, async (trx, note) => {
        if (!userId) throw new DomainRuleError('Only an administrator can change retention periods.', 'episode-yearsAfter')
        for (const rule of rules) await repository.upsertRule(trx, authorityId, rule, userId, clock.now())
        note.details = Object.fromEntries(rules.map(rule => [rule.recordType, { yearsAfter: rule.yearsAfter, untilAge: rule.untilAge }]))
      })
    },

    /**
     * Refuses (and audits) an actor who may not do this at all, before anything they sent is read: a wrong role gets
     * 403 whatever the form contains (the pages call it first, as the administration pages do).
     */
    async ensureAllowed(context: RequestContext, action: Action): Promise<void> {
      const authorityId = authorityOf(context)
      if (!access.decide(context.actor, action, { authorityId }).allowed) {
        await access.run(context, { action, resource: { authorityId } }, async () => undefined)
      }
    },

    /** How many records the proposed batch holds (the coordinator's dashboard). */
    async dueCount(context: RequestContext): Promise<number> {
      const authorityId = authorityOf(context)
      return access.run(context, { action: 'retention.review', resource: { authorityId }, recordType: 'retention' }, async trx => {
        const proposed = await repository.proposedBatch(trx, authorityId)
        return proposed ? repository.countItems(trx, authorityId, proposed.id) : 0
      })
    },

    /** One legal hold in force (or released) with what it is on, for the release page. */
    async hold(context: RequestContext, holdId: string) {
      const authorityId = authorityOf(context)
      return access.run(context, { action: 'retention.review', resource: { authorityId }, recordType: 'retention_hold', recordId: holdId }, async trx => {
        const hold = await repository.findHold(trx, authorityId, holdId)
        if (!hold) throw new NotFoundError()
        let label: string
        if (hold.subjectKind === 'episode') label = `episode ${(await repository.findEpisodeLabel(trx, authorityId, hold.subjectId))?.reference ?? '(no longer held here)'}`
        else {
          const person = await repository.findPersonLabel(trx, authorityId, hold.subjectId)
          label = person && !person.anonymisedAt ? `${person.givenNames} ${person.familyName}` : 'a person no longer held here'
        }
        const names = await repository.userNames(trx, authorityId, [hold.placedByUserId])
        return { hold, label, placedBy: names.get(hold.placedByUserId) ?? null }
      })
    },

    /**
     * What was disposed of, read from the audit trail (`retention.dispose` events, newest first): when, what kind of
     * record, the rule, the outcome, who approved it and how many rows went — never the content. An episode is named
     * by its reference (kept on the batch item); a person by nothing at all once anonymised.
     */
    async disposals(context: RequestContext, limit = 200) {
      const authorityId = authorityOf(context)
      return access.run(context, { action: 'retention.review', resource: { authorityId }, recordType: 'retention', purpose: 'see what was disposed of' }, async trx => {
        const events = await repository.disposalEvents(trx, authorityId, limit)
        const labels = await repository.itemLabels(trx, authorityId, events.flatMap(event => (event.recordId ? [event.recordId] : [])))
        const approvers = events.flatMap(event => {
          const approver = (event.details as Record<string, unknown>).approvedByUserId
          return typeof approver === 'string' ? [approver] : []
        })
        const names = await repository.userNames(trx, authorityId, [...new Set(approvers)])
        return { events, labels, names }
      })
    },

    recordTypeNames: RECORD_TYPE_NAMES,
    authorityExists: (authorityId: string) => repository.authorityExists(db, authorityId),
  }
}
