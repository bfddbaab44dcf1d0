import fsp from 'node:fs/promises';
import path from 'node:path';
import { BUILDPACK_NAME_RE } from './runner.ts';

/**
 * The buildpacks installed in `buildpacksDir`: the directories whose name is a buildpack name (so not `_runner`)
 * with an executable `bin/detect` and `bin/compile`, in the detect order of its `order` file first, then the
 * others by name. An app may choose any of them.
 *
 *   await installedBuildpacks('/srv/platform/buildpacks')  // ['nodejs', 'python', 'procfile', 'static']
 */
export async function installedBuildpacks(buildpacksDir: string): Promise<string[]> {
  const entries = await fsp.readdir(buildpacksDir, { withFileTypes: true });
  const names: string[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory() || !BUILDPACK_NAME_RE.test(entry.name)) continue;
    const bin = path.join(buildpacksDir, entry.name, 'bin');
    const runnable = await Promise.all(
      ['detect', 'compile'].map((f) => fsp.access(path.join(bin, f), fsp.constants.X_OK).then(() => true, () => false)),
    );
    if (runnable.every(Boolean)) names.push(entry.name);
  }
  const order = (await fsp.readFile(path.join(buildpacksDir, 'order'), 'utf8').catch(() => ''))
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((n) => names.includes(n));
  return [...new Set(order), ...names.filter((n) => !order.includes(n)).sort()];
}
