-- A form posted after its session ended is kept (server-side, never in a URL or the browser) with the
-- sign-in that follows, and offered back to the same user once signed in (src/console/resume.ts).
alter table console_sessions add column resume jsonb;
