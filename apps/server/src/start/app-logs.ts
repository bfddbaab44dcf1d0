import type { Logger } from 'pino';
import type { Runtime } from '@platform/types';
import type { Store } from '@platform/store-postgres';
import { createLogHub, drainRefusalOf, redactDrainUrl, type LogHub, type LogInput } from '@platform/log-hub';
import type { ServerConfig } from '../config.ts';
import type { CleanupStack } from './cleanup-stack.ts';

export interface AppLogs {
  hub: LogHub;
  /** Appends to an app's stream by app id (the name is looked up once, then cached). */
  byId(appId: string, input: LogInput): void;
  /** Forgets the cached name of a destroyed app. */
  forgetId(appId: string): void;
  /** This server's own listener ports, which drains may never target on this host (pushed as they bind). */
  ownPorts: number[];
}

/**
 * The apps' log streams (dyno output, router lines, platform events, build output), separate from this process's
 * pino log: the hub, fed by the runtime's output, with the stored drains re-attached. A stored drain the drain
 * policy (PLATFORM_DRAIN_ALLOW) now refuses, or one that no longer parses, is skipped with a warning.
 */
export async function openAppLogs(
  config: Readonly<ServerConfig>,
  context: { store: Store; runtime: Runtime; logger: Logger; cleanups: CleanupStack },
): Promise<AppLogs> {
  const { store, runtime, logger, cleanups } = context;
  const ownPorts = [config.port, config.routerPort].filter((p) => p > 0);
  const hub = createLogHub({
    logger: logger.child({ component: 'logs' }),
    drainPolicy: { allow: config.drainAllow, ownPorts: () => ownPorts },
  });
  cleanups.defer(() => hub.close());
  const names = new Map((await store.apps.list()).map((a) => [a.id, a.name] as const));
  const byId = (appId: string, input: LogInput) => {
    const name = names.get(appId);
    if (name !== undefined) return hub.append(name, input);
    void store.apps.find(appId).then((a) => {
      if (!a) return;
      names.set(a.id, a.name);
      hub.append(a.name, input);
    }, () => undefined);
  };
  runtime.onOutput((o) => hub.append(o.app, { source: 'app', process: o.name, message: o.line }));
  for (const d of await store.drains.all()) {
    const name = names.get(d.appId);
    try {
      // An IP host the current drain policy refuses is skipped here; a name is checked at every connect instead
      // (DNS may change, so a drain refused now may be allowed later, and the other way round).
      if (name !== undefined) hub.addDrain(name, { id: d.id, url: d.url, token: d.token });
    } catch (err) {
      const refusal = drainRefusalOf(err);
      if (refusal) logger.warn({ drain: d.id, url: redactDrainUrl(d.url), reason: refusal.message }, 'stored log drain is refused by the drain policy (PLATFORM_DRAIN_ALLOW); skipped');
      else logger.warn({ drain: d.id, url: redactDrainUrl(d.url), err }, 'stored log drain is invalid; skipped');
    }
  }
  return { hub, byId, forgetId: (appId) => void names.delete(appId), ownPorts };
}
