'use strict';
// The static buildpack's web server: sirv (files, ETag, Range, precompressed .gz) behind node:http, with
// caching headers, clean URLs and a 404 page, as `.heroku/static/config.json` says (written from the app's
// static.json at build time, already validated). Started as the `web` process: `node .heroku/static/server.cjs`.
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
    res.setHeader('Cache-Control', cacheControl(pathname));
    res.setHeader('X-Content-Type-Options', 'nosniff');
  },
});

const errorPage = config.error_page ? path.resolve(root, config.error_page) : null;
function notFound(req, res) {
  res.statusCode = 404;
  res.setHeader('Cache-Control', 'no-cache');
  if (errorPage && fs.existsSync(errorPage)) {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    if (req.method === 'HEAD') return res.end();
    return fs.createReadStream(errorPage).pipe(res);
  }
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end(req.method === 'HEAD' ? undefined : 'Not Found\n');
}

const server = http.createServer((req, res) => {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
    return res.end('Method Not Allowed\n');
  }
  // Clean URLs: /about.html is answered with a redirect to /about (one address per page).
  const url = req.url || '/';
  const q = url.indexOf('?');
  const pathname = q === -1 ? url : url.slice(0, q);
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
