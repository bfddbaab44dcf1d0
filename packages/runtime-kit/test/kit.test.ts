import { describe, expect, it } from 'vitest';
import { METADATA_VARIABLES, PLATFORM_VARIABLES, appEnvironment, createLineSplitter, dynoEnvironment, isPlatformVariable } from '../src/index.ts';
import { dynoMetadata } from '../../process-manager/src/dyno-metadata.ts';

function split(chunks: Array<string | Buffer>, max?: number): string[] {
  const lines: string[] = [];
  const splitter = createLineSplitter((l) => lines.push(l), max);
  for (const c of chunks) splitter.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  splitter.flush();
  return lines;
}

describe('createLineSplitter', () => {
  it('splits on newlines across chunks and flushes a partial last line', () => {
    expect(split(['a\nb', 'c\n', '\nd'])).toEqual(['a', 'bc', '', 'd']);
    expect(split(['crlf\r\n'])).toEqual(['crlf']);
  });

  it('keeps a multi-byte character split between chunks whole, at every split point', () => {
    const text = 'é日本😀\n';
    const bytes = Buffer.from(text);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(split([bytes.subarray(0, cut), bytes.subarray(cut)])).toEqual(['é日本😀']);
    }
    // one byte per chunk
    expect(split([...bytes].map((b) => Buffer.from([b])))).toEqual(['é日本😀']);
  });

  it('cuts very long lines', () => {
    expect(split(['x'.repeat(25) + '\n'], 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });
});

describe('platform variables', () => {
  it('cover what the process manager adds as dyno metadata', () => {
    for (const key of Object.keys(dynoMetadata({ app: 'a', appId: 'id', releaseVersion: 1 }))) {
      expect(METADATA_VARIABLES as readonly string[]).toContain(key);
    }
    expect(isPlatformVariable('PORT')).toBe(true);
    expect(isPlatformVariable('DATABASE_URL')).toBe(false);
    expect(PLATFORM_VARIABLES.has('HEROKU_RELEASE_VERSION')).toBe(true);
  });

  it('appEnvironment drops what a driver sets and refuses what a process cannot carry', () => {
    expect(appEnvironment({ A: '1', PORT: '2', DYNO: 'x', HOME: '/', TINI_KILL_PROCESS_GROUP: '0', HEROKU_APP_NAME: 'a' })).toEqual({
      A: '1',
      HEROKU_APP_NAME: 'a',
    });
    expect(() => appEnvironment({ 'BAD-KEY': 'x' })).toThrow(expect.objectContaining({ code: 'PLT_INVALID_PARAMS' }));
    expect(() => appEnvironment({ K: 'a\0b' })).toThrow(expect.objectContaining({ code: 'PLT_INVALID_PARAMS' }));
  });

  it('dynoEnvironment lets config override defaults, and the platform override config', () => {
    const env = dynoEnvironment(
      { PATH: '/custom', A: '1', PORT: '9', DYNO: 'x', TINI_KILL_PROCESS_GROUP: '0' },
      { dyno: 'web.1', port: 5000, home: '/app', defaults: { PATH: '/bin', LANG: 'C' }, extra: { TINI_KILL_PROCESS_GROUP: '1' } },
    );
    expect(env).toEqual({ PATH: '/custom', LANG: 'C', A: '1', HOME: '/app', DYNO: 'web.1', PORT: '5000', TINI_KILL_PROCESS_GROUP: '1' });
    expect(dynoEnvironment({}, { dyno: 'worker.1', port: null, home: '/h' })).toEqual({ HOME: '/h', DYNO: 'worker.1' });
  });
});
