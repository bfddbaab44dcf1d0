import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import type { AddonProvider, AppEdgeSettings, Builder, DynoExit, RouterCertificate } from '@platform/types';
import type { DynoStatus, OneOff, OneOffInput, ProcessManager, ReleaseTarget } from '@platform/process-manager';
import type { AppRecord, Store, User } from '@platform/store-postgres';
import { createDeployer } from '../../src/deploy/deployer.ts';
import { createOneOffSizes } from '../../src/services/dyno-sizes.ts';
import { createAccessEvents } from '../../src/services/access-events.ts';
import type { ServiceDeps } from '../../src/services/deps.ts';

/**
 * Service tests run against a real store (`startTestDatabase`) and the real deployer; what lies beyond Postgres —
 * the process manager's dynos, the runtime, the builder — is a recording stand-in: the services' rules are under
 * test here, dynos are the end-to-end tests' business (test/e2e).
 */
export interface Recorded {
  /** Releases the manager was asked to roll onto, by version. */
  deployed: number[];
  reconciled: string[];
  removed: string[];
  restarted: Array<{ appId: string; filter?: { type?: string; name?: string } | undefined }>;
  forgotten: string[];
  /** Apps whose name-keyed things moved, `old -> new`. */
  moved: string[];
  events: string[];
  oneOffs: OneOffInput[];
  /** What the edge (router) was last told, per app. */
  edge: { domains: Map<string, readonly string[]>; settings: Map<string, AppEdgeSettings>; certificates: readonly RouterCertificate[] };
}

const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, child: () => silent };

/** A running one-off as the manager returns it; `exit()` ends it. */
function oneOffOf(input: OneOffInput, name: string): OneOff & { exit(): void } {
  let exit!: (e: DynoExit) => void;
  const exited = new Promise<DynoExit>((resolve) => (exit = resolve));
  const status: DynoStatus = {
    id: `dyno-${name}-${input.appId}`, app: input.app, appId: input.appId, name, type: 'run', command: input.command,
    releaseId: input.release.id, releaseVersion: input.release.version, state: 'up', since: new Date(), address: null,
  };
  return { status, attached: null, exited, stop: async () => exit({ id: status.id, app: input.app, name, code: null, signal: 'SIGTERM', requested: true }), exit: () => exit({ id: status.id, app: input.app, name, code: 0, signal: null, requested: false }) };
}

export interface ServiceDepsOptions {
  maxDynosPerApp?: number;
  builder?: (slugsDir: string) => Builder;
  addonProviders?: readonly AddonProvider[];
}

/** Service dependencies on `store`, with a slugs dir of its own (call `cleanup` after). */
export async function serviceDeps(store: Store, options: ServiceDepsOptions = {}) {
  const slugsDir = await mkdtemp(path.join(tmpdir(), 'platform-slugs-'));
  const recorded: Recorded = { deployed: [], reconciled: [], removed: [], restarted: [], forgotten: [], moved: [], events: [], oneOffs: [],
    edge: { domains: new Map(), settings: new Map(), certificates: [] },
  };
  const dynos = new Map<string, DynoStatus[]>(); // by app id
  const manager = {
    async deploy(_appId: string, release: ReleaseTarget, commit?: () => Promise<void>) {
      recorded.deployed.push(release.version);
      await commit?.();
    },
    reconcile: async (appId: string) => void recorded.reconciled.push(appId),
    removeApp: async (appId: string) => void recorded.removed.push(appId),
    restart: async (appId: string, filter?: { type?: string; name?: string }) => void recorded.restarted.push({ appId, filter }),
    stop: async (appId: string, filter: { type?: string; name?: string }) =>
      (dynos.get(appId) ?? []).filter((d) => d.name === filter.name || d.type === filter.type).length,
    dynos: (appId: string) => dynos.get(appId) ?? [],
    async runOneOff(input: OneOffInput) {
      recorded.oneOffs.push(input);
      const oneOff = oneOffOf(input, `run.${recorded.oneOffs.length}`);
      dynos.set(input.appId, [...(dynos.get(input.appId) ?? []), oneOff.status]);
      return oneOff;
    },
  } satisfies ServiceDeps['manager'] & Pick<ProcessManager, 'deploy'>;
  const noRuntime = () => {
    throw new Error('no dyno runs in a service test');
  };
  const deployer = createDeployer({
    store,
    builder: options.builder?.(slugsDir) ?? { build: async () => noRuntime(), forgetApp: async () => undefined },
    runtime: { start: noRuntime, stop: noRuntime, onOutput: () => () => undefined, onExit: () => () => undefined },
    manager,
    logger: silent as never,
    slugsDir,
    releaseTimeoutMs: 10_000,
    webUrl: (app) => `http://${app}.example.test/`,
    onEvent: (_appId, _source, message) => void recorded.events.push(message),
  });
  const deps: ServiceDeps = {
    store,
    manager,
    deployer,
    acm: null,
    edge: {
      setDomains: async (app, hostnames) => void recorded.edge.domains.set(app, [...hostnames]),
      setSettings: async (app, settings) => void recorded.edge.settings.set(app, { ...settings }),
      setCertificates: async (certificates) => void (recorded.edge.certificates = [...certificates]),
    },
    config: { maxDynosPerApp: options.maxDynosPerApp ?? 100, domain: 'apps.test', apiEdge: null, buildpacksDir: fileURLToPath(new URL('../../../../buildpacks', import.meta.url)) },
    logger: silent,
    oneOffSizes: createOneOffSizes(),
    accessEvents: createAccessEvents(),
    forgetApp: async (app: AppRecord) => void recorded.forgotten.push(app.name),
    moveApp: async (app: AppRecord, previous: string) => void recorded.moved.push(`${previous} -> ${app.name}`),
    addonProviders: options.addonProviders ?? [],
  };
  return {
    deps,
    /** The real deployer the services use (its onPush too). */
    deployer,
    recorded,
    slugsDir,
    /** Makes `status` one of the app's running dynos (as the manager would list it). */
    addDyno: (status: DynoStatus) => dynos.set(status.appId, [...(dynos.get(status.appId) ?? []), status]),
    cleanup: () => rm(slugsDir, { recursive: true, force: true }),
  };
}

let users = 0;

/** A fresh non-admin user. */
export async function someUser(store: Store, admin = false): Promise<User> {
  return store.accounts.ensureUser(`user${++users}-${process.pid}@example.com`, { admin });
}

/**
 * An app of `owner` deployed once: a succeeded build with `processTypes` whose slug exists in `slugsDir`, release v1
 * current, formation rows (web 1, others 0).
 */
export async function deployedApp(store: Store, slugsDir: string, owner: User, name: string, processTypes: Record<string, string> = { web: 'npm start', worker: 'node worker.js' }) {
  const app = await store.apps.create({ name, ownerId: owner.id });
  const build = await store.builds.create({ appId: app.id, userId: owner.id, sourceVersion: 'abc1234' });
  const slug = Buffer.from(`slug of ${name}`);
  const checksum = createHash('sha256').update(slug).digest('hex');
  await writeFile(path.join(slugsDir, `${checksum}.tgz`), slug);
  const succeeded = await store.builds.succeed(build.id, { buildpack: 'Node.js', processTypes, slugChecksum: checksum, slugSize: slug.length });
  const release = await store.releases.createForBuild({ appId: app.id, buildId: build.id, description: 'Deploy abc1234', userId: owner.id, status: 'succeeded' });
  await store.formations.ensureTypes(app.id, Object.keys(processTypes).filter((t) => t !== 'release'));
  return { app, build: succeeded, release };
}

export type ServiceEnv = Awaited<ReturnType<typeof serviceDeps>>;

/** What useServiceTests sets up: the database, its store, and the services' dependencies on that store. */
export interface ServiceTests {
  readonly db: TestDatabase;
  readonly store: Store;
  readonly env: ServiceEnv;
}

/**
 * The set-up every service test file shares: a real database (`startTestDatabase`) and `serviceDeps` on its store,
 * made before the tests of the file (or of the describe block it is called in) and removed after them. The fields
 * are there from the first test or hook on:
 *
 *   const t = useServiceTests({ maxDynosPerApp: 5 });
 *   it('…', async () => { const user = await someUser(t.store); await scaleFormation(t.env.deps, user, …); });
 */
export function useServiceTests(options: ServiceDepsOptions = {}): ServiceTests {
  let db: TestDatabase | undefined;
  let env: ServiceEnv | undefined;
  beforeAll(async () => {
    db = await startTestDatabase();
    env = await serviceDeps(db.store, options);
  });
  afterAll(async () => {
    await env?.cleanup();
    await db?.stop();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useServiceTests: its fields are set in beforeAll; read them inside a test or hook');
    return value;
  };
  return {
    get db() {
      return ready(db);
    },
    get store() {
      return ready(db).store;
    },
    get env() {
      return ready(env);
    },
  };
}
