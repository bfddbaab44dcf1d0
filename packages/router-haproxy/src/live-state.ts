import type { ControlSocket } from './control-socket.ts';
import { appOfBackend, dynoOfServer, emptyApp, type ProxyState } from './proxy-state.ts';

/** A server the live proxy still has in maintenance (a dyno that left): deleted once its connections end. */
export interface LeftoverServer {
  backend: string;
  name: string;
}

/**
 * Reads what an adopted proxy serves, from the proxy itself (not from files that may be behind it): its app
 * backends (`show backend`), their servers (`show servers state`: ready ones are routes, ones in maintenance are
 * leftovers to delete) and the three maps (`show map`). This is the state platformd reconciles against.
 */
export async function readLiveState(
  control: ControlSocket,
  files: { hostsMap: string; wildcardsMap: string; maintenanceMap: string },
  domain: string,
): Promise<{ state: ProxyState; leftovers: LeftoverServer[] }> {
  const state: ProxyState = new Map();
  const leftovers: LeftoverServer[] = [];
  const entry = (app: string) => {
    let e = state.get(app);
    if (!e) state.set(app, (e = emptyApp()));
    return e;
  };
  for (const line of (await control.send('show backend')).split('\n')) {
    const app = appOfBackend(line.trim());
    if (app) entry(app);
  }
  // Columns (management guide, "show servers state"): be_id be_name srv_id srv_name srv_addr srv_op_state
  // srv_admin_state … srv_port at index 18.
  for (const line of (await control.send('show servers state')).split('\n')) {
    if (!line || line.startsWith('#') || /^\d+$/.test(line.trim())) continue;
    const cols = line.trim().split(/\s+/);
    const [backend, name, host, adminState, port] = [cols[1]!, cols[3]!, cols[4]!, Number(cols[6]), Number(cols[18])];
    const app = appOfBackend(backend ?? '');
    const dyno = dynoOfServer(name ?? '');
    if (!app || !dyno || !state.has(app)) continue;
    if (adminState !== 0) leftovers.push({ backend, name });
    else entry(app).servers.set(name, { name, dyno, address: { host, port } });
  }
  for (const [key, app] of await mapEntries(control, files.hostsMap)) {
    if (state.has(app) && key !== `${app}.${domain}`) entry(app).domains.push(key);
  }
  for (const [key, app] of await mapEntries(control, files.wildcardsMap)) if (state.has(app)) entry(app).domains.push(`*.${key}`);
  for (const [app] of await mapEntries(control, files.maintenanceMap)) if (state.has(app)) entry(app).maintenance = true;
  return { state, leftovers };
}

/** A map's entries as [key, value] (`show map <file>` lines are `<id> <key> <value>`). */
async function mapEntries(control: ControlSocket, file: string): Promise<Array<[string, string]>> {
  const out: Array<[string, string]> = [];
  for (const line of (await control.send(`show map ${file}`)).split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length === 3 && cols[0]!.startsWith('0x')) out.push([cols[1]!, cols[2]!]);
  }
  return out;
}

