import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import type pg from 'pg';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import type { User } from '@platform/store-postgres';
import { deployedApp, someUser } from '../support/services.ts';
import { testApi } from '../support/api.ts';
import { access, installAccessRules, routeTable, type RouteEntry } from '../../src/api/access.ts';
import { createAuthThrottle } from '../../src/api/auth-throttle.ts';

/**
 * Issue 16's route-table test: every route the server registers, called with no token, a malformed one, a revoked
 * one, an expired one and another user's, answers 401/403/404 in the one error shape and changes nothing. The list
 * comes from fastify itself (api/access.ts records each route and its rule), so a new route is covered the day it
 * is added; a route without a rule stops the server from starting.
 */
let db: TestDatabase;
let api: Awaited<ReturnType<typeof testApi>>;
let alice: User;
let bob: User;
let carol: User;
let admin: User;
let tokens: Record<'alice' | 'bob' | 'carol' | 'admin' | 'revoked' | 'expired', string>;
const params: Record<string, string> = {};

beforeAll(async () => {
  db = await startTestDatabase();
  api = await testApi(db.store);
  [alice, bob, carol, admin] = [await someUser(db.store), await someUser(db.store), await someUser(db.store), await someUser(db.store, true)];
  const { app, build } = await deployedApp(db.store, api.slugsDir, alice, 'rt-app');
  await db.store.collaborators.add(app.id, carol.id, ['view']);
  const drain = await db.store.drains.add(app.id, 'syslog://logs.example.com:514');
  const revoked = await db.store.accounts.issueToken(alice.id, 'revoked');
  await db.store.accounts.revokeToken(alice.id, revoked.record.id);
  tokens = {
    alice: await db.store.accounts.createToken(alice.id, 'test'),
    bob: await db.store.accounts.createToken(bob.id, 'test'),
    carol: await db.store.accounts.createToken(carol.id, 'test'),
    admin: await db.store.accounts.createToken(admin.id, 'test'),
    revoked: revoked.token,
    expired: await db.store.accounts.createToken(alice.id, 'expired', { expiresAt: new Date(Date.now() - 1000) }),
  };
  const aliceToken = (await db.store.accounts.listTokens(alice.id))[0]!;
  Object.assign(params, {
    app: app.name, user: alice.email, id: aliceToken.id, collaborator: carol.email, release: 'v1', build: build.id,
    dyno: 'web.1', type: 'web', drain: drain.id, code: 'x'.repeat(32), token: 'x'.repeat(32),
  });
});

afterAll(async () => {
  await api?.close();
  await db?.stop();
});

/** A body that would change something on most routes, were the request let through. */
const BODY = {
  name: 'rt-renamed', owner: 'nobody@example.com', X: '1', updates: [{ type: 'web', quantity: 0 }], quantity: 0, url: 'syslog://other.example.com:514',
  user: 'nobody@example.com', permissions: ['view'], command: 'bash', release: 'v1', email: 'new@example.com', password: 'a-long-enough-password', disabled: true,
};

/** Every row the platform keeps (but when a token was last used, which a valid token's request updates). */
async function snapshot(pool: pg.Pool): Promise<string> {
  const tables = ['users', 'apps', 'builds', 'releases', 'formations', 'log_drains', 'collaborators', 'audit_events'];
  const rows = await Promise.all(tables.map(async (t) => (await pool.query(`SELECT to_jsonb(x) AS r FROM ${t} x ORDER BY 1::text`)).rows.map((r) => JSON.stringify(r.r)).sort()));
  const tokenRows = (await pool.query('SELECT id, user_id, description, expires_at FROM api_tokens ORDER BY id')).rows;
  return JSON.stringify([rows, tokenRows]);
}

const urlOf = (route: RouteEntry) => route.url.replace(/:(\w+)/g, (_m, name: string) => encodeURIComponent(params[name] ?? 'x'));

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
const CREDENTIALS: Array<{ name: string; headers: () => Record<string, string>; statuses: number[] }> = [
  { name: 'no token', headers: () => ({}), statuses: [401] },
  { name: 'a malformed token', headers: () => ({ authorization: 'Bearer' }), statuses: [401] },
  { name: 'a malformed Basic header', headers: () => ({ authorization: 'Basic %%%' }), statuses: [401] },
  { name: 'an unknown token', headers: () => bearer('f'.repeat(64)), statuses: [401] },
  { name: 'a revoked token', headers: () => bearer(tokens.revoked), statuses: [401] },
  { name: 'an expired token', headers: () => bearer(tokens.expired), statuses: [401] },
  { name: 'a wrong password', headers: () => ({ authorization: `Basic ${Buffer.from(`${alice.email}:wrong-password-1`).toString('base64')}` }), statuses: [401] },
];
const ID_OF: Record<number, string> = { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found' };

describe('the route table', () => {
  it('has a rule on every route, and the unauthenticated ones are the known few', () => {
    const table = routeTable(api.app);
    expect(table.length).toBeGreaterThan(30);
    for (const r of table) expect(r.access, `${r.method} ${r.url}`).toBeDefined();
    // A route about one app decides by the app: its rule must name the permission it needs.
    for (const r of table.filter((t) => t.url.includes(':app'))) expect(r.access, `${r.method} ${r.url}`).toMatch(/^app:/);
    const open = table.filter((r) => r.access === 'public' || r.access === 'session' || r.access === 'git').map((r) => `${r.method} ${r.url} ${r.access}`);
    // A new entry here is a route anyone may call: add it only with a reason in its access rule's comment.
    expect(open.sort()).toEqual([
      'GET /cli/platform-cli.tgz public',
      'GET /healthz public',
      'GET /log-streams/:token session',
      'HEAD /cli/platform-cli.tgz public',
      'HEAD /healthz public',
      'HEAD /log-streams/:token session',
      'PATCH /invitations/:code public',
    ]);
  });

  it('refuses a route without a rule at start-up', async () => {
    const app = Fastify({ logger: false });
    installAccessRules(app, { store: db.store }, createAuthThrottle({ max: 10, windowMs: 60_000 }));
    app.get('/ruled', access('user'), async () => 'ok');
    app.get('/forgotten', async () => 'oops');
    await expect(app.ready()).rejects.toThrow('Route GET /forgotten declares no access rule');
  });

  it('answers every guarded route × bad credentials with 401/403/404 and changes nothing', async () => {
    const guarded = routeTable(api.app).filter((r) => !['public', 'session', 'git'].includes(r.access!));
    const before = await snapshot(db.pool);
    const recorded = JSON.stringify(api.recorded);
    const failures: string[] = [];
    let calls = 0;
    for (const route of guarded) {
      const cases = [...CREDENTIALS];
      // Another user's token: a stranger to the app (404), not an admin (403); user routes act on the caller's own things.
      if (route.access!.startsWith('app:')) cases.push({ name: "another user's token", headers: () => bearer(tokens.bob), statuses: [404] });
      if (route.access === 'admin') cases.push({ name: "a non-admin's token", headers: () => bearer(tokens.bob), statuses: [403] });
      // A collaborator with view only: 403 wherever more is needed.
      if (route.access!.startsWith('app:') && route.access !== 'app:view') cases.push({ name: 'a view-only collaborator', headers: () => bearer(tokens.carol), statuses: [403] });
      for (const c of cases) {
        const res = await api.app.inject({ method: route.method as 'GET', url: urlOf(route), headers: c.headers(), ...(route.method === 'GET' || route.method === 'HEAD' ? {} : { payload: BODY }) });
        calls++;
        const label = `${route.method} ${route.url} with ${c.name}: ${res.statusCode} ${res.body.slice(0, 120)}`;
        if (!c.statuses.includes(res.statusCode)) {
          failures.push(label);
          continue;
        }
        if (route.method === 'HEAD') continue;
        const body = res.json() as { id?: unknown; message?: unknown };
        if (body.id !== ID_OF[res.statusCode] || typeof body.message !== 'string' || body.message === '') failures.push(`${label} (shape)`);
      }
    }
    expect(failures).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the audit hook records after the response
    expect(calls).toBeGreaterThan(guarded.length * CREDENTIALS.length);
    expect(await snapshot(db.pool)).toBe(before);
    expect(JSON.stringify(api.recorded)).toBe(recorded);
  });

  it('lets the owner, an admin and a collaborator through where their rule allows', async () => {
    for (const who of ['alice', 'admin', 'carol'] as const) {
      const res = await api.app.inject({ url: '/apps/rt-app/releases', headers: bearer(tokens[who]) });
      expect(res.statusCode, who).toBe(200);
    }
    const res = await api.app.inject({ url: '/apps/rt-app/config-vars', headers: bearer(tokens.carol) });
    expect(res.json()).toEqual({ id: 'forbidden', message: 'You need the deploy permission on rt-app; its owner can grant it with platform access:update.' });
  });
});
