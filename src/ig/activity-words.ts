/**
 * A page of decision events (from the audit search) in plain words for a person: one row per request
 * and decision, with its sections, why it was permitted (the basis, as the access report says it) or
 * refused (the precise reason the trail keeps), and whether it was made under break-glass.
 */
import type { Queryable } from '../store/store.ts';
import { describe, lookupNames, type DecisionEvent } from './access-report.ts';

export interface ActivityRow {
  when: string;
  child: string | null;
  sections: string[];
  decision: string;
  purpose: string | null;
  breakGlass: boolean;
  why: string[];
}

interface Reason {
  code?: string;
  detail?: { restriction?: string };
}

function refusalInWords(reason: Reason | undefined): string {
  switch (reason?.code) {
    case 'ROLE_LIMIT': return 'their role may not read this section';
    case 'PURPOSE_NOT_OPEN': return 'this section is not open for the purpose they gave';
    case 'BREAK_GLASS_NOT_LIVE': return 'the break-glass they cited was not live, or not theirs';
    case 'UNKNOWN_CHILD': return 'no child with this NHS number is known';
    case 'ARCHIVED': return 'the record is archived (past the age of care)';
    case 'NO_RELATIONSHIP': return 'no legitimate relationship with the child, grant or break-glass';
    case 'RESTRICTED': return `a restriction on the record (${reason.detail?.restriction ?? 'restricted'}) that they may not override`;
    default: return reason?.code ? `refused (${reason.code})` : 'refused';
  }
}

/** Events newest first (as the search returns them); consecutive events of one request and decision make one row. */
export async function activityInWords(db: Queryable, events: Record<string, unknown>[]): Promise<ActivityRow[]> {
  const decisions = events.filter((e) => e.kind === 'decision') as unknown as (DecisionEvent & { child?: string; details?: { reason?: Reason } })[];
  const subjects = new Set<string>();
  for (const e of decisions) for (const b of e.details?.basis ?? []) if (b.via) subjects.add(b.via);
  const names = await lookupNames(db, [], [], [...subjects]);
  const rows: ActivityRow[] = [];
  let last: { key: string; row: ActivityRow } | undefined;
  for (const e of decisions) {
    const key = `${e.requestId ?? e.id}|${e.child}|${e.decision}`;
    const why = e.decision === 'permit' ? (e.details?.basis ?? []).map((b) => describe(b, names)) : [refusalInWords(e.details?.reason)];
    if (last?.key === key) {
      last.row.sections.unshift(e.section ?? '');
      for (const w of why) if (!last.row.why.includes(w)) last.row.why.push(w);
      last.row.breakGlass ||= e.breakGlass === true;
      continue;
    }
    const row: ActivityRow = {
      when: e.ts, child: e.child ?? null, sections: [e.section ?? ''], decision: e.decision ?? '', purpose: e.purpose ?? null,
      breakGlass: e.breakGlass === true, why: [...new Set(why)],
    };
    rows.push(row);
    last = { key, row };
  }
  return rows;
}
