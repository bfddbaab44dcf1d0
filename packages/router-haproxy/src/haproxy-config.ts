import { join } from 'node:path';
import { ACME_CHALLENGE_PREFIX, ACME_TOKEN_RE, APP_ERROR_PAGE, MAINTENANCE_PAGE, NO_SUCH_APP_PAGE, wildcardSuffix } from '@platform/router-kit';
import { firstByteRules } from './first-byte.ts';
import type { ProxyServer, ProxyState } from './proxy-state.ts';

/** Timeouts of the data path, in ms. README "Timeouts" says which match Heroku. */
export interface ProxyTimeouts {
  /** No response byte from the dyno within this once the request was sent to it → 503 H12 (first-byte.ts). */
  requestMs: number;
  /** Once the response started, no byte from the dyno for this long → cut off, H15 (rolling: `timeout server`). */
  idleMs: number;
  /** Request line and headers must arrive within this (`timeout http-request`), else 408 and closed. */
  headersMs: number;
  /** An idle keep-alive client connection is closed after this (`timeout http-keep-alive`). */
  keepAliveMs: number;
  /** A client silent this long mid-request (a stalled upload) is cut off (`timeout client`). */
  clientMs: number;
  /** A dyno must accept the TCP connection within this (`timeout connect`), else H19 after retries. */
  connectMs: number;
  /** An upgraded connection (WebSocket) idle this long in both directions is closed (`timeout tunnel`). */
  tunnelMs: number;
  /** A request waiting in the app's backlog (every dyno busy) this long gets 503 H11 (`timeout queue`, `sQ`). */
  queueMs: number;
}

export const DEFAULT_TIMEOUTS: ProxyTimeouts = {
  requestMs: 30_000,
  idleMs: 55_000,
  headersMs: 10_000,
  keepAliveMs: 60_000,
  clientMs: 55_000,
  connectMs: 5_000,
  tunnelMs: 3_600_000,
  queueMs: 30_000,
};

/**
 * How many requests a dyno serves at once and how deep an app's backlog may grow, Heroku's router rule (Dev Center
 * "HTTP Routing", 2015 text, reference/heroku-behaviour.md §7): 50 active requests per dyno; beyond that requests
 * wait in a backlog of 50 per web dyno; a request finding the backlog full gets 503 H11 "Backlog too deep".
 */
export interface ProxyLimits {
  /** Requests in flight to one dyno (`maxconn` of its server; WebSockets count while open). */
  dynoConcurrency: number;
  /** Requests that may wait per web dyno up; the app's backlog is this × its dynos up. */
  backlogPerDyno: number;
}

export const DEFAULT_LIMITS: ProxyLimits = { dynoConcurrency: 50, backlogPerDyno: 50 };

/** Where and how the proxy listens and logs; `dir` holds the config, maps, pages and sockets. */
export interface ProxyConfigOptions {
  dir: string;
  /** Apps are served at `<app>.<domain>`. */
  domain: string;
  listen: { host: string; port: number };
  /** The TLS port, served only while at least one certificate is loaded (`hasCertificates`); null: no TLS. */
  tlsPort: number | null;
  hasCertificates: boolean;
  /** Whether the proxy logs requests (to the `access` ring, forwarded to `<dir>/log.sock`); false: no access log. */
  accessLog: boolean;
  timeouts: ProxyTimeouts;
  limits: ProxyLimits;
  /** HAProxy's threads (`nbthread`); see `defaultThreads`. */
  threads: number;
  /** The platform's own API (and git) behind a hostname of its own, or null. */
  platformApi: PlatformApiRoute | null;
  /** Free spare backends to declare (spare-pool.ts): empty app backends a new app takes over without a reload. */
  spares: readonly string[];
}

/**
 * The proxy's threads by default: half the cores, at least one. One thread carries thousands of requests a
 * second; the other cores stay for the dynos and platformd on the same host. On 2 cores that is one thread,
 * which also spares the locks threads share: the edge bench measured ~10 % less proxy CPU per request than 2.
 */
export function defaultThreads(cores: number): number {
  return Math.max(1, Math.floor(cores / 2));
}

/**
 * The platform's API served through the proxy: requests for `hostname` go to platformd's API listener at `address`,
 * with no 30 s / 55 s limits (git pushes that build, log tails, attach sockets). Over plain HTTP they are redirected
 * to HTTPS while the TLS side serves (301 for GET and HEAD, 308 otherwise, so a client resends its body).
 */
export interface PlatformApiRoute {
  hostname: string;
  address: { host: string; port: number };
}

/** How long the platform API's exchanges may stay silent (log tails, a quiet build in a push): a day. */
export const PLATFORM_API_IDLE = '24h';

/** The files the proxy reads, under `dir`. */
export function proxyFiles(dir: string) {
  return {
    config: join(dir, 'haproxy.cfg'),
    pid: join(dir, 'haproxy.pid'),
    adminSocket: join(dir, 'admin.sock'),
    logSocket: join(dir, 'log.sock'),
    masterSocket: join(dir, 'master.sock'),
    hostsMap: join(dir, 'hosts.map'),
    backendsMap: join(dir, 'backends.map'),
    wildcardsMap: join(dir, 'wildcards.map'),
    maintenanceMap: join(dir, 'maintenance.map'),
    redirectMap: join(dir, 'redirect-https.map'),
    crashedMap: join(dir, 'crashed.map'),
    acmeMap: join(dir, 'acme.map'),
    certsDir: join(dir, 'certs'),
    crtList: join(dir, 'certs.list'),
    coveredMap: join(dir, 'covered.map'),
    coveredWildcardsMap: join(dir, 'covered-wildcards.map'),
    appError: join(dir, 'app-error.http'),
    appErrorPage: join(dir, 'app-error.html'),
    noSuchApp: join(dir, 'no-such-app.html'),
    maintenance: join(dir, 'maintenance.html'),
    meta: join(dir, 'router.json'),
    firstByteLua: join(dir, 'first-byte.lua'),
  };
}

/** A raw HTTP response file for `errorfile` (HAProxy sends it as is): 503 with the application-error page. */
export function appErrorResponse(): string {
  return (
    'HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/html; charset=utf-8\r\ncache-control: no-cache, no-store\r\n' +
    `content-length: ${Buffer.byteLength(APP_ERROR_PAGE)}\r\nconnection: close\r\n\r\n${APP_ERROR_PAGE}`
  );
}

/** The static pages, by file (written once per start). */
export function pageFiles(dir: string): Record<string, string> {
  const f = proxyFiles(dir);
  return { [f.appError]: appErrorResponse(), [f.appErrorPage]: APP_ERROR_PAGE, [f.noSuchApp]: NO_SUCH_APP_PAGE, [f.maintenance]: MAINTENANCE_PAGE };
}

/**
 * The maps' contents: exact hostnames (default `<app>.<domain>` and custom) → app, wildcard suffixes → app, app →
 * its backend, and the apps with a switch on (maintenance, redirect to HTTPS, crashed).
 */
export function renderMaps(state: ProxyState, domain: string): { hosts: string; wildcards: string; backends: string; maintenance: string; redirect: string; crashed: string } {
  const hosts: string[] = [];
  const backends: string[] = [];
  const wildcards: string[] = [];
  const maintenance: string[] = [];
  const redirect: string[] = [];
  const crashed: string[] = [];
  for (const [app, entry] of state) {
    hosts.push(`${app}.${domain} ${app}`);
    backends.push(`${app} ${entry.backend}`);
    for (const name of entry.domains) {
      const suffix = wildcardSuffix(name);
      if (suffix === null) hosts.push(`${name} ${app}`);
      else wildcards.push(`${suffix} ${app}`);
    }
    if (entry.maintenance) maintenance.push(`${app} 1`);
    if (entry.redirectHttps) redirect.push(`${app} 1`);
    if (entry.crashed) crashed.push(`${app} 1`);
  }
  const text = (lines: string[]) => (lines.length ? `${lines.join('\n')}\n` : '');
  return { hosts: text(hosts), wildcards: text(wildcards), backends: text(backends), maintenance: text(maintenance), redirect: text(redirect), crashed: text(crashed) };
}

/** acme.map's contents: ACME http-01 token → key authorization (both of the ACME alphabet: router-kit `checkChallenge`). */
export function renderChallenges(challenges: ReadonlyMap<string, string>): string {
  return [...challenges].map(([token, keyAuthorization]) => `${token} ${keyAuthorization}\n`).join('');
}

/**
 * One access-log line per request, for platformd (access-log.ts parses it). Quoted fields (`%{+Q}`) may be
 * empty; numbers are HAProxy's: %Tc connect, %Tq until the request was read (headers), %Tw queue, %Ta total (ms).
 */
export const LOG_FORMAT =
  'PLT1 %{+Q}[var(txn.app)] %{+Q}s %ST %B %Tc %Tq %Tw %Ta %tsc %{+Q}ID %{+Q}[var(txn.code)] %{+Q}HM %{+Q}[var(txn.pathq)] %{+Q}[var(txn.rawhost)] %{+Q}[var(txn.fwd)] %{+Q}[var(txn.proto)]';

const ms = (value: number) => `${Math.max(1, Math.round(value))}ms`;

/**
 * The whole haproxy.cfg for a state: one frontend that maps Host → app (exact names, then one-label wildcards)
 * and adds Heroku's headers, one backend per app with its dynos as servers, and the platform's pages. Runtime
 * changes (control-socket.ts) keep the live proxy equal to this file, so a reload or restart loses nothing.
 */
export function renderConfig(state: ProxyState, options: ProxyConfigOptions): string {
  const f = proxyFiles(options.dir);
  const t = options.timeouts;
  const tls = options.tlsPort !== null && options.hasCertificates;
  const lines = [
    '# Written by platformd (packages/router-haproxy); every runtime change is also written here.',
    'global',
    `  stats socket ${f.adminSocket} mode 600 level admin expose-fd listeners`,
    `  nbthread ${options.threads}`,
    // The H12 action (first-byte.ts); a Lua state per thread, no lock shared between them.
    `  lua-load-per-thread ${f.firstByteLua}`,
    ...(options.accessLog ? ['  log ring@access local0 info'] : []),
    // Old workers keep their connections (WebSockets) across a reload, up to this.
    '  hard-stop-after 1h',
    '',
    'defaults',
    '  mode http',
    ...(!options.accessLog ? [] : ['  log global']),
    '  option dontlognull',
    `  timeout connect ${ms(t.connectMs)}`,
    `  timeout client ${ms(t.clientMs)}`,
    `  timeout server ${ms(t.idleMs)}`,
    `  timeout http-request ${ms(t.headersMs)}`,
    `  timeout http-keep-alive ${ms(t.keepAliveMs)}`,
    `  timeout tunnel ${ms(t.tunnelMs)}`,
    `  timeout queue ${ms(t.queueMs)}`,
    // A half-closed connection (a WebSocket whose one side left) is closed after this.
    '  timeout client-fin 5s',
    '  timeout server-fin 5s',
    '  retries 3',
    '  option redispatch 1',
    '',
    'frontend http',
    `  bind ${options.listen.host}:${options.listen.port}`,
    ...(tls ? [`  bind ${options.listen.host}:${options.tlsPort} ssl crt-list ${f.crtList} alpn h2,http/1.1`] : []),
    ...(!options.accessLog ? [] : [`  log-format "${LOG_FORMAT.replace(/"/g, '\\"')}"`]),
    '  unique-id-format %[var(txn.rid)]',
    ...acmeRules(f),
    '  http-request set-var(txn.proto) str(http)',
    '  http-request set-var(txn.proto) str(https) if { ssl_fc }',
    // HTTP/2 requests carry an absolute URI: log the path and query only, as for HTTP/1.1.
    '  http-request set-var(txn.pathq) pathq',
    '  http-request set-var(txn.rid) req.hdr(x-request-id) if { req.hdr(x-request-id) -m reg ^[A-Za-z0-9+/=-]{20,200}$ }',
    '  http-request set-var(txn.rid) uuid() unless { var(txn.rid) -m found }',
    '  http-request set-header X-Request-Id %[unique-id]',
    '  http-request set-header X-Request-Start %[date(0,ms)]',
    '  http-request set-header X-Forwarded-For "%[req.fhdr(x-forwarded-for)], %[src]" if { req.fhdr(x-forwarded-for) -m found }',
    '  http-request set-header X-Forwarded-For %[src] unless { req.fhdr(x-forwarded-for) -m found }',
    '  http-request set-var(txn.fwd) req.fhdr(x-forwarded-for)',
    '  http-request set-header X-Forwarded-Proto %[var(txn.proto)]',
    '  http-request set-header X-Forwarded-Port %[dst_port]',
    '  http-request set-var(txn.rawhost) req.hdr(host)',
    '  http-request set-var(txn.host) req.hdr(host),field(1,:),lower',
    // A trailing dot (`shop.example.com.`) names the same host; the regex runs only for such a name.
    '  http-request set-var(txn.host) var(txn.host),regsub(\\.$,) if { var(txn.host) -m end . }',
    ...platformApiRules(options, tls),
    `  http-request set-var(txn.app) var(txn.host),map_str(${f.hostsMap})`,
    `  http-request set-var(txn.app) var(txn.host),regsub(^[^.]*\\.,),map_str(${f.wildcardsMap}) if !{ var(txn.app) -m found } { var(txn.host) -m sub . }`,
    `  http-request set-var(txn.code) str(H80) if { var(txn.app),map_str(${f.maintenanceMap}) -m found }`,
    `  http-request return status 503 content-type "text/html; charset=utf-8" file ${f.maintenance} hdr cache-control "no-cache, no-store" if { var(txn.code) -m str H80 }`,
    ...(tls ? redirectRules(f, options.tlsPort!) : []),
    // Every web dyno crashed (the process manager says so with no server left): H10 rather than H14.
    `  http-request set-var(txn.code) str(H10) if { var(txn.app),map_str(${f.crashedMap}) -m found }`,
    `  http-request return status 503 content-type "text/html; charset=utf-8" file ${f.appErrorPage} hdr cache-control "no-cache, no-store" if { var(txn.code) -m str H10 }`,
    ...(options.platformApi ? ['  use_backend platform-api if platform_api'] : []),
    // Which backend serves the app (its own, or a spare it took over at run time): backends.map.
    `  http-request set-var(txn.backend) var(txn.app),map_str(${f.backendsMap}) if { var(txn.app) -m found }`,
    '  use_backend %[var(txn.backend)] if { var(txn.backend) -m found }',
    '  default_backend no-such-app',
    '  http-response add-header Via "1.1 platform"',
    '',
    'backend no-such-app',
    `  http-request return status 404 content-type "text/html; charset=utf-8" file ${f.noSuchApp} hdr cache-control "no-cache, no-store"`,
  ];
  if (options.platformApi) {
    lines.push('', 'backend platform-api', `  timeout server ${PLATFORM_API_IDLE}`, `  timeout tunnel ${PLATFORM_API_IDLE}`, `  server api ${hostPort(options.platformApi.address)}`);
  }
  for (const entry of state.values()) lines.push('', ...appBackend(entry.backend, entry.servers.values(), options));
  for (const spare of options.spares) lines.push('', ...appBackend(spare, [], options));
  if (options.accessLog) lines.push('', ...accessRing(f.logSocket));
  return `${lines.join('\n')}\n`;
}

/**
 * An app's backend, the same block for an app's own and for a spare: whatever an app gets from its backend
 * (balancing, the H11 backlog rule, the 30 s first-byte rules, the error pages; the servers' `maxconn` comes with `add server`) a spare gives
 * the app that takes it over. Per-app switches (maintenance, redirect, crashed) are frontend maps keyed by app.
 */
function appBackend(name: string, servers: Iterable<ProxyServer>, options: ProxyConfigOptions): string[] {
  const f = proxyFiles(options.dir);
  const t = options.timeouts;
  const lines = [`backend ${name}`, '  balance random', ...backlogRules(f, options.limits), ...firstByteRules(t.requestMs, f.appErrorPage)];
  for (const code of [502, 503, 504]) lines.push(`  errorfile ${code} ${f.appError}`);
  for (const server of servers) lines.push(`  server ${server.name} ${hostPort(server.address)} ${serverLimits(options.limits)}`);
  return lines;
}

/**
 * The access log's way to platformd: a ring buffer in the proxy, forwarded over one stream connection to
 * `<dir>/log.sock` (one line per `\n`). Writing a line is a memory copy (no system call per request), platformd
 * reads many lines per read, and lines logged while no platformd listens wait in the ring (4 MB, ~15,000 lines;
 * the oldest are overwritten first) and arrive once the next platformd listens: the forwarder reconnects and
 * resumes where it stopped, without repeating a line. The socket lives in the router's directory (0700), so
 * nothing else (a dyno) can write router lines into an app's log; a proxy in another container (docker-compose's
 * router service) reaches it through the directory they share.
 */
function accessRing(socket: string): string[] {
  return ['ring access', '  format raw', '  maxlen 8192', '  size 4194304', '  timeout connect 1s', '  timeout server 30s', `  server platformd unix@${socket}`];
}

/**
 * What every dyno's server line carries (the config's and `add server`'s): its concurrency (`maxconn`) and its
 * idle-connection pool. A server from the config gets `pool-max-conn -1` and `pool-purge-delay 5s` by default; one
 * added at run time on HAProxy 2.6 gets neither (`show servers conn`: purge delay 0), so every request opened a new
 * connection to the dyno (measured: one connection per request and a third of the throughput) until the next
 * reload. Stated here, both kinds keep their connections to the dyno alive.
 */
export function serverLimits(limits: ProxyLimits): string {
  return `maxconn ${limits.dynoConcurrency} pool-max-conn -1 pool-purge-delay 5s`;
}

/**
 * Heroku's H11 in an app's backend: a dyno takes `dynoConcurrency` requests at once (its `maxconn`), more wait in
 * the backend's queue. HAProxy 2.6 has no cap on a backend's queue (`maxqueue` bounds a server's own queue, which
 * `balance random` does not use), so a rule compares the queue (`queue`) with `backlogPerDyno` × the dynos up
 * (`nbsrv`) and answers 503 H11 (the application-error page) when it is full. A queued request waiting longer
 * than `timeout queue` ends as `sQ`, also H11.
 */
function backlogRules(f: ReturnType<typeof proxyFiles>, limits: ProxyLimits): string[] {
  return [
    `  http-request set-var(txn.backlog) nbsrv,mul(${limits.backlogPerDyno})`,
    '  http-request set-var(txn.code) str(H11) if { nbsrv gt 0 } { queue,sub(txn.backlog) ge 0 }',
    `  http-request return status 503 content-type "text/html; charset=utf-8" file ${f.appErrorPage} hdr cache-control "no-cache, no-store" if { var(txn.code) -m str H11 }`,
  ];
}

/** `host:port`, an IPv6 host in brackets. */
export function hostPort(address: { host: string; port: number }): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/**
 * The platform API's hostname (an ACL, `platform_api`): plain HTTP is redirected to HTTPS while TLS serves; the
 * hostname is matched before any app's, so no app can take it (the domains service refuses it too).
 */
function platformApiRules(options: ProxyConfigOptions, tls: boolean): string[] {
  const api = options.platformApi;
  if (!api) return [];
  const lines = [`  acl platform_api var(txn.host) -m str ${api.hostname}`];
  if (tls) {
    const target = `https://${api.hostname}${options.tlsPort === 443 ? '' : `:${options.tlsPort}`}%[pathq]`;
    const when = '!{ ssl_fc } platform_api';
    lines.push(`  http-request redirect location ${target} code 301 if ${when} METH_GET or ${when} METH_HEAD`, `  http-request redirect location ${target} code 308 if ${when}`);
  }
  return lines;
}

/**
 * ACME http-01 (RFC 8555 §8.3), before anything else and on any host: GET or HEAD of
 * `/.well-known/acme-challenge/<token>` with a token in acme.map is answered with its key authorization
 * (text/plain). Answered before the Host is matched, so no app logs it; an unknown token goes on to the app.
 */
function acmeRules(f: ReturnType<typeof proxyFiles>): string[] {
  const prefix = ACME_CHALLENGE_PREFIX.replace(/\./g, '\\.');
  const token = ACME_TOKEN_RE.source.slice(1, -1); // the same token alphabet as the Node router's
  return [
    `  http-request set-var(txn.acme) path,regsub(^${prefix},),map_str(${f.acmeMap}) if { method GET HEAD } { path_beg ${ACME_CHALLENGE_PREFIX} } { path_reg ^${prefix}${token}$ }`,
    '  http-request return status 200 content-type text/plain hdr cache-control no-store lf-string "%[var(txn.acme)]" if { var(txn.acme) -m found }',
  ];
}

/**
 * Plain-HTTP requests to an app that asked for HTTPS, for a hostname a certificate covers (covered.map: exact
 * names; covered-wildcards.map: `*.example.com` as `example.com`), are redirected to the TLS port: 301 for GET
 * and HEAD, 308 otherwise (keeps the method and body). Only written while the TLS side serves.
 */
function redirectRules(f: ReturnType<typeof proxyFiles>, tlsPort: number): string[] {
  const target = `https://%[var(txn.host)]${tlsPort === 443 ? '' : `:${tlsPort}`}%[pathq]`;
  const when = '!{ ssl_fc } https_asked https_covered';
  return [
    `  acl https_asked var(txn.app),map_str(${f.redirectMap}) -m found`,
    // Two lines of one ACL are ORed: an exact name, or the name without its first label for a wildcard.
    `  acl https_covered var(txn.host),map_str(${f.coveredMap}) -m found`,
    `  acl https_covered var(txn.host),regsub(^[^.]*\\.,),map_str(${f.coveredWildcardsMap}) -m found`,
    `  http-request redirect location ${target} code 301 if ${when} METH_GET or ${when} METH_HEAD`,
    `  http-request redirect location ${target} code 308 if ${when}`,
  ];
}
