-- Pruning of the monitoring's per-day state (src/monitoring/prune.ts): monitoring_reads and
-- monitoring_user_days keep only the days the detectors can still read (policies/monitoring.json
-- retention.days). The runner prunes at most once per local day, inside its round (under the one-runner
-- lock); this row says which day was last pruned and up to which day, so a second runner or a restart
-- the same day does not prune again. Cases, notes and the trail are never pruned.

create table monitoring_prune (
  id          int primary key check (id = 1),
  -- The local day of the last prune, and the first day it kept.
  day         date,
  kept_from   date,
  pruned_at   timestamptz
);
insert into monitoring_prune (id) values (1);

do $$
begin
  if exists (select 1 from pg_roles where rolname = 'ntk_app') then
    -- The one row is updated, never deleted (as the cursor).
    grant select, update on monitoring_prune to ntk_app;
    revoke insert, delete, truncate on monitoring_prune from ntk_app;
  end if;
end $$;
