import dns, { type LookupAddress } from 'node:dns';
import net from 'node:net';
import os from 'node:os';
import { ErrorCodes, PlatformError, isPlatformError } from '@platform/types';
import { checkDrainAddress, drainRefusalMessage, type DrainAllowance, type DrainPolicy, type DrainRefusal } from './drain-policy.ts';

/** Resolves a host name to every address it has (dns.lookup with `all: true` by default; tests inject one). */
export type DrainResolver = (hostname: string) => Promise<LookupAddress[]>;

/** The drain policy as the server configures it; the parts that change while it runs are functions. */
export interface DrainDestinationPolicy {
  /** What the admin allowed besides public addresses (PLATFORM_DRAIN_ALLOW). Default: nothing. */
  allow?: readonly DrainAllowance[];
  /** This server's own listener ports, read at every check (they are known only once the listeners are bound). */
  ownPorts?: () => readonly number[];
  /** This host's own addresses; default: every address of os.networkInterfaces(), read at every check. */
  localAddresses?: () => readonly string[];
}

/** Checks drain destinations against the policy: at `drains:add` (resolve) and at every connect (lookup, checkLiteral). */
export interface DestinationGuard {
  /**
   * For an IP-literal host (which net/tls connect never passes to `lookup`): the refusal, or null when the
   * address is allowed or the host is a name. Synchronous, no DNS.
   */
  checkLiteral(host: string, port: number): PlatformError | null;
  /**
   * Resolves `host` and checks every address it has. Resolves to those addresses; rejects with the refusal
   * (PLT_INVALID_PARAMS, `details.refusal`) when any address is refused — a name that mixes allowed and refused
   * addresses is refused as a whole — or with the resolver's own error (e.g. ENOTFOUND).
   */
  resolve(host: string, port: number): Promise<LookupAddress[]>;
  /** A `lookup` for net.connect / tls.connect to `port`: resolves, refuses like resolve(), returns only checked addresses. */
  lookup(port: number): net.LookupFunction;
}

/** The system resolver: getaddrinfo through dns.lookup, every address, in the order it gives them. */
export const systemDrainResolver: DrainResolver = (hostname) => dns.promises.lookup(hostname, { all: true, verbatim: true });

function hostAddresses(): string[] {
  return Object.values(os.networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
}

/** The refusal carried by an error or by one of its causes (fetch wraps connect errors), or null. */
export function drainRefusalOf(err: unknown): (PlatformError & { details: { refusal: DrainRefusal } }) | null {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (isPlatformError(e) && typeof e.details?.refusal === 'string') return e as PlatformError & { details: { refusal: DrainRefusal } };
  }
  return null;
}

/** Creates the guard drains and the hub share. Nothing is resolved until a check asks for it. */
export function createDestinationGuard(options: { policy?: DrainDestinationPolicy; resolver?: DrainResolver } = {}): DestinationGuard {
  const resolver = options.resolver ?? systemDrainResolver;
  const current = (): DrainPolicy => ({
    allow: options.policy?.allow ?? [],
    ownPorts: options.policy?.ownPorts?.() ?? [],
    localAddresses: (options.policy?.localAddresses ?? hostAddresses)(),
  });
  const check = (host: string, address: string, port: number, policy: DrainPolicy): PlatformError | null => {
    const verdict = checkDrainAddress(address, port, policy);
    if (verdict.allowed) return null;
    return new PlatformError(ErrorCodes.invalidParams, drainRefusalMessage(host, address, port, verdict.reason), {
      details: { field: 'url', refusal: verdict.reason, address },
    });
  };

  const guard: DestinationGuard = {
    checkLiteral(host, port) {
      return net.isIP(host) === 0 ? null : check(host, host, port, current());
    },
    async resolve(host, port) {
      const literal = net.isIP(host);
      const addresses = literal !== 0 ? [{ address: host, family: literal }] : await resolver(host);
      if (addresses.length === 0) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      const policy = current();
      for (const a of addresses) {
        const refusal = check(host, a.address, port, policy);
        if (refusal) throw refusal;
      }
      return addresses;
    },
    lookup(port) {
      return (hostname, lookupOptions, callback) => {
        guard.resolve(hostname, port).then(
          (all) => {
            const f = lookupOptions.family;
            const family = f === 4 || f === 'IPv4' ? 4 : f === 6 || f === 'IPv6' ? 6 : 0;
            const usable = family === 0 ? all : all.filter((a) => a.family === family);
            const first = usable[0];
            if (!first) callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
            else if (lookupOptions.all) callback(null, usable);
            else callback(null, first.address, first.family);
          },
          (err: NodeJS.ErrnoException) => callback(err, '', 0),
        );
      };
    },
  };
  return guard;
}
