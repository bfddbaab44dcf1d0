import { existsSync } from 'node:fs';
import { chown, readFile, rename, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { generatePassword } from '@platform/addon-kit';
import type { RunAs } from './server.ts';

/** Writes `file` whole or not at all (a temp file renamed over it), mode 0600, owned by `owner` when given. */
export async function writeFileAtomic(file: string, text: string, owner: RunAs | null): Promise<void> {
  const temp = `${file}.tmp`;
  await writeFile(temp, text, { mode: 0o600 });
  if (owner) await chown(temp, owner.uid, owner.gid);
  await rename(temp, file);
}

/** A secret kept in `file` (0600, platformd's own): read it, or make one and keep it. */
export async function keptSecret(file: string): Promise<string> {
  if (existsSync(file)) {
    const kept = (await readFile(file, 'utf8')).trim();
    if (kept) return kept;
  }
  const secret = generatePassword();
  await writeFileAtomic(file, `${secret}\n`, null);
  return secret;
}

/**
 * The port an add-on's server listens on, chosen once and kept in `file`: the app's REDIS_URL names it, so it
 * must not change across restarts.
 */
export async function keptPort(file: string): Promise<number> {
  if (existsSync(file)) {
    const port = Number((await readFile(file, 'utf8')).trim());
    if (Number.isInteger(port) && port > 0 && port < 65536) return port;
  }
  const port = await freePort();
  await writeFileAtomic(file, `${port}\n`, null);
  return port;
}

/** The port in `file`, or null when there is none. */
export async function readPort(file: string): Promise<number | null> {
  const port = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A system account's uid and gid from /etc/passwd, or null. */
export async function systemAccount(name: string, passwdFile = '/etc/passwd'): Promise<RunAs | null> {
  const passwd = await readFile(passwdFile, 'utf8').catch(() => '');
  for (const line of passwd.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid && gid && /^\d+$/.test(uid) && /^\d+$/.test(gid)) return { uid: Number(uid), gid: Number(gid) };
  }
  return null;
}
