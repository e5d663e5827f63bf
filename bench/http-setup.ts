/**
 * What every HTTP measurement of the service needs, for `npm run bench` and `npm run bench:profile` alike:
 * a bench token issuer the service trusts (NTK_BENCH_ISSUER, read by bench/server.ts), a token per actor,
 * and requests made from a scenario (checked answers) or for the no-op baseline.
 */
import { generateKeyPairSync } from 'node:crypto';
import { demoIssuerFromKey } from '../src/identity/demo-issuer.ts';
import { claimsFor, type Fixture } from './fixtures.ts';
import { bodyOf, checkHttp, sectionsOf, type ActorKey, type Scenario } from './scenarios.ts';
import type { Request } from './http.ts';

const ISSUER = 'https://bench-issuer.needtoknow.local';
const AUDIENCE = 'needtoknow-bench';

export interface HttpBench {
  /** Environment for bench/server.ts: trust the bench issuer. */
  issuerEnv: Record<string, string>;
  /** The scenario's next call as an HTTP request whose answer is checked. */
  request(scenario: Scenario): Request;
  /** A request for the no-op baseline (the same body and headers, path /noop). */
  noop(scenario: Scenario): Request;
}

export function httpBench(fixture: Fixture): HttpBench {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const issuer = demoIssuerFromKey('bench-1', privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), ISSUER, AUDIENCE);
  const jwk = { ...[...issuer.trusted.keys.values()][0].key.export({ format: 'jwk' }), kid: 'bench-1' };
  const tokens: Record<ActorKey, string> = {
    healthVisitor: issuer.sign(claimsFor(fixture.healthVisitor) as never, { expiresIn: 12 * 3600 }),
    clinician: issuer.sign(claimsFor(fixture.clinician) as never, { expiresIn: 12 * 3600 }),
  };
  const request = (scenario: Scenario): Request => {
    const call = scenario.next();
    return {
      path: call.path, body: JSON.stringify(bodyOf(call)), headers: { authorization: `Bearer ${tokens[call.actor]}` },
      sections: sectionsOf(call), verify: (b) => checkHttp(call, b),
    };
  };
  return {
    issuerEnv: { NTK_BENCH_ISSUER: JSON.stringify({ issuer: ISSUER, audience: AUDIENCE, jwk }) },
    request,
    noop: (scenario) => ({
      ...request(scenario), path: '/noop', sections: 0,
      verify: (b) => ((b as { ok?: boolean }).ok === true ? null : 'baseline answered wrongly'),
    }),
  };
}
