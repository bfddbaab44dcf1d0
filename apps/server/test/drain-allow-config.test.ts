import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

/** PLATFORM_DRAIN_ALLOW: which non-public ranges log drains may reach (packages/log-hub drain-policy.ts). */
describe('PLATFORM_DRAIN_ALLOW', () => {
  const base = { PLATFORM_DATA_DIR: '/tmp/platform-config-test', PLATFORM_BUILD_CA_FILE: 'none' };

  it.each([
    [undefined, []],
    ['', []],
    ['private', ['private']],
    ['loopback', ['loopback']],
    [' Private , loopback,,private ', ['private', 'loopback']],
  ])('%j → %j', (value, allow) => {
    const config = loadConfig({ ...base, ...(value === undefined ? {} : { PLATFORM_DRAIN_ALLOW: value }) });
    expect(config.drainAllow).toEqual(allow);
    expect(Object.isFrozen(config.drainAllow)).toBe(true);
  });

  it('refuses anything else, link-local and metadata included, reporting every problem at once', () => {
    let error: unknown;
    try {
      loadConfig({ ...base, PLATFORM_DRAIN_ALLOW: 'private,link-local,metadata', PLATFORM_PORT: 'x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.filter((p) => p.startsWith('PLATFORM_DRAIN_ALLOW must be a comma-separated list of private, loopback'))).toHaveLength(2);
    expect(problems.find((p) => p.includes('"link-local"'))).toMatch(/link-local, cloud metadata and unspecified addresses can never be drain destinations/);
    expect(problems.some((p) => p.startsWith('PLATFORM_PORT'))).toBe(true);
  });
});
