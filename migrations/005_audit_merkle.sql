-- The audit trail's Merkle tree (RFC 9162) and its signed checkpoints. Both append-only, like 003.
--
-- audit_merkle_nodes holds the hash of every complete subtree: (level, idx) covers leaves
-- [idx * 2^level, (idx + 1) * 2^level); level 0 are the leaf hashes. About two rows per event.
-- The root, inclusion and consistency proofs for any tree size are folds of O(log n) of these rows
-- (src/audit/tree.ts). Rows are written by the AuditLog append hook in the same transaction as the
-- events, under the audit_head row lock, so they are written once, in order, by one writer at a time.
--
-- audit_checkpoints: one signed C2SP checkpoint note per tree size (src/audit/checkpoint.ts);
-- the primary key is what stops two processes from signing two notes for one size.

create table audit_merkle_nodes (
  level smallint not null check (level between 0 and 63),
  idx   bigint   not null check (idx >= 0),
  hash  bytea    not null check (length(hash) = 32),
  primary key (level, idx)
);

create table audit_checkpoints (
  tree_size bigint primary key check (tree_size >= 0),
  root_hash bytea not null check (length(root_hash) = 32),
  ts        timestamptz not null,
  note      text not null
);

create function audit_append_only_reject() returns trigger language plpgsql as $$
begin
  raise exception '% is append-only', tg_table_name using errcode = '42501';
end $$;

create trigger audit_merkle_nodes_no_update before update or delete on audit_merkle_nodes
  for each row execute function audit_append_only_reject();
create trigger audit_merkle_nodes_no_truncate before truncate on audit_merkle_nodes
  for each statement execute function audit_append_only_reject();
create trigger audit_checkpoints_no_update before update or delete on audit_checkpoints
  for each row execute function audit_append_only_reject();
create trigger audit_checkpoints_no_truncate before truncate on audit_checkpoints
  for each statement execute function audit_append_only_reject();

-- The service role, where it exists, may read and append only.
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'ntk_app') then
    grant select, insert on audit_merkle_nodes, audit_checkpoints to ntk_app;
  end if;
end $$;
