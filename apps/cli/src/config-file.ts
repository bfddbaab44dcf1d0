import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** What `platform login` remembers between runs (never the token: that lives in ~/.netrc). */
export interface SavedConfig {
  server?: string;
}

/** `$XDG_CONFIG_HOME/platform/config.json`, default `~/.config/platform/config.json`. */
export function configPath(env: Record<string, string | undefined>, home: string): string {
  const base =
    env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(home, '.config');
  return join(base, 'platform', 'config.json');
}

export async function readSavedConfig(path: string): Promise<SavedConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  try {
    const data = JSON.parse(text) as unknown;
    if (typeof data !== 'object' || data === null) return {};
    const server = (data as { server?: unknown }).server;
    return typeof server === 'string' ? { server } : {};
  } catch {
    // A corrupt file is treated as empty; the next login rewrites it.
    return {};
  }
}

export async function writeSavedConfig(path: string, config: SavedConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  await rename(tmp, path);
}
