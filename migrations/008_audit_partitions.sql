-- Monthly partitions of the audit trail, so whole months can be retired after they are exported and
-- covered by a signed checkpoint (see docs/audit-trail.md). The service calls this function at start
-- and daily for this month and the next; it runs with its owner's rights (SECURITY DEFINER) because
-- the service role may not create tables. A month whose rows already sit in the default partition is
-- left there (creating its partition would fail); nothing is ever moved or rewritten.
create function ntk_audit_ensure_partition(month date) returns text
language plpgsql security definer set search_path from current as $$
declare
  first date := date_trunc('month', month)::date;
  name text := format('audit_events_%s', to_char(first, 'YYYY_MM'));
begin
  if to_regclass(name) is not null then
    return name;
  end if;
  if exists (select 1 from audit_events_default where ts >= first and ts < (first + interval '1 month')) then
    return null;
  end if;
  execute format('create table %I partition of audit_events for values from (%L) to (%L)', name, first, (first + interval '1 month')::date);
  execute format('create trigger audit_events_no_truncate before truncate on %I for each statement execute function audit_events_reject()', name);
  execute format('revoke update, delete, truncate on %I from ntk_app', name);
  execute format('grant select, insert on %I to ntk_app', name);
  return name;
end $$;
revoke all on function ntk_audit_ensure_partition(date) from public;
grant execute on function ntk_audit_ensure_partition(date) to ntk_app;

create trigger audit_events_default_no_truncate before truncate on audit_events_default
  for each statement execute function audit_events_reject();
