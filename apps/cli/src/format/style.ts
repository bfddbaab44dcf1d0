/**
 * Output styling. Colour and the `⬢ ` app prefix appear only when `color` is true
 * (stdout is a TTY and NO_COLOR is unset), like the Heroku CLI.
 */
export interface Style {
  readonly color: boolean;
  app(name: string): string;
  green(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  gray(s: string): string;
  cyan(s: string): string;
  magenta(s: string): string;
  bold(s: string): string;
}

function sgr(open: number, close: number, on: boolean) {
  return (s: string) => (on ? `\x1b[${open}m${s}\x1b[${close}m` : s);
}

export function createStyle(color: boolean): Style {
  const magenta = sgr(35, 39, color);
  return {
    color,
    app: (name) => (color ? magenta(`⬢ ${name}`) : name),
    green: sgr(32, 39, color),
    red: sgr(31, 39, color),
    yellow: sgr(33, 39, color),
    gray: sgr(90, 39, color),
    cyan: sgr(36, 39, color),
    magenta,
    bold: sgr(1, 22, color),
  };
}

export const plain: Style = createStyle(false);

export function visibleLength(s: string): number {
  return s.replace(/\x1b\[[0-9;]*m/g, '').length;
}

/** `=== text` */
export function header(text: string): string {
  return `=== ${text}`;
}

/**
 * `Key:   value` lines with the values aligned (keys padded to the longest key + 1).
 * Continuation lines of multi-line values are indented to the value column.
 */
export function styledObject(pairs: ReadonlyArray<readonly [string, string]>): string[] {
  const width = Math.max(0, ...pairs.map(([k]) => k.length)) + 1;
  const lines: string[] = [];
  for (const [key, value] of pairs) {
    const [first = '', ...rest] = value.split('\n');
    lines.push(`${(key + ':').padEnd(width)} ${first}`.trimEnd());
    for (const line of rest) lines.push(`${' '.repeat(width + 1)}${line}`.trimEnd());
  }
  return lines;
}

/** Columns separated by two spaces, padded to the widest visible cell; the last column is not padded. */
export function table(rows: ReadonlyArray<ReadonlyArray<string>>): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell))));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i]! - visibleLength(cell))))
      .join('  ')
      .trimEnd(),
  );
}
