import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { certificateFactory } from './certs.ts';

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as AddressInfo).port;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

export interface Pebble {
  directoryUrl: string;
  /** PEM of the CA that signed pebble's own HTTPS certificate (PLATFORM_ACME_CA_FILE). */
  caFile: string;
  /** Makes pebble's DNS answer `host` with `address` (default: every name is 127.0.0.1). */
  setAddress(host: string, address: string): Promise<void>;
  /** Every line pebble and its DNS printed. */
  output: string[];
  stop(): Promise<void>;
}

/**
 * Debian's real `pebble` ACME test server (scripts/prerequisites.sh, group test) with `pebble-challtestsrv` as its
 * DNS: every name resolves to 127.0.0.1, so http-01 validations reach `httpPort` there (the router under test).
 * PEBBLE_VA_NOSLEEP=1 validates at once. Its HTTPS certificate comes from a CA the test makes.
 */
export async function startPebble(options: { httpPort: number }): Promise<Pebble> {
  const certs = await certificateFactory();
  const ca = await certs.ca('Pebble Listener Test CA');
  const tls = await certs.leaf(ca, ['localhost']);
  const [acmePort, mgmtPort, dnsPort, dnsMgmtPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const file = (name: string) => path.join(certs.dir, name);
  await writeFile(file('pebble.crt'), tls.cert);
  await writeFile(file('pebble.key'), tls.key);
  await writeFile(file('ca.pem'), ca.cert);
  await writeFile(
    file('pebble.json'),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${acmePort}`,
        managementListenAddress: `127.0.0.1:${mgmtPort}`,
        certificate: file('pebble.crt'),
        privateKey: file('pebble.key'),
        httpPort: options.httpPort,
        tlsPort: await freePort(),
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
      },
    }),
  );
  const output: string[] = [];
  const children: ChildProcess[] = [];
  const launch = (cmd: string, args: string[], env: Record<string, string> = {}) => {
    const child = spawn(cmd, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr!.on('data', (d: Buffer) => output.push(d.toString()));
    children.push(child);
  };
  launch('pebble-challtestsrv', ['-defaultIPv4', '127.0.0.1', '-defaultIPv6', '', '-dns01', `127.0.0.1:${dnsPort}`, '-http01', '', '-https01', '', '-tlsalpn01', '', '-management', `127.0.0.1:${dnsMgmtPort}`]);
  launch('pebble', ['-config', file('pebble.json'), '-dnsserver', `127.0.0.1:${dnsPort}`], { PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' });
  const stop = async () => {
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await new Promise((resolve) => child.once('exit', resolve));
      }
    }
    await certs.cleanup();
  };
  const directoryUrl = `https://localhost:${acmePort}/dir`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const req = request(directoryUrl, { ca: ca.cert }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.end();
    });
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`pebble did not start:\n${output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    directoryUrl,
    caFile: file('ca.pem'),
    output,
    async setAddress(host, address) {
      const fqdn = host.endsWith('.') ? host : `${host}.`;
      const clear = await fetch(`http://127.0.0.1:${dnsMgmtPort}/clear-a`, { method: 'POST', body: JSON.stringify({ host: fqdn }) });
      const add = await fetch(`http://127.0.0.1:${dnsMgmtPort}/add-a`, { method: 'POST', body: JSON.stringify({ host: fqdn, addresses: [address] }) });
      if (!clear.ok || !add.ok) throw new Error(`challtestsrv: clear-a ${clear.status}, add-a ${add.status}`);
    },
    stop,
  };
}
