/**
 * decide() is the one interpreter of the model: its trace names the casbin rule behind every basis,
 * and "does any rule open this purpose" is casbin's own answer, whatever the rules look like.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Policy, readPolicyFiles } from '../../src/policy/policy.ts';
import { decide } from '../../src/policy/decide.ts';
import type { Facts } from '../../src/policy/facts.ts';
import type { Principal } from '../../src/identity/principal.ts';
import { PURPOSES, SECTIONS } from '../../src/policy/vocabulary.ts';

const now = new Date('2026-06-15T12:00:00Z');
const hv: Principal = { userId: 'hv1', machine: false, role: 'health-visitor', orgCode: 'RNU', activities: [], workgroups: ['HV-A'], teams: [{ id: 'HV-A', kind: 'health-visiting', area: 'oxfordshire', schools: [] }] };

function factsFor(type: string, ageYears: number, subject = 'team:HV-A'): Facts {
  return {
    child: { nhsNumber: '9990000018', dateOfBirth: `${2026 - ageYears - 1}-12-01`, area: 'oxfordshire', sealed: false, restricted: false, labels: {}, consentWithheld: [] },
    relationships: [{ id: 'r1', subject, type, validFrom: new Date('2020-01-01T00:00:00Z'), validTo: null }],
    grants: [],
    breakGlass: [],
  };
}

async function policyWith(access: string): Promise<Policy> {
  const files = await readPolicyFiles();
  const limits = files.access.split('\n').filter((l) => l.startsWith('g2,') || l.startsWith('g,')).join('\n');
  return Policy.fromFiles({ ...files, access: `${limits}\n${access}` });
}

describe('decide() and its trace', () => {
  it('names the rule that permitted each basis', async () => {
    const policy = await policyWith('p, health-visitor, core, caseload, TREAT|ETREAT, 0-5, allow');
    const [d] = decide(hv, { sections: ['immunisations'], action: 'read', purpose: 'TREAT' }, factsFor('caseload', 2), policy, now);
    expect(d.decision).toBe('permit');
    expect(d.trace.checks).toEqual([{ basis: 'caseload', via: 'team:HV-A', allowed: true, rule: ['health-visitor', 'core', 'caseload', 'TREAT|ETREAT', '0-5', 'allow'] }]);
  });

  it('honours a rule whose purposes are "*" for every purpose, as casbin does', async () => {
    const policy = await policyWith('p, health-visitor, core, caseload, *, 0-5, allow');
    for (const purpose of ['TREAT', 'HOPERAT', 'PUBHLTH']) {
      const [d] = decide(hv, { sections: ['immunisations'], action: 'read', purpose }, factsFor('caseload', 2), policy, now);
      expect(d.decision, purpose).toBe('permit');
    }
  });

  it('says PURPOSE_NOT_PERMITTED exactly when no rule allows any basis at any age for that purpose (random rule sets)', async () => {
    const files = await readPolicyFiles();
    const limits = files.access.split('\n').filter((l) => l.startsWith('g2,') || l.startsWith('g,')).join('\n');
    const roles = ['health-visitor', 'school-nurse', 'gp', '*'];
    const sectionsOrGroups = [...SECTIONS, 'core', 'all'];
    const rels = ['caseload', 'referral', 'gp-registration', 'grant'];
    const purposes = fc.oneof(fc.constant('*'), fc.uniqueArray(fc.constantFrom(...PURPOSES.filter((p) => p !== 'BTG')), { minLength: 1, maxLength: 3 }).map((p) => p.join('|')));
    const ages = fc.oneof(fc.constant('*'), fc.tuple(fc.integer({ min: 0, max: 19 }), fc.integer({ min: 0, max: 19 })).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`));
    const rule = fc.tuple(fc.constantFrom(...roles), fc.constantFrom(...sectionsOrGroups), fc.constantFrom(...rels), purposes, ages, fc.constantFrom('allow', 'allow', 'deny'))
      .map((r) => `p, ${r.join(', ')}`);
    await fc.assert(
      fc.asyncProperty(fc.array(rule, { minLength: 0, maxLength: 6 }), fc.constantFrom(...SECTIONS), fc.constantFrom(...PURPOSES.filter((p) => p !== 'BTG')), fc.constantFrom(...rels.filter((r) => r !== 'grant')), fc.integer({ min: 0, max: 19 }),
        async (rules, section, purpose, type, age) => {
          const policy = await Policy.fromFiles({ ...files, access: `${limits}\n${rules.join('\n')}` });
          const [d] = decide(hv, { sections: [section], action: 'read', purpose }, factsFor(type, age), policy, now);
          const anyAllowed = policy.roleMaySee('health-visitor', section) &&
            rels.some((rel) => Array.from({ length: 20 }, (_, a) => a).some((a) => policy.enforcer.enforceSync('health-visitor', section, rel, purpose, a)));
          expect(d.reasons.includes('PURPOSE_NOT_PERMITTED')).toBe(d.trace.roleMaySee && !anyAllowed);
          // A permit is casbin's own answer for the basis it names.
          if (d.decision === 'permit') expect(policy.enforcer.enforceSync('health-visitor', section, type, purpose, d.trace.age)).toBe(true);
        }),
      { numRuns: 150, seed: 20261129 },
    );
  });
});
