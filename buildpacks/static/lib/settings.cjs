'use strict';
// settings.cjs — reads an app's static.json and checks every setting. readSettings(buildDir) returns the server's
// config (what .heroku/static/config.json holds) or throws a StaticJsonError whose message names the setting.
// Settings that depend on config vars (${NAME} in redirects' "url", proxies' "origin" and "canonical_host") are
// kept as templates: the server fills them in from its environment when it starts.
const fs = require('node:fs');
const path = require('node:path');

/** A static.json the buildpack cannot honour; `hint` is a second line telling what to write instead. */
class StaticJsonError extends Error {
  constructor(message, hint) {
    super(message);
    this.name = 'StaticJsonError';
    this.hint = hint;
  }
}
const fail = (message, hint) => {
  throw new StaticJsonError(message, hint);
};

const KNOWN = new Set(['root', 'clean_urls', 'error_page', 'headers', 'redirects', 'https_only', 'routes', 'proxies', 'canonical_host', 'encoding']);
/** Settings of Heroku's static buildpack that this one refuses, with the reason (the build fails rather than ignore them). */
const REFUSED = {
  basic_auth: 'Basic authentication is not offered by the static buildpack: the site would be public. Serve it from an app that checks credentials.',
  logging: 'The static server writes no access log (the router logs every request); remove "logging".',
};
const MAX_ENTRIES = 500;
const MAX_PATH = 1024;
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
// A header value or a URL template: printable, no CR/LF or other control characters (tab allowed in header values).
const PRINTABLE = /^[\t\x20-\x7e\x80-\xff]*$/;
const URL_CHARS = /^[\x21-\x7e\x80-\xff]+$/;
// An HTTP header name (RFC 9110 token).
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// Names the server must own: framing and connection headers.
const RESERVED = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'trailer', 'te', 'content-encoding', 'content-range']);
const HOST = /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/;

/** A path (or path pattern) key: starts with "/", printable, no query or fragment, bounded length. */
function checkPath(key, setting) {
  if (!key.startsWith('/') || key.length > MAX_PATH || !/^[\x21-\x7e\x80-\uffff]+$/.test(key) || /[?#]/.test(key)) {
    fail(`static.json "${setting}" has the path ${JSON.stringify(key)}; a path starts with "/", has no spaces, control characters, "?" or "#", and is at most ${MAX_PATH} characters.`);
  }
}
function checkEntries(value, setting, example) {
  if (!isObject(value)) fail(`static.json "${setting}" must be an object, e.g. ${example}.`);
  const entries = Object.entries(value);
  if (entries.length > MAX_ENTRIES) fail(`static.json "${setting}" has ${entries.length} entries; at most ${MAX_ENTRIES} are allowed.`);
  return entries;
}

/**
 * A ${NAME} template: every "${" must open a placeholder with a config var name. Returns the names, in order.
 * A "$" not followed by "{" is literal.
 */
function placeholders(template, where) {
  const names = [];
  for (let i = template.indexOf('${'); i !== -1; i = template.indexOf('${', i + 2)) {
    const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}/.exec(template.slice(i));
    if (!m) fail(`${where}: "\${" must start a config var like \${API_HOST}.`);
    names.push(m[1]);
  }
  return names;
}

/** An http(s) URL template: checked as a URL now when it has no placeholder, or when its scheme and host are literal. */
function checkUrlTemplate(template, where) {
  if (typeof template !== 'string' || template === '' || !URL_CHARS.test(template)) fail(`${where} must be a non-empty URL without spaces or control characters.`);
  placeholders(template, where);
  if (template.startsWith('${')) return; // the whole origin comes from a config var: checked when the server starts
  let url;
  try {
    url = new URL(template.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*\}/g, 'x'));
  } catch {
    fail(`${where} must be an http:// or https:// URL; ${JSON.stringify(template)} is not one.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(`${where} must be an http:// or https:// URL; ${JSON.stringify(template)} is not one.`);
}

/** root: a directory inside the app (never through a symlink out of it); returns its real path. */
function readRoot(build, settings) {
  const setting = settings.root ?? '.';
  if (typeof setting !== 'string' || setting.trim() === '') fail('static.json "root" must be a directory name, e.g. "public/".');
  const realBuild = fs.realpathSync(build);
  let realRoot;
  try {
    realRoot = fs.realpathSync(path.resolve(build, setting));
  } catch {
    fail(`static.json "root" names ${JSON.stringify(setting)}, which does not exist in the app.`);
  }
  if (realRoot !== realBuild && !realRoot.startsWith(realBuild + path.sep)) fail(`static.json "root" must stay inside the app; ${JSON.stringify(setting)} does not.`);
  if (!fs.statSync(realRoot).isDirectory()) fail(`static.json "root" names ${JSON.stringify(setting)}, which is not a directory.`);
  return { realBuild, realRoot };
}

/** A file named relative to the root (a leading "/" allowed): its path relative to the root, or null when absent. */
function fileUnderRoot(realRoot, name) {
  const full = path.resolve(realRoot, name.replace(/^\/+/, ''));
  if (full !== realRoot && !full.startsWith(realRoot + path.sep)) return { outside: true };
  const rel = path.relative(realRoot, full);
  if (rel.split(path.sep).some((part) => part.startsWith('.'))) return { hidden: true };
  return { rel, stat: fs.lstatSync(full, { throwIfNoEntry: false }) };
}

function readErrorPage(realRoot, settings) {
  if (settings.error_page === undefined) {
    return fs.lstatSync(path.join(realRoot, '404.html'), { throwIfNoEntry: false })?.isFile() ? '404.html' : null;
  }
  if (typeof settings.error_page !== 'string' || settings.error_page === '') fail('static.json "error_page" must be a file name, e.g. "404.html".');
  const found = fileUnderRoot(realRoot, settings.error_page);
  if (!found.stat?.isFile()) fail(`static.json "error_page" names ${JSON.stringify(settings.error_page)}, which is not a file under the root.`);
  return found.rel;
}

// headers: { "<path pattern>": { "<Header-Name>": "<value>" } }. Patterns: "*" is any run of characters but "/",
// "**" any run at all, everything else literal. The server matches them without regular expressions.
function readHeaders(value) {
  const headers = [];
  for (const [pattern, map] of checkEntries(value, 'headers', '{"/assets/**": {"Cache-Control": "public, max-age=86400"}}')) {
    checkPath(pattern, 'headers');
    if (!isObject(map)) fail(`static.json "headers" for ${JSON.stringify(pattern)} must be an object of header names to values.`);
    const out = {};
    for (const [name, raw] of Object.entries(map)) {
      if (!TOKEN.test(name)) fail(`static.json "headers" for ${JSON.stringify(pattern)}: ${JSON.stringify(name)} is not a valid header name.`);
      if (RESERVED.has(name.toLowerCase())) fail(`static.json "headers" for ${JSON.stringify(pattern)}: ${name} is set by the server and cannot be configured.`);
      if (typeof raw !== 'string' && typeof raw !== 'number') fail(`static.json "headers" for ${JSON.stringify(pattern)}: the value of ${name} must be a string.`);
      const text = String(raw);
      if (!PRINTABLE.test(text)) fail(`static.json "headers" for ${JSON.stringify(pattern)}: the value of ${name} has a line break or a control character.`);
      out[name] = text;
    }
    headers.push([pattern, out]);
  }
  return headers;
}

// redirects: { "<exact path>": { "url": "<target>", "status": 301|302|307|308 } }, status 301 by default.
const REDIRECT_STATUS = new Set([301, 302, 307, 308]);
function readRedirects(value) {
  const redirects = {};
  for (const [from, target] of checkEntries(value, 'redirects', '{"/old/": {"url": "/new/", "status": 301}}')) {
    checkPath(from, 'redirects');
    const where = `static.json "redirects" for ${JSON.stringify(from)}`;
    if (from.includes('*')) fail(`${where}: a redirect names one exact path; "*" is not supported.`);
    if (!isObject(target)) fail(`${where} must be an object, e.g. {"url": "/new/", "status": 301}.`);
    for (const key of Object.keys(target)) if (key !== 'url' && key !== 'status') fail(`${where}: unknown key ${JSON.stringify(key)} (only "url" and "status").`);
    const { url, status = 301 } = target;
    if (typeof url !== 'string' || url === '' || !URL_CHARS.test(url)) fail(`${where}: "url" must be a non-empty URL or path without spaces or control characters.`);
    placeholders(url, `${where}: "url"`);
    if (!REDIRECT_STATUS.has(status)) fail(`${where}: "status" must be 301, 302, 307 or 308.`);
    redirects[from] = { url, status };
  }
  return redirects;
}

// routes: { "<path pattern>": "<file under the root>" }, for paths no file answers; the first matching pattern wins.
// A target that is a directory answers with its index.html, or 404 when it has none (e.g. "/assets/*": "/assets/").
function readRoutes(value, realRoot) {
  const routes = [];
  for (const [pattern, target] of checkEntries(value, 'routes', '{"/**": "index.html"}')) {
    checkPath(pattern, 'routes');
    const where = `static.json "routes" for ${JSON.stringify(pattern)}`;
    if (typeof target !== 'string' || target === '') fail(`${where} must name a file under the root, e.g. "index.html".`);
    const found = fileUnderRoot(realRoot, target);
    if (found.outside || found.hidden) fail(`${where}: ${JSON.stringify(target)} must be under the root and not a dot-file.`);
    if (found.stat?.isFile()) routes.push([pattern, found.rel]);
    else if (found.stat?.isDirectory()) {
      const index = path.join(found.rel, 'index.html');
      routes.push([pattern, fs.lstatSync(path.join(realRoot, index), { throwIfNoEntry: false })?.isFile() ? index : null]);
    } else fail(`${where}: ${JSON.stringify(target)} is not a file under the root.`);
  }
  return routes;
}

// proxies: { "<path prefix>": { "origin": "<http(s) URL template>" } }.
function readProxies(value) {
  const proxies = {};
  for (const [prefix, target] of checkEntries(value, 'proxies', '{"/api/": {"origin": "https://${API_HOST}/"}}')) {
    checkPath(prefix, 'proxies');
    const where = `static.json "proxies" for ${JSON.stringify(prefix)}`;
    if (prefix.includes('*')) fail(`${where}: a proxy names a path prefix; "*" is not supported.`);
    if (!isObject(target)) fail(`${where} must be an object, e.g. {"origin": "https://api.example.com/"}.`);
    for (const key of Object.keys(target)) if (key !== 'origin') fail(`${where}: unknown key ${JSON.stringify(key)} (only "origin").`);
    checkUrlTemplate(target.origin, `${where}: "origin"`);
    proxies[prefix] = { origin: target.origin };
  }
  return proxies;
}

function readCanonicalHost(value) {
  if (typeof value !== 'string' || value === '' || !URL_CHARS.test(value)) fail('static.json "canonical_host" must be a host name, e.g. "www.example.com" or "${HOST}".');
  placeholders(value, 'static.json "canonical_host"');
  if (!value.includes('${') && !HOST.test(value)) fail(`static.json "canonical_host" must be a host name (and optional port), e.g. "www.example.com"; ${JSON.stringify(value)} is not one.`);
  return value;
}

/** Reads BUILD_DIR/static.json (absent: every default) and returns the server's config. Throws StaticJsonError. */
function readSettings(build) {
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
    if (!isObject(settings)) fail('static.json must hold a JSON object, e.g. {"root": "public/"}.');
    for (const key of Object.keys(settings)) {
      if (REFUSED[key]) fail(`static.json "${key}" is not supported.`, REFUSED[key]);
      if (!KNOWN.has(key)) fail(`static.json "${key}" is not a setting of the static buildpack.`, `Known settings: ${[...KNOWN].join(', ')}.`);
    }
  }
  const { realBuild, realRoot } = readRoot(build, settings);
  for (const key of ['clean_urls', 'https_only']) {
    if (settings[key] !== undefined && typeof settings[key] !== 'boolean') fail(`static.json "${key}" must be true or false.`);
  }
  if (settings.encoding !== undefined && (typeof settings.encoding !== 'string' || !/^utf-?8$/i.test(settings.encoding))) {
    fail('static.json "encoding" can only be "UTF-8": pages are served as UTF-8.');
  }
  return {
    root: path.relative(realBuild, realRoot) || '.',
    realRoot,
    clean_urls: settings.clean_urls === true,
    error_page: readErrorPage(realRoot, settings),
    headers: settings.headers === undefined ? [] : readHeaders(settings.headers),
    redirects: settings.redirects === undefined ? {} : readRedirects(settings.redirects),
    https_only: settings.https_only === true,
    routes: settings.routes === undefined ? [] : readRoutes(settings.routes, realRoot),
    proxies: settings.proxies === undefined ? {} : readProxies(settings.proxies),
    canonical_host: settings.canonical_host === undefined ? null : readCanonicalHost(settings.canonical_host),
  };
}

module.exports = { readSettings, StaticJsonError };
