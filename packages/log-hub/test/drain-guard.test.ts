import { afterEach, describe, expect, it } from 'vitest';
import net, { type AddressInfo } from 'node:net';
import http from 'node:http';
import type { LookupAddress } from 'node:dns';
import { createLogHub, parseOctetFrames, type DrainResolver, type LogHub } from '../src/index.ts';

/** Drain destinations checked at connect time, against real sockets on 127.0.0.1 (DNS is an injected resolver). */

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanups.splice(0).reverse()) await fn();
});

async function eventually<T>(fn: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** A resolver whose answer the test changes, counting the lookups (every connect attempt makes one). */
function fakeDns(initial: string[]) {
  const dns = { answer: initial, lookups: 0 };
  const resolver: DrainResolver = async () => {
    dns.lookups++;
    return dns.answer.map((address): LookupAddress => ({ address, family: net.isIPv6(address) ? 6 : 4 }));
  };
  return { dns, resolver };
}

function captureLogger() {
  const warns: Array<{ obj: Record<string, unknown>; msg: string | undefined }> = [];
  return { warns, logger: { warn: (obj: object, msg?: string) => warns.push({ obj: obj as Record<string, unknown>, msg }), debug: () => undefined } };
}

function hubFor(options: Parameters<typeof createLogHub>[0]): LogHub {
  const hub = createLogHub({ drainBackoff: { minMs: 10, maxMs: 40 }, dropReportMs: 30, ...options });
  cleanups.push(() => hub.close());
  return hub;
}

/** A TCP syslog receiver on 127.0.0.1 that counts connections. */
async function syslogReceiver() {
  const rx = { port: 0, connections: 0, messages: [] as string[] };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    rx.connections++;
    sockets.add(socket);
    let buf: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      const parsed = parseOctetFrames(Buffer.concat([buf, chunk]));
      rx.messages.push(...parsed.messages);
      buf = parsed.rest;
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  rx.port = (server.address() as AddressInfo).port;
  return rx;
}

const line = (message: string) => ({ source: 'app' as const, process: 'web.1', message });

describe('drain destinations at connect time', () => {
  it('a syslog drain whose name resolves to a refused address when it connects does not connect', async () => {
    const rx = await syslogReceiver();
    const { dns, resolver } = fakeDns(['8.8.8.8']);
    const { warns, logger } = captureLogger();
    const hub = hubFor({ drainResolver: resolver, logger, drainBufferSize: 5 });
    // drains:add sees a public address…
    await expect(hub.checkDrainUrl(`syslog://logs.test:${rx.port}`)).resolves.toMatchObject({ host: 'logs.test' });
    // …then the name is rebound to loopback, where a real receiver listens.
    dns.answer = ['127.0.0.1'];
    hub.addDrain('myapp', { id: 'x', url: `syslog://logs.test:${rx.port}`, token: 'd.1111' });
    for (let i = 0; i < 10; i++) hub.append('myapp', line(`m${i}`));
    // Refused connects are failed connects: retried with backoff, and the full buffer drops with an L10.
    await eventually(() => expect(dns.lookups).toBeGreaterThanOrEqual(5));
    await eventually(() => expect(hub.history('myapp', { filter: { dyno: 'logplex' } })[0]?.message).toMatch(/^Error L10 .*: 5 messages dropped/));
    expect(rx.connections).toBe(0);
    expect(warns).toHaveLength(1); // once, not once per retry
    expect(warns[0]!.obj).toMatchObject({ drain: 'x', url: `syslog://logs.test:${rx.port}` });
    expect(warns[0]!.obj.reason).toBe(
      'Drain host logs.test resolves to 127.0.0.1, which is a loopback address; an admin can allow loopback receivers (for development) with PLATFORM_DRAIN_ALLOW=loopback.',
    );
  });

  it('a refused connect is retried, and delivers once the name resolves to an allowed address', async () => {
    const rx = await syslogReceiver();
    const { dns, resolver } = fakeDns(['169.254.169.254']);
    const { warns, logger } = captureLogger();
    const hub = hubFor({ drainResolver: resolver, logger, drainPolicy: { allow: ['loopback', 'private'] } });
    hub.addDrain('myapp', { id: 'x', url: `syslog://logs.test:${rx.port}`, token: 'd.2222' });
    hub.append('myapp', line('held back'));
    await eventually(() => expect(dns.lookups).toBeGreaterThanOrEqual(3));
    expect(warns.map((w) => w.obj.reason)).toEqual([expect.stringMatching(/169\.254\.169\.254, which is a cloud metadata service address; drains can never send there/)]);
    dns.answer = ['127.0.0.1'];
    await eventually(() => expect(rx.messages.join('\n')).toMatch(/ held back$/));
    expect(rx.connections).toBe(1);
  });

  it('refuses a name with any refused address, even next to an allowed one', async () => {
    const rx = await syslogReceiver();
    const { resolver } = fakeDns(['127.0.0.1', '10.0.0.1']);
    const { warns, logger } = captureLogger();
    const hub = hubFor({ drainResolver: resolver, logger, drainPolicy: { allow: ['loopback'] } });
    await expect(hub.checkDrainUrl(`syslog://mixed.test:${rx.port}`)).rejects.toThrowError(/resolves to 10\.0\.0\.1, which is in a private range/);
    hub.addDrain('myapp', { id: 'x', url: `syslog://mixed.test:${rx.port}`, token: 'd.3333' });
    hub.append('myapp', line('never'));
    await eventually(() => expect(warns).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 100));
    expect(rx.connections).toBe(0);
  });

  it("refuses this server's own ports on loopback even when loopback is allowed", async () => {
    const rx = await syslogReceiver();
    const ownPorts = [rx.port];
    const { resolver } = fakeDns(['127.0.0.1']);
    const { warns, logger } = captureLogger();
    const hub = hubFor({ drainResolver: resolver, logger, drainPolicy: { allow: ['loopback'], ownPorts: () => ownPorts } });
    expect(() => hub.addDrain('myapp', { id: 'x', url: `syslog://127.0.0.1:${rx.port}`, token: 'd.4444' })).toThrowError(
      `Drain host 127.0.0.1:${rx.port} is this platform's own API or router listener; drains can never send there.`,
    );
    await expect(hub.checkDrainUrl(`syslog://[::1]:${rx.port}`)).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS', details: { refusal: 'own-listener' } });
    hub.addDrain('myapp', { id: 'y', url: `syslog://self.test:${rx.port}`, token: 'd.4444' });
    hub.append('myapp', line('to myself'));
    await eventually(() => expect(warns).toHaveLength(1));
    expect(rx.connections).toBe(0);
    // The ports are read at every connect (a server learns its own once its listeners are bound).
    ownPorts.length = 0;
    await eventually(() => expect(rx.messages.join('\n')).toMatch(/ to myself$/));
  });

  it('an HTTP drain does not connect to a refused address, and logs it without the password', async () => {
    let requests = 0;
    const server = http.createServer((req, res) => {
      requests++;
      req.resume();
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const port = (server.address() as AddressInfo).port;
    const { dns, resolver } = fakeDns(['127.0.0.1']);
    const { warns, logger } = captureLogger();
    const hub = hubFor({ drainResolver: resolver, logger });
    expect(() => hub.addDrain('myapp', { id: 'lit', url: `http://user:s3cret@127.0.0.1:${port}/`, token: 'd.5555' })).toThrowError(/loopback address/);
    hub.addDrain('myapp', { id: 'h', url: `http://user:s3cret@logs.test:${port}/logs`, token: 'd.5555' });
    hub.append('myapp', line('secret-free'));
    await eventually(() => expect(dns.lookups).toBeGreaterThanOrEqual(3));
    expect(requests).toBe(0);
    expect(warns).toHaveLength(1);
    expect(warns[0]!.obj.url).toBe(`http://user:***@logs.test:${port}/logs`);
    expect(JSON.stringify(warns)).not.toContain('s3cret');
  });

  it('an HTTP drain to an allowed name connects to the address the guard checked', async () => {
    const bodies: string[] = [];
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString());
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const port = (server.address() as AddressInfo).port;
    const { resolver } = fakeDns(['127.0.0.1']);
    const hub = hubFor({ drainResolver: resolver, drainPolicy: { allow: ['loopback'] } });
    hub.addDrain('myapp', { id: 'h', url: `http://logs.test:${port}/logs`, token: 'd.6666' });
    hub.append('myapp', line('via the guard'));
    await eventually(() => expect(bodies.join('')).toContain('via the guard'));
  });

  it('drains:add leaves names that do not resolve (or not in time) to the connect-time check', async () => {
    const hub = hubFor({
      drainResolver: async (name) => {
        if (name === 'slow.test') return new Promise<LookupAddress[]>(() => undefined);
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
      },
      drainResolveTimeoutMs: 50,
    });
    await expect(hub.checkDrainUrl('syslog+tls://nowhere.test:6514')).resolves.toMatchObject({ host: 'nowhere.test' });
    await expect(hub.checkDrainUrl('https://slow.test/')).resolves.toMatchObject({ host: 'slow.test' });
    await expect(hub.checkDrainUrl('https://10.0.0.1/')).rejects.toThrowError(/PLATFORM_DRAIN_ALLOW=private/);
    await expect(hub.checkDrainUrl('syslog://2130706433:514')).rejects.toThrowError(/not a valid host/);
  });

  it('uses the system resolver by default: localhost is loopback', async () => {
    const hub = hubFor({});
    await expect(hub.checkDrainUrl('syslog://localhost:514')).rejects.toThrowError(/^Drain host localhost resolves to (127\.0\.0\.1|::1), which is a loopback address/);
  });
});
