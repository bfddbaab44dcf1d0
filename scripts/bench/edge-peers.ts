/**
 * What the edge bench measures the routers against and with: the upstream "dyno", Debian's nginx configured two
 * ways (plain, and doing the same work as the router: Heroku's headers and one log line per request to a UDP
 * receiver that parses it), a self-signed certificate for the TLS rows, and the log receiver itself.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { parseAccessLine } from '@platform/router-haproxy';
import { until } from './wait.ts';

const UPSTREAM = `require('http').createServer((q, r) => r.end('ok ' + process.argv[1])).listen(0, '127.0.0.1', function () { console.log(this.address().port); });`;

/** A one-line Node HTTP server answering `ok <name>`, as a process of its own (the dyno every path proxies to). */
export async function startDyno(name: string): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['-e', UPSTREAM, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
  return { child, port };
}

/** A self-signed RSA-2048 certificate for `name` (openssl), used by both proxies' TLS rows. */
export async function selfSigned(dir: string, name: string): Promise<{ chainPem: string; keyPem: string; crt: string; key: string }> {
  const [key, crt] = [path.join(dir, `${name}.key`), path.join(dir, `${name}.crt`)];
  await promisify(execFile)('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', crt, '-days', '2', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`]);
  return { chainPem: await readFile(crt, 'utf8'), keyPem: await readFile(key, 'utf8'), crt, key };
}

/**
 * A UDP log receiver in this process that does per line what platformd does with HAProxy's: parse it into a
 * router log entry (router-haproxy's `parseAccessLine`). nginx's syslog header (`<190>… nginx: `) is cut first.
 */
export async function startLogSink(): Promise<{ port: number; lines(): number; close(): Promise<void> }> {
  const socket = createSocket('udp4');
  let lines = 0;
  socket.on('message', (msg) => {
    const text = msg.toString('utf8');
    if (parseAccessLine(text.slice(Math.max(0, text.indexOf('PLT1 '))))) lines++;
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { port: socket.address().port, lines: () => lines, close: () => new Promise((resolve) => socket.close(() => resolve())) };
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise((resolve) => srv.close(resolve));
  return port;
}

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('error', () => resolve(false));
  });

export interface NginxOptions {
  /** `worker_processes`: the edge bench gives nginx as many as HAProxy has threads. */
  workers: number;
  /** The router's work: X-Request-Id (kept when valid, else made), X-Request-Start, X-Forwarded-*, Via, a Host → app map, and one access-log line per request in router-haproxy's shape, by syslog (UDP) to this port. */
  like?: { logPort: number } | undefined;
  /** Also serve TLS with this certificate. */
  tls?: { crt: string; key: string } | undefined;
}

/**
 * Debian's nginx as a keep-alive reverse proxy to one upstream, in a temp prefix and a session of its own (as
 * HAProxy): as many workers as HAProxy has threads, 64 idle upstream connections kept (HAProxy keeps them per
 * server too).
 */
export async function startNginx(upstreamPort: number, o: NginxOptions): Promise<{ port: number; tlsPort: number | null; pids(): Promise<number[]>; stop(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'platform-bench-nginx-'));
  const port = await freePort();
  const tlsPort = o.tls ? await freePort() : null;
  const like = o.like
    ? `
  map $http_x_request_id $rid { "~^[A-Za-z0-9+/=-]{20,200}$" $http_x_request_id; default $request_id; }
  map $host $app { hostnames; bench.localhost bench; default ""; }
  log_format plt 'PLT1 "$app" "web.1--$upstream_addr" $status $body_bytes_sent 0 0 0 $request_length ---- "$rid" "" "$request_method" "$request_uri" "$http_host" "$proxy_add_x_forwarded_for" "$scheme"';
  access_log syslog:server=127.0.0.1:${o.like.logPort},nohostname,tag=nginx plt;`
    : '\n  access_log off;';
  const headers = o.like
    ? `
      proxy_set_header X-Request-Id $rid;
      proxy_set_header X-Request-Start $msec;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Port $server_port;
      add_header Via "1.1 platform";`
    : '\n      proxy_set_header X-Forwarded-For $remote_addr;';
  const conf = `
worker_processes ${o.workers};
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {${like}
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream dyno { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${port};
    ${o.tls ? `listen 127.0.0.1:${tlsPort} ssl; ssl_certificate ${o.tls.crt}; ssl_certificate_key ${o.tls.key};` : ''}
    location / {
      proxy_pass http://dyno;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;${headers}
    }
  }
}
`;
  await writeFile(path.join(dir, 'nginx.conf'), conf);
  // A session of its own, as HAProxy's (which must outlive platformd): with the kernel's autogroup scheduling, a
  // process's session decides its share of a busy machine's CPU, so both proxies compete alike.
  const child = spawn('nginx', ['-e', path.join(dir, 'error.log'), '-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'ignore', detached: true });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await until(() => canConnect(port), { timeoutMs: 10_000, what: 'nginx to listen' });
  return {
    port,
    tlsPort,
    async pids() {
      const children = await readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').catch(() => '');
      return [child.pid!, ...children.split(' ').filter(Boolean).map(Number)];
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
