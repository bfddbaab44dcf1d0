import { describe, expect, it } from 'vitest';
import { createApp, destroyApp } from '../../src/services/apps.ts';
import { addDomain, getDomain, listDomains, removeDomain } from '../../src/services/domains.ts';
import { someUser, useServiceTests } from '../support/services.ts';

const t = useServiceTests();

describe('domains', () => {
  it("refuses the platform API's own hostname while the edge serves the API there, changing nothing", async () => {
    const user = await someUser(t.store);
    await createApp(t.env.deps, user, { name: 'dom-api' });
    const apiEdge = { hostname: 'paas.example.com', certPem: '', keyPem: '', certHostnames: ['paas.example.com'], automatic: false };
    const deps = { ...t.env.deps, config: { ...t.env.deps.config, apiEdge } };
    await expect(addDomain(deps, user, 'dom-api', { hostname: 'PaaS.example.com' })).rejects.toMatchObject({ code: 'PLT_DOMAIN_TAKEN', message: "paas.example.com is the platform's own API hostname." });
    expect((await listDomains(deps, user, 'dom-api')).map((d) => d.hostname)).toEqual(['dom-api.apps.test']);
  });

  it("lists the default domain first, then custom ones (exact, wildcard, IDN in punycode), and tells the edge", async () => {
    const user = await someUser(t.store);
    await createApp(t.env.deps, user, { name: 'dom-list' });
    const [only] = await listDomains(t.env.deps, user, 'dom-list');
    expect(only).toMatchObject({ hostname: 'dom-list.apps.test', kind: 'heroku', cname: null, status: 'succeeded' });
    expect((await listDomains(t.env.deps, user, 'dom-list'))[0]!.id).toBe(only!.id); // stable
    const www = await addDomain(t.env.deps, user, 'dom-list', { hostname: 'WWW.Example.com.' });
    expect(www).toMatchObject({ hostname: 'www.example.com', kind: 'custom', cname: 'dom-list.apps.test', status: 'succeeded', acmStatus: null, sniEndpoint: null });
    await addDomain(t.env.deps, user, 'dom-list', { hostname: '*.example.com' });
    await addDomain(t.env.deps, user, 'dom-list', { hostname: 'bücher.example' });
    expect((await listDomains(t.env.deps, user, 'dom-list')).map((d) => d.hostname)).toEqual([
      'dom-list.apps.test',
      'www.example.com',
      '*.example.com',
      'xn--bcher-kva.example',
    ]);
    expect(t.env.recorded.edge.domains.get('dom-list')).toEqual(['www.example.com', '*.example.com', 'xn--bcher-kva.example']);
    expect((await getDomain(t.env.deps, user, 'dom-list', 'www.EXAMPLE.com')).id).toBe(www.id);
    expect((await getDomain(t.env.deps, user, 'dom-list', www.id)).hostname).toBe('www.example.com');
    expect((await getDomain(t.env.deps, user, 'dom-list', 'bücher.example')).hostname).toBe('xn--bcher-kva.example');
  });

  it('keeps a hostname on one app, and refuses the platform domain; nothing is stored', async () => {
    const alice = await someUser(t.store);
    const bob = await someUser(t.store);
    await createApp(t.env.deps, alice, { name: 'dom-alice' });
    await createApp(t.env.deps, bob, { name: 'dom-bob' });
    await addDomain(t.env.deps, alice, 'dom-alice', { hostname: 'shop.example.org' });
    await expect(addDomain(t.env.deps, bob, 'dom-bob', { hostname: 'Shop.Example.org' })).rejects.toMatchObject({
      code: 'PLT_DOMAIN_TAKEN',
      message: 'shop.example.org is currently in use by another app.',
    });
    await expect(addDomain(t.env.deps, alice, 'dom-alice', { hostname: 'shop.example.org' })).rejects.toMatchObject({
      code: 'PLT_DOMAIN_TAKEN',
      message: 'shop.example.org is already a domain of this app.',
    });
    await expect(addDomain(t.env.deps, bob, 'dom-bob', { hostname: 'dom-bob.apps.test' })).rejects.toMatchObject({ code: 'PLT_DOMAIN_TAKEN', message: /default domain/ });
    await expect(addDomain(t.env.deps, bob, 'dom-bob', { hostname: 'dom-alice.apps.test' })).rejects.toMatchObject({ code: 'PLT_DOMAIN_INVALID', message: /platform's own domain/ });
    await expect(addDomain(t.env.deps, bob, 'dom-bob', { hostname: '*.apps.test' })).rejects.toMatchObject({ code: 'PLT_DOMAIN_INVALID' });
    await expect(addDomain(t.env.deps, bob, 'dom-bob', { hostname: '10.0.0.1' })).rejects.toMatchObject({ code: 'PLT_DOMAIN_INVALID' });
    await expect(addDomain(t.env.deps, bob, 'dom-alice', { hostname: 'x.example.org' })).rejects.toMatchObject({ code: 'PLT_APP_NOT_FOUND' });
    expect((await listDomains(t.env.deps, bob, 'dom-bob')).map((d) => d.kind)).toEqual(['heroku']);
  });

  it('removes a custom domain (not the default), and destroying the app frees its hostnames', async () => {
    const user = await someUser(t.store);
    const other = await someUser(t.store);
    await createApp(t.env.deps, user, { name: 'dom-remove' });
    await createApp(t.env.deps, other, { name: 'dom-next' });
    await addDomain(t.env.deps, user, 'dom-remove', { hostname: 'a.example.net' });
    await addDomain(t.env.deps, user, 'dom-remove', { hostname: 'b.example.net' });
    expect((await removeDomain(t.env.deps, user, 'dom-remove', 'a.example.net')).hostname).toBe('a.example.net');
    expect(t.env.recorded.edge.domains.get('dom-remove')).toEqual(['b.example.net']);
    await expect(removeDomain(t.env.deps, user, 'dom-remove', 'a.example.net')).rejects.toMatchObject({ code: 'PLT_DOMAIN_NOT_FOUND' });
    await expect(removeDomain(t.env.deps, user, 'dom-remove', 'dom-remove.apps.test')).rejects.toMatchObject({ code: 'PLT_DOMAIN_INVALID' });
    await destroyApp(t.env.deps, user, 'dom-remove');
    expect(await t.store.domains.byHostname('b.example.net')).toBeNull();
    await addDomain(t.env.deps, other, 'dom-next', { hostname: 'b.example.net' });
  });
});
