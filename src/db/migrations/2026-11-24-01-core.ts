import { sql, type Kysely } from 'kysely'

// The running service: authorities, localities, agencies, practitioner accounts, sessions, tokens, outbox and audit.
// Every table holding personal data carries authority_id first in its keys.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    do $$ begin
      if not exists (select from pg_roles where rolname = 'onestory_app') then
        begin
          create role onestory_app nologin;
        exception when duplicate_object then null;
        end;
      end if;
      begin
        execute format('grant onestory_app to %I', current_user);
      exception when others then null;
      end;
    end $$`.execute(db)

  await sql`grant usage on schema public to onestory_app`.execute(db)
  await sql`alter default privileges in schema public grant select, insert, update, delete on tables to onestory_app`.execute(db)
  await sql`alter default privileges in schema public grant usage, select on sequences to onestory_app`.execute(db)

  await sql`create extension if not exists pg_trgm`.execute(db)
  await sql`create extension if not exists fuzzystrmatch`.execute(db)

  await db.schema
    .createTable('system_settings')
    .addColumn('key', 'text', c => c.primaryKey())
    .addColumn('value', 'text', c => c.notNull())
    .execute()

  await db.schema
    .createTable('authorities')
    .addColumn('id', 'uuid', c => c.primaryKey())
    .addColumn('name', 'text', c => c.notNull())
    .addColumn('nation', 'text', c => c.notNull().check(sql`nation in ('england', 'wales')`))
    .addColumn('is_demo', 'boolean', c => c.notNull().defaultTo(false))
    .addColumn('second_factor_required', 'boolean', c => c.notNull().defaultTo(true))
    .addColumn('single_sign_on_issuer', 'text')
    .addColumn('created_at', 'timestamptz', c => c.notNull().defaultTo(sql`now()`))
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .execute()

  await db.schema
    .createTable('localities')
    .addColumn('authority_id', 'uuid', c => c.notNull().references('authorities.id'))
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('name', 'text', c => c.notNull())
    .addColumn('created_at', 'timestamptz', c => c.notNull().defaultTo(sql`now()`))
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('localities_pk', ['authority_id', 'id'])
    .execute()
  await sql`create unique index localities_name_uq on localities (authority_id, lower(name))`.execute(db)

  await db.schema
    .createTable('agencies')
    .addColumn('authority_id', 'uuid', c => c.notNull().references('authorities.id'))
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('name', 'text', c => c.notNull())
    .addColumn('kind', 'text', c => c.notNull())
    .addColumn('locality_id', 'uuid')
    .addColumn('description', 'text', c => c.notNull().defaultTo(''))
    .addColumn('email', 'text')
    .addColumn('phone', 'text')
    .addColumn('address', 'text')
    .addColumn('active', 'boolean', c => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', c => c.notNull().defaultTo(sql`now()`))
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('agencies_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('agencies_locality_fk', ['authority_id', 'locality_id'], 'localities', ['authority_id', 'id'])
    .execute()
  await sql`create unique index agencies_name_uq on agencies (authority_id, lower(name))`.execute(db)

  await db.schema
    .createTable('users')
    .addColumn('authority_id', 'uuid', c => c.notNull().references('authorities.id'))
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('email', 'text', c => c.notNull())
    .addColumn('name', 'text', c => c.notNull())
    .addColumn('status', 'text', c => c.notNull().check(sql`status in ('invited', 'active', 'deactivated')`))
    .addColumn('password_hash', 'text')
    .addColumn('totp_secret', 'text')
    .addColumn('totp_enabled_at', 'timestamptz')
    .addColumn('totp_last_step', 'bigint')
    .addColumn('recovery_code_hashes', 'jsonb', c => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('may_skip_second_factor', 'boolean', c => c.notNull().defaultTo(false))
    .addColumn('failed_sign_ins', 'integer', c => c.notNull().defaultTo(0))
    .addColumn('locked_until', 'timestamptz')
    .addColumn('password_changed_at', 'timestamptz')
    .addColumn('last_sign_in_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', c => c.notNull().defaultTo(sql`now()`))
    .addColumn('deactivated_at', 'timestamptz')
    .addColumn('version', 'integer', c => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('users_pk', ['authority_id', 'id'])
    .execute()
  // Email identifies an account across the whole deployment so that sign-in needs no authority picker.
  await sql`create unique index users_email_uq on users (lower(email))`.execute(db)

  await db.schema
    .createTable('user_roles')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('user_id', 'uuid', c => c.notNull())
    .addColumn('role', 'text', c =>
      c.notNull().check(sql`role in ('administrator', 'coordinator', 'panel_member', 'manager', 'practitioner')`),
    )
    .addPrimaryKeyConstraint('user_roles_pk', ['authority_id', 'user_id', 'role'])
    .addForeignKeyConstraint('user_roles_user_fk', ['authority_id', 'user_id'], 'users', ['authority_id', 'id'])
    .execute()

  await db.schema
    .createTable('user_agencies')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('user_id', 'uuid', c => c.notNull())
    .addColumn('agency_id', 'uuid', c => c.notNull())
    .addColumn('created_at', 'timestamptz', c => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('user_agencies_pk', ['authority_id', 'user_id', 'agency_id'])
    .addForeignKeyConstraint('user_agencies_user_fk', ['authority_id', 'user_id'], 'users', ['authority_id', 'id'])
    .addForeignKeyConstraint('user_agencies_agency_fk', ['authority_id', 'agency_id'], 'agencies', ['authority_id', 'id'])
    .execute()

  await db.schema
    .createTable('sessions')
    .addColumn('id_hash', 'text', c => c.primaryKey())
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('user_id', 'uuid', c => c.notNull())
    .addColumn('acting_agency_id', 'uuid')
    .addColumn('second_factor_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', c => c.notNull())
    .addColumn('last_seen_at', 'timestamptz', c => c.notNull())
    .addColumn('ip', 'text')
    .addForeignKeyConstraint('sessions_user_fk', ['authority_id', 'user_id'], 'users', ['authority_id', 'id'])
    .execute()
  await db.schema.createIndex('sessions_user_idx').on('sessions').columns(['authority_id', 'user_id']).execute()

  await db.schema
    .createTable('held_forms')
    .addColumn('id_hash', 'text', c => c.primaryKey())
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('user_id', 'uuid', c => c.notNull())
    .addColumn('url', 'text', c => c.notNull())
    .addColumn('fields', 'jsonb', c => c.notNull())
    .addColumn('created_at', 'timestamptz', c => c.notNull())
    .addColumn('expires_at', 'timestamptz', c => c.notNull())
    .addForeignKeyConstraint('held_forms_user_fk', ['authority_id', 'user_id'], 'users', ['authority_id', 'id'])
    .execute()

  await db.schema
    .createTable('account_tokens')
    .addColumn('token_hash', 'text', c => c.primaryKey())
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('user_id', 'uuid', c => c.notNull())
    .addColumn('purpose', 'text', c => c.notNull().check(sql`purpose in ('invitation', 'password_reset')`))
    .addColumn('created_at', 'timestamptz', c => c.notNull())
    .addColumn('expires_at', 'timestamptz', c => c.notNull())
    .addColumn('used_at', 'timestamptz')
    .addForeignKeyConstraint('account_tokens_user_fk', ['authority_id', 'user_id'], 'users', ['authority_id', 'id'])
    .execute()

  await db.schema
    .createTable('api_tokens')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('user_id', 'uuid', c => c.notNull())
    .addColumn('name', 'text', c => c.notNull())
    .addColumn('token_hash', 'text', c => c.notNull().unique())
    .addColumn('prefix', 'text', c => c.notNull())
    .addColumn('created_at', 'timestamptz', c => c.notNull())
    .addColumn('last_used_at', 'timestamptz')
    .addColumn('revoked_at', 'timestamptz')
    .addPrimaryKeyConstraint('api_tokens_pk', ['authority_id', 'id'])
    .addForeignKeyConstraint('api_tokens_user_fk', ['authority_id', 'user_id'], 'users', ['authority_id', 'id'])
    .execute()

  await db.schema
    .createTable('outbox')
    .addColumn('id', 'uuid', c => c.primaryKey())
    .addColumn('authority_id', 'uuid')
    .addColumn('recipient', 'text', c => c.notNull())
    .addColumn('subject', 'text', c => c.notNull())
    .addColumn('body_text', 'text', c => c.notNull())
    .addColumn('status', 'text', c => c.notNull().check(sql`status in ('pending', 'sending', 'sent', 'held', 'failed')`))
    .addColumn('attempts', 'integer', c => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'timestamptz', c => c.notNull())
    .addColumn('claimed_until', 'timestamptz')
    .addColumn('last_error', 'text')
    .addColumn('message_id', 'text', c => c.notNull())
    .addColumn('created_at', 'timestamptz', c => c.notNull())
    .addColumn('sent_at', 'timestamptz')
    .execute()
  await db.schema.createIndex('outbox_due_idx').on('outbox').columns(['status', 'next_attempt_at']).execute()
  await db.schema.createIndex('outbox_authority_idx').on('outbox').columns(['authority_id', 'created_at']).execute()

  await db.schema
    .createTable('audit_events')
    .addColumn('authority_id', 'uuid', c => c.notNull())
    .addColumn('id', 'uuid', c => c.notNull())
    .addColumn('at', 'timestamptz', c => c.notNull())
    .addColumn('actor_kind', 'text', c => c.notNull())
    .addColumn('actor_user_id', 'uuid')
    .addColumn('actor_agency_id', 'uuid')
    .addColumn('action', 'text', c => c.notNull())
    .addColumn('outcome', 'text', c => c.notNull().check(sql`outcome in ('allowed', 'denied')`))
    .addColumn('record_type', 'text')
    .addColumn('record_id', 'text')
    .addColumn('purpose', 'text')
    .addColumn('ip', 'text')
    .addColumn('request_id', 'text')
    .addColumn('details', 'jsonb', c => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addPrimaryKeyConstraint('audit_events_pk', ['authority_id', 'id'])
    .execute()
  await db.schema.createIndex('audit_events_at_idx').on('audit_events').columns(['authority_id', 'at']).execute()
  await db.schema
    .createIndex('audit_events_record_idx')
    .on('audit_events')
    .columns(['authority_id', 'record_type', 'record_id'])
    .execute()
  await db.schema.createIndex('audit_events_actor_idx').on('audit_events').columns(['authority_id', 'actor_user_id']).execute()

  // Audit is append-only: the run-time role may only read and add, and a trigger refuses changes from anyone.
  await sql`revoke update, delete, truncate on audit_events from onestory_app`.execute(db)
  await sql`
    create function audit_events_are_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_events is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
    end $$`.execute(db)
  await sql`
    create trigger audit_events_no_update_or_delete before update or delete on audit_events
    for each row execute function audit_events_are_append_only()`.execute(db)
  await sql`
    create trigger audit_events_no_truncate before truncate on audit_events
    for each statement execute function audit_events_are_append_only()`.execute(db)
}

export async function down(): Promise<void> {
  throw new Error('The core migration cannot be reversed: restore from a backup instead.')
}
