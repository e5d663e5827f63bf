/**
 * Authorise-before-read, one use case: gather facts (one round trip), map the role, decide (pure),
 * append one audit event per section and wait for its commit, then answer. If the audit append
 * fails the caller gets 503 and nothing was permitted.
 */
import { trace } from '@opentelemetry/api';
import type { Counter, Histogram } from 'prom-client';
import type { Cis2Claims } from '../identity/claims.ts';
import { candidateSubjects, resolvePrincipal, type Principal } from '../identity/principal.ts';
import { decide, type SectionDecision } from '../policy/decide.ts';
import type { Policy } from '../policy/policy.ts';
import type { Facts } from '../policy/facts.ts';
import { actorOf } from '../trail/actor.ts';
import type { AuditEventInput } from '../trail/event.ts';
import type { AppendedEvent } from '../trail/log.ts';
import type { GatherInput, Gathered } from '../facts/gather.ts';
import { InvalidInput, NotAllowed } from '../errors.ts';
import { seqOf } from '../change/audited-change.ts';
import { DENY_MESSAGES, RELATIONSHIP_WORDS } from '../policy/vocabulary.ts';
import type { AuthoriseRequest } from './request.ts';

/** What a decision needs: the policy in force, the fact reader and the clock. */
export interface DecideDeps {
  policy: { readonly current: Policy };
  facts: { gather(input: GatherInput): Promise<Gathered> };
  now(): Date;
}

/** What authorise needs besides: the trail to append to, and the counters it moves. */
export interface AuthoriseDeps extends DecideDeps {
  audit: { append(events: AuditEventInput[]): Promise<AppendedEvent[]> };
  metrics: { auditEvents: Counter; decisions: Counter<'decision' | 'reason'>; decisionSeconds: Histogram };
  /** Records users first seen in a token, so exposure and reach include them. */
  seen?: { remember(claims: Cis2Claims): Promise<void> };
}

const tracer = trace.getTracer('needtoknow');

export interface Decided {
  principal: Principal;
  policy: Policy;
  decisions: SectionDecision[];
  facts: Facts;
  /** Display names of teams, organisations and schools, for the words of the answer. */
  names: Record<string, string>;
  now: Date;
}

/** Gathers facts and decides, without auditing (explain and authorise both build on it). */
export async function decideFor(services: DecideDeps, claims: Cis2Claims, req: AuthoriseRequest, capability?: string): Promise<Decided> {
  const policy = services.policy.current;
  const now = services.now();
  const { subjects, workgroups, orgCode } = candidateSubjects(claims);
  const gathered = await services.facts.gather({ child: req.child, userId: claims.sub, subjects, workgroups, orgCode, now, lookbackDays: policy.lookbackDays });
  if (req.atLeast && !(seqOf(req.atLeast) <= gathered.factSeq)) {
    throw new InvalidInput({ field: 'body.atLeast', message: 'this consistency token was not issued by this service' });
  }
  const principal = resolvePrincipal(claims, policy.roles, gathered.teams, gathered.orgKind);
  if (capability && !policy.capability(capability, principal.role)) throw new NotAllowed();
  const decisions = decide(principal, { sections: req.sections, action: req.action, purpose: req.purposeOfUse, breakGlassId: req.breakGlassId }, gathered.facts, policy, now);
  return { principal, policy, decisions, facts: gathered.facts, names: gathered.names, now };
}

export function auditEventsFor(d: Decided, req: AuthoriseRequest, requestId: string, kind = 'decision', extra: Record<string, unknown> = {}): AuditEventInput[] {
  return d.decisions.map((s) => ({
    kind,
    actor: actorOf(d.principal),
    child: req.child,
    section: s.section,
    action: req.action,
    purpose: req.purposeOfUse,
    decision: s.decision,
    breakGlass: s.breakGlass || req.purposeOfUse === 'BTG',
    requestId,
    policyVersion: d.policy.version,
    details: { ...extra, basis: s.basis, obligations: s.obligations, reason: s.precise, ...(req.breakGlassId ? { breakGlassId: req.breakGlassId } : {}) },
  }));
}

export function responseFor(d: Decided, auditIds: string[]) {
  return {
    decisions: d.decisions.map((s, i) =>
      s.decision === 'permit'
        ? { section: s.section, decision: s.decision, auditId: auditIds[i], basis: s.basis.map((b) => publicBasis(b, d.names)), obligations: s.obligations }
        : { section: s.section, decision: s.decision, auditId: auditIds[i], reasons: s.reasons, message: DENY_MESSAGES[s.reasons[0]] },
    ),
    policyVersion: d.policy.version,
  };
}
export type AuthoriseResult = ReturnType<typeof responseFor>;

/** The basis as callers see it, with its words: the relationship's internal id stays on the audit trail. */
function publicBasis(b: SectionDecision['basis'][number], names: Record<string, string>) {
  const display = basisInWords(b, names);
  if (b.kind !== 'relationship') return { ...b, display };
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { relationshipId, ...rest } = b;
  return { ...rest, display };
}

const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
const TIME = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London' });
const untilDay = (iso?: string) => (iso ? `until ${DAY.format(new Date(iso))}` : 'with no end date');
const untilTime = (iso: string) => `until ${TIME.format(new Date(iso))} on ${DAY.format(new Date(iso))}`;

/** "Banbury Health Visiting, caseload until 12 March 2027": who, what relationship, until when (UK time). */
export function basisInWords(b: SectionDecision['basis'][number], names: Record<string, string>): string {
  switch (b.kind) {
    case 'relationship': {
      const [kind, id] = [b.via.slice(0, b.via.indexOf(':')), b.via.slice(b.via.indexOf(':') + 1)];
      const who = kind === 'user' ? 'You' : (names[b.via] ?? `${kind === 'org' ? 'organisation' : kind} ${id}`);
      const what = RELATIONSHIP_WORDS[b.type as keyof typeof RELATIONSHIP_WORDS] ?? b.type;
      return `${who}, ${what} ${untilDay(b.until)}`;
    }
    case 'grant':
      return `Granted by a safeguarding lead ${untilDay(b.until)}`;
    case 'break-glass':
      return `Break-glass (emergency access) ${untilTime(b.until)}`;
    case 'override':
      return 'A restriction on this record, lifted by policy for this access';
  }
}

/** Decides and audits every request together; a request the decision finds invalid (atLeast) fails them all. */
export async function authoriseMany(services: AuthoriseDeps, claims: Cis2Claims, requests: AuthoriseRequest[], requestId: string): Promise<AuthoriseResult[]> {
  const results = await authoriseEach(services, claims, requests, requestId);
  const invalid = results.find((r) => r instanceof InvalidInput);
  if (invalid) throw invalid;
  return results as AuthoriseResult[];
}

/**
 * Decides and audits every request in one append; a request found invalid while deciding (an atLeast
 * this service did not issue) comes back as its InvalidInput in its slot, and the others are decided
 * and audited as normal (the batch fails one item at a time).
 */
export async function authoriseEach(services: AuthoriseDeps, claims: Cis2Claims, requests: AuthoriseRequest[], requestId: string): Promise<Array<AuthoriseResult | InvalidInput>> {
  return tracer.startActiveSpan('authorise', async (span) => {
    const started = process.hrtime.bigint();
    try {
      const [settled] = await Promise.all([
        Promise.allSettled(requests.map((r) => decideFor(services, claims, r, 'authorise'))),
        services.seen?.remember(claims),
      ]);
      // Anything but an invalid item (the store, the role) fails the whole call, as before.
      const failed = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected' && !(x.reason instanceof InvalidInput));
      if (failed) throw failed.reason;
      const decided = settled.map((x) => (x.status === 'fulfilled' ? x.value : (x.reason as InvalidInput)));
      const events = decided.flatMap((d, i) => (d instanceof InvalidInput ? [] : auditEventsFor(d, requests[i], requestId)));
      const appended = events.length ? await services.audit.append(events) : [];
      services.metrics.auditEvents.inc(appended.length);
      let k = 0;
      const results = decided.map((d) => (d instanceof InvalidInput ? d : responseFor(d, d.decisions.map(() => appended[k++].id))));
      for (const d of decided) {
        if (d instanceof InvalidInput) continue;
        for (const s of d.decisions) services.metrics.decisions.inc({ decision: s.decision, reason: s.precise.code });
      }
      span.setAttribute('ntk.decisions', events.length);
      return results;
    } finally {
      services.metrics.decisionSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      span.end();
    }
  });
}
