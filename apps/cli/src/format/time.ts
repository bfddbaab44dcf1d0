function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/**
 * `%Y/%m/%d %H:%M:%S %z` in the given UTC offset (minutes east of UTC; default: the
 * machine's local offset for that date).
 */
export function formatTimestamp(date: Date, offsetMinutes = -date.getTimezoneOffset()): string {
  const d = new Date(date.getTime() + offsetMinutes * 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${d.getUTCFullYear()}/${pad2(d.getUTCMonth() + 1)}/${pad2(d.getUTCDate())} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())} ` +
    `${sign}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}`
  );
}

/**
 * Heroku's `ago()`: `2024/01/01 12:00:00 +0000 (~ 5m ago)`; the parenthesis is dropped
 * beyond 25 hours. A time slightly in the future (clock skew) counts as 0s.
 */
export function formatAgo(date: Date, now: Date, offsetMinutes?: number): string {
  if (Number.isNaN(date.getTime())) return '';
  const stamp = formatTimestamp(date, offsetMinutes);
  const elapsed = Math.max(0, Math.floor((now.getTime() - date.getTime()) / 1000));
  if (elapsed <= 60) return `${stamp} (~ ${elapsed}s ago)`;
  if (elapsed <= 60 * 60) return `${stamp} (~ ${Math.floor(elapsed / 60)}m ago)`;
  if (elapsed <= 60 * 60 * 25) return `${stamp} (~ ${Math.floor(elapsed / 3600)}h ago)`;
  return stamp;
}

export interface TimeOptions {
  now: Date;
  /** Minutes east of UTC; default: local time. Tests pass 0. */
  offsetMinutes?: number;
}
