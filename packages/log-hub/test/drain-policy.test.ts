import { describe, expect, it } from 'vitest';
import { checkDrainAddress, classifyAddress, drainRefusalMessage, parseDrainUrl, type AddressKind, type DrainPolicy } from '../src/index.ts';

const NONE: DrainPolicy = { allow: [], ownPorts: [], localAddresses: [] };
const PRIVATE: DrainPolicy = { allow: ['private'], ownPorts: [], localAddresses: [] };
const LOOPBACK: DrainPolicy = { allow: ['loopback'], ownPorts: [], localAddresses: [] };
const BOTH: DrainPolicy = { allow: ['private', 'loopback'], ownPorts: [], localAddresses: [] };

/** address, kind, and whether it is allowed with: no setting, private, loopback, private+loopback. */
const TABLE: Array<[string, AddressKind, boolean, boolean, boolean, boolean]> = [
  // Public unicast: always allowed.
  ['8.8.8.8', 'public', true, true, true, true],
  ['172.32.0.1', 'public', true, true, true, true], // just outside 172.16/12
  ['100.128.0.1', 'public', true, true, true, true], // just outside 100.64/10
  ['2606:4700::1111', 'public', true, true, true, true],
  ['::ffff:8.8.8.8', 'public', true, true, true, true],
  ['64:ff9b::808:808', 'public', true, true, true, true], // NAT64 (RFC 6052) of 8.8.8.8
  // Loopback (RFC 6890: 127.0.0.0/8, ::1/128), also IPv4-mapped and NAT64.
  ['127.0.0.1', 'loopback', false, false, true, true],
  ['127.255.255.254', 'loopback', false, false, true, true],
  ['::1', 'loopback', false, false, true, true],
  ['::ffff:127.0.0.1', 'loopback', false, false, true, true],
  ['::ffff:7f00:1', 'loopback', false, false, true, true],
  ['::ffff:0:7f00:1', 'loopback', false, false, true, true], // RFC 6145 IPv4-translated
  ['64:ff9b::7f00:1', 'loopback', false, false, true, true],
  // Private (RFC 1918), CGNAT (RFC 6598), ULA (RFC 4193): allowed by `private`.
  ['10.1.2.3', 'private', false, true, false, true],
  ['172.16.0.1', 'private', false, true, false, true],
  ['172.31.255.255', 'private', false, true, false, true],
  ['192.168.1.1', 'private', false, true, false, true],
  ['::ffff:10.0.0.1', 'private', false, true, false, true],
  ['::ffff:192.168.0.1', 'private', false, true, false, true],
  ['100.64.0.1', 'cgnat', false, true, false, true],
  ['100.127.255.254', 'cgnat', false, true, false, true],
  ['::ffff:100.64.0.1', 'cgnat', false, true, false, true],
  ['fd00::1', 'ula', false, true, false, true],
  ['fc00::1', 'ula', false, true, false, true],
  // Link-local and cloud metadata: never.
  ['169.254.169.254', 'metadata', false, false, false, false],
  ['::ffff:169.254.169.254', 'metadata', false, false, false, false],
  ['::ffff:a9fe:a9fe', 'metadata', false, false, false, false],
  ['169.254.170.2', 'metadata', false, false, false, false],
  ['fd00:ec2::254', 'metadata', false, false, false, false], // AWS IMDS over IPv6, inside the ULA range
  ['100.100.100.200', 'metadata', false, false, false, false], // Alibaba Cloud, inside CGNAT
  ['168.63.129.16', 'metadata', false, false, false, false], // Azure WireServer, a public address
  ['169.254.1.1', 'link-local', false, false, false, false],
  ['fe80::1', 'link-local', false, false, false, false],
  ['fe80::1%eth0', 'link-local', false, false, false, false],
  ['::ffff:169.254.1.1', 'link-local', false, false, false, false],
  // Unspecified (0.0.0.0/8 "this network", ::): never.
  ['0.0.0.0', 'unspecified', false, false, false, false],
  ['0.1.2.3', 'unspecified', false, false, false, false],
  ['::', 'unspecified', false, false, false, false],
  ['::ffff:0.0.0.0', 'unspecified', false, false, false, false],
  // Multicast, broadcast: never.
  ['224.0.0.1', 'multicast', false, false, false, false],
  ['239.255.255.250', 'multicast', false, false, false, false],
  ['ff02::1', 'multicast', false, false, false, false],
  ['255.255.255.255', 'broadcast', false, false, false, false],
  // Other special-purpose ranges (RFC 6890 and IANA's registries): never.
  ['192.0.0.8', 'reserved', false, false, false, false],
  ['192.0.2.1', 'reserved', false, false, false, false], // documentation
  ['198.18.0.1', 'reserved', false, false, false, false], // benchmarking
  ['240.0.0.1', 'reserved', false, false, false, false],
  ['2001:db8::1', 'reserved', false, false, false, false],
  ['2001::1', 'reserved', false, false, false, false], // Teredo
  ['2002:7f00:1::1', 'reserved', false, false, false, false], // 6to4
  ['::7f00:1', 'reserved', false, false, false, false], // IPv4-compatible (deprecated, RFC 4291)
  ['fec0::1', 'reserved', false, false, false, false], // site-local (deprecated, RFC 3879)
  ['100::1', 'reserved', false, false, false, false], // discard-only
  ['64:ff9b:1::1', 'reserved', false, false, false, false], // local-use NAT64 (RFC 8215)
  ['4000::1', 'reserved', false, false, false, false], // outside 2000::/3
  // Odd encodings are not addresses at all (parseDrainUrl refuses them before any DNS).
  ['2130706433', 'invalid', false, false, false, false],
  ['0x7f000001', 'invalid', false, false, false, false],
  ['0177.0.0.1', 'invalid', false, false, false, false],
  ['127.1', 'invalid', false, false, false, false],
  ['logs.example.com', 'invalid', false, false, false, false],
  ['', 'invalid', false, false, false, false],
];

describe('drain policy (pure)', () => {
  it.each(TABLE)('%s is %s; allowed: none=%s private=%s loopback=%s both=%s', (address, kind, none, priv, loop, both) => {
    expect(classifyAddress(address)).toBe(kind);
    const verdicts = [NONE, PRIVATE, LOOPBACK, BOTH].map((policy) => checkDrainAddress(address, 514, policy));
    expect(verdicts.map((v) => v.allowed)).toEqual([none, priv, loop, both]);
    for (const v of verdicts) if (!v.allowed) expect(v.reason).toBe(kind);
  });

  it.each<[string, number, DrainPolicy, boolean]>([
    // This server's own ports on loopback are refused even when loopback is allowed; other ports are not.
    ['127.0.0.1', 5000, { allow: ['loopback'], ownPorts: [5000, 8080], localAddresses: [] }, false],
    ['127.0.0.2', 8080, { allow: ['loopback'], ownPorts: [5000, 8080], localAddresses: [] }, false],
    ['::1', 8080, { allow: ['loopback'], ownPorts: [5000, 8080], localAddresses: [] }, false],
    ['::ffff:127.0.0.1', 5000, { allow: ['loopback'], ownPorts: [5000], localAddresses: [] }, false],
    ['127.0.0.1', 5001, { allow: ['loopback'], ownPorts: [5000, 8080], localAddresses: [] }, true],
    // …and on this host's own addresses, in whatever form they are written.
    ['10.0.0.5', 5000, { allow: ['private'], ownPorts: [5000], localAddresses: ['127.0.0.1', '10.0.0.5'] }, false],
    ['::ffff:10.0.0.5', 5000, { allow: ['private'], ownPorts: [5000], localAddresses: ['10.0.0.5'] }, false],
    ['fd00::5', 8080, { allow: ['private'], ownPorts: [8080], localAddresses: ['fd00:0:0::5'] }, false],
    ['8.8.8.8', 5000, { allow: [], ownPorts: [5000], localAddresses: ['8.8.8.8'] }, false],
    ['10.0.0.6', 5000, { allow: ['private'], ownPorts: [5000], localAddresses: ['10.0.0.5'] }, true],
  ])('own listeners: %s port %d → allowed=%s', (address, port, policy, allowed) => {
    const verdict = checkDrainAddress(address, port, policy);
    expect(verdict.allowed).toBe(allowed);
    if (!verdict.allowed) expect(verdict.reason).toBe('own-listener');
  });

  it('explains refusals and names the setting that would allow them', () => {
    expect(drainRefusalMessage('10.0.0.5', '10.0.0.5', 514, 'private')).toBe(
      'Drain host 10.0.0.5 is in a private range (RFC 1918); an admin can allow private receivers with PLATFORM_DRAIN_ALLOW=private.',
    );
    expect(drainRefusalMessage('logs.internal', '127.0.0.1', 514, 'loopback')).toMatch(
      /^Drain host logs\.internal resolves to 127\.0\.0\.1, which is a loopback address; .*PLATFORM_DRAIN_ALLOW=loopback\.$/,
    );
    expect(drainRefusalMessage('169.254.169.254', '169.254.169.254', 443, 'metadata')).toMatch(/metadata service address; drains can never send there\.$/);
    expect(drainRefusalMessage('::1', '::1', 5000, 'own-listener')).toBe(
      "Drain host [::1]:5000 is this platform's own API or router listener; drains can never send there.",
    );
  });
});

describe('drain hosts must be written plainly', () => {
  it.each([
    'syslog://2130706433:514',
    'https://2130706433/',
    'syslog://0x7f000001:514',
    'http://0x7f000001/',
    'syslog://0177.0.0.1:514',
    'https://0177.0.0.1/',
    'syslog://127.1:514',
    'https://127.1/',
    'syslog://0x7f.0.0.1:514',
    'syslog://127.0.0.1.:514',
    'syslog://1.2.3.04:514',
    'https://%31%32%37.0.0.1/',
    'syslog://%31%32%37.0.0.1:514',
    'syslog://ex\u00e4mple.com:514',
    'syslog://logs.0x1:514',
    'https:127.0.0.1/',
    'https:\\\\127.0.0.1\\',
  ])('refuses %s as an invalid host', (url) => {
    expect(() => parseDrainUrl(url)).toThrowError(/not a valid host|must look like/);
  });

  it.each([
    ['syslog://203.0.113.10:514', '203.0.113.10'],
    ['syslog://[2001:db8::10]:514', '2001:db8::10'],
    ['syslog://[::ffff:127.0.0.1]:514', '::ffff:7f00:1'],
    ['https://logs-1.example.com./x', 'logs-1.example.com.'],
    ['https://123.example.com/x', '123.example.com'],
    ['syslog+tls://_logs.example.com:6514', '_logs.example.com'],
  ])('accepts %s (host %s); where it may send is the policy\'s question', (url, host) => {
    expect(parseDrainUrl(url).host).toBe(host);
  });
});
