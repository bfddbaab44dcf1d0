import { describe, expect, it } from 'vitest';
import { runScript } from '../src/index.ts';

/** Runs `script` under bash and collects the lines runScript emits. */
async function linesOf(script: string): Promise<string[]> {
  const lines: string[] = [];
  const result = await runScript({
    argv: ['bash', '-c', script],
    cwd: '/',
    env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' },
    timeoutMs: 30_000,
    outputLimitBytes: 1024 * 1024,
    onLine: (line) => lines.push(line),
  });
  expect(result.code).toBe(0);
  return lines;
}

describe('runScript output', () => {
  it('keeps a multi-byte character whole when a write cuts it in two', async () => {
    // The sleeps make each printf its own pipe read: `é` and `✓` arrive split across chunks.
    const script = "printf 'caf\\xc3'; sleep 0.3; printf '\\xa9 \\xe2\\x9c'; sleep 0.3; printf '\\x93\\n'";
    expect(await linesOf(script)).toEqual(['café ✓']);
    expect(await linesOf(`{ ${script}; } >&2`)).toEqual(['café ✓']);
  });
});
