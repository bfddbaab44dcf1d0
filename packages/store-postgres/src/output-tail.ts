/**
 * Keeps the last `maxLines` non-empty lines of a program's output, each cut to `maxLineLength` characters, so a
 * failure can say what the program printed last without holding all of it.
 *
 *   const tail = createOutputTail(10);
 *   tail.push('initdb: error: could not create directory "…": Permission denied\n');
 *   tail.lines(); // ['initdb: error: could not create directory "…": Permission denied']
 */
export function createOutputTail(maxLines = 10, maxLineLength = 300) {
  const kept: string[] = [];
  return {
    /** Adds a chunk of output (any number of lines; an Error or other value is stringified). */
    push(chunk: unknown): void {
      const text = chunk instanceof Error ? chunk.message : String(chunk);
      for (const raw of text.split(/\r?\n/)) {
        const line = raw.trim();
        if (line === '') continue;
        kept.push(line.length > maxLineLength ? `${line.slice(0, maxLineLength - 1)}…` : line);
        if (kept.length > maxLines) kept.shift();
      }
    },
    /** The kept lines, oldest first. */
    lines(): string[] {
      return [...kept];
    },
  };
}
