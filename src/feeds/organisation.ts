/** The organisation feed: organisations, teams and staff, each write one audited change. */
import type { AuditedChanges } from '../change/audited-change.ts';
import type { Principal } from '../identity/principal.ts';
import { actorOf } from '../trail/actor.ts';
import { InvalidInput } from '../errors.ts';
import { upsertOrg, type OrgInput } from '../store/tables/orgs.ts';
import { unknownTeamIds, upsertTeam, type TeamRow } from '../store/tables/teams.ts';
import { upsertUser } from '../store/tables/users.ts';
import type { FactHasher } from './hash.ts';

/** Who made a feed change, for its trail event. */
export interface By {
  principal: Principal;
  requestId: string;
}

const factEvent = (by: By, details: Record<string, unknown>) => ({ kind: 'fact', actor: actorOf(by.principal), requestId: by.requestId, details });

export async function putOrg(changes: AuditedChanges, by: By, org: OrgInput) {
  const { value: created, consistencyToken } = await changes.run(async (c) => {
    const inserted = await upsertOrg(c.tx, org);
    c.factChanged('org', org.code);
    c.audit(factEvent(by, { entity: 'org', key: org.code, created: inserted }));
    return inserted;
  });
  return { created, consistencyToken: consistencyToken! };
}

export async function putTeam(changes: AuditedChanges, by: By, team: TeamRow) {
  const { value: created, consistencyToken } = await changes.run(async (c) => {
    const inserted = await upsertTeam(c.tx, team);
    c.factChanged('team', team.id);
    c.audit(factEvent(by, { entity: 'team', key: team.id, created: inserted }));
    return inserted;
  });
  return { created, consistencyToken: consistencyToken! };
}

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
