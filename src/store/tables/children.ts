/** The children table: the child facts rules look at, from the child feed. */
import type { Queryable } from '../store.ts';

export interface ChildRow {
  nhsNumber: string;
  dateOfBirth: string;
  area: string;
  gpPractice: string;
  school: string | null;
  familyNameHash: string | null;
  postcodeHash: string | null;
  sealed: boolean;
  restricted: boolean;
  labels: Record<string, string[]>;
  consentWithheld: string[];
}

export interface ChildPlacement {
  area: string;
  gp_practice: string | null;
  school: string | null;
}

/** Where the child is registered now, locking the row for the caller's transaction; undefined for a child never fed. */
export async function placementForUpdate(tx: Queryable, nhsNumber: string): Promise<ChildPlacement | undefined> {
  return (await tx.query<ChildPlacement>('select area, gp_practice, school from children where nhs_number = $1 for update', [nhsNumber])).rows[0];
}

export async function upsertChild(tx: Queryable, c: ChildRow, now: Date): Promise<void> {
  await tx.query(
    `insert into children (nhs_number, date_of_birth, area, gp_practice, school, family_name_hash, postcode_hash, sealed, restricted, labels, consent_withheld, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     on conflict (nhs_number) do update set date_of_birth = excluded.date_of_birth, area = excluded.area, gp_practice = excluded.gp_practice,
       school = excluded.school, family_name_hash = excluded.family_name_hash, postcode_hash = excluded.postcode_hash, sealed = excluded.sealed,
       restricted = excluded.restricted, labels = excluded.labels, consent_withheld = excluded.consent_withheld, updated_at = excluded.updated_at`,
    [
      c.nhsNumber, c.dateOfBirth, c.area, c.gpPractice, c.school, c.familyNameHash, c.postcodeHash,
      c.sealed, c.restricted, JSON.stringify(c.labels), c.consentWithheld, now.toISOString(),
    ],
  );
}

/** The child's area and date of birth (YYYY-MM-DD), or undefined for an NHS number never fed. */
export async function childArea(db: Queryable, nhsNumber: string): Promise<{ area: string; dateOfBirth: string } | undefined> {
  const { rows } = await db.query<{ area: string; date_of_birth: string }>(
    'select area, date_of_birth::text as date_of_birth from children where nhs_number = $1', [nhsNumber]);
  return rows[0] ? { area: rows[0].area, dateOfBirth: rows[0].date_of_birth } : undefined;
}

export async function childExists(db: Queryable, nhsNumber: string): Promise<boolean> {
  return (await db.query<{ known: boolean }>('select exists(select 1 from children where nhs_number = $1) as known', [nhsNumber])).rows[0].known;
}

/** How many children have been fed (the demo loads its population into an empty store only). */
export async function countChildren(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>('select count(*)::int as n from children', []);
  return rows[0].n;
}
