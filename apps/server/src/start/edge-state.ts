import type { Router } from '@platform/types';
import type { Store } from '@platform/store-postgres';

/**
 * Tells the edge (the router driver) what the store holds, before it accepts a connection: every known app is
 * routable (503 until a web dyno is up, rather than 404) with its maintenance switch. Called once at start, so
 * state changed through the API survives a platformd restart.
 */
export async function applyEdgeState(store: Pick<Store, 'apps'>, edge: Pick<Router, 'setSettings'> & { setRoutes(app: string, targets: []): unknown }): Promise<void> {
  for (const app of await store.apps.list()) {
    await edge.setRoutes(app.name, []);
    await edge.setSettings(app.name, { maintenance: app.maintenance, redirectHttps: false });
  }
}
