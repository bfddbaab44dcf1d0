import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { createCipher } from '@platform/secrets';
import { startDebianPostgres, DEBIAN_POSTGRES_BIN, type DebianPostgres } from '../../../test/support/debian-postgres.ts';
import { captureDump, findPgTools, readDump, restoreDump, type PgTools } from '../src/index.ts';

/** Real pg_dump and pg_restore (Debian's 15) against a real PostgreSQL 15, through the streaming cipher. */
let server: DebianPostgres;
let dir: string;
let tools: PgTools;
const cipher = createCipher(randomBytes(32));

beforeAll(async () => {
  server = await startDebianPostgres();
  dir = await mkdtemp(path.join(tmpdir(), 'pg-backup-'));
  tools = (await findPgTools(DEBIAN_POSTGRES_BIN))!;
});

afterAll(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function sql<T = Record<string, unknown>>(url: string, text: string): Promise<T[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text)).rows as T[];
  } finally {
    await c.end();
  }
}

describe('findPgTools', () => {
  it('finds pg_dump and pg_restore in a configured directory, the newest Debian one otherwise, and none in an empty one', async () => {
    expect(tools).toEqual({ pgDump: `${DEBIAN_POSTGRES_BIN}/pg_dump`, pgRestore: `${DEBIAN_POSTGRES_BIN}/pg_restore`, dir: DEBIAN_POSTGRES_BIN });
    expect((await findPgTools())?.pgDump).toMatch(/pg_dump$/);
    expect(await findPgTools(dir)).toBeNull();
  });
});

describe('captureDump / restoreDump / readDump', () => {
  it('dumps sealed (no plaintext on disk), restores over a destructive change, and reads back the exact dump', async () => {
    const { url } = await server.provider.provision({ addonId: randomUUID(), plan: 'dev' });
    await sql(url, `CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL UNIQUE);
      CREATE TABLE tags (note_id int REFERENCES notes (id), tag text);
      INSERT INTO notes (body) SELECT 'plaintext-row-' || g FROM generate_series(1, 500) g;
      INSERT INTO tags SELECT id, 'tag' FROM notes;`);
    const file = path.join(dir, 'b001');
    const { bytes } = await captureDump({ url, file, tools, seal: () => cipher.sealStream('b001') });
    expect(bytes).toBeGreaterThan(1000);
    const onDisk = await readFile(file);
    // pg_dump compresses rows, but its table of contents is clear text: sealed, neither shows.
    for (const clear of ['PGDMP', 'CREATE TABLE', 'notes', 'plaintext-row-']) expect(onDisk.includes(Buffer.from(clear))).toBe(false);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['b001']);

    await sql(url, `DELETE FROM tags; DROP TABLE notes CASCADE; CREATE TABLE intruder (x int);`);
    await restoreDump({ url, file, tools, open: () => cipher.openStream('b001') });
    expect(await sql(url, 'SELECT count(*)::int AS n FROM notes')).toEqual([{ n: 500 }]);
    expect(await sql(url, 'SELECT count(*)::int AS n FROM tags')).toEqual([{ n: 500 }]);

    const parts: Buffer[] = [];
    for await (const part of readDump({ file, open: () => cipher.openStream('b001') })) parts.push(part as Buffer);
    const dump = Buffer.concat(parts);
    expect(dump.length).toBe(bytes);
    expect(dump.subarray(0, 5).toString()).toBe('PGDMP');
    expect(dump.includes(Buffer.from('CREATE TABLE public.notes'))).toBe(true);
  });

  it('fails with pg_dump’s words and leaves no file for bad credentials or a stopped server', async () => {
    const { url } = await server.provider.provision({ addonId: randomUUID(), plan: 'dev' });
    const bad = new URL(url);
    bad.password = 'wrong-password';
    const file = path.join(dir, 'bad');
    const err = await captureDump({ url: bad.toString(), file, tools, seal: () => cipher.sealStream() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'PLT_BACKUP_FAILED', message: expect.stringMatching(/pg_dump exited with status 1: .*password authentication failed/) });
    expect(JSON.stringify((err as { details?: unknown }).details)).not.toContain('wrong-password');
    expect(await readdir(dir)).not.toContain('bad');
    expect(await readdir(dir)).not.toContain('bad.partial');
  });

  it('leaves the database as it was when the file does not decrypt', async () => {
    const { url } = await server.provider.provision({ addonId: randomUUID(), plan: 'dev' });
    await sql(url, `CREATE TABLE kept (x int); INSERT INTO kept VALUES (1), (2);`);
    const file = path.join(dir, 'b002');
    await captureDump({ url, file, tools, seal: () => cipher.sealStream('b002') });
    await sql(url, `INSERT INTO kept VALUES (3);`);
    await expect(restoreDump({ url, file, tools, open: () => cipher.openStream('another-backup') })).rejects.toMatchObject({ code: 'PLT_RESTORE_FAILED' });
    expect(await sql(url, 'SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 3 }]);
  });
});
