-- Facts that integration feeds keep current: organisations, teams, staff, children, relationships.
-- Names and postcodes of children and staff are stored only as keyed hashes (HMAC-SHA256 with NTK_HASH_KEY).

create table orgs (
  code        text primary key,
  name        text not null,
  kind        text not null check (kind in ('gp-practice', 'trust', 'local-authority', 'school', 'other')),
  area        text,
  updated_at  timestamptz not null default now()
);

create table teams (
  id          text primary key,
  name        text not null,
  org_code    text not null,
  kind        text not null,
  area        text not null,
  schools     text[] not null default '{}',
  updated_at  timestamptz not null default now()
);
create index teams_schools on teams using gin (schools);

create table users (
  id                text primary key,
  name              text not null,
  org_code          text not null,
  family_name_hash  text,
  postcode_hash     text,
  updated_at        timestamptz not null default now()
);

create table user_teams (
  user_id  text not null references users (id),
  team_id  text not null,
  primary key (user_id, team_id)
);
create index user_teams_team on user_teams (team_id);

create table children (
  nhs_number        text primary key check (nhs_number ~ '^[0-9]{10}$'),
  date_of_birth     date not null,
  area              text not null,
  gp_practice       text,
  school            text,
  family_name_hash  text,
  postcode_hash     text,
  sealed            boolean not null default false,
  restricted        boolean not null default false,
  labels            jsonb not null default '{}',
  consent_withheld  text[] not null default '{}',
  updated_at        timestamptz not null default now()
);
create index children_gp on children (gp_practice);
create index children_school on children (school);

-- A relationship ties a subject ('user:<id>', 'team:<id>', 'org:<code>', 'school:<urn>') to a child.
-- Rows are never deleted: ending one sets valid_to and ended_at, so the history stays.
create table relationships (
  id          text primary key,
  child       text not null,
  subject     text not null,
  type        text not null,
  valid_from  timestamptz not null,
  valid_to    timestamptz,
  source      text not null,
  reason      text,
  created_at  timestamptz not null default now(),
  created_by  text,
  ended_at    timestamptz,
  ended_by    text
);
create index relationships_child on relationships (child, subject);
create index relationships_subject on relationships (subject, child);

-- Every fact write appends here in the same transaction; its seq is the consistency token.
create table fact_changes (
  seq    bigserial primary key,
  at     timestamptz not null default now(),
  kind   text not null,
  key    text not null
);
