/**
 * Publishing checkpoints outside the database: each note this process stores is appended to
 * `<dir>/checkpoints.log`, followed by a line containing only `---` (a terminator, so a torn last write
 * shows as an unterminated record), and synced, ready for write-once storage. No line of a note can be
 * `---`. Each process writes its own notes in increasing tree size.
 */
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';

export const CHECKPOINTS_FILE = 'checkpoints.log';
/** Only the checkpoints that reached the witness quorum (what `verify.mjs --quorum` is given). */
export const WITNESSED_FILE = 'checkpoints.witnessed.log';
/** The line written after every note in checkpoints.log. */
export const NOTE_TERMINATOR = '---\n';

export class CheckpointPublisher {
  private lastPublished = -1;

  /** `dir`: where checkpoints.log (or `file`) is kept; without one, nothing is published. */
  constructor(
    private readonly dir?: string,
    private readonly file = CHECKPOINTS_FILE,
  ) {}

  /** Appends the note for `treeSize` unless this process already published one as large. */
  async publish(treeSize: number, note: string): Promise<void> {
    if (!this.dir || treeSize <= this.lastPublished) return;
    await mkdir(this.dir, { recursive: true });
    const file = await open(path.join(this.dir, this.file), 'a', 0o644);
    try {
      await file.write(note + NOTE_TERMINATOR);
      await file.datasync();
    } finally {
      await file.close();
    }
    this.lastPublished = treeSize;
  }
}

/** How much of the end of checkpoints.log is read to find its last note (a note is well under 1 KiB). */
const TAIL_BYTES = 64 * 1024;

/**
 * The last complete note in `<dir>/checkpoints.log` (a torn, unterminated last record is skipped), or
 * undefined when nothing was published there yet.
 */
export async function lastPublishedNote(dir: string): Promise<string | undefined> {
  let file;
  try {
    file = await open(path.join(dir, CHECKPOINTS_FILE), 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const { size } = await file.stat();
    const length = Math.min(size, TAIL_BYTES);
    const buf = Buffer.alloc(length);
    await file.read(buf, 0, length, size - length);
    const text = buf.toString('utf8');
    const end = text.lastIndexOf(`\n${NOTE_TERMINATOR}`);
    if (end < 0) return undefined;
    const start = text.lastIndexOf(`\n${NOTE_TERMINATOR}`, end - 1);
    if (start < 0 && length < size) throw new Error(`the last note of ${CHECKPOINTS_FILE} is longer than ${TAIL_BYTES} bytes`);
    return text.slice(start < 0 ? 0 : start + 1 + NOTE_TERMINATOR.length, end + 1);
  } finally {
    await file.close();
  }
}
