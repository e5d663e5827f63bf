/**
 * GET /v1/audit/integrity: the latest checkpoint and its age, the events no checkpoint covers yet, the
 * last proof of the database's tree against the published checkpoint, the witnesses (one up, one down),
 * and an unproven trail named as such (while nothing can be appended, so the call is not recorded).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { NHS, users } from '../support/fixture.ts';
import type { Witness } from '../audit-tools/support.ts';
import { canonicalBytes, leafHash } from '../../src/trail/event.ts';
import { hashChildren } from '../../src/trail/merkle.ts';
import { deployment, witnessedSetup, type Deployment, type Running } from './restart-support.ts';
import type { TestUser } from '../support/app.ts';

const ORIGIN = 'needtoknow.test/integrity';
const integrity = (svc: Running, user: TestUser = users.ig) => svc.http.get('/v1/audit/integrity').set('Authorization', `Bearer ${svc.token(user)}`);
const decide = (svc: Running) =>
  svc.http.post('/v1/authorise').set('Authorization', `Bearer ${svc.token(users.hv)}`).send({ child: NHS.toddler, sections: ['immunisations'], action: 'read', purposeOfUse: 'TREAT' });

describe.each(storeKinds)('trail integrity ($name)', (kind) => {
  let d: Deployment | undefined;
  const witnesses: Witness[] = [];
  afterEach(async () => {
    for (const w of witnesses.splice(0)) await w.kill();
    await d?.close();
    d = undefined;
  });

  it('reports the latest checkpoint, the events after it, and the last proof against the published checkpoint; IG only, audited', async () => {
    d = await deployment(kind, { NTK_AUDIT_ORIGIN: ORIGIN });
    const svc = await d.start();
    // No background signing: this test decides when checkpoints are made.
    await svc.services.checkpointer.stop();
    await svc.seed();
    expect((await decide(svc)).status).toBe(200);
    const cp = await svc.services.checkpointer.checkpointNow();
    const r = await integrity(svc);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      origin: ORIGIN,
      checkpoint: { treeSize: cp.treeSize, rootHash: cp.rootHash, timestamp: cp.timestamp, keyId: cp.keyId },
      witnesses: { configured: 0, quorum: 0, witnesses: [] },
      verification: { result: 'proven', treeSize: cp.treeSize },
      unproven: null,
      recorded: true,
    });
    expect(r.body.checkpoint.ageSeconds).toBeGreaterThanOrEqual(0);
    // The head counts every event, this call's own audit-query among them once it is recorded.
    expect(r.body.head).toEqual({ treeSize: cp.treeSize, uncovered: 0 });

    // Events after the checkpoint are counted as not yet covered; the next signature proves against the published one.
    for (let i = 0; i < 3; i++) await decide(svc);
    const later = await integrity(svc);
    // The first integrity call's own event and three decisions.
    expect(later.body.head).toEqual({ treeSize: cp.treeSize + 4, uncovered: 4 });
    const next = await svc.services.checkpointer.checkpointNow();
    const proved = await integrity(svc);
    expect(proved.body.verification).toMatchObject({ result: 'proven', treeSize: next.treeSize, publishedSize: cp.treeSize });
    expect(proved.body.checkpoint.treeSize).toBe(next.treeSize);

    const { rows } = await svc.services.store.query<{ body: string }>(`select body from audit_events where kind = 'audit-query' and actor = $1`, [users.ig.id]);
    expect(rows.map((x) => JSON.parse(x.body).details.query).filter((q) => q === 'integrity')).toHaveLength(3);
    expect((await integrity(svc, users.hv)).status).toBe(403);
  });

  it('shows what each witness last cosigned, and why one that is down did not', async () => {
    d = await deployment(kind);
    const svc = await d.start(await witnessedSetup(d, ORIGIN, witnesses));
    await svc.services.checkpointer.stop();
    await svc.seed();
    await decide(svc);
    const both = await svc.services.checkpointer.checkpointNow();
    await witnesses[1].kill();
    await decide(svc);
    const one = await svc.services.checkpointer.checkpointNow();
    const r = await integrity(svc);
    expect(r.body.witnesses).toMatchObject({ configured: 2, quorum: 2, checkpointsBelowQuorum: 1 });
    const [w1, w2] = r.body.witnesses.witnesses;
    expect(w1).toMatchObject({ name: 'w1.test', lastCosigned: { treeSize: one.treeSize }, lastFailure: null });
    expect(w2).toMatchObject({ name: 'w2.test', lastCosigned: { treeSize: both.treeSize }, lastFailure: { treeSize: one.treeSize, reason: expect.stringMatching(/unreachable/) } });
  });

  it('names an unproven trail (after an event and its tree nodes were rewritten), serving no checkpoint', async () => {
    d = await deployment(kind);
    let svc = await d.start();
    await svc.seed();
    for (let i = 0; i < 3; i++) expect((await decide(svc)).status).toBe(200);
    await svc.close(); // signs and publishes a final checkpoint
    // The owner rewrites event 1 and every tree node above it consistently (as in unproven.test.ts).
    const rows = (await svc.services.store.query<{ body: string; leaf_hash: Uint8Array }>('select body, leaf_hash from audit_events order by seq', [])).rows;
    const victim = JSON.parse(rows[1].body) as Record<string, unknown>;
    const forged = canonicalBytes({ ...victim, decision: victim.decision === 'permit' ? 'deny' : 'permit' } as never).toString('utf8');
    let level: Buffer[] = rows.map((r) => Buffer.from(r.leaf_hash));
    level[1] = leafHash(Buffer.from(forged, 'utf8'));
    const sql = [`update audit_events set body = '${forged.replace(/'/g, "''")}', leaf_hash = '\\x${level[1].toString('hex')}' where seq = 1`];
    for (let l = 0, idx = 1; level.length > idx; l++, idx = Math.floor(idx / 2)) {
      sql.push(`update audit_merkle_nodes set hash = '\\x${level[idx].toString('hex')}' where level = ${l} and idx = ${idx}`);
      const next: Buffer[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(hashChildren(level[i], level[i + 1]));
      level = next;
    }
    await d.asOwner(...sql);

    svc = await d.start();
    const r = await integrity(svc);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ checkpoint: null, recorded: false, verification: { result: 'unproven' } });
    expect(r.body.unproven.problem).toMatch(/not consistent with the last published checkpoint/);
    expect(r.body.head.treeSize).toBeGreaterThanOrEqual(rows.length);
    await svc.close();
  });
});
