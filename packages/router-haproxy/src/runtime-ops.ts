import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { FIRST_BYTE_LUA_SOURCE } from './first-byte.ts';
import { pageFiles, proxyFiles } from './haproxy-config.ts';
import type { ControlSocket } from './control-socket.ts';
import type { LeftoverServer } from './live-state.ts';

/** Writes a file whole or not at all (a reload never reads half a config), private to the router (0600). */
export async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await rename(tmp, path);
}

/** Sets (or, with `value` null, deletes) one key of a map in the live proxy. */
export async function setMapEntry(control: ControlSocket, file: string, key: string, value: string | null): Promise<void> {
  await control.send(`del map ${file} ${key}`);
  if (value !== null) await control.expect(`add map ${file} ${key} ${value}`);
}

/**
 * Takes a server out of rotation at once (`state maint`: no new request, in-flight ones finish) and remembers
 * it: HAProxy deletes a server only once it has no connection left (`del server`), which `sweepLeftovers` retries.
 */
export async function retireServer(control: ControlSocket, leftovers: Map<string, LeftoverServer>, backend: string, name: string): Promise<void> {
  await control.send(`set server ${backend}/${name} state maint`);
  leftovers.set(`${backend}/${name}`, { backend, name });
}

/** Deletes the retired servers HAProxy now lets go; ones already gone (after a reload) are forgotten. */
export async function sweepLeftovers(control: ControlSocket, leftovers: Map<string, LeftoverServer>): Promise<void> {
  for (const [key, { backend, name }] of leftovers) {
    const out = await control.send(`del server ${backend}/${name}`).catch(() => 'error');
    if (/Server deleted|No such (server|backend)/i.test(out)) leftovers.delete(key);
  }
}

/** Runs async operations one at a time, in call order; a failed one does not stop the next. */
export function createSerialQueue() {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    exclusive<T>(fn: () => Promise<T>): Promise<T> {
      const run = tail.then(fn);
      tail = run.catch(() => undefined);
      return run;
    },
    /** Resolves once everything queued so far has run. */
    idle: () => tail.then(() => undefined),
  };
}

/** How long a change already live in the proxy may wait before the files get it (many changes, one write). */
export const FLUSH_DELAY_MS = 200;

/**
 * The proxy's files, written in batches: every file holds every app, so a write per change made n changes cost
 * O(n²). `mark()` after a change already live asks for one write within `delayMs` (later marks join it), run
 * through `exclusive` (never beside another write); `writeNow()` writes at once (before a reload or a restart,
 * which read the files; the caller holds `exclusive`); `flushPending()` writes only if a change waits.
 */
export function createBatchedWriter(write: () => Promise<void>, exclusive: <T>(fn: () => Promise<T>) => Promise<T>, onError: (err: unknown) => void, delayMs = FLUSH_DELAY_MS) {
  let timer: NodeJS.Timeout | null = null;
  let dirty = false;
  const cancel = () => {
    dirty = false;
    if (timer) clearTimeout(timer);
    timer = null;
  };
  const writeNow = () => (cancel(), write());
  return {
    writeNow,
    flushPending: () => (dirty ? writeNow() : Promise.resolve()),
    cancel,
    mark(): void {
      dirty = true;
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        exclusive(async () => (dirty ? writeNow() : undefined)).catch(onError);
      }, delayMs);
      timer.unref();
    },
  };
}

/** What router.json remembers between platformd runs: the ports the running proxy uses. */
export interface RouterMeta {
  version?: number;
  /** TCP port it serves plain HTTP on. */
  port?: number;
  /** TCP port it serves TLS on (null: none). */
  tlsPort?: number | null;
}

/** Creates the router's directory (0700), writes the static pages and the Lua action, and reads router.json. */
export async function prepareDir(dir: string): Promise<RouterMeta> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // A directory made by someone else (a compose volume's mount point) gets the same mode: it holds the sockets.
  await chmod(dir, 0o700);
  for (const [path, text] of Object.entries(pageFiles(dir))) await writeAtomic(path, text);
  await writeAtomic(proxyFiles(dir).firstByteLua, await readFile(FIRST_BYTE_LUA_SOURCE, 'utf8'));
  return JSON.parse(await readFile(proxyFiles(dir).meta, 'utf8').catch(() => '{}')) as RouterMeta;
}
