import type { ProcessManager } from '@platform/process-manager';
import type { Logger } from 'pino';
import type { LogHub } from '@platform/log-hub';
import type { ServerConfig } from '../config.ts';
import type { Deployer } from '../deploy/deployer.ts';
import type { ServiceDeps } from '../services/deps.ts';

/** What route handlers are given: the services' dependencies and more. Built once at start-up by the app's wiring. */
export interface ApiContext extends ServiceDeps {
  config: Readonly<ServerConfig>;
  manager: ProcessManager;
  deployer: Deployer;
  /** The apps' log streams (not the platform's own pino log). */
  logs: LogHub;
  logger: Logger;
  urls: {
    api: () => string;
    git: (app: string) => string;
    web: (app: string) => string;
    /** `rendezvous://host:port` of the rendezvous listener (api/rendezvous.ts) once it listens; absent/null: off. */
    rendezvous?: () => string | null;
  };
  /** Resolves true when the database answers a trivial query within a short time (for /healthz). */
  databaseReachable(): Promise<boolean>;
}
