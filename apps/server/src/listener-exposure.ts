import { isIP } from 'node:net';

/**
 * True when `host` (an address as bound or configured, or a name) only ever reaches this machine: the name
 * `localhost`, IPv4 127.0.0.0/8, IPv6 ::1 in any spelling, and IPv4-mapped 127.x (::ffff:127.0.0.1).
 * The unspecified addresses (0.0.0.0, ::) and any other name are not loopback.
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (h === 'localhost' || h === 'localhost.') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) !== 6) return false;
  const groups = expandIpv6(h);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) return groups[6]! >> 8 === 127; // ::ffff:127.x
  return groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1;
}

/** The eight 16-bit groups of a valid IPv6 address, in any spelling (`::`, an IPv4 tail). */
function expandIpv6(address: string): number[] {
  let text = address;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros: string[] = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((g) => parseInt(g, 16));
}

/**
 * The listener addresses that serve plain HTTP beyond this machine (every one that is not loopback), in order.
 * Empty: nothing to warn about.
 *
 *   exposedAddresses(['127.0.0.1', '::1'])  // []
 *   exposedAddresses(['0.0.0.0'])           // ['0.0.0.0']
 */
export function exposedAddresses(addresses: readonly string[]): string[] {
  return addresses.filter((a) => !isLoopbackHost(a));
}

/**
 * The warning platformd logs once at start-up when its API/git listener is reachable from the network over
 * plain HTTP, or null when `addresses` are all loopback. `port` is the bound port.
 */
export function plainHttpWarning(addresses: readonly string[], port: number): string | null {
  const exposed = exposedAddresses(addresses);
  if (exposed.length === 0) return null;
  const where = exposed.map((a) => (a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`)).join(', ');
  return (
    `the API and git listen on ${where} over plain HTTP: API tokens and git credentials cross the network in clear text. ` +
    `Put TLS in front: a reverse proxy that terminates TLS (with PLATFORM_HOST=127.0.0.1 and PLATFORM_PUBLIC_URL=https://…), ` +
    `or reach the server through an SSH tunnel (ssh -L ${port}:127.0.0.1:${port} <server>)`
  );
}
