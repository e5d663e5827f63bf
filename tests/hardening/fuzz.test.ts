/**
 * Every route, fuzzed: random paths, queries, bodies and callers must give a clean answer, never a
 * 5xx and never a body that is not problem+json when it is an error. Seeded, so a failure replays.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import type { TestService } from '../support/app.ts';
import { NHS, useFixtureService, users } from '../support/fixture.ts';

const nasty = fc.oneof(
  fc.constantFrom(NHS.toddler, NHS.unknown, '0000000000', '9990000019', '', ' ', '..%2F..%2Fetc%2Fpasswd', "'; drop table users; --", '%00', '0000-01-01', '9999-12-31T23:59:59Z', 'null', '-1', '1e309', 'hv1', 'ct1.99999999999'),
  fc.string({ maxLength: 40 }),
  fc.integer().map(String),
);
const value: fc.Arbitrary<unknown> = fc.oneof(nasty, fc.integer(), fc.boolean(), fc.constant(null), fc.array(nasty, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 8 }), nasty, { maxKeys: 3 }));
const KNOWN_KEYS = ['child', 'sections', 'action', 'purposeOfUse', 'breakGlassId', 'atLeast', 'requests', 'grantee', 'reason', 'reasonCode', 'expiresAt', 'durationMinutes',
  'outcome', 'notes', 'dateOfBirth', 'area', 'gpPractice', 'subject', 'type', 'source', 'validFrom', 'validTo', 'name', 'orgCode', 'kind', 'teams', 'user', 'roleCode', 'from', 'to', 'limit', 'cursor', 'format', 'status'];
const body = fc.oneof(fc.constant(undefined), fc.dictionary(fc.constantFrom(...KNOWN_KEYS), value, { maxKeys: 6 }), fc.jsonValue({ maxDepth: 2 }));
const query = fc.dictionary(fc.constantFrom(...KNOWN_KEYS), nasty, { maxKeys: 4 });

describe.each(storeKinds)('fuzzing every route ($name)', (kind) => {
  let svc: TestService;
  useFixtureService(kind, (s) => (svc = s));

  it('answers every random request without a 5xx, and every error as problem+json', async () => {
    const tokens = [undefined, 'garbage', svc.adminToken(), svc.tokenFor(users.ig), svc.tokenFor(users.hv), svc.tokenFor(users.lead), svc.tokenFor(users.gp)];
    const routes = svc.routes.filter((r) => !['/metrics', '/docs', '/docs.js', '/openapi.json'].includes(r.path));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.array(nasty, { minLength: 3, maxLength: 3 }), query, body, fc.constantFrom(...tokens.keys()), async (route, params, q, b, t) => {
        let i = 0;
        const path = route.path.replace(/\{\w+\}/g, () => encodeURIComponent(params[i++]));
        let req = svc.http[route.method](path).query(q);
        if (tokens[t]) req = req.set('Authorization', `Bearer ${tokens[t]}`);
        // Sent as JSON text: any JSON value, including bare scalars, is fair game.
        const r = b === undefined ? await req : await req.set('Content-Type', 'application/json').send(JSON.stringify(b));
        expect(r.status, `${route.method} ${path} ${JSON.stringify(q)} ${JSON.stringify(b)}`).toBeLessThan(500);
        if (r.status >= 400) {
          expect(r.headers['content-type']).toMatch(/application\/problem\+json/);
          expect(r.body.status).toBe(r.status);
        }
      }),
      { numRuns: Number(process.env.NTK_FUZZ_RUNS ?? 400), seed: Number(process.env.NTK_FUZZ_SEED ?? 11) },
    );
  });
});
