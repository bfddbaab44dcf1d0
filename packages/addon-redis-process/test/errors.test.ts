import { randomUUID } from 'node:crypto';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProcessRedisProvider } from '../src/index.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'addon-redis-errors-'));
  await chmod(root, 0o711);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('Redis add-on provider errors', () => {
  it('says what to install when redis-server is missing', async () => {
    const provider = createProcessRedisProvider({ dir: join(root, 'missing'), binary: '/nonexistent/redis-server' });
    await expect(provider.provision({ addonId: randomUUID(), plan: 'dev' })).rejects.toMatchObject({
      code: 'PLT_ADDON_PROVISION_FAILED',
      message: expect.stringContaining('prerequisites.sh server'),
    });
    await provider.close();
  });

  it('refuses an unknown plan or a malformed id before touching anything', async () => {
    const provider = createProcessRedisProvider({ dir: join(root, 'bad') });
    await expect(provider.provision({ addonId: randomUUID(), plan: 'premium-0' })).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
    await expect(provider.provision({ addonId: '../../etc', plan: 'dev' })).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
    await expect(provider.rotateCredentials({ addonId: randomUUID(), plan: 'dev' })).rejects.toMatchObject({ code: 'PLT_ADDON_NOT_FOUND' });
    expect(await readdir(root)).not.toContain('bad');
    await provider.close();
  });
});
