import { rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import { safeJoin } from '@platform/archive';
import type { Router } from '@platform/types';
import type { AppRecord, Store } from '@platform/store-postgres';
import type { AppLogs } from './app-logs.ts';
import type { Drivers } from './drivers.ts';
import { collectSlugs } from '../slug-gc.ts';

/**
 * ServiceDeps' `forgetApp` for a destroyed app (its rows are gone): the router forgets its hosts, the log hub its
 * history and drains, and its repository, build cache, Docker network, images and the slugs only it used
 * (`slugs`, sha256 names) are removed.
 */
export function createForgetApp(deps: {
  router: Pick<Router, 'removeApp'>;
  logs: AppLogs;
  dirs: { repos: string; slugs: string };
  drivers: Pick<Drivers, 'builder' | 'runtime' | 'gc'>;
  store: Store;
  logger: Logger;
}) {
  const { router, logs, dirs, drivers, store, logger } = deps;
  return async (app: AppRecord, slugs: readonly string[]): Promise<void> => {
    await router.removeApp(app.name);
    logs.hub.forgetApp(app.name);
    logs.forgetId(app.id);
    await rm(safeJoin(dirs.repos, `${app.name}.git`), { recursive: true, force: true });
    await drivers.builder.forgetApp(app.id);
    await drivers.runtime.forgetApp?.(app.id);
    await drivers.gc?.forgetApp(app);
    await collectSlugs(store, dirs.slugs, logger, { minAgeMs: 0, only: new Set(slugs) });
  };
}
