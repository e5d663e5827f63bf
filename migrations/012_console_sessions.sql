-- Console sessions, kept server-side: the browser holds only a random id; the row holds its SHA-256
-- (a copy of this table gives no usable cookie). A row without claims is a sign-in in progress (its
-- CSRF token, and for OpenID Connect the state, nonce and PKCE verifier). Idle and absolute timeouts
-- are checked on every use (src/console/sessions.ts); expired rows are deleted as they are met.
create table console_sessions (
  id_hash      text primary key,
  claims       jsonb,
  pending      jsonb,
  csrf         text not null,
  created_at   timestamptz not null,
  last_seen_at timestamptz not null,
  expires_at   timestamptz not null
);
create index console_sessions_expires on console_sessions (expires_at);
-- The service role works on it like any other table (see 007_service_role.sql).
do $$
begin
  execute format('grant select, insert, update, delete on %I.console_sessions to ntk_app', current_schema());
end $$;
