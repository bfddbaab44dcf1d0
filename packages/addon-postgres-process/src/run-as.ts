import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

/** The uid and gid PostgreSQL's programs run as: the `postgres` user's when platformd is root, else none (its own). */
export interface RunAs {
  uid?: number;
  gid?: number;
}

let cached: Promise<RunAs> | null = null;

/**
 * The `postgres` user's uid and gid when platformd is root (PostgreSQL refuses to run as root), else nothing. As
 * root, a missing `postgres` user is created (a system user, no login), as store-postgres's embedded server does.
 */
export function postgresRunAs(): Promise<RunAs> {
  if (process.getuid?.() !== 0) return Promise.resolve({});
  cached ??= (async () => {
    const run = promisify(execFile);
    const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
    await id('-u').catch(() => run('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', 'postgres']));
    return { uid: await id('-u'), gid: await id('-g') };
  })().catch((err: unknown) => {
    cached = null;
    throw err;
  });
  return cached;
}
