/** Every detector over one batch: pure, so the golden cases and the eval call exactly what the runner calls. */
import type { TrailRead } from './event.ts';
import type { BatchFacts } from './facts.ts';
import type { Detector, Finding } from './finding.ts';
import type { MonitoringPolicy, Rule } from './policy.ts';
import { household } from './detectors/household.ts';
import { neighbour } from './detectors/neighbour.ts';
import { coworkerFamily } from './detectors/coworker-family.ts';
import { monitoredLabel } from './detectors/monitored-label.ts';
import { volume } from './detectors/volume.ts';
import { probing } from './detectors/probing.ts';
import { outOfHours } from './detectors/out-of-hours.ts';
import { staleBasis } from './detectors/stale-basis.ts';
import { breakGlassHousehold, breakGlassRate } from './detectors/break-glass.ts';

export const DETECTORS: Partial<Record<Rule, Detector>> = {
  household, neighbour, 'coworker-family': coworkerFamily, 'monitored-label': monitoredLabel, volume, probing,
  'out-of-hours': outOfHours, 'stale-basis': staleBasis, 'break-glass-household': breakGlassHousehold, 'break-glass-rate': breakGlassRate,
};

export function detectAll(events: TrailRead[], facts: BatchFacts, policy: MonitoringPolicy): Finding[] {
  if (!events.length) return [];
  return Object.values(DETECTORS).flatMap((d) => d!(events, facts, policy));
}
