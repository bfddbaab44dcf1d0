import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { addonResourceName, createKeptPasswords } from '../src/index.ts';

describe('kept passwords', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  it('writes one private file per add-on, reads it back after a restart, and forgets it', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'kept-passwords-'));
    dirs.push(root);
    const dir = path.join(root, 'docker');
    const name = addonResourceName('0b4e8c2a-5d1f-4e6b-9a3c-7f2e1d0c9b8a');
    const first = createKeptPasswords(dir);
    expect(await first.read(name)).toBeNull();
    const password = await first.ensure(name);
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dir, `${name}.password`))).mode & 0o777).toBe(0o600);
    // A restarted platformd: a new instance reads the same password, and ensure() does not replace it.
    const again = createKeptPasswords(dir);
    expect(await again.read(name)).toBe(password);
    expect(await again.ensure(name)).toBe(password);
    await again.remove(name);
    expect(await again.read(name)).toBeNull();
  });

  it('refuses a name that is not an add-on resource name (no path out of its directory)', async () => {
    const kept = createKeptPasswords(path.join(tmpdir(), 'never-written'));
    await expect(kept.ensure('../etc/passwd')).rejects.toThrow(/unexpected add-on name/);
    await expect(kept.read('addon_xyz')).rejects.toThrow(/unexpected add-on name/);
  });
});
