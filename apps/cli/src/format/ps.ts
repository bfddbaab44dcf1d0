import type { Dyno, Formation } from '../api-types.ts';
import { header, type Style } from './style.ts';
import { formatAgo, type TimeOptions } from './time.ts';

/** Natural order of dyno names: web.2 before web.10. */
export function compareDynoNames(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

function isOneOff(dyno: Dyno): boolean {
  return dyno.type === 'run';
}

/**
 * `platform ps`, grouped by command (one-off dynos together first):
 *   === run: one-off processes (1)
 *   run.1 (Standard-1X): up 2024/01/01 12:00:00 +0000 (~ 5m ago): bash
 *
 *   === web (Standard-1X): npm start (2)
 *   web.1: up 2024/01/01 12:00:00 +0000 (~ 30m ago)
 */
export function formatDynos(app: string, dynos: readonly Dyno[], style: Style, time: TimeOptions): string[] {
  if (dynos.length === 0) return [`No dynos on ${style.app(app)}`];
  const since = (d: Dyno) =>
    d.updated_at ? ` ${formatAgo(new Date(d.updated_at), time.now, time.offsetMinutes)}` : '';
  const size = (d: Dyno) => (d.size ? ` (${style.cyan(d.size)})` : '');
  const groups = new Map<string, { sortKey: string; dynos: Dyno[] }>();
  for (const d of [...dynos].sort((a, b) => compareDynoNames(a.name, b.name))) {
    const key = isOneOff(d)
      ? 'run: one-off processes'
      : `${style.green(d.type)}${size(d)}: ${d.command ?? ''}`.trimEnd();
    const sortKey = isOneOff(d) ? '' : `${d.type}\0${d.command ?? ''}`;
    const group = groups.get(key) ?? { sortKey, dynos: [] };
    group.dynos.push(d);
    groups.set(key, group);
  }
  const lines: string[] = [];
  const ordered = [...groups].sort(([, a], [, b]) =>
    a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0,
  );
  for (const [key, group] of ordered) {
    if (lines.length > 0) lines.push('');
    lines.push(header(`${key} (${style.yellow(String(group.dynos.length))})`));
    for (const d of group.dynos) {
      lines.push(
        isOneOff(d)
          ? `${d.name}${size(d)}: ${d.state}${since(d)}: ${d.command ?? ''}`.trimEnd()
          : `${d.name}: ${d.state}${since(d)}`,
      );
    }
  }
  return lines;
}

function typeAt(f: Formation, sep: string): string {
  return `${f.type}${sep}${f.quantity}${f.size ? `:${f.size}` : ''}`;
}

/** `platform ps:scale` without arguments: `web=3:Standard-2X worker=1`. */
export function formatFormation(formation: readonly Formation[]): string {
  return [...formation]
    .sort((a, b) => a.type.localeCompare(b.type))
    .map((f) => typeAt(f, '='))
    .join(' ');
}

/** The `now running …` part after scaling: `web at 3:Standard-2X, worker at 1`. */
export function formatScaled(formation: readonly Formation[]): string {
  return [...formation]
    .sort((a, b) => a.type.localeCompare(b.type))
    .map((f) => typeAt(f, ' at '))
    .join(', ');
}
