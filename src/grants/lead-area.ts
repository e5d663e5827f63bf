/** A safeguarding lead acts for the area(s) of their safeguarding team(s); a child is theirs when it lives there. */
import type { Queryable } from '../store/store.ts';
import type { Principal } from '../identity/principal.ts';

export interface ChildArea {
  area: string;
  dateOfBirth: string;
}

/** The areas of the lead's teams (for this role the principal's teams are its safeguarding teams). */
export function leadAreas(principal: Principal): string[] {
  return [...new Set(principal.teams.filter((t) => t.kind === 'safeguarding').map((t) => t.area))].sort();
}

/** The child's area and date of birth, or undefined for an NHS number never fed. */
export async function childArea(db: Queryable, nhsNumber: string): Promise<ChildArea | undefined> {
  const { rows } = await db.query<{ area: string; date_of_birth: string }>(
    'select area, date_of_birth::text as date_of_birth from children where nhs_number = $1', [nhsNumber]);
  return rows[0] ? { area: rows[0].area, dateOfBirth: rows[0].date_of_birth } : undefined;
}

/** One message for an unknown child and a child elsewhere, so the answer does not tell them apart. */
export function notInAreaMessage(areas: string[]): string {
  return `must be a child of your safeguarding area (${areas.join(', ') || 'none: your role names no safeguarding team'})`;
}
