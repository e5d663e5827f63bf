/**
 * The monitoring runner: reads the trail behind a cursor, off the request path (no decision waits for it),
 * runs the detectors and opens cases. One round is one transaction: the advisory lock (one runner per
 * database), the batch, the day counts, the cases opened, their trail events and the cursor advance
 * commit together, so a crash loses no finding and a restart opens none twice.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Queryable, Store } from '../store/store.ts';
import type { TrailWithin } from '../change/audited-change.ts';
import {
  advanceCursor, batchFacts, dayStats, deferChecks, lockRunner, readBatch, readCursor, recordReads, takeDueChecks, type DayRead,
} from '../store/tables/monitoring-trail.ts';
import { addEvidence, openCases, type CaseRow, type NewCase } from '../store/tables/monitoring-cases.ts';
import { insertAlert } from '../store/tables/alerts.ts';
import { alertRecipients, IG_RECIPIENT } from '../alerts/recipients.ts';
import { LocalClock, readOf, type TrailRead } from './event.ts';
import { emptyStats, FactCache, peerGroup, type BatchFacts } from './facts.ts';
import { detectAll } from './detect.ts';
import { selfClaimChecks, selfClaimExplanation } from './detectors/self-claim.ts';
import type { Finding } from './finding.ts';
import type { MonitoringPolicy } from './policy.ts';
import { pruneOncePerDay } from './prune.ts';

export interface RoundResult {
  /** False when another runner held the lock. */
  ran: boolean;
  events: number;
  opened: number;
  /** The cursor after the round: every trail seq below it has been read (committed with the round). */
  upto: number;
  /** Events in the trail not read yet, and the age (s) of the oldest of them. */
  lagEvents: number;
  lagSeconds: number;
}

export interface RunnerDeps {
  store: Pick<Store, 'transaction'>;
  trail: TrailWithin;
  now: () => Date;
  log?: Pick<Logger, 'warn'>;
}

const ACTOR = { client: 'needtoknow-monitoring' };

/** Rules whose cases the child's safeguarding team hears of too (household reads, break-glass in the household). */
const TELL_SAFEGUARDING = new Set(['household', 'break-glass-household']);

/**
 * Every case opened is an alert in the inbox (and to webhooks where configured), committed with the
 * case: IG officers always, the child's safeguarding team for household cases. Identifiers only.
 */
async function raiseAlerts(tx: Queryable, opened: CaseRow[], now: Date): Promise<void> {
  for (const c of opened) {
    const recipients = c.child ? await alertRecipients(tx, c.child, TELL_SAFEGUARDING.has(c.rule)) : [IG_RECIPIENT];
    await insertAlert(tx, randomUUID(), {
      kind: 'monitoring', ...(c.child ? { child: c.child } : {}), ref: c.id, now, recipients,
      payload: { caseId: c.id, rule: c.rule, severity: c.severity, user: c.user_id, day: c.day },
    });
  }
}

export class MonitoringRunner {
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private readonly local: LocalClock;
  /** Baselines of earlier days do not change during a day: cached per user|day and group|day. */
  private readonly ownCache = new Map<string, number[]>();
  private readonly peerCache = new Map<string, { children: number[]; breakGlass: number[] }>();
  /** Staff, children and relationships met in earlier rounds, dropped when a fact may have changed (facts.ts). */
  private readonly facts = new FactCache();
  lag = { events: 0, seconds: 0 };
  eventsRead = 0;
  casesOpened = 0;

  constructor(private readonly deps: RunnerDeps, readonly policy: MonitoringPolicy) {
    this.local = new LocalClock(policy.timeZone);
  }

  /** Polls every intervalMs, and again at once while a round fills its batch. */
  start(intervalMs = 1_000): this {
    this.timer = setInterval(() => this.tick(), intervalMs);
    this.timer.unref();
    return this;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private tick(): void {
    if (this.running) return;
    this.running = (async () => {
      for (let i = 0; i < 20; i++) {
        const r = await this.runOnce();
        if (!r.ran || r.lagEvents === 0 || !this.timer) break;
      }
    })()
      .catch((err: Error) => this.deps.log?.warn({ err: err.message }, 'monitoring round failed; will retry'))
      .finally(() => (this.running = undefined));
  }

  /** One round over at most one batch. `wait`: wait for the lock rather than skip (tests, the eval). */
  async runOnce(options: { wait?: boolean } = {}): Promise<RoundResult> {
    const now = this.deps.now();
    const result = await this.deps.store.transaction(async (tx): Promise<RoundResult> => {
      if (!(await lockRunner(tx, options.wait ?? false))) return { ran: false, events: 0, opened: 0, upto: -1, lagEvents: this.lag.events, lagSeconds: this.lag.seconds };
      const from = await readCursor(tx);
      const batch = await readBatch(tx, from, this.policy.batchSize, this.facts.since);
      this.facts.check(batch);
      const events = batch.decisions.map((d) => readOf(d, this.local));
      const findings: Finding[] = [];
      if (events.length) {
        const facts = await this.factsFor(tx, events);
        findings.push(...detectAll(events, facts, this.policy));
        await deferChecks(tx, selfClaimChecks(events, this.policy));
      }
      findings.push(...(await this.dueFindings(tx, now)));
      const found = findings.map((f) => this.caseOf(f));
      const opened = await openCases(tx, found, now);
      // A finding an open case already stands for (the same rule, user and child) adds its events to that case.
      const extended = await addEvidence(tx, found, now);
      await raiseAlerts(tx, opened, now);
      await advanceCursor(tx, batch.upto);
      await pruneOncePerDay(tx, this.policy, now); // at most once per local day: per-day state older than the policy's retention
      // The trail events last: appending holds the trail's head lock until this transaction commits.
      if (opened.length || extended.length) {
        await this.deps.trail.appendWithin(tx, [
          ...opened.map((c) => ({
            kind: 'monitoring-case', actor: ACTOR, ...(c.child ? { child: c.child } : {}),
            details: { action: 'open', caseId: c.id, rule: c.rule, severity: c.severity, user: c.user_id, evidence: c.evidence },
          })),
          ...extended.map((c) => ({ kind: 'monitoring-case', actor: ACTOR, child: c.child, details: { action: 'evidence', caseId: c.id, evidence: c.added } })),
        ]);
      }
      const lagEvents = batch.size - batch.upto;
      return {
        ran: true, events: batch.upto - from, opened: opened.length, upto: batch.upto, lagEvents,
        lagSeconds: lagEvents > 0 && batch.nextMs !== null ? Math.max(0, (now.getTime() - batch.nextMs) / 1000) : 0,
      };
    }).catch((err: unknown) => {
      // Baselines read in a round that did not commit may hold its uncommitted counts.
      this.ownCache.clear();
      this.peerCache.clear();
      throw err;
    });
    if (result.ran) {
      this.lag = { events: result.lagEvents, seconds: result.lagSeconds };
      this.eventsRead += result.events;
      this.casesOpened += result.opened;
    }
    return result;
  }

  /** Runs rounds until the cursor has caught up with the trail; returns the cases opened. */
  async drain(): Promise<number> {
    let opened = 0;
    for (;;) {
      const r = await this.runOnce({ wait: true });
      opened += r.opened;
      if (r.lagEvents === 0) return opened;
    }
  }

  private caseOf(f: Finding): NewCase {
    return { id: `case-${randomUUID()}`, rule: f.rule, severity: this.policy[f.rule].severity, user: f.user, child: f.child, day: f.day, explanation: f.explanation, evidence: f.evidence };
  }

  private async dueFindings(tx: Queryable, now: Date): Promise<Finding[]> {
    const hours = this.policy['self-claim-unconfirmed'].confirmHours;
    return (await takeDueChecks(tx, now))
      .filter((d) => !d.confirmed)
      .map((d) => ({ rule: 'self-claim-unconfirmed', user: d.user_id, child: d.child, day: d.day, evidence: d.evidence, explanation: selfClaimExplanation(d.user_id, d.child, hours) }));
  }

  /**
   * The batch's facts: staff, children and relationships from the cache, the ones not met yet read in one
   * statement with the monitored pairs read before and the denied users' recent decisions (skipped when
   * there is nothing to ask); then its reads recorded and the day counts and baselines read back.
   */
  private async factsFor(tx: Queryable, events: TrailRead[]): Promise<BatchFacts> {
    const cache = this.facts;
    const users = new Set<string>();
    const children = new Set<string>();
    const relationshipIds = new Set<string>();
    const pairs = new Set<string>();
    const denied = new Set<string>();
    for (const e of events) {
      if (!cache.knowsUser(e.user)) users.add(e.user);
      if (e.child && !cache.knowsChild(e.child)) children.add(e.child);
      for (const b of e.basis) if (b.relationshipId && !cache.knowsRelationship(b.relationshipId)) relationshipIds.add(b.relationshipId);
      // "Read before?" matters only for monitored children (or children not met yet: the statement checks).
      if (e.decision === 'permit' && e.child && (children.has(e.child) || cache.children.get(e.child)?.monitored)) pairs.add(`${e.user}|${e.child}`);
      if (e.decision === 'deny') denied.add(e.user);
    }
    const facts: BatchFacts = {
      users: cache.users, children: cache.children, relationships: cache.relationships, seenBefore: new Set(), recent: [], stats: emptyStats(),
    };
    if (users.size || children.size || relationshipIds.size || pairs.size || denied.size) {
      const pairList = [...pairs].map((p) => p.split('|'));
      const asked = { users: [...users], children: [...children], relationshipIds: [...relationshipIds] };
      const raw = await batchFacts(tx, {
        ...asked, pairUsers: pairList.map((p) => p[0]), pairChildren: pairList.map((p) => p[1]), monitoredLabels: this.policy['monitored-label'].labels,
        firstSeq: events[0].seq, deniedUsers: [...denied], recentFrom: new Date(events[0].ts - this.policy.probing.windowMinutes * 60_000),
      });
      const joined = (a: string | null, b: string | null) => (a && b ? `${a}|${b}` : undefined);
      cache.fill(asked, {
        users: raw.users.map((u) => ({ id: u.id, org: u.org, household: joined(u.fnh, u.pch), postcode: u.pch ?? undefined, teams: u.teams })),
        children: raw.children.map((c) => ({ nhs: c.nhs, area: c.area, household: joined(c.fnh, c.pch), postcode: c.pch ?? undefined, monitored: c.monitored, staff: c.staff })),
        relationships: raw.relationships.map((r) => ({ id: r.id, type: r.type, validFrom: Date.parse(r.from), validTo: r.to === null ? null : Date.parse(r.to) })),
      });
      facts.seenBefore = new Set(raw.seen);
      facts.recent = raw.recent.map((d) => readOf(d, this.local));
    }
    await this.loadStats(tx, events, facts);
    return facts;
  }

  private async loadStats(tx: Queryable, events: TrailRead[], facts: BatchFacts): Promise<void> {
    const reads = new Map<string, DayRead>();
    const groups = new Map<string, string>();
    const userDays = new Map<string, { user: string; day: string; group: string; breakGlass: boolean }>();
    for (const e of events) {
      if (e.decision !== 'permit' || !e.child) continue;
      reads.set(`${e.user}|${e.day}|${e.child}|${e.breakGlass}`, { user: e.user, day: e.day, child: e.child, breakGlass: e.breakGlass });
      const group = peerGroup(e.role, facts.users.get(e.user));
      groups.set(e.user, group);
      const ud = userDays.get(`${e.user}|${e.day}`);
      if (ud) ud.breakGlass ||= e.breakGlass;
      else userDays.set(`${e.user}|${e.day}`, { user: e.user, day: e.day, group, breakGlass: e.breakGlass });
    }
    const all = [...userDays.values()];
    const s = facts.stats;
    for (const t of await recordReads(tx, [...reads.values()], groups, all)) s.today.set(`${t.u}|${t.d}`, t.n);
    // Baselines only where they can matter: volume never flags a day of at most min(minChildren, withoutBaseline)
    // children whatever the baselines (its threshold is at least that), and peers' break-glass counts only
    // matter to users who used break-glass.
    const floor = Math.min(this.policy.volume.minChildren, this.policy.volume.withoutBaseline);
    const high = all.filter((u) => (s.today.get(`${u.user}|${u.day}`) ?? 0) > floor);
    const needPeers = [...high, ...all.filter((u) => u.breakGlass)];
    const own = high.filter((u) => !this.ownCache.has(`${u.user}|${u.day}`));
    const peers = [...new Map(needPeers.filter((u) => !this.peerCache.has(`${u.group}|${u.day}`)).map((u) => [`${u.group}|${u.day}`, { group: u.group, day: u.day }])).values()];
    const breakGlass = all.filter((u) => u.breakGlass);
    if (!own.length && !peers.length && !breakGlass.length) {
      this.useBaselines(needPeers, s);
      return;
    }
    const raw = await dayStats(tx, {
      own, peers, breakGlass, baselineDays: this.policy.volume.baselineDays, breakGlassDays: this.policy['break-glass-rate'].windowDays,
    });
    if (this.ownCache.size > 200_000) this.ownCache.clear();
    if (this.peerCache.size > 20_000) this.peerCache.clear();
    for (const o of raw.own) this.ownCache.set(`${o.u}|${o.d}`, o.xs);
    for (const p of raw.peers) this.peerCache.set(`${p.g}|${p.d}`, { children: p.xs, breakGlass: p.bg });
    for (const b of raw.bg) s.breakGlass.set(`${b.u}|${b.d}`, Number(b.n));
    this.useBaselines(needPeers, s);
  }

  private useBaselines(userDays: { user: string; day: string; group: string }[], s: BatchFacts['stats']): void {
    for (const u of userDays) {
      const own = this.ownCache.get(`${u.user}|${u.day}`);
      if (own) s.own.set(`${u.user}|${u.day}`, own);
      const peers = this.peerCache.get(`${u.group}|${u.day}`);
      if (peers) s.peers.set(`${u.group}|${u.day}`, peers);
    }
  }
}
