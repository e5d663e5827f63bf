-- The audit trail. Append-only: triggers reject UPDATE, DELETE and TRUNCATE for every role,
-- and the service role (ntk_app, see 004) holds only SELECT and INSERT.
-- Tamper evidence does not rest on this: see src/audit/ (RFC 9162 Merkle tree, signed checkpoints)
-- and the independent verifier in audit/.
--
-- seq is assigned under the lock of the single audit_head row, in the same transaction as the
-- insert, so sequence numbers are gap-free across every process sharing one database.
-- body is the event's canonical JSON (RFC 8785); leaf_hash = SHA-256(0x00 || body).

create table audit_head (
  id        int primary key check (id = 1),
  tree_size bigint not null
);
insert into audit_head (id, tree_size) values (1, 0);

create table audit_events (
  seq             bigint not null,
  id              text not null,
  ts              timestamptz not null,
  kind            text not null,
  actor           text,
  actor_org       text,
  child           text,
  section         text,
  decision        text,
  break_glass     boolean not null default false,
  request_id      text,
  body            text not null,
  leaf_hash       bytea not null
) partition by range (ts);
create table audit_events_default partition of audit_events default;

create index audit_events_seq on audit_events (seq);
create index audit_events_id on audit_events (id);
create index audit_events_child on audit_events (child, ts desc, seq desc);
create index audit_events_actor on audit_events (actor, ts desc, seq desc);
create index audit_events_ts on audit_events (ts desc, seq desc);

create function audit_events_reject() returns trigger language plpgsql as $$
begin
  raise exception 'audit_events is append-only' using errcode = '42501';
end $$;
create trigger audit_events_no_update before update or delete on audit_events
  for each row execute function audit_events_reject();
create trigger audit_events_no_truncate before truncate on audit_events
  for each statement execute function audit_events_reject();
