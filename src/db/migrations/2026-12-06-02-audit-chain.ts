import { sql, type Kysely } from 'kysely'

// Issue 6 (information governance): the tamper-evident audit chain (docs/audit.md, docs/decisions/0005).
//
// Every audit event gets `seq` (1, 2, 3 … per authority) and `hash` = SHA-256 of the previous event's hash and a
// canonical encoding of every column of this event. The application never computes either: it inserts the event,
// and a deferred constraint trigger seals it at COMMIT, under a per-authority transaction-level advisory lock. So the
// chain follows commit order, the lock is held only for the commit itself (never while the transaction still works or
// waits for row locks, which could deadlock), and every path that inserts an event — the access layer, sign-in, jobs,
// a test writing a row directly — is chained the same way. The run-time role can neither set nor change seq/hash:
// a BEFORE INSERT trigger clears them, and sealing is a SECURITY DEFINER function owned by the migration's role.
//
// The canonical encoding (mirrored in src/audit/audit-chain.ts, which verifies it independently): each column as text,
// written `<length in characters>:<text>`, or `-` when null, joined with `|` in the fixed order below; the hash input
// is `<previous hash>|<encoding>`, the previous hash of the first event being 64 zeros.

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter table audit_events add column seq bigint, add column hash text, add column actor_roles text[]`.execute(db)
  await sql`create unique index audit_events_chain_idx on audit_events (authority_id, seq) where seq is not null`.execute(db)

  await sql`
    create function audit_chain_field(value text) returns text language sql immutable as $$
      select case when value is null then '-' else char_length(value)::text || ':' || value end
    $$`.execute(db)

  await sql`
    create function audit_chain_encoding(e audit_events) returns text language sql stable as $$
      select concat_ws('|',
        audit_chain_field(e.authority_id::text),
        audit_chain_field(e.id::text),
        audit_chain_field(e.seq::text),
        audit_chain_field(to_char(e.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')),
        audit_chain_field(e.actor_kind),
        audit_chain_field(e.actor_user_id::text),
        audit_chain_field(e.actor_agency_id::text),
        audit_chain_field(e.actor_family_account_id::text),
        audit_chain_field(e.actor_roles::text),
        audit_chain_field(e.action),
        audit_chain_field(e.outcome),
        audit_chain_field(e.record_type),
        audit_chain_field(e.record_id),
        audit_chain_field(e.episode_id::text),
        audit_chain_field(e.purpose),
        audit_chain_field(e.ip),
        audit_chain_field(e.request_id),
        audit_chain_field(e.details::text))
    $$`.execute(db)

  // Seals one event: the next seq and the hash chained to the authority's last sealed event.
  await sql`
    create function audit_chain_seal(p_authority_id uuid, p_id uuid) returns void
    language plpgsql security definer set search_path = public, pg_temp as $$
    declare
      last_seq bigint;
      last_hash text;
      event audit_events;
    begin
      perform pg_advisory_xact_lock(hashtextextended('onestory.audit_events:' || p_authority_id::text, 0));
      select seq, hash into last_seq, last_hash from audit_events
        where authority_id = p_authority_id and seq is not null order by seq desc limit 1;
      select * into event from audit_events where authority_id = p_authority_id and id = p_id;
      if not found or event.seq is not null then return; end if;
      event.seq := coalesce(last_seq, 0) + 1;
      event.hash := encode(sha256(convert_to(coalesce(last_hash, repeat('0', 64)) || '|' || audit_chain_encoding(event), 'UTF8')), 'hex');
      update audit_events set seq = event.seq, hash = event.hash where authority_id = p_authority_id and id = p_id;
    end $$`.execute(db)
  await sql`revoke all on function audit_chain_seal(uuid, uuid) from public`.execute(db)

  await sql`
    create function audit_events_seal_at_commit() returns trigger
    language plpgsql security definer set search_path = public, pg_temp as $$
    begin
      perform audit_chain_seal(new.authority_id, new.id);
      return null;
    end $$`.execute(db)
  await sql`
    create constraint trigger audit_events_chain after insert on audit_events
    deferrable initially deferred for each row execute function audit_events_seal_at_commit()`.execute(db)

  await sql`
    create function audit_events_unsealed_on_insert() returns trigger language plpgsql as $$
    begin
      -- A restore of an authority export (src/db/backup.ts, as the owner, never the application role) keeps each
      -- event's seq and hash as they were, so the restored chain verifies against the original.
      if current_setting('onestory.audit_restore', true) = 'on' and current_user <> 'onestory_app' and new.seq is not null then
        return new;
      end if;
      new.seq := null;
      new.hash := null;
      return new;
    end $$`.execute(db)
  await sql`
    create trigger audit_events_clear_chain before insert on audit_events
    for each row execute function audit_events_unsealed_on_insert()`.execute(db)

  // Still append-only: the one change allowed is sealing (seq and hash from empty to set, nothing else different).
  await sql`
    create or replace function audit_events_are_append_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE' and old.seq is null and old.hash is null and new.seq is not null and new.hash is not null
         and (to_jsonb(new) - 'seq' - 'hash') = (to_jsonb(old) - 'seq' - 'hash') then
        return new;
      end if;
      raise exception 'audit_events is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
    end $$`.execute(db)

  // Events written before the chain existed are sealed now, oldest first.
  await sql`
    do $$
    declare e record;
    begin
      for e in select authority_id, id from audit_events where seq is null order by authority_id, at, id loop
        perform audit_chain_seal(e.authority_id, e.id);
      end loop;
    end $$`.execute(db)
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function audit_events_are_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'audit_events is append-only: % refused', tg_op using errcode = 'insufficient_privilege';
    end $$`.execute(db)
  await sql`drop trigger audit_events_clear_chain on audit_events`.execute(db)
  await sql`drop function audit_events_unsealed_on_insert()`.execute(db)
  await sql`drop trigger audit_events_chain on audit_events`.execute(db)
  await sql`drop function audit_events_seal_at_commit()`.execute(db)
  await sql`drop function audit_chain_seal(uuid, uuid)`.execute(db)
  await sql`drop function audit_chain_encoding(audit_events)`.execute(db)
  await sql`drop function audit_chain_field(text)`.execute(db)
  await sql`drop index audit_events_chain_idx`.execute(db)
  await sql`alter table audit_events drop column seq, drop column hash, drop column actor_roles`.execute(db)
}
