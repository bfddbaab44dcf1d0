/**
 * Fixtures of the builder contract: test buildpacks (each chosen by a marker file in the app) added to a copy of
 * the real ones, sources as tar streams (what `git archive` hands a builder), and a slug reader.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import type { BuildRequest } from '@platform/types';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const fixture = (name: string): string => path.join(repoRoot, 'test/fixtures', name);

/** Prints `café ✓ 日本語` on stdout and `naïve ✓` on stderr, each character cut between two writes. */
const UTF8_COMPILE = [
  '#!/usr/bin/env bash',
  "printf 'caf\\xc3'; sleep 0.2; printf '\\xa9 \\xe2\\x9c'; sleep 0.2; printf '\\x93 \\xe6\\x97'; sleep 0.2; printf '\\xa5\\xe6\\x9c\\xac\\xe8\\xaa\\x9e\\n'",
  "{ printf 'na\\xc3'; sleep 0.2; printf '\\xafve \\xe2'; sleep 0.2; printf '\\x9c\\x93\\n'; } >&2",
  '',
].join('\n');

/** Counts its builds in CACHE_DIR: `build number N from the cache`. */
const CACHER_COMPILE = [
  '#!/usr/bin/env bash',
  'n=1; if [ -f "$2/count" ]; then n=$(( $(cat "$2/count") + 1 )); fi',
  'echo "$n" > "$2/count"',
  'echo "build number $n from the cache"',
  '',
].join('\n');

/** Reports what the build can see of the config: ENV_DIR file names, a hash of one value, and the environment. */
const PROBE_COMPILE = [
  '#!/usr/bin/env bash',
  'echo "env-files=$(ls "$3" | tr "\\n" ,)"',
  'echo "secret-sha256=$(sha256sum < "$3/SECRET_TOKEN" | cut -d" " -f1)"',
  'if env | grep -q "SECRET_TOKEN"; then echo secret-in-env=yes; else echo secret-in-env=no; fi',
  'env > "$1/build-env.txt"',
  '',
].join('\n');

/** The app's `sharer` file holds `<group> <name>`: leaves `<name>` in SHARED_CACHE_DIR/sharer/<group>, lists the group. */
const SHARER_COMPILE = [
  '#!/usr/bin/env bash',
  'set -e',
  '[ -n "$SHARED_CACHE_DIR" ] || { echo "no shared cache"; exit 1; }',
  'case "$SHARED_CACHE_DIR" in "$2"*) echo "shared cache inside the app cache"; exit 1 ;; esac',
  'read -r group name < "$1/sharer"',
  'mkdir -p "$SHARED_CACHE_DIR/sharer/$group"',
  'echo "$name" > "$SHARED_CACHE_DIR/sharer/$group/$name"',
  'echo "shared: $(ls "$SHARED_CACHE_DIR/sharer/$group" | tr "\\n" " ")"',
  '',
].join('\n');

/** The contract's buildpacks, in front of the real `nodejs` and `procfile` ones. */
export const CONTRACT_BUILDPACKS: Record<string, string> = {
  'probe/bin/detect': '#!/usr/bin/env bash\n[ -f "$1/probe" ] && echo Probe\n',
  'probe/bin/compile': PROBE_COMPILE,
  'utf8/bin/detect': '#!/usr/bin/env bash\n[ -f "$1/utf8" ] && echo Utf8\n',
  'utf8/bin/compile': UTF8_COMPILE,
  'cacher/bin/detect': '#!/usr/bin/env bash\n[ -f "$1/cacher" ] && echo Cacher\n',
  'cacher/bin/compile': CACHER_COMPILE,
  'slow/bin/detect': '#!/usr/bin/env bash\n[ -f "$1/slow" ] && echo Slow\n',
  'slow/bin/compile': '#!/usr/bin/env bash\necho starting; sleep 600\n',
  'noisy/bin/detect': '#!/usr/bin/env bash\n[ -f "$1/noisy" ] && echo Noisy\n',
  'noisy/bin/compile': '#!/usr/bin/env bash\nfor i in $(seq 1 2000); do echo "line $i of noise"; done\n',
  'sharer/bin/detect': '#!/usr/bin/env bash\n[ -f "$1/sharer" ] && echo Sharer\n',
  'sharer/bin/compile': SHARER_COMPILE,
  // A chosen sequence (multi-buildpack): `first` leaves an `export` that `second` must see; neither is detected
  // unless chosen (they are not in the order).
  'first/bin/detect': '#!/usr/bin/env bash\necho First\n',
  'first/bin/compile':
    '#!/usr/bin/env bash\nset -e\nbp=$(cd "$(dirname "$0")/.." && pwd)\necho "first ran" > "$1/first.txt"\nprintf \'export FIRST_SAID=%s\\n\' hello > "$bp/export"\n',
  'first/bin/release': '#!/usr/bin/env bash\nprintf -- "---\\ndefault_process_types:\\n  web: first-web\\n"\n',
  'second/bin/detect': '#!/usr/bin/env bash\n[ -f "$1/index.txt" ] && echo Second\n',
  'second/bin/compile': '#!/usr/bin/env bash\nset -e\necho "second saw ${FIRST_SAID:-nothing}" > "$1/second.txt"\necho "       second saw ${FIRST_SAID:-nothing}"\n',
  'second/bin/release': '#!/usr/bin/env bash\nprintf -- "---\\ndefault_process_types:\\n  web: second-web\\n"\n',
  order: 'probe\nutf8\ncacher\nslow\nnoisy\nsharer\nnodejs\nprocfile\n',
};

/** A new temp dir named `<prefix>XXXXXX`. */
export function makeTemp(prefix: string): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), prefix));
}

/**
 * A build request for `source` (app `app`, ids `app-1`/`build-1`, no env) whose output lines are collected:
 * `lines`, and `text()` joined by newlines. `extra` overrides any field.
 */
export function buildRequest(source: Readable, app: string, extra: Partial<BuildRequest> = {}): BuildRequest & { lines: string[]; text: () => string } {
  const lines: string[] = [];
  return {
    app,
    appId: 'app-1',
    buildId: 'build-1',
    source,
    env: {},
    output: (line: string) => lines.push(line),
    ...extra,
    lines,
    text: () => lines.join('\n'),
  };
}

/** Writes `files` under `dir` (`bin/` scripts executable); returns `dir`. */
export async function writeTree(dir: string, files: Record<string, string>): Promise<string> {
  for (const [name, body] of Object.entries(files)) {
    const file = path.join(dir, name);
    await fsp.mkdir(path.dirname(file), { recursive: true, mode: 0o755 });
    await fsp.writeFile(file, body, { mode: name.includes('bin/') ? 0o755 : 0o644 });
  }
  return dir;
}

/**
 * A tar stream of `dir` (`tar` standing in for `git archive`), held from the spawn on as git-http's archive is:
 * Node resumes a child's unread stdout once the child exits (child_process's flushStdio), so the bytes of a small
 * tree that nobody read yet would be dropped and a late reader would get 0 bytes.
 */
export function tarOf(dir: string): Readable {
  return heldTar(dir).stream;
}

/** `tarOf`, resolved once `tar` has exited and nobody has read a byte yet: what a loaded machine makes of a slow reader. */
export async function exitedTarOf(dir: string): Promise<Readable> {
  const { stream, exited } = heldTar(dir);
  await exited;
  return stream;
}

function heldTar(dir: string): { stream: Readable; exited: Promise<unknown> } {
  const child = spawn('tar', ['-cf', '-', '-C', dir, '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { stream: child.stdout.pipe(new PassThrough()), exited };
}

/** A tar stream with exactly these entries, names as given (`../evil` included). */
export function tarWith(entries: Record<string, string>): Readable {
  const pack = tar.pack();
  for (const [name, body] of Object.entries(entries)) pack.entry({ name, mode: 0o644 }, body);
  pack.finalize();
  return pack as unknown as Readable;
}

export interface SlugEntry {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
}

/** The entries of a gzip'd slug, in archive order, and its whole uncompressed bytes. */
export async function readSlug(slugPath: string): Promise<{ entries: SlugEntry[]; bytes: Buffer }> {
  const entries: SlugEntry[] = [];
  const chunks: Buffer[] = [];
  const extract = tar.extract();
  extract.on('entry', (header, stream, next) => {
    entries.push({
      name: header.name,
      type: header.type ?? 'file',
      mode: (header.mode ?? 0) & 0o7777,
      uid: header.uid ?? -1,
      gid: header.gid ?? -1,
      mtime: header.mtime?.getTime() ?? 0,
    });
    stream.on('data', (c: unknown) => chunks.push(c as Buffer));
    stream.once('end', () => next());
  });
  await pipeline(createReadStream(slugPath), zlib.createGunzip(), extract);
  return { entries, bytes: Buffer.concat(chunks) };
}

/** Collects a build's output lines; `text()` joins them. */
export function outputCollector(onLine?: (line: string) => void) {
  const lines: string[] = [];
  return {
    lines,
    text: () => lines.join('\n'),
    output: (line: string) => {
      lines.push(line);
      onLine?.(line);
    },
  };
}
