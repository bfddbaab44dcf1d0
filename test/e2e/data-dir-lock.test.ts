import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type ServerHandle } from '../support/platform.ts';
import { api } from '../support/api.ts';

/**
 * Issue 20: one server per data dir. A second platformd started on the data dir a running one uses refuses to
 * start, naming the holder's pid, and touches nothing of the running server (its embedded Postgres included).
 */
describe('a second platformd on the same data dir', () => {
  let server: ServerHandle;

  beforeAll(async () => {
    server = await startServer({ runtime: 'process' });
    expect((await api(server.apiUrl, server.token, 'POST', '/apps', { name: 'lock-app' })).status).toBe(201);
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('refuses to start, names the running one, and leaves it serving', async () => {
    const second = await startServer({ runtime: 'process', dataDir: server.dataDir }).then(
      (s) => ({ started: s, error: null as Error | null }),
      (err: Error) => ({ started: null, error: err }),
    );
    if (second.started) await second.started.stop();
    expect(second.started).toBeNull();
    expect(second.error?.message).toContain(`platformd: could not start: Another platformd (pid ${server.child.pid}) is using the data directory ${server.dataDir}`);
    // The running server still answers, with its database.
    const apps = await api(server.apiUrl, server.token, 'GET', '/apps');
    expect(apps.status).toBe(200);
    expect((apps.json as Array<{ name: string }>).map((a) => a.name)).toContain('lock-app');
    expect((await fetch(`${server.apiUrl}/healthz`)).status).toBe(200);
    expect(server.output.join('\n')).not.toContain('stopping a PostgreSQL left running');
  });
});
