import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildpacksDir, writeApp } from './runner-helpers.ts';

/**
 * The default detect order (buildpacks/order) with the real bin/detect scripts; every bin/compile is replaced by a
 * stub in a copy of the buildpacks, so only the choice is under test (the buildpacks' own tests build for real).
 */
let tmp: string;
let stubbed: string;

beforeAll(async () => {
  tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'detect-order-'));
  stubbed = path.join(tmp, 'buildpacks');
  await fsp.cp(buildpacksDir, stubbed, { recursive: true });
  for (const entry of await fsp.readdir(stubbed)) {
    const compile = path.join(stubbed, entry, 'bin', 'compile');
    if (await fsp.stat(compile).then(() => true, () => false)) await fsp.writeFile(compile, '#!/usr/bin/env bash\nexit 0\n', { mode: 0o755 });
  }
});
afterAll(async () => {
  if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
});

async function detect(files: Record<string, string>): Promise<{ code: number | null; text: string }> {
  const app = await writeApp(tmp, files);
  const out = await fsp.mkdtemp(path.join(tmp, 'out-'));
  const env = await fsp.mkdtemp(path.join(tmp, 'env-'));
  const child = spawn(path.join(stubbed, '_runner/build'), [app, path.join(tmp, 'cache'), env, stubbed, path.join(out, 'release.yml')], {
    env: { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: tmp, STACK: 'bookworm' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (text += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, text };
}

describe('default detect order', () => {
  it.each([
    [{ 'package.json': '{}', 'requirements.txt': 'x\n', 'index.html': 'x' }, 'Node.js'],
    [{ 'requirements.txt': 'x\n', Procfile: 'web: x\n', 'index.html': 'x' }, 'Python'],
    [{ 'pyproject.toml': '[project]\n' }, 'Python'],
    [{ Procfile: 'web: x\n', 'index.html': 'x' }, 'Procfile'],
    [{ 'index.html': 'x' }, 'Static'],
    [{ 'static.json': '{"root": "public/"}', 'public/index.html': 'x' }, 'Static'],
  ])('%j is a %s app', async (files, name) => {
    const r = await detect(files);
    expect(r.code, r.text).toBe(0);
    expect(r.text.match(/app detected/g)).toEqual(['app detected']);
    expect(r.text).toContain(`-----> ${name} app detected`);
  });

  it('lists what each buildpack looked for, once', async () => {
    const r = await detect({ 'README.md': 'x' });
    expect(r.code).toBe(2);
    expect(r.text.split('\n').filter((l) => l.startsWith(' !'))).toEqual([' !     No default language could be detected for this app.']);
    expect(r.text).toContain(
      [
        '       Looked for, at the root of the app (first match wins):',
        '         - nodejs: package.json',
        '         - python: requirements.txt, Pipfile, poetry.lock, uv.lock, pyproject.toml or setup.py',
        '         - procfile: Procfile',
        '         - static: index.html, or a static.json naming the root',
        '       Add one of these, or choose a buildpack: platform buildpacks:set NAME.',
      ].join('\n'),
    );
  });

  it('hands an app that only has a Dockerfile to the builder (exit 5, no failure printed); a buildpack match still wins', async () => {
    const r = await detect({ Dockerfile: 'FROM debian\n', 'README.md': 'x' });
    expect(r.code).toBe(5);
    expect(r.text).toContain('-----> No buildpack matches; the app has a Dockerfile');
    expect(r.text).not.toContain(' !');
    const both = await detect({ Dockerfile: 'FROM debian\n', 'package.json': '{}' });
    expect(both.code, both.text).toBe(0);
    expect(both.text).toContain('-----> Node.js app detected');
  });
});
