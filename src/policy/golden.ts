/**
 * Golden decision cases (policies/tests/*.json): facts, a request and the expected decision per
 * section. Each case is seeded into the store inside a transaction, gathered with the same query as
 * authorise, decided, and rolled back, so the cases exercise the SQL as well as the rules, on any store.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Queryable, Store } from '../store/store.ts';
import { gatherFacts } from '../facts/gather.ts';
import { decide, type SectionDecision } from './decide.ts';
import { policiesDir, type Policy } from './policy.ts';
import type { Principal } from '../identity/principal.ts';

export interface GoldenCase {
  name: string;
  role: string;
  now?: string;
  user?: string;
  org?: string;
  activities?: string[];
  teams?: { id: string; kind: string; schools?: string[] }[];
  /** null: the NHS number is unknown. */
  child?: Record<string, unknown> | null;
  /** [subject, type, validFrom, validTo|null] */
  relationships?: [string, string, string, string | null][];
  grants?: { grantee: string; sections: string[]; purpose: string; expiresAt: string; revokedAt?: string }[];
  breakGlass?: { id: string; user?: string; startedAt: string; expiresAt: string }[];
  sections: string[];
  purpose: string;
  breakGlassId?: string;
  /** section → "permit:<basis>[+<basis>]" or "deny:<PRECISE_CODE>" */
  expect: Record<string, string>;
  obligations?: Record<string, string[]>;
}

export interface GoldenFile {
  defaults: Partial<GoldenCase>;
  cases: GoldenCase[];
}

export interface CaseResult {
  file: string;
  case: GoldenCase;
  decisions: SectionDecision[];
  failures: string[];
  /** Rules (joined by ', ') that permitted one of the bases. */
  rulesUsed: string[];
}

const CHILD = '9990000018';

/** Bases are a set: relationships first in name order, then grants, break-glass, overrides. */
const rank = (n: string) => (n.startsWith('override:') ? 3 : n === 'break-glass' ? 2 : n === 'grant' ? 1 : 0);
const byRank = (a: string, b: string) => rank(a) - rank(b) || a.localeCompare(b);

function basisNames(d: SectionDecision): string[] {
  return d.basis.map((b) => (b.kind === 'relationship' ? b.type : b.kind === 'override' ? `override:${b.restriction}` : b.kind)).sort(byRank);
}

function normalise(want: string | undefined): string | undefined {
  if (!want?.startsWith('permit:')) return want;
  return `permit:${want.slice(7).split('+').sort(byRank).join('+')}`;
}

export async function readGoldenFiles(dir = path.join(policiesDir, 'tests')): Promise<{ file: string; data: GoldenFile }[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  return Promise.all(names.map(async (file) => ({ file, data: JSON.parse(await readFile(path.join(dir, file), 'utf8')) as GoldenFile })));
}

class Rollback extends Error {}

export async function runCase(store: Store, policy: Policy, file: string, raw: GoldenCase, defaults: Partial<GoldenCase>): Promise<CaseResult> {
  const c = { ...defaults, ...raw } as GoldenCase;
  const childDefaults = (defaults.child ?? {}) as Record<string, unknown>;
  let result: CaseResult | undefined;
  try {
    await store.transaction(async (tx) => {
      result = await seedAndDecide(tx, policy, file, c, c.child === null ? null : { ...childDefaults, ...(raw.child ?? {}) });
      throw new Rollback();
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
  return result!;
}

async function seedAndDecide(tx: Queryable, policy: Policy, file: string, c: GoldenCase, child: Record<string, unknown> | null): Promise<CaseResult> {
  const now = new Date(c.now ?? '2026-06-15T12:00:00Z');
  const user = c.user ?? 'golden-user';
  const teams = c.teams ?? [];
  for (const t of teams) {
    await tx.query(`insert into teams (id, name, org_code, kind, area, schools) values ($1, $1, 'X', $2, 'oxfordshire', $3)`, [t.id, t.kind, t.schools ?? []]);
  }
  if (child) {
    await tx.query(
      `insert into children (nhs_number, date_of_birth, area, sealed, restricted, labels, consent_withheld) values ($1, $2, 'oxfordshire', $3, $4, $5, $6)`,
      [CHILD, child.dateOfBirth, child.sealed ?? false, child.restricted ?? false, JSON.stringify(child.labels ?? {}), child.consentWithheld ?? []],
    );
  }
  for (const [i, [subject, type, from, to]] of (c.relationships ?? []).entries()) {
    await tx.query(`insert into relationships (id, child, subject, type, valid_from, valid_to, source) values ($1, $2, $3, $4, $5, $6, 'golden')`, [`r${i}`, CHILD, subject, type, from, to]);
  }
  for (const [i, g] of (c.grants ?? []).entries()) {
    await tx.query(
      `insert into grants (id, child, grantee, sections, purpose, reason, granted_by, granted_at, expires_at, revoked_at) values ($1, $2, $3, $4, $5, 'golden', 'lead', $6, $7, $8)`,
      [`g${i}`, CHILD, g.grantee, g.sections, g.purpose, new Date(now.getTime() - 86_400_000).toISOString(), g.expiresAt, g.revokedAt ?? null],
    );
  }
  for (const b of c.breakGlass ?? []) {
    await tx.query(
      `insert into break_glass (id, child, user_id, role, org_code, reason_code, reason, started_at, expires_at) values ($1, $2, $3, $4, 'X', 'EMERGENCY_TREATMENT', 'golden', $5, $6)`,
      [b.id, CHILD, b.user ?? user, c.role, b.startedAt, b.expiresAt],
    );
  }
  const org = c.org ?? 'RNU';
  const subjects = [`user:${user}`, ...teams.map((t) => `team:${t.id}`), `org:${org}`];
  const gathered = await gatherFacts(tx, { child: CHILD, userId: user, subjects, workgroups: teams.map((t) => t.id), orgCode: org, now, lookbackDays: policy.lookbackDays });
  const principal: Principal = { userId: user, machine: false, role: c.role, orgCode: org, activities: c.activities ?? [], workgroups: teams.map((t) => t.id), teams: gathered.teams };
  const decisions = decide(principal, { sections: c.sections, action: 'read', purpose: c.purpose, breakGlassId: c.breakGlassId }, gathered.facts, policy, now);

  const failures: string[] = [];
  const rulesUsed: string[] = [];
  for (const d of decisions) {
    const got = d.decision === 'permit'
      ? `permit:${basisNames(d).join('+')}`
      : `deny:${d.precise.code}`;
    const want = normalise(c.expect[d.section]);
    if (want !== undefined && want !== got) failures.push(`${d.section}: expected ${want}, got ${got}`);
    const wantObligations = c.obligations?.[d.section];
    if (wantObligations && JSON.stringify(wantObligations) !== JSON.stringify(d.obligations)) {
      failures.push(`${d.section}: expected obligations ${JSON.stringify(wantObligations)}, got ${JSON.stringify(d.obligations)}`);
    }
    // The rules that made a permit, from the decision's own trace.
    if (d.decision === 'permit') {
      for (const check of d.trace.checks) if (check.allowed) rulesUsed.push(check.rule.join(', '));
      for (const r of d.trace.restrictions) if (r.overridden) rulesUsed.push(r.rule.join(', '));
    }
  }
  for (const s of Object.keys(c.expect)) if (!c.sections.includes(s)) failures.push(`expectation for ${s}, which the case does not request`);
  return { file, case: c, decisions, failures, rulesUsed };
}
