-- Privacy monitoring (src/monitoring/): detectors read the trail behind a cursor and open cases.
--
-- monitoring_cursor: the next trail seq the detectors will read. It is advanced in the SAME transaction
-- as the cases opened from the events before it (and under pg_try_advisory_xact_lock, one runner at a
-- time), so a crash neither loses a finding nor opens one twice.
-- monitoring_cases: one per (rule, user, child, day) at most; child is null for rules about a user's
-- day (volume, probing, out-of-hours, break-glass-rate). Every change of a case is audited (kind
-- 'monitoring-case'), and those events are never read back by the detectors (they read decisions only).
-- monitoring_reads / monitoring_user_days: the distinct children each user read each day, and the daily
-- counts the volume and break-glass-rate baselines are drawn from (days are Europe/London dates).
-- monitoring_deferred: checks that can only be made later (a self-claim is unconfirmed only once its
-- confirmation window has passed).

create table monitoring_cursor (
  id          int primary key check (id = 1),
  seq         bigint not null,
  updated_at  timestamptz not null default now()
);
insert into monitoring_cursor (id, seq) values (1, 0);

create table monitoring_cases (
  id           text primary key,
  rule         text not null,
  severity     text not null check (severity in ('low', 'medium', 'high')),
  status       text not null default 'open' check (status in ('open', 'assigned', 'closed')),
  user_id      text not null,
  user_org     text,
  child        text,
  child_area   text,
  day          date not null,
  explanation  text not null,
  evidence     text[] not null,
  opened_at    timestamptz not null,
  assignee     text,
  outcome      text check (outcome in ('appropriate', 'inappropriate', 'referred')),
  closed_at    timestamptz,
  updated_at   timestamptz not null
);
create unique index monitoring_cases_once on monitoring_cases (rule, user_id, (coalesce(child, '')), day);
create index monitoring_cases_opened on monitoring_cases (opened_at desc, id desc);
create index monitoring_cases_user on monitoring_cases (user_id, opened_at desc);
create index monitoring_cases_child on monitoring_cases (child, opened_at desc);

create table monitoring_case_notes (
  id       bigserial primary key,
  case_id  text not null references monitoring_cases (id),
  author   text not null,
  text     text not null,
  at       timestamptz not null
);
create index monitoring_case_notes_case on monitoring_case_notes (case_id, id);

create table monitoring_reads (
  user_id      text not null,
  day          date not null,
  child        text not null,
  break_glass  boolean not null,
  primary key (user_id, day, child, break_glass)
);

create table monitoring_user_days (
  user_id      text not null,
  day          date not null,
  peer_group   text not null,
  children     int not null default 0,
  break_glass  int not null default 0,
  primary key (user_id, day)
);
create index monitoring_user_days_peers on monitoring_user_days (peer_group, day);

create table monitoring_deferred (
  id        bigserial primary key,
  rule      text not null,
  user_id   text not null,
  child     text not null,
  day       date not null,
  due_at    timestamptz not null,
  evidence  text[] not null,
  detail    jsonb not null default '{}'
);
create index monitoring_deferred_due on monitoring_deferred (due_at);

-- Household and neighbour matching look staff up by the keyed hashes of their family name and postcode.
create index users_household on users (postcode_hash, family_name_hash) where postcode_hash is not null;
create index children_household on children (postcode_hash, family_name_hash) where postcode_hash is not null;

-- The service role, where it exists, works the cases and keeps the detectors' state.
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'ntk_app') then
    grant select, insert, update on monitoring_cursor, monitoring_cases to ntk_app;
    grant select, insert on monitoring_case_notes to ntk_app;
    grant select, insert, update, delete on monitoring_reads, monitoring_user_days, monitoring_deferred to ntk_app;
    grant usage, select on sequence monitoring_case_notes_id_seq, monitoring_deferred_id_seq to ntk_app;
    -- Cases change state but are never deleted; notes are never changed.
    revoke delete, truncate on monitoring_cursor, monitoring_cases from ntk_app;
    revoke update, delete, truncate on monitoring_case_notes from ntk_app;
  end if;
end $$;
