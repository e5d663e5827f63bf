/**
 * Publishing checkpoints outside the database: each note this process stores is appended to
 * `<dir>/checkpoints.log`, followed by a line containing only `---` (a terminator, so a torn last write
 * shows as an unterminated record), and synced, ready for write-once storage. No line of a note can be
 * `---`. Each process writes its own notes in increasing tree size.
 */
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';

export const CHECKPOINTS_FILE = 'checkpoints.log';
/** The line written after every note in checkpoints.log. */
export const NOTE_TERMINATOR = '---\n';

export class CheckpointPublisher {
  private lastPublished = -1;

  /** `dir`: where checkpoints.log is kept; without one, nothing is published. */
  constructor(private readonly dir?: string) {}

  /** Appends the note for `treeSize` unless this process already published one as large. */
  async publish(treeSize: number, note: string): Promise<void> {
    if (!this.dir || treeSize <= this.lastPublished) return;
    await mkdir(this.dir, { recursive: true });
    const file = await open(path.join(this.dir, CHECKPOINTS_FILE), 'a', 0o644);
    try {
      await file.write(note + NOTE_TERMINATOR);
      await file.datasync();
    } finally {
      await file.close();
    }
    this.lastPublished = treeSize;
  }
}
