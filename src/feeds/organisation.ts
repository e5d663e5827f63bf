/** The organisation feed: organisations, teams and staff, each write one audited change. */
import type { Queryable } from '../store/store.ts';
import type { AuditedChanges } from '../change/audited-change.ts';
import type { Principal } from '../identity/principal.ts';
import { actorOf } from '../trail/actor.ts';
import { InvalidInput } from '../errors.ts';
import { upsertOrg, type OrgInput } from '../store/tables/orgs.ts';
import { unknownTeamIds, upsertTeam, type TeamRow } from '../store/tables/teams.ts';
import { upsertUser } from '../store/tables/staff.ts';
import type { FactHasher } from './hash.ts';

/** Who made a feed change, for its trail event. */
export interface By {
  principal: Principal;
  requestId: string;
}

const factEvent = (by: By, details: Record<string, unknown>) => ({ kind: 'fact', actor: actorOf(by.principal), requestId: by.requestId, details });

/** One upsert of an org or a team as an audited change: the row, its fact-change token and its trail event. */
async function putOne(changes: AuditedChanges, by: By, entity: 'org' | 'team', key: string, upsert: (tx: Queryable) => Promise<boolean>) {
  const { value: created, consistencyToken } = await changes.run(async (c) => {
    const inserted = await upsert(c.tx);
    c.factChanged(entity, key);
    c.audit(factEvent(by, { entity, key, created: inserted }));
    return inserted;
  });
  return { created, consistencyToken: consistencyToken! };
}

export const putOrg = (changes: AuditedChanges, by: By, org: OrgInput) => putOne(changes, by, 'org', org.code, (tx) => upsertOrg(tx, org));
export const putTeam = (changes: AuditedChanges, by: By, team: TeamRow) => putOne(changes, by, 'team', team.id, (tx) => upsertTeam(tx, team));

export interface UserInput {
  id: string;
  name: string;
  orgCode: string;
  teams: string[];
  familyName?: string;
  postcode?: string;
}

/** Every team named must have been fed (400 naming body.teams otherwise). */
export async function putUser(changes: AuditedChanges, hasher: FactHasher, by: By, user: UserInput) {
  const { value: created, consistencyToken } = await changes.run(async (c) => {
    const unknown = await unknownTeamIds(c.tx, user.teams);
    InvalidInput.throwIfAny(unknown.map((t) => ({ field: 'body.teams', message: `no team with this id has been fed: ${t}` })));
    const inserted = await upsertUser(c.tx, {
      id: user.id, name: user.name, orgCode: user.orgCode,
      familyNameHash: hasher.hash('family-name', user.familyName), postcodeHash: hasher.hash('postcode', user.postcode),
    }, user.teams);
    c.factChanged('user', user.id);
    c.audit(factEvent(by, { entity: 'user', key: user.id, created: inserted, teams: user.teams }));
    return inserted;
  });
  return { created, consistencyToken: consistencyToken! };
}
