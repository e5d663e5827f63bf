-- The service's own database role. Migrations run as the connecting (owner) role; the service then
-- does SET ROLE ntk_app for its work (see src/store/*.ts assumeRole), so a bug or an injection in the
-- service cannot rewrite history: ntk_app may read and insert on the audit tables but never update,
-- delete or truncate them (the triggers of 003 reject those for every role, owner included).
-- Tables added by later migrations get ntk_app's privileges from the default privileges below;
-- an append-only table must revoke update, delete and truncate again in its own migration.
do $$
declare
  s text := current_schema();
  t record;
begin
  if not exists (select 1 from pg_roles where rolname = 'ntk_app') then
    begin
      create role ntk_app nologin;
    exception when duplicate_object or unique_violation then null;  -- created concurrently by another database
    end;
  end if;
  execute format('grant ntk_app to %I', current_user);
  execute format('grant usage on schema %I to ntk_app', s);
  execute format('grant select, insert, update, delete on all tables in schema %I to ntk_app', s);
  execute format('grant usage, select on all sequences in schema %I to ntk_app', s);
  execute format('alter default privileges in schema %I grant select, insert, update, delete on tables to ntk_app', s);
  execute format('alter default privileges in schema %I grant usage, select on sequences to ntk_app', s);
  for t in select tablename from pg_tables where schemaname = s and tablename like 'audit\_%' and tablename <> 'audit_head' loop
    execute format('revoke update, delete, truncate on %I.%I from ntk_app', s, t.tablename);
  end loop;
end $$;
