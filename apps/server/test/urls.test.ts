import { describe, expect, it } from 'vitest';
import { appUrls } from '../src/urls.ts';

describe('app URLs', () => {
  it('follow PLATFORM_PUBLIC_URL, scheme included', () => {
    const https = appUrls({ publicUrl: 'https://paas.example.com', domain: 'apps.example.com', host: '0.0.0.0' }, () => 5000, () => 8080);
    expect([https.api(), https.git('shop'), https.web('shop')]).toEqual(['https://paas.example.com', 'https://paas.example.com/shop.git', 'https://shop.apps.example.com/']);
    const http = appUrls({ publicUrl: 'http://paas.example.com:5000', domain: 'apps.example.com', host: '0.0.0.0' }, () => 5000, () => 80);
    expect([http.git('shop'), http.web('shop')]).toEqual(['http://paas.example.com:5000/shop.git', 'http://shop.apps.example.com/']);
  });

  it('say http and the listening ports without one', () => {
    const local = appUrls({ publicUrl: null, domain: 'localhost', host: '0.0.0.0' }, () => 5123, () => 8080);
    expect([local.api(), local.git('shop'), local.web('shop')]).toEqual(['http://127.0.0.1:5123', 'http://127.0.0.1:5123/shop.git', 'http://shop.localhost:8080/']);
  });

  it('name the rendezvous listener (heroku run) at the API host while it is on', () => {
    let port: number | null = null;
    const urls = appUrls({ publicUrl: 'https://paas.example.com', domain: 'apps.example.com', host: '0.0.0.0' }, () => 5000, () => 8080, () => port);
    expect(urls.rendezvous()).toBeNull();
    port = 5001;
    expect(urls.rendezvous()).toBe('rendezvous://paas.example.com:5001');
  });
});
