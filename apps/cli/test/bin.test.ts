import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../bin/platform.js', import.meta.url));

let home: string;

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    // Run from the temp HOME (outside the repo) to show the entry works from any cwd.
    execFile(
      bin,
      args,
      { cwd: home, env: { PATH: process.env.PATH ?? '', HOME: home, ...env } },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'platform-cli-bin-'));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe('bin/platform.js', () => {
  it('prints help listing the commands', async () => {
    const res = await run(['--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('Usage: platform');
    for (const cmd of ['login', 'apps:create', 'config:set', 'ps:scale', 'rollback', 'releases:info'])
      expect(res.stdout).toContain(cmd);
  });

  it("prints the platform's version, the root package.json's, for --version and -v", async () => {
    const root = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    for (const flag of ['--version', '-v']) {
      const res = await run([flag]);
      expect(res.code).toBe(0);
      expect(res.stdout).toBe(`${root.version}\n`);
    }
  });

  it('prints help for one command', async () => {
    const res = await run(['config:set', '--help']);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain('-a, --app <app>');
  });

  it('fails with what to do when no server is configured', async () => {
    const res = await run(['apps']);
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toBe(
      ' ▸    No platform server configured.\n ▸    Run platform login --server URL, or set PLATFORM_SERVER (or pass --server URL).\n',
    );
  });

  it('fails with what to do when not logged in', async () => {
    const res = await run(['auth:whoami'], { PLATFORM_SERVER: 'http://127.0.0.1:5000' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(' ▸    Not logged in to http://127.0.0.1:5000.');
    expect(res.stderr).toContain('platform login --server http://127.0.0.1:5000');
    expect(res.stderr).not.toContain('    at ');
  });

  it('refuses a malformed config:set argument before any request, with a stack only under --debug', async () => {
    const plain = await run(['config:set', 'A', '--server', 'http://127.0.0.1:5000']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toBe(' ▸    A is invalid. Must be in the format FOO=bar.\n');
    const debug = await run(['config:set', 'A', '--debug', '--server', 'http://127.0.0.1:5000']);
    expect(debug.code).toBe(1);
    expect(debug.stderr).toContain('PLT_CLI_BAD_ARGS');
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it('reports unknown commands the same way', async () => {
    const res = await run(['no-such-command']);
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(" ▸    unknown command 'no-such-command'");
  });
});
