import type { Store, User, AppRecord } from '@platform/store-postgres';
import type { ProcessManager } from '@platform/process-manager';
import type { Logger } from 'pino';
import type { ServerConfig } from '../config.ts';
import type { Deployer } from '../deploy/deployer.ts';
import type { LogHub } from '@platform/log-hub';

/** What route handlers are given. Built once at start-up by the app's wiring. */
export interface ApiContext {
  config: Readonly<ServerConfig>;
  store: Store;
  manager: ProcessManager;
  deployer: Deployer;
  /** The apps' log streams (not the platform's own pino log). */
  logs: LogHub;
  logger: Logger;
  urls: {
    api: () => string;
    git: (app: string) => string;
    web: (app: string) => string;
  };
  /**
   * Stops routing and forgets an app's repo, caches, images, and `slugs` (the checksums its builds had, read
   * before it was deleted from the store; a slug another app's build shares is kept).
   */
  forgetApp(app: AppRecord, slugs: readonly string[]): Promise<void>;
  /** Resolves true when the database answers a trivial query within a short time (for /healthz). */
  databaseReachable(): Promise<boolean>;
}

declare module 'fastify' {
  interface FastifyRequest {
    user: User;
  }
}
