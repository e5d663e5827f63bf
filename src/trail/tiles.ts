/**
 * The tree published as C2SP tlog-tiles (c2sp.org/tlog-tiles) beside checkpoints.log: `tile/<L>/<N>`
 * holds the hashes of the 256 complete subtrees of height 8·L from index 256·N (level 0: the leaf
 * hashes), `tile/<L>/<N>.p/<W>` a partial tile of W, and `checkpoint` the newest signed note. Written
 * after each checkpoint this process signs, for what that checkpoint added, each file by temporary file
 * and rename; tiles never change once written, so the directory can be shipped to write-once storage.
 * With an export, `audit/verify.mjs --tiles <dir>` names exactly the event that was altered.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Queryable } from '../store/store.ts';
import { nodesInRange } from '../store/tables/audit-tree.ts';

const HEIGHT = 8;
const WIDTH = 2 ** HEIGHT;
export const TILE_CHECKPOINT_FILE = 'checkpoint';

/** `tile/<level>/<index as x001/x234/067>[.p/<width>]` (a width below 256 makes a partial tile). */
export function tilePath(level: number, index: number, width = WIDTH): string {
  let n = Math.floor(index / 1000);
  let s = String(index % 1000).padStart(3, '0');
  for (; n > 0; n = Math.floor(n / 1000)) s = `x${String(n % 1000).padStart(3, '0')}/${s}`;
  return `tile/${level}/${s}${width < WIDTH ? `.p/${width}` : ''}`;
}

export class TilePublisher {
  /** The tree size the tiles on disk cover (read from `checkpoint` once). */
  private tiled?: number;

  constructor(
    private readonly db: Queryable,
    private readonly dir: string,
  ) {}

  /** Writes the tiles the tree of `size` has beyond those already written, then `note` as `checkpoint`. */
  async publish(size: number, note: string): Promise<void> {
    const from = (this.tiled ??= await this.coveredSize());
    if (size < from) return;
    for (let level = 0; Math.floor(size / 2 ** (HEIGHT * level)) > 0; level++) {
      const before = Math.floor(from / 2 ** (HEIGHT * level));
      const after = Math.floor(size / 2 ** (HEIGHT * level));
      if (after === before) continue;
      for (let tile = Math.floor(before / WIDTH); tile * WIDTH < after; tile++) {
        const width = Math.min(WIDTH, after - tile * WIDTH);
        const file = path.join(this.dir, tilePath(level, tile, width));
        if (await exists(file)) continue;
        const rows = await nodesInRange(this.db, HEIGHT * level, tile * WIDTH, tile * WIDTH + width);
        if (rows.length !== width) throw new Error(`tile ${tilePath(level, tile, width)}: ${rows.length} of its ${width} tree nodes are stored`);
        await writeAtomically(file, Buffer.concat(rows.map((r) => Buffer.from(r.hash))));
      }
    }
    await writeAtomically(path.join(this.dir, TILE_CHECKPOINT_FILE), Buffer.from(note, 'utf8'));
    this.tiled = size;
  }

  private async coveredSize(): Promise<number> {
    try {
      const size = Number((await readFile(path.join(this.dir, TILE_CHECKPOINT_FILE), 'utf8')).split('\n')[1]);
      return Number.isSafeInteger(size) && size >= 0 ? size : 0;
    } catch {
      return 0;
    }
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}

async function writeAtomically(file: string, data: Buffer): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, data, { mode: 0o644 });
  await rename(tmp, file);
}
