import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import type { User } from '@platform/store-postgres';
import { deployedApp, someUser } from '../support/services.ts';
import { testApi } from '../support/api.ts';
import { auditDetails } from '../../src/api/audit.ts';

/** Issue 16 §5: every change recorded with who, when, from where and the request id; names, never values. */
let db: TestDatabase;
let api: Awaited<ReturnType<typeof testApi>>;
let owner: User;
let headers: Record<string, string>;
let adminHeaders: Record<string, string>;

beforeAll(async () => {
  db = await startTestDatabase();
  api = await testApi(db.store);
  owner = await someUser(db.store);
  headers = await api.auth(owner.id);
  adminHeaders = await api.auth((await someUser(db.store, true)).id);
});
afterAll(async () => {
  await api?.close();
  await db?.stop();
});

const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, h: Record<string, string>, payload?: unknown) =>
  api.app.inject({ method, url, headers: { ...h, 'request-id': `req-${method}-${url.replace(/\W/g, '-')}-0123456789` }, remoteAddress: '192.0.2.7', ...(payload === undefined ? {} : { payload: payload as object }) });

async function events(url: string, h: Record<string, string>, count: number) {
  for (let i = 0; ; i++) {
    const list = (await api.app.inject({ url, headers: h })).json() as Array<Record<string, unknown>>;
    if (list.length >= count || i > 50) return list;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the audit trail', () => {
  it('records config (names only), scale, rollback, access and token changes with user, address and request id', async () => {
    const { app } = await deployedApp(db.store, api.slugsDir, owner, 'audit-app');
    await call('PATCH', '/apps/audit-app/config-vars', headers, { SECRET_KEY: 'hunter2-value', OLD: null });
    await call('PATCH', '/apps/audit-app/formation/web', headers, { quantity: 2 });
    await call('POST', '/apps/audit-app/releases', headers, { release: 'v1' });
    const friend = await someUser(db.store);
    await call('POST', '/apps/audit-app/collaborators', headers, { user: friend.email, permissions: ['view'] });
    await call('POST', '/apps/audit-app/log-drains', headers, { url: 'https://user:pa55@logs.example.com/x?token=abc' });
    const token = await call('POST', '/oauth/authorizations', headers, { description: 'audit CI' });
    await call('DELETE', `/oauth/authorizations/${token.json().id}`, headers);
    await call('GET', '/apps/audit-app/releases', headers);

    const list = await events('/apps/audit-app/audit', headers, 5);
    expect(list.map((e) => e.action)).toEqual(['drain.add', 'collaborator.add', 'release.rollback', 'formation.scale', 'config.update']);
    const config = list.find((e) => e.action === 'config.update')!;
    expect(config).toMatchObject({
      user: { id: owner.id, email: owner.email },
      source_address: '192.0.2.7',
      request_id: 'req-PATCH--apps-audit-app-config-vars-0123456789',
      app: { id: app.id, name: 'audit-app' },
      details: { set: ['SECRET_KEY'], unset: ['OLD'] },
    });
    const all = JSON.stringify(await events('/audit', adminHeaders, 7));
    expect(all).not.toContain('hunter2');
    expect(all).not.toContain('pa55');
    expect(all).toContain('"action":"token.create"');
    expect(all).toContain('"action":"token.revoke"');
    expect(all).toContain('"url":"https://logs.example.com"');
  });

  it('keeps the trail to admins, and an app re-created under the same name starts with none', async () => {
    expect((await call('GET', '/audit', headers)).statusCode).toBe(403);
    await call('POST', '/apps', headers, { name: 'audit-reborn' });
    await call('PATCH', '/apps/audit-reborn/config-vars', headers, { A: '1' }).catch(() => undefined);
    await call('DELETE', '/apps/audit-reborn', headers);
    const other = await api.auth((await someUser(db.store)).id);
    const reborn = (await call('POST', '/apps', other, { name: 'audit-reborn' })).json() as { id: string };
    const own = await events('/apps/audit-reborn/audit', other, 1);
    // Only its own creation: nothing of the first app of that name.
    expect(own.map((e) => [e.action, (e.app as { id: string }).id])).toEqual([['app.create', reborn.id]]);
    const admin = JSON.stringify(await events('/audit', adminHeaders, 10));
    expect(admin).toContain('"action":"app.destroy"');
  });

  it('keeps names and ids only', () => {
    expect(auditDetails('PATCH /apps/:app/config-vars', { app: 'a' }, { A: 'x', B: null })).toEqual({ set: ['A'], unset: ['B'] });
    expect(auditDetails('POST /users', {}, { email: 'a@b.c', password: 'secret-secret' })).toEqual({ email: 'a@b.c', invited: false });
    expect(auditDetails('PATCH /invitations/:code', { code: 'secret' }, { password: 'x' })).toEqual({});
    expect(auditDetails('POST /apps/:app/dynos', { app: 'a' }, { command: 'psql $SECRET', size: 'basic' })).toEqual({ size: 'basic' });
    // A certificate upload's private key never reaches the trail; domains, add-ons and maintenance are named.
    expect(auditDetails('POST /apps/:app/sni-endpoints', { app: 'a' }, { certificate_chain: 'PEM', private_key: 'KEY' })).toEqual({ app: 'a' });
    expect(auditDetails('POST /apps/:app/domains', { app: 'a' }, { hostname: 'www.example.com' })).toEqual({ hostname: 'www.example.com' });
    expect(auditDetails('POST /apps/:app/addons', { app: 'a' }, { plan: 'postgresql', attachment: { name: 'DB', x: 1 } })).toEqual({ plan: 'postgresql', attachment: { name: 'DB' } });
    expect(auditDetails('PATCH /apps/:app', { app: 'a' }, { maintenance: true })).toEqual({ maintenance: true });
    expect(auditDetails('POST /addon-attachments', {}, { addon: { name: 'postgresql-x-1', extra: 'y' }, app: 'b', name: 'SHARED' })).toEqual({
      addon: { name: 'postgresql-x-1' },
      app: 'b',
      name: 'SHARED',
    });
    // The SQL of pg:psql -c is not kept (it may hold data), as a one-off's command is not.
    expect(auditDetails('POST /apps/:app/pg-psql', { app: 'a' }, { database: 'DATABASE', command: "SELECT 'secret'", attach: true })).toEqual({ database: 'DATABASE', attach: true });
  });
});
