import net from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Where drains may send: a pure decision, table-tested (test/drain-policy.test.ts). The effects (DNS, the
 * connect-time `lookup`) live in destination-guard.ts.
 *
 * By default only globally reachable unicast addresses are allowed. The special-purpose address registries
 * (RFC 6890, with IANA's IPv4 and IPv6 special-purpose registries) name the rest; of those, an admin may allow
 * loopback and the private ranges, nothing else.
 */

/** What an admin may allow besides public addresses (the server's PLATFORM_DRAIN_ALLOW). */
export type DrainAllowance = 'private' | 'loopback';
export const DRAIN_ALLOWANCES: readonly DrainAllowance[] = Object.freeze(['private', 'loopback']);
/** The server setting that holds the allowances; refusal messages name it. */
export const DRAIN_ALLOW_SETTING = 'PLATFORM_DRAIN_ALLOW';

/**
 * What an address is, for drains:
 * - `public`: global unicast (allowed);
 * - `loopback` (127.0.0.0/8, ::1) — allowed by `loopback`;
 * - `private` (10/8, 172.16/12, 192.168/16; RFC 1918), `cgnat` (100.64/10; RFC 6598), `ula` (fc00::/7; RFC 4193)
 *   — allowed by `private`;
 * - never allowed: `link-local` (169.254/16, fe80::/10; RFC 3927, RFC 4291), `metadata` (cloud metadata services,
 *   see METADATA_ADDRESSES), `unspecified` (0.0.0.0/8, ::), `multicast` (224/4, ff00::/8), `broadcast`
 *   (255.255.255.255), `reserved` (every other special-purpose range: documentation, benchmarking, 240/4,
 *   6to4, Teredo, IPv4-compatible and site-local IPv6, anything outside 2000::/3, …), `invalid` (not an IP address).
 */
export type AddressKind =
  | 'public'
  | 'loopback'
  | 'private'
  | 'cgnat'
  | 'ula'
  | 'link-local'
  | 'metadata'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved'
  | 'invalid';

/** Why a destination is refused: its kind, or `own-listener` (this server's API or router port on itself). */
export type DrainRefusal = Exclude<AddressKind, 'public'> | 'own-listener';

/** The policy in force for one check. */
export interface DrainPolicy {
  /** What the admin allowed besides public addresses. */
  allow: readonly DrainAllowance[];
  /** This server's own listener ports (API, router): refused on loopback and on `localAddresses`, whatever `allow` says. */
  ownPorts: readonly number[];
  /** This host's own interface addresses (os.networkInterfaces()), where `ownPorts` are refused too. */
  localAddresses: readonly string[];
}

export type DrainAddressVerdict = { allowed: true; kind: AddressKind } | { allowed: false; kind: AddressKind; reason: DrainRefusal };

/**
 * Cloud metadata endpoints, refused by name even where their range could be allowed: AWS/GCP/Azure/OpenStack/
 * Oracle 169.254.169.254, AWS ECS task metadata 169.254.170.2, AWS IMDS over IPv6 fd00:ec2::254 (a ULA),
 * Alibaba Cloud 100.100.100.200 (in the CGNAT range), Azure's WireServer 168.63.129.16 (a public address).
 */
const METADATA_ADDRESSES = new Set(['169.254.169.254', '169.254.170.2', 'fd00:ec2:0:0:0:0:0:254', '100.100.100.200', '168.63.129.16']);

const IPV4_KINDS: Record<string, AddressKind> = {
  unicast: 'public',
  unspecified: 'unspecified',
  broadcast: 'broadcast',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  carrierGradeNat: 'cgnat',
  private: 'private',
};
const IPV6_KINDS: Record<string, AddressKind> = {
  unicast: 'public',
  unspecified: 'unspecified',
  multicast: 'multicast',
  linkLocal: 'link-local',
  loopback: 'loopback',
  uniqueLocal: 'ula',
};
/** 2000::/3: IANA's global unicast space. ipaddr.js calls "unicast" whatever no special range claims (e.g. ::7f00:1). */
const GLOBAL_UNICAST_V6 = ipaddr.IPv6.parseCIDR('2000::/3');
/** 64:ff9b::/96 (RFC 6052): NAT64's well-known prefix, whose last 32 bits are the IPv4 destination. */
const NAT64_WELL_KNOWN = ipaddr.IPv6.parseCIDR('64:ff9b::/96');

/** Parses a strictly written address (Node's own parser: no `127.1`, `0x7f000001` or `2130706433`), or null. */
function parseStrict(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (net.isIP(address) === 0) return null;
  try {
    return ipaddr.parse(address);
  } catch {
    return null;
  }
}

/** The IPv4 address an IPv6 one stands for (IPv4-mapped, RFC 6145 translated, NAT64 well-known prefix), or null. */
function embeddedIPv4(a: ipaddr.IPv6): ipaddr.IPv4 | null {
  const range: string = a.range();
  if (range !== 'ipv4Mapped' && range !== 'rfc6145' && !a.match(NAT64_WELL_KNOWN)) return null;
  const [hi, lo] = [a.parts[6]!, a.parts[7]!];
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

function kindOf(a: ipaddr.IPv4 | ipaddr.IPv6): AddressKind {
  if (METADATA_ADDRESSES.has(a.toNormalizedString())) return 'metadata';
  if (a.kind() === 'ipv4') return IPV4_KINDS[a.range()] ?? 'reserved';
  const v6 = a as ipaddr.IPv6;
  const v4 = embeddedIPv4(v6);
  if (v4) return kindOf(v4);
  const kind = IPV6_KINDS[v6.range()] ?? 'reserved';
  return kind === 'public' && !v6.match(GLOBAL_UNICAST_V6) ? 'reserved' : kind;
}

/**
 * Classifies an IP address written the standard way (`203.0.113.5`, `2001:db8::1`, `::ffff:10.0.0.1`); IPv6 forms
 * that embed an IPv4 address are classified by that address. Anything else, odd IPv4 encodings included, is `invalid`.
 */
export function classifyAddress(address: string): AddressKind {
  const a = parseStrict(address);
  return a ? kindOf(a) : 'invalid';
}

/** One form per address for comparisons: embedded IPv4 unwrapped, IPv6 without zone, normalised. */
function canonical(address: string): string | null {
  const a = parseStrict(address);
  if (!a) return null;
  if (a.kind() === 'ipv4') return a.toString();
  const v6 = a as ipaddr.IPv6;
  return embeddedIPv4(v6)?.toString() ?? new ipaddr.IPv6(v6.parts).toNormalizedString();
}

function allowedKind(kind: AddressKind, allow: readonly DrainAllowance[]): boolean {
  if (kind === 'public') return true;
  if (kind === 'loopback') return allow.includes('loopback');
  if (kind === 'private' || kind === 'cgnat' || kind === 'ula') return allow.includes('private');
  return false;
}

/**
 * Decides whether a drain may connect to `address` (an IP address, as written or as DNS returned it) on `port`.
 * Pure: no DNS, no sockets.
 *
 *   checkDrainAddress('10.0.0.5', 514, { allow: [], ownPorts: [], localAddresses: [] })
 *   // → { allowed: false, kind: 'private', reason: 'private' }
 *   checkDrainAddress('127.0.0.1', 5000, { allow: ['loopback'], ownPorts: [5000, 8080], localAddresses: [] })
 *   // → { allowed: false, kind: 'loopback', reason: 'own-listener' }
 */
export function checkDrainAddress(address: string, port: number, policy: DrainPolicy): DrainAddressVerdict {
  const kind = classifyAddress(address);
  if (!allowedKind(kind, policy.allow)) return { allowed: false, kind, reason: kind as DrainRefusal };
  if (policy.ownPorts.includes(port)) {
    const self = canonical(address);
    if (kind === 'loopback' || policy.localAddresses.some((l) => canonical(l) === self)) {
      return { allowed: false, kind, reason: 'own-listener' };
    }
  }
  return { allowed: true, kind };
}

const PRIVATE_HINT = `an admin can allow private receivers with ${DRAIN_ALLOW_SETTING}=private`;
const NEVER = 'drains can never send there';
const WHY: Record<DrainRefusal, string> = {
  loopback: `is a loopback address; an admin can allow loopback receivers (for development) with ${DRAIN_ALLOW_SETTING}=loopback`,
  private: `is in a private range (RFC 1918); ${PRIVATE_HINT}`,
  cgnat: `is in the shared address space 100.64.0.0/10 (carrier-grade NAT, RFC 6598); ${PRIVATE_HINT}`,
  ula: `is an IPv6 unique local address (fc00::/7, RFC 4193); ${PRIVATE_HINT}`,
  'link-local': `is a link-local address (169.254.0.0/16 or fe80::/10), where cloud metadata services live; ${NEVER}`,
  metadata: `is a cloud metadata service address; ${NEVER}`,
  unspecified: `is an unspecified address (0.0.0.0/8 or ::); ${NEVER}`,
  multicast: `is a multicast address; ${NEVER}`,
  broadcast: `is the broadcast address; ${NEVER}`,
  reserved: `is in a special-purpose range that is not globally reachable (RFC 6890); ${NEVER}`,
  invalid: 'is not an IP address',
  'own-listener': `is this platform's own API or router listener; ${NEVER}`,
};

/**
 * The sentence that explains a refusal to the user, naming the setting that would allow it where one would:
 * `Drain host 10.0.0.5 is in a private range (RFC 1918); an admin can allow private receivers with
 * PLATFORM_DRAIN_ALLOW=private.` For a name: `Drain host logs.internal resolves to 10.0.0.5, which is …`.
 */
export function drainRefusalMessage(host: string, address: string, port: number, reason: DrainRefusal): string {
  const what = reason === 'own-listener' ? `${net.isIPv6(address) ? `[${address}]` : address}:${port}` : address;
  const subject = host === address ? `Drain host ${what}` : `Drain host ${host} resolves to ${what}, which`;
  return `${subject} ${WHY[reason]}.`;
}
