import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProcessRedisProvider, type ProcessRedisProvider } from '../src/index.ts';

let root: string;
let dir: string;
const providers: ProcessRedisProvider[] = [];
const addon = { addonId: randomUUID(), plan: 'dev' };
let url = '';

function open(options: { checkIntervalMs?: number } = {}): ProcessRedisProvider {
  const provider = createProcessRedisProvider({ dir, ...options });
  providers.push(provider);
  return provider;
}

async function get(key: string): Promise<string | null> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return await client.get(key);
  } finally {
    client.disconnect();
  }
}

/** Waits (no time limit of its own: the test's) until `check` holds. */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await sleep(100);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'addon-redis-restart-'));
  await chmod(root, 0o711);
  dir = join(root, 'addons');
});
afterAll(async () => {
  const last = open();
  await last.stopServers();
  for (const p of providers) await p.close();
  await rm(root, { recursive: true, force: true });
});

describe('Redis add-on servers across platformd restarts', () => {
  it('keep serving while platformd is down; the next platformd adopts the same process', async () => {
    const first = open();
    ({ url } = await first.provision(addon));
    const client = new Redis(url);
    await client.set('kept', 'yes');
    client.disconnect();
    const pid = await first.serverPid(addon);
    expect(pid).toBeGreaterThan(1);
    await first.close();
    expect(await get('kept')).toBe('yes'); // no platformd provider open now

    const second = open();
    await second.start();
    expect(await second.serverPid(addon)).toBe(pid);
    expect(await second.status(addon)).toBe('available');
    await second.close();
  });

  it('are started again on their data when they died meanwhile (same port, same URL)', async () => {
    const pid = (await open().serverPid(addon))!;
    process.kill(pid, 'SIGKILL');
    await until(async () => !existsSync(`/proc/${pid}`));
    const third = open();
    expect(await third.status(addon)).toBe('unavailable');
    await third.start();
    expect(await third.serverPid(addon)).not.toBe(pid);
    expect(await get('kept')).toBe('yes');
    await third.close();
  });

  it('are restarted by the running platformd when they die', async () => {
    const fourth = open({ checkIntervalMs: 100 });
    await fourth.start();
    const pid = (await fourth.serverPid(addon))!;
    process.kill(pid, 'SIGKILL');
    await until(async () => {
      const now = await fourth.serverPid(addon);
      return now !== null && now !== pid && (await fourth.status(addon)) === 'available';
    });
    expect(await get('kept')).toBe('yes');
    await fourth.close();
  });

  it('keep secrets out of argv and files: passwords only as hashes, files 0600 in a 0700 directory', async () => {
    const provider = open();
    const pid = (await provider.serverPid(addon))!;
    const password = new URL(url).password;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    expect(cmdline).toMatch(/^redis-server 127\.0\.0\.1:\d+ .*redis\.conf/);
    expect(cmdline).not.toContain(password);
    const addonDir = join(dir, 'redis', addon.addonId);
    expect((await stat(addonDir)).mode & 0o777).toBe(0o700);
    for (const name of ['redis.conf', 'users.acl', 'admin.password', 'port']) {
      expect((await stat(join(addonDir, name))).mode & 0o777, name).toBe(0o600);
      expect(await readFile(join(addonDir, name), 'utf8'), name).not.toContain(password);
    }
    if (process.getuid?.() === 0) {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      expect(/^Uid:\s+(\d+)/m.exec(status)?.[1]).not.toBe('0'); // Debian's `redis` user, not root
    }
  });

  it('are gone with their files when deprovisioned', async () => {
    const provider = open();
    const pid = (await provider.serverPid(addon))!;
    await provider.deprovision(addon);
    expect(existsSync(`/proc/${pid}`)).toBe(false);
    expect(await readdir(join(dir, 'redis'))).toEqual([]);
    expect(await provider.status(addon)).toBe('missing');
  });
});
