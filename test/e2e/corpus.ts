import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Docker from 'dockerode';
import { chmod, mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { createUserEnv, platform, run } from '../support/cli.ts';
import { git, repoFrom } from '../support/apps.ts';
import { api } from '../support/api.ts';
import { loadCorpus, type CorpusApp, type Checks } from '../support/corpus-manifest.ts';
import { servePythonIndexOnBuildNetwork, startPythonIndex } from '../support/python-index.ts';
import { checkBuild, checkHttp, checkLogs, checkRun, checkStream, checkWebSocket } from '../support/corpus-checks.ts';

/**
 * The sample-app corpus (test/corpus/<name>/corpus.json): every app is pushed to one platform server as a new
 * user would push it, and what its manifest says a user would check is checked. Nothing here is specific to
 * one app: a new repository shape is a new folder with a manifest (test/corpus/README.md).
 */

/** Apps deployed at once: builds are the slow part, and the machine has two cores. */
const CONCURRENCY = Number(process.env.PLATFORM_TEST_CORPUS_CONCURRENCY ?? 3);
/** One app's whole story (install from the registry, build, boot, checks, a redeploy) on a busy machine. */
const APP_TIMEOUT_MS = 12 * 60_000;

function limiter(slots: number) {
  const waiting: Array<() => void> = [];
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    if (slots === 0) await new Promise<void>((r) => waiting.push(r));
    else slots--;
    try {
      return await fn();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else slots++;
    }
  };
}

/** A step's failure names the step, so the report says where an app stopped (build, boot, a check). */
async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new Error(`[${name}] ${(err as Error).message}`, { cause: err });
  }
}

export function describeCorpus(runtime: 'process' | 'docker', filter: (app: CorpusApp) => boolean = () => true) {
  const apps = loadCorpus().filter(filter);
  const slot = limiter(CONCURRENCY);

  describe.concurrent(`sample-app corpus (${runtime} runtime, ${apps.length} apps)`, () => {
    let server: ServerHandle;
    let env: Record<string, string>;
    const tempDirs: string[] = [];
    const cleanups: Array<() => Promise<void>> = [];

    beforeAll(async () => {
      server = await startServer({ runtime });
      expect(server.runtime).toBe(runtime);
      env = await createUserEnv();
      const login = await platform(['login', '--server', server.apiUrl, '--token-file', path.join(server.dataDir, 'admin-token')], { env });
      expect(login.code, login.stderr).toBe(0);
    });
    afterAll(async () => {
      await server?.destroy();
      for (const cleanup of cleanups) await cleanup();
      for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
    });

    /** A directory every dyno may write (it stands in for a backing service shared by the release phase and web). */
    const tempDir = async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'platform-corpus-store-'));
      await chmod(dir, 0o777);
      tempDirs.push(dir);
      return dir;
    };

    /** The local Python package index (test/support/python-index.ts), started for the first app that names it. */
    let pythonIndex: Promise<{ url: string; host: string }> | undefined;
    const startIndex = async () => {
      const dir = await tempDir();
      const local = await startPythonIndex(dir);
      cleanups.push(() => local.close());
      if (runtime === 'process') return { url: local.url, host: '127.0.0.1' };
      const served = await servePythonIndexOnBuildNetwork(new Docker(), dir);
      cleanups.push(served.remove);
      return served;
    };
    /** `{{tempDir}}`, `{{pythonIndex}}` (the index's base URL) and `{{pythonIndexHost}}` in a config value. */
    const expandConfig = async (value: string) => {
      let v = value;
      if (v.includes('{{tempDir}}')) v = v.replaceAll('{{tempDir}}', await tempDir());
      if (v.includes('{{pythonIndex')) {
        const index = await (pythonIndex ??= startIndex());
        v = v.replaceAll('{{pythonIndex}}', index.url).replaceAll('{{pythonIndexHost}}', index.host);
      }
      return v;
    };

    const push = async (repo: string) => {
      const r = await run('git', ['push', 'platform', 'main'], { cwd: repo, env, timeoutMs: 10 * 60_000 });
      return { code: r.code, output: r.stdout + r.stderr };
    };

    const checkServing = async (app: string, checks: Checks) => {
      for (const check of checks.http ?? []) await step(`GET ${check.path}`, () => checkHttp(server.routerUrl, app, check));
    };

    for (const corpusApp of apps) {
      const { name: app, manifest } = corpusApp;
      it(`${app}: ${manifest.description}`, { timeout: APP_TIMEOUT_MS }, () =>
        slot(async () => {
          const repo = await repoFrom(corpusApp.dir, env);
          await step('apps:create', async () => {
            const r = await platform(['apps:create', app], { cwd: repo, env });
            if (r.code !== 0) throw new Error(r.stderr);
          });
          const config = Object.entries(manifest.config ?? {});
          if (config.length) {
            const pairs: string[] = [];
            for (const [k, v] of config) pairs.push(`${k}=${await expandConfig(v)}`);
            await step('config:set', async () => {
              const r = await platform(['config:set', ...pairs], { cwd: repo, env });
              if (r.code !== 0) throw new Error(r.stderr);
            });
          }

          const first = await push(repo);
          await step('build', async () => checkBuild(manifest.build, first.code, first.output));
          if (manifest.build?.fails) {
            const releases = await api(server.apiUrl, server.token, 'GET', `/apps/${app}/releases`);
            const deployed = (releases.json as Array<{ description: string }>).filter((r) => /^Deploy /.test(r.description));
            expect(deployed, 'a failed build makes no release').toEqual([]);
            if (manifest.logs) await step('logs', () => checkLogs(repo, env, manifest.logs ?? [], manifest.logsAbsent ?? []));
            return;
          }

          if (manifest.formation) {
            await step('formation', async () => {
              const r = await api(server.apiUrl, server.token, 'GET', `/apps/${app}/formation`);
              const formation = Object.fromEntries((r.json as Array<{ type: string; quantity: number }>).map((f) => [f.type, f.quantity]));
              expect(formation).toEqual(manifest.formation);
            });
          }
          const scale = Object.entries(manifest.scale ?? {});
          if (scale.length) {
            await step('ps:scale', async () => {
              const r = await platform(['ps:scale', ...scale.map(([t, n]) => `${t}=${n}`)], { cwd: repo, env });
              if (r.code !== 0) throw new Error(r.stderr);
            });
          }
          await checkServing(app, manifest);
          for (const check of manifest.stream ?? []) await step(`stream ${check.path}`, () => checkStream(server.routerUrl, app, check));
          for (const check of manifest.websocket ?? []) await step(`websocket ${check.path}`, () => checkWebSocket(server.routerUrl, app, check));
          for (const check of manifest.run ?? []) await step(`run ${check.command}`, () => checkRun(repo, env, check));
          if (manifest.logs || manifest.logsAbsent) {
            await step('logs', () => checkLogs(repo, env, manifest.logs ?? [], manifest.logsAbsent ?? []));
          }

          if (manifest.redeploy) {
            for (const [file, content] of Object.entries(manifest.redeploy.files)) {
              await mkdir(path.dirname(path.join(repo, file)), { recursive: true });
              await writeFile(path.join(repo, file), content);
            }
            await git(repo, env, ['add', '-A']);
            await git(repo, env, ['commit', '-q', '--allow-empty', '-m', 'redeploy']);
            const second = await push(repo);
            await step('redeploy build', async () => checkBuild(manifest.redeploy?.build, second.code, second.output));
            await step('redeploy', () => checkServing(app, manifest.redeploy!));
          }
        }),
      );
    }
  });
}
