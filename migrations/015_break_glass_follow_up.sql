-- A break-glass reviewed with the outcome 'follow-up' opens a follow-up (what is to be done), which an
-- IG officer later closes with an outcome and a note. review_status keeps its two values, so the
-- review queue and its contract are unchanged; follow_up_status is null for every other outcome.
alter table break_glass
  add column follow_up            text,
  add column follow_up_status     text check (follow_up_status in ('open', 'closed')),
  add column follow_up_outcome    text,
  add column follow_up_note       text,
  add column follow_up_closed_by  text,
  add column follow_up_closed_at  timestamptz;
-- Reviews recorded before this migration with the outcome 'follow-up' are open follow-ups.
update break_glass set follow_up_status = 'open', follow_up = notes where outcome = 'follow-up' and follow_up_status is null;
create index break_glass_follow_up on break_glass (follow_up_status, started_at) where follow_up_status is not null;
