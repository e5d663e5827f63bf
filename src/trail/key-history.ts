/**
 * Every key the deployment has signed checkpoints with, kept in `<checkpoint dir>/keys.json` beside the
 * published checkpoints (outside the database: a key set the database could edit would let whoever edits
 * it vouch for a forged checkpoint). The file has the shape `GET /v1/audit/keys` serves and
 * `audit/verify.mjs --keys` reads: `{ keys: [{ keyId, publicKey (SPKI PEM), validFrom, validTo? }] }`.
 * A key signs checkpoints whose timestamp lies in [validFrom, validTo). Starting with a new
 * NTK_AUDIT_SIGNING_KEY closes the open period of the previous key and opens one for the new key, so
 * every old checkpoint stays verifiable (docs/audit-trail.md, "Rotating the signing key").
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { noteKeyId, parseNote, publicKeyPem, type SigningKey } from './signing-key.ts';
import { parseCheckpointText, type CheckpointBody } from './checkpoint-note.ts';

export const KEYS_FILE = 'keys.json';

export interface KeyRecord {
  /** hex of the 4-byte signed-note key ID under the deployment's key name (its origin). */
  keyId: string;
  /** SPKI PEM. */
  publicKey: string;
  /** ISO 8601. */
  validFrom: string;
  validTo?: string;
}

interface Known extends KeyRecord {
  key: KeyObject;
  id: Buffer;
}

export class KeyHistory {
  private readonly known: Known[];

  constructor(
    records: KeyRecord[],
    /** The key name signatures are made under (the origin). */
    readonly name: string,
  ) {
    this.known = records.map((r) => {
      const key = createPublicKey(r.publicKey);
      return { ...r, key, id: noteKeyId(name, key) };
    });
  }

  /**
   * Reads `<dir>/keys.json` (none yet: an empty history) and makes sure `current` is in it: a new key
   * closes the previous open period at `now` and opens its own. Writes the file back when it changed.
   */
  static async open(dir: string, name: string, current: SigningKey, now: Date): Promise<KeyHistory> {
    const file = path.join(dir, KEYS_FILE);
    let records: KeyRecord[] = [];
    try {
      const doc = JSON.parse(await readFile(file, 'utf8')) as { keys?: KeyRecord[] };
      if (!Array.isArray(doc.keys)) throw new Error(`${file} has no "keys" list`);
      records = doc.keys;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read the key history ${file}: ${(err as Error).message}`, { cause: err });
    }
    const pem = publicKeyPem(current.publicKey);
    const keyId = noteKeyId(name, current.publicKey).toString('hex');
    const mine = records.find((r) => r.keyId === keyId && r.publicKey.trim() === pem.trim() && !r.validTo);
    if (!mine) {
      const at = now.toISOString();
      // The first key may have signed before the history was kept: its period starts at the beginning.
      const validFrom = records.length ? at : new Date(0).toISOString();
      records = records.map((r) => (r.validTo ? r : { ...r, validTo: at }));
      records.push({ keyId, publicKey: pem, validFrom });
      await mkdir(dir, { recursive: true });
      await writeFile(`${file}.${process.pid}.tmp`, JSON.stringify({ keys: records }, null, 2) + '\n', { mode: 0o644 });
      await rename(`${file}.${process.pid}.tmp`, file);
    }
    return new KeyHistory(records, name);
  }

  /** What GET /v1/audit/keys serves. */
  list(): KeyRecord[] {
    return this.known.map(({ keyId, publicKey, validFrom, validTo }) => ({ keyId, publicKey, validFrom, ...(validTo ? { validTo } : {}) }));
  }

  /**
   * Checks that a checkpoint note carries a valid signature, under the key name, by a key of the history
   * whose period holds the note's timestamp; returns the checkpoint. Throws a message naming what failed.
   */
  verify(note: string): CheckpointBody {
    const { text, signatures } = parseNote(note);
    const body = parseCheckpointText(text);
    const t = body.timestamp ? Date.parse(body.timestamp) : NaN;
    for (const s of signatures) {
      if (s.name !== this.name) continue;
      // A key may have several periods (a rotation back to an earlier key).
      const periods = this.known.filter((c) => c.id.equals(s.keyId));
      if (!periods.length) continue;
      if (!verify(null, Buffer.from(text, 'utf8'), periods[0].key, s.signature)) throw new Error(`its signature by key ${periods[0].keyId} does not verify`);
      if (!periods.some((k) => !Number.isNaN(t) && t >= Date.parse(k.validFrom) && (!k.validTo || t < Date.parse(k.validTo)))) {
        const k = periods[periods.length - 1];
        throw new Error(`it was signed at ${body.timestamp ?? '(no timestamp)'}, outside the period of key ${k.keyId} (${k.validFrom} to ${k.validTo ?? 'now'})`);
      }
      return body;
    }
    throw new Error(`it is not signed by any key of the key history under ${this.name}`);
  }
}
