import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { Router } from '@platform/types';
import type { Store } from '@platform/store-postgres';
import type { ServerConfig } from '../config.ts';
import { createAcmeIssuer, type AcmeIssuer } from '../acme/issuer.ts';
import { createAcmManager, type AcmManager, type PlatformHostname } from '../acme/manager.ts';
import type { createCleanupStack } from './cleanup-stack.ts';

/** The ACME issuer when PLATFORM_ACME_DIRECTORY_URL is set (its http-01 challenges answered by `edge`, the router), else null. */
export async function openAcmeIssuer(config: Readonly<ServerConfig>, store: Store, edge: Pick<Router, 'setChallenge'>): Promise<AcmeIssuer | null> {
  if (!config.acmeDirectoryUrl) return null;
  const caPem = config.acmeCaFile ? await readFile(config.acmeCaFile, 'utf8') : null;
  return createAcmeIssuer({ directoryUrl: config.acmeDirectoryUrl, email: config.acmeEmail, caPem, accounts: store.acmeAccounts, edge });
}

/** Starts the periodic ACM checks (issue, retry, renew) once the router listens; stopped on the cleanup stack. */
export function startAcmManager(
  config: Readonly<ServerConfig>,
  deps: {
    issuer: AcmeIssuer;
    store: Store;
    edge: Pick<Router, 'setCertificates'>;
    logger: Logger;
    cleanups: ReturnType<typeof createCleanupStack>;
    onEvent: (appId: string, message: string) => void;
    platformHostnames?: PlatformHostname[];
  },
): AcmManager {
  const manager = createAcmManager({
    store: deps.store,
    edge: deps.edge,
    issuer: deps.issuer,
    logger: deps.logger.child({ component: 'acme' }),
    intervalMs: config.acmeCheckIntervalMs,
    onEvent: deps.onEvent,
    platformHostnames: deps.platformHostnames,
  });
  deps.cleanups.defer(() => manager.close());
  return manager;
}
