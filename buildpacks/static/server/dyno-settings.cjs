'use strict';
// dyno-settings.cjs — the parts of static.json that depend on the dyno's config vars, resolved when the server starts:
// ${NAME} in redirects' "url", proxies' "origin" and "canonical_host" is replaced by the config var NAME (unset or
// empty: the server refuses to start, naming the setting and the variable, never printing a value). Also the
// proxies themselves: requests under a prefix are forwarded to their upstream by httpxy.
const http = require('node:http');
const https = require('node:https');

/** The server cannot start with this config (a config var missing or unusable); the message names no value. */
class StartError extends Error {}

const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const URL_CHARS = /^[\x21-\x7e\x80-\xff]+$/;
const HOST = /^[A-Za-z0-9.-]+(:[0-9]{1,5})?$/;

/** Fills in a template's ${NAME}s from `env`; `where` names the setting in the error. */
function interpolate(template, env, where) {
  return template.replace(PLACEHOLDER, (_, name) => {
    const value = env[name];
    if (value === undefined || value === '') throw new StartError(`static.json ${where} uses \${${name}}, but the config var ${name} is not set (platform config:set ${name}=…).`);
    return value;
  });
}
const varsOf = (template) => [...template.matchAll(PLACEHOLDER)].map((m) => m[1]).join(', ');

/** canonical_host, resolved and lower-cased (null when not set). */
function resolveCanonicalHost(template, env) {
  if (!template) return null;
  const host = interpolate(template, env, '"canonical_host"');
  if (!HOST.test(host)) throw new StartError(`static.json "canonical_host": the value of ${varsOf(template)} does not make a host name (and optional port).`);
  return host.toLowerCase();
}

/** redirects: exact path → { url, status }, with each url resolved. */
function resolveRedirects(redirects, env) {
  const out = new Map();
  for (const [from, { url, status }] of Object.entries(redirects || {})) {
    const where = `"redirects" for ${JSON.stringify(from)}`;
    const resolved = interpolate(url, env, where);
    if (!URL_CHARS.test(resolved)) throw new StartError(`static.json ${where}: the value of ${varsOf(url)} makes a URL with spaces or control characters.`);
    out.set(from, { url: resolved, status });
  }
  return out;
}

/** The proxies, resolved: longest prefix first. Each: { base (the prefix without its trailing "/"), origin (URL), path }. */
function resolveProxies(proxies, env) {
  const out = [];
  for (const [prefix, { origin }] of Object.entries(proxies || {})) {
    const where = `"proxies" for ${JSON.stringify(prefix)}`;
    let url;
    try {
      url = new URL(interpolate(origin, env, where));
    } catch (err) {
      if (err instanceof StartError) throw err;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new StartError(`static.json ${where}: "origin" with the value of ${varsOf(origin)} is not an http:// or https:// URL.`);
    }
    const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
    out.push({ prefix, base: prefix.replace(/\/+$/, ''), origin: url, path });
  }
  return out.sort((a, b) => b.base.length - a.base.length);
}

/**
 * The proxy for the resolved `proxies` (null when there are none). `match(pathname)` finds the proxy of a request path
 * (the prefix itself, with or without its "/", or anything under it); `forward(req, res, proxy, pathname, query)`
 * sends the request to origin + the rest of the path + the query, with the upstream's Host, X-Forwarded-* added,
 * TLS verified, and a redirect to the upstream's own URLs rewritten to the prefix. A failed upstream answers 502.
 */
async function createProxy(resolved, log) {
  if (resolved.length === 0) return null;
  // httpxy is an ES module; this file is CommonJS so that it runs on any Node.js the slug has.
  const { createProxyServer } = await import('httpxy');
  const proxy = createProxyServer({});
  const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };
  const routeOf = new WeakMap();
  proxy.on('proxyRes', (proxyRes, req) => {
    const route = routeOf.get(req);
    const location = proxyRes.headers.location;
    if (!route || typeof location !== 'string' || !/^https?:\/\//i.test(location)) return;
    let url;
    try {
      url = new URL(location);
    } catch {
      return;
    }
    if (url.host === route.origin.host && url.pathname.startsWith(route.path)) {
      proxyRes.headers.location = `${route.base}/${url.pathname.slice(route.path.length)}${url.search}${url.hash}`;
    }
  });
  proxy.on('error', (err, req, res) => {
    const route = req && routeOf.get(req);
    log(`static: proxy ${route ? route.prefix : ''} failed: ${err.code || err.message}`);
    if (!res || typeof res.writeHead !== 'function') return;
    if (res.headersSent) return res.destroy();
    res.writeHead(502, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('Bad Gateway\n');
  });
  return {
    match(pathname) {
      return resolved.find((p) => p.base === '' || pathname === p.base || pathname.startsWith(`${p.base}/`)) ?? null;
    },
    forward(req, res, route, pathname, query) {
      routeOf.set(req, route);
      const target = new URL(route.origin.href);
      target.pathname = route.path + pathname.slice(route.base.length + 1);
      target.search = query;
      return proxy.web(req, res, {
        target,
        ignorePath: true,
        changeOrigin: true,
        xfwd: true,
        secure: true,
        proxyTimeout: 30_000,
        agent: agents[target.protocol],
      });
    },
  };
}

module.exports = { StartError, resolveCanonicalHost, resolveRedirects, resolveProxies, createProxy };
