/**
 * A loaded policy: the casbin enforcer over policies/model.conf + access.csv, the role mapping
 * (roles.json) and the parameters (parameters.json), with the version = SHA-256 of those files.
 * A Policy is immutable once built; reload builds a new one and swaps it (see holder.ts).
 *
 * casbin evaluates its matcher against every rule on every call, so answers are memoised per
 * policy: the inputs (role, section, basis kind, purpose, age in years) are discrete and few.
 * Every question this class answers is put to casbin itself (no second reading of model.conf):
 * the role limits are the g2 grouping, and "does any rule open this purpose" asks the enforcer
 * for every basis kind the rules name and every age a record is kept for.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { newEnforcer, newModelFromString, StringAdapter, type Enforcer } from 'casbin';
import { z } from 'zod';
import { SECTIONS } from './vocabulary.ts';

export const policiesDir = fileURLToPath(new URL('../../policies/', import.meta.url));
export const POLICY_FILES = ['model.conf', 'access.csv', 'roles.json', 'parameters.json'] as const;

const roleRule = z.object({
  role: z.string(),
  accessRoles: z.array(z.string()).min(1),
  activitiesAny: z.array(z.string()).optional(),
  teamKind: z.string().optional(),
  orgKind: z.string().optional(),
});
export const rolesSchema = z.object({
  machineClients: z.array(z.object({ scope: z.string(), role: z.string() })),
  rules: z.array(roleRule),
  capabilities: z.record(z.string(), z.array(z.string())),
  overrideActivity: z.string(),
});
export type RoleMapping = z.infer<typeof rolesSchema>;
export type RoleRule = z.infer<typeof roleRule>;

export const parametersSchema = z.object({
  archiveAfterAge: z.number().int().positive(),
  relationshipGraceDays: z.record(z.string(), z.number().nonnegative()),
  handoverDays: z.number().positive(),
  selfClaimHours: z.number().positive(),
  breakGlass: z.object({
    maxMinutes: z.number().positive(),
    defaultMinutes: z.number().positive(),
    reviewOverdueDays: z.number().positive(),
    minReasonLength: z.number().int().nonnegative(),
    reasonCodes: z.array(z.string().regex(/^[A-Z_]{2,40}$/)).min(1),
  }),
  grants: z.object({ maxDays: z.number().positive(), minReasonLength: z.number().int().nonnegative() }),
  /** Separation of duties: what a person may do about their own access (false: refused, 403, audited). Absent: all refused. */
  separationOfDuties: z.strictObject({
    /** May someone review a break-glass they declared themselves? */
    selfReview: z.boolean(),
    /** May a safeguarding lead grant herself access? */
    selfGrant: z.boolean(),
    /** May a safeguarding lead grant a team she belongs to (by the feed or by her token's workgroups)? */
    grantToOwnTeam: z.boolean(),
  }).default({ selfReview: false, selfGrant: false, grantToOwnTeam: false }),
  restrictedDemographicsRedact: z.array(z.string()),
  overrideNeedsActivity: z.array(z.string()),
  sectionsDeniedWhenSealed: z.array(z.string()),
});
export type Parameters = z.infer<typeof parametersSchema>;

export interface PolicyFiles {
  model: string;
  access: string;
  roles: string;
  parameters: string;
}

export interface RuleAnswer {
  allowed: boolean;
  /** The rule that decided it, as written in access.csv (empty when no rule allowed). */
  rule: string[];
}

export class Policy {
  private readonly memo = new Map<string, RuleAnswer>();
  private readonly opens = new Map<string, boolean>();
  /** How far back an ended relationship can still count: the longest grace period of any type. */
  readonly lookbackDays: number;

  private constructor(
    readonly version: string,
    readonly enforcer: Enforcer,
    readonly roles: RoleMapping,
    readonly parameters: Parameters,
    readonly loadedAt: Date,
    /** The basis kinds (`rel` column) the rules name: the only ones any rule can allow. */
    private readonly basisKinds: string[],
    /** role|section pairs linked by casbin's g2 role manager. */
    private readonly sees: Set<string>,
  ) {
    this.lookbackDays = Math.max(0, ...Object.values(parameters.relationshipGraceDays));
  }

  static async fromFiles(files: PolicyFiles): Promise<Policy> {
    const version = 'sha256:' + createHash('sha256')
      .update(JSON.stringify([files.model, files.access, files.roles, files.parameters]))
      .digest('hex');
    const roles = rolesSchema.parse(JSON.parse(files.roles));
    const parameters = parametersSchema.parse(JSON.parse(files.parameters));
    const rows = stripComments(files.access);
    // An empty rule file is a valid policy that denies everything (casbin's StringAdapter refuses '').
    const enforcer = rows
      ? await newEnforcer(newModelFromString(files.model), new StringAdapter(rows))
      : await newEnforcer(newModelFromString(files.model));
    enforcer.addFunction('listHas', (list: string, item: string) => list === '*' || list.split('|').includes(item));
    enforcer.addFunction('ageIn', (age: number, range: string) => {
      if (range === '*') return true;
      const [lo, hi] = range.split('-').map(Number);
      return age >= lo && age <= hi;
    });
    const basisKinds = [...new Set((await enforcer.getPolicy()).map((rule) => rule[2]))];
    const sees = new Set<string>();
    const limits = enforcer.getNamedRoleManager('g2');
    const roleNames = new Set((await enforcer.getNamedGroupingPolicy('g2')).map(([role]) => role));
    for (const role of roleNames) {
      for (const section of SECTIONS) if (await limits?.hasLink(role, section)) sees.add(`${role}|${section}`);
    }
    return new Policy(version, enforcer, roles, parameters, new Date(), basisKinds, sees);
  }

  /** An empty policy: every request is denied. Used when no policy could be loaded. */
  static async denyAll(): Promise<Policy> {
    return Policy.fromFiles({ model: DENY_ALL_MODEL, access: '', roles: EMPTY_ROLES, parameters: JSON.stringify(DEFAULT_PARAMETERS) });
  }

  /** The role limits: may this role ever see this section? (casbin's g2 grouping) */
  roleMaySee(role: string, section: string): boolean {
    return this.sees.has(`${role}|${section}`);
  }

  /**
   * Does any rule open this section to this role for this purpose, for some basis and some age a
   * record is kept for? Asked of casbin over the basis kinds the rules name and every such age, once
   * per policy and question (a false answer costs at most kinds × ages memoised checks).
   */
  purposeOpens(role: string, section: string, purpose: string): boolean {
    const key = `${role}|${section}|${purpose}`;
    let hit = this.opens.get(key);
    if (hit === undefined) {
      hit = false;
      for (let age = 0; !hit && age < this.parameters.archiveAfterAge; age++) {
        hit = this.basisKinds.some((rel) => this.allows(role, section, rel, purpose, age));
      }
      this.opens.set(key, hit);
    }
    return hit;
  }

  /** The casbin decision for one basis, memoised for the life of this policy. */
  allows(role: string, section: string, rel: string, purpose: string, age: number): boolean {
    return this.allowsEx(role, section, rel, purpose, age).allowed;
  }

  /** The same decision with the rule that decided it (for traces), memoised likewise. */
  allowsEx(role: string, section: string, rel: string, purpose: string, age: number): RuleAnswer {
    const key = `${role}|${section}|${rel}|${purpose}|${age}`;
    let hit = this.memo.get(key);
    if (hit === undefined) {
      const [allowed, rule] = this.enforcer.enforceExSync(role, section, rel, purpose, age);
      hit = { allowed, rule: allowed ? rule : [] };
      this.memo.set(key, hit);
    }
    return hit;
  }

  capability(name: string, role: string | undefined): boolean {
    return role !== undefined && (this.roles.capabilities[name] ?? []).includes(role);
  }

  /** All allow/deny rules, for reporting which ones the golden cases exercise. */
  async rules(): Promise<string[][]> {
    return this.enforcer.getPolicy();
  }
}

export async function readPolicyFiles(dir = policiesDir): Promise<PolicyFiles> {
  const [model, access, roles, parameters] = await Promise.all(POLICY_FILES.map((f) => readFile(path.join(dir, f), 'utf8')));
  return { model, access, roles, parameters };
}

export async function loadPolicy(dir = policiesDir): Promise<Policy> {
  return Policy.fromFiles(await readPolicyFiles(dir));
}

function stripComments(csv: string): string {
  return csv
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'))
    .join('\n');
}

const DENY_ALL_MODEL = `[request_definition]
r = role, section, rel, purpose, age
[policy_definition]
p = role, section, rel, purposes, ages, eft
[role_definition]
g = _, _
g2 = _, _
[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))
[matchers]
m = g2(r.role, r.section) && p.role == r.role && p.rel == r.rel`;

const EMPTY_ROLES = JSON.stringify({ machineClients: [], rules: [], capabilities: {}, overrideActivity: 'B0083' });

const DEFAULT_PARAMETERS: Parameters = {
  archiveAfterAge: 20,
  relationshipGraceDays: {},
  handoverDays: 0.0001,
  selfClaimHours: 0.0001,
  breakGlass: { maxMinutes: 1, defaultMinutes: 1, reviewOverdueDays: 7, minReasonLength: 20, reasonCodes: ['EMERGENCY_TREATMENT'] },
  grants: { maxDays: 1, minReasonLength: 10 },
  separationOfDuties: { selfReview: false, selfGrant: false, grantToOwnTeam: false },
  restrictedDemographicsRedact: ['address', 'postcode'],
  overrideNeedsActivity: [],
  sectionsDeniedWhenSealed: [],
};
