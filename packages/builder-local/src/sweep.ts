import fsp from 'node:fs/promises';
import path from 'node:path';

/**
 * For start-up, before any build runs: ends what builds of a previous server left behind when it died
 * mid-build (kill -9, a crash). Every process working inside `workDir` is killed (SIGKILL; in a PID namespace
 * that is the sandbox's `unshare`, whose death ends the whole namespace), then every build directory is
 * removed, config-var files included. Resolves `{ processes, workspaces }` counts. Never follows a symlink.
 */
export async function sweepBuildWorkspaces(workDir: string): Promise<{ processes: number; workspaces: number }> {
  const root = path.resolve(workDir) + path.sep;
  let processes = 0;
  for (const entry of await fsp.readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cwd = await fsp.readlink(`/proc/${entry}/cwd`).catch(() => '');
    if (!cwd.startsWith(root)) continue;
    try {
      process.kill(Number(entry), 'SIGKILL');
      processes++;
    } catch {
      // gone already
    }
  }
  let workspaces = 0;
  for (const name of await fsp.readdir(workDir).catch(() => [] as string[])) {
    await fsp.rm(path.join(workDir, name), { recursive: true, force: true });
    workspaces++;
  }
  return { processes, workspaces };
}
