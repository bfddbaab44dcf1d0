import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import type { User } from '@platform/store-postgres';
import { deployedApp, someUser } from '../support/services.ts';
import { testApi } from '../support/api.ts';

/** Users, personal tokens and collaborators over HTTP, with issue 16's bad-input list: a clear 4xx and nothing changed. */
let db: TestDatabase;
let api: Awaited<ReturnType<typeof testApi>>;
let admin: User;
let adminHeaders: Record<string, string>;

beforeAll(async () => {
  db = await startTestDatabase();
  api = await testApi(db.store);
  admin = await someUser(db.store, true);
  adminHeaders = await api.auth(admin.id);
});

afterAll(async () => {
  await api?.close();
  await db?.stop();
});

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const call = (method: Method, url: string, headers: Record<string, string>, payload?: unknown) =>
  api.app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });
const basic = (email: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}` });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const PASSWORD = 'correct horse battery';

/** Creates a user with a password and logs in as it: its token headers. */
async function member(email: string): Promise<{ id: string; headers: Record<string, string> }> {
  const created = await call('POST', '/users', adminHeaders, { email, password: PASSWORD });
  expect(created.statusCode).toBe(201);
  const login = await call('POST', '/oauth/authorizations', basic(email, PASSWORD), { description: 'test login' });
  expect(login.statusCode).toBe(201);
  return { id: created.json().id, headers: bearer(login.json().access_token.token) };
}

describe('users', () => {
  it('creates users with a password, refuses duplicates and weak passwords, and changes nothing then', async () => {
    const ok = await call('POST', '/users', adminHeaders, { email: 'Dev@Example.com', password: PASSWORD });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toMatchObject({ email: 'dev@example.com', admin: false, state: 'active', invite_code: null });
    const dup = await call('POST', '/users', adminHeaders, { email: 'dev@example.com', password: PASSWORD });
    expect(dup.statusCode).toBe(422);
    expect(dup.json()).toEqual({ id: 'invalid_params', message: 'dev@example.com is already a user.' });
    for (const password of ['', 'short', 'aaaaaaaaaaaaaaa', 'weakling-password']) {
      const res = await call('POST', '/users', adminHeaders, { email: 'weakling@example.com', password });
      expect(res.statusCode, password).toBe(422);
      expect(res.json().message).toContain('A password needs 10 to 256 characters');
    }
    expect((await call('POST', '/users', adminHeaders, { email: 'not-an-email', password: PASSWORD })).statusCode).toBe(422);
    const emails = (await call('GET', '/users', adminHeaders)).json().map((u: { email: string }) => u.email);
    expect(emails).toContain('dev@example.com');
    expect(emails).not.toContain('weakling@example.com');
  });

  it('lets a user set and change its own password, the current one needed once set', async () => {
    expect((await call('PATCH', '/account', adminHeaders, { password: 'short' })).statusCode).toBe(422);
    expect((await call('PATCH', '/account', adminHeaders, { password: PASSWORD })).statusCode).toBe(200);
    expect((await call('POST', '/oauth/authorizations', basic(admin.email, PASSWORD))).statusCode).toBe(201);
    const noCurrent = await call('PATCH', '/account', adminHeaders, { password: 'another good password' });
    expect(noCurrent.json()).toEqual({ id: 'invalid_params', message: 'current_password is missing or wrong.' });
    expect((await call('PATCH', '/account', adminHeaders, { password: 'another good password', current_password: PASSWORD })).statusCode).toBe(200);
    expect((await call('POST', '/oauth/authorizations', basic(admin.email, PASSWORD))).statusCode).toBe(401);
    expect((await call('POST', '/oauth/authorizations', basic(admin.email, 'another good password'))).statusCode).toBe(201);
  });

  it('invites with a one-time code exchanged once for a password', async () => {
    const invited = await call('POST', '/users', adminHeaders, { email: 'new@example.com' });
    expect(invited.json()).toMatchObject({ state: 'invited' });
    const code = invited.json().invite_code as string;
    expect(code).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await call('POST', '/oauth/authorizations', basic('new@example.com', PASSWORD))).statusCode).toBe(401);
    expect((await call('PATCH', `/invitations/${code}`, {}, { password: 'short' })).statusCode).toBe(422);
    const accepted = await call('PATCH', `/invitations/${code}`, {}, { password: PASSWORD });
    expect(accepted.json()).toMatchObject({ email: 'new@example.com' });
    const again = await call('PATCH', `/invitations/${code}`, {}, { password: 'another good password' });
    expect(again.statusCode).toBe(404);
    expect((await call('POST', '/oauth/authorizations', basic('new@example.com', 'another good password'))).statusCode).toBe(401);
    expect((await call('POST', '/oauth/authorizations', basic('new@example.com', PASSWORD))).statusCode).toBe(201);
  });

  it('keeps user management to admins, disables and removes users, and refuses removing an owner', async () => {
    const eve = await member('eve@example.com');
    expect((await call('GET', '/users', eve.headers)).statusCode).toBe(403);
    expect((await call('POST', '/users', eve.headers, { email: 'x@example.com', password: PASSWORD })).statusCode).toBe(403);
    const disabled = await call('PATCH', '/users/eve@example.com', adminHeaders, { disabled: true });
    expect(disabled.json()).toMatchObject({ state: 'disabled' });
    expect((await call('GET', '/account', eve.headers)).statusCode).toBe(401);
    expect((await call('POST', '/oauth/authorizations', basic('eve@example.com', PASSWORD))).statusCode).toBe(401);
    await call('PATCH', '/users/eve@example.com', adminHeaders, { disabled: false });
    expect((await call('GET', '/account', eve.headers)).json()).toMatchObject({ email: 'eve@example.com' });
    expect((await call('POST', '/apps', eve.headers, { name: 'eve-app' })).statusCode).toBe(201);
    const owner = await call('DELETE', '/users/eve@example.com', adminHeaders);
    expect(owner.statusCode).toBe(422);
    expect(owner.json().message).toContain('owns eve-app');
    expect((await call('GET', '/account', eve.headers)).statusCode).toBe(200);
    expect((await call('DELETE', '/apps/eve-app', eve.headers)).statusCode).toBe(200);
    expect((await call('DELETE', '/users/eve@example.com', adminHeaders)).statusCode).toBe(200);
    expect((await call('GET', '/account', eve.headers)).statusCode).toBe(401);
    expect((await call('DELETE', `/users/${admin.email}`, adminHeaders)).statusCode).toBe(422);
    // The e-mail is free again.
    expect((await call('POST', '/users', adminHeaders, { email: 'eve@example.com', password: PASSWORD })).statusCode).toBe(201);
  });
});

describe('personal tokens', () => {
  it('creates with a description and expiry, lists without the secret, revokes for the next request', async () => {
    const me = await member('tok@example.com');
    const created = await call('POST', '/oauth/authorizations', me.headers, { description: 'CI', expires_in: 3600 });
    expect(created.statusCode).toBe(201);
    const { id, access_token } = created.json() as { id: string; access_token: { token: string; expires_in: number } };
    expect(access_token.token).toMatch(/\S{20,}/);
    expect(access_token.expires_in).toBeGreaterThan(3590);
    const listed = (await call('GET', '/oauth/authorizations', me.headers)).json() as Array<{ id: string; description: string; access_token: { token: unknown } }>;
    expect(listed.map((t) => t.description)).toEqual(['test login', 'CI']);
    expect(listed.every((t) => t.access_token.token === null)).toBe(true);
    expect((await call('GET', '/account', bearer(access_token.token))).statusCode).toBe(200);
    expect((await call('DELETE', `/oauth/authorizations/${id}`, me.headers)).statusCode).toBe(200);
    const after = await call('GET', '/account', bearer(access_token.token));
    expect(after.statusCode).toBe(401);
    expect(after.json()).toEqual({ id: 'unauthorized', message: 'Invalid credentials provided. Run `platform login`.' });
    expect((await call('DELETE', `/oauth/authorizations/${id}`, me.headers)).statusCode).toBe(404);
    for (const expires_in of [0, -5, 1.5, 'soon', 10 ** 12]) {
      expect((await call('POST', '/oauth/authorizations', me.headers, { expires_in })).statusCode, String(expires_in)).toBe(422);
    }
    // Someone else's token id is not found (and stays).
    const other = await member('tok2@example.com');
    const theirs = (await call('GET', '/oauth/authorizations', other.headers)).json()[0].id as string;
    expect((await call('DELETE', `/oauth/authorizations/${theirs}`, me.headers)).statusCode).toBe(404);
    expect((await call('GET', '/account', other.headers)).statusCode).toBe(200);
  });

  it('refuses an expired token', async () => {
    const user = await someUser(db.store);
    const token = await db.store.accounts.createToken(user.id, 'old', { expiresAt: new Date(Date.now() - 1) });
    expect((await call('GET', '/account', bearer(token))).statusCode).toBe(401);
  });
});

describe('collaborators', () => {
  it('adds, lists and removes collaborators with permissions; refuses twice, the owner and unknown users', async () => {
    const owner = await member('owner@example.com');
    const friend = await member('friend@example.com');
    await deployedApp(db.store, api.slugsDir, (await db.store.accounts.findUser(owner.id))!, 'team-app');
    expect((await call('GET', '/apps/team-app', friend.headers)).statusCode).toBe(404);
    expect((await call('GET', '/apps/team-app/collaborators', owner.headers)).json()).toEqual([]);
    expect((await call('GET', '/apps/team-app/addons', owner.headers)).json()).toEqual([]);
    expect((await call('GET', '/account/features', owner.headers)).json()).toEqual([]);
    expect((await call('GET', '/account', owner.headers)).json()).toMatchObject({ email: 'owner@example.com', admin: false });
    const added = await call('POST', '/apps/team-app/collaborators', owner.headers, { user: 'friend@example.com', permissions: ['deploy'] });
    expect(added.statusCode).toBe(201);
    expect(added.json()).toMatchObject({ role: 'collaborator', user: { email: 'friend@example.com' }, permissions: [{ name: 'view' }, { name: 'deploy' }] });
    const twice = await call('POST', '/apps/team-app/collaborators', owner.headers, { user: 'friend@example.com' });
    expect(twice.statusCode).toBe(422);
    expect(twice.json()).toEqual({ id: 'invalid_params', message: 'That user is already a collaborator on this app.' });
    expect((await call('POST', '/apps/team-app/collaborators', owner.headers, { user: 'owner@example.com' })).statusCode).toBe(422);
    expect((await call('POST', '/apps/team-app/collaborators', owner.headers, { user: 'ghost@example.com' })).statusCode).toBe(404);
    expect((await call('POST', '/apps/team-app/collaborators', owner.headers, { user: 'x@example.com', permissions: ['root'] })).statusCode).toBe(422);
    // The friend sees it in its lists and may deploy, but not scale or manage.
    expect((await call('GET', '/users/~/apps', friend.headers)).json().map((a: { name: string }) => a.name)).toEqual(['team-app']);
    expect((await call('PATCH', '/apps/team-app/config-vars', friend.headers, { A: '1' })).statusCode).toBe(200);
    expect((await call('PATCH', '/apps/team-app/formation/web', friend.headers, { quantity: 2 })).statusCode).toBe(403);
    expect((await call('POST', '/apps/team-app/collaborators', friend.headers, { user: 'tok@example.com' })).statusCode).toBe(403);
    // The last owner stays.
    const last = await call('DELETE', '/apps/team-app/collaborators/owner@example.com', owner.headers);
    expect(last.statusCode).toBe(422);
    expect(last.json().message).toContain('cannot lose its last owner');
    expect((await call('DELETE', '/apps/team-app', friend.headers)).statusCode).toBe(403);
    const listed = (await call('GET', '/apps/team-app/collaborators', owner.headers)).json();
    expect(listed.map((c: { user: { email: string } }) => c.user.email)).toEqual(['friend@example.com']);
    expect((await call('DELETE', '/apps/team-app/collaborators/friend@example.com', owner.headers)).statusCode).toBe(200);
    expect((await call('GET', '/apps/team-app', friend.headers)).statusCode).toBe(404);
    expect((await call('DELETE', '/apps/team-app/collaborators/friend@example.com', owner.headers)).statusCode).toBe(404);
  });

  it('transfers an app: the new owner has it, the previous one stays a collaborator', async () => {
    const from = await member('from@example.com');
    const to = await member('to@example.com');
    expect((await call('POST', '/apps', from.headers, { name: 'moving-app' })).statusCode).toBe(201);
    expect((await call('PATCH', '/apps/moving-app', to.headers, { owner: 'to@example.com' })).statusCode).toBe(404);
    expect((await call('PATCH', '/apps/moving-app', from.headers, { owner: 'nobody@example.com' })).statusCode).toBe(404);
    const moved = await call('PATCH', '/apps/moving-app', from.headers, { owner: 'to@example.com' });
    expect(moved.json()).toMatchObject({ owner: { email: 'to@example.com' } });
    expect((await call('GET', '/apps/moving-app/collaborators', to.headers)).json().map((c: { user: { email: string } }) => c.user.email)).toEqual(['from@example.com']);
    expect((await call('PATCH', '/apps/moving-app', from.headers, { owner: 'from@example.com' })).statusCode).toBe(403);
  });

  it('gives a destroyed and re-created app nothing of the old one', async () => {
    const first = await member('first@example.com');
    const second = await member('second@example.com');
    const friend = await member('pal@example.com');
    await call('POST', '/apps', first.headers, { name: 'reborn-app' });
    await call('POST', '/apps/reborn-app/collaborators', first.headers, { user: 'pal@example.com' });
    expect((await call('POST', '/apps/reborn-app/log-drains', first.headers, { url: 'syslog+tls://logs.example.com:6514' })).statusCode).toBe(201);
    await call('DELETE', '/apps/reborn-app', first.headers);
    expect((await call('POST', '/apps', second.headers, { name: 'reborn-app' })).statusCode).toBe(201);
    expect((await call('GET', '/apps/reborn-app', first.headers)).statusCode).toBe(404);
    expect((await call('GET', '/apps/reborn-app', friend.headers)).statusCode).toBe(404);
    expect((await call('GET', '/apps/reborn-app/log-drains', second.headers)).json()).toEqual([]);
    expect((await call('GET', '/apps/reborn-app/collaborators', second.headers)).json()).toEqual([]);
  });
});

describe('revocation and open sessions', () => {
  it('ends an open log tail (SSE and WebSocket) when its token is revoked, and a removed collaborator’s', async () => {
    const { WebSocket } = await import('ws');
    const owner = await member('tail-owner@example.com');
    const pal = await member('tail-pal@example.com');
    await call('POST', '/apps', owner.headers, { name: 'tail-app' });
    await call('POST', '/apps/tail-app/collaborators', owner.headers, { user: 'tail-pal@example.com', permissions: ['view'] });
    const address = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const token = await call('POST', '/oauth/authorizations', owner.headers, { description: 'tail' });
    const tailHeaders = bearer(token.json().access_token.token as string);
    const session = async (headers: Record<string, string>) =>
      ((await call('POST', '/apps/tail-app/log-sessions', headers, { tail: true })).json() as { logplex_url: string }).logplex_url.replace('http://api.test', address);

    const sse = await fetch(await session(tailHeaders));
    expect(sse.status).toBe(200);
    const ended = sse.text();
    const ws = new WebSocket((await session(pal.headers)).replace(/^http/, 'ws'));
    await new Promise((resolve, reject) => (ws.once('open', resolve), ws.once('error', reject)));
    const closed = new Promise((resolve) => ws.once('close', resolve));

    // An unused session URL of a revoked token is dead too.
    const unused = await session(tailHeaders);
    await call('DELETE', `/oauth/authorizations/${token.json().id}`, owner.headers);
    await ended;
    expect((await fetch(unused)).status).toBe(404);
    await call('DELETE', '/apps/tail-app/collaborators/tail-pal@example.com', owner.headers);
    await closed;
  });
});
