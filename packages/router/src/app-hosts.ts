import { appFromHost } from './host.ts';

/**
 * Which app a Host header names, beyond the default `<app>.<domain>`: its custom domains. Exact names
 * (`www.example.com`) and wildcards (`*.example.com`, one label: `a.example.com`, not `a.b.example.com` nor
 * `example.com`, as a wildcard certificate covers, RFC 6125 §6.4.3); an exact name wins over a wildcard. The
 * domains service keeps each hostname on one app; this table only looks names up.
 */
export function createAppHosts(domain: string) {
  const exact = new Map<string, string>();
  /** `example.com` → app, for `*.example.com`. */
  const wildcard = new Map<string, string>();
  const byApp = new Map<string, readonly string[]>();

  function forget(app: string): void {
    for (const hostname of byApp.get(app) ?? []) {
      const map = hostname.startsWith('*.') ? wildcard : exact;
      const key = hostname.startsWith('*.') ? hostname.slice(2) : hostname;
      if (map.get(key) === app) map.delete(key);
    }
    byApp.delete(app);
  }

  return {
    /** Replaces the custom domains of `app` (lower-case, punycode, no trailing dot). */
    setDomains(app: string, hostnames: readonly string[]): void {
      forget(app);
      const list = hostnames.map((h) => h.toLowerCase());
      for (const hostname of list) {
        if (hostname.startsWith('*.')) wildcard.set(hostname.slice(2), app);
        else exact.set(hostname, app);
      }
      byApp.set(app, list);
    },
    removeApp: forget,
    /**
     * The app `host` (a Host header: any case, maybe a port, maybe a trailing dot) names, or null: the default
     * `<app>.<domain>`, then an exact custom domain, then a wildcard one.
     */
    resolve(host: string | undefined): string | null {
      const byDefault = appFromHost(host, domain);
      if (byDefault !== null || !host) return byDefault;
      const name = hostnameOf(host);
      if (name === null) return null;
      const found = exact.get(name);
      if (found !== undefined) return found;
      const dot = name.indexOf('.');
      return dot > 0 ? (wildcard.get(name.slice(dot + 1)) ?? null) : null;
    },
  };
}

export type AppHosts = ReturnType<typeof createAppHosts>;

/** A Host header's name: lower-case, without port or trailing dot; null for an IP literal in brackets. */
export function hostnameOf(host: string): string | null {
  let name = host.toLowerCase();
  if (name.startsWith('[')) return null;
  const colon = name.indexOf(':');
  if (colon !== -1) name = name.slice(0, colon);
  if (name.endsWith('.')) name = name.slice(0, -1);
  return name;
}
