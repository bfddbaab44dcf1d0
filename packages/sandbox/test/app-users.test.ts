import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAppUsers } from '../src/app-users.ts';

describe('createAppUsers', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'app-users-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives each app its own dyno and build users, the same ones after a restart', async () => {
    const file = path.join(dir, 'state', 'app-users.json');
    const users = createAppUsers({ file, firstUid: 300_000 });
    const [a, b, a2] = await Promise.all([users.dynoUser('app-a'), users.dynoUser('app-b'), users.dynoUser('app-a')]);
    expect(a).toEqual(a2);
    expect(a.uid).not.toBe(b.uid);
    expect(await users.buildUser('app-a')).toEqual({ uid: a.uid + 1, gid: a.uid + 1 });
    const again = createAppUsers({ file, firstUid: 300_000 });
    expect(await again.dynoUser('app-b')).toEqual(b);
    expect((await again.dynoUser('app-c')).uid).toBe(300_004);
  });

  it('refuses a new app once the range is full', async () => {
    const users = createAppUsers({ file: path.join(dir, 'small.json'), slots: 1 });
    await users.dynoUser('one');
    await expect(users.dynoUser('two')).rejects.toMatchObject({ code: 'PLT_RUNTIME_UNAVAILABLE' });
  });
});
