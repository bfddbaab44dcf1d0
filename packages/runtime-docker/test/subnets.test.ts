import { describe, expect, it } from 'vitest';
import { freeSubnet, parsePool } from '../src/subnets.ts';
import { appNetworkNames } from '../src/network.ts';

describe('freeSubnet', () => {
  const cases: Array<[string, string[], string | null]> = [
    ['172.31.0.0/16', [], '172.31.0.0/24'],
    ['172.31.0.0/16', ['172.31.0.0/24', '172.31.1.0/24'], '172.31.2.0/24'],
    // A wider network elsewhere on the engine covering part of the pool.
    ['172.31.0.0/16', ['172.31.0.0/20'], '172.31.16.0/24'],
    // An unrelated network, IPv6 and junk are ignored.
    ['10.9.0.0/23', ['192.168.0.0/16', 'fd00::/64', 'not a cidr'], '10.9.0.0/24'],
    // Full.
    ['10.9.0.0/23', ['10.9.0.0/24', '10.9.1.0/24'], null],
    ['10.9.0.0/24', ['10.0.0.0/8'], null],
    // A pool given with host bits set starts at its network address.
    ['10.9.3.7/23', [], '10.9.2.0/24'],
  ];
  it.each(cases)('in %s with %j taken → %s', (pool, used, expected) => {
    expect(freeSubnet(pool, used)).toBe(expected);
  });

  it('refuses a pool that is not an IPv4 range of /24 or wider', () => {
    for (const pool of ['nonsense', '10.0.0.0/25', 'fd00::/48', '10.0.0.0']) {
      expect(() => parsePool(pool), pool).toThrow(expect.objectContaining({ code: 'PLT_INVALID_PARAMS' }));
    }
  });
});

describe('appNetworkNames', () => {
  it('names a network per app, with a host bridge name Linux accepts (≤ 15 characters) under the plt- prefix', () => {
    const a = appNetworkNames('0b0e3c1e-1111-4a4a-9c9c-000000000001');
    const b = appNetworkNames('0b0e3c1e-1111-4a4a-9c9c-000000000002');
    expect(a.bridge).toMatch(/^plt-[0-9a-f]{11}$/);
    expect(a.bridge.length).toBeLessThanOrEqual(15);
    expect(a.name).not.toBe(b.name);
    expect(a.bridge).not.toBe(b.bridge);
    expect(appNetworkNames('0b0e3c1e-1111-4a4a-9c9c-000000000001')).toEqual(a);
  });
});
