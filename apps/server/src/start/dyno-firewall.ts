import { execFile } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { promisify } from 'node:util';
import type { Logger } from 'pino';

const run = promisify(execFile);

/** The chains this module owns; each is flushed and refilled at every start, so the rules are always current. */
export const FIREWALL_CHAINS = { input: 'PLATFORM-DYNOS-IN', forward: 'PLATFORM-DYNOS-FWD' } as const;

/** Host interfaces of dyno and build networks (`plt-<hash>`, `plt-builds`): `+` is iptables's wildcard. */
const DYNO_INTERFACES = 'plt-+';

/** Link-local ranges (cloud instance metadata lives there: 169.254.169.254, and AWS's fd00:ec2::254). */
const LINK_LOCAL = { v4: ['169.254.0.0/16'], v6: ['fe80::/10', 'fd00:ec2::254/128'] };

/**
 * The iptables rules (one argv per call, for iptables or ip6tables) that fence dynos and builds in: a new
 * connection from a `plt-` interface to the host itself is rejected (the API, the router's own port, embedded
 * PostgreSQL, anything else listening there); a forwarded one to a link-local address or to one of
 * `platformAddresses` (an external database, a remote Docker engine) is rejected; answers to connections the host
 * opened (the router to a dyno) pass. Other apps' bridges are kept apart by Docker itself. The internet is
 * unaffected. Pure; `installDynoFirewall` runs them.
 */
export function firewallRules(family: 4 | 6, platformAddresses: readonly string[]): string[][] {
  const { input, forward } = FIREWALL_CHAINS;
  const denied = [...(family === 4 ? LINK_LOCAL.v4 : LINK_LOCAL.v6), ...platformAddresses.filter((a) => isIP(a) === family).map((a) => (family === 4 ? `${a}/32` : `${a}/128`))];
  return [
    ['-A', input, '-m', 'conntrack', '--ctstate', 'ESTABLISHED,RELATED', '-j', 'RETURN'],
    ['-A', input, '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
    ['-A', input, '-j', 'REJECT'],
    ...denied.flatMap((cidr) => [
      ['-A', forward, '-d', cidr, '-p', 'tcp', '-j', 'REJECT', '--reject-with', 'tcp-reset'],
      ['-A', forward, '-d', cidr, '-j', 'REJECT'],
    ]),
    ['-A', forward, '-j', 'RETURN'],
  ];
}

/** The addresses of the platform's own endpoints a dyno must not reach: the database host and a TCP Docker host. */
export async function platformEndpointAddresses(urls: ReadonlyArray<string | null>): Promise<string[]> {
  const out = new Set<string>();
  for (const url of urls) {
    if (!url) continue;
    let host: string;
    try {
      host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    } catch {
      continue;
    }
    if (host === '' || host === 'localhost') continue; // the host itself: the input rules cover it
    if (isIP(host)) out.add(host);
    else for (const a of await lookup(host, { all: true }).catch(() => [])) out.add(a.address);
  }
  return [...out].filter((a) => !a.startsWith('127.') && a !== '::1');
}

/**
 * Installs the dyno firewall (`firewallRules`) with iptables and ip6tables: our two chains are created or flushed,
 * refilled, and jumped to from INPUT and DOCKER-USER for `plt-+` interfaces (the jump added once). Needs root and
 * iptables; returns what it could not do instead of throwing (the caller logs it: dynos then run unfenced).
 */
export async function installDynoFirewall(platformAddresses: readonly string[], logger: Logger): Promise<{ installed: boolean; problems: string[] }> {
  const problems: string[] = [];
  let installed = false;
  for (const [family, bin] of [[4, 'iptables'], [6, 'ip6tables']] as const) {
    const ipt = (args: string[]) => run(bin, ['-w', '5', ...args], { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' } });
    try {
      for (const chain of Object.values(FIREWALL_CHAINS)) {
        await ipt(['-N', chain]).catch(() => undefined); // exists already
        await ipt(['-F', chain]);
      }
      for (const rule of firewallRules(family, platformAddresses)) await ipt(rule);
      for (const [parent, chain] of [['INPUT', FIREWALL_CHAINS.input], ['DOCKER-USER', FIREWALL_CHAINS.forward]] as const) {
        const jump = ['-i', DYNO_INTERFACES, '-j', chain];
        if (!(await ipt(['-C', parent, ...jump]).then(() => true, () => false))) await ipt(['-I', parent, '1', ...jump]);
      }
      installed = true;
    } catch (err) {
      const e = err as { stderr?: string; message: string };
      problems.push(`${bin}: ${(e.stderr ?? e.message).trim().split('\n')[0]}`);
    }
  }
  if (installed) logger.info({ chains: Object.values(FIREWALL_CHAINS), platformAddresses }, 'dyno firewall installed');
  return { installed, problems };
}
