/**
 * Slug compression: one Node.js app (test/fixtures/node-app, its own Node.js from the registry) built with
 * `buildpacks/_runner/build` on the host, then its build dir packed the way builder-kit's packSlug packs it
 * (`@platform/archive` packDirectory, gzip'd) at several zlib levels: the time to pack, the slug's size, and the time
 * a dyno start spends unpacking it (`tar -xzf`, what process mode runs). SLUG_GZIP_LEVEL is the level deploys use.
 */
import { execFile, spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import fs from 'node:fs';
import { packDirectory } from '@platform/archive';
import { SLUG_GZIP_LEVEL, SLUG_MTIME } from '@platform/builder-kit';
import type { Report } from './report.ts';

const execFileAsync = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');

export interface SlugOptions {
  reps: number;
  log: (line: string) => void;
}

async function build(scratch: string): Promise<string> {
  const app = path.join(scratch, 'app');
  await cp(path.join(root, 'test/fixtures/node-app'), app, { recursive: true });
  for (const dir of ['cache', 'env', 'home']) await mkdir(path.join(scratch, dir));
  const child = spawn(
    path.join(root, 'buildpacks/_runner/build'),
    [
      app,
      path.join(scratch, 'cache'),
      path.join(scratch, 'env'),
      path.join(root, 'buildpacks'),
      path.join(scratch, 'release.yml'),
    ],
    {
      cwd: app,
      env: {
        PATH: '/usr/local/bin:/usr/bin:/bin',
        HOME: path.join(scratch, 'home'),
        STACK: 'bookworm',
        LANG: 'C.UTF-8',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (text += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`build failed (${code}):\n${text.split('\n').slice(-15).join('\n')}`);
  return app;
}

/** Wall time, and CPU time of this process (zlib's pool threads included): the CPU figure holds under load. */
async function packTo(
  dir: string,
  file: string,
  level: number,
): Promise<{ ms: number; cpuMs: number; bytes: number }> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  await packDirectory(dir, fs.createWriteStream(file), { gzip: true, gzipLevel: level, mtime: SLUG_MTIME });
  const used = process.cpuUsage(cpu);
  const ms = performance.now() - started;
  return { ms, cpuMs: (used.user + used.system) / 1000, bytes: (await fs.promises.stat(file)).size };
}

export async function benchSlugCompression(report: Report, options: SlugOptions): Promise<void> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'bench-slug-'));
  try {
    options.log('slug compression: building test/fixtures/node-app');
    const app = await build(scratch);
    const levels = [...new Set([SLUG_GZIP_LEVEL, 1, 3, 6])].sort((a, b) => a - b);
    for (const level of levels) {
      const pack: number[] = [];
      const cpu: number[] = [];
      const size: number[] = [];
      const unpack: number[] = [];
      for (let i = 0; i < options.reps; i++) {
        options.log(`slug compression: level ${level} ${i + 1}/${options.reps}`);
        const file = path.join(scratch, `slug-${level}.tgz`);
        const r = await packTo(app, file, level);
        pack.push(r.ms);
        cpu.push(r.cpuMs);
        size.push(r.bytes);
        const out = path.join(scratch, `out-${level}`);
        await mkdir(out);
        const started = performance.now();
        await execFileAsync('tar', ['-xzf', file, '-C', out]);
        unpack.push(performance.now() - started);
        await rm(out, { recursive: true, force: true });
        await rm(file, { force: true });
      }
      const mark = level === SLUG_GZIP_LEVEL ? ' (deploys use this)' : '';
      report.add({
        bench: `Slug pack, Node.js app, gzip level ${level}${mark}`,
        runtime: 'host',
        unit: 'ms',
        values: pack,
      });
      report.add({
        bench: `Slug pack CPU time, gzip level ${level}`,
        runtime: 'host',
        unit: 'ms',
        values: cpu,
      });
      report.add({
        bench: `Slug size, Node.js app, gzip level ${level}`,
        runtime: 'host',
        unit: 'bytes',
        values: size,
      });
      report.add({
        bench: `Slug unpack (tar -xzf), gzip level ${level}`,
        runtime: 'host',
        unit: 'ms',
        values: unpack,
      });
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
