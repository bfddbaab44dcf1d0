import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const ID_RE = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * This platform instance's id: the value of the `platform.managed` label on everything it creates on a Docker
 * engine, so that several platforms sharing an engine never list, adopt, collect or remove each other's
 * objects. Kept in `<dataDir>/instance-id` (0600) from the first start on. A data dir that was in use before
 * ids existed (a key, token, cluster or repository in it) keeps `1`, the label its objects already carry; a new
 * one gets 12 random hex digits. Call it before anything is written to the data dir. Throws when the file holds something that is not an id (edited by hand).
 */
export async function loadInstanceId(dataDir: string): Promise<string> {
  const file = path.join(dataDir, 'instance-id');
  const existing = await readFile(file, 'utf8').catch(() => null);
  if (existing !== null) {
    const id = existing.trim();
    if (!ID_RE.test(id)) throw new Error(`${file} must hold an instance id ([A-Za-z0-9_.-], 1–64 characters)`);
    return id;
  }
  const used = ['secret.key', 'admin-token', path.join('postgres', 'PG_VERSION')].some((f) => existsSync(path.join(dataDir, f))) ||
    (await readdir(path.join(dataDir, 'repos')).catch(() => [])).length > 0;
  await mkdir(dataDir, { recursive: true });
  const id = used ? '1' : randomBytes(6).toString('hex');
  await writeFile(file, id + '\n', { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  return (await readFile(file, 'utf8')).trim();
}
