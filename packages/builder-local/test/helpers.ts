import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { BuildRequest } from '@platform/types';
import { buildRequest } from '../../../test/contracts/builder-fixtures.ts';

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

/** Tar streams of a dir (as the git receiver hands them over), temp dirs and file trees: the builder contract's own (test/contracts). */
export { tarOf, makeTemp, writeTree } from '../../../test/contracts/builder-fixtures.ts';

/** A build request for `source` as app `test-app`, its output collected (`lines`, `text()`). */
export const request = (source: Readable, extra: Partial<BuildRequest> = {}) => buildRequest(source, 'test-app', extra);
