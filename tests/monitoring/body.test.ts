/**
 * The runner parses only the actor and details.basis of a stored decision body (src/monitoring/event.ts):
 * whatever the body holds, it must read what parsing the whole body reads.
 */
import { describe, expect, it } from 'vitest';
import canonicalize from 'canonicalize';
import { actorAndBasis } from '../../src/monitoring/event.ts';

const decision = (over: Record<string, unknown>) => ({
  v: 1, seq: 7, id: 'ev-1', ts: '2026-02-02T10:00:00.000Z', kind: 'decision', action: 'read', child: '9990000018', section: 'demographics',
  decision: 'permit', breakGlass: false, actor: { user: 'hv1', role: 'health-visitor', org: 'RNU', client: 'cis' },
  details: { basis: [{ kind: 'relationship', type: 'caseload', via: 'team:HV-A', relationshipId: 'rel-1' }], obligations: [], reason: { code: 'PERMIT' } },
  ...over,
});

const bodies: [string, Record<string, unknown>][] = [
  ['an ordinary read', decision({})],
  ['a brace inside an actor string', decision({ actor: { user: 'a}b', role: 'hv' } })],
  ['a quote inside the role', decision({ actor: { user: 'u', role: 'r"q' } })],
  ['a bracket inside a basis string', decision({ details: { basis: [{ kind: 'relationship', type: 'caseload', via: 'team:a]b' }] } })],
  ['an array inside a basis', decision({ details: { basis: [{ kind: 'grant', ids: ['a', 'b'] }, { kind: 'break-glass' }] } })],
  ['an object inside the actor', decision({ actor: { user: 'u', extra: { role: 'not this one' } } })],
  ['no role, and a role key in details', decision({ actor: { user: 'u' }, details: { basis: [], role: 'not this one' } })],
  ['a details key before basis', decision({ details: { alert: 'x', basis: [{ kind: 'break-glass' }] } })],
  ['an escaped quote in the action', decision({ action: 're"ad' })],
  ['no breakGlass member', { ...decision({}), breakGlass: undefined }],
  ['a deny with no basis', decision({ decision: 'deny', details: { basis: [], reason: { code: 'NO_RELATIONSHIP' } } })],
];

describe('reading a decision body in pieces', () => {
  it.each(bodies)('%s reads as the whole body does', (_name, event) => {
    const text = canonicalize(event)!;
    const whole = JSON.parse(text);
    const pieces = actorAndBasis(text);
    expect(pieces.actor?.role).toEqual(whole.actor?.role);
    expect(pieces.details?.basis).toEqual(whole.details?.basis);
  });
});
