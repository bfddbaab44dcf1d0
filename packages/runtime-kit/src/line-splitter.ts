import { StringDecoder } from 'node:string_decoder';

/** Lines longer than this are cut into pieces (a dyno or build printing a huge JSON blob must not grow memory unbounded). */
export const MAX_LINE_CHARS = 10 * 1024;

/** Feeds bytes in; emits whole lines. */
export interface LineSplitter {
  push(chunk: Buffer): void;
  /** Emits what is left (a last line without `\n`). */
  flush(): void;
}

/**
 * Splits a byte stream into lines. `push` emits each complete line (without `\n`, and without a
 * trailing `\r`); `flush` emits a partial last line. Multi-byte UTF-8 sequences split across
 * chunks are kept whole by the decoder.
 */
export function createLineSplitter(emit: (line: string) => void, maxChars = MAX_LINE_CHARS): LineSplitter {
  const decoder = new StringDecoder('utf8');
  let pending = '';

  function emitLine(line: string): void {
    const text = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (text.length <= maxChars) {
      emit(text);
      return;
    }
    for (let i = 0; i < text.length; i += maxChars) emit(text.slice(i, i + maxChars));
  }

  function take(text: string): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) break;
      const piece = text.slice(start, nl);
      if (pending.length > 0) {
        emitLine(pending + piece);
        pending = '';
      } else {
        emitLine(piece);
      }
      start = nl + 1;
    }
    if (start < text.length) pending += text.slice(start);
    // A line with no newline in sight: cut it into maxChars pieces.
    while (pending.length >= maxChars) {
      emit(pending.slice(0, maxChars));
      pending = pending.slice(maxChars);
    }
  }

  return {
    push(chunk: Buffer): void {
      take(decoder.write(chunk));
    },
    flush(): void {
      take(decoder.end());
      if (pending.length > 0) {
        emitLine(pending);
        pending = '';
      }
    },
  };
}
