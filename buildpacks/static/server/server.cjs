'use strict';
// The static buildpack's web server: sirv (files, ETag, Range, precompressed .gz) behind node:http, with
// caching headers, clean URLs, a 404 page, headers by path pattern, redirects and https_only, as
// `.heroku/static/config.json` says (written from the app's static.json at build time, already validated).
// Started as the `web` process: `node .heroku/static/server.cjs`.
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');
const sirv = require('sirv');

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

/**
 * A static.json path pattern, split into literal text and wildcards: "*" is any run of characters but "/", "**" any
 * run at all. Matched against a whole path without regular expressions (no user text is ever compiled), in time
 * bounded by the path length times the pattern length.
 */
function compile(pattern) {
  const tokens = [];
  let i = 0;
  while (i < pattern.length) {
    if (pattern.startsWith('**', i)) {
      tokens.push({ any: true });
      i += 2;
      while (pattern.startsWith('*', i)) i++; // "***" is "**"
    } else if (pattern[i] === '*') {
      tokens.push({ segment: true });
      i += 1;
    } else {
      const next = pattern.indexOf('*', i);
      const end = next === -1 ? pattern.length : next;
      tokens.push({ text: pattern.slice(i, end) });
      i = end;
    }
  }
  return tokens;
}
function matches(tokens, path) {
  // reach[p]: the tokens so far can end at position p of the path.
  let reach = new Uint8Array(path.length + 1);
  reach[0] = 1;
  for (const token of tokens) {
    const next = new Uint8Array(path.length + 1);
    let any = false;
    if (token.any) {
      const from = reach.indexOf(1);
      if (from === -1) return false;
      next.fill(1, from);
      any = true;
    } else if (token.segment) {
      for (let p = 0; p <= path.length; p++) {
        if (!reach[p]) continue;
        next[p] = 1;
        any = true;
        // Extend over the characters that are not "/"; stop where an earlier start already extended.
        for (let q = p; q < path.length && path[q] !== '/' && !next[q + 1]; q++) next[q + 1] = 1;
      }
    } else {
      for (let p = 0; p + token.text.length <= path.length; p++) {
        if (reach[p] && path.startsWith(token.text, p)) {
          next[p + token.text.length] = 1;
          any = true;
        }
      }
    }
    if (!any) return false;
    reach = next;
  }
  return reach[path.length] === 1;
}
// As Heroku's static buildpack did: when several patterns match a path, the one written last in static.json wins,
// and only its headers are added (they are not merged with other matches).
const headerRules = (config.headers || []).map(([pattern, values]) => ({ tokens: compile(pattern), values })).reverse();
const redirects = new Map(Object.entries(config.redirects || {}));

/** The path as the files are looked up (percent-decoded like sirv does). */
function decodedPath(pathname) {
  if (!pathname.includes('%')) return pathname;
  try {
    return decodeURI(pathname);
  } catch {
    return pathname;
  }
}

const server = http.createServer((req, res) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
    return res.end('Method Not Allowed\n');
  }
  const url = req.url || '/';
  const q = url.indexOf('?');
  const pathname = q === -1 ? url : url.slice(0, q);
  // https_only: the router says how the client came in; plain http is sent to the same host and path over https.
  if (config.https_only && String(req.headers['x-forwarded-proto'] || '').toLowerCase() === 'http') {
    const host = req.headers.host;
    if (!host || !/^[A-Za-z0-9._:[\]-]+$/.test(host)) {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' });
      return res.end('Bad Request\n');
    }
    res.writeHead(301, { Location: `https://${host}${url.startsWith('/') ? url : `/${url}`}` });
    return res.end();
  }
  const decoded = decodedPath(pathname);
  const rule = headerRules.find((r) => matches(r.tokens, decoded));
  if (rule) for (const [name, value] of Object.entries(rule.values)) res.setHeader(name, value);
  // redirects: one exact path each, to the configured URL as written (the request's query string is not carried).
  const redirect = redirects.get(decoded);
  if (redirect) {
    res.writeHead(redirect.status, { Location: redirect.url });
    return res.end();
  }
  // Clean URLs: /about.html is answered with a redirect to /about (one address per page).
  if (config.clean_urls && /\.html?$/.test(pathname) && !pathname.endsWith('/index.html')) {
    res.writeHead(301, { Location: pathname.replace(/\.html?$/, '') + (q === -1 ? '' : url.slice(q)) });
    return res.end();
  }
  // With the app itself as the root, its build files are not part of the site.
  if (config.root === '.' && /^\/(static\.json|Procfile)$/.test(pathname)) return notFound(req, res);
  files(req, res, () => notFound(req, res));
});

server.listen(port, () => {
  console.log(`static: serving ${path.relative(appDir, root) || '.'} on port ${port}`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
