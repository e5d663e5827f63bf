/**
 * Checkpoints of the audit tree in the C2SP format (c2sp.org/tlog-checkpoint), signed as notes with
 * Ed25519 (signing-key.ts), so any tlog tooling (and audit/verify.mjs) can check them:
 *
 *     needtoknow.nhs.example/audit
 *     1234
 *     <base64 root hash>
 *     timestamp 2025-01-31T12:00:00.000Z
 *
 *     — needtoknow.nhs.example/audit <base64(4-byte key ID || 64-byte Ed25519 signature)>
 *
 * The fourth line is a C2SP extension line carrying the signing time, so the time is signed too.
 * A checkpoint carries no identifiers: only the origin, a count, a hash and a time.
 */
import { verify, type KeyObject } from 'node:crypto';
import { noteKeyId, parseNote } from './signing-key.ts';

export const DEFAULT_ORIGIN = 'needtoknow.nhs.example/audit';

export interface CheckpointBody {
  origin: string;
  treeSize: number;
  rootHash: Buffer;
  /** ISO 8601 signing time, from the extension line. */
  timestamp?: string;
}

export function checkpointText(body: Required<CheckpointBody>): string {
  return `${body.origin}\n${body.treeSize}\n${body.rootHash.toString('base64')}\ntimestamp ${body.timestamp}\n`;
}

export function parseCheckpointText(text: string): CheckpointBody {
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3 || lines.some((l) => l === '')) throw new Error('malformed checkpoint: needs origin, size and root lines');
  const [origin, size, root, ...extensions] = lines;
  if (!/^(0|[1-9][0-9]*)$/.test(size) || !Number.isSafeInteger(Number(size))) throw new Error(`malformed checkpoint tree size ${JSON.stringify(size)}`);
  const rootHash = Buffer.from(root, 'base64');
  if (rootHash.length !== 32 || rootHash.toString('base64') !== root) throw new Error('malformed checkpoint root hash');
  const ts = extensions.find((l) => l.startsWith('timestamp '));
  return { origin, treeSize: Number(size), rootHash, timestamp: ts?.slice('timestamp '.length) };
}

/** Parses a checkpoint note and checks it carries a valid signature by `publicKey` under `name`; throws otherwise. */
export function verifyCheckpointNote(note: string, publicKey: KeyObject, name: string): CheckpointBody {
  const { text, signatures } = parseNote(note);
  const id = noteKeyId(name, publicKey);
  const mine = signatures.filter((s) => s.name === name && s.keyId.equals(id));
  if (!mine.length) throw new Error(`checkpoint is not signed by ${name}+${id.toString('hex')}`);
  for (const s of mine) {
    if (!verify(null, Buffer.from(text, 'utf8'), publicKey, s.signature)) throw new Error('checkpoint signature does not verify');
  }
  return parseCheckpointText(text);
}
