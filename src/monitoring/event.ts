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

export interface Body {
  actor?: { role?: string };
  details?: { basis?: BasisRef[] };
}

/** The top-level members before the actor, and those between the actor and details.basis, of a decision's canonical body. */
const BEFORE_ACTOR = /^\{(?:"action":"[^"\\]*",)?"actor":\{/;
const BEFORE_BASIS = /,"breakGlass":(?:true|false)(?:,"child":"[^"\\]*")?,"decision":"[^"\\]*","details":\{"basis":\[/y;

/**
 * The actor and the basis of a stored body, parsing only those two pieces (a whole body is three times
 * their size, and parsing it all was a large part of the runner's time). The body is RFC 8785 canonical
 * JSON, keys sorted: action, actor, breakGlass, child, decision, details{basis, ...}. Each piece is cut
 * at its first closing bracket and parsed: if that bracket was inside a string or closed something nested,
 * the piece is not valid JSON and the whole body is parsed instead, so a piece that parses is exactly the
 * member. Any other shape is parsed whole too.
 */
export function actorAndBasis(text: string): Body {
  const start = BEFORE_ACTOR.exec(text);
  if (start) {
    const actorAt = start[0].length - 1;
    const actorEnd = text.indexOf('}', actorAt);
    BEFORE_BASIS.lastIndex = actorEnd + 1;
    if (actorEnd > 0 && BEFORE_BASIS.test(text)) {
      const basisAt = BEFORE_BASIS.lastIndex - 1;
      const basisEnd = text.indexOf(']', basisAt);
      try {
        const actor = JSON.parse(text.slice(actorAt, actorEnd + 1)) as Body['actor'];
        const basis = JSON.parse(text.slice(basisAt, basisEnd + 1)) as BasisRef[];
        if (basisEnd > 0 && actor && typeof actor === 'object' && Array.isArray(basis)) return { actor, details: { basis } };
      } catch {
        // a piece was cut short: parse the whole body
      }
    }
  }
  return JSON.parse(text) as Body;
}

export function readOf(row: StoredDecision, local: LocalClock): TrailRead {
  const body = actorAndBasis(row.body);
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
