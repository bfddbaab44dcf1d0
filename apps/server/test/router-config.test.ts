import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

/** PLATFORM_ROUTER, PLATFORM_ROUTER_TLS_PORT, PLATFORM_HAPROXY_BIN: which data path, and its TLS port. */
describe('router settings', () => {
  const base = { PLATFORM_DATA_DIR: '/tmp/platform-config-test', PLATFORM_BUILD_CA_FILE: 'none' };

  it('defaults to auto, no TLS port, Debian’s haproxy', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({ router: 'auto', routerTlsPort: null, haproxyBin: '/usr/sbin/haproxy' });
  });

  it('takes haproxy or node, and a TLS port', () => {
    expect(loadConfig({ ...base, PLATFORM_ROUTER: 'node' }).router).toBe('node');
    expect(loadConfig({ ...base, PLATFORM_ROUTER: 'haproxy', PLATFORM_ROUTER_TLS_PORT: '8443' })).toMatchObject({ router: 'haproxy', routerTlsPort: 8443 });
  });

  it('refuses an unknown router and a bad TLS port, saying why', () => {
    expect(() => loadConfig({ ...base, PLATFORM_ROUTER: 'nginx' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, PLATFORM_ROUTER: 'nginx' })).toThrow(/PLATFORM_ROUTER must be auto, haproxy or node/);
    expect(() => loadConfig({ ...base, PLATFORM_ROUTER_TLS_PORT: '70000' })).toThrow(/PLATFORM_ROUTER_TLS_PORT/);
  });

  it('takes who supervises HAProxy, and refuses an external one for the Node router', () => {
    expect(loadConfig(base).haproxySupervisor).toBe('platformd');
    expect(loadConfig({ ...base, PLATFORM_HAPROXY_SUPERVISOR: 'external' }).haproxySupervisor).toBe('external');
    expect(() => loadConfig({ ...base, PLATFORM_HAPROXY_SUPERVISOR: 'systemd' })).toThrow(/PLATFORM_HAPROXY_SUPERVISOR must be platformd or external/);
    expect(() => loadConfig({ ...base, PLATFORM_HAPROXY_SUPERVISOR: 'external', PLATFORM_ROUTER: 'node' })).toThrow(/needs PLATFORM_ROUTER=haproxy/);
  });
});
