import type { Dyno, DynoOutput } from '@platform/types';
import { createLineSplitter, type LineSplitter } from './line-splitter.ts';

/** A dyno's two output streams as line splitters, each line reported as a `DynoOutput`. */
export interface DynoOutputLines {
  stdout: LineSplitter;
  stderr: LineSplitter;
  /** Emits both streams' partial last lines (call once, when the dyno's output has ended). */
  flush(): void;
}

/**
 * Turns a dyno's stdout and stderr bytes into `DynoOutput` lines (UTF-8 kept whole across chunks, `\r\n`
 * handled, long lines cut), stamped with the dyno's id, app and name and the time read (epoch ms).
 *
 *   const lines = createDynoOutputLines(dyno, events.output);
 *   child.stdout.on('data', (chunk) => lines.stdout.push(chunk));
 *   child.on('close', () => lines.flush());
 */
export function createDynoOutputLines(dyno: Pick<Dyno, 'id' | 'app' | 'name'>, emit: (output: DynoOutput) => void): DynoOutputLines {
  const base = { id: dyno.id, app: dyno.app, name: dyno.name };
  const stdout = createLineSplitter((line) => emit({ ...base, stream: 'stdout', line, at: Date.now() }));
  const stderr = createLineSplitter((line) => emit({ ...base, stream: 'stderr', line, at: Date.now() }));
  return {
    stdout,
    stderr,
    flush() {
      stdout.flush();
      stderr.flush();
    },
  };
}
