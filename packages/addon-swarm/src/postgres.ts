import pg from 'pg';
import { createKeptPasswords, databaseExists, ensureDatabase, generatePassword, lockSharedDatabases, postgresUrl, rotatePassword } from '@platform/addon-kit';
import { ErrorCodes, PlatformError, type AddonCredentials, type AddonRequest, type AddonStatus } from '@platform/types';
import { createAddonServices, sharedProviderParts, type SwarmAddonOptions, type SwarmAddonProvider } from './addon-service.ts';
import type { ServerTunnel } from './tunnel.ts';

/** The superuser the image's entrypoint creates at the first start (with a database of the same name). */
const SUPERUSER = 'platform';
const POSTGRES_PORT = 5432;
/** The image's `postgres` user (scripts/postgres/Dockerfile on Debian's postgresql-15). */
const POSTGRES_UID = 101;
const POSTGRES_GID = 103;

/** The swarm PostgreSQL provider (addon-service.ts `SwarmAddonProvider`). */
export type SwarmPostgresProvider = SwarmAddonProvider;

/**
 * PostgreSQL add-ons on the swarm runtime: a Swarm service per add-on (`platform-addon-<hex>`, one replica of the
 * PostgreSQL image, restarted by Swarm), its cluster on the named volume `platform-addon-<hex>-data` of the
 * manager's node (the service is pinned there), on the owning app's overlay only: the URL's host is the service's
 * name, which that app's dynos resolve on any node. The superuser's password reaches initdb as a Swarm secret; the
 * app gets a role and database of its own (`addon_<hex>`, not a superuser). platformd reaches the server through a
 * tunnel (an exec'd relay in the task's container), also what `platformUrl` gives pg:backups.
 *
 *   const provider = createSwarmPostgresProvider({ docker, instance, image, registry, secretsDir, networkFor });
 *   const { url } = await provider.provision({ addonId, plan: 'dev', appId }); // postgres://addon_…@platform-addon-…:5432/addon_…
 */
export function createSwarmPostgresProvider(options: SwarmAddonOptions): SwarmPostgresProvider {
  const services = createAddonServices(options, {
    service: 'postgresql',
    title: 'PostgreSQL',
    port: POSTGRES_PORT,
    imageHint: 'build it with `bash scripts/build-postgres-image.sh`',
    defaultMemoryBytes: 512 * 1024 * 1024,
    defaultReadyTimeoutMs: 120_000,
  });
  const passwords = createKeptPasswords(options.secretsDir);

  const client = (t: ServerTunnel, password: string, timeoutMs = 10_000) => {
    const c = new pg.Client({ host: t.host, port: t.port, user: SUPERUSER, password, database: SUPERUSER, connectionTimeoutMillis: timeoutMs });
    c.on('error', () => undefined); // a server going away mid-session fails the query in hand
    return c;
  };
  const asSuperuser = async <T>(t: ServerTunnel, password: string, fn: (sql: pg.Client) => Promise<T>): Promise<T> => {
    const c = client(t, password);
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end().catch(() => undefined);
    }
  };
  const answers = (password: string) => (t: ServerTunnel) => asSuperuser(t, password, async (sql) => (await sql.query('SELECT 1')).rowCount === 1);

  const keptPassword = async (addonId: string) => {
    const kept = await passwords.read(services.names(addonId).resource);
    if (!kept) throw new PlatformError(ErrorCodes.addonProvisionFailed, `The superuser password of ${services.names(addonId).service} is not kept in ${options.secretsDir}.`);
    return kept;
  };

  /** The add-on's server, created when missing, once it answers: its tunnel and the superuser's password. */
  const ensureServer = async (request: AddonRequest): Promise<{ tunnel: ServerTunnel; password: string }> => {
    const names = services.names(request.addonId);
    let password: string;
    if (await services.existing(request.addonId)) {
      password = await keptPassword(request.addonId);
    } else {
      password = await passwords.ensure(names.resource);
      const secretFile = { name: names.secret, uid: POSTGRES_UID, gid: POSTGRES_GID };
      const env = [`POSTGRES_USER=${SUPERUSER}`, `POSTGRES_PASSWORD_FILE=/run/secrets/${names.secret}`];
      await services.create(request, { env, dataDir: '/var/lib/postgresql/data', secretFile }, `${password}\n`);
    }
    return { tunnel: await services.waitReady(request.addonId, answers(password)), password };
  };

  const url = (request: AddonRequest, password: string) => {
    const names = services.names(request.addonId);
    return postgresUrl({ host: names.service, port: POSTGRES_PORT, name: names.resource, password });
  };

  return {
    service: 'postgresql',
    name: 'swarm',
    provision: (request) =>
      services.serialized(request.addonId, async (): Promise<AddonCredentials> => {
        const server = await ensureServer(request);
        const name = services.names(request.addonId).resource;
        const password = generatePassword();
        await asSuperuser(server.tunnel, server.password, async (sql) => {
          await lockSharedDatabases(sql, [SUPERUSER]);
          await ensureDatabase(sql, name, password);
        });
        return { url: url(request, password) };
      }),
    rotateCredentials: (request) =>
      services.serialized(request.addonId, async () => {
        if (!(await services.existing(request.addonId))) {
          throw new PlatformError(ErrorCodes.addonNotFound, `The service of add-on ${request.addonId} does not exist.`);
        }
        const server = await ensureServer(request);
        const names = services.names(request.addonId);
        const password = generatePassword();
        await asSuperuser(server.tunnel, server.password, async (sql) => {
          if (!(await databaseExists(sql, names.resource))) throw new PlatformError(ErrorCodes.addonNotFound, `The database of add-on ${request.addonId} does not exist.`);
          await rotatePassword(sql, names.resource, password);
        });
        return { url: url(request, password) };
      }),
    async status(request): Promise<AddonStatus> {
      try {
        if (!(await services.existing(request.addonId))) return 'missing';
        const password = await passwords.read(services.names(request.addonId).resource);
        if (!password) return 'unavailable';
        const t = await services.tunnel(request.addonId);
        return (await asSuperuser(t, password, (sql) => databaseExists(sql, services.names(request.addonId).resource))) ? 'available' : 'missing';
      } catch {
        return 'unavailable';
      }
    },
    ...sharedProviderParts(services, passwords, options.logger),
  };
}
