/**
 * Witness cosigning (C2SP tlog-witness, tlog-cosignature): after the service signs a checkpoint it sends
 * it to each witness of NTK_WITNESSES with a consistency proof from the size that witness last cosigned
 * (`POST /add-checkpoint`; on 409 the witness says its size, and the request is retried once from there),
 * checks each cosignature it gets back, and adds the valid ones to the note it publishes. A witness that
 * is down or refuses costs its cosignature only: the checkpoint is still published, and when it has fewer
 * than the quorum it is counted and logged as below quorum (see checkpointer.ts for where it goes).
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseNote } from './signing-key.ts';

const COSIGNATURE_TYPE = 0x04;
const EM_DASH = '\u2014';
const TIMEOUT_MS = 5000;

export interface WitnessConfig {
  name: string;
  url: string;
  /** The witness's C2SP verifier key (`node audit/witness.mjs --print-vkey`). */
  publicKey: string;
}

/** Reads the NTK_WITNESSES file: `[{ name, url, publicKey }]` or `{ witnesses: [...] }`. */
export function readWitnessFile(file: string): WitnessConfig[] {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  const list = Array.isArray(doc) ? doc : (doc as { witnesses?: unknown }).witnesses;
  if (!Array.isArray(list)) throw new Error('a witness file is [{ "name", "url", "publicKey" }]');
  return list.map((w: Partial<WitnessConfig>, i) => {
    if (typeof w?.name !== 'string' || typeof w.url !== 'string' || typeof w.publicKey !== 'string') {
      throw new Error(`witness ${i}: needs "name", "url" and "publicKey" strings`);
    }
    new URL(w.url);
    witnessKey(w as WitnessConfig);
    return { name: w.name, url: w.url.replace(/\/+$/, ''), publicKey: w.publicKey };
  });
}

/** The witness's Ed25519 key and cosignature key id from its verifier key `<name>+<hex id>+<base64(0x04 || key)>`. */
function witnessKey(w: WitnessConfig): { key: KeyObject; id: Buffer } {
  const parts = w.publicKey.split('+');
  const material = Buffer.from(parts.slice(2).join('+'), 'base64');
  if (parts.length < 3 || parts[0] !== w.name || material.length !== 33 || material[0] !== COSIGNATURE_TYPE) {
    throw new Error(`witness ${w.name}: publicKey must be its cosignature verifier key "${w.name}+<key id>+<base64>"`);
  }
  const raw = material.subarray(1);
  const key = createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]), format: 'der', type: 'spki' });
  const id = createHash('sha256').update(`${w.name}\n`).update(Buffer.from([COSIGNATURE_TYPE])).update(raw).digest().subarray(0, 4);
  return { key, id };
}

export interface Cosigned {
  /** The note with the valid cosignature lines added. */
  note: string;
  /** Names of the witnesses that cosigned. */
  cosigned: string[];
  /** Witness name -> why it did not cosign. */
  missing: Record<string, string>;
}

/** What this process knows of one witness (nothing survives a restart). */
export interface WitnessStatus {
  name: string;
  publicKey: string;
  /** The last checkpoint it cosigned for this process, and when (real time). */
  lastCosigned: { treeSize: number; at: string } | null;
  /** The last time it did not cosign, and why; null once it cosigns again. */
  lastFailure: { treeSize: number; at: string; reason: string } | null;
}

class Witness {
  /** The size this witness last cosigned, as far as this process knows (learnt from a 409 after a restart). */
  size = 0;
  lastCosigned: WitnessStatus['lastCosigned'] = null;
  lastFailure: WitnessStatus['lastFailure'] = null;
  private readonly key: { key: KeyObject; id: Buffer };

  constructor(readonly config: WitnessConfig) {
    this.key = witnessKey(config);
  }

  /** The cosignature line for `note`, or throws saying why not. */
  async cosign(note: string, treeSize: number, proofFrom: (old: number) => Promise<Buffer[]>): Promise<string> {
    for (let attempt = 0; ; attempt++) {
      if (this.size > treeSize) throw new Error(`it has cosigned size ${this.size}, beyond ${treeSize}`);
      const proof = await proofFrom(this.size);
      const body = `old ${this.size}\n${proof.map((h) => `${h.toString('base64')}\n`).join('')}\n${note}`;
      const r = await fetch(`${this.config.url}/add-checkpoint`, { method: 'POST', body, signal: AbortSignal.timeout(TIMEOUT_MS) }).catch((err: Error) => {
        const cause = (err.cause as { code?: string } | undefined)?.code;
        throw new Error(`unreachable (${cause ?? err.message})`, { cause: err });
      });
      const text = await r.text();
      if (r.status === 409 && attempt === 0 && /^\d+\n?$/.test(text)) {
        this.size = Number(text.trim());
        continue;
      }
      if (r.status !== 200) throw new Error(`${r.status} ${r.headers.get('witness-refusal') ?? text.trim().slice(0, 200)}`);
      const line = this.check(note, text);
      this.size = treeSize;
      this.lastCosigned = { treeSize, at: new Date().toISOString() };
      this.lastFailure = null;
      return line;
    }
  }

  /** Checks the answer is one cosignature/v1 line by this witness over the note's text. */
  private check(note: string, answer: string): string {
    const m = new RegExp(`^${EM_DASH} (\\S+) ([A-Za-z0-9+/]+={0,2})\\n?$`, 'u').exec(answer);
    if (!m || m[1] !== this.config.name) throw new Error('its answer is not one cosignature line under its name');
    const blob = Buffer.from(m[2], 'base64');
    if (blob.length !== 4 + 8 + 64 || !blob.subarray(0, 4).equals(this.key.id)) throw new Error('its cosignature is not by its configured key');
    const time = blob.readBigUInt64BE(4);
    const signed = `cosignature/v1\ntime ${time}\n${parseNote(note).text}`;
    if (!verify(null, Buffer.from(signed, 'utf8'), this.key.key, blob.subarray(12))) throw new Error('its cosignature does not verify');
    return `${EM_DASH} ${m[1]} ${m[2]}\n`;
  }
}

export class WitnessPool {
  private readonly witnesses: Witness[];
  /** Checkpoints published with fewer cosignatures than the quorum (ntk_checkpoints_below_quorum_total). */
  belowQuorum = 0;

  constructor(
    configs: WitnessConfig[],
    /** Cosignatures a checkpoint needs; default all the witnesses. */
    readonly quorum = configs.length,
  ) {
    this.witnesses = configs.map((c) => new Witness(c));
    if (quorum > configs.length) throw new Error(`a quorum of ${quorum} needs at least as many witnesses, not ${configs.length}`);
  }

  get size(): number {
    return this.witnesses.length;
  }

  /** Each witness as this process last saw it (the integrity screen). */
  status(): WitnessStatus[] {
    return this.witnesses.map((w) => ({ name: w.config.name, publicKey: w.config.publicKey, lastCosigned: w.lastCosigned, lastFailure: w.lastFailure }));
  }

  /** Asks every witness at once; a signed note with the valid cosignatures added. */
  async cosign(note: string, treeSize: number, proofFrom: (old: number) => Promise<Buffer[]>): Promise<Cosigned> {
    const answers = await Promise.allSettled(this.witnesses.map((w) => w.cosign(note, treeSize, proofFrom)));
    const cosigned: string[] = [];
    const missing: Record<string, string> = {};
    let lines = '';
    answers.forEach((a, i) => {
      const name = this.witnesses[i].config.name;
      if (a.status === 'fulfilled') {
        lines += a.value;
        cosigned.push(name);
      } else {
        missing[name] = (a.reason as Error).message;
        this.witnesses[i].lastFailure = { treeSize, at: new Date().toISOString(), reason: missing[name] };
      }
    });
    if (cosigned.length < this.quorum) this.belowQuorum++;
    return { note: note + lines, cosigned, missing };
  }
}
