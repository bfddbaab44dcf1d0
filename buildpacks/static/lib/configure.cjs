'use strict';
// configure.cjs BUILD_DIR — reads the app's static.json (if any), checks it, writes .heroku/static/config.json for
// the server, and writes a gzip copy (<file>.gz) beside each compressible file of the root, which the server sends
// to clients that accept gzip. Exits 1 with a ` !     ` message for a static.json it cannot honour.
// Runs on the stack's node (the build's bootstrap), never on anything from the app.
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { readSettings, StaticJsonError } = require('./settings.cjs');

const build = path.resolve(process.argv[2]);
const say = (line) => console.log(line);

let config;
try {
  config = readSettings(build);
} catch (err) {
  if (!(err instanceof StaticJsonError)) throw err;
  say(` !     ${err.message}`);
  if (err.hint) say(`       ${err.hint}`);
  process.exit(1);
}
const { realRoot, ...written } = config;
if (!fs.existsSync(path.join(realRoot, 'index.html'))) say(' !     Warning: the root has no index.html: / will answer 404.');
fs.writeFileSync(path.join(build, '.heroku', 'static', 'config.json'), `${JSON.stringify(written, null, 2)}\n`);

const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
say(`       root: ${config.root === '.' ? '. (the app)' : config.root}, clean URLs: ${config.clean_urls ? 'on' : 'off'}, 404 page: ${config.error_page ?? 'built-in'}`);
const redirectCount = Object.keys(config.redirects).length;
if (config.headers.length || redirectCount || config.https_only) {
  say(`       headers: ${plural(config.headers.length, 'pattern')}, redirects: ${redirectCount}, HTTPS only: ${config.https_only ? 'on' : 'off'}`);
}
const proxyCount = Object.keys(config.proxies).length;
if (config.routes.length || proxyCount || config.canonical_host) {
  say(`       routes: ${config.routes.length}, proxies: ${proxyCount}, canonical host: ${config.canonical_host ?? 'none'}`);
}

// gzip copies of compressible files (text formats over 1 KiB, when gzip makes them smaller). Dot-directories
// (.heroku, .git) are skipped; symlinks are never followed.
const COMPRESSIBLE = /\.(html?|css|m?js|json|map|svg|txt|xml|csv|md|wasm|ico|webmanifest)$/i;
let count = 0;
let saved = 0;
function walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full);
    else if (entry.isFile() && COMPRESSIBLE.test(entry.name) && !fs.existsSync(`${full}.gz`)) {
      const data = fs.readFileSync(full);
      if (data.length < 1024) continue;
      const gz = zlib.gzipSync(data, { level: 9 });
      if (gz.length >= data.length) continue;
      fs.writeFileSync(`${full}.gz`, gz);
      count++;
      saved += data.length - gz.length;
    }
  }
}
walk(realRoot);
say(`       gzip: ${count} file${count === 1 ? '' : 's'} precompressed (${Math.round(saved / 1024)} KiB smaller)`);
