import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { BuildRequest } from '@platform/types';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const buildpacksDir = path.join(repoRoot, 'buildpacks');
export const fixture = (name: string): string => path.join(repoRoot, 'test/fixtures', name);
/**
 * A shared build cache that outlives the test run (as the server's does), so Node.js releases are downloaded once
 * per machine rather than once per test file. Safe to share: the buildpack verifies what it reads there.
 */
export const testSharedCacheDir = path.join(os.tmpdir(), 'platform-test-shared-cache');
/** Builds that download and unpack Node.js: minutes on a loaded two-core machine. */
export const NODE_BUILD_TIMEOUT = 300_000;

/** A tar stream of `dir`, as the git receiver would hand over: the builder contract's own (test/contracts). */
export { tarOf } from '../../../test/contracts/builder-fixtures.ts';

export async function makeTemp(prefix: string): Promise<string> {
  return fsp.mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function writeTree(dir: string, files: Record<string, string>): Promise<string> {
  for (const [name, body] of Object.entries(files)) {
    const file = path.join(dir, name);
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.writeFile(file, body, { mode: name.includes('/bin/') ? 0o755 : 0o644 });
  }
  return dir;
}

export function request(
  source: Readable,
  extra: Partial<BuildRequest> = {},
): BuildRequest & { lines: string[]; text: () => string } {
  const lines: string[] = [];
  return {
    app: 'test-app',
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
