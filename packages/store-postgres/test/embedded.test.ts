import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../src/embedded.ts';

/**
 * The embedded PostgreSQL on a busy machine: a port chosen free can be taken before postgres binds it (CI saw
 * `could not bind IPv4 address "127.0.0.1": Address already in use`). The start then chooses again, while a port
 * the operator configured is never silently changed.
 */
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

async function occupiedPort(): Promise<number> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

async function dataDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'embedded-port-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

describe('embedded PostgreSQL port', () => {
  it('chooses another port when the one it chose is taken before postgres binds it', async () => {
    const taken = await occupiedPort();
    const chosen: number[] = [];
    let calls = 0;
    const handle = await startEmbeddedPostgres({
      dataDir: await dataDir(),
      choosePort: async () => {
        calls++;
        const port = calls === 1 ? taken : await freePort();
        chosen.push(port);
        return port;
      },
    });
    cleanups.push(() => handle.stop());
    expect(chosen).toHaveLength(2);
    expect(chosen[0]).toBe(taken);
    expect(new URL(handle.url).port).toBe(String(chosen[1]));
    const client = new pg.Client({ connectionString: handle.url });
    await client.connect();
    const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
    await client.end();
    expect(rows[0]!.one).toBe(1);
  });

  it('fails with what postgres said when a configured port is taken, and does not change it', async () => {
    const taken = await occupiedPort();
    const failure = await startEmbeddedPostgres({ dataDir: await dataDir(), port: taken }).then(
      () => null,
      (err: unknown) => err as Error & { code?: string; cause?: Error },
    );
    expect(failure?.code).toBe('PLT_DATABASE_UNAVAILABLE');
    expect(failure?.cause?.message).toMatch(/Address already in use/);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
