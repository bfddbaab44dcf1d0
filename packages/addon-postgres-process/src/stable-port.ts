import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';

/**
 * The port the add-on server listens on, chosen once and kept in `file`: add-ons' URLs, in apps' config, name it,
 * so it must not change across restarts.
 */
export async function stablePort(file: string): Promise<number> {
  if (existsSync(file)) {
    const port = Number((await readFile(file, 'utf8')).trim());
    if (Number.isInteger(port) && port > 0 && port < 65536) return port;
  }
  const port = await freePort();
  await writeFile(file, `${port}\n`, { mode: 0o600 });
  return port;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
