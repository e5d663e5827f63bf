// Types for audit/verify.mjs (the independent verifier), so TypeScript tests can import it.
import type { KeyObject } from 'node:crypto';

export function hashLeaf(data: Uint8Array): Buffer;
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer;
export function verifyInclusion(leafHash: Uint8Array, index: number, treeSize: number, proof: readonly Uint8Array[], root: Uint8Array): boolean;
export function verifyConsistency(first: number, second: number, firstRoot: Uint8Array, secondRoot: Uint8Array, proof: readonly Uint8Array[]): boolean;
export function readPublicKey(pem: string | Buffer): { key: KeyObject; raw: Buffer };
export function noteKeyId(name: string, rawPublicKey: Uint8Array): Buffer;
export function verifyCheckpointNote(
  note: string,
  publicKey: { key: KeyObject; raw: Buffer },
): { origin: string; treeSize: number; rootHash: Buffer; timestamp: string | null; keyName: string };

export class Frontier {
  size: number;
  /** Appends a leaf hash given as a 32-character latin1 string. */
  push(leaf: string): void;
  root(): Buffer;
}

export interface VerifyFailure {
  kind: 'sequence' | 'altered' | 'fork' | 'truncated' | 'checkpoint';
  message: string;
  at: number;
  seq?: number;
  line?: number;
}

export interface VerifyOptions {
  events: string;
  publicKey: string;
  checkpoints?: string[];
  trusted?: string[];
  origin?: string;
  print?: (line: string) => void;
}

export interface VerifyResult {
  ok: boolean;
  failures: VerifyFailure[];
  verdict: string;
  events: number;
  lines: number;
  bytes: number;
  seconds: number;
  checkpoints: number;
  root: string;
}

export function verifyLog(options: VerifyOptions): VerifyResult;
export function parseArgs(argv: string[]): VerifyOptions & { quiet: boolean };
export function main(argv: string[], write?: (s: string) => void): number;
