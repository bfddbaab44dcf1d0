// node plan.cjs BUILD_DIR — reads the app's shape (package.json, lockfiles, .nvmrc, .yarnrc.yml, node_modules) and
// prints the build plan as `key<TAB>value` lines for bin/compile. A repo shape Heroku refuses is refused here: the
// message (what is wrong, then how to fix it) goes to stdout and the exit code is 2.
// Runs on the build host's node (the bootstrap tool), never the app's; reads files only.
'use strict';
const fs = require('fs');
const path = require('path');

const dir = process.argv[2];
const exists = (name) => fs.existsSync(path.join(dir, name));
const read = (name) => fs.readFileSync(path.join(dir, name), 'utf8');
const plan = [];
const set = (key, value) => plan.push([key, String(value ?? '').replace(/[\t\r\n]+/g, ' ').trim()]);

function refuse(message) {
  process.stdout.write(message.trim() + '\n');
  process.exit(2);
}

// package.json: valid JSON holding an object.
let pkg;
try {
  pkg = JSON.parse(read('package.json'));
  if (pkg === null || typeof pkg !== 'object' || Array.isArray(pkg)) throw new Error('the top level is not an object');
} catch (err) {
  refuse(`Unable to parse package.json: ${err.message}
Fix the file so that it is valid JSON (\`node -e "JSON.parse(require('fs').readFileSync('package.json'))"\`
shows the problem), commit it and push again.`);
}
const str = (v) => (typeof v === 'string' ? v.trim() : '');
const engines = pkg.engines && typeof pkg.engines === 'object' ? pkg.engines : {};
const scripts = pkg.scripts && typeof pkg.scripts === 'object' ? pkg.scripts : {};

if (str(engines.iojs)) refuse(`io.js is not supported (package.json asks for engines.iojs ${str(engines.iojs)}).
Remove engines.iojs and request a Node.js version with engines.node, e.g. "node": "24.x".`);

// Lockfiles: exactly one package manager's.
const lockfiles = [
  ['npm', 'package-lock.json'],
  ['pnpm', 'pnpm-lock.yaml'],
  ['yarn', 'yarn.lock'],
].filter(([, file]) => exists(file));
if (lockfiles.length > 1) {
  const names = lockfiles.map(([pm]) => pm).join(', ');
  const fixes = lockfiles
    .map(([keep]) => `- If you use ${keep}: git rm ${lockfiles.filter(([o]) => o !== keep).map(([, f]) => f).join(' ')}`)
    .join('\n');
  refuse(`Multiple lockfiles found: ${lockfiles.map(([, f]) => f).join(' and ')}
Lockfiles of several package managers (${names}) are committed, but only one can install the
dependencies; installing with the wrong one can leave packages missing or at other versions.
Keep the lockfile of the package manager you use, delete the others, commit and push again:
${fixes}`);
}
if (lockfiles.length === 1 && exists('npm-shrinkwrap.json')) {
  refuse(`npm-shrinkwrap.json conflicts with ${lockfiles[0][1]}.
Only one lockfile can install the dependencies: keep one of them, git rm the other and push again.`);
}

// packageManager ("pnpm@9.1.0+sha512…") and engines.{npm,yarn,pnpm}: one package manager at most.
const declared = str(pkg.packageManager);
let pmField = null;
if (declared) {
  const m = /^(npm|yarn|pnpm)@([0-9A-Za-z.+-]+?)(\+.*)?$/.exec(declared);
  if (!m) refuse(`Invalid "packageManager" in package.json: "${declared}".
It must name npm, yarn or pnpm with an exact version, e.g. "pnpm@9.12.0" (\`corepack use pnpm@latest\` writes it).`);
  pmField = { name: m[1], version: m[2] };
}
const named = new Map();
for (const pm of ['npm', 'yarn', 'pnpm']) if (str(engines[pm])) named.set(pm, `engines.${pm} (${str(engines[pm])})`);
if (pmField && pmField.name !== 'npm') named.set(pmField.name, `packageManager (${declared})`);
if (named.size > 1) refuse(`Multiple package managers declared in package.json:
${[...named.values()].map((v) => `- ${v}`).join('\n')}
Installing with the wrong package manager can leave packages missing; keep only the field of the one you use.`);

const lock = lockfiles[0] ?? (exists('npm-shrinkwrap.json') ? ['npm', 'npm-shrinkwrap.json'] : null);
const wanted = pmField?.name ?? (str(engines.yarn) ? 'yarn' : str(engines.pnpm) ? 'pnpm' : null);
const lockOf = { npm: 'package-lock.json', yarn: 'yarn.lock', pnpm: 'pnpm-lock.yaml' };
if (wanted && wanted !== 'npm' && (!lock || lock[0] !== wanted)) {
  const source = pmField?.name === wanted ? `packageManager (${declared})` : `engines.${wanted}`;
  refuse(`${source} in package.json asks for ${wanted}, but ${lock ? `the lockfile is ${lock[1]}` : `there is no ${lockOf[wanted]}`}.
Run \`${wanted} install\` in the app, commit ${lockOf[wanted]}${lock ? ` and git rm ${lock[1]}` : ''}, and push again.`);
}
if (wanted === 'npm' && lock && lock[0] !== 'npm') {
  refuse(`package.json declares npm (${named.get('npm') ?? declared}), but the lockfile is ${lock[1]}.
Run \`npm install\`, commit package-lock.json, git rm ${lock[1]} and push again; or declare the package manager you use.`);
}
let pm = lock ? lock[0] : 'npm';
set('lockfile', lock ? lock[1] : '');

// Yarn 2+ ("berry"): a yarn.lock with __metadata, a .yarnrc.yml, or packageManager yarn@2+.
let yarnrc = {};
if (exists('.yarnrc.yml')) {
  for (const line of read('.yarnrc.yml').split('\n')) {
    const m = /^([A-Za-z]+):\s*["']?([^"'#]*?)["']?\s*(#.*)?$/.exec(line);
    if (m) yarnrc[m[1]] = m[2];
  }
}
if (pm === 'yarn') {
  const berry =
    (pmField?.name === 'yarn' && !pmField.version.startsWith('1.')) ||
    exists('.yarnrc.yml') ||
    /^__metadata:/m.test(read('yarn.lock'));
  if (berry) pm = 'yarn-berry';
}
set('pm', pm);

// The package manager's version request and where it came from.
let pmRequest = '';
let pmSource = 'default';
const enginesKey = pm === 'yarn-berry' ? 'yarn' : pm;
if (pmField && pmField.name === enginesKey) {
  pmRequest = pmField.version;
  pmSource = 'packageManager';
} else if (str(engines[enginesKey])) {
  pmRequest = str(engines[enginesKey]);
  pmSource = `engines.${enginesKey}`;
}
set('pm_request', pmRequest);
set('pm_source', pmSource);
if (pm !== 'npm') set('npm_request', '');
else set('npm_request', pmRequest);

if (pm === 'yarn-berry') {
  const yarnPath = yarnrc.yarnPath ?? '';
  const plain = /^[A-Za-z0-9._][A-Za-z0-9._/-]*$/.test(yarnPath) && !yarnPath.split('/').includes('..');
  if (yarnPath && (!plain || !exists(yarnPath))) {
    refuse(`.yarnrc.yml sets yarnPath to "${yarnPath}", which is not a file of the app.
Commit the Yarn release it names (\`yarn set version <version>\` writes both), or remove yarnPath.`);
  }
  if (!yarnPath && pmSource === 'default') {
    refuse(`This app uses Yarn 2+ (yarn.lock from Yarn berry or a .yarnrc.yml), but no Yarn version is declared.
Set "packageManager" in package.json (e.g. \`corepack use yarn@4\`), or commit the release with \`yarn set version stable\`.`);
  }
  set('yarn_path', yarnPath);
  set('yarn_pnp', (yarnrc.nodeLinker ?? 'pnp') === 'pnp' ? 'true' : 'false');
  set('yarn_zero_install', exists('.yarn/cache') ? 'true' : 'false');
}

// The Node.js version request: engines.node, else .nvmrc, else .node-version.
let nodeRequest = str(engines.node);
let nodeSource = nodeRequest ? 'engines.node' : '';
for (const file of ['.nvmrc', '.node-version']) {
  if (nodeRequest || !exists(file)) continue;
  const line = read(file).split('\n').map((l) => l.replace(/#.*/, '').trim()).find(Boolean) ?? '';
  if (line) {
    nodeRequest = line;
    nodeSource = file;
  }
}
set('node_request', nodeRequest);
set('node_source', nodeSource);

for (const name of ['heroku-prebuild', 'build', 'heroku-postbuild', 'heroku-cleanup', 'start']) {
  set(`script_${name.replace(/-/g, '_')}`, typeof scripts[name] === 'string' ? 'true' : 'false');
}
set('node_modules_checked_in', exists('node_modules') ? 'true' : 'false');

// cacheDirectories (or cache_directories): relative paths inside the app only.
const wantedDirs = pkg.cacheDirectories ?? pkg.cache_directories ?? [];
const dirs = [];
for (const d of Array.isArray(wantedDirs) ? wantedDirs : []) {
  const clean = typeof d === 'string' ? path.posix.normalize(d.trim()).replace(/\/+$/, '') : '';
  if (!clean || clean === '.' || path.posix.isAbsolute(clean) || clean.split('/').includes('..') || /\s/.test(clean)) {
    refuse(`cacheDirectories in package.json holds "${d}"; entries must be directories inside the app, e.g. ".next/cache".`);
  }
  dirs.push(clean);
}
set('cache_directories', dirs.join(' '));

for (const [key, value] of plan) process.stdout.write(`${key}\t${value}\n`);
