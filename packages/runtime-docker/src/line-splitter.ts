import { StringDecoder } from 'node:string_decoder';

/** Lines longer than this are cut into pieces (a huge JSON blob must not grow memory unbounded). */
export const MAX_LINE_CHARS = 10 * 1024;

/**
 * Splits a byte stream into lines: `push` emits each complete line (without `\n` or a trailing
 * `\r`), `flush` emits a partial last line. UTF-8 sequences split across chunks stay whole.
 * (Same behaviour as runtime-process's splitter; drivers are siblings and do not import each other.)
 */
export function createLineSplitter(emit: (line: string) => void, maxChars = MAX_LINE_CHARS) {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const emitLine = (line: string) => emit(line.endsWith('\r') ? line.slice(0, -1) : line);

  function take(text: string): void {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      emitLine(pending + text.slice(start, nl));
      pending = '';
      start = nl + 1;
    }
    pending += text.slice(start);
    while (pending.length >= maxChars) {
      emit(pending.slice(0, maxChars));
      pending = pending.slice(maxChars);
    }
  }

  return {
    push: (chunk: Buffer) => take(decoder.write(chunk)),
    flush(): void {
      take(decoder.end());
      if (pending.length > 0) emitLine(pending);
      pending = '';
    },
  };
}
