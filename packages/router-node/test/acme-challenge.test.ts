import { describe, expect, it } from 'vitest';
import { createNodeRouter } from '../src/index.ts';
import { closeServer, get, logRecorder, startUpstream } from '../../../test/contracts/router-helpers.ts';

describe('router: ACME http-01 challenges', () => {
  it('answers a known token on any host, and routes the rest to the app', async () => {
    const logs = logRecorder();
    const tokens = new Map([['tok_en-1', 'tok_en-1.thumbprint']]);
    const router = createNodeRouter({ domain: 'localhost', onLog: logs.onLog, acmeChallenge: (t) => tokens.get(t) });
    const { port } = await router.listen(0, '127.0.0.1');
    const up = await startUpstream((req, res) => res.end(`app saw ${req.url}`));
    try {
      await router.setRoutes('shop', [{ dyno: 'web.1', address: { host: '127.0.0.1', port: up.port } }]);
      await router.setDomains('shop', ['www.example.com']);
      for (const host of ['www.example.com', 'unknown.example.org', 'shop.localhost']) {
        const res = await get(port, host, '/.well-known/acme-challenge/tok_en-1');
        expect(res.status).toBe(200);
        expect(res.body).toBe('tok_en-1.thumbprint');
        expect(res.headers['content-type']).toBe('text/plain');
      }
      expect((await get(port, 'www.example.com', '/.well-known/acme-challenge/other')).body).toBe('app saw /.well-known/acme-challenge/other');
      expect((await get(port, 'unknown.example.org', '/.well-known/acme-challenge/other')).status).toBe(404);
    } finally {
      await router.close();
      await closeServer(up.server);
    }
  });
});
