/** Who an alert is for: IG officers always, and with break-glass and grants the safeguarding team(s) of the child's area. */
import type { Queryable } from '../store/store.ts';

export const IG_RECIPIENT = 'role:ig-officer';

/** For an unknown NHS number there is no area, so only IG is told (and they see the child is unknown). */
export async function alertRecipients(db: Queryable, child: string, withSafeguarding: boolean): Promise<string[]> {
  if (!withSafeguarding) return [IG_RECIPIENT];
  const { rows } = await db.query<{ id: string }>(
    `select t.id from children c join teams t on t.kind = 'safeguarding' and t.area = c.area
      where c.nhs_number = $1 order by t.id`,
    [child],
  );
  return [IG_RECIPIENT, ...rows.map((r) => `team:${r.id}`)];
}
