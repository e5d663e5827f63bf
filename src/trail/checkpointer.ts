/**
 * The Checkpointer: signs a checkpoint of the audit tree about once a second while events arrive
 * (checkpoint-note.ts for the format, signing-key.ts for the key), stores it in audit_checkpoints,
 * and publishes it outside the database (publish.ts).
 */
import type { Queryable } from '../store/store.ts';
import { checkpointAt, checkpointedSize, checkpointsFrom, insertCheckpoint, newestCheckpoint, type CheckpointRow } from '../store/tables/audit-checkpoints.ts';
import type { AuditTree } from './tree.ts';
import { checkKeyName, noteKeyId, parseNote, publicKeyPem, signNote, verifierKey, type SigningKey } from './signing-key.ts';
import { DEFAULT_ORIGIN, checkpointText, parseCheckpointText, verifyCheckpointNote } from './checkpoint-note.ts';
import { CheckpointPublisher, WITNESSED_FILE } from './publish.ts';
import type { Cosigned, WitnessPool } from './witnesses.ts';
import type { TrailGuard } from './guard.ts';
import { TilePublisher } from './tiles.ts';
import type { KeyHistory } from './key-history.ts';

/** What /v1/audit/checkpoints/latest returns. */
export interface Checkpoint {
  treeSize: number;
  /** base64 */
  rootHash: string;
  /** ISO 8601 */
  timestamp: string;
  /** base64 of the 64-byte Ed25519 signature over the note text. */
  signature: string;
  /** hex of the 4-byte C2SP key ID. */
  keyId: string;
  /** The whole signed note. */
  note: string;
}

export interface CheckpointerOptions {
  key: SigningKey;
  /** Checkpoint origin line; default needtoknow.nhs.example/audit. */
  origin?: string;
  /** Signature key name; default the origin (as C2SP recommends). */
  keyName?: string;
  /** Directory for checkpoints.log; no publishing when absent. */
  publishDir?: string;
  /**
   * Proves the tree extends the last published checkpoint before each signature, and gates what is
   * served (guard.ts); without one (tests of the engine alone) nothing is checked.
   */
  guard?: TrailGuard;
  /** Every key of the deployment, to verify notes read back from the database; default the signing key alone. */
  keys?: KeyHistory;
  /** Witnesses to cosign each checkpoint before it is published (witnesses.ts). */
  witnesses?: WitnessPool;
  /** Told when a checkpoint is published with fewer cosignatures than the quorum. */
  onBelowQuorum?: (treeSize: number, result: Cosigned) => void;
  /** Publish the tree as tlog-tiles under publishDir too (tiles.ts). */
  tiles?: boolean;
  /** How often to look for new events; default 1000 ms. */
  intervalMs?: number;
  /** Errors of the background timer (store down, disk full, a stored root that disagrees). */
  onError?: (err: unknown) => void;
}

export class Checkpointer {
  private readonly origin: string;
  private readonly keyName: string;
  private readonly keyId: Buffer;
  private timer?: NodeJS.Timeout;
  private chain: Promise<unknown> = Promise.resolve();
  private ticking = false;
  private readonly publisher: CheckpointPublisher;
  private readonly tiles?: TilePublisher;
  private readonly witnessed: CheckpointPublisher;

  constructor(
    private readonly store: Queryable,
    private readonly tree: AuditTree,
    private readonly options: CheckpointerOptions,
  ) {
    this.origin = options.origin ?? DEFAULT_ORIGIN;
    this.keyName = options.keyName ?? this.origin;
    checkKeyName(this.keyName);
    if (!this.origin || this.origin.includes('\n')) throw new Error('invalid checkpoint origin');
    this.keyId = noteKeyId(this.keyName, options.key.publicKey);
    this.publisher = new CheckpointPublisher(options.publishDir);
    this.witnessed = new CheckpointPublisher(options.witnesses?.size ? options.publishDir : undefined, WITNESSED_FILE);
    if (options.tiles && options.publishDir) this.tiles = new TilePublisher(store, options.publishDir);
  }

  /** Checks for new events every interval and checkpoints them; the timer does not keep the process alive. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs ?? 1000);
    this.timer.unref();
  }

  /** Stops the timer and waits for a checkpoint in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.chain.catch(() => {});
  }

  /**
   * Signs the tree at its current size, unless a checkpoint for that size is already stored (by this
   * or another process): then that one is returned, so each size has exactly one signed note.
   * Calls are serialised, so this process publishes its notes in increasing size.
   */
  checkpointNow(): Promise<Checkpoint> {
    const run = this.chain.catch(() => {}).then(() => this.sign());
    this.chain = run;
    return run;
  }

  /** The newest stored checkpoint, verified (see `verified`), or undefined before the first. */
  async latest(): Promise<Checkpoint | undefined> {
    this.options.guard?.assertProven();
    const row = await newestCheckpoint(this.store);
    return row && this.verified(row);
  }

  /** The checkpoint stored for exactly this tree size, verified, if any. */
  async at(treeSize: number): Promise<Checkpoint | undefined> {
    this.options.guard?.assertProven();
    const row = await checkpointAt(this.store, treeSize);
    return row && this.verified(row);
  }

  /** Stored checkpoints from `fromSize` up, oldest first, each verified. */
  async page(fromSize: number, limit: number): Promise<Checkpoint[]> {
    this.options.guard?.assertProven();
    const rows = await checkpointsFrom(this.store, fromSize, limit);
    const out: Checkpoint[] = [];
    for (const row of rows) out.push(await this.verified(row));
    return out;
  }

  /** The guard and the witnesses this checkpointer works with (read by the trail integrity use case, src/ig/integrity.ts). */
  get guard(): TrailGuard | undefined {
    return this.options.guard;
  }

  get witnesses(): WitnessPool | undefined {
    return this.options.witnesses;
  }

  /** The origin (first line) of this log's checkpoints. */
  logOrigin(): string {
    return this.origin;
  }

  /**
   * A note read back from the database is served only once it is shown to be this log's: signed by a key
   * of the deployment within its period, of this origin, and over the root the (proven) tree has at that
   * size. A note that fails was put there by someone else: the trail becomes unproven.
   */
  private async verified(row: CheckpointRow): Promise<Checkpoint> {
    const size = Number(row.tree_size);
    try {
      const body = this.options.keys ? this.options.keys.verify(row.note) : verifyCheckpointNote(row.note, this.options.key.publicKey, this.keyName);
      if (body.origin !== this.origin) throw new Error(`its origin is "${body.origin}", not "${this.origin}"`);
      if (body.treeSize !== size) throw new Error(`it is for tree size ${body.treeSize}, stored as ${size}`);
      if (!body.rootHash.equals(await this.tree.root(size))) throw new Error('its root is not the tree\'s root at that size');
    } catch (err) {
      const problem = `the checkpoint stored in the database for tree size ${size} is not this log's: ${(err as Error).message}`;
      if (this.options.guard) this.options.guard.fail(problem);
      throw new Error(problem, { cause: err });
    }
    return this.toCheckpoint(row);
  }

  /** SPKI PEM of the verification key (what audit/verify.mjs --public-key takes). */
  publicKey(): string {
    return publicKeyPem(this.options.key.publicKey);
  }

  /** C2SP verifier key string, for tlog tooling. */
  verifierKey(): string {
    return verifierKey(this.keyName, this.options.key.publicKey);
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      const [size, signed] = await Promise.all([this.tree.size(), checkpointedSize(this.store)]);
      // stop() may have been called meanwhile: sign nothing more.
      if (this.timer && size > signed) await this.checkpointNow();
    } catch (err) {
      this.options.onError?.(err);
    } finally {
      this.ticking = false;
    }
  }

  private async sign(): Promise<Checkpoint> {
    // Never sign a tree that does not extend what was published outside the database.
    const { size: treeSize, root: rootHash } = this.options.guard
      ? await this.options.guard.prove()
      : await this.tree.size().then(async (size) => ({ size, root: await this.tree.root(size) }));
    const timestamp = new Date().toISOString();
    const note = signNote(checkpointText({ origin: this.origin, treeSize, rootHash, timestamp }), this.keyName, this.options.key);
    const inserted = await insertCheckpoint(this.store, { treeSize, rootHash, timestamp, note });
    const row = await checkpointAt(this.store, treeSize);
    if (!row) throw new Error(`checkpoint for tree size ${treeSize} vanished`);
    if (!rootHash.equals(Buffer.from(row.root_hash))) {
      // The tree is deterministic: a different stored root means the tree or the checkpoint table was altered.
      throw new Error(
        `stored checkpoint for tree size ${treeSize} has root ${Buffer.from(row.root_hash).toString('base64')}, but the tree's root is ${rootHash.toString('base64')}`,
      );
    }
    if (inserted) await this.publish(treeSize, row.note);
    // Another process may have stored the note for this size: it is served only once verified.
    return inserted ? this.toCheckpoint(row) : this.verified(row);
  }

  /**
   * Publishes a note this process stored: cosigned by the witnesses first, if any. Every checkpoint goes
   * to checkpoints.log (with the cosignatures it got) and the tiles' `checkpoint`; those that reached the
   * quorum also to checkpoints.witnessed.log, the file `verify.mjs --quorum` is strict about. The
   * database keeps the note as the log signed it.
   */
  private async publish(treeSize: number, note: string): Promise<void> {
    const witnesses = this.options.witnesses;
    let published = note;
    let quorate = false;
    if (witnesses?.size) {
      const result = await witnesses.cosign(note, treeSize, (old) => this.tree.consistencyProof(old, treeSize));
      published = result.note;
      quorate = result.cosigned.length >= witnesses.quorum;
      if (!quorate) this.options.onBelowQuorum?.(treeSize, result);
    }
    await this.publisher.publish(treeSize, published);
    if (quorate) await this.witnessed.publish(treeSize, published);
    await this.tiles?.publish(treeSize, published);
  }

  private toCheckpoint(row: CheckpointRow): Checkpoint {
    const { text, signatures } = parseNote(row.note);
    const body = parseCheckpointText(text);
    const sig = signatures.find((s) => s.keyId.equals(this.keyId)) ?? signatures[0];
    return {
      treeSize: Number(row.tree_size),
      rootHash: body.rootHash.toString('base64'),
      timestamp: body.timestamp ?? new Date(row.ts).toISOString(),
      signature: sig.signature.toString('base64'),
      keyId: sig.keyId.toString('hex'),
      note: row.note,
    };
  }
}
