import { createHash } from 'node:crypto';
import { request, type IncomingMessage, type Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createNodeRouter, type NodeRouter } from '../src/index.ts';
import { closeServer, deadPort, get, logRecorder, startUpstream } from '../../../test/contracts/router-helpers.ts';

// What the Node router does beyond the contract (test/contracts/router.contract.ts, run by contract.test.ts).
describe('node router', () => {
  let router: NodeRouter;
  let port: number;
  let logs: ReturnType<typeof logRecorder>;
  const upstreams: Server[] = [];

  beforeEach(async () => {
    logs = logRecorder();
    router = createNodeRouter({ domain: 'localhost', onLog: logs.onLog });
    ({ port } = await router.listen(0, '127.0.0.1'));
  });

  afterEach(async () => {
    await router.close();
    await Promise.all(upstreams.splice(0).map(closeServer));
  });

  it('retries a refused connection on another dyno, with the body intact', async () => {
    const up = await startUpstream((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end('got ' + Buffer.concat(chunks).toString()));
    });
    upstreams.push(up.server);
    await router.setRoutes('myapp', [
      { dyno: 'web.1', address: { host: '127.0.0.1', port: await deadPort() } },
      { dyno: 'web.2', address: { host: '127.0.0.1', port: up.port } },
    ]);
    for (let i = 0; i < 10; i++) {
      const res = await get(
        port,
        'myapp.localhost',
        '/',
        { 'content-type': 'text/plain' },
        'POST',
        'payload ' + i,
      );
      expect(res).toMatchObject({ status: 200, body: 'got payload ' + i });
    }
    const entries = await logs.waitFor(10);
    expect(entries.every((e) => e.dyno === 'web.2' && e.status === 200)).toBe(true);
  });

  it('streams the request body: the dyno sees the first chunk before the client sends the rest', async () => {
    const hash = createHash('sha256');
    const up = await startUpstream((req, res) => {
      let first = true;
      req.on('data', (c: Buffer) => {
        hash.update(c);
        if (first) {
          first = false;
          res.writeHead(200);
          res.write('first chunk seen\n');
        }
      });
      req.on('end', () => res.end(hash.digest('hex')));
    });
    upstreams.push(up.server);
    await router.setRoutes('myapp', [{ dyno: 'web.1', address: { host: '127.0.0.1', port: up.port } }]);

    const expected = createHash('sha256');
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/upload',
          headers: { host: 'myapp.localhost' },
          agent: false,
        },
        (res: IncomingMessage) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            text += chunk;
            // Only once the dyno answered the first chunk does the client send the rest (1 MiB).
            if (text === 'first chunk seen\n') {
              const rest = Buffer.alloc(1 << 20, 7);
              expected.update(rest);
              req.end(rest);
            }
          });
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      const first = Buffer.from('hello ');
      expected.update(first);
      req.write(first);
    });
    expect(body).toBe('first chunk seen\n' + expected.digest('hex'));
  });
});
