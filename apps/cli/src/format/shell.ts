/** POSIX shell quoting for `config -s`: safe values stay bare, others get single quotes. */
export function shellQuote(value: string): string {
  if (value === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `KEY=value` lines, sorted by key, values shell-quoted (`eval "$(platform config -s)"`). */
export function formatShellVars(vars: Readonly<Record<string, string>>): string[] {
  return Object.keys(vars)
    .sort()
    .map((k) => `${k}=${shellQuote(vars[k]!)}`);
}
