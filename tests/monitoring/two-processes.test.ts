/**
 * Two real monitoring processes on one PostgreSQL database (the service scaled to two instances): the
 * one-runner advisory lock must make them share the trail, never process it twice. A simulated month with
 * labelled misuse (bench/monitoring/simulate.ts) is written first; then two Node processes
 * (two-processes.child.ts) run MonitoringRunner rounds concurrently until the trail is read. Every case is
 * opened once, with one `monitoring-case` trail event and one alert, and the cursor ends at the head.
 * PostgreSQL only: PGlite is embedded in one process, so two processes cannot open the same database.
 * No timing: the test waits for the processes' own signals, with generous bounds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresUrl } from '../support/stores.ts';
import { openPostgres } from '../../src/store/postgres.ts';
import { migrate } from '../../src/store/migrate.ts';
import type { Store } from '../../src/store/store.ts';
import { simulate, type Simulation } from '../../bench/monitoring/simulate.ts';

interface Tally { ran: number; refused: number; events: number; opened: number }
const CHILD = fileURLToPath(new URL('./two-processes.child.ts', import.meta.url));
const BOUND_MS = 300_000;

/**
 * A fresh database, not only a schema: the runner's advisory lock is per database, so a runner of another
 * test file working in another schema of the shared test database would otherwise take turns with ours.
 */
async function freshDatabase(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `ntk_2p_${randomBytes(5).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`create database ${name}`);
  const u = new URL(url);
  u.pathname = `/${name}`;
  return { url: u.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

/** Resolves with the first line `match` accepts, or rejects when the process exits first or the bound passes. */
function lineFrom(p: ChildProcess, match: (line: string) => boolean, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: p.stdout! });
    const timer = setTimeout(() => reject(new Error(`no ${what} within ${BOUND_MS / 1000} s`)), BOUND_MS);
    const done = (f: () => void) => {
      clearTimeout(timer);
      lines.close();
      p.off('exit', onExit);
      f();
    };
    const onExit = (code: number | null) => done(() => reject(new Error(`exited (${code}) before ${what}`)));
    lines.on('line', (l) => match(l) && done(() => resolve(l)));
    p.on('exit', onExit);
  });
}

describe.skipIf(!postgresUrl)('two monitoring processes on one database (PostgreSQL only: PGlite is embedded and cannot be opened by two processes; set NTK_TEST_DATABASE_URL)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let store: Store;
  let sim: Simulation;
  const procs: ChildProcess[] = [];
  const stderr: string[] = ['', ''];
  let tallies: Tally[] = [];

  beforeAll(async () => {
    db = await freshDatabase(postgresUrl!);
    store = await openPostgres({ connectionString: db.url, max: 4 });
    await migrate(store);
    sim = await simulate(store, { seed: 20260214, children: 1_000, perKind: 1 });
    await store.query('analyze');
    const env = { ...process.env, NTK_2P_URL: db.url, NTK_2P_NOW: String(sim.now.getTime()), NTK_2P_BATCH: '250' };
    for (let i = 0; i < 2; i++) {
      const p = spawn(process.execPath, ['--import', 'tsx', CHILD], { env, stdio: ['pipe', 'pipe', 'pipe'] });
      p.stderr!.on('data', (b: Buffer) => (stderr[i] += b.toString()));
      procs.push(p);
    }
    await Promise.all(procs.map((p) => lineFrom(p, (l) => l === 'ready', 'ready')));
    const finished = procs.map((p) => lineFrom(p, (l) => l.startsWith('{'), 'tally'));
    for (const p of procs) p.stdin!.end('go\n');
    try {
      tallies = (await Promise.all(finished)).map((l) => JSON.parse(l) as Tally);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${stderr.join('\n')}`, { cause: err });
    }
  }, BOUND_MS + 120_000);

  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null) p.kill();
    await store?.close();
    await db?.drop();
  });

  it('both processes worked: each ran rounds, and they took turns (one was refused the lock, or both read events)', () => {
    expect(tallies.map((t) => t.ran > 0)).toEqual([true, true]);
    expect(tallies.some((t) => t.refused > 0) || tallies.every((t) => t.events > 0)).toBe(true);
  });

  it('read the trail once between them, to its head', async () => {
    const { rows } = await store.query<{ cursor: string; head: string }>(
      'select (select seq from monitoring_cursor) as cursor, (select tree_size from audit_head) as head');
    expect(Number(rows[0].cursor)).toBe(Number(rows[0].head));
    // Each event was read by exactly one process: their counts add up to the trail as it stood.
    expect(tallies[0].events + tallies[1].events).toBe(Number(rows[0].head));
  });

  it('opened every injected case once, each with one monitoring-case trail event and one alert', async () => {
    const cases = (await store.query<{ id: string; rule: string; user_id: string; child: string | null; day: string }>(
      'select id, rule, user_id, child, day::text as day from monitoring_cases')).rows;
    expect(tallies[0].opened + tallies[1].opened).toBe(cases.length);
    for (const l of sim.labels) {
      const found = cases.filter((c) => c.rule === l.rule && c.user_id === l.user && c.child === (l.child ?? null) && l.days.includes(c.day));
      expect(found.length, `${l.rule} by ${l.user}`).toBeGreaterThanOrEqual(1);
      expect(new Set(found.map((c) => c.day)).size, `${l.rule} by ${l.user}: one case a day`).toBe(found.length);
    }
    const events = (await store.query<{ case_id: string; n: number }>(
      `select body::jsonb -> 'details' ->> 'caseId' as case_id, count(*)::int as n from audit_events
        where kind = 'monitoring-case' and body::jsonb -> 'details' ->> 'action' = 'open' group by 1`)).rows;
    expect(new Map(events.map((e) => [e.case_id, e.n]))).toEqual(new Map(cases.map((c) => [c.id, 1])));
    const alerts = (await store.query<{ ref: string; n: number }>(
      `select ref, count(*)::int as n from alerts where kind = 'monitoring' group by ref`)).rows;
    expect(new Map(alerts.map((a) => [a.ref, a.n]))).toEqual(new Map(cases.map((c) => [c.id, 1])));
  });

  it('counted each user-day once: the day counts match the distinct reads recorded', async () => {
    const { rows } = await store.query<{ counted: number; read: number }>(
      `select (select coalesce(sum(children), 0)::int from monitoring_user_days) as counted,
              (select count(*)::int from monitoring_reads where not break_glass) as read`);
    expect(rows[0].counted).toBe(rows[0].read);
    expect(rows[0].read).toBeGreaterThan(1_000);
  });
});
