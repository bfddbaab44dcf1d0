import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  accountName,
  canTraverse,
  checkPostgresCanTraverse,
  findAccount,
  firstUntraversable,
  pathAndAncestors,
  type DirAccess,
  type Walker,
} from '../src/traversal.ts';
import { createOutputTail } from '../src/output-tail.ts';

const dir = (mode: number, uid = 0, gid = 0, p = '/d'): DirAccess => ({ path: p, mode: 0o040000 | mode, uid, gid });
const postgres: Walker = { uid: 101, gid: 104 };

describe('canTraverse', () => {
  it.each<[string, DirAccess, Walker, boolean]>([
    ['root-owned 0700, other user', dir(0o700), postgres, false],
    ['root-owned 0711', dir(0o711), postgres, true],
    ['root-owned 0755', dir(0o755), postgres, true],
    ['root-owned 0750, not in the group', dir(0o750), postgres, false],
    ['0750 in the group', dir(0o750, 0, 104), postgres, true],
    ['0705 in the group: group bits alone apply', dir(0o705, 0, 104), postgres, false],
    ['owned 0700', dir(0o700, 101, 104), postgres, true],
    ['owned 0077: owner bits alone apply', dir(0o077, 101, 0), postgres, false],
    ['sticky 1777 (/tmp)', dir(0o1777), postgres, true],
    ['0600: readable, not searchable', dir(0o600, 101), postgres, false],
    ['not created yet: 0711', dir(0o711), null, true],
    ['not created yet: 0750', dir(0o750), null, false],
    ['not created yet: 0710 with a gid that matches nothing of it', dir(0o710, 0, 0), null, false],
    ['uid 0 enters anything', dir(0o000, 5, 5), { uid: 0, gid: 0 }, true],
  ])('%s', (_name, d, who, expected) => {
    expect(canTraverse(d, who)).toBe(expected);
  });
});

describe('firstUntraversable', () => {
  it('names the first blocking directory from the root down', () => {
    const chain = [dir(0o755, 0, 0, '/'), dir(0o1777, 0, 0, '/tmp'), dir(0o700, 0, 0, '/tmp/x'), dir(0o700, 0, 0, '/tmp/x/y')];
    expect(firstUntraversable(chain, postgres)?.path).toBe('/tmp/x');
    expect(firstUntraversable(chain.slice(0, 2), postgres)).toBeNull();
    expect(firstUntraversable([], postgres)).toBeNull();
  });
});

describe('pathAndAncestors', () => {
  it.each([
    ['/', ['/']],
    ['/var/lib/platform', ['/', '/var', '/var/lib', '/var/lib/platform']],
    ['/tmp/a/../b/', ['/', '/tmp', '/tmp/b']],
  ])('%s', (p, expected) => {
    expect(pathAndAncestors(p)).toEqual(expected);
  });
});

describe('/etc/passwd lookups', () => {
  const passwd = 'root:x:0:0:root:/root:/bin/bash\npostgres:x:101:104:PostgreSQL administrator,,,:/var/lib/postgresql:/bin/bash\nbroken:x:abc:1::/:/bin/sh\n';
  it('finds a user by name', () => {
    expect(findAccount(passwd, 'postgres')).toEqual({ uid: 101, gid: 104 });
    expect(findAccount(passwd, 'root')).toEqual({ uid: 0, gid: 0 });
    expect(findAccount(passwd, 'nobody')).toBeNull();
    expect(findAccount(passwd, 'broken')).toBeNull();
    expect(findAccount('', 'postgres')).toBeNull();
  });
  it('names a uid', () => {
    expect(accountName(passwd, 0)).toBe('root');
    expect(accountName(passwd, 101)).toBe('postgres');
    expect(accountName(passwd, 4242)).toBeNull();
  });
});

describe('checkPostgresCanTraverse (real directories, a given passwd file)', () => {
  let tmp = '';
  afterEach(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
    tmp = '';
  });

  it('throws PLT_POSTGRES_DIR_NOT_TRAVERSABLE naming the blocking directory, and passes once it is searchable', async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'traversal-'));
    const passwdFile = path.join(tmp, 'passwd');
    // A uid that owns nothing here, so only the "other" bits of these directories apply.
    await writeFile(passwdFile, 'pgtest:x:64999:64999::/:/bin/false\n');
    const locked = path.join(tmp, 'locked');
    const data = path.join(locked, 'data');
    await mkdir(data, { recursive: true });
    await chmod(tmp, 0o711);
    await chmod(locked, 0o700);
    const check = () => checkPostgresCanTraverse([{ path: data, purpose: 'data' }], { user: 'pgtest', passwdFile });
    const err = await check().then(() => null, (e: unknown) => e);
    expect(err).toMatchObject({
      code: 'PLT_POSTGRES_DIR_NOT_TRAVERSABLE',
      message: expect.stringContaining(`the pgtest user (uid 64999) cannot enter ${locked} (mode 0700, owner `),
      details: { path: locked, target: data, purpose: 'data', mode: '0700', uid: 64999 },
    });
    expect((err as Error).message).toContain(`on the way to ${data}`);

    await chmod(locked, 0o711);
    await expect(check()).resolves.toBeUndefined();
    // A user that does not exist yet: judged by the "other" bits alone.
    await expect(checkPostgresCanTraverse([{ path: data, purpose: 'data' }], { user: 'nosuchuser', passwdFile })).resolves.toBeUndefined();
    // A missing target is left for PostgreSQL itself to report.
    await expect(checkPostgresCanTraverse([{ path: path.join(tmp, 'absent'), purpose: 'programs' }], { user: 'pgtest', passwdFile })).resolves.toBeUndefined();
  });

  it('checks the directories a symlink leads through', async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'traversal-'));
    const passwdFile = path.join(tmp, 'passwd');
    await writeFile(passwdFile, 'pgtest:x:64999:64999::/:/bin/false\n');
    await mkdir(path.join(tmp, 'hidden', 'data'), { recursive: true });
    await chmod(tmp, 0o711);
    await chmod(path.join(tmp, 'hidden'), 0o700);
    await symlink(path.join(tmp, 'hidden', 'data'), path.join(tmp, 'link'));
    await expect(
      checkPostgresCanTraverse([{ path: path.join(tmp, 'link'), purpose: 'data' }], { user: 'pgtest', passwdFile }),
    ).rejects.toMatchObject({ details: { path: path.join(tmp, 'hidden') } });
  });
});

describe('createOutputTail', () => {
  it('keeps the last N non-empty lines, each bounded', () => {
    const tail = createOutputTail(3, 10);
    tail.push('one\n\ntwo\r\n');
    tail.push(new Error('three'));
    tail.push('four is a rather long line\n');
    expect(tail.lines()).toEqual(['two', 'three', 'four is a…']);
  });
});
