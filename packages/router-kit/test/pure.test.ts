import { describe, expect, it } from 'vitest';
import { appFromHost, createHostIndex, formatRouterLogLine, requestIdFrom } from '../src/index.ts';

describe('appFromHost', () => {
  it.each([
    ['myapp.localhost', 'myapp'],
    ['myapp.localhost:8080', 'myapp'],
    ['MyApp.LocalHost:80', 'myapp'],
    ['myapp.localhost.', 'myapp'],
    ['my-app-2.localhost', 'my-app-2'],
    ['localhost', null],
    ['.localhost', null],
    ['a.b.localhost', null], // "a.b" is no app name
    ['ab.localhost', null], // too short
    ['my_app.localhost', null],
    ['myapp-.localhost', null],
    ['myapp.localhost.evil.com', null],
    ['myapplocalhost', null],
    ['xmyapp.otherlocalhost', null],
    ['[::1]:80', null],
    ['', null],
    [undefined, null],
  ])('%s → %s', (host, app) => {
    expect(appFromHost(host, 'localhost')).toBe(app);
  });

  it('handles a domain with dots', () => {
    expect(appFromHost('shop.apps.example.com:443', 'apps.example.com')).toBe('shop');
    expect(appFromHost('shop.example.com', 'apps.example.com')).toBeNull();
  });
});

describe('requestIdFrom', () => {
  it('keeps a valid client id and replaces others with a UUID', () => {
    const valid = 'abcdefghijABCDEFGHIJ+/=-';
    expect(requestIdFrom(valid)).toBe(valid);
    expect(requestIdFrom('a'.repeat(200))).toBe('a'.repeat(200));
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const bad of [
      undefined,
      'short',
      'a'.repeat(201),
      'abcdefghijabcdefghij!',
      'abcdefghij abcdefghij',
      ['x'],
    ]) {
      expect(requestIdFrom(bad as string | undefined)).toMatch(uuid);
    }
  });
});

describe('createHostIndex', () => {
  it('resolves exact names before one-label wildcards, and forgets a removed app', () => {
    const index = createHostIndex();
    index.set('shop', ['www.shop.com', '*.shop.io']);
    index.set('blog', ['EU.shop.io']);
    expect(index.resolve('www.shop.com')).toBe('shop');
    expect(index.resolve('us.shop.io')).toBe('shop');
    expect(index.resolve('eu.shop.io')).toBe('blog');
    expect(index.resolve('shop.io')).toBeNull();
    expect(index.resolve('a.b.shop.io')).toBeNull();
    index.set('shop', ['www.shop.com']);
    expect(index.resolve('us.shop.io')).toBeNull();
    index.remove('shop');
    expect(index.resolve('www.shop.com')).toBeNull();
    expect(index.resolve('eu.shop.io')).toBe('blog');
  });
});

describe('formatRouterLogLine', () => {
  const base = {
    app: 'myapp',
    method: 'GET',
    path: '/a?b="c"',
    host: 'myapp.localhost',
    requestId: 'f5f6f0d4-4a8e-4b3c-9a53-9b0d3c7b8a11',
    fwd: '1.2.3.4, 127.0.0.1',
    protocol: 'http' as const,
  };

  it('formats a served request like Heroku', () => {
    expect(
      formatRouterLogLine({
        ...base,
        at: 'info',
        dyno: 'web.1',
        connectMs: 1,
        serviceMs: 12,
        status: 200,
        bytes: 5,
      }),
    ).toBe(
      'at=info method=GET path="/a?b=\\"c\\"" host=myapp.localhost request_id=f5f6f0d4-4a8e-4b3c-9a53-9b0d3c7b8a11 ' +
        'fwd="1.2.3.4, 127.0.0.1" dyno=web.1 connect=1ms service=12ms status=200 bytes=5 protocol=http',
    );
  });

  it('puts code and desc after at= and leaves fields that do not apply empty', () => {
    expect(
      formatRouterLogLine({
        ...base,
        at: 'error',
        code: 'H14',
        desc: 'No web processes running',
        dyno: null,
        connectMs: 0,
        serviceMs: 0,
        status: 503,
        bytes: 0,
      }),
    ).toBe(
      'at=error code=H14 desc="No web processes running" method=GET path="/a?b=\\"c\\"" host=myapp.localhost ' +
        'request_id=f5f6f0d4-4a8e-4b3c-9a53-9b0d3c7b8a11 fwd="1.2.3.4, 127.0.0.1" dyno= connect= service= status=503 bytes= protocol=http',
    );
  });
});
