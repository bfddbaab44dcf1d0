import { describe, expect, it } from 'vitest';
import { FIREWALL_CHAINS, firewallRules, platformEndpointAddresses } from '../src/start/dyno-firewall.ts';

describe('the dyno firewall rules', () => {
  it('lets answers to the host pass and rejects every new connection to it', () => {
    const rules = firewallRules(4, []).filter((r) => r[1] === FIREWALL_CHAINS.input);
    expect(rules[0]).toEqual(['-A', FIREWALL_CHAINS.input, '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'RETURN']);
    expect(rules.slice(1).every((r) => r.includes('REJECT'))).toBe(true);
  });

  it('rejects link-local (metadata) and the platform endpoints of its own family, then returns', () => {
    const v4 = firewallRules(4, ['10.1.2.3', 'fd00::5']).filter((r) => r[1] === FIREWALL_CHAINS.forward);
    expect(v4.filter((r) => r.includes('-d')).map((r) => r[r.indexOf('-d') + 1])).toEqual(['169.254.0.0/16', '169.254.0.0/16', '10.1.2.3/32', '10.1.2.3/32']);
    expect(v4.at(-1)).toEqual(['-A', FIREWALL_CHAINS.forward, '-j', 'RETURN']);
    const v6 = firewallRules(6, ['10.1.2.3', 'fd00::5']).filter((r) => r.includes('-d')).map((r) => r[r.indexOf('-d') + 1]);
    expect(new Set(v6)).toEqual(new Set(['fe80::/10', 'fd00:ec2::254/128', 'fd00::5/128']));
  });

  it('finds the addresses of an external database and a TCP Docker host, not loopback ones', async () => {
    expect(await platformEndpointAddresses(['postgres://u:p@10.0.0.7:5432/db', 'http://127.0.0.1:2375', null, 'not a url', 'postgres://localhost/x'])).toEqual(['10.0.0.7']);
    expect(await platformEndpointAddresses(['postgres://u:p@[fd00::9]:5432/db'])).toEqual(['fd00::9']);
  });
});
