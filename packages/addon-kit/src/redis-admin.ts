import { Redis } from 'ioredis';
import { ADMIN_USER } from './redis.ts';

/** How platformd reaches one Redis add-on server as its admin user (`platform`). */
export interface AdminTarget {
  host: string;
  port: number;
  password: string;
}

/**
 * Opens one short-lived connection as `platform` (no retries, no offline queue: a server that does not answer
 * fails the call at once), runs `fn`, and always disconnects.
 */
export async function withAdmin<T>(target: AdminTarget, fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    host: target.host,
    port: target.port,
    username: ADMIN_USER,
    password: target.password,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 3000,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined); // a failure surfaces through connect() or the command
  try {
    await client.connect();
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

/** The server's pid as it reports it (`INFO server`), or null when it does not answer as ours. */
export async function serverPid(target: AdminTarget): Promise<number | null> {
  try {
    const info = await withAdmin(target, (c) => c.info('server'));
    const match = /^process_id:(\d+)\r?$/m.exec(info);
    return match?.[1] ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Gives the app's users a new password on the running server (its SHA-256 only: `resetpass #<hash>`; the ACL file,
 * rewritten before, holds the same for the next start) and closes every connection of theirs, so the old password
 * stops working at once, open connections included. (`ACL LOAD` would also close platformd's own connection.)
 */
export async function setAppPassword(target: AdminTarget, appUsers: readonly string[], passwordHash: string): Promise<void> {
  await withAdmin(target, async (c) => {
    for (const user of appUsers) await c.call('ACL', 'SETUSER', user, 'resetpass', passwordHash);
    for (const user of appUsers) await c.call('CLIENT', 'KILL', 'USER', user);
  });
}
