/**
 * Splits a byte stream into lines without ever holding more than `maxLineBytes` of one line: the bytes
 * of a longer line are dropped as they arrive and the line is reported as too long (readline would
 * build the whole line as one string, and a 600 MB line without a newline crashes the process).
 * Counts every byte and throws TooLarge once the stream passes `maxBodyBytes`.
 */
import { TooLarge } from '../errors.ts';

export interface Line {
  /** 1-based line number. */
  n: number;
  /** The line as UTF-8 text (without its \n or \r\n); absent when it was too long. */
  text?: string;
}

export interface LineLimits {
  maxLineBytes: number;
  maxBodyBytes: number;
}

const NL = 0x0a;

export async function* boundedLines(chunks: AsyncIterable<Buffer | string>, limits: LineLimits): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  let held = 0;
  let tooLong = false;
  let total = 0;
  let n = 0;
  const take = (piece: Buffer) => {
    if (tooLong) return;
    if (held + piece.length > limits.maxLineBytes) {
      tooLong = true;
      parts = [];
      held = 0;
      return;
    }
    parts.push(piece);
    held += piece.length;
  };
  const end = (): Line => {
    n++;
    const line: Line = tooLong ? { n } : { n, text: Buffer.concat(parts, held).toString('utf8').replace(/\r$/, '') };
    parts = [];
    held = 0;
    tooLong = false;
    return line;
  };
  for await (const raw of chunks) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    total += chunk.length;
    if (total > limits.maxBodyBytes) throw new TooLarge(`the body exceeds the import limit of ${limits.maxBodyBytes} bytes`);
    let from = 0;
    for (let at = chunk.indexOf(NL, from); at !== -1; at = chunk.indexOf(NL, from)) {
      take(chunk.subarray(from, at));
      yield end();
      from = at + 1;
    }
    if (from < chunk.length) take(chunk.subarray(from));
  }
  if (held > 0 || tooLong) yield end();
}
