import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { createLogHub } from '@platform/log-hub';
import type { ProcessManager } from '@platform/process-manager';
import type { Store } from '@platform/store-postgres';
import type { AddonProvider } from '@platform/types';
import { createApiServer } from '../../src/api/server.ts';
import type { ApiContext } from '../../src/api/context.ts';
import { loadConfig } from '../../src/config.ts';
import { serviceDeps } from './services.ts';
import type { PgBackupsDeps } from '../../src/services/addon-backups.ts';

/**
 * The real API server (createApiServer: auth hook, error table, every route) on the service test dependencies,
 * for `app.inject()` tests of parsing, serialising and error mapping. `token(user)` gives a Bearer header.
 */
export async function testApi(store: Store, options: { maxDynosPerApp?: number; authFailureLimit?: number; apiRequestLimit?: number; addonProviders?: readonly AddonProvider[]; pgBackups?: PgBackupsDeps } = {}) {
  const env = await serviceDeps(store, options);
  const logger = pino({ level: 'silent' });
  const ctx: ApiContext = {
    ...env.deps,
    config: {
      ...loadConfig({ PLATFORM_DATA_DIR: env.slugsDir }),
      maxDynosPerApp: options.maxDynosPerApp ?? 100,
      authFailureLimit: options.authFailureLimit ?? 10_000,
      apiRequestLimit: options.apiRequestLimit ?? 1_000_000,
    },
    // The services use the manager's dyno methods only (see services/deps.ts); the rest is never called here.
    manager: env.deps.manager as ProcessManager,
    deployer: env.deps.deployer as ApiContext['deployer'],
    logs: createLogHub({ logger }),
    logger,
    urls: { api: () => 'http://api.test', git: (app) => `http://api.test/${app}.git`, web: (app) => `http://${app}.apps.test/` },
    databaseReachable: async () => true,
    ...(options.pgBackups ? { pgBackups: options.pgBackups } : {}),
  };
  const app: FastifyInstance = createApiServer(ctx, async () => undefined);
  await app.ready();
  return {
    ...env,
    app,
    async auth(userId: string) {
      return { authorization: `Bearer ${await store.accounts.createToken(userId, 'test')}` };
    },
    async close() {
      await app.close();
      await env.cleanup();
    },
  };
}
