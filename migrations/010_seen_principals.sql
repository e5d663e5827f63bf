-- Users first seen in an access token (issuer-scoped id) with the organisation, role code, activities
-- and workgroups their token named, so that "who can see this child" (exposure) and a user's reach
-- include staff that no feed has sent yet, exactly as authorise would decide for them.
-- One row per user; a new combination of claims replaces the old one (last_seen moves on every change).
create table seen_principals (
  user_id     text primary key,
  issuer      text not null,
  org_code    text not null,
  role_code   text not null,
  activities  text[] not null default '{}',
  workgroups  text[] not null default '{}',
  first_seen  timestamptz not null,
  last_seen   timestamptz not null
);
create index seen_principals_workgroups on seen_principals using gin (workgroups);
create index seen_principals_org on seen_principals (org_code);
