import { createServer, type Server } from 'node:http';

/** A real TCP port on `host` that a fake web dyno binds, answering every HTTP request with one status. */
export interface PortListener {
  port: number;
  /** Starts accepting connections (idempotent). Rejects when the port was taken meanwhile. */
  bind(): Promise<void>;
  /** Stops accepting and drops open connections (idempotent). */
  close(): Promise<void>;
}

/**
 * Reserves a free port on `host` (the kernel picks it), without listening yet: a probe gets "connection
 * refused" until `bind()`. Answers `status` with the text `<dyno name>`, no keep-alive.
 */
export async function reservePort(host: string, name: string, status: () => number): Promise<PortListener> {
  const probe = createServer();
  const port = await new Promise<number>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen({ port: 0, host, exclusive: true }, () => {
      const address = probe.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    });
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  let server: Server | null = null;
  let bound: Promise<void> | null = null;
  return {
    port,
    bind() {
      bound ??= new Promise<void>((resolve, reject) => {
        server = createServer((req, res) => {
          res.writeHead(status(), { 'content-type': 'text/plain', connection: 'close' });
          res.end(name);
        });
        server.once('error', reject);
        server.listen({ port, host, exclusive: true }, () => resolve());
      });
      return bound;
    },
    async close() {
      const s = server;
      server = null;
      if (!s) return;
      s.closeAllConnections();
      await new Promise<void>((resolve) => s.close(() => resolve()));
    },
  };
}
