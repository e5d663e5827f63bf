/** A safeguarding lead acts for the area(s) of their safeguarding team(s); a child is theirs when it lives there. */
import type { Principal } from '../identity/principal.ts';

/** The areas of the lead's teams (for this role the principal's teams are its safeguarding teams). */
export function leadAreas(principal: Principal): string[] {
  return [...new Set(principal.teams.filter((t) => t.kind === 'safeguarding').map((t) => t.area))].sort();
}

/** One message for an unknown child and a child elsewhere, so the answer does not tell them apart. */
export function notInAreaMessage(areas: string[]): string {
  return `must be a child of your safeguarding area (${areas.join(', ') || 'none: your role names no safeguarding team'})`;
}
