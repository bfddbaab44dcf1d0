import type Docker from 'dockerode';
import pg from 'pg';
import tar from 'tar-stream';
import { containerLogTail, dockerError, dockerStatus, inspectAddonContainer as inspectContainer, type AddonContainerState as ContainerState } from '@platform/docker-kit';
import { ErrorCodes, PlatformError } from '@platform/types';
import { PASSWORD_FILE, POSTGRES_PORT, SUPERUSER, containerOptions, volumeLabels, type ContainerSpec } from './container.ts';

/** docker-kit's view of an add-on container, shared with the Redis provider. */
export { inspectContainer, type ContainerState };

/** A one-file tar archive (for `putArchive`). */
function singleFileTar(name: string, content: string, mode: number): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<Buffer>((resolve, reject) => {
    pack.on('end', () => resolve(Buffer.concat(chunks)));
    pack.on('error', reject);
  });
  pack.entry({ name, mode, uid: 0, gid: 0 }, content);
  pack.finalize();
  return done;
}

/**
 * Creates and starts the add-on's container on `spec.network` with its volume: the superuser's password goes in
 * as a file before the start (`putArchive`), so it is in no env var, argument or label. A container of the same
 * name created meanwhile (409) is taken as is.
 */
export async function createContainer(docker: Docker, spec: ContainerSpec, names: { container: string; volume: string }, superuserPassword: string): Promise<void> {
  // A volume that exists already holds a cluster (its container was removed by hand): it is kept, and reused.
  const fresh = !(await docker
    .getVolume(names.volume)
    .inspect()
    .then(() => true)
    .catch(() => false));
  try {
    await docker.createVolume({ Name: names.volume, Labels: volumeLabels(spec) });
  } catch (err) {
    if (dockerStatus(err) !== 409) throw dockerError(`create volume ${names.volume}`, err);
  }
  let container: Docker.Container;
  try {
    container = await docker.createContainer(containerOptions(spec));
  } catch (err) {
    if (dockerStatus(err) === 409) return; // created meanwhile
    if (fresh) await docker.getVolume(names.volume).remove().catch(() => undefined);
    if (dockerStatus(err) === 404 && /image/i.test(String((err as Error).message))) {
      throw new PlatformError(ErrorCodes.addonProvisionFailed, `The PostgreSQL image ${spec.image} is missing on the Docker host: build it with \`bash scripts/build-postgres-image.sh\`.`, { cause: err });
    }
    throw dockerError(`create container ${names.container}`, err);
  }
  try {
    const dir = PASSWORD_FILE.slice(0, PASSWORD_FILE.lastIndexOf('/'));
    const archive = await singleFileTar(PASSWORD_FILE.slice(dir.length + 1), `${superuserPassword}\n`, 0o444);
    await container.putArchive(archive, { path: dir });
    await container.start();
  } catch (err) {
    await container.remove({ force: true }).catch(() => undefined);
    throw dockerError(`start container ${names.container}`, err);
  }
}

/** Starts a stopped container (a 304, already running, is fine). */
export async function startContainer(docker: Docker, name: string): Promise<void> {
  await docker
    .getContainer(name)
    .start()
    .catch((err: unknown) => {
      if (dockerStatus(err) !== 304) throw dockerError(`start container ${name}`, err);
    });
}

/** Runs `argv` in the container as root and resolves its exit code. */
export async function execInContainer(docker: Docker, name: string, argv: string[]): Promise<number> {
  try {
    const exec = await docker.getContainer(name).exec({ Cmd: argv, User: 'root', AttachStdout: true, AttachStderr: true });
    const stream = await exec.start({ hijack: true, stdin: false });
    await new Promise<void>((resolve) => {
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', () => resolve());
      stream.resume();
    });
    return (await exec.inspect()).ExitCode ?? -1;
  } catch (err) {
    throw dockerError(`exec in ${name}`, err);
  }
}

/** A superuser connection to the add-on's server at `ip` (its own database `platform`). */
export function superuserClient(ip: string, password: string, timeoutMs = 5_000): pg.Client {
  const client = new pg.Client({ host: ip, port: POSTGRES_PORT, user: SUPERUSER, password, database: SUPERUSER, connectionTimeoutMillis: timeoutMs });
  client.on('error', () => undefined); // a server going away mid-session fails the query in hand
  return client;
}

/**
 * Waits until the add-on's server accepts the superuser's connections (initdb on a first start takes a few
 * seconds) and resolves its address. Fails with PLT_ADDON_PROVISION_FAILED, with the container's last output,
 * when it stops or restarts, or when `timeoutMs` passes.
 */
export async function waitUntilReady(docker: Docker, name: string, password: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    const state = await inspectContainer(docker, name);
    if (!state) throw new PlatformError(ErrorCodes.addonProvisionFailed, `The container ${name} is gone.`);
    if (state.running && state.ip) {
      const client = superuserClient(state.ip, password, 2_000);
      try {
        await client.connect();
        await client.query('SELECT 1');
        return state.ip;
      } catch (err) {
        last = err;
      } finally {
        await client.end().catch(() => undefined);
      }
    } else if (!state.running) {
      const tail = await containerLogTail(docker, name, 15);
      throw new PlatformError(ErrorCodes.addonProvisionFailed, `The PostgreSQL container ${name} stopped while starting${tail ? `: ${tail}` : ''}.`);
    }
    if (Date.now() > deadline) {
      const tail = await containerLogTail(docker, name, 15);
      throw new PlatformError(
        ErrorCodes.addonProvisionFailed,
        `The PostgreSQL container ${name} did not accept connections within ${Math.round(timeoutMs / 1000)} s (${(last as Error | null)?.message ?? 'no address'})${tail ? `: ${tail}` : ''}.`,
        { cause: last },
      );
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
