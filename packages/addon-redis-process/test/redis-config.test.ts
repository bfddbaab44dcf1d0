import { describe, expect, it } from 'vitest';
import { planSettings } from '@platform/addon-kit';
import { renderRedisConfig } from '../src/redis-config.ts';

const files = { dir: '/d', config: '/d/redis.conf', acl: '/d/users.acl', pid: '/d/redis.pid', data: '/d/data' };

describe('redis-server configuration', () => {
  it('listens on loopback only, persists with AOF and leaves users to the ACL file', () => {
    const lines = renderRedisConfig(files, 6400, planSettings('dev')).split('\n');
    for (const line of ['bind 127.0.0.1', 'port 6400', 'protected-mode yes', 'unixsocket ""', 'appendonly yes', 'save ""', 'aclfile /d/users.acl', 'enable-debug-command no', 'enable-module-command no', 'maxmemory-policy noeviction']) {
      expect(lines).toContain(line);
    }
    expect(lines.some((l) => /^(requirepass|user) /.test(l))).toBe(false);
    expect(() => renderRedisConfig(files, 0, planSettings('dev'))).toThrow();
  });

});
