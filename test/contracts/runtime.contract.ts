/**
 * The runtime driver contract: every `Runtime` (process, docker, a cluster driver later) passes
 * this suite. It is driver-agnostic: dynos are reached only through `dyno.address`, their
 * behaviour is observed only through `onOutput`, `onExit`, `list()` and HTTP.
 *
 *   describeRuntimeContract('process', async () => ({ runtime, makeArtifact, cleanup, nonRoot: true }));
 *
 * A driver whose dynos are not real processes (runtime-memory's fake records) says so with the capability
 * flag `runsArtifacts: false`: the cases that need the fixture apps' code to run (sockets, env, signals,
 * bash, attached stdio) are skipped, visibly, and the harness's `script` plays the fixture's part where a case
 * checks the runtime's own plumbing (line splitting, exit reports, list, stop):
 *
 *   describeRuntimeContract('memory', async () => ({ runtime, makeArtifact, cleanup, script }), { runsArtifacts: false });
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Artifact, Dyno, DynoSpec, Runtime } from '@platform/types';
import { CRASHER, ENV_SERVER, GRACEFUL, PROFILE_SCRIPT, STUBBORN } from './runtime-fixtures.ts';
import { httpGet, isUnreachable, recordRuntime, waitForHttp } from './runtime-helpers.ts';

export interface RuntimeContractHarness {
  runtime: Runtime;
  /** Turns a directory of files into an Artifact this runtime can run (process: a slug tarball; docker: also an image). */
  makeArtifact(files: Record<string, string>): Promise<Artifact>;
  cleanup(): Promise<void>;
  /** When true, dynos must run as a non-root uid (process driver as root → unprivileged user). */
  nonRoot?: boolean | undefined;
  /**
   * For a driver that does not run artifacts (`runsArtifacts: false`): does what a fixture app would have done,
   * through the driver's own control API. Required then; unused otherwise.
   */
  script?: ContractScript | undefined;
}

/** Plays a fixture app's part on a driver whose dynos run no code. */
export interface ContractScript {
  /** The dyno writes `text` (bytes as UTF-8; partial lines allowed) to one of its streams. */
  write(id: string, stream: 'stdout' | 'stderr', text: string): void;
  /** The dyno's main process exits on its own with `code`. */
  exit(id: string, code: number): void;
}

/** What a driver can do, fixed per driver (known when the suite is collected, so skipped cases show as skipped). */
export interface RuntimeCapabilities {
  /**
   * Dynos run the artifact's code as real processes: fixture apps bind sockets, read their env, handle signals,
   * run through bash, spawn children, read stdin. Default true; false for a driver of fake dynos.
   */
  runsArtifacts?: boolean | undefined;
}

/** Config values that break naive quoting, shell splicing or env-file formats. */
const TRICKY_CONFIG: Record<string, string> = {
  QUOTES: `he said "hi" and 'bye'`,
  SUBSTITUTION: '$(id) `id` ${HOME} $PATH',
  NEWLINES: 'line1\nline2\n\nline4\n',
  UNICODE: 'héllo ✓ 日本語 🚀',
  SPACES: '  leading and trailing  ',
  BACKSLASHES: 'a\\b\\n\\\\',
  EQUALS: 'a=b=c',
  EMPTY: '',
  SEMICOLON: 'x; echo pwned',
};

export function describeRuntimeContract(
  name: string,
  setup: () => Promise<RuntimeContractHarness>,
  capabilities: RuntimeCapabilities = {},
): void {
  const runsArtifacts = capabilities.runsArtifacts !== false;
  /** A case that needs the fixture apps' code to run. */
  const itRuns = it.skipIf(!runsArtifacts);
  describe(`Runtime contract: ${name}`, () => {
    let harness: RuntimeContractHarness;
    let runtime: Runtime;
    let rec: ReturnType<typeof recordRuntime>;
    const started: string[] = [];
    const artifacts = new Map<string, Promise<Artifact>>();

    beforeAll(async () => {
      harness = await setup();
      runtime = harness.runtime;
      rec = recordRuntime(runtime);
    });

    afterEach(async () => {
      await Promise.all(started.splice(0).map((id) => runtime.stop(id, { graceMs: 200 })));
    });

    afterAll(async () => {
      rec?.dispose();
      await harness?.cleanup();
    });

    /** Artifacts are built once per fixture set (docker image builds are slow). */
    function artifact(key: string, files: Record<string, string>): Promise<Artifact> {
      let made = artifacts.get(key);
      if (!made) {
        made = harness.makeArtifact(files);
        artifacts.set(key, made);
      }
      return made;
    }

    async function startDyno(
      files: Record<string, string>,
      key: string,
      spec: Partial<DynoSpec> & { command: string },
    ): Promise<Dyno> {
      const type = spec.type ?? 'web';
      const dyno = await runtime.start({
        app: 'contract-app',
        appId: randomUUID(),
        releaseId: randomUUID(),
        releaseVersion: 1,
        type,
        name: `${type}.1`,
        env: {},
        ...spec,
        artifact: await artifact(key, files),
      });
      started.push(dyno.id);
      return dyno;
    }

    const envApp = { 'server.js': ENV_SERVER, '.profile.d/contract.sh': PROFILE_SCRIPT };

    itRuns('starts a web dyno that binds $PORT and answers HTTP at the reported address', async () => {
      const dyno = await startDyno(envApp, 'env', { command: 'node server.js' });
      expect(dyno).toMatchObject({ app: 'contract-app', type: 'web', name: 'web.1', running: true });
      expect(dyno.address.port).toBeGreaterThan(0);
      const res = await waitForHttp(dyno.address, '/');
      expect(res).toEqual({ status: 200, body: 'hello from web.1' });
    });

    itRuns('gives the dyno its config byte-exact, PORT and DYNO, and nothing of the server environment', async () => {
      const sentinelKey = `PLATFORM_CONTRACT_SENTINEL_${randomUUID().slice(0, 8).toUpperCase()}`;
      const sentinelValue = randomUUID();
      process.env[sentinelKey] = sentinelValue;
      try {
        const dyno = await startDyno(envApp, 'env', {
          command: 'node server.js',
          env: { ...TRICKY_CONFIG, DEFAULTED: 'from-config' },
        });
        const res = await waitForHttp(dyno.address, '/env');
        const seen = JSON.parse(res.body) as { env: Record<string, string>; uid: number; writable: boolean };
        for (const [key, value] of Object.entries(TRICKY_CONFIG)) {
          expect(seen.env[key], key).toBe(value);
        }
        expect(seen.env.PORT).toMatch(/^[1-9][0-9]*$/);
        expect(seen.env.DYNO).toBe('web.1');
        // .profile.d scripts are sourced after config vars, and `${VAR:-default}` keeps config.
        expect(seen.env.FROM_PROFILE).toBe('profile saw DYNO=web.1');
        expect(seen.env.DEFAULTED).toBe('from-config');
        expect(seen.env[sentinelKey]).toBeUndefined();
        expect(Object.values(seen.env)).not.toContain(sentinelValue);
        expect(Object.keys(seen.env).filter((k) => k.startsWith('VITEST') || k.startsWith('npm_'))).toEqual(
          [],
        );
        expect(seen.writable).toBe(true);
      } finally {
        delete process.env[sentinelKey];
      }
    });

    itRuns('lets the platform values of PORT and DYNO win over config vars', async () => {
      const dyno = await startDyno(envApp, 'env', {
        command: 'node server.js',
        env: { DYNO: 'fake.9', PORT: '1' },
      });
      const seen = JSON.parse((await waitForHttp(dyno.address, '/env')).body) as {
        env: Record<string, string>;
      };
      expect(seen.env.DYNO).toBe('web.1');
      expect(seen.env.PORT).not.toBe('1');
    });

    itRuns('runs the dyno as a non-root user when configured so', async ({ skip }) => {
      if (!harness.nonRoot) skip();
      const dyno = await startDyno(envApp, 'env', { command: 'node server.js' });
      const seen = JSON.parse((await waitForHttp(dyno.address, '/env')).body) as {
        uid: number;
        writable: boolean;
      };
      expect(seen.uid).not.toBe(0);
      expect(seen.writable).toBe(true);
    });

    it('streams stdout and stderr lines with the dyno name, and reports a crash exit once', async () => {
      const dyno = await startDyno({ 'crash.js': CRASHER }, 'crash', {
        type: 'worker',
        command: 'node crash.js',
      });
      if (!runsArtifacts) {
        // What CRASHER does: both streams, a partial last line, exit 3.
        const script = harness.script!;
        script.write(dyno.id, 'stdout', 'to stdout\n');
        script.write(dyno.id, 'stderr', 'to stderr\n');
        script.write(dyno.id, 'stdout', 'line one\nline ');
        script.write(dyno.id, 'stdout', 'two\npartial without newline');
        script.exit(dyno.id, 3);
      }
      const exit = await rec.waitForExit(dyno.id);
      expect(exit).toMatchObject({
        id: dyno.id,
        app: 'contract-app',
        name: 'worker.1',
        code: 3,
        requested: false,
      });
      expect(rec.linesOf(dyno.id, 'stdout')).toEqual([
        'to stdout',
        'line one',
        'line two',
        'partial without newline',
      ]);
      expect(rec.linesOf(dyno.id, 'stderr')).toEqual(['to stderr']);
      for (const out of rec.outputs.filter((o) => o.id === dyno.id)) {
        expect(out).toMatchObject({ app: 'contract-app', name: 'worker.1' });
        expect(typeof out.at).toBe('number');
      }
      const listed = (await runtime.list({ app: 'contract-app' })).find((d) => d.id === dyno.id);
      if (listed) expect(listed.running).toBe(false);
      // stop() of an exited dyno cleans it up without a second exit report.
      await runtime.stop(dyno.id, { graceMs: 200 });
      expect(rec.exitsOf(dyno.id)).toHaveLength(1);
      expect((await runtime.list()).map((d) => d.id)).not.toContain(dyno.id);
    });

    itRuns('runs the command through bash, so it may use variables and shell syntax', async () => {
      const dyno = await startDyno({ 'crash.js': CRASHER }, 'crash', {
        type: 'run',
        name: 'run.4520',
        command: 'echo "dyno=$DYNO value=$SEMICOLON" && exit 7',
        env: { SEMICOLON: 'x; echo pwned' },
      });
      const exit = await rec.waitForExit(dyno.id);
      expect(exit.code).toBe(7);
      expect(rec.linesOf(dyno.id)).toEqual(['dyno=run.4520 value=x; echo pwned']);
    });

    it('stop() lets a process that handles SIGTERM finish, and reports requested=true', async () => {
      const dyno = await startDyno({ 'graceful.js': GRACEFUL }, 'graceful', {
        type: 'worker',
        command: 'node graceful.js',
      });
      if (!runsArtifacts) harness.script!.write(dyno.id, 'stdout', 'ready\n');
      await rec.waitForLine(dyno.id, (l) => l === 'ready');
      await runtime.stop(dyno.id, { graceMs: 20_000 });
      const exit = await rec.waitForExit(dyno.id);
      expect(exit).toMatchObject({ requested: true });
      if (runsArtifacts) {
        // GRACEFUL's own handler: it says so and exits 0.
        expect(exit.code).toBe(0);
        expect(rec.linesOf(dyno.id)).toContain('got SIGTERM');
      }
      expect(rec.exitsOf(dyno.id)).toHaveLength(1);
      expect((await runtime.list()).map((d) => d.id)).not.toContain(dyno.id);
    });

    itRuns('stop() SIGKILLs a dyno that ignores SIGTERM after graceMs, child processes included', async () => {
      const dyno = await startDyno({ 'stubborn.js': STUBBORN }, 'stubborn', { command: 'node stubborn.js' });
      await rec.waitForLine(dyno.id, (l) => l === 'grandchild listening');
      expect(await httpGet(dyno.address, '/')).toEqual({ status: 200, body: 'grandchild' });
      await runtime.stop(dyno.id, { graceMs: 300 });
      expect(rec.linesOf(dyno.id)).toContain('ignoring SIGTERM');
      const exit = await rec.waitForExit(dyno.id);
      expect(exit.requested).toBe(true);
      expect(exit.code === 0).toBe(false);
      // The grandchild held $PORT: nothing answering there any more means the whole dyno is gone.
      expect(await isUnreachable(dyno.address)).toBe(true);
    });

    it('list() filters by app and shows running dynos', async () => {
      const a = await startDyno(envApp, 'env', { command: 'node server.js', app: 'contract-a' });
      const b = await startDyno(envApp, 'env', { command: 'node server.js', app: 'contract-b' });
      const listedA = await runtime.list({ app: 'contract-a' });
      expect(listedA.map((d) => d.id)).toEqual([a.id]);
      expect(listedA[0]).toMatchObject({ app: 'contract-a', name: 'web.1', type: 'web', running: true });
      expect(listedA[0]!.address).toEqual(a.address);
      const all = (await runtime.list()).map((d) => d.id);
      expect(all).toEqual(expect.arrayContaining([a.id, b.id]));
    });

    /** Starts an attached one-off (`run.N`) and collects its output. */
    async function startAttached(command: string, tty: boolean, extra: Partial<DynoSpec> = {}) {
      expect(typeof runtime.startAttached, 'the driver implements startAttached').toBe('function');
      const attached = await runtime.startAttached!(
        {
          app: 'contract-app',
          appId: randomUUID(),
          releaseId: randomUUID(),
          releaseVersion: 1,
          type: 'run',
          name: 'run.77',
          env: { TERM: 'xterm-256color' },
          command,
          ...extra,
          artifact: await artifact('crash', { 'crash.js': CRASHER }),
        },
        { tty, cols: 120, rows: 40 },
      );
      started.push(attached.dyno.id);
      const out = { stdout: '', stderr: '' };
      let ended = false;
      attached.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
      attached.stderr?.on('data', (d: Buffer) => (out.stderr += d.toString()));
      const stdoutEnded = new Promise<void>((resolve) => attached.stdout.once('end', () => ((ended = true), resolve())));
      const waitFor = async (what: RegExp, timeoutMs = 20_000) => {
        const deadline = Date.now() + timeoutMs;
        while (!what.test(out.stdout)) {
          if (Date.now() > deadline || ended) throw new Error(`no ${what} in output: ${JSON.stringify(out.stdout)}`);
          await new Promise((resolve) => attached.stdout.once('data', resolve).once('end', resolve));
        }
      };
      return { ...attached, out, stdoutEnded, waitFor };
    }

    itRuns('startAttached pipes stdin to the process and delivers EOF (no TTY), keeping stderr apart', async () => {
      const a = await startAttached('cat; echo done >&2', false);
      expect(a.dyno).toMatchObject({ type: 'run', name: 'run.77', running: true });
      a.stdin.write('hello\n');
      a.stdin.end('world\n');
      await a.stdoutEnded;
      const exit = await rec.waitForExit(a.dyno.id);
      expect(exit).toMatchObject({ code: 0, requested: false });
      expect(a.out.stdout).toBe('hello\nworld\n');
      expect(a.out.stderr).toBe('done\n');
      // Attached output belongs to the caller, not to the log stream.
      expect(rec.linesOf(a.dyno.id)).toEqual([]);
    });

    itRuns('startAttached reports the exit code through onExit', async () => {
      const a = await startAttached('echo before; exit 3', false);
      a.stdin.end();
      const exit = await rec.waitForExit(a.dyno.id);
      expect(exit.code).toBe(3);
      expect(a.out.stdout).toBe('before\n');
      expect(rec.exitsOf(a.dyno.id)).toHaveLength(1);
    });

    itRuns('startAttached with a TTY shows an interactive prompt, follows resizes and delivers Ctrl-C', async () => {
      // `waiting` comes from the process that Ctrl-C must reach (bash itself ignores a SIGINT its child survived).
      const a = await startAttached('test -t 0 && read -p "name? " n && echo "hi $n" && stty size && exec sh -c "echo waiting; exec sleep 600"', true);
      expect(a.stderr).toBeNull();
      await a.waitFor(/name\? /); // bash prompts only when stdin is a terminal
      await a.resize(100, 30);
      a.stdin.write('bob\r');
      await a.waitFor(/hi bob[\s\S]*30 100[\s\S]*waiting/);
      a.stdin.write('\x03'); // Ctrl-C: the terminal turns it into SIGINT for the foreground group
      const exit = await rec.waitForExit(a.dyno.id);
      expect(exit.code === 0).toBe(false);
      expect(exit.requested).toBe(false);
      expect(rec.linesOf(a.dyno.id)).toEqual([]);
    });

    itRuns('stop() ends an attached dyno and ends its output', async () => {
      const a = await startAttached('echo started; sleep 600', false);
      await a.waitFor(/started/);
      await runtime.stop(a.dyno.id, { graceMs: 2_000, signal: 'SIGHUP' });
      await a.stdoutEnded;
      expect(await rec.waitForExit(a.dyno.id)).toMatchObject({ requested: true });
      expect((await runtime.list()).map((d) => d.id)).not.toContain(a.dyno.id);
    });

    it('refuses an invalid spec with PLT_INVALID_PARAMS before starting anything', async () => {
      const appId = randomUUID();
      const base = {
        app: 'contract-app',
        appId,
        releaseId: randomUUID(),
        releaseVersion: 1,
        type: 'worker',
        name: 'worker.1',
        command: 'node crash.js',
        env: {},
        artifact: await artifact('crash', { 'crash.js': CRASHER }),
      };
      for (const bad of [{ name: 'worker 1; rm -rf /' }, { app: '../etc' }, { command: '' }, { env: { 'BAD-KEY': 'x' } }]) {
        await expect(runtime.start({ ...base, ...bad }), JSON.stringify(bad)).rejects.toMatchObject({ code: 'PLT_INVALID_PARAMS' });
      }
      expect((await runtime.list()).filter((d) => d.appId === appId)).toEqual([]);
    });

    it('stop() of an unknown id resolves', async () => {
      await expect(runtime.stop('no-such-dyno-' + randomUUID())).resolves.toBeUndefined();
    });
  });
}
