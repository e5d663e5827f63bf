/** Table module for console_sessions (migrations/012_console_sessions.sql): every statement on it. */
import type { Queryable } from '../store/store.ts';

export interface SessionRow {
  id_hash: string;
  claims: unknown;
  pending: unknown;
  resume: unknown;
  csrf: string;
  created_at: Date | string;
  last_seen_at: Date | string;
  expires_at: Date | string;
}

const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

export async function insertSession(db: Queryable, r: { idHash: string; claims: unknown; pending: unknown; resume: unknown; csrf: string; now: Date; expiresAt: Date }): Promise<void> {
  await db.query(
    'insert into console_sessions (id_hash, claims, pending, resume, csrf, created_at, last_seen_at, expires_at) values ($1, $2, $3, $4, $5, $6, $6, $7)',
    [r.idHash, json(r.claims), json(r.pending), json(r.resume), r.csrf, r.now, r.expiresAt],
  );
}

/** Sets (or, with undefined, clears) the form kept for after sign-in. */
export async function setResume(db: Queryable, idHash: string, resume: unknown): Promise<void> {
  await db.query('update console_sessions set resume = $2 where id_hash = $1', [idHash, json(resume)]);
}

export async function sessionById(db: Queryable, idHash: string): Promise<SessionRow | undefined> {
  return (await db.query<SessionRow>('select * from console_sessions where id_hash = $1', [idHash])).rows[0];
}

export async function touchSession(db: Queryable, idHash: string, now: Date): Promise<void> {
  await db.query('update console_sessions set last_seen_at = $2 where id_hash = $1', [idHash, now]);
}

export async function deleteSession(db: Queryable, idHash: string): Promise<void> {
  await db.query('delete from console_sessions where id_hash = $1', [idHash]);
}

/** Removes sessions past their absolute timeout or idle since `idleBefore` (the caller leaves a grace period, see sessions.ts). */
export async function deleteExpiredSessions(db: Queryable, now: Date, idleBefore: Date): Promise<void> {
  await db.query('delete from console_sessions where expires_at <= $1 or last_seen_at <= $2', [now, idleBefore]);
}
