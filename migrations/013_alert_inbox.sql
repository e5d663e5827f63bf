-- The alert inbox: every alert is listed and acknowledged in the service itself, webhooks or not.
-- Monitoring cases raise alerts too. An acknowledgement is recorded once (who, when, a note).
alter table alerts drop constraint if exists alerts_kind_check;
alter table alerts add constraint alerts_kind_check check (kind in ('break-glass', 'self-claim', 'grant', 'grant-revoke', 'monitoring'));
alter table alerts
  add column acknowledged_at   timestamptz,
  add column acknowledged_by   text,
  add column acknowledge_note  text;
create index alerts_unacknowledged on alerts (created_at desc) where acknowledged_at is null;
