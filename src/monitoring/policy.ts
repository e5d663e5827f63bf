/** The monitoring thresholds (policies/monitoring.json), validated once at load: rules as data, not code. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { policiesDir } from '../policy/policy.ts';

export const RULES = [
  'household', 'neighbour', 'coworker-family', 'monitored-label', 'volume', 'probing', 'out-of-hours',
  'break-glass-rate', 'break-glass-household', 'stale-basis', 'self-claim-unconfirmed',
] as const;
export type Rule = (typeof RULES)[number];

const severity = z.enum(['low', 'medium', 'high']);
const simple = z.object({ severity });
const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);
const hours = z.union([z.literal('always'), z.object({ days: z.array(z.number().int().min(1).max(7)), from: clock, to: clock })]);

const schema = z.object({
  timeZone: z.string(),
  batchSize: z.number().int().min(1).max(50_000),
  /** Days of per-day state kept (src/monitoring/prune.ts): checked below against the windows that read it. */
  retention: z.object({ days: z.number().int().min(1) }),
  directCare: z.array(z.string()),
  household: simple,
  neighbour: simple,
  'coworker-family': simple,
  'monitored-label': simple.extend({ labels: z.array(z.string()).min(1) }),
  volume: simple.extend({
    baselineDays: z.number().int().min(1), minOwnDays: z.number().int().min(1), minPeerDays: z.number().int().min(1),
    mads: z.number().positive(), madFloor: z.number().min(0), minChildren: z.number().int().min(1), withoutBaseline: z.number().int().min(1),
  }),
  probing: simple.extend({ windowMinutes: z.number().positive(), minChildren: z.number().int().min(2) }),
  'out-of-hours': simple.extend({ hours: z.record(z.string(), hours).refine((h) => 'default' in h, 'needs a default') }),
  'break-glass-rate': simple.extend({
    windowDays: z.number().int().min(1), minCount: z.number().int().min(1), mads: z.number().positive(), madFloor: z.number().min(0), minRatio: z.number().min(1),
  }),
  'break-glass-household': simple,
  'stale-basis': simple.extend({ tailAfterDays: z.number().min(0), handoverAfterDays: z.number().min(0) }),
  'self-claim-unconfirmed': simple.extend({ confirmHours: z.number().positive() }),
}).refine((p) => p.retention.days > longestWindowDays(p), {
  path: ['retention', 'days'],
  message: 'must be more than the longest baseline or window (volume.baselineDays, break-glass-rate.windowDays), or pruning would cut into them',
});

/** The most days back any detector reads per-day state: the volume baseline and the break-glass window. */
export function longestWindowDays(p: { volume: { baselineDays: number }; 'break-glass-rate': { windowDays: number } }): number {
  return Math.max(p.volume.baselineDays, p['break-glass-rate'].windowDays);
}

export type MonitoringPolicy = z.infer<typeof schema>;
export type WorkingHours = z.infer<typeof hours>;

export function parseMonitoringPolicy(raw: unknown): MonitoringPolicy {
  return schema.parse(raw);
}

/** From `dir`, or the shipped policies when `dir` has no monitoring.json (a test's own access policy). */
export function loadMonitoringPolicy(dir = policiesDir): MonitoringPolicy {
  const file = existsSync(path.join(dir, 'monitoring.json')) ? path.join(dir, 'monitoring.json') : path.join(policiesDir, 'monitoring.json');
  return parseMonitoringPolicy(JSON.parse(readFileSync(file, 'utf8')));
}
