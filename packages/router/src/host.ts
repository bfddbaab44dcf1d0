import { APP_NAME_RE } from '@platform/types';

/**
 * The app a Host header names, or null. `Host` is lowercased, its port stripped (and a trailing
 * dot, as in `myapp.localhost.`), and must be exactly `<app>.<domain>` with a valid app name:
 * `a.b.myapp.localhost` or `MyApp_.localhost` name no app.
 */
export function appFromHost(host: string | undefined, domain: string): string | null {
  if (!host) return null;
  let name = host.toLowerCase();
  if (name.startsWith('[')) return null; // an IPv6 literal names no app
  const colon = name.indexOf(':');
  if (colon !== -1) name = name.slice(0, colon);
  if (name.endsWith('.')) name = name.slice(0, -1);
  const suffixStart = name.length - domain.length - 1;
  if (suffixStart < 1 || name.charCodeAt(suffixStart) !== 46 /* . */ || !name.endsWith(domain)) return null;
  const app = name.slice(0, suffixStart);
  return APP_NAME_RE.test(app) ? app : null;
}

/** Counts Host headers in the raw list: node keeps only the first, but two are an attack (2016) → 400. */
export function hostHeaderCount(rawHeaders: string[]): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    if (name.length === 4 && name.toLowerCase() === 'host') count++;
  }
  return count;
}
