'use strict';
// The static buildpack's web server: sirv (files, ETag, Range, precompressed .gz) behind node:http, with
// caching headers, clean URLs, a 404 page, headers by path pattern, redirects, routes, proxies (httpxy),
// https_only and canonical_host, as `.heroku/static/config.json` says (written from the app's static.json at build
// time, already validated; its ${NAME} templates are filled in from the dyno's config vars at start).
// Started as the `web` process: `node .heroku/static/server.cjs`.
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const sirv = require('sirv');
const { compilePattern, matchesPattern } = require('./patterns.cjs');
const settings = require('./dyno-settings.cjs');

const here = __dirname;
const config = JSON.parse(fs.readFileSync(path.join(here, 'config.json'), 'utf8'));
const appDir = path.resolve(here, '..', '..');
const root = path.resolve(appDir, config.root);
const port = Number(process.env.PORT || 5000);

// A file whose name carries a content hash (app.3f9a2c1b.js, main-8HWZ2XQK.css) never changes: cache it for a
// year. HTML is revalidated every time (its ETag makes that a 304); everything else for an hour.
const HASHED = /[.-](?=[0-9a-zA-Z_]*[0-9])[0-9a-zA-Z_]{8,}\.[a-z0-9]+$/;
function cacheControl(pathname) {
  // Pages (a .html file, a directory's index, a clean URL without an extension) are revalidated each time.
  if (/\.html?$/.test(pathname) || !/\.[^/]*$/.test(pathname)) return 'no-cache';
  if (HASHED.test(pathname)) return 'public, max-age=31536000, immutable';
  return 'public, max-age=3600';
}

const files = sirv(root, {
  dev: false,
  etag: true,
  gzip: true, // serves <file>.gz, which the build wrote beside each compressible file
  dotfiles: false,
  // sirv finds a directory's index.html through these too; /about also answers with about.html (clean_urls adds
  // the redirect of /about.html to /about).
  extensions: ['html', 'htm'],
  setHeaders(res, pathname) {
    // static.json "headers" were set before sirv ran and win over the defaults.
    if (!res.hasHeader('Cache-Control')) res.setHeader('Cache-Control', cacheControl(pathname));
    res.setHeader('X-Content-Type-Options', 'nosniff');
  },
});

const errorPage = config.error_page ? path.resolve(root, config.error_page) : null;
function notFound(req, res) {
  res.statusCode = 404;
  if (!res.hasHeader('Cache-Control')) res.setHeader('Cache-Control', 'no-cache');
  if (errorPage && fs.existsSync(errorPage)) {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    if (req.method === 'HEAD') return res.end();
    return fs.createReadStream(errorPage).pipe(res);
  }
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(req.method === 'HEAD' ? undefined : 'Not Found\n');
}

// As Heroku's static buildpack did: when several "headers" patterns match a path, the one written last in
// static.json wins, and only its headers are added (they are not merged with other matches). For "routes", the
// first matching pattern wins (Heroku's were nginx regex locations, tried in order).
const headerRules = (config.headers || []).map(([pattern, values]) => ({ tokens: compilePattern(pattern), values })).reverse();
const routeRules = (config.routes || []).map(([pattern, file]) => ({ tokens: compilePattern(pattern), file }));

/** The path as the files are looked up (percent-decoded like sirv does). */
function decodedPath(pathname) {
  if (!pathname.includes('%')) return pathname;
  try {
    return decodeURI(pathname);
  } catch {
    return pathname;
  }
}

/**
 * https_only and canonical_host: where a request must go instead, or null. One redirect does both (the canonical host
 * over https when both apply). Returns false for a Host header that cannot be put in a URL.
 */
function upgradeLocation(req, url, canonicalHost) {
  const proto = String(req.headers['x-forwarded-proto'] || '').toLowerCase();
  const toHttps = config.https_only && proto === 'http';
  const host = String(req.headers.host || '').toLowerCase();
  const hostMatches = !canonicalHost || (canonicalHost.includes(':') ? host : host.replace(/:[0-9]*$/, '')) === canonicalHost;
  if (!toHttps && hostMatches) return null;
  const target = hostMatches ? host : canonicalHost;
  if (!target || !/^[a-z0-9._:[\]-]+$/.test(target)) return false;
  const scheme = toHttps ? 'https' : proto === 'https' ? 'https' : 'http';
  return `${scheme}://${target}${url.startsWith('/') ? url : `/${url}`}`;
}

function handler({ canonicalHost, redirects, proxy }) {
  return (req, res) => {
    const url = req.url || '/';
    const q = url.indexOf('?');
    const pathname = q === -1 ? url : url.slice(0, q);
    const location = upgradeLocation(req, url, canonicalHost);
    if (location === false) {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
      return res.end('Bad Request\n');
    }
    if (location) {
      res.writeHead(301, { Location: location });
      return res.end();
    }
    const decoded = decodedPath(pathname);
    const rule = headerRules.find((r) => matchesPattern(r.tokens, decoded));
    if (rule) for (const [name, value] of Object.entries(rule.values)) res.setHeader(name, value);
    // redirects: one exact path each, to the configured URL (the request's query string is not carried).
    const redirect = redirects.get(decoded);
    if (redirect) {
      res.writeHead(redirect.status, { Location: redirect.url });
      return res.end();
    }
    const route = proxy?.match(pathname);
    const forward = () => proxy.forward(req, res, route, pathname, q === -1 ? '' : url.slice(q));
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      if (route) return forward();
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      return res.end('Method Not Allowed\n');
    }
    // Under a proxy prefix, a file of the root still answers first (Heroku's order); anything else goes upstream.
    if (route) return files(req, res, forward);
    // Clean URLs: /about.html is answered with a redirect to /about (one address per page).
    if (config.clean_urls && /\.html?$/.test(pathname) && !pathname.endsWith('/index.html')) {
      res.writeHead(301, { Location: pathname.replace(/\.html?$/, '') + (q === -1 ? '' : url.slice(q)) });
      return res.end();
    }
    // With the app itself as the root, its build files are not part of the site.
    if (config.root === '.' && /^\/(static\.json|Procfile)$/.test(pathname)) return notFound(req, res);
    files(req, res, () => {
      // routes: a path no file answers is served the first matching route's file (a directory without index: 404).
      const target = routeRules.find((r) => matchesPattern(r.tokens, decoded));
      if (!target || target.file === null) return notFound(req, res);
      req.url = `/${target.file.split(path.sep).map(encodeURIComponent).join('/')}`;
      files(req, res, () => notFound(req, res));
    });
  };
}

async function main() {
  let state;
  try {
    state = {
      canonicalHost: settings.resolveCanonicalHost(config.canonical_host, process.env),
      redirects: settings.resolveRedirects(config.redirects, process.env),
      proxy: await settings.createProxy(settings.resolveProxies(config.proxies, process.env), (line) => console.error(line)),
    };
  } catch (err) {
    if (!(err instanceof settings.StartError)) throw err;
    console.error(`static: ${err.message}`);
    process.exit(1);
  }
  const server = http.createServer(handler(state));
  server.listen(port, () => {
    console.log(`static: serving ${path.relative(appDir, root) || '.'} on port ${port}`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
main();
