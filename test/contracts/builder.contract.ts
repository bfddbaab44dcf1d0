/**
 * The builder driver contract: every `Builder` (local, docker, a cluster builder later) passes this suite. It is
 * driver-agnostic: a build is observed only through its result (slug file, process types, buildpack), its output
 * lines and its errors, and a second build of the same app. Both drivers run the same buildpacks (the real ones plus
 * the test ones in builder-fixtures.ts) on the same sources and must give the same observable results.
 *
 *   describeBuilderContract('local', async () => ({ createBuilder: (o) => createLocalBuilder({ ...o, … }), cleanup }));
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SLUG_MTIME } from '@platform/builder-kit';
import type { Builder, BuildRequest, BuildResult } from '@platform/types';
import { CONTRACT_BUILDPACKS, fixture, outputCollector, readSlug, repoRoot, tarOf, tarWith, writeTree } from './builder-fixtures.ts';

export interface BuilderContractOptions {
  /** Holds `order`, one directory per buildpack and `_runner/build` (readable by everyone). */
  buildpacksDir: string;
  /** Where slugs go: `<slugsDir>/<sha256>.tgz`. */
  slugsDir: string;
  timeoutMs?: number | undefined;
  outputLimitBytes?: number | undefined;
}

export interface BuilderContractHarness {
  /** A builder of this driver with these settings (every other setting as the server wires it). */
  createBuilder(options: BuilderContractOptions): Builder;
  /** All the artifact holds besides the slug, as text (docker: the image's inspect and history); none when absent. */
  describeArtifact?(result: BuildResult): Promise<string>;
  /** Removes what builds left that `forgetApp` does not (e.g. release images). */
  cleanup(): Promise<void>;
}

const SECRET = `s3cret-${randomBytes(12).toString('hex')}`;

export function describeBuilderContract(name: string, setup: () => Promise<BuilderContractHarness>): void {
  describe(`Builder contract: ${name}`, () => {
    let harness: BuilderContractHarness;
    let tmp: string;
    let options: BuilderContractOptions;
    const appIds = new Set<string>();
    const run = randomBytes(3).toString('hex');

    beforeAll(async () => {
      harness = await setup();
      tmp = await fsp.mkdtemp(path.join(os.tmpdir(), 'builder-contract-'));
      await fsp.chmod(tmp, 0o755); // an unprivileged build user must reach the buildpacks and its sources
      const buildpacksDir = path.join(tmp, 'buildpacks');
      await fsp.cp(path.join(repoRoot, 'buildpacks'), buildpacksDir, { recursive: true });
      await writeTree(buildpacksDir, CONTRACT_BUILDPACKS);
      options = { buildpacksDir, slugsDir: path.join(tmp, 'slugs') };
    });

    afterAll(async () => {
      const builder = harness?.createBuilder(options);
      for (const appId of appIds) await builder?.forgetApp(appId);
      await harness?.cleanup();
      if (tmp) await fsp.rm(tmp, { recursive: true, force: true });
    });

    /** A source dir under the contract's temp dir. */
    const source = async (files: Record<string, string>, from?: string): Promise<string> => {
      const dir = await fsp.mkdtemp(path.join(tmp, 'src-'));
      await fsp.chmod(dir, 0o755);
      if (from) await fsp.cp(from, dir, { recursive: true });
      return writeTree(dir, files);
    };

    /** Runs one build of `app` (an app id of this run) and keeps its output. */
    function build(src: Readable, extra: Partial<BuildRequest> & { app?: string; settings?: Partial<BuilderContractOptions> } = {}) {
      const { settings, app = 'main', ...rest } = extra;
      const appId = `contract-${run}-${app}`;
      appIds.add(appId);
      const out = outputCollector();
      const request: BuildRequest = { app: 'contract-app', appId, buildId: randomUUID(), source: src, env: {}, output: out.output, ...rest };
      const result = harness.createBuilder({ ...options, ...settings }).build(request);
      result.catch(() => {});
      return { result, out };
    }

    /** A failure is explained on the output exactly once: `line` once, and no ` !` line twice. */
    const explainedOnce = (out: { lines: string[] }, line: string) => {
      expect(out.lines.filter((l) => l === line), line).toHaveLength(1);
      const bangs = out.lines.filter((l) => l.startsWith(' !'));
      expect(new Set(bangs).size, bangs.join('\n')).toBe(bangs.length);
    };

    const slugCount = async () => (await fsp.readdir(options.slugsDir).catch(() => [])).filter((f) => f.endsWith('.tgz')).length;

    it('builds a Procfile app with the real buildpack: slug, process types, output lines, .slugignore', async () => {
      const src = await source(
        { '.slugignore': '# docs\n*.md\n/tmp/\n', 'tmp/big.bin': 'x', 'docs/guide.md': 'y', 'bin/run.sh': 'echo run\n' },
        fixture('procfile-app'),
      );
      const { result, out } = build(tarOf(src));
      const built = await result;
      expect(built.buildpack).toBe('Procfile');
      expect(built.processTypes).toEqual({ web: 'node server.js', release: 'echo release phase ran' });
      expect(built.slug!.path).toBe(path.join(path.resolve(options.slugsDir), `${built.slug!.checksum}.tgz`));
      const bytes = await fsp.readFile(built.slug!.path);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(built.slug!.checksum);
      expect(bytes.length).toBe(built.slug!.size);

      const { entries } = await readSlug(built.slug!.path);
      expect(entries.map((e) => e.name).sort()).toEqual(['.slugignore', 'Procfile', 'bin/', 'bin/run.sh', 'docs/', 'server.js']);
      expect(entries.every((e) => e.uid === 0 && e.gid === 0 && e.mtime === SLUG_MTIME.getTime())).toBe(true);
      expect(entries.find((e) => e.name === 'bin/run.sh')!.mode & 0o111).not.toBe(0);

      const done = out.lines.findIndex((l) => l.startsWith('       Done: '));
      expect(out.lines.slice(0, done)).toEqual([
        '-----> Building on the bookworm stack',
        '-----> Determining which buildpack to use for this app',
        '-----> Procfile app detected',
        '-----> Discovering process types',
        '       Procfile declares types     -> web, release',
        '       Default types for buildpack -> (none)',
        '',
        '-----> Compressing...',
      ]);
      expect(out.lines[done]).toMatch(/^ {7}Done: \d+\.\dK$/);
      // A driver that makes an image says so after the slug, and nothing else.
      const after = built.image ? ['-----> Creating image...', `       Image ${built.image}`] : [];
      expect(out.lines.slice(done + 1)).toEqual(after);
    });

    it('passes build output on as whole UTF-8 lines, even when a character is cut between two writes', async () => {
      const { result, out } = build(tarOf(await source({ utf8: '', Procfile: 'web: true\n' })));
      await result;
      expect(out.lines).toContain('café ✓ 日本語');
      expect(out.lines).toContain('naïve ✓');
      expect(out.text()).not.toContain('\uFFFD');
    });

    it('reuses the app cache on the next build, and forgetApp empties it', async () => {
      const src = await source({ cacher: '', Procfile: 'web: true\n' });
      const first = build(tarOf(src), { app: 'cache' });
      await first.result;
      const second = build(tarOf(src), { app: 'cache' });
      await second.result;
      expect(first.out.lines).toContain('build number 1 from the cache');
      expect(second.out.lines).toContain('build number 2 from the cache');
      await harness.createBuilder(options).forgetApp(`contract-${run}-cache`);
      const third = build(tarOf(src), { app: 'cache' });
      await third.result;
      expect(third.out.lines).toContain('build number 1 from the cache');
      // Another app has a cache of its own.
      const other = build(tarOf(src), { app: 'cache-other' });
      await other.result;
      expect(other.out.lines).toContain('build number 1 from the cache');
    });

    it("gives all apps' builds one shared cache (SHARED_CACHE_DIR) apart from the app caches, kept by forgetApp", async () => {
      const first = build(tarOf(await source({ sharer: `${run} app-a\n`, Procfile: 'web: true\n' })), { app: 'share-a' });
      await first.result;
      expect(first.out.lines).toContain('shared: app-a ');
      const second = build(tarOf(await source({ sharer: `${run} app-b\n`, Procfile: 'web: true\n' })), { app: 'share-b' });
      await second.result;
      expect(second.out.lines).toContain('shared: app-a app-b ');
      await harness.createBuilder(options).forgetApp(`contract-${run}-share-a`);
      const third = build(tarOf(await source({ sharer: `${run} app-c\n`, Procfile: 'web: true\n' })), { app: 'share-c' });
      await third.result;
      expect(third.out.lines).toContain('shared: app-a app-b app-c ');
    });

    it('gives config to the build only as ENV_DIR files: never in its environment, output, slug or artifact', async () => {
      const env = { SECRET_TOKEN: SECRET, OTHER: 'x y "z"' };
      const { result, out } = build(tarOf(await source({ probe: '', Procfile: 'web: true\n' })), { env });
      const built = await result;
      expect(out.lines).toContain('env-files=OTHER,SECRET_TOKEN,');
      expect(out.lines).toContain(`secret-sha256=${createHash('sha256').update(SECRET).digest('hex')}`);
      expect(out.lines).toContain('secret-in-env=no');
      expect(out.text()).not.toContain(SECRET);
      const slug = await readSlug(built.slug!.path);
      expect(slug.entries.map((e) => e.name)).toContain('build-env.txt');
      expect(slug.bytes.includes(Buffer.from(SECRET))).toBe(false);
      expect(slug.bytes.includes(Buffer.from('SECRET_TOKEN'))).toBe(false);
      expect(JSON.stringify(built)).not.toContain(SECRET);
      const artifact = (await harness.describeArtifact?.(built)) ?? '';
      expect(artifact).not.toContain(SECRET);
      expect(artifact).not.toContain('SECRET_TOKEN');
    });

    it('fails a failing compile with PLT_BUILD_FAILED, the Heroku reason (once), and no slug', async () => {
      const before = await slugCount();
      const { result, out } = build(tarOf(fixture('failing-build-app')));
      await expect(result).rejects.toMatchObject({ code: 'PLT_BUILD_FAILED', message: 'The buildpack failed to compile the app.' });
      expect(out.text()).toContain('fixture build step failing on purpose');
      explainedOnce(out, ' !     Push rejected, failed to compile Node.js app.');
      expect(out.text()).not.toContain('The buildpack failed to compile the app.'); // the runner's words stand
      expect(out.text()).not.toContain('-----> Compressing...');
      expect(await slugCount()).toBe(before);
    }, 300_000); // the Node.js buildpack fetches Node.js before the app's build script fails

    it('fails when no buildpack detects the app', async () => {
      const { result, out } = build(tarOf(await source({ 'README.md': 'nothing to build\n' })));
      await expect(result).rejects.toMatchObject({ code: 'PLT_BUILD_FAILED', message: 'No default language could be detected for this app.' });
      explainedOnce(out, ' !     No default language could be detected for this app.');
      // What was looked for, once, in the order detection tried.
      expect(out.lines.filter((l) => /^ {9}- /.test(l))).toEqual(expect.arrayContaining(['         - procfile']));
      expect(out.lines.filter((l) => l.includes('platform buildpacks:set'))).toHaveLength(1);
    });

    it('runs the chosen buildpacks in sequence: each sees the export of the one before, the last gives the process types', async () => {
      const { result, out } = build(tarOf(await source({ 'index.txt': 'hi\n' })), { buildpacks: ['first', 'second'] });
      const built = await result;
      expect(built.buildpack).toBe('First, Second');
      expect(built.processTypes).toEqual({ web: 'second-web' });
      expect(out.lines).toContain('-----> Using buildpacks: first second');
      expect(out.lines.filter((l) => / app detected$/.test(l))).toEqual(['-----> First app detected', '-----> Second app detected']);
      expect(out.lines).toContain('       second saw hello');
      const { entries, bytes } = await readSlug(built.slug!.path);
      expect(entries.map((e) => e.name)).toEqual(expect.arrayContaining(['first.txt', 'second.txt']));
      expect(bytes.length).toBeGreaterThan(0);

      const missing = build(tarOf(await source({ 'index.txt': 'hi\n' })), { buildpacks: ['first', 'nowhere'] });
      await expect(missing.result).rejects.toMatchObject({ code: 'PLT_BUILD_FAILED' });
      explainedOnce(missing.out, ' !     Buildpack "nowhere" is not installed on this platform.');
      const unfit = build(tarOf(await source({ 'other.txt': 'hi\n' })), { buildpacks: ['second'] });
      await expect(unfit.result).rejects.toMatchObject({ code: 'PLT_BUILD_FAILED' });
      explainedOnce(unfit.out, ' !     App not compatible with buildpack: second');
    });

    it('reports a bad Procfile with its line number, and refuses a Procfile that is a symlink', async () => {
      const bad = build(tarOf(fixture('bad-procfile-app')));
      await expect(bad.result).rejects.toMatchObject({ code: 'PLT_BUILD_FAILED', message: expect.stringMatching(/^Procfile line 3: /) });
      explainedOnce(bad.out, ` !     ${((await bad.result.catch((err: Error) => err)) as Error).message}`);

      const src = await source({ 'real-procfile': 'web: true\n' });
      await fsp.symlink('real-procfile', path.join(src, 'Procfile'));
      const link = build(tarOf(src));
      await expect(link.result).rejects.toMatchObject({ code: 'PLT_BUILD_FAILED', message: 'Procfile is a symlink; it must be a regular file.' });
      explainedOnce(link.out, ' !     Procfile is a symlink; it must be a regular file.');
    });

    it('refuses an unsafe source, an invalid config var name or build id before any buildpack runs', async () => {
      const unsafe = build(tarWith({ Procfile: 'web: true\n', '../evil': 'x' }));
      await expect(unsafe.result).rejects.toMatchObject({ code: 'PLT_BUILD_FAILED', message: expect.stringMatching(/^Could not unpack the source: /) });
      expect(unsafe.out.text()).not.toContain('Determining which buildpack');
      explainedOnce(unsafe.out, ` !     ${((await unsafe.result.catch((err: Error) => err)) as Error).message}`);

      // A symlink leaving the app: the same refusal, in the user's terms, from every builder (issue 20).
      const linkSrc = await source({ Procfile: 'web: true\n' });
      await fsp.symlink('../../../../etc/passwd', path.join(linkSrc, 'evil'));
      const escaping = build(tarOf(linkSrc));
      await expect(escaping.result).rejects.toMatchObject({
        code: 'PLT_BUILD_FAILED',
        message: expect.stringMatching(/^Could not unpack the source: .*evil.*points outside the archive/),
      });
      expect(escaping.out.text()).not.toContain('Determining which buildpack');

      const badKey = build(tarOf(await source({ Procfile: 'web: true\n' })), { env: { 'bad-key': 'x' } });
      await expect(badKey.result).rejects.toMatchObject({ code: 'PLT_BUILD_FAILED', message: 'Invalid config var name "bad-key".' });
      expect(badKey.out.lines).toEqual([' !     Invalid config var name "bad-key".']);

      // Refused by the frame every builder shares, before the driver runs: explained all the same.
      const badId = build(tarOf(await source({ Procfile: 'web: true\n' })), { buildId: '../escape' });
      await expect(badId.result).rejects.toMatchObject({ code: 'PLT_BUILD_FAILED', message: 'Invalid build id.' });
      expect(badId.out.lines).toEqual([' !     Invalid build id.']);
    });

    it('caps the output with one notice and still finishes the build', async () => {
      const { result, out } = build(tarOf(await source({ noisy: '', Procfile: 'web: true\n' })), { settings: { outputLimitBytes: 2000 } });
      const built = await result;
      expect(built.processTypes).toEqual({ web: 'true' });
      expect(out.lines.filter((l) => l === ' !     Build output exceeded 2000 bytes; the rest is not shown.')).toHaveLength(1);
      expect(out.text()).not.toContain('line 2000 of noise');
      expect(out.lines).toContain('-----> Compressing...'); // the builder's own lines still show
    });

    it('stops a build past its time limit, and a cancelled one', async () => {
      const src = await source({ slow: '' });
      const slow = build(tarOf(src), { settings: { timeoutMs: 3000 } });
      await expect(slow.result).rejects.toMatchObject({ code: 'PLT_BUILD_FAILED', message: 'Build timed out after 3 s and was stopped.' });
      expect(slow.out.lines).toContain('starting');
      explainedOnce(slow.out, ' !     Build timed out after 3 s and was stopped.');

      const ac = new AbortController();
      const cancelled = build(tarOf(src), { signal: ac.signal, output: (line) => line === 'starting' && ac.abort() });
      await expect(cancelled.result).rejects.toMatchObject({ code: 'PLT_BUILD_FAILED', message: 'Build cancelled.' });
    });
  });
}
