/** Writes a deterministic synthetic population (orgs, teams, staff, children, relationships) in streaming batches. */
import type { Store } from '../store/store.ts';
import { AREAS } from './areas.ts';
import { ChildFactory, CHILD_COLUMNS, RELATIONSHIP_COLUMNS } from './children.ts';
import { isoDate, utcMidnight } from './dates.ts';
import { MAX_TEST_NHS_NUMBERS, testNhsNumbers } from './nhs.ts';
import { Rng } from './prng.ts';
import { buildWorld } from './workforce.ts';

export const MAX_CHILDREN = MAX_TEST_NHS_NUMBERS;

export interface GenerateOptions {
  children: number;
  seed: number;
  /** Ages and relationship dates are relative to this day (UTC); default today. */
  referenceDate?: Date;
  onProgress?: (progress: Progress) => void;
  /** Children generated and written per batch (default 10,000). */
  chunkSize?: number;
}

export interface Progress {
  phase: 'workforce' | 'children';
  area?: string;
  children: number;
  totalChildren: number;
  rows: number;
  elapsedMs: number;
}

export interface Summary {
  seed: number;
  referenceDate: string;
  orgs: number;
  teams: number;
  users: number;
  userTeams: number;
  children: number;
  relationships: number;
  /** All rows written. */
  rows: number;
  elapsedMs: number;
  orgsByKind: Record<string, number>;
  teamsByKind: Record<string, number>;
  relationshipsByType: Record<string, number>;
}

function tally(rows: unknown[][], column: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) out[String(r[column])] = (out[String(r[column])] ?? 0) + 1;
  return out;
}

export async function generatePopulation(store: Store, options: GenerateOptions): Promise<Summary> {
  const { children: total, seed, onProgress } = options;
  if (!Number.isInteger(total) || total < 1 || total > MAX_CHILDREN) {
    throw new RangeError(`children must be a whole number from 1 to ${MAX_CHILDREN} (the 999 test range), got ${total}`);
  }
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    throw new RangeError(`seed must be a whole number from 0 to ${0xffffffff}, got ${seed}`);
  }
  const chunkSize = options.chunkSize ?? 10_000;
  const ref = utcMidnight(options.referenceDate ?? new Date());
  if (Number.isNaN(ref.getTime())) throw new RangeError('referenceDate is not a valid date');
  const started = performance.now();
  const elapsedMs = () => Math.round(performance.now() - started);

  const world = buildWorld(total, seed);
  await store.copyRows('orgs', ['code', 'name', 'kind', 'area'], world.orgs);
  await store.copyRows('teams', ['id', 'name', 'org_code', 'kind', 'area', 'schools'], world.teams);
  await store.copyRows('users', ['id', 'name', 'org_code'], world.users);
  await store.copyRows('user_teams', ['user_id', 'team_id'], world.userTeams);
  let rows = world.orgs.length + world.teams.length + world.users.length + world.userTeams.length;
  let done = 0;
  onProgress?.({ phase: 'workforce', children: 0, totalChildren: total, rows, elapsedMs: elapsedMs() });

  const numbers = testNhsNumbers(seed);
  const factory = new ChildFactory(world, ref);
  let inFlight: Promise<void> = Promise.resolve();
  for (const [areaIndex, area] of world.areas.entries()) {
    // One stream per area, so an area's children do not depend on how the others were batched.
    const rng = new Rng(seed, 100 + areaIndex);
    for (let left = area.children; left > 0; ) {
      const n = Math.min(chunkSize, left);
      const childRows: unknown[][] = [];
      const relRows: unknown[][] = [];
      for (let i = 0; i < n; i++) {
        const next = numbers.next();
        if (next.done) throw new RangeError('ran out of test NHS numbers');
        factory.make(rng, areaIndex, next.value, childRows, relRows);
      }
      // Write this batch while the next one is generated: at most one batch in flight, so memory stays bounded.
      await inFlight;
  // Fresh statistics, or the planner guesses on empty tables (PGlite has no autovacuum to fix that later).
  await store.query('analyze orgs, teams, users, user_teams, children, relationships');
      left -= n;
      const batch = { area: AREAS[areaIndex].code, n, rows: childRows.length + relRows.length };
      // Relationships are most of the rows: two COPY streams keep PostgreSQL's index maintenance on both cores.
      const half = relRows.length >> 1;
      inFlight = Promise.all([
        store.copyRows('children', CHILD_COLUMNS, childRows),
        store.copyRows('relationships', RELATIONSHIP_COLUMNS, relRows.slice(0, half)),
        store.copyRows('relationships', RELATIONSHIP_COLUMNS, relRows.slice(half)),
      ]).then(() => {
        done += batch.n;
        rows += batch.rows;
        onProgress?.({ phase: 'children', area: batch.area, children: done, totalChildren: total, rows, elapsedMs: elapsedMs() });
      });
    }
  }
  await inFlight;
  // Fresh statistics, or the planner guesses on empty tables (PGlite has no autovacuum to fix that later).
  await store.query('analyze orgs, teams, users, user_teams, children, relationships');
  // Advance the consistency token once for the whole load, so anything caching facts knows they changed.
  await store.query('insert into fact_changes (kind, key) values ($1, $2)', [
    'population',
    `generate seed=${seed} children=${total} reference=${isoDate(ref)}`,
  ]);

  return {
    seed,
    referenceDate: isoDate(ref),
    orgs: world.orgs.length,
    teams: world.teams.length,
    users: world.users.length,
    userTeams: world.userTeams.length,
    children: done,
    relationships: factory.relationships,
    rows,
    elapsedMs: elapsedMs(),
    orgsByKind: tally(world.orgs, 2),
    teamsByKind: tally(world.teams, 3),
    relationshipsByType: { ...factory.relationshipsByType },
  };
}
