/**
 * What the detectors know besides the events: staff, children and relationships named by the batch
 * (one query per batch, src/store/tables/monitoring-trail.ts), and the daily counts the volume and
 * break-glass baselines are drawn from. Hashes are compared, never shown.
 */
import type { TrailRead } from './event.ts';

export interface StaffFacts {
  id: string;
  org: string;
  /** Keyed hashes of family name and postcode, joined: present only when both are known. */
  household?: string;
  postcode?: string;
  teams: { id: string; kind: string }[];
}

export interface ChildFacts {
  nhs: string;
  area: string;
  household?: string;
  postcode?: string;
  /** Carries a label the monitoring policy watches (e.g. vip). */
  monitored: boolean;
  /** Staff of the child's household: their ids, organisations and teams. */
  staff: { id: string; org: string; teams: string[] }[];
}

export interface RelationshipFacts {
  id: string;
  type: string;
  validFrom: number;
  validTo: number | null;
}

export interface DayStats {
  /** Distinct children (not under break-glass) the user read that day so far, this batch included. */
  today: Map<string, number>;
  /** Per user|day: the user's own daily counts on earlier days of the baseline window. */
  own: Map<string, number[]>;
  /** Per group|day: every peer's daily counts, and every peer's break-glass total, on earlier days of the window. */
  peers: Map<string, { children: number[]; breakGlass: number[] }>;
  /** Per user|day: break-glass reads (distinct children a day) in the window ending that day. */
  breakGlass: Map<string, number>;
}

export interface BatchFacts {
  users: Map<string, StaffFacts>;
  children: Map<string, ChildFacts>;
  relationships: Map<string, RelationshipFacts>;
  /** user|child pairs of monitored children the user had read before this batch. */
  seenBefore: Set<string>;
  /** Earlier decisions (before the batch, within the probing window) of users denied in the batch. */
  recent: TrailRead[];
  stats: DayStats;
}

export const emptyStats = (): DayStats => ({ today: new Map(), own: new Map(), peers: new Map(), breakGlass: new Map() });

/** Users are compared with peers of the same product role and team kind. */
export function peerGroup(role: string | undefined, staff: StaffFacts | undefined): string {
  const kinds = [...new Set((staff?.teams ?? []).map((t) => t.kind))].sort();
  return `${role ?? 'unknown'}:${kinds[0] ?? 'no-team'}`;
}
