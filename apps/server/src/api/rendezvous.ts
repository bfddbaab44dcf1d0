import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import type { Logger } from 'pino';
import type { AttachSessions, Pending } from './routes/one-offs.ts';

/**
 * Heroku's rendezvous protocol for attached one-offs (`heroku run`), beside the WebSocket attach of `platform run`:
 * the API hands out `attach_url: rendezvous://host:port/<secret>` (routes/one-offs.ts); the client opens TLS to
 * host:port and writes `<secret>\r\n`; the server answers one line, `rendezvous\r\n` (which the client discards),
 * and from then on the socket is the dyno's terminal: client bytes are its stdin, its stdout and stderr are sent
 * as they come. The exit status is not sent: the socket closes after the exit (`heroku run --exit-code` appends
 * `; echo "\uFFFF heroku-command-exit-status: $?"` to the command and reads it from the output). Without a
 * terminal (`--no-tty`) the client ends its input with a 0x04 byte: read as end of input. A client that
 * disconnects (or half-closes: `heroku run` ends its socket on Ctrl-C) before the exit ends the dyno (SIGHUP), as with the WebSocket; the secret is one-time, taken within
 * the same window, and revocations close the socket (createAttachSessions).
 */

/** Time for a connection to finish its handshake and send its secret line. */
const HELLO_TIMEOUT_MS = 10_000;
const MAX_HELLO_BYTES = 512;
const SECRET_RE = /^[A-Za-z0-9_-]{40,60}$/;
/** After the exit, how long the last output may take to reach the socket. */
const OUTPUT_DRAIN_MS = 5_000;
const EOT = 0x04;

export interface RendezvousOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  /** PEM certificate (chain) and key. */
  cert: string;
  key: string;
  sessions: AttachSessions;
  logger: Logger;
}

export interface RendezvousListener {
  port: number;
  close(): Promise<void>;
}

/**
 * Starts the rendezvous TLS listener; resolves once it listens.
 *
 *   const rv = await startRendezvousListener({ host: '0.0.0.0', port: 5001, cert, key, sessions, logger });
 *   // POST /apps/:app/dynos now hands heroku run `rendezvous://<api host>:5001/<secret>`
 */
export async function startRendezvousListener(options: RendezvousOptions): Promise<RendezvousListener> {
  const log = options.logger.child({ component: 'rendezvous' });
  const sockets = new Set<tls.TLSSocket>();
  const server = tls.createServer({ cert: options.cert, key: options.key, handshakeTimeout: HELLO_TIMEOUT_MS });
  server.maxConnections = 1000;
  server.on('tlsClientError', () => undefined); // scanners and clients that distrust a self-signed certificate
  server.on('secureConnection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    readSecret(socket, (secret, rest) => {
      const session = SECRET_RE.test(secret) ? options.sessions.redeem(secret) : null;
      if (!session?.oneOff.attached) {
        socket.destroy();
        return;
      }
      serveRendezvous(options.sessions, socket, session, rest, log);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => (server.off('error', reject), resolve()));
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

/** Reads the first line (`<secret>\r\n`) within HELLO_TIMEOUT_MS; bytes after it are the dyno's first input. */
function readSecret(socket: tls.TLSSocket, then: (secret: string, rest: Buffer) => void): void {
  let buffered = Buffer.alloc(0);
  socket.setTimeout(HELLO_TIMEOUT_MS, () => socket.destroy());
  const onData = (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    const nl = buffered.indexOf(0x0a);
    if (nl < 0) {
      if (buffered.length > MAX_HELLO_BYTES) socket.destroy();
      return;
    }
    socket.off('data', onData);
    socket.pause();
    socket.setTimeout(0);
    then(buffered.subarray(0, nl).toString('latin1').replace(/\r$/, '').replace(/^\//, ''), buffered.subarray(nl + 1));
  };
  socket.on('data', onData);
}

function serveRendezvous(sessions: AttachSessions, socket: tls.TLSSocket, session: Pending, first: Buffer, parent: Logger): void {
  const { oneOff } = session;
  const io = oneOff.attached!;
  const log = parent.child({ dyno: oneOff.status.name, app: oneOff.status.app });
  let finished = false;
  const untrack = sessions.track({ close: () => socket.destroy() }, session);
  socket.setNoDelay(true);

  const input = (chunk: Buffer) => {
    if (io.stdin.writableEnded || io.stdin.destroyed) return;
    // With a terminal (stderr merged into stdout) 0x04 is Ctrl-D, the terminal's own EOF: passed through.
    const eot = io.stderr === null ? -1 : chunk.indexOf(EOT);
    if (eot < 0) {
      io.stdin.write(chunk);
      return;
    }
    if (eot > 0) io.stdin.write(chunk.subarray(0, eot));
    io.stdin.end();
  };
  io.stdin.on('error', () => undefined); // the process may exit without reading its input
  if (first.length > 0) input(first);
  socket.on('data', input);

  const outputs: Readable[] = [io.stdout, ...(io.stderr ? [io.stderr] : [])];
  const ended = (stream: Readable) =>
    stream.readableEnded ? Promise.resolve() : new Promise<void>((resolve) => (stream.once('end', resolve), stream.once('close', resolve)));
  const outputEnded = Promise.all(outputs.map(ended));
  // The greeting goes alone in its own TLS record: the client drops the first chunk it reads.
  socket.write('rendezvous\r\n', () => {
    socket.resume();
    for (const stream of outputs) {
      stream.on('data', (chunk: Buffer) => {
        if (socket.destroyed) return;
        if (!socket.write(chunk)) for (const s of outputs) s.pause();
      });
    }
  });
  socket.on('drain', () => {
    for (const s of outputs) s.resume();
  });

  void oneOff.exited.then(async () => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([outputEnded, new Promise((resolve) => (timer = setTimeout(resolve, OUTPUT_DRAIN_MS)))]);
    clearTimeout(timer);
    finished = true;
    untrack();
    if (!socket.destroyed) socket.end();
  });

  const disconnected = () => {
    untrack();
    if (finished) return;
    finished = true;
    log.info('rendezvous client disconnected; stopping the one-off dyno');
    void oneOff.stop('SIGHUP');
  };
  socket.on('close', disconnected);
}
