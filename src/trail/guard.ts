/**
 * Never extend a history that cannot be proved. Before the service signs anything (at start and before
 * every checkpoint) the TrailGuard proves that the database's tree extends the last checkpoint published
 * outside the database (`checkpoints.log`, its signature checked against the key history first): the
 * tree must be at least as large, and the RFC 9162 consistency proof the tree gives from that size to its
 * own must verify between the published root and the tree's root. If anything fails, the trail is
 * unproven until an operator recovers it and restarts (docs/audit-trail.md): nothing is signed or
 * appended, and authorise and the audit reads answer 503 (TrailUnproven).
 */
import { TrailUnproven } from '../errors.ts';
import type { AuditTree } from './tree.ts';
import type { KeyHistory } from './key-history.ts';
import { verifyConsistency } from './merkle.ts';
import { lastPublishedNote } from './publish.ts';
import { parseNote } from './signing-key.ts';
import { parseCheckpointText } from './checkpoint-note.ts';

export interface ProvenTree {
  size: number;
  root: Buffer;
}

/** The last time this process proved (or failed to prove) the tree against the published checkpoint. */
export interface Verification {
  /** ISO 8601, real time. */
  at: string;
  /** proven: consistent (or nothing published yet); unproven: it is not; error: the store or the disk failed, nothing was decided. */
  result: 'proven' | 'unproven' | 'error';
  /** The database tree size proved. */
  treeSize?: number;
  /** The size of the last published checkpoint it was proved against; null when nothing was published yet (or no checkpoint directory). */
  publishedSize?: number | null;
  detail?: string;
}

export class TrailGuard {
  /** Why the trail is unproven; undefined while it is proven. Once set, it stays until restart. */
  problem?: string;
  /** The last proof attempted in this process (at start and before every signature), for the integrity screen. */
  lastVerification?: Verification;

  constructor(
    private readonly tree: Pick<AuditTree, 'size' | 'root' | 'consistencyProof'>,
    private readonly options: {
      /** Where checkpoints.log is published; without one, nothing outside the database is checked. */
      publishDir?: string;
      origin: string;
      keys: Pick<KeyHistory, 'verify'>;
      /** Told once, when the trail becomes unproven (the critical log line). */
      onUnproven?: (problem: string) => void;
    },
  ) {}

  get proven(): boolean {
    return this.problem === undefined;
  }

  /** Throws TrailUnproven while the trail is unproven. */
  assertProven(): void {
    if (this.problem !== undefined) throw new TrailUnproven(this.problem);
  }

  /** Marks the trail unproven (sticky) and throws TrailUnproven. */
  fail(problem: string): never {
    if (this.problem === undefined) {
      this.problem = `${problem}. The service signs nothing and refuses decisions and audit reads until the trail is recovered (docs/audit-trail.md, "When the trail is unproven") and the service restarted.`;
      this.options.onUnproven?.(this.problem);
    }
    throw new TrailUnproven(this.problem);
  }

  /**
   * Proves the tree at `size` (default: its current size) extends the last published checkpoint, and
   * returns its root. Throws TrailUnproven otherwise; other errors (the store or the disk) are passed on
   * and leave the state as it was.
   */
  async prove(size?: number): Promise<ProvenTree> {
    this.assertProven();
    try {
      const proven = await this.proveOnce(size);
      this.lastVerification = { at: new Date().toISOString(), result: 'proven', treeSize: proven.size, publishedSize: proven.publishedSize };
      return { size: proven.size, root: proven.root };
    } catch (err) {
      const unproven = err instanceof TrailUnproven;
      this.lastVerification = { at: new Date().toISOString(), result: unproven ? 'unproven' : 'error', detail: unproven ? this.problem : (err as Error).message };
      throw err;
    }
  }

  private async proveOnce(size?: number): Promise<ProvenTree & { publishedSize: number | null }> {
    const note = this.options.publishDir ? await lastPublishedNote(this.options.publishDir) : undefined;
    // The size is read after the note: another process publishes a size only once its leaves are
    // committed, so the tree read now is at least as large as any note just read.
    const n = size ?? (await this.tree.size());
    const root = await this.tree.root(n);
    if (note === undefined) return { size: n, root, publishedSize: null };
    let published;
    try {
      // The origin first: a log of another deployment is named as such, whatever key signed it.
      const origin = parseCheckpointText(parseNote(note).text).origin;
      if (origin !== this.options.origin) {
        this.fail(`checkpoints.log belongs to the log "${origin}", not to this one ("${this.options.origin}"): the checkpoint directory or the database is another deployment's`);
      }
      published = this.options.keys.verify(note);
    } catch (err) {
      if (err instanceof TrailUnproven) throw err;
      this.fail(`the last checkpoint in checkpoints.log does not verify: ${(err as Error).message}`);
    }
    const m = published.treeSize;
    if (n < m) this.fail(`the database's audit tree has ${n} events, fewer than the ${m} of the last published checkpoint: events were removed, or the database is not the one the checkpoints were published from`);
    const proof = await this.tree.consistencyProof(m, n);
    if (!verifyConsistency(m, n, published.rootHash, root, proof)) {
      this.fail(`the database's audit tree (size ${n}) is not consistent with the last published checkpoint (size ${m}, root ${published.rootHash.toString('base64')}): events or tree nodes were rewritten`);
    }
    return { size: n, root, publishedSize: m };
  }
}
