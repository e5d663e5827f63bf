/**
 * Witnessed checkpoints with real `audit/witness.mjs` processes: with both witnesses up every checkpoint
 * is cosigned and published to checkpoints.witnessed.log, which `verify.mjs --quorum 2` accepts (also
 * after a restart, when the service learns each witness's size from its 409); with one down the
 * checkpoint is still published, below quorum, and the metric says so.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeKinds } from '../support/stores.ts';
import { NHS, users } from '../support/fixture.ts';
import { runVerifier, type Witness } from '../audit-tools/support.ts';
import { CHECKPOINTS_FILE, WITNESSED_FILE } from '../../src/trail/publish.ts';
import { exportNdjson } from '../../src/ig/export.ts';
import { deployment, witnessedSetup, type Deployment, type Running } from './restart-support.ts';

const ORIGIN = 'needtoknow.test/witnessed';
const notesIn = (file: string) => readFileSync(file, 'utf8').split('---\n').filter(Boolean);
const cosignatures = (note: string) => note.split('\n').filter((l) => /^\u2014 w[12]\.test /.test(l)).map((l) => l.split(' ')[1]).sort();

describe.each(storeKinds)('witnessed checkpoints ($name)', (kind) => {
  let d: Deployment;
  let svc: Running;
  const witnesses: Witness[] = [];
  let env: Record<string, string>;
  beforeAll(async () => {
    d = await deployment(kind);
    env = await witnessedSetup(d, ORIGIN, witnesses);
    svc = await d.start(env);
    await svc.seed();
  });
  afterAll(async () => {
    for (const w of witnesses) await w.kill();
    await d?.close();
  });

  const decide = () =>
    svc.http.post('/v1/authorise').set('Authorization', `Bearer ${svc.token(users.hv)}`).send({ child: NHS.toddler, sections: ['immunisations'], action: 'read', purposeOfUse: 'TREAT' }).expect(200);

  it('two witnesses up: cosigned, witnessed, and verified with --quorum 2, also after a restart', async () => {
    await decide();
    await svc.services.checkpointer.checkpointNow();
    let notes = notesIn(path.join(d.checkpointDir, CHECKPOINTS_FILE));
    expect(cosignatures(notes[notes.length - 1])).toEqual(['w1.test', 'w2.test']);
    // A restarted service knows no witness's size: each answers 409 with it, and the retry is cosigned.
    await svc.close();
    svc = await d.start(env);
    await decide();
    await svc.services.checkpointer.checkpointNow();
    notes = notesIn(path.join(d.checkpointDir, CHECKPOINTS_FILE));
    expect(cosignatures(notes[notes.length - 1])).toEqual(['w1.test', 'w2.test']);
    const witnessed = notesIn(path.join(d.checkpointDir, WITNESSED_FILE));
    expect(witnessed[witnessed.length - 1]).toBe(notes[notes.length - 1]);

    const events = path.join(d.dataDir, 'export.ndjson');
    const lines: string[] = [];
    for await (const l of exportNdjson(svc.services.store)) lines.push(l);
    writeFileSync(events, lines.join(''));
    const keys = path.join(d.dataDir, 'keys.json');
    writeFileSync(keys, JSON.stringify((await svc.http.get('/v1/audit/keys')).body));
    const r = runVerifier(['--events', events, '--keys', keys, '--checkpoints', path.join(d.checkpointDir, WITNESSED_FILE), '--witnesses', path.join(d.dataDir, 'witnesses.json'), '--quorum', '2']);
    expect(r.status, r.stdout).toBe(0);
  });

  it('one witness down: still published, below quorum, kept out of the witnessed log, and counted', async () => {
    const witnessedBefore = notesIn(path.join(d.checkpointDir, WITNESSED_FILE)).length;
    await witnesses[1].kill();
    await decide();
    const cp = await svc.services.checkpointer.checkpointNow();
    const notes = notesIn(path.join(d.checkpointDir, CHECKPOINTS_FILE));
    const last = notes[notes.length - 1];
    expect(Number(last.split('\n')[1])).toBe(cp.treeSize);
    expect(cosignatures(last)).toEqual(['w1.test']);
    expect(notesIn(path.join(d.checkpointDir, WITNESSED_FILE))).toHaveLength(witnessedBefore);
    expect((await svc.http.get('/metrics')).text).toMatch(/^ntk_checkpoints_below_quorum_total 1$/m);
    // The checkpoint is served as the log signed it.
    expect((await svc.http.get('/v1/audit/checkpoints/latest').set('Authorization', `Bearer ${svc.token(users.ig)}`)).status).toBe(200);
  });
});
