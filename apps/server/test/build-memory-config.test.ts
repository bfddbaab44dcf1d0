import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

/** PLATFORM_BUILD_MEMORY: docker mode's memory limit of a build (the buildpack container, each Dockerfile RUN step). */
describe('PLATFORM_BUILD_MEMORY', () => {
  const base = { PLATFORM_DATA_DIR: '/tmp/platform-config-test', PLATFORM_BUILD_CA_FILE: 'none' };

  it('defaults to 2048 MiB and takes a MiB count', () => {
    expect(loadConfig(base).buildMemoryMb).toBe(2048);
    expect(loadConfig({ ...base, PLATFORM_BUILD_MEMORY: '512' }).buildMemoryMb).toBe(512);
  });

  it.each(['2g', '0', '63', '-1'])('refuses %j', (value) => {
    expect(() => loadConfig({ ...base, PLATFORM_BUILD_MEMORY: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, PLATFORM_BUILD_MEMORY: value })).toThrow(/PLATFORM_BUILD_MEMORY must be an integer from 64 to/);
  });
});
