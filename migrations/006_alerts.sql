-- Alerts outbox, and what break-glass review and grants need beyond 002.
--
-- An alert row is inserted in the SAME transaction as the break-glass, self-claim or grant it is
-- about (and its audit event), so an alert can never be lost between commit and delivery: the
-- delivery worker (src/alerts/worker.ts) claims due rows with FOR UPDATE SKIP LOCKED, leases them by
-- moving next_attempt_at forward, POSTs them to every configured webhook and records the outcome.
-- delivered_to lists the webhooks that already accepted it, so a retry only goes to the others.

create table alerts (
  id               text primary key,
  kind             text not null check (kind in ('break-glass', 'self-claim', 'grant', 'grant-revoke')),
  child            text,
  -- id of the break-glass, relationship or grant the alert is about
  ref              text not null,
  payload          jsonb not null,
  recipients       text[] not null,
  status           text not null default 'pending' check (status in ('pending', 'delivered', 'dead')),
  attempts         int not null default 0,
  next_attempt_at  timestamptz not null,
  delivered_to     text[] not null default '{}',
  last_error       text,
  created_at       timestamptz not null,
  delivered_at     timestamptz
);
create index alerts_due on alerts (next_attempt_at) where status = 'pending';
create index alerts_created on alerts (created_at desc);
create index alerts_status on alerts (status, created_at desc);

-- Break-glass: whether the NHS number was known when declared (the caller is never told), how many
-- earlier break-glass of the same user were still unreviewed (a further one is flagged), the
-- duration asked for, and the request that declared it.
alter table break_glass
  add column child_known       boolean not null default true,
  add column prior_unreviewed  int not null default 0,
  add column duration_minutes  int,
  add column request_id        text;
create index break_glass_started on break_glass (started_at);
create index break_glass_user_review on break_glass (user_id, review_status);

-- The service role, where it exists, reads and writes the outbox (rows change state; none are deleted).
do $$
begin
  if exists (select 1 from pg_roles where rolname = 'ntk_app') then
    grant select, insert, update on alerts to ntk_app;
  end if;
end $$;
