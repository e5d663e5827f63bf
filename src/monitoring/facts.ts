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

/** The first of a member of staff's team kinds, in order, once per staff object (they are cached across rounds). */
const firstKinds = new WeakMap<StaffFacts, string>();

/** Users are compared with peers of the same product role and team kind. */
export function peerGroup(role: string | undefined, staff: StaffFacts | undefined): string {
  let kind = staff ? firstKinds.get(staff) : undefined;
  if (kind === undefined) {
    kind = [...new Set((staff?.teams ?? []).map((t) => t.kind))].sort()[0] ?? 'no-team';
    if (staff) firstKinds.set(staff, kind);
  }
  return `${role ?? 'unknown'}:${kind}`;
}

/**
 * Staff, children and relationships kept across rounds, so a round reads only the ones it has not met
 * (the facts statement was a third of the runner's time). Entries are dropped all at once when a fact may
 * have changed: the round's batch read says whether any trail event since the cache was last checked could
 * have changed a fact (every audited change of a fact appends one in its transaction, and the trail commits
 * in seq order), and whether fact_changes moved (bulk loads record a change without a trail event). So a
 * change committed before a round's batch read is seen by that round. Ids that name nothing are kept too
 * (as absent), and the whole cache is dropped when it grows past its bounds, never in the middle of a round.
 */
export class FactCache {
  readonly users = new Map<string, StaffFacts>();
  readonly children = new Map<string, ChildFacts>();
  readonly relationships = new Map<string, RelationshipFacts>();
  readonly absent = new Set<string>();
  /** The trail head when the cache was last checked: the next batch read checks events from here. */
  since: number | null = null;
  private factSeq = -1;

  constructor(private readonly maxEntries = 200_000) {}

  /** After a batch read: empties the cache if a fact may have changed (or it is too big); remembers where to check from next. */
  check(batch: { factsChanged: boolean; factSeq: number; size: number }): void {
    const size = this.users.size + this.children.size + this.relationships.size + this.absent.size;
    if (batch.factsChanged || batch.factSeq !== this.factSeq || size > this.maxEntries) this.clear();
    this.factSeq = batch.factSeq;
    this.since = batch.size;
  }

  clear(): void {
    this.users.clear();
    this.children.clear();
    this.relationships.clear();
    this.absent.clear();
    this.since = null;
    this.factSeq = -1;
  }

  knowsUser = (id: string): boolean => this.users.has(id) || this.absent.has(`u:${id}`);
  knowsChild = (nhs: string): boolean => this.children.has(nhs) || this.absent.has(`c:${nhs}`);
  knowsRelationship = (id: string): boolean => this.relationships.has(id) || this.absent.has(`r:${id}`);

  /** Records what a facts read answered for the ids it was asked about (the ones it did not return name nothing). */
  fill(asked: { users: string[]; children: string[]; relationshipIds: string[] }, found: { users: StaffFacts[]; children: ChildFacts[]; relationships: RelationshipFacts[] }): void {
    for (const u of found.users) this.users.set(u.id, u);
    for (const c of found.children) this.children.set(c.nhs, c);
    for (const r of found.relationships) this.relationships.set(r.id, r);
    for (const id of asked.users) if (!this.users.has(id)) this.absent.add(`u:${id}`);
    for (const nhs of asked.children) if (!this.children.has(nhs)) this.absent.add(`c:${nhs}`);
    for (const id of asked.relationshipIds) if (!this.relationships.has(id)) this.absent.add(`r:${id}`);
  }
}
