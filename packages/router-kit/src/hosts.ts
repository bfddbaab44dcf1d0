import { APP_NAME_RE } from '@platform/types';

/**
 * A Host header's hostname: lower-cased, its port and a trailing dot stripped (`MyApp.LocalHost.:80` →
 * `myapp.localhost`). Null for an empty header or an IPv6 literal (which names no app).
 */
export function hostnameOf(host: string | undefined): string | null {
  if (!host) return null;
  let name = host.toLowerCase();
  if (name.startsWith('[')) return null;
  const colon = name.indexOf(':');
  if (colon !== -1) name = name.slice(0, colon);
  if (name.endsWith('.')) name = name.slice(0, -1);
  return name === '' ? null : name;
}

/**
 * The app a Host header names under the platform's domain, or null. The hostname must be exactly
 * `<app>.<domain>` with a valid app name: `a.b.myapp.localhost` or `MyApp_.localhost` name no app.
 */
export function appFromHost(host: string | undefined, domain: string): string | null {
  const name = hostnameOf(host);
  if (name === null) return null;
  const suffixStart = name.length - domain.length - 1;
  if (suffixStart < 1 || name.charCodeAt(suffixStart) !== 46 /* . */ || !name.endsWith(domain)) return null;
  const app = name.slice(0, suffixStart);
  return APP_NAME_RE.test(app) ? app : null;
}

/** `*.example.com` → `example.com`; null when `hostname` is no wildcard. */
export function wildcardSuffix(hostname: string): string | null {
  return hostname.startsWith('*.') ? hostname.slice(2) : null;
}

/**
 * Hostname → app for custom domains. Rule (as Heroku's): an exact name wins over a wildcard; a wildcard
 * `*.example.com` covers one more label (`www.example.com`, not `example.com` nor `a.b.example.com`, as a TLS
 * wildcard does). The default `<app>.<domain>` hosts are resolved by `appFromHost`, before wildcards.
 *
 *   const index = createHostIndex();
 *   index.set('shop', ['www.shop.com', '*.shop.io']);
 *   index.resolve('eu.shop.io'); // 'shop'
 */
export function createHostIndex() {
  const exact = new Map<string, string>();
  const wildcard = new Map<string, string>();
  const byApp = new Map<string, readonly string[]>();

  function remove(app: string): void {
    for (const name of byApp.get(app) ?? []) {
      const suffix = wildcardSuffix(name);
      const map = suffix === null ? exact : wildcard;
      const key = suffix ?? name;
      if (map.get(key) === app) map.delete(key);
    }
    byApp.delete(app);
  }

  return {
    /** Replaces an app's custom hostnames (lower-case; `*.` prefix for a wildcard). */
    set(app: string, hostnames: readonly string[]): void {
      remove(app);
      const names = [...new Set(hostnames.map((h) => h.toLowerCase()))];
      byApp.set(app, names);
      for (const name of names) {
        const suffix = wildcardSuffix(name);
        if (suffix === null) exact.set(name, app);
        else wildcard.set(suffix, app);
      }
    },
    remove,
    /** The app of a custom hostname (already normalised by `hostnameOf`), or null. */
    resolve(hostname: string): string | null {
      const direct = exact.get(hostname);
      if (direct !== undefined) return direct;
      const dot = hostname.indexOf('.');
      return dot > 0 ? (wildcard.get(hostname.slice(dot + 1)) ?? null) : null;
    },
    /** An app's custom hostnames as last set. */
    of: (app: string): readonly string[] => byApp.get(app) ?? [],
  };
}

export type HostIndex = ReturnType<typeof createHostIndex>;
