import { pack } from 'tar-stream';
import type { RedisPlanSettings } from '@platform/addon-kit';

/** Where the image (scripts/redis/Dockerfile) reads an add-on's files, and who it runs as. */
export const CONFIG_DIR = '/etc/redis/addon';
/** The image's `redis` user (a fixed uid, so the files can be handed to it). */
export const REDIS_UID = 999;
/** The port the server listens on inside its container (never published on the host). */
export const REDIS_PORT = 6379;

/**
 * redis-server's configuration inside an add-on's container: every interface of the container (it sits only on
 * its app's dyno network, with no port published on the host), protected mode, AOF persistence in the `/data`
 * volume, users from the ACL file, the plan's memory and timeout, DEBUG, MODULE and protected configs off.
 */
export function renderContainerConfig(settings: RedisPlanSettings): string {
  return [
    '# Written by platformd (addon-redis-docker); edits are lost.',
    'bind 0.0.0.0',
    `port ${REDIS_PORT}`,
    'protected-mode yes',
    'daemonize no',
    'logfile ""',
    'loglevel notice',
    'dir /data',
    'appendonly yes',
    'appendfsync everysec',
    'appenddirname appendonlydir',
    'save ""',
    `aclfile ${CONFIG_DIR}/users.acl`,
    'enable-debug-command no',
    'enable-module-command no',
    'enable-protected-configs no',
    `maxmemory ${settings.maxmemory}`,
    `maxmemory-policy ${settings.maxmemoryPolicy}`,
    `timeout ${settings.timeout}`,
    'databases 16',
    '',
  ].join('\n');
}

/** A tar of `files` (name → text), each 0600 and owned by the image's `redis` user, for `putArchive` at CONFIG_DIR. */
export async function filesArchive(files: Record<string, string>): Promise<Buffer> {
  const tar = pack();
  for (const [name, text] of Object.entries(files)) {
    tar.entry({ name, mode: 0o600, uid: REDIS_UID, gid: REDIS_UID }, text);
  }
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
