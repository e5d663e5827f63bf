/**
 * Never extend a history that cannot be proved: after a database owner rewrites an event and its tree
 * nodes, a restarted service signs nothing and answers 503 to authorise and to the audit reads; an
 * untouched restart carries on.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { NHS, users } from '../support/fixture.ts';
import { CHECKPOINTS_FILE } from '../../src/trail/publish.ts';
import { canonicalBytes, leafHash } from '../../src/trail/event.ts';
import { hashChildren } from '../../src/trail/merkle.ts';
import { deployment, type Deployment, type Running } from './restart-support.ts';

const authorise = (svc: Running) =>
  svc.http.post('/v1/authorise').set('Authorization', `Bearer ${svc.token(users.hv)}`).send({ child: NHS.toddler, sections: ['immunisations'], action: 'read', purposeOfUse: 'TREAT' });
const latest = (svc: Running) => svc.http.get('/v1/audit/checkpoints/latest').set('Authorization', `Bearer ${svc.token(users.ig)}`);
const publishedCount = async (d: Deployment) => (await readFile(path.join(d.checkpointDir, CHECKPOINTS_FILE), 'utf8')).split('\n---\n').length - 1;

describe.each(storeKinds)('a history rewritten in the database ($name)', (kind) => {
  let d: Deployment | undefined;
  afterEach(async () => {
    await d?.close();
    d = undefined;
  });

  it('an untouched restart carries on: decisions, checkpoints, metric 0', async () => {
    d = await deployment(kind);
    let svc = await d.start();
    await svc.seed();
    const first = await authorise(svc);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    await svc.close();
    svc = await d.start();
    expect((await authorise(svc)).status).toBe(200);
    const cp = await latest(svc);
    expect(cp.status, JSON.stringify(cp.body)).toBe(200);
    expect((await svc.http.get('/metrics')).text).toMatch(/^ntk_trail_unproven 0$/m);
  });

  it('after an event and its tree nodes are rewritten, the restarted service signs nothing and answers 503', async () => {
    d = await deployment(kind);
    let svc = await d.start();
    await svc.seed();
    for (let i = 0; i < 3; i++) expect((await authorise(svc)).status).toBe(200);
    await svc.close(); // signs and publishes a final checkpoint
    const published = await publishedCount(d);
    expect(published).toBeGreaterThan(0);

    // The owner rewrites event 1 (a decision) and every tree node above it, consistently: the tree in
    // the database is a valid Merkle tree of the forged history.
    const store = svc.services.store;
    const rows = (await store.query<{ seq: number; body: string; leaf_hash: Uint8Array }>('select seq, body, leaf_hash from audit_events order by seq', [])).rows;
    const victim = JSON.parse(rows[1].body) as Record<string, unknown>;
    const forgedBody = canonicalBytes({ ...victim, decision: victim.decision === 'permit' ? 'deny' : 'permit' } as never).toString('utf8');
    const leaves: Buffer[] = rows.map((r) => Buffer.from(r.leaf_hash));
    leaves[1] = leafHash(Buffer.from(forgedBody, 'utf8'));
    const sql = [`update audit_events set body = '${forgedBody.replace(/'/g, "''")}', leaf_hash = '\\x${leaves[1].toString('hex')}' where seq = 1`];
    let level: Buffer[] = leaves;
    for (let l = 0, idx = 1; level.length > idx; l++, idx = Math.floor(idx / 2)) {
      sql.push(`update audit_merkle_nodes set hash = '\\x${level[idx].toString('hex')}' where level = ${l} and idx = ${idx}`);
      const next: Buffer[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(hashChildren(level[i], level[i + 1]));
      level = next;
    }
    await d.asOwner(...sql);

    svc = await d.start();
    const refused = await authorise(svc);
    expect(refused.status).toBe(503);
    expect(refused.body.detail).toMatch(/not consistent with the last published checkpoint/);
    expect((await latest(svc)).status).toBe(503);
    expect((await svc.http.get('/metrics')).text).toMatch(/^ntk_trail_unproven 1$/m);
    await svc.close();
    expect(await publishedCount(d)).toBe(published);
  });
});
