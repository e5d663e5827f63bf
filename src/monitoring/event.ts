/**
 * What the detectors read of a trail event: a decision (permit or deny) about a child, by a user,
 * with its basis, and the Europe/London date and time it happened. Built from the stored event.
 */

export interface BasisRef {
  kind: string;
  type?: string;
  via?: string;
  relationshipId?: string;
}

export interface TrailRead {
  seq: number;
  /** The audit event id (evidence on a case). */
  id: string;
  /** Milliseconds since the epoch. */
  ts: number;
  /** Local date (YYYY-MM-DD), ISO weekday (1 = Monday) and minute of the day in the monitoring time zone. */
  day: string;
  weekday: number;
  minute: number;
  user: string;
  org?: string;
  role?: string;
  child?: string;
  decision: 'permit' | 'deny';
  breakGlass: boolean;
  basis: BasisRef[];
}

/** A stored decision event as the trail table module returns it. */
export interface StoredDecision {
  seq: number;
  id: string;
  ms: number;
  actor: string;
  actor_org: string | null;
  child: string | null;
  decision: string;
  break_glass: boolean;
  body: string;
}

interface Body {
  actor?: { role?: string };
  details?: { basis?: BasisRef[] };
}

export function readOf(row: StoredDecision, local: LocalClock): TrailRead {
  const body = JSON.parse(row.body) as Body;
  const t = local.at(Number(row.ms));
  return {
    seq: Number(row.seq),
    id: row.id,
    ts: Number(row.ms),
    ...t,
    user: row.actor,
    org: row.actor_org ?? undefined,
    role: body.actor?.role,
    child: row.child ?? undefined,
    decision: row.decision === 'permit' ? 'permit' : 'deny',
    breakGlass: row.break_glass,
    basis: Array.isArray(body.details?.basis) ? body.details.basis : [],
  };
}

const HOUR = 3_600_000;
const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

/**
 * Local date, weekday and minute in one time zone. Offsets of Europe/London (and every zone we use) are
 * whole hours, so one Intl lookup per hour is cached and the minutes are added to it.
 */
export class LocalClock {
  private readonly format: Intl.DateTimeFormat;
  private readonly hours = new Map<number, { day: string; weekday: number; hour: number }>();

  constructor(timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-GB', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', weekday: 'short', hourCycle: 'h23',
    });
  }

  at(ms: number): { day: string; weekday: number; minute: number } {
    const bucket = Math.floor(ms / HOUR);
    let h = this.hours.get(bucket);
    if (!h) {
      const p = Object.fromEntries(this.format.formatToParts(new Date(bucket * HOUR)).map((x) => [x.type, x.value]));
      h = { day: `${p.year}-${p.month}-${p.day}`, weekday: WEEKDAYS[p.weekday], hour: Number(p.hour) };
      if (this.hours.size > 50_000) this.hours.clear();
      this.hours.set(bucket, h);
    }
    return { day: h.day, weekday: h.weekday, minute: h.hour * 60 + Math.floor((ms - bucket * HOUR) / 60_000) };
  }
}

/** The date `n` days before a YYYY-MM-DD date. */
export function daysBefore(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - n * 86_400_000).toISOString().slice(0, 10);
}
