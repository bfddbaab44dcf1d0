import { wildcardSuffix } from '@platform/router-kit';
import type { AppEdgeSettings, RouteTarget } from '@platform/types';
import type { ControlSocket } from './control-socket.ts';
import { hostPort, type proxyFiles } from './haproxy-config.ts';
import type { LeftoverServer } from './live-state.ts';
import { backendOf, emptyApp, serversOf, type ProxyApp, type ProxyState } from './proxy-state.ts';
import type { SparePool } from './spare-pool.ts';
import { retireServer, setMapEntry } from './runtime-ops.ts';

/** What the changes work on: the router's state and its means (router.ts owns them). */
export interface ChangeContext {
  control: ControlSocket;
  files: ReturnType<typeof proxyFiles>;
  domain: string;
  state: ProxyState;
  leftovers: Map<string, LeftoverServer>;
  /** Apps whose backend exists in the files but not yet in the live proxy (a reload is queued). */
  pendingBackends: Set<string>;
  /** The spare backends a new app takes over at run time. */
  spares: SparePool;
  /** Called when a new app took a spare (router.ts refills the pool in the background when it runs low). */
  onSpareTaken(): void;
  /** What `add server` appends for a dyno (haproxy-config.ts `serverLimits`): the config's server options. */
  serverOptions: string;
  /** Writes the config and maps for the current state. */
  writeFiles(): Promise<void>;
}

/**
 * The router's changes, each applied to the live proxy over the control socket (unless the app's backend is
 * still pending a reload) and then to the files. Each resolves to whether a reload must follow (a new app that
 * found no spare backend free).
 */
export function createChanges(ctx: ChangeContext) {
  const { control, files, domain, state, leftovers, pendingBackends, spares, writeFiles, serverOptions } = ctx;
  const retire = (backend: string, name: string) => retireServer(control, leftovers, backend, name);
  /** A custom hostname's map entry: exact names in hosts.map, `*.suffix` as `suffix` in wildcards.map. */
  const setDomain = (name: string, app: string | null) =>
    setMapEntry(control, wildcardSuffix(name) === null ? files.hostsMap : files.wildcardsMap, wildcardSuffix(name) ?? name, app);

  /**
   * The app's entry. A new app takes a live spare backend (backends.map, then its default hostname: live at once),
   * or, with none free, gets `app-<name>` in the files and `isNew` (only the files change until the reload).
   */
  async function entryOf(app: string): Promise<{ entry: ProxyApp; isNew: boolean }> {
    const existing = state.get(app);
    if (existing) return { entry: existing, isNew: pendingBackends.has(app) };
    const spare = spares.take();
    if (spare === null) {
      const entry = emptyApp(backendOf(app));
      state.set(app, entry);
      pendingBackends.add(app);
      return { entry, isNew: true };
    }
    // The backend first: a request for the hostname then finds it (503 H14 until the servers come, never a 404).
    await setMapEntry(control, files.backendsMap, app, spare);
    await setMapEntry(control, files.hostsMap, `${app}.${domain}`, app);
    const entry = emptyApp(spare);
    state.set(app, entry);
    ctx.onSpareTaken();
    return { entry, isNew: false };
  }

  // An explicit id for each server added at run time. HAProxy 2.6, with `balance random`, dropped the second of
  // three servers added without one to an empty backend (an app on a spare) from its balancing (haproxy/haproxy
  // #3413, fixed in 3.0): that dyno never got a request. Ids are per backend; a config's own servers are numbered
  // from 1 at each reload, and those a previous platformd added keep theirs: a random start far above both.
  let serverId = 100_000 + Math.floor(Math.random() * 1_000_000_000);
  const nextServerId = () => serverId++;

  return {
    async routes(app: string, targets: readonly RouteTarget[], crashed: boolean): Promise<boolean> {
      const { entry, isNew } = await entryOf(app);
      const next = serversOf(targets);
      const backend = entry.backend;
      if (!isNew) {
        for (const [name, server] of next) {
          if (entry.servers.has(name)) continue;
          const added = await control.send(`add server ${backend}/${name} ${hostPort(server.address)} ${serverOptions} id ${nextServerId()}`);
          // A dyno that left and came back at the same address is still there, in maintenance.
          if (!/New server registered|Already exists/i.test(added)) throw new Error(`HAProxy refused a server for ${app}: ${added.trim()}`);
          await control.send(`enable server ${backend}/${name}`);
          leftovers.delete(`${backend}/${name}`);
        }
        for (const name of entry.servers.keys()) if (!next.has(name)) await retire(backend, name);
        if (entry.crashed !== crashed) await setMapEntry(control, files.crashedMap, app, crashed ? '1' : null);
      }
      entry.servers = next;
      entry.crashed = crashed;
      await writeFiles();
      return isNew;
    },

    async domains(app: string, hostnames: readonly string[]): Promise<boolean> {
      const { entry, isNew } = await entryOf(app);
      const next = [...new Set(hostnames.map((h) => h.toLowerCase()))];
      if (!isNew) {
        for (const name of entry.domains) if (!next.includes(name)) await setDomain(name, null);
        for (const name of next) await setDomain(name, app);
      }
      entry.domains = next;
      await writeFiles();
      return isNew;
    },

    async settings(app: string, settings: AppEdgeSettings): Promise<boolean> {
      const { entry, isNew } = await entryOf(app);
      if (!isNew && entry.maintenance !== settings.maintenance) await setMapEntry(control, files.maintenanceMap, app, settings.maintenance ? '1' : null);
      if (!isNew && entry.redirectHttps !== settings.redirectHttps) await setMapEntry(control, files.redirectMap, app, settings.redirectHttps ? '1' : null);
      entry.maintenance = settings.maintenance;
      entry.redirectHttps = settings.redirectHttps;
      await writeFiles();
      return isNew;
    },

    async remove(app: string): Promise<void> {
      const entry = state.get(app);
      if (!entry) return;
      state.delete(app);
      if (!pendingBackends.delete(app)) {
        await setMapEntry(control, files.hostsMap, `${app}.${domain}`, null);
        for (const name of entry.domains) await setDomain(name, null);
        await setMapEntry(control, files.backendsMap, app, null);
        for (const map of [files.maintenanceMap, files.redirectMap, files.crashedMap]) await setMapEntry(control, map, app, null);
        // Its backend stays in the live proxy (never reused) until the next reload drops it.
        for (const name of entry.servers.keys()) await retire(entry.backend, name);
      }
      await writeFiles();
    },
  };
}
