/** All live facts of one child, whoever holds them (every subject): for exposure reports. */
import type { Queryable } from '../store/store.ts';
import type { Facts } from '../policy/facts.ts';
import { BREAK_GLASS_JSON, CHILD_JSON, GRANTS_JSON, RELATIONSHIPS_JSON, toFacts, type FactsRow } from './shape.ts';

const SQL = `select
  (select ${CHILD_JSON} from children where nhs_number = $1) as child,
  (select ${RELATIONSHIPS_JSON} from relationships where child = $1 and (valid_to is null or valid_to > $2::timestamptz)) as relationships,
  (select ${GRANTS_JSON} from grants where child = $1 and revoked_at is null and expires_at > $2::timestamptz) as grants,
  (select ${BREAK_GLASS_JSON} from break_glass where child = $1 and expires_at > $2::timestamptz) as break_glass`;

export async function gatherChildFacts(db: Queryable, nhsNumber: string, since: Date): Promise<Facts> {
  const { rows } = await db.query<FactsRow>(SQL, [nhsNumber, since.toISOString()]);
  return toFacts(rows[0]);
}
