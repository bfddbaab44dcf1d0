import type Docker from 'dockerode';
import { dockerError, isNotFound } from './docker-errors.ts';
import { demuxBuffer } from './log-frames.ts';

/**
 * Labels of a docker add-on's container and volume, shared by every docker add-on provider (PostgreSQL, Redis),
 * told apart by `service`. Deliberately not `platform.managed`/`platform.app`: the docker runtime lists every
 * container with those as a dyno of the instance (and would adopt, or retire, an add-on as one), and
 * `platform.managed` networks are the runtime's.
 */
export const ADDON_LABEL = {
  instance: 'platform.addon.instance',
  id: 'platform.addon.id',
  appId: 'platform.addon.app-id',
  service: 'platform.addon.service',
  network: 'platform.addon.network',
} as const;

/** The engine's view of an add-on's container: whether it runs and its address on the owning app's network. */
export interface AddonContainerState {
  id: string;
  running: boolean;
  /** The owning app's network (its `ADDON_LABEL.network` label). */
  network: string;
  /** Its IPv4 address there ('' when it has none, e.g. stopped). */
  ip: string;
  labels: Record<string, string>;
}

/**
 * The add-on container named `name`, or null when there is none. A restarting container counts as not running.
 *
 * @throws PLT_RUNTIME_UNAVAILABLE (`dockerError`) when the engine fails otherwise
 */
export async function inspectAddonContainer(docker: Pick<Docker, 'getContainer'>, name: string): Promise<AddonContainerState | null> {
  let info: Docker.ContainerInspectInfo;
  try {
    info = await docker.getContainer(name).inspect();
  } catch (err) {
    if (isNotFound(err)) return null;
    throw dockerError(`inspect ${name}`, err);
  }
  const labels = info.Config.Labels ?? {};
  const network = labels[ADDON_LABEL.network] ?? '';
  return {
    id: info.Id,
    running: info.State.Running && !info.State.Restarting,
    network,
    ip: info.NetworkSettings.Networks?.[network]?.IPAddress ?? '',
    labels,
  };
}

/**
 * A container's last `lines` lines of output (stdout and stderr, demultiplexed), trimmed: what a server that failed
 * to start said (initdb's, postgres's or redis-server's complaint). '' when the engine has none or fails.
 */
export async function containerLogTail(docker: Pick<Docker, 'getContainer'>, name: string, lines: number): Promise<string> {
  const raw = (await docker
    .getContainer(name)
    .logs({ stdout: true, stderr: true, tail: lines, follow: false })
    .catch(() => Buffer.alloc(0))) as unknown as Buffer;
  return Buffer.concat(demuxBuffer(raw).map((f) => f.payload)).toString('utf8').trim();
}
