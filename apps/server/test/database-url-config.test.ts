import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

/** DATABASE_URL with its password from PLATFORM_DATABASE_PASSWORD_FILE (a Docker secret, docker-stack.yml). */
describe('database password from a file', () => {
  const base = { PLATFORM_DATA_DIR: '/tmp/platform-config-test', PLATFORM_BUILD_CA_FILE: 'none' };
  let dir = '';
  let secret = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'database-url-config-'));
    secret = path.join(dir, 'platform_db_password');
    // As `docker secret create` would keep a file written by echo: with its newline.
    await writeFile(secret, 'p@ss/w:rd%1\n', { mode: 0o600 });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('puts the password into DATABASE_URL, percent-encoded, so pg reads it back whole', () => {
    const config = loadConfig({
      ...base,
      DATABASE_URL: 'postgres://platform@postgres:5432/platform',
      PLATFORM_DATABASE_PASSWORD_FILE: secret,
    });
    const url = new URL(config.databaseUrl!);
    expect(decodeURIComponent(url.password)).toBe('p@ss/w:rd%1');
    expect(url.username).toBe('platform');
    expect(url.host).toBe('postgres:5432');
    expect(url.pathname).toBe('/platform');
  });

  it('leaves DATABASE_URL alone without a password setting, and takes the plain variable too', () => {
    const plain = 'postgres://platform:hex0123@postgres:5432/platform';
    expect(loadConfig({ ...base, DATABASE_URL: plain }).databaseUrl).toBe(plain);
    expect(loadConfig(base).databaseUrl).toBeNull();
    const config = loadConfig({ ...base, DATABASE_URL: 'postgresql://u@db/x', PLATFORM_DATABASE_PASSWORD: 'abc' });
    expect(config.databaseUrl).toBe('postgresql://u:abc@db/x');
  });

  it('refuses a password given twice, a URL without user, a missing URL or file, never printing the password', () => {
    const refused = (env: Record<string, string>) => {
      try {
        loadConfig({ ...base, ...env });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).message;
      }
      throw new Error('accepted');
    };
    const twice = refused({ DATABASE_URL: 'postgres://platform:zq9secret@db/platform', PLATFORM_DATABASE_PASSWORD_FILE: secret });
    expect(twice).toMatch(/DATABASE_URL has a password and PLATFORM_DATABASE_PASSWORD\(_FILE\) gives another/);
    expect(twice).not.toContain('zq9secret');
    expect(twice).not.toContain('p@ss');
    expect(refused({ DATABASE_URL: 'postgres://db/platform', PLATFORM_DATABASE_PASSWORD_FILE: secret })).toMatch(/must name the database user/);
    expect(refused({ PLATFORM_DATABASE_PASSWORD_FILE: secret })).toMatch(/needs DATABASE_URL/);
    expect(refused({ DATABASE_URL: 'mysql://u@db/x', PLATFORM_DATABASE_PASSWORD: 'abc' })).toMatch(/must be a postgres:\/\/ URL/);
    expect(refused({ DATABASE_URL: 'postgres://u@db/x', PLATFORM_DATABASE_PASSWORD_FILE: path.join(dir, 'missing') })).toMatch(
      /PLATFORM_DATABASE_PASSWORD_FILE: cannot read/,
    );
    expect(refused({ DATABASE_URL: 'postgres://u@db/x', PLATFORM_DATABASE_PASSWORD: 'abc', PLATFORM_DATABASE_PASSWORD_FILE: secret })).toMatch(
      /set PLATFORM_DATABASE_PASSWORD or PLATFORM_DATABASE_PASSWORD_FILE, not both/,
    );
  });
});
