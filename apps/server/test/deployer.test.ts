import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import type { Store } from '@platform/store-postgres';
import { ErrorCodes, PlatformError, type Builder, type DynoExit, type DynoOutput } from '@platform/types';
import type { GitPush } from '@platform/git-http';
import { createDeployer } from '../src/deploy/deployer.ts';
import { releaseFailure } from '../src/deploy/release-failure.ts';
import { someUser } from './support/services.ts';

/**
 * The deployer's honesty about failures (issue 14, item 5), on a real store: a release says why it failed (its
 * release command, a web dyno's boot, …), and a build failure the builder explained is not explained again.
 */
let db: TestDatabase;
let store: Store;
let slugsDir: string;

beforeAll(async () => {
  db = await startTestDatabase();
  store = db.store;
  slugsDir = await mkdtemp(path.join(tmpdir(), 'platform-deployer-'));
});
afterAll(async () => {
  await db?.stop();
  if (slugsDir) await rm(slugsDir, { recursive: true, force: true });
});

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, child: () => silent };

/** A builder that succeeds with `processTypes` (a slug file in slugsDir), or fails as `fail` says. */
function builder(processTypes: Record<string, string>, fail?: PlatformError): Builder {
  return {
    async build(request) {
      if (fail) throw fail;
      const slug = Buffer.from(`slug ${request.buildId}`);
      const checksum = createHash('sha256').update(slug).digest('hex');
      await writeFile(path.join(slugsDir, `${checksum}.tgz`), slug);
      return { slug: { path: path.join(slugsDir, `${checksum}.tgz`), checksum, size: slug.length }, processTypes, buildpack: 'Test' };
    },
    forgetApp: async () => undefined,
  };
}

/** A runtime whose dynos print `lines` and exit with `code` (release phase), and whose output a test can emit. */
function fakeRuntime(code: number) {
  const outputs = new Set<(o: DynoOutput) => void>();
  const exits = new Set<(e: DynoExit) => void>();
  return {
    emit: (o: DynoOutput) => outputs.forEach((l) => l(o)),
    runtime: {
      async start(spec: { app: string; name: string }) {
        const id = `dyno-${spec.name}`;
        setImmediate(() => exits.forEach((l) => l({ id, app: spec.app, name: spec.name, code, signal: null, requested: false })));
        return { id } as never;
      },
      stop: async () => undefined,
      onOutput: (l: (o: DynoOutput) => void) => (outputs.add(l), () => outputs.delete(l)),
      onExit: (l: (e: DynoExit) => void) => (exits.add(l), () => exits.delete(l)),
    },
  };
}

async function pushTo(name: string, options: { processTypes: Record<string, string>; buildError?: PlatformError; bootError?: PlatformError; phaseExit?: number }) {
  const user = await someUser(store);
  const app = await store.apps.create({ name, ownerId: user.id });
  const events: string[] = [];
  const lines: string[] = [];
  const { runtime, emit } = fakeRuntime(options.phaseExit ?? 0);
  const deployer = createDeployer({
    store,
    builder: builder(options.processTypes, options.buildError),
    runtime,
    manager: {
      async deploy(_appId, _target, commit) {
        if (!options.bootError) return void (await commit?.());
        emit({ id: 'new-web-1', app: name, name: 'web.1', stream: 'stderr', line: 'Error: DATABASE_URL is not set', at: Date.now() });
        emit({ id: 'old-web-1', app: name, name: 'web.1', stream: 'stdout', line: 'GET / 200 (the old release, still serving)', at: Date.now() });
        throw options.bootError;
      },
    },
    logger: silent as never,
    slugsDir,
    releaseTimeoutMs: 10_000,
    webUrl: (a) => `http://${a}.example.test/`,
    onEvent: (_appId, _source, message) => void events.push(message),
  });
  const push = {
    app: name,
    principal: { user, app },
    branch: 'main',
    update: { ref: 'refs/heads/main', oldSha: '0'.repeat(40), newSha: 'a'.repeat(40) },
    archive: () => Readable.from([]),
    output: (line: string) => void lines.push(line),
    signal: new AbortController().signal,
  } satisfies GitPush;
  const error = await deployer.onPush(push).then(() => null, (err: PlatformError) => err);
  const releases = await store.releases.list(app.id);
  return { error, lines, events, release: releases.at(-1) };
}

const bootError = (message: string, reason: string) =>
  new PlatformError(ErrorCodes.bootTimeout, message, { details: { dynoId: 'new-web-1', dyno: 'web.1', reason } });

describe('deployer: honest release states', () => {
  it('fails a deploy whose web dyno exits at boot as a boot failure, with its reason and last output', async () => {
    const r = await pushTo('boot-crash', { processTypes: { web: 'node server.js' }, bootError: bootError('web.1 exited during boot (status 3)', 'exited') });
    expect(r.error).toMatchObject({ code: 'PLT_RELEASE_FAILED', message: 'Release v1 failed: web.1 exited during boot (status 3)' });
    expect(r.release).toMatchObject({ status: 'failed', failure: { kind: 'boot', message: 'web.1 exited during boot (status 3)' } });
    expect(r.lines.slice(-2)).toEqual(['       web.1 said before it stopped:', '       | Error: DATABASE_URL is not set']);
    expect(r.lines.join('\n')).not.toMatch(/release command|still serving/);
    expect(r.events).toContain('Release v1 failed: web.1 exited during boot (status 3)');
  });

  it("words a web dyno that never binds $PORT as Heroku's R10", async () => {
    const message = 'web.1 failed to bind to $PORT within 60 seconds of launch';
    const r = await pushTo('boot-slow', { processTypes: { web: 'sleep 1000' }, bootError: bootError(message, 'bind-timeout') });
    expect(r.error?.message).toBe(`Release v1 failed: Error R10 (Boot timeout) -> ${message}`);
    expect(r.release?.failure).toEqual({ kind: 'boot', message: `Error R10 (Boot timeout) -> ${message}` });
  });

  it('fails a release whose release command fails as a release command failure', async () => {
    const r = await pushTo('phase-fail', { processTypes: { web: 'node server.js', release: 'node migrate.js' }, phaseExit: 7 });
    expect(r.error?.message).toBe('Release v1 failed: release command exited with status 7');
    expect(r.release).toMatchObject({ status: 'failed', failure: { kind: 'release_command', message: 'release command exited with status 7' } });
  });

  it('hands git-http a build failure the builder explained as shown, so it is not printed twice', async () => {
    const explained = new PlatformError(ErrorCodes.buildFailed, 'Procfile line 3: expected "<process type>: <command>"');
    const r = await pushTo('bad-procfile', { processTypes: {}, buildError: explained });
    expect(r.error).toMatchObject({ code: 'PLT_BUILD_FAILED', message: explained.message, details: { shown: true } });
    expect(r.release).toBeUndefined();
  });

  it('fails releases left pending by a stopped server as interrupted', async () => {
    const user = await someUser(store);
    const app = await store.apps.create({ name: 'interrupted', ownerId: user.id });
    const build = await store.builds.create({ appId: app.id, userId: user.id, sourceVersion: 'abc' });
    const release = await store.releases.createForBuild({ appId: app.id, buildId: build.id, description: 'Deploy abc', userId: user.id, status: 'pending' });
    await store.releases.failPending('platform restarted');
    expect(await store.releases.get(app.id, release.id)).toMatchObject({ status: 'failed', failure: { kind: 'interrupted', message: 'platform restarted' } });
  });
});

describe('releaseFailure', () => {
  it.each([
    [new PlatformError(ErrorCodes.releaseFailed, 'release command exited with status 2'), 'release_command', 'release_command', 'release command exited with status 2'],
    [bootError('web.1 exited during boot (status 1)', 'exited'), 'rollout', 'boot', 'web.1 exited during boot (status 1)'],
    [bootError('web.1 crashed (status 1) within 2 seconds of binding to $PORT', 'crashed'), 'rollout', 'boot', 'web.1 crashed (status 1) within 2 seconds of binding to $PORT'],
    [bootError('web.1 failed to bind to $PORT within 5 seconds of launch', 'bind-timeout'), 'rollout', 'boot', 'Error R10 (Boot timeout) -> web.1 failed to bind to $PORT within 5 seconds of launch'],
    [new PlatformError(ErrorCodes.bootTimeout, 'web.1 failed its health check: GET /health 500 (3 attempts)'), 'rollout', 'boot', 'web.1 failed its health check: GET /health 500 (3 attempts)'],
    [new Error('image gone'), 'prepare', 'other', 'image gone'],
  ] as const)('case %#: → %s', (err, stage, kind, message) => {
    expect(releaseFailure(err, stage)).toEqual({ kind, message });
  });
});
