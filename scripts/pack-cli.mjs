// Makes apps/cli/dist a publishable npm package around the CLI bundle and packs it with `npm pack`
// (scripts/build.mjs calls this after each build of the bundle):
//
//   apps/cli/dist/package.json             name, version (the root package.json's), bin, engines; no dependencies
//   apps/cli/dist/README.md                apps/cli/README.md
//   apps/cli/dist/THIRD-PARTY-NOTICES.txt  the licences of the npm packages inlined into the bundle
//   apps/cli/dist/platform-cli.tgz         the package, as `npm pack apps/cli/dist` writes it (platformd serves it
//                                          at /cli/platform-cli.tgz for `npm install -g <url>`)
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

/** The file name platformd serves (apps/server/src/api/routes/cli.ts). */
export const CLI_TARBALL = 'platform-cli.tgz';

/**
 * The npm packages a bundle inlined, from its esbuild metafile: `[{ name, version, license, dir }]` sorted by name.
 * @param {string} root the repository root (metafile paths are relative to it)
 * @param {import('esbuild').Metafile} metafile
 */
async function inlinedPackages(root, metafile) {
  const dirs = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m) dirs.add(path.join(root, m[1]));
  }
  const packages = [];
  for (const dir of dirs) {
    const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8'));
    packages.push({ name: manifest.name, version: manifest.version, license: manifest.license, dir });
  }
  return packages.sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** The licence texts of the inlined packages, one section each (a package without a LICENSE file gets its SPDX id). */
async function thirdPartyNotices(packages) {
  const sections = [];
  for (const pkg of packages) {
    const file = (await readdir(pkg.dir)).find((f) => /^(licen[cs]e|copying)(\.|$)/i.test(f));
    const text = file ? (await readFile(path.join(pkg.dir, file), 'utf8')).trim() : `License: ${pkg.license}`;
    sections.push(`${pkg.name}@${pkg.version} (${pkg.license})\n\n${text}\n`);
  }
  return `The platform CLI bundle (platform.cjs) includes the following npm packages.\n\n${sections.join('\n---\n\n')}`;
}

/**
 * Writes the package files into `distDir` (beside the bundle `bin`) and packs them into `distDir/platform-cli.tgz`.
 * Returns the tarball's path, or undefined (after a warning) when npm is not installed.
 * @param {{ root: string, distDir: string, bin: string, metafile: import('esbuild').Metafile }} options
 *   `bin` is the bundle's file name inside distDir (e.g. `platform.cjs`).
 */
export async function packCli({ root, distDir, bin, metafile }) {
  const rootManifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'));
  const notices = 'THIRD-PARTY-NOTICES.txt';
  const manifest = {
    name: '@platform/cli',
    version: rootManifest.version,
    description:
      'The `platform` command: the CLI of platform, a self-hosted Heroku-like PaaS (one bundled file, no dependencies).',
    license: rootManifest.license,
    type: 'commonjs',
    bin: { platform: bin },
    files: [bin, 'README.md', notices],
    engines: rootManifest.engines,
  };
  await writeFile(path.join(distDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await copyFile(path.join(root, 'apps', 'cli', 'README.md'), path.join(distDir, 'README.md'));
  await writeFile(
    path.join(distDir, notices),
    await thirdPartyNotices(await inlinedPackages(root, metafile)),
  );

  // Packed into a directory of its own, then renamed into place: a build running at the same time (tests start one)
  // never sees half a tarball, and a server never serves one.
  const scratch = await mkdtemp(path.join(distDir, '.pack-'));
  try {
    let stdout;
    try {
      ({ stdout } = await promisify(execFile)('npm', ['pack', '--json', '--pack-destination', scratch], {
        cwd: distDir,
        env: { ...process.env, npm_config_update_notifier: 'false' },
      }));
    } catch (err) {
      if (err.code !== 'ENOENT') {
        throw new Error(`npm pack in ${distDir} failed (exit ${err.code}): ${String(err.stderr).trim()}`, {
          cause: err,
        });
      }
      process.stderr.write(`build: npm is not on PATH; the CLI package (${CLI_TARBALL}) was not packed\n`);
      return undefined;
    }
    const [{ filename }] = JSON.parse(stdout);
    const tarball = path.join(distDir, CLI_TARBALL);
    await rename(path.join(scratch, path.basename(filename)), tarball);
    return tarball;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Removes what an older build may have left in distDir that the package no longer holds. */
export async function removeStale(distDir, names) {
  await Promise.all(names.map((name) => rm(path.join(distDir, name), { force: true })));
}
