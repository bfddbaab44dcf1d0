import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProcessPostgresProvider } from '../src/index.ts';

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
