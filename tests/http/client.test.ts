/** The TypeScript client in clients/typescript: generated from the routes, typechecked, and working against the service. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCUMENT_FILE, SCHEMA_FILE, generate } from '../../clients/typescript/generate.ts';
import { createNeedToKnowClient, isItemProblem } from '../../clients/typescript/index.ts';
import { storeKinds } from '../support/stores.ts';
import { startTestService, type TestService } from '../support/app.ts';
import { feedFixture, NHS, users } from '../support/fixture.ts';

const run = promisify(execFile);

describe('the committed TypeScript client', () => {
  it('matches the routes: openapi.json and schema.d.ts are what `npm run client:generate` writes now', async () => {
    const { document, schema } = await generate();
    expect(readFileSync(DOCUMENT_FILE, 'utf8'), 'run npm run client:generate').toBe(document);
    expect(readFileSync(SCHEMA_FILE, 'utf8'), 'run npm run client:generate').toBe(schema);
  }, 60_000);

  it('typechecks, with the worked example', async () => {
    const tsc = ['node_modules/typescript/bin/tsc', '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext',
      '--allowImportingTsExtensions', '--skipLibCheck', '--types', 'node', 'clients/typescript/example.ts'];
    const result = await run(process.execPath, tsc).then(() => '', (e: { stdout?: string }) => e.stdout ?? String(e));
    expect(result).toBe('');
  }, 120_000);
});

describe.each(storeKinds)('the TypeScript client against the service ($name)', (kind) => {
  let svc: TestService;
  let server: Server;
  let baseUrl: string;
  beforeAll(async () => {
    svc = await startTestService(kind);
    await feedFixture(svc);
    server = createServer(svc.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await svc?.close();
  });

  it('authorises a clinic list, answering a bad item in its own slot, and reads problems as typed errors', async () => {
    const ntk = createNeedToKnowClient({ baseUrl, token: () => svc.tokenFor(users.hv) });
    const read = (child: string) => ({ child, sections: ['immunisations' as const], action: 'read' as const, purposeOfUse: 'TREAT' as const });
    const { data, error } = await ntk.POST('/v1/authorise:batch', { body: { requests: [read(NHS.toddler), read('123')] } });
    expect(error).toBeUndefined();
    const [ok, bad] = data!.results;
    expect(isItemProblem(ok) ? ok.problem : ok.decisions[0].basis?.[0].display).toBe('Banbury health visiting, caseload with no end date');
    expect(isItemProblem(bad) && bad.problem.status).toBe(400);

    const refused = await createNeedToKnowClient({ baseUrl, token: 'not-a-jwt' }).POST('/v1/authorise', { body: read(NHS.toddler) });
    expect(refused.response.status).toBe(401);
    expect(refused.error).toMatchObject({ status: 401 });
  });
});
