// The bootstrap npm's own `semver` (the build host's npm: /usr/lib/node_modules/npm on a nodesource install, or
// Debian's /usr/share/nodejs/semver in the stack image). BOOTSTRAP_NPM_ROOT names the npm package directory.
'use strict';
const path = require('path');
const candidates = ['semver'];
if (process.env.BOOTSTRAP_NPM_ROOT) candidates.push(path.join(process.env.BOOTSTRAP_NPM_ROOT, 'node_modules/semver'));
candidates.push('/usr/share/nodejs/semver', '/usr/lib/node_modules/npm/node_modules/semver');
let found = null;
for (const c of candidates) {
  try {
    found = require(c);
    break;
  } catch {
    // next candidate
  }
}
if (!found) {
  process.stdout.write('The build host has no semver module next to its npm (looked in: ' + candidates.join(', ') + ').\n');
  process.exit(3);
}
module.exports = found;
