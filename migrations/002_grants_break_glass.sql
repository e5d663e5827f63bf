-- Time-boxed grants by safeguarding leads, and break-glass declarations.
-- Expiry is judged at decision time by the server's clock: no background job is needed for correctness.

create table grants (
  id             text primary key,
  child          text not null,
  grantee        text not null,
  sections       text[] not null,
  purpose        text not null,
  reason         text not null,
  granted_by     text not null,
  granted_at     timestamptz not null default now(),
  expires_at     timestamptz not null,
  revoked_at     timestamptz,
  revoked_by     text,
  revoke_reason  text
);
create index grants_child on grants (child, grantee);
create index grants_grantee on grants (grantee, expires_at);

create table break_glass (
  id             text primary key,
  child          text not null,
  user_id        text not null,
  role           text not null,
  org_code       text not null,
  reason_code    text not null,
  reason         text not null,
  started_at     timestamptz not null default now(),
  expires_at     timestamptz not null,
  review_status  text not null default 'pending-review',
  reviewed_by    text,
  reviewed_at    timestamptz,
  outcome        text,
  notes          text
);
create index break_glass_user_child on break_glass (user_id, child, expires_at);
create index break_glass_review on break_glass (review_status, started_at);
