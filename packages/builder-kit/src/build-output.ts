import { Writable } from 'node:stream';
import { createLineSplitter, type LineSplitter } from '@platform/runtime-kit';

/** Build output lines longer than this (UTF-16 units) are passed on in pieces of this length. */
export const BUILD_LINE_MAX_CHARS = 8192;

/** The build's output streams (stdout, stderr, …) merged into lines for `BuildRequest.output`. */
export interface BuildOutput {
  /** A splitter for one stream of bytes, with its own partial line and UTF-8 state. */
  stream(): LineSplitter;
  /** The same as a Writable (e.g. for dockerode's `demuxStream`); ending it flushes its last line. */
  writable(): Writable;
  /** Emits every stream's unterminated last line. Call once the build process has ended. */
  flush(): void;
}

/**
 * Turns the bytes a build prints into lines for `onLine`: UTF-8 decoded per stream (a character cut between two
 * chunks stays whole), a trailing `\r` removed, lines over BUILD_LINE_MAX_CHARS cut into pieces. All streams share
 * one cap: once `limitBytes` bytes (UTF-8, one per newline) are passed on, one notice
 * ` !     Build output exceeded N bytes; the rest is not shown.` is printed and the rest dropped (the build goes on).
 *
 *   const output = createBuildOutput(request.output, 4 * 1024 * 1024);
 *   const out = output.stream();
 *   child.stdout.on('data', (chunk) => out.push(chunk));
 *   child.on('close', () => output.flush());
 */
export function createBuildOutput(onLine: (line: string) => void, limitBytes: number): BuildOutput {
  let emitted = 0;
  let cut = false;
  const streams: LineSplitter[] = [];
  const emit = (line: string): void => {
    if (cut) return;
    emitted += Buffer.byteLength(line) + 1;
    if (emitted > limitBytes) {
      cut = true;
      onLine(` !     Build output exceeded ${limitBytes} bytes; the rest is not shown.`);
      return;
    }
    onLine(line);
  };
  const stream = (): LineSplitter => {
    const splitter = createLineSplitter(emit, BUILD_LINE_MAX_CHARS);
    streams.push(splitter);
    return splitter;
  };
  return {
    stream,
    writable() {
      const splitter = stream();
      return new Writable({
        write(chunk: Buffer, _encoding, callback) {
          splitter.push(chunk);
          callback();
        },
        final(callback) {
          splitter.flush();
          callback();
        },
      });
    },
    flush: () => streams.forEach((s) => s.flush()),
  };
}
