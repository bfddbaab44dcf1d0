import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestDatabase, type TestDatabase } from '@platform/store-postgres/testing';
import { someUser } from '../support/services.ts';
import { testApi } from '../support/api.ts';

/** Issue 16 §4: failed logins limited per source address, requests per token, both 429 `rate_limit` with Retry-After. */
let db: TestDatabase;
beforeAll(async () => (db = await startTestDatabase()));
afterAll(async () => db?.stop());

describe('abuse limits', () => {
  it('answers 429 with Retry-After to an address after too many failed logins, good token included; others carry on', async () => {
    const api = await testApi(db.store, { authFailureLimit: 3 });
    try {
      const good = await api.auth((await someUser(db.store)).id);
      const from = (remoteAddress: string, headers: Record<string, string>) => api.app.inject({ url: '/account', headers, remoteAddress });
      for (let i = 0; i < 3; i++) expect((await from('10.0.0.1', { authorization: `Bearer wrong-${i}` })).statusCode).toBe(401);
      const limited = await from('10.0.0.1', good);
      expect(limited.statusCode).toBe(429);
      expect(limited.json()).toEqual({ id: 'rate_limit', message: expect.stringMatching(/^Too many failed logins from your address; try again in \d+ seconds\.$/) });
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect((await from('10.0.0.2', good)).statusCode).toBe(200);
      // A wrong e-mail/password counts the same way.
      const basic = { authorization: `Basic ${Buffer.from('x@example.com:nope-nope-nope').toString('base64')}` };
      for (let i = 0; i < 3; i++) expect((await api.app.inject({ method: 'POST', url: '/oauth/authorizations', headers: basic, remoteAddress: '10.0.0.3' })).statusCode).toBe(401);
      expect((await api.app.inject({ method: 'POST', url: '/oauth/authorizations', headers: basic, remoteAddress: '10.0.0.3' })).statusCode).toBe(429);
    } finally {
      await api.close();
    }
  });

  it('limits each token on its own: one flooding token gets 429, another is served', async () => {
    const api = await testApi(db.store, { apiRequestLimit: 5 });
    try {
      const flooder = await api.auth((await someUser(db.store)).id);
      const other = await api.auth((await someUser(db.store)).id);
      for (let i = 0; i < 5; i++) expect((await api.app.inject({ url: '/apps', headers: flooder })).statusCode).toBe(200);
      const over = await api.app.inject({ url: '/apps', headers: flooder });
      expect(over.statusCode).toBe(429);
      expect(over.json()).toMatchObject({ id: 'rate_limit' });
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      expect((await api.app.inject({ url: '/apps', headers: other })).statusCode).toBe(200);
      expect((await api.app.inject({ url: '/healthz' })).statusCode).toBe(200);
      // The limit comes before the token is looked up: a flood of unknown tokens is refused unread.
      const unknown = { authorization: 'Bearer not-a-token' };
      for (let i = 0; i < 5; i++) expect((await api.app.inject({ url: '/apps', headers: unknown })).statusCode).toBe(401);
      expect((await api.app.inject({ url: '/apps', headers: unknown })).statusCode).toBe(429);
    } finally {
      await api.close();
    }
  });

  it('tells a token what is left of its allowance at GET /account/rate-limits, as Heroku does', async () => {
    const api = await testApi(db.store, { apiRequestLimit: 5 });
    try {
      const mine = await api.auth((await someUser(db.store)).id);
      const other = await api.auth((await someUser(db.store)).id);
      const remaining = async (headers: Record<string, string>) => {
        const res = await api.app.inject({ url: '/account/rate-limits', headers });
        expect(res.statusCode).toBe(200);
        return res.json() as unknown;
      };
      // The asking request counts too.
      expect(await remaining(mine)).toEqual({ remaining: 4 });
      expect((await api.app.inject({ url: '/apps', headers: mine })).statusCode).toBe(200);
      expect(await remaining(mine)).toEqual({ remaining: 2 });
      expect(await remaining(other)).toEqual({ remaining: 4 });
      expect((await api.app.inject({ url: '/account/rate-limits' })).statusCode).toBe(401);
    } finally {
      await api.close();
    }
  });
});
