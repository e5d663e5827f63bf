// Types for audit/verify.mjs (the independent verifier), so TypeScript tests can import it.
import type { KeyObject } from 'node:crypto';

export function hashLeaf(data: Uint8Array): Buffer;
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer;
export function verifyInclusion(leafHash: Uint8Array, index: number, treeSize: number, proof: readonly Uint8Array[], root: Uint8Array): boolean;
export function verifyConsistency(first: number, second: number, firstRoot: Uint8Array, secondRoot: Uint8Array, proof: readonly Uint8Array[]): boolean;
export function readPublicKey(pem: string | Buffer): { key: KeyObject; raw: Buffer };
export function noteKeyId(name: string, rawPublicKey: Uint8Array): Buffer;
export function cosignatureKeyId(name: string, rawPublicKey: Uint8Array): Buffer;
/** C2SP verifier key `<name>+<hex key ID>+<base64(type || key)>`; type 1 (default) a log key, 4 a witness key. */
export function verifierKey(name: string, rawPublicKey: Uint8Array, type?: number): string;
export function parsePublicKey(text: string): { key: KeyObject; raw: Buffer; name?: string; type?: number };

export interface LogKey {
  key: KeyObject;
  raw: Buffer;
  keyId?: string | null;
  validFrom?: number | null;
  validTo?: number | null;
  label?: string;
}
export function readKeySet(json: string | object): LogKey[];
export interface WitnessKey {
  name: string;
  key: KeyObject;
  raw: Buffer;
  keyId: Buffer;
}
export function readWitnesses(json: string | object): WitnessKey[];

export interface ParsedNote {
  text: string;
  signatures: { name: string; blob: Buffer }[];
}
export interface CheckpointBody {
  origin: string;
  treeSize: number;
  rootHash: Buffer;
  timestamp: string | null;
}
export function parseSignedNote(note: string): ParsedNote;
export function parseCheckpointBody(text: string): CheckpointBody;
export function verifyLogSignature(parsed: ParsedNote, body: CheckpointBody, keys: LogKey[], unsignedMessage?: string): { keyName: string; key: LogKey };
/** The message a cosignature/v1 signs: `cosignature/v1\ntime <seconds>\n` then the checkpoint body. */
export function cosignedMessage(text: string, time: string | number | bigint): Buffer;
export function checkCosignatures(parsed: ParsedNote, witnesses: WitnessKey[]): { valid: string[]; invalid: string[] };

export const TILE_WIDTH: number;
export function tilePath(level: number, index: number, width?: number): string;
export interface Tile {
  path: string;
  level: number;
  index: number;
  width: number;
  data: Buffer;
}
/** Every full tile and the last partial tile of each level, for the tree of these leaf hashes. */
export function buildTiles(leafHashes: readonly Buffer[]): Tile[];

export const RANGE_FORMAT: string;
export function readRange(json: string): { start: number; end: number; compactRange: Buffer[]; checkpoint: string; consistency: Buffer[] };

export function verifyCheckpointNote(
  note: string,
  publicKey: { key: KeyObject; raw: Buffer },
): { origin: string; treeSize: number; rootHash: Buffer; timestamp: string | null; keyName: string };

export class Frontier {
  size: number;
  /** The frontier at `size` from its compact range (subtree roots covering [0, size), largest first). */
  static fromCompactRange(size: number, hashes: readonly Uint8Array[]): Frontier;
  /** Appends a leaf hash given as a 32-character latin1 string. */
  push(leaf: string): void;
  root(): Buffer;
}

export interface VerifyFailure {
  kind: 'sequence' | 'altered' | 'fork' | 'truncated' | 'checkpoint' | 'origin' | 'range' | 'tiles';
  message: string;
  at: number;
  seq?: number;
  line?: number;
}

export interface VerifyOptions {
  events: string;
  /** Path of the log's public key (SPKI PEM). */
  publicKey?: string;
  /** Path of a key set { keys: [{ keyId, publicKey, validFrom, validTo? }] }. */
  keys?: string;
  checkpoints?: string[];
  trusted?: string[];
  origin?: string;
  /** Path of [{ name, url?, publicKey }]: witnesses whose cosignatures count. */
  witnesses?: string;
  /** Cosignatures every checkpoint needs; default all the witnesses. */
  quorum?: number;
  /** Path of a range sidecar (docs/witness.md). */
  range?: string;
  /** A C2SP tlog-tiles directory with its `checkpoint`. */
  tiles?: string;
  print?: (line: string) => void;
}

export interface VerifyResult {
  ok: boolean;
  failures: VerifyFailure[];
  notes: string[];
  verdict: string;
  events: number;
  treeSize: number;
  lines: number;
  bytes: number;
  seconds: number;
  checkpoints: number;
  root: string;
}

export function verifyLog(options: VerifyOptions): VerifyResult;
export function parseArgs(argv: string[]): VerifyOptions & { quiet: boolean };
export function main(argv: string[], write?: (s: string) => void): number;
