import { PlatformError, ErrorCodes, PROCESS_TYPE_RE } from '@platform/types';

function invalid(line: number, reason: string): PlatformError {
  return new PlatformError(ErrorCodes.procfileInvalid, `Procfile line ${line}: ${reason}`, {
    details: { line },
  });
}

/**
 * Parses a Procfile: one `<type>: <command>` per line (CRLF normalised, whitespace trimmed,
 * blank lines and `#` comments skipped). Stricter than foreman, which ignores bad lines:
 * malformed lines, invalid type names, empty commands and duplicate types throw
 * PLT_PROCFILE_INVALID with the line number, so a typo fails the build instead of silently
 * dropping a process type.
 *
 *   parseProcfile('web: node server.js\nworker: node worker.js\n')
 *   // { web: 'node server.js', worker: 'node worker.js' }
 */
export function parseProcfile(text: string): Record<string, string> {
  const types: Record<string, string> = Object.create(null) as Record<string, string>;
  const lines = text
    .replace(/^\uFEFF/, '')
    .replace(/\r\n?/g, '\n')
    .split('\n');
  lines.forEach((raw, index) => {
    const lineNo = index + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    if (colon < 0) throw invalid(lineNo, 'expected "<process type>: <command>"');
    const type = line.slice(0, colon).trim();
    const command = line.slice(colon + 1).trim();
    if (!PROCESS_TYPE_RE.test(type)) {
      throw invalid(
        lineNo,
        `invalid process type ${JSON.stringify(type)} (letters, digits, "_" and "-", starting with a letter or digit, at most 63 characters)`,
      );
    }
    if (command === '') throw invalid(lineNo, `process type "${type}" has an empty command`);
    if (Object.hasOwn(types, type)) throw invalid(lineNo, `process type "${type}" is declared twice`);
    types[type] = command;
  });
  return { ...types };
}
