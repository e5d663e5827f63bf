/** A detector's output: what it found, about whom, on which day, and the trail events that show it. */
import type { Rule } from './policy.ts';
import type { TrailRead } from './event.ts';
import type { BatchFacts } from './facts.ts';
import type { MonitoringPolicy } from './policy.ts';

export interface Finding {
  rule: Rule;
  user: string;
  /** Absent for findings about a user's day (volume, probing, out-of-hours, break-glass rate). */
  child?: string;
  /** Local date (YYYY-MM-DD). */
  day: string;
  /** Plain language, identifiers only: never a name or a postcode. */
  explanation: string;
  /** Audit event ids, oldest first. */
  evidence: string[];
}

/** A check that can only be made later (at dueAt), e.g. whether a self-claim was ever confirmed. */
export interface Deferred {
  rule: Rule;
  user: string;
  child: string;
  day: string;
  dueAt: number;
  evidence: string[];
}

export type Detector = (events: TrailRead[], facts: BatchFacts, policy: MonitoringPolicy) => Finding[];

export const MAX_EVIDENCE = 20;

/** Findings keyed by (rule, user, child, day): the same key found again only adds evidence. */
export class Findings {
  private readonly byKey = new Map<string, Finding>();

  add(rule: Rule, e: TrailRead, explanation: () => string, child = e.child): void {
    const key = `${e.user}|${child ?? ''}|${e.day}`;
    const f = this.byKey.get(key);
    if (f) {
      if (f.evidence.length < MAX_EVIDENCE) f.evidence.push(e.id);
      return;
    }
    this.byKey.set(key, { rule, user: e.user, ...(child ? { child } : {}), day: e.day, explanation: explanation(), evidence: [e.id] });
  }

  list(): Finding[] {
    return [...this.byKey.values()];
  }
}

/** Reads of a child by a user: permits, not under break-glass. */
export const isRead = (e: TrailRead): e is TrailRead & { child: string } => e.decision === 'permit' && !e.breakGlass && e.child !== undefined;

/** The read rests on a relationship that means the reader's own team cares for the child. */
export const inDirectCare = (e: TrailRead, policy: MonitoringPolicy): boolean =>
  e.basis.some((b) => b.kind === 'relationship' && b.type !== undefined && policy.directCare.includes(b.type));

/** Median of a list (0 for none). */
export function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * A robust upper limit: median + k * spread, where spread is the MAD (scaled to a standard deviation)
 * but at least floor * median and at least 1, so that a flat baseline does not flag one more child.
 */
export function robustLimit(xs: number[], k: number, floor: number): number {
  const m = median(xs);
  const mad = 1.4826 * median(xs.map((x) => Math.abs(x - m)));
  return m + k * Math.max(mad, floor * m, 1);
}
