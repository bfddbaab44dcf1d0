import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

/** PLATFORM_MAX_PUSH_BYTES: git-http's maxPackBytes (a push over it is refused, naming this setting). */
describe('PLATFORM_MAX_PUSH_BYTES', () => {
  const base = { PLATFORM_DATA_DIR: '/tmp/platform-config-test', PLATFORM_BUILD_CA_FILE: 'none' };

  it('defaults to 1 GiB and takes a byte count', () => {
    expect(loadConfig(base).maxPushBytes).toBe(1024 ** 3);
    expect(loadConfig({ ...base, PLATFORM_MAX_PUSH_BYTES: '52428800' }).maxPushBytes).toBe(52_428_800);
  });

  it.each(['1k', '1000', '-1', String(65 * 1024 ** 3)])('refuses %j', (value) => {
    expect(() => loadConfig({ ...base, PLATFORM_MAX_PUSH_BYTES: value })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, PLATFORM_MAX_PUSH_BYTES: value })).toThrow(/PLATFORM_MAX_PUSH_BYTES must be an integer from 65536 to/);
  });
});
