import { Writable } from 'node:stream';

const MAX_LINE = 4096;

/**
 * Turns the build's stdout/stderr chunks into lines for `onLine`, with one shared byte cap: past
 * `limitBytes` one notice is printed and the rest dropped (the build keeps running), as in process mode.
 */
export function createOutputLines(onLine: (line: string) => void, limitBytes: number) {
  let emitted = 0;
  let cut = false;
  const emit = (raw: string): void => {
    if (cut) return;
    const line = raw.replace(/\r$/, '');
    const text = line.length > MAX_LINE ? `${line.slice(0, MAX_LINE)}…` : line;
    emitted += Buffer.byteLength(text) + 1;
    if (emitted > limitBytes) {
      cut = true;
      onLine(` !     Build output exceeded ${limitBytes} bytes; the rest is not shown.`);
      return;
    }
    onLine(text);
  };
  const sinks: Array<{ flush(): void }> = [];

  /** A writable for one stream (stdout or stderr) with its own partial-line buffer. */
  function sink(): Writable {
    let rest = '';
    const decoder = new TextDecoder();
    const flush = () => {
      rest += decoder.decode();
      if (rest !== '') emit(rest);
      rest = '';
    };
    sinks.push({ flush });
    return new Writable({
      write(chunk: Buffer, _enc, cb) {
        rest += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = rest.indexOf('\n')) >= 0) {
          emit(rest.slice(0, nl));
          rest = rest.slice(nl + 1);
        }
        // A line without a newline that keeps growing is emitted in pieces rather than held forever.
        if (rest.length > MAX_LINE * 4) {
          emit(rest);
          rest = '';
        }
        cb();
      },
      final(cb) {
        flush();
        cb();
      },
    });
  }

  return {
    sink,
    /** Emits any unterminated last lines. */
    flush: () => sinks.forEach((s) => s.flush()),
  };
}
