import type { ControlSocket } from './control-socket.ts';
import { appOfBackend, dynoOfServer, emptyApp, spareNumber, type ProxyState } from './proxy-state.ts';

/** A server the live proxy still has in maintenance (a dyno that left): deleted once its connections end. */
export interface LeftoverServer {
  backend: string;
  name: string;
}

/** What an adopted proxy serves: the apps, the servers left to delete, its backends and its free spares. */
export interface LiveState {
  state: ProxyState;
  leftovers: LeftoverServer[];
  /** Every backend it declares (new spare numbers stay above these). */
  backends: string[];
  /** Spare backends no app has taken (spare-pool.ts). */
  freeSpares: string[];
}

/**
 * Reads what an adopted proxy serves, from the proxy itself (not from files that may be behind it): its backends
 * (`show backend`), which app each serves (`show map backends.map`; a proxy written before that map had one
 * `app-<name>` backend per app), their servers (`show servers state`: ready ones are routes, ones in maintenance
 * are leftovers to delete), the host maps and the per-app switches (`show map`: maintenance, the HTTPS redirect,
 * crashed), and the spares still free. This is the state platformd reconciles against.
 */
export async function readLiveState(
  control: ControlSocket,
  files: { hostsMap: string; wildcardsMap: string; backendsMap: string; maintenanceMap: string; redirectMap: string; crashedMap: string },
  domain: string,
): Promise<LiveState> {
  const state: ProxyState = new Map();
  const leftovers: LeftoverServer[] = [];
  const backends = (await control.send('show backend')).split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  const appOf = new Map<string, string>(); // backend → app
  const mapped = await mapEntries(control, files.backendsMap);
  const owners: Array<[string, string]> = /Unknown map/i.test(mapped.raw) ? backends.flatMap((b) => (appOfBackend(b) ? [[appOfBackend(b)!, b] as [string, string]] : [])) : mapped.entries;
  for (const [app, backend] of owners) {
    if (!backends.includes(backend)) continue;
    state.set(app, emptyApp(backend));
    appOf.set(backend, app);
  }
  const freeSpares = backends.filter((b) => spareNumber(b) !== null && !appOf.has(b));
  const entry = (app: string) => state.get(app)!;
  // Columns (management guide, "show servers state"): be_id be_name srv_id srv_name srv_addr srv_op_state
  // srv_admin_state … srv_port at index 18.
  for (const line of (await control.send('show servers state')).split('\n')) {
    if (!line || line.startsWith('#') || /^\d+$/.test(line.trim())) continue;
    const cols = line.trim().split(/\s+/);
    const [backend, name, host, adminState, port] = [cols[1]!, cols[3]!, cols[4]!, Number(cols[6]), Number(cols[18])];
    const app = appOf.get(backend ?? '');
    const dyno = dynoOfServer(name ?? '');
    if (!app || !dyno) continue;
    if (adminState !== 0) leftovers.push({ backend, name });
    else entry(app).servers.set(name, { name, dyno, address: { host, port } });
  }
  for (const [key, app] of (await mapEntries(control, files.hostsMap)).entries) {
    if (state.has(app) && key !== `${app}.${domain}`) entry(app).domains.push(key);
  }
  for (const [key, app] of (await mapEntries(control, files.wildcardsMap)).entries) if (state.has(app)) entry(app).domains.push(`*.${key}`);
  // Every switch is read: one the state missed would never be turned off (a change is sent only when it differs).
  for (const [app] of (await mapEntries(control, files.maintenanceMap)).entries) if (state.has(app)) entry(app).maintenance = true;
  for (const [app] of (await mapEntries(control, files.redirectMap)).entries) if (state.has(app)) entry(app).redirectHttps = true;
  for (const [app] of (await mapEntries(control, files.crashedMap)).entries) if (state.has(app)) entry(app).crashed = true;
  return { state, leftovers, backends, freeSpares };
}

/** A map's entries as [key, value] (`show map <file>` lines are `<id> <key> <value>`), and the raw answer. */
async function mapEntries(control: ControlSocket, file: string): Promise<{ entries: Array<[string, string]>; raw: string }> {
  const entries: Array<[string, string]> = [];
  const raw = await control.send(`show map ${file}`);
  for (const line of raw.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length === 3 && cols[0]!.startsWith('0x')) entries.push([cols[1]!, cols[2]!]);
  }
  return { entries, raw };
}

