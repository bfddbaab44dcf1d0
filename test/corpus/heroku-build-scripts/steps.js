// Records each build step that ran, in order, and whether the dependencies were installed by then.
const fs = require('node:fs');

let installed = false;
try {
  require.resolve('ms');
  installed = true;
} catch {}
fs.appendFileSync(`${__dirname}/build-steps.txt`, `${process.argv[2]} ${installed ? 'installed' : 'not-installed'}\n`);
