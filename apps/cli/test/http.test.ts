import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCEPT, createApiClient } from '../src/http.ts';

// A real HTTP server exercising only the protocol mechanics the client implements
// (headers, Range/Next-Range, error bodies). Platform behaviour is covered by the lead's e2e tests.
let server: Server;
let base: string;
const seen: IncomingHttpHeaders[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.headers);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/pages') {
      // three pages: start at 0, 2, 4 (encoded in the range value)
      const start = Number(/\](\d+)/.exec(req.headers.range ?? '')?.[1] ?? 0);
      const items = [start, start + 1].filter((n) => n < 5);
      const next: Record<string, string> = start + 2 < 5 ? { 'Next-Range': `id ]${start + 2}..; max=2` } : {};
      return json(next['Next-Range'] ? 206 : 200, items, next);
    }
    if (req.url === '/loop') return json(206, [1], { 'Next-Range': 'id ]1..' });
    if (req.url === '/invalid')
      return json(422, { id: 'invalid_params', message: 'Name is already taken.' }, { 'Request-Id': 'r-1' });
    if (req.url === '/unauthorized')
      return json(401, { id: 'unauthorized', message: 'Invalid credentials provided.' });
    if (req.url === '/html') {
      res.writeHead(502, { 'Content-Type': 'text/html' });
      return res.end('<h1>Bad gateway</h1>');
    }
    if (req.method === 'PATCH') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => json(200, { echoed: JSON.parse(body) }));
      return;
    }
    json(200, { ok: true });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('createApiClient', () => {
  it('sends the v3 Accept header, the bearer token and the Range header', async () => {
    const api = createApiClient({ server: base, token: 'tok' });
    seen.length = 0;
    expect(await api.get('/ok', { range: 'version ..; max=15, order=desc' })).toEqual({ ok: true });
    expect(seen[0]).toMatchObject({
      accept: ACCEPT,
      authorization: 'Bearer tok',
      range: 'version ..; max=15, order=desc',
    });
  });

  it('follows Next-Range on array GETs unless partial', async () => {
    const api = createApiClient({ server: base, token: 'tok' });
    seen.length = 0;
    expect(await api.get('/pages')).toEqual([0, 1, 2, 3, 4]);
    expect(seen.map((h) => h.range)).toEqual([undefined, 'id ]2..; max=2', 'id ]4..; max=2']);
    expect(await api.get('/pages', { partial: true })).toEqual([0, 1]);
  });

  it('stops when a server repeats the same Next-Range', async () => {
    const api = createApiClient({ server: base, token: 'tok' });
    expect(await api.get('/loop')).toEqual([1, 1]);
  });

  it('sends JSON bodies', async () => {
    const api = createApiClient({ server: base, token: 'tok' });
    expect(await api.patch('/config-vars', { A: '1', B: null })).toEqual({ echoed: { A: '1', B: null } });
  });

  it('turns {id, message} errors into errors with the message and details', async () => {
    const api = createApiClient({ server: base, token: 'tok' });
    await expect(api.post('/invalid', {})).rejects.toMatchObject({
      message: 'Name is already taken.',
      details: { status: 422, id: 'invalid_params', method: 'POST', requestId: 'r-1' },
    });
    await expect(api.get('/unauthorized')).rejects.toMatchObject({
      details: { hint: expect.stringContaining('platform login') },
    });
  });

  it('reports non-JSON errors as HTTP Error <status> for <METHOD> <url>', async () => {
    const api = createApiClient({ server: base, token: 'tok' });
    await expect(api.get('/html')).rejects.toThrow(
      `HTTP Error 502 for GET ${base}html\n<h1>Bad gateway</h1>`,
    );
  });

  it('reports an unreachable server with what to check', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const api = createApiClient({ server: `http://127.0.0.1:${port}`, token: 'tok' });
    await expect(api.get('/x')).rejects.toMatchObject({
      code: 'PLT_CLI_SERVER_UNREACHABLE',
      message: expect.stringContaining('ECONNREFUSED'),
    });
  });
});
