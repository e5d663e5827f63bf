/** What the fact tables hold, and emptying them before a new population (never the audit trail). */
import type { Queryable } from '../store/store.ts';

/** Tables a generated population replaces: the facts, and grants and break-glass that name its children and staff. */
export const POPULATION_TABLES = ['relationships', 'user_teams', 'users', 'teams', 'orgs', 'children', 'grants', 'break_glass'] as const;

export async function factCounts(db: Queryable): Promise<Record<string, number>> {
  const r = await db.query<Record<string, number>>(
    `select ${POPULATION_TABLES.map((t) => `(select count(*) from ${t})::int8 as ${t}`).join(', ')}`,
  );
  return r.rows[0];
}

/** Empties the population tables in one statement. fact_changes is kept: its seq is the consistency token and must only grow. */
export async function emptyPopulation(db: Queryable): Promise<void> {
  await db.query(`truncate ${POPULATION_TABLES.join(', ')}`);
}
