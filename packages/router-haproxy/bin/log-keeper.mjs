#!/usr/bin/env node
// The access log's keeper, started by router-haproxy beside the HAProxy it starts (README "Access log").
//
// Why: HAProxy 2.6's ring forwarder (`ring access` → `server platformd unix@<dir>/log.sock`) connects again at
// once when a connect fails. While no platformd listens on log.sock (stopped, killed, a test run aborted), every
// attempt fails at once (ENOENT or ECONNREFUSED) and the worker spins at 70-100 % of a core (seen with strace:
// socket, connect → ENOENT, close, in a loop). The keeper listens on log.sock whenever platformd does not: the
// forwarder then holds one connection and sends its lines here, which the keeper keeps (bounded: the oldest go
// first, as in HAProxy's ring) until a platformd listens again, then hands them over on one connection of its
// own and closes the forwarder's, which connects again, to platformd.
//
// Usage: node log-keeper.mjs <router dir>. Exits once HAProxy's master (haproxy.pid) has been gone for 10 s, so it
// never outlives the proxy. Reads no environment; writes <dir>/log-keeper.pid.
import { createConnection, createServer } from 'node:net';
import { chmodSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: log-keeper.mjs <router dir>\n');
  process.exit(2);
}
const socketPath = join(dir, 'log.sock');
const TICK_MS = 500;
const MASTER_GRACE_TICKS = 20; // 10 s: the driver starts a dead proxy again within about a second
const MAX_BYTES = 4 * 1024 * 1024; // as HAProxy's ring

/** @type {string[]} lines kept for the next platformd, oldest first */
let lines = [];
let bytes = 0;
/** @type {import('node:net').Server | null} */
let server = null;
let ownIno = 0;
const forwarders = new Set();
let masterGone = 0;
let busy = false;
/** @type {import('node:net').Socket | null} during a handover: platformd's connection, where lines now go */
let sink = null;
const FORWARDER_DRAIN_MS = 2_000;

const pidFile = join(dir, 'log-keeper.pid');

/** Names this keeper in log-keeper.pid (a temporary file of its own, renamed: two writers never share one). */
function claimPidFile() {
  const tmp = `${pidFile}.${process.pid}`;
  writeFileSync(tmp, `${process.pid}\n`, { mode: 0o600 });
  renameSync(tmp, pidFile);
}

/**
 * Whether log-keeper.pid names another live keeper. Two platformds starting at once may each start one; the one
 * the file names stays, the other steps aside (and a file naming a keeper that is gone is claimed again).
 */
function anotherKeeperNamed() {
  let pid = 0;
  try {
    pid = Number.parseInt(readFileSync(pidFile, 'utf8').trim(), 10);
  } catch {
    // no file: claimed below
  }
  if (pid === process.pid) return false;
  const args = (() => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      return [];
    }
  })();
  if (pid > 1 && args.some((a) => a.endsWith('log-keeper.mjs')) && args.includes(dir)) return true;
  claimPidFile();
  return false;
}

claimPidFile();

function masterAlive() {
  try {
    const pid = Number.parseInt(readFileSync(join(dir, 'haproxy.pid'), 'utf8').trim().split('\n')[0] ?? '', 10);
    return pid > 1 && /^\d+ \(haproxy\) [^Z]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function keep(line) {
  lines.push(line);
  bytes += line.length + 1;
  while (bytes > MAX_BYTES && lines.length) bytes -= lines.shift().length + 1;
}

/** Whether something (platformd) accepts connections on log.sock now. */
function listened() {
  return new Promise((resolve) => {
    const probe = createConnection(socketPath);
    probe.once('connect', () => (probe.destroy(), resolve(true)));
    probe.once('error', () => resolve(false));
  });
}

// Node unlinks a unix server's path when the server closes: it binds a name of its own, then renames it over
// log.sock, so that closing it later never removes a platformd's socket that took the path since.
async function takeOver() {
  const own = `${socketPath}.keeper-${process.pid}`;
  try {
    unlinkSync(own);
  } catch {
    // none there
  }
  const s = createServer((socket) => {
    forwarders.add(socket);
    socket.setEncoding('utf8');
    let rest = '';
    socket.on('data', (chunk) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      if (sink) sink.write(parts.map((line) => `${line}\n`).join(''));
      else for (const line of parts) keep(line);
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => forwarders.delete(socket));
  });
  await new Promise((resolve, reject) => s.once('error', reject).listen(own, resolve));
  chmodSync(own, 0o600);
  ownIno = statSync(own).ino;
  renameSync(own, socketPath);
  server = s;
}

/**
 * A platformd listens on log.sock again: it gets the lines kept, on one connection of the keeper's, then the
 * forwarder's connection. That one is half-closed and read to its end, not destroyed: a line HAProxy wrote just
 * before (in the socket's buffer, unread) would be lost, and HAProxy counts it as sent. Lines read meanwhile go
 * straight to platformd, after the kept ones; the forwarder connects again, to platformd, once it closed.
 */
async function handOver() {
  const s = server;
  server = null;
  s?.close();
  const out = createConnection(socketPath);
  await new Promise((resolve, reject) => out.once('connect', resolve).once('error', reject));
  out.on('error', () => out.destroy());
  sink = out;
  if (lines.length) out.write(`${lines.join('\n')}\n`);
  lines = [];
  bytes = 0;
  const drained = [...forwarders].map((socket) => new Promise((resolve) => (socket.once('close', resolve), socket.end())));
  const timer = setTimeout(() => {
    for (const socket of forwarders) socket.destroy();
  }, FORWARDER_DRAIN_MS);
  await Promise.all(drained);
  clearTimeout(timer);
  sink = null;
  await new Promise((resolve) => out.end(resolve));
}

function pathIsOurs() {
  try {
    return statSync(socketPath).ino === ownIno;
  } catch {
    return false;
  }
}

async function tick() {
  // Another keeper serves this directory: step aside, unless this one holds lines for platformd (it hands them
  // over first; the other never takes log.sock while this one listens there).
  if (anotherKeeperNamed() && lines.length === 0) {
    if (server && pathIsOurs()) unlinkSync(socketPath);
    process.exit(0);
  }
  masterGone = masterAlive() ? 0 : masterGone + 1;
  if (masterGone >= MASTER_GRACE_TICKS) {
    if (server && pathIsOurs()) unlinkSync(socketPath);
    process.exit(0);
  }
  if (server === null) {
    if (!(await listened())) await takeOver();
  } else if (!pathIsOurs() && (await listened())) {
    await handOver();
  }
}

setInterval(() => {
  if (busy) return;
  busy = true;
  tick()
    .catch(() => undefined)
    .finally(() => (busy = false));
}, TICK_MS);
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    if (server && pathIsOurs()) unlinkSync(socketPath);
    process.exit(0);
  });
}
