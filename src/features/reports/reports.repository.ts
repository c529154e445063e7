import { sql, type RawBuilder } from 'kysely'
import type { Db } from '../../db/database.ts'

// All Kysely code for the aggregate reports (docs/reports.md). Every query names its authority, counts in SQL (group
// by) and returns figures only: no name, reference or identifier of a child, family or episode ever leaves here.
// Months and days are the UK's (Europe/London), so an episode opened at 00:30 on 1 July (BST) counts in July.

/** What the figures cover: the authority, optionally one locality, and a period of whole months. */
export type ReportScope = {
  authorityId: string
  localityId: string | undefined
  /** The first day of the first month, 'YYYY-MM-DD' (inclusive). */
  fromDay: string
  /** The first day of the month after the last month, 'YYYY-MM-DD' (exclusive). */
  toDayExclusive: string
}

const UK = sql.lit('Europe/London')

/** The instant a UK day starts. */
function ukMidnight(day: string): RawBuilder<Date> {
  return sql<Date>`(${day}::timestamp at time zone ${UK})`
}

/** `and e.locality_id = …` when a locality is chosen (every query names its episodes `e`). */
function localityFilter(scope: ReportScope): RawBuilder<unknown> {
  return scope.localityId === undefined ? sql`` : sql`and e.locality_id = ${scope.localityId}`
}

export async function listLocalities(db: Db, authorityId: string): Promise<{ id: string; name: string }[]> {
  return db.selectFrom('localities').select(['id', 'name']).where('authorityId', '=', authorityId).orderBy('name').execute()
}

export type OpenByStatusRow = { status: string; episodes: number; withoutLead: number }

/**
 * Open episodes now, by status, and of those in support how many have no current lead professional. A snapshot: the
 * period does not apply (the month-end figures come from the history: countOpenAtMonthEnds), the locality does.
 */
export async function countOpenByStatus(db: Db, scope: ReportScope): Promise<OpenByStatusRow[]> {
  const result = await sql<OpenByStatusRow>`
    select e.status,
           count(*)::int as "episodes",
           count(*) filter (
             where not exists (
               select 1 from lead_professionals lp
               where lp.authority_id = e.authority_id and lp.episode_id = e.id and lp.ended_at is null
             )
           )::int as "withoutLead"
    from episodes e
    where e.authority_id = ${scope.authorityId} and e.status <> 'closed' ${localityFilter(scope)}
    group by e.status`.execute(db)
  return result.rows
}

export type MonthRow = { kind: 'opened' | 'closed'; month: string; episodes: number }

/** Episodes opened (started) and closed in each UK month of the period. Months with none are absent. */
export async function countByMonth(db: Db, scope: ReportScope): Promise<MonthRow[]> {
  const from = ukMidnight(scope.fromDay)
  const to = ukMidnight(scope.toDayExclusive)
  const result = await sql<MonthRow>`
    select 'opened' as "kind", to_char(e.started_at at time zone ${UK}, 'YYYY-MM') as "month", count(*)::int as "episodes"
    from episodes e
    where e.authority_id = ${scope.authorityId} and e.started_at >= ${from} and e.started_at < ${to} ${localityFilter(scope)}
    group by 2
    union all
    select 'closed' as "kind", to_char(e.closed_at at time zone ${UK}, 'YYYY-MM') as "month", count(*)::int as "episodes"
    from episodes e
    where e.authority_id = ${scope.authorityId} and e.status = 'closed' and e.closed_at >= ${from} and e.closed_at < ${to} ${localityFilter(scope)}
    group by 2`.execute(db)
  return result.rows
}

export type OutcomeRow = { outcome: string; episodes: number }

/** Episodes closed in the period, by how they ended (the closure reason, or the outcome that closed them early). */
export async function countClosuresByOutcome(db: Db, scope: ReportScope): Promise<OutcomeRow[]> {
  const result = await sql<OutcomeRow>`
    select coalesce(e.outcome, 'not_recorded') as "outcome", count(*)::int as "episodes"
    from episodes e
    where e.authority_id = ${scope.authorityId} and e.status = 'closed'
      and e.closed_at >= ${ukMidnight(scope.fromDay)} and e.closed_at < ${ukMidnight(scope.toDayExclusive)} ${localityFilter(scope)}
    group by 1`.execute(db)
  return result.rows
}

export type FlowFigures = {
  /** Assessments completed in the period (completion date in it). */
  assessmentsCompleted: number
  /** The median of their days from the episode's start (UK day) to the assessment's completion date; null if none. */
  medianDaysToAssessment: number | null
  /** Episodes started in the period about a child whose earlier episode closed within the 12 months before. */
  reReferrals: number
  /** Episodes started in the period (the base of the re-referral rate). */
  started: number
}

/** Time to assessment and re-referrals, in one round trip. */
export async function flowFigures(db: Db, scope: ReportScope): Promise<FlowFigures> {
  const from = ukMidnight(scope.fromDay)
  const to = ukMidnight(scope.toDayExclusive)
  const result = await sql<FlowFigures>`
    select t."assessmentsCompleted", t."medianDaysToAssessment", r."reReferrals", r."started"
    from (
      select count(*)::int as "assessmentsCompleted",
             (percentile_cont(0.5) within group (order by a.completion_date - (e.started_at at time zone ${UK})::date))::float8 as "medianDaysToAssessment"
      from assessments a
      join episodes e on e.authority_id = a.authority_id and e.id = a.episode_id
      where a.authority_id = ${scope.authorityId} and a.status = 'completed'
        and a.completion_date >= ${scope.fromDay}::date and a.completion_date < ${scope.toDayExclusive}::date
        ${localityFilter(scope)}
    ) t
    cross join (
      select count(*)::int as "started",
             count(*) filter (
               where e.previous_episode_id is not null or exists (
                 select 1
                 from episode_people ep
                 join episode_people earlier_ep
                   on earlier_ep.authority_id = ep.authority_id and earlier_ep.person_id = ep.person_id and earlier_ep.episode_id <> ep.episode_id
                 join episodes earlier on earlier.authority_id = earlier_ep.authority_id and earlier.id = earlier_ep.episode_id
                 where ep.authority_id = e.authority_id and ep.episode_id = e.id and ep.role = 'child'
                   and earlier.status = 'closed' and earlier.closed_at <= e.started_at
                   and earlier.closed_at > e.started_at - interval '12 months'
               )
             )::int as "reReferrals"
      from episodes e
      where e.authority_id = ${scope.authorityId} and e.started_at >= ${from} and e.started_at < ${to} ${localityFilter(scope)}
    ) r`.execute(db)
  return result.rows[0] ?? { assessmentsCompleted: 0, medianDaysToAssessment: null, reReferrals: 0, started: 0 }
}

export type DistanceRow = { elementKey: string; children: number; averageFirst: number; averageLatest: number; averageChange: number }

/**
 * Distance Travelled per element: for each child (or family, for a family-wide element) of each episode, the first
 * score (the assessment's practitioner score; without one, the first review score) against the latest review or
 * closure score recorded before the period ends. Counted where that latest score falls in the period and differs from
 * the first occasion (at least two scores). Averages over those children, per element; 0 no issues … 4 critical.
 */
export async function distanceTravelled(db: Db, scope: ReportScope): Promise<DistanceRow[]> {
  const from = ukMidnight(scope.fromDay)
  const to = ukMidnight(scope.toDayExclusive)
  const result = await sql<DistanceRow>`
    with scoped as (
      select e.id from episodes e where e.authority_id = ${scope.authorityId} ${localityFilter(scope)}
    ),
    scores as (
      select a.episode_id, ae.element_key, ae.subject, ae.practitioner_score as score, 0 as occasion, a.created_at as at
      from assessment_elements ae
      join assessments a on a.authority_id = ae.authority_id and a.id = ae.assessment_id
      join scoped s on s.id = a.episode_id
      where ae.authority_id = ${scope.authorityId} and ae.practitioner_score is not null and ae.not_assessed = false
        and a.created_at < ${to}
      union all
      select ds.episode_id, ds.element_key, ds.subject, ds.score, 1 as occasion, ds.recorded_at as at
      from distance_scores ds
      join scoped s on s.id = ds.episode_id
      where ds.authority_id = ${scope.authorityId} and ds.recorded_at < ${to}
    ),
    ranked as (
      select episode_id, element_key, subject, score, at,
             row_number() over (partition by episode_id, element_key, subject order by occasion, at) as first_rank,
             row_number() over (partition by episode_id, element_key, subject order by occasion desc, at desc) as last_rank,
             count(*) over (partition by episode_id, element_key, subject) as scored
      from scores
    ),
    pairs as (
      select f.element_key, f.score as first_score, l.score as latest_score
      from ranked f
      join ranked l on l.episode_id = f.episode_id and l.element_key = f.element_key and l.subject = f.subject and l.last_rank = 1
      where f.first_rank = 1 and f.scored >= 2 and l.at >= ${from}
    )
    select element_key as "elementKey",
           count(*)::int as "children",
           avg(first_score)::float8 as "averageFirst",
           avg(latest_score)::float8 as "averageLatest",
           avg(latest_score - first_score)::float8 as "averageChange"
    from pairs
    group by element_key`.execute(db)
  return result.rows
}

export type MonthEndRow = { month: string; status: string; episodes: number }

/**
 * Episodes open at the end of each month of the period, by the status they had then (docs/reports.md). `months` are
 * the period's months, 'YYYY-MM', each with the first day of the month after it: the end of a month is the instant
 * that next day starts in the UK, and a change at or after it belongs to the next month. For the current month nothing
 * can have been recorded after now, so its figure is as at now.
 *
 * The status (and locality) of an episode at a moment M comes from record_history, which the trigger writes for every
 * change of `episodes.status` and `episodes.locality_id` with the application clock's time: the new value of its latest
 * change before M; if none, the old value of its earliest change from M on; if none, its current value. An episode
 * counts from its start (`started_at`, as "opened" elsewhere in the report). Changes made before record_history existed
 * are unknown (the figure then takes the earliest known value, or the current one). Months with none are absent.
 */
export async function countOpenAtMonthEnds(db: Db, scope: ReportScope, months: { month: string; nextDay: string }[]): Promise<MonthEndRow[]> {
  if (months.length === 0) return []
  const ends = sql.join(months.map(({ month, nextDay }) => sql`(${month}, ${ukMidnight(nextDay)})`))
  const last = ukMidnight(months[months.length - 1]?.nextDay ?? scope.toDayExclusive)
  const fields = scope.localityId === undefined ? sql`('status')` : sql`('status', 'locality_id')`
  // One pass over the episodes' history (not one look-up per episode and month): each tracked field's value over time
  // as spans (from, to]. Before its first change the field had that change's old value; after change k it had change
  // k's new value until the next change. A month end M falls in exactly one span of a field that ever changed, so
  // "the latest change before M, else the earliest change from M on" is the span with from < M <= to; a field that
  // never changed has its current value. Measured with 3,000 episodes, 14 history rows each, 24 months: about 0.1 s on
  // PGlite and PostgreSQL (a look-up per episode and month took 0.9 s and 0.6 s).
  const spanOf = (field: 'status' | 'locality_id', alias: string) =>
    sql`left join spans ${sql.raw(alias)} on ${sql.raw(alias)}.record_id = e.id::text and ${sql.raw(alias)}.field = ${field}
          and ${sql.raw(alias)}.from_at < b.at and b.at <= ${sql.raw(alias)}.to_at`
  const locality =
    scope.localityId === undefined
      ? sql``
      : sql`and (case when sl.record_id is not null then sl.value else e.locality_id::text end) = ${scope.localityId}`
  const result = await sql<MonthEndRow>`
    with ends (month, at) as (values ${ends}),
    changes as (
      select h.record_id, h.field, h.at, h.old_value, h.new_value,
             lead(h.at) over w as next_at, row_number() over w as position
      from record_history h
      where h.authority_id = ${scope.authorityId} and h.table_name = 'episodes' and h.operation = 'update' and h.field in ${fields}
      window w as (partition by h.record_id, h.field order by h.at, h.seq)
    ),
    spans as (
      select record_id, field, '-infinity'::timestamptz as from_at, at as to_at, old_value as value from changes where position = 1
      union all
      select record_id, field, at, coalesce(next_at, 'infinity'::timestamptz), new_value from changes
    ),
    states as (
      select b.month, (case when ss.record_id is not null then ss.value else e.status end) as status
      from episodes e
      join ends b on e.started_at < b.at
      ${spanOf('status', 'ss')}
      ${scope.localityId === undefined ? sql`` : spanOf('locality_id', 'sl')}
      where e.authority_id = ${scope.authorityId} and e.started_at < ${last} ${locality}
    )
    select month, status, count(*)::int as "episodes"
    from states
    where status <> 'closed'
    group by month, status`.execute(db)
  return result.rows
}
