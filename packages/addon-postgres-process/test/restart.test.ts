import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embeddedPostgresProgram } from '@platform/store-postgres';
import { createProcessPostgresProvider, stopDetachedServer } from '../src/index.ts';

/** Debian's PostgreSQL 15 server (postgresql-15): a new add-on cluster runs it when it is installed. */
const debian15 = existsSync('/usr/lib/postgresql/15/bin/postgres') && existsSync('/usr/lib/postgresql/15/bin/initdb');

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'addon-postgres-restart-'));
  await chmod(root, 0o711);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('the add-on server across platformd restarts', () => {
  it('keeps its data dir, its port and every add-on, so URLs in apps keep working', async () => {
    const dir = join(root, 'addons');
    const addon = { addonId: randomUUID(), plan: 'dev' };
    const first = createProcessPostgresProvider({ dir });
    const { url } = await first.provision(addon);
    await query(url, `CREATE TABLE t (v text); INSERT INTO t VALUES ('kept')`);
    const [{ server_version: version }] = (await query(url, 'SHOW server_version')) as [{ server_version: string }];
    if (debian15) expect(version).toMatch(/^15\.\d+ \(Debian/);
    await first.close();
    expect((await stat(join(dir, 'postgres', 'PG_VERSION'))).isFile()).toBe(true);
    const port = Number((await readFile(join(dir, 'postgres.port'), 'utf8')).trim());
    expect(new URL(url).port).toBe(String(port));

    const second = createProcessPostgresProvider({ dir });
    try {
      await second.start();
      expect(await second.status(addon)).toBe('available');
      expect(await query(url, 'SELECT v FROM t')).toEqual([{ v: 'kept' }]);
      await second.deprovision(addon);
    } finally {
      await second.close();
    }
  });
});

describe('the add-on server detached from platformd', () => {
  it('keeps serving after close() with keepRunning, is adopted by the next provider, and comes back when it dies', async () => {
    const dir = join(root, 'detached');
    const addon = { addonId: randomUUID(), plan: 'dev' };
    const first = createProcessPostgresProvider({ dir, keepRunning: true });
    const { url } = await first.provision(addon);
    await query(url, `CREATE TABLE t (v text); INSERT INTO t VALUES ('served')`);
    expect(await first.adopted()).toBe(false);
    const pid = Number((await readFile(join(dir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
    await first.close();
    // platformd is gone; the database still answers, from the same postmaster.
    expect(await query(url, 'SELECT v FROM t')).toEqual([{ v: 'served' }]);

    const second = createProcessPostgresProvider({ dir });
    try {
      await second.start();
      expect(await second.adopted()).toBe(true);
      expect(Number((await readFile(join(dir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0])).toBe(pid);
      // The server dies (kill -9 of the postmaster): the watchdog starts it again, the data is there.
      process.kill(pid, 'SIGKILL');
      const rows = await eventually(() => query(url, 'SELECT v FROM t').catch(() => null));
      expect(rows).toEqual([{ v: 'served' }]);
      expect(await second.status(addon)).toBe('available');
    } finally {
      await second.close();
    }
    // Without keepRunning, close() shut it down.
    expect(await stopDetachedServer(dir)).toBe(false);
    await expect(query(url, 'SELECT 1')).rejects.toThrow();
  });
});

describe('the major version of the add-on cluster', () => {
  it('keeps an existing 17 cluster (made by the embedded programs) on 17, though a new one would run 15', async () => {
    const dir = join(root, 'on17');
    const addon = { addonId: randomUUID(), plan: 'dev' };
    const embedded = dirname(await embeddedPostgresProgram('postgres'));
    const first = createProcessPostgresProvider({ dir, binDir: embedded });
    const { url } = await first.provision(addon);
    await first.close();
    expect((await readFile(join(dir, 'postgres', 'PG_VERSION'), 'utf8')).trim()).toBe('17');

    const second = createProcessPostgresProvider({ dir });
    try {
      expect(await second.status(addon)).toBe('available');
      expect(await query(url, 'SHOW server_version')).toEqual([{ server_version: expect.stringMatching(/^17\./) }]);
    } finally {
      await second.close();
    }
  });

  it('refuses to start a cluster whose version has no programs here, naming the package to install', async () => {
    const dir = join(root, 'on14');
    await mkdir(join(dir, 'postgres'), { recursive: true });
    await writeFile(join(dir, 'postgres', 'PG_VERSION'), '14\n');
    const provider = createProcessPostgresProvider({ dir });
    try {
      const failure = await provider.start().then(
        () => null,
        (err: Error) => err,
      );
      expect(failure).toMatchObject({ code: 'PLT_ADDON_PROVISION_FAILED' });
      expect((failure!.cause as Error).message).toMatch(/version 14 \(its PG_VERSION\).*install Debian's postgresql-14/);
      expect(await provider.status({ addonId: randomUUID(), plan: 'dev' })).toBe('unavailable');
    } finally {
      await provider.close();
    }
  });
});

/** Polls `fn` until it gives a value (not null), for at most two minutes. */
async function eventually<T>(fn: () => Promise<T | null>): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = await fn();
    if (v !== null) return v;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('gave up waiting');
}
