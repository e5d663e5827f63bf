/**
 * The Ed25519 key that signs checkpoints, and signed notes (c2sp.org/signed-note) made with it:
 * loading or creating the key, its C2SP key ID and verifier key string, signing a note and splitting
 * a signed note into its text and signature lines.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const SIGNING_KEY_FILE = 'audit-signing-key.pem';
export const PUBLIC_KEY_FILE = 'audit-public-key.pem';

const ED25519_SIGNATURE_TYPE = 0x01;
const EM_DASH = '\u2014';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

/** An Ed25519 private key from PEM (PKCS#8). */
export function signingKeyFromPem(pem: string | Buffer): SigningKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`the audit signing key must be Ed25519, not ${privateKey.asymmetricKeyType}`);
  }
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

/** Reads the key named by NTK_AUDIT_SIGNING_KEY. */
export async function loadSigningKey(file: string): Promise<SigningKey> {
  return signingKeyFromPem(await readFile(file));
}

/**
 * The embedded default: `<dataDir>/audit-signing-key.pem` (mode 0600), created on first use, with the
 * public key beside it in `audit-public-key.pem` for verifiers.
 */
export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const keyFile = path.join(dataDir, SIGNING_KEY_FILE);
  let key: SigningKey;
  try {
    key = await loadSigningKey(keyFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await mkdir(dataDir, { recursive: true });
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      // 'wx': if another process created it meanwhile, keep theirs.
      await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    key = await loadSigningKey(keyFile);
  }
  await writeFile(path.join(dataDir, PUBLIC_KEY_FILE), publicKeyPem(key.publicKey), { mode: 0o644 });
  return key;
}

export function publicKeyPem(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

/** The 32-byte RFC 8032 encoding of an Ed25519 public key. */
export function rawPublicKey(publicKey: KeyObject): Buffer {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return der.subarray(der.length - 32);
}

/** C2SP key ID: SHA-256(name || 0x0A || 0x01 || public key)[:4]. */
export function noteKeyId(name: string, publicKey: KeyObject): Buffer {
  return createHash('sha256')
    .update(`${name}\n`)
    .update(Buffer.from([ED25519_SIGNATURE_TYPE]))
    .update(rawPublicKey(publicKey))
    .digest()
    .subarray(0, 4);
}

/** The C2SP verifier key string `<name>+<hex key ID>+<base64(0x01 || public key)>`. */
export function verifierKey(name: string, publicKey: KeyObject): string {
  const material = Buffer.concat([Buffer.from([ED25519_SIGNATURE_TYPE]), rawPublicKey(publicKey)]);
  return `${name}+${noteKeyId(name, publicKey).toString('hex')}+${material.toString('base64')}`;
}

// ---------------------------------------------------------------------------------------------
// Notes

export function checkKeyName(name: string): void {
  if (!name || /[\s+]/u.test(name)) throw new Error(`invalid note key name ${JSON.stringify(name)}: non-empty, no spaces, no '+'`);
}

/** Signs a note text (which must end in a newline) and returns the whole signed note. */
export function signNote(text: string, name: string, key: SigningKey): string {
  checkKeyName(name);
  if (!text.endsWith('\n')) throw new Error('note text must end with a newline');
  const signature = sign(null, Buffer.from(text, 'utf8'), key.privateKey);
  const blob = Buffer.concat([noteKeyId(name, key.publicKey), signature]).toString('base64');
  return `${text}\n${EM_DASH} ${name} ${blob}\n`;
}

export interface NoteSignature {
  name: string;
  keyId: Buffer;
  signature: Buffer;
}

/** Splits a signed note into its text and signature lines (no verification). */
export function parseNote(note: string): { text: string; signatures: NoteSignature[] } {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new Error('malformed note: no blank line before the signatures');
  const text = note.slice(0, split + 1);
  const signatures = note
    .slice(split + 2, -1)
    .split('\n')
    .map((line) => {
      const m = /^\u2014 (\S+) ([A-Za-z0-9+/]+={0,2})$/u.exec(line);
      if (!m) throw new Error(`malformed note signature line ${JSON.stringify(line)}`);
      const blob = Buffer.from(m[2], 'base64');
      if (blob.length < 5) throw new Error('malformed note signature: too short');
      return { name: m[1], keyId: blob.subarray(0, 4), signature: blob.subarray(4) };
    });
  return { text, signatures };
}

