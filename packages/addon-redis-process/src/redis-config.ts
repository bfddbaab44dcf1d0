import type { RedisPlanSettings } from '@platform/addon-kit';

/** Where one add-on server's files are. */
export interface RedisServerFiles {
  /** The add-on's directory, `<addons>/redis/<id>`. */
  dir: string;
  /** `redis.conf` (0600). */
  config: string;
  /** `users.acl`: the users and their passwords as SHA-256 hashes (0600), reloaded with `ACL LOAD`. */
  acl: string;
  /** `redis.pid`, written by redis-server. */
  pid: string;
  /** `data/`: the append-only file. */
  data: string;
}

/**
 * redis-server's configuration for one add-on: loopback only, protected mode, no unix socket, AOF persistence
 * (fsync every second, no RDB snapshots), users from the ACL file, the plan's memory and timeout, and DEBUG,
 * MODULE and protected configs off for everyone. Log lines go to stdout (the platform points it at a file).
 */
export function renderRedisConfig(files: RedisServerFiles, port: number, settings: RedisPlanSettings): string {
  if (!Number.isInteger(port) || port <= 0 || port >= 65536) throw new Error(`bad port ${port}`);
  return [
    '# Written by platformd (addon-redis-process) when the add-on is provisioned; edits are lost.',
    'bind 127.0.0.1',
    `port ${port}`,
    'protected-mode yes',
    'unixsocket ""',
    'daemonize no',
    `pidfile ${files.pid}`,
    'logfile ""',
    'loglevel notice',
    // `ps` then names the add-on's config file (redis-server replaces its argv with this title).
    'proc-title-template "{title} {listen-addr} {config-file}"',
    `dir ${files.data}`,
    'appendonly yes',
    'appendfsync everysec',
    'appenddirname appendonlydir',
    'save ""',
    `aclfile ${files.acl}`,
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

