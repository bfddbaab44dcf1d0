import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import tls from 'node:tls';
import pino from 'pino';
import type { OneOff } from '@platform/process-manager';
import { attachUrlFor, createAttachSessions } from '../../src/api/routes/one-offs.ts';
import { startRendezvousListener, type RendezvousListener } from '../../src/api/rendezvous.ts';
import { rendezvousIdentity, selfSignedCertificate, startRendezvous } from '../../src/start/rendezvous.ts';
import { createCleanupStack } from '../../src/start/cleanup-stack.ts';
import { loadConfig } from '../../src/config.ts';

/**
 * Issue 16 §6: `heroku run`'s rendezvous protocol against the real listener over real TLS (a self-signed
 * certificate the client verifies). The one-off is the attach sessions' view of a dyno whose terminal is a real
 * `sh` child's stdio — no database or slug, so this runs light while CI runs; the process runtime's attached
 * dynos are covered by its own tests and the e2e `platform run` suite.
 */
function shOneOff(script: string) {
  const child = spawn('sh', ['-c', script], { stdio: 'pipe' });
  const stops: string[] = [];
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const oneOff = {
    exited,
    stop: async (signal?: string) => {
      stops.push(signal ?? 'SIGTERM');
      child.kill((signal ?? 'SIGTERM') as NodeJS.Signals);
    },
    // Held in pass-throughs as the runtime holds them: node discards a child's unread output once it exits.
    attached: { dyno: {}, stdin: child.stdin, stdout: child.stdout.pipe(new PassThrough()), stderr: child.stderr.pipe(new PassThrough()), resize: async () => undefined },
    status: { name: 'run.1', app: 'demo' },
  } as unknown as OneOff;
  return { oneOff, stops, exited };
}

/** A client doing what `heroku run` does: TLS, `<secret>\r\n`, then the first chunk is the greeting. */
function rendezvousClient(port: number, ca: string, secret: string) {
  const chunks: Buffer[] = [];
  const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
  let verified = false;
  socket.on('secureConnect', () => ((verified = socket.authorized), socket.write(`${secret}\r\n`)));
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => undefined);
  const greeted = new Promise<void>((resolve) => socket.once('data', () => resolve()));
  return { socket, chunks, closed, greeted, verified: () => verified, output: () => Buffer.concat(chunks.slice(1)).toString() };
}

let identity: { cert: string; key: string };
let listener: RendezvousListener;
const sessions = createAttachSessions();
const owner = { appId: 'app-1', userId: 'u-1', tokenId: 't-1' };

beforeAll(async () => {
  identity = await selfSignedCertificate('localhost');
  listener = await startRendezvousListener({ host: '127.0.0.1', port: 0, ...identity, sessions, logger: pino({ level: 'silent' }) });
});
afterAll(async () => {
  sessions.closeAll();
  await listener?.close();
});

describe('the rendezvous listener (heroku run)', () => {
  it('greets with one line, then is the dyno terminal: stdin in, stdout and stderr out, 0x04 ends the input, closed after the exit', async () => {
    const { oneOff, stops, exited } = shOneOff('read name; echo "hello $name"; cat; echo done >&2');
    const secret = sessions.create(oneOff, owner);
    const client = rendezvousClient(listener.port, identity.cert, secret);
    await client.greeted;
    expect(client.chunks[0]!.toString()).toBe('rendezvous\r\n');
    client.socket.write('world\nmore input\n\x04ignored');
    await client.closed;
    expect(client.output()).toBe('hello world\nmore input\ndone\n');
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(stops).toEqual([]);
  });

  it('takes each secret once, and refuses an unknown one', async () => {
    const { oneOff } = shOneOff('echo once');
    const secret = sessions.create(oneOff, owner);
    const first = rendezvousClient(listener.port, identity.cert, secret);
    await first.closed;
    expect(first.output()).toBe('once\n');
    for (const bad of [secret, 'x'.repeat(43), 'not a secret']) {
      const again = rendezvousClient(listener.port, identity.cert, bad);
      await again.closed;
      expect(again.chunks).toEqual([]);
    }
  });

  it('closes the session when its token is revoked, which ends the dyno (SIGHUP)', async () => {
    const { oneOff, stops, exited } = shOneOff('cat');
    const secret = sessions.create(oneOff, owner);
    const client = rendezvousClient(listener.port, identity.cert, secret);
    await client.greeted;
    sessions.revoke({ tokenId: 'another-token' });
    sessions.revoke({ tokenId: 't-1' });
    await client.closed;
    expect(stops).toEqual(['SIGHUP']);
    expect((await exited).signal).toBe('SIGHUP');
  });

  it('ends the dyno when the client goes away before its exit', async () => {
    const { oneOff, stops, exited } = shOneOff('cat');
    const client = rendezvousClient(listener.port, identity.cert, sessions.create(oneOff, owner));
    await client.greeted;
    client.socket.destroy();
    expect((await exited).signal).toBe('SIGHUP');
    expect(stops).toEqual(['SIGHUP']);
  });
});

describe('which attach URL a client gets', () => {
  const urls = (rendezvous: string | null) => ({ api: () => 'https://paas.example.com', git: () => '', web: () => '', rendezvous: () => rendezvous });
  it('gives platform run the WebSocket, others the rendezvous URL when the listener is on', () => {
    expect(attachUrlFor(urls('rendezvous://paas.example.com:5001'), 'platform-cli/0.1.0 node-v22', 's3cret')).toBe('wss://paas.example.com/dynos/attach/s3cret');
    expect(attachUrlFor(urls('rendezvous://paas.example.com:5001'), 'heroku/10.5.0 linux-x64 node-v20', 's3cret')).toBe('rendezvous://paas.example.com:5001/s3cret');
    expect(attachUrlFor(urls(null), 'heroku/10.5.0 linux-x64 node-v20', 's3cret')).toBe('wss://paas.example.com/dynos/attach/s3cret');
  });
});

describe('the rendezvous certificate', () => {
  it('is made once into the data dir (0600) and reused; a configured one wins', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'platform-rv-'));
    try {
      const none = { rendezvousCert: null, rendezvousKey: null, dataDir };
      const made = await rendezvousIdentity(none, 'paas.example.com');
      expect(made.selfSigned).toBe(true);
      expect(new (await import('node:crypto')).X509Certificate(made.cert).checkHost('paas.example.com')).toBe('paas.example.com');
      expect((await stat(path.join(dataDir, 'rendezvous.key'))).mode & 0o777).toBe(0o600);
      expect(await rendezvousIdentity(none, 'paas.example.com')).toEqual(made);
      expect(await rendezvousIdentity({ ...none, rendezvousCert: 'C', rendezvousKey: 'K' }, 'x')).toEqual({ cert: 'C', key: 'K', selfSigned: false });
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('is served by the listener platformd starts when PLATFORM_RENDEZVOUS_PORT is set, and only then', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'platform-rv-'));
    const logger = pino({ level: 'silent' });
    const cleanups = createCleanupStack(logger);
    try {
      const options = { hostname: 'localhost', sessions: createAttachSessions(), logger, cleanups };
      expect(await startRendezvous(loadConfig({ PLATFORM_DATA_DIR: dataDir }), options)).toBeNull();
      const port = await startRendezvous(loadConfig({ PLATFORM_DATA_DIR: dataDir, PLATFORM_RENDEZVOUS_PORT: '0', PLATFORM_HOST: '127.0.0.1' }), options);
      expect(port).toBeGreaterThan(0);
      const { cert } = await rendezvousIdentity({ rendezvousCert: null, rendezvousKey: null, dataDir }, 'localhost');
      const client = rendezvousClient(port!, cert, 'y'.repeat(43));
      await client.closed;
      expect(client.verified()).toBe(true);
      expect(client.chunks).toEqual([]); // an unknown secret is refused
    } finally {
      await cleanups.run();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
