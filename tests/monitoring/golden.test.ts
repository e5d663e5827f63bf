/** The golden detector cases of policies/tests/monitoring/detectors.json, against the shipped thresholds. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { detectAll } from '../../src/monitoring/detect.ts';
import { selfClaimChecks } from '../../src/monitoring/detectors/self-claim.ts';
import { LocalClock, type TrailRead } from '../../src/monitoring/event.ts';
import { emptyStats, type BatchFacts } from '../../src/monitoring/facts.ts';
import { loadMonitoringPolicy } from '../../src/monitoring/policy.ts';

interface GoldenDetectorCase {
  name: string;
  users?: { id: string; org: string; household?: string; teams?: [string, string][] }[];
  children?: { nhs: string; household?: string; monitored?: boolean; area?: string }[];
  relationships?: { id: string; type: string; from: string; to: string | null }[];
  seenBefore?: string[];
  stats?: { today?: Record<string, number>; own?: Record<string, number[]>; peers?: Record<string, number[] | { children: number[]; breakGlass: number[] }>; breakGlass?: Record<string, number> };
  events: { user: string; child?: string; at: string; decision?: 'permit' | 'deny'; basis?: string[]; bg?: boolean; role?: string }[];
  expect: string[];
  deferred?: string[];
}

const file = JSON.parse(readFileSync(new URL('../../policies/tests/monitoring/detectors.json', import.meta.url), 'utf8')) as { detectorCases: GoldenDetectorCase[] };
const policy = loadMonitoringPolicy();
const clock = new LocalClock(policy.timeZone);
const postcode = (h?: string) => h?.split('|')[1];

function build(c: GoldenDetectorCase): { events: TrailRead[]; facts: BatchFacts } {
  const events = c.events.map((e, i): TrailRead => ({
    seq: 100 + i, id: `ev-${i}`, ts: Date.parse(e.at), ...clock.at(Date.parse(e.at)), user: e.user, role: e.role, child: e.child,
    decision: e.decision ?? 'permit', breakGlass: e.bg ?? false,
    basis: (e.basis ?? []).map((b) => {
      const [type, relationshipId] = b.split(':');
      return type === 'break-glass' ? { kind: 'break-glass' } : { kind: 'relationship', type, ...(relationshipId ? { relationshipId } : {}) };
    }),
  }));
  const users = c.users ?? [];
  const stats = emptyStats();
  for (const [k, v] of Object.entries(c.stats?.today ?? {})) stats.today.set(k, v);
  for (const [k, v] of Object.entries(c.stats?.own ?? {})) stats.own.set(k, v);
  for (const [k, v] of Object.entries(c.stats?.peers ?? {})) stats.peers.set(k, Array.isArray(v) ? { children: v, breakGlass: [] } : v);
  for (const [k, v] of Object.entries(c.stats?.breakGlass ?? {})) stats.breakGlass.set(k, v);
  const facts: BatchFacts = {
    users: new Map(users.map((u) => [u.id, { id: u.id, org: u.org, household: u.household, postcode: postcode(u.household), teams: (u.teams ?? []).map(([id, kind]) => ({ id, kind })) }])),
    children: new Map((c.children ?? []).map((ch) => [ch.nhs, {
      nhs: ch.nhs, area: ch.area ?? 'oxfordshire', household: ch.household, postcode: postcode(ch.household), monitored: ch.monitored ?? false,
      staff: users.filter((u) => u.household && u.household === ch.household).map((u) => ({ id: u.id, org: u.org, teams: (u.teams ?? []).map(([id]) => id) })),
    }])),
    relationships: new Map((c.relationships ?? []).map((r) => [r.id, { id: r.id, type: r.type, validFrom: Date.parse(r.from), validTo: r.to ? Date.parse(r.to) : null }])),
    seenBefore: new Set(c.seenBefore ?? []),
    recent: [],
    stats,
  };
  return { events, facts };
}

describe('golden monitoring cases', () => {
  it('has a case for every rule', () => {
    const rules = new Set(file.detectorCases.flatMap((c) => [...c.expect, ...(c.deferred ?? [])].map((e) => e.split(' ')[0])));
    expect([...rules].sort()).toEqual([
      'break-glass-household', 'break-glass-rate', 'coworker-family', 'household', 'monitored-label', 'neighbour', 'out-of-hours', 'probing',
      'self-claim-unconfirmed', 'stale-basis', 'volume',
    ]);
  });

  it.each(file.detectorCases)('$name', (c) => {
    const { events, facts } = build(c);
    const found = detectAll(events, facts, policy).map((f) => `${f.rule} ${f.user} ${f.child ?? '-'}`).sort();
    expect(found).toEqual([...c.expect].sort());
    const deferred = selfClaimChecks(events, policy).map((d) => `${d.rule} ${d.user} ${d.child}`).sort();
    expect(deferred).toEqual([...(c.deferred ?? [])].sort());
  });
});
