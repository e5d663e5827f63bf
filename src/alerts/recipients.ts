/** Who an alert is for: IG officers always, and with break-glass and grants the safeguarding team(s) of the child's area. */
import type { Queryable } from '../store/store.ts';
import { safeguardingTeamsOfChild } from '../store/tables/teams.ts';

export const IG_RECIPIENT = 'role:ig-officer';

/** For an unknown NHS number there is no area, so only IG is told (and they see the child is unknown). */
export async function alertRecipients(db: Queryable, child: string, withSafeguarding: boolean): Promise<string[]> {
  if (!withSafeguarding) return [IG_RECIPIENT];
  return [IG_RECIPIENT, ...(await safeguardingTeamsOfChild(db, child)).map((id) => `team:${id}`)];
}
