import { sql, type Kysely } from 'kysely'

// Issue 6 (information governance): the history of every change to the personal-data tables, rectification and the
// family's disputes (src/features/records-history, docs/subject-access.md).
//
// One generic trigger (record_history_capture) on each tracked table writes a row per changed field on UPDATE, and one
// row without values on INSERT and DELETE. Who made the change comes from transaction-local settings the access layer
// sets at the start of every access.run / access.transaction (set_config(..., true)): `onestory.actor`
// ('practitioner:<user id>' | 'family:<account id>' | 'system'), `onestory.at` (the application clock),
// `onestory.request_id`, and for a rectification `onestory.history_kind` = 'correction' with `onestory.history_reason`.
// `onestory.history` = 'off' (set only by the import of an authority export, which carries its own history) writes none.
// Trigger arguments: the key columns (comma separated), the episode column ('' | 'column' | 'table.column': look the
// episode up in that table by the row's column), and the person column ('' | 'column').

/** Tracked tables: [table, key columns, episode column or lookup, person column]. */
export const TRACKED_TABLES: ReadonlyArray<readonly [string, string, string, string]> = [
  ['persons', 'id', '', 'id'],
  ['households', 'id', '', ''],
  ['household_members', 'household_id,person_id', '', 'person_id'],
  ['relationships', 'id', '', 'person_id'],
  ['episodes', 'id', 'id', ''],
  ['episode_people', 'episode_id,person_id', 'episode_id', 'person_id'],
  ['episode_members', 'episode_id,user_id', 'episode_id', ''],
  ['episode_checklists', 'episode_id', 'episode_id', ''],
  ['safeguarding_referrals', 'id', 'episode_id', ''],
  ['consents', 'id', 'episode_id', 'giver_person_id'],
  ['assessments', 'id', 'episode_id', ''],
  ['assessment_elements', 'assessment_id,element_key,subject', 'assessments.assessment_id', ''],
  ['support_plans', 'episode_id', 'episode_id', ''],
  ['plan_needs', 'id', 'episode_id', ''],
  ['plan_actions', 'id', 'episode_id', ''],
  ['meetings', 'id', 'episode_id', ''],
  ['meeting_minutes', 'meeting_id', 'meetings.meeting_id', ''],
  ['agenda_items', 'id', 'meetings.meeting_id', ''],
  ['reviews', 'id', 'episode_id', ''],
  ['episode_closures', 'episode_id', 'episode_id', ''],
  ['case_notes', 'id', 'episode_id', 'person_id'],
  ['documents', 'id', 'episode_id', ''],
  ['family_team_members', 'id', 'episode_id', 'person_id'],
  ['lead_professionals', 'id', 'episode_id', ''],
]

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('record_history')
    .addColumn('authority_id', 'uuid', c => c.notNull().references('authorities.id'))
    .addColumn('id', 'uuid', c => c.notNull().defaultTo(sql`gen_random_uuid()`))
    .addColumn('seq', 'bigserial', c => c.notNull())
    .addColumn('table_name', 'text', c => c.notNull())
    .addColumn('record_id', 'text', c => c.notNull())
    .addColumn('episode_id', 'uuid')
    .addColumn('person_id', 'uuid')
    .addColumn('operation', 'text', c => c.notNull().check(sql`operation in ('insert', 'update', 'delete', 'dispute')`))
    .addColumn('field', 'text')
    .addColumn('old_value', 'text')
    .addColumn('new_value', 'text')
    .addColumn('kind', 'text', c => c.notNull().check(sql`kind in ('change', 'correction', 'disputed')`))
    .addColumn('reason', 'text')
    .addColumn('changed_by_kind', 'text', c => c.notNull())
    .addColumn('changed_by_user_id', 'uuid')
    .addColumn('changed_by_family_account_id', 'uuid')
    .addColumn('request_id', 'text')
    .addColumn('at', 'timestamptz', c => c.notNull())
    .addPrimaryKeyConstraint('record_history_pk', ['authority_id', 'id'])
    .execute()
  await sql`create index record_history_record on record_history (authority_id, table_name, record_id, seq)`.execute(db)
  await sql`create index record_history_episode on record_history (authority_id, episode_id, seq) where episode_id is not null`.execute(db)
  await sql`create index record_history_person on record_history (authority_id, person_id, seq) where person_id is not null`.execute(db)
  // History is kept, not rewritten: the run-time role may add and read it. It may delete it only for retention
  // (src/features/retention disposes of an episode's or person's history with the records themselves).
  await sql`revoke update, truncate on record_history from onestory_app`.execute(db)

  await db.schema
    .createTable('record_disputes')
    .addColumn('authority_id', 'uuid', c => c.notNull().references('authorities.id'))
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('episode_id', 'uuid', c => c.notNull())
    .addColumn('table_name', 'text', c => c.notNull().check(sql`table_name in ('assessment_elements', 'meeting_minutes', 'case_notes')`))
    .addColumn('record_id', 'text', c => c.notNull())
    .addColumn('record_label', 'text', c => c.notNull())
    .addColumn('statement', 'text', c => c.notNull())
    .addColumn('by_kind', 'text', c => c.notNull().check(sql`by_kind in ('family', 'practitioner')`))
    .addColumn('by_family_account_id', 'uuid')
    .addColumn('by_user_id', 'uuid')
    .addColumn('by_name', 'text', c => c.notNull())
    .addColumn('at', 'timestamptz', c => c.notNull())
    .addPrimaryKeyConstraint('record_disputes_pk', ['authority_id', 'id'])
    .execute()
  await sql`create index record_disputes_record on record_disputes (authority_id, table_name, record_id)`.execute(db)
  await sql`create index record_disputes_episode on record_disputes (authority_id, episode_id)`.execute(db)

  await sql`
    create function record_history_capture() returns trigger language plpgsql as $$
    declare
      old_row jsonb := case when tg_op = 'INSERT' then null else to_jsonb(old) end;
      new_row jsonb := case when tg_op = 'DELETE' then null else to_jsonb(new) end;
      row_data jsonb := coalesce(new_row, old_row);
      key_columns text[] := string_to_array(tg_argv[0], ',');
      episode_spec text := tg_argv[1];
      person_column text := tg_argv[2];
      record_key text;
      episode_ref uuid;
      person_ref uuid;
      actor text := nullif(current_setting('onestory.actor', true), '');
      actor_kind text := coalesce(split_part(actor, ':', 1), 'unknown');
      actor_id uuid := case when actor like '%:%' then nullif(split_part(actor, ':', 2), '')::uuid else null end;
      change_kind text := coalesce(nullif(current_setting('onestory.history_kind', true), ''), 'change');
      change_reason text := nullif(current_setting('onestory.history_reason', true), '');
      request_ref text := nullif(current_setting('onestory.request_id', true), '');
      changed_at timestamptz := coalesce(nullif(current_setting('onestory.at', true), '')::timestamptz, now());
      col_name text;
      ignored text[] := array['version', 'updated_at', 'search_name', 'search_given', 'search_family', 'content', 'authority_id'];
    begin
      -- A restore of an authority export (src/db/backup.ts) brings its own history rows: it writes none.
      if current_setting('onestory.history', true) = 'off' then
        return null;
      end if;
      select string_agg(row_data ->> k, ':' order by ord) into record_key from unnest(key_columns) with ordinality as u(k, ord);
      if episode_spec = '' then
        episode_ref := null;
      elsif position('.' in episode_spec) > 0 then
        execute format('select episode_id from %I where authority_id = $1 and id = $2', split_part(episode_spec, '.', 1))
          into episode_ref using (row_data ->> 'authority_id')::uuid, (row_data ->> split_part(episode_spec, '.', 2))::uuid;
      else
        episode_ref := (row_data ->> episode_spec)::uuid;
      end if;
      person_ref := case when person_column = '' then null else (row_data ->> person_column)::uuid end;
      if tg_op = 'UPDATE' then
        for col_name in select jsonb_object_keys(new_row) loop
          if not (col_name = any(ignored)) and (old_row -> col_name) is distinct from (new_row -> col_name) then
            insert into record_history (authority_id, table_name, record_id, episode_id, person_id, operation, field, old_value,
                                        new_value, kind, reason, changed_by_kind, changed_by_user_id, changed_by_family_account_id, request_id, at)
            values ((row_data ->> 'authority_id')::uuid, tg_table_name, record_key, episode_ref, person_ref, 'update', col_name, old_row ->> col_name,
                    new_row ->> col_name, change_kind, change_reason, actor_kind,
                    case when actor_kind = 'practitioner' then actor_id end, case when actor_kind = 'family' then actor_id end, request_ref, changed_at);
          end if;
        end loop;
      else
        insert into record_history (authority_id, table_name, record_id, episode_id, person_id, operation, field, old_value, new_value,
                                    kind, reason, changed_by_kind, changed_by_user_id, changed_by_family_account_id, request_id, at)
        values ((row_data ->> 'authority_id')::uuid, tg_table_name, record_key, episode_ref, person_ref, lower(tg_op), null, null, null,
                'change', null, actor_kind, case when actor_kind = 'practitioner' then actor_id end,
                case when actor_kind = 'family' then actor_id end, request_ref, changed_at);
      end if;
      return null;
    end
    $$`.execute(db)

  for (const [table, keys, episode, person] of TRACKED_TABLES) {
    await sql
      .raw(
        `create trigger ${table}_history after insert or update or delete on ${table} ` +
          `for each row execute function record_history_capture('${keys}', '${episode}', '${person}')`,
      )
      .execute(db)
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [table] of TRACKED_TABLES) await sql.raw(`drop trigger if exists ${table}_history on ${table}`).execute(db)
  await sql`drop function if exists record_history_capture()`.execute(db)
  await db.schema.dropTable('record_disputes').ifExists().execute()
  await db.schema.dropTable('record_history').ifExists().execute()
}
