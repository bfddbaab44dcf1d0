import ipaddr from 'ipaddr.js';
import { ErrorCodes, PlatformError } from '@platform/types';

/** The subnet size of one app's network: a /24 holds 253 dynos (the gateway takes one address). */
export const APP_SUBNET_PREFIX = 24;

/**
 * The first /24 of `pool` (an IPv4 CIDR such as `172.31.0.0/16`) that overlaps none of `used` (the subnets of
 * every network on the engine, whoever made them), or null when the pool is full. Pure.
 *
 *   freeSubnet('172.31.0.0/16', ['172.31.0.0/24']) → '172.31.1.0/24'
 *
 * Throws PLT_INVALID_PARAMS for a pool that is not an IPv4 CIDR of /24 or wider.
 */
export function freeSubnet(pool: string, used: readonly string[]): string | null {
  const [base, bits] = parsePool(pool);
  const taken = used.flatMap((cidr) => {
    try {
      const [addr, len] = ipaddr.parseCIDR(cidr);
      return addr.kind() === 'ipv4' ? [[toNumber(addr as ipaddr.IPv4), len] as const] : [];
    } catch {
      return [];
    }
  });
  const size = 2 ** (32 - APP_SUBNET_PREFIX);
  for (let start = base; start < base + 2 ** (32 - bits); start += size) {
    const overlaps = taken.some(([addr, len]) => {
      const span = 2 ** (32 - len);
      const first = addr - (addr % span);
      return first < start + size && start < first + span;
    });
    if (!overlaps) return `${fromNumber(start)}/${APP_SUBNET_PREFIX}`;
  }
  return null;
}

/** Checks a pool setting; returns its first address (as a number) and prefix length. */
export function parsePool(pool: string): [number, number] {
  let parsed: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    parsed = ipaddr.parseCIDR(pool);
  } catch {
    throw new PlatformError(ErrorCodes.invalidParams, `The dyno subnet pool ${JSON.stringify(pool)} is not a CIDR such as 172.31.0.0/16.`);
  }
  const [addr, bits] = parsed;
  if (addr.kind() !== 'ipv4' || bits > APP_SUBNET_PREFIX) {
    throw new PlatformError(ErrorCodes.invalidParams, `The dyno subnet pool ${pool} must be an IPv4 range of /${APP_SUBNET_PREFIX} or wider.`);
  }
  const n = toNumber(addr as ipaddr.IPv4);
  return [n - (n % 2 ** (32 - bits)), bits];
}

const toNumber = (a: ipaddr.IPv4) => a.octets.reduce((n, o) => n * 256 + o, 0);
const fromNumber = (n: number) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
