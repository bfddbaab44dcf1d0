import net from 'node:net';
import { Writable } from 'node:stream';
import type Docker from 'dockerode';

/**
 * The relay run inside the add-on's container for each tunnelled connection (`node -e RELAY <host> <port>`): its
 * stdin to the server, the server to its stdout; EOF on stdin half-closes the server connection, and the relay
 * exits when the server closes it. Fixed code: nothing secret is in its argv.
 */
const RELAY =
  "const s=require('net').connect(Number(process.argv[2]),process.argv[1]);" +
  'process.stdin.pipe(s);s.pipe(process.stdout);' +
  "s.on('close',()=>process.exit(0));s.on('error',()=>process.exit(1));";

/** A local TCP listener whose connections reach an add-on's server inside its container. */
export interface ServerTunnel {
  /** Always `127.0.0.1`. */
  host: string;
  port: number;
  /** Stops listening and cuts the open connections. */
  close(): Promise<void>;
}

/**
 * How platformd reaches an add-on's server that only its app's overlay can reach (platformd is on no overlay,
 * and nothing is published): a listener on 127.0.0.1 and a free port; each connection becomes an exec of a small
 * relay in the server's current container (`container()` names it, asked per connection so a restarted task is
 * followed), which connects to the server's own port there. The server still asks for its password. A connection
 * made while no container runs is closed at once.
 *
 *   const tunnel = await openTunnel(docker, () => runningContainerId(), 5432);
 *   new pg.Client({ host: tunnel.host, port: tunnel.port, … });
 */
export async function openTunnel(docker: Docker, container: () => Promise<string>, serverPort: number): Promise<ServerTunnel> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    void relay(docker, container, serverPort, socket).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: '127.0.0.1',
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Joins one local connection to a relay exec'd in the server's container. */
async function relay(docker: Docker, container: () => Promise<string>, serverPort: number, socket: net.Socket): Promise<void> {
  const id = await container();
  if (!id || socket.destroyed) {
    socket.destroy();
    return;
  }
  const exec = await docker.getContainer(id).exec({
    Cmd: ['node', '-e', RELAY, '127.0.0.1', String(serverPort)],
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = (await exec.start({ hijack: true, stdin: true })) as unknown as NodeJS.ReadWriteStream & { destroy(): void };
  if (socket.destroyed) {
    stream.destroy();
    return;
  }
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  docker.modem.demuxStream(stream, socket, discard);
  stream.on('end', () => socket.end());
  stream.on('close', () => socket.end());
  stream.on('error', () => socket.destroy());
  // The client's EOF ends the relay's stdin: the relay half-closes its server connection.
  socket.pipe(stream as NodeJS.WritableStream);
  socket.on('close', () => stream.destroy());
}
