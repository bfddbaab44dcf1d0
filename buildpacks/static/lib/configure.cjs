'use strict';
// configure.cjs BUILD_DIR — reads the app's static.json (if any), checks it, writes .heroku/static/config.json for
// the server, and writes a gzip copy (<file>.gz) beside each compressible file of the root, which the server sends
// to clients that accept gzip. Exits 1 with a ` !     ` message for a static.json it cannot honour.
// Runs on the stack's node (the build's bootstrap), never on anything from the app.
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');

const build = path.resolve(process.argv[2]);
const say = (line) => console.log(line);
function fail(message, hint) {
  say(` !     ${message}`);
  if (hint) say(`       ${hint}`);
  process.exit(1);
}

/** Read by the server; the rest of Heroku's static.json waits for a later version. */
const SUPPORTED = new Set(['root', 'clean_urls', 'error_page', 'headers', 'redirects', 'https_only']);
const LATER = new Set(['routes', 'proxies', 'canonical_host', 'encoding']);

let settings = {};
const file = path.join(build, 'static.json');
const stat = fs.lstatSync(file, { throwIfNoEntry: false });
if (stat) {
  if (!stat.isFile()) fail('static.json must be a regular file.');
  try {
    settings = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    fail(`static.json is not valid JSON: ${err.message}`);
  }
  if (settings === null || typeof settings !== 'object' || Array.isArray(settings)) fail('static.json must hold a JSON object, e.g. {"root": "public/"}.');
  for (const key of Object.keys(settings)) {
    if (LATER.has(key)) say(` !     Warning: static.json "${key}" is not supported yet and is ignored.`);
    else if (!SUPPORTED.has(key)) say(` !     Warning: static.json "${key}" is not a setting of the static buildpack and is ignored.`);
  }
}

// root: a directory inside the app (never through a symlink out of it).
const rootSetting = settings.root ?? '.';
if (typeof rootSetting !== 'string' || rootSetting.trim() === '') fail('static.json "root" must be a directory name, e.g. "public/".');
const root = path.resolve(build, rootSetting);
const realBuild = fs.realpathSync(build);
let realRoot = null;
try {
  realRoot = fs.realpathSync(root);
} catch {
  fail(`static.json "root" names ${JSON.stringify(rootSetting)}, which does not exist in the app.`);
}
if (realRoot !== realBuild && !realRoot.startsWith(realBuild + path.sep)) fail(`static.json "root" must stay inside the app; ${JSON.stringify(rootSetting)} does not.`);
if (!fs.statSync(realRoot).isDirectory()) fail(`static.json "root" names ${JSON.stringify(rootSetting)}, which is not a directory.`);

if (settings.clean_urls !== undefined && typeof settings.clean_urls !== 'boolean') fail('static.json "clean_urls" must be true or false.');
const cleanUrls = settings.clean_urls === true;

let errorPage = null;
if (settings.error_page !== undefined) {
  if (typeof settings.error_page !== 'string') fail('static.json "error_page" must be a file name, e.g. "404.html".');
  const page = path.resolve(realRoot, settings.error_page);
  if (!page.startsWith(realRoot + path.sep) || !fs.lstatSync(page, { throwIfNoEntry: false })?.isFile()) {
    fail(`static.json "error_page" names ${JSON.stringify(settings.error_page)}, which is not a file under the root.`);
  }
  errorPage = path.relative(realRoot, page);
} else if (fs.lstatSync(path.join(realRoot, '404.html'), { throwIfNoEntry: false })?.isFile()) {
  errorPage = '404.html';
}
if (!fs.existsSync(path.join(realRoot, 'index.html'))) say(' !     Warning: the root has no index.html: / will answer 404.');

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
// A header value or a redirect target: printable, no CR/LF or other control characters (tab allowed in values).
const PRINTABLE = /^[\t\x20-\x7e\x80-\xff]*$/;
// An HTTP header name (RFC 9110 token).
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Names the server must own: framing and connection headers.
const RESERVED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'trailer', 'te', 'content-encoding', 'content-range']);
const MAX_ENTRIES = 500;
const MAX_PATH = 1024;
/** A path (or path pattern) key: starts with "/", printable, no query or fragment, bounded length. */
function checkPath(key, setting) {
  if (!key.startsWith('/') || key.length > MAX_PATH || !/^[\x21-\x7e\x80-\uffff]+$/.test(key) || /[?#]/.test(key)) {
    fail(`static.json "${setting}" has the path ${JSON.stringify(key)}; a path starts with "/", has no spaces, control characters, "?" or "#", and is at most ${MAX_PATH} characters.`);
  }
}

// headers: { "<path pattern>": { "<Header-Name>": "<value>" } }. Patterns: "*" is any run of characters but "/",
// "**" any run at all, everything else literal. The server matches them without regular expressions.
const headers = [];
if (settings.headers !== undefined) {
  if (!isObject(settings.headers)) fail('static.json "headers" must be an object of path patterns, e.g. {"/assets/**": {"Cache-Control": "public, max-age=86400"}}.');
  const entries = Object.entries(settings.headers);
  if (entries.length > MAX_ENTRIES) fail(`static.json "headers" has ${entries.length} patterns; at most ${MAX_ENTRIES} are allowed.`);
  for (const [pattern, map] of entries) {
    checkPath(pattern, 'headers');
    if (!isObject(map)) fail(`static.json "headers" for ${JSON.stringify(pattern)} must be an object of header names to values.`);
    const out = {};
    for (const [name, raw] of Object.entries(map)) {
      if (!TOKEN.test(name)) fail(`static.json "headers" for ${JSON.stringify(pattern)}: ${JSON.stringify(name)} is not a valid header name.`);
      if (RESERVED.has(name.toLowerCase())) fail(`static.json "headers" for ${JSON.stringify(pattern)}: ${name} is set by the server and cannot be configured.`);
      if (typeof raw !== 'string' && typeof raw !== 'number') fail(`static.json "headers" for ${JSON.stringify(pattern)}: the value of ${name} must be a string.`);
      const value = String(raw);
      if (!PRINTABLE.test(value)) fail(`static.json "headers" for ${JSON.stringify(pattern)}: the value of ${name} has a line break or a control character.`);
      out[name] = value;
    }
    headers.push([pattern, out]);
  }
}

// redirects: { "<exact path>": { "url": "<target>", "status": 301|302|307|308 } }, status 301 by default.
const REDIRECT_STATUS = new Set([301, 302, 307, 308]);
const redirects = {};
if (settings.redirects !== undefined) {
  if (!isObject(settings.redirects)) fail('static.json "redirects" must be an object of paths, e.g. {"/old/": {"url": "/new/", "status": 301}}.');
  const entries = Object.entries(settings.redirects);
  if (entries.length > MAX_ENTRIES) fail(`static.json "redirects" has ${entries.length} paths; at most ${MAX_ENTRIES} are allowed.`);
  for (const [from, target] of entries) {
    checkPath(from, 'redirects');
    if (from.includes('*')) fail(`static.json "redirects" for ${JSON.stringify(from)}: a redirect names one exact path; "*" is not supported.`);
    if (!isObject(target)) fail(`static.json "redirects" for ${JSON.stringify(from)} must be an object, e.g. {"url": "/new/", "status": 301}.`);
    for (const key of Object.keys(target)) if (key !== 'url' && key !== 'status') fail(`static.json "redirects" for ${JSON.stringify(from)}: unknown key ${JSON.stringify(key)} (only "url" and "status").`);
    const { url, status = 301 } = target;
    if (typeof url !== 'string' || url === '' || !/^[\x21-\x7e\x80-\xff]+$/.test(url)) {
      fail(`static.json "redirects" for ${JSON.stringify(from)}: "url" must be a non-empty URL or path without spaces or control characters.`);
    }
    if (!REDIRECT_STATUS.has(status)) fail(`static.json "redirects" for ${JSON.stringify(from)}: "status" must be 301, 302, 307 or 308.`);
    redirects[from] = { url, status };
  }
}

if (settings.https_only !== undefined && typeof settings.https_only !== 'boolean') fail('static.json "https_only" must be true or false.');
const httpsOnly = settings.https_only === true;

const rel = path.relative(realBuild, realRoot) || '.';
const config = { root: rel, clean_urls: cleanUrls, error_page: errorPage, headers, redirects, https_only: httpsOnly };
fs.writeFileSync(path.join(build, '.heroku', 'static', 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
say(`       root: ${rel === '.' ? '. (the app)' : rel}, clean URLs: ${cleanUrls ? 'on' : 'off'}, 404 page: ${errorPage ?? 'built-in'}`);
if (headers.length || Object.keys(redirects).length || httpsOnly) {
  say(`       headers: ${headers.length} pattern${headers.length === 1 ? '' : 's'}, redirects: ${Object.keys(redirects).length}, HTTPS only: ${httpsOnly ? 'on' : 'off'}`);
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
