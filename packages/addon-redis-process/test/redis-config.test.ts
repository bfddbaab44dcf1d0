import { describe, expect, it } from 'vitest';
import { aclPasswordHash, APP_PERMISSIONS, planSettings, redisUrl, renderAclFile, renderRedisConfig } from '../src/redis-config.ts';

const files = { dir: '/d', config: '/d/redis.conf', acl: '/d/users.acl', pid: '/d/redis.pid', data: '/d/data' };
const user = `addon_${'ab'.repeat(16)}`;

describe('redis-server configuration', () => {
  it('listens on loopback only, persists with AOF and leaves users to the ACL file', () => {
    const lines = renderRedisConfig(files, 6400, planSettings('dev')).split('\n');
    for (const line of ['bind 127.0.0.1', 'port 6400', 'protected-mode yes', 'unixsocket ""', 'appendonly yes', 'save ""', 'aclfile /d/users.acl', 'enable-debug-command no', 'enable-module-command no', 'maxmemory-policy noeviction']) {
      expect(lines).toContain(line);
    }
    expect(lines.some((l) => /^(requirepass|user) /.test(l))).toBe(false);
    expect(() => renderRedisConfig(files, 0, planSettings('dev'))).toThrow();
  });

  it('keeps passwords as SHA-256 hashes and gives the app no @admin command', () => {
    const acl = renderAclFile({ appUser: user, appPassword: 'app-secret', adminPassword: 'admin-secret' });
    expect(acl).not.toContain('app-secret');
    expect(acl).not.toContain('admin-secret');
    expect(acl.split('\n')).toEqual([
      `user default on ${aclPasswordHash('app-secret')} ${APP_PERMISSIONS}`,
      `user ${user} on ${aclPasswordHash('app-secret')} ${APP_PERMISSIONS}`,
      `user platform on ${aclPasswordHash('admin-secret')} ~* &* +@all`,
      '',
    ]);
    expect(APP_PERMISSIONS).toContain('-@admin');
    expect(aclPasswordHash('x')).toMatch(/^#[0-9a-f]{64}$/);
    expect(() => renderAclFile({ appUser: 'default', appPassword: 'a', adminPassword: 'b' })).toThrow();
  });

  it('names plans it knows and refuses others', () => {
    expect(planSettings('dev')).toEqual({ maxmemory: '64mb', maxmemoryPolicy: 'noeviction', timeout: 300 });
    expect(() => planSettings('premium-0')).toThrow(/no plan "premium-0"/);
    expect(() => planSettings('__proto__')).toThrow();
    expect(redisUrl({ host: '127.0.0.1', port: 6400, user, password: 'p_w-1' })).toBe(`redis://${user}:p_w-1@127.0.0.1:6400`);
  });
});
