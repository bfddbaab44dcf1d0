import type { Logger } from 'pino';
import type { AddonProvider, Router } from '@platform/types';
import type { AppRecord, Store } from '@platform/store-postgres';
import type { ProcessManager } from '@platform/process-manager';
import type { Deployer } from '../deploy/deployer.ts';
import type { ServerConfig } from '../config.ts';
import type { OneOffSizes } from './dyno-sizes.ts';
import type { AccessEventBus } from './access-events.ts';
import type { PgBackupsDeps } from './addon-backups.ts';

/**
 * What the services need, and nothing more: the store, the parts of the process manager and deployer they drive,
 * the limits they enforce. The API's context is one (it extends this); a test passes a real store and small
 * stand-ins for the effects it does not exercise.
 */
export interface ServiceDeps {
  store: Store;
  manager: Pick<ProcessManager, 'dynos' | 'reconcile' | 'removeApp' | 'restart' | 'stop' | 'runOneOff'>;
  deployer: Pick<Deployer, 'deployRelease' | 'assertRunnable' | 'releaseTarget' | 'event'>;
  config: Pick<ServerConfig, 'maxDynosPerApp' | 'domain' | 'buildpacksDir' | 'apiEdge'>;
  /**
   * The edge (the router driver), told of each change of an app's domains, switches and certificates; the
   * services call it after the store changed, and platformd replays the store into it at start.
   */
  edge: Pick<Router, 'setDomains' | 'setSettings' | 'setCertificates'>;
  /** Automatic certificates (ACME), or null when PLATFORM_ACME_DIRECTORY_URL is unset: `kick()` checks soon. */
  acm: { kick(): void } | null;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** The sizes of the one-off dynos this server started (formation dynos take theirs from the formation). */
  oneOffSizes: OneOffSizes;
  /** Where revocations (token revoked, user disabled, access removed) are announced to open sessions. */
  accessEvents: AccessEventBus;
  /**
   * Stops routing and forgets an app's repo, caches, images, and `slugs` (the checksums its builds had, read
   * before it was deleted from the store; a slug another app's build shares is kept).
   */
  forgetApp(app: AppRecord, slugs: readonly string[]): Promise<void>;
  /**
   * Moves what is keyed by an app's name to its new one (`app.name`): the git repository, the router's host, the
   * log buffer's drains. The caller has renamed the row and restarts the dynos.
   */
  moveApp(app: AppRecord, previousName: string): Promise<void>;
  /**
   * The add-on providers this platform runs (at most one per service, chosen by runtime at start-up): a new
   * add-on goes to its service's provider; an existing one stays with the provider named in its row.
   */
  addonProviders: readonly AddonProvider[];
  /** PostgreSQL backups (`pg:backups`): absent where none are kept (tests that do not exercise them). */
  pgBackups?: PgBackupsDeps | undefined;
}
