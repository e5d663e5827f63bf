/**
 * The named scenarios, shared by the in-process and HTTP runs. A scenario makes one call at a time (a
 * request body, who sends it, and the decision expected for every section); `check` compares an answer
 * with the expectation, so every run verifies every answer it counts.
 */
import type { AuthoriseRequest } from '../src/authorise/request.ts';
import type { Fixture } from './fixtures.ts';

export type ActorKey = 'healthVisitor' | 'clinician';

export interface Expect {
  decision: 'permit' | 'deny';
  /** A basis of this kind must be given (permits). */
  basis?: 'relationship' | 'grant' | 'break-glass';
  obligation?: string;
}

export interface Call {
  path: '/v1/authorise' | '/v1/authorise:batch';
  actor: ActorKey;
  /** The authorise requests: one, or the batch. */
  requests: AuthoriseRequest[];
  /** Per request, per section. */
  expect: Expect[][];
}

export interface Scenario {
  name: string;
  description: string;
  next(): Call;
}

const pick = <T>(xs: T[]): T => xs[Math.floor(Math.random() * xs.length)];
const read = (child: string, sections: string[], purposeOfUse = 'TREAT', breakGlassId?: string): AuthoriseRequest =>
  ({ child, sections, action: 'read', purposeOfUse, ...(breakGlassId ? { breakGlassId } : {}) }) as AuthoriseRequest;
const one = (actor: ActorKey, request: AuthoriseRequest, expect: Expect[]): Call => ({ path: '/v1/authorise', actor, requests: [request], expect: [expect] });

export const OPEN_SECTIONS = ['demographics', 'immunisations', 'screening', 'health-visiting', 'safeguarding'];
const PERMIT: Expect = { decision: 'permit', basis: 'relationship' };
const DENY: Expect = { decision: 'deny' };

/** Clinic-day weights: mostly single checks and record opens, some denials, a few grants, rare break-glass, batched pre-fetches. */
export const CLINIC_DAY: [string, number][] = [
  ['single-section', 40], ['record-open-5', 35], ['denied', 10], ['grant', 8], ['break-glass', 2], ['batch-20', 5],
];

export function scenarios(f: Fixture): Scenario[] {
  const base: Scenario[] = [
    {
      name: 'single-section',
      description: 'health visitor reads immunisations of a child on the team caseload (permit)',
      next: () => one('healthVisitor', read(pick(f.caseload), ['immunisations']), [PERMIT]),
    },
    {
      name: 'record-open-5',
      description: 'health visitor opens the record: 5 sections at once (4 permit, safeguarding deny)',
      next: () => one('healthVisitor', read(pick(f.caseload), OPEN_SECTIONS), [PERMIT, PERMIT, PERMIT, PERMIT, DENY]),
    },
    {
      name: 'denied',
      description: 'health visitor reads a child with no relationship (deny)',
      next: () => one('healthVisitor', read(pick(f.strangers), ['immunisations']), [DENY]),
    },
    {
      name: 'grant',
      description: 'health visitor reads health-visiting of a child under a safeguarding lead\'s grant (permit, basis grant)',
      next: () => one('healthVisitor', read(pick(f.granted), ['health-visiting']), [{ decision: 'permit', basis: 'grant' }]),
    },
    {
      name: 'break-glass',
      description: 'paediatric clinician reads immunisations under a live break-glass, purpose BTG (permit, banner)',
      next: () => {
        const [child, id] = pick(f.breakGlass);
        return one('clinician', read(child, ['immunisations'], 'BTG', id), [{ decision: 'permit', basis: 'break-glass', obligation: 'break-glass-banner' }]);
      },
    },
    {
      name: 'batch-20',
      description: 'health visitor pre-fetches a clinic list: one batch of 20 single-section reads (20 permits)',
      next: () => {
        const requests = Array.from({ length: 20 }, () => read(pick(f.caseload), ['immunisations']));
        return { path: '/v1/authorise:batch', actor: 'healthVisitor', requests, expect: requests.map(() => [PERMIT]) };
      },
    },
  ];
  const byName = new Map(base.map((s) => [s.name, s]));
  const total = CLINIC_DAY.reduce((s, [, w]) => s + w, 0);
  const mix: Scenario = {
    name: 'clinic-day',
    description: `weighted mix: ${CLINIC_DAY.map(([n, w]) => `${n} ${w}%`).join(', ')}`,
    next: () => {
      let r = Math.random() * total;
      for (const [name, w] of CLINIC_DAY) if ((r -= w) < 0) return byName.get(name)!.next();
      return byName.get(CLINIC_DAY[0][0])!.next();
    },
  };
  return [...base, mix];
}

/** The request body as sent over HTTP. */
export function bodyOf(call: Call): unknown {
  return call.path === '/v1/authorise' ? call.requests[0] : { requests: call.requests };
}

export function sectionsOf(call: Call): number {
  return call.requests.reduce((s, r) => s + r.sections.length, 0);
}

interface Answer {
  decisions: { section: string; decision: string; basis?: { kind: string }[]; obligations?: string[] }[];
}

/** null when every section got what was expected, else what went wrong. */
export function check(call: Call, answers: Answer[]): string | null {
  if (answers.length !== call.requests.length) return `expected ${call.requests.length} results, got ${answers.length}`;
  for (let i = 0; i < answers.length; i++) {
    const got = answers[i].decisions;
    const want = call.expect[i];
    if (got.length !== want.length) return `expected ${want.length} decisions, got ${got.length}`;
    for (let j = 0; j < want.length; j++) {
      const g = got[j];
      const w = want[j];
      if (g.section !== call.requests[i].sections[j]) return `decision ${j} is for ${g.section}`;
      if (g.decision !== w.decision) return `${g.section} of ${call.requests[i].child}: expected ${w.decision}, got ${g.decision}`;
      if (w.basis && !g.basis?.some((b) => b.kind === w.basis)) return `${g.section}: expected a ${w.basis} basis, got ${JSON.stringify(g.basis)}`;
      if (w.obligation && !g.obligations?.includes(w.obligation)) return `${g.section}: expected obligation ${w.obligation}`;
    }
  }
  return null;
}

/** Checks a parsed HTTP body of a call. */
export function checkHttp(call: Call, body: unknown): string | null {
  const b = body as { decisions?: unknown; results?: Answer[] };
  return check(call, call.path === '/v1/authorise' ? [b as Answer] : (b.results ?? []));
}
