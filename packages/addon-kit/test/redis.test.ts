import { describe, expect, it } from 'vitest';
import { aclPasswordHash, APP_PERMISSIONS, planSettings, redisUrl, renderAclFile } from '../src/index.ts';

const user = `addon_${'ab'.repeat(16)}`;

describe('Redis add-on users and plans', () => {
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
